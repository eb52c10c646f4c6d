//! How long things take: the shortest and longest duration of every edge,
//! and the earliest and latest arrival at every node after entry.
//!
//! # Edges
//! - out of `wait D`: `D..D`;
//! - out of `wait until 09:00`: `0..24h`; `wait until mon 09:00`: `0..7d`;
//! - out of `wait for ... within D`: `Matched` `0..D`, `Timeout` `D..D`;
//! - out of a `send` on a channel with quiet hours: `0..(length of the
//!   quiet period)` (the send is delayed to its end);
//! - `Ends(event)`: `0..` the longest the node can hold a person;
//! - everything else takes no time.
//!
//! # Arrivals
//! Earliest arrival is a shortest path from entry (Dijkstra); latest arrival
//! is a longest path over the DAG of strongly connected components: a cycle
//! on which time can pass makes everything after it unbounded (`None`).
//!
//! `repeat N times` is bounded, so it is not treated as a cycle. For each
//! repeat its *round* (one pass through the body, from the head back to the
//! head) is computed first, innermost repeats first; then, with the back
//! edges left out, the `Body` edge counts `0..(N-1) x longest round` (the
//! rounds before the one being looked at) and the `Done` edge
//! `N x shortest round .. N x longest round`. A repeat whose body no round
//! can finish (it always exits or jumps away) has no usable `Done` edge.
//! A repeat whose body is entered by a `goto` from outside it is
//! *irregular*: its round count means nothing there, so its back edges are
//! kept as ordinary edges (a cycle).
//!
//! Cost: `O(E log V)` for the journey plus, per repeat, the same over its
//! body, so `O(E log V x repeat nesting depth)`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::{Edge, Journey, NodeKind};
use crate::model::Program;

/// A duration range in seconds. `max == None` means unbounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub min: u64,
    pub max: Option<u64>,
}

impl Bounds {
    pub const ZERO: Bounds = Bounds {
        min: 0,
        max: Some(0),
    };

    pub fn exact(s: u64) -> Bounds {
        Bounds {
            min: s,
            max: Some(s),
        }
    }

    pub fn range(min: u64, max: u64) -> Bounds {
        Bounds {
            min,
            max: Some(max),
        }
    }

    /// Whether time may pass.
    pub fn may_take_time(self) -> bool {
        self.max != Some(0)
    }
}

/// When a person can be at a node, in seconds after entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    pub earliest: u64,
    /// `None` when unbounded (a cycle on which time passes comes first).
    pub latest: Option<u64>,
}

/// The timing of one journey.
#[derive(Clone, Debug)]
pub struct Timing {
    /// Per edge (by `EdgeIndex::index()`): how long taking it can last.
    pub edges: Vec<Bounds>,
    /// Per node (by `NodeIndex::index()`): `None` when no path from entry
    /// reaches it (over the edges considered).
    pub nodes: Vec<Option<Arrival>>,
    /// Per regular `repeat` head: one round of its body (`None` when no
    /// round can finish).
    pub rounds: HashMap<NodeIndex, Option<Bounds>>,
}

impl Timing {
    pub fn arrival(&self, n: NodeIndex) -> Option<Arrival> {
        self.nodes[n.index()]
    }
    pub fn edge(&self, e: EdgeIndex) -> Bounds {
        self.edges[e.index()]
    }
}

/// How long one edge can take.
pub fn edge_bounds(program: &Program, journey: &Journey, e: EdgeIndex) -> Bounds {
    let g = &journey.graph;
    let (from, _) = g.edge_endpoints(e).expect("edge");
    if let Edge::Ends(_) = g[e] {
        let max = g
            .edges_directed(from, Direction::Outgoing)
            .filter(|r| !matches!(r.weight(), Edge::Ends(_)))
            .map(|r| node_edge_bounds(program, &g[from].kind, r.weight()).max)
            .max()
            .flatten()
            .unwrap_or(0);
        return Bounds::range(0, max);
    }
    node_edge_bounds(program, &g[from].kind, &g[e])
}

