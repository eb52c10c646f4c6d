//! # unreachable-step
//!
//! No execution of the journey can reach this step. Reported once per
//! unreachable region, at its first step, with the reason:
//! - it comes after an `exit` or a `goto` (or after a step from which no
//!   path continues, such as an `if` whose branches all leave);
//! - it is a `step NAME` that flow neither falls into nor jumps to;
//! - it is in a branch whose condition cannot hold given what is known at
//!   that instant: the audience, the trigger filter, the enclosing and
//!   earlier conditions, with no time passing in between (trigger fields
//!   and positive `did ... since entry`, `opened`, `clicked` facts survive
//!   waits; everything else can change while time passes), and the
//!   campaign's `exit unless` conditions, which hold at entry and again
//!   after every wait (people for whom they fail have left);
//! - it is an `else` after conditions that cover every case (remember that
//!   a comparison on an unset attribute is false, so `plan == "free"`,
//!   `"pro"`, `"enterprise"` do not cover an unset `plan`);
//! - it is in a split arm with 0%;
//! - it is in a `wait for` (or `wait for any` `on`) branch on the goal or
//!   an exit event, or behind a condition that one of them happened since
//!   entry: the journey has ended by then (with a `where` on the goal or
//!   exit, only when the branch's own `where` implies it);
//! - it is in an `on` of a `wait for any` that an earlier `on` always takes
//!   first (the same thing, and the earlier `where`, if any, covers it);
//! - it tests engagement (`opened`, `clicked`) with a message that no path
//!   sends before;
//! - it cannot be reached before the campaign's window closes: its earliest
//!   arrival comes too late even for the earliest possible entry.
//!
//! ## Why
//! Unreachable steps are dead weight at best. More often they are a
//! mistake: a condition the wrong way round, a segment that already
//! excludes the people the branch is for, a follow-up placed after an
//! `exit`, a reminder scheduled after the sale has ended.
//!
//! ## Example
//! ```omni
//! campaign vip_upsell {
//!   trigger cart_abandoned
//!   audience big_spenders          // lifetime_value >= 500
//!   goal order_placed
//!   journey {
//!     if lifetime_value < 100 {    // never true for this audience
//!       send coupon_20
//!     }
//!     wait for order_placed within 1d {
//!       send welcome               // the goal ends the journey first
//!     }
//!     exit
//!     send reminder                // after `exit`
//!   }
//! }
//! ```
//!
//! ## Fix
//! Remove the unreachable steps, or fix what makes them unreachable: the
//! condition, the audience, the order of steps, the window. To react to the
//! goal, write a separate campaign triggered by it.
//!
//! ## Details
//! The analysis is sound: it reports a step only when no execution can
//! reach it (when unsure, it assumes reachable). Facts are propagated along
//! the graph, kept only when they hold on every incoming path, so the cost
//! is linear in the size of the journey, never in its number of paths.
//!
//! The window: entries open at the start of its first day (for a `daily`
//! or `weekly` trigger, the first trigger time in the window; for `once
//! at`, exactly then) and journeys end when its last day ends, in the
//! campaign's time zone. A step is unreachable when its earliest arrival
//! after entry is at least the time from the earliest entry to the close.
//! An hour is allowed for daylight-saving changes, and when the profile
//! declares a `timezone` attribute (times of day are then each person's
//! own) another 26 hours for a time-of-day trigger.

use crate::codes::Code;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::analysis::reach::{Dead, Reach};
use crate::analysis::sat::{Leaf, Role, Special};
use crate::analysis::timing::Timing;
use crate::analysis::window::{reached_in_time, unreachable_steps, window_limit};
use crate::diagnostic::Diagnostic;
use crate::graph::{Edge, Journey, NodeKind};
use crate::lints::LintContext;
use crate::model::Loc;
use crate::words::duration;

pub const CODE: Code = Code::UnreachableStep;

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for journey in cx.journeys {
        out.extend(check_journey(cx, journey));
    }
    out
}

/// The header of the step at a location (compound steps span many lines;
/// a diagnostic starts where the step does), from the parse.
pub(crate) fn head_loc(cx: &LintContext, loc: Loc) -> Loc {
    Loc::new(loc.file, super::util::step_head(cx.program, loc))
}

