//! Running lints on source text, for unit tests: the stages below the lints
//! (load from memory, resolve, lower), then the one lint, never the driver.

use crate::diagnostic::Diagnostic;
use crate::lints::LintContext;

/// Loads `src` (one file, from memory), resolves and lowers it, and runs
/// `lint` on it. Returns the lint's diagnostics as `(line, message, help,
/// labels)`, after asserting that the front end found no errors.
pub fn run_lint(
    src: &str,
    lint: fn(&LintContext) -> Vec<Diagnostic>,
) -> Vec<(usize, String, String, Vec<String>)> {
    let loaded = crate::loader::load_sources(&[("t.omni", src)]).expect("sources in memory load");
    let resolved = crate::resolve::resolve(&loaded);
    let errors: Vec<_> = (loaded.diagnostics.iter())
        .chain(&resolved.diagnostics)
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "front end errors: {errors:#?}");
    let a = Front {
        program: resolved.program,
        sources: loaded.sources,
        roots: loaded.roots,
    };
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

/// What the lints read of the front end's results.
struct Front {
    program: crate::model::Program,
    sources: crate::source::SourceMap,
    roots: Vec<crate::source::FileId>,
}
