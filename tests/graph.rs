//! `omnis graph`: journey diagrams in Mermaid and DOT.
//!
//! Snapshots of `tests/fixtures/graph` (a copy of the example cart
//! recovery, and a journey with every kind of step, unreachable steps,
//! repeated sends and labels that need escaping), Graphviz on the DOT of
//! every example campaign, and the command line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use omnis::diagram::{self, Format};
use omnis::driver::{analyze, Analysis, Options};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn load(dir: &Path) -> Analysis {
    let a = analyze(&Options {
        paths: vec![dir.to_path_buf()],
    })
    .expect("loads");
    assert!(!a.has_errors(), "{:#?}", a.diagnostics);
    a
}

fn fixtures() -> Analysis {
    load(&root().join("tests/fixtures/graph"))
}

fn omnis(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_omnis"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run omnis")
}

#[test]
fn cart_recovery_mermaid() {
    let a = fixtures();
    let text = diagram::render(&a, Some("cart_recovery"), Format::Mermaid).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn cart_recovery_dot() {
    let a = fixtures();
    let text = diagram::render(&a, Some("cart_recovery"), Format::Dot).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn tricky_mermaid() {
    let a = fixtures();
    let text = diagram::render(&a, Some("tricky"), Format::Mermaid).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn tricky_dot() {
    let a = fixtures();
    let text = diagram::render(&a, Some("tricky"), Format::Dot).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn findings_are_highlighted() {
    let a = fixtures();
    let id = diagram::select(&a, Some("tricky")).unwrap()[0];
    let d = diagram::build(&a, id);
    let node = |id: &str| {
        d.nodes.iter().find(|n| n.id == id).unwrap_or_else(|| {
            let ids: Vec<&str> = d.nodes.iter().map(|n| n.id.as_str()).collect();
            panic!("no node {id} in {ids:?}")
        })
    };
    // The goal ends the journey before `wait for order_placed` matches; the
    // window closes before the 30-day wait ends; nothing follows `goto`.
    for id in [
        "waitfor-order_placed.then.send-tip",
        "nudge.send-tip",
        "goto-nudge",
        "send-hello~2",
    ] {
        assert!(node(id).unreachable, "{id} should be unreachable");
        assert!(
            !node(id).repeated,
            "{id}: unreachable sends are not repeats"
        );
    }
    for id in [
        "send-hello",
        "until",
        "if",
        "split.a.send-tip",
        "repeat.send-offer",
        "waitfor-ad_clicked",
        "nudge",
        "nudge.wait",
    ] {
        assert!(!node(id).unreachable, "{id} is reachable");
    }
    // Same content on another channel; and a send in a `repeat 2 times`.
    assert!(node("if.then.send-hello_sms").repeated);
    assert!(node("if.then.send-hello_sms")
        .lines
        .contains(&"(repeated: same content as hello at send-hello)".to_string()));
    assert!(node("repeat.send-offer").repeated);
    assert!(!node("send-hello").repeated && !node("split.a.send-tip").repeated);
    // The 0% arm is drawn, dead.
    let holdout = d
        .edges
        .iter()
        .find(|e| e.label.as_deref() == Some("holdout 0%"))
        .unwrap();
    assert!(holdout.dead);
}

#[test]
fn every_campaign_without_campaign_flag() {
    let a = fixtures();
    let md = diagram::render(&a, None, Format::Mermaid).unwrap();
    // One heading and one fenced block per campaign, in file order.
    assert_eq!(md.matches("```mermaid\n").count(), 2, "{md}");
    assert_eq!(md.matches("\n```\n").count(), 2, "{md}");
    let cart = md.find("### `cart_recovery`").unwrap();
    let tricky = md.find("### `tricky`").unwrap();
    assert!(cart < tricky);
    let dot = diagram::render(&a, None, Format::Dot).unwrap();
    assert!(dot.starts_with("digraph omnis {\n"));
    assert_eq!(dot.matches("subgraph cluster_").count(), 2);
    assert!(dot.contains("c1_n0 -> c1_n4;"), "{dot}");
}

#[test]
fn output_is_deterministic() {
    for format in [Format::Mermaid, Format::Dot] {
        let one = diagram::render(&fixtures(), None, format).unwrap();
        let two = diagram::render(&fixtures(), None, format).unwrap();
        assert_eq!(one, two);
    }
}

#[test]
fn unknown_campaign_is_an_error_with_a_suggestion() {
    let a = fixtures();
    let e = diagram::render(&a, Some("cart_recovry"), Format::Dot).unwrap_err();
    assert_eq!(
        e.to_string(),
        "there is no campaign `cart_recovry` in the checked files (did you mean `cart_recovery`?)"
    );
}

fn have_dot() -> bool {
    Command::new("dot")
        .arg("-V")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn run_dot(text: &str, what: &str) {
    use std::io::Write;
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run dot");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "dot -Tsvg failed on {what}: {stderr}\n{text}"
    );
    let svg = String::from_utf8_lossy(&out.stdout);
    assert!(svg.contains("<svg"), "{what}: no SVG");
}

/// Graphviz accepts the DOT of every example campaign (one graph each, and
/// all of them as clusters of one graph), and of the fixtures.
#[test]
fn graphviz_renders_every_campaign() {
    if !have_dot() {
        eprintln!(
            "SKIPPED graphviz_renders_every_campaign: Graphviz `dot` is not installed \
             (apt-get install graphviz; .ci/run installs it)"
        );
        return;
    }
    for dir in [
        root().join("campaigns"),
        root().join("tests/fixtures/graph"),
    ] {
        let a = load(&dir);
        let ids = diagram::select(&a, None).unwrap();
        assert!(!ids.is_empty(), "no campaigns in {}", dir.display());
        for id in ids {
            let name = &a.program.campaigns[id.index()].name;
            let text = diagram::render(&a, Some(name), Format::Dot).unwrap();
            run_dot(&text, name);
        }
        let all = diagram::render(&a, None, Format::Dot).unwrap();
        run_dot(&all, &dir.display().to_string());
    }
}

#[test]
fn cli_graph() {
    let dir = root().join("tests/fixtures/graph");
    let o = omnis(
        &[
            "graph",
            ".",
            "--campaign",
            "cart_recovery",
            "--format",
            "dot",
        ],
        &dir,
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("digraph \"cart_recovery\" {"));
    // Mermaid is the default.
    let o = omnis(&["graph", "cart_recovery.omni"], &dir);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("### `cart_recovery`\n\n```mermaid\nflowchart TD\n"));
    assert!(!out.contains("tricky"), "only campaigns of the named files");
    // Unknown campaign: a usage error.
    let o = omnis(&["graph", ".", "--campaign", "nope"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no campaign `nope`"));
}

#[test]
fn cli_graph_with_errors_shows_them_and_draws_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.omni"),
        "campaign c { trigger nothing  journey { } }\n",
    )
    .unwrap();
    let o = omnis(&["graph", "."], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown-name"));
}
