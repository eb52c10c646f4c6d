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

use std::alloc::{GlobalAlloc, Layout};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use omnis::lints::LintContext;

mod common {
    pub mod campaigns;
}

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static INNER: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = NOW.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        INNER.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        NOW.fetch_sub(l.size(), Relaxed);
        INNER.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, size: usize) -> *mut u8 {
        let now = NOW.fetch_add(size, Relaxed) + size;
        PEAK.fetch_max(now, Relaxed);
        NOW.fetch_sub(l.size(), Relaxed);
        INNER.realloc(p, l, size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const MB: f64 = 1e6;

/// Runs `f` and prints the most bytes live at once while it ran, and the
/// bytes live after it, both beyond what was live before the whole run.
fn stage<T>(name: &str, base: usize, f: impl FnOnce() -> T) -> T {
    PEAK.store(NOW.load(Relaxed), Relaxed);
    let out = f();
    let peak = PEAK.load(Relaxed) - base;
    let live = NOW.load(Relaxed) - base;
    println!(
        "  {name:<8} peak {:>7.1} MB, then live {:>7.1} MB",
        peak as f64 / MB,
        live as f64 / MB
    );
    out
}

fn weigh(path: &Path) {
    let base = NOW.load(Relaxed);
    let loaded = stage("parse", base, || {
        omnis::loader::load(&[path.to_path_buf()]).unwrap()
    });
    assert!(loaded.diagnostics.is_empty());
    let resolved = stage("resolve", base, || omnis::resolve::resolve(&loaded));
    assert!(resolved.diagnostics.is_empty());
    let program = resolved.program;
    let journeys = stage("lower", base, || omnis::graph::lower_all(&program));
    let found = stage("lints", base, || {
        let cx = LintContext::new(&program, &journeys, &loaded.sources, &loaded.roots);
        omnis::lints::run(&cx, &loaded.config.lints)
    });
    assert!(found.is_empty(), "{found:#?}");
    drop((loaded, program, journeys));
    PEAK.store(NOW.load(Relaxed), Relaxed);
    let a = omnis::driver::analyze(&omnis::driver::Options {
        paths: vec![path.to_path_buf()],
    })
    .unwrap();
    assert!(a.diagnostics.is_empty());
    drop(a);
    println!(
        "  analyze  peak {:>7.1} MB (the whole of `check` but rendering)",
        (PEAK.load(Relaxed) - base) as f64 / MB
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
