//! Pushing a new build: N people wait mid-journey on a Temporal dev server
//! (`$OMNIS_TEMPORAL_CLI`, the path of the `temporal` CLI), with the
//! worker in this process; a new version of their plan is pushed to them
//! (`service::push_plans`, as `omnis-worker run` does on a new build):
//!
//! ```sh
//! OMNIS_TEMPORAL_CLI=$(command -v temporal) \
//!   cargo run --release -p omnis-worker --example push -- 2000
//! ```
//!
//! Reports how long the push took (listing and signalling every running
//! person) and how long until every person's workflow had replaced its
//! plan (the `replaced` action delivered).

#[path = "shared/mod.rs"]
mod shared;

use std::time::{Duration, Instant};

use omnis_worker::deliver::SinkConfig;
use omnis_worker::service;
use omnis_worker::wire::{Batch, Inbound, PersonArgs};

const V1: &str = r#"event ping { n: number }
channel ads { kind ads }
message a { channel ads template "a" }
message b { channel ads template "b" }

campaign waiter {
  trigger ping
  journey {
    send a
    wait 1d
    send b
  }
}
"#;

fn plan_json(source: &str) -> String {
    let analysis = omnis::driver::analyze_source(source).unwrap();
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    omnis::plan::emit::emit_all(&analysis.program, &analysis.sources)
        .remove(0)
        .to_json()
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

/// How many journal lines are actions of `kind`.
fn count(journal: &std::path::Path, kind: &str) -> usize {
    let needle = format!("\"kind\":\"{kind}\"");
    std::fs::read_to_string(journal)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(&needle))
        .count()
}

async fn wait_for(journal: &std::path::Path, kind: &str, n: usize) {
    while count(journal, kind) < n {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn run(n: usize, cli: String) {
    let dir = tempfile::tempdir().unwrap();
    let v1 = omnis_worker::plans::add(plan_json(V1).as_bytes()).unwrap();
    let v2 = omnis_worker::plans::add(
        plan_json(&V1.replace("send b", "send c").replace(
            "message b { channel ads template \"b\" }",
            "message c { channel ads template \"c\" }",
        ))
        .as_bytes(),
    )
    .unwrap();
    let (mut server, target, client) = shared::dev_server(cli, "push").await;
    let journal = dir.path().join("journal.jsonl");
    let sinks = SinkConfig {
        journal: Some(journal.clone()),
        timeout: Duration::from_secs(10),
        ..SinkConfig::default()
    };
    let mut worker = service::worker(client.clone(), &target, sinks).unwrap();
    let stop = worker.shutdown_handle();
    let worker = tokio::task::spawn_local(async move { worker.run().await.unwrap() });

    let now = omnis::plan::time::format_instant(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    let ping: omnis::simulate::Input =
        serde_json::from_value(serde_json::json!({"at": now, "event": "ping", "fields": {"n": 1}}))
            .unwrap();
    let started = Instant::now();
    for i in 0..n {
        service::signal_with_start(
            &client,
            &target,
            PersonArgs {
                person: format!("p{i}"),
                plans: vec![v1.clone()],
                ..PersonArgs::default()
            },
            Batch {
                inputs: vec![Inbound {
                    message_id: Some("m1".into()),
                    input: ping.clone(),
                }],
                ..Batch::default()
            },
        )
        .await
        .unwrap();
    }
    wait_for(&journal, "send", n).await;
    eprintln!(
        "{n} people waiting mid-journey after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let pushed_at = Instant::now();
    let pushed = service::push_plans(&client, &target, &[v2], None)
        .await
        .unwrap();
    let push = pushed_at.elapsed().as_secs_f64();
    wait_for(&journal, "replaced", n).await;
    let all = pushed_at.elapsed().as_secs_f64();
    println!(
        "pushed to {pushed} people in {push:.2} s ({:.0} signals/s); every plan replaced after {all:.2} s ({:.0} people/s)",
        pushed as f64 / push,
        n as f64 / all
    );
    stop();
    worker.await.unwrap();
    server.shutdown().await.unwrap();
}
