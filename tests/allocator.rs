//! The allocator options the `omnis` binary sets (`src/main.rs`): set by
//! option number, before the first allocation, unless the environment
//! sets them. Checked by name, as mimalloc prints its options on start
//! with `MIMALLOC_VERBOSE=1`: a libmimalloc-sys with another numbering
//! would set other options and fail here.

#![cfg(not(feature = "system-alloc"))]

use std::process::Command;

/// The value mimalloc reports for each option of `names`, running
/// `omnis --version` with `env`.
fn options(env: &[(&str, &str)], names: &[&str]) -> Vec<String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_omnis"));
    cmd.arg("--version").env("MIMALLOC_VERBOSE", "1");
    for name in names {
        cmd.env_remove(format!("MIMALLOC_{}", name.to_uppercase()));
    }
    let out = cmd.envs(env.iter().copied()).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    names
        .iter()
        .map(|name| {
            let prefix = format!("option '{name}': ");
            let line = err.lines().find_map(|l| l.strip_prefix(&prefix));
            line.unwrap_or_else(|| panic!("no option {name} in:\n{err}"))
                .trim()
                .to_string()
        })
        .collect()
}

const SET: [&str; 2] = ["arena_eager_commit", "purge_delay"];

#[test]
fn arenas_are_committed_on_use_and_freed_pages_returned_at_once() {
    assert_eq!(options(&[], &SET), ["0", "0"]);
}

#[test]
fn the_environment_wins() {
    let env = [
        ("MIMALLOC_ARENA_EAGER_COMMIT", "2"),
        ("MIMALLOC_PURGE_DELAY", "10"),
    ];
    assert_eq!(options(&env, &SET), ["2", "10"]);
}
