//! Steps, defined once for the syntax tree and the model: [`StepKind`],
//! generic over its [`Phase`] (`syntax::ast::StepKind` is
//! `StepKind<Parsed>`, `model::StepKind` its resolved form), with its parts
//! ([`WaitOn`], [`WaitArm`], [`SplitArm`]; a block is the phase's), and
//! beside it what every stage asks of a step kind, each one exhaustive
//! match: its references in source order ([`StepKind::map_refs`], which
//! calls the resolver once per reference by its role, [`StepRefs`]), the
//! blocks inside it ([`StepKind::for_each_block`]), and the words that start
//! the steps ([`STEP_KEYWORDS`]); then its lowering from pest pairs
//! ([`Lowerer::step`]).
//!
//! So a new step kind is written here (its variant, its arm in `map_refs`,
//! in `for_each_block` when it holds blocks, its word and its lowering)
//! and in the grammar (`grammar/omnis.pest`, its rule in `step`); the
//! resolver and the model take it without an edit, unless it is the first
//! to name something in a new role (a new associated type of [`Phase`] and
//! a method of [`StepRefs`]). A step that does one thing and goes on is an
//! action ([`super::action`], its rule in `action`), a wait for time a
//! delay ([`super::delay`]).

use super::action::{Action, MapRefs, ACTION_KEYWORDS};
use super::ast::{Block, Step, StepParts};
use super::delay::Delay;
use super::lower::{after_keyword, exact, Lowerer, P};
use super::parser::Rule;
use super::phase::Phase;
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

/// What a step is, in phase `P`: the steps that hold blocks, conditions,
/// events and messages, the waits for time ([`Delay`]) and the actions
/// ([`Action`]). One definition for the syntax tree (`StepKind<Parsed>`,
/// `syntax::ast::StepKind`) and the model (`model::StepKind`, with names
/// resolved).
#[derive(Clone, Debug, PartialEq)]
pub enum StepKind<P: Phase> {
    /// `send MESSAGE`
    Send(P::Message),
    /// A step that holds a person until some time has passed, then goes
    /// on (`wait 2d`, `wait until mon 09:00`: see [`super::delay`]).
    Delay(Delay),
    /// `wait for EVENT_OR_ENGAGEMENT [where EXPR] within D [BLOCK] [otherwise BLOCK]`
    WaitFor {
        on: WaitOn<P>,
        /// Boxed: a condition would double the size of every step.
        filter: Option<Box<P::Cond>>,
        within: P::Within,
        then: Option<P::Block>,
        otherwise: Option<P::Block>,
    },
    /// `wait for any within D { on ... { } ... } [otherwise BLOCK]`: the
    /// first arm whose thing happens within `within` takes its branch,
    /// else `otherwise`; flow continues after the step.
    WaitAny {
        within: P::Within,
        arms: Vec<WaitArm<P>>,
        /// The `}` after the arms.
        close: P::Mark,
        otherwise: Option<P::Block>,
    },
    /// `if C { } else if C { } else { }`
    If {
        arms: Vec<(P::Cond, P::Block)>,
        otherwise: Option<P::Block>,
    },
    /// `split { 50% a { } 50% { } }`
    Split(Vec<SplitArm<P>>),
    /// `repeat N times { }`
    Repeat { times: P::Times, body: P::Block },
    /// `step NAME { }`
    Named { name: P::Label, body: P::Block },
    /// `goto NAME` (the resolver checks the campaign has a step `NAME`).
    Goto { target: P::Label },
    /// `exit`
    Exit,
    /// A step that does one thing and goes on (`set`, `unset`: see
    /// [`super::action`]).
    Action(Action<P>),
}

/// What a `wait for` (or an `on` of a `wait for any`) waits for.
#[derive(Clone, Debug, PartialEq)]
pub enum WaitOn<P: Phase> {
    Event(P::Event),
    Opened(P::Message),
    Clicked(P::Message),
}

