//! `omnis init`: a new campaigns project.

use std::io::Write;

use super::{EXIT_FAILURE, EXIT_OK};

pub(super) fn init(dir: &std::path::Path, out: &mut dyn Write) -> i32 {
    match crate::init::init(dir) {
        Ok(written) => {
            for p in &written {
                let _ = writeln!(out, "created {}", p.display());
            }
            let _ = writeln!(
                out,
                "next: `omnis check {0}`, `omnis graph {0}`; for CI, set the repository \
                 variable OMNIS_GIT (see {1})",
                dir.display(),
                crate::init::WORKFLOW_PATH
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILURE
        }
    }
}
