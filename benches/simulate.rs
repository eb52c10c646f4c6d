//! Throughput of the reference runner on the example campaigns with random
//! populations: person-steps (journey nodes executed) per second for
//! prepared people, and people per second for `--people N` (generated,
//! run and counted one at a time, which is what `omnis simulate --people`
//! does; its memory does not grow with N).
//!
//! `cargo bench --bench simulate` (release build; criterion's throughput
//! line reports elements/s on one core).

// Measure with the allocator the `omnis` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use omnis::driver::{analyze, Options};
use omnis::plan::emit::emit_all;
use omnis::simulate::{generate_people, Simulator};

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns");
    let analysis = analyze(&Options { paths: vec![dir] }).expect("examples load");
    assert!(!analysis.has_errors());
    let plans = emit_all(&analysis.program, &analysis.sources);
    let mut group = c.benchmark_group("simulate");
    for name in ["cart_recovery", "black_friday", "vip_welcome"] {
        let plan = plans.iter().find(|p| p.campaign == name).expect("example");
        let sim = Simulator::new(plan).expect("valid plan");
        let people = sim
            .prepare(&generate_people(plan, 10_000, 42))
            .expect("valid scenario");
        let steps: u64 = sim.run(&people).iter().map(|t| t.steps).sum();
        group.throughput(Throughput::Elements(steps));
        group.sample_size(10);
        group.bench_function(format!("{name}/10k people ({steps} steps)"), |b| {
            b.iter(|| sim.run(&people))
        });
    }
    group.finish();
    let mut group = c.benchmark_group("population");
    for name in ["cart_recovery", "black_friday"] {
        let plan = plans.iter().find(|p| p.campaign == name).expect("example");
        let sim = Simulator::new(plan).expect("valid plan");
        const N: u64 = 50_000;
        group.throughput(Throughput::Elements(N));
        group.sample_size(10);
        group.bench_function(format!("{name}/50k people streamed"), |b| {
            b.iter(|| sim.run_population(plan, N, 42, &mut |_| {}).expect("runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
