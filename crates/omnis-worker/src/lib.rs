//! `omnis-worker`: runs Omnis plans on Temporal with the runtime core that
//! `omnis simulate` drives, so a plan means the same on both (see
//! docs/runner.md). Modules: `plans` (the built folder, by content),
//! `person` (one person's plans on the runtime core), `workflow` (the
//! person workflow), `deliver` (the delivery activity and its sinks),
//! `intake` (the Segment-style HTTP endpoint and `send-event`), `wire`
//! (the payloads).

pub mod deliver;
pub mod intake;
pub mod person;
pub mod plans;
pub mod service;
pub mod wire;
pub mod workflow;
