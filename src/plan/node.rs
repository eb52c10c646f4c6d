//! A plan's nodes: what each kind of node does and how it is written (the
//! types here are the format, as in [`super`]), and the conversion of a
//! journey graph's node and edges into them (called by [`super::emit`]).
//! A new step kind is written here: its `NodeKind` variant, its `name`, and
//! its conversion from the graph (for a [`model::Action`], in
//! [`Cx::action`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::emit::Cx;
use super::{Expr, Operand, Weekday};
use crate::graph::{Edge as GEdge, NodeKind as GKind};
use crate::model::{self, Action, Delay};
use crate::words::time_of_day;

/// One step of the journey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Node {
    /// Stable id, derived from what the step is (its kind, and what a
    /// `send` sends or a `wait for` waits for) and the blocks it is in, not
    /// from its position or parameters: editing a wait's duration or time
    /// keeps it (see docs/plan-format.md). Unique in the plan.
    pub id: String,
    /// What the node does, and its parameters.
    #[serde(flatten)]
    pub kind: NodeKind,
    /// 1-based source line of the step (0 for the `end` node).
    pub line: u32,
    /// 1-based source column of the step (0 for the `end` node).
    pub column: u32,
    /// The least time (seconds) from entry to arriving at this node, over
    /// every path (waits as short as they can be).
    pub earliest: u64,
    /// The most time (seconds) from entry to arriving at this node;
    /// `null` when a loop through waits makes it unbounded.
    pub latest: Option<u64>,
    /// Where flow goes next, labelled. Empty for `exit` and `end`.
    pub successors: Vec<Edge>,
}

/// What a node does. Runners reject kinds they do not know.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NodeKind {
    /// Send `message` (consent, quiet hours and limits apply), then `next`.
    Send { message: String },
    /// Wait `seconds`, then `next`.
    Wait { seconds: u64 },
    /// Wait until the next moment, at or after arrival, when the person's
    /// local time is `at` (`HH:MM`) on `on` (any day when `null`), then
    /// `next`.
    WaitUntil { on: Option<Weekday>, at: String },
    /// Wait up to `within` seconds for `on` (with `where`, if any, holding
    /// for the occurrence): `event` when it happens, `timeout` otherwise.
    WaitFor {
        on: WaitOn,
        #[serde(rename = "where")]
        filter: Option<Expr>,
        within: u64,
    },
    /// `wait for any` (format 1.2): wait up to `within` seconds for the
    /// first of `arms` to happen (an event meeting its `where`, or an open
    /// or click of its message): flow takes that arm's `on` edge, else the
    /// `timeout` edge.
    WaitForAny { arms: Vec<WaitArm>, within: u64 },
    /// `if`: the first `then` edge whose `when` holds, else `else`.
    Branch,
    /// Each person takes one `arm` edge, by a stable hash (see docs).
    Split,
    /// Take `body` `times` times, then `done`.
    Repeat { times: u32 },
    /// A named step (`step NAME`): flow falls in or jumps here, then
    /// `next` (into its body).
    Step { name: String },
    /// `goto NAME`: `jump` to the named step.
    Goto { target: String },
    /// Ends the journey (not a conversion).
    Exit,
    /// `set ATTR = VALUE` (format 1.2): writes `value` to the person's
    /// profile attribute `attribute` at that instant, then `next`. Takes
    /// no time; conditions after it read the new value.
    Set { attribute: String, value: SetTo },
    /// `unset ATTR` (format 1.2): clears the profile attribute
    /// `attribute`, then `next`.
    Unset { attribute: String },
    /// The end of the journey: the person completed it.
    End,
}

/// What a `set` node writes (format 1.2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SetTo {
    /// `operand`: a constant (`const`, `date`) or a `trigger_field` (an
    /// unset field unsets the attribute).
    Value { operand: Operand },
    /// A list of constants, for a `list_of` attribute.
    List { items: Vec<Operand> },
    /// The instant of the step, for a `time` attribute.
    Now,
}

/// What a `wait for` waits for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WaitOn {
    /// An occurrence of `event` after arrival at the node.
    Event { event: String },
    /// The person opening `message` (at any time since it was sent in this
    /// journey).
    Opened { message: String },
    /// The person clicking `message` (at any time since it was sent in
    /// this journey).
    Clicked { message: String },
}

/// One `on` of a `wait_for_any` node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WaitArm {
    /// Its key, unique in the node, from what it waits for (`on-EVENT`,
    /// `on-opened-M`, `on-clicked-M`, `~2` for a second one with the same
    /// key): the `arm` of its `on` edge.
    pub arm: String,
    /// What it waits for (as in `wait_for`).
    pub on: WaitOn,
    /// For an event: what the occurrence must meet (as in `wait_for`).
    #[serde(rename = "where")]
    pub filter: Option<Expr>,
}

