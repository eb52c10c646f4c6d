//! `omnis check` end to end (load, parse, resolve, lower, every lint) on
//! one large campaign: a chain of steps, and `if`/`else` diamonds in a row,
//! each of 20,000 and 200,000 steps. Every message is sent once and every
//! engagement check follows its send, so nothing is reported: what is
//! measured is the pipeline, not the rendering of findings. (The analyses
//! still track every message: engagement checks, limits, quiet hours.)
//!
//! Run with `cargo bench --bench check`. Criterion measures time; for
//! memory, `benches/rss.sh` writes the same campaigns
//! (`OMNIS_BENCH_WRITE=DIR cargo bench --bench check` writes them to `DIR`
//! instead of benchmarking) and runs the release binary on each under
//! `/usr/bin/time`, which reports the maximum resident set.

// Measure with the allocator the `omnis` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;

use criterion::{criterion_group, Criterion};

use omnis::driver::{analyze, Options};

mod common {
    pub mod campaigns;
}
use common::campaigns::campaigns;

fn check(path: &Path) -> usize {
    let a = analyze(&Options {
        paths: vec![path.to_path_buf()],
    })
    .unwrap();
    assert!(a.diagnostics.is_empty(), "{:#?}", &a.diagnostics[..1]);
    a.journeys[0].graph.node_count()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    for (name, text) in campaigns() {
        let path = dir.path().join(&name);
        std::fs::write(&path, text).unwrap();
        eprintln!("{name}: {} graph nodes", check(&path));
        group.bench_function(name.trim_end_matches(".omni"), |b| b.iter(|| check(&path)));
    }
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    if let Some(dir) = std::env::var_os("OMNIS_BENCH_WRITE") {
        for (name, text) in campaigns() {
            std::fs::write(Path::new(&dir).join(name), text).unwrap();
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
