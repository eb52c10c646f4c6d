//! How long things take: the shortest and longest duration of every edge,
//! the earliest and latest arrival at every node after entry, and the most
//! sends one journey can make. The plan's `earliest`, `latest` and
//! `max_sends_per_person` and the lints that reason about time all read
//! this one analysis.
//!
//! # Edges
//! - out of `wait D`: `D..D`;
//! - out of `wait until 09:00`: `0..24h`; `wait until mon 09:00`: `0..7d`;
//! - out of `wait for ... within D`: `Matched` `0..D`, `Timeout` `D..D`
//!   (and of `wait for any`: each `On` `0..D`);
//! - out of a `send` held by quiet hours (its channel's and its
//!   campaign's): `0..(the longest stretch they cover together)` (the send
//!   is delayed to its end, [`crate::plan::time::quiet_union_span`]);
//! - `Ends(event)`: `0..` the longest the node can hold a person;
//! - everything else takes no time.
//!
//! Leaving a `send` counts one send.
//!
//! # Arrivals
//! Earliest arrival is a shortest path from entry; latest arrival and the
//! most sends are longest paths over the strongly connected components: a
//! cycle on which time can pass makes everything after it unbounded
//! (`None`), and one through a send the sends.
//!
//! `repeat N times` is bounded, so it is not treated as a cycle. A regular
//! repeat (see [`Journey::regular_repeats`]) is a *region*: the steps of
//! its body outside inner repeats. Regions are solved innermost first, each
//! from its start (the body's first step) on its own: its *round* is the
//! cost of one pass back to the head, and the head stands in the enclosing
//! region for everything its body does, with summary edges:
//! - `Done`: `N x shortest round .. N x longest round` (absent when no
//!   round can finish: the body always exits or jumps away);
//! - for each edge leaving the body other than back to the head (a `goto`
//!   out of the loop), an edge from the head to its target costing the
//!   path to the edge's source in the first round at least and after
//!   `N - 1` longest rounds at most.
//!
//! Arrivals inside a region are then its head's arrival, plus up to `N - 1`
//! longest rounds for the latest, plus the cost from the region's start.
//! A repeat whose body a `goto` enters from outside is *irregular*: its
//! round count means nothing there, so it is no region and its back edges
//! are ordinary edges (a cycle).
//!
//! Each node is solved in one region and each edge once, plus the summary
//! edges of `goto`s out of loops (once per loop they leave): linear in the
//! size of the journey, whatever the nesting of repeats.

use std::collections::HashMap;

use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::paths::{intern, Cost, Paths};
use crate::graph::{Edge, Journey, NodeKind};
use crate::model::Program;
use crate::plan::time::quiet_union_span;

/// A duration range in seconds. `max == None` means unbounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    /// How long taking each edge can last ([`Timing::edge`]).
    edges: EdgeBounds,
    /// Per node (by `NodeIndex::index()`): `None` when no path from entry
    /// reaches it (over the edges considered).
    pub nodes: Vec<Option<Arrival>>,
    /// Per regular `repeat` head: one round of its body (`None` when no
    /// round can finish).
    pub rounds: HashMap<NodeIndex, Option<Bounds>>,
    /// The most sends one journey can make (every send going out, limits
    /// ignored); `None` when a loop through a send makes it unbounded.
    pub max_sends: Option<u64>,
}

impl Timing {
    pub fn arrival(&self, n: NodeIndex) -> Option<Arrival> {
        self.nodes[n.index()]
    }
    pub fn edge(&self, e: EdgeIndex) -> Bounds {
        self.edges.get(e)
    }
}

/// Per edge, how long taking it can last: the index of its bounds among
/// the distinct bounds of the journey's edges (a few: at 200,000 steps,
/// bounds per edge took 17 MB, their indices 3).
#[derive(Clone, Debug)]
struct EdgeBounds {
    /// Per edge (by `EdgeIndex::index()`).
    index: Vec<u32>,
    bounds: Vec<Bounds>,
}

impl EdgeBounds {
    fn new(program: &Program, journey: &Journey) -> EdgeBounds {
        let g = &journey.graph;
        let mut bounds = Vec::new();
        let mut seen: HashMap<Bounds, u32> = HashMap::new();
        let index = g
            .edge_indices()
            .map(|e| intern(edge_bounds(program, journey, e), &mut bounds, &mut seen))
            .collect();
        EdgeBounds { index, bounds }
    }

