//! What happened to a person: timelines, their entries, and their human and
//! JSON forms.

use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::Serialize;

use crate::plan::time;
pub use crate::runtime::{Entry, ExitReason, Refused, SkipReason, What};

/// What happened to one person.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
pub struct Timeline {
    pub person: String,
    #[serde(rename = "timeline")]
    pub entries: Vec<Entry>,
    /// When several campaigns ran together (`omnis simulate` of a whole
    /// project): the campaign of each entry, in the same order. Empty for
    /// one campaign.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub campaigns: Vec<String>,
    /// Nodes executed (for throughput measurements).
    #[serde(skip)]
    pub steps: u64,
    /// The nodes executed, in order, as `(instant, index into the plan's
    /// `nodes`)`: only with [`super::Simulator::with_trace`], empty
    /// otherwise.
    #[serde(skip)]
    pub trace: Vec<(i64, usize)>,
    /// With a trace of several campaigns run together
    /// ([`super::ProjectSimulator::with_trace`]): the campaign (in entry
    /// order) of each `trace` entry, whose node index is into that
    /// campaign's plan. Empty otherwise.
    #[serde(skip)]
    pub trace_campaigns: Vec<usize>,
    /// Triggers that did not make the person enter, by reason.
    #[serde(skip)]
    pub refused: Refused,
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
            What::Replaced { node, stays: true } => format!("{at} replaced at {node}: stays"),
            What::Replaced { node, stays: false } => {
                format!("{at} replaced at {node}: moves on")
            }
            What::Action(a) => format!("{at} {}", a.human()),
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
        for line in self.lines() {
            let _ = writeln!(s, "  {line}");
        }
        s
    }

    /// Each entry as one readable line; with the campaign after the
    /// instant when several campaigns ran together
    /// (`2026-11-20T11:00:00Z cart_recovery: send cart_reminder (email)`).
    pub fn lines(&self) -> Vec<String> {
        self.entries
            .iter()
            .enumerate()
            .map(|(i, e)| match self.campaigns.get(i) {
                Some(c) => {
                    let line = e.human();
                    let (at, rest) = line.split_once(' ').unwrap_or((&line, ""));
                    format!("{at} {c}: {rest}")
                }
                None => e.human(),
            })
            .collect()
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
