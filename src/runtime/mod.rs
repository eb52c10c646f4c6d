//! The runtime core: what a plan means for one person, in one place, for
//! every runner (the reference runner `simulate`, and runners on durable
//! workflow engines).
//!
//! A [`Runtime`] is a plan compiled for execution. Its API is a pure state
//! machine: given the person's [`State`] and an input at an instant (an
//! [`Input`]: an event, an engagement, a profile update; a [`Timer`]
//! firing; a plan replacement, [`Runtime::replace`]), it updates the state
//! and appends to an [`Effects`] the actions taken (sends, skips, split
//! assignments, entries, conversions, exits, completions). The timers the
//! caller must arm are read from the state ([`Runtime::timers`]).
//!
//! Invariants:
//! - **Deterministic.** No I/O, no clock, no randomness: the same plan,
//!   state and inputs give the same state and actions. Instants come from
//!   the caller; splits hash the person's id with the campaign and node
//!   ([`split_bucket`]).
//! - **Order at one instant**: inputs first (in the order given), then the
//!   timers in [`Timer`] order (window close, the journey's wake-up, the
//!   scheduled trigger, the segment check). So a goal event at the very
//!   second a wait ends converts before the next send.
//! - **Stale timers do nothing**: firing a timer at an instant for which the
//!   state has not armed it is ignored, so a runner may fire timers it
//!   armed before the state changed.
//! - **Bounded**: a person gets at most [`MAX_ENTRIES`] actions and
//!   [`MAX_STEPS`] journey steps and moments, and no moment after
//!   [`MAX_INSTANT`]; past them the runtime stops them with an `exited`
//!   action, and nothing more happens ([`State::stopped`]).
//! - **Serializable state**: [`State`] is plain data (serde), holding the
//!   person-level part (profile, history) apart from each campaign's
//!   journey, so one state can carry several campaigns.
//!
//! How a runner drives it: compile the plan ([`Runtime::new`]); make the
//! person's state ([`Runtime::new_state`]); give it the inputs that happened
//! before the run starts ([`Runtime::record`]: history only); arm the
//! triggers from the start ([`Runtime::begin`]); then repeatedly take the
//! earliest of the next input and [`Runtime::next_timer`], an input first
//! on a tie, and give it to [`Runtime::handle`] or [`Runtime::fire`].

mod action;
mod action_step;
mod branch_step;
mod compile;
mod eval;
mod input;
mod journey;
mod project;
mod replace;
mod state;
#[cfg(test)]
mod tests;
mod wait_step;

pub use action::{Entry, ExitReason, Refused, SkipReason, What};
pub use action_step::{Acted, CAction, CSet};
pub use branch_step::{split_bucket, CChoice, SplitArm};
pub(crate) use compile::date_instant;
pub use compile::{CExpr, CKind, CTrigger, Compiled, Ty, Val};
pub use eval::{eval, next_expiry, Ctx, Occurrence};
pub use project::{Project, ProjectEffects, ProjectState};
pub use replace::{holds_people, landings, survivor, Landing, Place};
pub use wait_step::{CArm, CWait, CWaitOn};

pub use state::{
    Across, Budget, CampaignState, Engaged, Journey, Pending, PersonState, Sent, State,
};

use std::sync::Arc;

use journey::{same_name, Run};

use crate::plan::Plan;

/// Keeps [`Across::journeys`] (what `in campaign` reads) up to date with
/// whether the person is in a journey of `campaign`.
fn note_journey(across: &mut Across, campaign: &Arc<str>, inside: bool) {
    let journeys = &mut across.journeys;
    match (journeys.binary_search(campaign), inside) {
        (Err(at), true) => journeys.insert(at, campaign.clone()),
        (Ok(at), false) => {
            journeys.remove(at);
        }
        _ => {}
    }
}

/// The most actions one person gets: the runtime stops a person there
/// (`exited entry_limit`), so that a journey that sends without end
/// (`step again { wait 1s send ping goto again }`) costs bounded memory.
pub const MAX_ENTRIES: usize = 10_000;
/// The most journey steps the runtime executes for one person, and the
/// most moments it wakes up for them (an input, a timer): past either,
/// `exited step_limit`. So a person costs bounded time whatever span of
/// time a runner covers.
pub const MAX_STEPS: u64 = 1_000_000;
/// The latest instant the runtime represents, 9999-12-31T23:59:59Z: a
/// journey whose next moment would be later stops (`exited time_limit`).
pub const MAX_INSTANT: i64 = 253_402_300_799;
/// The earliest, 0000-01-01T00:00:00Z.
pub const MIN_INSTANT: i64 = -62_167_219_200;

