//! Checking a scenario against a compiled plan: names resolved to the
//! plan's indices, values to the declared types, times parsed and bounded,
//! and the simulated span (`start`, `until`) settled.

use std::collections::{BTreeMap, BTreeSet};

use super::scenario::{PersonScenario, Place, Value};
use super::{Scenario, SimError, When};
use crate::plan::time;
use crate::runtime::{
    date_instant, CTrigger, Compiled, Input as PInput, InputKind as PKind, Ty, Val,
};
use crate::runtime::{MAX_INSTANT, MIN_INSTANT};

const DAY: i64 = 86_400;

/// A scenario checked against a compiled plan, ready to run.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub start: i64,
    pub until: i64,
    /// When the plan is replaced (never before `start`).
    pub replace_at: Option<i64>,
    people: Vec<PPerson>,
}

impl Prepared {
    /// How many people it holds.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    pub(super) fn people(&self) -> &[PPerson] {
        &self.people
    }

    pub(super) fn bounds(&self) -> (i64, i64) {
        (self.start, self.until)
    }
}

/// Every name the campaigns declare, beyond those a plan uses (see
/// [`super::Simulator::with_vocabulary`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vocabulary {
    /// Events, with their fields.
    pub events: BTreeMap<String, Vec<String>>,
    pub messages: BTreeSet<String>,
    pub attributes: BTreeSet<String>,
}

impl Vocabulary {
    /// Every name a checked program declares.
    pub fn of_program(program: &crate::model::Program) -> Vocabulary {
        Vocabulary {
            events: program
                .events
                .iter()
                .map(|e| {
                    let fields = e.fields.iter().map(|f| f.name.clone()).collect();
                    (e.name.clone(), fields)
                })
                .collect(),
            messages: program.messages.iter().map(|m| m.name.clone()).collect(),
            attributes: program.attributes.iter().map(|a| a.name.clone()).collect(),
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct PPerson {
    pub id: String,
    pub attrs: Vec<Option<Val>>,
    pub inputs: Vec<PInput>,
    /// With a replacement: the same inputs, checked against the new plan
    /// (they drive the person from the replacement on).
    pub after: Vec<PInput>,
}

/// " (did you mean `x`?)" when a candidate is close to `name`.
fn hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    crate::suggest::did_you_mean(name, candidates)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// Parses an RFC 3339 time within the span the runner represents.
pub(super) fn instant(s: &str) -> Result<i64, String> {
    let t = time::parse_instant(s)
        .ok_or_else(|| format!("{s:?} is not a time: write RFC 3339, like 2026-11-20T10:00:00Z"))?;
    bounded(t).map_err(|e| format!("{s:?} {e}"))
}

fn bounded(t: i64) -> Result<i64, String> {
    if t > MAX_INSTANT {
        Err("is after 9999-12-31T23:59:59Z, the latest time the runner represents".into())
    } else if t < MIN_INSTANT {
        Err("is before 0000-01-01T00:00:00Z, the earliest time the runner represents".into())
    } else {
        Ok(t)
    }
}

/// A scenario value as error messages describe it, written only when an
/// error is (describing every value cost a tenth of `simulate --people`).
struct Described<'v>(&'v Value);

impl std::fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.describe())
    }
}

