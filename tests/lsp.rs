//! `omnis lsp` over the protocol: the real binary on stdio, a client
//! written here, on a copy of `tests/fixtures/lsp`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    notes: Vec<Value>,
    /// The diagnostics last published for each URI.
    shown: std::collections::BTreeMap<String, Value>,
    /// The version of the diagnostics [`Client::diagnostics`] last
    /// returned, by file name.
    shown_version: std::collections::HashMap<String, i32>,
    next: i64,
    dir: tempfile::TempDir,
}

fn copy_fixtures(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lsp");
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

impl Client {
    fn start() -> Client {
        let dir = tempfile::tempdir().unwrap();
        copy_fixtures(dir.path());
        Client::start_in(dir)
    }

    /// A server for the project of `files` (name, text).
    fn start_with(files: &[(&str, &str)]) -> Client {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        Client::start_in(dir)
    }

    /// A server for the project in `dir`, run from there (as `omnis
    /// check` is in [`Client::check`], so that file names in messages
    /// agree).
    fn start_in(dir: tempfile::TempDir) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_omnis"))
            .arg("lsp")
            .current_dir(dir.path())
            .env("OMNIS_LSP_TEST_CRASH", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = channel();
        std::thread::spawn(move || loop {
            let mut len = 0;
            loop {
                let mut line = String::new();
                if out.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    len = n.parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            out.read_exact(&mut body).unwrap();
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        let mut c = Client {
            child,
            stdin,
            incoming,
            notes: Vec::new(),
            shown: Default::default(),
            shown_version: Default::default(),
            next: 0,
            dir,
        };
        let root = c.url("");
        let init = c
            .request(
                "initialize",
                json!({ "capabilities": {}, "rootUri": root, "processId": null }),
            )
            .unwrap();
        assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
        c.notify("initialized", json!({}));
        c
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().canonicalize().unwrap().join(name)
    }

    fn url(&self, name: &str) -> String {
        let p = self.path(name);
        format!("file://{}", p.display())
            .trim_end_matches('/')
            .to_string()
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn receive(&mut self) -> Value {
        let m = self
            .incoming
            .recv_timeout(Duration::from_secs(120))
            .expect("the server answers");
        if m["method"] == "textDocument/publishDiagnostics" {
            let uri = m["params"]["uri"].as_str().unwrap().to_string();
            self.shown.insert(uri, m["params"]["diagnostics"].clone());
        }
        m
    }

    /// The result, or the error object.
    fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next += 1;
        let id = self.next;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let m = self.receive();
            if m["id"] == json!(id) && m.get("method").is_none() {
                return match m.get("error") {
                    Some(e) => Err(e.clone()),
                    None => Ok(m["result"].clone()),
                };
            }
            self.notes.push(m);
        }
    }

    fn open(&mut self, name: &str) {
        let text = std::fs::read_to_string(self.path(name)).unwrap();
        self.open_text(name, &text);
    }

    fn open_text(&mut self, name: &str, text: &str) {
        let uri = self.url(name);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "omnis", "version": 1, "text": text } }),
        );
    }

    fn change(&mut self, name: &str, version: i32, text: &str) {
        let uri = self.url(name);
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// The next diagnostics published for `name`.
    fn diagnostics(&mut self, name: &str) -> Vec<Value> {
        let uri = self.url(name);
        let is_it = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == json!(uri)
        };
        let m = match self.notes.iter().position(is_it) {
            Some(i) => self.notes.remove(i),
            None => loop {
                let m = self.receive();
                if is_it(&m) {
                    break m;
                }
                self.notes.push(m);
            },
        };
        let version = m["params"]["version"].as_i64().map(|v| v as i32);
        match version {
            Some(v) => self.shown_version.insert(name.to_string(), v),
            None => self.shown_version.remove(name),
        };
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// The first diagnostics published for `version` of the open `name`
    /// (earlier versions' are skipped).
    fn diagnostics_of(&mut self, name: &str, version: i32) -> Vec<Value> {
        loop {
            let d = self.diagnostics(name);
            let last = self.shown_version.get(name).copied();
            if last == Some(version) {
                return d;
            }
        }
    }

    /// Waits until the project's check saw every edit and its diagnostics
    /// are in; returns every file's last diagnostics, as [`shown`] gives
    /// them.
    fn settled(&mut self, open: &str) -> Vec<String> {
        self.request(
            "textDocument/references",
            json!({ "textDocument": { "uri": self.url(open) }, "position": { "line": 0, "character": 0 }, "context": { "includeDeclaration": true } }),
        )
        .unwrap();
        // Published after the answer above, so before this one's.
        self.request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": self.url(open) } }),
        )
        .unwrap();
        let mut out = Vec::new();
        for (uri, diagnostics) in &self.shown {
            let name = uri.rsplit('/').next().unwrap();
            for d in diagnostics.as_array().unwrap() {
                out.push(shown(name, &d["code"], &d["range"]["start"], &d["message"]));
            }
        }
        out.sort();
        out
    }

    fn at(&self, name: &str, line: u32, character: u32) -> Value {
        json!({ "textDocument": { "uri": self.url(name) }, "position": { "line": line, "character": character } })
    }

    /// The position of the `nth` occurrence of `needle` in a fixture's
    /// text, plus `shift` characters.
    fn find(&self, name: &str, needle: &str, shift: u32) -> Value {
        let text = std::fs::read_to_string(self.path(name)).unwrap();
        let i = text
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {name}"));
        let line = text[..i].matches('\n').count() as u32;
        let col = (i - text[..i].rfind('\n').map_or(0, |j| j + 1)) as u32;
        self.at(name, line, col + shift)
    }
}

