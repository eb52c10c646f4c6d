//! A journey in the model: blocks of steps, each step's kind with its
//! names resolved to ids (built by `crate::resolve::journey`). A new step
//! kind is a variant here, or, when it does one thing and goes on, of
//! `syntax::action::Action`, whose model form is [`Action`] and which the
//! journey graph then carries as written.

use super::{Allows, AttrId, Cond, Const, EventId, Loc, MessageId, Program};
use crate::syntax::action::{Names, Phase};
pub use crate::syntax::delay::Delay;

/// A sequence of steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub steps: Vec<Step>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    pub loc: Loc,
    pub allows: Allows,
}

#[derive(Clone, Debug, PartialEq)]
pub enum WaitOn {
    Event(EventId),
    Opened(MessageId),
    Clicked(MessageId),
}

/// An `on` of a `wait for any`: what it waits for, and its branch.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitArm {
    pub on: WaitOn,
    pub filter: Option<Cond>,
    pub body: Block,
    /// The arm, from `on` to its closing brace.
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SplitArm {
    /// Hundredths of a percent: 100% = 10_000.
    pub weight: u32,
    pub name: Option<String>,
    pub body: Block,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    Send(MessageId),
    /// A step that holds a person until some time has passed, then goes
    /// on: as the syntax tree has it (see [`Delay`]).
    Delay(Delay),
    WaitFor {
        on: WaitOn,
        filter: Option<Cond>,
        within: u64,
        then: Option<Block>,
        otherwise: Option<Block>,
    },
    /// `wait for any`: the first arm whose thing happens within `within`
    /// takes its branch, else `otherwise`; flow continues after the step.
    WaitAny {
        arms: Vec<WaitArm>,
        within: u64,
        otherwise: Option<Block>,
    },
    If {
        arms: Vec<(Cond, Block)>,
        otherwise: Option<Block>,
    },
    Split(Vec<SplitArm>),
    Repeat {
        times: u32,
        body: Block,
    },
    Named {
        name: String,
        body: Block,
    },
    /// Target resolved to the step's name; the resolver checked it exists.
    Goto {
        target: String,
    },
    Exit,
    /// A step that does one thing and goes on (see [`Action`]).
    Action(Action),
}

/// The model's phase of an action (`syntax::action`): names resolved to
/// ids, values checked against the attribute's type.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved;

impl Phase for Resolved {
    type Attr = AttrId;
    type Value = SetValue;
}

/// A step that does one thing and goes on: no block inside, and in the
/// journey graph one node with one `Next` edge. One definition with the
/// syntax tree's (`syntax::action`), here with its names resolved. The
/// graph carries it as written (`graph::NodeKind::Action`) instead of
/// mirroring it, so a new step kind of this shape is a variant there
/// (with its syntax), its conversion to the plan (`plan::node`), what the
/// runtime does with it and how it is printed (`fmt`); the model, the
/// resolver, the graph and the analyses to which it means nothing need no
/// edit.
pub type Action = crate::syntax::action::Action<Resolved>;

impl Names<Resolved> for Program {
    fn attr(&self, attr: &AttrId) -> &str {
        &self.attr(*attr).name
    }
}

/// What a `set` writes: checked against the attribute's type.
#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    /// A constant of the attribute's type.
    Const(Const),
    /// A field of the trigger event (unset when the field is).
    TriggerField(EventId, usize),
    /// A list of constants of the element type.
    List(Vec<Const>),
    /// The instant of the step (`time` attributes).
    Now,
}

impl StepKind {
    /// Calls `f` on every block directly inside the step, in source order:
    /// the one place that knows which steps hold blocks, so that walks over
    /// journeys need no arm per step kind.
    pub fn for_each_block<'a>(&'a self, f: &mut dyn FnMut(&'a Block)) {
        match self {
            StepKind::WaitFor {
                then, otherwise, ..
            } => {
                if let Some(b) = then {
                    f(b);
                }
                if let Some(b) = otherwise {
                    f(b);
                }
            }
            StepKind::WaitAny {
                arms, otherwise, ..
            } => {
                for arm in arms {
                    f(&arm.body);
                }
                if let Some(b) = otherwise {
                    f(b);
                }
            }
            StepKind::If { arms, otherwise } => {
                for (_, b) in arms {
                    f(b);
                }
                if let Some(b) = otherwise {
                    f(b);
                }
            }
            StepKind::Split(arms) => {
                for arm in arms {
                    f(&arm.body);
                }
            }
            StepKind::Repeat { body, .. } | StepKind::Named { body, .. } => f(body),
            StepKind::Send(_)
            | StepKind::Delay(_)
            | StepKind::Goto { .. }
            | StepKind::Exit
            | StepKind::Action(_) => {}
        }
    }
}

impl Block {
    /// Calls `f` on every step of the block, depth first, in source order.
    pub fn walk_steps<'a>(&'a self, f: &mut dyn FnMut(&'a Step)) {
        for step in &self.steps {
            f(step);
            step.kind.for_each_block(&mut |b| b.walk_steps(f));
        }
    }
}
