//! Steps: their syntax tree ([`StepKind`], re-exported by [`super::ast`]
//! with the words that start them) and their lowering from pest pairs
//! ([`Lowerer::step`]). A new step kind is written here and in the grammar
//! (`grammar/omnis.pest`, its rule in `step`), or, when it does one thing
//! and goes on, in [`super::action`] (its rule in `action`).

use super::action::{Action, Parsed, ACTION_KEYWORDS};
use super::ast::{AnyArm, Block, Duration, Expr, Ident, Number, SplitArm, Step, StepParts, WaitOn};
use super::delay::Delay;
use super::lower::{after_keyword, exact, Lowerer, P};
use super::parser::Rule;
use crate::source::Span;

/// The words a step starts with, one list for every step kind's syntax:
/// where the streaming parser may end a piece of steps
/// (`syntax::stream`), and what a syntax error says a step is and
/// suggests for a misspelt one (`syntax::recover::hints`), the language
/// server's completion. The actions' words come last, from
/// [`ACTION_KEYWORDS`].
pub const STEP_KEYWORDS: &[&str] =
    &concat::<{ BLOCK_KEYWORDS.len() + ACTION_KEYWORDS.len() }>(BLOCK_KEYWORDS, ACTION_KEYWORDS);

/// The words that start the steps that are not actions.
const BLOCK_KEYWORDS: &[&str] = &[
    "send", "wait", "if", "split", "repeat", "step", "goto", "exit",
];

/// `a` then `b`, as an array of `N` words (`N` their lengths' sum).
const fn concat<const N: usize>(a: &[&'static str], b: &[&'static str]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - a.len()];
        i += 1;
    }
    out
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    Send(Ident),
    /// A step that holds a person until some time has passed, then goes
    /// on (`wait 2d`, `wait until mon 09:00`: see [`super::delay`]).
    Delay(Delay),
    /// `wait for EVENT_OR_ENGAGEMENT [where EXPR] within D [BLOCK] [otherwise BLOCK]`
    WaitFor {
        on: WaitOn,
        /// Boxed: an expression would double the size of every step.
        filter: Option<Box<Expr>>,
        within: Duration,
        then: Option<Block>,
        otherwise: Option<Block>,
    },
    /// `wait for any within D { on ... { } ... } [otherwise BLOCK]`
    WaitAny {
        within: Duration,
        arms: Vec<AnyArm>,
        /// The `}` after the arms.
        close: Span,
        otherwise: Option<Block>,
    },
    /// `if C { } else if C { } else { }`
    If {
        arms: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
    },
    Split(Vec<SplitArm>),
    Repeat {
        times: Number,
        body: Block,
    },
    /// `step NAME { }`
    Named {
        name: Ident,
        body: Block,
    },
    Goto(Ident),
    Exit,
    /// A step that does one thing and goes on (`set`, `unset`: see
    /// [`super::action`]).
    Action(Action<Parsed>),
}

impl StepKind {
    /// Calls `f` on every block directly inside the step, in source order
    /// (the one place in the syntax tree that knows which steps hold
    /// blocks).
    pub fn for_each_block<'a>(&'a self, f: &mut dyn FnMut(&'a Block)) {
        match self {
            StepKind::WaitFor {
                then, otherwise, ..
            } => then.iter().chain(otherwise).for_each(f),
            StepKind::WaitAny {
                arms, otherwise, ..
            } => arms.iter().map(|a| &a.body).chain(otherwise).for_each(f),
            StepKind::If { arms, otherwise } => {
                arms.iter().map(|(_, b)| b).chain(otherwise).for_each(f)
            }
            StepKind::Split(arms) => arms.iter().for_each(|a| f(&a.body)),
            StepKind::Repeat { body, .. } | StepKind::Named { body, .. } => f(body),
            StepKind::Send(_)
            | StepKind::Delay(_)
            | StepKind::Goto(_)
            | StepKind::Exit
            | StepKind::Action(_) => {}
        }
    }
}

impl Lowerer {
    pub(super) fn block(&mut self, pair: P, base: usize) -> Block {
        let span = self.span(&pair, base);
        let steps = pair
            .into_inner()
            .filter_map(|s| self.step(s, base))
            .collect();
        Block {
            steps: exact(steps),
            span,
        }
    }