/// One diagnostic as a line: file, code, position (0-based, UTF-16 on
/// the protocol's side), message and help.
fn shown(file: &str, code: &Value, start: &Value, message: &Value) -> String {
    format!(
        "{file}:{}:{} {} {}",
        start["line"],
        start["character"],
        code.as_str().unwrap(),
        message.as_str().unwrap()
    )
}

/// What `omnis check` finds in a project of these texts, as
/// [`Client::settled`] shows it (texts are ASCII: columns are UTF-16
/// positions).
fn check(files: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_omnis"))
        .args(["check", ".", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut lines: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let mut message = d["message"].as_str().unwrap().to_string();
            if let Some(help) = d["help"].as_str() {
                message = format!("{message}\nhelp: {help}");
            }
            let start = json!({ "line": d["line"].as_u64().unwrap() - 1, "character": d["column"].as_u64().unwrap() - 1 });
            shown(d["file"].as_str().unwrap(), &d["code"], &start, &json!(message))
        })
        .collect();
    lines.sort();
    lines
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let _ = self.child.wait();
    }
}

#[test]
fn diagnostics_as_you_type_across_imports() {
    let mut c = Client::start();
    c.open("typo.omni");
    let d = c.diagnostics("typo.omni");
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "unknown-name");
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(d[0]["source"], "omnis");
    let message = d[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("there is no message named `promo_mial`"),
        "{message}"
    );
    assert!(
        message.contains("help: did you mean `promo_mail`?"),
        "{message}"
    );
    assert_eq!(d[0]["range"]["start"], json!({ "line": 8, "character": 9 }));

    // Fixed in the buffer, unsaved: the diagnostics are cleared.
    let fixed = std::fs::read_to_string(c.path("typo.omni"))
        .unwrap()
        .replace("promo_mial", "promo_mail");
    c.change("typo.omni", 2, &fixed);
    assert_eq!(c.diagnostics("typo.omni"), Vec::<Value>::new());

    // An edit to the imported vocabulary re-checks its importers.
    c.open("vocab.omni");
    let vocab = std::fs::read_to_string(c.path("vocab.omni"))
        .unwrap()
        .replace("event order ", "event orders");
    c.change("vocab.omni", 2, &vocab);
    let d = c.diagnostics("welcome.omni");
    assert!(
        d.iter()
            .any(|d| d["code"] == "unknown-name"
                && d["message"].as_str().unwrap().contains("`order`")),
        "{d:?}"
    );
}

