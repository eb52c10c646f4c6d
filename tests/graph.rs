//! `omnis graph`: journey diagrams in Mermaid and DOT.
//!
//! Snapshots of `tests/fixtures/graph` (a copy of the example cart
//! recovery, a journey with every kind of step, unreachable steps,
//! repeated sends and labels that need escaping, and repeats that are
//! allowed), the labels of every example campaign, Graphviz on the DOT of
//! every example campaign, and the command line.

mod common;

use std::path::Path;
use std::process::Command;

use omnis::diagram::{self, Format};
use omnis::driver::{analyze, Analysis, Options};

use common::{omnis, root};

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
fn allowed_dot() {
    let a = fixtures();
    let text = diagram::render(&a, Some("allowed"), Format::Dot).unwrap();
    insta::assert_snapshot!(text);
}

/// Every box of every example campaign: words, not node ids.
#[test]
fn labels_are_what_a_marketer_reads() {
    let a = load(&root().join("campaigns"));
    for id in diagram::select(&a, None).unwrap() {
        let d = diagram::build(&a, id);
        for n in &d.nodes {
            let what = format!("{}: {} {:?}", d.campaign, n.id, n.lines);
            assert!(!n.lines.is_empty(), "{what}");
            for line in &n.lines {
                assert!(!line.contains(&n.id) || n.id.len() < 8, "{what}");
                for marker in ["send-", "waitfor-", "~", "@"] {
                    assert!(!line.contains(marker), "{what}: `{marker}`");
                }
                assert!(line.chars().count() <= 48, "{what}: too long");
            }
            // No word said twice at the start of two lines (`split / split`).
            let mut firsts: Vec<&str> = n
                .lines
                .iter()
                .filter_map(|l| l.split_whitespace().next())
                .collect();
            firsts.sort_unstable();
            firsts.dedup();
            assert_eq!(firsts.len(), n.lines.len(), "{what}");
            let first = n.lines[0].chars().next().unwrap();
            assert!(
                first.is_uppercase() || first == '(',
                "{what}: a box starts with a capital"
            );
        }
        // The ids stay, as tooltips.
        let name = &d.campaign;
        let dot = diagram::render(&a, Some(name), Format::Dot).unwrap();
        let mermaid = diagram::render(&a, Some(name), Format::Mermaid).unwrap();
        for n in &d.nodes {
            assert!(
                dot.contains(&format!("tooltip=\"{}\"", n.id)),
                "{name}: {}",
                n.id
            );
            assert!(
                mermaid.contains(&format!("%% n{}: {}\n", n.index, n.id)),
                "{name}: {}",
                n.id
            );
        }
        assert!(mermaid.starts_with(&format!("---\ntitle: \"{name}\"\n---\n")));
    }
    let id = diagram::select(&a, Some("cart_recovery")).unwrap()[0];
    let d = diagram::build(&a, id);
    let lines: Vec<&str> = d
        .nodes
        .iter()
        .flat_map(|n| n.lines.iter().map(String::as_str))
        .collect();
    for want in [
        "On cart_abandoned",
        "where cart_abandoned.value >= 20",
        "Audience: emailable and not recent_buyers",
        "Wait 1 hour",
        "Send cart_reminder · email",
        "Wait 1 day",
        "Wait for a click on cart_coupon_20",
        "up to 3 days",
        "If textable",
        "Send cart_coupon_40_sms · sms",
        "Goal: order_placed",
        "Exit when unsubscribed",
        "End",
    ] {
        assert!(lines.contains(&want), "no `{want}` in {lines:#?}");
    }
    let edges: Vec<&str> = d.edges.iter().filter_map(|e| e.label.as_deref()).collect();
    for want in ["clicked", "not within 3 days", "yes", "no", "any time"] {
        assert!(edges.contains(&want), "no edge `{want}` in {edges:?}");
    }
}

#[test]
fn conditions_wrap_in_boxes() {
    assert_eq!(
        diagram::wrap(
            "Audience:",
            "lapsed and (emailable or textable) and plan not in [\"enterprise\"]",
            48,
            3
        ),
        [
            "Audience: lapsed and (emailable or textable) and",
            "plan not in [\"enterprise\"]"
        ]
    );
    assert_eq!(diagram::wrap("If", "textable", 48, 3), ["If textable"]);
    let long = "a ".repeat(200);
    let wrapped = diagram::wrap("If", &long, 48, 3);
    assert_eq!(wrapped.len(), 3);
    assert!(wrapped[2].ends_with("..."));
    assert!(wrapped.iter().all(|l| l.chars().count() <= 48));
    assert_eq!(diagram::duration_words(86_400 + 43_200), "1 day 12 hours");
    assert_eq!(diagram::duration_words(3_600), "1 hour");
    assert_eq!(diagram::duration_words(14 * 86_400), "14 days");
    assert_eq!(diagram::duration_words(90), "1 minute 30 seconds");
}

