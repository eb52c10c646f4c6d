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
        Project::of(
            plans
                .iter()
                .map(Runtime::new)
                .collect::<Result<Vec<_>, _>>()?,
        )
    }

    /// A project of plans already compiled (one per campaign, names
    /// unique), ordered for entry.
    pub fn of(mut runtimes: Vec<Runtime>) -> Result<Project, PlanError> {
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

    /// The index of `campaign` in entry order.
    pub fn position(&self, campaign: &str) -> Option<usize> {
        self.runtimes
            .iter()
            .position(|r| *r.compiled().campaign == *campaign)
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

    /// Runs `f` on campaign `i` (lending it the shared history) with a
    /// fresh [`Effects`], and moves what it produced into `out`, each
    /// action with its campaign. A profile write (`set`, `unset`) it made
    /// is then given to the person's other campaigns that declare the
    /// attribute, in entry order, as a profile update at that instant
    /// (`docs/plan-format.md`, `set`), and so on for what those do.
    fn call(
        &self,
        state: &mut ProjectState,
        i: usize,
        out: &mut ProjectEffects,
        f: impl FnOnce(&Runtime, &mut State, &mut Effects),
    ) {
        let mut e = Self::effects(out);
        self.with(state, i, |rt, s| f(rt, s, &mut e));
        self.spread(state, vec![(i, e)], out);
    }

    /// Moves what calls produced into `out` (`done`: per call, its
    /// campaign and effects, in order), giving the profile writes among
    /// them to the other campaigns as [`Project::call`] says.
    fn spread(
        &self,
        state: &mut ProjectState,
        done: Vec<(usize, Effects)>,
        out: &mut ProjectEffects,
    ) {
        let mut queue = std::collections::VecDeque::from(done);
        while let Some((i, e)) = queue.pop_front() {
            let writes = self.writes(state, i, &e.actions);
            Self::collect(out, i, e);
            for (at, attr, value) in writes {
                for (j, rt) in self.runtimes.iter().enumerate() {
                    let Some(&a) = rt.compiled().attr_index.get(&attr) else {
                        continue;
                    };
                    if j == i {
                        continue;
                    }
                    let input = Input {
                        at,
                        kind: super::InputKind::Set(vec![(a, value.clone())]),
                    };
                    let mut e = Self::effects(out);
                    self.with(state, j, |rt, s| rt.handle(s, &input, &mut e));
                    queue.push_back((j, e));
                }
            }
        }
    }

    /// The profile writes among campaign `i`'s actions: instant,
    /// attribute, and the value written (read from the campaign's profile,
    /// which holds it typed).
    fn writes(
        &self,
        state: &ProjectState,
        i: usize,
        actions: &[Entry],
    ) -> Vec<(i64, String, Option<Val>)> {
        let c = self.runtimes[i].compiled();
        actions
            .iter()
            .filter_map(|a| match &a.what {
                super::What::Action(acted) => {
                    let attribute = acted.written()?;
                    let v = state.states[i].person.attrs[c.attr_index[attribute]].clone();
                    Some((a.at, attribute.to_string(), v))
                }
                _ => None,
            })
            .collect()
    }

    /// Fresh effects for a call, tracing when `out` does.
    fn effects(out: &ProjectEffects) -> Effects {
        Effects {
            trace: out.trace.is_some().then(Vec::new),
            ..Effects::default()
        }
    }

    /// Moves what a call on campaign `i` produced into `out`.
    fn collect(out: &mut ProjectEffects, i: usize, e: Effects) {
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
            self.call(state, i, out, |rt, s, e| rt.handle(s, input, e));
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
        self.call(state, i, out, |rt, s, e| rt.fire(s, timer, at, e));
    }

    /// Replaces this project's plans by `new`'s for the person at `at`,
    /// before the inputs of that instant (`docs/plan-format.md`,
    /// "Replacing a plan"): a campaign of both whose plan `changed` is
    /// replaced by [`Runtime::replace`] (rules 1 to 3, the shared history
    /// lent to it); a campaign only `new` has starts, its triggers armed
    /// from `at`, with the profile and history the person's other
    /// campaigns hold (by attribute and event name); a campaign only this
    /// project has is withdrawn (rule 4): its journey ends and nothing more
    /// is sent. `state` is left in `new`'s entry order, and the actions
    /// pushed to `out` are indexed by it. `id` is the person's.
    pub fn replace(
        &self,
        new: &Project,
        id: &str,
        state: &mut ProjectState,
        at: i64,
        changed: impl Fn(&str) -> bool,
        out: &mut ProjectEffects,
    ) {
        let donors: Vec<(&Runtime, &State)> = self.runtimes.iter().zip(&state.states).collect();
        let started: Vec<Option<State>> = new
            .runtimes
            .iter()
            .map(|rt| match self.position(&rt.compiled().campaign) {
                Some(_) => None,
                None => Some(rt.inherit(id, &donors)),
            })
            .collect();
        let mut old: Vec<Option<State>> = std::mem::take(&mut state.states)
            .into_iter()
            .map(Some)
            .collect();
        let mut states = Vec::with_capacity(new.runtimes.len());
        let mut done = Vec::new();
        for (i, (rt, fresh)) in new.runtimes.iter().zip(started).enumerate() {
            let campaign = &rt.compiled().campaign;
            let mut s = match (fresh, self.position(campaign)) {
                (Some(s), _) => s,
                (None, Some(j)) => old[j].take().expect("each campaign once"),
                (None, None) => unreachable!("a campaign either stays or starts"),
            };
            std::mem::swap(&mut s.person.across, &mut state.across);
            match self.position(campaign) {
                Some(j) if changed(campaign) => {
                    let mut e = Self::effects(out);
                    self.runtimes[j].replace(rt, &mut s, at, &mut e);
                    done.push((i, e));
                }
                Some(_) => {}
                None => rt.begin(&mut s, at),
            }
            std::mem::swap(&mut s.person.across, &mut state.across);
            states.push(s);
        }
        for (rt, s) in self.runtimes.iter().zip(old) {
            if s.is_some() {
                super::note_journey(&mut state.across, &rt.compiled().campaign, false);
            }
        }
        state.states = states;
        // The journeys carried on may have written the profile.
        new.spread(state, done, out);
    }

    /// Whether the runner's bounds stopped the person in every campaign.
    pub fn stopped(&self, state: &ProjectState) -> bool {
        state.states.iter().all(State::stopped)
    }
}
