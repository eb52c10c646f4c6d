//! # engagement-before-send
//!
//! `opened MESSAGE` or `clicked MESSAGE` (in a condition or a `wait for`)
//! is checked where some paths have sent the message and others have not.
//!
//! On the paths that have not sent it, the check is always false and a
//! `wait for` on it always times out, which is rarely what the journey
//! means. When *no* path has sent the message before the check, the branch
//! that needs the engagement can never be taken: that is reported as
//! `unreachable-step` instead, and this lint stays silent.
//!
//! ## Why
//! Engagement facts are about this journey: `clicked cart_coupon_20` is
//! true only after `cart_coupon_20` went out and was clicked. A check placed
//! after a branch that sends the message on one side only silently sorts
//! everyone from the other side into the "did not engage" group, who then
//! get the follow-up meant for people who ignored the message.
//!
//! ## Example
//! ```omni
//! if textable {
//!   send coupon_sms
//! } else {
//!   send coupon_email
//! }
//! wait for clicked coupon_email within 2d otherwise {
//!   send coupon_reminder      // also every SMS recipient, who never got the email
//! }
//! ```
//!
//! ## Fix
//! Check engagement inside the branch that sent the message, or check the
//! message of each branch (`clicked coupon_email or clicked coupon_sms`).
//!
//! A condition is judged as a whole, path by path: it is reported only
//! when, on some path, the messages that path has not sent make it always
//! true or always false. After the branch above, `not (clicked
//! coupon_email or clicked coupon_sms)` is silent: on each path one of the
//! two was sent, so the condition still depends on what the person did.
//!
//! ## How it is computed
//! Two forward dataflows over the journey graph with sets of the messages
//! checked for engagement: "may have been sent" (united where paths merge)
//! and "may not have been sent" (also united: its complement is what every
//! path has sent). A `repeat` of two rounds or more is a loop that goes
//! round at least once, which is exact for this question. Sets are
//! versions of one persistent tree, so the cost is about linear in the
//! size of the graph, whatever the number of messages checked. When a check
//! fails that test, a third dataflow ([`crate::analysis::unsent`]) keeps
//! the sets of unsent messages path by path (up to a bound per point) to
//! judge the whole condition on each.

use crate::codes::Code;
use std::collections::{HashMap, VecDeque};

use petgraph::graph::{EdgeIndex, NodeIndex};

use crate::analysis::flow::{Flow, Rounds};
use crate::analysis::sets::Set;
use crate::analysis::unsent::{unsent_sets, Unsent};
use crate::diagnostic::Diagnostic;
use crate::graph::{Edge, Journey, NodeKind};
use crate::lints::util::{line, step_head, step_span, walk_cond, walk_steps};
use crate::lints::LintContext;
use crate::model::{Block, Cond, CondKind, Loc, MessageId, Step, StepKind, WaitOn};
use crate::source::Span;

pub const CODE: Code = Code::EngagementBeforeSend;

/// An engagement check in a journey node.
#[derive(Clone, Debug, PartialEq)]
pub struct Use {
    pub node: NodeIndex,
    pub message: MessageId,
    /// `clicked` (else `opened`).
    pub clicked: bool,
    /// The condition, or the `wait for` step.
    pub loc: Loc,
    /// Whether it is the event a `wait for` waits on.
    pub waited: bool,
    /// The whole condition it is part of, by its position among the
    /// node's conditions ([`node_conds`]; none when `waited`).
    pub cond: Option<u32>,
}

impl Use {
    /// `opened` or `clicked`.
    pub fn verb(&self) -> &'static str {
        if self.clicked {
            "clicked"
        } else {
            "opened"
        }
    }
}

