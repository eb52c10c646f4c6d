//! # channel-budget
//!
//! Campaigns that start together for one person (the same trigger event,
//! or the same schedule, with audiences and trigger filters that can hold
//! together) can send more on a channel than its `limit N per D` allows
//! within D, so the runner will skip a send. Every send is placed
//! anywhere between the earliest and the latest time a journey can make
//! it (over every branch that leads to it: shortest and longest waits,
//! quiet hours at the send itself ignored); a finding says that some
//! choice of those times puts more than N sends in one window of D. The
//! finding is at the send of the latest campaign to join that window (by
//! file path, then position, when they join at once), with labels at the
//! others. A window whose sends all come from one campaign is
//! `frequency-cap`'s, and is not repeated here.
//!
//! A send behind a `not received any [CHANNEL] within W` check (smart
//! sending), or a `not received M within W` of a message on its channel,
//! is not made after a send it reads less than W before (with no window:
//! any before; `since entry`: any after its journey's entry, and a send
//! another campaign makes at the instant both started may come first): it
//! neither goes over nor counts there.
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
//! each campaign of a group and each limited channel it sends on, every
//! send step reached is a *site* ([`crate::project::sends`]): the
//! interval of times it can go out, how many times one execution sends
//! there (rounds of `repeat`s; unbounded in a `goto` loop) and the least
//! time between two of them, and the `not received` checks known there.
//! A window of D can hold a site's sends when it meets its interval; a
//! campaign puts at most as many sends in it as one execution makes on
//! the channel at all (sends on branches that exclude each other are not
//! added up), nor more than its sites there can make. A sweep over the
//! sites by the start of the windows that meet them counts, each time a
//! site joins, the sends the window can hold from its campaign and from
//! the campaigns that can meet it ([`crate::project::Meetings::meeting`], each pair
//! decided once). The `not received` checks of the sites there are
//! weighed pairwise: a checked send counts only with sends it can come
//! before, or after by more than its window.
//!
//! This over-approximates on purpose (it is sound against the reference
//! runner): sends of one campaign on exclusive branches may share a
//! window (up to what one execution makes), the times of one execution's
//! sends are chosen on their own, within their intervals, and a send in a
//! loop may fall in any window between its first and last time, however
//! its rounds are spaced (only how many one window holds is bounded). Linear in the journeys, then `S log S` in
//! the sites of a group, plus the pairs of campaigns that meet.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::lints::util::{ordinal, step_span};
use crate::model::{CampaignId, ChannelId, LimitSpec};
use crate::project::sends::Site;
use crate::project::{start_groups, Candidates, Facts, Meeting, ProjectContext};
use crate::words::duration;

pub const CODE: Code = Code::ChannelBudget;

/// One campaign of a group that sends on a limited channel.
struct Camp<'f> {
    /// Its rank in the group's order.
    rank: usize,
    /// Its sites on the channel.
    sites: &'f [Site],
    /// The most sends one execution makes on the channel (up to the
    /// largest limit plus one).
    most: u64,
}

/// A site in the sweep of one limit.
#[derive(Clone, Copy)]
struct Item {
    /// Index into the channel's campaigns, then into its sites.
    camp: usize,
    site: usize,
    /// How many of its sends one window holds.
    weight: u64,
}

pub fn check(cx: &ProjectContext) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    // Groups on every core (the pool of the project stage), their
    // findings in group order.
    start_groups(cx)
        .par_iter()
        .flat_map_iter(|group| check_group(cx, group))
        .collect()
}