/// A plan the runtime cannot execute (a name it uses is not declared in
/// it, a value does not parse, an unsupported version).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError(pub String);

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlanError {}

/// Something that happened to the person, at an instant. Names are the
/// compiled plan's indices ([`Compiled`]'s tables).
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub at: i64,
    pub kind: InputKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum InputKind {
    /// An event (index into `events`) with its fields' values.
    Event(usize, Vec<Option<Val>>),
    /// The person opened a message (index into `messages`).
    Opened(usize),
    /// The person clicked a message.
    Clicked(usize),
    /// Profile updates (attribute index, new value; `None` unsets).
    Set(Vec<(usize, Option<Val>)>),
    /// About something the plan does not use.
    Ignored,
}

/// The timers a runner arms for a person, in the order they fire when due
/// at the same instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// The campaign window closes while the person is in the journey.
    WindowClose,
    /// The journey's wait ends (a `wait`, `wait until`, `wait for`
    /// timeout, or the end of quiet hours for a delayed send).
    Wake,
    /// A scheduled trigger (`daily`, `weekly`, `once`) fires.
    Schedule,
    /// An `enters` trigger's segment can change its value as time passes.
    SegmentCheck,
}

/// What calls produced: the actions, in order, with their instants (a
/// runner drains them, a simulator keeps them as the timeline), the
/// trigger firings that did not let the person enter, and, when `trace`
/// is `Some`, the nodes executed (instant, node index).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Effects {
    pub actions: Vec<Entry>,
    pub refused: Refused,
    pub trace: Option<Vec<(i64, usize)>>,
}

/// A plan compiled for execution.
#[derive(Clone, Debug)]
pub struct Runtime {
    c: Compiled,
}

impl Runtime {
    /// Checks the plan's version and internal consistency and compiles it.
    pub fn new(plan: &Plan) -> Result<Runtime, PlanError> {
        Ok(Runtime {
            c: compile::compile(plan)?,
        })
    }

    /// The compiled plan (its tables give the indices [`Input`]s use).
    pub fn compiled(&self) -> &Compiled {
        &self.c
    }

    /// A person's state before anything happened to them: `attrs` is their
    /// profile, per attribute of the plan.
    pub fn new_state(&self, id: &str, attrs: Vec<Option<Val>>) -> State {
        let mut state = State {
            id: id.to_string(),
            person: PersonState {
                attrs,
                history: Vec::new(),
                seq: 0,
                across: Across::default(),
            },
            campaigns: Vec::new(),
            budget: Budget::default(),
        };
        self.start(&mut state);
        state
    }

    /// [`Runtime::new_state`] made in `state`, keeping its allocations: a
    /// runner that runs many people one after the other (`simulate`) hands
    /// each the previous one's state.
    pub fn reuse_state(&self, state: &mut State, id: &str, attrs: &[Option<Val>]) {
        state.id.clear();
        state.id.push_str(id);
        state.person.attrs.clear();
        state.person.attrs.extend_from_slice(attrs);
        self.start(state);
    }

    /// Everything in `state` but the id and the profile as before anything
    /// happened (emptied, not freed).
    fn start(&self, state: &mut State) {
        let c = &self.c;
        let p = &mut state.person;
        p.history.truncate(c.events.len());
        p.history.iter_mut().for_each(Vec::clear);
        p.history.resize_with(c.events.len(), Vec::new);
        p.seq = 0;
        p.across.sends.clear();
        p.across.engaged.clear();
        p.across.journeys.clear();
        state.campaigns.truncate(1);
        let sends = match state.campaigns.pop() {
            Some(mut k) => {
                k.sends.clear();
                k.sends
            }
            None => Vec::new(),
        };
        state.campaigns.push(CampaignState {
            campaign: c.campaign.clone(),
            tz: c.tz,
            journey: None,
            entered: None,
            sends,
            schedule: None,
            in_segment: false,
            segment_check: None,
        });
        state.budget = Budget::default();
        self.run(state, &mut Effects::default(), |r| r.update_tz());
    }

