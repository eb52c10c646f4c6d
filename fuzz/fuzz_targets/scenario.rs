//! The scenario reader (`Scenario::from_yaml`) on arbitrary text, then each
//! scenario it accepts prepared against, and run through, the plans of the
//! example campaigns in `campaigns/`.
//!
//! Scenarios that span more than [`MAX_SPAN`] of simulated time are
//! prepared but not run: a journey that loops (`replenish` sends a reminder
//! every 30 days) fills a timeline in proportion to the span the scenario
//! asks for, which is not a bug of the reader (issue 9 item 16 caps
//! timelines in the engine).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use omnis::simulate::{Scenario, Simulator};

fn simulators() -> &'static [Simulator] {
    static SIMS: OnceLock<Vec<Simulator>> = OnceLock::new();
    SIMS.get_or_init(|| {
        let campaigns = concat!(env!("CARGO_MANIFEST_DIR"), "/../campaigns");
        let analysis = omnis::driver::analyze(&omnis::driver::Options {
            paths: vec![campaigns.into()],
        })
        .expect("campaigns/ loads");
        assert!(!analysis.has_errors(), "campaigns/ checks clean");
        omnis::build::plans(&analysis)
            .iter()
            .map(|p| Simulator::new(p).expect("the plans of campaigns/ compile"))
            .collect()
    })
}

/// Two years, in seconds.
const MAX_SPAN: i64 = 2 * 366 * 86_400;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = Scenario::from_yaml(text) else {
        return;
    };
    for sim in simulators() {
        let Ok(prepared) = sim.prepare(&scenario) else {
            continue;
        };
        if prepared.until.saturating_sub(prepared.start) <= MAX_SPAN {
            let timelines = sim.run(&prepared);
            omnis::simulate::check_expectations(&scenario, &timelines);
        }
    }
});
