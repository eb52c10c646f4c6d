//! What every command writes, and where: exit 2 when standard output
//! cannot be written (but not for a closed pipe), `--quiet`, `--color`
//! with `NO_COLOR`, `check --output-file`, and errors listed before
//! warnings.

mod common;

use std::path::Path;
use std::process::{Output, Stdio};

use common::{command, omnis, read, root, stderr, stdout, write};

const VOCAB: &str = r#"
profile { email_opt_in: bool }
event signup { source: text }
event order { total: number }
channel email { consent email_opt_in }
message hello { channel email  template "hello" }
message unused { channel email  template "unused" }
"#;

/// Two warnings (`no-goal` in `a.omni` and `b.omni`) and one error, after
/// them in file order (`unused-declaration`, denied in `omnis.toml`, in
/// `vocab.omni`).
fn findings(dir: &Path) {
    write(
        dir,
        "omnis.toml",
        "[lints]\nunused-declaration = \"deny\"\ncross-campaign-repeat = \"allow\"\ncompeting-campaigns = \"allow\"\n",
    );
    write(dir, "vocab.omni", VOCAB);
    for name in ["a", "b"] {
        write(
            dir,
            &format!("{name}.omni"),
            &format!(
                "import \"vocab.omni\"\ncampaign {name} {{\n  trigger signup\n  journey {{ send hello }}\n}}\n"
            ),
        );
    }
}

/// A clean project with one campaign.
fn clean(dir: &Path) {
    write(dir, "omnis.toml", "");
    write(dir, "vocab.omni", &VOCAB.replace("message unused", "// "));
    write(
        dir,
        "a.omni",
        "import \"vocab.omni\"\ncampaign a {\n  trigger signup\n  goal order\n  journey { send hello }\n}\n",
    );
}

/// Runs `omnis args…` in `cwd` with standard output going to `stdout`.
fn omnis_to(args: &[&str], cwd: &Path, out: impl Into<Stdio>) -> Output {
    command(args, cwd).stdout(out).output().expect("run omnis")
}

