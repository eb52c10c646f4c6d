//! Events in: an HTTP endpoint following Segment's tracking API
//! (`identify`, `track`, and `batch` of both), each request checked whole
//! against the plans loaded, then one signal-with-start per person. A
//! request that does not check is answered 400 with every problem and
//! nothing of it is applied; duplicates (same `messageId`) are applied
//! once by the person's workflow.
//!
//! Mapping (docs/runner.md, "Event API"): `userId` is the person;
//! `track`'s `event` and `properties` are an event and its fields (the
//! properties the plans do not declare for the event are dropped, as
//! Segment sends many); `identify`'s `traits` set profile attributes
//! (`null` unsets; undeclared traits are dropped); `timestamp` (RFC 3339)
//! is when it happened (default: when received); `track` of `$opened` or
//! `$clicked` with `properties.message` is an engagement.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use omnis::simulate::{Input, Value};
use serde::Deserialize;
use serde_json::json;
use temporalio_client::Client;

use crate::person;
use crate::plans;
use crate::service::{signal_with_start, Target};
use crate::wire::{Batch, Inbound, PersonArgs};

/// The most calls one `batch` request may hold.
pub const MAX_BATCH: usize = 1_000;

/// One Segment call.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub message_id: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub event: Option<String>,
    #[serde(default)]
    pub properties: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub traits: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct BatchBody {
    batch: Vec<Call>,
}

/// What the intake needs.
pub struct Intake {
    pub client: Client,
    pub target: Target,
}

type Reply = (StatusCode, Json<serde_json::Value>);

pub fn router(intake: Arc<Intake>) -> Router {
    Router::new()
        .route("/v1/track", post(track))
        .route("/v1/identify", post(identify))
        .route("/v1/batch", post(batch))
        .with_state(intake)
}

async fn track(State(i): State<Arc<Intake>>, Json(mut call): Json<Call>) -> Reply {
    call.kind = Some("track".into());
    apply(&i, vec![call]).await
}

async fn identify(State(i): State<Arc<Intake>>, Json(mut call): Json<Call>) -> Reply {
    call.kind = Some("identify".into());
    apply(&i, vec![call]).await
}

async fn batch(State(i): State<Arc<Intake>>, Json(body): Json<BatchBody>) -> Reply {
    if body.batch.len() > MAX_BATCH {
        return bad(vec![format!(
            "a batch holds at most {MAX_BATCH} calls, this one {}",
            body.batch.len()
        )]);
    }
    apply(&i, body.batch).await
}

fn bad(problems: Vec<String>) -> Reply {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": "invalid request: nothing was applied", "problems": problems })),
    )
}

/// Checks every call, then signals each person once with their inputs in
/// order.
async fn apply(intake: &Intake, calls: Vec<Call>) -> Reply {
    let set = plans::current();
    let now = omnis::plan::time::format_instant(chrono_now());
    let mut problems = Vec::new();
    let mut by_person: BTreeMap<String, Vec<Inbound>> = BTreeMap::new();
    for (n, call) in calls.iter().enumerate() {
        let at = |m: String| {
            if calls.len() > 1 {
                format!("batch[{n}]: {m}")
            } else {
                m
            }
        };
        match to_input(call, &set, &now) {
            Ok((person, input)) => {
                if let Err(e) = person::check(&set, &person, std::slice::from_ref(&input)) {
                    problems.push(at(e));
                    continue;
                }
                by_person.entry(person).or_default().push(Inbound {
                    message_id: call.message_id.clone(),
                    input,
                });
            }
            Err(e) => problems.push(at(e)),
        }
    }
    if !problems.is_empty() {
        return bad(problems);
    }
    for (people, (person, inputs)) in by_person.into_iter().enumerate() {
        let args = PersonArgs {
            person: person.clone(),
            plans: set.clone(),
            ..PersonArgs::default()
        };
        let batch = Batch {
            inputs,
            plans: Some(set.clone()),
            plans_at: None,
        };
        if let Err(e) = signal_with_start(&intake.client, &intake.target, args, batch).await {
            // The people before were signalled: a retry of the request is
            // safe when its calls carry message ids.
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "error": format!("{e:#}"), "people_signalled": people })),
            );
        }
    }
    (StatusCode::OK, Json(json!({ "success": true })))
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The names the plans of `set` declare: per event its fields, and the
/// profile's attributes.
fn declared(set: &[String]) -> (BTreeMap<String, BTreeSet<String>>, BTreeSet<String>) {
    let mut events: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut attrs = BTreeSet::new();
    for sha in set {
        let Some(p) = plans::get(sha) else { continue };
        let c = p.runtime.compiled();
        for e in &c.events {
            events
                .entry(e.name.clone())
                .or_default()
                .extend(e.fields.iter().map(|(f, _)| f.clone()));
        }
        attrs.extend(c.attrs.iter().map(|(a, _)| a.clone()));
    }
    (events, attrs)
}

fn scalar(what: &str, v: &serde_json::Value) -> Result<Value, String> {
    Ok(match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::Text(s.clone()),
        serde_json::Value::Array(xs) => Value::List(
            xs.iter()
                .map(|x| match x {
                    serde_json::Value::Array(_) => {
                        Err(format!("{what}: a list's elements are never lists"))
                    }
                    x => scalar(what, x),
                })
                .collect::<Result<_, _>>()?,
        ),
        serde_json::Value::Object(_) => {
            return Err(format!(
                "{what}: expected a string, number, boolean, list or null, found an object"
            ))
        }
    })
}

/// A Segment call as the person's input.
pub fn to_input(call: &Call, set: &[String], now: &str) -> Result<(String, Input), String> {
    let person = call
        .user_id
        .clone()
        .filter(|u| !u.is_empty())
        .ok_or("`userId` is missing: the person is identified by it")?;
    if person.len() > 256 {
        return Err("`userId` is longer than 256 bytes".into());
    }
    let at = call.timestamp.clone().unwrap_or_else(|| now.to_string());
    let (events, attrs) = declared(set);
    let mut input = Input {
        at,
        ..Input::default()
    };
    match call.kind.as_deref() {
        Some("track") => {
            let event = call
                .event
                .clone()
                .ok_or("`event` is missing from a track call")?;
            if let Some(kind) = event.strip_prefix('$') {
                let message = match call.properties.get("message") {
                    Some(serde_json::Value::String(m)) => m.clone(),
                    _ => {
                        return Err(format!(
                            "`{event}` needs `properties.message`, a message name"
                        ))
                    }
                };
                match kind {
                    "opened" => input.opened = Some(message),
                    "clicked" => input.clicked = Some(message),
                    _ => {
                        return Err(format!(
                            "`{event}`: the engagements are `$opened` and `$clicked`"
                        ))
                    }
                }
            } else {
                let fields = events.get(&event);
                for (k, v) in &call.properties {
                    if fields.is_some_and(|f| f.contains(k)) {
                        input
                            .fields
                            .insert(k.clone(), scalar(&format!("properties.{k}"), v)?);
                    }
                }
                input.event = Some(event);
            }
        }
        Some("identify") => {
            let mut set_attrs = BTreeMap::new();
            for (k, v) in &call.traits {
                if attrs.contains(k) {
                    set_attrs.insert(k.clone(), scalar(&format!("traits.{k}"), v)?);
                }
            }
            input.set = Some(set_attrs);
        }
        Some(other) => {
            return Err(format!(
                "`type` {other:?}: this endpoint takes `track` and `identify`"
            ))
        }
        None => return Err("`type` is missing (`track` or `identify`)".into()),
    }
    Ok((person, input))
}