/// Every engagement check of a journey.
pub fn uses(journey: &Journey) -> Vec<Use> {
    let g = &journey.graph;
    let mut out = Vec::new();
    for n in g.node_indices() {
        let node = &g[n];
        let awaited: Vec<&WaitOn> = match &node.kind {
            NodeKind::WaitFor { on, .. } => vec![on],
            NodeKind::WaitAny { arms, .. } => arms.iter().map(|(on, ..)| on).collect(),
            _ => Vec::new(),
        };
        let waited = awaited.into_iter().filter_map(|on| match on {
            WaitOn::Opened(m) => Some((false, *m)),
            WaitOn::Clicked(m) => Some((true, *m)),
            WaitOn::Event(_) => None,
        });
        for (clicked, message) in waited {
            out.push(Use {
                node: n,
                message,
                clicked,
                loc: node.loc,
                waited: true,
                cond: None,
            });
        }
        for (i, whole) in node_conds(&node.kind).into_iter().enumerate() {
            walk_cond(whole, &mut |c| {
                let (clicked, message) = match c.kind {
                    CondKind::Opened(m) => (false, m),
                    CondKind::Clicked(m) => (true, m),
                    _ => return,
                };
                out.push(Use {
                    node: n,
                    message,
                    clicked,
                    loc: c.loc,
                    waited: false,
                    cond: Some(i as u32),
                });
            });
        }
    }
    out
}

/// The conditions a node holds itself: a branch's arms, a `wait for`'s
/// filter.
fn node_conds(kind: &NodeKind) -> Vec<&Cond> {
    match kind {
        NodeKind::WaitFor { filter, .. } => filter.as_deref().into_iter().collect(),
        NodeKind::WaitAny { arms, .. } => arms.iter().filter_map(|(_, f, _)| f.as_ref()).collect(),
        other => other.guards().iter().collect(),
    }
}

/// For each check: whether some execution reaching it has sent the
/// message, and whether some has not. Only the edges for which `live`
/// holds are followed (see [`crate::analysis::reach::Reach::live`]).
pub fn analyze(journey: &Journey, live: &dyn Fn(EdgeIndex) -> bool) -> Vec<(Use, bool, bool)> {
    let uses = uses(journey);
    if uses.is_empty() {
        return Vec::new();
    }
    let flow = Flow::build(journey, Rounds::Single, live);
    let local = numbering(&uses);
    analyze_flow(journey, &flow, &local, uses)
}

/// The messages checked, numbered in order of their first check.
fn numbering(uses: &[Use]) -> HashMap<MessageId, u32> {
    let mut local: HashMap<MessageId, u32> = HashMap::new();
    for u in uses {
        let n = local.len() as u32;
        local.entry(u.message).or_insert(n);
    }
    local
}

/// The flow nodes copying each journey node where something is checked.
fn copies_of(flow: &Flow, uses: &[Use]) -> HashMap<NodeIndex, Vec<u32>> {
    let mut by_node: HashMap<NodeIndex, Vec<u32>> =
        uses.iter().map(|u| (u.node, Vec::new())).collect();
    for v in 0..flow.len() as u32 {
        if let Some(c) = by_node.get_mut(&flow.orig[v as usize]) {
            c.push(v);
        }
    }
    by_node
}

/// The bit of the tracked message flow node `v` sends, if any.
fn sent_bit(
    journey: &Journey,
    flow: &Flow,
    local: &HashMap<MessageId, u32>,
    v: u32,
) -> Option<u32> {
    match journey.graph[flow.orig[v as usize]].kind {
        NodeKind::Send(m) => local.get(&m).copied(),
        _ => None,
    }
}