/// The findings of one group of campaigns that start together.
fn check_group(cx: &ProjectContext, group: &[CampaignId]) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let program = cx.program;
    // Each campaign's sites on every core (a reachability analysis and a
    // timing each, unless the per-campaign lints gave them), then laid
    // out in group order.
    let per_campaign: Vec<&Facts> = group.par_iter().map(|&id| cx.facts(id)).collect();
    let mut by_channel: BTreeMap<ChannelId, Vec<Camp>> = BTreeMap::new();
    for (rank, facts) in per_campaign.into_iter().enumerate() {
        for (ch, sites, most) in &facts.sites {
            by_channel.entry(*ch).or_default().push(Camp {
                rank,
                sites,
                most: *most,
            });
        }
    }
    let mut found = Vec::new();
    let mut meets: HashMap<(usize, usize), bool> = HashMap::new();
    // Only the campaigns whose audiences' pins let them meet are paired.
    let near = Candidates::new(&cx.meetings, group);
    for (&ch, camps) in &by_channel {
        if camps.len() < 2 {
            continue;
        }
        let mut reported: HashSet<usize> = HashSet::new();
        for limit in &program.channel(ch).limits {
            let mut meet = |a: usize, b: usize| {
                let key = (a.min(b), a.max(b));
                *meets.entry(key).or_insert_with(|| {
                    cx.meeting(group[key.0], group[key.1]) == Some(Meeting::Together)
                })
            };
            let sweep = Sweep {
                camps,
                limit,
                near: &near,
            };
            for (camp, site, items) in sweep.run(&mut meet, &reported) {
                reported.insert(camps[camp].rank);
                found.push((ch, limit, camp, site, items));
            }
        }
    }
    // The findings written on every core (a start group of thousands of
    // campaigns has as many), in the order found.
    found
        .par_iter()
        .map(|(ch, limit, camp, site, items)| {
            let camps = &by_channel[ch];
            diagnose(cx, group, camps, *ch, limit, (*camp, *site), items)
        })
        .collect()
}

/// The sweep of one limit over a channel's sites in a start group.
struct Sweep<'a> {
    camps: &'a [Camp<'a>],
    limit: &'a LimitSpec,
    /// The group's campaigns by rank, split by their pins.
    near: &'a Candidates<'a, 'a>,
}

