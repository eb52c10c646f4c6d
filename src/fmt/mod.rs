//! `omnis fmt`: one canonical layout for `.omni` files.
//!
//! [`format_source`] parses a file and prints it again from the syntax tree,
//! so the layout never depends on how the file happened to be written,
//! except where a rule below says so on purpose (one-line blocks, blank
//! lines, the column of trailing comments). [`files`] applies it to files
//! on disk for `omnis fmt [PATH...] [--check] [--diff]`.
//!
//! # The layout
//!
//! - **Indentation**: two spaces per block level. Every line ends without
//!   trailing spaces; the file ends with one line break (an empty file
//!   stays empty).
//! - **Line breaks** are those of the file: `\r\n` (Windows) when its first
//!   line ends with one, else `\n`.
//! - **One thing per line**: each declaration, property, profile or event
//!   field, `vars` entry and journey step starts its own line, and blocks
//!   are `{ ... }` with the `{` on the line that opens them and the `}` on a
//!   line of its own, followed by `else` / `otherwise` when there is one.
//! - **One-line blocks**: a block-bearing construct stays on one line, as
//!   `event e { a: text, b: number }`, `channel sms { consent x  limit 1 per
//!   1d }`, `message m { channel email  template "t" }`, `vars { a: 1, b: 2
//!   }`, `if x { send a } else { send b }` or `10% holdout { }`, when
//!   1. it was written on one line (from its keyword to its last `}`),
//!   2. no step inside carries an `@allow`, and
//!   3. it fits in [`MAX_WIDTH`] columns (indentation included, alignment
//!      padding and a trailing comment not counted).
//!
//!   Otherwise every block in it is laid out over several lines (blocks
//!   inside those decide for themselves). On one line, fields and `vars`
//!   entries are separated by `, `, and properties and steps by two spaces.
//!   Campaigns and `journey` blocks always take several lines. An empty
//!   block with no comment inside is always `{ }`.
//! - **Blank lines**: the blank lines a user left between declarations,
//!   properties, fields and steps (and around comment lines) are kept,
//!   several in a row collapsed to one; blank lines after a `{`, before a
//!   `}`, and between an `@allow` and what it applies to, are removed.
//!   Between top-level declarations there is always one blank line when
//!   either of them takes several lines, so only runs of one-line
//!   declarations (events, channels, segments, imports...) sit together.
//! - **Alignment**: a run of one-line declarations of the same kind
//!   (`event`, `channel`, `segment` or `message`) with no blank line between
//!   them (comment lines do not break a run) is aligned as a table: names are padded so that the `{` (or the
//!   `=` of segments) line up, and the properties of channels and messages
//!   line up in columns (each property but the last of a line padded to the
//!   widest in its column, then two spaces). The arms of a `split` are
//!   aligned the same way: weights padded to the widest weight, names to the
//!   widest name, so that their `{` line up.
//! - **Expressions** are printed on one line with one space around
//!   operators and keywords, none inside `( )` and `[ ]`, and `, ` between
//!   list items. Parentheses are kept where they were written (the parser
//!   keeps them in the tree, and they aid reading) and none are added: the
//!   tree never needs any it does not have. Long conditions are not wrapped.
//! - **Literals**: strings are re-escaped canonically (`\"`, `\\` and `\n`,
//!   nothing else); numbers, durations, times of day, dates and percentages
//!   are printed as written.
//! - **`@allow(a, b)`** goes on its own line right before the declaration
//!   or step it applies to.
//! - **Comments** are all kept, each exactly once, in their place among the
//!   tokens. A comment that was alone on its line stays alone on its line,
//!   before whatever followed it, at that line's indentation. A comment
//!   that followed code stays at the end of the line holding that code.
//!   When that line still starts with the token its source line started
//!   with, the comment keeps its column relative to that token (so comments
//!   aligned by hand stay aligned, whatever the indentation), or goes one
//!   space after the code if the code now reaches it; when the line was
//!   rebuilt (a one-line block spread over lines, say), the comment keeps
//!   the spaces that separated it from the code. A trailing comment between
//!   the code that opens a block and its `{` moves after the `{`. A
//!   comment in the middle of a construct
//!   (inside a condition, say) breaks the line after it; the rest of the
//!   construct continues on the next line, indented four more spaces (or at
//!   the same indentation after a `}`).
//!
//! # Guarantees
//!
//! - Formatting is idempotent: `format(format(x)) == format(x)`.
//! - Formatting never changes meaning: the output parses to the same tree
//!   as the input, spans aside ([`equiv::same_tree`]), with the same
//!   comments. [`format_source`] checks both whenever the output differs
//!   from the input (parsing it again), and refuses to
//!   format (returns an `internal-error` diagnostic) rather than print
//!   something that would not hold; that would be a bug in the formatter.
//! - A file with errors is not formatted: any error the parser reports
//!   (`syntax-error`, and the `invalid-value` and `type-mismatch` checks it
//!   makes on literals) is returned instead, because the tree of such a
//!   file is a repair of what was written, not what was written.

pub mod equiv;
pub mod files;
mod printer;
#[cfg(test)]
mod tests;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::parse_file;

/// The width one-line blocks must fit in.
pub const MAX_WIDTH: usize = 100;

/// Formats one file's text. A file with errors is not formatted: the
/// parser's diagnostics are returned instead (with `FileId(0)`).
pub fn format_source(text: &str) -> Result<String, Vec<Diagnostic>> {
    let (ast, diags) = parse_file(FileId(0), text);
    if !diags.is_empty() {
        return Err(diags);
    }
    let crlf = uses_crlf(text);
    let out =
        printer::print(text, &ast).map(|out| if crlf { out.replace('\n', "\r\n") } else { out });
    let internal = |why: &str| {
        let mut d = Diagnostic::error(
            Code::InternalError,
            FileId(0),
            Span::new(0, 0),
            format!("omnis fmt could not lay this file out: {why}"),
        );
        d.help =
            Some("the file was left as it is; this is a bug in omnis, please report it".into());
        vec![d]
    };
    let Some(out) = out else {
        return Err(internal("the printer lost its place in the source"));
    };
    // Already formatted: the output is the input, so it parses to the same
    // tree with the same comments (this is `fmt --check` on a tidy project:
    // one parse per file, not two).
    if out == text {
        return Ok(out);
    }
    let (again, diags) = parse_file(FileId(0), &out);
    if !diags.is_empty() {
        return Err(internal("the formatted text does not parse"));
    }
    if !equiv::same_tree(&ast, &again) {
        return Err(internal("the formatted text would mean something else"));
    }
    if comment_texts(text, &ast.comments) != comment_texts(&out, &again.comments) {
        return Err(internal("a comment would be lost"));
    }
    Ok(out)
}

/// Whether the file's line breaks are `\r\n` (Windows): its first one is.
/// The formatted text keeps the line breaks of the file.
pub fn uses_crlf(text: &str) -> bool {
    memchr::memchr(b'\n', text.as_bytes()).is_some_and(|i| i > 0 && text.as_bytes()[i - 1] == b'\r')
}

/// The texts of the comments at `spans`, without trailing whitespace, sorted.
pub fn comment_texts(text: &str, spans: &[Span]) -> Vec<String> {
    let mut v: Vec<String> = spans
        .iter()
        .map(|s| text[s.range()].trim_end().to_string())
        .collect();
    v.sort();
    v
}
