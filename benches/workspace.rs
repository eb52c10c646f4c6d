//! `omnis check` on a whole workspace: 20,000 small campaign files sharing
//! one vocabulary (issue 9, item 16b: under 1 s and 300 MB on 2 cores).
//! Parsing, resolve's pass 2 (runs of files apart), lowering, the lints of
//! groups of campaigns, the project stage (alongside them), sorting the
//! findings and rendering run on every core; walking, following imports
//! and resolve's pass 1 run on one (`docs/architecture.md` has the split
//! and the figures: about 7.6% of the instructions on one thread).
//!
//! Two workspaces (`common/workspace.rs`): the stress case, where every
//! campaign collides with the others (about 80,000 project findings), and
//! one whose campaigns start on seven events with audiences split by
//! country, so few meet, also at 20,000 files: the project lints split
//! each group by the countries the audiences pin before pairing
//! (`project::Candidates`), so its time grows near linearly.
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

/// The number of campaign files of the workspace whose campaigns seldom
/// meet.
const FILES_APART: usize = 20_000;

/// Writes the workspaces into `dir`: `workspace` (the stress case) and
/// `apart`.
fn write(dir: &Path) {
    workspace::write(&dir.join("workspace"), FILES);
    workspace::write_apart(&dir.join("apart"), FILES_APART);
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
    write(dir.path());
    let (root, apart) = (dir.path().join("workspace"), dir.path().join("apart"));
    assert_eq!(check(&root), FILES);
    assert_eq!(check(&apart), FILES_APART);
    let mut g = c.benchmark_group("workspace");
    g.sample_size(10);
    g.bench_function("check 20000 files", |b| b.iter(|| check(&root)));
    g.bench_function("check 20000 files, campaigns apart", |b| {
        b.iter(|| check(&apart))
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    if let Some(dir) = std::env::var_os("OMNIS_BENCH_WRITE") {
        write(Path::new(&dir));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
