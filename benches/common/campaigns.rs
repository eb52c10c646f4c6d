//! The large campaigns `benches/check.rs` times and `benches/memory.rs`
//! weighs: a chain of steps, and `if`/`else` diamonds in a row, each of
//! 20,000 and 200,000 steps. Every message is sent once and every
//! engagement check follows its send, so nothing is reported: what is
//! measured is the pipeline, not the rendering of findings. (The analyses
//! still track every message: engagement checks, limits, quiet hours.)

use std::fmt::Write;

const VOCAB: &str = r#"
profile { email_opt_in: bool  sms_opt_in: bool  vip: bool  country: text }
event signup { source: text }
event order { total: number }
event unsubscribed { channel: text }
channel email { consent email_opt_in  quiet_hours 21:00 to 08:00  limit 3 per 1d }
channel sms { consent sms_opt_in  quiet_hours 21:00 to 08:00  limit 1 per 1d }
"#;

/// About `steps` steps, six at a time: a wait, a send, an `if` with a send
/// on one side and a wait on the other, and a `wait for` an open of the
/// message just sent.
pub fn chain(steps: usize) -> String {
    let mut decls = String::from(VOCAB);
    let mut journey = String::new();
    for i in 0..steps.div_ceil(6) {
        writeln!(decls, "message m{i} {{ channel email  template \"m{i}\" }}").unwrap();
        writeln!(decls, "message n{i} {{ channel sms  template \"n{i}\" }}").unwrap();
        writeln!(journey, "    wait 2d").unwrap();
        writeln!(journey, "    send m{i}").unwrap();
        writeln!(journey, "    if vip {{ send n{i} }} else {{ wait 1h }}").unwrap();
        writeln!(
            journey,
            "    wait for opened m{i} within 1d otherwise {{ wait 2h }}"
        )
        .unwrap();
    }
    format!("{decls}campaign chain {{\n  trigger signup\n  goal order\n  exit when unsubscribed\n  journey {{\n{journey}  }}\n}}\n")
}

/// About `steps` steps, six at a time: an `if`/`else` sending one message
/// or the other, an `if` with a wait, and a wait.
pub fn diamonds(steps: usize) -> String {
    let mut decls = String::from(VOCAB);
    let mut journey = String::new();
    for i in 0..steps.div_ceil(6) {
        writeln!(decls, "message a{i} {{ channel email  template \"a{i}\" }}").unwrap();
        writeln!(decls, "message b{i} {{ channel sms  template \"b{i}\" }}").unwrap();
        writeln!(journey, "    if vip {{ send a{i} }} else {{ send b{i} }}").unwrap();
        writeln!(journey, "    if country == \"lv\" {{ wait 1h }}").unwrap();
        writeln!(journey, "    wait 2d").unwrap();
    }
    format!("{decls}campaign diamonds {{\n  trigger signup\n  goal order\n  journey {{\n{journey}  }}\n}}\n")
}

/// The campaigns, by file name.
pub fn campaigns() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for steps in [20_000, 200_000] {
        out.push((format!("chain_{steps}.omni"), chain(steps)));
        out.push((format!("diamonds_{steps}.omni"), diamonds(steps)));
    }
    out
}
