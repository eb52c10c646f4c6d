//! Stage 4: each campaign's journey lowered to a graph (petgraph).
//!
//! One node per step (plus entry and end nodes); edges are labelled with
//! what they stand for. Cycles come from `goto` and `repeat`. Every node has
//! a stable structural `id` (used by plans and diffs) and every edge its
//! shortest and longest duration.
//!
//! Lowering lives in `lower.rs` (its module docs give the id scheme); the
//! analyses of the graph (timing, reachability, ...) in [`crate::analysis`].

pub mod lower;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

pub use lower::{lower, lower_all};

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};

use crate::model::{Action, Allows, CampaignId, Cond, Delay, EventId, Loc, MessageId, WaitOn};

/// A lowered journey.
#[derive(Clone, Debug)]
pub struct Journey {
    pub campaign: CampaignId,
    pub graph: DiGraph<Node, Edge>,
    /// Where every person starts.
    pub entry: NodeIndex,
    /// The end of the journey (falling off the last step).
    pub end: NodeIndex,
    /// The `goal` end node, when the campaign has a goal.
    pub goal: Option<NodeIndex>,
    /// One `exit when` end node per distinct exit event, in source order.
    pub exits: Vec<NodeIndex>,
    /// The edges from the end of a `repeat` body back to its head, sorted.
    /// (Their labels say how the body ended, e.g. `Next` or `Else`; this
    /// list is what marks them as back edges.) An empty body's `Body` edge
    /// is a self loop and is listed here too.
    pub repeat_back_edges: Vec<EdgeIndex>,
    /// Per node: whether it is a regular `repeat` head (see
    /// [`Journey::regular_repeats`]).
    regular: Vec<bool>,
}

impl Journey {
    /// Whether `e` goes from the end of a `repeat` body back to its head.
    pub fn is_repeat_back_edge(&self, e: EdgeIndex) -> bool {
        self.repeat_back_edges.binary_search(&e).is_ok()
    }