#[test]
fn labels_are_related_information_and_lint_levels_apply() {
    let mut c = Client::start();
    // A duplicate declaration: its label points at the first one.
    let text = "import \"vocab.omni\"\nevent signup { x: text }\n";
    c.open_text("dup.omni", text);
    let d = c.diagnostics("dup.omni");
    let dup = d.iter().find(|d| d["severity"] == 1).expect("an error");
    let related = dup["relatedInformation"].as_array().expect("labels");
    assert!(
        related[0]["location"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("vocab.omni"),
        "{dup}"
    );
}

#[test]
fn definition_references_and_highlights_across_files() {
    let mut c = Client::start();
    c.open("welcome.omni");
    // A segment used in welcome.omni, defined in vocab.omni.
    let def = c
        .request(
            "textDocument/definition",
            c.find("welcome.omni", "emailable", 2),
        )
        .unwrap();
    assert!(
        def["uri"].as_str().unwrap().ends_with("vocab.omni"),
        "{def}"
    );
    assert_eq!(def["range"]["start"], json!({ "line": 16, "character": 8 }));
    // An attribute inside a segment's condition.
    let def = c
        .request(
            "textDocument/definition",
            c.find("vocab.omni", "orders_count ==", 0),
        )
        .unwrap();
    assert_eq!(def["range"]["start"]["line"], 7);
    // An import goes to the file.
    let def = c
        .request(
            "textDocument/definition",
            c.find("welcome.omni", "vocab", 0),
        )
        .unwrap();
    assert!(
        def["uri"].as_str().unwrap().ends_with("vocab.omni"),
        "{def}"
    );

    let refs = c
        .request(
            "textDocument/references",
            json!({ "textDocument": { "uri": c.url("vocab.omni") },
                    "position": c.find("vocab.omni", "channel email", 8)["position"],
                    "context": { "includeDeclaration": true } }),
        )
        .unwrap();
    let files: Vec<&str> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    // The declaration, two messages of welcome.omni, one of typo.omni.
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(files.contains(&"typo.omni") && files.contains(&"welcome.omni"));

    let hl = c
        .request(
            "textDocument/documentHighlight",
            c.find("welcome.omni", "nudge_mail", 0),
        )
        .unwrap();
    assert_eq!(hl.as_array().unwrap().len(), 2, "{hl}");
    // Nothing there: null.
    let none = c
        .request(
            "textDocument/definition",
            c.find("welcome.omni", "journey", 1),
        )
        .unwrap();
    assert_eq!(none, Value::Null);
}

fn hover_text(at: Value, c: &mut Client) -> String {
    let h = c.request("textDocument/hover", at).unwrap();
    h["contents"]["value"].as_str().unwrap_or("").to_string()
}

#[test]
fn hover_shows_what_names_stand_for() {
    let mut c = Client::start();
    c.open("welcome.omni");
    let seg = hover_text(c.find("welcome.omni", "emailable", 0), &mut c);
    assert!(
        seg.contains("segment emailable = email_opt_in and first_timers"),
        "{seg}"
    );
    assert!(
        seg.contains("segment first_timers = orders_count == 0"),
        "{seg}"
    );
    let msg = hover_text(c.find("welcome.omni", "send welcome_mail", 6), &mut c);
    assert!(msg.contains("channel `email`, template `welcome`"), "{msg}");
    let step = hover_text(c.find("welcome.omni", "follow_up", 0), &mut c);
    assert!(step.contains("earliest 0 seconds after entry"), "{step}");
    let attr = hover_text(c.find("vocab.omni", "plan", 0), &mut c);
    assert!(attr.contains("plan: one of \"free\", \"pro\""), "{attr}");
    let allow = "import \"vocab.omni\"\n@allow(unused-declaration)\nsegment s = sms_opt_in\n";
    std::fs::write(c.path("allow.omni"), allow).unwrap();
    c.open("allow.omni");
    let code = hover_text(c.find("allow.omni", "unused-declaration", 3), &mut c);
    assert!(
        code.contains("`unused-declaration`: A segment, channel or message"),
        "{code}"
    );
}

#[test]
fn completion_in_context() {
    let mut c = Client::start();
    let text = "import \"vocab.omni\"\nmessage m { channel email  template \"t\" }\ncampaign k {\n  trigger signup\n  audience plan == \n  journey {\n    send \n    wait for order within 1d otherwise { }\n    if order.total > 1 { }\n    \n  }\n}\n";
    std::fs::write(c.path("k.omni"), text).unwrap();
    c.open("k.omni");
    let labels = |at: Value, c: &mut Client| -> Vec<String> {
        let r = c.request("textDocument/completion", at).unwrap();
        r.as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let sends = labels(c.find("k.omni", "send \n", 5), &mut c);
    assert!(
        sends.contains(&"m".to_string()) && !sends.contains(&"signup".to_string()),
        "{sends:?}"
    );
    let fields = labels(c.find("k.omni", "order.total", 6), &mut c);
    assert_eq!(fields, vec!["total"]);
    let values = labels(c.find("k.omni", "plan == ", 8), &mut c);
    assert_eq!(values, vec!["\"free\"", "\"pro\""]);
    let cond = labels(c.find("k.omni", "audience plan", 9), &mut c);
    assert!(
        cond.contains(&"emailable".to_string()) && cond.contains(&"plan".to_string()),
        "{cond:?}"
    );
    let steps = labels(c.at("k.omni", 9, 4), &mut c);
    assert!(
        steps.contains(&"send".to_string()) && steps.contains(&"wait".to_string()),
        "{steps:?}"
    );
    let props = labels(c.at("k.omni", 3, 2), &mut c);
    assert!(props.contains(&"audience".to_string()), "{props:?}");
    let top = labels(c.at("k.omni", 12, 0), &mut c);
    assert!(top.contains(&"campaign".to_string()), "{top:?}");
}

#[test]
fn rename_across_files_refuses_keywords() {
    let mut c = Client::start();
    c.open("welcome.omni");
    let e = c
        .request(
            "textDocument/prepareRename",
            c.find("welcome.omni", "journey", 2),
        )
        .unwrap_err();
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("`journey` is a keyword"),
        "{e}"
    );
    let p = c
        .request(
            "textDocument/prepareRename",
            c.find("welcome.omni", "emailable", 1),
        )
        .unwrap();
    assert_eq!(p["placeholder"], "emailable");
    let mut params = c.find("welcome.omni", "emailable", 1);
    params["newName"] = json!("reachable");
    let edit = c.request("textDocument/rename", params.clone()).unwrap();
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 2, "{edit}");
    for (_, edits) in changes {
        assert_eq!(edits[0]["newText"], "reachable");
    }
    params["newName"] = json!("first_timers");
    let e = c
        .request("textDocument/rename", params.clone())
        .unwrap_err();
    assert!(
        e["message"].as_str().unwrap().contains("already the name"),
        "{e}"
    );
    params["newName"] = json!("and");
    assert!(c.request("textDocument/rename", params).is_err());
}

