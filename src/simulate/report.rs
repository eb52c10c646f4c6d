//! `omnis simulate --format json`: one object, `format_version` first, then
//! either the timelines of the scenario's people or, for a generated
//! population (`--people N`), what happened to it in counts:
//!
//! ```json
//! {"format_version": "1.0", "people": [{"person": "p1", "timeline": [{"at", "kind", ...}]}]}
//! {"format_version": "1.0", "summary": {"people": 10000, "steps": 123456, "counts": {"entered": 9000, ...}}}
//! ```
//!
//! The JSON Schema is `schema/simulate.schema.json` (`omnis schema
//! simulate`), generated from these types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use super::Timeline;
use crate::schemas::SIMULATE_FORMAT_VERSION;

/// The output of `omnis simulate --format json`.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(title = "Omnis simulation")]
pub enum Report<'a> {
    /// The people of a scenario, in its order, each with a timeline.
    Timelines {
        /// The version of this format, `major.minor` (this is `1.0`). A
        /// minor version only adds; a major version breaks.
        format_version: &'a str,
        people: &'a [Timeline],
    },
    /// A generated population (`--people N`), counted.
    Population {
        /// The version of this format, `major.minor` (this is `1.0`). A
        /// minor version only adds; a major version breaks.
        format_version: &'a str,
        summary: Population,
    },
}

/// What happened to a generated population.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Population {
    /// The people simulated.
    pub people: usize,
    /// The plan nodes they executed, in all.
    pub steps: u64,
    /// How many timeline entries of each kind: `entered`, `send MESSAGE`,
    /// `skip MESSAGE: REASON`, `converted`, `exited: REASON`, `completed`.
    pub counts: BTreeMap<String, u64>,
}

impl<'a> Report<'a> {
    pub fn timelines(people: &'a [Timeline]) -> Report<'a> {
        Report::Timelines {
            format_version: SIMULATE_FORMAT_VERSION,
            people,
        }
    }

    pub fn population(summary: Population) -> Report<'a> {
        Report::Population {
            format_version: SIMULATE_FORMAT_VERSION,
            summary,
        }
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("simulation reports serialize");
        s.push('\n');
        s
    }
}
