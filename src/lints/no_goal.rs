//! # no-goal
//!
//! A campaign sends messages but has neither a `goal` nor an `exit when`.
//!
//! ## Why
//! Nothing ends such a journey early: a person who buys on the first day
//! still gets every coupon and reminder the journey holds, which is the
//! most common complaint about marketing automation, and the campaign has
//! no conversion to measure its success by.
//!
//! ## Example
//! ```omni
//! campaign cart_recovery {
//!   trigger cart_abandoned
//!   journey {
//!     wait 1h   send cart_reminder
//!     wait 1d   send cart_coupon_20
//!   }
//! }
//! ```
//!
//! ## Fix
//! Add the event that means the campaign has done its job (it ends the
//! journey at once and counts as a conversion):
//! ```omni
//!   goal order_placed
//! ```
//! or, when there is no conversion to speak of, the events that must stop
//! it (`exit when unsubscribed`).

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::lints::util::first_send;
use crate::lints::LintContext;

pub const CODE: Code = Code::NoGoal;

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in cx.campaigns() {
        if c.goal.is_some() || !c.exits.is_empty() {
            continue;
        }
        let Some(send) = first_send(&c.journey) else {
            continue;
        };
        let span = c.loc.span;
        out.push(
            Diagnostic::warning(
                CODE,
                c.loc.file,
                span,
                format!(
                    "campaign `{}` sends messages but has neither `goal` nor `exit when`: people who convert keep receiving it",
                    c.name
                ),
            )
            .with_label(send.loc.file, super::util::step_head(cx.program, send.loc), "it sends here")
            .with_help("add `goal EVENT` (the conversion that ends the journey), or `exit when EVENT`"),
        );
    }
    out
}
