//! # frequency-cap
//!
//! Some execution of a journey sends more messages than a `limit N per D`
//! allows: N + 1 sends within a span shorter than D, taking every wait at
//! its shortest (a `wait for` can be over at once, a `wait until` can find
//! the hour already there, quiet hours may not apply). The runner enforces
//! limits by *skipping* the send that would exceed them, so the message at
//! the finding would not go out.
//!
//! Two kinds of limits are checked, each within one campaign:
//! - a campaign's `limit` counts that campaign's messages;
//! - a channel's `limit` counts the messages on that channel which this
//!   campaign sends.
//!
//! A person in several campaigns at once can still hit a channel limit with
//! sends from different campaigns: `channel-budget` reports it for
//! campaigns that start together; for journeys entered at other times only
//! the runner sees it (it knows who is in which journey when).
//!
//! ## Why
//! A skipped send is a message the journey was designed around that never
//! arrives, and the decision of which one is lost is left to timing. And a
//! journey that bunches messages together is the bombardment frequency
//! capping exists to prevent.
//!
//! ## Example
//! ```omni
//! channel sms { consent sms_opt_in  limit 1 per 1d }
//!
//! campaign flash_sale {
//!   trigger once at 2026-12-01 09:00
//!   goal order_placed
//!   journey {
//!     send sale_starts_sms
//!     wait 6h
//!     send sale_ends_soon_sms      // the 2nd sms within 6h: skipped
//!   }
//! }
//! ```
//!
//! ## Fix
//! Space the sends out (`wait 1d`), send one of them on another channel, or
//! drop one. If the limit is too tight for what the campaign must do, raise
//! it.
//!
//! ## How it is computed
//! For each limit `N per D`, a shortest-path computation in layers: layer
//! `j` holds, at every step, the least time since the `j`-th last counted
//! send (Dijkstra over the graph, pruned at D), and a counted send moves a
//! path to the next layer. A send reached in layer N in less than D is the
//! (N+1)-th within D. The layers stop as soon as one is empty (no send
//! is that many within D) or equal to the one before (then so are all the
//! next), so the cost is O(E log V) per layer that differs, at most N per
//! limit. `repeat` loops are unrolled as far as the limit's period can see
//! (a loop whose round takes at least `r` is unrolled `D / r + 2` times at
//! most), so round counts are respected; loops made with `goto` may go
//! round any number of times. Past 256 copies of one loop body, or 8 steps
//! per step of the journey in all (nested loops multiply copies), the
//! unrolling stops and one copy stands for every round: the analysis then
//! errs on the side of reporting.

use crate::codes::Code;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use petgraph::graph::{EdgeIndex, NodeIndex};

use crate::analysis::flow::{Flow, Rounds};
use crate::analysis::timing;
use crate::diagnostic::Diagnostic;
use crate::graph::{Journey, NodeKind};
use crate::lints::util::{ordinal, step_span};
use crate::lints::LintContext;
use crate::model::{ChannelId, LimitSpec, MessageId, Program};
use crate::words::duration;

pub const CODE: Code = Code::FrequencyCap;

/// Most copies of one `repeat` body made for this lint.
pub const MAX_COPIES: u32 = 256;

/// Which sends a limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Campaign,
    Channel(ChannelId),
}

/// One way to exceed a limit: `sends` are the journey's send nodes in
/// order (N + 1 of them, the last being where the limit is exceeded), with
/// the time of each after the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excess {
    pub sends: Vec<(NodeIndex, u64)>,
}

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for journey in cx.journeys {
        check_journey(cx, journey, &mut out);
    }
    out
}

/// The shortest a journey edge can take (from the graph's timing).
pub fn edge_min(program: &Program, journey: &Journey, e: EdgeIndex) -> u64 {
    timing::edge_bounds(program, journey, e).min
}

