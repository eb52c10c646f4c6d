//! `omnis simulate --replace-with NEW --at WHEN`: a plan replaced while
//! people are mid-journey, by the rules runners follow, and the same rules
//! as `omnis diff` reports them.

mod common;

use common::{omnis, stderr, stdout, write};

const OLD: &str = include_str!("fixtures/replacement/old.omni");

/// The nudge and its wait removed, the second wait now 3 days: `wait~2`
/// survives with a new length, the old `wait~3` is gone.
const NEW: &str = include_str!("fixtures/replacement/new.omni");

const SCENARIO: &str = "person: { id: p1 }\nevents:\n  - { at: \"2026-11-20T10:00:00Z\", event: signup, fields: { source: \"web\" } }\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "old/onboarding.omni", OLD);
    write(dir.path(), "new/onboarding.omni", NEW);
    write(dir.path(), "signup.yaml", SCENARIO);
    dir
}

fn simulate(dir: &std::path::Path, at: &str) -> Vec<String> {
    let out = omnis(
        &[
            "simulate",
            "old",
            "--scenario",
            "signup.yaml",
            "--replace-with",
            "new",
            "--at",
            at,
        ],
        dir,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .skip(1)
        .map(|l| l.trim().to_string())
        .collect()
}

/// What `omnis diff` says happens to people at `at`: the rule and the ids
/// they land on.
fn diff_says(dir: &std::path::Path, at: &str) -> (String, Vec<String>) {
    let out = omnis(&["diff", "old", "new", "--format", "json"], dir);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let m = v["campaigns"][0]["mid_journey"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["at"] == at)
        .unwrap_or_else(|| panic!("no mid-journey entry for {at}: {v}"));
    let to = m["to"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["id"].as_str().map(str::to_string))
        .collect();
    (m["rule"].as_str().unwrap().to_string(), to)
}

#[test]
fn people_at_a_surviving_wait_stay_and_count_its_new_length_from_arrival() {
    let dir = project();
    // Arrived at `wait~2` at 11-21T10:00; the wait is now 3 days.
    let got = simulate(dir.path(), "2026-11-21T12:00:00Z");
    assert_eq!(
        got,
        [
            "2026-11-20T10:00:00Z entered",
            "2026-11-21T10:00:00Z send hello (ads)",
            "2026-11-21T12:00:00Z replaced at wait~2: stays",
            "2026-11-24T10:00:00Z send last (ads)",
            "2026-11-24T10:00:00Z completed",
        ]
    );
    assert_eq!(diff_says(dir.path(), "wait~2").0, "stay");
}

#[test]
fn people_at_a_removed_wait_land_where_diff_says() {
    let dir = project();
    // At `wait~3` since the nudge at 11-23T10:00; a duration after the
    // start works as well as an instant.
    let got = simulate(dir.path(), "3d2h");
    assert_eq!(
        got,
        [
            "2026-11-20T10:00:00Z entered",
            "2026-11-21T10:00:00Z send hello (ads)",
            "2026-11-23T10:00:00Z send nudge (ads)",
            "2026-11-23T12:00:00Z replaced at wait~3: moves on",
            "2026-11-23T12:00:00Z send last (ads)",
            "2026-11-23T12:00:00Z completed",
        ]
    );
    let (rule, to) = diff_says(dir.path(), "wait~3");
    assert_eq!((rule.as_str(), to), ("move", vec!["send-last".to_string()]));
}

#[test]
fn a_bad_when_is_a_usage_error() {
    let dir = project();
    let out = omnis(
        &[
            "simulate",
            "old",
            "--scenario",
            "signup.yaml",
            "--replace-with",
            "new",
            "--at",
            "soon",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("`--at soon`"), "{}", stderr(&out));
    let out = omnis(
        &[
            "simulate",
            "old",
            "--scenario",
            "signup.yaml",
            "--replace-with",
            "new",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}

const ANY_OLD: &str = r#"profile { email: text }
event signup { source: text }
event store_visit { store: text }
event order_placed { total: number }
channel ads { kind ads }
message hello { channel ads template "hello" }
message thanks { channel ads template "thanks" }
message coupon { channel ads template "coupon" }
message last { channel ads template "last" }

campaign onboarding {
  trigger signup
  goal order_placed
  journey {
    send hello
    wait for any within 3d {
      on clicked hello { send coupon }
      on store_visit { send thanks }
    } otherwise {
      send last
    }
  }
}
"#;

/// ANY_OLD with the store-visit `on` removed and a `within` of 5 days:
/// people waiting stay (same node), the removed `on` no longer takes them.
fn any_new() -> String {
    ANY_OLD
        .replace("      on store_visit { send thanks }\n", "")
        .replace("within 3d", "within 5d")
}

#[test]
fn people_waiting_for_any_stay_and_only_the_surviving_ons_take_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "old/onboarding.omni", ANY_OLD);
    write(dir.path(), "new/onboarding.omni", &any_new());
    write(
        dir.path(),
        "signup.yaml",
        "person: { id: p1 }\nevents:\n  - { at: \"2026-11-20T10:00:00Z\", event: signup, fields: { source: \"web\" } }\n  - { at: \"2026-11-22T10:00:00Z\", event: store_visit, fields: { store: \"riga\" } }\n",
    );
    let got = simulate(dir.path(), "2026-11-21T12:00:00Z");
    assert_eq!(
        got,
        [
            "2026-11-20T10:00:00Z entered",
            "2026-11-20T10:00:00Z send hello (ads)",
            "2026-11-21T12:00:00Z replaced at waitany: stays",
            "2026-11-25T10:00:00Z send last (ads)",
            "2026-11-25T10:00:00Z completed",
        ]
    );
    let (rule, _) = diff_says(dir.path(), "waitany");
    assert_eq!(rule, "stay");
}
