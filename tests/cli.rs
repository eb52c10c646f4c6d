//! The `omnis` binary end to end: exit codes, I/O failures, the project
//! root, and hostile input.

mod common;

use common::{omnis, stderr, stdout, write};

const VOCAB: &str = r#"
profile { email_opt_in: bool  first_name: text }
event signup { source: text }
event order { total: number }
channel email { consent email_opt_in }
message hello { channel email  template "hello" }
"#;

const CAMPAIGN: &str = r#"
import "vocab.omni"
campaign welcome {
  trigger signup
  goal order
  journey { send hello }
}
"#;

#[test]
fn clean_project_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "vocab.omni", VOCAB);
    write(dir.path(), "welcome.omni", CAMPAIGN);
    let o = omnis(&["check", "."], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn errors_exit_one_and_are_all_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "vocab.omni",
        &format!("{VOCAB}\nsegment s = nope\n"),
    );
    write(
        dir.path(),
        "a.omni",
        "import \"vocab.omni\"\nsegment a = missing_a\n",
    );
    write(
        dir.path(),
        "b.omni",
        "import \"vocab.omni\"\nsegment b = missing_b\n",
    );
    let o = omnis(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json output");
    let diags = v["diagnostics"].as_array().unwrap();
    let files: Vec<&str> = diags.iter().map(|d| d["file"].as_str().unwrap()).collect();
    // One error per file, the shared vocabulary's reported once, sorted by file.
    assert_eq!(files, ["a.omni", "b.omni", "vocab.omni"], "{v:#}");
    assert!(diags.iter().all(|d| d["code"] == "unknown-name"));
    assert_eq!(diags[0]["line"], 2);
    assert_eq!(diags[0]["column"], 13);
}

#[test]
fn unreadable_path_exits_two_with_the_os_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = omnis(&["check", "does_not_exist.omni"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("does_not_exist.omni"), "{err}");
    assert!(err.contains("No such file"), "{err}");
}

