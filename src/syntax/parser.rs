//! Stage 1: source text to the typed AST.
//!
//! 1. A linear pre-scan ([`super::scan`]) finds NUL bytes, too deeply
//!    nested brackets and whitespace that is not whitespace, and collects
//!    comments, before pest runs, so that no input can exhaust the stack.
//! 2. pest parses whole declarations, some 64 KiB of them at a time (not
//!    the whole file: pest keeps every token of a parse). When that fails,
//!    it parses one top-level declaration at a time: after a syntax error the parser
//!    resumes at the next line that starts a declaration in column 1, so one
//!    typo does not hide the rest of the file, and [`super::recover`] turns
//!    the failure into a diagnostic (with the bracket that was never closed,
//!    and a hint for the common mistakes) and keeps what could be read of
//!    the declaration. A file of 1 MiB or more is parsed in two halves on
//!    two cores (`halves`).
//! 3. Pairs are lowered to [`ast`] nodes ([`super::lower`]), with values
//!    checked for range ([`super::values`]: `invalid-value`) and string
//!    escapes and placeholders checked.

use pest::error::InputLocation;
use pest::Parser;

use super::ast;
use super::lower::Lowerer;
use super::{recover, scan, stream};
use crate::diagnostic::Diagnostic;
use crate::source::FileId;

pub use super::values::{MAX_COUNT, MAX_DURATION_SECONDS, MAX_STRING_BYTES};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/omnis.pest"]
pub(super) struct OmnisParser;

/// The words of conditions, which cannot be names.
pub const RESERVED: &[&str] = &[
    "and", "or", "not", "in", "is", "set", "did", "where", "within", "since", "entry", "at",
    "least", "times", "opened", "clicked", "true", "false",
];

/// The keywords that start a top-level declaration.
pub(super) const TOP_KEYWORDS: &[&str] = &[
    "import", "profile", "event", "channel", "segment", "message", "campaign",
];

/// Parses one file. Always returns a (possibly partial) AST and every syntax
/// error found.
pub fn parse_file(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    parse_with(file, text, CHUNK, SPLIT)
}

/// [`parse_file`] with pest given about `chunk` bytes at a time (for
/// tests: the tree and the diagnostics do not depend on it).
#[cfg(test)]
pub(super) fn parse_in_chunks(
    file: FileId,
    text: &str,
    chunk: usize,
) -> (ast::File, Vec<Diagnostic>) {
    parse_with(file, text, chunk, SPLIT)
}

/// [`parse_in_chunks`], with any file of two declarations or more parsed
/// in two halves at once (for tests: the tree and the diagnostics do not
/// depend on it).
#[cfg(test)]
pub(super) fn parse_in_halves(
    file: FileId,
    text: &str,
    chunk: usize,
) -> (ast::File, Vec<Diagnostic>) {
    parse_with(file, text, chunk, 0)
}

/// Nesting that any thread's stack can parse: 64 levels take under 512 KiB
/// in a debug build, and Rust threads get 2 MiB.
const SHALLOW_DEPTH: usize = 64;

/// [`parse_file`], with pest given about `chunk` bytes at a time and files
/// of at least `split` bytes parsed in two halves at once.
fn parse_with(
    file: FileId,
    text: &str,
    chunk: usize,
    split: usize,
) -> (ast::File, Vec<Diagnostic>) {
    let scanned = scan::scan(file, text);
    if scanned.depth <= SHALLOW_DEPTH {
        return parse_split(file, text, scanned, chunk, split);
    }
    // pest and the lowering recurse once per level of nesting. Any thread
    // has room for `SHALLOW_DEPTH` levels; deeper files (up to
    // `MAX_NESTING`, checked by the scan) get a big stack of their own, so
    // the parser is safe whichever thread calls it.
    crate::stack::with_big_stack("omnis-parse", || {
        parse_split(file, text, scanned, chunk, split)
    })
}

/// Files this large are parsed in two halves at once (see [`halves`]):
/// a large campaign and the declarations before it take about as long.
const SPLIT: usize = 1 << 20;

