//! Front-end throughput: load, parse and resolve a generated corpus of
//! 2,000 campaign files sharing one vocabulary file (the shape of a real
//! campaign repository). Reports bytes of source per second, for the front
//! end alone (`frontend/...`) and for the whole of `omnis check`
//! (`check/...`: front end, journey graphs and every lint).
//!
//! The loader parses files on every core; run with `taskset -c 0` to see
//! the throughput of one core.

// Measure with the allocator the `omnis` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::write(root.join("omnis.toml"), "").unwrap();
    std::fs::write(root.join("audience.omni"), VOCAB).unwrap();
    let mut bytes = VOCAB.len() as u64;
    for i in 0..n {
        let text = campaign(i);
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
