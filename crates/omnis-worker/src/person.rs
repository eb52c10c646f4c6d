//! One person, all their plans: the driver of the runtime core that the
//! person workflow runs (`crate::workflow`). The person's plans are one
//! `runtime::Project` (every rule across campaigns is the core's), driven
//! as `simulate` drives a whole folder (record the inputs before the
//! start, `begin`, then take the earliest of the next input and the
//! project's next timer, an input first on a tie, a plan change before
//! both, by `Project::replace`), and the actions become [`Delivery`]s. It
//! holds no
//! clock: the workflow says which instant is due, and sleeps on Temporal
//! timers until the next one ([`Person::next_due`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{anyhow, Result};
use omnis::plan::time;
use omnis::runtime::{Entry, Input as RInput, InputKind, ProjectEffects, Runtime, What};
use omnis::simulate::{person_inputs, Input, Person as SPerson, PersonScenario, Value};
use sha2::{Digest, Sha256};

use crate::plans::{self, Plans};
use crate::wire::{Batch, Carried, Delivery, Due, SEEN_IDS};

pub struct Person {
    pub id: String,
    pub c: Carried,
    /// Whether the run has begun.
    begun: bool,
    /// Whether inputs before the start only build up history (a run given
    /// its start: a backfill, a conformance run); otherwise an input from
    /// before the workflow started is late, and happens at the start.
    backfill: bool,
}

/// A scenario-shaped input as one plan reads it (`Err`: the plan rejects
/// it, with why).
fn convert(rt: &Runtime, id: &str, input: &Input) -> Result<RInput, String> {
    let scenario = PersonScenario {
        person: SPerson {
            id: id.to_string(),
            attributes: BTreeMap::new(),
        },
        events: vec![input.clone()],
        expect: None,
    };
    person_inputs(rt.compiled(), &scenario)
        .map(|(_, mut inputs)| inputs.remove(0))
        .map_err(|e| e.to_string())
}

/// An input as each campaign of a project reads it, at `at` (a plan that
/// rejects it, which the intake prevents, does not see it).
fn per_campaign(p: &Plans, id: &str, input: &Input, at: i64) -> Vec<RInput> {
    p.project
        .runtimes()
        .iter()
        .map(|rt| RInput {
            at,
            ..convert(rt, id, input).unwrap_or(RInput {
                at,
                kind: InputKind::Ignored,
            })
        })
        .collect()
}

/// The instant of an input's `at` (RFC 3339).
pub fn instant(input: &Input) -> Result<i64, String> {
    time::parse_instant(&input.at)
        .filter(|t| (omnis::runtime::MIN_INSTANT..=omnis::runtime::MAX_INSTANT).contains(t))
        .ok_or_else(|| {
            format!(
                "`at` {:?} is not an RFC 3339 time in years 0 to 9999",
                input.at
            )
        })
}

/// Checks inputs against every plan of a set, as the person workflow will
/// read them: the intake refuses what fails here, so nothing is half
/// applied.
pub fn check(plans_set: &[String], id: &str, inputs: &[Input]) -> Result<(), String> {
    let p = plans::project(plans_set).map_err(|e| e.to_string())?;
    for input in inputs {
        instant(input)?;
        for rt in p.project.runtimes() {
            convert(rt, id, input)?;
        }
    }
    Ok(())
}

impl Person {
    /// A person starting at `start` (`None`: the clock reading `now_ms`)
    /// on `plans`, with this profile.
    pub fn new(
        id: &str,
        plans_set: &[String],
        attributes: &BTreeMap<String, Value>,
        start: Option<i64>,
        now_ms: i64,
    ) -> Result<Person> {
        let backfill = start.is_some();
        let start = start.unwrap_or(now_ms.div_euclid(1000));
        let p = plans::project(plans_set)?;
        let scenario = PersonScenario {
            person: SPerson {
                id: id.to_string(),
                attributes: attributes.clone(),
            },
            events: Vec::new(),
            expect: None,
        };
        let mut attrs = Vec::new();
        for rt in p.project.runtimes() {
            attrs.push(
                person_inputs(rt.compiled(), &scenario)
                    .map_err(|e| anyhow!("{e}"))?
                    .0,
            );
        }
        Ok(Person {
            id: id.to_string(),
            c: Carried {
                origin: (start, now_ms),
                plans: p.shas(),
                state: p.project.new_state(id, attrs),
                pending: Vec::new(),
                arrivals: 0,
                seen: Default::default(),
                last: start,
                delivered: 0,
            },
            begun: false,
            backfill,
        })
    }

