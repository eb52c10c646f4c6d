//! Execution plans: the contract between the compiler and the runners.
//!
//! `omnis build` writes one [`Plan`] per campaign. A plan is self-contained:
//! a runner needs nothing but the plan (and the people and events it already
//! has) to execute the campaign. Everything in it is deterministic: maps are
//! `BTreeMap`s, nodes are listed in source order, there are no timestamps
//! and no absolute paths, so the same sources always give byte-identical
//! plans and a small edit gives a small diff.
//!
//! The types here *are* the format: their doc comments become the
//! descriptions of the JSON Schema (`schema/plan.schema.json`, see
//! [`schema_json`]) and `docs/plan-format.md` explains the rules around
//! them. [`emit::emit`] builds a plan from the checked model;
//! `crate::simulate` is the reference runner.
//!
//! # Versioning
//! [`FORMAT_VERSION`] is `major.minor`. A minor version only adds (new
//! optional fields, new node kinds a runner may reject with a clear error);
//! a major version breaks. Runners must reject a plan whose major version
//! they do not know. `1.1` added the segment table ([`Plan::segments`],
//! [`Expr::SegmentRef`]): each segment is written once and referred to, so
//! a plan is as large as its sources, not as their expansion. `1.2` added
//! the brief-v2 data and steps: `date` and `list_of` types, the `contains`
//! and `is_empty` ops; and the person's history across campaigns
//! (`received`, `opened_any`, `clicked_any`, `in_campaign`) and the
//! campaign's `priority`.

pub mod emit;
mod expr;
mod io;
pub mod manifest;
mod node;
pub mod segments;
pub mod time;

use std::collections::BTreeMap;

pub use expr::{CmpOp, DidWindow, Expr, Operand};
pub use io::{check_version, parse_time_of_day, schema_json, PlanError};
pub(crate) use io::{sha256_hex, write_pretty_json};
pub use node::{Edge, EdgeLabel, Family, Node, NodeKind, SetTo, WaitArm, WaitOn};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The version of the plan format this compiler writes.
pub const FORMAT_VERSION: &str = "1.2";

/// The major version of [`FORMAT_VERSION`]: runners reject other majors.
pub const FORMAT_MAJOR: u32 = 1;

/// An execution plan for one campaign.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "Omnis execution plan")]
pub struct Plan {
    /// Plan format version, `major.minor` (this is `1.2`). A minor version
    /// only adds; a major version breaks. Runners reject an unknown major.
    pub format_version: String,
    /// The compiler that wrote the plan.
    pub compiler: Compiler,
    /// The campaign's name (unique in its project).
    pub campaign: String,
    /// The campaign's `description`, if any.
    pub description: Option<String>,
    /// The file that declares the campaign.
    pub source: SourceRef,
    /// What makes a person enter.
    pub trigger: Trigger,
    /// Who may enter: checked at entry, after the trigger (and its filter)
    /// fired. `null`: everyone.
    pub audience: Option<Expr>,
    /// Whether a person may enter again.
    pub reentry: Reentry,
    /// The goal event: when a person in the journey does it, the journey
    /// ends at once and counts as a conversion. `null`: no goal.
    pub goal: Option<String>,
    /// The goal's `where` (format 1.2): only an occurrence of `goal` for
    /// which it holds ends the journey (its `event_field` operands read
    /// that occurrence, profile attributes are read when it happens).
    /// `null`: every occurrence.
    #[serde(default)]
    pub goal_filter: Option<Expr>,
    /// Exit events (`exit when`): when a person in the journey does one,
    /// the journey ends at once, without conversion. Sorted.
    pub exits: Vec<String>,
    /// The `where` of the exits that have one (format 1.2), by event: only
    /// an occurrence for which it holds ends the journey (read like
    /// `goal_filter`). Exits not listed end it on every occurrence.
    #[serde(default)]
    pub exit_filters: BTreeMap<String, Expr>,
    /// `exit unless` conditions (format 1.2): the journey ends (exit
    /// reason `condition`) at a checkpoint where one of them is false: at
    /// entry (where they act as part of the audience), when flow leaves a
    /// node where time passed, and right before every send. In source
    /// order.
    #[serde(default)]
    pub exit_unless: Vec<Expr>,
    /// Campaign limits (`limit N per D`): at most `count` sends of this
    /// campaign's messages to one person within any span shorter than
    /// `per` seconds. A send that would break one is skipped, not delayed.
    pub limits: Vec<Limit>,
    /// When the campaign runs. `null`: always.
    pub window: Option<Window>,
    /// `priority N` (0-100; format 1.2, absent: 0): campaigns whose
    /// triggers fire for a person at the same instant are entered highest
    /// priority first, then by campaign name.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub priority: u8,
    /// The campaign's IANA time zone (`"UTC"` when the campaign names
    /// none). Times of day are in the person's time zone: the profile
    /// attribute named by `timezone_attribute` when it is set, else this.
    pub timezone: String,
    /// The profile attribute that holds a person's IANA time zone, when the
    /// profile declares one (`timezone`). `null`: every person uses
    /// `timezone`.
    pub timezone_attribute: Option<String>,
    /// The campaign's own quiet hours (format 1.2), on top of each
    /// channel's: a send of this campaign goes out only when neither its
    /// channel's nor these hold it (person's time zone). `null`: none.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// The profile attributes the plan reads, with their types.
    pub profile: BTreeMap<String, ValueType>,
    /// The events the plan reads (trigger, goal, exits, `did`, `wait for`,
    /// placeholders), with their fields' types.
    pub events: BTreeMap<String, EventDecl>,
    /// The channels the plan's messages use.
    pub channels: BTreeMap<String, ChannelDecl>,
    /// The messages the journey sends or refers to.
    pub messages: BTreeMap<String, MessageDecl>,
    /// The segments the plan's conditions use (format 1.1), each once:
    /// its condition, where `segment_ref` refers to other segments of
    /// this table (never, through any chain, to itself). Absent (empty)
    /// in 1.0 plans, whose conditions expand segments inline.
    #[serde(default)]
    pub segments: BTreeMap<String, Expr>,
    /// The most messages one journey can send (every send going out), over
    /// every path; `null` when a loop with a send makes it unbounded.
    /// Limits are not taken into account.
    pub max_sends_per_person: Option<u64>,
    /// The id of the first node of the journey.
    pub entry: String,
    /// The journey's nodes, in source order; the `end` node last.
    pub nodes: Vec<Node>,
}

