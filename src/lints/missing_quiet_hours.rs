//! # missing-quiet-hours
//!
//! A campaign sends on an `sms`, `push` or `whatsapp` channel that has no
//! `quiet_hours`. Reported at the campaign's first send on the channel,
//! with a label at the channel.
//!
//! ## Why
//! Texts, push notifications and WhatsApp messages buzz a phone the moment
//! they arrive. Without quiet hours a runner sends them whenever the
//! journey gets there: a trigger at 2:40 am or a `wait 1d` after it sends
//! the promotional SMS at 2:40 am, in the person's night. That annoys
//! people into unsubscribing, and for SMS it breaks the law in many places
//! (the TCPA allows marketing texts only between 8 am and 9 pm local time).
//! Quiet hours are read in the person's time zone (the profile's `timezone`
//! when it is declared and set), so they work for everyone at once. Email,
//! in-app messages, ads, webhooks and letters do not interrupt anyone and
//! are not checked.
//!
//! Quiet hours on the campaign itself (`quiet_hours FROM to TO` in the
//! campaign) count as well: they hold every send of the campaign.
//!
//! ## Example
//! ```omni
//! channel sms { consent sms_opt_in  limit 1 per 1d }   // no quiet hours
//!
//! campaign cart_recovery {
//!   trigger cart_abandoned
//!   journey {
//!     wait 1h
//!     send cart_sms            // at 3 am for a cart left at 2 am
//!   }
//! }
//! ```
//!
//! ## Fix
//! Give the channel the hours during which it must not send; sends are
//! held until they end:
//! ```omni
//! channel sms { consent sms_opt_in  quiet_hours 20:00 to 09:00  limit 1 per 1d }
//! ```

use crate::codes::Code;
use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::lints::util::{kind_note, step_span, walk_steps};
use crate::lints::LintContext;
use crate::model::{ChannelId, StepKind};

pub const CODE: Code = Code::MissingQuietHours;

/// Channel kinds that interrupt a person when a message arrives.
pub const INTERRUPTING_KINDS: &[&str] = &["sms", "push", "whatsapp"];

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let program = cx.program;
    let mut out = Vec::new();
    for campaign in cx.campaigns() {
        if campaign.quiet_hours.is_some() {
            continue;
        }
        let mut seen: HashSet<ChannelId> = HashSet::new();
        walk_steps(&campaign.journey, &mut |step| {
            let StepKind::Send(m) = step.kind else {
                return;
            };
            let msg = program.message(m);
            let ch = program.channel(msg.channel);
            if ch.quiet_hours.is_some()
                || !INTERRUPTING_KINDS.contains(&ch.kind.as_str())
                || !seen.insert(msg.channel)
            {
                return;
            }
            let kind = kind_note(ch);
            out.push(
                Diagnostic::warning(
                    CODE,
                    step.loc.file,
                    step_span(cx.program, step.loc),
                    format!(
                        "campaign `{}` sends on `{}`{kind}, which has no quiet hours: its messages can arrive in the middle of the night",
                        campaign.name, ch.name
                    ),
                )
                .with_label(
                    ch.loc.file,
                    ch.loc.span,
                    format!("`{}` has no `quiet_hours`", ch.name),
                )
                .with_help(format!(
                    "give channel `{}` (or campaign `{}`) the hours when it must not send, e.g. `quiet_hours 20:00 to 09:00`: sends are held until they end",
                    ch.name, campaign.name
                )),
            );
        });
    }
    out
}
