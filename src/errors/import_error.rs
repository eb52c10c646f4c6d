//! # import-error
//!
//! An `import` names a file that cannot be loaded: it does not exist, it
//! imports the importing file back (a cycle), or it lies outside the project
//! root (the nearest folder above with `omnis.toml`, else the folder of the
//! file named on the command line; symlinks are resolved first).
//!
//! ## Why
//! A campaign must compile the same way on every machine and in CI, from
//! the repository alone.
//!
//! ## Example
//! ```omni
//! import "../../secrets/audience.omni"
//! ```
//!
//! ## Fix
//! Import paths are relative to the importing file. Move shared declarations
//! into a file inside the project, and break cycles by moving what both files
//! need into a third file that both import.
