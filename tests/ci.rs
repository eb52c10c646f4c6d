//! Git and CI: `omnis init`, `omnis completions`, the GitHub Actions
//! workflow (`templates/omnis.yml`, shown in `docs/ci.md`) and the
//! pre-commit hook (`hooks/pre-commit`) and the hooks of the pre-commit
//! framework (`.pre-commit-hooks.yaml`), as far as they run locally.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use clap::Parser;
use omnis::cli::Cli;

use common::{git, omnis, root, text};

#[test]
fn init_then_check_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("marketing");
    let o = omnis(&["init", "marketing"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for f in [
        "omnis.toml",
        "campaigns/vocabulary.omni",
        "campaigns/welcome.omni",
        ".github/workflows/omnis.yml",
        "plans/.gitignore",
    ] {
        assert!(project.join(f).is_file(), "{f} not written");
    }
    assert_eq!(
        common::read(&project.join(".github/workflows/omnis.yml")),
        common::read(&root().join("templates/omnis.yml"))
    );
    // Clean: no errors and no warnings, whether named or found from `.`.
    let o = omnis(&["check", "--deny", "warnings"], &project);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = omnis(&["check", "marketing", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["diagnostics"], serde_json::json!([]), "{json}");
    // Formatted the one canonical way.
    let o = omnis(&["fmt", "--check"], &project);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // And it draws and diffs.
    let o = omnis(&["graph", "--campaign", "welcome"], &project);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = omnis(&["diff", "campaigns", "campaigns"], &project);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // The plans folder's .gitignore keeps what `build` writes out of git,
    // and `build` leaves it alone.
    let o = omnis(&["build", "--out", "plans"], &project);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(git(&project, &["init", "-q"]).status.success());
    let o = git(
        &project,
        &["status", "--porcelain", "--untracked-files=all"],
    );
    let status = String::from_utf8_lossy(&o.stdout);
    assert!(status.contains("?? plans/.gitignore"), "{status}");
    assert!(!status.contains("plan.json"), "{status}");
    assert!(!status.contains("omnis-manifest.json"), "{status}");
}

#[test]
fn init_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("omnis.toml"), "# mine\n").unwrap();
    let o = omnis(&["init"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not overwriting"), "{}", text(&o));
    assert!(text(&o).contains("omnis.toml"), "{}", text(&o));
    assert_eq!(common::read(&dir.path().join("omnis.toml")), "# mine\n");
    // Nothing else was written either.
    assert!(!dir.path().join("campaigns").exists());
    assert!(!dir.path().join(".github").exists());
}

#[test]
fn completions_for_every_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = omnis(&["completions", shell], dir.path());
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", text(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        for sub in ["check", "diff", "graph", "init"] {
            assert!(out.contains(sub), "{shell} completions lack `{sub}`");
        }
    }
    let o = omnis(&["completions", "tcsh"], dir.path());
    assert_eq!(o.status.code(), Some(2));
}

/// Splits a shell command line into words: quotes, `$VAR`s and `${{ }}`
/// expressions become plain words; stops at redirections and `||`.
fn words(line: &str) -> Vec<String> {
    let line = {
        let mut s = line.to_string();
        while let Some(a) = s.find("${{") {
            let b = s[a..].find("}}").map(|b| a + b + 2).unwrap_or(s.len());
            s.replace_range(a..b, "EXPR");
        }
        s
    };
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for ch in line.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(ch);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, '>' | '<' | '|' | ';' | '&') => break,
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    // `$VAR` and `origin/$VAR` stand for some value.
    out.into_iter()
        .map(|w| {
            if w.contains('$') {
                w.replace('$', "")
            } else {
                w
            }
        })
        .collect()
}

/// Every `omnis ...` command line in a shell script.
fn omnis_lines(script: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in script.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        // Each `omnis` at a command position.
        let mut rest = line;
        while let Some(i) = rest.find("omnis ") {
            let at_start = i == 0
                || rest[..i].trim_end().ends_with(['|', '&', ';', '(', '!'])
                || rest[..i].trim_end().ends_with("then")
                || rest[..i].trim_end().ends_with("if");
            if at_start {
                out.push(words(&rest[i..]));
            }
            rest = &rest[i + "omnis ".len()..];
        }
    }
    out
}

/// Parses a command line with the real CLI (`--help` counts as parsed).
fn parses(words: &[String]) -> Result<(), String> {
    match Cli::try_parse_from(words) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => Ok(()),
        Err(e) => Err(format!("{}: {e}", words.join(" "))),
    }
}