    /// The step nodes (everything but entry, end, goal and exit nodes), in
    /// source order.
    pub fn step_nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph
            .node_indices()
            .filter(move |&n| self.graph[n].kind.is_step())
    }

    /// The node with this structural id.
    pub fn node_by_id(&self, id: &str) -> Option<NodeIndex> {
        self.graph.node_indices().find(|&n| self.graph[n].id == id)
    }

    /// Per node, the index of its last descendant (nodes are created in
    /// pre-order, so a step's descendants are the indices after it up to
    /// this one).
    pub fn subtree_ends(&self) -> Vec<usize> {
        let n = self.graph.node_count();
        let mut end: Vec<usize> = (0..n).collect();
        for v in (0..n).rev() {
            if let Some(p) = self.graph[NodeIndex::new(v)].parent {
                end[p.index()] = end[p.index()].max(end[v]);
            }
        }
        end
    }

    /// Per node: whether it is a *regular* `repeat` head, one whose body is
    /// entered only through the head (no `goto` from outside the body jumps
    /// into it). Only for those does the round count bound the loop. Every
    /// analysis asks this one place.
    pub fn regular_repeats(&self) -> &[bool] {
        &self.regular
    }

    /// Builds a journey, working out which repeats are regular.
    pub(crate) fn new(
        campaign: CampaignId,
        graph: DiGraph<Node, Edge>,
        ends: (NodeIndex, NodeIndex),
        goal: Option<NodeIndex>,
        exits: Vec<NodeIndex>,
        repeat_back_edges: Vec<EdgeIndex>,
    ) -> Journey {
        let mut j = Journey {
            campaign,
            graph,
            entry: ends.0,
            end: ends.1,
            goal,
            exits,
            repeat_back_edges,
            regular: Vec::new(),
        };
        j.regular = j.find_regular_repeats();
        j
    }

    fn find_regular_repeats(&self) -> Vec<bool> {
        let g = &self.graph;
        let end = self.subtree_ends();
        let mut regular: Vec<bool> = g
            .node_weights()
            .map(|n| matches!(n.kind, NodeKind::Repeat { .. }))
            .collect();
        for e in g.edge_indices() {
            if g[e] != Edge::Jump {
                continue;
            }
            let (src, dst) = g.edge_endpoints(e).expect("edge");
            for a in self.ancestors(dst) {
                let inside = a.index() < src.index() && src.index() <= end[a.index()];
                if matches!(g[a].kind, NodeKind::Repeat { .. }) && !inside {
                    regular[a.index()] = false;
                }
            }
        }
        regular
    }

    /// The enclosing steps of `n`, innermost first.
    pub fn ancestors(&self, n: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        std::iter::successors(self.graph[n].parent, move |&p| self.graph[p].parent)
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    /// Stable structural id, e.g. `send-cart_reminder`, `if~2.then.wait`,
    /// `nudge.send-m`, `split.a.exit` (see [`lower`](mod@crate::graph::lower)).
    /// Adding a step changes only the ids of nearby nodes.
    pub id: String,
    pub kind: NodeKind,
    /// The step it came from (the campaign for entry/end).
    pub loc: Loc,
    /// `@allow`s in force here: the step's own and those of enclosing steps
    /// and of the campaign.
    pub allows: Allows,
    /// The innermost enclosing step (`if`, `split`, `repeat`, `wait for`,
    /// `step NAME`); `None` at top level and for entry/end nodes.
    pub parent: Option<NodeIndex>,
    /// The step just before this one in the same block, if any.
    pub prev: Option<NodeIndex>,
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    Entry,
    Send(MessageId),
    /// A step that holds a person until some time has passed, as the
    /// model has it: one out edge, `Edge::Next` (and `Edge::Ends` to the
    /// goal and exits). Timing asks it how long (`Delay::bounds`).
    Delay(Delay),
    /// Out edges: `Edge::Matched` (the awaited thing happened) and
    /// `Edge::Timeout`.
    WaitFor {
        on: WaitOn,
        /// Boxed: a condition is several times the size of every other
        /// node's payload, and few nodes have one.
        filter: Option<Box<Cond>>,
        within: u64,
    },
    /// A `wait for any`: out edges `Edge::On(i)` (arm `i`'s thing happened
    /// first) and `Edge::Timeout`.
    WaitAny {
        /// What each `on` waits for, its `where`, and its key (`on-EVENT`,
        /// `on-opened-M`, `on-clicked-M`, `~2` for a second with the same
        /// key): the id part of the steps inside it.
        arms: Vec<(WaitOn, Option<Cond>, String)>,
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
    /// A step that does one thing and goes on, as the model has it: one
    /// out edge, `Edge::Next`. A `set` writes the person's profile and takes
    /// no time.
    Action(Action),
    /// The end of the journey.
    End,
    /// The goal event happened (a conversion): ends the journey.
    Goal(EventId),
    /// An `exit when` event happened: ends the journey.
    ExitEvent(EventId),
}

impl NodeKind {
    /// Whether the node stands for a step written in the journey (as
    /// opposed to entry, end, goal and exit-event nodes).
    pub fn is_step(&self) -> bool {
        !matches!(
            self,
            NodeKind::Entry | NodeKind::End | NodeKind::Goal(_) | NodeKind::ExitEvent(_)
        )
    }

    /// How long taking `edge` out of the node holds a person, as the step
    /// says of itself: the least and the most seconds (timing). A send's
    /// time is not its own (the quiet hours of its channel in the
    /// campaign, which timing reads from the program): `(0, 0)` here, as
    /// for every step where no time passes.
    pub fn holds(&self, edge: &Edge) -> (u64, u64) {
        match self {
            NodeKind::Delay(d) => d.bounds(),
            NodeKind::WaitFor { within, .. } | NodeKind::WaitAny { within, .. } => match edge {
                Edge::Timeout => (*within, *within),
                _ => (0, *within),
            },
            _ => (0, 0),
        }
    }

    /// Whether taking `edge` out of the node surely takes time, every
    /// time round a loop (`instant-loop`).
    pub fn takes_time(&self, edge: &Edge) -> bool {
        match self {
            NodeKind::Delay(d) => d.takes_time(),
            // An open or a click counts even when it came before: once it
            // has, the `wait for` is over at once, every time round.
            NodeKind::WaitFor {
                on: WaitOn::Opened(_) | WaitOn::Clicked(_),
                ..
            } => *edge != Edge::Matched,
            // An event must happen after arrival, or the time run out.
            NodeKind::WaitFor { .. } => true,
            // The same, arm by arm.
            NodeKind::WaitAny { arms, .. } => match edge {
                Edge::On(i) => matches!(arms[*i].0, WaitOn::Event(_)),
                _ => true,
            },
            _ => false,
        }
    }

    /// A short name for messages: `send`, `wait`, `if`, ...
    pub fn keyword(&self) -> &'static str {
        match self {
            NodeKind::Entry => "entry",
            NodeKind::Send(_) => "send",
            NodeKind::Delay(d) => d.keyword(),
            NodeKind::WaitFor { .. } => "wait for",
            NodeKind::WaitAny { .. } => "wait for any",
            NodeKind::Branch { .. } => "if",
            NodeKind::Split => "split",
            NodeKind::Repeat { .. } => "repeat",
            NodeKind::Named { .. } => "step",
            NodeKind::Goto { .. } => "goto",
            NodeKind::Exit => "exit",
            NodeKind::Action(a) => a.keyword(),
            NodeKind::End => "end",
            NodeKind::Goal(_) => "goal",
            NodeKind::ExitEvent(_) => "exit when",
        }
    }
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
        /// Boxed text, not a `String`: the size of every edge is that of
        /// its largest label.
        name: Option<Box<str>>,
        weight: u32,
    },
    /// `wait for` saw what it waited for.
    Matched,
    /// `wait for` (or `wait for any`) timed out.
    Timeout,
    /// `wait for any`: the thing of arm `i` happened first.
    On(usize),
    /// Into a `repeat` body.
    Body,
    /// Out of a `repeat` after the last round.
    Done,
    /// A `goto` jump.
    Jump,
    /// A goal or exit event ends the journey while waiting here.
    Ends(EventId),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The graph of a 200,000-step campaign holds a node per step: a kind
    /// carried as the model has it (an action, a delay) must not make
    /// every node bigger.
    #[test]
    fn nodes_stay_small() {
        assert!(
            std::mem::size_of::<NodeKind>() <= 40,
            "{}",
            std::mem::size_of::<NodeKind>()
        );
        assert!(
            std::mem::size_of::<Node>() <= 120,
            "{}",
            std::mem::size_of::<Node>()
        );
    }
}
