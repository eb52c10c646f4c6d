//! # instant-loop
//!
//! A loop in a journey can go round with no time passing: a `goto` jumps
//! back to a `step` and nothing on the way waits.
//!
//! ## Why
//! Conditions cannot change while no time passes, so once such a loop is
//! entered it never leaves: the runner would spin forever (and send the
//! messages in it again and again, all at once). Only a `wait`, a
//! `wait until` or a `wait for` makes time pass for sure; a `send` on a
//! channel with quiet hours is delayed only during those hours, so it does
//! not count, and neither does a `wait for opened` or `clicked` that goes
//! on to its block: once the message has been opened or clicked, that is
//! over at once every time round.
//!
//! `repeat N times` is not an instant loop even with no wait inside: it
//! runs its body `N` times and goes on (`repeated-message` may still have
//! something to say about it). A loop made only of steps no execution can
//! reach is reported as `unreachable-step` instead.
//!
//! ## Example
//! ```omni
//! journey {
//!   step nudge {
//!     send push_nudge
//!     goto nudge
//!   }
//! }
//! ```
//!
//! ## Fix
//! Put a `wait` (or `wait for ... within`) inside the loop, or use
//! `repeat N times` for a bounded repetition.
//!
//! This is an error: `omnis build` writes no plans while it is reported.

use crate::codes::Code;

use crate::analysis::loops::instant_loops;
use crate::diagnostic::Diagnostic;
use crate::graph::{Journey, NodeKind};
use crate::lints::LintContext;

pub const CODE: Code = Code::InstantLoop;

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for journey in cx.journeys {
        out.extend(check_journey(cx, journey));
    }
    out
}

fn check_journey(cx: &LintContext, journey: &Journey) -> Vec<Diagnostic> {
    let g = &journey.graph;
    let mut out = Vec::new();
    for l in instant_loops(journey, cx.reach(journey), cx.timing(journey)) {
        let gotos = l.gotos;
        let (goto, target) = gotos[0];
        let name = match &g[target].kind {
            NodeKind::Named { name } => name.clone(),
            _ => g[target].id.clone(),
        };
        let loc = g[goto].loc;
        let tloc = g[target].loc;
        let mut d = Diagnostic::error(
            CODE,
            loc.file,
            loc.span,
            format!(
                "`goto {name}` loops back with no time passing: the journey would go round forever"
            ),
        )
        .with_label(
            tloc.file,
            super::unreachable_step::head_loc(cx, tloc).span,
            "the loop starts here, and nothing from here to the `goto` waits",
        );
        for &(other, _) in &gotos[1..] {
            let l = g[other].loc;
            d = d.with_label(l.file, l.span, "this `goto` closes the same loop");
        }
        out.push(d.with_help(
            "add a `wait` inside the loop, or use `repeat N times` for a bounded repetition",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lints::testing::run_lint;

    const VOCAB: &str = r#"
profile { vip: bool  email_opt_in: bool }
event cart { id: text }
event order { id: text }
channel email { consent email_opt_in  quiet_hours 21:00 to 08:00 }
message a { channel email  template "a" }
"#;

    fn run(journey: &str) -> Vec<(usize, String, String, Vec<String>)> {
        run_lint(
            &format!("{VOCAB}\ncampaign c {{\n trigger cart\n goal order\n journey {{\n{journey}\n }}\n}}\n"),
            check,
        )
    }

    #[test]
    fn quiet_hours_do_not_make_a_loop_slow() {
        // Outside quiet hours the send goes out at once.
        let r = run("step s {\n send a\n goto s\n}");
        assert_eq!(r.len(), 1, "{r:#?}");
        assert!(r[0].1.starts_with("`goto s` loops back"), "{r:#?}");
    }

    #[test]
    fn waits_make_loops_slow() {
        for body in ["wait 1h", "wait until 09:00", "wait for order within 1d"] {
            let r = run(&format!("step s {{\n {body}\n if vip {{ goto s }}\n}}"));
            assert!(r.is_empty(), "{body}: {r:#?}");
        }
        let r = run("step s {\n wait 0s\n if vip { goto s }\n}");
        assert_eq!(r.len(), 1, "{r:#?}");
    }

    #[test]
    fn loops_after_a_wait_are_found() {
        // The entry reaches the loop only through a wait.
        let r = run("wait 1d\nstep s {\n if vip { goto s }\n}");
        assert_eq!(r.len(), 1, "{r:#?}");
        let r = run("wait for order within 1h\nstep s {\n send a\n goto s\n}");
        assert_eq!(r.len(), 1, "{r:#?}");
    }

    #[test]
    fn a_goto_out_of_a_dead_branch_is_no_loop() {
        let r = run("step s {\n if vip {\n if not vip { goto s }\n }\n}");
        assert!(r.is_empty(), "{r:#?}");
    }
}
