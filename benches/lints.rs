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

use std::fmt::Write;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};

use omnis::config::LintConfig;
use omnis::driver::{analyze, Analysis, Options};
use omnis::lints::{self, LintContext};

const VOCAB: &str = r#"
profile { email_opt_in: bool  sms_opt_in: bool  vip: bool  country: text }
event signup { source: text }
event order { total: number }
event unsubscribed { channel: text }
channel email { consent email_opt_in  quiet_hours 21:00 to 08:00  limit 3 per 1d }
channel sms { consent sms_opt_in  limit 1 per 1d }
"#;

/// 20,000 steps: 4,000 rounds of (wait, send, if/else with a send and a
/// wait, engagement check), over 500 messages on two channels.
fn long_campaign() -> String {
    let mut s = String::from(VOCAB);
    for i in 0..500 {
        let ch = if i % 5 == 0 { "sms" } else { "email" };
        writeln!(s, "message m{i} {{ channel {ch}  template \"t{i}\" }}").unwrap();
    }
    s.push_str("campaign long {\n  trigger signup\n  goal order\n  exit when unsubscribed\n  limit 5 per 7d\n  journey {\n");
    let mut steps = 0;
    let mut i = 0;
    while steps < 20_000 {
        let a = i % 500;
        let b = (i * 7 + 3) % 500;
        writeln!(s, "    wait 6h").unwrap();
        writeln!(s, "    send m{a}").unwrap();
        writeln!(s, "    if vip {{ send m{b} }} else {{ wait 1h }}").unwrap();
        writeln!(
            s,
            "    wait for opened m{a} within 1d otherwise {{ wait 2h }}"
        )
        .unwrap();
        steps += 6;
        i += 1;
    }
    s.push_str("  }\n}\n");
    s
}

/// 60 diamonds: `if` with a send on each side, then an engagement check of
/// one side, a wait, and a `goto` loop around the whole.
fn diamonds() -> String {
    let mut s = String::from(VOCAB);
    for i in 0..60 {
        writeln!(s, "message a{i} {{ channel email  template \"a{i}\" }}").unwrap();
        writeln!(s, "message b{i} {{ channel sms  template \"b{i}\" }}").unwrap();
    }
    s.push_str("campaign diamonds {\n  trigger signup\n  goal order\n  limit 4 per 3d\n  journey {\n    step top {\n");
    for i in 0..60 {
        writeln!(s, "      if vip {{ send a{i} }} else {{ send b{i} }}").unwrap();
        writeln!(s, "      if clicked a{i} {{ wait 1h }}").unwrap();
        writeln!(s, "      wait 12h").unwrap();
    }
    s.push_str("    }\n    goto top\n  }\n}\n");
    s
}

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
        let cx = LintContext::new(&a.program, &a.journeys, &a.sources, &a.roots);
        let config = LintConfig::default();
        let found = lints::run(&cx, &config);
        eprintln!("{name}: {nodes} graph nodes, {} findings", found.len());
        let mut group = c.benchmark_group(name.trim_end_matches(".omni"));
        group.sample_size(10);
        group.bench_function("all lints", |b| b.iter(|| lints::run(&cx, &config)));
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
