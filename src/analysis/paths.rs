//! Shortest and longest paths from one node of a small directed graph, as
//! the timing analysis needs them (see [`super::timing`]): per edge a least
//! and a most duration and a number of sends; per node the least duration
//! to reach it, and the most duration and sends, unbounded when a cycle on
//! which time passes (or a send is made) leads there.
//!
//! Least durations are Dijkstra's; longest paths are taken over the
//! strongly connected components ([`crate::analysis::scc`]: Kosaraju's,
//! which is iterative: `tarjan_scc` recurses once per node along a path,
//! and a journey of 200,000 steps in a row would overflow the stack) in
//! topological order. Linear in the size of the graph, up to the heap's
//! logarithm.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

/// What taking an edge (or a path) costs: at least `min` seconds, at most
/// `max` (`None`: unbounded), and at most `sends` sends (`None`: unbounded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cost {
    pub min: u64,
    pub max: Option<u64>,
    pub sends: Option<u64>,
}

impl Cost {
    pub const ZERO: Cost = Cost {
        min: 0,
        max: Some(0),
        sends: Some(0),
    };

    /// This path, then `next`.
    pub fn then(self, next: Cost) -> Cost {
        Cost {
            min: self.min.saturating_add(next.min),
            max: add(self.max, next.max),
            sends: add(self.sends, next.sends),
        }
    }

    /// `k` times this path in a row.
    pub fn times(self, k: u64) -> Cost {
        Cost {
            min: self.min.saturating_mul(k),
            max: mul(self.max, k),
            sends: mul(self.sends, k),
        }
    }

    /// The most of `k` times this path, taking no least time (what came
    /// before, when it may have been anything from none to `k` rounds).
    pub fn at_most(self, k: u64) -> Cost {
        Cost {
            min: 0,
            ..self.times(k)
        }
    }

    /// The extremes of both: the least `min`, the most `max` and `sends`.
    pub fn join(self, other: Cost) -> Cost {
        Cost {
            min: self.min.min(other.min),
            max: max(self.max, other.max),
            sends: max(self.sends, other.sends),
        }
    }
}

fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    Some(a?.saturating_add(b?))
}

fn mul(a: Option<u64>, k: u64) -> Option<u64> {
    if k == 0 {
        return Some(0);
    }
    a.map(|a| a.saturating_mul(k))
}

fn max(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    Some(a?.max(b?))
}

/// The index of `v` in `table`, added there when new: found by a scan
/// while the table is small (a journey's edges take a few different
/// times), in `map` past that (hashing every edge cost more time than
/// the scan).
pub(super) fn intern<T: Copy + Eq + std::hash::Hash>(
    v: T,
    table: &mut Vec<T>,
    map: &mut HashMap<T, u32>,
) -> u32 {
    const SCAN: usize = 16;
    if table.len() <= SCAN {
        if let Some(i) = table.iter().position(|&t| t == v) {
            return i as u32;
        }
    } else if let Some(&i) = map.get(&v) {
        return i;
    }
    table.push(v);
    let i = table.len() - 1;
    if i == SCAN {
        map.extend(table.iter().enumerate().map(|(i, &t)| (t, i as u32)));
    } else if i > SCAN {
        map.insert(v, i as u32);
    }
    i as u32
}

/// A graph to solve: nodes are `0..len`, edges carry their cost.
///
/// An edge holds the index of its cost among the distinct costs of the
/// graph: a journey's edges cost a few different things, and a cost is
/// five times the size of its index (at 200,000 steps, the edges were the
/// largest thing timing held).
pub struct Paths {
    graph: DiGraph<(), u32, u32>,
    costs: Vec<Cost>,
    interned: HashMap<Cost, u32>,
}

impl Paths {
    pub fn new(len: usize) -> Paths {
        Paths::with_capacity(len, len)
    }

    /// Room for `len` nodes and exactly `edges` edges (a graph that grows
    /// doubles its room).
    pub fn with_capacity(len: usize, edges: usize) -> Paths {
        let mut graph = DiGraph::with_capacity(len, edges);
        for _ in 0..len {
            graph.add_node(());
        }
        Paths {
            graph,
            costs: Vec::new(),
            interned: HashMap::new(),
        }
    }

    pub fn edge(&mut self, from: usize, to: usize, cost: Cost) {
        let i = intern(cost, &mut self.costs, &mut self.interned);
        self.graph
            .add_edge(NodeIndex::new(from), NodeIndex::new(to), i);
    }

    /// The cost of reaching every node from `start` (which costs `init`
    /// itself), `None` where no path leads.
    pub fn solve(&self, start: usize, init: Cost) -> Vec<Option<Cost>> {
        let mut out = vec![None; self.graph.node_count()];
        self.solve_into(start, init, |v, c| out[v] = c);
        out
    }

