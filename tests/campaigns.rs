//! Every campaign we ship checks with no diagnostics at all: no errors and
//! no warnings. (The shared examples beside the repository are checked by
//! `.ci/run`: a clone has only `campaigns/`.)

use std::path::Path;

use omnis::driver::{analyze, Options};

fn assert_clean(dir: &Path) {
    let analysis = analyze(&Options {
        paths: vec![dir.to_path_buf()],
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let shown: Vec<String> = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let f = analysis.sources.get(d.file);
            let lc = f.line_col(d.span.start as usize);
            format!(
                "{}:{}:{}: {}: {}",
                f.name, lc.line, lc.column, d.code, d.message
            )
        })
        .collect();
    assert!(shown.is_empty(), "{}:\n{}", dir.display(), shown.join("\n"));
    assert!(
        analysis.roots.len() >= 8,
        "{} files found",
        analysis.roots.len()
    );
    assert!(!analysis.program.campaigns.is_empty());
}

#[test]
fn campaigns_check_clean() {
    assert_clean(&Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns"));
}
