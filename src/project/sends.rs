//! When one execution of a journey can make its sends on a channel: the
//! *send sites* `channel-budget` lays out. Each send step reached is one
//! site with
//! - the earliest and latest time it can go out, in seconds after entry
//!   ([`crate::analysis::timing`] over the edges some execution can take:
//!   the shortest and longest waits of every branch that leads to it, so
//!   a site's interval holds every time any execution sends there);
//! - how many times one execution can send there (the rounds of the
//!   regular `repeat`s around it multiplied; unbounded in a `goto` loop)
//!   and the least time between two of them (the shortest round of the
//!   innermost `repeat` around it, or a lower bound of the loops through
//!   it);
//! - the `not received` checks known there that can hold it back.
//!
//! Plus the most sends one execution makes on the channel, whatever the
//! times ([`most_sends`]): sends on branches that exclude each other are
//! never counted together.
//!
//! Everything is linear in the journey (the count search is bounded by
//! the count asked for and the rounds of nested repeats).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use petgraph::graph::NodeIndex;
use petgraph::visit::{EdgeFiltered, EdgeRef};

use crate::analysis::reach::Reach;
use crate::analysis::sat::{Atom, Window};
use crate::analysis::scc::sccs;
use crate::analysis::timing::{self, Timing};
use crate::graph::{Edge, Journey, NodeKind};
use crate::model::{ChannelId, MessageId, Program, Received};

/// One send step on a channel, as one execution can make it.
#[derive(Clone, Debug)]
pub struct Site {
    pub node: NodeIndex,
    pub message: MessageId,
    /// The earliest time it can go out (seconds after entry, quiet hours
    /// at the send itself ignored).
    pub earliest: u64,
    /// The latest (`None`: unbounded, after a loop where time passes).
    pub latest: Option<u64>,
    /// How many times one execution can send there (`None`: unbounded).
    pub fires: Option<u64>,
    /// At least this long between two of them in one execution.
    pub gap: u64,
    /// The `not received` checks known there that read sends on the
    /// channel.
    pub checks: Vec<Check>,
}

/// A `not received [MESSAGE | any [CHANNEL]] [within W | since entry]`
/// (at least once) known at a send: it is not made after a send it reads
/// less than `within` before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Check {
    /// The message read; `None`: any on the channel.
    pub message: Option<MessageId>,
    /// Its window (`u64::MAX`: no window).
    pub within: u64,
    /// `since entry`: it reads only sends made after its own journey's
    /// entry; campaigns that start together enter at one instant one after
    /// the other, so another campaign's send at that instant may come
    /// first and is not read.
    pub since_entry: bool,
}

impl Site {
    /// How many of its sends one window of `per` seconds can hold, at
    /// most `most`.
    pub fn in_window(&self, per: u64, most: u64) -> u64 {
        // No gap: as many as it fires.
        let rounds = per
            .saturating_sub(1)
            .checked_div(self.gap)
            .map_or(u64::MAX, |r| r.saturating_add(1));
        // A check that reads its own message, over the whole window,
        // holds back a second send there.
        let own = self
            .checks
            .iter()
            .any(|c| c.message.is_none_or(|m| m == self.message) && c.within >= per);
        let n = self.fires.unwrap_or(u64::MAX).min(rounds).min(most);
        if own {
            n.min(1)
        } else {
            n
        }
    }
}

/// What the project lints read of one campaign's reachability analysis
/// and timing, worked out once: in the per-campaign lints, from the
/// analyses they made (`lints::LintContext`), or on first use.
#[derive(Debug)]
pub struct Facts {
    /// `channel-budget`: for each limited channel its journey sends on,
    /// its sites there and the most sends one execution makes there (up
    /// to the largest limit plus one).
    pub sites: Vec<(ChannelId, Vec<Site>, u64)>,
    /// `cross-campaign-repeat`: every reached send, with the `not
    /// received` checks known there that read every earlier send; the
    /// unchecked ones first, then by position.
    pub sent: Vec<Sent>,
}

impl Facts {
    /// The facts of `journey` from its reachability analysis `r` and its
    /// timing over the edges some execution takes (`timing::analyze_live`
    /// with `r`'s live edges), which is made here when not given and the
    /// journey sends on a limited channel.
    pub fn of(program: &Program, journey: &Journey, r: &Reach, timing: Option<&Timing>) -> Facts {
        Facts {
            sites: limited_sites(program, journey, r, timing),
            sent: sent(journey, r),
        }
    }
}

