//! Simulating a whole project: every campaign for the scenario's people
//! together, through the runtime core's [`Project`] (entry order by
//! priority then name, one history across campaigns, channel limits
//! counted across them). The timeline says which campaign each entry
//! came from.

use super::prepare::{prepare, Prepared};
use super::{Scenario, SimError, Timeline, Vocabulary};
use crate::plan::Plan;
use crate::runtime::{Input, Project, ProjectEffects};

/// The plans of a project, compiled once, to run people through all of
/// them together.
pub struct ProjectSimulator {
    project: Project,
    vocabulary: Option<Vocabulary>,
    trace: bool,
}

/// A scenario checked against every plan of the project (one [`Prepared`]
/// per campaign, in entry order).
pub struct ProjectPrepared {
    per_campaign: Vec<Prepared>,
    /// The simulated span: the earliest start, the latest end.
    pub start: i64,
    pub until: i64,
}

impl ProjectPrepared {
    /// How many people it holds.
    pub fn len(&self) -> usize {
        self.per_campaign.first().map_or(0, Prepared::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ProjectSimulator {
    /// Checks every plan (one per campaign).
    pub fn new(plans: &[Plan]) -> Result<ProjectSimulator, SimError> {
        Ok(ProjectSimulator {
            project: Project::new(plans)?,
            vocabulary: None,
            trace: false,
        })
    }

    /// As [`super::Simulator::with_trace`]: each timeline's `trace` holds
    /// the nodes executed, and its `trace_campaigns` the campaign (in
    /// entry order, as [`Self::campaigns`]) of each.
    pub fn with_trace(mut self) -> ProjectSimulator {
        self.trace = true;
        self
    }

    /// As [`super::Simulator::with_vocabulary`].
    pub fn with_vocabulary(mut self, vocabulary: Vocabulary) -> ProjectSimulator {
        self.vocabulary = Some(vocabulary);
        self
    }

    /// The campaigns, in entry order.
    pub fn campaigns(&self) -> Vec<&str> {
        self.project
            .runtimes()
            .iter()
            .map(|r| &*r.compiled().campaign)
            .collect()
    }

    /// Checks a scenario against every plan. The simulated span covers
    /// each campaign's (the earliest start, the latest end).
    pub fn prepare(&self, scenario: &Scenario) -> Result<ProjectPrepared, SimError> {
        let per_campaign = self
            .project
            .runtimes()
            .iter()
            .map(|rt| prepare(rt.compiled(), scenario, self.vocabulary.as_ref(), None))
            .collect::<Result<Vec<_>, _>>()?;
        let start = per_campaign.iter().map(|p| p.start).min().unwrap_or(0);
        let until = per_campaign.iter().map(|p| p.until).max().unwrap_or(0);
        Ok(ProjectPrepared {
            per_campaign,
            start,
            until,
        })
    }

    /// Runs every person of a prepared scenario.
    pub fn run(&self, prepared: &ProjectPrepared) -> Vec<Timeline> {
        let mut out = Vec::with_capacity(prepared.len());
        self.run_each(prepared, |_, t| out.push(t));
        out
    }

    /// Runs the people one at a time, handing each timeline (with the
    /// person's index) to `f`.
    pub fn run_each(&self, prepared: &ProjectPrepared, mut f: impl FnMut(usize, Timeline)) {
        for i in 0..prepared.len() {
            f(i, self.run_person(prepared, i));
        }
    }

    /// One person through every campaign: the earliest of the next input
    /// and the next timer, an input first on a tie (the runtime's rule).
    fn run_person(&self, prepared: &ProjectPrepared, i: usize) -> Timeline {
        let pr = &self.project;
        let people: Vec<_> = prepared
            .per_campaign
            .iter()
            .map(|p| &p.people()[i])
            .collect();
        let mut state = pr.new_state(
            &people[0].id,
            people.iter().map(|p| p.attrs.clone()).collect(),
        );
        let mut out = ProjectEffects {
            trace: self.trace.then(Vec::new),
            ..ProjectEffects::default()
        };
        // Every campaign reads the same inputs, in the same order.
        let n = people[0].inputs.len();
        let input =
            |k: usize| -> Vec<Input> { people.iter().map(|p| p.inputs[k].clone()).collect() };
        let mut k = 0;
        while k < n && people[0].inputs[k].at < prepared.start {
            pr.record(&mut state, &input(k));
            k += 1;
        }
        pr.begin(&mut state, prepared.start);
        loop {
            let t_in = people[0].inputs.get(k).map(|x| x.at);
            let timer = pr.next_timer(&state);
            let Some(t) = [t_in, timer.map(|(at, ..)| at)].into_iter().flatten().min() else {
                break;
            };
            if t > prepared.until || pr.stopped(&state) {
                break;
            }
            match timer {
                Some((at, timer, c)) if t_in != Some(t) => {
                    pr.fire(&mut state, c, timer, at, &mut out)
                }
                _ => {
                    pr.handle(&mut state, &input(k), &mut out);
                    k += 1;
                }
            }
        }
        let names = self.campaigns();
        let (campaigns, entries) = out
            .actions
            .into_iter()
            .map(|(c, e)| (names[c].to_string(), e))
            .unzip();
        let (trace_campaigns, trace) = out
            .trace
            .unwrap_or_default()
            .into_iter()
            .map(|(c, at, n)| (c, (at, n)))
            .unzip();
        Timeline {
            person: people[0].id.clone(),
            entries,
            campaigns,
            steps: state.states.iter().map(|s| s.budget.steps).sum(),
            trace,
            trace_campaigns,
            refused: Default::default(),
        }
    }
}
