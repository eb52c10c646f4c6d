//! Memory that used to grow faster than the input: counted in bytes by an
//! allocator that keeps the peak (deterministic, unlike timing). One test
//! in this binary, so nothing else allocates while it counts.
//!
//! - A file of simple segment declarations: parsing peaked at about 80
//!   times the source (pest's token queue for the whole file).
//! - One campaign with a long journey: parsing peaked at about 60 times
//!   the source (pest's tokens for the whole declaration, and blocks of one
//!   step with room for four).
//! - A 20,000-step journey sending 6,668 messages, each checked for
//!   engagement: the dataflow lints and the reachability analysis kept a
//!   dense bitset of steps x messages (about 80 MB here, 10 GB at 200,000
//!   steps).
//! - The same journey: the reachability analysis and the timing, alive
//!   together from the first lint, took 638 bytes per step (a slot and an
//!   allocation per point for its states, bounds and costs per edge).

use std::alloc::System;
use std::fmt::Write;

#[path = "../benches/common/counting.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting<System> = counting::Counting(System);

/// The most bytes `f` has allocated at once (beyond what was allocated
/// before), and its result.
fn peak<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let base = counting::live();
    counting::reset_peak();
    let out = f();
    (counting::peak() - base, out)
}

const VOCAB: &str = r#"
profile { email_opt_in: bool  sms_opt_in: bool  vip: bool  country: text  age: number }
event signup { source: text }
event order { total: number }
channel email { consent email_opt_in  quiet_hours 21:00 to 08:00 }
channel sms { consent sms_opt_in  quiet_hours 21:00 to 08:00 }
"#;

#[test]
fn memory_stays_proportional_to_the_input() {
    // 1 MB of segment declarations.
    let mut segments = String::from(VOCAB);
    let mut i = 0;
    while segments.len() < 1 << 20 {
        writeln!(
            segments,
            "segment s{i} = vip and country == \"lv\" and age > {}",
            i % 90
        )
        .unwrap();
        i += 1;
    }
    let (bytes, (file, diags)) =
        peak(|| omnis::syntax::parse_file(omnis::source::FileId(0), &segments));
    assert!(diags.is_empty() && file.items.len() > 18_000);
    drop(file);
    let ratio = bytes / segments.len();
    assert!(ratio < 40, "parsing took {ratio} times the source");

    // One campaign of 1 MB: read piece by piece, its tree kept compact.
    let mut campaign = String::from("campaign c {\n  trigger signup\n  journey {\n");
    let mut i = 0;
    while campaign.len() < 1 << 20 {
        writeln!(
            campaign,
            "    wait 2d\n    if vip {{ send m{i} }} else {{ wait 1h }}\n    wait for opened m{i} within 1d otherwise {{ wait 2h }}"
        )
        .unwrap();
        i += 1;
    }
    campaign.push_str("  }\n}\n");
    let (bytes, (file, diags)) =
        peak(|| omnis::syntax::parse_file(omnis::source::FileId(0), &campaign));
    assert!(diags.is_empty() && file.items.len() == 1, "{diags:#?}");
    drop(file);
    let ratio = bytes / campaign.len();
    assert!(
        ratio < 25,
        "parsing a campaign took {ratio} times the source"
    );

    // A 20,000-step chain: each message sent once, then checked.
    let mut src = String::from(VOCAB);
    let mut journey = String::new();
    for i in 0..3334 {
        writeln!(src, "message m{i} {{ channel email  template \"m{i}\" }}").unwrap();
        writeln!(src, "message n{i} {{ channel sms  template \"n{i}\" }}").unwrap();
        writeln!(
            journey,
            "    wait 2d\n    send m{i}\n    if vip {{ send n{i} }} else {{ wait 1h }}\n    wait for opened m{i} within 1d otherwise {{ wait 2h }}"
        )
        .unwrap();
    }
    write!(
        src,
        "campaign chain {{\n  trigger signup\n  goal order\n  journey {{\n{journey}  }}\n}}\n"
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.omni");
    std::fs::write(&path, &src).unwrap();
    let a = omnis::driver::analyze(&omnis::driver::Options { paths: vec![path] }).unwrap();
    assert!(a.diagnostics.is_empty(), "{:#?}", &a.diagnostics[..1]);
    let nodes = a.journeys[0].graph.node_count();
    assert!(nodes > 20_000);
    let (bytes, found) = peak(|| {
        let cx = omnis::lints::LintContext::new(&a.program, &a.journeys, &a.sources, &a.roots);
        let mut found = omnis::lints::repeated_message::check(&cx);
        found.extend(omnis::lints::engagement_before_send::check(&cx));
        found
    });
    assert!(found.is_empty());
    let per_node = bytes / nodes;
    assert!(
        per_node < 1024,
        "reachability and the dataflow lints took {per_node} bytes per step"
    );

    // The same chain: the reachability analysis and the timing every lint
    // about time reads, alive together from the first lint. Their states
    // laid out one after the other, their edge bounds and path costs
    // interned, they take 452 bytes per step at their peak (638 before)
    // (at 200,000 steps, what `check` holds most of).
    let cx = omnis::lints::LintContext::new(&a.program, &a.journeys, &a.sources, &a.roots);
    let j = &a.journeys[0];
    let (bytes, sends) = peak(|| {
        cx.reach(j);
        cx.timing(j).max_sends
    });
    assert_eq!(sends, Some(6668));
    let per_node = bytes / nodes;
    assert!(
        per_node < 480,
        "reachability and timing took {per_node} bytes per step"
    );
}