fn line(cx: &LintContext, loc: Loc) -> usize {
    cx.sources
        .get(loc.file)
        .line_col(loc.span.start as usize)
        .line
}

/// The source text at `loc`, on one line and not too long.
fn text(cx: &LintContext, loc: Loc) -> String {
    let t = cx.sources.get(loc.file).slice(loc.span);
    let t: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > 80 {
        let cut: String = t.chars().take(77).collect();
        format!("{cut}...")
    } else {
        t
    }
}

struct Analysis<'c, 'a> {
    cx: &'c LintContext<'a>,
    journey: &'c Journey,
    reach: &'c Reach<'a>,
    timing: &'c Timing,
    limit: Option<(u64, String)>,
}

impl Analysis<'_, '_> {
    /// Reached in time.
    fn ok(&self, v: NodeIndex) -> bool {
        reached_in_time(self.reach, self.timing, self.limit.as_ref().map(|l| l.0), v)
    }
}

fn analysis<'c, 'a>(
    cx: &'c LintContext<'a>,
    journey: &'c Journey,
) -> (Analysis<'c, 'a>, Vec<bool>) {
    let program = cx.program;
    let campaign = program.campaign(journey.campaign);
    let reach = cx.reach(journey);
    let timing = cx.timing(journey);
    let limit = window_limit(program, campaign);
    let a = Analysis {
        cx,
        journey,
        reach,
        timing,
        limit,
    };
    (a, unreachable_steps(program, journey, reach, timing))
}

fn check_journey(cx: &LintContext, journey: &Journey) -> Vec<Diagnostic> {
    let (a, bad) = analysis(cx, journey);
    let g = &journey.graph;
    let n = g.node_count();
    let mut covered = vec![false; n];
    let mut heads = Vec::new();
    for v in g.node_indices() {
        if !bad[v.index()] {
            continue;
        }
        // The first step of a region: nothing unreachable leads to it.
        if g.neighbors_directed(v, Direction::Incoming)
            .all(|u| !bad[u.index()])
        {
            heads.push(v);
        }
    }
    let cover = |h: NodeIndex, covered: &mut Vec<bool>| {
        let mut stack = vec![h];
        covered[h.index()] = true;
        while let Some(v) = stack.pop() {
            for t in g.neighbors_directed(v, Direction::Outgoing) {
                if bad[t.index()] && !covered[t.index()] {
                    covered[t.index()] = true;
                    stack.push(t);
                }
            }
        }
    };
    for &h in &heads {
        cover(h, &mut covered);
    }
    // Unreachable cycles entered from nowhere: their first step.
    for v in g.node_indices() {
        if bad[v.index()] && !covered[v.index()] {
            heads.push(v);
            cover(v, &mut covered);
        }
    }
    heads.sort();
    heads.into_iter().map(|h| a.report(h)).collect()
}

impl Analysis<'_, '_> {
    fn report(&self, v: NodeIndex) -> Diagnostic {
        let g = &self.journey.graph;
        let cx = self.cx;
        let at = head_loc(cx, g[v].loc);
        let mut d = Diagnostic::warning(CODE, at.file, at.span, String::new());
        let (cause, help) = self.cause(v, &mut d);
        d.message = format!("unreachable step: {cause}");
        d.with_help(help)
    }

