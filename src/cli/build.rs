//! `omnis build`: plans and the manifest to the output folder.

use std::path::PathBuf;

use super::{analyze_for_output, no_sources, Output, PlanFormatArg, EXIT_FAILURE, EXIT_OK};

/// The flags of `omnis build` beyond paths, folder and format.
pub(super) struct BuildFlags {
    pub deny_warnings: bool,
    pub verbose: bool,
    pub allow_empty: bool,
}

pub(super) fn build(
    paths: Vec<PathBuf>,
    dir: &std::path::Path,
    format: PlanFormatArg,
    flags: BuildFlags,
    out: &mut Output,
) -> i32 {
    let analysis = match analyze_for_output(paths.clone(), flags.deny_warnings, out) {
        Ok(a) => a,
        Err(code) => {
            eprintln!("error: no plans were written");
            return code;
        }
    };
    if analysis.roots.is_empty() && !flags.allow_empty {
        return no_sources(&paths);
    }
    let format = match format {
        PlanFormatArg::Json => crate::build::PlanFormat::Json,
        PlanFormatArg::Yaml => crate::build::PlanFormat::Yaml,
    };
    let written = crate::build::build(&analysis, dir, format);
    // The process exits once the command returns (`main`): freeing the
    // analysis object by object would only delay the exit, on one core
    // (as `check` does).
    std::mem::forget(analysis);
    match written {
        Ok(w) => {
            let out = out.status();
            if flags.verbose {
                let lines = (w.written.iter().map(|p| ("wrote", p)))
                    .chain(w.unchanged.iter().map(|p| ("unchanged", p)))
                    .chain(w.removed.iter().map(|p| ("removed", p)));
                for (what, p) in lines {
                    let _ = writeln!(out, "{what} {}", p.display());
                }
            }
            let _ = writeln!(out, "{}", w.summary(dir));
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILURE
        }
    }
}
