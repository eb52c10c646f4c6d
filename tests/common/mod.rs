//! Helpers shared by the integration tests (`mod common;` in each): running
//! the `omnis` binary, reading what it printed, writing project files, git.
//! Not every test file uses every helper.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The crate root (where `Cargo.toml` is).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `omnis args…` in `cwd`, to adjust before running.
pub fn command(args: &[&str], cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_omnis"));
    c.args(args).current_dir(cwd);
    c
}

/// Runs `omnis args…` in `cwd`.
pub fn omnis(args: &[&str], cwd: &Path) -> Output {
    command(args, cwd).output().expect("run omnis")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output then standard error.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Writes `dir/name`, making the folders it needs.
pub fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// `git args…` in `dir`, with a fixed author and committer.
pub fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git")
}

/// The text of `path`; a failure names the path.
#[track_caller]
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The bytes of `path`; a failure names the path.
#[track_caller]
pub fn read_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The entries of the folder `dir`, sorted; a failure names the folder.
#[track_caller]
pub fn read_dir(dir: &Path) -> Vec<std::path::PathBuf> {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut paths: Vec<_> = entries
        .map(|e| {
            e.unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
                .path()
        })
        .collect();
    paths.sort();
    paths
}
