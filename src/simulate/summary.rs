//! Counting what happened to a population, a timeline at a time, and the
//! summary's human and JSON forms, in journey order: who entered (and why
//! the others did not), then each send and split as the journey reaches
//! them, then how journeys ended.

use std::collections::HashMap;
use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::Serialize;

use super::timeline::split_label;
use super::{ExitReason, SkipReason, Timeline, What};
use crate::plan::{time, EdgeLabel, NodeKind, Plan};
use crate::words::thousands;

/// What happened to a population: counts, never timelines.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Summary {
    /// The version of this format, `major.minor` (this is `1.1`). A minor
    /// version only adds; a major version breaks.
    pub format_version: &'static str,
    pub people: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The simulated span (RFC 3339).
    #[serde(serialize_with = "instant")]
    #[schemars(with = "String")]
    pub start: i64,
    #[serde(serialize_with = "instant")]
    #[schemars(with = "String")]
    pub until: i64,
    /// Journey nodes executed.
    pub steps: u64,
    /// People who entered at least once.
    pub entered: u64,
    pub did_not_enter: NotEntered,
    pub journeys: Journeys,
    /// Triggers refused because the reentry rule did not allow another
    /// entry (people who had entered before).
    pub reentry_refused: u64,
    #[serde(skip)]
    messages: HashMap<String, usize>,
    #[serde(skip)]
    splits: HashMap<String, usize>,
    /// Per step, the last journey (by number) that counted a send of it,
    /// and a skip.
    #[serde(skip)]
    reached: Vec<[u64; 2]>,
}

/// People who never entered, by why: the trigger never fired for them
/// (or its filter was false), the audience was false when it did, or the
/// campaign window was not open when it did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct NotEntered {
    pub total: u64,
    pub not_triggered: u64,
    pub audience_false: u64,
    pub window_closed: u64,
}

/// What happened in the journeys (a person who entered twice counts twice).
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
pub struct Journeys {
    pub entered: u64,
    /// The sends and splits, in the order of the plan's nodes.
    pub steps: Vec<Step>,
    pub converted: u64,
    /// By reason, in [`ExitReason::ALL`] order; reasons that did not happen
    /// are left out.
    #[serde(serialize_with = "as_map")]
    #[schemars(with = "std::collections::BTreeMap<String, u64>")]
    pub exited: Vec<(ExitReason, u64)>,
    pub completed: u64,
    /// Still in the journey when simulated time ended.
    pub running: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    Send {
        message: String,
        channel: String,
        /// Journeys that sent it at least once.
        journeys: u64,
        /// Sends in all (a loop can send it again).
        sent: u64,
        /// Journeys that skipped it at least once.
        skipped_journeys: u64,
        /// Skips by reason, in [`SkipReason::ALL`] order, when any.
        #[serde(serialize_with = "as_map")]
        #[schemars(with = "std::collections::BTreeMap<String, u64>")]
        skipped: Vec<(SkipReason, u64)>,
    },
    Split {
        node: String,
        /// People (journeys) per arm, in the plan's order.
        #[serde(serialize_with = "as_map")]
        #[schemars(with = "std::collections::BTreeMap<String, u64>")]
        arms: Vec<(String, u64)>,
    },
}

/// Pairs as a JSON object, in their order.
fn as_map<K: Serialize, S: serde::Serializer>(v: &[(K, u64)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(v.iter().map(|(k, n)| (k, n)))
}

fn instant<S: serde::Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&time::format_instant(*t))
}

fn bump<K: PartialEq + Copy>(list: &mut Vec<(K, u64)>, key: K, order: &[K]) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some((_, n)) => *n += 1,
        None => {
            list.push((key, 1));
            let rank = |k: &K| order.iter().position(|o| o == k);
            list.sort_by_key(|(k, _)| rank(k));
        }
    }
}

