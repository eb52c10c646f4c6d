//! # control-sends
//!
//! A `split` arm named `control` or `holdout` sends a message.
//!
//! ## Why
//! A holdout (or control) group is there to measure lift: what the people
//! who got nothing did, compared with those who got the message. Sending
//! them something, even a different message, breaks the comparison, and
//! the test silently measures the wrong thing. Only sends written inside
//! the arm count; where the journey goes after the split is shared by all
//! arms and is part of the experiment's design.
//!
//! ## Example
//! ```omni
//! split {
//!   50% a       { send coupon_20 }
//!   40% b       { send coupon_40 }
//!   10% holdout { send reminder }     // the holdout is no longer held out
//! }
//! ```
//!
//! ## Fix
//! Leave the arm empty (`10% holdout { }`), or let it only wait or `exit`.
//! If the arm is really a third variant, give it another name.

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::lints::util::{step_head, step_span, walk_steps};
use crate::lints::LintContext;
use crate::model::{Step, StepKind};

pub const CODE: Code = Code::ControlSends;

/// Arm names that mean "gets nothing".
pub const CONTROL_NAMES: &[&str] = &["control", "holdout"];

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in cx.campaigns() {
        walk_steps(&c.journey, &mut |step| {
            let StepKind::Split(arms) = &step.kind else {
                return;
            };
            for arm in arms {
                let Some(name) = &arm.name else { continue };
                if !CONTROL_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                    continue;
                }
                let mut sends: Vec<&Step> = Vec::new();
                walk_steps(&arm.body, &mut |s| {
                    if matches!(s.kind, StepKind::Send(_)) {
                        sends.push(s);
                    }
                });
                let Some(first) = sends.first() else { continue };
                let StepKind::Send(msg) = first.kind else {
                    unreachable!()
                };
                let mut d = Diagnostic::warning(
                    CODE,
                    first.loc.file,
                    step_span(cx.program, first.loc),
                    format!(
                        "the `{name}` arm of this split sends `{}`: its people are no longer a {name} group",
                        cx.program.message(msg).name
                    ),
                )
                .with_label(arm.at.file, step_head(cx.program, arm.at), format!("the `{name}` arm"));
                for s in &sends[1..] {
                    d = d.with_label(
                        s.loc.file,
                        step_span(cx.program, s.loc),
                        "it also sends here",
                    );
                }
                out.push(d.with_help(format!(
                    "leave the `{name}` arm empty (or let it only wait or exit), or rename it if it is another variant"
                )));
            }
        });
    }
    out
}