/// The channels a journey sends on.
pub fn channels(program: &Program, journey: &Journey) -> BTreeSet<ChannelId> {
    (journey.graph.node_weights())
        .filter_map(|n| match n.kind {
            NodeKind::Send(m) => Some(program.message(m).channel),
            _ => None,
        })
        .collect()
}

/// The sites of `journey` on each limited channel it sends on, with the
/// most sends one execution makes there (see [`Facts::sites`]).
fn limited_sites(
    program: &Program,
    journey: &Journey,
    r: &Reach,
    timing: Option<&Timing>,
) -> Vec<(ChannelId, Vec<Site>, u64)> {
    let mut sent = channels(program, journey);
    sent.retain(|&ch| !program.channel(ch).limits.is_empty());
    if sent.is_empty() {
        return Vec::new();
    }
    let made;
    let timing = match timing {
        Some(t) => t,
        None => {
            made = timing::analyze_live(program, journey, &|e| r.is_live(e));
            &made
        }
    };
    sites(program, journey, r, timing, &sent)
        .into_iter()
        .map(|(ch, sites)| {
            let most = program.channel(ch).limits.iter().map(|l| l.count).max();
            let cap = most.unwrap_or(0) as usize + 1;
            let most = most_sends(program, journey, r, ch, cap) as u64;
            (ch, sites, most)
        })
        .collect()
}

/// A reached send with the `not received` checks known there that read
/// every earlier send ([`Unreceived`]).
#[derive(Clone, Debug)]
pub struct Sent {
    pub node: NodeIndex,
    pub message: MessageId,
    pub checks: Vec<Unreceived>,
}

/// A `not received` check with no window and at least once: of a
/// message, or of any message (on a channel).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unreceived {
    Message(MessageId),
    Any(Option<ChannelId>),
}

impl Sent {
    /// Whether one of its checks reads every earlier send of `m`, so that
    /// it is not made after one.
    pub fn covers(&self, program: &Program, m: MessageId) -> bool {
        self.checks.iter().any(|c| match *c {
            Unreceived::Message(x) => x == m,
            Unreceived::Any(ch) => ch.is_none_or(|ch| ch == program.message(m).channel),
        })
    }
}

/// Every reached send of a journey, with the checks known there ([`Facts::sent`]).
fn sent(journey: &Journey, r: &Reach) -> Vec<Sent> {
    let g = &journey.graph;
    let mut v: Vec<Sent> = g
        .node_indices()
        .filter_map(|n| match g[n].kind {
            NodeKind::Send(m) if r.is_reached(n) => {
                let checks = r
                    .facts(n)
                    .unwrap_or_default()
                    .iter()
                    .filter(|(l, _)| !l.positive())
                    .filter_map(|(l, _)| match *r.logic.atom(l.atom()) {
                        Atom::Received {
                            what,
                            window: Window::Ever,
                            at_least: 0 | 1,
                        } => Some(match what {
                            Received::Message(x) => Unreceived::Message(x),
                            Received::Any(c) => Unreceived::Any(c),
                        }),
                        _ => None,
                    })
                    .collect();
                Some(Sent {
                    node: n,
                    message: m,
                    checks,
                })
            }
            _ => None,
        })
        .collect();
    v.sort_by_key(|s| (!s.checks.is_empty(), g[s.node].loc.span.start));
    v
}

/// The send sites of a journey on each of `chs`, in position order, from
/// its reachability and its timing over the edges some execution takes
/// (`timing::analyze_live` with `r`'s live edges).
pub fn sites(
    program: &Program,
    journey: &Journey,
    r: &Reach,
    timing: &Timing,
    chs: &BTreeSet<ChannelId>,
) -> BTreeMap<ChannelId, Vec<Site>> {
    let g = &journey.graph;
    let on_channel = |n: NodeIndex| match g[n].kind {
        NodeKind::Send(m) if r.is_reached(n) && chs.contains(&program.message(m).channel) => {
            Some(m)
        }
        _ => None,
    };
    let nodes: Vec<(NodeIndex, MessageId)> = g
        .node_indices()
        .filter_map(|n| on_channel(n).map(|m| (n, m)))
        .collect();
    let mut out: BTreeMap<ChannelId, Vec<Site>> = BTreeMap::new();
    if nodes.is_empty() {
        return out;
    }
    let loops = Loops::new(program, journey, r);
    let regular = journey.regular_repeats();
    for (n, message) in nodes {
        let ch = program.message(message).channel;
        let Some(at) = timing.arrival(n) else {
            continue;
        };
        // The regular repeats around it, innermost first.
        let mut fires = Some(1u64);
        let mut gap: Option<u64> = None;
        let mut cyclic = loops.cycle(n);
        let mut p = g[n].parent;
        while let Some(h) = p {
            if regular[h.index()] {
                if let (NodeKind::Repeat { times }, Some(Some(round))) =
                    (&g[h].kind, timing.rounds.get(&h))
                {
                    fires = fires.map(|f| f.saturating_mul(u64::from(*times)));
                    gap.get_or_insert(round.min);
                }
            }
            cyclic = cyclic.or(loops.cycle(h));
            p = g[h].parent;
        }
        if let Some(c) = cyclic {
            fires = None;
            gap = Some(gap.map_or(c, |g| g.min(c)));
        }
        let mut checks = Vec::new();
        checks_at(program, r, n, ch, &mut checks);
        out.entry(ch).or_default().push(Site {
            node: n,
            message,
            earliest: at.earliest,
            latest: at.latest,
            fires,
            gap: gap.unwrap_or(0),
            checks,
        });
    }
    for v in out.values_mut() {
        v.sort_by_key(|s| g[s.node].loc.span.start);
    }
    out
}