/// Converts a scenario value to a value of type `ty` (`None`: unset).
pub(super) fn value(v: &Value, ty: Ty) -> Result<Option<Val>, String> {
    let found = Described(v);
    Ok(Some(match (v, ty) {
        (Value::Null, _) => return Ok(None),
        (Value::List(items), Ty::List(elem)) => Val::List(
            items
                .iter()
                .filter_map(|i| value(i, *elem).transpose())
                .collect::<Result<_, _>>()?,
        ),
        (_, Ty::List(elem)) => {
            return Err(format!(
                "expected a list ([...]) of {}, found {found}",
                ty_name(*elem)
            ))
        }
        (Value::List(_), t) => {
            return Err(format!("expected {}, found a list", ty_name(t)));
        }
        (Value::Text(s), Ty::Date) => Val::Date(
            day_number(s)
                .ok_or_else(|| format!("expected a date (like 2026-11-20), found {found}"))?,
        ),
        (_, Ty::Date) => return Err(format!("expected a date (like 2026-11-20), found {found}")),
        (Value::Bool(b), Ty::Bool) => Val::Bool(*b),
        (Value::Number(n), Ty::Number) => Val::Num(*n),
        (Value::Text(s), Ty::Text) => Val::Text(s.clone()),
        (Value::Text(s), Ty::Time) => match instant(s) {
            Ok(t) => Val::Time(t),
            Err(e) => match date_instant(s) {
                Ok(t) => Val::Time(bounded(t).map_err(|e| format!("{s:?} {e}"))?),
                Err(_) => return Err(e),
            },
        },
        (Value::Number(n), Ty::Time) => {
            let t = n.trunc();
            if !(MIN_INSTANT as f64..=MAX_INSTANT as f64).contains(&t) {
                return Err(format!(
                    "{found} seconds since 1970 is outside years 0 to 9999"
                ));
            }
            Val::Time(t as i64)
        }
        (Value::Text(s), Ty::Bool) => {
            let tip = match s.to_ascii_lowercase().as_str() {
                "true" | "false" => " (write it without quotes)",
                "yes" | "no" | "on" | "off" | "y" | "n" => " (write true or false)",
                _ => "",
            };
            return Err(format!("expected true or false, found {found}{tip}"));
        }
        (Value::Text(s), Ty::Number) => {
            let tip = if s.trim().parse::<f64>().is_ok() {
                " (write it without quotes)"
            } else {
                ""
            };
            return Err(format!("expected a number, found {found}{tip}"));
        }
        (_, Ty::Text) => return Err(format!("expected text, found {found} (put it in quotes)")),
        (_, Ty::Bool) => return Err(format!("expected true or false, found {found}")),
        (_, Ty::Number) => return Err(format!("expected a number, found {found}")),
        (_, Ty::Time) => {
            return Err(format!(
                "expected a time (RFC 3339, like 2026-11-20T10:00:00Z), found {found}"
            ))
        }
    }))
}

/// A type as a person reads it in a message.
fn ty_name(t: Ty) -> &'static str {
    match t {
        Ty::Text => "text",
        Ty::Number => "a number",
        Ty::Bool => "true or false",
        Ty::Time => "a time",
        Ty::Date => "a date",
        Ty::List(_) => "a list",
    }
}

/// `YYYY-MM-DD` as days since 1970-01-01 (years 0 to 9999).
pub(crate) fn day_number(s: &str) -> Option<i64> {
    // `YYYY-MM-DD` read directly (a generated population writes a day for
    // every date attribute); anything else through chrono's parser.
    let b = s.as_bytes();
    let num = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let canonical = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| {
            let year = i32::try_from(num(0, 4)?).ok()?;
            chrono::NaiveDate::from_ymd_opt(year, num(5, 7)?, num(8, 10)?)
        })
        .flatten();
    let d = match canonical {
        Some(d) => d,
        None => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?,
    };
    if !(0..=9999).contains(&chrono::Datelike::year(&d)) {
        return None;
    }
    Some((d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days())
}

