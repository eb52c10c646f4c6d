//! Load: N people through the example campaigns on a Temporal dev server
//! (the `temporal` CLI on the PATH, or `$OMNIS_TEMPORAL_CLI`):
//!
//! ```sh
//! cargo build --release -p omnis-worker --example load --bin omnis-worker
//! target/release/examples/load 2000 [--workers K] [--no-quiet-hours]
//! ```
//!
//! Half the people abandon a cart (`cart_recovery`: they enter, the first
//! send is an hour later), half place an order (`post_purchase`: the
//! thank-you goes out at once, a zero-wait step). Each person is one
//! Segment `batch` request to the intake (an `identify` with the email
//! consent, then the `track`), 32 at a time.
//!
//! The worker runs in this process, or, with `--workers K`, as K
//! `omnis-worker run` processes (the binary beside `examples/`) on the
//! same task queue, this process keeping the intake and the load.
//!
//! The email channel has quiet hours (21:00 to 08:00 UTC for these
//! people): in them the thank-you waits for the morning. `--no-quiet-hours`
//! builds a copy of `campaigns/` without channel quiet hours (in a
//! temporary folder; `campaigns/` is not touched) so the latency can be
//! measured at any hour.
//!
//! Reports event ingest per second (calls in requests answered 200),
//! journey actions delivered per second, the latency from a call's answer
//! to its zero-wait send reaching the webhook (p50, p99), the CPU seconds
//! of this process, of the dev server and of each worker process during
//! the run, and the load average.

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

struct Args {
    people: usize,
    workers: usize,
    no_quiet_hours: bool,
}

fn main() {
    let mut args = Args {
        people: 1000,
        workers: 0,
        no_quiet_hours: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--workers" => {
                args.workers = it
                    .next()
                    .and_then(|k| k.parse().ok())
                    .expect("--workers K: the number of worker processes")
            }
            "--no-quiet-hours" => args.no_quiet_hours = true,
            n => args.people = n.parse().expect("the number of people"),
        }
    }
    let cli = std::env::var("OMNIS_TEMPORAL_CLI").unwrap_or_else(|_| "temporal".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, run(args, cli));
}

/// `campaigns/`, or a copy of it in `dir` whose channels have no quiet
/// hours.
fn campaigns(dir: &std::path::Path, no_quiet_hours: bool) -> std::path::PathBuf {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../campaigns");
    if !no_quiet_hours {
        return source;
    }
    let copy = dir.join("campaigns");
    std::fs::create_dir(&copy).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let text: Vec<String> = text
            .lines()
            .map(|line| {
                if !line.trim_start().starts_with("channel ") {
                    return line.to_string();
                }
                // `quiet_hours HH:MM to HH:MM` dropped from a channel.
                let words: Vec<&str> = line.split_whitespace().collect();
                match words.iter().position(|w| *w == "quiet_hours") {
                    Some(i) => [&words[..i], &words[(i + 4).min(words.len())..]]
                        .concat()
                        .join(" "),
                    None => line.to_string(),
                }
            })
            .collect();
        std::fs::write(copy.join(name), text.join("\n") + "\n").unwrap();
    }
    eprintln!("built a copy of campaigns/ without channel quiet hours");
    copy
}

