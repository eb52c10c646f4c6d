//! A journey in the model: blocks of steps, each step's kind with its
//! names resolved to ids (built by `crate::resolve::journey`). A step kind
//! is defined once, for the syntax tree and the model, in `syntax::step`
//! (or `syntax::action`, `syntax::delay`): here is its resolved form,
//! [`StepKind`] = `StepKind<Resolved>`, and the model's [`Resolved`] phase
//! (which type each role of reference has once resolved). A new step kind
//! needs no edit here.

use super::{Allows, AttrId, Cond, Const, EventId, Loc, MessageId, Program};
use crate::syntax::action::Names;
pub use crate::syntax::delay::Delay;
use crate::syntax::phase::Phase;

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

/// The model's phase (`syntax::phase`): names resolved to ids, values
/// checked against their types, places as locations; what only the tree
/// keeps (`Mark`) is gone.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved;

impl Phase for Resolved {
    type Attr = AttrId;
    type Value = SetValue;
    type Message = MessageId;
    type Event = EventId;
    type Cond = Cond;
    /// Seconds, longer than zero.
    type Within = u64;
    type Times = u32;
    /// The name as written (a `goto`'s target is checked to exist).
    type Label = String;
    /// Hundredths of a percent: 100% = 10_000.
    type Weight = u32;
    type Block = Block;
    type At = Loc;
    type Mark = ();
}

/// What a step is, names resolved (see `syntax::step`).
pub type StepKind = crate::syntax::step::StepKind<Resolved>;
/// What a `wait for` (or an `on`) waits for.
pub type WaitOn = crate::syntax::step::WaitOn<Resolved>;
/// An `on` of a `wait for any`: what it waits for, and its branch.
pub type WaitArm = crate::syntax::step::WaitArm<Resolved>;
/// An arm of a `split`.
pub type SplitArm = crate::syntax::step::SplitArm<Resolved>;

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

impl Block {
    /// Calls `f` on every step of the block, depth first, in source order.
    pub fn walk_steps<'a>(&'a self, f: &mut dyn FnMut(&'a Step)) {
        for step in &self.steps {
            f(step);
            step.kind.for_each_block(&mut |b| b.walk_steps(f));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model holds every step of every journey (200,000 in the
    /// largest benchmarked campaign): a step must not grow. A `wait for`'s
    /// `where` is boxed, as in the tree.
    #[test]
    fn steps_stay_small() {
        use std::mem::size_of;
        let (step, kind) = (size_of::<Step>(), size_of::<StepKind>());
        assert!(step <= 144, "model::Step is {step} bytes");
        assert!(kind <= 104, "model::StepKind is {kind} bytes");
        let tree = size_of::<crate::syntax::ast::Step>();
        assert!(tree <= 216, "ast::Step is {tree} bytes");
    }
}
