//! `omnis lsp` in a workspace of 2,000 campaign files importing one
//! vocabulary (issue 16 item 4): the time from a `didChange` to the
//! diagnostics published, for the edited campaign (checked with its
//! imports at once) and for the importers of an edited vocabulary
//! (checked with the whole project, on the server's second thread); and
//! for hover, definition and completion. The server runs in process, on
//! lsp-server's in-memory connection, exactly as `omnis lsp` runs it on
//! stdio.
//!
//! A request right after the edit makes the server check at once instead
//! of after the typing pause (`omnis::lsp::DEBOUNCE`), so the figure is
//! the work, not the pause. While the edited campaign is measured, the
//! project's checks the edits start run on the other thread, as they do
//! in an editor. Run with `cargo bench --bench lsp`.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, Criterion, SamplingMode};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[path = "common/workspace.rs"]
mod workspace;

const FILES: usize = 2_000;

/// Each iteration's time, for the median and the 95th percentile
/// (criterion reports means of batches).
#[derive(Default)]
struct Latencies(Vec<(&'static str, Vec<Duration>)>);

impl Latencies {
    /// Times `f` `iters` times, recording each under `name`.
    fn time(&mut self, name: &'static str, iters: u64, mut f: impl FnMut()) -> Duration {
        if self.0.last().is_none_or(|(n, _)| *n != name) {
            self.0.push((name, Vec::new()));
        }
        let times = &mut self.0.last_mut().unwrap().1;
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let start = Instant::now();
            f();
            let t = start.elapsed();
            times.push(t);
            total += t;
        }
        total
    }

    fn print(&mut self) {
        println!("\nlatency per request (every iteration, warm-up included):");
        for (name, times) in &mut self.0 {
            times.sort();
            let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
            println!(
                "  {name}: median {:.2?}, p95 {:.2?}, max {:.2?} ({} runs)",
                at(0.5),
                at(0.95),
                times[times.len() - 1],
                times.len()
            );
        }
    }
}

struct Client {
    conn: Connection,
    next: i32,
    /// Notifications received while waiting for an answer.
    held: std::collections::VecDeque<Notification>,
}

impl Client {
    /// Sends a request; returns its result once answered.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        let r = Request::new(id.clone(), method.to_string(), params);
        self.conn.sender.send(r.into()).unwrap();
        loop {
            match self.conn.receiver.recv().unwrap() {
                Message::Response(r) if r.id == id => {
                    if let Some(e) = r.error {
                        panic!("{method}: {}", e.message);
                    }
                    return r.result.unwrap_or(Value::Null);
                }
                Message::Notification(n) => self.held.push_back(n),
                _ => {}
            }
        }
    }

    /// Waits for the diagnostics of `uri` published after `version` of
    /// it, or, for a file not open (`version` `None`), for the next ones
    /// with (`errors`) or without errors; returns how many diagnostics.
    fn published(&mut self, uri: &str, version: Option<i32>, errors: bool) -> usize {
        loop {
            let n = match self.held.pop_front() {
                Some(n) => n,
                None => match self.conn.receiver.recv().unwrap() {
                    Message::Notification(n) => n,
                    _ => continue,
                },
            };
            let p = &n.params;
            if n.method != "textDocument/publishDiagnostics" || p["uri"] != uri {
                continue;
            }
            let found = p["diagnostics"].as_array().unwrap();
            // The project's lints leave warnings in every file.
            let has_errors = found.iter().any(|d| d["severity"] == 1);
            let fits = match version {
                Some(v) => p["version"] == json!(v),
                None => has_errors == errors,
            };
            let found = found.len();
            if fits {
                return found;
            }
        }
    }

    fn notify(&self, method: &str, params: Value) {
        let n = Notification::new(method.to_string(), params);
        self.conn.sender.send(n.into()).unwrap();
    }

    fn change(&self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    fn open(&self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "omnis", "version": 0, "text": text } }),
        );
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("workspace");
    workspace::write(&root, FILES);
    let (server, client) = Connection::memory();
    let thread = std::thread::spawn(move || omnis::lsp::serve(&server).map_err(|e| e.to_string()));
    let mut cl = Client {
        conn: client,
        next: 0,
        held: Default::default(),
    };
    let root_uri = format!("file://{}", root.display());
    cl.request(
        "initialize",
        json!({ "capabilities": {}, "rootUri": root_uri }),
    );
    cl.notify("initialized", json!({}));
    let uri = format!("file://{}/c00000.omni", root.display());
    let good = workspace::campaign(0);
    let bad = good.replace("send nudge_0", "send nudge_O");
    cl.open(&uri, &good);
    let doc = json!({ "textDocument": { "uri": uri } });
    let at = |line: u32, character: u32| json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } });
    // The first check parses every file; `references` waits for it.
    cl.request("textDocument/references", json!({ "textDocument": { "uri": uri }, "position": { "line": 12, "character": 10 }, "context": { "includeDeclaration": true } }));

    let mut g = c.benchmark_group("lsp 2000 files");
    g.sample_size(20);
    let mut version = 0;
    let mut lat = Latencies::default();
    g.bench_function("didChange to diagnostics, edited campaign", |b| {
        b.iter_custom(|iters| {
            lat.time("didChange to diagnostics, edited campaign", iters, || {
                version += 1;
                let text = if version % 2 == 1 { &bad } else { &good };
                cl.change(&uri, version, text);
                cl.request("textDocument/documentSymbol", doc.clone());
                let found = cl.published(&uri, Some(version), false);
                assert_eq!(found, version as usize % 2);
            })
        })
    });
    // Back to the text without the mistake, for the requests below.
    cl.change(&uri, version + 1, &good);
    cl.request("textDocument/references", json!({ "textDocument": { "uri": uri }, "position": { "line": 12, "character": 10 }, "context": { "includeDeclaration": true } }));

    // An edit to the vocabulary every campaign imports: the last campaign
    // file's diagnostics come from the project's check.
    let vocab_uri = format!("file://{}/audience.omni", root.display());
    let last = format!("file://{}/c{:05}.omni", root.display(), FILES - 1);
    let vocab = std::fs::read_to_string(root.join("audience.omni")).unwrap();
    let broken = vocab.replace("segment emailable ", "segment emailable_ ");
    assert_ne!(vocab, broken);
    cl.open(&vocab_uri, &vocab);
    // Seconds each: one iteration per sample.
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    let mut vocab_version = 0;
    g.bench_function(
        "didChange to diagnostics, importers of the vocabulary",
        |b| {
            b.iter_custom(|iters| {
                lat.time("didChange to diagnostics, importers", iters, || {
                    vocab_version += 1;
                    let breaks = vocab_version % 2 == 1;
                    cl.change(
                        &vocab_uri,
                        vocab_version,
                        if breaks { &broken } else { &vocab },
                    );
                    cl.request(
                        "textDocument/documentSymbol",
                        json!({ "textDocument": { "uri": vocab_uri } }),
                    );
                    cl.published(&last, None, breaks);
                })
            })
        },
    );
    cl.change(&vocab_uri, vocab_version + 1, &vocab);
    cl.request("textDocument/references", json!({ "textDocument": { "uri": uri }, "position": { "line": 12, "character": 10 }, "context": { "includeDeclaration": true } }));

    g.sampling_mode(SamplingMode::Auto);
    g.sample_size(50);
    // `emailable` in the audience line, `nudge_0` after `send` (line 12).
    for (name, method, position) in [
        ("hover", "textDocument/hover", at(7, 14)),
        ("definition", "textDocument/definition", at(12, 10)),
        ("completion", "textDocument/completion", at(12, 9)),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                lat.time(name, iters, || {
                    assert!(!cl.request(method, position.clone()).is_null())
                })
            })
        });
    }
    g.finish();
    lat.print();
    cl.request("shutdown", Value::Null);
    cl.notify("exit", Value::Null);
    thread.join().unwrap().unwrap();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