fn analyze_flow(
    journey: &Journey,
    flow: &Flow,
    local: &HashMap<MessageId, u32>,
    uses: Vec<Use>,
) -> Vec<(Use, bool, bool)> {
    let bit = |v: u32| sent_bit(journey, flow, local, v);
    let by_node = copies_of(flow, &uses);
    // Per check, whether some copy of its node has its message in the
    // sets: each forward union read, then dropped before the next is
    // made (each holds a version of a set per flow node: at 200,000 steps,
    // both at once were the most `check` held).
    let any_copy = |sets: Vec<Set>| -> Vec<Option<bool>> {
        (uses.iter())
            .map(|u| {
                let copies = by_node.get(&u.node).filter(|c| !c.is_empty())?;
                let b = local[&u.message];
                Some(copies.iter().any(|&v| sets[v as usize].contains(b)))
            })
            .collect()
    };
    let some_sent = any_copy(flow.forward_union(Set::new(), &|v, set| match bit(v) {
        Some(b) => set.with(b),
        None => set.clone(),
    }));
    let all: Set = (0..local.len() as u32).collect();
    let some_unsent = any_copy(flow.forward_union(all, &|v, set| match bit(v) {
        Some(b) => set.without(b),
        None => set.clone(),
    }));
    (uses.into_iter().zip(some_sent).zip(some_unsent))
        .filter_map(|((u, sent), unsent)| Some((u, sent?, unsent?)))
        .collect()
}

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for journey in cx.journeys {
        let uses = uses(journey);
        if uses.is_empty() {
            continue;
        }
        let flow = cx.flow(journey);
        let by_node = copies_of(flow, &uses);
        let local = numbering(&uses);
        let mut unsent: Option<Vec<Unsent>> = None;
        let mut avoid: HashMap<MessageId, Avoid> = HashMap::new();
        for (u, some_sent, some_unsent) in analyze_flow(journey, flow, &local, uses) {
            if !(some_sent && some_unsent) {
                continue;
            }
            let copies = by_node.get(&u.node).map_or(&[][..], |v| &v[..]);
            if let Some(cond) = u
                .cond
                .map(|i| node_conds(&journey.graph[u.node].kind)[i as usize])
            {
                let unsent = unsent.get_or_insert_with(|| {
                    let all: Set = (0..local.len() as u32).collect();
                    unsent_sets(flow, all, &|v| sent_bit(journey, flow, &local, v))
                });
                if !constant_on_some_path(cond, u.message, &local, copies, unsent) {
                    continue;
                }
            }
            let a = avoid
                .entry(u.message)
                .or_insert_with(|| Avoid::new(journey, flow, u.message));
            out.push(diagnose(cx, journey, flow, a, &u, copies));
        }
    }
    out
}

/// Whether, on some path to one of `copies` where `message` is unsent,
/// the messages that path has not sent make `cond` always true or always
/// false. Past the bound of [`crate::analysis::unsent`], any subset of the
/// unsent union may be a path's: every subset with `message` is tried
/// (when the condition checks at most [`MAX_TRIED`] messages; else it is
/// taken as constant, the per-message answer).
fn constant_on_some_path(
    cond: &Cond,
    message: MessageId,
    local: &HashMap<MessageId, u32>,
    copies: &[u32],
    unsent: &[Unsent],
) -> bool {
    let mut checked: Vec<MessageId> = Vec::new();
    walk_cond(cond, &mut |c| {
        if let CondKind::Opened(m) | CondKind::Clicked(m) = c.kind {
            if !checked.contains(&m) {
                checked.push(m);
            }
        }
    });
    let constant = |is_unsent: &dyn Fn(MessageId) -> bool| kleene(cond, is_unsent).is_some();
    let b = local[&message];
    copies.iter().any(|&v| match &unsent[v as usize] {
        Unsent::Unreached => false,
        Unsent::Sets(sets) => sets
            .iter()
            .filter(|s| s.contains(b))
            .any(|s| constant(&|m| local.get(&m).is_some_and(|&x| s.contains(x)))),
        Unsent::Any(u) => {
            let others: Vec<MessageId> = checked
                .iter()
                .copied()
                .filter(|&m| m != message && local.get(&m).is_some_and(|&x| u.contains(x)))
                .collect();
            if others.len() > MAX_TRIED {
                return true;
            }
            (0u32..1 << others.len()).any(|mask| {
                constant(&|m| {
                    m == message
                        || others
                            .iter()
                            .position(|&o| o == m)
                            .is_some_and(|i| mask & (1 << i) != 0)
                })
            })
        }
    })
}

/// The most other messages whose subsets [`constant_on_some_path`] tries.
const MAX_TRIED: usize = 8;

/// The value of `cond` when the engagement atoms of unsent messages are
/// false and everything else is unknown (three-valued: `None` unknown).
fn kleene(cond: &Cond, is_unsent: &dyn Fn(MessageId) -> bool) -> Option<bool> {
    match &cond.kind {
        CondKind::Const(b) => Some(*b),
        CondKind::Opened(m) | CondKind::Clicked(m) => (is_unsent(*m)).then_some(false),
        CondKind::Not(c) => kleene(c, is_unsent).map(|b| !b),
        CondKind::And(cs) => {
            let mut all = Some(true);
            for c in cs {
                match kleene(c, is_unsent) {
                    Some(false) => return Some(false),
                    Some(true) => {}
                    None => all = None,
                }
            }
            all
        }
        CondKind::Or(cs) => {
            let mut all = Some(false);
            for c in cs {
                match kleene(c, is_unsent) {
                    Some(true) => return Some(true),
                    Some(false) => {}
                    None => all = None,
                }
            }
            all
        }
        _ => None,
    }
}

