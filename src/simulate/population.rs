//! Generated populations, streamed: each person is generated, checked, run
//! and counted, then dropped, so `--people N` runs in memory that does not
//! grow with N (and in time linear in it).

use super::prepare::{bounds, prepare_person};
use super::{engine, Generator, SimError, Simulator, Summary};
use crate::plan::Plan;

/// The largest population `--people` runs (about ten minutes on one core
/// for the example campaigns).
pub const MAX_PEOPLE: u64 = 100_000_000;

/// How many people between two calls of the progress callback.
const PROGRESS_EVERY: u64 = 1024;

pub(super) fn run(
    sim: &Simulator,
    plan: &Plan,
    n: u64,
    seed: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<Summary, SimError> {
    let c = sim.runtime.compiled();
    let mut people = Generator::new(plan, seed);
    // Inputs fall in the generator's two weeks: the span is known before
    // the first person, so nobody's run depends on anybody else's.
    let span = bounds(
        c,
        Some(people.start()),
        None,
        Some((people.start(), people.last_input())),
    )?;
    let mut summary = Summary::new(plan, span, Some(seed));
    let mut scratch = None;
    for i in 0..n {
        let person = people.person();
        let index = usize::try_from(i).unwrap_or(usize::MAX);
        let (p, _) = prepare_person(c, &person, index, sim.vocabulary.as_ref())?;
        summary.add(&engine::run_person(
            &sim.runtime,
            None,
            span,
            &p,
            false,
            &mut scratch,
        ));
        if (i + 1) % PROGRESS_EVERY == 0 {
            progress(i + 1);
        }
    }
    progress(n);
    Ok(summary)
}
