//! What the runtime does for a person: the actions it returns (the
//! entries of a simulated timeline), and the reasons in them.

use schemars::gen::SchemaGenerator;
use schemars::schema::Schema;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::action_step::Acted;
use crate::plan::time;

/// Counts of trigger firings that did not let a person enter (firings
/// before the simulation's start, or while the person is in the journey,
/// are not counted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// The audience condition was false.
    pub audience: u32,
    /// The campaign window was not open (not yet, or no longer).
    pub window: u32,
    /// The reentry rule did not allow another entry.
    pub reentry: u32,
}

/// One thing that happened: an action of the runtime, at its instant.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Entry {
    /// When, RFC 3339 UTC.
    #[serde(serialize_with = "ser_instant")]
    #[schemars(with = "String")]
    pub at: i64,
    #[serde(flatten)]
    #[schemars(with = "WhatSchema")]
    pub what: What,
}

fn ser_instant<S: serde::Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&time::format_instant(*t))
}

/// The kinds of timeline entries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
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
    /// The person was assigned an arm at a split (the node's id, and the
    /// arm's name: its 1-based position when the arm is unnamed).
    Split { node: String, arm: String },
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
    /// The campaign's plan was replaced by a new version while the person
    /// was at `node` (of the old plan): they stay there (`stays`, the node
    /// survives), or move on by the rules of `docs/plan-format.md`
    /// ("Replacing a plan"), as the next entries show.
    Replaced { node: String, stays: bool },
    /// A step that does one thing and goes on did it (`set`, `unset`):
    /// the entry is the action's own ([`Acted`]), with its `kind`.
    /// (schemars 0.8 does not read `untagged` on a variant: [`WhatSchema`]
    /// writes this variant's schema.)
    #[serde(untagged)]
    #[schemars(skip)]
    Action(Acted),
}

/// The schema of a [`What`] as it is written: the derived schema of the
/// other variants, then each of [`Acted`]'s (the `Action` variant is
/// untagged, so an action's entry is one of [`Acted`]'s objects, with its
/// own `kind`). A new action shows in it without an edit here.
struct WhatSchema;

impl JsonSchema for WhatSchema {
    fn schema_name() -> String {
        What::schema_name()
    }

    fn json_schema(gen: &mut SchemaGenerator) -> Schema {
        let mut what = What::json_schema(gen).into_object();
        let acted = Acted::json_schema(gen).into_object();
        let actions = match acted.subschemas.as_ref().and_then(|s| s.one_of.clone()) {
            Some(variants) => variants,
            None => vec![Schema::Object(acted)],
        };
        what.subschemas()
            .one_of
            .get_or_insert_with(Vec::new)
            .extend(actions);
        Schema::Object(what)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The channel's consent attribute is false or not set.
    NoConsent,
    /// A campaign `limit` would be exceeded.
    CampaignLimit,
    /// A channel `limit` would be exceeded.
    ChannelLimit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// An `exit when` event happened.
    ExitEvent,
    /// The journey reached an `exit` step.
    ExitStep,
    /// The campaign window closed.
    WindowClosed,
    /// An `exit unless` condition was false at a checkpoint.
    Condition,
    /// Flow went round a loop with no time passing (a plan the compiler
    /// rejects as `instant-loop`).
    InstantLoop,
    /// The runner's bound: the person's timeline reached
    /// [`super::MAX_ENTRIES`] entries; the runner stops simulating them.
    EntryLimit,
    /// The runner's bound: the person's run took [`super::MAX_STEPS`]
    /// journey steps, or woke the runner that many times (inputs, timers,
    /// scheduled triggers); the runner stops simulating them.
    StepLimit,
    /// The runner's bound: the journey's next moment would be after
    /// 9999-12-31T23:59:59Z ([`super::MAX_INSTANT`]), the latest time the
    /// runner represents; the runner stops simulating the person.
    TimeLimit,
}

impl SkipReason {
    pub const ALL: [SkipReason; 3] = [
        SkipReason::NoConsent,
        SkipReason::CampaignLimit,
        SkipReason::ChannelLimit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NoConsent => "no_consent",
            SkipReason::CampaignLimit => "campaign_limit",
            SkipReason::ChannelLimit => "channel_limit",
        }
    }
}

impl ExitReason {
    pub const ALL: [ExitReason; 8] = [
        ExitReason::ExitEvent,
        ExitReason::ExitStep,
        ExitReason::WindowClosed,
        ExitReason::Condition,
        ExitReason::InstantLoop,
        ExitReason::EntryLimit,
        ExitReason::StepLimit,
        ExitReason::TimeLimit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExitReason::ExitEvent => "exit_event",
            ExitReason::ExitStep => "exit_step",
            ExitReason::WindowClosed => "window_closed",
            ExitReason::Condition => "condition",
            ExitReason::InstantLoop => "instant_loop",
            ExitReason::EntryLimit => "entry_limit",
            ExitReason::StepLimit => "step_limit",
            ExitReason::TimeLimit => "time_limit",
        }
    }

    /// Whether the runner, not the journey, ended the person's run.
    pub fn is_runner_limit(self) -> bool {
        matches!(
            self,
            ExitReason::EntryLimit | ExitReason::StepLimit | ExitReason::TimeLimit
        )
    }

    /// A sentence for people, for the runner's own bounds.
    pub fn explain(self) -> Option<String> {
        Some(match self {
            ExitReason::EntryLimit => format!(
                "the timeline reached {} entries, the runner's limit per person",
                super::MAX_ENTRIES
            ),
            ExitReason::StepLimit => format!(
                "the run took {} steps (journey steps, or moments the runner woke up for), \
                 the runner's limit per person",
                super::MAX_STEPS
            ),
            ExitReason::TimeLimit => "the journey's next moment would be after \
                                      9999-12-31T23:59:59Z, the latest time the runner represents"
                .to_string(),
            _ => return None,
        })
    }
}