fn node_edge_bounds(program: &Program, kind: &NodeKind, edge: &Edge) -> Bounds {
    match kind {
        NodeKind::Wait { seconds } => Bounds::exact(*seconds),
        NodeKind::WaitUntil { weekday, .. } => {
            Bounds::range(0, if weekday.is_some() { 7 * DAY } else { DAY })
        }
        NodeKind::WaitFor { within, .. } => match edge {
            Edge::Timeout => Bounds::exact(*within),
            _ => Bounds::range(0, *within),
        },
        NodeKind::Send(m) => {
            let ch = program.channel(program.message(*m).channel);
            match ch.quiet_hours {
                Some((from, to)) => Bounds::range(0, quiet_span(from, to)),
                None => Bounds::ZERO,
            }
        }
        _ => Bounds::ZERO,
    }
}

const DAY: u64 = 86_400;

/// The length in seconds of quiet hours from `from` to `to` (minutes after
/// midnight, possibly wrapping past midnight).
pub fn quiet_span(from: u32, to: u32) -> u64 {
    let m = (to as i64 - from as i64).rem_euclid(1440) as u64;
    m * 60
}

/// Timing over the whole graph.
pub fn analyze(program: &Program, journey: &Journey) -> Timing {
    analyze_live(program, journey, &|_| true)
}

/// Timing over the edges for which `live` holds (e.g. the edges some
/// execution can take).
pub fn analyze_live(
    program: &Program,
    journey: &Journey,
    live: &dyn Fn(EdgeIndex) -> bool,
) -> Timing {
    let g = &journey.graph;
    let n = g.node_count();
    let edges: Vec<Bounds> = g
        .edge_indices()
        .map(|e| edge_bounds(program, journey, e))
        .collect();

    let regular = journey.regular_repeats();
    let end = journey.subtree_ends();
    let irregular: Vec<bool> = (0..n)
        .map(|v| matches!(g[NodeIndex::new(v)].kind, NodeKind::Repeat { .. }) && !regular[v])
        .collect();
    let mut back_of: Vec<Option<NodeIndex>> = vec![None; g.edge_count()];
    for &b in &journey.repeat_back_edges {
        let (_, h) = g.edge_endpoints(b).expect("edge");
        if !irregular[h.index()] {
            back_of[b.index()] = Some(h);
        }
    }

    let mut rounds: HashMap<NodeIndex, Option<Bounds>> = HashMap::new();
    let times_of = |h: NodeIndex| match g[h].kind {
        NodeKind::Repeat { times } => times as u64,
        _ => 0,
    };
    // The weight of an edge once the rounds of the repeats it belongs to
    // are known; `None` leaves it out. `current` is the repeat whose round
    // is being computed (its `Body` edge counts as the start of a round).
    let weight = |e: EdgeIndex,
                  rounds: &HashMap<NodeIndex, Option<Bounds>>,
                  current: Option<NodeIndex>|
     -> Option<Bounds> {
        if !live(e) || back_of[e.index()].is_some() {
            return None;
        }
        let raw = edges[e.index()];
        let (from, _) = g.edge_endpoints(e).expect("edge");
        if !matches!(g[from].kind, NodeKind::Repeat { .. }) || irregular[from.index()] {
            return Some(raw);
        }
        let times = times_of(from);
        match g[e] {
            Edge::Body => {
                if times == 0 {
                    return None;
                }
                if current == Some(from) {
                    return Some(raw);
                }
                match rounds.get(&from).copied().flatten() {
                    Some(r) => Some(Bounds {
                        min: raw.min,
                        max: mul_opt(r.max, times - 1).and_then(|m| add_opt(raw.max, m)),
                    }),
                    None => Some(raw),
                }
            }
            Edge::Done => {
                if times == 0 {
                    return Some(raw);
                }
                let r = rounds.get(&from).copied().flatten()?;
                Some(Bounds {
                    min: r.min.saturating_mul(times).saturating_add(raw.min),
                    max: mul_opt(r.max, times).and_then(|m| add_opt(raw.max, m)),
                })
            }
            _ => Some(raw),
        }
    };

    // Rounds, innermost first (pre-order: later heads are inner or
    // disjoint).
    let mut heads: Vec<NodeIndex> = g
        .node_indices()
        .filter(|&h| matches!(g[h].kind, NodeKind::Repeat { .. }) && !irregular[h.index()])
        .collect();
    heads.sort_by_key(|h| Reverse(h.index()));
    for h in heads {
        let lo = h.index();
        let hi = end[lo];
        let w = |e: EdgeIndex| {
            let (from, _) = g.edge_endpoints(e).expect("edge");
            if from == h && g[e] != Edge::Body {
                return None;
            }
            weight(e, &rounds, Some(h))
        };
        let paths = solve(journey, lo, hi, h, &w);
        let mut round: Option<Bounds> = None;
        for &b in &journey.repeat_back_edges {
            if back_of[b.index()] != Some(h) || !live(b) {
                continue;
            }
            let (src, _) = g.edge_endpoints(b).expect("edge");
            let Some(min) = paths.min[src.index() - lo] else {
                continue;
            };
            let raw = edges[b.index()];
            let max = match (paths.max[src.index() - lo].flatten(), raw.max) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                _ => None,
            };
            let this = Bounds {
                min: min.saturating_add(raw.min),
                max,
            };
            round = Some(match round {
                None => this,
                Some(r) => Bounds {
                    min: r.min.min(this.min),
                    max: match (r.max, this.max) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    },
                },
            });
        }
        rounds.insert(h, round);
    }

    let w = |e: EdgeIndex| weight(e, &rounds, None);
    let paths = solve(journey, 0, n.saturating_sub(1), journey.entry, &w);
    let nodes = (0..n)
        .map(|v| {
            paths.min[v].map(|earliest| Arrival {
                earliest,
                latest: paths.max[v].flatten(),
            })
        })
        .collect();
    Timing {
        edges,
        nodes,
        rounds,
    }
}