    fn cause(&self, v: NodeIndex, d: &mut Diagnostic) -> (String, String) {
        let g = &self.journey.graph;
        let cx = self.cx;
        let campaign = cx.program.campaign(self.journey.campaign);
        // Reached, but too late.
        if self.reach.is_reached(v) {
            if let (Some(arr), Some((limit, what))) = (self.timing.arrival(v), &self.limit) {
                let (first, last, wloc) = campaign.window.expect("window");
                label(d, wloc, format!("the window is {first} to {last}"));
                return (
                    format!(
                        "the earliest arrival is {} after entry, after the window has closed ({what}, and the window closes {} later)",
                        duration(arr.earliest),
                        duration(*limit)
                    ),
                    "lengthen the `window`, or shorten the waits before this step".into(),
                );
            }
        }
        // A dead edge out of a step that is reached in time.
        let mut ins: Vec<(EdgeIndex, NodeIndex)> = g
            .edges_directed(v, Direction::Incoming)
            .map(|e| (e.id(), e.source()))
            .collect();
        ins.sort();
        for &(e, u) in &ins {
            if !self.ok(u) {
                continue;
            }
            if let Some(dead) = self.reach.dead.get(&e) {
                return self.edge_cause(e, u, v, dead, d);
            }
        }
        // Structural: what comes before it does not continue here.
        let named = match &g[v].kind {
            NodeKind::Named { name } => Some(name.clone()),
            _ => None,
        };
        let before = g[v].prev.map(|p| {
            let ploc = g[p].loc;
            let pl = line(cx, ploc);
            match &g[p].kind {
                NodeKind::Exit => {
                    label(d, ploc, "the journey ends here");
                    format!("after `exit` on line {pl}")
                }
                NodeKind::Goto { target } => {
                    label(d, ploc, "flow jumps away here");
                    format!("after `goto {target}` on line {pl}")
                }
                k => {
                    label(d, head_loc(cx, ploc), "no path continues past this step");
                    let why = match k {
                        NodeKind::Repeat { .. } => ", whose body never finishes a round",
                        NodeKind::Branch { .. }
                        | NodeKind::Split
                        | NodeKind::WaitFor { .. }
                        | NodeKind::WaitAny { .. }
                        | NodeKind::Named { .. } => " (every path through it exits or jumps away)",
                        _ => "",
                    };
                    format!(
                        "no path continues past the `{}` on line {pl}{why}",
                        k.keyword()
                    )
                }
            }
        });
        match (named, before) {
            (Some(name), Some(b)) => (
                format!(
                    "flow does not fall into `step {name}` ({b}) and no reachable `goto {name}` jumps to it"
                ),
                format!("jump to it with `goto {name}`, or remove it"),
            ),
            (Some(name), None) => (
                format!("no reachable `goto {name}` jumps to `step {name}`"),
                format!("jump to it with `goto {name}`, or remove it"),
            ),
            (None, Some(b)) => (
                b,
                "remove these steps, or move them to where flow reaches them".into(),
            ),
            (None, None) => (
                "no path from the start of the journey reaches it".into(),
                "remove these steps, or move them to where flow reaches them".into(),
            ),
        }
    }