/// The limits that apply to a journey: the campaign's, then those of the
/// channels it sends on (each channel once, in channel order).
pub fn limits(program: &Program, journey: &Journey) -> Vec<(Scope, LimitSpec)> {
    let c = program.campaign(journey.campaign);
    let mut out: Vec<(Scope, LimitSpec)> = c.limits.iter().map(|l| (Scope::Campaign, *l)).collect();
    let mut channels: Vec<ChannelId> = journey
        .graph
        .node_weights()
        .filter_map(|n| match n.kind {
            NodeKind::Send(m) => Some(program.message(m).channel),
            _ => None,
        })
        .collect();
    channels.sort();
    channels.dedup();
    for ch in channels {
        for l in &program.channel(ch).limits {
            out.push((Scope::Channel(ch), *l));
        }
    }
    out
}

/// Every send of the journey that some execution makes the (N+1)-th
/// counted send within less than D, each once, with one such execution's
/// sends.
pub fn find(
    journey: &Journey,
    counted: &dyn Fn(MessageId) -> bool,
    limit: u32,
    per: u64,
    min_secs: &dyn Fn(EdgeIndex) -> u64,
    live: &dyn Fn(EdgeIndex) -> bool,
) -> Vec<Excess> {
    let rounds = timing::shortest_rounds(journey, live, min_secs);
    find_with(journey, counted, limit, per, min_secs, live, &rounds, None)
}

