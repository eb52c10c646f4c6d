//! Loops some execution can go round with no time passing (`instant-loop`
//! reports them; lints whose findings such a loop would only echo, such
//! as `frequency-cap` counting its sends, leave its steps alone).

use petgraph::graph::{EdgeReference, NodeIndex};
use petgraph::visit::{EdgeFiltered, EdgeRef, IntoNeighbors};

use crate::analysis::reach::Reach;
use crate::analysis::scc::sccs;
use crate::analysis::timing::Timing;
use crate::graph::{Edge, Journey, NodeKind};

/// A loop some execution can go round with no time passing.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InstantLoop {
    /// The gotos closing it (backward jumps first, then in source order)
    /// and their targets.
    pub gotos: Vec<(NodeIndex, NodeIndex)>,
    /// Every node on it, sorted.
    pub nodes: Vec<NodeIndex>,
}

/// The instant loops of one journey, in the order of their gotos.
pub fn instant_loops(journey: &Journey, r: &Reach, t: &Timing) -> Vec<InstantLoop> {
    let g = &journey.graph;
    let regular = journey.regular_repeats();
    let instant = |e: EdgeReference<Edge>| {
        let (u, v) = (e.source(), e.target());
        // The end of a round goes back to its `repeat`, which counts it;
        // but a `repeat` whose body a `goto` enters from outside starts
        // counting afresh each time (see `Journey::regular_repeats`).
        if !r.is_live(e.id())
            || (journey.is_repeat_back_edge(e.id()) && regular[v.index()])
            || matches!(e.weight(), Edge::Ends(_))
            || g[u].kind.holds(e.weight()).every_round
        {
            return false;
        }
        // Leaving a repeat after rounds that each take time.
        !(*e.weight() == Edge::Done
            && matches!(t.rounds.get(&u), Some(Some(round)) if round.min > 0))
    };
    // Loops anywhere, not only those the entry reaches with no time
    // passing (edges out of unreached nodes are not live, so loops no
    // execution reaches are still left to `unreachable-step`).
    let instant_graph = EdgeFiltered::from_fn(g, instant);
    let comps = sccs(&instant_graph);
    let mut comp = vec![usize::MAX; g.node_count()];
    for (c, scc) in comps.iter().enumerate() {
        for v in scc {
            comp[v.index()] = c;
        }
    }
    let mut loops = Vec::new();
    for (c, scc) in comps.iter().enumerate() {
        let cyclic = scc.len() > 1 || instant_graph.neighbors(scc[0]).any(|t| t == scc[0]);
        if !cyclic {
            continue;
        }
        let mut gotos: Vec<(NodeIndex, NodeIndex)> = Vec::new();
        for &v in scc {
            if !matches!(g[v].kind, NodeKind::Goto { .. }) {
                continue;
            }
            for e in g.edges(v) {
                if *e.weight() == Edge::Jump && comp[e.target().index()] == c {
                    gotos.push((v, e.target()));
                }
            }
        }
        // Backward jumps first (they close the loop), then source order.
        gotos.sort_by_key(|&(g, t)| (t > g, g));
        if !gotos.is_empty() {
            let mut nodes = scc.to_vec();
            nodes.sort();
            loops.push(InstantLoop { gotos, nodes });
        }
    }
    loops.sort();
    loops
}

/// Per node: whether it lies on an instant loop.
pub fn on_instant_loop(journey: &Journey, r: &Reach, t: &Timing) -> Vec<bool> {
    let mut out = vec![false; journey.graph.node_count()];
    for l in instant_loops(journey, r, t) {
        for n in l.nodes {
            out[n.index()] = true;
        }
    }
    out
}
