//! Lowering a campaign's journey (a tree of [`Step`]s) to a [`Journey`]
//! graph. What each step kind becomes (its node, the part of its id,
//! whether time passes there, its edges and the blocks they lead into) is
//! asked of `graph::kind`; lowering matches no kind.
//!
//! # Shape
//! - One `Entry` node, one node per step, one `End` node (falling off the
//!   last step), a `Goal` node when the campaign has a goal and one
//!   `ExitEvent` node per distinct `exit when` event.
//! - Steps in a block are chained with `Next`; compound steps have labelled
//!   out edges into their blocks (`If(i)`/`Else`, `Matched`/`Timeout`,
//!   `Arm`, `Body`/`Done`) and the end of each block flows on to whatever
//!   follows the compound step. There are no join nodes: an `if` without
//!   `else` has an `Else` edge straight to the next step, an empty block is
//!   an edge straight through.
//! - `repeat N times` is a loop head: `Body` into the body, the end of the
//!   body back to the head (those back edges keep the label of how the body
//!   ended and are listed in [`Journey::repeat_back_edges`]), `Done` out.
//! - `goto NAME` has one `Jump` edge to the `step NAME` node; flow also
//!   falls into a `step NAME` from the step before it.
//! - `exit` and `goto` have no `Next` edge: what follows them in the same
//!   block has no predecessor from there.
//! - Every node where time passes (`wait`, `wait until`, `wait for`, and a
//!   `send` on a channel with quiet hours) has an `Ends(event)` edge to the
//!   goal node and to every exit-event node: those events end the journey
//!   while a person waits there.
//!
//! Nodes are created in source order (entry, end, goal, exits first, then
//! the steps in pre-order), so a node's index orders it by position and the
//! nodes inside a compound step directly follow it.
//!
//! # Node ids
//! Ids are structural and keyed by what each step is, not by its position,
//! so that adding, removing or moving a step changes only that step's id
//! and those of later steps of the same kind in the same block (and what is
//! inside those steps). Changing which message a `send` sends or what a
//! `wait for` waits for makes it another step, with another id; editing
//! anything else (durations, times of day, conditions, `within`, `where`,
//! weights, `times`) changes no id, so people waiting at an edited `wait`
//! keep their place.
//! - `@entry`, `@end`, `@goal`, `@exit.EVENT` for the non-step nodes (`@`
//!   cannot start a step id);
//! - a step's own part is its kind, and for sends and `wait for` what they
//!   send or wait for: `send-MESSAGE`, `wait`, `until`,
//!   `waitfor-EVENT` / `waitfor-opened-M` / `waitfor-clicked-M`, `if`,
//!   `split`, `repeat`, `goto-NAME`, `exit`, `set-ATTR`, `unset-ATTR`; the second step with the same
//!   part in a block gets `~2`, the third `~3`, and so on;
//! - top-level steps have just their part (`send-cart_reminder`);
//! - inside a step with id `P`:
//!   - `if`: the first arm's steps `P.then.X`, the `else if` arms
//!     `P.if2.X`, `P.if3.X`, ..., the `else` block `P.else.X`;
//!   - `wait for`: `P.then.X` (matched) and `P.otherwise.X`;
//!   - `wait for any` (own part `waitany`): each `on` by what it waits
//!     for, `P.on-EVENT.X`, `P.on-opened-M.X`, `P.on-clicked-M.X` (the
//!     second `on` with the same part gets `~2`, ...), and
//!     `P.otherwise.X`;
//!   - `split`: `P.ARM.X` with the arm's name, or its 1-based position
//!     (`P.2.X`) when it has none;
//!   - `repeat`: `P.X`;
//! - a `step NAME` has the id `NAME` wherever it is (names are unique in a
//!   campaign), and the steps in it `NAME.X`.
//!
//! Ids are unique: in the unlikely case that two come out equal (a
//! `step exit` and an `exit` step at top level: names cannot contain `-`
//! or `~`, but may be `if`, `split`, `repeat`, `wait`, `until` or `exit`),
//! the later one gets `#2` (then `#3`, ...) appended, and the steps inside
//! it are named after that id.

use std::collections::{HashMap, HashSet};

use petgraph::graph::{DiGraph, NodeIndex};

use super::kind::{self, Flow};
use super::{Edge, Journey, Node, NodeKind};
use crate::model::{Allows, Block, Campaign, CampaignId, Loc, Program, Step};