/// Parses scanned text: about `chunk` bytes of pest at a time, files of at
/// least `split` bytes in two halves at once.
fn parse_split(
    file: FileId,
    text: &str,
    scanned: scan::Scanned,
    chunk: usize,
    split: usize,
) -> (ast::File, Vec<Diagnostic>) {
    let mut out = ast::File {
        file,
        items: Vec::new(),
        comments: scanned.comments,
    };
    if let Some(d) = scanned.fatal {
        return (out, vec![d]);
    }
    let mut p = Lowerer::new(file);
    p.diags = scanned.diags;
    if text.len() >= split {
        if let Some(diags) = halves(&mut p, text, chunk, &mut out.items) {
            p.diags = diags;
            out.items.shrink_to_fit();
            return (out, p.diags);
        }
    }
    let start = fast(&mut p, text, 0, text.len(), chunk, &mut out.items);
    if start >= text.len() {
        out.items.shrink_to_fit();
        return (out, p.diags);
    }
    // There are errors from `start` on (or a declaration runs on past the
    // end of its chunk): one declaration at a time, resuming after each
    // error.
    let mut pos = skip_trivia(text, start);
    while pos < text.len() {
        // Parse up to the next line that starts a declaration, so each
        // parse sees only its own declaration; retry with the rest of the
        // file when the declaration runs on past that line.
        let bound = recovery_point(text, pos).unwrap_or(text.len());
        let mut result = OmnisParser::parse(Rule::item_then, &text[pos..bound]);
        if let Err(e) = &result {
            let at = pos + error_pos(&e.location);
            if bound < text.len() && skip_trivia(text, at) >= bound {
                result = OmnisParser::parse(Rule::item_then, &text[pos..]);
            }
        }
        match result {
            Ok(mut pairs) => {
                let pair = pairs.next().expect("item rule yields one pair");
                let end = pos + pair.as_span().end();
                if let Some(item) = p.item(pair, pos) {
                    out.items.push(item);
                }
                pos = skip_trivia(text, end);
            }
            Err(e) => {
                let failure = recover::Failure {
                    start: pos,
                    end: bound,
                    at: pos + error_pos(&e.location),
                    variant: e.variant,
                };
                if let Some(item) = recover::declaration(&mut p, text, &failure) {
                    out.items.push(item);
                }
                // Resume at the next declaration after this one's start: a
                // declaration that runs on into the next one (keywords are
                // not reserved) still lets the next one parse.
                match recovery_point(text, pos) {
                    Some(next) => pos = next,
                    None => break,
                }
            }
        }
    }
    out.items.shrink_to_fit();
    (out, p.diags)
}

/// The fast path: whole declarations from `from` to `to` (the start of a
/// declaration's line, or the end of the text), about `chunk` bytes of
/// them at a time, into `items`. pest keeps a queue of every token of a
/// parse (some 80 bytes per token, about 30 times the source), so one
/// parse of a whole file would hold that for all of it; and pest indexes
/// lines once per parse, so one parse per declaration costs more time. A
/// declaration larger than a chunk, when it is a campaign, is read piece
/// by piece (`stream`). Returns where it stopped: `to`, or the start of
/// the chunk that did not parse (the slow path takes over from there).
fn fast(
    p: &mut Lowerer,
    text: &str,
    from: usize,
    to: usize,
    chunk: usize,
    items: &mut Vec<ast::Item>,
) -> usize {
    let mut start = from;
    while start < to {
        let (end, large) = next_chunk(text, start, chunk);
        let end = end.min(to);
        if large {
            if let Some((item, after)) = stream::campaign(p, text, start, chunk) {
                if after > to {
                    return start;
                }
                items.push(item);
                start = after;
                continue;
            }
        }
        let Ok(mut pairs) = OmnisParser::parse(Rule::file, &text[start..end]) else {
            return start;
        };
        let file_pair = pairs.next().expect("file rule yields one pair");
        for pair in file_pair.into_inner() {
            if pair.as_rule() == Rule::item {
                if let Some(item) = p.item(pair, start) {
                    items.push(item);
                }
            }
        }
        start = end;
    }
    start
}