    /// A person carried over continue-as-new.
    pub fn resume(id: &str, c: Carried) -> Person {
        Person {
            id: id.to_string(),
            c,
            begun: true,
            backfill: false,
        }
    }

    /// The plans the person runs.
    fn plans(&self) -> Result<Arc<Plans>> {
        plans::project(&self.c.plans)
    }

    /// The instant a workflow clock reading (ms since 1970) stands for.
    pub fn now(&self, ms: i64) -> i64 {
        self.c.origin.0 + (ms - self.c.origin.1).div_euclid(1000)
    }

    /// The clock reading (ms) at which instant `t` is due.
    pub fn due_ms(&self, t: i64) -> i64 {
        (t - self.c.origin.0)
            .saturating_mul(1000)
            .saturating_add(self.c.origin.1)
    }

    /// Takes a signal: duplicates (by message id) dropped, inputs the
    /// plans reject dropped (the intake checks them first), the rest
    /// queued at their instants (a late one at the last instant handled).
    /// A new set of plans takes effect at the batch's `plans_at`, else
    /// `now` (never before the last instant handled). Returns what was
    /// dropped and why.
    pub fn take(&mut self, batch: Batch, now: i64) -> Vec<String> {
        let mut dropped = Vec::new();
        if let Some(mut set) = batch.plans {
            // Every signal of the intake carries its set: only a change
            // (from the plans run, or from a change already queued) counts.
            let queued = self.c.pending.iter().rev().find_map(|(_, _, d)| match d {
                Due::Plans(s) => Some(s.clone()),
                Due::Input(_) => None,
            });
            let mut running = queued.unwrap_or_else(|| self.c.plans.clone());
            running.sort();
            set.sort();
            if running != set {
                let at = batch.plans_at.unwrap_or(now).max(self.c.last);
                self.push(at, Due::Plans(set));
            }
        }
        for inbound in batch.inputs {
            if let Some(id) = &inbound.message_id {
                if self.c.seen.contains(id) {
                    continue;
                }
                if self.c.seen.len() == SEEN_IDS {
                    self.c.seen.pop_front();
                }
                self.c.seen.push_back(id.clone());
            }
            let at = match instant(&inbound.input) {
                Ok(at) => at,
                Err(e) => {
                    dropped.push(e);
                    continue;
                }
            };
            let at = if self.begun || !self.backfill {
                at.max(self.c.last)
            } else {
                at
            };
            self.push(at, Due::Input(inbound.input));
        }
        dropped
    }

    fn push(&mut self, at: i64, due: Due) {
        let rank = |d: &Due| matches!(d, Due::Input(_)) as u8;
        let key = (at, rank(&due), self.c.arrivals);
        self.c.arrivals += 1;
        let i = self
            .c
            .pending
            .partition_point(|(t, n, d)| (*t, rank(d), *n) <= key);
        self.c.pending.insert(i, (at, key.2, due));
    }

    /// Begins the run (once): inputs before the start build up history,
    /// then the triggers are armed from the start.
    pub fn begin(&mut self) -> Result<()> {
        if self.begun {
            return Ok(());
        }
        self.begun = true;
        let start = self.c.origin.0;
        let p = self.plans()?;
        while self.c.pending.first().is_some_and(|(t, _, _)| *t < start) {
            let (at, _, due) = self.c.pending.remove(0);
            let Due::Input(input) = due else { continue };
            let inputs = per_campaign(&p, &self.id, &input, at);
            p.project.record(&mut self.c.state, &inputs);
        }
        p.project.begin(&mut self.c.state, start);
        Ok(())
    }

