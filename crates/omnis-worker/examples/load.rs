//! Load: N people through the example campaigns on a Temporal dev server
//! (the `temporal` CLI on the PATH, or `$OMNIS_TEMPORAL_CLI`), with the
//! worker and its event intake in this process:
//!
//! ```sh
//! cargo run --release -p omnis-worker --example load -- 2000
//! ```
//!
//! Half the people abandon a cart (`cart_recovery`: they enter, the first
//! send is an hour later), half place an order (`post_purchase`: the
//! thank-you goes out at once, a zero-wait step). Each person is one
//! Segment `batch` request to the intake (an `identify` with the email
//! consent, then the `track`), 32 at a time. Run it outside the email
//! channel's quiet hours (21:00 to 08:00 UTC), or the thank-you waits for
//! the morning. Reports event ingest per second (calls in requests
//! answered 200), journey actions delivered per second,
//! and the latency from a call's answer to its zero-wait send reaching the
//! webhook (p50, p99).

#[path = "shared/mod.rs"]
mod shared;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use omnis_worker::deliver::SinkConfig;
use omnis_worker::intake::{router, Intake};
use omnis_worker::service;
use omnis_worker::wire::Delivery;

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

async fn hook(State(a): State<Arrivals>, body: String) -> StatusCode {
    let d: Delivery = serde_json::from_str(&body).unwrap();
    a.lock()
        .unwrap()
        .entry(d.person)
        .or_insert_with(Instant::now);
    StatusCode::OK
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("the number of people"))
        .unwrap_or(1000);
    let cli = std::env::var("OMNIS_TEMPORAL_CLI").unwrap_or_else(|_| "temporal".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, run(n, cli));
}

async fn run(n: usize, cli: String) {
    let dir = tempfile::tempdir().unwrap();
    // The plans, as `omnis build` writes them.
    let analysis = omnis::driver::analyze(&omnis::driver::Options {
        paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../campaigns")],
    })
    .unwrap();
    let plans: Vec<_> = omnis::plan::emit::emit_all(&analysis.program, &analysis.sources)
        .into_iter()
        .filter(|p| p.campaign == "cart_recovery" || p.campaign == "post_purchase")
        .collect();
    let build = dir.path().join("plans");
    std::fs::create_dir(&build).unwrap();
    for p in &plans {
        let json = p.to_json();
        omnis_worker::plans::add(json.as_bytes()).unwrap();
    }
    write_manifest(&build, &plans);
    omnis_worker::plans::load_dir(&build).unwrap();

    let (mut server, target, client) = shared::dev_server(cli, "load").await;

    let arrivals: Arrivals = Default::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(arrivals.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let journal = dir.path().join("journal.jsonl");
    let sinks = SinkConfig {
        webhooks: [("*".to_string(), hook_url)].into(),
        journal: Some(journal.clone()),
        dry_run: false,
        profile_webhook: None,
        timeout: Duration::from_secs(10),
    };
    let mut worker = service::worker(client.clone(), &target, sinks).unwrap();
    let stop = worker.shutdown_handle();
    let worker = tokio::task::spawn_local(async move { worker.run().await.unwrap() });

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let intake = format!("http://{}/v1/batch", listener.local_addr().unwrap());
    let app = router(Arc::new(Intake {
        client: client.clone(),
        target: target.clone(),
    }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // Ingest: 32 callers.
    let answered: Arc<Mutex<HashMap<String, Instant>>> = Default::default();
    let t0 = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut callers = Vec::new();
    for _ in 0..32 {
        let (next, answered, intake) = (next.clone(), answered.clone(), intake.clone());
        callers.push(tokio::task::spawn_blocking(move || loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= n {
                break;
            }
            let person = format!("p{i}");
            let event = if i % 2 == 0 {
                serde_json::json!({"type": "track", "userId": person, "event": "cart_abandoned",
                    "messageId": format!("{person}/t"), "properties": {"cart_id": format!("c{i}"), "value": 80}})
            } else {
                serde_json::json!({"type": "track", "userId": person, "event": "order_placed",
                    "messageId": format!("{person}/t"), "properties": {"order_id": format!("o{i}"), "total": 80}})
            };
            let identify = serde_json::json!({"type": "identify", "userId": person,
                "messageId": format!("{person}/i"),
                "traits": {"email": format!("{person}@example.com"), "email_opt_in": true}});
            ureq::post(&intake)
                .send_json(serde_json::json!({ "batch": [identify, event] }))
                .expect("the intake answers");
            answered.lock().unwrap().insert(person, Instant::now());
        }));
    }
    for c in callers {
        c.await.unwrap();
    }
    let ingest = t0.elapsed();
    // Wait for every zero-wait send (the odd people's thank-you).
    let sends = n / 2;
    let deadline = Instant::now() + Duration::from_secs(300);
    while arrivals.lock().unwrap().len() < sends && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // And for the entries of the others.
    let expected_actions = n + sends; // everyone enters; half also send
    let mut actions = 0;
    while Instant::now() < deadline {
        actions = std::fs::read_to_string(&journal).unwrap().lines().count();
        if actions >= expected_actions {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let total = t0.elapsed();
    let answered = answered.lock().unwrap().clone();
    let mut latencies: Vec<f64> = arrivals
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(p, at)| {
            let a = answered.get(p)?;
            Some(at.saturating_duration_since(*a).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert!(!latencies.is_empty(), "no send arrived (quiet hours?)");
    let pct = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!("people: {n} ({sends} zero-wait sends)");
    println!(
        "event ingest: {:.0} calls/s ({} identify and track calls in {:.2} s)",
        2.0 * n as f64 / ingest.as_secs_f64(),
        2 * n,
        ingest.as_secs_f64()
    );
    println!(
        "journey actions delivered: {actions} in {:.2} s: {:.0} actions/s",
        total.as_secs_f64(),
        actions as f64 / total.as_secs_f64()
    );
    println!(
        "event-to-send latency (zero-wait send): p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        pct(0.5),
        pct(0.99),
        latencies.last().unwrap()
    );
    stop();
    worker.await.unwrap();
    server.shutdown().await.unwrap();
}

fn write_manifest(dir: &std::path::Path, plans: &[omnis::plan::Plan]) {
    use omnis::plan::manifest::{Manifest, ManifestEntry};
    use sha2::{Digest, Sha256};
    let entries = plans
        .iter()
        .map(|p| {
            let json = p.to_json();
            let file = format!("{}.plan.json", p.campaign);
            std::fs::write(dir.join(&file), &json).unwrap();
            ManifestEntry {
                campaign: p.campaign.clone(),
                file,
                sha256: Sha256::digest(json.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
            }
        })
        .collect();
    std::fs::write(
        dir.join("omnis-manifest.json"),
        Manifest::new(plans, entries).to_json(),
    )
    .unwrap();
}
