//! Timing and volume facts over a plan's nodes: `earliest` and `latest`
//! arrival after entry, and `max_sends_per_person`.
//!
//! The analysis explores the journey's *states*: a node together with the
//! counters of the `repeat`s in progress, exactly as a runner keeps them, so
//! `repeat 3 times` counts three iterations and a `goto` loop is a real
//! cycle. Each transition has a least and a most time it can take:
//! - `wait D`: exactly D; `wait until`: 0 to a day (a week with a weekday);
//! - a `send` on a channel with quiet hours: 0 to the length of the quiet
//!   period; other sends and instant steps: 0;
//! - `wait for ... within D`: `event` 0 to D, `timeout` exactly D.
//!
//! `earliest` is the shortest path, `latest` the longest (unbounded when a
//! cycle that can take time leads there), `max_sends_per_person` the most
//! `send` nodes on a path (unbounded when a cycle through a send can be
//! reached).

use std::collections::{BTreeMap, HashMap};

use super::{EdgeLabel, NodeKind, Plan};

/// Facts for each node, aligned with `plan.nodes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub earliest: Vec<u64>,
    pub latest: Vec<Option<u64>>,
    pub max_sends: Option<u64>,
}

/// Above this many states the counters of `repeat`s are dropped (each
/// `repeat` may then go round any number of times), which only makes the
/// facts coarser.
const MAX_STATES: usize = 200_000;

/// A day and a week, in seconds: the longest `wait until`.
const DAY: u64 = 86_400;
const WEEK: u64 = 7 * DAY;

#[derive(Clone, PartialEq, Eq, Hash)]
struct State {
    node: usize,
    /// (repeat node, iterations started), sorted by node.
    counters: Vec<(usize, u32)>,
}

struct Trans {
    to: usize,
    lo: u64,
    hi: u64,
}

/// Computes the facts. Nodes unreachable from `entry` get `earliest` 0 and
/// `latest` 0.
pub fn analyze(plan: &Plan) -> Facts {
    analyze_with(plan, true).unwrap_or_else(|| analyze_with(plan, false).expect("bounded"))
}

/// Computes the facts and writes them into the plan.
pub fn apply(plan: &mut Plan) {
    let facts = analyze(plan);
    for (i, node) in plan.nodes.iter_mut().enumerate() {
        node.earliest = facts.earliest[i];
        node.latest = facts.latest[i];
    }
    plan.max_sends_per_person = facts.max_sends;
}

fn quiet_len(plan: &Plan, message: &str) -> u64 {
    let Some(q) = plan
        .messages
        .get(message)
        .and_then(|m| plan.channels.get(&m.channel))
        .and_then(|c| c.quiet_hours.as_ref())
    else {
        return 0;
    };
    let (Some(from), Some(to)) = (
        super::parse_time_of_day(&q.from),
        super::parse_time_of_day(&q.to),
    ) else {
        return 0;
    };
    let minutes = if to > from {
        to - from
    } else {
        to + 24 * 60 - from
    };
    minutes as u64 * 60
}

