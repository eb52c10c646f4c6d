//! # schedule-enters-once
//!
//! A campaign with a repeating schedule (`trigger daily at ...`, `trigger
//! weekly on ... at ...`, a `yearly` date trigger such as `trigger 7d
//! before birthday at 09:00 yearly`) that leaves `reentry` at its default,
//! `never`. Reported at the `trigger`.
//!
//! ## Why
//! `reentry never` means a person enters a campaign at most once in their
//! life. A schedule fires every day (or week), but each firing enters only
//! the people who have never been in: everyone in the audience enters at
//! the first run, and from then on the campaign only picks up newcomers.
//! The "daily digest" goes out once per person, on the first day, and then
//! never again: a new user found their daily campaign had sent one message
//! in two weeks.
//!
//! Writing `reentry never` explicitly says this is what you want (a daily
//! sweep that enters each person once, on the first day they match the
//! audience), and the lint stays silent.
//!
//! ## Example
//! ```omni
//! campaign daily_deals {
//!   trigger daily at 08:00     // enters each person once
//!   audience emailable
//!   journey { send deals_of_the_day }
//! }
//! ```
//!
//! ## Fix
//! Let people enter again at every run (still one journey at a time):
//! ```omni
//!   trigger daily at 08:00
//!   reentry always
//! ```
//! or space their entries with `reentry after 7d`; or write `reentry never`
//! if one entry per person is intended.

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::lints::util::step_head;
use crate::lints::LintContext;
use crate::model::{Reentry, Trigger};

pub const CODE: Code = Code::ScheduleEntersOnce;

/// How often a trigger fires for the same person, when it repeats on a
/// schedule.
fn repeats(trigger: &Trigger) -> Option<&'static str> {
    match trigger {
        Trigger::Daily { .. } => Some("every day"),
        Trigger::Weekly { .. } => Some("every week"),
        Trigger::Date { yearly: true, .. } => Some("every year"),
        Trigger::Event { .. }
        | Trigger::Enters(_)
        | Trigger::Once { .. }
        | Trigger::Date { yearly: false, .. } => None,
    }
}

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for campaign in cx.campaigns() {
        let Some(every) = repeats(&campaign.trigger) else {
            continue;
        };
        if campaign.reentry != Reentry::Never || campaign.reentry_loc.is_some() {
            continue;
        }
        let at = campaign.trigger_loc;
        out.push(
            Diagnostic::warning(
                CODE,
                at.file,
                step_head(cx.program, at),
                format!(
                    "campaign `{}` runs {every}, but with the default `reentry never` each person enters it only once, at the first run that finds them",
                    campaign.name
                ),
            )
            .with_help(
                "add `reentry always` so that people enter at every run (one journey at a time), or `reentry after D` to space their entries; write `reentry never` if one entry per person is intended",
            ),
        );
    }
    out
}