/// Lowers every campaign, indexed by `CampaignId`.
pub fn lower_all(program: &Program) -> Vec<Journey> {
    (0..program.campaigns.len())
        .map(|i| lower(program, CampaignId(i as u32)))
        .collect()
}

/// Lowers one campaign's journey.
pub fn lower(program: &Program, campaign: CampaignId) -> Journey {
    let c = program.campaign(campaign);
    // The graph and the ids of a large journey sized once: grown by
    // doubling, the vectors of a 200,000-step journey are copied into fresh
    // memory a dozen times and the id set rehashed as often (a quarter of
    // the lowering).
    let (steps, timed) = count_steps(program, c, &c.journey);
    let nodes = steps + 3 + c.exits.len();
    let ends = usize::from(c.goal.is_some()) + c.exits.len();
    // About two edges a step and an `Ends` edge per end where time passes.
    // The spare room of a large journey's edges is pages never touched,
    // never resident; a small journey's would be, in the allocator's
    // blocks (20,000 campaigns: 10 MB): small graphs grow as they go.
    let edges = 2 * steps + timed * ends + 8;
    let graph = if steps >= PRESIZE_STEPS {
        DiGraph::with_capacity(nodes, edges)
    } else {
        DiGraph::new()
    };
    let mut l = Lowerer {
        program,
        campaign: c,
        graph,
        named: HashMap::new(),
        gotos: Vec::new(),
        ids: HashSet::with_capacity(nodes),
        back_edges: Vec::new(),
        time_nodes: Vec::new(),
    };
    let entry = l.node(
        "@entry".into(),
        NodeKind::Entry,
        c.loc,
        c.allows.clone(),
        None,
        None,
    );
    let end = l.node(
        "@end".into(),
        NodeKind::End,
        c.loc,
        c.allows.clone(),
        None,
        None,
    );
    let goal = c.goal.map(|(e, loc)| {
        l.node(
            "@goal".into(),
            NodeKind::Goal(e),
            loc,
            c.allows.clone(),
            None,
            None,
        )
    });
    let mut exits = Vec::new();
    let mut seen = HashSet::new();
    for &(e, loc) in &c.exits {
        if goal.is_some() && c.goal.map(|g| g.0) == Some(e) || !seen.insert(e) {
            continue;
        }
        let id = format!("@exit.{}", program.event(e).name);
        exits.push(l.node(
            id,
            NodeKind::ExitEvent(e),
            loc,
            c.allows.clone(),
            None,
            None,
        ));
    }

    let out = l.block(&c.journey, "", None, &c.allows, vec![(entry, Edge::Next)]);
    for (n, e) in out {
        l.graph.add_edge(n, end, e);
    }
    for (from, target) in std::mem::take(&mut l.gotos) {
        if let Some(&to) = l.named.get(&target) {
            l.graph.add_edge(from, to, Edge::Jump);
        }
    }
    for n in std::mem::take(&mut l.time_nodes) {
        if let Some(g) = goal {
            let ev = c.goal.expect("goal node without goal").0;
            l.graph.add_edge(n, g, Edge::Ends(ev));
        }
        for &x in &exits {
            let NodeKind::ExitEvent(ev) = l.graph[x].kind else {
                unreachable!()
            };
            l.graph.add_edge(n, x, Edge::Ends(ev));
        }
    }
    let mut back = l.back_edges;
    back.sort();
    // Without the spare room its vectors grew into: the graph lives as
    // long as the run, and a large journey's is one of its largest
    // structures.
    let mut graph = l.graph;
    graph.shrink_to_fit();
    Journey::new(campaign, graph, (entry, end), goal, exits, back)
}

/// Journeys of this many steps or more get their graph sized once.
const PRESIZE_STEPS: usize = 4096;

/// How many steps `block` holds (those inside other steps too), and how
/// many of them let time pass.
fn count_steps(program: &Program, campaign: &Campaign, block: &Block) -> (usize, usize) {
    let mut n = (0, 0);
    for step in &block.steps {
        n.0 += 1;
        n.1 += usize::from(kind::time_passes(program, campaign, &step.kind));
        step.kind.for_each_block(&mut |b| {
            let inner = count_steps(program, campaign, b);
            n = (n.0 + inner.0, n.1 + inner.1);
        });
    }
    n
}

type Pending = Vec<(NodeIndex, Edge)>;

