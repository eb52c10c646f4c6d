//! Lint throughput on large journeys: a 20,000-step campaign, and 60
//! if/else diamonds in a row (2^60 paths: only an analysis that never
//! enumerates paths finishes).
//!
//! The sources go through the whole front end once; what is measured is
//! `lints::run` (every lint, `@allow`s and levels) on the lowered journeys,
//! plus the three path-based lints on their own.
//!
//! Run with `cargo bench --bench lints`.

// Measure with the allocator the `omnis` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};

use omnis::config::LintConfig;
use omnis::driver::{analyze, Analysis, Options};
use omnis::lints::{self, LintContext};

mod common {
    pub mod corpus;
}
use common::corpus::{diamonds, long_campaign};

fn load(dir: &Path, name: &str, text: &str) -> Analysis {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let a = analyze(&Options { paths: vec![path] }).unwrap();
    assert!(
        !a.has_errors()
            || a.diagnostics
                .iter()
                .all(|d| d.code.info().is_some_and(|c| c.configurable)),
        "front-end errors: {:?}",
        a.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .take(3)
            .collect::<Vec<_>>()
    );
    a
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("long.omni", long_campaign()),
        ("diamonds.omni", diamonds()),
    ] {
        let a = load(dir.path(), name, &text);
        let nodes: usize = a.journeys.iter().map(|j| j.graph.node_count()).sum();
        let cx = || LintContext::new(&a.program, &a.journeys, &a.sources, &a.roots);
        let config = LintConfig::default();
        let found = lints::run(&mut cx(), &config);
        eprintln!("{name}: {nodes} graph nodes, {} findings", found.len());
        let mut group = c.benchmark_group(name.trim_end_matches(".omni"));
        group.sample_size(10);
        // A fresh context each time: `run` drops each analysis after its
        // last lint, so every run computes them.
        group.bench_function("all lints", |b| b.iter(|| lints::run(&mut cx(), &config)));
        let cx = cx();
        group.bench_function("repeated-message", |b| {
            b.iter(|| lints::repeated_message::check(&cx))
        });
        group.bench_function("frequency-cap", |b| {
            b.iter(|| lints::frequency_cap::check(&cx))
        });
        group.bench_function("engagement-before-send", |b| {
            b.iter(|| lints::engagement_before_send::check(&cx))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
