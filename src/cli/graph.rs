//! `omnis graph`: journey diagrams (`crate::diagram`).

use std::path::PathBuf;

use super::{analyze_clean, no_sources, GraphFormat, Output, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};

pub(super) fn graph(
    paths: Vec<PathBuf>,
    campaign: Option<&str>,
    format: GraphFormat,
    allow_empty: bool,
    out: &mut Output,
) -> i32 {
    let analysis = match analyze_clean(paths.clone(), EXIT_FINDINGS, out) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if analysis.roots.is_empty() && !allow_empty {
        return no_sources(&paths);
    }
    let format = match format {
        GraphFormat::Mermaid => crate::diagram::Format::Mermaid,
        GraphFormat::Dot => crate::diagram::Format::Dot,
    };
    match crate::diagram::render(&analysis, campaign, format) {
        Ok(text) => {
            if text.is_empty() && !out.quiet() {
                eprintln!("note: no campaigns in the named files");
            }
            let _ = out.data().write_all(text.as_bytes());
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILURE
        }
    }
}
