//! `omnis fmt`: files in place, or standard input to standard output.

use std::path::PathBuf;

use super::{no_sources, Output, EXIT_FAILURE};

/// `omnis fmt`: files in place, or standard input to standard output.
pub(super) fn fmt(
    paths: Vec<PathBuf>,
    check: bool,
    diff: bool,
    stdin_filename: Option<String>,
    allow_empty: bool,
    out: &mut Output,
) -> i32 {
    use crate::fmt::files;
    let stdin = stdin_filename.is_some() || paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && paths.iter().any(|p| p.as_os_str() != "-") {
        eprintln!("error: `-` (standard input) cannot be formatted together with paths");
        return EXIT_FAILURE;
    }
    let opts = files::Options { paths, check, diff };
    // Diagnostics go to stderr, the file list, diff or text to stdout.
    let human = out.human(true);
    let err = &mut std::io::stderr();
    if stdin {
        let name = stdin_filename.unwrap_or_else(|| "<stdin>".into());
        let input = &mut std::io::stdin().lock();
        return files::run_stdin(input, &name, &opts, &human, out.data(), err).exit_code();
    }
    let outcome = files::run(&opts, &human, out.data(), err);
    if outcome.files == 0 && outcome.failures == 0 && !allow_empty {
        return no_sources(&opts.paths);
    }
    outcome.exit_code()
}
