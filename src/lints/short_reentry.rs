//! # short-reentry
//!
//! `reentry after D` where D is shorter than the longest journey of the
//! campaign. Reported at `reentry`, with a label where the longest journey
//! ends (or at the loop that makes it unbounded).
//!
//! ## Why
//! A person is in at most one journey of a campaign at a time, and `reentry
//! after D` is counted from their previous entry. When the journey can last
//! longer than D, whoever takes that long is allowed back in the moment
//! they finish, so D does not space their entries at all: a "once a month"
//! campaign whose journey lasts six weeks re-enters people right away.
//!
//! The longest journey is the latest a person can finish after entering:
//! every `wait` at its length, every `wait for` timing out, every `wait
//! until` and every send held by quiet hours at its longest delay, and
//! neither the goal nor an `exit when` event ever happening (they can only
//! make it shorter). A loop that can go round for ever (a `goto` back with a
//! wait in it) is longer than any D. A `window` ends every journey at its
//! close, so no journey lasts longer than the window. A `trigger once`
//! enters nobody twice and is not checked.
//!
//! ## Example
//! ```omni
//! campaign win_back {
//!   trigger order_placed
//!   reentry after 7d              // the journey lasts 17 days
//!   journey {
//!     wait 10d
//!     send miss_you
//!     wait 7d
//!     send comeback_offer
//!   }
//! }
//! ```
//!
//! ## Fix
//! Make D at least as long as the journey (`reentry after 30d` above), or
//! write `reentry always` if people may start again as soon as they finish.

use crate::codes::Code;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::analysis::timing::Timing;
use crate::diagnostic::Diagnostic;
use crate::graph::{Journey, NodeKind};
use crate::lints::util::step_head;
use crate::lints::LintContext;
use crate::model::{Campaign, Reentry, Trigger};
use crate::words::duration;

pub const CODE: Code = Code::ShortReentry;

const DAY: u64 = 86_400;

/// How long a journey can last.
#[derive(Debug, PartialEq, Eq)]
pub enum Longest {
    /// At most this many seconds after entry, ending at this node.
    Bounded(u64, NodeIndex),
    /// No bound: this node is on (or after) a loop time can go round for ever.
    Unbounded(NodeIndex),
}

/// The longest a person can stay in `journey`, from the arrival times of
/// the timing analysis: the latest arrival at the nodes where a journey
/// ends without its goal or an exit event (the end, explicit `exit`s), or
/// unbounded when some node's latest arrival is. `None` when no end can be
/// reached at all.
pub fn longest(journey: &Journey, timing: &Timing) -> Option<Longest> {
    let g = &journey.graph;
    let mut best: Option<(u64, NodeIndex)> = None;
    for n in g.node_indices() {
        if matches!(g[n].kind, NodeKind::Goal(_) | NodeKind::ExitEvent(_)) {
            continue;
        }
        let Some(arrival) = timing.arrival(n) else {
            continue;
        };
        let Some(latest) = arrival.latest else {
            return Some(Longest::Unbounded(n));
        };
        if matches!(g[n].kind, NodeKind::End | NodeKind::Exit)
            && best.is_none_or(|(b, _)| latest > b)
        {
            best = Some((latest, n));
        }
    }
    best.map(|(s, n)| Longest::Bounded(s, n))
}

/// The step before `end` on the longest way there: the predecessor whose
/// latest arrival plus the longest the edge takes is largest.
fn last_step(journey: &Journey, timing: &Timing, end: NodeIndex) -> Option<NodeIndex> {
    let g = &journey.graph;
    g.edges_directed(end, Direction::Incoming)
        .filter(|e| g[e.source()].kind.is_step())
        .filter_map(|e| {
            let at = timing.arrival(e.source())?.latest?;
            let takes = timing.edge(e.id()).max?;
            Some((
                at.saturating_add(takes),
                std::cmp::Reverse(e.source()),
                e.source(),
            ))
        })
        .max()
        .map(|(_, _, n)| n)
}