async fn run(args: Args, cli: String) {
    let n = args.people;
    let dir = tempfile::tempdir().unwrap();
    // The plans, as `omnis build` writes them.
    let analysis = omnis::driver::analyze(&omnis::driver::Options {
        paths: vec![campaigns(dir.path(), args.no_quiet_hours)],
    })
    .unwrap();
    assert!(
        !analysis.has_errors(),
        "the campaigns (or their copy) have errors"
    );
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
    // The worker: in this process, or `--workers` processes.
    let mut journals = Vec::new();
    let mut processes = Vec::new();
    let mut in_process = None;
    if args.workers == 0 {
        let journal = dir.path().join("journal.jsonl");
        journals.push(journal.clone());
        let sinks = SinkConfig {
            webhooks: [("*".to_string(), hook_url)].into(),
            journal: Some(journal),
            dry_run: false,
            profile_webhook: None,
            timeout: Duration::from_secs(10),
        };
        let mut worker = service::worker(client.clone(), &target, sinks).unwrap();
        let stop = worker.shutdown_handle();
        let worker = tokio::task::spawn_local(async move { worker.run().await.unwrap() });
        in_process = Some((stop, worker));
    } else {
        // target/<profile>/examples/load -> target/<profile>/omnis-worker
        let exe = std::env::current_exe().unwrap();
        let bin = exe.parent().unwrap().parent().unwrap().join("omnis-worker");
        assert!(
            bin.exists(),
            "{} is missing: cargo build -p omnis-worker --bin omnis-worker (same profile)",
            bin.display()
        );
        for k in 0..args.workers {
            let journal = dir.path().join(format!("journal-{k}.jsonl"));
            std::fs::write(&journal, "").unwrap();
            journals.push(journal.clone());
            let child = std::process::Command::new(&bin)
                .arg("run")
                .arg("--plans")
                .arg(&build)
                .args(["--address", &target.address])
                .args(["--task-queue", &target.task_queue])
                .args(["--workflow-prefix", &target.prefix])
                .args(["--deliver-webhook", &hook_url])
                .arg("--journal")
                .arg(&journal)
                .arg("--no-http")
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            processes.push(child);
        }
        // Each has registered its pollers once it has pushed the build.
        tokio::time::sleep(Duration::from_secs(3)).await;
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let intake = format!("http://{}/v1/batch", listener.local_addr().unwrap());
    let app = router(Arc::new(Intake {
        client: client.clone(),
        target: target.clone(),
    }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // Ingest: 32 callers.
    let answered: Arc<Mutex<HashMap<String, Instant>>> = Default::default();
    let cpu0 = cpu_seconds();
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
        actions = journals
            .iter()
            .map(|j| {
                std::fs::read_to_string(j)
                    .unwrap_or_default()
                    .lines()
                    .count()
            })
            .sum();
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
    let cpu = cpu_seconds();
    let wall = total.as_secs_f64();
    for (what, secs) in &cpu {
        let before = cpu0.iter().find(|(w, _)| w == what).map_or(0.0, |c| c.1);
        println!(
            "cpu {what}: {:.1} s ({:.0}% of one core)",
            secs - before,
            100.0 * (secs - before) / wall
        );
    }
    println!(
        "load average: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    if let Some((stop, worker)) = in_process {
        stop();
        worker.await.unwrap();
    }
    for mut p in processes {
        let _ = p.kill();
        let _ = p.wait();
    }
    server.shutdown().await.unwrap();
}

/// CPU seconds (user and system) so far of this process and of each of
/// its children (the dev server, the worker processes), from `/proc`
/// (Linux; clock ticks of 1/100 s). Empty elsewhere.
fn cpu_seconds() -> Vec<(String, f64)> {
    fn stat(pid: &str) -> Option<(String, u32, f64)> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (head, rest) = text.rsplit_once(')')?;
        let comm = head.split_once('(')?.1.to_string();
        let f: Vec<&str> = rest.split_whitespace().collect();
        // After the name: state ppid ... utime (14th field) stime (15th).
        let ppid = f.get(1)?.parse().ok()?;
        let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
        Some((comm, ppid, ticks / 100.0))
    }
    let me = std::process::id();
    let mut out = Vec::new();
    if let Some((_, _, secs)) = stat("self") {
        out.push((
            "this process (load, intake; the worker without --workers)".to_string(),
            secs,
        ));
    }
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let pid = entry.file_name().to_string_lossy().to_string();
        if let Some((comm, ppid, secs)) = stat(&pid) {
            if ppid == me {
                out.push((format!("{comm} (pid {pid})"), secs));
            }
        }
    }
    out
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
