//! `omnis simulate --format json`: one object, `format_version` first, then
//! either the timelines of the scenario's people or, for a generated
//! population (`--people N`), what happened to it in counts
//! ([`Summary`]):
//!
//! ```json
//! {"format_version": "1.1", "people": [{"person": "p1", "timeline": [{"at", "kind", ...}]}]}
//! {"format_version": "1.1", "timeline": [{"at", "kind", ...}]}   (a scenario of one person)
//! {"format_version": "1.1", "people": 10000, "entered": 9000, "journeys": {...}, ...}
//! ```
//!
//! The JSON Schema is `schema/simulate.schema.json` (`omnis schema
//! simulate`), generated from these types. Timelines are written a person
//! at a time ([`super::JsonPeople`]), byte for byte as this type serializes.

use schemars::JsonSchema;
use serde::Serialize;

use super::{Entry, Summary, Timeline};

/// The output of `omnis simulate --format json`.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(title = "Omnis simulation")]
pub enum Report<'a> {
    /// The people of a scenario, in its order, each with a timeline.
    Timelines {
        /// The version of this format, `major.minor` (this is `1.1`). A
        /// minor version only adds; a major version breaks.
        format_version: &'a str,
        people: &'a [Timeline],
    },
    /// A scenario of one person: that person's timeline.
    Person {
        /// The version of this format, `major.minor` (this is `1.1`). A
        /// minor version only adds; a major version breaks.
        format_version: &'a str,
        timeline: &'a [Entry],
    },
    /// A generated population (`--people N`), counted.
    Population(&'a Summary),
}

impl<'a> Report<'a> {
    /// The report of a one-person scenario.
    pub fn person(timeline: &'a [Entry]) -> Report<'a> {
        Report::Person {
            format_version: crate::schemas::SIMULATE_FORMAT_VERSION,
            timeline,
        }
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("simulation reports serialize");
        s.push('\n');
        s
    }
}
