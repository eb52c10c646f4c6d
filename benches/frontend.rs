//! Front-end throughput: load, parse and resolve a generated corpus of
//! 2,000 campaign files sharing one vocabulary file (the shape of a real
//! campaign repository). Reports bytes of source per second, for the front
//! end alone (`frontend/...`) and for the whole of `omnis check`
//! (`check/...`: front end, journey graphs and every lint).
//!
//! The loader parses files on every core; run with `taskset -c 0` to see
//! the throughput of one core.
//!
//! `fmt-check/...` times `omnis fmt --check` on a formatted copy of the
//! corpus beside `omnis check` on that copy: the ratio of the two is the
//! cost of checking the layout in CI.

// Measure with the allocator the `omnis` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io;
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use omnis::driver::{analyze, Options};
use omnis::{loader, resolve};

mod common {
    pub mod corpus;
}
use common::corpus::{campaign, corpus, corpus_of};

fn bench(c: &mut Criterion) {
    let (_dir, root, bytes) = corpus(2_000);
    // Sanity: the corpus is valid.
    let a = analyze(&Options {
        paths: vec![root.clone()],
    })
    .unwrap();
    assert!(!a.has_errors(), "{:?}", &a.diagnostics[..1]);
    let mut g = c.benchmark_group("frontend");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    // Freeing the ASTs and the model afterwards is not front-end work: it is
    // left out of the timing, after each iteration so that memory is reused
    // as in a real run. The `check` group below times everything.
    g.bench_function("2000 files + vocabulary", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let loaded = loader::load(std::slice::from_ref(&root)).unwrap();
                let resolved = resolve::resolve(&loaded);
                total += start.elapsed();
                drop(black_box((loaded, resolved)));
            }
            total
        })
    });
    g.finish();
    let mut g = c.benchmark_group("check");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("2000 files + vocabulary", |b| {
        b.iter(|| {
            analyze(&Options {
                paths: vec![root.clone()],
            })
            .unwrap()
        })
    });
    g.finish();

    // `fmt --check` on a formatted project beside `check` on the same
    // project (issue 9, item 16d: at most 1.2x). A formatted file is parsed
    // once and printed once; it is not parsed again to verify the output.
    let (_fdir, froot, fbytes) = corpus_of(2_000, |i| {
        omnis::fmt::format_source(&campaign(i)).expect("the corpus formats")
    });
    let fmt_check = omnis::fmt::files::Options {
        paths: vec![froot.clone()],
        check: true,
        diff: false,
    };
    let human = omnis::render::HumanOptions {
        color: false,
        width: 100,
        summary: true,
    };
    let o = omnis::fmt::files::run(&fmt_check, &human, &mut io::sink(), &mut io::sink());
    assert_eq!(
        (o.exit_code(), o.files),
        (0, 2_001),
        "the corpus is formatted"
    );
    let mut g = c.benchmark_group("fmt-check");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(fbytes));
    g.bench_function("check 2000 formatted files", |b| {
        b.iter(|| {
            analyze(&Options {
                paths: vec![froot.clone()],
            })
            .unwrap()
        })
    });
    g.bench_function("fmt --check 2000 formatted files", |b| {
        b.iter(|| omnis::fmt::files::run(&fmt_check, &human, &mut io::sink(), &mut io::sink()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
