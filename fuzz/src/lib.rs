//! Shared code of the fuzz targets (see `docs/fuzzing.md`).
//!
//! - [`gen`]: a grammar-aware generator of `.omni` files.
//! - [`Workspace`]: runs the real pipeline (`omnis::driver::analyze`, as
//!   `omnis check` and `omnis build` do) on a text, written to a file in a
//!   private temporary folder.
//! - [`check_fmt_round_trip`]: the `fmt` guarantees, checked on one text.

pub mod gen;

use std::path::PathBuf;

use omnis::driver::{analyze, Analysis, Options};
use omnis::plan::Plan;

/// A private folder holding the one file the targets check. The file is
/// rewritten for every input; the folder is removed when the process ends
/// normally (libFuzzer exits through `exit`, so a crash leaves it behind in
/// the system's temporary folder).
pub struct Workspace {
    dir: PathBuf,
    file: PathBuf,
}

impl Workspace {
    pub fn new() -> Workspace {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("omnis-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzzing folder");
        // An `omnis.toml` makes the folder the project root: imports in the
        // input resolve inside it, and none may leave it.
        std::fs::write(dir.join("omnis.toml"), "").expect("write omnis.toml");
        let file = dir.join("fuzz.omni");
        Workspace { dir, file }
    }

    /// Checks `text` as `omnis check fuzz.omni` would.
    pub fn analyze(&self, text: &str) -> Analysis {
        std::fs::write(&self.file, text).expect("write the input");
        analyze(&Options {
            paths: vec![self.file.clone()],
        })
        .expect("the input file is readable")
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace::new()
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The plans `omnis build` writes for an analysis without errors, as JSON,
/// without what depends on the layout of the source: the file's hash and the
/// steps' lines and columns.
pub fn layout_free_plans(analysis: &Analysis) -> Vec<String> {
    omnis::build::plans(analysis)
        .into_iter()
        .map(|mut p: Plan| {
            p.source.sha256.clear();
            for n in &mut p.nodes {
                n.line = 0;
                n.column = 0;
            }
            p.to_json()
        })
        .collect()
}

/// The diagnostic codes of an analysis, sorted.
pub fn codes(analysis: &Analysis) -> Vec<String> {
    let mut v: Vec<String> = analysis
        .diagnostics
        .iter()
        .map(|d| d.code.to_string())
        .collect();
    v.sort();
    v
}

/// Checks what `omnis fmt` promises for a text that parses: the formatted
/// text parses, formatting it again changes nothing, and it means the same
/// (the same diagnostics, by code, and the same plans). `analysis` is the
/// analysis of `text` when the caller has it. Panics when a promise breaks.
pub fn check_fmt_round_trip(ws: &Workspace, text: &str, analysis: Option<Analysis>) {
    let formatted = match omnis::fmt::format_source(text) {
        Ok(f) => f,
        Err(diags) => {
            // Refusing a file is fine when the parser rejects it, never
            // because of the formatter's own checks.
            for d in &diags {
                assert_ne!(
                    d.code,
                    omnis::codes::Code::InternalError,
                    "fmt refused a file that parses: {}\n--- input ---\n{text}",
                    d.message
                );
            }
            return;
        }
    };
    let again = omnis::fmt::format_source(&formatted).unwrap_or_else(|d| {
        panic!("the formatted text does not format: {d:?}\n--- formatted ---\n{formatted}")
    });
    assert_eq!(
        again, formatted,
        "formatting is not a fixed point\n--- input ---\n{text}"
    );
    let before = analysis.unwrap_or_else(|| ws.analyze(text));
    let after = ws.analyze(&formatted);
    assert_eq!(
        codes(&before),
        codes(&after),
        "formatting changed the diagnostics\n--- input ---\n{text}\n--- formatted ---\n{formatted}"
    );
    if !before.has_errors() {
        assert_eq!(
            layout_free_plans(&before),
            layout_free_plans(&after),
            "formatting changed the plans\n--- input ---\n{text}\n--- formatted ---\n{formatted}"
        );
    }
}