/// [`find`], given the shortest round of every regular repeat
/// ([`timing::shortest_rounds`] with the same `min_secs` and `live`), and
/// maybe the journey's flow with one copy of every repeat body over
/// `live` (used instead of building one when the limit needs no more).
#[allow(clippy::too_many_arguments)]
fn find_with(
    journey: &Journey,
    counted: &dyn Fn(MessageId) -> bool,
    limit: u32,
    per: u64,
    min_secs: &dyn Fn(EdgeIndex) -> u64,
    live: &dyn Fn(EdgeIndex) -> bool,
    rounds: &HashMap<NodeIndex, Option<u64>>,
    single: Option<&Flow>,
) -> Vec<Excess> {
    let g = &journey.graph;
    if per == 0
        || !g
            .node_weights()
            .any(|n| matches!(n.kind, NodeKind::Send(m) if counted(m)))
    {
        return Vec::new();
    }
    let copies = round_copies(journey, per, rounds);
    // One copy of every body is the single flow (as `Flow::build` finds).
    let single = single.filter(|_| limit == 0 || copies.values().all(|&c| c <= 1));
    let built;
    let flow = match single {
        Some(flow) => flow,
        None => {
            let copy = |r: NodeIndex, _| copies.get(&r).copied().unwrap_or(1);
            let rounds = match limit {
                0 => Rounds::Single,
                _ => Rounds::Copies(&copy),
            };
            built = Flow::build(journey, rounds, live);
            &built
        }
    };
    if limit == 0 {
        // Nothing may be sent at all: every send exceeds.
        let mut seen = std::collections::HashSet::new();
        return flow
            .orig
            .iter()
            .filter(|&&n| matches!(g[n].kind, NodeKind::Send(m) if counted(m)) && seen.insert(n))
            .map(|&n| Excess {
                sends: vec![(n, 0)],
            })
            .collect();
    }
    let n = flow.len();
    let is_counted = |v: usize| matches!(g[flow.orig[v]].kind, NodeKind::Send(m) if counted(m));
    let layers = limit as usize; // layers 1..=N
    const INF: u64 = u64::MAX;
    // dist[j][v]: least time from the window's first send to arriving at v
    // with j+1 counted sends behind. pred[j][v]: the flow node it came from
    // (u32::MAX at a layer change: it came from the same node one layer down).
    // Each layer only depends on the one below: once a layer's distances
    // equal the ones below, the next layer is this one again, and so are
    // all after it. Only layers up to there are kept (`min(j, last)`).
    let sources: Vec<usize> = (0..n).filter(|&v| is_counted(v)).collect();
    let mut dist: Vec<Vec<u64>> = Vec::new();
    let mut pred: Vec<Vec<u32>> = Vec::new();
    for j in 0..layers {
        let mut d = vec![INF; n];
        let mut p = vec![u32::MAX; n];
        let mut heap = BinaryHeap::new();
        // Sources: counted sends, leaving with j+1 counted sends.
        for &v in &sources {
            let start = if j == 0 { 0 } else { dist[j - 1][v] };
            if start < per {
                for e in flow.succ(v as u32) {
                    let t = start.saturating_add(min_secs(e.edge));
                    let w = e.to as usize;
                    if t < per && t < d[w] {
                        d[w] = t;
                        p[w] = v as u32;
                        heap.push(Reverse((t, w)));
                    }
                }
            }
        }
        while let Some(Reverse((t, v))) = heap.pop() {
            if t > d[v] || is_counted(v) {
                continue;
            }
            for e in flow.succ(v as u32) {
                let nt = t.saturating_add(min_secs(e.edge));
                let w = e.to as usize;
                if nt < per && nt < d[w] {
                    d[w] = nt;
                    p[w] = v as u32;
                    heap.push(Reverse((nt, w)));
                }
            }
        }
        if !sources.iter().any(|&v| d[v] < per) {
            // No send is the (j+2)-th within the period: none is the
            // (N+1)-th either.
            return Vec::new();
        }
        // Equal to the layer below: the next layer is computed from the
        // same distances as this one, so it is this one again.
        let stable = dist.last() == Some(&d);
        dist.push(d);
        pred.push(p);
        if stable {
            break;
        }
    }
    let last = dist.len() - 1;
    let layer = |j: usize| j.min(last);
    let mut reported = vec![false; g.node_count()];
    let mut out = Vec::new();
    for v in 0..n {
        let top = &dist[layer(layers - 1)];
        if !is_counted(v) || top[v] >= per || reported[flow.orig[v].index()] {
            continue;
        }
        reported[flow.orig[v].index()] = true;
        // Walk back: at layer j, from v to the counted send it started at.
        let mut sends = vec![(flow.orig[v], top[v])];
        let mut cur = v;
        for j in (0..layers).rev() {
            let mut w = pred[layer(j)][cur] as usize;
            while !is_counted(w) {
                w = pred[layer(j)][w] as usize;
            }
            let t = if j == 0 { 0 } else { dist[layer(j - 1)][w] };
            sends.push((flow.orig[w], t));
            cur = w;
        }
        sends.reverse();
        out.push(Excess { sends });
    }
    out
}

/// How many copies of each regular repeat's body the limit's period can
/// see: a round takes at least `r`, so `per / r + 2` rounds are as many as
/// one window can tell apart from more.
fn round_copies(
    journey: &Journey,
    per: u64,
    rounds: &HashMap<NodeIndex, Option<u64>>,
) -> HashMap<NodeIndex, u32> {
    let g = &journey.graph;
    rounds
        .iter()
        .map(|(&r, &round)| {
            let times = match g[r].kind {
                NodeKind::Repeat { times } => times,
                _ => 1,
            };
            let want = match round {
                Some(0) => MAX_COPIES,
                Some(t) => (per / t).saturating_add(2).min(MAX_COPIES as u64) as u32,
                None => 1,
            };
            (r, want.min(times.max(1)))
        })
        .collect()
}

