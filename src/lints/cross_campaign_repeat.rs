//! # cross-campaign-repeat
//!
//! Two campaigns whose journeys can be in progress for one person at the
//! same time both send the same content: the same message, or the same
//! template and vars (or, with offers, the same offer: content is decided
//! in one place, [`crate::analysis::content::content_classes`]). They can
//! meet when their audiences (and, when they start together, their
//! trigger filters) can hold together and nothing excludes it: a working
//! `in campaign` guard (`not in campaign X` in the audience of the
//! campaign of lower priority), windows that never overlap, or a `not
//! received` check of that content on every path to both sends, with no
//! wait in between (a quiet-hours delay at the send itself is ignored).
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

use std::collections::HashMap;

use petgraph::graph::NodeIndex;

use crate::analysis::sat::Atom;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::graph::NodeKind;
use crate::model::{CampaignId, MessageId, Received};
use crate::project::{groups, meeting, order_key, Meeting, ProjectContext};

pub const CODE: Code = Code::CrossCampaignRepeat;

/// One send of a content class: the campaign, the node, the message, and
/// whether a `not received` check of that content is known right there.
#[derive(Clone, Copy)]
struct Send {
    node: NodeIndex,
    message: MessageId,
    guarded: bool,
}

pub fn check(cx: &ProjectContext) -> Vec<Diagnostic> {
    let program = cx.program;
    let classes = cx.classes;
    // Per class, the campaigns sending it (grouping before pairing).
    let items = cx.journeys.iter().flat_map(|j| {
        j.graph.node_weights().filter_map(move |n| match n.kind {
            NodeKind::Send(m) => Some((classes[m.index()], j.campaign)),
            _ => None,
        })
    });
    let by_class = groups(items);
    let mut sends: HashMap<CampaignId, Vec<Send>> = HashMap::new();
    let mut out = Vec::new();
    let mut reported: std::collections::HashSet<(CampaignId, usize)> = Default::default();
    for (class, mut group) in by_class {
        group.sort_by_key(|&id| order_key(program, cx.sources, id));
        for (j, &later) in group.iter().enumerate() {
            for &earlier in &group[..j] {
                let Some(how) = meeting(program, earlier, later) else {
                    continue;
                };
                let first = |id: CampaignId, sends: &mut HashMap<CampaignId, Vec<Send>>| {
                    sends
                        .entry(id)
                        .or_insert_with(|| sends_of(cx, id, classes))
                        .iter()
                        .copied()
                        .filter(|s| classes[s.message.index()] == class)
                        .collect::<Vec<_>>()
                };
                let (a, b) = (first(earlier, &mut sends), first(later, &mut sends));
                // A repeat needs a send on each side that a `not received`
                // check does not hold back (both guarded: excluded).
                let Some(at) = b.iter().find(|s| !s.guarded).or(b.first()) else {
                    continue;
                };
                let Some(other) = a.iter().find(|s| !s.guarded).or(a.first()) else {
                    continue;
                };
                if at.guarded && other.guarded {
                    continue;
                }
                if reported.insert((later, class)) {
                    out.push(diagnose(cx, (later, *at), (earlier, *other), how));
                }
                // Each later campaign is reported once per content, with
                // the first campaign it meets: no need to pair it further.
                break;
            }
        }
    }
    out
}

/// Every reached send of a campaign, with whether it is guarded.
fn sends_of(cx: &ProjectContext, id: CampaignId, classes: &[usize]) -> Vec<Send> {
    let program = cx.program;
    let journey = &cx.journeys[id.index()];
    let r = cx.reach(id);
    let mut v: Vec<Send> = journey
        .graph
        .node_indices()
        .filter_map(|n| match journey.graph[n].kind {
            NodeKind::Send(m) if r.is_reached(n) => {
                let channel = program.message(m).channel;
                let guarded = r.facts(n).unwrap_or_default().iter().any(|(l, _)| {
                    !l.positive()
                        && match r.logic.atom(l.atom()) {
                            Atom::Received { what, .. } => match *what {
                                Received::Message(x) => classes[x.index()] == classes[m.index()],
                                Received::Any(c) => c.is_none_or(|c| c == channel),
                            },
                            _ => false,
                        }
                });
                Some(Send {
                    node: n,
                    message: m,
                    guarded,
                })
            }
            _ => None,
        })
        .collect();
    v.sort_by_key(|s| journey.graph[s.node].loc.span.start);
    v
}

fn diagnose(
    cx: &ProjectContext,
    (later, at): (CampaignId, Send),
    (earlier, other): (CampaignId, Send),
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
