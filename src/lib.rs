//! Omnis: campaign-as-code. Marketers describe omnichannel journeys in
//! `.omni` files; Omnis checks them and compiles them to execution plans.
//!
//! The pipeline, one module per stage:
//! 1. [`syntax`]: text to a typed AST with spans (pest).
//! 2. [`loader`]: files and imports, inside the project root.
//! 3. [`resolve`]: names and types, to the checked [`model`].
//! 4. `graph`: each journey lowered to a petgraph graph.
//! 5. [`lints`]: analyses over the graph.
//! 6. `plan`: execution plans for runners (the format is `docs/plan-format.md`).
//! 7. `simulate`: the reference runner, executing plans for scenarios.
//!
//! [`driver`] runs the stages; [`lsp`] serves them to editors; `main.rs` only maps its result to an exit code.

// The parser pest derives refers to `alloc` when pest is built without `std`.
extern crate alloc;

pub mod analysis;
pub mod build;
pub mod cli;
pub mod codes;
pub mod config;
pub mod diagnostic;
pub mod diagram;
pub mod diff;
pub mod driver;
pub mod files;
pub mod fmt;
pub mod graph;
pub mod init;
pub mod lints;
pub mod loader;
pub mod lsp;
pub mod memory;
pub mod model;
pub mod plan;
pub mod project;
pub mod render;
pub mod resolve;
pub mod runtime;
pub mod schemas;
pub mod simulate;
pub mod source;
pub mod stack;
pub mod suggest;
pub mod symbols;
pub mod syntax;
pub mod words;
