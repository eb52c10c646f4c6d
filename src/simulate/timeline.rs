//! What happened to a person: timelines, their entries, and their human and
//! JSON forms.

use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::Serialize;

use crate::plan::time;

/// What happened to one person.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
pub struct Timeline {
    pub person: String,
    #[serde(rename = "timeline")]
    pub entries: Vec<Entry>,
    /// Nodes executed (for throughput measurements).
    #[serde(skip)]
    pub steps: u64,
    /// The nodes executed, in order, as `(instant, index into the plan's
    /// `nodes`)`: only with [`super::Simulator::with_trace`], empty
    /// otherwise.
    #[serde(skip)]
    pub trace: Vec<(i64, usize)>,
    /// Triggers that did not make the person enter, by reason.
    #[serde(skip)]
    pub refused: Refused,
}

/// Counts of trigger firings that did not let a person enter (firings
/// before the simulation's start, or while the person is in the journey,
/// are not counted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Refused {
    /// The audience condition was false.
    pub audience: u32,
    /// The campaign window was not open (not yet, or no longer).
    pub window: u32,
    /// The reentry rule did not allow another entry.
    pub reentry: u32,
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
    pub const ALL: [ExitReason; 7] = [
        ExitReason::ExitEvent,
        ExitReason::ExitStep,
        ExitReason::WindowClosed,
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

/// A split arm as people read it: `split subject_b`, `split arm 2` (an
/// arm without a name), with the split's node when it is not the plain
/// `split`: `split a (if.then.split)`.
pub(super) fn split_label(node: &str, arm: &str) -> String {
    let arm = if arm.bytes().all(|b| b.is_ascii_digit()) {
        format!("arm {arm}")
    } else {
        arm.to_string()
    };
    if node == "split" {
        format!("split {arm}")
    } else {
        format!("split {arm} ({node})")
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
            What::Split { node, arm } => format!("{at} {}", split_label(node, arm)),
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

    /// How the runner's bounds ended the person's run, if they did.
    pub fn runner_limit(&self) -> Option<ExitReason> {
        match self.entries.last()?.what {
            What::Exited { reason, .. } if reason.is_runner_limit() => Some(reason),
            _ => None,
        }
    }
}

/// Timelines of several people as JSON: `{"people": [{"person",
/// "timeline"}, ...]}`.
pub fn timelines_to_json(timelines: &[Timeline]) -> String {
    let mut w = JsonPeople::default();
    let mut s = String::new();
    for t in timelines {
        s.push_str(&w.item(t));
    }
    s.push_str(&w.finish());
    s
}

/// Writes `{"people": [...]}` a timeline at a time, exactly as
/// `serde_json::to_string_pretty` would write it whole (so a long run need
/// not keep its timelines).
#[derive(Default)]
pub struct JsonPeople {
    started: bool,
}

/// The start of `{"format_version": ..., "people": [`, pretty.
fn header() -> String {
    format!(
        "{{\n  \"format_version\": \"{}\",\n  \"people\": [\n",
        crate::schemas::SIMULATE_FORMAT_VERSION
    )
}

impl JsonPeople {
    /// The text for the next timeline (with what comes before it).
    pub fn item(&mut self, t: &Timeline) -> String {
        let body = serde_json::to_string_pretty(t).expect("timelines serialize");
        let mut s = String::with_capacity(body.len() + body.len() / 8 + 16);
        if self.started {
            s.push_str(",\n");
        } else {
            s.push_str(&header());
        }
        self.started = true;
        for (i, line) in body.lines().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            s.push_str("    ");
            s.push_str(line);
        }
        s
    }

    /// The text after the last timeline.
    pub fn finish(&mut self) -> String {
        if self.started {
            "\n  ]\n}\n".to_string()
        } else {
            format!("{}]\n}}\n", header().trim_end_matches('\n'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(person: &str, n: usize) -> Timeline {
        Timeline {
            person: person.into(),
            entries: (0..n)
                .map(|i| Entry {
                    at: i as i64,
                    what: What::Split {
                        node: "if.then.split".into(),
                        arm: "2".into(),
                    },
                })
                .collect(),
            ..Timeline::default()
        }
    }

    #[test]
    fn people_json_streams_exactly_as_serde_writes_it_whole() {
        for ts in [
            vec![],
            vec![timeline("a", 0)],
            vec![timeline("a", 2), timeline("b", 0), timeline("c\"d", 1)],
        ] {
            let report = super::super::report::Report::Timelines {
                format_version: crate::schemas::SIMULATE_FORMAT_VERSION,
                people: &ts,
            };
            let mut whole = serde_json::to_string_pretty(&report).unwrap();
            whole.push('\n');
            assert_eq!(timelines_to_json(&ts), whole);
        }
    }

    #[test]
    fn splits_show_the_arm_and_where_they_are() {
        let e = |node: &str, arm: &str| Entry {
            at: 0,
            what: What::Split {
                node: node.into(),
                arm: arm.into(),
            },
        };
        assert_eq!(
            e("split", "subject_b").human(),
            "1970-01-01T00:00:00Z split subject_b"
        );
        assert_eq!(
            e("if.then.split", "2").human(),
            "1970-01-01T00:00:00Z split arm 2 (if.then.split)"
        );
        assert_eq!(
            serde_json::to_value(e("split", "a")).unwrap(),
            serde_json::json!({"at": "1970-01-01T00:00:00Z", "kind": "split", "node": "split", "arm": "a"})
        );
    }
}
