//! Stage 1: source text to a typed AST (`ast`), with pest (`grammar/omnis.pest`).
//!
//! - [`scan`]: the linear pre-scan (comments, nesting depth, NUL bytes,
//!   whitespace that is not [`is_space`]).
//! - [`parser`]: the entry point, [`parse_file`], and resuming after errors.
//! - [`lower`], [`step`] and [`values`]: pest pairs to AST nodes, literals
//!   checked; [`step`] holds the steps, [`action`] the steps that do one
//!   thing and go on, [`delay`] the waits for time: each one definition
//!   for the tree and the model, generic over a [`phase`] (how names are
//!   referred to) where they name things.
//! - [`recover`]: a declaration that does not parse: the diagnostic (the
//!   bracket never closed, hints for common mistakes) and what could be
//!   read of it.
//! - [`stream`]: a large campaign read piece by piece, so that pest's
//!   tokens are held for some lines at a time.

pub mod action;
pub mod ast;
pub mod delay;
mod lower;
pub mod parser;
pub mod phase;
mod recover;
mod scan;
pub mod step;
pub(crate) mod stream;
#[cfg(test)]
mod tests;
mod values;

/// The deepest nesting of `{ }`, `( )`, `[ ]` and `not` the parser accepts.
/// Deeper input is a `syntax-error`, found by a linear scan before pest runs
/// so that no input can exhaust the stack.
pub const MAX_NESTING: usize = 256;

pub use parser::parse_file;

/// Whitespace between tokens: a space, a tab, a line break (`\n`, or `\r\n`)
/// and the byte order mark. The parser, the error recovery and the formatter
/// all use this one definition. Other Unicode whitespace (a no-break space,
/// a form feed...) is a `syntax-error` (see [`scan`]).
pub fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{FEFF}')
}