/// `on EVENT_OR_ENGAGEMENT [where EXPR] { ... }` in a `wait for any`.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitArm<P: Phase> {
    pub on: WaitOn<P>,
    /// What it waits for, as written.
    pub on_span: P::Mark,
    pub filter: Option<P::Cond>,
    pub body: P::Block,
    /// The arm, from `on` to its closing brace.
    pub at: P::At,
    /// `on clicked m {`.
    pub head: P::Mark,
}

/// `WEIGHT [NAME] { ... }` in a `split`.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitArm<P: Phase> {
    pub weight: P::Weight,
    pub name: Option<P::Label>,
    pub body: P::Block,
    /// The arm, from its weight to its closing brace.
    pub at: P::At,
    /// `50% a {`.
    pub head: P::Mark,
}

/// Maps the references of a step in phase `P` to phase `Q`, one method
/// per role a name plays (the resolver, from [`Parsed`] to the model's
/// phase), called by [`StepKind::map_refs`] in source order; the roles of
/// an action's references are [`MapRefs`]'s. `None` when a reference does
/// not resolve (the resolver has reported why).
pub trait StepRefs<P: Phase, Q: Phase>: MapRefs<P, Q> {
    /// A message sent, or awaited to be opened or clicked.
    fn message(&mut self, m: &P::Message) -> Option<Q::Message>;
    /// An event awaited.
    fn event(&mut self, e: &P::Event) -> Option<Q::Event>;
    /// The `where` of what a wait waits for, `on` mapped (`None` when it
    /// did not map: the filter is then dropped unread).
    fn filter(&mut self, c: &P::Cond, on: Option<&WaitOn<Q>>) -> Option<Q::Cond>;
    /// The condition of an `if` arm.
    fn cond(&mut self, c: &P::Cond) -> Q::Cond;
    /// The time limit of the wait that starts with `keyword`.
    fn within(&mut self, w: &P::Within, keyword: &str) -> Q::Within;
    /// How many times a `repeat` runs.
    fn times(&mut self, t: &P::Times) -> Q::Times;
    /// A step's name, a `goto`'s target, a split arm's name.
    fn label(&mut self, l: &P::Label) -> Q::Label;
    /// The arms of a split together (their weights, their names), before
    /// any of their blocks.
    fn split(&mut self, arms: &[SplitArm<P>]);
    /// A split arm's weight.
    fn weight(&mut self, w: &P::Weight) -> Q::Weight;
    /// Where an arm is written.
    fn at(&mut self, at: &P::At) -> Q::At;
    /// A place in the text only the tree keeps.
    fn mark(&mut self, m: &P::Mark) -> Q::Mark;
    /// A block inside the step (each of its steps mapped in turn).
    fn block(&mut self, b: &P::Block) -> Q::Block;
}

