//! Strongly connected components, flat: every component's nodes in one
//! vector (petgraph's `kosaraju_scc` gives a vector per component, one
//! allocation per node of an acyclic journey: at 200,000 steps the largest
//! part of the memory the timing analysis holds at once).

use petgraph::visit::{
    Dfs, DfsPostOrder, IntoNeighborsDirected, IntoNodeIdentifiers, NodeIndexable, Reversed,
    VisitMap, Visitable,
};

/// The components of a graph, sinks first (the order of petgraph's
/// `kosaraju_scc`, which this is: the same components, in the same order,
/// with their nodes in the same order).
pub struct Sccs<N> {
    nodes: Vec<N>,
    /// Where each component starts in `nodes` (and one past the last; a
    /// graph's node indices fit in `u32`).
    starts: Vec<u32>,
}

/// Kosaraju's algorithm, iterative (no recursion however long the
/// journey).
pub fn sccs<G>(g: G) -> Sccs<G::NodeId>
where
    G: IntoNeighborsDirected + Visitable + IntoNodeIdentifiers + NodeIndexable,
{
    let mut dfs = DfsPostOrder::empty(g);
    let mut finish = Vec::with_capacity(g.node_bound());
    for i in g.node_identifiers() {
        if dfs.discovered.is_visited(&i) {
            continue;
        }
        dfs.move_to(i);
        while let Some(n) = dfs.next(Reversed(g)) {
            finish.push(n);
        }
    }
    let mut dfs = Dfs::from_parts(dfs.stack, dfs.discovered);
    dfs.reset(g);
    let mut nodes = Vec::with_capacity(finish.len());
    let mut starts = vec![0];
    for i in finish.into_iter().rev() {
        if dfs.discovered.is_visited(&i) {
            continue;
        }
        dfs.move_to(i);
        while let Some(n) = dfs.next(g) {
            nodes.push(n);
        }
        starts.push(nodes.len() as u32);
    }
    Sccs { nodes, starts }
}

impl<N> Sccs<N> {
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The nodes of component `c`.
    pub fn get(&self, c: usize) -> &[N] {
        &self.nodes[self.starts[c] as usize..self.starts[c + 1] as usize]
    }

    /// The components, sinks first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[N]> + ExactSizeIterator {
        (0..self.len()).map(|c| self.get(c))
    }
}

#[cfg(test)]
mod tests {
    use petgraph::graph::DiGraph;

    use super::*;

    #[test]
    fn same_components_in_the_same_order_as_petgraph() {
        // Two cycles joined by a chain, a self loop, an isolated node.
        let mut g: DiGraph<(), ()> = DiGraph::new();
        let n: Vec<_> = (0..9).map(|_| g.add_node(())).collect();
        for (a, b) in [
            (0, 1),
            (1, 2),
            (2, 0),
            (2, 3),
            (3, 4),
            (4, 5),
            (5, 4),
            (5, 6),
            (6, 6),
        ] {
            g.add_edge(n[a], n[b], ());
        }
        g.add_edge(n[7], n[0], ());
        let ours: Vec<Vec<_>> = sccs(&g).iter().map(|c| c.to_vec()).collect();
        assert_eq!(ours, petgraph::algo::kosaraju_scc(&g));
        assert_eq!(ours.len(), 6);
    }
}
