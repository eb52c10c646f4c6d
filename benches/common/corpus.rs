//! The inputs of the front-end and lint benchmarks, shared by their
//! criterion benches (`benches/frontend.rs`, `benches/lints.rs`) and the
//! instruction-count driver (`benches/icount.rs`), so that both measure the
//! same work.
//!
//! - [`corpus`]: 2,000 campaign files sharing one vocabulary file (the shape
//!   of a real campaign repository), written to a temporary folder;
//! - [`long_campaign`] and [`diamonds`]: a 20,000-step campaign, and 60
//!   if/else diamonds in a row (2^60 paths), for the lints.
#![allow(dead_code)]

use std::fmt::Write;
use std::path::PathBuf;

const AUDIENCE: &str = include_str!("../../campaigns/audience.omni");

pub fn campaign(i: usize) -> String {
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

pub fn corpus(n: usize) -> (tempfile::TempDir, PathBuf, u64) {
    corpus_of(n, campaign)
}

/// [`corpus`] with another vocabulary file (the instruction counts compare
/// two versions of the program on the same input).
pub fn corpus_with(n: usize, vocabulary: &str) -> (tempfile::TempDir, PathBuf, u64) {
    write_corpus(n, vocabulary, campaign)
}

/// A project of the vocabulary and `n` files `file(i)`.
pub fn corpus_of(n: usize, file: impl Fn(usize) -> String) -> (tempfile::TempDir, PathBuf, u64) {
    write_corpus(n, AUDIENCE, file)
}

fn write_corpus(
    n: usize,
    vocabulary: &str,
    file: impl Fn(usize) -> String,
) -> (tempfile::TempDir, PathBuf, u64) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::write(root.join("omnis.toml"), "").unwrap();
    std::fs::write(root.join("audience.omni"), vocabulary).unwrap();
    let mut bytes = vocabulary.len() as u64;
    for i in 0..n {
        let text = file(i);
        bytes += text.len() as u64;
        std::fs::write(root.join(format!("c{i:04}.omni")), text).unwrap();
    }
    (dir, root, bytes)
}

const LINTS_VOCAB: &str = r#"
profile { email_opt_in: bool  sms_opt_in: bool  vip: bool  country: text }
event signup { source: text }
event order { total: number }
event unsubscribed { channel: text }
channel email { consent email_opt_in  quiet_hours 21:00 to 08:00  limit 3 per 1d }
channel sms { consent sms_opt_in  limit 1 per 1d }
"#;

/// 20,000 steps: 4,000 rounds of (wait, send, if/else with a send and a
/// wait, engagement check), over 500 messages on two channels.
pub fn long_campaign() -> String {
    let mut s = String::from(LINTS_VOCAB);
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
pub fn diamonds() -> String {
    let mut s = String::from(LINTS_VOCAB);
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