    fn edge_cause(
        &self,
        e: EdgeIndex,
        u: NodeIndex,
        v: NodeIndex,
        dead: &Dead,
        d: &mut Diagnostic,
    ) -> (String, String) {
        let g = &self.journey.graph;
        let cx = self.cx;
        let uloc = head_loc(cx, g[u].loc);
        let ul = line(cx, uloc);
        match dead {
            Dead::ZeroWeight => {
                label(d, uloc, "in this split");
                (
                    "this arm has 0%".into(),
                    "give the arm a weight, or remove it".into(),
                )
            }
            Dead::NeverRuns => {
                label(d, uloc, "zero rounds");
                (
                    "`repeat 0 times` never runs its body".into(),
                    "repeat at least once, or remove the `repeat`".into(),
                )
            }
            Dead::NoRound => {
                label(d, uloc, "every round leaves the journey or jumps away");
                (
                    format!("the `repeat` on line {ul} never finishes a round, so flow never continues after it"),
                    "let the `repeat` body run to its end, or remove the steps after it".into(),
                )
            }
            Dead::Shadowed { earlier } => {
                label(d, uloc, "waits for the first of several things");
                (
                    format!(
                        "the `on` number {} of the `wait for any` on line {ul} waits for the same thing (its `where`, if any, covers this one's) and takes it first",
                        earlier + 1
                    ),
                    "remove this `on`, or move it before the other and narrow its `where`".into(),
                )
            }
            Dead::WaitEnds { event, goal } => {
                let name = &cx.program.event(*event).name;
                label(d, uloc, format!("waits for `{name}`"));
                self.ending_event(*event, *goal, d)
            }
            Dead::NotSent { msg, clicked } => {
                let name = &cx.program.message(*msg).name;
                label(d, uloc, format!("waits for engagement with `{name}`"));
                (
                    format!(
                        "`{name}` is not sent on any path before this point, so it cannot have been {}",
                        if *clicked { "clicked" } else { "opened" }
                    ),
                    format!("send `{name}` before waiting for engagement with it"),
                )
            }
            Dead::Conflict {
                leaves,
                facts,
                special,
            } => {
                if let Some(special) = special {
                    for l in leaves {
                        label(d, site(l), "this can never hold here");
                    }
                    return match special {
                        Special::Goal(ev) => self.ending_event(*ev, true, d),
                        Special::Exit(ev) => self.ending_event(*ev, false, d),
                        Special::NotSent { msg, clicked } => {
                            let name = &cx.program.message(*msg).name;
                            (
                                format!(
                                    "`{name}` is not sent on any path before this point, so it cannot have been {}",
                                    if *clicked { "clicked" } else { "opened" }
                                ),
                                format!("send `{name}` before testing engagement with it"),
                            )
                        }
                    };
                }
                let own: Vec<&Leaf> = leaves
                    .iter()
                    .filter(|l| !matches!(l.role, Role::Arm { taken: false, .. }))
                    .collect();
                let earlier: Vec<&Leaf> = leaves
                    .iter()
                    .filter(|l| matches!(l.role, Role::Arm { taken: false, .. }))
                    .collect();
                for l in &own {
                    label(d, site(l), "this cannot hold here");
                }
                for l in &earlier {
                    label(d, site(l), "checked first");
                }
                for f in facts {
                    label(d, site(f), self.fact_label(f));
                }
                let mut given: Vec<String> = facts.iter().map(|f| self.fact_desc(f, v)).collect();
                given.extend(earlier.iter().map(|l| {
                    format!(
                        "`{}` being false (the earlier arm on line {})",
                        text(cx, l.loc),
                        line(cx, site(l))
                    )
                }));
                let own_text = own
                    .iter()
                    .map(|l| self.leaf_text(l))
                    .collect::<Vec<_>>()
                    .join(" and ");
                let from_entry = u == self.journey.entry;
                let is_else = g[e] == Edge::Else;
                if from_entry {
                    let msg = if given.is_empty() && own.is_empty() {
                        "nobody can enter: the entry conditions can never hold".to_string()
                    } else if given.is_empty() {
                        format!("nobody can enter: {own_text} can never hold")
                    } else {
                        format!("nobody can enter: {own_text} contradicts {}", join(&given))
                    };
                    return (msg, "fix the audience or the trigger filter".into());
                }
                if is_else {
                    let inside = g[v].parent == Some(u);
                    let facts_only: Vec<String> =
                        facts.iter().map(|f| self.fact_desc(f, v)).collect();
                    let covered = if facts_only.is_empty() {
                        "the conditions above cover every case".to_string()
                    } else {
                        format!(
                            "the conditions above cover every case, given {}",
                            join(&facts_only)
                        )
                    };
                    let covered = if earlier.len() == 1 && !facts_only.is_empty() {
                        format!(
                            "`{}` always holds here, given {}",
                            text(cx, earlier[0].loc),
                            join(&facts_only)
                        )
                    } else {
                        covered
                    };
                    return if inside {
                        (
                            format!("the `else` is never taken: {covered}"),
                            "remove the `else` branch, or fix the conditions above it".into(),
                        )
                    } else {
                        label(d, uloc, "always takes one of its arms");
                        (
                            format!("no path continues past the `if` on line {ul}: {covered}, and no arm continues here"),
                            "remove these steps, or fix the conditions of the `if`".into(),
                        )
                    };
                }
                let msg = if own.is_empty() && given.is_empty() {
                    "its condition can never hold".to_string()
                } else if own.is_empty() {
                    format!("an earlier arm is always taken: {}", join(&given))
                } else if given.is_empty() {
                    // The arm's condition alone: quote it whole.
                    let whole = match (&g[u].kind, &g[e]) {
                        (kind, Edge::If(i)) => kind.guards().get(*i).map(|c| c.loc),
                        _ => None,
                    };
                    match whole {
                        Some(loc) => format!("`{}` can never hold", text(cx, loc)),
                        None => format!("{own_text} can never hold"),
                    }
                } else {
                    format!("{own_text} contradicts {}", join(&given))
                };
                (msg, "remove this branch, or fix its condition".into())
            }
        }
    }

