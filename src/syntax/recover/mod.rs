//! A declaration that does not parse: what to tell the user, and what to
//! keep of it.
//!
//! - The diagnostic ([`diagnose`]) points at the cause where it can: the
//!   bracket that was never closed ([`brackets`], with a label where parsing
//!   gave up), a string not closed on its line, a `}` with nothing to close;
//!   else pest's "expected X, found Y" where it gave up. [`hints`] adds the
//!   help line for the common mistakes.
//! - The declaration is rebuilt from what parses ([`repair`]), so that its
//!   name (and, say, the profile fields before the error) are known to the
//!   resolver and an editor keeps its context. It is marked `recovered`: the
//!   resolver reports nothing inside it but duplicate names, since what it
//!   holds is a repair, not what was meant.

pub(super) mod brackets;
mod hints;
mod repair;

use pest::error::ErrorVariant;

use super::ast::Item;
use super::lower::Lowerer;
use super::parser::{recovery_point, Rule};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use brackets::{line_end, line_start};
use hints::{Cx, Expected};

/// Where pest gave up on a declaration.
pub(super) struct Failure {
    /// Where the declaration starts.
    pub start: usize,
    /// The next line that starts a declaration in column 1 (or the end of
    /// the file): where the declaration ends, unless it runs on past it.
    pub end: usize,
    /// Where pest gave up.
    pub at: usize,
    pub variant: ErrorVariant<Rule>,
}

/// Reports the failure `f` (into `lw`) and returns what can be kept of the
/// declaration.
pub(super) fn declaration(lw: &mut Lowerer, text: &str, f: &Failure) -> Option<Item> {
    // A declaration that runs on past the next declaration's line (a `{`
    // never closed, a property in column 1) ends, at the latest, before
    // the next declaration after where pest gave up.
    let end = if f.at >= f.end {
        recovery_point(text, f.at).unwrap_or(text.len())
    } else {
        f.end
    };
    lw.diags.extend(diagnose(lw.file, text, f, end));
    repair::item(lw, text, f, end)
}

/// The diagnostics for the failure `f` of the declaration ending by `end`.
fn diagnose(file: FileId, text: &str, f: &Failure, end: usize) -> Vec<Diagnostic> {
    let expected = Expected::of(&f.variant);
    let cx = Cx::new(text, f.at, &expected);
    let message = hints::message(cx.found, &expected);
    let help = hints::help(&cx);
    let gave_up = gave_up_span(text, f, cx.found);
    let mut base = Diagnostic::error(Code::SyntaxError, file, gave_up, message.clone());
    base.help = help;

    if cx.found.starts_with('"') && !cx.found[1..].contains('"') {
        let quote = Span::new(f.at, f.at + 1);
        base.message = "this string is never closed".into();
        base.span = quote;
        let label = "this `\"` starts a string that runs to the end of the line";
        return vec![base.with_label(file, quote, label)];
    }
    let balance = brackets::check(text, f.start, end);
    if balance.stray.contains(&f.at) {
        base.message = format!("this `{}` has nothing to close", cx.found);
        base.help =
            Some("remove it, or look above for the opening bracket it was meant to close".into());
        return vec![base];
    }
    // The brackets still open where pest gave up, and among them those
    // whose block had ended by then, judging by the indentation.
    let open: Vec<_> = balance.unclosed.iter().filter(|u| u.pos < f.at).collect();
    let ended = open.iter().find(|u| u.ends.is_some_and(|e| f.at >= e));
    let Some(&cause) = ended.or(open.last()) else {
        return vec![base];
    };
    // It explains the failure when its block had ended by then, when it is
    // a bracket (conditions are short), or when parsing went on to the end
    // of the declaration looking for its `}`.
    let explains =
        ended.is_some() || cause.ch != b'{' || super::parser::skip_trivia(text, f.at) >= f.end;
    let ch = cause.ch as char;
    let closing = match ch {
        '{' => '}',
        '(' => ')',
        _ => ']',
    };
    let at_open = Span::new(cause.pos, cause.pos + 1);
    let mut d = Diagnostic::error(
        Code::SyntaxError,
        file,
        at_open,
        format!("this `{ch}` is never closed"),
    )
    .with_label(
        file,
        at_open,
        format!("this `{ch}` has no matching `{closing}`"),
    );
    d.help = Some(match cause.ends {
        Some(e) => format!(
            "add a `{closing}` before line {}: judging by the indentation, its block ends there",
            line_number(text, e)
        ),
        None => format!("add the missing `{closing}`"),
    });
    if !explains {
        // The bracket is open, but the error is inside its block: both are
        // mistakes.
        return vec![base, d];
    }
    // pest does not count the brackets among what it expected, so after
    // an unclosed `(` or `[` it can report a place before the end of the
    // line; the `)` or `]` was missing before the next line's first token.
    let next = super::parser::skip_trivia(text, line_end(text, cause.pos));
    d = if ch != '{' && next > f.at && next < text.len() {
        let span = Span::new(next, next + hints::token_at(text, next).len().max(1));
        d.with_label(file, span, format!("expected `{closing}` before this"))
    } else {
        d.with_label(file, gave_up, format!("parsing gave up here: {message}"))
    };
    vec![d]
}

/// Where the failure is shown: the token pest gave up at, or just after the
/// last token when it gave up at the end of the file.
fn gave_up_span(text: &str, f: &Failure, found: &str) -> Span {
    let at = f.at;
    if super::parser::skip_trivia(text, at) < text.len() {
        return Span::new(at, at + found.len().max(1).min(text.len() - at));
    }
    let last = last_token_end(text, f.start, at);
    let next = text[last..].chars().next().map_or(0, char::len_utf8);
    Span::new(last, if at > last { last + next } else { last })
}

/// The end of the last text that is not whitespace or a comment in
/// `from..to`.
fn last_token_end(text: &str, from: usize, to: usize) -> usize {
    let mut i = to.min(text.len());
    while i > from {
        let start = line_start(text, i - 1).max(from);
        let line = &text[start..i];
        let code = match line.find("//") {
            Some(c) if !line[..c].contains('"') => &line[..c],
            _ => line,
        };
        let trimmed = code.trim_end_matches(super::is_space);
        if !trimmed.is_empty() {
            return start + trimmed.len();
        }
        i = start;
    }
    from
}

/// The 1-based line of `pos`.
fn line_number(text: &str, pos: usize) -> usize {
    memchr::memchr_iter(b'\n', &text.as_bytes()[..pos]).count() + 1
}
