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
use petgraph::graph::{EdgeReference, NodeIndex};
use petgraph::visit::{EdgeFiltered, EdgeRef, IntoNeighbors};

use crate::analysis::reach;
use crate::analysis::timing::Timing;
use crate::diagnostic::Diagnostic;
use crate::graph::{Edge, Journey, NodeKind};
use crate::lints::LintContext;
use crate::model::WaitOn;

pub const CODE: Code = Code::InstantLoop;

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for journey in cx.journeys {
        out.extend(check_journey(cx, journey));
    }
    out
}

/// Whether taking edge `edge` out of `kind` surely takes time.
fn takes_time(kind: &NodeKind, edge: &Edge) -> bool {
    match kind {
        NodeKind::Wait { seconds } => *seconds > 0,
        // The second time round, `wait until` waits for the next such
        // time (the runner never lets one node through twice at one
        // instant).
        NodeKind::WaitUntil { .. } => true,
        // An open or a click counts even when it came before: once it
        // has, the `wait for` is over at once, every time round.
        NodeKind::WaitFor {
            on: WaitOn::Opened(_) | WaitOn::Clicked(_),
            ..
        } => *edge != Edge::Matched,
        // An event must happen after arrival, or the time run out.
        NodeKind::WaitFor { .. } => true,
        _ => false,
    }
}

/// The instant loops of one journey: for each, the gotos closing it
/// (backward jumps first, then in source order) and their targets.
pub fn instant_loops(
    journey: &Journey,
    r: &reach::Reach,
    t: &Timing,
) -> Vec<Vec<(NodeIndex, NodeIndex)>> {
    let g = &journey.graph;
    let regular = journey.regular_repeats();
    let instant = |e: EdgeReference<Edge>| {
        let (u, v) = (e.source(), e.target());
        // The end of a round goes back to its `repeat`, which counts it;
        // but a `repeat` whose body a `goto` enters from outside starts
        // counting afresh each time (see `Journey::regular_repeats`).
        if !r.is_live(e.id())
            || (journey.is_repeat_back_edge(e.id()) && regular[v.index()])
            || matches!(e.weight(), Edge::Ends(_))
            || takes_time(&g[u].kind, e.weight())
        {
            return false;
        }
        // Leaving a repeat after rounds that each take time.
        !(*e.weight() == Edge::Done
            && matches!(t.rounds.get(&u), Some(Some(round)) if round.min > 0))
    };
    // Loops anywhere, not only those the entry reaches with no time
    // passing (edges out of unreached nodes are not live, so loops no
    // execution reaches are still left to `unreachable-step`).
    let instant_graph = EdgeFiltered::from_fn(g, instant);
    let sccs = petgraph::algo::kosaraju_scc(&instant_graph);
    let mut comp = vec![usize::MAX; g.node_count()];
    for (c, scc) in sccs.iter().enumerate() {
        for v in scc {
            comp[v.index()] = c;
        }
    }
    let mut loops = Vec::new();
    for (c, scc) in sccs.iter().enumerate() {
        let cyclic = scc.len() > 1 || instant_graph.neighbors(scc[0]).any(|t| t == scc[0]);
        if !cyclic {
            continue;
        }
        let mut gotos: Vec<(NodeIndex, NodeIndex)> = Vec::new();
        for &v in scc {
            if !matches!(g[v].kind, NodeKind::Goto { .. }) {
                continue;
            }
            for e in g.edges(v) {
                if *e.weight() == Edge::Jump && comp[e.target().index()] == c {
                    gotos.push((v, e.target()));
                }
            }
        }
        // Backward jumps first (they close the loop), then source order.
        gotos.sort_by_key(|&(g, t)| (t > g, g));
        if !gotos.is_empty() {
            loops.push(gotos);
        }
    }
    loops.sort();
    loops
}

fn check_journey(cx: &LintContext, journey: &Journey) -> Vec<Diagnostic> {
    let g = &journey.graph;
    let mut out = Vec::new();
    for gotos in instant_loops(journey, cx.reach(journey), cx.timing(journey)) {
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