/// One person checked against the plan, with the span of their inputs.
pub(super) fn prepare_person(
    c: &Compiled,
    p: &PersonScenario,
    index: usize,
    vocab: Option<&Vocabulary>,
) -> Result<(PPerson, Option<(i64, i64)>), SimError> {
    let who = &p.person.id;
    let err = |m: String, place: Place| SimError::scenario(format!("person {who}: {m}"), place);
    let attribute_names = || {
        c.attrs.iter().map(|(n, _)| n.as_str()).chain(
            vocab
                .into_iter()
                .flat_map(|v| v.attributes.iter().map(String::as_str)),
        )
    };
    // An attribute: its index in the plan, `None` when the plan does not
    // use it (and it exists).
    let attribute = |name: &str, place: Place| -> Result<Option<usize>, SimError> {
        match c.attr_index.get(name) {
            Some(&i) => Ok(Some(i)),
            None if vocab.is_none_or(|v| v.attributes.contains(name)) => Ok(None),
            None => Err(err(
                format!(
                    "there is no attribute `{name}` in the profile{}",
                    hint(name, attribute_names())
                ),
                place,
            )),
        }
    };
    let mut attrs = vec![None; c.attrs.len()];
    for (name, v) in &p.person.attributes {
        let place = || Place::Attribute(index, name.clone());
        if let Some(i) = attribute(name, place())? {
            attrs[i] =
                value(v, c.attrs[i].1).map_err(|e| err(format!("`{name}`: {e}"), place()))?;
        }
    }
    let mut span: Option<(i64, i64)> = None;
    let mut inputs = Vec::with_capacity(p.events.len());
    for (n, input) in p.events.iter().enumerate() {
        let key = |k: &str| Place::InputKey(index, n, k.to_string());
        let ierr = |m: String, place: Place| err(format!("input {}: {m}", n + 1), place);
        let at = instant(&input.at).map_err(|e| ierr(format!("`at` {e}"), key("at")))?;
        let given = [
            input.event.is_some(),
            input.opened.is_some(),
            input.clicked.is_some(),
            input.set.is_some(),
        ]
        .iter()
        .filter(|&&b| b)
        .count();
        if given != 1 {
            return Err(ierr(
                "give exactly one of `event`, `opened`, `clicked`, `set`".into(),
                Place::Input(index, n),
            ));
        }
        let message = |m: &str, k: &str| -> Result<Option<usize>, SimError> {
            match c.message_index.get(m) {
                Some(&i) => Ok(Some(i)),
                None if vocab.is_none_or(|v| v.messages.contains(m)) => Ok(None),
                None => {
                    let names = c.messages.iter().map(|x| &*x.name).chain(
                        vocab
                            .into_iter()
                            .flat_map(|v| v.messages.iter().map(String::as_str)),
                    );
                    Err(ierr(
                        format!("there is no message `{m}`{}", hint(m, names)),
                        key(k),
                    ))
                }
            }
        };
        let kind = if let Some(e) = &input.event {
            match c.event_index.get(e) {
                Some(&ei) => {
                    let ev = &c.events[ei];
                    let mut fields = vec![None; ev.fields.len()];
                    for (f, v) in &input.fields {
                        let place = || key(&format!("fields.{f}"));
                        let Some(fi) = ev.fields.iter().position(|(name, _)| name == f) else {
                            let names = ev.fields.iter().map(|(n, _)| n.as_str());
                            return Err(ierr(
                                format!("event `{e}` has no field `{f}`{}", hint(f, names)),
                                place(),
                            ));
                        };
                        fields[fi] = value(v, ev.fields[fi].1)
                            .map_err(|x| ierr(format!("field `{f}`: {x}"), place()))?;
                    }
                    PKind::Event(ei, fields)
                }
                None if vocab.is_none_or(|v| v.events.contains_key(e)) => PKind::Ignored,
                None => {
                    let names = c.events.iter().map(|x| x.name.as_str()).chain(
                        vocab
                            .into_iter()
                            .flat_map(|v| v.events.keys().map(String::as_str)),
                    );
                    return Err(ierr(
                        format!("there is no event `{e}`{}", hint(e, names)),
                        key("event"),
                    ));
                }
            }
        } else if let Some(m) = &input.opened {
            message(m, "opened")?.map_or(PKind::Ignored, PKind::Opened)
        } else if let Some(m) = &input.clicked {
            message(m, "clicked")?.map_or(PKind::Ignored, PKind::Clicked)
        } else {
            let mut set = Vec::new();
            for (name, v) in input.set.iter().flatten() {
                let place = || key(&format!("set.{name}"));
                let Some(i) = attribute(name, place())? else {
                    continue;
                };
                let v = value(v, c.attrs[i].1)
                    .map_err(|e| ierr(format!("set `{name}`: {e}"), place()))?;
                set.push((i, v));
            }
            PKind::Set(set)
        };
        span = Some(span.map_or((at, at), |(f, l)| (f.min(at), l.max(at))));
        inputs.push(PInput { at, kind });
    }
    inputs.sort_by_key(|i| i.at);
    Ok((
        PPerson {
            id: who.clone(),
            attrs,
            inputs,
            after: Vec::new(),
        },
        span,
    ))
}

