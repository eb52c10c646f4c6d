//! The reference runner: executes a [`Plan`] (not the source: the plan is
//! the contract) for people and their event streams, exactly as the
//! language brief's runtime meaning and `docs/plan-format.md` say, and
//! reports what happened as a [`Timeline`] per person.
//!
//! ```no_run
//! # use omnis::{plan::Plan, simulate::{simulate, Scenario}};
//! # let plan: Plan = todo!();
//! let scenario = Scenario::from_yaml(r#"
//! person: { id: "p1", attributes: { email_opt_in: true, email: "a@example.com" } }
//! events:
//!   - { at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { cart_id: "c1", value: 80 } }
//!   - { at: "2026-11-21T11:30:00Z", clicked: cart_coupon_20 }
//!   - { at: "2026-11-21T16:00:00Z", event: order_placed, fields: { order_id: "o1", total: 80 } }
//! "#).unwrap();
//! for timeline in simulate(&plan, &scenario).unwrap() {
//!     print!("{}", timeline.human());
//! }
//! ```
//!
//! Entry points: [`simulate`] (one call), or [`Simulator`] to compile a
//! plan once and run many people ([`Simulator::prepare`], [`Simulator::run`]);
//! [`generate_people`] makes random populations for `--people N`;
//! [`check_expectations`] compares timelines with a scenario's `expect`.

mod compile;
mod engine;
mod generate;
pub mod report;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::{time, Plan};

pub use compile::{Compiled, Val};
pub use engine::Prepared;
pub use generate::{generate_people, Rng};

/// Why a simulation could not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimError {
    /// The plan is inconsistent (a name it uses is not declared in it).
    Plan(String),
    /// The scenario does not fit the plan or is malformed.
    Scenario(String),
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::Plan(m) => write!(f, "invalid plan: {m}"),
            SimError::Scenario(m) => write!(f, "invalid scenario: {m}"),
        }
    }
}

impl std::error::Error for SimError {}

/// A scenario: people and what they do over time.
///
/// In YAML, either one person (`person`, `events`, `expect`) or
/// `people: [{person, events, expect}, ...]`, with optional `start` and
/// `until` (RFC 3339) bounding the simulated time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Simulated time starts here (default: the earliest of the first
    /// input, the window's opening and the day before a `once` trigger's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// Simulated time stops here (default: the last input, or `start`,
    /// plus the plan's longest bounded `latest` and 8 days; 365 days when
    /// the journey is unbounded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub people: Vec<PersonScenario>,
}

/// One person and their inputs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonScenario {
    pub person: Person,
    /// Inputs in any order; equal times keep their order.
    #[serde(default)]
    pub events: Vec<Input>,
    /// The expected timeline, one [`Entry::human`] line each (without the
    /// person), for [`check_expectations`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Vec<String>>,
}

/// A person at the start of the simulation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub id: String,
    /// Profile attributes (unset when absent or `null`). Times are RFC 3339
    /// strings.
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
}

/// A scalar in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
}

/// Something that happens at `at`: exactly one of `event` (with `fields`),
/// `opened`, `clicked` (a message) or `set` (attributes; `null` unsets).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clicked: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<BTreeMap<String, Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    until: Option<String>,
    #[serde(default)]
    person: Option<Person>,
    #[serde(default)]
    events: Vec<Input>,
    #[serde(default)]
    expect: Option<Vec<String>>,
    #[serde(default)]
    people: Vec<PersonScenario>,
}

impl Scenario {
    /// Reads a scenario file (YAML, or JSON).
    pub fn from_yaml(text: &str) -> Result<Scenario, SimError> {
        let f: ScenarioFile =
            serde_yaml::from_str(text).map_err(|e| SimError::Scenario(e.to_string()))?;
        let mut people = f.people;
        match f.person {
            Some(person) => people.insert(
                0,
                PersonScenario {
                    person,
                    events: f.events,
                    expect: f.expect,
                },
            ),
            None if !f.events.is_empty() || f.expect.is_some() => {
                return Err(SimError::Scenario(
                    "`events` and `expect` need a `person` (or use `people`)".into(),
                ))
            }
            None => {}
        }
        Ok(Scenario {
            start: f.start,
            until: f.until,
            people,
        })
    }

    /// The scenario as YAML (always in the `people` form).
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("scenarios serialize")
    }
}

/// What happened to one person.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Timeline {
    pub person: String,
    #[serde(rename = "timeline")]
    pub entries: Vec<Entry>,
    /// Nodes executed (for throughput measurements).
    #[serde(skip)]
    pub steps: u64,
    /// The nodes executed, in order, as `(instant, index into the plan's
    /// `nodes`)`: only with [`Simulator::with_trace`], empty otherwise.
    #[serde(skip)]
    pub trace: Vec<(i64, usize)>,
}

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Entry {
    /// When, RFC 3339 UTC.
    #[serde(serialize_with = "ser_instant")]
    #[schemars(with = "String")]
    pub at: i64,
    #[serde(flatten)]
    pub what: What,
}

fn ser_instant<S: serde::Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&time::format_instant(*t))
}

