//! # channel-budget
//!
//! Campaigns that start together for one person (the same trigger event,
//! or the same schedule, with audiences and trigger filters that can hold
//! together) send more on a channel than its `limit N per D` allows within
//! D, so the runner will skip a send. Sends are laid out by their shortest
//! waits (each at its earliest arrival after entry, quiet hours ignored);
//! when sends coincide, the later campaign's (by file path, then position)
//! is the one that goes over. Reported at the send that goes over, with
//! labels at the others. A window whose sends all come from one campaign
//! is `frequency-cap`'s, and is not repeated here. A send behind a `not
//! received any [CHANNEL] within W` check (smart sending) is not made after
//! another send on that channel less than W before: it neither goes over
//! nor counts.
//!
//! ## Why
//! A channel's limit counts every message a person gets on it, whatever
//! campaign sends it. One action that starts two journeys can spend the
//! budget of the first, and the second one's message, the one its journey
//! was designed around, is silently skipped.
//!
//! ## Example
//! ```omni
//! channel sms { consent sms_opt_in  limit 1 per 1d }
//! campaign cart_recovery { trigger cart_abandoned ... journey { wait 1h  send cart_sms } }
//! campaign cart_upsell   { trigger cart_abandoned ... journey { wait 2h  send upsell_sms } }
//! ```
//!
//! ## Fix
//! Move one send to another channel, space the sends out beyond the
//! limit's window, make the audiences exclusive, or guard one campaign
//! with the other (`priority` on one, `not in campaign` in the other's
//! audience).
//!
//! ## How it is computed
//! Campaigns are grouped by how they start (no pairs across groups). For
//! each campaign of a group and each limited channel it sends on, a
//! shortest-path search over (step, sends so far) gives the earliest time
//! of its 1st, 2nd, ... (N+1)-th send there on one execution (sends on
//! branches that exclude each other are not added up; a `repeat N times`
//! may be counted for more rounds than N, erring on the side of
//! reporting). The group's sends on the channel are then sorted by time
//! and counted with a sliding window of D: from each send, walking back
//! to the latest N that one person can get with it (its own campaign's,
//! and those of campaigns that can meet it: audiences and trigger filters,
//! [`crate::project::meeting`], each pair decided once).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::analysis::reach::Reach;
use crate::analysis::sat::{Atom, Window};
use crate::analysis::timing;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::graph::{Journey, NodeKind};
use crate::lints::util::{ordinal, step_span};
use crate::model::{CampaignId, ChannelId, Program, Received};
use crate::project::{channels, meeting, start_groups, Meeting, ProjectContext};
use crate::words::duration;

pub const CODE: Code = Code::ChannelBudget;

/// One send on a limited channel: when (seconds after entry, at the
/// earliest), which campaign (its rank in the group's order) and node.
#[derive(Clone, Copy)]
struct Send {
    at: u64,
    rank: usize,
    node: NodeIndex,
    /// A `not received any [CHANNEL] within W` known at the send: it is
    /// not made after another send on the channel less than W before
    /// (`u64::MAX` for `since entry` or ever, 0 for none).
    guard: u64,
}

pub fn check(cx: &ProjectContext) -> Vec<Diagnostic> {
    let program = cx.program;
    let mut out = Vec::new();
    for group in start_groups(cx) {
        // Per limited channel, every send of the group, in time order
        // (ties: the earlier campaign first, then position).
        let mut by_channel: HashMap<ChannelId, Vec<Send>> = HashMap::new();
        for (rank, &id) in group.iter().enumerate() {
            let journey = &cx.journeys[id.index()];
            let mut sent = channels(cx, id);
            sent.retain(|&ch| !program.channel(ch).limits.is_empty());
            if sent.is_empty() {
                continue;
            }
            let r = cx.reach(id);
            for ch in sent {
                let most = program.channel(ch).limits.iter().map(|l| l.count).max();
                let cap = most.unwrap_or(0) as usize + 1;
                let v = by_channel.entry(ch).or_default();
                for (at, node) in earliest_sends(program, journey, &r, ch, cap) {
                    let guard = guard(&r, node, ch);
                    v.push(Send {
                        at,
                        rank,
                        node,
                        guard,
                    });
                }
            }
        }
        let mut channels: Vec<_> = by_channel.into_iter().collect();
        channels.sort_by_key(|(ch, _)| *ch);
        let mut meets: HashMap<(usize, usize), bool> = HashMap::new();
        for (ch, mut sends) in channels {
            sends.sort_by_key(|s| {
                let j = &cx.journeys[group[s.rank].index()];
                (s.at, s.rank, j.graph[s.node].loc.span.start)
            });
            for limit in &program.channel(ch).limits {
                let per = limit.per_seconds;
                let mut reported = std::collections::HashSet::new();
                // Sends a `not received` check holds back: not made, not
                // counted.
                let mut held = vec![false; sends.len()];
                // Per campaign (by rank), its sends made in the window
                // `first..k`, kept as the window slides: counting them
                // for every send was quadratic in a group's sends.
                let mut own_in = vec![0usize; group.len()];
                let mut first = 0;
                for k in 0..sends.len() {
                    let s = sends[k];
                    if k > 0 && !held[k - 1] {
                        own_in[sends[k - 1].rank] += 1;
                    }
                    while first < k && sends[k].at - sends[first].at >= per {
                        if !held[first] {
                            own_in[sends[first].rank] -= 1;
                        }
                        first += 1;
                    }
                    // The latest N sends before it in the window that one
                    // person can get with it (its own campaign's, and those
                    // of campaigns that start together with it), walking
                    // back: at most N are needed.
                    let n = limit.count as usize;
                    let mut before: Vec<Send> = Vec::with_capacity(n);
                    for i in (first..k).rev().filter(|&i| !held[i]) {
                        let o = sends[i];
                        let meets = o.rank == s.rank
                            || *meets.entry((o.rank, s.rank)).or_insert_with(|| {
                                meeting(program, group[o.rank], group[s.rank])
                                    == Some(Meeting::Together)
                            });
                        if meets {
                            before.push(o);
                            if before.len() == n {
                                break;
                            }
                        }
                    }
                    before.reverse();
                    // The latest is the closest: a smart-sending check
                    // holds the send back.
                    if before.last().is_some_and(|o| s.at - o.at < s.guard) {
                        held[k] = true;
                        continue;
                    }
                    // Its own campaign alone already goes over (every send
                    // of its own in the window, or `limit 0`): `frequency-cap`'s.
                    let own = own_in[s.rank];
                    if before.len() < n || own >= n || !reported.insert((s.rank, s.node)) {
                        continue;
                    }
                    out.push(diagnose(cx, &group, ch, limit, &before, s));
                }
            }
        }
    }
    out
}