/// The simulated span: `start` and `until` as given, else from the
/// inputs' span (`first`, `last`) and the plan (see docs/simulate.md),
/// never past [`MAX_INSTANT`].
pub(super) fn bounds(
    c: &Compiled,
    start: Option<i64>,
    until: Option<i64>,
    inputs: Option<(i64, i64)>,
) -> Result<(i64, i64), SimError> {
    let (first, last) = (inputs.map(|s| s.0), inputs.map(|s| s.1));
    let once = match &c.trigger {
        CTrigger::Once(date, _) => Some(time::start_of_day(chrono_tz::UTC, *date) - DAY),
        _ => None,
    };
    let start = match start {
        Some(s) => s,
        None => [first, c.window.map(|w| w.0), once]
            .into_iter()
            .flatten()
            .min()
            .ok_or_else(|| {
                SimError::scenario("no inputs: give the scenario a `start`", Place::Unknown)
            })?,
    };
    let until = match until {
        Some(u) => u,
        None => {
            let horizon = if c.max_latest.is_none() || c.nodes.len() > 1 && c.max_latest == Some(0)
            {
                365 * DAY
            } else {
                i64::try_from(c.max_latest.unwrap_or(0))
                    .unwrap_or(i64::MAX)
                    .saturating_add(8 * DAY)
            };
            let base = [
                Some(start),
                last,
                c.window.map(|w| w.1),
                once.map(|o| o + 2 * DAY),
            ]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(start);
            base.saturating_add(horizon).min(MAX_INSTANT)
        }
    };
    Ok((start, until))
}

pub(super) fn prepare(
    c: &Compiled,
    scenario: &Scenario,
    vocab: Option<&Vocabulary>,
    replacement: Option<(&Compiled, When)>,
) -> Result<Prepared, SimError> {
    let mut people = Vec::with_capacity(scenario.people.len());
    let mut span: Option<(i64, i64)> = None;
    for (i, p) in scenario.people.iter().enumerate() {
        let (mut person, s) = prepare_person(c, p, i, vocab)?;
        if let Some((new, _)) = replacement {
            person.after = prepare_person(new, p, i, vocab)?.0.inputs;
        }
        if let Some((f, l)) = s {
            span = Some(span.map_or((f, l), |(a, b)| (a.min(f), b.max(l))));
        }
        people.push(person);
    }
    let given = |s: &Option<String>, what: &str, place: Place| {
        s.as_deref()
            .map(|s| instant(s).map_err(|e| SimError::scenario(format!("`{what}` {e}"), place)))
            .transpose()
    };
    let start = given(&scenario.start, "start", Place::Start)?;
    let until = given(&scenario.until, "until", Place::Until)?;
    let (start, mut until) = bounds(c, start, until, span)?;
    let mut replace_at = None;
    if let Some((new, when)) = replacement {
        let at = match when {
            When::At(t) => t,
            When::After(d) => start.saturating_add(d),
        }
        .max(start);
        replace_at = Some(at);
        if scenario.until.is_none() {
            // The new plan's horizon counts from the replacement.
            let (_, later) = bounds(
                new,
                Some(at),
                None,
                span.map(|(f, l)| (f.max(at), l.max(at))),
            )?;
            until = until.max(later);
        }
    }
    Ok(Prepared {
        start,
        until,
        replace_at,
        people,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_of_the_wrong_type_are_explained_in_plain_words() {
        let text = |s: &str| Value::Text(s.into());
        let cases = [
            (
                text("yes"),
                Ty::Bool,
                "expected true or false, found the text \"yes\" (write true or false)",
            ),
            (
                text("true"),
                Ty::Bool,
                "expected true or false, found the text \"true\" (write it without quotes)",
            ),
            (
                text("80"),
                Ty::Number,
                "expected a number, found the text \"80\" (write it without quotes)",
            ),
            (
                Value::Number(3.7e10),
                Ty::Text,
                "expected text, found the number 37000000000 (put it in quotes)",
            ),
            (
                Value::Bool(true),
                Ty::Number,
                "expected a number, found true",
            ),
            (
                text("yesterday"),
                Ty::Time,
                "\"yesterday\" is not a time: write RFC 3339, like 2026-11-20T10:00:00Z",
            ),
            (Value::Number(1e300), Ty::Time, "outside years 0 to 9999"),
            (
                text("9999-12-31T23:59:59-01:00"),
                Ty::Time,
                "is after 9999-12-31T23:59:59Z",
            ),
        ];
        for (v, ty, want) in cases {
            let got = value(&v, ty).unwrap_err();
            assert!(got.contains(want), "{v:?} as {ty:?}: {got}");
            assert!(!got.contains("Text(") && !got.contains("Number("), "{got}");
        }
        assert_eq!(
            value(&text("2026-11-20"), Ty::Time).unwrap(),
            Some(Val::Time(1_795_132_800))
        );
        assert_eq!(value(&Value::Null, Ty::Bool).unwrap(), None);
    }
}
