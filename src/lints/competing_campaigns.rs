//! # competing-campaigns
//!
//! Two campaigns with the same trigger (the same event, or the same
//! schedule), audiences that can both hold, both sending on one channel,
//! with equal `priority` and no working `in campaign` guard between them.
//! Reported at the later campaign's `trigger` (later by file path, then
//! position), with a label at the other's.
//!
//! ## Why
//! One action of the person (one abandoned cart, one signup) starts both
//! journeys, so they get two messages on the same channel for one reason,
//! and which comes first is decided only by the campaigns' names (the
//! entry order at one instant is by priority, then name).
//!
//! ## Example
//! ```omni
//! campaign cart_recovery { trigger cart_abandoned ... journey { send cart_reminder } }
//! campaign cart_upsell   { trigger cart_abandoned ... journey { send upsell_email } }
//! ```
//!
//! ## Fix
//! Decide which one wins: give it a higher `priority`, and guard the
//! other with `audience ... and not in campaign cart_recovery`; or make
//! their audiences exclusive; or merge them into one journey.

use std::collections::BTreeSet;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::model::{CampaignId, ChannelId};
use crate::project::{channels, start_groups, Candidates, Meeting, ProjectContext};

pub const CODE: Code = Code::CompetingCampaigns;

pub fn check(cx: &ProjectContext) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let program = cx.program;
    let mut out = Vec::new();
    for group in start_groups(cx) {
        // On every core (the pool of the project stage), in group order.
        let sends: Vec<BTreeSet<ChannelId>> =
            group.par_iter().map(|&id| channels(cx, id)).collect();
        // Only the campaigns whose audiences' pins let them meet are
        // paired (the rest never meet).
        let near = Candidates::new(&cx.meetings, &group);
        // Each later campaign once, with the first it competes with.
        let found: Vec<Diagnostic> = (0..group.len())
            .into_par_iter()
            .filter_map(|j| {
                let later = group[j];
                let (earlier, channel) = near.of(j, j).find_map(|i| {
                    let earlier = group[i];
                    let same_priority =
                        program.campaign(earlier).priority == program.campaign(later).priority;
                    let shared = sends[i].intersection(&sends[j]).next().copied()?;
                    (same_priority && cx.meeting(earlier, later) == Some(Meeting::Together))
                        .then_some((earlier, shared))
                })?;
                Some(diagnose(cx, later, earlier, channel))
            })
            .collect();
        out.extend(found);
    }
    out
}

fn diagnose(
    cx: &ProjectContext,
    later: CampaignId,
    earlier: CampaignId,
    ch: ChannelId,
) -> Diagnostic {
    let program = cx.program;
    let (l, e) = (program.campaign(later), program.campaign(earlier));
    let channel = &program.channel(ch).name;
    Diagnostic::warning(
        CODE,
        l.trigger_loc.file,
        l.trigger_loc.span,
        format!(
            "`{}` and `{}` start together and both send on `{channel}`: one action gets the person two messages on one channel, in an order decided only by the campaigns' names",
            l.name, e.name
        ),
    )
    .with_label(
        e.trigger_loc.file,
        e.trigger_loc.span,
        format!("`{}` starts on the same trigger, with the same priority ({})", e.name, e.priority),
    )
    .with_help(format!(
        "give one a higher `priority` and guard the other with `not in campaign` (e.g. `priority 10` on `{}` and `audience ... and not in campaign {}` on `{}`), or make their audiences exclusive",
        e.name, e.name, l.name
    ))
}