/// The compiler that wrote a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Compiler {
    /// Always `omnis`.
    pub name: String,
    /// The compiler's version (semver).
    pub version: String,
}

/// Where a campaign was declared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SourceRef {
    /// Path of the file, relative to the project root, with `/` separators.
    pub path: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
}

/// What makes a person enter the journey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// The person does `event` and `filter` (if any) holds. In `filter`
    /// and everywhere in the journey, `trigger_field` operands are this
    /// event's fields.
    Event { event: String, filter: Option<Expr> },
    /// The person enters `segment`: `condition` (a `segment_ref` to it)
    /// becomes true while it was false.
    Enters { segment: String, condition: Expr },
    /// Every day at `at` (`HH:MM`) in the person's time zone.
    Daily { at: String },
    /// Every week on `on` (`mon` .. `sun`) at `at` (`HH:MM`) in the
    /// person's time zone.
    Weekly { on: Weekday, at: String },
    /// Once, on `date` (`YYYY-MM-DD`) at `at` (`HH:MM`) in the person's
    /// time zone.
    Once { date: String, at: String },
    /// A day relative to the profile attribute `attribute` (format 1.2):
    /// its day (a `date`, or the day of a `time` in the person's time
    /// zone) moved by `offset_days` (negative: before), at `at` (`HH:MM`)
    /// in the person's time zone; with `yearly`, that day of every year
    /// (29 February is the 28th in other years). An unset attribute never
    /// fires; a change of the attribute reschedules; days already past
    /// never fire.
    Date {
        attribute: String,
        offset_days: i64,
        at: String,
        yearly: bool,
    },
}

/// Whether a person may enter again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reentry {
    /// A person enters at most once.
    Never,
    /// A person may enter again whenever they are not in the journey.
    Always,
    /// A person may enter again once `after` seconds have passed since
    /// their previous entry (and they are not in the journey).
    After { after: u64 },
}

/// `limit N per D`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Limit {
    /// At most this many sends ...
    pub count: u32,
    /// ... within any span shorter than this many seconds.
    pub per: u64,
}

/// A campaign window: both days whole, in the campaign's time zone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Window {
    /// First day (`YYYY-MM-DD`), inclusive.
    pub from: String,
    /// Last day (`YYYY-MM-DD`), inclusive.
    pub to: String,
    /// The first instant of `from` in the campaign's time zone, UTC
    /// (RFC 3339). Entries are accepted from this instant.
    pub opens_at: String,
    /// The first instant after `to` in the campaign's time zone, UTC
    /// (RFC 3339). No entries from this instant; journeys still running
    /// end here.
    pub closes_at: String,
}

/// A day of the week.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    /// 0 = Monday.
    pub fn index(self) -> u32 {
        self as u32
    }
}

impl From<crate::model::Weekday> for Weekday {
    fn from(w: crate::model::Weekday) -> Self {
        use crate::model::Weekday as W;
        match w {
            W::Mon => Weekday::Mon,
            W::Tue => Weekday::Tue,
            W::Wed => Weekday::Wed,
            W::Thu => Weekday::Thu,
            W::Fri => Weekday::Fri,
            W::Sat => Weekday::Sat,
            W::Sun => Weekday::Sun,
        }
    }
}

