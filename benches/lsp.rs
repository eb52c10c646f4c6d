//! `omnis lsp` in a workspace of 2,000 campaign files importing one
//! vocabulary (issue 16 item 4): the time from a `didChange` in one
//! campaign to its diagnostics published, and for hover, definition and
//! completion on a checked project. The server runs in process, on
//! lsp-server's in-memory connection, exactly as `omnis lsp` runs it on
//! stdio.
//!
//! A request right after the edit makes the server check at once instead
//! of after the typing pause (`omnis::lsp::DEBOUNCE`), so the figure is
//! the work, not the pause. Run with `cargo bench --bench lsp`.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, Criterion};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

#[path = "common/workspace.rs"]
mod workspace;

const FILES: usize = 2_000;

struct Client {
    conn: Connection,
    next: i32,
}

impl Client {
    fn request(&mut self, method: &str, params: Value) -> (Value, usize) {
        self.next += 1;
        let id = RequestId::from(self.next);
        let r = Request::new(id.clone(), method.to_string(), params);
        self.conn.sender.send(r.into()).unwrap();
        let mut published = 0;
        loop {
            match self.conn.receiver.recv().unwrap() {
                Message::Response(r) if r.id == id => {
                    if let Some(e) = r.error {
                        panic!("{method}: {}", e.message);
                    }
                    return (r.result.unwrap_or(Value::Null), published);
                }
                Message::Notification(n) if n.method == "textDocument/publishDiagnostics" => {
                    published += 1
                }
                _ => {}
            }
        }
    }

    fn notify(&self, method: &str, params: Value) {
        let n = Notification::new(method.to_string(), params);
        self.conn.sender.send(n.into()).unwrap();
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
    cl.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "omnis", "version": 0, "text": good } }),
    );
    let doc = json!({ "textDocument": { "uri": uri } });
    let at = |line: u32, character: u32| json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } });
    // The first check parses every file.
    cl.request("textDocument/documentSymbol", doc.clone());

    let mut g = c.benchmark_group("lsp 2000 files");
    g.sample_size(10);
    let mut version = 0;
    g.bench_function("didChange to diagnostics", |b| {
        b.iter(|| {
            version += 1;
            let text = if version % 2 == 1 { &bad } else { &good };
            cl.notify(
                "textDocument/didChange",
                json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
            );
            let (_, published) = cl.request("textDocument/documentSymbol", doc.clone());
            assert!(published >= 1);
        })
    });
    // Back to the text without the mistake, for the requests below.
    cl.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": version + 1 }, "contentChanges": [{ "text": good }] }),
    );
    cl.request("textDocument/documentSymbol", doc.clone());
    g.sample_size(50);
    // `emailable` in the audience line, `nudge_0` after `send` (line 12).
    g.bench_function("hover", |b| {
        b.iter(|| assert!(!cl.request("textDocument/hover", at(7, 14)).0.is_null()))
    });
    g.bench_function("definition", |b| {
        b.iter(|| {
            assert!(!cl
                .request("textDocument/definition", at(12, 10))
                .0
                .is_null())
        })
    });
    g.bench_function("completion", |b| {
        b.iter(|| assert!(!cl.request("textDocument/completion", at(12, 9)).0.is_null()))
    });
    g.finish();
    cl.request("shutdown", Value::Null);
    cl.notify("exit", Value::Null);
    thread.join().unwrap().unwrap();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
