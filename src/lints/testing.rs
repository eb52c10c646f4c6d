//! Running lints on source text, for unit tests.

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::driver::{analyze, Options};
use crate::lints::LintContext;

/// Checks `src` (one file) and runs `lint` on it. Returns the lint's
/// diagnostics as `(line, message, help)`, after asserting that the front
/// end found no errors.
#[allow(clippy::needless_update)]
pub fn run_lint(
    src: &str,
    lint: fn(&LintContext) -> Vec<Diagnostic>,
) -> Vec<(usize, String, String, Vec<String>)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.omni");
    std::fs::write(&path, src).unwrap();
    let a = analyze(&Options { paths: vec![path] }).unwrap();
    // Errors of the front end only: the driver also runs the lints, and
    // `instant-loop` is an error.
    let errors: Vec<_> = a
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && d.code != Code::InstantLoop)
        .collect();
    assert!(errors.is_empty(), "front end errors: {errors:#?}");
    let journeys = crate::graph::lower_all(&a.program);
    let cx = LintContext::new(&a.program, &journeys, &a.sources, &a.roots);
    let mut out: Vec<_> = lint(&cx)
        .into_iter()
        .map(|d| {
            let f = a.sources.get(d.file);
            (
                f.line_col(d.span.start as usize).line,
                d.message.clone(),
                d.help.clone().unwrap_or_default(),
                d.labels
                    .iter()
                    .map(|l| {
                        format!(
                            "{}: {}",
                            a.sources.get(l.file).line_col(l.span.start as usize).line,
                            l.message
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    out.sort();
    out
}