impl<P: Phase> StepKind<P> {
    /// The step with its references mapped by `f`, in source order (so
    /// diagnostics come in the order of the text): the one place that
    /// knows what each step kind refers to. `None` when a reference the
    /// step cannot do without does not map (a `wait for`'s blocks are then
    /// not mapped); an arm of a `wait for any` whose awaited thing does
    /// not map is dropped (its block is mapped first).
    pub fn map_refs<Q: Phase>(&self, f: &mut impl StepRefs<P, Q>) -> Option<StepKind<Q>> {
        Some(match self {
            StepKind::Send(m) => StepKind::Send(f.message(m)?),
            StepKind::Delay(d) => StepKind::Delay(d.clone()),
            StepKind::WaitFor {
                on,
                filter,
                within,
                then,
                otherwise,
            } => {
                let within = f.within(within, "wait for");
                let (on, filter) = awaited(f, on, filter.as_deref());
                // Not awaiting anything known, the blocks are not mapped.
                let on = on?;
                let then = then.as_ref().map(|b| f.block(b));
                let otherwise = otherwise.as_ref().map(|b| f.block(b));
                StepKind::WaitFor {
                    on,
                    filter: filter.map(Box::new),
                    within,
                    then,
                    otherwise,
                }
            }
            StepKind::WaitAny {
                within,
                arms,
                close,
                otherwise,
            } => {
                let within = f.within(within, "wait for any");
                let arms = arms
                    .iter()
                    .filter_map(|a| {
                        let (on, filter) = awaited(f, &a.on, a.filter.as_ref());
                        let body = f.block(&a.body);
                        Some(WaitArm {
                            on: on?,
                            on_span: f.mark(&a.on_span),
                            filter,
                            body,
                            at: f.at(&a.at),
                            head: f.mark(&a.head),
                        })
                    })
                    .collect();
                StepKind::WaitAny {
                    within,
                    arms,
                    close: f.mark(close),
                    otherwise: otherwise.as_ref().map(|b| f.block(b)),
                }
            }
            StepKind::If { arms, otherwise } => StepKind::If {
                arms: arms.iter().map(|(c, b)| (f.cond(c), f.block(b))).collect(),
                otherwise: otherwise.as_ref().map(|b| f.block(b)),
            },
            StepKind::Split(arms) => {
                f.split(arms);
                StepKind::Split(
                    arms.iter()
                        .map(|a| SplitArm {
                            weight: f.weight(&a.weight),
                            name: a.name.as_ref().map(|n| f.label(n)),
                            body: f.block(&a.body),
                            at: f.at(&a.at),
                            head: f.mark(&a.head),
                        })
                        .collect(),
                )
            }
            StepKind::Repeat { times, body } => StepKind::Repeat {
                times: f.times(times),
                body: f.block(body),
            },
            StepKind::Named { name, body } => StepKind::Named {
                name: f.label(name),
                body: f.block(body),
            },
            StepKind::Goto { target } => StepKind::Goto {
                target: f.label(target),
            },
            StepKind::Exit => StepKind::Exit,
            StepKind::Action(a) => StepKind::Action(a.map_refs(f)?),
        })
    }

    /// Calls `f` on every block directly inside the step, in source order:
    /// the one place that knows which steps hold blocks, so that walks over
    /// journeys (the tree's and the model's) need no arm per step kind.
    pub fn for_each_block<'a>(&'a self, f: &mut dyn FnMut(&'a P::Block)) {
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
            | StepKind::Goto { .. }
            | StepKind::Exit
            | StepKind::Action(_) => {}
        }
    }

    /// The message the step sends, if it is a `send`.
    pub fn sent(&self) -> Option<&P::Message> {
        match self {
            StepKind::Send(m) => Some(m),
            _ => None,
        }
    }

    /// The name the step gives itself (`step NAME`), a `goto` target.
    pub fn label(&self) -> Option<&P::Label> {
        match self {
            StepKind::Named { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The step a `goto` jumps to.
    pub fn target(&self) -> Option<&P::Label> {
        match self {
            StepKind::Goto { target } => Some(target),
            _ => None,
        }
    }

    /// The time limit a diagnostic about the step's timeout points at
    /// (`within D`), when it has none of its own (`otherwise`): a `wait
    /// for`'s. A `wait for any`'s timeout is pointed at by its `otherwise`
    /// or its header.
    pub fn timeout_within(&self) -> Option<&P::Within> {
        match self {
            StepKind::WaitFor { within, .. } => Some(within),
            _ => None,
        }
    }
}

/// What a wait waits for, then its `where`, mapped.
fn awaited<P: Phase, Q: Phase>(
    f: &mut impl StepRefs<P, Q>,
    on: &WaitOn<P>,
    filter: Option<&P::Cond>,
) -> (Option<WaitOn<Q>>, Option<Q::Cond>) {
    let on = match on {
        WaitOn::Event(e) => f.event(e).map(WaitOn::Event),
        WaitOn::Opened(m) => f.message(m).map(WaitOn::Opened),
        WaitOn::Clicked(m) => f.message(m).map(WaitOn::Clicked),
    };
    let filter = filter.and_then(|c| f.filter(c, on.as_ref()));
    (on, filter)
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
                                at: span,
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
                Rule::goto => StepKind::Goto {
                    target: self.ident(inner.nth(1)?, base),
                },
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
