//! # config-error
//!
//! `omnis.toml` (the project's configuration, at the project root) has
//! something Omnis does not know or cannot read: an unknown key or table
//! (`[lint]` for `[lints]`), an unknown lint code or level, a lint set that
//! is an error and cannot be configured, an `exclude` pattern that is not a
//! valid gitignore pattern, a value of the wrong type, or text that is not
//! TOML. A near-miss gets a did-you-mean.
//!
//! ## Why
//! A misspelled setting that is silently ignored leaves the project checked
//! as if it were not there: a lint meant to fail CI only warns, a folder
//! meant to be skipped is checked.
//!
//! ## Example
//! ```toml
//! [lint]
//! repeated-mesage = "deny"
//! ```
//!
//! ## Fix
//! Use the names Omnis knows: the top-level `exclude` (a list of gitignore
//! patterns) and the `[lints]` table, whose keys are lint codes (`omnis
//! explain` lists them) set to `"allow"`, `"warn"` or `"deny"`:
//!
//! ```toml
//! exclude = ["drafts/"]
//!
//! [lints]
//! repeated-message = "deny"
//! ```
