//! # cross-campaign-repeat
//!
//! Two campaigns whose journeys can be in progress for one person at the
//! same time both send the same content: the same message, or the same
//! template and vars (or, with offers, the same offer: content is decided
//! in one place, [`crate::analysis::content::content_classes`]). They can
//! meet when their audiences (and, when they start together, their
//! trigger filters) can hold together and nothing excludes it: a working
//! `in campaign` guard (`not in campaign X` in the audience of the
//! campaign of lower priority), windows that never overlap, or `not
//! received` checks on every path to both sends, with no wait in between
//! (a quiet-hours delay at the send itself is ignored), each of which
//! covers the other's send. A check covers a send when it reads every
//! earlier send of it: `not received M` of that very message (runners
//! match `received` by message, not content), or `not received any
//! [CHANNEL]` of its channel; with no window and at least once (`within
//! D` and `since entry` miss a send made earlier by a journey still in
//! progress).
//! Reported at the later campaign's send (later by file path, then
//! position), with a label at the other's. Repeats months apart, after
//! one journey ended, are out of its scope.
//!
//! ## Why
//! The person is one customer, not one per campaign: the same coupon from
//! the cart flow and from the browse flow, the same reminder twice in one
//! afternoon, is what makes people ignore and block marketing.
//!
//! ## Example
//! ```omni
//! campaign cart_recovery { trigger cart_abandoned ... journey { send coupon_20 } }
//! campaign browse_flow   { trigger product_viewed ... journey { wait 1h  send coupon_20 } }
//! ```
//!
//! ## Fix
//! Guard one campaign with the other (`priority 10` on `cart_recovery`,
//! `audience ... and not in campaign cart_recovery` on `browse_flow`),
//! check `if not received coupon_20 { send coupon_20 }` in both, or make
//! the audiences exclusive.

use std::sync::OnceLock;

use petgraph::graph::NodeIndex;

use crate::analysis::sat::{Atom, Window};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::graph::NodeKind;
use crate::model::{CampaignId, ChannelId, MessageId, Program, Received};
use crate::project::{groups, order_key, Candidates, Meeting, ProjectContext};

pub const CODE: Code = Code::CrossCampaignRepeat;

/// One send of a content class: the node, the message, and the `not
/// received` checks known right there.
#[derive(Clone)]
struct Send {
    node: NodeIndex,
    message: MessageId,
    checks: Vec<Check>,
}

/// A `not received` check known at a send, with no window and at least
/// once: of a message, or of any message (on a channel).
#[derive(Clone, Copy, PartialEq)]
enum Check {
    Message(MessageId),
    Any(Option<ChannelId>),
}

impl Send {
    /// Whether one of its checks reads every earlier send of `m`, so that
    /// it is not made after one.
    fn covers(&self, program: &Program, m: MessageId) -> bool {
        self.checks.iter().any(|c| match *c {
            Check::Message(x) => x == m,
            Check::Any(ch) => ch.is_none_or(|ch| ch == program.message(m).channel),
        })
    }
}

pub fn check(cx: &ProjectContext) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let program = cx.program;
    let classes = cx.classes;
    // Per class, the campaigns sending it (grouping before pairing).
    let items = cx.journeys.iter().flat_map(|j| {
        j.graph.node_weights().filter_map(move |n| match n.kind {
            NodeKind::Send(m) => Some((classes[m.index()], j.campaign)),
            _ => None,
        })
    });
    let mut by_class = groups(items);
    // Each campaign's sends, computed once, on first use, by whichever
    // worker needs them first.
    let sends: Vec<OnceLock<Vec<Send>>> = cx.journeys.iter().map(|_| OnceLock::new()).collect();
    for (_, group) in &mut by_class {
        group.sort_by_key(|&id| order_key(program, cx.sources, id));
    }
    // Every later campaign of every class on every core (each is reported
    // at most once per class, with the first earlier campaign it meets),
    // the findings in class order, then group order.
    // Within a class, only the campaigns whose audiences' pins let them
    // meet are paired (the rest never meet).
    let near: Vec<Candidates> = by_class
        .par_iter()
        .map(|(_, group)| Candidates::new(&cx.meetings, group))
        .collect();
    let later: Vec<(usize, &[CampaignId], &Candidates, usize)> = by_class
        .iter()
        .zip(&near)
        .flat_map(|((class, group), near)| {
            (1..group.len()).map(move |j| (*class, &group[..], near, j))
        })
        .collect();
    later
        .par_iter()
        .filter_map(|&(class, group, near, j)| repeat_of(cx, &sends, class, (group, near), j))
        .collect()
}

