//! Lint levels end to end: `omnis.toml` `[lints]`, `--deny warnings`,
//! `@allow`, and the exit codes they lead to.

mod common;

use std::path::Path;

use omnis::diagnostic::Severity;
use omnis::driver::{analyze_with, Options};

use common::{omnis, write};

/// A campaign with no goal (`no-goal`) that sends `hello` twice
/// (`repeated-message`) on a channel without consent (`missing-consent`).
const PROJECT: &str = r#"
profile { opt_in: bool }
event signup { source: text }
channel email { }
message hello { channel email  template "hello" }
campaign welcome {
  trigger signup
  journey {
    send hello
    wait 1d
    send hello
  }
}
"#;

fn findings(dir: &Path, deny_warnings: bool) -> Vec<(String, Severity)> {
    let a = analyze_with(
        &Options {
            paths: vec![dir.to_path_buf()],
        },
        deny_warnings,
    )
    .unwrap();
    let mut v: Vec<_> = a
        .diagnostics
        .iter()
        .map(|d| (d.code.to_string(), d.severity))
        .collect();
    v.sort();
    v
}

fn w(code: &str) -> (String, Severity) {
    (code.to_string(), Severity::Warning)
}

fn e(code: &str) -> (String, Severity) {
    (code.to_string(), Severity::Error)
}

#[test]
fn defaults_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.omni", PROJECT);
    assert_eq!(
        findings(dir.path(), false),
        [w("missing-consent"), w("no-goal"), w("repeated-message")]
    );
    let o = omnis(&["check", "."], dir.path());
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn omnis_toml_sets_levels() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.omni", PROJECT);
    write(
        dir.path(),
        "omnis.toml",
        "[lints]\nno-goal = \"allow\"\nrepeated-message = \"deny\"\nmissing-consent = \"warn\"\n",
    );
    assert_eq!(
        findings(dir.path(), false),
        [w("missing-consent"), e("repeated-message")]
    );
    let o = omnis(&["check", "."], dir.path());
    assert_eq!(o.status.code(), Some(1), "a denied lint fails the check");
}

#[test]
fn deny_warnings_makes_every_remaining_warning_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.omni", PROJECT);
    write(dir.path(), "omnis.toml", "[lints]\nno-goal = \"allow\"\n");
    assert_eq!(
        findings(dir.path(), true),
        [e("missing-consent"), e("repeated-message")]
    );
    let o = omnis(&["check", "--deny", "warnings", "."], dir.path());
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn allow_silences_before_levels_apply() {
    let dir = tempfile::tempdir().unwrap();
    let text = PROJECT
        .replace(
            "channel email { }",
            "@allow(missing-consent)\nchannel email { }",
        )
        .replace(
            "    wait 1d\n    send hello\n",
            "    wait 1d\n    @allow(repeated-message)\n    send hello\n",
        );
    write(dir.path(), "p.omni", &text);
    write(
        dir.path(),
        "omnis.toml",
        "[lints]\nrepeated-message = \"deny\"\n",
    );
    assert_eq!(findings(dir.path(), true), [e("no-goal")]);
}

#[test]
fn a_bad_omnis_toml_gives_config_errors_with_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.omni", PROJECT);
    write(
        dir.path(),
        "omnis.toml",
        "[lint]\nx = 1\n[lints]\nrepeated-mesage = \"deny\"\nno-goal = \"alow\"\nunknown-name = \"allow\"\n",
    );
    let a = analyze_with(
        &Options {
            paths: vec![dir.path().to_path_buf()],
        },
        false,
    )
    .unwrap();
    let config: Vec<(usize, String, String)> = a
        .diagnostics
        .iter()
        .filter(|d| d.code == omnis::codes::Code::ConfigError)
        .map(|d| {
            let f = a.sources.get(d.file);
            assert!(f.name.ends_with("omnis.toml"), "{}", f.name);
            (
                f.line_col(d.span.start as usize).line,
                d.message.clone(),
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(config.len(), 4, "{config:?}");
    assert_eq!(config[0].0, 1);
    assert!(config[0].1.contains("unknown table `[lint]`"), "{config:?}");
    assert_eq!(config[0].2, "did you mean `[lints]`?");
    assert_eq!(
        (config[1].0, config[1].1.as_str()),
        (4, "unknown lint `repeated-mesage`")
    );
    assert_eq!(config[1].2, "did you mean `repeated-message`?");
    assert!(config[2].1.contains("unknown level `alow`"), "{config:?}");
    assert_eq!(config[2].2, "did you mean \"allow\"?");
    assert!(config[3]
        .1
        .contains("`unknown-name` is an error, not a lint"));
    // They fail the check and render like any diagnostic, in omnis.toml.
    let o = omnis(&["check", "."], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("error[config-error]"), "{out}");
    assert!(out.contains("omnis.toml:4:1"), "{out}");
    assert!(out.contains("did you mean `repeated-message`?"), "{out}");
}

#[test]
fn the_examples_are_clean_even_with_deny_warnings() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns");
    let a = analyze_with(
        &Options {
            paths: vec![examples.clone()],
        },
        true,
    )
    .unwrap();
    let shown: Vec<String> = a
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(shown.is_empty(), "{shown:#?}");
    let files = common::read_dir(&examples);
    let files = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "omni"));
    for path in files {
        let a = analyze_with(
            &Options {
                paths: vec![path.clone()],
            },
            true,
        )
        .unwrap();
        assert!(
            a.diagnostics.is_empty(),
            "{}: {:#?}",
            path.display(),
            a.diagnostics
        );
    }
}
