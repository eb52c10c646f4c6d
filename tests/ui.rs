//! UI fixtures: `.omni` files under `tests/ui/` with the diagnostics they
//! must produce written inline.
//!
//! Conventions:
//! - `//~ code` on a line: a diagnostic with that code must start on this
//!   line. `//~^ code` means the line above (one `^` per line up). Several
//!   codes may follow one `//~`, separated by commas. `//~ code: text`
//!   also requires `text` in the message or help line (one annotation per
//!   `//~` then: `//~ a: x //~ b: y`).
//! - Every `*.omni` file is checked on its own (as `omnis check FILE`),
//!   except files whose name starts with `_`: those are only imported.
//! - A directory below `tests/ui` holding `omnis.toml` is checked as one
//!   run (as `omnis check DIR`), which is how lint levels are tested.
//!   `tests/ui/omnis.toml` makes `tests/ui` the project root of the others,
//!   so that they can import the shared `tests/ui/_vocab.omni`.
//! - Diagnostics in imported files are matched against the annotations of
//!   those files.
//! - Coverage: every code of the catalogue must be triggered by some
//!   fixture, and must have a directory named after it with at least one
//!   fixture that does not trigger it (a silent case).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use omnis::driver::{analyze, Analysis, Options};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    line: usize,
    code: String,
    text: Option<String>,
}

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui")
}

/// The runs to make: single files, and directories with `omnis.toml`.
fn runs(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir != ui_dir() && dir.join("omnis.toml").is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut entries: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            runs(&p, out);
        } else if p.extension().is_some_and(|e| e == "omni")
            && !p.file_name().unwrap().to_string_lossy().starts_with('_')
        {
            out.push(p);
        }
    }
}

fn parse_annotations(text: &str) -> Vec<Expected> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(pos) = rest.find("//~") {
            let after = &rest[pos + 3..];
            let carets = after.chars().take_while(|&c| c == '^').count();
            let body = after[carets..].trim();
            // A later `//~` on the same line starts a new annotation.
            let body = body.split("//~").next().unwrap();
            let (codes, text) = match body.split_once(':') {
                Some((c, t)) => (c, Some(t.trim().to_string())),
                None => (body, None),
            };
            for code in codes.split(',') {
                let code = code.trim();
                if !code.is_empty() {
                    out.push(Expected {
                        line: i + 1 - carets,
                        code: code.to_string(),
                        text: text.clone(),
                    });
                }
            }
            rest = &after[carets..];
            if let Some(next) = rest.find("//~") {
                rest = &rest[next..];
            } else {
                break;
            }
        }
    }
    out
}

/// Checks one run; returns the failures, and records which codes each file
/// triggered.
fn check_run(path: &Path, triggered: &mut BTreeMap<PathBuf, Vec<String>>) -> Vec<String> {
    let analysis: Analysis = match analyze(&Options {
        paths: vec![path.to_path_buf()],
    }) {
        Ok(a) => a,
        Err(e) => return vec![format!("{}: {e}", path.display())],
    };
    let mut failures = Vec::new();
    let mut actual: BTreeMap<PathBuf, Vec<(usize, String, String)>> = BTreeMap::new();
    for d in &analysis.diagnostics {
        let f = analysis.sources.get(d.file);
        let line = f.line_col(d.span.start as usize).line;
        actual.entry(f.path.clone()).or_default().push((
            line,
            d.code.to_string(),
            format!("{} {}", d.message, d.help.as_deref().unwrap_or("")),
        ));
    }
    for (_, f) in analysis.sources.files() {
        let expected = parse_annotations(&f.text);
        let mut got = actual.remove(&f.path).unwrap_or_default();
        triggered
            .entry(f.path.clone())
            .or_default()
            .extend(got.iter().map(|(_, c, _)| c.clone()));
        for e in &expected {
            let pos = got.iter().position(|(line, code, msg)| {
                *line == e.line
                    && *code == e.code
                    && e.text.as_ref().is_none_or(|t| msg.contains(t.as_str()))
            });
            match pos {
                Some(i) => {
                    got.remove(i);
                }
                None => failures.push(format!(
                    "{}:{}: expected `{}`{} but it was not reported",
                    f.name,
                    e.line,
                    e.code,
                    e.text
                        .as_ref()
                        .map(|t| format!(" with \"{t}\""))
                        .unwrap_or_default()
                )),
            }
        }
        for (line, code, msg) in got {
            failures.push(format!("{}:{line}: unexpected `{code}`: {msg}", f.name));
        }
    }
    failures
}

#[test]
fn ui_fixtures() {
    let mut paths = Vec::new();
    runs(&ui_dir(), &mut paths);
    assert!(!paths.is_empty(), "no fixtures found");
    let mut failures = Vec::new();
    let mut triggered = BTreeMap::new();
    for p in &paths {
        failures.extend(check_run(p, &mut triggered));
    }
    assert!(
        failures.is_empty(),
        "{} fixture failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_code_has_triggering_and_silent_fixtures() {
    let mut paths = Vec::new();
    runs(&ui_dir(), &mut paths);
    let mut triggered = BTreeMap::new();
    for p in &paths {
        check_run(p, &mut triggered);
    }
    let mut missing = Vec::new();
    for info in omnis::codes::CODES {
        let code = info.code.as_str();
        if !triggered
            .values()
            .any(|codes| codes.iter().any(|c| c == code))
        {
            missing.push(format!("no fixture triggers `{code}`"));
        }
        let silent = triggered.iter().any(|(file, codes)| {
            file.parent()
                .is_some_and(|d| d.ends_with(code) || d.ancestors().any(|a| a.ends_with(code)))
                && !file.file_name().unwrap().to_string_lossy().starts_with('_')
                && !codes.iter().any(|c| c == code)
        });
        if !silent {
            missing.push(format!(
                "no silent fixture for `{code}` (a fixture under a `{code}/` directory that does not trigger it)"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn annotations_parse() {
    let a = parse_annotations("send x //~ unknown-name\n//~^ a, b: some text\n");
    assert_eq!(a.len(), 3);
    assert_eq!(a[0].line, 1);
    assert_eq!(a[1].line, 1);
    assert_eq!(a[2].text.as_deref(), Some("some text"));
}

/// The human rendering of every fixture, as insta snapshots (no colour,
/// width 100): what a marketer actually reads.
#[test]
fn rendered_output_snapshots() {
    let mut paths = Vec::new();
    runs(&ui_dir(), &mut paths);
    let base = ui_dir();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(base.join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for p in &paths {
            let analysis = analyze(&Options {
                paths: vec![p.clone()],
            })
            .unwrap();
            let mut out = Vec::new();
            omnis::render::render(
                omnis::render::Format::Human,
                &analysis.sources,
                &analysis.diagnostics,
                &omnis::render::HumanOptions {
                    color: false,
                    ..Default::default()
                },
                &mut out,
            )
            .unwrap();
            let rel = p.strip_prefix(&base).unwrap().to_string_lossy();
            let name = rel.trim_end_matches(".omni").replace(['/', '\\'], "__");
            insta::assert_snapshot!(name, String::from_utf8(out).unwrap());
        }
    });
}