/// A labelled successor edge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Edge {
    /// Which successor this is, with its parameters.
    #[serde(flatten)]
    pub label: EdgeLabel,
    /// The id of the node it leads to.
    pub to: String,
    /// `true` on the edges that close an iteration of the `repeat` node
    /// they lead to (from the end of its body). Arriving at a `repeat`
    /// along any other edge starts it afresh.
    #[serde(default, rename = "loop", skip_serializing_if = "is_false")]
    pub loop_back: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// An edge's label. Which labels a node has depends on its kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "label", rename_all = "snake_case")]
pub enum EdgeLabel {
    /// The one successor of `send`, `wait`, `wait_until`, `step`.
    Next,
    /// A `branch` arm, taken when `when` holds (arms are tried in order).
    Then { when: Expr },
    /// The `branch` successor when no arm holds.
    Else,
    /// A `split` arm: its name (its 1-based position, `"2"`, when unnamed) and
    /// `weight` in hundredths of a percent (all arms sum to 10000).
    Arm { arm: String, weight: u32 },
    /// `wait_for`: the awaited thing happened in time.
    Event,
    /// `wait_for`, `wait_for_any`: `within` passed first.
    Timeout,
    /// `wait_for_any` (format 1.2): the `arm` with this key happened first.
    On { arm: String },
    /// `repeat`: one more iteration.
    Body,
    /// `repeat`: all iterations done.
    Done,
    /// `goto`: the named step.
    Jump,
}

/// The family of a kind: the kinds whose meaning to a runner is alike.
/// The runtime core gives each family's meaning in one place, and asks
/// this, not the kind, which place that is (`docs/architecture.md`,
/// "Where a new step kind goes").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Sends a message (`send`): may hold people during quiet hours.
    Send,
    /// Holds people until a moment comes or something happens (`wait`,
    /// `wait_until`, `wait_for`, `wait_for_any`): `runtime/wait_step.rs`.
    Wait,
    /// Takes one of its edges at once (`branch`, `split`):
    /// `runtime/branch_step.rs`.
    Choice,
    /// Does one thing and goes on by `next` (`set`, `unset`):
    /// `runtime/action_step.rs`.
    Action,
    /// Where the journey goes (`repeat`, `step`, `goto`, `exit`, `end`):
    /// the journey's own (`runtime/journey.rs`).
    Flow,
}

impl NodeKind {
    /// The kind's family. The one place a kind is given one.
    pub fn family(&self) -> Family {
        match self {
            NodeKind::Send { .. } => Family::Send,
            NodeKind::Wait { .. }
            | NodeKind::WaitUntil { .. }
            | NodeKind::WaitFor { .. }
            | NodeKind::WaitForAny { .. } => Family::Wait,
            NodeKind::Branch | NodeKind::Split => Family::Choice,
            NodeKind::Set { .. } | NodeKind::Unset { .. } => Family::Action,
            NodeKind::Repeat { .. }
            | NodeKind::Step { .. }
            | NodeKind::Goto { .. }
            | NodeKind::Exit
            | NodeKind::End => Family::Flow,
        }
    }

    /// Whether people wait at the node for time to pass or something to
    /// happen (the [`Family::Wait`] kinds); a `send` may also hold them,
    /// during quiet hours.
    pub fn waits(&self) -> bool {
        self.family() == Family::Wait
    }

    /// The kind's name, as the plan's `kind` tag writes it.
    pub fn name(&self) -> &'static str {
        match self {
            NodeKind::Send { .. } => "send",
            NodeKind::Wait { .. } => "wait",
            NodeKind::WaitUntil { .. } => "wait_until",
            NodeKind::WaitFor { .. } => "wait_for",
            NodeKind::WaitForAny { .. } => "wait_for_any",
            NodeKind::Branch => "branch",
            NodeKind::Split => "split",
            NodeKind::Repeat { .. } => "repeat",
            NodeKind::Step { .. } => "step",
            NodeKind::Goto { .. } => "goto",
            NodeKind::Exit => "exit",
            NodeKind::End => "end",
            NodeKind::Set { .. } => "set",
            NodeKind::Unset { .. } => "unset",
        }
    }
}

impl EdgeLabel {
    pub fn name(&self) -> &'static str {
        match self {
            EdgeLabel::Next => "next",
            EdgeLabel::Then { .. } => "then",
            EdgeLabel::Else => "else",
            EdgeLabel::Arm { .. } => "arm",
            EdgeLabel::Event => "event",
            EdgeLabel::Timeout => "timeout",
            EdgeLabel::On { .. } => "on",
            EdgeLabel::Body => "body",
            EdgeLabel::Done => "done",
            EdgeLabel::Jump => "jump",
        }
    }

    /// Taken only when something happens: a `wait_for`'s `event`, a
    /// `wait_for_any`'s `on` arm. Every other edge can be taken with
    /// nothing happening (a wait's `next`, a `timeout`, a branch's arms).
    pub fn awaits(&self) -> bool {
        matches!(self, EdgeLabel::Event | EdgeLabel::On { .. })
    }
}

