//! The project stage on 2,000 campaigns: the project lints
//! (`cross-campaign-repeat`, `competing-campaigns`) over every campaign
//! together. Campaigns share 20 triggers and 100 contents, so grouping by
//! trigger and content class (before any pairing) is what keeps it near
//! linear.
//!
//! Run with `cargo bench --bench project`.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fmt::Write;

use criterion::{criterion_group, criterion_main, Criterion};

use omnis::analysis::content::content_classes;
use omnis::driver::analyze_source;
use omnis::lints;
use omnis::project::ProjectContext;

/// `n` campaigns: trigger `e{i % 20}`, audience `tier == {i % 7}`, one
/// send of message `m{i % 100}`, priority `i % 3`.
fn project(n: usize) -> String {
    let mut s = String::from(
        "profile { tier: number  email_opt_in: bool }\nchannel email { consent email_opt_in  quiet_hours 21:00 to 08:00  limit 3 per 1d }\nevent done { x: number }\n",
    );
    for e in 0..20 {
        writeln!(s, "event e{e} {{ x: number }}").unwrap();
    }
    for m in 0..100 {
        writeln!(s, "message m{m} {{ channel email  template \"t{m}\" }}").unwrap();
    }
    for i in 0..n {
        writeln!(
            s,
            "campaign c{i} {{\n  trigger e{}\n  audience tier == {}\n  goal done\n  priority {}\n  journey {{\n    wait 1h\n    send m{}\n  }}\n}}",
            i % 20,
            i % 7,
            i % 3,
            i % 100
        )
        .unwrap();
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = project(2_000);
    let a = analyze_source(&text).expect("analyzes");
    assert!(!a.has_errors());
    assert_eq!(a.journeys.len(), 2_000);
    let classes = content_classes(&a.program);
    // The context normalises every campaign's conditions: part of the
    // stage, so it is built in every iteration.
    let run = || {
        let cx = ProjectContext::new(&a.program, &a.sources, &a.journeys, &classes);
        lints::run_project(&cx).len()
    };
    assert!(run() > 0);
    let mut g = c.benchmark_group("project");
    g.sample_size(10);
    g.bench_function("2000_campaigns", |b| b.iter(run));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
