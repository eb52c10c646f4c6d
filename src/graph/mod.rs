//! Stage 4: each campaign's journey lowered to a graph (petgraph).
//!
//! One node per step (plus entry and end nodes); edges are labelled with
//! what they stand for. Cycles come from `goto` and `repeat`. Every node has
//! a stable structural `id` (used by plans and diffs) and every edge its
//! shortest and longest duration.
//!
//! Lowering lives in `lower.rs` (its module docs give the id scheme), what
//! each step kind becomes and what the analyses ask of a node's kind in
//! `kind.rs`; the analyses of the graph (timing, reachability, ...) in
//! [`crate::analysis`].

mod kind;
pub mod lower;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

pub use kind::{ArmEdge, Edge, Hold, NodeKind};
pub use lower::{lower, lower_all};

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};

use crate::model::{Allows, CampaignId, Loc};

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

#[cfg(test)]
mod tests {
    use super::*;

    /// The graph of a 200,000-step campaign holds a node per step: a kind
    /// carried as the model has it (an action, a delay) must not make
    /// every node bigger. Nor a rare edge label every edge.
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
        // About three edges a step: an edge label is no bigger than a
        // number and its tag.
        assert!(
            std::mem::size_of::<Edge>() <= 16,
            "{}",
            std::mem::size_of::<Edge>()
        );
    }
}