/// The loops of a journey other than regular repeats (`goto` loops,
/// repeats a `goto` enters): per node in one, a lower bound of the time
/// around any of them.
struct Loops {
    /// Per node: the bound of its component, `None` when in none.
    bound: Vec<Option<u64>>,
}

impl Loops {
    fn new(program: &Program, journey: &Journey, r: &Reach) -> Loops {
        let g = &journey.graph;
        let regular = journey.regular_repeats();
        let keep = |e: petgraph::graph::EdgeReference<'_, Edge>| {
            r.is_live(e.id())
                && !(journey.is_repeat_back_edge(e.id()) && regular[e.target().index()])
        };
        let filtered = EdgeFiltered::from_fn(g, keep);
        let comps = sccs(&filtered);
        let mut comp = vec![usize::MAX; g.node_count()];
        for (i, c) in comps.iter().enumerate() {
            for v in c {
                comp[v.index()] = i;
            }
        }
        let mut bound = vec![None; g.node_count()];
        for (i, c) in comps.iter().enumerate() {
            let inner = |e: &petgraph::graph::EdgeReference<'_, Edge>| {
                keep(*e) && comp[e.target().index()] == i
            };
            let cyclic = c.len() > 1
                || c.iter()
                    .any(|&v| g.edges(v).any(|e| inner(&e) && e.target() == v));
            if !cyclic {
                continue;
            }
            // Every cycle takes an edge whose shortest time is not zero,
            // unless the edges that may take no time hold a cycle.
            let mut least = u64::MAX;
            let mut zero_out: HashMap<NodeIndex, Vec<NodeIndex>> = HashMap::new();
            let mut indegree: HashMap<NodeIndex, usize> = c.iter().map(|&v| (v, 0)).collect();
            for &v in c {
                for e in g.edges(v).filter(|e| inner(e)) {
                    let min = timing::edge_bounds(program, journey, e.id()).min;
                    if min == 0 {
                        zero_out.entry(v).or_default().push(e.target());
                        *indegree.get_mut(&e.target()).expect("in the component") += 1;
                    } else {
                        least = least.min(min);
                    }
                }
            }
            // Kahn: the zero-time edges are acyclic when every node goes.
            let mut queue: VecDeque<NodeIndex> =
                c.iter().copied().filter(|v| indegree[v] == 0).collect();
            let mut gone = 0;
            while let Some(v) = queue.pop_front() {
                gone += 1;
                for w in zero_out.get(&v).into_iter().flatten() {
                    let d = indegree.get_mut(w).expect("in the component");
                    *d -= 1;
                    if *d == 0 {
                        queue.push_back(*w);
                    }
                }
            }
            let b = if gone == c.len() && least != u64::MAX {
                least
            } else {
                0
            };
            for &v in c {
                bound[v.index()] = Some(b);
            }
        }
        Loops { bound }
    }

    fn cycle(&self, n: NodeIndex) -> Option<u64> {
        self.bound[n.index()]
    }
}