/// For one message: which flow nodes can reach a send of it, and a
/// breadth-first tree from the entry over paths that do not send it.
struct Avoid {
    reaches_send: Vec<bool>,
    parent: Vec<Option<(u32, usize)>>,
}

impl Avoid {
    fn new(journey: &Journey, flow: &Flow, message: MessageId) -> Avoid {
        let g = &journey.graph;
        let n = flow.len();
        let fsend =
            |v: u32| matches!(g[flow.orig[v as usize]].kind, NodeKind::Send(m) if m == message);
        let mut reaches_send = vec![false; n];
        let mut queue: VecDeque<u32> = (0..n as u32).filter(|&v| fsend(v)).collect();
        for &v in &queue {
            reaches_send[v as usize] = true;
        }
        while let Some(v) = queue.pop_front() {
            for &(p, _) in flow.pred(v) {
                if !reaches_send[p as usize] {
                    reaches_send[p as usize] = true;
                    queue.push_back(p);
                }
            }
        }
        let mut parent: Vec<Option<(u32, usize)>> = vec![None; n];
        let mut seen = vec![false; n];
        seen[flow.entry as usize] = true;
        let mut queue = VecDeque::from([flow.entry]);
        while let Some(v) = queue.pop_front() {
            for (k, e) in flow.succ(v).iter().enumerate() {
                let w = e.to;
                if !seen[w as usize] && !fsend(w) {
                    seen[w as usize] = true;
                    parent[w as usize] = Some((v, k));
                    queue.push_back(w);
                }
            }
        }
        Avoid {
            reaches_send,
            parent,
        }
    }
}

fn diagnose(
    cx: &LintContext,
    journey: &Journey,
    flow: &Flow,
    avoid: &Avoid,
    u: &Use,
    copies: &[u32],
) -> Diagnostic {
    let g = &journey.graph;
    let name = &cx.program.message(u.message).name;
    let is_send = |n: NodeIndex| matches!(g[n].kind, NodeKind::Send(m) if m == u.message);
    let span = if u.waited {
        waited_span(cx, u.loc)
    } else {
        u.loc.span
    };
    let mut d = Diagnostic::warning(
        CODE,
        u.loc.file,
        span,
        format!(
            "`{} {name}` is checked here, but some paths to it have not sent `{name}`{}",
            u.verb(),
            if u.waited {
                ": on those this always times out"
            } else {
                ": on those it is always false"
            }
        ),
    );
    // The last choice, on a path from the entry to the check that does not
    // send the message, that could have led to a send of it.
    let target = copies
        .iter()
        .copied()
        .find(|&v| avoid.parent[v as usize].is_some());
    let mut choice = None;
    let mut cur = target;
    while let Some(c) = cur {
        let Some((from, k)) = avoid.parent[c as usize] else {
            break;
        };
        let e = flow.succ(from)[k];
        let branches = flow
            .succ(from)
            .iter()
            .any(|o| o.to != e.to && avoid.reaches_send[o.to as usize]);
        if branches {
            choice = Some((flow.orig[from as usize], e.edge));
            break;
        }
        cur = Some(from);
    }
    let sends: Vec<NodeIndex> = g.node_indices().filter(|&n| is_send(n)).collect();
    if let Some((from, e)) = choice {
        let (span, how) = choice_label(cx, journey, from, &g[e]);
        d = d.with_label(
            g[from].loc.file,
            span,
            format!(
                "{how}, `{name}` is not sent before the check (line {})",
                line(cx.sources, u.loc)
            ),
        );
    }
    if choice.is_none() {
        // No branch avoided it: the check comes before the send in the
        // first round of a loop.
        let innermost_repeat = journey
            .ancestors(u.node)
            .find(|&a| matches!(g[a].kind, NodeKind::Repeat { .. }));
        if let Some(r) = innermost_repeat {
            d = d.with_label(
                g[r].loc.file,
                step_head(cx.program, g[r].loc),
                format!("on the first round of this loop, `{name}` has not been sent yet"),
            );
        }
    }
    for &s in sends.iter().take(3) {
        d = d.with_label(
            g[s].loc.file,
            step_span(cx.program, g[s].loc),
            format!("`{name}` is sent here"),
        );
    }
    d.with_help(format!(
        "check `{} {name}` only on paths that sent it (inside the branch that sends it), or send `{name}` on every path before",
        u.verb()
    ))
}

