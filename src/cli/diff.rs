//! `omnis diff`: what changed, in review terms (`crate::diff`).

use std::path::PathBuf;

use super::{print_errors, DiffFormat, Output, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};

pub(super) fn diff(
    paths: Vec<PathBuf>,
    git: Option<&str>,
    format: DiffFormat,
    out: &mut Output,
) -> i32 {
    use crate::diff::{self, DiffError};
    let report = match (git, paths.as_slice()) {
        (Some(rev), paths) => diff::diff_git(rev, paths),
        (None, [old, new]) => diff::diff_paths(old, new),
        (None, _) => Err(DiffError::Usage(
            "omnis diff takes OLD and NEW (two files or two folders), or --git REV [PATH...]"
                .into(),
        )),
    };
    let report = match report {
        Ok(r) => r,
        Err(DiffError::Sources { side, analysis }) => {
            eprintln!("error: {side}: the campaigns have errors; fix them to compare");
            print_errors(&analysis, out);
            return EXIT_FAILURE;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let format = match format {
        DiffFormat::Human => diff::Format::Human,
        DiffFormat::Markdown => diff::Format::Markdown,
        DiffFormat::Json => diff::Format::Json,
    };
    let _ = out
        .data()
        .write_all(diff::render(&report, format).as_bytes());
    if report.changed {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}
