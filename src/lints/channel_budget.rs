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
//! received any [CHANNEL] within W` check (smart sending), or a `not
//! received M within W` of a message on its channel, is not made after
//! such a send less than W before (with no window: any before; `since
//! entry`: any after the instant the campaigns started, as one entered
//! first may send at that instant before the other enters): it neither
//! goes over nor counts.
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
//! branches that exclude each other are not added up; a regular `repeat N
//! times` runs its body exactly N rounds before the flow goes on: the
//! search tells rounds apart). The group's sends on the channel are then sorted by time
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
use crate::graph::{Edge, Journey, NodeKind};
use crate::lints::util::{ordinal, step_span};
use crate::model::{CampaignId, ChannelId, MessageId, Program, Received};
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
    message: MessageId,
    /// The `not received` checks known at the send, `checks[from..to]` of
    /// the group's list: it is not made after a send they read.
    checks: (usize, usize),
}

/// A `not received [MESSAGE | any [CHANNEL]] [within W | since entry]`
/// known at a send (at least once), of a message on the send's channel or
/// of any message there: the send is not made after a send it reads.
#[derive(Clone, Copy)]
struct Check {
    /// The message read; `None`: any on the channel.
    message: Option<MessageId>,
    /// Its window (`u64::MAX`: no window).
    within: u64,
    /// `since entry`: campaigns that start together enter at one instant,
    /// one after the other, so a send at that instant may come before the
    /// entry and is not read.
    since_entry: bool,
}

impl Check {
    /// Whether it reads `o`, made before `s`.
    fn reads(&self, s: &Send, o: &Send) -> bool {
        self.message.is_none_or(|m| m == o.message)
            && s.at - o.at < self.within
            && !(self.since_entry && o.at == 0)
    }
}

pub fn check(cx: &ProjectContext) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    // Groups on every core (the pool of the project stage), their
    // findings in group order.
    let groups = start_groups(cx);
    groups
        .par_iter()
        .flat_map_iter(|group| check_group(cx, group))
        .collect()
}

/// A campaign's sends on one limited channel, at their earliest, each
/// with the checks known there.
type Earliest = (ChannelId, Vec<(u64, NodeIndex, MessageId, Vec<Check>)>);

/// The earliest sends of campaign `id` on each limited channel it sends
/// on (see [`earliest_sends`]), with the checks known at each.
fn campaign_sends(cx: &ProjectContext, id: CampaignId) -> Vec<Earliest> {
    let program = cx.program;
    let journey = &cx.journeys[id.index()];
    let mut sent = channels(cx, id);
    sent.retain(|&ch| !program.channel(ch).limits.is_empty());
    if sent.is_empty() {
        return Vec::new();
    }
    let r = cx.reach(id);
    sent.into_iter()
        .map(|ch| {
            let most = program.channel(ch).limits.iter().map(|l| l.count).max();
            let cap = most.unwrap_or(0) as usize + 1;
            let sends = earliest_sends(program, journey, &r, ch, cap)
                .into_iter()
                .filter_map(|(at, node)| {
                    let NodeKind::Send(message) = journey.graph[node].kind else {
                        return None;
                    };
                    let mut checks = Vec::new();
                    checks_at(program, &r, node, ch, &mut checks);
                    Some((at, node, message, checks))
                })
                .collect();
            (ch, sends)
        })
        .collect()
}

