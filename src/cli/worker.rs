//! `omnis worker ...`: runs the Temporal runner, `omnis-worker` (its own
//! crate, so that the compiler does not build the Temporal SDK), as git
//! and cargo run their external subcommands: the executable next to
//! `omnis`, else the first on the `PATH`, with the arguments after
//! `worker`. See docs/runner.md.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::EXIT_FAILURE;

const NAME: &str = "omnis-worker";

/// Where `omnis-worker` is: beside this executable, else on the `PATH`.
fn find() -> Option<PathBuf> {
    let exe_name = format!("{NAME}{}", std::env::consts::EXE_SUFFIX);
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join(&exe_name)));
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|d| d.join(&exe_name));
    beside.into_iter().chain(on_path).find(|p| is_file(p))
}

fn is_file(p: &Path) -> bool {
    p.metadata().is_ok_and(|m| m.is_file())
}

/// Runs `omnis-worker` with `args`; returns its exit code (on Unix it
/// replaces this process, so it gets the signals, and this returns only
/// when it cannot start).
pub fn worker(args: Vec<OsString>) -> i32 {
    let Some(exe) = find() else {
        eprintln!(
            "error: `omnis worker` runs the Temporal runner, `{NAME}`, which is not installed \
             (looked beside this `omnis` and on the PATH)\n  \
             help: install it with `cargo install --path crates/{NAME}` (it needs `protoc`); \
             see docs/runner.md"
        );
        return EXIT_FAILURE;
    };
    let mut command = std::process::Command::new(&exe);
    command.args(&args);
    #[cfg(unix)]
    let error = {
        use std::os::unix::process::CommandExt;
        command.exec()
    };
    #[cfg(not(unix))]
    let error = match command.status() {
        Ok(status) => return status.code().unwrap_or(EXIT_FAILURE),
        Err(e) => e,
    };
    eprintln!("error: running {}: {error}", exe.display());
    EXIT_FAILURE
}
