//! Conditions in a plan: the expression tree runners evaluate
//! ([`Expr`]), its operands and operators. Evaluation is the runtime
//! core's (`crate::runtime`); the rules are in docs/plan-format.md.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ValueType, VarValue};

/// A condition, as a tree. Segments are referred to by name
/// (`segment_ref`, defined in the plan's `segments`). Evaluation never
/// fails: a comparison whose operand is not set is false.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Expr {
    /// A constant condition.
    Const { value: bool },
    /// True when every argument is (true when there are none).
    And { args: Vec<Expr> },
    /// True when some argument is (false when there are none).
    Or { args: Vec<Expr> },
    /// True when `arg` is false (a comparison on an unset value is false,
    /// so its negation is true).
    Not { arg: Box<Expr> },
    /// A named segment, expanded inline: true when `arg` (its condition)
    /// is. Format 1.0: 1.1 compilers write `segment_ref`.
    Segment { name: String, arg: Box<Expr> },
    /// A named segment of the plan's `segments`: true when its condition
    /// is (format 1.1).
    SegmentRef { name: String },
    /// `left cmp right`: false when either side is not set. Text and
    /// one-of compare as strings (only `==`, `!=`); numbers as numbers;
    /// times as instants; bools with `==`, `!=`.
    Cmp {
        cmp: CmpOp,
        left: Operand,
        right: Operand,
    },
    /// `value in [list]`: false when `value` is not set.
    In { value: Operand, list: Vec<Operand> },
    /// `value not in [list]`: false when `value` is not set.
    NotIn { value: Operand, list: Vec<Operand> },
    /// `value is set` (`is not set` is `not` of this).
    IsSet { value: Operand },
    /// `list contains item` (format 1.2): the list `list` holds an element
    /// equal to `item`; false when either is not set.
    Contains { list: Operand, item: Operand },
    /// `value is empty` (format 1.2): the list `value` is not set or has no
    /// elements (`is not empty` is `not` of this).
    IsEmpty { value: Operand },
    /// `did EVENT [where ...] [within D | since entry] [at least N times]`:
    /// the person's history holds at least `at_least` occurrences of
    /// `event` in `window` for which `where` holds (`event_field` operands
    /// are that occurrence's fields).
    Did {
        event: String,
        #[serde(rename = "where")]
        filter: Option<Box<Expr>>,
        window: DidWindow,
        at_least: u32,
    },
    /// The person opened `message` in this journey (it was sent in this
    /// journey first).
    Opened { message: String },
    /// The person clicked `message` in this journey (it was sent in this
    /// journey first).
    Clicked { message: String },
    /// `received M|any [CHANNEL] [within D | since entry] [at least N
    /// times]` (format 1.2): at least `at_least` sends to the person in
    /// `window`, from any campaign, of `message` when it is given, else of
    /// any message on `channel` when it is given, else of any message.
    /// `since_entry` counts the sends since the person entered this
    /// journey. The names are the project's, not necessarily in this
    /// plan's tables.
    Received {
        message: Option<String>,
        channel: Option<String>,
        window: DidWindow,
        at_least: u32,
    },
    /// `opened any [CHANNEL] within D` (format 1.2): the person opened a
    /// message (from any campaign; on `channel` when given) at most
    /// `seconds` ago.
    OpenedAny {
        channel: Option<String>,
        seconds: u64,
    },
    /// `clicked any [CHANNEL] within D` (format 1.2), as `opened_any` for
    /// clicks.
    ClickedAny {
        channel: Option<String>,
        seconds: u64,
    },
    /// `in campaign NAME` (format 1.2): the person is in a journey of
    /// campaign `campaign` now.
    InCampaign { campaign: String },
}

/// The part of a person's history a `did` looks at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DidWindow {
    /// All of it.
    Ever,
    /// Occurrences at most `seconds` before now.
    Within { seconds: u64 },
    /// Occurrences after the person entered this journey (the triggering
    /// event itself excluded).
    SinceEntry,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CmpOp {
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl From<crate::model::CmpOp> for CmpOp {
    fn from(op: crate::model::CmpOp) -> Self {
        use crate::model::CmpOp as C;
        match op {
            C::Eq => CmpOp::Eq,
            C::Ne => CmpOp::Ne,
            C::Lt => CmpOp::Lt,
            C::Le => CmpOp::Le,
            C::Gt => CmpOp::Gt,
            C::Ge => CmpOp::Ge,
        }
    }
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// One side of a comparison, or an element of an `in` list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Operand {
    /// A profile attribute, read when the condition is evaluated.
    Attr {
        attr: String,
        #[serde(rename = "type")]
        ty: ValueType,
    },
    /// A field of the event that triggered this journey (fixed for the
    /// journey).
    TriggerField {
        trigger_field: String,
        event: String,
        #[serde(rename = "type")]
        ty: ValueType,
    },
    /// A field of the occurrence being matched by a `did` or `wait for`
    /// `where`.
    EventField {
        event_field: String,
        event: String,
        #[serde(rename = "type")]
        ty: ValueType,
    },
    /// A date (`YYYY-MM-DD`); compared with a time, it is the first
    /// instant of that day in UTC.
    Date { date: String },
    /// A duration in seconds.
    Duration { duration: u64 },
    /// A time of day (`HH:MM`).
    TimeOfDay { time_of_day: String },
    /// A constant string, number or bool.
    Const {
        #[serde(rename = "const")]
        value: VarValue,
    },
}
