//! What can be kept of a declaration that does not parse.
//!
//! The declaration is parsed again with a piece of it taken out, trying in
//! turn:
//! 1. without the token where parsing gave up (a stray `;` or `#`...);
//! 2. without the element holding it: from that token, then from each
//!    token before it on its line, then from the start of each line above,
//!    to the end of the element (the next line at the same depth, or the
//!    `}` that closes the block it is in);
//! 3. cut at those same places, the brackets still open there closed;
//! 4. its keyword and name alone (`message welcome` from `message welcome
//!    { template 'x' }`); for an `import`, the path written without quotes.
//!
//! The first that parses is kept, as an item marked `recovered`. What is
//! taken out is overwritten with spaces (line breaks kept), so every
//! position in the repaired text is the same as in the file, and spans need
//! no mapping; closing brackets added after a cut lie past the cut, where
//! spans are clamped. Nothing is invented but those brackets: every name and
//! value kept is one the user wrote.

use pest::Parser;

use super::super::ast::{CampaignDecl, ChannelDecl, EventDecl, MessageDecl, SegmentDecl};
use super::super::ast::{Expr, ExprKind, Ident, Item, ItemKind, StrLit};
use super::super::is_space;
use super::super::lower::Lowerer;
use super::super::parser::{skip_trivia, OmnisParser, Rule, TOP_KEYWORDS};
use super::brackets::{code, line_end, line_start};
use super::hints::token_at;
use super::Failure;
use crate::source::Span;
use crate::suggest::did_you_mean;

/// How many earlier places (tokens on the line, then lines) to try.
const PLACES: usize = 3;

/// The declaration of `f`, rebuilt from what parses; `region_end` is where
/// it ends at the latest.
pub(super) fn item(lw: &Lowerer, text: &str, f: &Failure, region_end: usize) -> Option<Item> {
    let at = f.at.min(region_end);
    let mut places = vec![at];
    places.extend(
        tokens_before(text, f.start, at)
            .into_iter()
            .rev()
            .take(PLACES),
    );
    places.extend(lines_before(text, f.start, at).take(PLACES));
    places.retain(|&p| p > f.start);
    places.dedup();
    let token = token_at(text, at).len();
    let mut tries: Vec<(usize, usize, bool)> = Vec::new();
    if token > 0 {
        tries.push((at, at + token, false));
    }
    for &p in &places {
        if let Some(end) = element_end(text, p, at, region_end) {
            tries.push((p, end, false));
        }
    }
    tries.extend(places.iter().map(|&p| (p, region_end, true)));
    tries
        .into_iter()
        .find_map(|(from, to, cut)| attempt(lw, text, f.start, (from, to), cut, region_end))
        .or_else(|| header(text, f.start, region_end))
}