#[cfg(target_os = "linux")]
#[test]
fn every_command_exits_two_when_stdout_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    clean(&dir.path().join("p"));
    write(dir.path(), "old/a.omni", "segment s = true\n");
    write(dir.path(), "new/a.omni", "segment s = false\n");
    write(dir.path(), "fmt/a.omni", "segment   s = true\n");
    let scenario = root().join("campaigns/cart_recovery.scenario.yaml");
    let campaigns = root().join("campaigns");
    let commands: Vec<Vec<&str>> = vec![
        vec!["schema"],
        vec!["schema", "check"],
        vec!["explain"],
        vec!["explain", "no-goal"],
        vec!["check", "p"],
        vec!["check", "p", "--format", "json"],
        vec!["check", "p", "--format", "sarif"],
        vec!["check", "p", "--format", "github"],
        vec!["graph", "p"],
        vec!["graph", "p", "--format", "dot"],
        vec!["diff", "old", "new"],
        vec!["fmt", "--check", "fmt"],
        vec!["fmt", "--diff", "fmt"],
        vec!["build", "p", "--out", "plans"],
        vec!["init", "fresh"],
        vec!["completions", "bash"],
        vec!["--help"],
        vec!["--version"],
        vec![
            "simulate",
            campaigns.to_str().unwrap(),
            "--campaign",
            "cart_recovery",
            "--scenario",
            scenario.to_str().unwrap(),
        ],
        vec![
            "simulate",
            campaigns.to_str().unwrap(),
            "--campaign",
            "cart_recovery",
            "--people",
            "10",
            "--format",
            "json",
        ],
    ];
    for args in commands {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let o = omnis_to(&args, dir.path(), full);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("cannot write to standard output: No space left on device"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    findings(dir.path());
    for (args, code) in [
        (vec!["check", "."], 1),
        (vec!["check", ".", "--format", "sarif"], 1),
        (vec!["schema"], 0),
        (vec!["explain"], 0),
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = omnis_to(&args, dir.path(), writer);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

#[test]
fn errors_come_first_and_the_summary_counts() {
    let dir = tempfile::tempdir().unwrap();
    findings(dir.path());
    let o = omnis(&["check", "."], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let error = out.find("error[unused-declaration]").expect(&out);
    let warning = out.find("warning[no-goal]").expect(&out);
    assert!(error < warning, "{out}");
    assert!(out.ends_with("1 error, 2 warnings in 3 files\n"), "{out}");
    let o = omnis(&["check", ".", "--format", "json"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let severities: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["error", "warning", "warning"]);
    // Among the warnings, file order stays.
    assert_eq!(v["diagnostics"][0]["file"], "vocab.omni");
    assert_eq!(v["diagnostics"][1]["file"], "a.omni");
    assert_eq!(v["diagnostics"][2]["file"], "b.omni");
}

#[test]
fn quiet_prints_results_and_errors_only() {
    let dir = tempfile::tempdir().unwrap();
    clean(&dir.path().join("clean"));
    findings(&dir.path().join("findings"));
    let d = dir.path();
    // Nothing at all when everything is fine, before or after the command.
    for args in [
        ["-q", "check", "clean"],
        ["check", "clean", "--quiet"],
        ["check", "--quiet", "clean"],
    ] {
        let o = omnis(&args, d);
        assert_eq!(o.status.code(), Some(0));
        assert_eq!((stdout(&o), stderr(&o)), (String::new(), String::new()));
    }
    // The findings, without the summary line.
    let o = omnis(&["check", "findings", "-q"], d);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("error[unused-declaration]") && out.contains("warning[no-goal]"));
    assert!(!out.contains("in 3 files"), "{out}");
    // Status lines go.
    let o = omnis(&["build", "clean", "--out", "plans", "-q"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert!(d.join("plans/a.plan.json").is_file());
    let o = omnis(&["init", "new", "-q"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!((stdout(&o), stderr(&o)), (String::new(), String::new()));
    write(d, "empty/x.omni", "segment s = true\n");
    let o = omnis(&["graph", "empty", "-q"], d);
    assert_eq!((stdout(&o), stderr(&o)), (String::new(), String::new()));
    let o = omnis(&["graph", "empty"], d);
    assert!(stderr(&o).contains("no campaigns"), "{}", stderr(&o));
    // Warnings are left out of `build`'s report; errors are not.
    let o = omnis(&["build", "findings", "--out", "plans2", "-q"], d);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unused-declaration") && !stderr(&o).contains("warning["));
    // Results stay.
    let o = omnis(&["schema", "-q"], d);
    assert_eq!(stdout(&o), read(&root().join("schema/plan.schema.json")));
}

const ESC: char = '\u{1b}';

#[test]
fn color_follows_the_flag_then_no_color_then_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    findings(dir.path());
    let run = |args: &[&str], no_color: Option<&str>| {
        let mut c = command(args, dir.path());
        c.env_remove("NO_COLOR");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        stdout(&o)
    };
    // Not a terminal: no colour unless asked for.
    assert!(!run(&["check", "."], None).contains(ESC));
    assert!(run(&["check", ".", "--color", "always"], None).contains(ESC));
    assert!(run(&["--color=always", "check", "."], None).contains(ESC));
    // The flag overrides NO_COLOR (https://no-color.org).
    assert!(run(&["check", ".", "--color", "always"], Some("1")).contains(ESC));
    assert!(!run(&["check", ".", "--color", "never"], None).contains(ESC));
    assert!(!run(&["check", ".", "--color", "auto"], Some("1")).contains(ESC));
    // On standard error too (`build` reports there).
    let mut c = command(
        &["build", ".", "--out", "plans", "--color", "always"],
        dir.path(),
    );
    let o = c.output().unwrap();
    assert!(stderr(&o).contains(ESC));
    let o = omnis(
        &["build", ".", "--out", "plans", "--color", "never"],
        dir.path(),
    );
    assert!(!stderr(&o).contains(ESC));
    // A bad value is a usage error.
    let o = omnis(&["check", ".", "--color", "purple"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).is_empty());
}

#[test]
fn output_file_takes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    findings(dir.path());
    let d = dir.path();
    for format in ["sarif", "json", "github", "human"] {
        let file = format!("report.{format}");
        let o = omnis(
            &["check", ".", "--format", format, "--output-file", &file],
            d,
        );
        assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
        assert_eq!((stdout(&o), stderr(&o)), (String::new(), String::new()));
        let report = read(&d.join(&file));
        let direct = stdout(&omnis(&["check", ".", "--format", format], d));
        assert_eq!(report, direct, "{format}");
    }
    // Never coloured by `auto` (a file is not a terminal).
    omnis(&["check", ".", "--output-file", "plain.txt"], d);
    assert!(!read(&d.join("plain.txt")).contains(ESC));
    // A clean project writes its (empty) report too, and exits 0.
    clean(&d.join("clean"));
    let o = omnis(
        &[
            "check",
            "clean",
            "--format",
            "json",
            "--output-file",
            "c.json",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&read(&d.join("c.json"))).unwrap();
    assert_eq!(v["diagnostics"], serde_json::json!([]));
    // A file that cannot be written: exit 2, naming it.
    let o = omnis(
        &[
            "check",
            ".",
            "--format",
            "sarif",
            "--output-file",
            "no/such/dir/r.sarif",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot write `no/such/dir/r.sarif`"),
        "{}",
        stderr(&o)
    );
    // A run that fails before its report leaves no file.
    let o = omnis(&["check", "missing.omni", "--output-file", "none.json"], d);
    assert_eq!(o.status.code(), Some(2));
    assert!(!d.join("none.json").exists());
}
