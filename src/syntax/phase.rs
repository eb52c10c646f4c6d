//! Phases: how the steps of a journey refer to names, as written in the
//! syntax tree ([`Parsed`]) or resolved in the model
//! (`model::Resolved`).
//!
//! A step is defined once, generic over its phase (the same tree indexed
//! by phase, as GHC's "trees that grow"): the steps that hold blocks,
//! conditions, events and messages in `syntax::step` ([`StepKind`]), the
//! actions in `syntax::action`. A phase is a marker type whose associated
//! types are the roles names play in a step; the resolver maps each role
//! once (`StepKind::map_refs`, `Action::map_refs`). Only a new role (a
//! step that is the first to name a segment, say) adds a type here.
//!
//! [`StepKind`]: super::step::StepKind

use std::fmt::Debug;

use super::action::SetValue;
use super::ast::{Block, Duration, Expr, Ident, Number, Percent};
use crate::source::Span;

/// How a step refers to names: as written, or resolved. Its bounds let
/// the generic steps derive what the tree and the model derive.
pub trait Phase: Clone + Debug + PartialEq {
    /// An attribute a step writes.
    type Attr: Clone + Debug + PartialEq;
    /// What a `set` writes to it.
    type Value: Clone + Debug + PartialEq;
    /// A message a step sends or waits to be opened or clicked.
    type Message: Clone + Debug + PartialEq;
    /// An event a step waits for.
    type Event: Clone + Debug + PartialEq;
    /// A condition (an `if` arm's, a `where`).
    type Cond: Clone + Debug + PartialEq;
    /// A wait's time limit (`within D`).
    type Within: Clone + Debug + PartialEq;
    /// How many times a `repeat` runs.
    type Times: Clone + Debug + PartialEq;
    /// A name the journey gives: a `step NAME`'s, a `goto`'s target, a
    /// split arm's.
    type Label: Clone + Debug + PartialEq;
    /// A split arm's share of people.
    type Weight: Clone + Debug + PartialEq;
    /// A block of steps.
    type Block: Clone + Debug + PartialEq;
    /// Where an arm of a step is written (from its start to its closing
    /// brace).
    type At: Clone + Debug + PartialEq;
    /// A place in the text only the tree keeps (for the formatter and the
    /// spans diagnostics point at): `()` in the model.
    type Mark: Clone + Debug + PartialEq;
}

/// The syntax tree's phase: names as written, with their spans.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed;

impl Phase for Parsed {
    type Attr = Ident;
    type Value = SetValue;
    type Message = Ident;
    type Event = Ident;
    type Cond = Expr;
    type Within = Duration;
    type Times = Number;
    type Label = Ident;
    type Weight = Percent;
    type Block = Block;
    type At = Span;
    type Mark = Span;
}

/// The names of a phase's references, as the text of node ids.
pub trait Names<P: Phase> {
    /// The attribute's name as declared.
    fn attr(&self, attr: &P::Attr) -> &str;
}

/// A phase for tests: every name plain text, every number a number.
#[cfg(test)]
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Text;

#[cfg(test)]
impl Phase for Text {
    type Attr = String;
    type Value = u32;
    type Message = String;
    type Event = String;
    type Cond = String;
    type Within = u64;
    type Times = u32;
    type Label = String;
    type Weight = u32;
    type Block = String;
    type At = u32;
    type Mark = ();
}
