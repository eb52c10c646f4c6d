//! Where the memory of `omnis check` goes on the large campaigns of
//! `benches/check.rs` (a chain and `if`/`else` diamonds of 20,000 and
//! 200,000 steps): the most bytes allocated at once during each stage
//! (load and parse, resolve, lower, lints) and what each stage leaves
//! behind, counted by an allocator that wraps the one the binary uses.
//! Counted bytes are deterministic (unlike the resident set, which
//! `benches/rss.sh` measures for the whole process: these figures plus the
//! allocator's own overhead and the binary).
//!
//! Run with `cargo bench --bench memory`.

use std::path::Path;

use omnis::lints::LintContext;

mod common {
    pub mod campaigns;
    pub mod counting;
}
use common::counting::{live, peak, reset_peak};

#[global_allocator]
static GLOBAL: common::counting::Counting<mimalloc::MiMalloc> =
    common::counting::Counting(mimalloc::MiMalloc);

const MB: f64 = 1e6;

/// Runs `f` and prints the most bytes live at once while it ran, and the
/// bytes live after it, both beyond what was live before the whole run.
fn stage<T>(name: &str, base: usize, f: impl FnOnce() -> T) -> T {
    reset_peak();
    let out = f();
    println!(
        "  {name:<8} peak {:>7.1} MB, then live {:>7.1} MB",
        (peak() - base) as f64 / MB,
        (live() - base) as f64 / MB
    );
    out
}

fn weigh(path: &Path) {
    let base = live();
    let loaded = stage("parse", base, || {
        omnis::loader::load(&[path.to_path_buf()]).unwrap()
    });
    assert!(loaded.diagnostics.is_empty());
    let resolved = stage("resolve", base, || omnis::resolve::resolve(&loaded));
    assert!(resolved.diagnostics.is_empty());
    let program = resolved.program;
    let journeys = stage("lower", base, || omnis::graph::lower_all(&program));
    // The analyses the lints share, one after the other as the first
    // lints ask for them (each stays until its last reader has run).
    {
        let cx = LintContext::new(&program, &journeys, &loaded.sources, &loaded.roots);
        let j = &journeys[0];
        stage("reach", base, || cx.reach(j).reached.len());
        stage("timing", base, || cx.timing(j).max_sends);
        stage("flow", base, || cx.flow(j).entry);
    }
    let found = stage("lints", base, || {
        let mut cx = LintContext::new(&program, &journeys, &loaded.sources, &loaded.roots);
        omnis::lints::run(&mut cx, &loaded.config.lints)
    });
    assert!(found.is_empty(), "{found:#?}");
    drop((loaded, program, journeys));
    reset_peak();
    let a = omnis::driver::analyze(&omnis::driver::Options {
        paths: vec![path.to_path_buf()],
    })
    .unwrap();
    assert!(a.diagnostics.is_empty());
    drop(a);
    println!(
        "  analyze  peak {:>7.1} MB (the whole of `check` but rendering)",
        (peak() - base) as f64 / MB
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a filter, when given, picks campaigns.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in common::campaigns::campaigns() {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let path = dir.path().join(&name);
        std::fs::write(&path, &text).unwrap();
        println!("{name} ({:.1} MB of source)", text.len() as f64 / MB);
        drop(text);
        weigh(&path);
    }
}
