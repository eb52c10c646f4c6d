//! Journey graph and reachability at scale: lowering, timing,
//! reachability, `unreachable-step` and `instant-loop`.
//!
//! - `diamonds_60`: 60 `if/else` diamonds in a row (2^60 paths);
//! - `steps_20000`: a 20,000-step campaign mixing sends, waits, branches,
//!   splits, `wait for` and `repeat`.

// Measure with the allocator the `omnis` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use omnis::analysis::{reach, timing};
use omnis::graph::lower;
use omnis::graph::testkit::{on_event, ProgramBuilder};
use omnis::lints::{instant_loop, unreachable_step, LintContext};
use omnis::model::*;
use omnis::source::{SourceFile, SourceMap};

fn vocab(b: &mut ProgramBuilder) -> (AttrId, AttrId, EventId, [MessageId; 3]) {
    let x = b.attr("x", Type::Number);
    let plan = b.attr(
        "plan",
        Type::OneOf(vec!["free".into(), "pro".into(), "enterprise".into()]),
    );
    let ev = b.event("cart", &[("value", Type::Number)]);
    let push = b.channel("push", None);
    let email = b.channel("email", Some((21 * 60, 8 * 60)));
    let m = [
        b.message("a", push),
        b.message("b", email),
        b.message("c", push),
    ];
    (x, plan, ev, m)
}

fn diamonds(n: usize) -> Program {
    let mut b = ProgramBuilder::new();
    let (x, _, ev, m) = vocab(&mut b);
    let mut steps = Vec::new();
    for i in 0..n {
        let c = b.num(x, CmpOp::Gt, i as f64);
        let s1 = b.send(m[0]);
        let s2 = b.send(m[1]);
        steps.push(b.if_(vec![(c, vec![s1])], Some(vec![s2])));
    }
    b.campaign("diamonds", on_event(ev), steps);
    b.program
}

/// About `n` steps (counting nested ones).
fn big(n: usize) -> Program {
    let mut b = ProgramBuilder::new();
    let (x, plan, ev, m) = vocab(&mut b);
    let mut steps = Vec::new();
    let mut count = 0;
    let mut i = 0;
    while count < n {
        let k = i % 6;
        i += 1;
        match k {
            0 => {
                steps.push(b.send(m[0]));
                steps.push(b.wait(3600));
                count += 2;
            }
            1 => {
                let c1 = b.text(plan, CmpOp::Eq, "free");
                let c2 = b.num(x, CmpOp::Ge, (i % 100) as f64);
                let s1 = b.send(m[1]);
                let s2 = b.send(m[2]);
                let s3 = b.send(m[0]);
                steps.push(b.if_(vec![(c1, vec![s1]), (c2, vec![s2])], Some(vec![s3])));
                count += 4;
            }
            2 => {
                let s1 = b.send(m[0]);
                let s2 = b.send(m[2]);
                steps.push(b.split(vec![(50, Some("a"), vec![s1]), (50, Some("b"), vec![s2])]));
                count += 3;
            }
            3 => {
                let s1 = b.send(m[2]);
                let s2 = b.send(m[1]);
                steps.push(b.wait_for(
                    WaitOn::Opened(m[0]),
                    86_400,
                    Some(vec![s1]),
                    Some(vec![s2]),
                ));
                count += 3;
            }
            4 => {
                let w = b.wait(600);
                let s = b.send(m[2]);
                steps.push(b.repeat(2, vec![w, s]));
                count += 3;
            }
            _ => {
                let c = b.opened(m[1]);
                let inner = b.num(x, CmpOp::Lt, 3.0);
                let s1 = b.send(m[0]);
                let nested = b.if_(vec![(inner, vec![s1])], None);
                steps.push(b.if_(vec![(c, vec![nested])], None));
                count += 3;
            }
        }
    }
    b.campaign("big", on_event(ev), steps);
    b.program
}

/// A source map with one blank file long enough for every built span.
fn sources(p: &Program) -> SourceMap {
    let mut max = 0;
    fn walk(b: &Block, max: &mut u32) {
        *max = (*max).max(b.loc.span.end);
        for s in &b.steps {
            *max = (*max).max(s.loc.span.end);
        }
    }
    for c in &p.campaigns {
        walk(&c.journey, &mut max);
    }
    let mut sm = SourceMap::new();
    let len = max as usize * 4 + 1_000_000;
    sm.add(SourceFile::new(
        "t.omni".into(),
        "t.omni".into(),
        " ".repeat(len),
    ));
    sm
}

fn all(p: &Program, sm: &SourceMap) -> usize {
    let journeys = vec![lower(p, CampaignId(0))];
    let r = reach::analyze(p, &journeys[0]);
    let t = timing::analyze_live(p, &journeys[0], &|e| r.is_live(e));
    let cx = LintContext::new(p, &journeys, sm, &[]);
    let d = unreachable_step::check(&cx).len() + instant_loop::check(&cx).len();
    d + t.nodes.len()
}

fn bench(c: &mut Criterion) {
    let d = diamonds(60);
    let dsm = sources(&d);
    c.bench_function("diamonds_60", |b| b.iter(|| black_box(all(&d, &dsm))));
    let p = big(20_000);
    let psm = sources(&p);
    let mut g = c.benchmark_group("big");
    g.sample_size(20);
    g.bench_function("steps_20000", |b| b.iter(|| black_box(all(&p, &psm))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
