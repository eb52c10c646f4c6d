//! `omnis build`: plans and the manifest to the output folder.

use std::path::PathBuf;

use super::{
    analyze_for_output, no_sources, render_findings, Output, PlanFormatArg, EXIT_FAILURE, EXIT_OK,
};

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
        render_findings(&analysis, out);
        return no_sources(&paths);
    }
    let format = match format {
        PlanFormatArg::Json => crate::build::PlanFormat::Json,
        PlanFormatArg::Yaml => crate::build::PlanFormat::Yaml,
    };
    crate::memory::writing();
    // The warnings are rendered on a thread of their own while the plans
    // are written: rendering runs on one core, and writing leaves cores
    // idle (waiting for the disk, at the end). Nothing the build says
    // comes before them.
    let written = std::thread::scope(|s| {
        let render = std::thread::Builder::new()
            .name("omnis-render".into())
            .stack_size(8 << 20) // a main thread's, where it ran before
            .spawn_scoped(s, || render_findings(&analysis, out));
        if render.is_err() {
            render_findings(&analysis, out);
        }
        crate::build::build(&analysis, dir, format)
    });
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