    fn ending_event(
        &self,
        event: crate::model::EventId,
        goal: bool,
        d: &mut Diagnostic,
    ) -> (String, String) {
        let cx = self.cx;
        let campaign = cx.program.campaign(self.journey.campaign);
        let name = &cx.program.event(event).name;
        // With a `where` on the goal or exit, only occurrences it covers.
        let filtered = campaign.end_filter(event).is_some();
        let which = if filtered {
            format!("every `{name}` counted here meets the `where` of this campaign's")
        } else {
            format!("`{name}` is this campaign's")
        };
        if goal {
            if let Some((_, loc)) = campaign.goal {
                label(d, loc, "the goal ends the journey");
            }
            (
                format!("{which} goal, so the journey has already ended when it happens"),
                format!("remove this branch; to follow up on `{name}`, write a campaign triggered by it"),
            )
        } else {
            if let Some((_, loc)) = campaign.exits.iter().find(|(e, _)| *e == event) {
                label(d, *loc, "this ends the journey");
            }
            (
                if filtered {
                    format!("{which} `exit when`, so the journey has already ended when it happens")
                } else {
                    format!("`{name}` ends this journey (`exit when`), so it has already ended when it happens")
                },
                format!("remove this branch, or stop exiting on `{name}`"),
            )
        }
    }

    fn leaf_text(&self, l: &Leaf) -> String {
        let t = text(self.cx, l.loc);
        let t = if l.holds {
            format!("`{t}`")
        } else {
            format!("`not {t}`")
        };
        match l.via {
            Some((s, _)) => format!("{t} (via segment `{}`)", self.cx.program.segment(s).name),
            None => t,
        }
    }

    /// `the audience (`x >= 500`, via segment `big`)`.
    fn fact_desc(&self, f: &Leaf, v: NodeIndex) -> String {
        let cx = self.cx;
        let g = &self.journey.graph;
        let t = text(cx, f.loc);
        let mut lit = if f.holds {
            format!("`{t}`")
        } else {
            format!("`{t}` being false")
        };
        if let Some((s, _)) = f.via {
            lit.push_str(&format!(", via segment `{}`", cx.program.segment(s).name));
        }
        match f.role {
            Role::Audience => format!("the audience ({lit})"),
            Role::ExitUnless => {
                format!("`exit unless` ({lit}), checked at entry and whenever time passes")
            }
            Role::TriggerFilter => format!("the trigger filter ({lit})"),
            Role::TriggerSegment => format!("the trigger ({lit})"),
            Role::Arm { branch, taken, .. } => {
                let b = NodeIndex::new(branch as usize);
                let enclosing = taken && self.journey.ancestors(v).any(|a| a == b);
                format!(
                    "the {}condition on line {} ({lit})",
                    if enclosing { "enclosing " } else { "" },
                    line(cx, site(f))
                )
            }
            Role::Matched { node } => {
                let n = NodeIndex::new(node as usize);
                format!("the `wait for` on line {}", line(cx, g[n].loc))
            }
            Role::Sent { node } => {
                let n = NodeIndex::new(node as usize);
                format!("the `send` on line {}", line(cx, g[n].loc))
            }
            Role::Set { node } => {
                let n = NodeIndex::new(node as usize);
                let head = cx.program.steps.head(g[n].loc);
                format!(
                    "the `{}` on line {}, with no wait since",
                    text(cx, Loc::new(g[n].loc.file, head)),
                    line(cx, g[n].loc)
                )
            }
        }
    }

    fn fact_label(&self, f: &Leaf) -> String {
        match f.role {
            Role::Audience => "required by the audience".into(),
            Role::ExitUnless => "holds, or the journey has ended (`exit unless`)".into(),
            Role::TriggerFilter => "required by the trigger filter".into(),
            Role::TriggerSegment => "holds on entry".into(),
            Role::Arm { taken: true, .. } => "known to hold here".into(),
            Role::Arm { taken: false, .. } => "known to be false here".into(),
            Role::Matched { .. } => "known since this `wait for` matched".into(),
            Role::Sent { .. } => "known since this send".into(),
            Role::Set { .. } => "written here".into(),
        }
    }
}

/// Where to point at a leaf: the segment's name in the condition when it
/// came from a segment, else the atom itself.
fn site(l: &Leaf) -> Loc {
    match l.via {
        Some((_, loc)) => loc,
        None => l.loc,
    }
}

