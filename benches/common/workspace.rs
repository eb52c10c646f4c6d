//! A generated workspace of small campaign files sharing one vocabulary,
//! for the benchmarks of whole projects (`build`, `workspace`).

use std::path::Path;

const VOCAB: &str = include_str!("../../campaigns/audience.omni");

/// One small campaign file (about 600 bytes).
pub fn campaign(i: usize) -> String {
    format!(
        r#"import "audience.omni"

message nudge_{i} {{ channel email  template "nudge-{i}" }}
message offer_{i} {{ channel email  template "offer"  vars {{ discount: {d} }} }}

campaign browse_{i} {{
  trigger cart_abandoned where cart_abandoned.value >= {v}
  audience emailable and not recent_buyers
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
        v = 10 + i % 90,
    )
}

/// Writes a project of the vocabulary and `n` campaign files into `root`.
pub fn write(root: &Path, n: usize) {
    std::fs::create_dir_all(root).unwrap();
    std::fs::write(root.join("omnis.toml"), "").unwrap();
    std::fs::write(root.join("audience.omni"), VOCAB).unwrap();
    for i in 0..n {
        std::fs::write(root.join(format!("c{i:05}.omni")), campaign(i)).unwrap();
    }
}