impl Cx<'_> {
    /// The plan's kind of a journey graph's node: entry, end, goal and
    /// exit-event nodes are all the plan's `end`.
    pub(super) fn node_kind(&mut self, kind: &GKind) -> NodeKind {
        let program = self.program;
        match kind {
            GKind::Send(m) => {
                self.messages.insert(*m);
                NodeKind::Send {
                    message: program.message(*m).name.clone(),
                }
            }
            GKind::Delay(d) => match d {
                Delay::For(d) => NodeKind::Wait { seconds: d.seconds },
                Delay::Until { weekday, time } => NodeKind::WaitUntil {
                    on: weekday.map(|(w, _)| Weekday::from(w)),
                    at: time_of_day(time.minutes),
                },
            },
            GKind::WaitFor { on, filter, within } => NodeKind::WaitFor {
                on: self.wait_on(on),
                filter: filter.as_ref().map(|f| self.expr(f)),
                within: *within,
            },
            GKind::WaitAny { arms, within } => NodeKind::WaitForAny {
                arms: arms
                    .iter()
                    .map(|(on, filter, arm)| WaitArm {
                        arm: arm.clone(),
                        on: self.wait_on(on),
                        filter: filter.as_ref().map(|f| self.expr(f)),
                    })
                    .collect(),
                within: *within,
            },
            GKind::Branch { .. } => NodeKind::Branch,
            GKind::Split => NodeKind::Split,
            GKind::Repeat { times } => NodeKind::Repeat { times: *times },
            GKind::Named { name } => NodeKind::Step { name: name.clone() },
            GKind::Goto { target } => NodeKind::Goto {
                target: target.clone(),
            },
            GKind::Exit => NodeKind::Exit,
            GKind::Action(a) => self.action(a),
            GKind::End | GKind::Entry | GKind::Goal(_) | GKind::ExitEvent(_) => NodeKind::End,
        }
    }

    /// The plan's kind of a step that does one thing and goes on (its one
    /// successor is `next`).
    fn action(&mut self, action: &Action) -> NodeKind {
        let program = self.program;
        match action {
            Action::Set { attr, value } => {
                self.attrs.insert(*attr);
                let attribute = program.attr(*attr).name.clone();
                match value {
                    None => NodeKind::Unset { attribute },
                    Some(v) => NodeKind::Set {
                        attribute,
                        value: self.set_to(v),
                    },
                }
            }
        }
    }

    /// What a `set` writes.
    fn set_to(&mut self, v: &model::SetValue) -> SetTo {
        let constant = |c: &model::Const| model::Value::Const(c.clone());
        match v {
            model::SetValue::Const(c) => SetTo::Value {
                operand: self.operand(&constant(c)),
            },
            model::SetValue::TriggerField(e, f) => SetTo::Value {
                operand: self.operand(&model::Value::TriggerField(*e, *f)),
            },
            model::SetValue::List(items) => SetTo::List {
                items: items.iter().map(|c| self.operand(&constant(c))).collect(),
            },
            model::SetValue::Now => SetTo::Now,
        }
    }

    /// The label of an edge out of a node of kind `kind`; `None` for the
    /// graph's goal and exit-event edges, which a plan does not list.
    pub(super) fn edge_label(&mut self, kind: &GKind, edge: &GEdge) -> Option<EdgeLabel> {
        Some(match edge {
            GEdge::Next => EdgeLabel::Next,
            GEdge::If(i) => EdgeLabel::Then {
                when: self.expr(&kind.guards()[*i]),
            },
            GEdge::Else => EdgeLabel::Else,
            GEdge::Arm(a) => EdgeLabel::Arm {
                arm: (a.name.as_deref()).map_or_else(|| (a.index + 1).to_string(), str::to_string),
                weight: a.weight,
            },
            GEdge::Matched => EdgeLabel::Event,
            GEdge::On(i) => {
                let GKind::WaitAny { arms, .. } = kind else {
                    unreachable!("`on` edge out of a `wait for any`")
                };
                EdgeLabel::On {
                    arm: arms[*i].2.clone(),
                }
            }
            GEdge::Timeout => EdgeLabel::Timeout,
            GEdge::Body => EdgeLabel::Body,
            GEdge::Done => EdgeLabel::Done,
            GEdge::Jump => EdgeLabel::Jump,
            GEdge::Ends(_) => return None,
        })
    }
}
