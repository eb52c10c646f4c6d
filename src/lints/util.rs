//! Small helpers shared by the lints: walking the model, naming places.

use crate::model::{
    Block, Campaign, Channel, Cond, CondKind, Loc, Program, Step, StepKind, Trigger,
};
use crate::source::{SourceMap, Span};

/// Calls `f` on every step of a block, depth first, in source order.
pub fn walk_steps<'a>(block: &'a Block, f: &mut dyn FnMut(&'a Step)) {
    block.walk_steps(f);
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
        StepKind::WaitAny { arms, .. } => {
            for c in arms.iter().filter_map(|a| a.filter.as_ref()) {
                f(c);
            }
        }
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

/// The span of a step without the `@allow(...)` lines written before it
/// (the model's step locations include them), from the parse.
pub fn step_span(program: &Program, loc: Loc) -> Span {
    program.steps.written(loc)
}

/// The header of a step or split arm, from the parse: the diagnostic then
/// points at `repeat 3 times {`, not at the whole loop.
pub fn step_head(program: &Program, loc: Loc) -> Span {
    program.steps.head(loc)
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
    fn ordinals() {
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(12), "12th");
        assert_eq!(ordinal(23), "23rd");
    }
}