impl Summary {
    /// An empty summary for `plan`'s journey, over `(start, until)`.
    pub fn new(plan: &Plan, (start, until): (i64, i64), seed: Option<u64>) -> Summary {
        let mut steps = Vec::new();
        let mut messages = HashMap::new();
        let mut splits = HashMap::new();
        for n in &plan.nodes {
            match &n.kind {
                NodeKind::Send { message } if !messages.contains_key(message) => {
                    messages.insert(message.clone(), steps.len());
                    steps.push(Step::Send {
                        message: message.clone(),
                        channel: plan
                            .messages
                            .get(message)
                            .map(|m| m.channel.clone())
                            .unwrap_or_default(),
                        journeys: 0,
                        sent: 0,
                        skipped_journeys: 0,
                        skipped: Vec::new(),
                    });
                }
                NodeKind::Split => {
                    splits.insert(n.id.clone(), steps.len());
                    let arms = n
                        .successors
                        .iter()
                        .filter_map(|e| match &e.label {
                            EdgeLabel::Arm { arm, .. } => Some((arm.clone(), 0)),
                            _ => None,
                        })
                        .collect();
                    steps.push(Step::Split {
                        node: n.id.clone(),
                        arms,
                    });
                }
                _ => {}
            }
        }
        Summary {
            format_version: crate::schemas::SIMULATE_FORMAT_VERSION,
            people: 0,
            seed,
            start,
            until,
            steps: 0,
            entered: 0,
            did_not_enter: NotEntered::default(),
            journeys: Journeys {
                steps,
                ..Journeys::default()
            },
            reentry_refused: 0,
            reached: vec![[0; 2]; messages.len() + splits.len()],
            messages,
            splits,
        }
    }

    /// Counts one person's timeline.
    pub fn add(&mut self, t: &Timeline) {
        self.people += 1;
        self.steps += t.steps;
        self.reentry_refused += u64::from(t.refused.reentry);
        let j = &mut self.journeys;
        let mut entered = false;
        let mut ended = 0;
        for e in &t.entries {
            match &e.what {
                What::Entered => {
                    entered = true;
                    j.entered += 1;
                }
                What::Send { message, .. } => {
                    if let Some(&i) = self.messages.get(message) {
                        if let Step::Send { sent, journeys, .. } = &mut j.steps[i] {
                            *sent += 1;
                            // Journeys are numbered from 1 as they enter.
                            if self.reached[i][0] != j.entered {
                                self.reached[i][0] = j.entered;
                                *journeys += 1;
                            }
                        }
                    }
                }
                What::Skip {
                    message, reason, ..
                } => {
                    if let Some(&i) = self.messages.get(message) {
                        if let Step::Send {
                            skipped,
                            skipped_journeys,
                            ..
                        } = &mut j.steps[i]
                        {
                            bump(skipped, *reason, &SkipReason::ALL);
                            if self.reached[i][1] != j.entered {
                                self.reached[i][1] = j.entered;
                                *skipped_journeys += 1;
                            }
                        }
                    }
                }
                What::Split { node, arm } => {
                    if let Some(Step::Split { arms, .. }) =
                        self.splits.get(node).map(|&i| &mut j.steps[i])
                    {
                        if let Some((_, n)) = arms.iter_mut().find(|(a, _)| a == arm) {
                            *n += 1;
                        }
                    }
                }
                What::Converted { .. } => {
                    ended += 1;
                    j.converted += 1;
                }
                What::Exited { reason, .. } => {
                    ended += 1;
                    bump(&mut j.exited, *reason, &ExitReason::ALL);
                }
                What::Completed => {
                    ended += 1;
                    j.completed += 1;
                }
                What::Replaced { .. } | What::Action(_) => {}
            }
        }
        let started = t
            .entries
            .iter()
            .filter(|e| matches!(e.what, What::Entered))
            .count();
        // A runner limit can end a run outside a journey (it then counts
        // as an exit with no entry to match).
        j.running += (started as u64).saturating_sub(ended);
        if entered {
            self.entered += 1;
        } else {
            let n = &mut self.did_not_enter;
            n.total += 1;
            if t.refused.audience > 0 {
                n.audience_false += 1;
            } else if t.refused.window > 0 {
                n.window_closed += 1;
            } else {
                n.not_triggered += 1;
            }
        }
    }

