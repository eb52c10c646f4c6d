//! A person's state, as the runtime keeps it between two calls: plain,
//! serializable data (a runner persists it, and a Temporal workflow
//! continues-as-new with it), indexed by the compiled plan's tables.

use std::sync::Arc;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::compile::{Tgt, Val};
use super::eval::Occurrence;
use crate::plan::time;

/// Everything the runtime knows about one person: what is theirs whatever
/// the campaign (profile, history, time zone), their journeys (one
/// [`CampaignState`] per campaign), and the runner's bounds on them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The person's id (splits hash it).
    pub id: String,
    pub person: PersonState,
    /// One per campaign the person has met, by campaign name. A runner of
    /// one plan holds one; the runtime finds its own by name.
    pub campaigns: Vec<CampaignState>,
    pub budget: Budget,
}

/// What is the person's whatever the campaign. Values are indexed by the
/// compiled plan's tables (profile attributes, events, in name order as
/// the plan lists them); a runner of several campaigns compiles them over
/// one shared vocabulary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonState {
    /// The profile, per attribute (`None`: not set).
    pub attrs: Vec<Option<Val>>,
    /// Per event, every occurrence, oldest first.
    pub history: Vec<Vec<Occurrence>>,
    /// The sequence number of the next occurrence.
    pub seq: u64,
    /// What every campaign did with the person (format 1.2 history).
    #[serde(default)]
    pub across: Across,
}

/// The person's history across campaigns, by name (so every campaign's
/// plan reads the same record whatever its tables; the names are the
/// compiled plans' own, shared, so recording costs no copy): what `received`,
/// `opened any`, `clicked any` and `in campaign` read, and what channel
/// limits count.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Across {
    /// Every send that went out to the person, from any campaign, oldest
    /// first.
    pub sends: Vec<Sent>,
    /// Every open and click reported for a message sent to the person,
    /// oldest first.
    pub engaged: Vec<Engaged>,
    /// The campaigns whose journey the person is in, sorted.
    pub journeys: Vec<Arc<str>>,
}

/// A send that went out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sent {
    pub at: i64,
    pub campaign: Arc<str>,
    pub message: Arc<str>,
    pub channel: Arc<str>,
}

/// An open or click of a message sent to the person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Engaged {
    pub at: i64,
    pub message: Arc<str>,
    pub channel: Arc<str>,
    pub clicked: bool,
}

/// One campaign's side of a person: their journey (if in one), when they
/// last entered, the sends that limits count, and the timers of its
/// triggers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignState {
    /// The compiled plan's name, shared.
    pub campaign: Arc<str>,
    /// The person's time zone for this campaign (the plan's, or the one
    /// their `timezone_attribute` names).
    #[serde(with = "tz_name")]
    pub tz: Tz,
    pub journey: Option<Journey>,
    /// The last instant the person entered.
    pub entered: Option<i64>,
    /// Every send of this campaign to the person: (instant, channel index).
    /// Campaign limits count them all; channel limits count the sends of
    /// every campaign on the channel ([`Across::sends`]).
    pub sends: Vec<(i64, usize)>,
    /// The next scheduled trigger firing (`daily`, `weekly`, `once`).
    pub schedule: Option<i64>,
    /// For an `enters` trigger: whether the person is in the segment, and
    /// the next instant a `did ... within` in it can change its value.
    pub in_segment: bool,
    pub segment_check: Option<i64>,
}

/// Where a person is in a journey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Journey {
    /// The node the person is at (an index into the compiled nodes).
    pub node: usize,
    /// When flow arrived at `node` (a replacement counts new waits from it).
    pub arrived: i64,
    /// The history sequence number at entry (`did ... since entry`).
    pub entry_seq: u64,
    /// How many sends the person's history across campaigns held at entry
    /// (`received ... since entry`).
    #[serde(default)]
    pub entry_sends: usize,
    pub trigger_fields: Vec<Option<Val>>,
    /// (repeat node, iterations started).
    pub counters: Vec<(usize, u32)>,
    /// (a wait for a moment of the calendar, such as `wait_until`; the
    /// instant it last let flow go on): back there at that very instant,
    /// it waits for the next such moment.
    pub until_left: Vec<(usize, i64)>,
    /// Per message: sent, opened, clicked in this journey.
    pub sent: Vec<bool>,
    pub opened: Vec<bool>,
    pub clicked: Vec<bool>,
    /// The journey's timer: when it fires, and what it does then.
    pub wake: i64,
    pub pending: Pending,
}

/// What the journey's timer does when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pending {
    /// A wait that goes on to this target (`wait`, `wait until`).
    Advance(Tgt),
    /// The wait at the current node ends with nothing happening (a `wait
    /// for` times out): flow goes on to the node's `next`. Until then the
    /// wait hears events and engagement (`runtime/wait_step.rs`).
    WaitFor,
    /// A send at the current node delayed by quiet hours: try it again.
    Quiet,
}

/// The runner's bounds on one person (see [`super::MAX_STEPS`],
/// [`super::MAX_ENTRIES`]): counted by the runtime, so every runner stops
/// a person at the same point.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// Journey nodes executed.
    pub steps: u64,
    /// Moments the person was woken for (inputs and timers).
    pub moments: u64,
    /// Actions returned so far.
    pub actions: usize,
    /// A bound stopped the person: nothing more happens to them.
    pub stopped: bool,
}

impl State {
    /// Whether a runner bound stopped the person.
    pub fn stopped(&self) -> bool {
        self.budget.stopped
    }
}

mod tz_name {
    use super::*;

    pub fn serialize<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(d)?;
        time::parse_tz(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown time zone {name:?}")))
    }
}