#[test]
fn the_workflow_runs_real_commands() {
    let text = common::read(&root().join("templates/omnis.yml"));
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("the workflow is YAML");
    let steps = yaml["jobs"]["omnis"]["steps"]
        .as_sequence()
        .expect("jobs.omnis.steps");
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    for action in [
        "actions/checkout@v4",
        "github/codeql-action/upload-sarif@v3",
        "actions/upload-artifact@v4",
    ] {
        assert!(uses.contains(&action), "the workflow does not use {action}");
    }
    let mut lines = Vec::new();
    for s in steps {
        if let Some(run) = s["run"].as_str() {
            lines.extend(omnis_lines(run));
        }
    }
    let shown: Vec<String> = lines.iter().map(|w| w.join(" ")).collect();
    // What the workflow is for.
    for want in [
        "omnis check --format sarif --output-file omnis.sarif",
        "omnis check --format github --deny warnings",
        "omnis fmt --check",
        "omnis build --out plans",
        "omnis diff --git origin/BASE_REF --format markdown",
    ] {
        assert!(shown.iter().any(|l| l == want), "no `{want}` in {shown:#?}");
    }
    for w in &lines {
        parses(w).unwrap_or_else(|e| panic!("{e}"));
    }
    // The SARIF the upload step reads is the one the check step writes.
    let sarif = steps
        .iter()
        .find(|s| s["uses"].as_str() == Some("github/codeql-action/upload-sarif@v3"))
        .unwrap();
    assert_eq!(sarif["with"]["sarif_file"].as_str(), Some("omnis.sarif"));
    assert!(text.contains("omnis check --format sarif --output-file omnis.sarif"));
    // The diff comment reads what the diff step writes.
    assert!(text.contains("> omnis-diff.md"));
    assert!(text.contains("--body-file omnis-diff.md"));
}

#[test]
fn docs_show_the_workflow_init_writes() {
    let doc = common::read(&root().join("docs/ci.md"));
    let start = "<!-- workflow: templates/omnis.yml -->\n```yaml\n";
    let a = doc.find(start).expect("workflow block in docs/ci.md") + start.len();
    let b = a + doc[a..]
        .find("```\n<!-- /workflow -->")
        .expect("end of the block");
    assert_eq!(
        &doc[a..b],
        omnis::init::WORKFLOW,
        "docs/ci.md shows another workflow than templates/omnis.yml"
    );
}

