//! The reference runner: executes a [`Plan`] (not the source: the plan is
//! the contract) for people and their event streams, exactly as the
//! language brief's runtime meaning and `docs/plan-format.md` say, and
//! reports what happened as a [`Timeline`] per person.
//!
//! ```no_run
//! # use omnis::{plan::Plan, simulate::{simulate, Scenario}};
//! # let plan: Plan = todo!();
//! let scenario = Scenario::from_yaml(r#"
//! person: { id: "p1", attributes: { email_opt_in: true, email: "a@example.com" } }
//! events:
//!   - { at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { cart_id: "c1", value: 80 } }
//!   - { at: "2026-11-21T11:30:00Z", clicked: cart_coupon_20 }
//!   - { at: "2026-11-21T16:00:00Z", event: order_placed, fields: { order_id: "o1", total: 80 } }
//! "#).unwrap();
//! for timeline in simulate(&plan, &scenario).unwrap() {
//!     print!("{}", timeline.human());
//! }
//! ```
//!
//! The stages, each in its own file: reading scenarios (`yaml`,
//! `scenario`), checking them against a compiled plan (`compile`,
//! `prepare`), running one person (`engine`), and, over people, generating
//! populations (`generate`), counting them (`summary`), streaming them
//! through (`population`), comparing and rewriting `expect` lists
//! (`expect`), and the `omnis simulate` command (`command`, `progress`).
//!
//! Entry points: [`simulate`] (one call), or [`Simulator`] to compile a
//! plan once and run many people ([`Simulator::prepare`],
//! [`Simulator::run`], [`Simulator::run_population`]);
//! [`generate_people`] makes random populations; [`check_expectations`]
//! compares timelines with a scenario's `expect`.

pub mod command;
mod engine;
mod expect;
mod generate;
mod population;
mod prepare;
mod progress;
mod project;
pub mod report;
mod scenario;
mod summary;
#[cfg(test)]
mod tests;
mod timeline;
mod yaml;

use crate::plan::Plan;
use crate::runtime::{PlanError, Runtime};

pub use crate::runtime::{Compiled, Val, MAX_ENTRIES, MAX_INSTANT, MAX_STEPS};
pub use expect::{check_expectations, expected_lines, update_expectations};
pub use generate::{generate_people, Generator, Rng};
pub use population::MAX_PEOPLE;
pub use prepare::{Prepared, Vocabulary};
pub use project::{ProjectPrepared, ProjectSimulator};
pub use scenario::{
    Input, Person, PersonScenario, Place, Scenario, ScenarioDoc, ScenarioError, Value,
};
pub use summary::Summary;
pub use timeline::{
    timelines_to_json, Entry, ExitReason, JsonPeople, Refused, SkipReason, Timeline, What,
};
pub use yaml::{Pos, MAX_ALIAS_NODES, MAX_BYTES as MAX_SCENARIO_BYTES, MAX_DEPTH};

/// Why a simulation could not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimError {
    /// The plan is inconsistent (a name it uses is not declared in it).
    Plan(String),
    /// The scenario does not fit the plan or is malformed.
    Scenario(ScenarioError),
}

impl From<PlanError> for SimError {
    fn from(e: PlanError) -> SimError {
        SimError::Plan(e.0)
    }
}

impl SimError {
    pub(crate) fn scenario(message: impl Into<String>, place: Place) -> SimError {
        SimError::Scenario(ScenarioError::new(message, place))
    }
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::Plan(m) => write!(f, "invalid plan: {m}"),
            SimError::Scenario(ScenarioError {
                message,
                place: Place::At(p),
            }) => write!(
                f,
                "invalid scenario: line {}, column {}: {message}",
                p.line, p.column
            ),
            SimError::Scenario(e) => write!(f, "invalid scenario: {}", e.message),
        }
    }
}

impl std::error::Error for SimError {}

/// When a simulated replacement of the plan happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// At this instant (seconds since the epoch).
    At(i64),
    /// This many seconds after the simulation's start.
    After(i64),
}

/// Compiles a plan once, to run many people through it.
pub struct Simulator {
    runtime: Runtime,
    /// A new version of the plan that replaces it mid-run, and when.
    replacement: Option<(Runtime, When)>,
    trace: bool,
    vocabulary: Option<Vocabulary>,
}