struct Lowerer<'a> {
    program: &'a Program,
    campaign: &'a Campaign,
    graph: DiGraph<Node, Edge>,
    named: HashMap<String, NodeIndex>,
    gotos: Vec<(NodeIndex, String)>,
    ids: HashSet<String>,
    back_edges: Vec<petgraph::graph::EdgeIndex>,
    time_nodes: Vec<NodeIndex>,
}

fn merge_allows(outer: &Allows, own: &Allows) -> Allows {
    if own.codes.is_empty() {
        return outer.clone();
    }
    let mut a = outer.clone();
    a.codes.extend(own.codes.iter().cloned());
    a
}

fn child(prefix: &str, part: &str) -> String {
    if prefix.is_empty() {
        part.to_string()
    } else {
        format!("{prefix}.{part}")
    }
}

impl Lowerer<'_> {
    fn node(
        &mut self,
        id: String,
        kind: NodeKind,
        loc: Loc,
        allows: Allows,
        parent: Option<NodeIndex>,
        prev: Option<NodeIndex>,
    ) -> NodeIndex {
        let mut unique = id.clone();
        let mut k = 2;
        while !self.ids.insert(unique.clone()) {
            unique = format!("{id}#{k}");
            k += 1;
        }
        self.graph.add_node(Node {
            id: unique,
            kind,
            loc,
            allows,
            parent,
            prev,
        })
    }

    fn connect(&mut self, pending: Pending, to: NodeIndex) {
        for (from, e) in pending {
            self.graph.add_edge(from, to, e);
        }
    }

    /// Lowers `block`: `pending` edges lead into its first step; returns the
    /// edges leaving its end.
    fn block(
        &mut self,
        block: &Block,
        prefix: &str,
        parent: Option<NodeIndex>,
        allows: &Allows,
        mut pending: Pending,
    ) -> Pending {
        let mut prev = None;
        let mut seen: HashMap<String, usize> = HashMap::with_capacity(block.steps.len());
        for step in &block.steps {
            let id = match kind::flow(&step.kind) {
                Flow::Named(name, _) => name.to_string(),
                _ => {
                    let key = kind::step_key(self.program, &step.kind);
                    let n = seen.entry(key.clone()).or_insert(0);
                    *n += 1;
                    if *n == 1 {
                        child(prefix, &key)
                    } else {
                        child(prefix, &format!("{key}~{n}"))
                    }
                }
            };
            let (n, out) = self.step(step, id, parent, prev, allows, pending);
            pending = out;
            prev = Some(n);
        }
        pending
    }

    fn step(
        &mut self,
        step: &Step,
        id: String,
        parent: Option<NodeIndex>,
        prev: Option<NodeIndex>,
        outer_allows: &Allows,
        pending: Pending,
    ) -> (NodeIndex, Pending) {
        let allows = merge_allows(outer_allows, &step.allows);
        let program = self.program;
        let kind = kind::node_kind(program, &step.kind);
        let n = self.node(id, kind, step.loc, allows.clone(), parent, prev);
        // The id after `node` made it unique: the steps inside are named
        // after the node they are in.
        let id = self.graph[n].id.clone();
        self.connect(pending, n);
        if kind::time_passes(program, self.campaign, &step.kind) {
            self.time_nodes.push(n);
        }
        let p = Some(n);
        let out = match kind::flow(&step.kind) {
            Flow::Next => vec![(n, Edge::Next)],
            Flow::Branches => {
                let mut out = Vec::new();
                kind::branches(program, &step.kind, &mut |edge, part, body| match body {
                    Some(b) => {
                        let into = vec![(n, edge)];
                        out.extend(self.block(b, &child(&id, part), p, &allows, into));
                    }
                    None => out.push((n, edge)),
                });
                out
            }
            Flow::Loop(body) => {
                let back = self.block(body, &id, p, &allows, vec![(n, Edge::Body)]);
                for (from, e) in back {
                    let ei = self.graph.add_edge(from, n, e);
                    self.back_edges.push(ei);
                }
                vec![(n, Edge::Done)]
            }
            Flow::Named(name, body) => {
                self.named.insert(name.to_string(), n);
                self.block(body, &id, p, &allows, vec![(n, Edge::Next)])
            }
            Flow::Jump(target) => {
                self.gotos.push((n, target.to_string()));
                Vec::new()
            }
            Flow::Stop => Vec::new(),
        };
        (n, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testkit::{on_event, ProgramBuilder};
    use crate::model::{CmpOp, Type, WaitOn, Weekday};
    use petgraph::visit::EdgeRef;

    fn ids(j: &Journey) -> Vec<String> {
        j.graph.node_weights().map(|n| n.id.clone()).collect()
    }

    fn edges(j: &Journey) -> Vec<String> {
        let mut v: Vec<String> = j
            .graph
            .edge_references()
            .map(|e| {
                format!(
                    "{} -{:?}-> {}",
                    j.graph[e.source()].id,
                    e.weight(),
                    j.graph[e.target()].id
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn ids_follow_the_structure() {
        let mut b = ProgramBuilder::new();
        let ev = b.event("order_placed", &[]);
        let unsub = b.event("unsubscribed", &[]);
        let x = b.attr("x", Type::Number);
        let ch = b.channel("email", None);
        let m = b.message("m", ch);
        let s1 = b.send(m);
        let c1 = b.num(x, CmpOp::Gt, 1.0);
        let c2 = b.num(x, CmpOp::Gt, 2.0);
        let t1 = b.send(m);
        let t2 = b.wait(60);
        let e1 = b.send(m);
        let iff = b.if_(vec![(c1, vec![t1]), (c2, vec![t2])], Some(vec![e1]));
        let a1 = b.send(m);
        let h1 = b.exit();
        let split = b.split(vec![(90, Some("a"), vec![a1]), (10, None, vec![h1])]);
        let w = b.wait(3600);
        let n1 = b.send(m);
        let nudge = b.named("nudge", vec![w, n1]);
        let r1 = b.wait(60);
        let rep = b.repeat(2, vec![r1]);
        let mt = b.send(m);
        let wf = b.wait_for(WaitOn::Opened(m), 3600, Some(vec![mt]), None);
        let g = b.goto("nudge");
        let c = b.campaign("c", on_event(ev), vec![s1, iff, split, nudge, rep, wf, g]);
        b.campaign_mut(c).goal = Some((ev, b.program.campaigns[0].loc));
        b.campaign_mut(c).exits = vec![(unsub, b.program.campaigns[0].loc)];
        let j = lower(&b.program, c);
        assert_eq!(
            ids(&j),
            [
                "@entry",
                "@end",
                "@goal",
                "@exit.unsubscribed",
                "send-m",
                "if",
                "if.then.send-m",
                "if.if2.wait",
                "if.else.send-m",
                "split",
                "split.a.send-m",
                "split.2.exit",
                "nudge",
                "nudge.wait",
                "nudge.send-m",
                "repeat",
                "repeat.wait",
                "waitfor-opened-m",
                "waitfor-opened-m.then.send-m",
                "goto-nudge"
            ]
        );
        let e = edges(&j);
        for want in [
            "@entry -Next-> send-m",
            "send-m -Next-> if",
            "if -If(0)-> if.then.send-m",
            "if -If(1)-> if.if2.wait",
            "if -Else-> if.else.send-m",
            "if.then.send-m -Next-> split",
            "if.if2.wait -Next-> split",
            "if.if2.wait -Ends(EventId(0))-> @goal",
            "if.if2.wait -Ends(EventId(1))-> @exit.unsubscribed",
            "split.a.send-m -Next-> nudge",
            "nudge -Next-> nudge.wait",
            "nudge.send-m -Next-> repeat",
            "repeat -Body-> repeat.wait",
            "repeat.wait -Next-> repeat",
            "repeat -Done-> waitfor-opened-m",
            "waitfor-opened-m -Matched-> waitfor-opened-m.then.send-m",
            "waitfor-opened-m -Timeout-> goto-nudge",
            "waitfor-opened-m.then.send-m -Next-> goto-nudge",
            "goto-nudge -Jump-> nudge",
        ] {
            assert!(e.contains(&want.to_string()), "missing {want} in {e:#?}");
        }
        // `exit` has no successor; sends without quiet hours no `Ends`.
        let exit = j.node_by_id("split.2.exit").unwrap();
        assert_eq!(j.graph.edges(exit).count(), 0);
        let s1 = j.node_by_id("send-m").unwrap();
        assert_eq!(j.graph.edges(s1).count(), 1);
        assert_eq!(j.repeat_back_edges.len(), 1);
        let back = j.repeat_back_edges[0];
        assert_eq!(
            j.graph.edge_endpoints(back).unwrap().1,
            j.node_by_id("repeat").unwrap()
        );
        // Structure.
        let t = j.node_by_id("if.if2.wait").unwrap();
        assert_eq!(j.graph[t].parent, j.node_by_id("if"));
        assert_eq!(
            j.graph[j.node_by_id("nudge.send-m").unwrap()].prev,
            j.node_by_id("nudge.wait")
        );
        assert_eq!(
            j.graph[j.node_by_id("repeat").unwrap()].prev,
            j.node_by_id("nudge")
        );
    }

    #[test]
    fn step_parts_name_the_kind_and_operand_and_count_repeats_per_block() {
        let mut b = ProgramBuilder::new();
        let ev = b.event("order_placed", &[]);
        let x = b.attr("x", Type::Bool);
        let ch = b.channel("email", None);
        let m = b.message("cart_reminder", ch);
        let coupon = b.message("coupon", ch);
        let send1 = b.send(m);
        let wait1 = b.wait(129_600);
        let send2 = b.send(m);
        let until = b.wait_until(None, 9 * 60);
        let until_mon = b.wait_until(Some(Weekday::Mon), 9 * 60 + 5);
        let wf_event = b.wait_for(WaitOn::Event(ev), 3600, None, None);
        let wf_clicked = b.wait_for(WaitOn::Clicked(coupon), 3600, None, None);
        // The inner block counts on its own: its first `send m` is no `~N`.
        let inner1 = b.send(m);
        let inner2 = b.send(m);
        let c1 = b.flag(x);
        let iff1 = b.if_(vec![(c1, vec![inner1, inner2])], None);
        let c2 = b.flag(x);
        let inner3 = b.send(m);
        let iff2 = b.if_(vec![(c2, vec![inner3])], None);
        let wait2 = b.wait(2 * 86_400);
        let send3 = b.send(m);
        let ex = b.exit();
        let c = b.campaign(
            "c",
            on_event(ev),
            vec![
                send1, wait1, send2, until, until_mon, wf_event, wf_clicked, iff1, iff2, wait2,
                send3, ex,
            ],
        );
        let j = lower(&b.program, c);
        assert_eq!(
            ids(&j),
            [
                "@entry",
                "@end",
                "send-cart_reminder",
                "wait",
                "send-cart_reminder~2",
                "until",
                "until~2",
                "waitfor-order_placed",
                "waitfor-clicked-coupon",
                "if",
                "if.then.send-cart_reminder",
                "if.then.send-cart_reminder~2",
                "if~2",
                "if~2.then.send-cart_reminder",
                "wait~2",
                "send-cart_reminder~3",
                "exit",
            ]
        );
        // Deterministic.
        assert_eq!(ids(&lower(&b.program, c)), ids(&j));
    }

    #[test]
    fn colliding_ids_get_a_suffix_and_empty_blocks_pass_through() {
        let mut b = ProgramBuilder::new();
        let ev = b.event("e", &[]);
        let x = b.attr("x", Type::Bool);
        let ch = b.channel("email", None);
        let m = b.message("m", ch);
        // Names may be `if`, `split`, `repeat`, `wait`, `until` or `exit`.
        let w = b.wait(60);
        let named_wait = b.named("wait", vec![]);
        let named_if = b.named("if", vec![]);
        let c = b.flag(x);
        let iff = b.if_(vec![(c, vec![])], None);
        let rep = b.repeat(3, vec![]);
        let s = b.send(m);
        let named_repeat = b.named("repeat", vec![s]);
        let c = b.campaign(
            "c",
            on_event(ev),
            vec![w, named_wait, named_if, iff, rep, named_repeat],
        );
        let j = lower(&b.program, c);
        // The steps inside a suffixed node are named after it, not after
        // the node it clashed with.
        assert_eq!(
            ids(&j),
            [
                "@entry",
                "@end",
                "wait",
                "wait#2",
                "if",
                "if#2",
                "repeat",
                "repeat#2",
                "repeat#2.send-m"
            ]
        );
        let e = edges(&j);
        for want in [
            "@entry -Next-> wait",
            "wait -Next-> wait#2",
            "wait#2 -Next-> if",
            "if -Next-> if#2",
            "if#2 -If(0)-> repeat",
            "if#2 -Else-> repeat",
            "repeat -Body-> repeat",
            "repeat -Done-> repeat#2",
            "repeat#2 -Next-> repeat#2.send-m",
            "repeat#2.send-m -Next-> @end",
        ] {
            assert!(e.contains(&want.to_string()), "missing {want} in {e:#?}");
        }
        assert!(j.is_repeat_back_edge(
            j.graph
                .find_edge(
                    j.node_by_id("repeat").unwrap(),
                    j.node_by_id("repeat").unwrap()
                )
                .unwrap()
        ));
    }
}