/// The shortest waits to a journey's 1st, 2nd, ... `cap`-th send on
/// `ch`: for each count j, the earliest time (seconds after entry) at which
/// some execution makes its j-th send on the channel, and that send. Sends
/// on branches that exclude each other are never counted together: it is
/// a shortest-path search over (step, sends made so far), O(cap · E log V).
fn earliest_sends(
    program: &Program,
    journey: &Journey,
    r: &Reach,
    ch: ChannelId,
    cap: usize,
) -> Vec<(u64, NodeIndex)> {
    let g = &journey.graph;
    let counted = |n: NodeIndex| {
        r.is_reached(n)
            && matches!(g[n].kind, NodeKind::Send(m) if program.message(m).channel == ch)
    };
    let n = g.node_count();
    // dist[k][v]: least time to be at v having made k sends on the channel.
    let mut dist = vec![vec![u64::MAX; n]; cap + 1];
    let mut best: Vec<Option<(u64, NodeIndex)>> = vec![None; cap + 1];
    let mut heap = BinaryHeap::new();
    let k0 = usize::from(counted(journey.entry));
    dist[k0][journey.entry.index()] = 0;
    heap.push(Reverse((0u64, k0, journey.entry.index())));
    while let Some(Reverse((t, k, v))) = heap.pop() {
        if t > dist[k][v] {
            continue;
        }
        let node = NodeIndex::new(v);
        if k > 0 && counted(node) && best[k].is_none_or(|(bt, _)| t < bt) {
            best[k] = Some((t, node));
        }
        for e in g.edges(node).filter(|e| r.is_live(e.id())) {
            let w = e.target();
            let nk = k + usize::from(counted(w));
            let nt = t.saturating_add(timing::edge_bounds(program, journey, e.id()).min);
            if nk <= cap && nt < dist[nk][w.index()] {
                dist[nk][w.index()] = nt;
                heap.push(Reverse((nt, nk, w.index())));
            }
        }
    }
    best.into_iter().flatten().collect()
}

/// The longest `not received any [CHANNEL] within W` (of this channel or
/// any) known at a send: such a send is not made after another one on the
/// channel less than W before. For campaigns that start together, `since
/// entry` and an unbounded check cover every earlier send.
fn guard(r: &Reach, n: NodeIndex, ch: ChannelId) -> u64 {
    r.facts(n)
        .unwrap_or_default()
        .iter()
        .filter(|(l, _)| !l.positive())
        .filter_map(|(l, _)| match r.logic.atom(l.atom()) {
            Atom::Received {
                what: Received::Any(c),
                window,
                at_least: 0 | 1,
            } if c.is_none_or(|c| c == ch) => Some(match window {
                Window::Within(w) => *w,
                Window::SinceEntry | Window::Ever => u64::MAX,
            }),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

fn diagnose(
    cx: &ProjectContext,
    group: &[CampaignId],
    ch: ChannelId,
    limit: &crate::model::LimitSpec,
    before: &[Send],
    s: Send,
) -> Diagnostic {
    let program = cx.program;
    let loc_of = |x: &Send| cx.journeys[group[x.rank].index()].graph[x.node].loc;
    let name_of = |x: &Send| &program.campaign(group[x.rank]).name;
    let channel = &program.channel(ch).name;
    let written = format!("limit {} per {}", limit.count, duration(limit.per_seconds));
    let mut names: Vec<&String> = vec![name_of(&s)];
    for o in before {
        if !names.contains(&name_of(o)) {
            names.push(name_of(o));
        }
    }
    let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let names = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    };
    let here = loc_of(&s);
    let span = s.at - before[0].at;
    let mut d = Diagnostic::warning(
        CODE,
        here.file,
        step_span(program, here),
        format!(
            "{names} start together: this can be the {} `{channel}` message {} for one person, more than the channel allows (`{written}`), so the runner will skip it",
            ordinal(before.len() + 1),
            if span == 0 {
                "at the same moment".to_string()
            } else {
                format!("within {}", duration(span))
            },
        ),
    );
    for (i, o) in before.iter().enumerate().take(8) {
        let l = loc_of(o);
        d = d.with_label(
            l.file,
            step_span(program, l),
            format!(
                "{} send, by `{}`, at +{} after entry",
                ordinal(i + 1),
                name_of(o),
                duration(o.at)
            ),
        );
    }
    d = d.with_label(limit.loc.file, limit.loc.span, "the limit");
    d.with_help(format!(
        "space these sends at least {} apart, move one to another channel, make the audiences exclusive, or guard one campaign with the other (`priority` and `not in campaign`)",
        duration(limit.per_seconds)
    ))
}