/// The kinds of timeline entries.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// The person entered the journey.
    Entered,
    /// A message went out.
    Send { message: String, channel: String },
    /// A send was skipped.
    Skip {
        message: String,
        channel: String,
        reason: SkipReason,
    },
    /// The goal event happened: a conversion; the journey ended.
    Converted { event: String },
    /// The journey ended without conversion.
    Exited {
        reason: ExitReason,
        #[serde(skip_serializing_if = "Option::is_none")]
        event: Option<String>,
    },
    /// The person reached the end of the journey.
    Completed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The channel's consent attribute is false or not set.
    NoConsent,
    /// A campaign `limit` would be exceeded.
    CampaignLimit,
    /// A channel `limit` would be exceeded.
    ChannelLimit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// An `exit when` event happened.
    ExitEvent,
    /// The journey reached an `exit` step.
    ExitStep,
    /// The campaign window closed.
    WindowClosed,
    /// Flow went round a loop with no time passing (a plan the compiler
    /// rejects as `instant-loop`).
    InstantLoop,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NoConsent => "no_consent",
            SkipReason::CampaignLimit => "campaign_limit",
            SkipReason::ChannelLimit => "channel_limit",
        }
    }
}

impl ExitReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ExitReason::ExitEvent => "exit_event",
            ExitReason::ExitStep => "exit_step",
            ExitReason::WindowClosed => "window_closed",
            ExitReason::InstantLoop => "instant_loop",
        }
    }
}

impl Entry {
    /// One readable line: `2026-11-20T11:00:00Z send cart_reminder (email)`.
    pub fn human(&self) -> String {
        let at = time::format_instant(self.at);
        match &self.what {
            What::Entered => format!("{at} entered"),
            What::Send { message, channel } => format!("{at} send {message} ({channel})"),
            What::Skip {
                message,
                channel,
                reason,
            } => format!("{at} skip {message} ({channel}): {}", reason.as_str()),
            What::Converted { event } => format!("{at} converted {event}"),
            What::Exited {
                reason,
                event: Some(e),
            } => format!("{at} exited {}: {e}", reason.as_str()),
            What::Exited {
                reason,
                event: None,
            } => format!("{at} exited {}", reason.as_str()),
            What::Completed => format!("{at} completed"),
        }
    }
}

impl Timeline {
    /// The human form: a header line with the person, then one line per
    /// entry, indented.
    pub fn human(&self) -> String {
        let mut s = format!("{}:\n", self.person);
        if self.entries.is_empty() {
            s.push_str("  (nothing happened)\n");
        }
        for e in &self.entries {
            let _ = writeln!(s, "  {}", e.human());
        }
        s
    }

    /// The JSON form: `{"person": "p1", "timeline": [{"at", "kind", ...}]}`.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("timelines serialize");
        s.push('\n');
        s
    }
}

/// Timelines as the JSON of `omnis simulate --format json`:
/// `{"format_version": "1.0", "people": [{"person", "timeline"}, ...]}`
/// (see [`report`]).
pub fn timelines_to_json(timelines: &[Timeline]) -> String {
    report::Report::timelines(timelines).to_json()
}

/// Compiles a plan once, to run many people through it.
pub struct Simulator {
    compiled: Compiled,
    trace: bool,
}

impl Simulator {
    /// Checks the plan's version and internal consistency.
    pub fn new(plan: &Plan) -> Result<Simulator, SimError> {
        Ok(Simulator {
            compiled: compile::compile(plan)?,
            trace: false,
        })
    }

    /// Records in each [`Timeline::trace`] the nodes executed (for tests
    /// that compare executions with the static analyses; it costs an
    /// allocation per node, so it is off by default).
    pub fn with_trace(mut self) -> Simulator {
        self.trace = true;
        self
    }

    /// Checks a scenario against the plan and parses it.
    pub fn prepare(&self, scenario: &Scenario) -> Result<Prepared, SimError> {
        engine::prepare(&self.compiled, scenario)
    }

    /// Runs every person of a prepared scenario.
    pub fn run(&self, prepared: &Prepared) -> Vec<Timeline> {
        engine::run(&self.compiled, prepared, self.trace)
    }
}

/// Runs `scenario` against `plan`: one timeline per person, in scenario
/// order.
pub fn simulate(plan: &Plan, scenario: &Scenario) -> Result<Vec<Timeline>, SimError> {
    let sim = Simulator::new(plan)?;
    let prepared = sim.prepare(scenario)?;
    Ok(sim.run(&prepared))
}

/// Compares timelines with the `expect` lists of a scenario's people.
/// Returns one message per person whose timeline differs (a unified diff),
/// none when all match; people without `expect` are not checked.
pub fn check_expectations(scenario: &Scenario, timelines: &[Timeline]) -> Vec<String> {
    let mut out = Vec::new();
    for (p, t) in scenario.people.iter().zip(timelines) {
        let Some(expect) = &p.expect else { continue };
        let want = expect.join("\n");
        let have = t
            .entries
            .iter()
            .map(Entry::human)
            .collect::<Vec<_>>()
            .join("\n");
        if want.trim() != have.trim() {
            let diff = similar::TextDiff::from_lines(&want, &have)
                .unified_diff()
                .header("expected", "simulated")
                .to_string();
            out.push(format!("person {}:\n{diff}", p.person.id));
        }
    }
    out
}