    fn get(&self, e: EdgeIndex) -> Bounds {
        self.bounds[self.index[e.index()] as usize]
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
            .map(|r| node_edge_bounds(program, journey, &g[from].kind, r.weight()).max)
            .max()
            .flatten()
            .unwrap_or(0);
        return Bounds::range(0, max);
    }
    node_edge_bounds(program, journey, &g[from].kind, &g[e])
}

/// How long taking `edge` out of a node of kind `kind` can last: what the
/// step says of itself (`NodeKind::holds`), or for a send the quiet hours
/// of its channel in the campaign.
fn node_edge_bounds(program: &Program, journey: &Journey, kind: &NodeKind, edge: &Edge) -> Bounds {
    if let NodeKind::Send(m) = kind {
        let ch = program.channel(program.message(*m).channel);
        let periods = program.campaign(journey.campaign).quiet_periods(ch);
        // Quiet hours that leave no time to send are rejected before
        // lowering; a day is the most such a send could wait.
        return Bounds::range(0, quiet_union_span(&periods).unwrap_or(DAY));
    }
    let hold = kind.holds(edge);
    Bounds::range(hold.min, hold.max)
}

const DAY: u64 = 86_400;

/// Timing over the whole graph.
pub fn analyze(program: &Program, journey: &Journey) -> Timing {
    analyze_live(program, journey, &|_| true)
}

/// What a regular repeat's body does, seen from its head.
struct Summary {
    /// One pass through the body back to the head (`None`: no pass can
    /// finish).
    round: Option<Cost>,
    /// Edges leaving the body other than back to the head, with their cost
    /// from the head (a `goto` out of the loop).
    exits: Vec<(NodeIndex, Cost)>,
}

/// Timing over the edges for which `live` holds (e.g. the edges some
/// execution can take).
pub fn analyze_live(
    program: &Program,
    journey: &Journey,
    live: &dyn Fn(EdgeIndex) -> bool,
) -> Timing {
    let g = &journey.graph;
    let edges = EdgeBounds::new(program, journey);
    let cost = |e: EdgeIndex| {
        let b = edges.get(e);
        let (from, _) = g.edge_endpoints(e).expect("edge");
        let send = matches!(g[from].kind, NodeKind::Send(_)) && !matches!(g[e], Edge::Ends(_));
        Cost {
            min: b.min,
            max: b.max,
            sends: Some(u64::from(send)),
        }
    };
    let (abs, summaries) = solve(journey, live, &cost);
    let mut max_sends = Some(0);
    for (v, a) in abs.iter().enumerate() {
        if let Some(a) = a {
            let own = u64::from(matches!(g[NodeIndex::new(v)].kind, NodeKind::Send(_)));
            max_sends = match (max_sends, a.sends) {
                (Some(m), Some(s)) => Some(m.max(s.saturating_add(own))),
                _ => None,
            };
        }
    }
    Timing {
        edges,
        nodes: abs
            .iter()
            .map(|a| {
                a.map(|a| Arrival {
                    earliest: a.min,
                    latest: a.max,
                })
            })
            .collect(),
        rounds: summaries
            .into_iter()
            .map(|(h, s)| {
                (
                    NodeIndex::new(h),
                    s.round.map(|r| Bounds {
                        min: r.min,
                        max: r.max,
                    }),
                )
            })
            .collect(),
        max_sends,
    }
}

/// The shortest round of every regular repeat (`None`: no round can
/// finish), with edges taking `min` seconds, over the edges for which
/// `live` holds.
pub fn shortest_rounds(
    journey: &Journey,
    live: &dyn Fn(EdgeIndex) -> bool,
    min: &dyn Fn(EdgeIndex) -> u64,
) -> HashMap<NodeIndex, Option<u64>> {
    let cost = |e: EdgeIndex| Cost {
        min: min(e),
        max: Some(0),
        sends: Some(0),
    };
    solve(journey, live, &cost)
        .1
        .into_iter()
        .map(|(h, s)| (NodeIndex::new(h), s.round.map(|r| r.min)))
        .collect()
}

