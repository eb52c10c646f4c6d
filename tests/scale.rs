//! Inputs that used to grow exponentially: deeply nested `repeat`s and
//! segments defined from segments. Each command (check, graph, build,
//! simulate, diff) completes on them and gives the right answers. Sizes are
//! bounded and nothing is timed (`benches/check.rs` measures speed).

use std::path::{Path, PathBuf};

use omnis::driver::{analyze, Analysis, Options};
use omnis::plan::{emit::emit, Plan};

const VOCAB: &str = r#"
profile { vip: bool  push_opt_in: bool }
event signup { source: text }
event order { total: number }
channel push { consent push_opt_in  quiet_hours 21:00 to 08:00 }
message m { channel push  template "m" }
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn check(path: &Path) -> Analysis {
    analyze(&Options {
        paths: vec![path.to_path_buf()],
    })
    .unwrap()
}

fn codes(a: &Analysis) -> Vec<&str> {
    let mut c: Vec<&str> = a.diagnostics.iter().map(|d| d.code.as_str()).collect();
    c.dedup();
    c
}

fn plan(a: &Analysis) -> Plan {
    assert!(!a.has_errors(), "{:#?}", a.diagnostics);
    emit(&a.program, omnis::model::CampaignId(0), &a.sources)
}

/// `depth` nested `repeat TIMES times`, `send m  wait 1d` innermost, then
/// one more send.
fn nested(depth: usize, times: u32) -> String {
    let mut body = "send m  wait 1d".to_string();
    for _ in 0..depth {
        body = format!("repeat {times} times {{ {body} }}");
    }
    format!(
        "{VOCAB}\ncampaign c {{\n  trigger signup\n  goal order\n  journey {{\n    {body}\n    send m\n  }}\n}}\n"
    )
}

fn node<'p>(plan: &'p Plan, id: &str) -> &'p omnis::plan::Node {
    plan.node(id).unwrap_or_else(|| panic!("no node {id}"))
}

#[test]
fn twenty_nested_repeats_check_build_draw_and_diff() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    let new = dir.path().join("new");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::create_dir_all(&new).unwrap();
    let path = write(&old, "c.omni", &nested(20, 2));
    write(&new, "c.omni", &nested(20, 2).replace("wait 1d", "wait 2d"));

    // check: the send repeats; nothing else is wrong.
    let a = check(&path);
    assert_eq!(codes(&a), vec!["repeated-message"], "{:#?}", a.diagnostics);

    // build: 2^20 rounds of a day (and up to 11 quiet hours before the
    // send), counted without going round.
    let p = plan(&a);
    let rounds: u64 = 1 << 20;
    assert_eq!(p.max_sends_per_person, Some(rounds + 1));
    let last = node(&p, "send-m");
    let round = (86_400, 86_400 + 11 * 3_600);
    assert_eq!(
        (last.earliest, last.latest),
        (rounds * round.0, Some(rounds * round.1))
    );
    assert!(p.to_json().len() < 64 << 10);

    // graph: one box per step.
    let d = omnis::diagram::build(&a, omnis::model::CampaignId(0));
    assert_eq!(
        omnis::diagram::mermaid(&d)
            .matches("Repeat 2 times")
            .count(),
        20
    );

    // diff: the innermost wait changed, for the people waiting there too.
    let r = omnis::diff::diff_paths(&old, &new).unwrap();
    assert!(r.changed);
    let c = &r.campaigns[0];
    assert_eq!(c.steps.len(), 1, "{:#?}", c.steps);
    assert!(c.steps[0].id.ends_with(".wait"), "{:#?}", c.steps);
}

#[test]
fn as_deep_as_the_parser_allows() {
    let dir = tempfile::tempdir().unwrap();
    // 251 levels of one round each: one day, two sends (each maybe held
    // by 11 quiet hours).
    let a = check(&write(dir.path(), "one.omni", &nested(251, 1)));
    let p = plan(&a);
    assert_eq!(p.max_sends_per_person, Some(2));
    let end = node(&p, "@end");
    assert_eq!(
        (end.earliest, end.latest),
        (86_400, Some(86_400 + 22 * 3_600))
    );
    let people = omnis::simulate::generate_people(&p, 20, 1);
    let timelines = omnis::simulate::simulate(&p, &people).unwrap();
    let sends = |t: &omnis::simulate::Timeline| {
        t.entries
            .iter()
            .filter(|e| matches!(e.what, omnis::simulate::What::Send { .. }))
            .count()
    };
    assert!(timelines.iter().all(|t| sends(t) <= 2));

    // 251 levels of two rounds: 2^251 days, far past the year 9999.
    let a = check(&write(dir.path(), "two.omni", &nested(251, 2)));
    assert!(
        codes(&a).contains(&"time-out-of-range"),
        "{:#?}",
        a.diagnostics
    );
    assert!(a.has_errors());
}

/// `segment s0 = vip`, then `s_k = s_(k-1) and s_(k-1)`: 2^depth leaves
/// when expanded.
fn segment_dag(depth: usize, base: &str) -> String {
    let mut s = format!("{VOCAB}\nsegment s0 = {base}\n");
    for k in 1..=depth {
        s.push_str(&format!("segment s{k} = s{} and s{}\n", k - 1, k - 1));
    }
    s.push_str(&format!(
        "campaign c {{\n  trigger signup\n  audience s{depth}\n  goal order\n  journey {{\n    send m\n  }}\n}}\n"
    ));
    s
}

#[test]
fn a_segment_dag_of_depth_40_builds_a_small_plan_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    let new = dir.path().join("new");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::create_dir_all(&new).unwrap();
    let path = write(&old, "c.omni", &segment_dag(40, "vip"));
    write(&new, "c.omni", &segment_dag(40, "not vip"));

    let a = check(&path);
    let p = plan(&a);
    assert_eq!(p.segments.len(), 41);
    let json = p.to_json();
    assert!(json.len() < 16 << 10, "{} bytes", json.len());
    assert_eq!(Plan::parse(&json).unwrap(), p);

    // The reference runner evaluates each segment once: VIPs enter.
    let people = omnis::simulate::generate_people(&p, 50, 7);
    let timelines = omnis::simulate::simulate(&p, &people).unwrap();
    let entered = timelines.iter().filter(|t| !t.entries.is_empty()).count();
    assert!(entered > 0 && entered < 50, "{entered} of 50 entered");

    // Redefining the bottom segment changes the audience, though it reads
    // the same.
    let r = omnis::diff::diff_paths(&old, &new).unwrap();
    let audience = r.campaigns[0]
        .settings
        .iter()
        .find(|s| s.setting == "audience")
        .expect("the audience changed");
    assert!(
        audience
            .new
            .as_deref()
            .unwrap()
            .contains("a segment or type it uses changed"),
        "{audience:#?}"
    );
}
