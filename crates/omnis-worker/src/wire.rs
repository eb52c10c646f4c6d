//! What travels through Temporal: the person workflow's start arguments,
//! the signals it takes, the state it carries over continue-as-new, and
//! the activities' payloads. Plain serde data (JSON payloads).

use std::collections::{BTreeMap, VecDeque};

use omnis::runtime::ProjectState;
use omnis::simulate::{Input, Value};
use serde::{Deserialize, Serialize};

/// The workflow's id for a person: one workflow per person runs all of
/// their journeys. `prefix` separates deployments sharing a namespace.
pub fn workflow_id(prefix: &str, person: &str) -> String {
    format!("{prefix}person/{person}")
}

/// The person workflow's start arguments.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PersonArgs {
    pub person: String,
    /// The plans the person runs (their manifest `sha256`s) until a
    /// [`Batch`] brings another set.
    pub plans: Vec<String>,
    /// The profile when the workflow starts (attribute name to value).
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
    /// The instant (seconds since 1970) the workflow's first moment
    /// stands for. `None`: the workflow's own clock (production). A
    /// conformance run or a backfill gives the scenario's start; the
    /// workflow then counts Temporal time from there.
    #[serde(default)]
    pub start: Option<i64>,
    /// The workflow completes once nothing is due at or before this
    /// instant (a conformance run's end). `None`: runs for ever.
    #[serde(default)]
    pub until: Option<i64>,
    /// The history length past which the workflow continues as new
    /// (default [`crate::workflow::HISTORY_LIMIT`]).
    #[serde(default)]
    pub history_limit: Option<u32>,
    /// What a previous run of the workflow carried over continue-as-new.
    #[serde(default)]
    pub carried: Option<Carried>,
}

/// An input as received: a scenario-shaped input (`at`, and one of
/// `event` with `fields`, `opened`, `clicked`, `set`) with the sender's
/// message id (duplicates by id are applied once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inbound {
    #[serde(default)]
    pub message_id: Option<String>,
    pub input: Input,
}

/// The workflow's one signal: inputs, in order, and possibly a new set
/// of plans.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    #[serde(default)]
    pub inputs: Vec<Inbound>,
    /// A new set of plans (manifest `sha256`s) replacing the person's, by
    /// the replacement rules of docs/plan-format.md.
    #[serde(default)]
    pub plans: Option<Vec<String>>,
    /// When the new plans take effect (seconds since 1970); `None`: as
    /// the signal is handled. Never earlier than the last moment handled.
    #[serde(default)]
    pub plans_at: Option<i64>,
}

/// Something due at an instant: an input, or a change of plans (which
/// comes before the inputs of its instant, as `simulate`'s replacement).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Due {
    Plans(Vec<String>),
    Input(Input),
}

/// The state a person's workflow carries over continue-as-new.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Carried {
    /// `(instant, workflow time in ms)`: the instant the workflow's clock
    /// reading stands for.
    pub origin: (i64, i64),
    /// The plans the person runs (`sha256`s), in the project's entry
    /// order.
    pub plans: Vec<String>,
    /// The person's state across those campaigns (the runtime core's).
    pub state: ProjectState,
    /// Inputs and plan changes not yet due: (instant, arrival number, what).
    pub pending: Vec<(i64, u64, Due)>,
    pub arrivals: u64,
    /// Message ids seen, oldest first (the last [`SEEN_IDS`]).
    pub seen: VecDeque<String>,
    /// The last instant handled.
    pub last: i64,
    /// Actions delivered so far (numbers the idempotency keys).
    pub delivered: u64,
}

/// How many message ids a person's workflow remembers for deduplication.
pub const SEEN_IDS: usize = 10_000;

/// One action of the runtime, delivered by an activity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Idempotent across retries and worker restarts: derived from the
    /// person, the campaign, the plan and the action's number.
    pub key: String,
    pub person: String,
    pub campaign: String,
    /// The timeline entry, as `omnis simulate --json` writes it.
    pub entry: serde_json::Value,
    /// For sends: the channel and the message's definition in the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<serde_json::Value>,
    /// The person's profile when the action was taken.
    #[serde(default)]
    pub profile: BTreeMap<String, serde_json::Value>,
    /// Set when the send's delivery failed after its retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}