fn label(d: &mut Diagnostic, loc: Loc, msg: impl Into<String>) {
    let msg = msg.into();
    if d.labels
        .iter()
        .any(|l| l.file == loc.file && l.span == loc.span)
    {
        return;
    }
    d.labels.push(crate::diagnostic::Label {
        file: loc.file,
        span: loc.span,
        message: msg,
    });
}

fn join(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        _ => format!(
            "{} and {}",
            items[..items.len() - 1].join(", "),
            items[items.len() - 1]
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lints::testing::run_lint;

    const VOCAB: &str = r#"
profile {
  country: text
  plan: one of "free", "pro", "enterprise"
  lifetime_value: number
  email_opt_in: bool
}
event cart_abandoned { cart_id: text, value: number }
event order_placed   { order_id: text, total: number }
event unsubscribed   { channel: text }
channel email { consent email_opt_in  quiet_hours 21:00 to 08:00 }
channel push  { consent email_opt_in }
segment big_spenders = lifetime_value >= 500
message a { channel email  template "a" }
message b { channel email  template "b" }
message p { channel push   template "p" }
"#;

    fn run(journey_and_props: &str) -> Vec<(usize, String, String, Vec<String>)> {
        let src = format!("{VOCAB}\ncampaign c {{\n{journey_and_props}\n}}\n");
        run_lint(&src, check)
    }

    /// The line (1-based) within the campaign text, after the vocabulary
    /// and the `campaign c {` line.
    fn l(n: usize) -> usize {
        VOCAB.lines().count() + 2 + n
    }

    #[test]
    fn after_exit() {
        let r = run("trigger cart_abandoned\ngoal order_placed\njourney {\n  send a\n  exit\n  send b\n  send p\n}");
        assert_eq!(r.len(), 1, "{r:#?}");
        assert_eq!(r[0].0, l(6));
        assert!(r[0].1.contains("after `exit` on line"), "{r:#?}");
    }

    #[test]
    fn audience_via_segment() {
        let r = run("trigger cart_abandoned\naudience big_spenders\ngoal order_placed\njourney {\n  if lifetime_value < 100 {\n    send a\n  }\n}");
        assert_eq!(r.len(), 1, "{r:#?}");
        assert_eq!(r[0].0, l(6));
        assert_eq!(
            r[0].1,
            "unreachable step: `lifetime_value < 100` contradicts the audience (`lifetime_value >= 500`, via segment `big_spenders`)"
        );
    }

    #[test]
    fn goal_wait_for() {
        let r = run("trigger cart_abandoned\ngoal order_placed\njourney {\n  wait for order_placed within 1d {\n    send a\n  }\n  send b\n}");
        assert_eq!(r.len(), 1, "{r:#?}");
        assert_eq!(r[0].0, l(5));
        assert!(r[0].1.contains("`order_placed` is this campaign's goal, so the journey has already ended when it happens"));
    }

    #[test]
    fn window() {
        let r = run("trigger once at 2026-11-27 08:00\ngoal order_placed\nwindow 2026-11-27 to 2026-11-29\njourney {\n  send a\n  wait 2d\n  send b\n  wait 1d\n  send p\n}");
        assert_eq!(r.len(), 1, "{r:#?}");
        assert_eq!(r[0].0, l(9));
        assert!(
            r[0].1
                .contains("the earliest arrival is 3d after entry, after the window has closed"),
            "{r:#?}"
        );
    }

    #[test]
    fn else_exhaustive_only_when_set() {
        let src = "trigger cart_abandoned\ngoal order_placed\njourney {\n  if plan == \"free\" {\n    send a\n  } else if plan == \"pro\" {\n    send b\n  } else if plan == \"enterprise\" {\n    send p\n  } else {\n    exit\n  }\n}";
        assert_eq!(run(src), []);
        let src = src.replace(
            "goal order_placed",
            "goal order_placed\naudience plan is set",
        );
        let r = run(&src);
        assert_eq!(r.len(), 1, "{r:#?}");
        assert!(r[0].1.contains("the `else` is never taken"), "{r:#?}");
    }

    #[test]
    fn named_step_not_entered() {
        let r = run("trigger cart_abandoned\ngoal order_placed\njourney {\n  send a\n  exit\n  step later {\n    send b\n  }\n}");
        assert_eq!(r.len(), 1, "{r:#?}");
        assert!(
            r[0].1.contains("flow does not fall into `step later`"),
            "{r:#?}"
        );
    }
}
