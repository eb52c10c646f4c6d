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
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use omnis::driver::{analyze, Options};
use omnis::{loader, resolve};

const VOCAB: &str = include_str!("../campaigns/audience.omni");

fn campaign(i: usize) -> String {
    format!(
        r#"import "audience.omni"

// Campaign {i}: a cart recovery variant.
message reminder_{i} {{
  channel email
  template "cart-reminder-{i}"
  subject "{{{{ first_name | default: \"Hi\" }}}}, your cart is waiting ({i})"
}}

message coupon_{i} {{
  channel email
  template "cart-coupon"
  vars {{ discount: {d}, campaign: {i} }}
}}

message sms_{i} {{
  channel sms
  template "cart-sms-{i}"
}}

campaign cart_recovery_{i} {{
  description "Cart recovery variant {i}"
  trigger cart_abandoned where cart_abandoned.value >= {v}
  audience emailable and not recent_buyers and lifetime_value < {lv}
  reentry after 30d
  goal order_placed
  exit when unsubscribed
  limit 4 per 7d

  journey {{
    wait 1h
    send reminder_{i}
    wait 1d
    wait for clicked reminder_{i} within 2d {{
      send coupon_{i}
    }} otherwise {{
      if textable and country in ["LV", "LT", "EE"] {{
        send sms_{i}
      }} else if plan == "pro" {{
        split {{
          50% a {{ send coupon_{i} }}
          50% holdout {{ }}
        }}
      }}
    }}
  }}
}}
"#,
        d = 10 + i % 30,
        v = 10 + i % 50,
        lv = 100 + i,
    )
}

fn corpus(n: usize) -> (tempfile::TempDir, PathBuf, u64) {
    corpus_of(n, campaign)
}

/// A project of the vocabulary and `n` files `file(i)`.
fn corpus_of(n: usize, file: impl Fn(usize) -> String) -> (tempfile::TempDir, PathBuf, u64) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::write(root.join("omnis.toml"), "").unwrap();
    std::fs::write(root.join("audience.omni"), VOCAB).unwrap();
    let mut bytes = VOCAB.len() as u64;
    for i in 0..n {
        let text = file(i);
        bytes += text.len() as u64;
        std::fs::write(root.join(format!("c{i:04}.omni")), text).unwrap();
    }
    (dir, root, bytes)
}

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
