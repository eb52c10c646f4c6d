//! Faults: a worker killed mid-journey and another started in its place,
//! webhooks that fail (retried, then reported, the journey going on), and
//! the Temporal server restarted on its database. Nothing is lost or sent
//! twice.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::Case;
use omnis::simulate::Scenario;
use omnis_worker::deliver::SinkConfig;
use omnis_worker::wire::{Batch, Inbound, PersonArgs};

fn cart_recovery() -> Case {
    let plan = common::plans()
        .into_iter()
        .find(|p| p.campaign == "cart_recovery")
        .unwrap();
    let text =
        std::fs::read_to_string(common::repo().join("campaigns/cart_recovery.scenario.yaml"))
            .unwrap();
    Case {
        name: "cart_recovery".into(),
        plan,
        others: Vec::new(),
        scenario: Scenario::from_yaml(&text).unwrap(),
        replacement: None,
    }
}

/// Starts every person of the case on the current server; returns tasks
/// that end with their workflows, and each person's expected timeline (simulate's).
async fn start_people(
    client: &temporalio_client::Client,
    target: &omnis_worker::service::Target,
    case: &Case,
) -> (
    Vec<tokio::task::JoinHandle<()>>,
    BTreeMap<String, Vec<serde_json::Value>>,
) {
    let (timelines, span) = common::simulate(case, &case.scenario);
    let sha = common::load(&case.plan);
    let mut handles = Vec::new();
    let mut expected = BTreeMap::new();
    for (timeline, p) in timelines.into_iter().zip(&case.scenario.people) {
        handles.push(
            common::start_scenario_person(
                client,
                target,
                &target.prefix,
                p,
                (vec![sha.clone()], None),
                span,
                None,
            )
            .await,
        );
        let entries = timeline
            .entries
            .iter()
            .map(|e| serde_json::to_value(e).unwrap())
            .collect();
        expected.insert(p.person.id.clone(), entries);
    }
    (handles, expected)
}

fn journal_by_person(path: &std::path::Path) -> BTreeMap<String, Vec<serde_json::Value>> {
    common::journal(path)
        .into_iter()
        .map(|((_, person), ds)| (person, ds.into_iter().map(|d| d.entry).collect()))
        .collect()
}

/// A webhook that fails each delivery `fail` times (every time when
/// `None`), counting the successful deliveries per idempotency key.
#[derive(Default)]
struct Hook {
    fail: Option<u32>,
    attempts: Mutex<BTreeMap<String, u32>>,
    delivered: Mutex<BTreeMap<String, u32>>,
}