#[test]
fn the_hook_runs_real_commands() {
    let hook = common::read(&root().join("hooks/pre-commit"));
    let lines: Vec<Vec<String>> = hook
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            // `xargs -0 "$omnis" SUB ...` and `"$omnis" SUB ...`
            let i = l.find("\"$omnis\" ")?;
            let mut w = words(&l[i + "\"$omnis\" ".len()..]);
            w.insert(0, "omnis".to_string());
            (w.len() > 1).then_some(w)
        })
        .collect();
    let shown: Vec<String> = lines.iter().map(|w| w.join(" ")).collect();
    for want in ["omnis fmt --check", "omnis check --deny warnings"] {
        assert!(shown.iter().any(|l| l == want), "no `{want}` in {shown:?}");
    }
    for w in &lines {
        parses(w).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn commit(dir: &Path) -> Output {
    Command::new(root().join("hooks/pre-commit"))
        .current_dir(dir)
        .env("OMNIS", env!("CARGO_BIN_EXE_omnis"))
        .output()
        .expect("run the hook")
}

#[test]
fn the_pre_commit_hook_checks_what_is_staged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(git(d, &["init", "-q"]).status.success());
    let o = omnis(&["init"], d);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Nothing staged: nothing to check.
    let o = commit(d);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // A good project.
    assert!(git(d, &["add", "."]).status.success());
    let o = commit(d);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(git(d, &["commit", "-q", "--no-verify", "-m", "init"])
        .status
        .success());

    // A bad file staged (a warning: a message nobody sends): rejected.
    let welcome = d.join("campaigns/welcome.omni");
    let good = common::read(&welcome);
    let bad = format!("{good}\nmessage unused {{ channel email  template \"unused\" }}\n");
    std::fs::write(&welcome, &bad).unwrap();
    assert!(git(d, &["add", "campaigns/welcome.omni"]).status.success());
    let o = commit(d);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("unused-declaration"), "{}", text(&o));

    // Fixed in the working tree but not staged: still rejected (the hook
    // checks the staged version) ...
    std::fs::write(&welcome, &good).unwrap();
    let o = commit(d);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    // ... and accepted once the fix is staged.
    assert!(git(d, &["add", "campaigns/welcome.omni"]).status.success());
    let o = commit(d);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // A staged file that is not formatted: rejected.
    std::fs::write(
        &welcome,
        good.replace("    send welcome_email", "        send welcome_email"),
    )
    .unwrap();
    assert!(git(d, &["add", "campaigns/welcome.omni"]).status.success());
    let o = commit(d);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("campaigns/welcome.omni"), "{}", text(&o));

    // An error in a staged file: rejected.
    std::fs::write(
        &welcome,
        good.replace("send first_order_tip", "send first_ordr_tip"),
    )
    .unwrap();
    assert!(git(d, &["add", "campaigns/welcome.omni"]).status.success());
    let o = commit(d);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("unknown-name"), "{}", text(&o));

    // Installed as a real hook, `git commit` runs it.
    let hooks = d.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::copy(root().join("hooks/pre-commit"), hooks.join("pre-commit")).unwrap();
    let o = Command::new("git")
        .args(["commit", "-q", "-m", "broken"])
        .current_dir(d)
        .env("OMNIS", env!("CARGO_BIN_EXE_omnis"))
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(!o.status.success(), "the broken commit went through");
    let better = good.replace("Welcome new sign-ups", "Welcome every new sign-up");
    assert_ne!(better, good);
    std::fs::write(&welcome, &better).unwrap();
    assert!(git(d, &["add", "campaigns/welcome.omni"]).status.success());
    let o = Command::new("git")
        .args(["commit", "-q", "-m", "fine"])
        .current_dir(d)
        .env("OMNIS", env!("CARGO_BIN_EXE_omnis"))
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn words_split_like_a_shell() {
    assert_eq!(
        words(r#"omnis diff --git "origin/$BASE_REF" --format markdown > out.md || s=$?"#),
        [
            "omnis",
            "diff",
            "--git",
            "origin/BASE_REF",
            "--format",
            "markdown"
        ]
    );
    assert_eq!(
        words("omnis check --format sarif>x"),
        ["omnis", "check", "--format", "sarif"]
    );
    assert_eq!(words("omnis x ''"), ["omnis", "x", ""]);
    assert_eq!(
        omnis_lines("status=0\nomnis a || b\n# omnis c\nif omnis d; then omnis e; fi"),
        [vec!["omnis", "a"], vec!["omnis", "d"], vec!["omnis", "e"]]
    );
}

/// `.pre-commit-hooks.yaml`, for the pre-commit framework: each hook's
/// entry is a real command, and run the way pre-commit runs it (the entry,
/// then the staged files its `files` pattern matches, in the repository's
/// root) it passes good files and stops bad ones.
#[test]
fn the_pre_commit_framework_hooks_work() {
    let yaml = common::read(&root().join(".pre-commit-hooks.yaml"));
    let hooks: Vec<serde_yaml::Value> = serde_yaml::from_str(&yaml).expect("a list of hooks");
    let ids: Vec<&str> = hooks.iter().filter_map(|h| h["id"].as_str()).collect();
    assert_eq!(ids, ["omnis-fmt", "omnis-check"]);
    let mut entries = std::collections::HashMap::new();
    for h in &hooks {
        let id = h["id"].as_str().unwrap();
        for key in ["name", "description", "entry"] {
            assert!(
                h[key].as_str().is_some_and(|s| !s.is_empty()),
                "{id}: {key}"
            );
        }
        // pre-commit builds the repository with `cargo install`.
        assert_eq!(h["language"].as_str(), Some("rust"), "{id}");
        // A Python regex, searched in each staged path.
        assert_eq!(h["files"].as_str(), Some(r"\.omni$"), "{id}");
        let mut w = words(h["entry"].as_str().unwrap());
        assert_eq!(w[0], "omnis", "{id}");
        w.push("a.omni".into());
        parses(&w).unwrap_or_else(|e| panic!("{id}: {e}"));
        entries.insert(id, w[1..w.len() - 1].to_vec());
    }
    assert_eq!(hooks[1]["require_serial"].as_bool(), Some(true));

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(git(d, &["init", "-q"]).status.success());
    assert_eq!(omnis(&["init"], d).status.code(), Some(0));
    let run = |id: &str| {
        assert!(git(d, &["add", "-A"]).status.success());
        let staged = git(d, &["diff", "--cached", "--name-only"]);
        let files: Vec<String> = String::from_utf8_lossy(&staged.stdout)
            .lines()
            .filter(|f| f.ends_with(".omni"))
            .map(str::to_string)
            .collect();
        assert!(!files.is_empty());
        Command::new(env!("CARGO_BIN_EXE_omnis"))
            .args(&entries[id])
            .args(&files)
            .current_dir(d)
            .output()
            .expect("run omnis")
    };
    let welcome = d.join("campaigns/welcome.omni");
    let good = common::read(&welcome);
    for id in ["omnis-fmt", "omnis-check"] {
        let o = run(id);
        assert_eq!(o.status.code(), Some(0), "{id}: {}", text(&o));
    }
    assert_eq!(
        common::read(&welcome),
        good,
        "a formatted file is left alone"
    );

    // Not formatted: `omnis fmt` rewrites it, and pre-commit fails the
    // commit because a file changed; then it passes.
    let messy = good.replace("    send welcome_email", "        send welcome_email");
    std::fs::write(&welcome, &messy).unwrap();
    let o = run("omnis-fmt");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(common::read(&welcome), good, "rewritten");

    // A warning: `omnis check --deny warnings` stops the commit.
    let unused = format!("{good}\nmessage unused {{ channel email  template \"unused\" }}\n");
    std::fs::write(&welcome, unused).unwrap();
    let o = run("omnis-check");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("unused-declaration"), "{}", text(&o));

    // A syntax error stops both.
    std::fs::write(&welcome, good.replace("journey {", "journey {{")).unwrap();
    for id in ["omnis-fmt", "omnis-check"] {
        let o = run(id);
        assert_eq!(o.status.code(), Some(1), "{id}: {}", text(&o));
    }
}