    /// Runs `f` on this campaign's view of the person (adding the
    /// campaign's part to the state when it has none).
    fn run<T>(&self, state: &mut State, out: &mut Effects, f: impl FnOnce(&mut Run) -> T) -> T {
        let c = &self.c;
        let i = match state
            .campaigns
            .iter()
            .position(|k| same_name(&k.campaign, &c.campaign))
        {
            Some(i) => i,
            None => {
                let fresh = self.new_state(&state.id, Vec::new());
                state.campaigns.extend(fresh.campaigns);
                state.campaigns.len() - 1
            }
        };
        let was_inside = state.campaigns[i].journey.is_some();
        let mut run = Run {
            c,
            id: &state.id,
            p: &mut state.person,
            k: &mut state.campaigns[i],
            b: &mut state.budget,
            out,
        };
        let r = f(&mut run);
        // Only entering or leaving changes it (most calls do neither).
        let inside = state.campaigns[i].journey.is_some();
        if inside != was_inside {
            note_journey(&mut state.person.across, &c.campaign, inside);
        }
        r
    }

    /// This campaign's part of the state.
    pub fn campaign<'s>(&self, state: &'s State) -> Option<&'s CampaignState> {
        state
            .campaigns
            .iter()
            .find(|k| same_name(&k.campaign, &self.c.campaign))
    }

    /// An input from before the run starts: it only builds up the state
    /// (history, profile), it triggers nothing.
    pub fn record(&self, state: &mut State, input: &Input) {
        self.run(state, &mut Effects::default(), |r| r.apply(input));
    }

    /// Arms the campaign's triggers from `at`, the start of the run.
    pub fn begin(&self, state: &mut State, at: i64) {
        self.run(state, &mut Effects::default(), |r| {
            r.k.schedule = r.next_firing(at);
            r.begin_segment(at);
        });
    }

    /// Counts a moment against the runner's bound; false when the person is
    /// (or is now) stopped.
    fn moment(r: &mut Run, t: i64) -> bool {
        if r.b.stopped {
            return false;
        }
        r.b.moments += 1;
        if r.b.moments > MAX_STEPS {
            r.stop(t, ExitReason::StepLimit);
            return false;
        }
        true
    }

    /// An input at its instant.
    pub fn handle(&self, state: &mut State, input: &Input, out: &mut Effects) {
        self.run(state, out, |r| {
            if Self::moment(r, input.at) {
                r.input(input);
            }
        });
    }

    /// The timers armed, with their instants, in [`Timer`] order.
    pub fn timers(&self, state: &State) -> [(Timer, Option<i64>); 4] {
        let k = self.campaign(state);
        let journey = k.and_then(|k| k.journey.as_ref());
        [
            (
                Timer::WindowClose,
                journey.and(self.c.window).map(|(_, closes)| closes),
            ),
            (Timer::Wake, journey.map(|j| j.wake)),
            (Timer::Schedule, k.and_then(|k| k.schedule)),
            (Timer::SegmentCheck, k.and_then(|k| k.segment_check)),
        ]
    }

    /// The timer due first (the first in [`Timer`] order on a tie).
    pub fn next_timer(&self, state: &State) -> Option<(i64, Timer)> {
        let mut best: Option<(i64, Timer)> = None;
        for (timer, at) in self.timers(state) {
            if let Some(at) = at {
                if best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, timer));
                }
            }
        }
        best
    }

    /// A timer fires at `at`: ignored unless the state armed it for `at`.
    pub fn fire(&self, state: &mut State, timer: Timer, at: i64, out: &mut Effects) {
        if self.timers(state)[timer as usize].1 != Some(at) {
            return;
        }
        self.run(state, out, |r| {
            if !Self::moment(r, at) {
                return;
            }
            match timer {
                Timer::WindowClose => r.end(
                    at,
                    What::Exited {
                        reason: ExitReason::WindowClosed,
                        event: None,
                    },
                ),
                Timer::Wake => r.wake(at),
                Timer::Schedule => {
                    r.try_enter(at, Vec::new());
                    r.k.schedule = r.next_firing(at + 1);
                }
                Timer::SegmentCheck => r.check_segment(at),
            }
        });
    }
}