async fn hook(State(h): State<Arc<Hook>>, headers: HeaderMap, _body: String) -> StatusCode {
    let key = headers["idempotency-key"].to_str().unwrap().to_string();
    let n = {
        let mut a = h.attempts.lock().unwrap();
        let n = a.entry(key.clone()).or_default();
        *n += 1;
        *n
    };
    if h.fail.is_none_or(|f| n <= f) {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    *h.delivered.lock().unwrap().entry(key).or_default() += 1;
    StatusCode::OK
}

/// The hook, the deliveries by person, simulate's timelines.
type Run = (
    Arc<Hook>,
    BTreeMap<String, Vec<omnis_worker::wire::Delivery>>,
    BTreeMap<String, Vec<serde_json::Value>>,
);

fn webhook_run(fail: Option<u32>) -> Option<Run> {
    let exe = common::test_server_binary()?;
    let case = cart_recovery();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let local = tokio::task::LocalSet::new();
    let h = Arc::new(Hook {
        fail,
        ..Hook::default()
    });
    let hook_state = h.clone();
    let (deliveries, expected) = local.block_on(&rt, async move {
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(hook_state);
        let url = format!("{}/hook", common::serve(app).await);
        let mut server = common::start_test_server(exe).await;
        let target = common::target(&server, "webhooks");
        let client = omnis_worker::service::connect(&target).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.jsonl");
        let sinks = SinkConfig {
            webhooks: [("*".to_string(), url)].into(),
            ..common::sinks(&journal)
        };
        let (stop, worker) = common::spawn_worker(client.clone(), &target, sinks);
        let (handles, expected) = start_people(&client, &target, &case).await;
        common::skip_time(&client).await;
        for h in handles {
            h.await.unwrap();
        }
        stop();
        worker.await.unwrap();
        server.shutdown().await.unwrap();
        let mut expected = expected;
        expected.retain(|_, entries| !entries.is_empty());
        let deliveries = common::journal(&journal)
            .into_iter()
            .map(|((_, person), ds)| (person, ds))
            .collect();
        (deliveries, expected)
    });
    Some((h, deliveries, expected))
}

fn sends(expected: &BTreeMap<String, Vec<serde_json::Value>>) -> usize {
    expected
        .values()
        .flatten()
        .filter(|e| e["kind"] == "send")
        .count()
}

fn entries(
    deliveries: &BTreeMap<String, Vec<omnis_worker::wire::Delivery>>,
) -> BTreeMap<String, Vec<serde_json::Value>> {
    deliveries
        .iter()
        .map(|(p, ds)| (p.clone(), ds.iter().map(|d| d.entry.clone()).collect()))
        .collect()
}

#[test]
fn a_webhook_failing_twice_is_retried_and_each_send_arrives_once() {
    let Some((hook, deliveries, expected)) = webhook_run(Some(2)) else {
        return;
    };
    let delivered = hook.delivered.lock().unwrap();
    assert_eq!(delivered.len(), sends(&expected));
    assert!(delivered.values().all(|&n| n == 1), "{delivered:?}");
    let attempts = hook.attempts.lock().unwrap();
    assert!(attempts.values().all(|&n| n == 3), "{attempts:?}");
    assert!(deliveries.values().flatten().all(|d| d.failed.is_none()));
    assert_eq!(entries(&deliveries), expected);
}

#[test]
fn a_webhook_that_keeps_failing_is_reported_and_the_journey_goes_on() {
    let Some((hook, deliveries, expected)) = webhook_run(None) else {
        return;
    };
    assert!(hook.delivered.lock().unwrap().is_empty());
    let attempts = hook.attempts.lock().unwrap();
    assert_eq!(attempts.len(), sends(&expected));
    assert!(attempts.values().all(|&n| n == 5), "{attempts:?}");
    // Every send is reported failed, in its place: the journey went on as
    // simulate has it (the later sends, skips and ends are all there).
    for d in deliveries.values().flatten() {
        assert_eq!(d.failed.is_some(), d.entry["kind"] == "send", "{d:?}");
    }
    assert_eq!(entries(&deliveries), expected);
}

/// A ping enters, sends `a`, waits 15 s, sends `b`.
const TWO_STEP: &str = r#"event ping { n: number }
channel ads { kind ads }
message a { channel ads template "a" }
message b { channel ads template "b" }

campaign two_step {
  trigger ping
  journey {
    send a
    wait 15s
    send b
  }
}
"#;

#[derive(Clone, Copy, PartialEq)]
enum Fault {
    /// The worker dies (its task aborted, nothing shut down) and another
    /// takes over.
    KillWorker,
    /// The Temporal dev server stops and starts again on its database.
    RestartServer,
    /// Not a fault: a new build (`send b` became `send c`) is written to
    /// the plans folder; the worker loads it and pushes it to the running
    /// people, who get `c` after their wait with no event of theirs.
    NewBuild,
}

/// [`TWO_STEP`]'s next version.
const TWO_STEP_C: &str = r#"event ping { n: number }
channel ads { kind ads }
message a { channel ads template "a" }
message c { channel ads template "c" }

campaign two_step {
  trigger ping
  journey {
    send a
    wait 15s
    send c
  }
}
"#;

/// People ping on a dev server (real time), with the worker in its own
/// process (`omnis-worker run`); once each got `a`, during their 15 s
/// wait, the fault happens; each then gets `b` once.
fn two_step_with(fault: Fault) {
    let Some(cli) = common::temporal_cli() else {
        return;
    };
    use temporalio_sdk_core::ephemeral_server::{EphemeralExe, TemporalDevServerConfig};
    let dir = tempfile::tempdir().unwrap();
    let db = dir
        .path()
        .join("temporal.db")
        .to_string_lossy()
        .into_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = TemporalDevServerConfig::builder()
        .exe(EphemeralExe::ExistingPath(cli))
        .namespace("default".to_string())
        .ip("127.0.0.1".to_string())
        .port(port)
        .db_filename(db)
        .ui(false)
        .log(("pretty".to_string(), "error".to_string()))
        .build();
    let plans_dir = dir.path().join("plans");
    std::fs::create_dir(&plans_dir).unwrap();
    let sha = common::build_folder(&plans_dir, &[common::plan_of(TWO_STEP)]).remove(0);
    let journal = dir.path().join("journal.jsonl");
    let people: Vec<String> = (0..8).map(|i| format!("p{i}")).collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let start = |c: TemporalDevServerConfig| async move {
            c.start_server_with_output(std::process::Stdio::null(), std::process::Stdio::null())
                .await
                .expect("the dev server starts")
        };
        let mut server = start(config.clone()).await;
        let target = omnis_worker::service::Target {
            address: server.target.clone(),
            namespace: "default".into(),
            task_queue: "faults".into(),
            prefix: "faults/".into(),
        };
        let client = omnis_worker::service::connect(&target).await.unwrap();
        let spawn = || {
            tokio::process::Command::new(env!("CARGO_BIN_EXE_omnis-worker"))
                .arg("run")
                .arg("--plans")
                .arg(&plans_dir)
                .args(["--address", &target.address, "--task-queue", "faults"])
                .args(["--workflow-prefix", "faults/", "--no-http", "--reload", "1"])
                .arg("--journal")
                .arg(&journal)
                .stderr(std::process::Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("the worker starts")
        };
        let mut worker = spawn();
        let now = omnis::plan::time::format_instant(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64,
        );
        let input: omnis::simulate::Input = serde_json::from_value(
            serde_json::json!({"at": now, "event": "ping", "fields": {"n": 1}}),
        )
        .unwrap();
        for person in &people {
            omnis_worker::service::signal_with_start(
                &client,
                &target,
                PersonArgs {
                    person: person.clone(),
                    plans: vec![sha.clone()],
                    ..PersonArgs::default()
                },
                Batch {
                    inputs: vec![Inbound {
                        message_id: Some("m1".into()),
                        input: input.clone(),
                    }],
                    ..Batch::default()
                },
            )
            .await
            .unwrap();
        }
        let kinds = || -> BTreeMap<String, Vec<String>> {
            journal_by_person(&journal)
                .into_iter()
                .map(|(p, es)| {
                    let ks = es
                        .iter()
                        .map(|e| {
                            let m = e["message"].as_str().map(|m| format!(" {m}"));
                            format!("{}{}", e["kind"].as_str().unwrap(), m.unwrap_or_default())
                        })
                        .collect();
                    (p, ks)
                })
                .collect()
        };
        let all_have =
            |n: usize| kinds().len() == people.len() && kinds().values().all(|k| k.len() >= n);
        for _ in 0..600 {
            if all_have(2) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let before = kinds();
        assert_eq!(before.len(), people.len(), "{before:?}");
        assert!(
            before.values().all(|k| k == &["entered", "send a"]),
            "the fault came too late: {before:?}"
        );
        let mut server = match fault {
            Fault::KillWorker => {
                // SIGKILL: no shutdown, tasks in hand lost.
                worker.kill().await.unwrap();
                worker = spawn();
                server
            }
            Fault::RestartServer => {
                server.shutdown().await.unwrap();
                tokio::time::sleep(Duration::from_secs(1)).await;
                start(config).await
            }
            Fault::NewBuild => {
                common::build_folder(&plans_dir, &[common::plan_of(TWO_STEP_C)]);
                server
            }
        };
        let want: &[&str] = match fault {
            Fault::NewBuild => &["entered", "send a", "replaced", "send c", "completed"],
            _ => &["entered", "send a", "send b", "completed"],
        };
        for _ in 0..900 {
            if all_have(want.len()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Nothing more comes.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = kinds();
        assert_eq!(after.len(), people.len());
        for (p, k) in &after {
            assert_eq!(k, want, "{p}");
        }
        worker.kill().await.unwrap();
        server.shutdown().await.unwrap();
    });
}

#[test]
fn a_worker_killed_mid_journey_is_replaced_without_loss_or_repeat() {
    two_step_with(Fault::KillWorker);
}

#[test]
fn the_temporal_server_restarted_on_its_database_loses_nothing() {
    two_step_with(Fault::RestartServer);
}

#[test]
fn a_new_build_reaches_people_mid_wait_without_an_event_of_theirs() {
    two_step_with(Fault::NewBuild);
}