impl Sweep<'_> {
    /// The windows that go over: for each, the campaign and site that
    /// joined last, and the other sends counted there. At most one per
    /// campaign, none for a campaign in `skip`.
    fn run(
        &self,
        meet: &mut dyn FnMut(usize, usize) -> bool,
        skip: &HashSet<usize>,
    ) -> Vec<(usize, usize, Vec<Item>)> {
        let per = self.limit.per_seconds;
        let n = u64::from(self.limit.count);
        let camps = self.camps;
        // Every site, by the first window start that meets it (its
        // earliest time minus the window, plus one second), then campaign
        // order, then position.
        let mut items: Vec<(i128, usize, Item)> = Vec::new();
        for (c, camp) in camps.iter().enumerate() {
            for (i, s) in camp.sites.iter().enumerate() {
                let start = i128::from(s.earliest) - i128::from(per) + 1;
                let weight = s.in_window(per, n + 1);
                let item = Item {
                    camp: c,
                    site: i,
                    weight,
                };
                items.push((start, camp.rank, item));
            }
        }
        items.sort_by_key(|(start, rank, item)| {
            let s = &camps[item.camp].sites[item.site];
            (*start, *rank, s.node.index())
        });
        // The sites a window starting at the current point meets, per
        // campaign, and their weight.
        let mut active: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); camps.len()];
        let mut weight = vec![0u64; camps.len()];
        let mut checked = vec![0usize; camps.len()];
        let mut live: BTreeSet<usize> = BTreeSet::new();
        // Sites by their latest time: they leave once windows start after it.
        let mut leave: BinaryHeap<Reverse<(u64, usize)>> = BinaryHeap::new();
        let mut found = Vec::new();
        let mut done: HashSet<usize> = skip.clone();
        for (k, &(start, _, item)) in items.iter().enumerate() {
            while let Some(&Reverse((latest, j))) = leave.peek() {
                if i128::from(latest) >= start {
                    break;
                }
                leave.pop();
                let it = items[j].2;
                active[it.camp].remove(&j);
                weight[it.camp] -= it.weight;
                if !camps[it.camp].sites[it.site].checks.is_empty() {
                    checked[it.camp] -= 1;
                }
                if active[it.camp].is_empty() {
                    live.remove(&it.camp);
                }
            }
            let site = &camps[item.camp].sites[item.site];
            active[item.camp].insert(k);
            weight[item.camp] += item.weight;
            checked[item.camp] += usize::from(!site.checks.is_empty());
            live.insert(item.camp);
            if let Some(latest) = site.latest {
                leave.push(Reverse((latest, k)));
            }
            let d = item.camp;
            if done.contains(&camps[d].rank) {
                continue;
            }
            // The campaigns that can meet this one, with what they can put
            // in the window at most; enough already, without checks, is a
            // finding.
            let most = |c: usize| weight[c].min(camps[c].most);
            let mut members = vec![d];
            let (mut total, mut others) = (most(d), 0);
            let mut checks = checked[d] > 0;
            let mut over = false;
            for c in self.live_near(d, &live) {
                if !meet(camps[c].rank, camps[d].rank) {
                    continue;
                }
                members.push(c);
                total += most(c);
                others += most(c);
                checks |= checked[c] > 0;
                if total > n && others > 0 && !checks {
                    over = true;
                    break;
                }
            }
            if total <= n || others == 0 {
                continue;
            }
            let counted = if over {
                Some(
                    members
                        .iter()
                        .flat_map(|&c| active[c].iter().copied())
                        .collect(),
                )
            } else {
                self.with_checks(&items, &active, &members, k)
            };
            if let Some(counted) = counted {
                done.insert(camps[d].rank);
                let others: Vec<Item> = counted
                    .into_iter()
                    .filter(|&j: &usize| j != k)
                    .map(|j| items[j].2)
                    .collect();
                found.push((d, item.site, others));
            }
        }
        found
    }

    /// The campaigns of `live` (by index) that may meet campaign `d`,
    /// latest first: through the pins' index when it leaves fewer than
    /// are live, else every live one, each tested.
    fn live_near<'s>(
        &'s self,
        d: usize,
        live: &'s BTreeSet<usize>,
    ) -> Box<dyn Iterator<Item = usize> + 's> {
        let camps = self.camps;
        let (near, rank) = (self.near, camps[d].rank);
        match near.narrow(rank, usize::MAX, live.len()) {
            None => Box::new(
                live.iter()
                    .rev()
                    .copied()
                    .filter(move |&c| c != d && near.may_meet(rank, camps[c].rank)),
            ),
            Some(ranks) => Box::new(
                ranks
                    .into_iter()
                    .rev()
                    .filter_map(|r| camps.binary_search_by_key(&r, |c| c.rank).ok())
                    .filter(|c| live.contains(c)),
            ),
        }
    }

    /// Whether the sites of `members` in the window can go over with the
    /// `not received` checks weighed (site `k` among the sends), and the
    /// sites counted then. Past [`MOST_CHECKED`] checked sites, every site
    /// counts.
    fn with_checks(
        &self,
        items: &[(i128, usize, Item)],
        active: &[BTreeSet<usize>],
        members: &[usize],
        k: usize,
    ) -> Option<Vec<usize>> {
        let per = self.limit.per_seconds;
        let n = u64::from(self.limit.count);
        let camps = self.camps;
        let all: Vec<usize> = members
            .iter()
            .flat_map(|&c| active[c].iter().copied())
            .collect();
        let site = |j: usize| &camps[items[j].2.camp].sites[items[j].2.site];
        let (checked, plain): (Vec<usize>, Vec<usize>) =
            all.iter().partition(|&&j| !site(j).checks.is_empty());
        if checked.len() > MOST_CHECKED {
            return Some(all);
        }
        // `follows[x][y]`: x can be sent after y (within the window)
        // without a check of x reading y.
        let follows = |x: usize, y: usize| {
            let same = items[x].2.camp == items[y].2.camp;
            can_follow(site(x), site(y), same, per)
        };
        let d = items[k].2.camp;
        let mut best: Option<Vec<usize>> = None;
        for mask in 0u32..(1 << checked.len()) {
            let chosen: Vec<usize> = (0..checked.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| checked[i])
                .collect();
            let pairs_ok = chosen.iter().enumerate().all(|(i, &x)| {
                chosen[i + 1..]
                    .iter()
                    .all(|&y| follows(x, y) || follows(y, x))
            });
            if !pairs_ok {
                continue;
            }
            let mut counted = chosen.clone();
            counted.extend(
                plain
                    .iter()
                    .copied()
                    .filter(|&o| chosen.iter().all(|&x| follows(o, x) || follows(x, o))),
            );
            if !counted.contains(&k) {
                continue;
            }
            let mut per_camp: HashMap<usize, u64> = HashMap::new();
            for &j in &counted {
                *per_camp.entry(items[j].2.camp).or_default() += items[j].2.weight;
            }
            let total: u64 = per_camp.iter().map(|(&c, &w)| w.min(camps[c].most)).sum();
            let others = per_camp.keys().any(|&c| c != d);
            if total > n && others {
                counted.sort_unstable();
                best = Some(counted);
                break;
            }
        }
        best
    }
}

