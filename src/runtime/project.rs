//! Several campaigns for one person: what a runner of a whole project
//! (the reference runner's project simulation, a durable workflow holding
//! all of one person's journeys) drives instead of one [`Runtime`].
//!
//! The rules across campaigns live here, once:
//! - **Entry order**: the campaigns are kept in order of `priority`
//!   (highest first), then name. An input at an instant is given to each
//!   campaign in that order, so a campaign's audience sees the entries of
//!   those before it (`not in campaign X` works as a guard when X has the
//!   higher priority); timers due at one instant fire in [`Timer`] order,
//!   then campaign order.
//! - **One history**: the person's [`Across`] (every send, open and click,
//!   the journeys they are in) is shared: `received`, `opened any`,
//!   `clicked any` and `in campaign` read it, and channel limits count the
//!   sends of every campaign.
//!
//! Like [`Runtime`], it does no I/O, reads no clock, and its state,
//! [`ProjectState`], is plain serializable data. Each campaign keeps its
//! own [`State`] (its plan's tables index its profile and history, and the
//! runner's bounds count per campaign); the [`Across`] is held once, and
//! lent to the campaign being run.

use serde::{Deserialize, Serialize};

use super::{Across, Effects, Entry, Input, PlanError, Refused, Runtime, State, Timer, Val};
use crate::plan::Plan;

/// The campaigns of a project, compiled, in entry order.
#[derive(Clone, Debug)]
pub struct Project {
    runtimes: Vec<Runtime>,
}

/// One person's state across the campaigns of a [`Project`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectState {
    /// The history across campaigns, shared by all.
    pub across: Across,
    /// Per campaign, in the project's entry order.
    pub states: Vec<State>,
}

/// What calls produced: the actions, each with the index (in entry order)
/// of the campaign that took it, in the order they were taken; the
/// refused trigger firings per campaign; and, when `trace` is `Some`, the
/// nodes executed (campaign, instant, node index in its plan), as
/// [`Effects::trace`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProjectEffects {
    pub actions: Vec<(usize, Entry)>,
    pub refused: Vec<Refused>,
    pub trace: Option<Vec<(usize, i64, usize)>>,
}

impl Project {
    /// Compiles every plan (one per campaign, names unique) and orders
    /// them for entry.
    pub fn new(plans: &[Plan]) -> Result<Project, PlanError> {
        let mut runtimes = plans
            .iter()
            .map(Runtime::new)
            .collect::<Result<Vec<_>, _>>()?;
        runtimes.sort_by(|a, b| {
            let (a, b) = (a.compiled(), b.compiled());
            crate::plan::entry_order((a.priority, &a.campaign), (b.priority, &b.campaign))
        });
        if let Some(w) = runtimes
            .windows(2)
            .find(|w| w[0].compiled().campaign == w[1].compiled().campaign)
        {
            return Err(PlanError(format!(
                "two plans of campaign {:?}",
                w[0].compiled().campaign
            )));
        }
        Ok(Project { runtimes })
    }

    /// The campaigns, in entry order (the indices every call uses).
    pub fn runtimes(&self) -> &[Runtime] {
        &self.runtimes
    }

    /// A person's state before anything happened: `attrs[i]` is their
    /// profile as campaign `i`'s plan lists it.
    pub fn new_state(&self, id: &str, attrs: Vec<Vec<Option<Val>>>) -> ProjectState {
        ProjectState {
            across: Across::default(),
            states: self
                .runtimes
                .iter()
                .zip(attrs)
                .map(|(rt, a)| rt.new_state(id, a))
                .collect(),
        }
    }

    /// Runs `f` on campaign `i`, lending it the shared history.
    fn with<T>(
        &self,
        state: &mut ProjectState,
        i: usize,
        f: impl FnOnce(&Runtime, &mut State) -> T,
    ) -> T {
        let s = &mut state.states[i];
        std::mem::swap(&mut s.person.across, &mut state.across);
        let r = f(&self.runtimes[i], s);
        std::mem::swap(&mut s.person.across, &mut state.across);
        r
    }

    /// Runs `f` with a fresh [`Effects`] and moves what it produced into
    /// `out`, each action with its campaign.
    fn collect(out: &mut ProjectEffects, i: usize, f: impl FnOnce(&mut Effects)) {
        let mut e = Effects {
            trace: out.trace.is_some().then(Vec::new),
            ..Effects::default()
        };
        f(&mut e);
        out.actions.extend(e.actions.into_iter().map(|a| (i, a)));
        if let (Some(all), Some(t)) = (&mut out.trace, e.trace) {
            all.extend(t.into_iter().map(|(at, n)| (i, at, n)));
        }
        if out.refused.len() <= i {
            out.refused.resize(i + 1, Refused::default());
        }
        let r = &mut out.refused[i];
        r.audience += e.refused.audience;
        r.window += e.refused.window;
        r.reentry += e.refused.reentry;
    }

    /// An input from before the run starts (history only), as each
    /// campaign's plan reads it (`inputs[i]` for campaign `i`).
    pub fn record(&self, state: &mut ProjectState, inputs: &[Input]) {
        for (i, input) in inputs.iter().enumerate() {
            self.with(state, i, |rt, s| rt.record(s, input));
        }
    }

    /// Arms every campaign's triggers from `at`, the start of the run.
    pub fn begin(&self, state: &mut ProjectState, at: i64) {
        for i in 0..self.runtimes.len() {
            self.with(state, i, |rt, s| rt.begin(s, at));
        }
    }

    /// An input at its instant, as each campaign's plan reads it
    /// (`inputs[i]` for campaign `i`), given to the campaigns in entry
    /// order.
    pub fn handle(&self, state: &mut ProjectState, inputs: &[Input], out: &mut ProjectEffects) {
        for (i, input) in inputs.iter().enumerate() {
            self.with(state, i, |rt, s| {
                Self::collect(out, i, |e| rt.handle(s, input, e))
            });
        }
    }

    /// The timer due first: its instant, kind and campaign (on a tie, the
    /// first in [`Timer`] order, then in entry order).
    pub fn next_timer(&self, state: &ProjectState) -> Option<(i64, Timer, usize)> {
        self.runtimes
            .iter()
            .zip(&state.states)
            .enumerate()
            .filter_map(|(i, (rt, s))| rt.next_timer(s).map(|(at, t)| (at, t, i)))
            .min()
    }

    /// Campaign `i`'s timer fires at `at` (ignored unless armed for it).
    pub fn fire(
        &self,
        state: &mut ProjectState,
        i: usize,
        timer: Timer,
        at: i64,
        out: &mut ProjectEffects,
    ) {
        self.with(state, i, |rt, s| {
            Self::collect(out, i, |e| rt.fire(s, timer, at, e))
        });
    }

    /// Whether the runner's bounds stopped the person in every campaign.
    pub fn stopped(&self, state: &ProjectState) -> bool {
        state.states.iter().all(State::stopped)
    }
}
