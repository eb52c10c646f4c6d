//! `omnis check`: the report, in the format asked for, to the output.

use std::path::PathBuf;

use super::{no_sources, Output, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::driver::{self, Options};
use crate::render;

pub(super) fn check(
    paths: Vec<PathBuf>,
    format: render::Format,
    deny_warnings: bool,
    allow_empty: bool,
    out: &mut Output,
) -> i32 {
    let analysis = match driver::analyze_with(
        &Options {
            paths: paths.clone(),
        },
        deny_warnings,
    ) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    if analysis.roots.is_empty() && !allow_empty {
        return no_sources(&paths);
    }
    // `--deny warnings` and `omnis.toml` levels are applied by the driver.
    let diags = &analysis.diagnostics;
    let human = out.human(false);
    let _ = render::render(format, &analysis.sources, diags, &human, out.data());
    let code = if diags.iter().any(|d| d.is_error()) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    // The process exits once the command returns (`main`): freeing the
    // analysis object by object (a 20,000-file workspace holds millions)
    // would only delay the exit, on one core.
    std::mem::forget(analysis);
    code
}