/// How many checked sites a window's count weighs one by one (all their
/// subsets); past it, checks are not weighed there.
const MOST_CHECKED: usize = 10;

/// Whether a send at `x` can come after one at `y`, less than `per` after
/// it, without a check of `x` reading `y` (a check reads a send less than
/// its window before; `since entry`, another campaign's send at the
/// instant both started may come before the entry).
fn can_follow(x: &Site, y: &Site, same: bool, per: u64) -> bool {
    // The gap x - y: at least 0, below `per`, within what the intervals allow.
    let Some(hi) = x
        .latest
        .map_or(Some(u64::MAX), |l| l.checked_sub(y.earliest))
    else {
        return false;
    };
    let hi = hi.min(per.saturating_sub(1));
    let lo = y.latest.map_or(0, |l| x.earliest.saturating_sub(l));
    let need = x
        .checks
        .iter()
        .filter(|c| c.message.is_none_or(|m| m == y.message))
        .filter(|c| !(c.since_entry && !same && y.earliest == 0))
        .map(|c| c.within)
        .max()
        .unwrap_or(0);
    lo.max(need) <= hi
}

fn diagnose(
    cx: &ProjectContext,
    group: &[CampaignId],
    camps: &[Camp],
    ch: ChannelId,
    limit: &LimitSpec,
    (camp, site): (usize, usize),
    others: &[Item],
) -> Diagnostic {
    let program = cx.program;
    let campaign = |c: usize| group[camps[c].rank];
    let loc_of = |c: usize, s: &Site| cx.journeys[campaign(c).index()].graph[s.node].loc;
    let name_of = |c: usize| &program.campaign(campaign(c)).name;
    let s = &camps[camp].sites[site];
    let mut others: Vec<(usize, &Site)> = others
        .iter()
        .map(|it| (it.camp, &camps[it.camp].sites[it.site]))
        .collect();
    others.sort_by_key(|(c, o)| (o.earliest, camps[*c].rank, o.node.index()));
    let channel = &program.channel(ch).name;
    let written = format!("limit {} per {}", limit.count, duration(limit.per_seconds));
    let mut names: Vec<&String> = vec![name_of(camp)];
    for &(c, _) in &others {
        if !names.contains(&name_of(c)) {
            names.push(name_of(c));
        }
    }
    let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let names = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    };
    // The least time the sends can be apart.
    let first_latest = others
        .iter()
        .map(|(_, o)| o.latest)
        .chain([s.latest])
        .map(|l| l.unwrap_or(u64::MAX))
        .min()
        .unwrap_or(0);
    let last_earliest = others
        .iter()
        .map(|(_, o)| o.earliest)
        .chain([s.earliest])
        .max()
        .unwrap_or(0);
    let span = last_earliest.saturating_sub(first_latest);
    let here = loc_of(camp, s);
    let mut d = Diagnostic::warning(
        CODE,
        here.file,
        step_span(program, here),
        format!(
            "{names} start together: this can be the {} `{channel}` message {} for one person, more than the channel allows (`{written}`), so the runner will skip it",
            ordinal(limit.count as usize + 1),
            if span == 0 {
                "at the same moment".to_string()
            } else {
                format!("within {}", duration(span))
            },
        ),
    );
    for &(c, o) in others.iter().take(8) {
        let l = loc_of(c, o);
        d = d.with_label(
            l.file,
            step_span(program, l),
            format!("`{}` sends here, {}", name_of(c), when(o)),
        );
    }
    d = d.with_label(limit.loc.file, limit.loc.span, "the limit");
    d.with_help(format!(
        "space these sends at least {} apart, move one to another channel, make the audiences exclusive, or guard one campaign with the other (`priority` and `not in campaign`)",
        duration(limit.per_seconds)
    ))
}

/// When a site sends, after entry.
fn when(s: &Site) -> String {
    let times = match s.fires {
        Some(1) => "",
        _ => " (more than once)",
    };
    match s.latest {
        Some(l) if l == s.earliest => format!("at +{} after entry{times}", duration(l)),
        Some(l) => format!(
            "between +{} and +{} after entry{times}",
            duration(s.earliest),
            duration(l)
        ),
        None => format!("from +{} after entry on{times}", duration(s.earliest)),
    }
}
