//! `omnis build` against `omnis check` on a workspace of 2,000 campaign
//! files sharing one vocabulary: the cost of writing the plans (serialize,
//! temporary files, one sync, renames, the manifest) on top of the
//! analysis. Issue 9 (16c) asks `build` to stay within 1.5x `check`.
//!
//! - `check`: load, resolve, lower and lint (what `omnis check` does).
//! - `build/fresh folder`: `check`, then every plan written to an empty
//!   folder (the first build, and every CI build).
//! - `build/unchanged folder`: `check`, then a folder that already holds
//!   the same plans (a rebuild: nothing is rewritten or synced).
//!
//! `OMNIS_BENCH_WRITE=DIR cargo bench --bench build` writes the projects
//! to `DIR` instead (`stress`: this one; `apart`: campaigns that seldom
//! meet, where `check` has little to report), for `benches/build.sh`, which
//! times the release binary on them: the ratios as a user sees them, with
//! the process start and the folder's sync included.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};

use criterion::{criterion_group, BatchSize, Criterion};
use omnis::build::PlanFormat;
use omnis::driver::{analyze, Options};

#[path = "common/workspace.rs"]
mod workspace;

fn corpus(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("src");
    workspace::write(&root, n);
    (dir, root)
}

fn check(root: &Path) -> omnis::driver::Analysis {
    analyze(&Options {
        paths: vec![root.to_path_buf()],
    })
    .unwrap()
}

fn build(root: &Path, out: &Path) {
    let analysis = check(root);
    let written = omnis::build::build(&analysis, out, PlanFormat::Json).unwrap();
    assert_eq!(written.plans(), 2_000);
}

fn bench(c: &mut Criterion) {
    let (dir, root) = corpus(2_000);
    assert!(!check(&root).has_errors());
    let mut g = c.benchmark_group("build");
    g.sample_size(10);
    g.bench_function("check 2000 files", |b| b.iter(|| check(&root)));
    g.bench_function("build 2000 files, fresh folder", |b| {
        b.iter_batched(
            || tempfile::tempdir_in(dir.path()).unwrap(),
            |out| {
                build(&root, out.path());
                out
            },
            BatchSize::PerIteration,
        )
    });
    let out = dir.path().join("plans");
    build(&root, &out);
    g.bench_function("build 2000 files, unchanged folder", |b| {
        b.iter(|| build(&root, &out))
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    if let Some(dir) = std::env::var_os("OMNIS_BENCH_WRITE") {
        let dir = Path::new(&dir);
        workspace::write(&dir.join("stress"), 2_000);
        workspace::write_apart(&dir.join("apart"), 2_000);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
