//! `omnis check` on a whole workspace: 20,000 small campaign files sharing
//! one vocabulary (issue 9, item 16b: under 1 s and 300 MB on 2 cores).
//! Parsing, lowering and the lints of groups of campaigns run on every
//! core; resolve runs on one.
//!
//! Run with `cargo bench --bench workspace`. Criterion measures time; for
//! memory, `benches/rss.sh` writes the same workspace
//! (`OMNIS_BENCH_WRITE=DIR cargo bench --bench workspace` writes it to
//! `DIR` instead of benchmarking) and runs the release binary on it under
//! `/usr/bin/time`, which reports the maximum resident set.

// Measure with the allocator the `omnis` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;

use criterion::{criterion_group, Criterion};
use omnis::driver::{analyze, Options};

#[path = "common/workspace.rs"]
mod workspace;

/// The number of campaign files.
const FILES: usize = 20_000;

/// Writes the workspace into `root`.
fn write(root: &Path) {
    workspace::write(root, FILES);
}

fn check(root: &Path) -> usize {
    let a = analyze(&Options {
        paths: vec![root.to_path_buf()],
    })
    .unwrap();
    assert!(!a.has_errors(), "{:?}", &a.diagnostics[..1]);
    a.journeys.len()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("workspace");
    write(&root);
    assert_eq!(check(&root), FILES);
    let mut g = c.benchmark_group("workspace");
    g.sample_size(10);
    g.bench_function("check 20000 files", |b| b.iter(|| check(&root)));
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    if let Some(dir) = std::env::var_os("OMNIS_BENCH_WRITE") {
        write(&Path::new(&dir).join("workspace"));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