    /// The next instant something is due.
    pub fn next_due(&self) -> Result<Option<i64>> {
        let mut best = self.c.pending.first().map(|(t, _, _)| *t);
        let p = self.plans()?;
        if !p.project.stopped(&self.c.state) {
            if let Some((t, ..)) = p.project.next_timer(&self.c.state) {
                best = Some(best.map_or(t, |b: i64| b.min(t)));
            }
        }
        Ok(best)
    }

    /// Handles the first thing due at `t` (the earliest due), as
    /// `simulate` does: a plan change, else an input (given to every
    /// campaign in entry order), else the runtime's first timer due then.
    /// Returns the actions to deliver, in order.
    pub fn step(&mut self, t: i64) -> Result<Vec<Delivery>> {
        self.c.last = self.c.last.max(t);
        let mut fx = ProjectEffects::default();
        let mut p = self.plans()?;
        if self.c.pending.first().is_some_and(|(at, _, _)| *at == t) {
            let (_, _, due) = self.c.pending.remove(0);
            match due {
                Due::Plans(set) => {
                    let new = plans::project(&set)?;
                    let sha = |p: &Plans, campaign: &str| {
                        p.project
                            .position(campaign)
                            .map(|i| p.plans[i].sha256.clone())
                    };
                    let changed = |campaign: &str| sha(&p, campaign) != sha(&new, campaign);
                    p.project.replace(
                        &new.project,
                        &self.id,
                        &mut self.c.state,
                        t,
                        changed,
                        &mut fx,
                    );
                    self.c.plans = new.shas();
                    p = new;
                }
                Due::Input(input) => {
                    let inputs = per_campaign(&p, &self.id, &input, t);
                    p.project.handle(&mut self.c.state, &inputs, &mut fx);
                }
            }
        } else if let Some((at, timer, i)) = p.project.next_timer(&self.c.state) {
            if at == t && !p.project.stopped(&self.c.state) {
                p.project.fire(&mut self.c.state, i, timer, at, &mut fx);
            }
        }
        let mut out = Vec::new();
        for (i, entry) in fx.actions {
            out.push(self.delivery(&p, i, entry));
        }
        Ok(out)
    }

    /// An action of campaign `i` as a delivery, with its idempotency key.
    fn delivery(&mut self, p: &Plans, i: usize, entry: Entry) -> Delivery {
        let n = self.c.delivered;
        self.c.delivered += 1;
        let loaded = &p.plans[i];
        let message = match &entry.what {
            What::Send { message, channel } => loaded.plan.messages.get(message).map(
                |m| serde_json::json!({ "name": message, "channel": channel, "definition": m }),
            ),
            _ => None,
        };
        let profile = loaded
            .runtime
            .compiled()
            .attrs
            .iter()
            .zip(&self.c.state.states[i].person.attrs)
            .filter_map(|((name, _), v)| Some((name.clone(), value_json(v.as_ref()?))))
            .collect();
        let campaign = loaded.plan.campaign.clone();
        Delivery {
            key: key(&self.id, &campaign, &loaded.sha256, entry.at, n),
            person: self.id.clone(),
            campaign,
            entry: serde_json::to_value(&entry).unwrap_or_default(),
            message,
            profile,
            failed: None,
        }
    }
}

fn value_json(v: &omnis::runtime::Val) -> serde_json::Value {
    use omnis::runtime::Val;
    match v {
        Val::Bool(b) => (*b).into(),
        Val::Num(n) => (*n).into(),
        Val::Text(s) => s.clone().into(),
        Val::Time(t) => time::format_instant(*t).into(),
        Val::Date(_) => v.text().into(),
        Val::List(xs) => xs.iter().map(value_json).collect::<Vec<_>>().into(),
    }
}

