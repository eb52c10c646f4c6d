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

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::graph::NodeKind;
use crate::model::CampaignId;
use crate::project::sends::Sent;
use crate::project::{groups, order_key, Candidates, Meeting, ProjectContext};

pub const CODE: Code = Code::CrossCampaignRepeat;

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
        .filter_map(|&(class, group, near, j)| repeat_of(cx, class, (group, near), j))
        .collect()
}

/// Whether the `j`-th campaign of `group` (the campaigns sending content
/// `class`, in finding order, with its index `near`) repeats the content
/// of an earlier one: the finding, with the first it meets.
fn repeat_of(
    cx: &ProjectContext,
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
        // Each campaign's sends, from what the per-campaign lints
        // gave, or worked out once by whichever worker needs them first.
        let of_class = |id: CampaignId| {
            (cx.facts(id).sent.iter()).filter(|s| classes[s.message.index()] == class)
        };
        let (a, mut b) = (of_class(earlier), of_class(later));
        // A repeat needs a pair of sends that do not hold each
        // other back (whichever goes first, the other's checks
        // read it). Checks are rare: the unchecked sends are
        // tried first, so this is one step for most pairs.
        let held =
            |x: &Sent, y: &Sent| x.covers(program, y.message) && y.covers(program, x.message);
        let pair = b.find_map(|x| a.clone().find(|y| !held(x, y)).map(|y| (x, y)));
        let Some((at, other)) = pair else {
            continue;
        };
        // Each later campaign is reported once per content, with
        // the first campaign it meets: no need to pair it further.
        return Some(diagnose(cx, (later, at), (earlier, other), how));
    }
    None
}

fn diagnose(
    cx: &ProjectContext,
    (later, at): (CampaignId, &Sent),
    (earlier, other): (CampaignId, &Sent),
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