/// How long the campaign's `window` is open, when it has one.
fn window_length(campaign: &Campaign) -> Option<u64> {
    let (first, last, _) = campaign.window?;
    let days = (last - first).num_days().max(0) as u64 + 1;
    Some(days * DAY)
}

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for journey in cx.journeys {
        let campaign = cx.program.campaign(journey.campaign);
        let (Reentry::After(d), Some(at)) = (campaign.reentry, campaign.reentry_loc) else {
            continue;
        };
        let again = match campaign.trigger {
            // Fires once: nobody can enter twice, whatever D is.
            Trigger::Once { .. } | Trigger::Date { yearly: false, .. } => continue,
            Trigger::Daily { .. } | Trigger::Weekly { .. } | Trigger::Date { yearly: true, .. } => {
                "at the first run after they finish"
            }
            Trigger::Event { .. } | Trigger::Enters(_) => "the moment they finish",
        };
        let timing = cx.timing(journey);
        let Some(longest) = longest(journey, timing) else {
            continue;
        };
        let window = window_length(campaign);
        let (length, node) = match longest {
            Longest::Bounded(s, n) => (Some(s), n),
            Longest::Unbounded(n) => (None, n),
        };
        let length = match (length, window) {
            (Some(l), Some(w)) => Some(l.min(w)),
            (None, Some(w)) => Some(w),
            (l, None) => l,
        };
        if length.is_some_and(|l| d >= l) {
            continue;
        }
        let g = &journey.graph;
        let capped = matches!((length, window), (Some(l), Some(w)) if l == w);
        let how_long = match length {
            Some(l) if capped => format!("until its window closes, up to {}", duration(l)),
            Some(l) => format!("for up to {}", duration(l)),
            None => "for ever (a loop can go round with time passing)".to_string(),
        };
        let written = step_head(cx.program, at);
        let mut diag = Diagnostic::warning(
            CODE,
            at.file,
            written,
            format!(
                "`{}` is shorter than the journey: a person can stay in it {how_long}, and may enter again {again}",
                cx.sources.get(at.file).slice(written)
            ),
        );
        if !capped {
            let here = &g[node];
            let (loc, label) = match (length, &here.kind) {
                (None, _) => (
                    here.loc,
                    "this loop can keep a person in the journey for ever".to_string(),
                ),
                (Some(l), NodeKind::Exit) => (
                    here.loc,
                    format!("the longest journey ends here, after {}", duration(l)),
                ),
                (Some(l), _) => match last_step(journey, timing, node) {
                    Some(p) => (
                        g[p].loc,
                        format!(
                            "the longest journey ends after this step, {} after entry",
                            duration(l)
                        ),
                    ),
                    None => (here.loc, format!("the journey lasts up to {}", duration(l))),
                },
            };
            diag = diag.with_label(loc.file, step_head(cx.program, loc), label);
        }
        let help = match length {
            Some(l) => format!(
                "make it at least {}, or write `reentry always` if people may start again as soon as they finish",
                duration(l)
            ),
            None => "bound the journey (`repeat N times` instead of a `goto` loop), or write `reentry always` if people may start again as soon as they finish".to_string(),
        };
        out.push(diag.with_help(help));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testkit::{on_event, ProgramBuilder};
    use crate::model::{EventId, Type, WaitOn};

    const H: u64 = 3_600;

    /// The longest journey of the one campaign built by `steps`.
    fn longest_of(
        build: impl FnOnce(&mut ProgramBuilder, EventId) -> Vec<crate::model::Step>,
    ) -> Option<Longest> {
        let mut b = ProgramBuilder::new();
        let ev = b.event("signed_up", &[]);
        let goal = b.event("ordered", &[]);
        let steps = build(&mut b, goal);
        let c = b.campaign("c", on_event(ev), steps);
        b.campaign_mut(c).goal = Some((goal, Default::default()));
        let journey = crate::graph::lower(&b.program, c);
        let timing = crate::analysis::timing::analyze(&b.program, &journey);
        longest(&journey, &timing)
    }

    fn seconds(l: Option<Longest>) -> Option<u64> {
        match l? {
            Longest::Bounded(s, _) => Some(s),
            Longest::Unbounded(_) => None,
        }
    }

    #[test]
    fn waits_quiet_hours_and_times_of_day_at_their_longest() {
        let l = longest_of(|b, _| {
            let quiet = b.channel("email", Some((21 * 60, 8 * 60)));
            let m = b.message("m", quiet);
            let send = b.send(m);
            let short = b.wait(H);
            let long = b.wait(3 * DAY);
            let vip = b.attr("vip", Type::Bool);
            let arm = b.flag(vip);
            let branch = b.if_(vec![(arm, vec![long])], Some(vec![short]));
            let until = b.wait_until(None, 9 * 60);
            vec![send, branch, until]
        });
        // 11h of quiet hours, the longer arm, up to a day until 09:00.
        assert_eq!(seconds(l), Some(11 * H + 3 * DAY + DAY));
    }

    #[test]
    fn the_goal_never_happens_and_explicit_exits_count() {
        let l = longest_of(|b, goal| {
            let wait = b.wait(2 * DAY);
            let exit = b.exit();
            let w = b.wait_for(WaitOn::Event(goal), 5 * DAY, None, Some(vec![wait, exit]));
            vec![w]
        });
        assert!(matches!(l, Some(Longest::Bounded(s, _)) if s == 7 * DAY));
    }

    #[test]
    fn a_loop_with_a_wait_is_unbounded_and_a_repeat_is_not() {
        let l = longest_of(|b, _| {
            let wait = b.wait(7 * DAY);
            let back = b.goto("again");
            vec![b.named("again", vec![wait, back])]
        });
        assert!(matches!(l, Some(Longest::Unbounded(_))));
        let l = longest_of(|b, _| {
            let wait = b.wait(DAY);
            vec![b.repeat(3, vec![wait])]
        });
        assert_eq!(seconds(l), Some(3 * DAY));
    }
}