#[test]
fn formatting_through_fmt() {
    let mut c = Client::start();
    c.open_text(
        "messy.omni",
        "import \"vocab.omni\"\nmessage   m {channel email template \"t\"}\n",
    );
    let uri = c.url("messy.omni");
    let edits = c
        .request("textDocument/formatting", json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }))
        .unwrap();
    assert_eq!(
        edits[0]["newText"],
        "import \"vocab.omni\"\nmessage m { channel email  template \"t\" }\n"
    );
    c.open_text("broken.omni", "campaign {\n");
    let uri = c.url("broken.omni");
    let e = c
        .request("textDocument/formatting", json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }))
        .unwrap_err();
    assert!(
        e["message"].as_str().unwrap().starts_with("not formatted"),
        "{e}"
    );
}

fn actions(c: &mut Client, name: &str, line: u32) -> Vec<(String, Vec<Value>)> {
    let uri = c.url(name);
    let r = c
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri },
                    "range": { "start": { "line": line, "character": 0 }, "end": { "line": line, "character": 0 } },
                    "context": { "diagnostics": [] } }),
        )
        .unwrap();
    r.as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let edits = a["edit"]["changes"][&uri].as_array().unwrap().clone();
            (a["title"].as_str().unwrap().to_string(), edits)
        })
        .collect()
}

#[test]
fn code_actions_from_diagnostics() {
    let mut c = Client::start();
    c.open("typo.omni");
    let a = actions(&mut c, "typo.omni", 8);
    assert_eq!(a[0].0, "Change to `promo_mail`");
    assert_eq!(a[0].1[0]["newText"], "promo_mail");
    // Lints about what the whole project lacks wait for it to have no
    // errors.
    let fixed = std::fs::read_to_string(c.path("typo.omni"))
        .unwrap()
        .replace("promo_mial", "promo_mail");
    c.change("typo.omni", 2, &fixed);

    let text = "import \"vocab.omni\"\nchannel sms { kind sms }\nsegment unused_one = sms_opt_in\n\ncampaign k {\n  trigger signup\n  journey { send welcome_x }\n}\nmessage welcome_x { channel sms  template \"t\" }\n";
    c.open_text("lints.omni", text);
    let consent = actions(&mut c, "lints.omni", 1);
    let add = consent
        .iter()
        .find(|a| a.0.starts_with("Add `consent"))
        .expect("consent");
    assert_eq!(add.1[0]["newText"], "consent sms_opt_in  ");
    let allow = consent
        .iter()
        .find(|a| a.0.contains("@allow"))
        .expect("allow");
    assert_eq!(allow.1[0]["newText"], "@allow(missing-consent)\n");
    assert_eq!(
        allow.1[0]["range"]["start"],
        json!({ "line": 1, "character": 0 })
    );
    let unused = actions(&mut c, "lints.omni", 2);
    let remove = unused
        .iter()
        .find(|a| a.0.starts_with("Remove"))
        .expect("remove");
    assert_eq!(remove.1[0]["range"]["start"]["line"], 2);
    assert_eq!(
        remove.1[0]["range"]["end"],
        json!({ "line": 3, "character": 0 })
    );
}

