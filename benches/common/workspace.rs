//! A generated workspace of small campaign files sharing one vocabulary,
//! for the benchmarks of whole projects (`build`, `workspace`).
//!
//! Two shapes: [`write`], the stress case, where every campaign starts on
//! the same trigger with the same audience and sends on one limited
//! channel, so every campaign collides with its neighbours (about four
//! project findings per campaign); and [`write_apart`], where campaigns
//! start on seven different events and their audiences are split by
//! country, so that few pairs can meet (a project of independent teams'
//! campaigns).

use std::path::Path;

const VOCAB: &str = include_str!("../../campaigns/audience.omni");

/// One small campaign file (about 600 bytes).
pub fn campaign(i: usize) -> String {
    let trigger = format!(
        "cart_abandoned where cart_abandoned.value >= {}",
        10 + i % 90
    );
    file(i, &trigger, "emailable and not recent_buyers")
}

/// One small campaign file of [`write_apart`]: on one of seven events,
/// for the people of one of 1,000 countries.
#[allow(dead_code)]
pub fn campaign_apart(i: usize) -> String {
    const EVENTS: [&str; 7] = [
        "product_viewed",
        "cart_abandoned",
        "order_placed",
        "newsletter_signup",
        "store_visit",
        "ad_clicked",
        "unsubscribed",
    ];
    let audience = format!("emailable and country == \"c{}\"", i % 1000);
    file(i, EVENTS[i % 7], &audience)
}

/// Campaign `i`'s file, with its trigger and audience.
fn file(i: usize, trigger: &str, audience: &str) -> String {
    format!(
        r#"import "audience.omni"

message nudge_{i} {{ channel email  template "nudge-{i}" }}
message offer_{i} {{ channel email  template "offer"  vars {{ discount: {d} }} }}

campaign browse_{i} {{
  trigger {trigger}
  audience {audience}
  reentry after 30d
  goal order_placed
  journey {{
    wait 2h
    send nudge_{i}
    wait for order_placed within 3d {{ }} otherwise {{
      send offer_{i}
    }}
  }}
}}
"#,
        d = 5 + i % 40,
    )
}

/// Writes a project of the vocabulary and `n` campaign files into `root`:
/// the stress case, every campaign colliding.
pub fn write(root: &Path, n: usize) {
    write_with(root, n, campaign)
}

/// Writes a project of the vocabulary and `n` campaign files into `root`
/// whose campaigns seldom meet.
#[allow(dead_code)]
pub fn write_apart(root: &Path, n: usize) {
    write_with(root, n, campaign_apart)
}

fn write_with(root: &Path, n: usize, campaign: fn(usize) -> String) {
    std::fs::create_dir_all(root).unwrap();
    std::fs::write(root.join("omnis.toml"), "").unwrap();
    std::fs::write(root.join("audience.omni"), VOCAB).unwrap();
    for i in 0..n {
        std::fs::write(root.join(format!("c{i:05}.omni")), campaign(i)).unwrap();
    }
}