#[test]
fn usage_errors_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        omnis(&["check", "--format", "xml"], dir.path())
            .status
            .code(),
        Some(2)
    );
    assert_eq!(omnis(&["frobnicate"], dir.path()).status.code(), Some(2));
    let o = omnis(&["explain", "unreachable-stp"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unreachable-step"));
}

#[test]
fn imports_stay_inside_the_project_root() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    write(&project, "omnis.toml", "");
    write(dir.path(), "outside.omni", VOCAB);
    write(&project, "campaigns/vocab.omni", VOCAB);
    // Importing a parent folder inside the root is fine ...
    write(
        &project,
        "campaigns/deep/ok.omni",
        "import \"../vocab.omni\"\n",
    );
    // ... leaving the root is not.
    write(
        &project,
        "campaigns/escape.omni",
        "import \"../../outside.omni\"\n",
    );
    let o = omnis(&["check", "campaigns/deep/ok.omni"], &project);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = omnis(
        &["check", "campaigns/escape.omni", "--format", "json"],
        &project,
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("import-error") && out.contains("outside the project root"),
        "{out}"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_resolved_before_the_root_check() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    write(&project, "omnis.toml", "");
    write(dir.path(), "outside.omni", VOCAB);
    std::os::unix::fs::symlink(dir.path().join("outside.omni"), project.join("link.omni")).unwrap();
    write(&project, "main.omni", "import \"link.omni\"\n");
    let o = omnis(&["check", "main.omni", "--format", "json"], &project);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("outside the project root"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn without_omnis_toml_the_root_is_the_named_files_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "vocab.omni", VOCAB);
    write(dir.path(), "sub/c.omni", "import \"../vocab.omni\"\n");
    let o = omnis(&["check", "sub/c.omni", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("outside the project root"));
}

#[test]
fn non_utf8_and_nul_bytes_are_syntax_errors_with_a_position() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.omni"), b"segment s = \xff\xfe x\n").unwrap();
    std::fs::write(dir.path().join("nul.omni"), b"segment s =\n x\0\n").unwrap();
    let o = omnis(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let d = v["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 2, "{v:#}");
    assert_eq!(
        (
            d[0]["code"].as_str(),
            d[0]["line"].as_u64(),
            d[0]["column"].as_u64()
        ),
        (Some("syntax-error"), Some(1), Some(13))
    );
    assert_eq!(
        (
            d[1]["code"].as_str(),
            d[1]["line"].as_u64(),
            d[1]["column"].as_u64()
        ),
        (Some("syntax-error"), Some(2), Some(3))
    );
}

#[test]
fn hostile_inputs_end_with_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let big = format!(
        "message m {{ channel email template \"{}\" }}\n",
        "x".repeat(5 << 20)
    );
    write(dir.path(), "big.omni", &big);
    let deep = format!(
        "segment s = {}x{}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    write(dir.path(), "deep.omni", &deep);
    let blocks = format!(
        "campaign c {{ trigger e journey {{ {} }} }}\n",
        "if x { ".repeat(100_000) + &"} ".repeat(100_000)
    );
    write(dir.path(), "blocks.omni", &blocks);
    let o = omnis(&["check", "."], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("big.omni") && out.contains("invalid-value"),
        "{}",
        &out[..out.len().min(2000)]
    );
    assert!(out.contains("deep.omni") && out.contains("nested more than 256"));
    assert!(out.contains("blocks.omni"));
    assert!(out.len() < 20_000, "output is {} bytes", out.len());
}

/// One broken file does not hide the findings of the others: a campaign
/// whose file and imports have no errors is linted (issue 11, item 6).
#[test]
fn a_broken_file_does_not_hide_the_warnings_of_the_others() {
    let dir = tempfile::tempdir().unwrap();
    // `spare` is never sent: `unused-declaration`, when the whole program
    // is free of errors.
    let vocab = format!("{VOCAB}message spare {{ channel email  template \"spare\" }}\n");
    write(dir.path(), "vocab.omni", &vocab);
    // The campaigns all start on `signup` with `hello`: the project lints
    // would pair them, which is not what this test is about.
    write(
        dir.path(),
        "omnis.toml",
        "[lints]\ncross-campaign-repeat = \"allow\"\ncompeting-campaigns = \"allow\"\n",
    );
    let campaign = |name: &str, import: &str, step: &str| {
        format!(
            "import \"{import}\"\ncampaign {name} {{\n  trigger signup\n  journey {{ {step} }}\n}}\n"
        )
    };
    // No goal: a `no-goal` warning, when the campaign is linted.
    write(
        dir.path(),
        "good.omni",
        &campaign("good", "vocab.omni", "send hello"),
    );
    write(
        dir.path(),
        "broken.omni",
        &campaign("broken", "vocab.omni", "send nope"),
    );
    // Imports the broken file: its closure has an error.
    write(
        dir.path(),
        "after.omni",
        &campaign("after", "broken.omni", "send hello"),
    );
    let o = omnis(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json output");
    let found: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().into(),
                d["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = found
        .iter()
        .map(|(f, c)| (f.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [("broken.omni", "unknown-name"), ("good.omni", "no-goal")],
        "{v:#}"
    );
    // Fixed, every campaign is linted, and `unused-declaration` (which
    // needs the whole program) runs again.
    write(
        dir.path(),
        "broken.omni",
        &campaign("broken", "vocab.omni", "send hello"),
    );
    let o = omnis(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json output");
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["no-goal", "no-goal", "no-goal", "unused-declaration"],
        "{v:#}"
    );
}

/// `omnis worker` runs `omnis-worker` from beside the `omnis` executable
/// (else the PATH) with its arguments, and says how to install it when
/// there is none.
#[cfg(unix)]
#[test]
fn worker_runs_omnis_worker_beside_omnis_or_says_how_to_install_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("omnis");
    std::fs::copy(env!("CARGO_BIN_EXE_omnis"), &exe).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(&exe)
            .args(args)
            .env("PATH", dir.path().join("empty"))
            .output()
            .unwrap()
    };
    let o = run(&["worker", "run", "--plans", "plans/"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("`omnis-worker`, which is not installed"),
        "{err}"
    );
    assert!(
        err.contains("cargo install --path crates/omnis-worker"),
        "{err}"
    );
    // A stand-in that echoes its arguments and exits 3.
    let worker = dir.path().join("omnis-worker");
    std::fs::write(&worker, "#!/bin/sh\necho \"args: $*\"\nexit 3\n").unwrap();
    std::fs::set_permissions(&worker, std::fs::Permissions::from_mode(0o755)).unwrap();
    let o = run(&["worker", "run", "--plans", "plans/", "--help"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(stdout(&o), "args: run --plans plans/ --help\n");
}

/// A workspace of many small campaign files (some with mistakes) is
/// reported byte for byte the same on one thread as on several: parsing,
/// resolving (runs of files apart), the lints, sorting and rendering all
/// run on every core.
#[test]
fn a_workspace_is_reported_the_same_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let vocab = std::fs::read_to_string(common::root().join("campaigns/audience.omni")).unwrap();
    write(dir.path(), "audience.omni", &vocab);
    for i in 0..300 {
        let mistake = match i % 7 {
            0 => format!("send nope_{i}"),
            3 => "wait for nosuch_event within 1d { }".to_string(),
            _ => "wait 1h".to_string(),
        };
        let text = format!(
            r#"import "audience.omni"
message nudge_{i} {{ channel email  template "nudge {{{{ first_name }}}}" }}
campaign browse_{i} {{
  trigger cart_abandoned where cart_abandoned.value >= {v}
  audience emailable and not recent_buyers
  goal order_placed
  journey {{
    step first {{ send nudge_{i} }}
    {mistake}
  }}
}}
"#,
            v = 10 + i % 90
        );
        write(dir.path(), &format!("c{i:03}.omni"), &text);
    }
    for format in ["human", "json"] {
        let run = |threads: &str| {
            let o = common::command(&["check", ".", "--format", format], dir.path())
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
            o.stdout
        };
        let one = run("1");
        assert!(
            String::from_utf8_lossy(&one).contains("nope_294"),
            "{format}"
        );
        assert!(one == run("2"), "{format}: 2 threads");
        assert!(one == run("3"), "{format}: 3 threads");
    }
}
