//! Small helpers shared by the lints: walking the model, naming places.

use crate::model::{Block, Campaign, Channel, Cond, CondKind, Loc, Step, StepKind, Trigger};
use crate::source::{SourceMap, Span};

use super::for_each_sub_block;

/// Calls `f` on every step of a block, depth first, in source order.
pub fn walk_steps<'a>(block: &'a Block, f: &mut dyn FnMut(&'a Step)) {
    for step in &block.steps {
        f(step);
        for_each_sub_block(&step.kind, &mut |b| walk_steps(b, f));
    }
}

/// Calls `f` on a condition and every condition inside it (including the
/// `where` of a `did`).
pub fn walk_cond<'a>(cond: &'a Cond, f: &mut dyn FnMut(&'a Cond)) {
    f(cond);
    match &cond.kind {
        CondKind::Or(cs) | CondKind::And(cs) => {
            for c in cs {
                walk_cond(c, f);
            }
        }
        CondKind::Not(c) => walk_cond(c, f),
        CondKind::Did {
            filter: Some(c), ..
        } => walk_cond(c, f),
        _ => {}
    }
}

/// Calls `f` on every top-level condition a step holds itself (not those of
/// nested steps).
pub fn step_conds<'a>(step: &'a Step, f: &mut dyn FnMut(&'a Cond)) {
    match &step.kind {
        StepKind::If { arms, .. } => {
            for (c, _) in arms {
                f(c);
            }
        }
        StepKind::WaitFor {
            filter: Some(c), ..
        } => f(c),
        _ => {}
    }
}

/// Every condition of a campaign: trigger filter, audience, and those of its
/// journey's steps.
pub fn campaign_conds<'a>(c: &'a Campaign, f: &mut dyn FnMut(&'a Cond)) {
    if let Trigger::Event {
        filter: Some(cond), ..
    } = &c.trigger
    {
        f(cond);
    }
    if let Some(a) = &c.audience {
        f(a);
    }
    walk_steps(&c.journey, &mut |s| step_conds(s, f));
}

/// Whether a block sends anything (at any depth).
pub fn first_send(block: &Block) -> Option<&Step> {
    let mut found = None;
    walk_steps(block, &mut |s| {
        if found.is_none() && matches!(s.kind, StepKind::Send(_)) {
            found = Some(s);
        }
    });
    found
}

/// The span of a declaration's name: the first `NAME` that follows
/// `KEYWORD` inside the declaration's span (`campaign NAME`,
/// `channel NAME`), else the whole declaration.
pub fn name_span(sources: &SourceMap, loc: Loc, keyword: &str, name: &str) -> Span {
    let file = sources.get(loc.file);
    let text = file.slice(loc.span);
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let word_at = |i: usize, w: &str| {
        text[i..].starts_with(w)
            && (i == 0 || !is_ident(bytes[i - 1]))
            && bytes.get(i + w.len()).is_none_or(|&b| !is_ident(b))
    };
    let mut i = 0;
    while i < text.len() {
        if text.is_char_boundary(i) && word_at(i, keyword) {
            let mut j = i + keyword.len();
            while j < text.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if text.is_char_boundary(j) && word_at(j, name) {
                let start = loc.span.start as usize + j;
                return Span::new(start, start + name.len());
            }
        }
        i += 1;
    }
    loc.span
}

/// ` (kind `sms`)` after a channel's name when its kind is not its name
/// (`channel texts { kind sms }`), else nothing.
pub fn kind_note(ch: &Channel) -> String {
    if ch.kind == ch.name {
        String::new()
    } else {
        format!(" (kind `{}`)", ch.kind)
    }
}

/// The 1-based line of a location.
pub fn line(sources: &SourceMap, loc: Loc) -> usize {
    sources.get(loc.file).line_col(loc.span.start as usize).line
}

/// The span of a step without the `@allow(...)` lines and comments written
/// before it (the model's step locations include them).
pub fn step_span(sources: &SourceMap, loc: Loc) -> Span {
    let text = sources.get(loc.file).slice(loc.span);
    let mut skip = 0;
    loop {
        let rest = &text[skip..];
        let trimmed = rest.trim_start();
        let ws = rest.len() - trimmed.len();
        if trimmed.starts_with('@') || trimmed.starts_with("//") {
            match trimmed.find('\n') {
                Some(nl) => skip += ws + nl + 1,
                None => break,
            }
        } else {
            skip += ws;
            break;
        }
    }
    if skip >= text.len() {
        return loc.span;
    }
    Span::new(loc.span.start as usize + skip, loc.span.end as usize)
}

/// The span of the first line of a step (without its `@allow` lines and
/// a trailing comment): the diagnostic then points at `repeat 3 times {`,
/// not at the whole loop.
pub fn first_line(sources: &SourceMap, loc: Loc) -> Span {
    let span = step_span(sources, loc);
    let text = sources.get(loc.file).slice(span);
    let mut len = text.find('\n').unwrap_or(text.len());
    if let Some(c) = text[..len].find("//") {
        len = c;
    }
    let len = text[..len].trim_end().len();
    if len == 0 {
        return span;
    }
    Span::new(span.start as usize, span.start as usize + len)
}

/// A duration as the language writes it: `1d12h`, `30m`, `0s`.
pub fn duration(seconds: u64) -> String {
    crate::syntax::ast::format_duration(seconds)
}

/// `1st`, `2nd`, `3rd`, `4th`, ...
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_ordinals() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(90_000), "1d1h");
        assert_eq!(duration(1_209_600 + 60), "2w1m");
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(12), "12th");
        assert_eq!(ordinal(23), "23rd");
    }
}