/// The type of a profile attribute or event field: `"text"`, `"number"`,
/// `"bool"`, `"time"` (an RFC 3339 instant), `"date"` (a calendar day,
/// `YYYY-MM-DD`, format 1.2), `{"one_of": [...]}` or `{"list_of": TYPE}`
/// (a list of values of a type that is not a list, format 1.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ValueType {
    Basic(BasicType),
    /// One of a fixed set of strings, in declaration order.
    OneOf {
        one_of: Vec<String>,
    },
    /// A list of values of the element type (format 1.2).
    ListOf {
        list_of: Box<ValueType>,
    },
}

/// A type without parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BasicType {
    Text,
    Number,
    Bool,
    /// A point in time.
    Time,
    /// A calendar day, without a time zone (format 1.2).
    Date,
}

impl ValueType {
    pub const TEXT: ValueType = ValueType::Basic(BasicType::Text);
    pub const NUMBER: ValueType = ValueType::Basic(BasicType::Number);
    pub const BOOL: ValueType = ValueType::Basic(BasicType::Bool);
    pub const TIME: ValueType = ValueType::Basic(BasicType::Time);
    pub const DATE: ValueType = ValueType::Basic(BasicType::Date);
}

impl From<&crate::model::Type> for ValueType {
    fn from(t: &crate::model::Type) -> Self {
        use crate::model::Type as T;
        match t {
            T::Text => ValueType::TEXT,
            T::Number => ValueType::NUMBER,
            T::Bool => ValueType::BOOL,
            T::Time => ValueType::TIME,
            T::Date => ValueType::DATE,
            T::OneOf(v) => ValueType::OneOf { one_of: v.clone() },
            T::List(e) => ValueType::ListOf {
                list_of: Box::new(e.as_ref().into()),
            },
        }
    }
}

/// An event and the types of its fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventDecl {
    pub fields: BTreeMap<String, ValueType>,
}

/// A channel a message goes out on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChannelDecl {
    /// `email`, `sms`, `push`, `in_app`, `whatsapp`, `webhook`, `ads` or
    /// `direct_mail`.
    pub kind: String,
    /// The bool profile attribute that must be `true` for a send to go
    /// out; false or unset skips the send. `null`: no consent needed.
    pub consent: Option<String>,
    /// Sends are delayed out of these hours (person's time zone).
    pub quiet_hours: Option<QuietHours>,
    /// Channel limits, enforced like campaign limits but over every send
    /// on this channel (runners count all campaigns).
    pub limits: Vec<Limit>,
}

/// Quiet hours: `from` (inclusive) to `to` (exclusive), `HH:MM`, wrapping
/// past midnight when `to` <= `from`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct QuietHours {
    pub from: String,
    pub to: String,
}

impl QuietHours {
    /// The longest a send can be delayed by them, in seconds
    /// ([`time::quiet_span`]); 0 when a time does not parse.
    pub fn span(&self) -> u64 {
        match (parse_time_of_day(&self.from), parse_time_of_day(&self.to)) {
            (Some(from), Some(to)) => time::quiet_span(from, to),
            _ => 0,
        }
    }
}

/// A message the journey sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MessageDecl {
    /// The channel it goes out on (a key of `channels`).
    pub channel: String,
    /// The template name, for the runner's content system.
    pub template: String,
    /// The subject line, with `{{ }}` placeholders as written.
    pub subject: Option<String>,
    /// Template variables.
    pub vars: BTreeMap<String, VarValue>,
    /// The promotion the message carries (`offer "ID"`, format 1.2):
    /// messages with the same offer are the same content. `null`: none.
    #[serde(default)]
    pub offer: Option<String>,
    /// The `{{ }}` placeholders of the message's text, in source order,
    /// each once.
    pub placeholders: Vec<Placeholder>,
}

/// A `vars` value: a string, a number or a bool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum VarValue {
    Bool(bool),
    Number(Number),
    Text(String),
}

/// A `{{ path | default: "..." }}` placeholder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Placeholder {
    /// As written: `first_name` or `order_placed.order_id`.
    pub path: String,
    /// What it reads: `{"attr": ...}` or `{"trigger_field": ..., "event": ...}`.
    pub source: Operand,
    /// Used when the value is not set.
    pub default: Option<String>,
}

/// A number. Written as an integer when it is one.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Number(pub f64);

impl Serialize for Number {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            s.serialize_i64(v as i64)
        } else {
            s.serialize_f64(v)
        }
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        f64::deserialize(d).map(Number)
    }
}

impl JsonSchema for Number {
    fn schema_name() -> String {
        "Number".into()
    }
    fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        f64::json_schema(gen)
    }
}

/// The entry order of campaigns, given each one's `(priority, name)`:
/// highest priority first, then by name. Campaigns whose triggers fire for
/// one person at the same instant are entered in this order (the runtime's
/// `Project`, the build manifest's `entry_order`).
pub fn entry_order(a: (u8, &str), b: (u8, &str)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1))
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
