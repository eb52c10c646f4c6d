//! Stage 1: source text to a typed AST (`ast`), with pest (`grammar/omnis.pest`).

pub mod ast;
pub mod parser;

/// The deepest nesting of `{ }`, `( )`, `[ ]` and `not` the parser accepts.
/// Deeper input is a `syntax-error`, found by a linear scan before pest runs
/// so that no input can exhaust the stack.
pub const MAX_NESTING: usize = 256;

pub use parser::parse_file;