fn check_journey(cx: &LintContext, journey: &Journey, out: &mut Vec<Diagnostic>) {
    let p = cx.program;
    let g = &journey.graph;
    let limits = limits(p, journey);
    if limits.is_empty() {
        return;
    }
    // The timing's edges and rounds are over the same edges, with the
    // same least durations.
    let t = cx.timing(journey);
    let min_secs = |e: EdgeIndex| t.edge(e).min;
    let live = &cx.reach(journey).live;
    let live = |e: EdgeIndex| live[e.index()];
    let rounds: HashMap<NodeIndex, Option<u64>> = t
        .rounds
        .iter()
        .map(|(&h, r)| (h, r.map(|r| r.min)))
        .collect();
    // An instant loop is an error of its own (`instant-loop`): its sends
    // are not counted again here.
    let instant = cx.on_instant_loop(journey);
    for (scope, limit) in limits {
        let counted = |m: MessageId| match scope {
            Scope::Campaign => true,
            Scope::Channel(ch) => p.message(m).channel == ch,
        };
        let what = match scope {
            Scope::Campaign => format!("campaign `{}`", p.campaign(journey.campaign).name),
            Scope::Channel(ch) => format!("channel `{}`", p.channel(ch).name),
        };
        let noun = match scope {
            Scope::Campaign => "message of this campaign".to_string(),
            Scope::Channel(ch) => format!("`{}` message", p.channel(ch).name),
        };
        // The limit as written, when its span holds it.
        let written = cx.sources.get(limit.loc.file).slice(limit.loc.span).trim();
        let (limit_text, per_text) = match written.split_once(" per ") {
            Some((_, per)) if written.starts_with("limit") && !written.contains('\n') => {
                (written.to_string(), per.trim().to_string())
            }
            _ => (
                format!("limit {} per {}", limit.count, duration(limit.per_seconds)),
                duration(limit.per_seconds),
            ),
        };
        for x in find_with(
            journey,
            &counted,
            limit.count,
            limit.per_seconds,
            &min_secs,
            &live,
            &rounds,
            Some(cx.flow(journey)),
        ) {
            if x.sends.iter().any(|&(n, _)| instant[n.index()]) {
                continue;
            }
            let (last, span) = *x.sends.last().expect("N+1 sends");
            let loc = g[last].loc;
            let mut d = Diagnostic::warning(
                CODE,
                loc.file,
                step_span(cx.program, loc),
                format!(
                    "this can be the {} {noun} {}, more than the {what} allows (`{limit_text}`): the runner will skip it",
                    ordinal(x.sends.len()),
                    if span == 0 {
                        "at the same moment".to_string()
                    } else {
                        format!("within {}", duration(span))
                    },
                ),
            );
            // Labels: one per earlier send node (a node can recur in a loop).
            let mut order: Vec<NodeIndex> = Vec::new();
            let mut at: HashMap<NodeIndex, Vec<(usize, u64)>> = HashMap::new();
            for (i, &(n, t)) in x.sends[..x.sends.len() - 1].iter().enumerate() {
                if !at.contains_key(&n) {
                    order.push(n);
                }
                at.entry(n).or_default().push((i + 1, t));
            }
            if let Some(v) = at.remove(&last) {
                // The finding's own step also comes earlier (a loop).
                order.retain(|&n| n != last);
                let list = v
                    .iter()
                    .map(|(i, t)| format!("{} at +{}", ordinal(*i), duration(*t)))
                    .collect::<Vec<_>>()
                    .join(", ");
                d.message.push_str(&format!(
                    " (the same step, in earlier rounds, makes the {list})"
                ));
            }
            for n in order.iter().take(8) {
                let v = &at[n];
                let text = v
                    .iter()
                    .map(|(i, t)| {
                        if *i == 1 {
                            "1st send".to_string()
                        } else {
                            format!("{} send, +{}", ordinal(*i), duration(*t))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                let l = g[*n].loc;
                d = d.with_label(l.file, step_span(cx.program, l), text);
            }
            if order.len() > 8 {
                d.message
                    .push_str(&format!(" ({} more sends come before it)", order.len() - 8));
            }
            d = d.with_label(limit.loc.file, limit.loc.span, "the limit");
            out.push(d.with_help(format!(
                "space these sends at least {per_text} apart in all, send fewer, or move one to another channel"
            )));
        }
    }
}