/// Whether the `j`-th campaign of `group` (the campaigns sending content
/// `class`, in finding order, with its index `near`) repeats the content
/// of an earlier one: the finding, with the first it meets.
fn repeat_of(
    cx: &ProjectContext,
    sends: &[OnceLock<Vec<Send>>],
    class: usize,
    (group, near): (&[CampaignId], &Candidates),
    j: usize,
) -> Option<Diagnostic> {
    let program = cx.program;
    let classes = cx.classes;
    let later = group[j];
    for earlier in near.of(j, j).map(|i| group[i]) {
        let Some(how) = cx.meeting(earlier, later) else {
            continue;
        };
        let first = |id: CampaignId| {
            sends[id.index()]
                .get_or_init(|| sends_of(cx, id))
                .iter()
                .filter(|s| classes[s.message.index()] == class)
                .cloned()
                .collect::<Vec<_>>()
        };
        let (a, b) = (first(earlier), first(later));
        // A repeat needs a pair of sends that do not hold each
        // other back (whichever goes first, the other's checks
        // read it). Checks are rare: the unchecked sends are
        // tried first, so this is one step for most pairs.
        let held =
            |x: &Send, y: &Send| x.covers(program, y.message) && y.covers(program, x.message);
        let pair = b
            .iter()
            .find_map(|x| a.iter().find(|y| !held(x, y)).map(|y| (x, y)));
        let Some((at, other)) = pair else {
            continue;
        };
        // Each later campaign is reported once per content, with
        // the first campaign it meets: no need to pair it further.
        return Some(diagnose(cx, (later, at), (earlier, other), how));
    }
    None
}

/// Every reached send of a campaign, with the `not received` checks known
/// there; the unchecked ones first, then by position.
fn sends_of(cx: &ProjectContext, id: CampaignId) -> Vec<Send> {
    let journey = &cx.journeys[id.index()];
    let r = cx.reach(id);
    let mut v: Vec<Send> = journey
        .graph
        .node_indices()
        .filter_map(|n| match journey.graph[n].kind {
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
                            Received::Message(x) => Check::Message(x),
                            Received::Any(c) => Check::Any(c),
                        }),
                        _ => None,
                    })
                    .collect();
                Some(Send {
                    node: n,
                    message: m,
                    checks,
                })
            }
            _ => None,
        })
        .collect();
    v.sort_by_key(|s| (!s.checks.is_empty(), journey.graph[s.node].loc.span.start));
    v
}

fn diagnose(
    cx: &ProjectContext,
    (later, at): (CampaignId, &Send),
    (earlier, other): (CampaignId, &Send),
    how: Meeting,
) -> Diagnostic {
    let program = cx.program;
    let (l, e) = (program.campaign(later), program.campaign(earlier));
    let here = cx.journeys[later.index()].graph[at.node].loc;
    let there = cx.journeys[earlier.index()].graph[other.node].loc;
    let (m, o) = (
        &program.message(at.message).name,
        &program.message(other.message).name,
    );
    let same = if m == o {
        format!("`{m}`")
    } else {
        format!("`{m}` (the same content as `{o}`)")
    };
    let why = match how {
        Meeting::Together => "they start together and their audiences and trigger filters can hold together",
        Meeting::Overlap => "their audiences can hold together and nothing keeps one person out of one while in the other",
    };
    Diagnostic::warning(
        CODE,
        here.file,
        here.span,
        format!(
            "`{}` sends {same}, which `{}` also sends to people who can be in both at once: {why}",
            l.name, e.name
        ),
    )
    .with_label(there.file, there.span, format!("`{}` sends it here", e.name))
    .with_help(format!(
        "guard one with the other (`priority` above `{}`'s on `{}`, and `not in campaign {}` in `{}`'s audience), check `not received {m}` before both sends, or make the audiences exclusive",
        l.name, e.name, e.name, l.name
    ))
}
