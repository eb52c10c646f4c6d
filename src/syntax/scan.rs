//! The linear pre-scan that runs before pest: it collects comments, finds
//! the nesting depth of brackets and blocks (so that no input can exhaust
//! the stack), and reports what the grammar must not meet: NUL bytes, nesting
//! deeper than [`MAX_NESTING`], and whitespace that is not [`is_space`].
//!
//! Unicode whitespace other than a plain space, tab and line break (a
//! no-break space pasted from a document, a line separator, a form feed...)
//! looks like whitespace but is not whitespace to Omnis: each run of it
//! between tokens is a `syntax-error` here, with what it is and how to fix
//! it. The grammar still skips it, so that the rest of the file parses and
//! every such place is reported at once; the formatter never sees a file
//! with one (a file with errors is not formatted).

use super::{is_space, MAX_NESTING};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

/// What the pre-scan found.
pub(super) struct Scanned {
    pub comments: Vec<Span>,
    /// The deepest nesting of brackets and blocks.
    pub depth: usize,
    /// An error that stops parsing the file (a NUL byte, nesting too deep).
    pub fatal: Option<Diagnostic>,
    /// Errors that do not stop parsing (foreign whitespace).
    pub diags: Vec<Diagnostic>,
}

/// One linear pass over `text`: comments, NUL bytes, bracket depth and
/// foreign whitespace (outside strings and comments).
pub(super) fn scan(file: FileId, text: &str) -> Scanned {
    let b = text.as_bytes();
    let mut out = Scanned {
        comments: Vec::new(),
        depth: 0,
        fatal: None,
        diags: Vec::new(),
    };
    let mut open: usize = 0;
    let mut i = 0;
    let fatal = |pos: usize, msg: String, help: &str| {
        let span = Span::new(pos, (pos + 1).min(text.len()));
        Scanned {
            comments: Vec::new(),
            depth: 0,
            fatal: Some(Diagnostic::error(Code::SyntaxError, file, span, msg).with_help(help)),
            diags: Vec::new(),
        }
    };
    const NUL: &str = "this file contains a NUL byte";
    const NUL_HELP: &str = "`.omni` files are text; remove the NUL byte (is this a binary file?)";
    while i < b.len() {
        match b[i] {
            0 => return fatal(i, NUL.into(), NUL_HELP),
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let start = i;
                let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                if let Some(n) = memchr::memchr(0, &b[i..end]) {
                    return fatal(i + n, NUL.into(), NUL_HELP);
                }
                out.comments.push(Span::new(start, end));
                i = end;
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    if b[i] == 0 {
                        return fatal(i, NUL.into(), NUL_HELP);
                    }
                    if b[i] == b'\\' && i + 1 < b.len() && b[i + 1] != b'\n' {
                        i += 1;
                    }
                    i += 1;
                }
                // An unterminated string is left to the parser to report.
            }
            b'{' | b'(' | b'[' => {
                open += 1;
                out.depth = out.depth.max(open);
                if open > MAX_NESTING {
                    return fatal(
                        i,
                        format!(
                            "blocks and brackets are nested more than {MAX_NESTING} levels deep"
                        ),
                        "split the journey into named steps or simplify the condition",
                    );
                }
            }
            b'}' | b')' | b']' => open = open.saturating_sub(1),
            // The lead bytes of the Unicode whitespace characters, and the
            // two ASCII ones that are not `is_space`.
            0x0B | 0x0C | 0xC2 | 0xE1 | 0xE2 | 0xE3 => {
                let c = text[i..].chars().next().unwrap_or(' ');
                if let Some((what, fix)) = foreign_space(c) {
                    let end = i + text[i..].find(|x: char| x != c).unwrap_or(text.len() - i);
                    let msg = match (end - i) / c.len_utf8() {
                        1 => format!("a {what} (U+{:04X}) between tokens", c as u32),
                        n => format!("{n} {what}s (U+{:04X}) between tokens", c as u32),
                    };
                    let help = format!(
                        "it looks like whitespace but Omnis does not read it as whitespace (it often comes from pasting from a document); {fix}"
                    );
                    out.diags.push(
                        Diagnostic::error(Code::SyntaxError, file, Span::new(i, end), msg)
                            .with_help(help),
                    );
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// What a whitespace character that is not [`is_space`] is called, and how
/// to replace it; `None` for anything else (including plain whitespace).
pub(super) fn foreign_space(c: char) -> Option<(&'static str, &'static str)> {
    const SPACE: &str = "replace it with a plain space";
    const BREAK: &str = "replace it with a line break";
    if is_space(c) || !c.is_whitespace() {
        return None;
    }
    Some(match c {
        '\u{0B}' => ("vertical tab", SPACE),
        '\u{0C}' => ("form feed", BREAK),
        '\u{85}' => ("next-line character", BREAK),
        '\u{A0}' => ("no-break space", SPACE),
        '\u{2028}' => ("line separator", BREAK),
        '\u{2029}' => ("paragraph separator", BREAK),
        '\u{202F}' => ("narrow no-break space", SPACE),
        '\u{3000}' => ("ideographic space", SPACE),
        _ => ("Unicode space", SPACE),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unicode_whitespace_outside_strings_and_comments_is_reported() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let text = format!("segment a = x{c}and y // {c}\nsegment b = \"{c}\"\n");
            let s = scan(FileId(0), &text);
            let expect = usize::from(c.is_whitespace() && !is_space(c));
            assert_eq!(s.diags.len(), expect, "U+{:04X}", c as u32);
            if expect == 1 {
                assert_eq!(s.diags[0].span.start, 13, "U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn a_run_is_one_error() {
        let s = scan(FileId(0), "segment a =\u{A0}\u{A0}\u{A0}x");
        assert_eq!(s.diags.len(), 1);
        assert_eq!(s.diags[0].span, Span::new(11, 17));
        assert!(s.diags[0].message.starts_with("3 no-break spaces"));
    }
}
