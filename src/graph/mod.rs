//! Stage 4: each campaign's journey lowered to a graph (petgraph).
//!
//! One node per step (plus entry and end nodes); edges are labelled with
//! what they stand for. Cycles come from `goto` and `repeat`. Every node has
//! a stable structural `id` (used by plans and diffs) and every edge its
//! shortest and longest duration.
//!
//! Lowering lives in `lower.rs`; time bounds in `timing.rs`.

use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::{Allows, CampaignId, Cond, EventId, Loc, MessageId, WaitOn, Weekday};

/// A lowered journey.
#[derive(Clone, Debug)]
pub struct Journey {
    pub campaign: CampaignId,
    pub graph: DiGraph<Node, Edge>,
    /// Where every person starts.
    pub entry: NodeIndex,
    /// The end of the journey (falling off the last step).
    pub end: NodeIndex,
}

#[derive(Clone, Debug)]
pub struct Node {
    /// Stable structural id, e.g. `s1`, `s4.then.s2`, `nudge.s1`, `s6.a.s1`.
    /// Adding a step changes only the ids of nearby nodes.
    pub id: String,
    pub kind: NodeKind,
    /// The step it came from (the campaign for entry/end).
    pub loc: Loc,
    /// `@allow`s in force here: the step's own and those of enclosing steps
    /// and of the campaign.
    pub allows: Allows,
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    Entry,
    Send(MessageId),
    Wait {
        seconds: u64,
    },
    WaitUntil {
        weekday: Option<Weekday>,
        minutes: u32,
    },
    /// Out edges: `Edge::Matched` (the awaited thing happened) and
    /// `Edge::Timeout`.
    WaitFor {
        on: WaitOn,
        filter: Option<Cond>,
        within: u64,
    },
    /// An `if`: out edges `Edge::If(i)` for arm `i` (taken when arms `0..i`
    /// are false and arm `i` is true) and `Edge::Else`.
    Branch {
        conds: Vec<Cond>,
    },
    /// Out edges `Edge::Arm`.
    Split,
    /// A `repeat N times` loop head: out edges `Edge::Body` and `Edge::Done`.
    Repeat {
        times: u32,
    },
    /// A `step NAME` block's start (also a `goto` target).
    Named {
        name: String,
    },
    /// A `goto` (its one out edge goes to the target).
    Goto {
        target: String,
    },
    /// An explicit `exit`.
    Exit,
    /// The end of the journey.
    End,
    /// The goal event happened (a conversion): ends the journey.
    Goal(EventId),
    /// An `exit when` event happened: ends the journey.
    ExitEvent(EventId),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Edge {
    /// Plain sequence.
    Next,
    /// `if` arm `i` taken.
    If(usize),
    /// No `if` arm taken.
    Else,
    /// Split arm, weight in hundredths of a percent.
    Arm {
        index: usize,
        name: Option<String>,
        weight: u32,
    },
    /// `wait for` saw what it waited for.
    Matched,
    /// `wait for` timed out.
    Timeout,
    /// Into a `repeat` body.
    Body,
    /// Out of a `repeat` after the last round.
    Done,
    /// A `goto` jump.
    Jump,
    /// A goal or exit event ends the journey while waiting here.
    Ends(EventId),
}