/// The fast path over the text in two halves, each on a core of its own:
/// cut at the start of the declaration line nearest the middle (in a file
/// of one large campaign, where the campaign starts). Both halves are
/// whole declarations, and pest reads a declaration the same in any slice
/// that holds it whole (as chunks of any size give the same tree), so the
/// items are those of one pass. The diagnostics `p` holds, then those
/// found in each half, in order; `None`, with nothing kept, when there is
/// no place to cut or a half did not parse to its end (the caller then
/// parses the whole text the usual way, which reports the errors).
fn halves(
    p: &mut Lowerer,
    text: &str,
    chunk: usize,
    items: &mut Vec<ast::Item>,
) -> Option<Vec<Diagnostic>> {
    let mid = text.len() / 2;
    let mut before = None;
    let mut at = 0;
    let cut = loop {
        match recovery_point(text, at) {
            Some(next) if next < mid => {
                before = Some(next);
                at = next;
            }
            Some(next) => match before {
                Some(b) if mid - b < next - mid => break b,
                _ => break next,
            },
            None => break before?,
        }
    };
    let kept = p.diags.len();
    let mut second = Lowerer::new(p.file);
    let mut second_items = Vec::new();
    let (first_end, second_end) = crate::stack::pool().install(|| {
        rayon::join(
            || fast(p, text, 0, cut, chunk, items),
            || fast(&mut second, text, cut, text.len(), chunk, &mut second_items),
        )
    });
    if first_end != cut || second_end != text.len() {
        items.clear();
        p.diags.truncate(kept);
        return None;
    }
    items.append(&mut second_items);
    let mut diags = std::mem::take(&mut p.diags);
    diags.append(&mut second.diags);
    Some(diags)
}

/// The declarations from `start` to parse in one go: up to the first line
/// that starts a declaration `chunk` bytes or more after `start`, stopping
/// before a declaration larger than `chunk`. The second value says whether
/// the chunk is one such declaration alone.
fn next_chunk(text: &str, start: usize, chunk: usize) -> (usize, bool) {
    let first = recovery_point(text, start).unwrap_or(text.len());
    if first - start > chunk {
        return (first, true);
    }
    let mut end = first;
    while end < text.len() && end - start < chunk {
        let next = recovery_point(text, end).unwrap_or(text.len());
        if next - end > chunk {
            break;
        }
        end = next;
    }
    (end, false)
}

fn error_pos(location: &InputLocation) -> usize {
    match *location {
        InputLocation::Pos(x) | InputLocation::Span((x, _)) => x,
    }
}

/// Skips whitespace and comments.
pub(super) fn skip_trivia(text: &str, mut pos: usize) -> usize {
    loop {
        let rest = &text[pos.min(text.len())..];
        match rest.chars().next() {
            Some(c) if super::is_space(c) => pos += c.len_utf8(),
            Some('/') if rest.starts_with("//") => pos += rest.find('\n').unwrap_or(rest.len()),
            _ => return pos,
        }
    }
}

/// How much text the fast path gives pest at a time, at least: a chunk
/// runs on to the next line that starts a declaration (a chunk's parse that
/// fails, a declaration running on past that line included, hands the rest
/// to the slow path). A campaign larger than this is read this much at a
/// time (`stream`).
const CHUNK: usize = 64 << 10;

/// The start of the next line after the one `from` is on that begins, in
/// column 1, with a declaration: a top-level keyword, `@allow`, or a
/// misspelt keyword followed by a name and `{` or `=` (`mesage m {`).
pub(super) fn recovery_point(text: &str, from: usize) -> Option<usize> {
    let mut i = from.min(text.len());
    while let Some(nl) = memchr::memchr(b'\n', &text.as_bytes()[i..]) {
        i += nl + 1;
        let rest = &text[i..];
        if rest.starts_with("@allow") || starts_declaration(rest) {
            return Some(i);
        }
    }
    None
}

/// Whether `line` starts with a declaration's keyword, or with what looks
/// like one misspelt (a word near a keyword, a name, then `{` or `=`).
fn starts_declaration(line: &str) -> bool {
    let word_len = |s: &str| {
        s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    let n = word_len(line);
    let word = &line[..n];
    if n == 0 || TOP_KEYWORDS.contains(&word) {
        return n > 0;
    }
    let rest = line[n..].trim_start_matches([' ', '\t']);
    let m = word_len(rest);
    m > 0
        && rest[m..]
            .trim_start_matches([' ', '\t'])
            .starts_with(['{', '='])
        && crate::suggest::did_you_mean(word, TOP_KEYWORDS.iter().copied()).is_some()
}