/// The most sends on `ch` one execution of the journey makes, up to
/// `cap`: a search over (step, sends made so far, rounds done of each
/// enclosing regular `repeat`), so that sends on branches that exclude
/// each other are never counted together and a regular `repeat N times`
/// runs its body exactly N times. O(cap · R · E) with R the rounds of
/// nested repeats multiplied; past [`ROUND_STATES`] states per node and
/// count on average (repeats of very many rounds), rounds are no longer
/// told apart (a `repeat` may then be left at any round: more, never
/// fewer, sends).
pub fn most_sends(
    program: &Program,
    journey: &Journey,
    r: &Reach,
    ch: ChannelId,
    cap: usize,
) -> usize {
    let g = &journey.graph;
    let counted = |n: NodeIndex| {
        r.is_reached(n)
            && matches!(g[n].kind, NodeKind::Send(m) if program.message(m).channel == ch)
    };
    let regular = journey.regular_repeats();
    let times = |h: NodeIndex| match g[h].kind {
        NodeKind::Repeat { times } => times,
        _ => 0,
    };
    // How many regular repeats' bodies hold each node (parents first).
    let mut depth = vec![0usize; g.node_count()];
    for v in g.node_indices() {
        depth[v.index()] = depth_of(journey, regular, v, &mut depth);
    }
    let budget = ROUND_STATES
        .saturating_mul(g.node_count())
        .saturating_mul(cap + 1);
    // A state: the node, the sends made, and the rounds done of each
    // enclosing regular repeat (outermost first; at a head, its own last).
    type Key = (usize, usize, Vec<u32>);
    let mut seen: HashSet<Key> = HashSet::new();
    let mut most = 0;
    let mut queue = VecDeque::new();
    let start: Key = (
        journey.entry.index(),
        usize::from(counted(journey.entry)),
        Vec::new(),
    );
    seen.insert(start.clone());
    queue.push_back(start);
    while let Some((v, k, rounds)) = queue.pop_front() {
        most = most.max(k);
        if most >= cap {
            return cap;
        }
        let node = NodeIndex::new(v);
        let exact = seen.len() < budget;
        let head = regular[v] && exact;
        for e in g.edges(node).filter(|e| r.is_live(e.id())) {
            let w = e.target();
            // At a regular head: the body until N rounds are done, then out.
            if head {
                let done = rounds.last().copied().unwrap_or(0) >= times(node);
                match e.weight() {
                    Edge::Body if done => continue,
                    Edge::Done if !done => continue,
                    _ => {}
                }
            }
            let mut next: Vec<u32> = rounds.clone();
            if exact && journey.is_repeat_back_edge(e.id()) && regular[w.index()] {
                // A round of `w` done: its count is at its depth.
                next.truncate(depth[w.index()] + 1);
                if let Some(r) = next.last_mut() {
                    *r += 1;
                }
            } else {
                let keep = depth[w.index()] + usize::from(head && matches!(e.weight(), Edge::Body));
                next.truncate(keep.min(next.len()));
                if exact && regular[w.index()] {
                    // Arriving afresh.
                    next.truncate(depth[w.index()]);
                    next.push(0);
                }
            }
            if !exact {
                next.clear();
            }
            let key = (w.index(), (k + usize::from(counted(w))).min(cap), next);
            if seen.insert(key.clone()) {
                queue.push_back(key);
            }
        }
    }
    most
}

/// How many distinct round counts a node may be searched with, per
/// count of sends, before rounds are no longer told apart.
const ROUND_STATES: usize = 64;

/// How many regular repeats' bodies hold `v` (its parents' depths known).
fn depth_of(journey: &Journey, regular: &[bool], v: NodeIndex, depth: &mut [usize]) -> usize {
    match journey.graph[v].parent {
        None => 0,
        Some(p) => {
            let d = if p.index() < v.index() {
                depth[p.index()]
            } else {
                depth_of(journey, regular, p, depth)
            };
            d + usize::from(regular[p.index()])
        }
    }
}

/// The `not received` checks known at a send on `ch` that can hold it
/// back (see [`Check`]), pushed onto `out`: of a message on `ch`, or of
/// any message (on `ch`), at least once. A check of a message on another
/// channel reads sends this lint does not lay out, and is left out.
fn checks_at(program: &Program, r: &Reach, n: NodeIndex, ch: ChannelId, out: &mut Vec<Check>) {
    for (l, _) in r.facts(n).unwrap_or_default() {
        if l.positive() {
            continue;
        }
        let Atom::Received {
            what,
            window,
            at_least: 0 | 1,
        } = *r.logic.atom(l.atom())
        else {
            continue;
        };
        let message = match what {
            Received::Any(c) if c.is_none_or(|c| c == ch) => None,
            Received::Message(m) if program.message(m).channel == ch => Some(m),
            _ => continue,
        };
        let (within, since_entry) = match window {
            Window::Within(w) => (w, false),
            Window::SinceEntry => (u64::MAX, true),
            Window::Ever => (u64::MAX, false),
        };
        let c = Check {
            message,
            within,
            since_entry,
        };
        if !out.contains(&c) {
            out.push(c);
        }
    }
}
