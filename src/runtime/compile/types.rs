//! The types of a compiled plan ([`Compiled`]): what the runtime core
//! executes. Built by [`super::compile`].

use std::collections::HashMap;
use std::sync::Arc;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::super::action_step::CAction;
use super::super::branch_step::CChoice;
use super::super::wait_step::CWait;
use crate::plan::{self, time, BasicType, CmpOp, ValueType};

/// A runtime value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Val {
    Bool(bool),
    Num(f64),
    Text(String),
    /// An instant (seconds since the epoch).
    Time(i64),
    /// A calendar day (days since 1970-01-01).
    Date(i64),
    /// A list (its elements are never lists).
    List(Vec<Val>),
}

impl Val {
    /// The value as the language writes it: `"pro"`, `3`, `true`,
    /// `2026-01-01`, `["a", "b"]`, an instant in RFC 3339.
    pub fn text(&self) -> String {
        match self {
            Val::Bool(b) => b.to_string(),
            Val::Num(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => (*n as i64).to_string(),
            Val::Num(n) => n.to_string(),
            Val::Text(s) => format!("{s:?}"),
            Val::Time(t) => time::format_instant(*t),
            Val::Date(d) => time::format_day(*d),
            Val::List(xs) => format!(
                "[{}]",
                xs.iter().map(Val::text).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Text,
    Number,
    Bool,
    Time,
    Date,
    /// A list of the element type (never a list).
    List(&'static Ty),
}

pub(super) fn ty(t: &ValueType) -> Ty {
    match t {
        ValueType::Basic(BasicType::Text) | ValueType::OneOf { .. } => Ty::Text,
        ValueType::Basic(BasicType::Number) => Ty::Number,
        ValueType::Basic(BasicType::Bool) => Ty::Bool,
        ValueType::Basic(BasicType::Time) => Ty::Time,
        ValueType::Basic(BasicType::Date) => Ty::Date,
        ValueType::ListOf { list_of } => Ty::List(match ty(list_of) {
            Ty::Number => &Ty::Number,
            Ty::Bool => &Ty::Bool,
            Ty::Time => &Ty::Time,
            Ty::Date => &Ty::Date,
            // A list of lists is not a type; text stands in.
            Ty::Text | Ty::List(_) => &Ty::Text,
        }),
    }
}

#[derive(Clone, Debug)]
pub enum COperand {
    Attr(usize),
    TriggerField(usize),
    EventField(usize),
    Const(Val),
}

#[derive(Clone, Debug)]
pub enum CExpr {
    Const(bool),
    And(Vec<CExpr>),
    Or(Vec<CExpr>),
    Not(Box<CExpr>),
    Cmp(CmpOp, COperand, COperand),
    In(COperand, Vec<COperand>, bool),
    IsSet(COperand),
    /// `list contains item`.
    Contains(COperand, COperand),
    /// `value is empty`: unset, or a list without elements.
    IsEmpty(COperand),
    Did {
        event: usize,
        filter: Option<Box<CExpr>>,
        /// `None`: ever.
        within: Option<i64>,
        since_entry: bool,
        at_least: u32,
    },
    Opened(usize),
    Clicked(usize),
    /// `received` (the history across campaigns, by name).
    Received {
        /// The message, else any on `channel`, else any.
        message: Option<String>,
        channel: Option<String>,
        within: Option<i64>,
        since_entry: bool,
        at_least: u32,
    },
    /// `opened any` / `clicked any`.
    EngagedAny {
        channel: Option<String>,
        within: i64,
        clicked: bool,
    },
    /// `in campaign NAME`.
    InCampaign(String),
    /// A segment of the plan's table, shared by every condition using it.
    Segment(Arc<CSegment>),
}

/// A compiled segment: its place in the table (for memoizing) and its
/// condition.
#[derive(Debug)]
pub struct CSegment {
    pub index: usize,
    pub cond: CExpr,
}

/// An edge target: the node, and whether the edge closes an iteration of
/// the `repeat` it leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tgt {
    pub to: usize,
    pub lp: bool,
}

/// What a node does: a kind of its own for the journey's flow (`send`,
/// `repeat`, the jumps, `exit`, `end`), and for each other family of the
/// plan's kinds ([`crate::plan::Family`]) one variant holding that
/// family's compiled form, whose meaning is written in its own file.
#[derive(Clone, Debug)]
pub enum CKind {
    Send(usize),
    /// A step that holds the person until a moment comes or something
    /// happens ([`CWait`]).
    Wait(CWait),
    /// A step that takes one of its edges at once ([`CChoice`]).
    Choice(CChoice),
    Repeat {
        times: u32,
        body: Tgt,
        done: Tgt,
    },
    Jump,
    Exit,
    End,
    /// A step that does one thing and goes on (`set`, `unset`): what it
    /// does is its own ([`CAction`]).
    Action(CAction),
}

#[derive(Clone, Debug)]
pub struct CNode {
    pub id: String,
    /// The plan's kind name (`NodeKind::name`): a replacement keeps people
    /// at a node whose id and kind name survive.
    pub kind_name: &'static str,
    pub kind: CKind,
    /// Where flow goes when the node is done with nothing happening: the
    /// `next` or `jump` successor, a `wait_for`'s `timeout` (unused for
    /// the kinds that have none of these).
    pub next: Tgt,
}

#[derive(Clone, Debug)]
pub struct CChannel {
    /// Shared with the history across campaigns ([`super::super::Sent`]),
    /// which holds it without a copy.
    pub name: Arc<str>,
    pub consent: Option<usize>,
    /// The quiet periods a send on it waits out: the channel's and the
    /// campaign's (minutes after midnight, `from` to `to`).
    pub quiet: Vec<(u32, u32)>,
    pub limits: Vec<(u32, i64)>,
}

#[derive(Clone, Debug)]
pub struct CMessage {
    /// Shared with the history across campaigns, like [`CChannel::name`].
    pub name: Arc<str>,
    pub channel: usize,
}

#[derive(Clone, Debug)]
pub enum CTrigger {
    Event {
        event: usize,
        filter: Option<CExpr>,
    },
    Enters(CExpr),
    Daily(u32),
    Weekly(u32, u32),
    Once(chrono::NaiveDate, u32),
    /// A day relative to a date or time attribute (see `plan::Trigger::Date`).
    Date {
        attr: usize,
        offset_days: i64,
        minutes: u32,
        yearly: bool,
    },
}

#[derive(Clone, Debug)]
pub struct CEvent {
    pub name: String,
    pub fields: Vec<(String, Ty)>,
}

/// A compiled plan.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// Node index by id.
    pub node_index: HashMap<String, usize>,
    /// Shared with the history across campaigns (sends, `in campaign`).
    pub campaign: Arc<str>,
    pub attrs: Vec<(String, Ty)>,
    pub attr_index: HashMap<String, usize>,
    pub events: Vec<CEvent>,
    pub event_index: HashMap<String, usize>,
    pub channels: Vec<CChannel>,
    pub messages: Vec<CMessage>,
    pub message_index: HashMap<String, usize>,
    pub nodes: Vec<CNode>,
    pub entry: usize,
    pub trigger: CTrigger,
    /// The trigger event, whose fields `TriggerField` indexes.
    pub trigger_event: Option<usize>,
    pub audience: Option<CExpr>,
    pub reentry: plan::Reentry,
    pub goal: Option<usize>,
    /// The goal's `where`: only occurrences for which it holds convert.
    pub goal_filter: Option<CExpr>,
    /// Exit events, each with its `where`, if any.
    pub exits: Vec<(usize, Option<CExpr>)>,
    /// `exit unless` conditions.
    pub exit_unless: Vec<CExpr>,
    pub limits: Vec<(u32, i64)>,
    /// `[opens, closes)`.
    pub window: Option<(i64, i64)>,
    /// `priority` (entry order among campaigns at one instant).
    pub priority: u8,
    pub tz: Tz,
    pub tz_attr: Option<usize>,
    /// The longest bounded `latest` of any node (for the default horizon).
    pub max_latest: Option<u64>,
}
