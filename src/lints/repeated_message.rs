//! # repeated-message
//!
//! Some execution of a journey sends a message a second time, or sends a
//! message with the same content as one it already sent (the same template
//! and the same vars, whatever the channel). Loops count: a send inside a
//! `repeat` of two or more rounds, or that a `goto` comes back to, is sent
//! again.
//!
//! The finding is at the second send, with a label at the first and, when
//! a loop brings the journey back, the loop named in the message.
//!
//! Only what can happen in one execution counts: sends in mutually
//! exclusive branches (`if`/`else`, split arms, the two outcomes of a
//! `wait for`) are fine, and the same template with different vars (a 20%
//! and a 40% coupon) is different content. Conditions are followed along
//! the paths: after `if big_spenders { send offer }`, an `if not
//! big_spenders { send offer }` takes only the people the first did not
//! (as long as no time passes in between: attributes can change while a
//! journey waits), and after `wait for clicked promo { send nudge }` an
//! `if not clicked promo { send nudge }` never takes those who got the
//! first nudge (a click stays known).
//!
//! A resend to people who did not engage is deliberate and not reported:
//! when every path to the second send requires that the person did not
//! open (or did not click) an earlier send of that content, as in
//! `send newsletter  wait 3d  if not opened newsletter { send newsletter
//! }` (an engagement resend, Salesforce's Engagement Split or Klaviyo's
//! resend to non-openers).
//!
//! ## Why
//! Omnichannel means one message per moment across channels, never the
//! same information twice: the same promotion by email and then by SMS, or
//! the same reminder again after a loop, is what makes people ignore and
//! block marketing.
//!
//! ## Example
//! ```omni
//! message coupon_email { channel email  template "coupon"  vars { discount: 20 } }
//! message coupon_sms   { channel sms    template "coupon"  vars { discount: 20 } }
//!
//! campaign winback {
//!   trigger cart_abandoned
//!   goal order_placed
//!   journey {
//!     send coupon_email
//!     wait 2d
//!     send coupon_sms          // same content as `coupon_email`
//!   }
//! }
//! ```
//!
//! ## Fix
//! Send each content once: pick one channel (`if textable { send
//! coupon_sms } else { send coupon_email }`), or make the second message
//! say something new (another template or other vars). When repeating is
//! the point, such as a monthly reminder, say so with
//! `@allow(repeated-message)` on the loop.
//!
//! ## How it is computed
//! The reachability analysis carries, beside what is known, the set of
//! content classes that may already have been sent, in up to 8 partitions
//! per step told apart by the outcome of the branch conditions still known
//! (past 8 they are joined). A send repeats when one partition at it may
//! have sent its content already and does not require the person not to
//! have engaged with it. A `repeat` of two rounds or more feeds its body
//! again, which is exact for this question. Sets are versions of one
//! persistent tree, so the cost is about linear in the size of the graph
//! times the number of partitions, whatever the number of contents.

use crate::codes::Code;
use petgraph::graph::NodeIndex;

use crate::analysis::content::repeated_sends_on_paths;
use crate::diagnostic::Diagnostic;
use crate::graph::{Edge, Journey, NodeKind};
use crate::lints::util::{line, step_head, step_span};
use crate::lints::LintContext;

pub const CODE: Code = Code::RepeatedMessage;

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let classes = cx.content_classes();
    let mut out = Vec::new();
    for journey in cx.journeys {
        check_journey(cx, journey, classes, &mut out);
    }
    out
}

