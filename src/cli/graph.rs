//! `omnis graph`: journey diagrams (`crate::diagram`).

use std::path::PathBuf;

use super::{analyze_clean, no_sources, GraphFormat, Output, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};

/// What `omnis graph` draws.
pub(super) enum What<'a> {
    /// Every campaign of the named files, one journey each.
    Every,
    /// One campaign's journey (`--campaign NAME`).
    Campaign(&'a str),
    /// How the campaigns relate (`--overview`).
    Overview,
}

pub(super) fn graph(
    paths: Vec<PathBuf>,
    what: What<'_>,
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
    let drawn = match what {
        What::Overview => Ok(crate::diagram::render_overview(&analysis, format)),
        What::Every => crate::diagram::render(&analysis, None, format),
        What::Campaign(name) => crate::diagram::render(&analysis, Some(name), format),
    };
    match drawn {
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
