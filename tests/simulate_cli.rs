//! `omnis simulate` end to end: hostile scenario files and populations end
//! in a clear error (exit 2), never a panic, hang or runaway memory;
//! errors name the file and line; the campaign can go unnamed; the people
//! summary reads in journey order; `--update-expect` rewrites `expect`
//! lists and nothing else.

mod common;

use common::{omnis, root, stderr, stdout, write};

/// A small project: a campaign that sends without end, one whose waits add
/// up to thousands of years, and one to spell names against.
const LOOPS: &str = r#"profile { email: text  vip: bool }
event signup { source: text }
event order_placed { total: number }
channel ads { kind ads }
message ping { channel ads template "ping" }

campaign forever {
  trigger signup
  goal order_placed
  journey {
    step again {
      wait 1s
      send ping
      goto again
    }
  }
}

// 8,000 years: within what plans can write for someone entering in 1970
// (`time-out-of-range`), past year 9999 for someone entering in 2026.
campaign ages {
  trigger signup
  goal order_placed
  journey {
    repeat 8 times {
      repeat 10 times {
        wait 36500d
        send ping
      }
    }
  }
}
"#;

const SIGNUP: &str = "person: { id: p1 }\nevents:\n  - { at: \"2026-11-20T10:00:00Z\", event: signup, fields: { source: \"web\" } }\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "loops.omni", LOOPS);
    write(dir.path(), "signup.yaml", SIGNUP);
    dir
}

fn cart(args: &[&str]) -> std::process::Output {
    let mut all = vec!["simulate", "campaigns/cart_recovery.omni"];
    all.extend_from_slice(args);
    omnis(&all, root())
}

fn no_panic(o: &std::process::Output) {
    let e = stderr(o);
    assert!(
        !e.contains("panicked") && !e.contains("RUST_BACKTRACE"),
        "{e}"
    );
}

#[test]
fn population_sizes_past_the_limit_are_usage_errors() {
    for n in ["18446744073709551615", "100000001", "0", "many"] {
        let o = cart(&["--people", n]);
        assert_eq!(o.status.code(), Some(2), "{n}: {}", stderr(&o));
        no_panic(&o);
        assert!(stderr(&o).contains("--people"), "{}", stderr(&o));
    }
}