    /// [`Paths::solve`], each node's cost given to `out` (in node order)
    /// instead of collected.
    pub fn solve_into(&self, start: usize, init: Cost, mut out: impl FnMut(usize, Option<Cost>)) {
        let g = &self.graph;
        let n = g.node_count();
        let cost = |w: &u32| &self.costs[*w as usize];

        // Least durations: Dijkstra.
        let mut min: Vec<Option<u64>> = vec![None; n];
        let mut heap = BinaryHeap::new();
        min[start] = Some(init.min);
        heap.push(Reverse((init.min, start as u32)));
        while let Some(Reverse((d, v))) = heap.pop() {
            if min[v as usize] != Some(d) {
                continue;
            }
            for e in g.edges(NodeIndex::new(v as usize)) {
                let t = e.target().index();
                let nd = d.saturating_add(cost(e.weight()).min);
                if min[t].is_none_or(|old| nd < old) {
                    min[t] = Some(nd);
                    heap.push(Reverse((nd, t as u32)));
                }
            }
        }
        drop(heap);

        // Longest durations and most sends, over the components in
        // topological order (`sccs` lists them sinks first).
        let sccs = crate::analysis::scc::sccs(g);
        let mut comp = vec![0u32; n];
        for (c, members) in sccs.iter().enumerate() {
            for v in members {
                comp[v.index()] = c as u32;
            }
        }
        // (max, sends) per node: `None` not reached.
        let mut long: Vec<Option<(Option<u64>, Option<u64>)>> = vec![None; n];
        long[start] = Some((init.max, init.sends));
        let join = |a: Option<(Option<u64>, Option<u64>)>, b: (Option<u64>, Option<u64>)| match a {
            None => b,
            Some(a) => (max(a.0, b.0), max(a.1, b.1)),
        };
        for (c, members) in sccs.iter().enumerate().rev() {
            let c = c as u32;
            let mut acc: Option<(Option<u64>, Option<u64>)> = None;
            let mut cyclic = members.len() > 1;
            let (mut time, mut sends) = (false, false);
            for &v in members {
                if let Some(l) = long[v.index()] {
                    acc = Some(join(acc, l));
                }
                for e in g.edges(v) {
                    if comp[e.target().index()] == c {
                        cyclic = true;
                        time |= cost(e.weight()).max != Some(0);
                        sends |= cost(e.weight()).sends != Some(0);
                    }
                }
            }
            let Some(mut value) = acc else { continue };
            if cyclic && time {
                value.0 = None;
            }
            if cyclic && sends {
                value.1 = None;
            }
            for &v in members {
                long[v.index()] = Some(value);
                for e in g.edges(v) {
                    let t = e.target().index();
                    if comp[t] != c {
                        let w = cost(e.weight());
                        long[t] = Some(join(long[t], (add(value.0, w.max), add(value.1, w.sends))));
                    }
                }
            }
        }
        drop((sccs, comp));
        for (v, (min, long)) in min.into_iter().zip(long).enumerate() {
            out(
                v,
                long.and_then(|(max, sends)| {
                    Some(Cost {
                        min: min?,
                        max,
                        sends,
                    })
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(min: u64, max: u64, sends: u64) -> Cost {
        Cost {
            min,
            max: Some(max),
            sends: Some(sends),
        }
    }

    #[test]
    fn components_come_sinks_first() {
        // `sccs`'s order (sinks first) is what `solve` relies on.
        let mut g: DiGraph<(), ()> = DiGraph::new();
        let v: Vec<_> = (0..4).map(|_| g.add_node(())).collect();
        g.add_edge(v[0], v[1], ());
        g.add_edge(v[1], v[2], ());
        g.add_edge(v[2], v[1], ());
        g.add_edge(v[2], v[3], ());
        let order: Vec<Vec<usize>> = crate::analysis::scc::sccs(&g)
            .iter()
            .map(|s| {
                let mut s: Vec<usize> = s.iter().map(|n| n.index()).collect();
                s.sort();
                s
            })
            .collect();
        assert_eq!(order, vec![vec![3], vec![1, 2], vec![0]]);
    }

    #[test]
    fn diamonds_cycles_and_unreached_nodes() {
        let mut p = Paths::new(6);
        p.edge(0, 1, c(1, 2, 1));
        p.edge(0, 2, c(5, 9, 0));
        p.edge(1, 3, c(0, 0, 0));
        p.edge(2, 3, c(0, 0, 1));
        // 3 <-> 4 without time but with a send: sends unbounded after.
        p.edge(3, 4, c(0, 0, 1));
        p.edge(4, 3, c(0, 0, 0));
        let r = p.solve(0, Cost::ZERO);
        assert_eq!(r[1], Some(c(1, 2, 1)));
        assert_eq!(
            r[3],
            Some(Cost {
                min: 1,
                max: Some(9),
                sends: None
            })
        );
        assert_eq!(r[5], None);
    }

    #[test]
    fn interning_finds_values_before_and_after_the_table_grows() {
        let (mut table, mut map) = (Vec::new(), HashMap::new());
        for round in 0..2 {
            for v in 0..40u64 {
                assert_eq!(intern(v, &mut table, &mut map), v as u32, "{round}");
            }
        }
        assert_eq!(table.len(), 40);
    }

    #[test]
    fn a_long_chain_needs_no_deep_stack() {
        let n = 300_000;
        let mut p = Paths::new(n);
        for i in 1..n {
            p.edge(i - 1, i, c(1, 2, 0));
        }
        let r = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || p.solve(0, Cost::ZERO)[n - 1])
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(r, Some(c(n as u64 - 1, 2 * (n as u64 - 1), 0)));
    }
}