/// The cost of reaching every node from the entry, and the summary of
/// every regular repeat, by node index (see the module docs).
fn solve(
    journey: &Journey,
    live: &dyn Fn(EdgeIndex) -> bool,
    cost: &dyn Fn(EdgeIndex) -> Cost,
) -> (Vec<Option<Cost>>, HashMap<usize, Summary>) {
    let g = &journey.graph;
    let n = g.node_count();
    let regular = journey.regular_repeats();
    let times = |h: usize| match g[NodeIndex::new(h)].kind {
        NodeKind::Repeat { times } => u64::from(times),
        _ => 0,
    };

    // The region of every node: the innermost regular repeat whose body
    // holds it, else the top (`n`). Parents come before their children.
    // (Node indices fit in `u32`: petgraph's default index.)
    let top = n;
    let mut region = vec![top as u32; n];
    for v in g.node_indices() {
        if let Some(p) = g[v].parent {
            region[v.index()] = if regular[p.index()] {
                p.index() as u32
            } else {
                region[p.index()]
            };
        }
    }
    // The nodes of each region (the heads', then the top's), and each
    // node's place in its region.
    let heads: Vec<usize> = (0..n).filter(|&v| regular[v]).collect();
    let slot: HashMap<usize, usize> = heads.iter().enumerate().map(|(i, &h)| (h, i)).collect();
    let slot_of = |r: usize| if r == top { heads.len() } else { slot[&r] };
    let mut members: Vec<Vec<NodeIndex>> = vec![Vec::new(); heads.len() + 1];
    let mut local = vec![0u32; n];
    for v in g.node_indices() {
        let m = &mut members[slot_of(region[v.index()] as usize)];
        local[v.index()] = m.len() as u32;
        m.push(v);
    }

    // Innermost regions first: each solved from its start, in costs
    // relative to it; heads summarize their bodies for the region around.
    let mut rel: Vec<Option<Cost>> = vec![None; n];
    let mut summaries: HashMap<usize, Summary> = HashMap::new();
    for &r in heads.iter().rev().chain([top].iter()) {
        let nodes = &members[slot_of(r)];
        // Every edge routed below, at most: the region's own edges and
        // what leaves the regions its heads summarize.
        let edges = nodes
            .iter()
            .map(|u| {
                let exits = summaries.get(&u.index()).map_or(0, |s| s.exits.len());
                let own = g.edges(*u).filter(|e| !matches!(e.weight(), Edge::Ends(_)));
                own.count() + exits
            })
            .sum();
        let mut paths = Paths::with_capacity(nodes.len(), edges);
        let mut closing: Vec<(Option<usize>, Cost)> = Vec::new();
        let mut exits: Vec<(usize, NodeIndex, Cost)> = Vec::new();
        let mut route = |from: usize, to: NodeIndex, c: Cost, back: bool| {
            if back && to.index() == r {
                closing.push((Some(from), c));
            } else if region[to.index()] as usize == r {
                paths.edge(from, local[to.index()] as usize, c);
            } else {
                exits.push((from, to, c));
            }
        };
        for (i, &u) in nodes.iter().enumerate() {
            let head = summaries.get(&u.index());
            for e in g.edges(u) {
                if !live(e.id()) || matches!(e.weight(), Edge::Ends(_)) {
                    continue;
                }
                let back = journey.is_repeat_back_edge(e.id());
                let c = match (head, e.weight()) {
                    // The body is the head's own region.
                    (Some(_), Edge::Body) => continue,
                    (Some(s), Edge::Done) if times(u.index()) > 0 => match s.round {
                        Some(round) => round.times(times(u.index())).then(cost(e.id())),
                        None => continue,
                    },
                    _ => cost(e.id()),
                };
                route(i, e.target(), c, back);
            }
            if let Some(s) = head {
                for &(to, c) in &s.exits {
                    route(i, to, c, false);
                }
            }
        }
        let start = if r == top {
            Some((local[journey.entry.index()] as usize, Cost::ZERO))
        } else {
            let h = NodeIndex::new(r);
            match g
                .edges(h)
                .find(|e| *e.weight() == Edge::Body && live(e.id()))
            {
                Some(e) if times(r) > 0 && e.target() == h => {
                    // An empty body: a round is the edge itself.
                    closing.push((None, cost(e.id())));
                    None
                }
                Some(e) if times(r) > 0 => Some((local[e.target().index()] as usize, cost(e.id()))),
                _ => None,
            }
        };
        // Written straight into `rel` (no vector of the region's own: at
        // 200,000 steps in one region, 11 MB more at timing's peak).
        match start {
            Some((s, init)) => paths.solve_into(s, init, |i, c| rel[nodes[i].index()] = c),
            None => nodes.iter().for_each(|v| rel[v.index()] = None),
        }
        drop(paths);
        if r == top {
            debug_assert!(exits.is_empty(), "nothing leaves the top region");
            break;
        }
        let solved = |i: usize| rel[nodes[i].index()];
        let round = closing
            .iter()
            .filter_map(|&(from, c)| match from {
                Some(f) => solved(f).map(|x| x.then(c)),
                None => Some(c),
            })
            .reduce(Cost::join);
        let before = round.map_or(Cost::ZERO, |rd| rd.at_most(times(r).saturating_sub(1)));
        let exits = exits
            .into_iter()
            .filter_map(|(from, to, c)| Some((to, before.then(solved(from)?).then(c))))
            .collect();
        summaries.insert(r, Summary { round, exits });
    }
    drop((region, local));

    // Outermost regions first: arrivals are the head's, plus up to N - 1
    // rounds, plus the cost from the region's start. In place: a region's
    // head lies in the region around it, done before.
    let mut abs = rel;
    for (i, &h) in heads.iter().enumerate() {
        let s = &summaries[&h];
        let before = s
            .round
            .map_or(Cost::ZERO, |rd| rd.at_most(times(h).saturating_sub(1)));
        let base = abs[h].map(|a| a.then(before));
        for &v in &members[i] {
            abs[v.index()] = base.and_then(|b| Some(b.then(abs[v.index()]?)));
        }
    }
    // Goal and exit events end the journey wherever a person waits.
    for e in g.edge_references() {
        if matches!(e.weight(), Edge::Ends(_)) && live(e.id()) {
            if let Some(a) = abs[e.source().index()] {
                let t = e.target().index();
                let c = a.then(cost(e.id()));
                abs[t] = Some(abs[t].map_or(c, |old| old.join(c)));
            }
        }
    }

    (abs, summaries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::lower;
    use crate::graph::testkit::{on_event, ProgramBuilder};
    use crate::model::{Type, WaitOn, Weekday};

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
    fn campaign_quiet_hours_hold_every_send_on_top_of_the_channel_s() {
        let (mut b, ev, m, q) = setup();
        let steps = vec![b.send(m), b.send(q), b.wait(D)];
        let c = b.campaign("c", on_event(ev), steps);
        let at_loc = b.program.campaigns[0].loc;
        // 07:00-10:00 on top of the email channel's 21:00-08:00: 13 hours.
        b.campaign_mut(c).quiet_hours = Some((7 * 60, 10 * 60, at_loc));
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        // The push channel has no quiet hours of its own: the campaign's hold it.
        assert_eq!(at(&t, &j, "send-q"), arr(0, Some(3 * H)));
        assert_eq!(at(&t, &j, "wait"), arr(0, Some(16 * H)));
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
        let c = b.campaign("c", on_event(ev), steps);
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
        assert_eq!(crate::plan::time::quiet_span(21 * 60, 8 * 60), 11 * H);
        assert_eq!(crate::plan::time::quiet_span(60, 3 * 60), 2 * H);
    }

    /// `if x { wait 1d } else { wait 3d }  send m`, lowered.
    fn two_branches() -> (ProgramBuilder, Journey) {
        let (mut b, ev, m, _) = setup();
        let x = b.attr("x", Type::Bool);
        let c1 = b.flag(x);
        let w1 = b.wait(D);
        let w2 = b.wait(3 * D);
        let iff = b.if_(vec![(c1, vec![w1])], Some(vec![w2]));
        let s = b.send(m);
        let c = b.campaign("c", on_event(ev), vec![iff, s]);
        let j = lower(&b.program, c);
        (b, j)
    }

    #[test]
    fn branches_take_the_extremes() {
        let (b, j) = two_branches();
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
        let c = b.campaign("c", on_event(ev), vec![rep, after]);
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
        let c = b.campaign("c", on_event(ev), vec![outer, after]);
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
        let c = b.campaign("c", on_event(ev), vec![rep, after]);
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
        let c = b.campaign("c", on_event(ev), vec![a, g]);
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
        let c = b.campaign("c", on_event(ev), vec![w, a, g]);
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
        let c = b.campaign("c", on_event(ev), vec![rep, g]);
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        assert!(!t.rounds.contains_key(&j.node_by_id("repeat").unwrap()));
        // Conservative: the `Done` edge of an irregular repeat counts no rounds.
        assert_eq!(at(&t, &j, "inner"), arr(0, None));
    }

    #[test]
    fn a_body_ending_in_a_repeat_counts_its_rounds() {
        // The outer round is the inner repeat's two rounds: the back edge
        // to the outer head is the inner repeat's `Done`.
        let (mut b, ev, m, _) = setup();
        let w = b.wait(H);
        let inner = b.repeat(2, vec![w]);
        let outer = b.repeat(3, vec![inner]);
        let after = b.send(m);
        let c = b.campaign("c", on_event(ev), vec![outer, after]);
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        assert_eq!(at(&t, &j, "send-m"), arr(6 * H, Some(6 * H)));
        assert_eq!(
            t.rounds[&j.node_by_id("repeat").unwrap()],
            Some(Bounds::exact(2 * H))
        );
        assert_eq!(at(&t, &j, "repeat.repeat.wait"), arr(0, Some(5 * H)));
    }

    #[test]
    fn sends_count_rounds_and_loops() {
        let (mut b, ev, m, _) = setup();
        let s1 = b.send(m);
        let s2 = b.send(m);
        let inner = b.repeat(2, vec![s2]);
        let outer = b.repeat(3, vec![s1, inner]);
        let last = b.send(m);
        let c = b.campaign("c", on_event(ev), vec![outer, last]);
        let j = lower(&b.program, c);
        assert_eq!(analyze(&b.program, &j).max_sends, Some(3 * 3 + 1));

        // A loop through a send: unbounded, even with no time passing.
        let (mut b, ev, m, _) = setup();
        let s = b.send(m);
        let a = b.named("a", vec![s]);
        let g = b.goto("a");
        let c = b.campaign("c", on_event(ev), vec![a, g]);
        let j = lower(&b.program, c);
        assert_eq!(analyze(&b.program, &j).max_sends, None);
    }

    #[test]
    fn a_goto_out_of_a_loop_leaves_in_any_round() {
        let (mut b, ev, m, _) = setup();
        let x = b.attr("x", Type::Bool);
        let w = b.wait(H);
        let cx = b.flag(x);
        let out = b.goto("after");
        let iff = b.if_(vec![(cx, vec![out])], None);
        let rep = b.repeat(3, vec![w, iff]);
        let s = b.send(m);
        let after = b.named("after", vec![s]);
        let c = b.campaign("c", on_event(ev), vec![rep, after]);
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        // Out in the first round after 1h, or through `Done` after 3h.
        assert_eq!(at(&t, &j, "after.send-m"), arr(H, Some(3 * H)));
        assert_eq!(t.max_sends, Some(1));

        // Back out to before the loop: a cycle on which time passes.
        let (mut b, ev, m, _) = setup();
        let w = b.wait(H);
        let s = b.send(m);
        let back = b.goto("top");
        let rep = b.repeat(3, vec![w, s, back]);
        let top = b.named("top", vec![rep]);
        let c = b.campaign("c", on_event(ev), vec![top]);
        let j = lower(&b.program, c);
        let t = analyze(&b.program, &j);
        assert_eq!(at(&t, &j, "top.repeat.send-m"), arr(H, None));
        assert_eq!(t.max_sends, None);
    }

    /// `repeat 2 times { ... repeat 2 times { send m  wait 1s } ... }`,
    /// `depth` deep.
    fn nested(depth: usize) -> (ProgramBuilder, Journey) {
        let (mut b, ev, m, _) = setup();
        let s = b.send(m);
        let w = b.wait(1);
        let mut body = vec![s, w];
        for _ in 0..depth {
            body = vec![b.repeat(2, body)];
        }
        let end = b.send(m);
        body.push(end);
        let c = b.campaign("c", on_event(ev), body);
        let j = lower(&b.program, c);
        (b, j)
    }

    #[test]
    fn nested_repeats_are_solved_once_per_level() {
        // 2^20 rounds of the innermost body, computed without going round.
        let (b, j) = nested(20);
        let t = analyze(&b.program, &j);
        assert_eq!(at(&t, &j, "send-m"), arr(1 << 20, Some(1 << 20)));
        assert_eq!(t.max_sends, Some((1 << 20) + 1));
        // As deep as the parser allows: the counts saturate.
        let (b, j) = nested(251);
        let t = analyze(&b.program, &j);
        assert_eq!(at(&t, &j, "send-m"), arr(u64::MAX, Some(u64::MAX)));
        assert_eq!(t.max_sends, Some(u64::MAX));
    }

    #[test]
    fn live_filter_removes_edges() {
        let (b, j) = two_branches();
        let t = analyze_live(&b.program, &j, &|e| j.graph[e] != Edge::Else);
        assert_eq!(at(&t, &j, "send-m"), arr(D, Some(D)));
        assert_eq!(at(&t, &j, "if.else.wait"), None);
    }
}