#[test]
fn a_population_is_counted_in_journey_order() {
    let o = cart(&["--people", "20000"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // No progress bar when stderr is not a terminal.
    assert_eq!(stderr(&o), "");
    let out = stdout(&o);
    assert!(out.starts_with("20,000 people, "), "{out}");
    let order = [
        "entered",
        "did not enter",
        "audience false",
        "send cart_reminder (email)",
        "send cart_coupon_20 (email)",
        "send cart_retargeting (social_ads)",
        "send cart_coupon_40 (email)",
        "send cart_coupon_40_sms (sms)",
        "converted",
        "exited",
        "completed",
    ];
    let mut at = 0;
    for label in order {
        let found = out[at..]
            .find(&format!("  {label}  "))
            .unwrap_or_else(|| panic!("`{label}` after byte {at}:\n{out}"));
        at += found + label.len();
    }
    assert!(out.contains("%"), "{out}");
    let o = cart(&["--people", "500", "--format", "json", "--seed", "4"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["people"], 500);
    assert_eq!(v["seed"], 4);
    assert_eq!(
        v["entered"].as_u64().unwrap() + v["did_not_enter"]["total"].as_u64().unwrap(),
        500
    );
    assert_eq!(v["journeys"]["steps"][0]["message"], "cart_reminder");
}

#[test]
fn deeply_nested_scenarios_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("people: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    write(dir.path(), "deep.yaml", &deep);
    let block: String = (0..2_000)
        .map(|i| format!("{}- \n", " ".repeat(i)))
        .collect();
    write(dir.path(), "block.yaml", &format!("people:\n{block}"));
    for (file, line) in [("deep.yaml", 1), ("block.yaml", 33)] {
        let path = dir.path().join(file);
        let o = cart(&["--scenario", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        no_panic(&o);
        let e = stderr(&o);
        assert!(
            e.contains(&format!("{}:{line}:", path.display()))
                && e.contains("nested more than 32 levels deep"),
            "{e}"
        );
    }
}

#[test]
fn alias_bombs_are_refused_before_they_expand() {
    let mut bomb = String::from(
        "a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(", ");
        bomb.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
    }
    bomb.push_str("people: *i\n");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bomb.yaml", &bomb);
    let o = cart(&["--scenario", dir.path().join("bomb.yaml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    no_panic(&o);
    assert!(
        stderr(&o).contains("aliases (`*name`) expand the file past"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn scenario_files_that_are_too_big_or_not_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(17 << 20).unwrap();
    let o = cart(&["--scenario", big.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("larger than 16 MiB"), "{}", stderr(&o));
    // A folder, and (on Unix) a FIFO nobody writes to: refused, not waited on.
    let o = cart(&["--scenario", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    let fifo = dir.path().join("fifo.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let o = cart(&["--scenario", fifo.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    }
}

#[test]
fn scenario_errors_name_the_file_and_line_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "person: { id: p1, attributes: { email_opt_in: \"yes\" } }\nstart: \"2026-11-20T00:00:00Z\"\n",
            "1:33: person p1: `email_opt_in`: expected true or false, found the text \"yes\" (write true or false)",
        ),
        (
            "person: { id: p1 }\nevents:\n  - { at: \"2026-11-20T10:00:00Z\", event: order_plcaed }\n",
            "3:42: person p1: input 1: there is no event `order_plcaed` (did you mean `order_placed`?)",
        ),
        (
            "person: { id: p1 }\nevents:\n  - { at: \"2026-11-20T10:00:00Z\", clicked: cart_coupon_02 }\n",
            "3:44: person p1: input 1: there is no message `cart_coupon_02` (did you mean `cart_coupon_20`?)",
        ),
        (
            "person: { id: p1, attributes: { emial: \"a@example.com\" } }\n",
            "1:33: person p1: there is no attribute `emial` in the profile (did you mean `email`?)",
        ),
        (
            "person: { id: p1 }\nevnts: []\n",
            "2:1: unknown key `evnts` in the scenario (did you mean `events`?)",
        ),
        (
            "person: { id: p1 }\nevents:\n  - { at: \"tomorrow\", event: cart_abandoned }\n",
            "3:11: person p1: input 1: `at` \"tomorrow\" is not a time",
        ),
    ];
    for (i, (yaml, want)) in cases.iter().enumerate() {
        let name = format!("s{i}.yaml");
        write(dir.path(), &name, yaml);
        let path = dir.path().join(&name);
        let o = cart(&["--scenario", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{yaml}");
        let e = stderr(&o);
        assert!(
            e.contains(&format!("error: {}:{want}", path.display())),
            "{yaml}\n{e}"
        );
        assert!(!e.contains("Text(") && !e.contains("Bool"), "{e}");
    }
}

#[test]
fn the_campaign_can_go_unnamed_when_there_is_one() {
    let o = cart(&["--scenario", "campaigns/cart_recovery.scenario.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("clicker:\n"));
    // A population runs one campaign: with several, name it.
    let o = omnis(&["simulate", "campaigns", "--people", "10"], root());
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("`campaigns` holds ") && e.contains("name one with `--campaign NAME`"),
        "{e}"
    );
    assert!(e.contains("`cart_recovery`"), "{e}");
    let o = cart(&["--campaign", "cart_recovry", "--people", "10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("there is no campaign `cart_recovry` in `campaigns/cart_recovery.omni` (did you mean `cart_recovery`?)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn timelines_show_the_split_arm() {
    let o = omnis(
        &[
            "simulate",
            "campaigns/black_friday.omni",
            "--scenario",
            "campaigns/black_friday.scenario.yaml",
        ],
        root(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("  2026-11-27T10:00:00Z split subject_b\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn update_expect_rewrites_the_lists_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["cart_recovery.omni", "audience.omni", "omnis.toml"] {
        std::fs::copy(root().join("campaigns").join(f), dir.path().join(f)).unwrap();
    }
    let scenario = "# Two shoppers.\npeople:\n  # Buys after the click.\n  - person: { id: clicker, attributes: { email_opt_in: true, email: \"c@example.com\" } }\n    events:\n      - { at: \"2026-11-20T10:00:00Z\", event: cart_abandoned, fields: { cart_id: \"c1\", value: 80 } }\n      - { at: \"2026-11-20T12:00:00Z\", event: order_placed, fields: { order_id: \"o1\", total: 80 } }\n    expect:\n      - \"2026-11-20T10:00:00Z entered\"   # stale\n\n  # No expect yet.\n  - person: { id: idle }\n";
    write(dir.path(), "s.yaml", scenario);
    let run = |extra: &[&str]| {
        let mut args = vec!["simulate", "cart_recovery.omni", "--scenario", "s.yaml"];
        args.extend_from_slice(extra);
        omnis(&args, dir.path())
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--update-expect"), "{}", stderr(&o));
    let o = run(&["--update-expect"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("updated the `expect` list of 2 people in s.yaml"));
    let text = std::fs::read_to_string(dir.path().join("s.yaml")).unwrap();
    assert_eq!(
        text,
        "# Two shoppers.\npeople:\n  # Buys after the click.\n  - person: { id: clicker, attributes: { email_opt_in: true, email: \"c@example.com\" } }\n    events:\n      - { at: \"2026-11-20T10:00:00Z\", event: cart_abandoned, fields: { cart_id: \"c1\", value: 80 } }\n      - { at: \"2026-11-20T12:00:00Z\", event: order_placed, fields: { order_id: \"o1\", total: 80 } }\n    expect:\n      - \"2026-11-20T10:00:00Z entered\"\n      - \"2026-11-20T11:00:00Z send cart_reminder (email)\"\n      - \"2026-11-20T12:00:00Z converted order_placed\"   # stale\n\n  # No expect yet.\n  - person: { id: idle }\n    expect: []\n"
    );
    assert_eq!(run(&[]).status.code(), Some(0));
    let o = run(&["--update-expect"]);
    assert!(stderr(&o).contains("up to date"), "{}", stderr(&o));
    // Only with a scenario.
    let o = omnis(
        &[
            "simulate",
            "cart_recovery.omni",
            "--people",
            "5",
            "--update-expect",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn endless_journeys_are_cut_at_the_runners_bounds_with_a_note() {
    let dir = project();
    let run = |campaign: &str, extra: &[&str]| {
        let mut args = vec!["simulate", "loops.omni", "--campaign", campaign];
        args.extend_from_slice(extra);
        omnis(&args, dir.path())
    };
    let o = run("forever", &["--scenario", "signup.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1 + 10_000);
    assert!(
        out.ends_with("  2026-11-20T12:46:39Z exited entry_limit\n"),
        "{out}"
    );
    assert!(
        stderr(&o).contains("note: the runner stopped p1 (`exited entry_limit`): the timeline reached 10000 entries"),
        "{}",
        stderr(&o)
    );
    let o = run("forever", &["--people", "40"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("    entry_limit  "), "{}", stdout(&o));
    assert!(stderr(&o).contains("note: the runner stopped 40 of the people"));
    // Waits adding up past year 9999: the run stops there, and no time
    // wraps or goes backwards.
    let o = run("ages", &["--scenario", "signup.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let timeline = v["timeline"].as_array().unwrap();
    let times: Vec<&str> = timeline.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(times
        .iter()
        .all(|t| t.len() == 20 && !t.starts_with("1970")));
    let last = timeline.last().unwrap();
    assert_eq!(last["kind"], "exited");
    assert_eq!(last["reason"], "time_limit");
    assert!(stderr(&o).contains("after 9999-12-31T23:59:59Z"));
}

#[test]
fn json_timelines_of_several_people_stream_as_one_document() {
    let o = cart(&[
        "--scenario",
        "campaigns/cart_recovery.scenario.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["people"].as_array().unwrap().len(), 6);
    assert_eq!(v["people"][5]["person"], "withdrawer");
}

/// `docs/simulate.md` shows the real summary of a population.
#[test]
fn the_documented_summary_is_current() {
    let path = root().join("docs/simulate.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let command = "`omnis simulate campaigns/cart_recovery.omni --people 20000`:\n\n```\n";
    let start = doc.find(command).expect("the example in docs/simulate.md") + command.len();
    let end = start + doc[start..].find("```\n").expect("the end of the example");
    let o = cart(&["--people", "20000"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        doc[start..end],
        stdout(&o),
        "docs/simulate.md is out of date"
    );
}

#[test]
fn a_folder_of_campaigns_runs_together_without_campaign() {
    let o = omnis(
        &[
            "simulate",
            "campaigns",
            "--scenario",
            "campaigns/project.scenario.yaml",
        ],
        root(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("cart_recovery: send cart_reminder (email)")
            && out.contains("browse_abandonment: entered"),
        "{out}"
    );
    // A person's `expect` that lists one campaign's lines only differs.
    let o = omnis(
        &[
            "simulate",
            "campaigns",
            "--scenario",
            "campaigns/cart_recovery.scenario.yaml",
        ],
        root(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cart_recovery: entered"),
        "{}",
        stderr(&o)
    );
}