    pub(super) fn step(&mut self, pair: P, base: usize) -> Option<Step> {
        let span = self.span(&pair, base);
        let mut allows = Vec::new();
        let mut kind = None;
        let mut head = span;
        let mut parts = StepParts::default();
        for p in pair.into_inner() {
            let rule = p.as_rule();
            if rule == Rule::allow {
                allows.push(self.allow(p, base));
                continue;
            }
            head = self.head(&p, base);
            parts = self.parts(&p, base);
            let mut inner = p.clone().into_inner();
            kind = Some(match rule {
                Rule::send => StepKind::Send(self.ident(inner.nth(1)?, base)),
                Rule::wait => {
                    let what = inner.nth(1)?;
                    match what.as_rule() {
                        Rule::wait_for => self.wait_for(what, base)?,
                        Rule::wait_any => self.wait_any(what, base)?,
                        _ => StepKind::Delay(self.delay(what, base)?),
                    }
                }
                Rule::if_step => {
                    let mut arms = Vec::new();
                    let mut otherwise = None;
                    let mut cond = None;
                    for x in inner.skip(1) {
                        match x.as_rule() {
                            Rule::expr => cond = Some(self.expr(x, base)),
                            Rule::block => arms.push((cond.take()?, self.block(x, base))),
                            Rule::else_if => {
                                let mut e = x.into_inner().skip(2);
                                let c = self.expr(e.next()?, base);
                                let b = self.block(e.next()?, base);
                                arms.push((c, b));
                            }
                            Rule::else_block => {
                                otherwise = Some(self.block(after_keyword(x)?, base))
                            }
                            _ => {}
                        }
                    }
                    StepKind::If {
                        arms: exact(arms),
                        otherwise,
                    }
                }
                Rule::split => {
                    let arms = inner
                        .filter(|arm| arm.as_rule() == Rule::split_arm)
                        .filter_map(|arm| {
                            let span = self.span(&arm, base);
                            let head = self.head(&arm, base);
                            let mut name = None;
                            let mut weight = None;
                            let mut body = None;
                            for x in arm.into_inner() {
                                match x.as_rule() {
                                    Rule::percent => weight = Some(self.percent(x, base)),
                                    Rule::name => name = Some(self.ident(x, base)),
                                    _ => body = Some(self.block(x, base)),
                                }
                            }
                            Some(SplitArm {
                                weight: weight?,
                                name,
                                body: body?,
                                span,
                                head,
                            })
                        })
                        .collect();
                    StepKind::Split(exact(arms))
                }
                Rule::repeat => {
                    let times = self.number(inner.nth(1)?, base);
                    self.check_count(&times, "`repeat`");
                    let body = self.block(inner.nth(1)?, base);
                    StepKind::Repeat { times, body }
                }
                Rule::named_step => {
                    let name = self.ident(inner.nth(1)?, base);
                    let body = self.block(inner.next()?, base);
                    StepKind::Named { name, body }
                }
                Rule::goto => StepKind::Goto(self.ident(inner.nth(1)?, base)),
                Rule::exit_step => StepKind::Exit,
                _ => StepKind::Action(self.action(rule, p, base)?),
            });
        }
        Some(Step {
            allows,
            kind: kind?,
            span,
            head,
            parts,
        })
    }

    /// The parts of a step outside its blocks and conditions that
    /// diagnostics point at (see [`StepParts`]).
    fn parts(&self, p: &P, base: usize) -> StepParts {
        let mut parts = StepParts::default();
        let mut stack = vec![p.clone()];
        while let Some(x) = stack.pop() {
            let keyword = || x.clone().into_inner().next().map(|k| self.span(&k, base));
            match x.as_rule() {
                Rule::block | Rule::expr | Rule::any_arm => continue,
                Rule::wait_on => parts.awaited = Some(self.tight_span(&x, base)),
                Rule::otherwise => parts.otherwise = keyword(),
                Rule::k_within => parts.within = Some(self.span(&x, base)),
                Rule::else_block => parts.else_kw = keyword(),
                _ => {}
            }
            stack.extend(x.into_inner());
        }
        parts
    }

    /// The header of a step or split arm: from its start to the `{` of its
    /// first block (`if C {`, `split {`), else to the end of what comes
    /// before an `otherwise` (`wait for e within 1d`), else all of it
    /// (`send m`). Blocks come after the parts of the header, so the search
    /// stops at the first one.
    pub(super) fn head(&self, p: &P, base: usize) -> Span {
        let start = self.span(p, base).start as usize;
        let mut end = start;
        for x in p.clone().into_inner().flatten() {
            let s = self.span(&x, base);
            match x.as_rule() {
                Rule::block | Rule::split_open | Rule::any_open => {
                    return Span::new(start, (s.start as usize + 1).min(self.limit));
                }
                Rule::otherwise => return Span::new(start, end),
                // Tokens only: a pair's span may end in skipped space.
                _ if x.clone().into_inner().next().is_none() => end = end.max(s.end as usize),
                _ => {}
            }
        }
        Span::new(start, self.tight_span(p, base).end as usize)
    }
}
