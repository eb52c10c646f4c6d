//! `omnis check` (load, parse, resolve, lower, lints) on campaigns built by
//! the grammar-aware generator (`omnis_fuzz::gen`), so that most inputs get
//! past the parser and the resolver into the analyses. Every text that
//! parses also goes through the `fmt` round-trip checks.
//!
//! With `OMNIS_FUZZ_PRINT` set in the environment, each generated text is
//! printed to stderr first (to see what a saved artifact stands for).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use omnis_fuzz::{check_fmt_round_trip, gen::Source, Workspace};

static WS: OnceLock<Workspace> = OnceLock::new();

fuzz_target!(|source: Source| {
    let ws = WS.get_or_init(Workspace::new);
    let text = source.to_text();
    static PRINT: OnceLock<bool> = OnceLock::new();
    if *PRINT.get_or_init(|| std::env::var_os("OMNIS_FUZZ_PRINT").is_some()) {
        eprintln!("--- generated ---\n{text}\n--- end ---");
    }
    let analysis = ws.analyze(&text);
    if !analysis.has_errors() {
        // What `omnis build` would write must serialize.
        omnis_fuzz::layout_free_plans(&analysis);
    }
    check_fmt_round_trip(ws, &text, Some(analysis));
});