/// A repeat silenced by `@allow(repeated-message)` (or by the lint's level
/// in `omnis.toml`) is intended: a plain send, not a problem.
#[test]
fn allowed_repeats_are_not_problems() {
    let a = fixtures();
    let id = diagram::select(&a, Some("allowed")).unwrap()[0];
    let d = diagram::build(&a, id);
    let sends: Vec<&diagram::DNode> = d
        .nodes
        .iter()
        .filter(|n| n.lines[0] == "Send reminder · email")
        .collect();
    assert_eq!(sends.len(), 2);
    assert!(
        sends.iter().all(|n| !n.repeated && n.lines.len() == 1),
        "{sends:#?}"
    );
    // The same journey without the allows: both sends are repeats.
    let dir = tempfile::tempdir().unwrap();
    let fixtures = root().join("tests/fixtures/graph");
    let vocab = common::read(&fixtures.join("vocab.omni"));
    std::fs::write(dir.path().join("vocab.omni"), vocab).unwrap();
    let allowed = common::read(&fixtures.join("allowed.omni"));
    let unallowed: String = allowed
        .lines()
        .filter(|l| !l.contains("@allow"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.path().join("allowed.omni"), &unallowed).unwrap();
    let a = load(dir.path());
    let id = diagram::select(&a, Some("allowed")).unwrap()[0];
    let d = diagram::build(&a, id);
    let repeated: Vec<&str> = d
        .nodes
        .iter()
        .filter(|n| n.repeated)
        .map(|n| n.lines[1].as_str())
        .collect();
    assert_eq!(
        repeated,
        ["(sent again on each round)", "(already sent on line 14)"]
    );
    // Or with the lint allowed for the project.
    std::fs::write(
        dir.path().join("omnis.toml"),
        "[lints]\nrepeated-message = \"allow\"\n",
    )
    .unwrap();
    let a = load(dir.path());
    let id = diagram::select(&a, Some("allowed")).unwrap()[0];
    assert!(diagram::build(&a, id).nodes.iter().all(|n| !n.repeated));
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
    assert_eq!(
        node("if.then.send-hello_sms").lines,
        [
            "Send hello_sms · sms",
            "(same content as hello, sent on line 18)"
        ]
    );
    assert_eq!(
        node("nudge.send-tip").lines,
        ["Send tip · email", "(never reached)"]
    );
    assert!(node("repeat.send-offer").repeated);
    assert!(!node("send-hello").repeated && !node("split.a.send-tip").repeated);
    // The 0% arm is drawn, dead.
    let holdout = d
        .edges
        .iter()
        .find(|e| e.label.as_deref() == Some("holdout · 0%"))
        .unwrap();
    assert!(holdout.dead);
}

#[test]
fn every_campaign_without_campaign_flag() {
    let a = fixtures();
    let md = diagram::render(&a, None, Format::Mermaid).unwrap();
    // One heading and one fenced block per campaign, in file order.
    assert_eq!(md.matches("```mermaid\n").count(), 3, "{md}");
    assert_eq!(md.matches("\n```\n").count(), 3, "{md}");
    let cart = md.find("### `cart_recovery`").unwrap();
    let tricky = md.find("### `tricky`").unwrap();
    assert!(cart < tricky);
    let dot = diagram::render(&a, None, Format::Dot).unwrap();
    assert!(dot.starts_with("digraph omnis {\n"));
    assert_eq!(dot.matches("subgraph cluster_").count(), 3);
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
    // Nothing close: the names there are.
    let e = diagram::render(&a, Some("nope"), Format::Dot).unwrap_err();
    assert_eq!(
        e.to_string(),
        "there is no campaign `nope` in the checked files; they declare `allowed`, \
         `cart_recovery`, `tricky`"
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
    assert!(String::from_utf8_lossy(&o.stderr).contains("they declare `allowed`"));
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

/// `--overview`: one box per campaign; `start together` between campaigns
/// one person enters at once, `kept apart` (grey) where a guard or
/// disjoint audiences exclude it, `goal EVENT` arrows for hand-offs.
#[test]
fn overview_mermaid_and_dot() {
    let a = load(&root().join("tests/fixtures/graph_overview"));
    let mermaid = diagram::render_overview(&a, Format::Mermaid);
    insta::assert_snapshot!("overview_mermaid", mermaid);
    let dot = diagram::render_overview(&a, Format::Dot);
    insta::assert_snapshot!("overview_dot", dot);
    // Graphviz parses it, when installed.
    if Command::new("dot").arg("-V").output().is_ok() {
        run_dot(&dot, "overview");
    }
}

#[test]
fn cli_graph_overview() {
    let dir = root().join("tests/fixtures/graph_overview");
    let o = omnis(&["graph", ".", "--overview", "--format", "dot"], &dir);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("digraph \"Campaign overview\" {"), "{out}");
    assert!(
        out.contains("n0 -> n4 [label=\"goal order_placed\"]"),
        "{out}"
    );
    // One campaign or the overview, not both.
    let o = omnis(&["graph", ".", "--overview", "--campaign", "thanks"], &dir);
    assert_eq!(o.status.code(), Some(2));
}
