//! The two-command start (README.md, docs/runner.md): `omnis-worker run
//! --dev` starts the Temporal dev server itself (the `temporal` CLI on the
//! PATH), takes events from `omnis-worker send-event`, posts the send to
//! `--deliver-webhook`, and stops the dev server when it is stopped.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;

const SOURCE: &str = r#"event ping { n: number }
channel ads { kind ads }
message hello { channel ads template "hello" }

campaign greet {
  trigger ping
  journey {
    send hello
  }
}
"#;

/// ann's ping, with its message id.
const PING: &[&str] = &[
    "--person",
    "ann",
    "--event",
    "ping",
    "--field",
    "n=1",
    "--message-id",
    "m1",
];

type Posts = Arc<Mutex<Vec<serde_json::Value>>>;

async fn hook(State(posts): State<Posts>, body: String) -> StatusCode {
    posts
        .lock()
        .unwrap()
        .push(serde_json::from_str(&body).unwrap());
    StatusCode::OK
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn send_event(intake: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_omnis-worker"))
        .args(["send-event", "--url", intake])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn run_dev_starts_the_server_takes_an_event_and_posts_the_send() {
    let Some(cli) = common::temporal_cli() else {
        return;
    };
    // `--dev` runs `temporal` from the PATH.
    let cli_dir = std::path::Path::new(&cli).parent().unwrap().to_path_buf();
    let path = std::env::join_paths(std::iter::once(cli_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    common::build_folder(dir.path(), &[common::plan_of(SOURCE)]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let posts: Posts = Default::default();
        let base = common::serve(
            axum::Router::new()
                .route("/send", axum::routing::post(hook))
                .with_state(posts.clone()),
        )
        .await;
        let (temporal, http) = (free_port(), free_port());
        let intake = format!("http://127.0.0.1:{http}");
        let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_omnis-worker"))
            .env("PATH", &path)
            .arg("run")
            .arg("--dev")
            .arg("--plans")
            .arg(dir.path())
            .args(["--address", &format!("127.0.0.1:{temporal}")])
            .args(["--http", &format!("127.0.0.1:{http}")])
            .args(["--deliver-webhook", &format!("{base}/send")])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // The intake answers once the dev server is up and the worker runs.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = send_event(&intake, PING);
            if out.status.success() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the intake never answered: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(worker.try_wait().unwrap().is_none(), "the worker exited");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // Sent again (a client retrying): applied once.
        assert!(send_event(&intake, PING).status.success());
        while posts.lock().unwrap().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Time for a second (wrong) delivery to arrive.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let got = posts.lock().unwrap().clone();
        assert_eq!(got.len(), 1, "{got:#?}");
        assert_eq!(got[0]["person"], "ann");
        assert_eq!(got[0]["campaign"], "greet");
        assert_eq!(got[0]["entry"]["kind"], "send");
        assert_eq!(got[0]["entry"]["message"], "hello");

        // Ctrl-C stops the worker, and with it the dev server.
        let pid = worker.id().to_string();
        assert!(std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success());
        let deadline = Instant::now() + Duration::from_secs(30);
        while worker.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the worker did not stop");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpListener::bind(("127.0.0.1", temporal)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the dev server still holds port {temporal}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}

#[test]
fn run_dev_refuses_a_port_already_in_use() {
    let Some(_cli) = common::temporal_cli() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    common::build_folder(dir.path(), &[common::plan_of(SOURCE)]);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_omnis-worker"))
        .arg("run")
        .arg("--dev")
        .arg("--plans")
        .arg(dir.path())
        .args(["--address", &format!("127.0.0.1:{port}")])
        .args(["--no-http", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is in use"), "{stderr}");
}