fn check_journey(
    cx: &LintContext,
    journey: &Journey,
    classes: &[usize],
    out: &mut Vec<Diagnostic>,
) {
    let g = &journey.graph;
    let p = cx.program;
    // An instant loop is an error of its own (`instant-loop`): the sends
    // it would repeat are not reported again here.
    let instant = cx.on_instant_loop(journey);
    for r in repeated_sends_on_paths(journey, cx.reach(journey), cx.flow(journey), classes) {
        if instant[r.second.index()] {
            continue;
        }
        let (NodeKind::Send(m2), NodeKind::Send(m1)) = (&g[r.second].kind, &g[r.first].kind) else {
            continue;
        };
        let (msg2, msg1) = (p.message(*m2), p.message(*m1));
        let second = g[r.second].loc;
        let first = g[r.first].loc;
        // The loop that brings the journey back, if any: a `repeat`, a
        // `goto`, or a `repeat` whose body a `goto` enters from outside
        // (the flow does not count its rounds: it can go round again).
        let via_repeat = r.path.iter().find_map(|e| e.round_of);
        let via_goto = r.path.iter().find_map(|e| match g[e.edge] {
            Edge::Jump => g.edge_endpoints(e.edge).map(|(from, _)| from),
            _ => None,
        });
        let via_irregular = r.path.iter().find_map(|e| {
            journey
                .is_repeat_back_edge(e.edge)
                .then(|| g.edge_endpoints(e.edge).map(|(_, to)| to))
                .flatten()
        });
        let loop_desc = |n: NodeIndex| match &g[n].kind {
            NodeKind::Repeat { times } if Some(n) == via_irregular && via_repeat.is_none() => {
                format!(
                    "the `repeat {times} times` on line {} (a `goto` jumps into its body)",
                    line(cx.sources, g[n].loc)
                )
            }
            NodeKind::Repeat { times } => {
                format!(
                    "the `repeat {times} times` on line {}",
                    line(cx.sources, g[n].loc)
                )
            }
            NodeKind::Goto { target } => {
                format!("the `goto {target}` on line {}", line(cx.sources, g[n].loc))
            }
            _ => format!("the loop on line {}", line(cx.sources, g[n].loc)),
        };
        let loop_node = via_repeat.or(via_goto).or(via_irregular);
        let what = if m1 == m2 {
            format!("`{}` is sent again here", msg2.name)
        } else if let Some(offer) = msg2.same_offer(msg1) {
            format!(
                "`{}` carries the same offer (`{offer}`) as `{}`",
                msg2.name, msg1.name
            )
        } else if msg2.template != msg1.template || msg2.vars != msg1.vars {
            format!(
                "`{}` repeats the content of `{}` (through messages with the same offer or template)",
                msg2.name, msg1.name
            )
        } else {
            format!(
                "`{}` repeats the content of `{}` (template \"{}\"{})",
                msg2.name,
                msg1.name,
                msg2.template,
                if msg2.vars.is_empty() {
                    String::new()
                } else {
                    " and the same vars".to_string()
                }
            )
        };
        let mut d = if r.first == r.second {
            let l = loop_node.expect("a send reaching itself goes round a loop");
            let message = match g[l].kind {
                NodeKind::Repeat { .. } if Some(l) != via_repeat => {
                    format!("{what}: {} comes back to it", loop_desc(l))
                }
                NodeKind::Repeat { .. } => {
                    format!("{what} on every round of {} after the first", loop_desc(l))
                }
                _ => format!("{what}: {} comes back to it", loop_desc(l)),
            };
            Diagnostic::warning(CODE, second.file, step_span(cx.program, second), message)
                .with_label(
                    g[l].loc.file,
                    step_head(cx.program, g[l].loc),
                    match g[l].kind {
                        NodeKind::Repeat { .. } => "this loop sends it again",
                        _ => "this jumps back to before it",
                    },
                )
        } else {
            let through = loop_node
                .map(|l| format!(" (through {})", loop_desc(l)))
                .unwrap_or_default();
            let verb = if m1 == m2 {
                "being sent"
            } else {
                "it was sent"
            };
            let message = format!(
                "{what}, after {verb} on line {}{through}",
                line(cx.sources, first)
            );
            let label = if m1 == m2 {
                "first sent here".to_string()
            } else {
                format!("`{}` sent here first", msg1.name)
            };
            let mut d =
                Diagnostic::warning(CODE, second.file, step_span(cx.program, second), message)
                    .with_label(first.file, step_span(cx.program, first), label);
            if let Some(l) = loop_node {
                d = d.with_label(
                    g[l].loc.file,
                    step_head(cx.program, g[l].loc),
                    "the journey comes back through here",
                );
            }
            d
        };
        d = d.with_help(if r.first == r.second {
            "send it once, or write `@allow(repeated-message)` before the loop if repeating it is the point".to_string()
        } else if m1 == m2 {
            "send it once, or send something new the second time".to_string()
        } else {
            format!(
                "send one of them (e.g. choose the channel with an `if`), or give `{}` other content",
                msg2.name
            )
        });
        out.push(d);
    }
}