/// The declaration from `start` to `end` with `gap` overwritten by spaces;
/// when `cut`, the brackets open at the gap are closed after it.
fn attempt(
    lw: &Lowerer,
    text: &str,
    start: usize,
    gap: (usize, usize),
    cut: bool,
    end: usize,
) -> Option<Item> {
    let mut buf = String::with_capacity(end - start + 8);
    buf.push_str(&text[start..gap.0]);
    for c in text[gap.0..gap.1].chars() {
        if c == '\n' {
            buf.push('\n');
        } else {
            buf.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    }
    buf.push_str(&text[gap.1..end]);
    if cut {
        buf.extend(
            open_brackets(text, start, gap.0)
                .iter()
                .rev()
                .map(|&c| closer(c)),
        );
    }
    let pair = OmnisParser::parse(Rule::item_then, &buf).ok()?.next()?;
    if skip_trivia(&buf, pair.as_span().end()) < buf.len() {
        return None;
    }
    let mut scratch = Lowerer::new(lw.file);
    scratch.limit = if cut { gap.0 } else { end };
    let mut item = scratch.item(pair, start)?;
    item.recovered = true;
    Some(item)
}

fn closer(open: u8) -> char {
    match open {
        b'{' => '}',
        b'(' => ')',
        _ => ']',
    }
}

/// The brackets open at `to`, counting from `from` (innermost last).
fn open_brackets(text: &str, from: usize, to: usize) -> Vec<u8> {
    let mut stack = Vec::new();
    for (_, c) in code(text, from, to) {
        match c {
            b'{' | b'(' | b'[' => stack.push(c),
            b'}' | b')' | b']' => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack
}

/// Where the element that starts at `from` (and holds `at`) ends: the start
/// of the first line after `at` where its brackets are balanced, or the
/// closing bracket of the block it is in.
fn element_end(text: &str, from: usize, at: usize, end: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in code(text, from, end) {
        match c {
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => {
                depth -= 1;
                if depth < 0 {
                    return Some(i);
                }
            }
            b'\n' if i >= at && depth == 0 => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Where each token of `at`'s line before `at` starts.
fn tokens_before(text: &str, start: usize, at: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut p = line_start(text, at).max(start);
    while p < at {
        p += text[p..at]
            .find(|c: char| c != ' ' && c != '\t')
            .unwrap_or(at - p);
        if p < at {
            out.push(p);
            p += token_at(text, p).len().max(1);
            while !text.is_char_boundary(p) {
                p += 1;
            }
        }
    }
    out
}

/// Where the code of each line above `at`'s starts, nearest first (lines
/// with only whitespace or a comment skipped).
fn lines_before(text: &str, start: usize, at: usize) -> impl Iterator<Item = usize> + '_ {
    let mut line = line_start(text, at);
    std::iter::from_fn(move || {
        while line > start {
            line = line_start(text, line - 1).max(start);
            let code = skip_trivia(text, line);
            if code < line_end(text, line) {
                return Some(code);
            }
        }
        None
    })
}

/// `KEYWORD NAME` where a declaration is written, with the start of its
/// body or `=` after it: the declaration with nothing in it. A misspelt
/// keyword is read as the keyword it is closest to. For `import` (spelt
/// right), the path, whatever quotes it is written with.
fn header(text: &str, start: usize, end: usize) -> Option<Item> {
    let mut p = start;
    // `@allow(...)` lines before the declaration.
    while text[p..end].starts_with("@allow") {
        p = skip_trivia(text, text[p..end].find(')').map(|i| p + i + 1)?);
    }
    let word = |p: usize| {
        let len = text[p..end]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(end - p);
        (&text[p..p + len], p + len)
    };
    let (kw, after) = word(p);
    let name_at = skip_trivia(text, after);
    if kw == "import" {
        let raw = &text[name_at..line_end(text, name_at).min(end)];
        let path = &raw[..raw.find(is_space).unwrap_or(raw.len())];
        let value = path.trim_matches(|c: char| super::hints::is_quote(c) || c == '"');
        if value.is_empty() || value.contains(char::is_whitespace) {
            return None;
        }
        let span = Span::new(name_at, name_at + path.len());
        return recovered(
            ItemKind::Import(StrLit {
                value: value.to_string(),
                span,
                placeholders: Vec::new(),
            }),
            Span::new(start, span.end as usize),
        );
    }
    // A misspelt keyword is read as the one it is closest to.
    let keyword = match TOP_KEYWORDS.contains(&kw) {
        true => kw,
        false => did_you_mean(kw, TOP_KEYWORDS.iter().copied())?,
    };
    let (name, name_end) = word(name_at);
    let next = text[skip_trivia(text, name_end).min(end)..].chars().next();
    let ok_first = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    if !ok_first || next != Some(if keyword == "segment" { '=' } else { '{' }) {
        return None;
    }
    let name = Ident {
        name: name.to_string(),
        span: Span::new(name_at, name_end),
    };
    let body = Span::new(skip_trivia(text, name_end), end);
    let kind = match keyword {
        "event" => ItemKind::Event(EventDecl {
            name,
            fields: Vec::new(),
        }),
        "channel" => ItemKind::Channel(ChannelDecl {
            name,
            props: Vec::new(),
            body_span: body,
        }),
        "message" => ItemKind::Message(MessageDecl {
            name,
            props: Vec::new(),
            body_span: body,
        }),
        "campaign" => ItemKind::Campaign(CampaignDecl {
            name,
            props: Vec::new(),
            body_span: body,
        }),
        "segment" => ItemKind::Segment(SegmentDecl {
            expr: Box::new(Expr {
                kind: ExprKind::Bool(true),
                span: name.span,
            }),
            name,
        }),
        _ => return None,
    };
    recovered(kind, Span::new(start, name_end))
}

fn recovered(kind: ItemKind, span: Span) -> Option<Item> {
    Some(Item {
        allows: Vec::new(),
        kind,
        span,
        recovered: true,
    })
}
