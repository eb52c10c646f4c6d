//! Plan loading in the simulator: `Plan::parse` on arbitrary text (JSON or
//! YAML), `Simulator::new` on every plan it accepts, then a short run of
//! one person who does the trigger event (or is simply there, for scheduled
//! and segment triggers) at the start.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omnis::plan::{Plan, Trigger};
use omnis::simulate::{Input, Person, PersonScenario, Scenario, Simulator};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(plan) = Plan::parse(text) else {
        return;
    };
    let Ok(sim) = Simulator::new(&plan) else {
        return;
    };
    let start = "2026-11-20T10:00:00Z";
    let events = match &plan.trigger {
        Trigger::Event { event, .. } => vec![Input {
            at: start.into(),
            event: Some(event.clone()),
            ..Input::default()
        }],
        _ => Vec::new(),
    };
    let scenario = Scenario {
        start: Some(start.into()),
        until: Some("2026-11-22T10:00:00Z".into()),
        people: vec![PersonScenario {
            person: Person {
                id: "p".into(),
                attributes: Default::default(),
            },
            events,
            expect: None,
        }],
    };
    if let Ok(prepared) = sim.prepare(&scenario) {
        sim.run(&prepared);
    }
});