impl Simulator {
    /// Checks the plan's version and internal consistency.
    pub fn new(plan: &Plan) -> Result<Simulator, SimError> {
        Ok(Simulator {
            runtime: Runtime::new(plan)?,
            replacement: None,
            trace: false,
            vocabulary: None,
        })
    }

    /// Records in each [`Timeline::trace`] the nodes executed (for tests
    /// that compare executions with the static analyses; it costs an
    /// allocation per node, so it is off by default).
    pub fn with_trace(mut self) -> Simulator {
        self.trace = true;
        self
    }

    /// The names that exist beyond the plan (everything the campaigns
    /// declare): scenarios may mention those the plan does not use, and a
    /// name that is in neither is an error with a did-you-mean. Without a
    /// vocabulary, names the plan does not use are ignored.
    pub fn with_vocabulary(mut self, vocabulary: Vocabulary) -> Simulator {
        self.vocabulary = Some(vocabulary);
        self
    }

    /// Replaces the plan by `plan` (a new version of the same campaign)
    /// `when` says, for every person, by the rules runners follow
    /// (`docs/plan-format.md`, "Replacing a plan"; [`crate::runtime`]).
    /// Scenarios are checked against both versions.
    pub fn with_replacement(mut self, plan: &Plan, when: When) -> Result<Simulator, SimError> {
        self.replacement = Some((Runtime::new(plan)?, when));
        Ok(self)
    }

    /// Checks a scenario against the plan and parses it.
    pub fn prepare(&self, scenario: &Scenario) -> Result<Prepared, SimError> {
        prepare::prepare(
            self.runtime.compiled(),
            scenario,
            self.vocabulary.as_ref(),
            self.replacement.as_ref().map(|(r, w)| (r.compiled(), *w)),
        )
    }

    /// Runs every person of a prepared scenario.
    pub fn run(&self, prepared: &Prepared) -> Vec<Timeline> {
        let mut out = Vec::with_capacity(prepared.len());
        self.run_each(prepared, |_, t| out.push(t));
        out
    }

    /// Runs the people of a prepared scenario one at a time, handing each
    /// timeline (with the person's index) to `f`, so that a long run need
    /// not keep them.
    pub fn run_each(&self, prepared: &Prepared, mut f: impl FnMut(usize, Timeline)) {
        let mut scratch = None;
        for (i, p) in prepared.people().iter().enumerate() {
            f(
                i,
                engine::run_person(
                    &self.runtime,
                    self.replacement
                        .as_ref()
                        .zip(prepared.replace_at)
                        .map(|((r, _), at)| (r, at)),
                    prepared.bounds(),
                    p,
                    self.trace,
                    &mut scratch,
                ),
            );
        }
    }

    /// Runs a generated population of `n` people ([`Generator`], from
    /// `seed`) one person at a time and counts what happened; `progress`
    /// is told how many people are done now and then.
    pub fn run_population(
        &self,
        plan: &Plan,
        n: u64,
        seed: u64,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Summary, SimError> {
        population::run(self, plan, n, seed, progress)
    }
}

/// One person's profile and inputs checked against a compiled plan with
/// the scenario's rules (names to indices, values to the declared types,
/// times parsed and bounded, inputs in time order, equal times in the
/// order given), as the runtime takes them: what a runner other than
/// `simulate` (the Temporal worker, `crates/omnis-worker`) uses to read
/// the same inputs, so both runners see them the same way. Names the plan
/// does not use are ignored ([`crate::runtime::InputKind::Ignored`]).
pub fn person_inputs(
    c: &Compiled,
    person: &PersonScenario,
) -> Result<(Vec<Option<Val>>, Vec<crate::runtime::Input>), SimError> {
    let (p, _) = prepare::prepare_person(c, person, 0, None)?;
    Ok((p.attrs, p.inputs))
}

/// Runs `scenario` against `plan`: one timeline per person, in scenario
/// order.
pub fn simulate(plan: &Plan, scenario: &Scenario) -> Result<Vec<Timeline>, SimError> {
    let sim = Simulator::new(plan)?;
    let prepared = sim.prepare(scenario)?;
    Ok(sim.run(&prepared))
}