fn add_opt(a: Option<u64>, b: u64) -> Option<u64> {
    a.map(|a| a.saturating_add(b))
}

fn mul_opt(a: Option<u64>, k: u64) -> Option<u64> {
    a.map(|a| a.saturating_mul(k))
}

/// Shortest and longest paths from `start` over the nodes `lo..=hi`.
struct Paths {
    /// Per node in range (offset by `lo`): shortest distance, `None` when
    /// not reached.
    min: Vec<Option<u64>>,
    /// Longest distance: `None` not reached, `Some(None)` unbounded.
    max: Vec<Option<Option<u64>>>,
}

fn solve(
    journey: &Journey,
    lo: usize,
    hi: usize,
    start: NodeIndex,
    weight: &dyn Fn(EdgeIndex) -> Option<Bounds>,
) -> Paths {
    let g = &journey.graph;
    let len = hi + 1 - lo;
    // Local adjacency.
    let mut adj: Vec<Vec<(usize, Bounds)>> = vec![Vec::new(); len];
    for (i, out) in adj.iter_mut().enumerate() {
        let v = NodeIndex::new(lo + i);
        for e in g.edges_directed(v, Direction::Outgoing) {
            let t = e.target().index();
            if t < lo || t > hi {
                continue;
            }
            if let Some(w) = weight(e.id()) {
                out.push((t - lo, w));
            }
        }
    }
    let s = start.index() - lo;

    // Dijkstra on the minimum durations.
    let mut min: Vec<Option<u64>> = vec![None; len];
    let mut heap = BinaryHeap::new();
    min[s] = Some(0);
    heap.push(Reverse((0u64, s)));
    while let Some(Reverse((d, v))) = heap.pop() {
        if min[v] != Some(d) {
            continue;
        }
        for &(t, w) in &adj[v] {
            let nd = d.saturating_add(w.min);
            if min[t].is_none_or(|old| nd < old) {
                min[t] = Some(nd);
                heap.push(Reverse((nd, t)));
            }
        }
    }

    // Longest paths over the condensation (Tarjan yields SCCs sinks first).
    let sccs = tarjan(&adj, s);
    let mut comp = vec![usize::MAX; len];
    for (ci, c) in sccs.iter().enumerate() {
        for &v in c {
            comp[v] = ci;
        }
    }
    let mut max: Vec<Option<Option<u64>>> = vec![None; len];
    max[s] = Some(Some(0));
    for (ci, c) in sccs.iter().enumerate().rev() {
        let mut cyclic = c.len() > 1;
        let mut positive = false;
        for &v in c {
            for &(t, w) in &adj[v] {
                if comp[t] == ci {
                    cyclic |= t == v || c.len() > 1;
                    positive |= w.max != Some(0);
                }
            }
        }
        let val: Option<Option<u64>> = if cyclic {
            let mut acc: Option<Option<u64>> = None;
            for &v in c {
                acc = join_max(acc, max[v]);
            }
            if positive {
                acc.map(|_| None)
            } else {
                acc
            }
        } else {
            max[c[0]]
        };
        let Some(val) = val else { continue };
        for &v in c {
            max[v] = Some(val);
            for &(t, w) in &adj[v] {
                if comp[t] != ci {
                    let cand = match (val, w.max) {
                        (Some(a), Some(b)) => Some(a.saturating_add(b)),
                        _ => None,
                    };
                    max[t] = join_max(max[t], Some(cand));
                }
            }
        }
    }
    Paths { min, max }
}