fn analyze_with(plan: &Plan, counters: bool) -> Option<Facts> {
    let index: HashMap<&str, usize> = plan
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let target = |id: &str| index.get(id).copied();

    let mut states: Vec<State> = Vec::new();
    let mut ids: HashMap<State, usize> = HashMap::new();
    let mut trans: Vec<Vec<Trans>> = Vec::new();
    let Some(entry) = target(&plan.entry) else {
        let n = plan.nodes.len();
        return Some(Facts {
            earliest: vec![0; n],
            latest: vec![Some(0); n],
            max_sends: Some(0),
        });
    };
    let start = State {
        node: entry,
        counters: Vec::new(),
    };
    ids.insert(start.clone(), 0);
    states.push(start);
    let mut next = 0;
    while next < states.len() {
        if states.len() > MAX_STATES {
            return None;
        }
        let state = states[next].clone();
        let node = &plan.nodes[state.node];
        let mut out: Vec<(State, u64, u64)> = Vec::new();
        let arrive = |to: usize, loop_back: bool, counters: &Vec<(usize, u32)>| -> State {
            let mut c = counters.clone();
            if !loop_back {
                // Arriving at a repeat afresh resets its counter.
                if let NodeKind::Repeat { .. } = plan.nodes[to].kind {
                    c.retain(|&(r, _)| r != to);
                }
            }
            State {
                node: to,
                counters: c,
            }
        };
        match &node.kind {
            NodeKind::Repeat { times } => {
                let done = node.successors.iter().find(|e| e.label == EdgeLabel::Done);
                let body = node.successors.iter().find(|e| e.label == EdgeLabel::Body);
                if counters {
                    let count = state
                        .counters
                        .iter()
                        .find(|&&(r, _)| r == state.node)
                        .map_or(0, |&(_, c)| c);
                    if count < *times {
                        if let Some(e) = body.and_then(|e| target(&e.to).map(|t| (e, t))) {
                            let mut c = state.counters.clone();
                            c.retain(|&(r, _)| r != state.node);
                            c.push((state.node, count + 1));
                            c.sort_unstable();
                            out.push((arrive(e.1, e.0.loop_back, &c), 0, 0));
                        }
                    } else if let Some(e) = done.and_then(|e| target(&e.to).map(|t| (e, t))) {
                        let mut c = state.counters.clone();
                        c.retain(|&(r, _)| r != state.node);
                        out.push((arrive(e.1, e.0.loop_back, &c), 0, 0));
                    }
                } else {
                    for e in [body, done].into_iter().flatten() {
                        if let Some(t) = target(&e.to) {
                            out.push((arrive(t, e.loop_back, &state.counters), 0, 0));
                        }
                    }
                }
            }
            kind => {
                for e in &node.successors {
                    let Some(t) = target(&e.to) else { continue };
                    let (lo, hi) = match (kind, &e.label) {
                        (NodeKind::Wait { seconds }, _) => (*seconds, *seconds),
                        (NodeKind::WaitUntil { on, .. }, _) => {
                            (0, if on.is_some() { WEEK } else { DAY })
                        }
                        (NodeKind::WaitFor { within, .. }, EdgeLabel::Event) => (0, *within),
                        (NodeKind::WaitFor { within, .. }, _) => (*within, *within),
                        (NodeKind::Send { message }, _) => (0, quiet_len(plan, message)),
                        _ => (0, 0),
                    };
                    out.push((arrive(t, e.loop_back, &state.counters), lo, hi));
                }
            }
        }
        let mut list = Vec::with_capacity(out.len());
        for (s, lo, hi) in out {
            let id = match ids.get(&s) {
                Some(&id) => id,
                None => {
                    let id = states.len();
                    ids.insert(s.clone(), id);
                    states.push(s);
                    id
                }
            };
            list.push(Trans { to: id, lo, hi });
        }
        trans.push(list);
        next += 1;
    }

    let n = states.len();
    let is_send: Vec<bool> = states
        .iter()
        .map(|s| matches!(plan.nodes[s.node].kind, NodeKind::Send { .. }))
        .collect();

    // Earliest: Dijkstra on `lo`.
    let mut dist = vec![u64::MAX; n];
    dist[0] = 0;
    let mut heap = std::collections::BinaryHeap::new();
    heap.push(std::cmp::Reverse((0u64, 0usize)));
    while let Some(std::cmp::Reverse((d, s))) = heap.pop() {
        if d > dist[s] {
            continue;
        }
        for t in &trans[s] {
            let nd = d.saturating_add(t.lo);
            if nd < dist[t.to] {
                dist[t.to] = nd;
                heap.push(std::cmp::Reverse((nd, t.to)));
            }
        }
    }

    // Latest and max sends: longest paths over the strongly connected
    // components, in topological order.
    let (comp, comps) = tarjan(n, &trans);
    // Tarjan numbers components in reverse topological order.
    let mut pump_time = vec![false; comps];
    let mut pump_send = vec![false; comps];
    let mut size = vec![0usize; comps];
    for s in 0..n {
        size[comp[s]] += 1;
    }
    for s in 0..n {
        for t in &trans[s] {
            if comp[t.to] == comp[s] {
                if t.hi > 0 {
                    pump_time[comp[s]] = true;
                }
                if is_send[s] {
                    pump_send[comp[s]] = true;
                }
            }
        }
    }
    // Per component: longest time to reach it (None = unbounded), and most
    // sends before it.
    let mut late: Vec<Option<u64>> = vec![Some(0); comps];
    let mut sends: Vec<Option<u64>> = vec![Some(0); comps];
    let mut reached = vec![false; comps];
    reached[comp[0]] = true;
    let mut max_sends: Option<u64> = Some(0);
    // Group states by component.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); comps];
    for s in 0..n {
        members[comp[s]].push(s);
    }
    for c in (0..comps).rev() {
        if !reached[c] {
            continue;
        }
        let here_late = if pump_time[c] { None } else { late[c] };
        // Sends inside the component: at most one per state when it is not
        // a cycle through a send (a single state, no self-loop).
        let inner_sends: u64 = members[c].iter().filter(|&&s| is_send[s]).count() as u64;
        let here_sends = if pump_send[c] {
            None
        } else {
            sends[c].map(|v| v + inner_sends)
        };
        match (max_sends, here_sends) {
            (Some(m), Some(h)) => max_sends = Some(m.max(h)),
            _ => max_sends = None,
        }
        for &s in &members[c] {
            for t in &trans[s] {
                let d = comp[t.to];
                if d == c {
                    continue;
                }
                let cand = here_late.map(|l| l.saturating_add(t.hi));
                late[d] = if reached[d] {
                    match (late[d], cand) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    }
                } else {
                    cand
                };
                sends[d] = if reached[d] {
                    match (sends[d], here_sends) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    }
                } else {
                    here_sends
                };
                reached[d] = true;
            }
        }
    }

    let nodes = plan.nodes.len();
    let mut earliest: BTreeMap<usize, u64> = BTreeMap::new();
    let mut latest: BTreeMap<usize, Option<u64>> = BTreeMap::new();
    for s in 0..n {
        let node = states[s].node;
        let e = dist[s];
        earliest
            .entry(node)
            .and_modify(|v| *v = (*v).min(e))
            .or_insert(e);
        let c = comp[s];
        let l = if pump_time[c] { None } else { late[c] };
        latest
            .entry(node)
            .and_modify(|v| {
                *v = match (*v, l) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                }
            })
            .or_insert(l);
    }
    Some(Facts {
        earliest: (0..nodes)
            .map(|i| earliest.get(&i).copied().unwrap_or(0))
            .collect(),
        latest: (0..nodes)
            .map(|i| latest.get(&i).copied().unwrap_or(Some(0)))
            .collect(),
        max_sends,
    })
}

/// Iterative Tarjan: the component of each state, and how many there are.
/// Components are numbered in reverse topological order.
fn tarjan(n: usize, trans: &[Vec<Trans>]) -> (Vec<usize>, usize) {
    const NONE: usize = usize::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comp = vec![NONE; n];
    let mut comps = 0;
    let mut counter = 0;
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = call.last_mut() {
            if *i < trans[v].len() {
                let w = trans[v][*i].to;
                *i += 1;
                if index[w] == NONE {
                    index[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(p, _)) = call.last() {
                    low[p] = low[p].min(low[v]);
                }
                if low[v] == index[v] {
                    loop {
                        let w = stack.pop().expect("on stack");
                        on_stack[w] = false;
                        comp[w] = comps;
                        if w == v {
                            break;
                        }
                    }
                    comps += 1;
                }
            }
        }
    }
    (comp, comps)
}