#[test]
fn outline_tokens_and_folding() {
    let mut c = Client::start();
    c.open("welcome.omni");
    let uri = json!({ "textDocument": { "uri": c.url("welcome.omni") } });
    let s = c
        .request("textDocument/documentSymbol", uri.clone())
        .unwrap();
    let names: Vec<&str> = s
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["welcome_mail", "nudge_mail", "welcome"]);
    assert_eq!(s[2]["children"][0]["name"], "follow_up");
    let t = c
        .request("textDocument/semanticTokens/full", uri.clone())
        .unwrap();
    let data = t["data"].as_array().unwrap();
    assert_eq!(data.len() % 5, 0);
    // The first token: `import` (a keyword, type 9) at 0:0.
    assert_eq!(
        &data[..5],
        &[json!(0), json!(0), json!(6), json!(9), json!(0)]
    );
    let f = c.request("textDocument/foldingRange", uri).unwrap();
    let ranges: Vec<(u64, u64)> = f
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["startLine"].as_u64().unwrap(),
                r["endLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ranges, vec![(5, 15), (9, 14), (11, 13)]);
}

#[test]
fn bad_input_gets_errors_and_the_server_survives_a_panic() {
    let mut c = Client::start();
    c.open("welcome.omni");
    let e = c
        .request("textDocument/noSuchThing", json!({}))
        .unwrap_err();
    assert_eq!(e["code"], -32601);
    let e = c
        .request("textDocument/hover", c.at("welcome.omni", 999, 0))
        .unwrap_err();
    assert_eq!(e["code"], -32602);
    let e = c
        .request("textDocument/hover", c.at("welcome.omni", 0, 400))
        .unwrap_err();
    assert!(
        e["message"].as_str().unwrap().contains("past the end"),
        "{e}"
    );
    let e = c
        .request("textDocument/hover", json!({ "nonsense": 1 }))
        .unwrap_err();
    assert_eq!(e["code"], -32602);
    // A file on disk that is not UTF-8.
    std::fs::write(c.path("latin1.omni"), b"segment caf\xe9 = sms_opt_in\n").unwrap();
    let e = c
        .request("textDocument/hover", c.at("latin1.omni", 0, 0))
        .unwrap_err();
    assert!(
        e["message"].as_str().unwrap().contains("not valid UTF-8"),
        "{e}"
    );
    // A panic in one request: an internal error, then business as usual.
    let e = c.request("omnis/crash", Value::Null).unwrap_err();
    assert_eq!(e["code"], -32603);
    assert!(
        e["message"].as_str().unwrap().contains("omnis/crash"),
        "{e}"
    );
    let h = hover_text(c.find("welcome.omni", "emailable", 0), &mut c);
    assert!(h.contains("segment emailable"), "{h}");
    // Positions count UTF-16 units: `é` is one, `𝄞` two.
    let text = "import \"vocab.omni\"\n// é𝄞\nsegment s = sms_opt_in and first_timers // 𝄞 x\n";
    c.open_text("wide.omni", text);
    let def = c
        .request("textDocument/definition", c.at("wide.omni", 2, 28))
        .unwrap();
    assert_eq!(def["range"]["start"]["line"], 15);
}

/// The vocabulary of [`edits_are_checked_alone_then_with_the_project`].
const SHARED: &str = "profile { email_opt_in: bool }
event cart_abandoned { value: number }
event signed_up { source: text }
event order_placed { total: number }
channel email { consent email_opt_in  quiet_hours 21:00 to 08:00 }
";