    /// How many runs the runner's own bounds ended, by reason.
    pub fn runner_limits(&self) -> Vec<(ExitReason, u64)> {
        self.journeys
            .exited
            .iter()
            .filter(|(r, _)| r.is_runner_limit())
            .copied()
            .collect()
    }

    /// The JSON form (pretty, with a trailing newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("summaries serialize");
        s.push('\n');
        s
    }

    /// The human form: two tables, people then journeys, in journey order.
    pub fn human(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "{} people, {} steps, simulated from {} to {}",
            thousands(self.people),
            thousands(self.steps),
            time::format_instant(self.start),
            time::format_instant(self.until)
        );
        if let Some(seed) = self.seed {
            let _ = write!(s, " (seed {seed})");
        }
        s.push_str("\n\n");
        let mut table = Table::new("people", self.people);
        let n = &self.did_not_enter;
        table.row(0, "entered", self.entered, "");
        table.row(0, "did not enter", n.total, "");
        for (label, count) in [
            ("not triggered", n.not_triggered),
            ("audience false", n.audience_false),
            ("window closed", n.window_closed),
        ] {
            if count > 0 {
                table.row(1, label, count, "");
            }
        }
        s.push_str(&table.finish());
        s.push('\n');
        let j = &self.journeys;
        let mut table = Table::new("journeys", j.entered);
        table.row(0, "entered", j.entered, "");
        for step in &j.steps {
            match step {
                Step::Send {
                    message,
                    channel,
                    journeys,
                    sent,
                    skipped_journeys,
                    skipped,
                } => {
                    let note = if sent > journeys {
                        format!("{} sends", thousands(*sent))
                    } else {
                        String::new()
                    };
                    table.row(0, &format!("send {message} ({channel})"), *journeys, &note);
                    let total: u64 = skipped.iter().map(|(_, n)| n).sum();
                    if total > 0 {
                        let why = skipped
                            .iter()
                            .map(|(r, n)| format!("{} {}", r.as_str(), thousands(*n)))
                            .collect::<Vec<_>>()
                            .join(", ");
                        table.row(
                            0,
                            &format!("skip {message} ({channel})"),
                            *skipped_journeys,
                            &why,
                        );
                    }
                }
                Step::Split { node, arms } => {
                    for (arm, count) in arms {
                        table.row(0, &split_label(node, arm), *count, "");
                    }
                }
            }
        }
        table.row(0, "converted", j.converted, "");
        let exited: u64 = j.exited.iter().map(|(_, n)| n).sum();
        table.row(0, "exited", exited, "");
        for (reason, count) in &j.exited {
            table.row(1, reason.as_str(), *count, "");
        }
        table.row(0, "completed", j.completed, "");
        if j.running > 0 {
            table.row(0, "still in the journey at the end", j.running, "");
        }
        s.push_str(&table.finish());
        if self.reentry_refused > 0 {
            let _ = writeln!(
                s,
                "\n{} more triggers, of people who had entered before, were refused by the reentry rule",
                thousands(self.reentry_refused)
            );
        }
        s
    }
}

/// A table of counts with a percentage of `base` each.
struct Table {
    title: &'static str,
    base: u64,
    rows: Vec<(String, String, String, String)>,
}

impl Table {
    fn new(title: &'static str, base: u64) -> Table {
        Table {
            title,
            base,
            rows: Vec::new(),
        }
    }

    fn row(&mut self, depth: usize, label: &str, count: u64, note: &str) {
        let percent = if self.base == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", 100.0 * count as f64 / self.base as f64)
        };
        self.rows.push((
            format!("{}{label}", "  ".repeat(depth + 1)),
            thousands(count),
            percent,
            note.to_string(),
        ));
    }

    fn finish(self) -> String {
        let label = self
            .rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(0)
            .max(self.title.len());
        let count = self
            .rows
            .iter()
            .map(|r| r.1.len())
            .max()
            .unwrap_or(0)
            .max(5);
        let mut s = format!("{:<label$}  {:>count$}  {:>6}\n", self.title, "count", "%");
        for (l, c, p, note) in self.rows {
            let line = format!("{l:<label$}  {c:>count$}  {p:>6}  {note}");
            let _ = writeln!(s, "{}", line.trim_end());
        }
        s
    }
}