/// The idempotency key of an action: the same on every replay and retry.
pub fn key(person: &str, campaign: &str, plan: &str, at: i64, n: u64) -> String {
    let mut h = Sha256::new();
    for part in [person, campaign, plan, &at.to_string(), &n.to_string()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Inbound;

    const SOURCE: &str = r#"event ping { n: number }
channel ads { kind ads }
message hello { channel ads template "hello" }

campaign pinger {
  trigger ping
  reentry always
  journey {
    send hello
  }
}
"#;

    fn plan() -> String {
        let analysis = omnis::driver::analyze_source(SOURCE).unwrap();
        assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
        let plan = omnis::plan::emit::emit_all(&analysis.program, &analysis.sources).remove(0);
        plans::add(plan.to_json().as_bytes()).unwrap()
    }

    fn ping(at: &str, id: Option<&str>) -> Inbound {
        Inbound {
            message_id: id.map(str::to_string),
            input: serde_json::from_value(
                serde_json::json!({"at": at, "event": "ping", "fields": {"n": 1}}),
            )
            .unwrap(),
        }
    }

    fn t(s: &str) -> i64 {
        time::parse_instant(s).unwrap()
    }

    /// Runs everything due up to `until`; the kinds delivered, with instants.
    fn drain(p: &mut Person, until: i64) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(at) = p.next_due().unwrap().filter(|&at| at <= until) {
            for d in p.step(at).unwrap() {
                out.push(format!(
                    "{} {}",
                    d.entry["at"].as_str().unwrap(),
                    d.entry["kind"].as_str().unwrap()
                ));
            }
        }
        out
    }

    #[test]
    fn a_message_id_is_applied_once_and_the_same_plans_are_no_change() {
        let sha = plan();
        let start = t("2026-11-20T10:00:00Z");
        let mut p = Person::new(
            "ann",
            std::slice::from_ref(&sha),
            &BTreeMap::new(),
            None,
            start * 1000,
        )
        .unwrap();
        let batch = |id| Batch {
            inputs: vec![ping("2026-11-20T10:00:00Z", Some(id))],
            plans: Some(vec![sha.clone()]),
            plans_at: None,
        };
        p.take(batch("m1"), start);
        p.take(batch("m1"), start);
        p.take(batch("m2"), start);
        assert_eq!(p.c.pending.len(), 2, "{:?}", p.c.pending);
        p.begin().unwrap();
        let kinds = drain(&mut p, start);
        assert_eq!(
            kinds.iter().filter(|k| k.ends_with("entered")).count(),
            2,
            "{kinds:?}"
        );
    }

    #[test]
    fn inputs_before_the_start_are_late_unless_the_run_was_given_its_start() {
        let sha = plan();
        let start = t("2026-11-20T10:00:00Z");
        let early = || Batch {
            inputs: vec![ping("2026-11-20T09:00:00Z", None)],
            ..Batch::default()
        };
        // Production: the workflow started a little after the event.
        let mut p = Person::new(
            "ann",
            std::slice::from_ref(&sha),
            &BTreeMap::new(),
            None,
            start * 1000,
        )
        .unwrap();
        p.take(early(), start);
        p.begin().unwrap();
        assert_eq!(
            drain(&mut p, start),
            [
                "2026-11-20T10:00:00Z entered",
                "2026-11-20T10:00:00Z send",
                "2026-11-20T10:00:00Z completed"
            ]
        );
        // A backfill from 10:00: the 9:00 ping is history only.
        let mut p = Person::new("bob", &[sha], &BTreeMap::new(), Some(start), 0).unwrap();
        p.take(early(), start);
        p.begin().unwrap();
        assert!(drain(&mut p, start).is_empty());
        // After the start, a late input happens at the last instant handled.
        p.c.last = t("2026-11-20T12:00:00Z");
        p.take(early(), start);
        assert_eq!(p.c.pending[0].0, t("2026-11-20T12:00:00Z"));
    }

    #[test]
    fn the_clock_maps_workflow_time_to_instants_from_the_origin() {
        let sha = plan();
        let p = Person::new("ann", &[sha], &BTreeMap::new(), Some(1_000), 5_000_500).unwrap();
        assert_eq!(p.now(5_000_500), 1_000);
        assert_eq!(p.now(5_001_499), 1_000);
        assert_eq!(p.now(5_001_500), 1_001);
        assert_eq!(p.due_ms(1_010), 5_010_500);
    }
}