/// In a `wait for` step at `loc`: what it waits for (`opened NAME`,
/// `clicked NAME`, or the event's name), from the parse, else the step's
/// header.
pub fn waited_span(cx: &LintContext, loc: Loc) -> Span {
    cx.program
        .steps
        .get(loc)
        .and_then(|s| s.awaited)
        .unwrap_or_else(|| step_head(cx.program, loc))
}

/// In a `wait for` step: the `otherwise` keyword, else `within D`, else
/// the step's header; with the label's wording.
fn timeout_label(cx: &LintContext, loc: Loc) -> (Span, String) {
    let spans = cx.program.steps.get(loc);
    if let Some(k) = spans.and_then(|s| s.otherwise) {
        return (k, "when it times out (`otherwise`)".to_string());
    }
    let within = spans.and_then(|s| s.within);
    (
        within.unwrap_or_else(|| step_head(cx.program, loc)),
        "when it times out".to_string(),
    )
}

/// The place and wording of the label on the choice (`if` arm, `else`,
/// split arm, `wait for` outcome, loop) that leads to the check without
/// the send: it underlines exactly what it names (the arm's condition, the
/// `else` keyword, the split arm), falling back to the step's first line.
fn choice_label(
    cx: &LintContext,
    journey: &Journey,
    from: NodeIndex,
    edge: &Edge,
) -> (Span, String) {
    let g = &journey.graph;
    let node = &g[from];
    let header = step_head(cx.program, node.loc);
    let step = || find_step(&cx.program.campaign(journey.campaign).journey, node.loc);
    match (edge, &node.kind) {
        (Edge::If(i), kind) if *i < kind.guards().len() => {
            let conds = kind.guards();
            let how = if *i == 0 {
                "when the `if` condition holds".to_string()
            } else {
                format!("when `else if` condition number {i} holds")
            };
            (conds[*i].loc.span, how)
        }
        (Edge::Else, kind) if !kind.guards().is_empty() => {
            let conds = kind.guards();
            let keyword = cx.program.steps.get(node.loc).and_then(|s| s.else_kw);
            match (keyword, conds) {
                (Some(k), _) => (k, "through the `else`".to_string()),
                (None, [only]) => (
                    only.loc.span,
                    "when the `if` condition does not hold".to_string(),
                ),
                (None, [.., last]) => (
                    last.loc.span,
                    "when none of the `if` conditions holds".to_string(),
                ),
                (None, []) => (header, "through the `else`".to_string()),
            }
        }
        (Edge::Arm(arm), _) => {
            let (index, name) = (&arm.index, &arm.name);
            let how = match name {
                Some(n) => format!("through the `{n}` arm"),
                None => format!("through arm {}", index + 1),
            };
            let span = step()
                .and_then(|s| match &s.kind {
                    StepKind::Split(arms) => arms.get(*index),
                    _ => None,
                })
                .map_or(header, |arm| step_head(cx.program, arm.at));
            (span, how)
        }
        (Edge::Matched, NodeKind::WaitFor { .. }) => (
            waited_span(cx, node.loc),
            "when what it waits for happens".to_string(),
        ),
        (Edge::On(i), NodeKind::WaitAny { .. }) => (
            header,
            format!(
                "when what its `on` number {} waits for happens first",
                i + 1
            ),
        ),
        (Edge::Timeout, _) => timeout_label(cx, node.loc),
        (Edge::Body, _) => (header, "into the loop".to_string()),
        (Edge::Done, _) => (header, "after the loop".to_string()),
        _ => (header, "from here".to_string()),
    }
}

/// The step of a journey written at `loc`.
fn find_step(block: &Block, loc: Loc) -> Option<&Step> {
    let mut found = None;
    walk_steps(block, &mut |s| {
        if found.is_none() && s.loc == loc {
            found = Some(s);
        }
    });
    found
}