fn join_max(a: Option<Option<u64>>, b: Option<Option<u64>>) -> Option<Option<u64>> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(None), _) | (_, Some(None)) => Some(None),
        (Some(Some(x)), Some(Some(y))) => Some(Some(x.max(y))),
    }
}

/// Strongly connected components reachable from `s`, in reverse
/// topological order (a component comes before the ones that reach it).
/// Iterative Tarjan.
pub(crate) fn tarjan<W>(adj: &[Vec<(usize, W)>], s: usize) -> Vec<Vec<usize>> {
    let n = adj.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    // (node, next edge position)
    let mut call: Vec<(usize, usize)> = vec![(s, 0)];
    index[s] = next;
    low[s] = next;
    next += 1;
    stack.push(s);
    on_stack[s] = true;
    while let Some(&mut (v, ref mut pos)) = call.last_mut() {
        if *pos < adj[v].len() {
            let t = adj[v][*pos].0;
            *pos += 1;
            if index[t] == usize::MAX {
                index[t] = next;
                low[t] = next;
                next += 1;
                stack.push(t);
                on_stack[t] = true;
                call.push((t, 0));
            } else if on_stack[t] {
                low[v] = low[v].min(index[t]);
            }
        } else {
            call.pop();
            if let Some(&(p, _)) = call.last() {
                low[p] = low[p].min(low[v]);
            }
            if low[v] == index[v] {
                let mut c = Vec::new();
                loop {
                    let w = stack.pop().expect("tarjan stack");
                    on_stack[w] = false;
                    c.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::lower;
    use crate::graph::testkit::ProgramBuilder;
    use crate::model::{Trigger, Type, WaitOn, Weekday};

    const H: u64 = 3600;
    const D: u64 = 86_400;

    fn setup() -> (
        ProgramBuilder,
        crate::model::EventId,
        crate::model::MessageId,
        crate::model::MessageId,
    ) {
        let mut b = ProgramBuilder::new();
        let ev = b.event("e", &[]);
        let plain = b.channel("push", None);
        let quiet = b.channel("email", Some((21 * 60, 8 * 60)));
        let m = b.message("m", plain);
        let q = b.message("q", quiet);
        (b, ev, m, q)
    }

    fn at(t: &Timing, j: &Journey, id: &str) -> Option<Arrival> {
        t.arrival(j.node_by_id(id).unwrap_or_else(|| panic!("no node {id}")))
    }

    fn arr(earliest: u64, latest: Option<u64>) -> Option<Arrival> {
        Some(Arrival { earliest, latest })
    }

    #[test]
    fn edge_bounds_and_arrivals_on_a_line() {
        let (mut b, ev, m, q) = setup();
        let steps = vec![
            b.wait(2 * D),
            b.wait_until(None, 9 * 60),
            b.send(q),
            b.wait_until(Some(Weekday::Mon), 9 * 60),
            b.wait_for(WaitOn::Opened(m), 3 * D, Some(vec![]), None),
            b.send(m),
        ];
        let c = b.campaign(
            "c",
            Trigger::Event {
                event: ev,
                filter: None,
            },
            steps,
        );
        b.campaign_mut(c).goal = Some((ev, b.program.campaigns[0].loc));
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        assert_eq!(at(&t, &j, "wait"), arr(0, Some(0)));
        assert_eq!(at(&t, &j, "until"), arr(2 * D, Some(2 * D)));
        assert_eq!(at(&t, &j, "send-q"), arr(2 * D, Some(3 * D)));
        assert_eq!(at(&t, &j, "until~2"), arr(2 * D, Some(3 * D + 11 * H)));
        assert_eq!(
            at(&t, &j, "waitfor-opened-m"),
            arr(2 * D, Some(10 * D + 11 * H))
        );
        // Matched 0..3d, timeout 3d..3d.
        assert_eq!(at(&t, &j, "send-m"), arr(2 * D, Some(13 * D + 11 * H)));
        assert_eq!(at(&t, &j, "@end"), arr(2 * D, Some(13 * D + 11 * H)));
        assert_eq!(at(&t, &j, "@goal"), arr(0, Some(13 * D + 11 * H)));
        assert_eq!(quiet_span(21 * 60, 8 * 60), 11 * H);
        assert_eq!(quiet_span(60, 3 * 60), 2 * H);
    }

    #[test]
    fn branches_take_the_extremes() {
        let (mut b, ev, m, _) = setup();
        let x = b.attr("x", Type::Bool);
        let c1 = b.flag(x);
        let w1 = b.wait(D);
        let w2 = b.wait(3 * D);
        let iff = b.if_(vec![(c1, vec![w1])], Some(vec![w2]));
        let s = b.send(m);
        let c = b.campaign(
            "c",
            Trigger::Event {
                event: ev,
                filter: None,
            },
            vec![iff, s],
        );
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        assert_eq!(at(&t, &j, "send-m"), arr(D, Some(3 * D)));
    }

    #[test]
    fn repeat_is_bounded_and_counts_rounds() {
        let (mut b, ev, m, _) = setup();
        let w = b.wait(D);
        let s = b.send(m);
        let rep = b.repeat(3, vec![w, s]);
        let after = b.send(m);
        let c = b.campaign(
            "c",
            Trigger::Event {
                event: ev,
                filter: None,
            },
            vec![rep, after],
        );
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        assert_eq!(at(&t, &j, "repeat"), arr(0, Some(0)));
        assert_eq!(at(&t, &j, "repeat.wait"), arr(0, Some(2 * D)));
        assert_eq!(at(&t, &j, "repeat.send-m"), arr(D, Some(3 * D)));
        assert_eq!(at(&t, &j, "send-m"), arr(3 * D, Some(3 * D)));
        assert_eq!(
            t.rounds[&j.node_by_id("repeat").unwrap()],
            Some(Bounds::exact(D))
        );
    }

    #[test]
    fn nested_repeats_multiply() {
        let (mut b, ev, m, _) = setup();
        let w = b.wait(H);
        let inner = b.repeat(2, vec![w]);
        let w2 = b.wait(D);
        let outer = b.repeat(3, vec![inner, w2]);
        let after = b.send(m);
        let c = b.campaign(
            "c",
            Trigger::Event {
                event: ev,
                filter: None,
            },
            vec![outer, after],
        );
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        let round = D + 2 * H;
        assert_eq!(at(&t, &j, "send-m"), arr(3 * round, Some(3 * round)));
        assert_eq!(
            at(&t, &j, "repeat.wait"),
            arr(2 * H, Some(2 * round + 2 * H))
        );
        assert_eq!(
            at(&t, &j, "repeat.repeat.wait"),
            arr(0, Some(2 * round + H))
        );
    }

    #[test]
    fn a_repeat_that_never_finishes_a_round_has_no_after() {
        let (mut b, ev, m, _) = setup();
        let x = b.exit();
        let rep = b.repeat(3, vec![x]);
        let after = b.send(m);
        let c = b.campaign(
            "c",
            Trigger::Event {
                event: ev,
                filter: None,
            },
            vec![rep, after],
        );
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        assert_eq!(at(&t, &j, "send-m"), None);
        assert_eq!(at(&t, &j, "repeat.exit"), arr(0, Some(0)));
    }

    #[test]
    fn goto_cycles_with_time_are_unbounded_and_instant_ones_are_not() {
        let (mut b, ev, m, _) = setup();
        let w = b.wait(D);
        let s = b.send(m);
        let a = b.named("a", vec![w, s]);
        let g = b.goto("a");
        let c = b.campaign(
            "c",
            Trigger::Event {
                event: ev,
                filter: None,
            },
            vec![a, g],
        );
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        assert_eq!(at(&t, &j, "a"), arr(0, None));
        assert_eq!(at(&t, &j, "a.send-m"), arr(D, None));
        assert_eq!(at(&t, &j, "@end"), None);

        let (mut b, ev, m, _) = setup();
        let w = b.wait(D);
        let s = b.send(m);
        let a = b.named("a", vec![s]);
        let g = b.goto("a");
        let c = b.campaign(
            "c",
            Trigger::Event {
                event: ev,
                filter: None,
            },
            vec![w, a, g],
        );
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        assert_eq!(at(&t, &j, "a.send-m"), arr(D, Some(D)));
        assert_eq!(at(&t, &j, "goto-a"), arr(D, Some(D)));
    }

    #[test]
    fn a_goto_into_a_repeat_makes_it_an_ordinary_cycle() {
        let (mut b, ev, m, _) = setup();
        let w = b.wait(D);
        let s = b.send(m);
        let inner = b.named("inner", vec![s]);
        let rep = b.repeat(2, vec![w, inner]);
        let g = b.goto("inner");
        let c = b.campaign(
            "c",
            Trigger::Event {
                event: ev,
                filter: None,
            },
            vec![rep, g],
        );
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        assert!(!t.rounds.contains_key(&j.node_by_id("repeat").unwrap()));
        // Conservative: the `Done` edge of an irregular repeat counts no rounds.
        assert_eq!(at(&t, &j, "inner"), arr(0, None));
    }

    #[test]
    fn live_filter_removes_edges() {
        let (mut b, ev, m, _) = setup();
        let x = b.attr("x", Type::Bool);
        let c1 = b.flag(x);
        let w1 = b.wait(D);
        let w2 = b.wait(3 * D);
        let iff = b.if_(vec![(c1, vec![w1])], Some(vec![w2]));
        let s = b.send(m);
        let c = b.campaign(
            "c",
            Trigger::Event {
                event: ev,
                filter: None,
            },
            vec![iff, s],
        );
        let j = lower(&b.program, c);
        let t = analyze_live(&b.program, &j, &|e| j.graph[e] != Edge::Else);
        assert_eq!(at(&t, &j, "send-m"), arr(D, Some(D)));
        assert_eq!(at(&t, &j, "if.else.wait"), None);
    }
}
