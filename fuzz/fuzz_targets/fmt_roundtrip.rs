//! `omnis fmt` on arbitrary text: for every input that parses, the
//! formatted text parses, is a fixed point, and checks to the same
//! diagnostics and the same plans as the input (see
//! `omnis_fuzz::check_fmt_round_trip`).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use omnis_fuzz::{check_fmt_round_trip, Workspace};

static WS: OnceLock<Workspace> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ws = WS.get_or_init(Workspace::new);
    check_fmt_round_trip(ws, text, None);
});