/// The findings of one group of campaigns that start together.
fn check_group(cx: &ProjectContext, group: &[CampaignId]) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let program = cx.program;
    // Each campaign's sends, on every core (a reachability analysis and a
    // search each), then laid out in group order.
    let per_campaign: Vec<Vec<Earliest>> =
        group.par_iter().map(|&id| campaign_sends(cx, id)).collect();
    // Per limited channel, every send of the group, in time order
    // (ties: the earlier campaign first, then position).
    let mut by_channel: HashMap<ChannelId, Vec<Send>> = HashMap::new();
    let mut checks: Vec<Check> = Vec::new();
    for (rank, found) in per_campaign.into_iter().enumerate() {
        for (ch, sends) in found {
            let v = by_channel.entry(ch).or_default();
            for (at, node, message, known) in sends {
                let from = checks.len();
                checks.extend(known);
                v.push(Send {
                    at,
                    rank,
                    node,
                    message,
                    checks: (from, checks.len()),
                });
            }
        }
    }
    // What goes over, found in order; the findings are written afterwards,
    // on every core.
    let mut over: Vec<(ChannelId, &crate::model::LimitSpec, Vec<Send>, Send)> = Vec::new();
    {
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
                    let mut meet = |o: &Send| {
                        o.rank == s.rank
                            || *meets.entry((o.rank, s.rank)).or_insert_with(|| {
                                meeting(program, cx.journeys, group[o.rank], group[s.rank])
                                    == Some(Meeting::Together)
                            })
                    };
                    // A `not received` check that reads a send made before
                    // it (in the window) holds it back.
                    let own_checks = &checks[s.checks.0..s.checks.1];
                    if !own_checks.is_empty()
                        && (first..k).rev().any(|i| {
                            !held[i]
                                && own_checks.iter().any(|c| c.reads(&s, &sends[i]))
                                && meet(&sends[i])
                        })
                    {
                        held[k] = true;
                        continue;
                    }
                    let mut before: Vec<Send> = Vec::with_capacity(n);
                    for i in (first..k).rev().filter(|&i| !held[i]) {
                        let o = sends[i];
                        if meet(&o) {
                            before.push(o);
                            if before.len() == n {
                                break;
                            }
                        }
                    }
                    before.reverse();
                    // Its own campaign alone already goes over (every send
                    // of its own in the window, or `limit 0`): `frequency-cap`'s.
                    let own = own_in[s.rank];
                    if before.len() < n || own >= n || !reported.insert((s.rank, s.node)) {
                        continue;
                    }
                    over.push((ch, limit, before, s));
                }
            }
        }
    }
    over.par_iter()
        .map(|(ch, limit, before, s)| diagnose(cx, group, *ch, limit, before, *s))
        .collect()
}

/// The shortest waits to a journey's 1st, 2nd, ... `cap`-th send on
/// `ch`: for each count j, the earliest time (seconds after entry) at which
/// some execution makes its j-th send on the channel, and that send. Sends
/// on branches that exclude each other are never counted together, and a
/// regular `repeat N times` runs its body exactly N times (no more rounds
/// counted, none skipped): it is a shortest-path search over (step, sends
/// made so far, rounds done of each enclosing regular `repeat`), O(cap ·
/// R · E log V) with R the rounds of nested repeats multiplied. Past
/// [`ROUND_STATES`] states per node and count on average (repeats of very many
/// rounds), rounds are no longer told apart: a `repeat` may then be left
/// at any round.
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
    let mut dist: HashMap<Key, u64> = HashMap::new();
    let mut best: Vec<Option<(u64, NodeIndex)>> = vec![None; cap + 1];
    let mut heap = BinaryHeap::new();
    let k0 = usize::from(counted(journey.entry));
    let start: Key = (journey.entry.index(), k0, Vec::new());
    dist.insert(start.clone(), 0);
    heap.push(Reverse((0u64, start)));
    while let Some(Reverse((t, key))) = heap.pop() {
        if dist.get(&key).is_some_and(|&d| t > d) {
            continue;
        }
        let (v, k, rounds) = key;
        let node = NodeIndex::new(v);
        if k > 0 && counted(node) && best[k].is_none_or(|(bt, _)| t < bt) {
            best[k] = Some((t, node));
        }
        let exact = dist.len() < budget;
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
            let nk = k + usize::from(counted(w));
            let nt = t.saturating_add(timing::edge_bounds(program, journey, e.id()).min);
            let key = (w.index(), nk, next);
            if nk <= cap && dist.get(&key).is_none_or(|&d| nt < d) {
                dist.insert(key.clone(), nt);
                heap.push(Reverse((nt, key)));
            }
        }
    }
    best.into_iter().flatten().collect()
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
        out.push(Check {
            message,
            within,
            since_entry,
        });
    }
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