fn flow(name: &str, trigger: &str, step: &str) -> String {
    format!(
        "import \"shared.omni\"
message m_{name} {{ channel email  template \"{name}\" }}

campaign {name} {{
  trigger {trigger}
  goal order_placed
  journey {{
    {step}
    send m_{name}
  }}
}}
"
    )
}

#[test]
fn edits_are_checked_alone_then_with_the_project() {
    let mut texts: Vec<(&str, String)> = vec![
        ("omnis.toml", String::new()),
        ("shared.omni", SHARED.to_string()),
        ("a.omni", flow("a", "cart_abandoned", "wait 1h")),
        ("b.omni", flow("b", "signed_up", "wait 1h")),
    ];
    let files = |t: &[(&str, String)]| -> Vec<(String, String)> {
        t.iter().map(|(n, s)| (n.to_string(), s.clone())).collect()
    };
    let fresh = |t: &[(&str, String)]| {
        let owned = files(t);
        let refs: Vec<(&str, &str)> = owned
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect();
        check(&refs)
    };
    let owned = files(&texts);
    let refs: Vec<(&str, &str)> = owned
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    let mut c = Client::start_with(&refs);
    for (name, text) in &texts[1..] {
        c.open_text(name, text);
    }
    assert_eq!(c.settled("a.omni"), fresh(&texts));

    // A project lint appears: `b` now starts with `a`, both on `email`.
    texts[3].1 = flow("b", "cart_abandoned", "wait 1h");
    c.change("b.omni", 2, &texts[3].1);
    let settled = c.settled("b.omni");
    assert!(
        settled.iter().any(|d| d.contains("competing-campaigns")),
        "{settled:#?}"
    );
    assert_eq!(settled, fresh(&texts));
    let (lint_file, _) = settled[0].split_once(':').unwrap();
    let lint_file = lint_file.to_string();

    // An edit elsewhere in that file: its own check, published first,
    // keeps the project's finding (moved with the text) until the
    // project's check settles it.
    let i = texts.iter().position(|(n, _)| *n == lint_file).unwrap();
    texts[i].1 = format!("// edited\n{}", texts[i].1);
    c.change(&lint_file, 3, &texts[i].1);
    let first = c.diagnostics_of(&lint_file, 3);
    assert!(
        first.iter().any(|d| d["code"] == "competing-campaigns"),
        "{first:?}"
    );
    assert_eq!(c.settled(&lint_file), fresh(&texts));

    // Broken, then fixed: each edit's own check reports it first.
    texts[2].1 = flow("a", "cart_abandoned", "wait 1h\n    send m_x");
    c.change("a.omni", 4, &texts[2].1);
    let broken = c.diagnostics_of("a.omni", 4);
    assert!(
        broken
            .iter()
            .any(|d| d["code"] == "unknown-name" && d["message"].as_str().unwrap().contains("m_x")),
        "{broken:?}"
    );
    texts[2].1 = flow("a", "cart_abandoned", "wait 2h");
    c.change("a.omni", 5, &texts[2].1);
    let fixed = c.diagnostics_of("a.omni", 5);
    assert!(fixed.iter().all(|d| d["severity"] != 1), "{fixed:?}");
    // The project lint is gone once `b` is moved to another trigger.
    texts[3].1 = flow("b", "signed_up", "wait 1h");
    c.change("b.omni", 6, &texts[3].1);
    let settled = c.settled("b.omni");
    assert!(
        !settled.iter().any(|d| d.contains("competing-campaigns")),
        "{settled:#?}"
    );
    assert_eq!(settled, fresh(&texts));

    // An edit to the vocabulary re-checks its importers (not edited).
    texts[1].1 = SHARED.replace("event cart_abandoned", "event cart_dropped");
    c.change("shared.omni", 7, &texts[1].1);
    let settled = c.settled("a.omni");
    assert!(
        settled
            .iter()
            .any(|d| d.starts_with("a.omni") && d.contains("unknown-name")),
        "{settled:#?}"
    );
    assert_eq!(settled, fresh(&texts));
    texts[1].1 = SHARED.to_string();
    c.change("shared.omni", 8, &texts[1].1);
    assert_eq!(c.settled("a.omni"), fresh(&texts));

    // A campaign named from another file: decided with the project.
    texts[2].1 = flow("a", "cart_abandoned", "wait 1h").replace(
        "  goal order_placed",
        "  audience not in campaign b\n  goal order_placed",
    );
    c.change("a.omni", 9, &texts[2].1);
    let alone = c.diagnostics_of("a.omni", 9);
    assert!(
        alone.iter().all(|d| d["code"] != "unknown-name"),
        "{alone:?}"
    );
    assert_eq!(c.settled("a.omni"), fresh(&texts));
}
