//! The decision procedure behind `unreachable-step`: what is known at a
//! point of a journey, and whether a condition can hold there.
//!
//! # Literals
//! Conditions are put in negation normal form (segments expanded inline)
//! and split into *atoms*, each used positively or negatively (a
//! *literal*):
//! - `term op constant` for a term that is a profile attribute or a field
//!   of the trigger event (`x > 5`, `plan == "pro"`; a bool attribute alone
//!   is `flag == true`);
//! - `term in [..]`; `term is set`; on a list, `term contains constant`
//!   and `term is empty`;
//! - `did EVENT [where ..] [window] [at least N]`;
//! - `opened MESSAGE`, `clicked MESSAGE`;
//! - the person's history across campaigns: `received M|any [CHANNEL]
//!   [window] [at least N]`, `opened any`/`clicked any [CHANNEL] within D`,
//!   `in campaign NAME`;
//! - anything else (two attributes compared, ...) is *opaque*: only known
//!   to contradict its own negation.
//!
//! A comparison on a term that is not set is false (`!=` and `not in`
//! too), so a negative literal `not (x == 1)` holds when `x` is unset or
//! different from 1: it does NOT imply `x != 1`.
//!
//! # Satisfiability
//! A conjunction of literals is satisfiable when every group is:
//! - literals on one term: either the term can be unset (no positive
//!   comparison, `in` or `is set` requires it) or there is a value meeting
//!   every positive literal and the negation of every negative one. Numbers
//!   (and times, dates) are reals with strict and non-strict bounds,
//!   `==`, `!=` and `in` lists; text is an infinite domain with `==`, `!=`,
//!   `in`; a `one of` and a bool are finite domains, so `plan == "free"`,
//!   `"pro"`, `"enterprise"` all false leaves only "unset" (the `else` is
//!   reachable), and with `plan is set` known as well nothing (it is not);
//! - literals on one list: `contains` needs it set and not empty, `is
//!   empty` holds when it is unset or has no elements, so `contains "a"`
//!   and `is empty` (or `is not set`) contradict; `contains v` and `not
//!   contains v` contradict; on a list of a `one of` (or bool), `is not
//!   empty` with every value excluded by `not contains` is impossible;
//! - `did E ...`: `did E [where F] since entry` is impossible when `E` is
//!   the goal or an exit event and `F` implies its `where` (none: always):
//!   the journey would have ended ([`Logic::implies`] decides `F and not
//!   G` with the occurrence's fields as terms); a positive `did` with
//!   a window inside a negative one's, the same filter (or none on the
//!   negative) and at least as many times contradicts it;
//! - `opened m`/`clicked m` are impossible when `m` is not sent on any path
//!   before the point;
//! - `received`: a positive one whose messages (one message, or any on a
//!   channel, or any), window and count lie inside a negative one's
//!   contradicts it; likewise `opened any`/`clicked any`; a send makes
//!   every `received` (at least once) that counts it known, and the
//!   negative ones that count it no longer known (the reach analysis);
//! - an opaque atom contradicts only its own negation.
//!
//! A condition with `or` is expanded to disjunctive normal form up to
//! [`DNF_BUDGET`] conjunctions, from at most [`NNF_BUDGET`] nodes
//! (segments expanded); parts that would go over are replaced by `true` (which only
//! makes more things reachable: the procedure is sound and, beyond the
//! budgets, incomplete).
//!
//! # What is known
//! The facts at a point are one conjunction of literals, each remembering
//! where it came from (the audience, the trigger filter, a condition). At
//! joins only the literals known on every incoming path are kept
//! (intersection). When time passes, only *persistent* literals survive:
//! those on trigger fields, and positive `did ... since entry`, `opened`,
//! `clicked`, `received ...` with no window or `since entry`. The goal and exit events are known not to have happened
//! since entry by the rule above. At most [`MAX_FACTS`] literals are kept.

mod decide;
mod literals;
mod normal;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

pub use literals::*;
pub use normal::cond_key;

use crate::model::{Campaign, Cond, EventId, Program};

/// At most this many conjunctions when expanding a condition to DNF.
pub const DNF_BUDGET: usize = 64;
/// At most this many steps (nodes of the condition, segments expanded)
/// when putting one condition in NNF: segments made of segments (`s2 = s1
/// and s1`) double at every level. Past it, the rest of the condition
/// counts as `true`.
pub const NNF_BUDGET: usize = 16_384;
/// At most this many literals known at a point (more are forgotten).
pub const MAX_FACTS: usize = 64;

/// The atom table and the rules of one campaign.
pub struct Logic<'a> {
    pub program: &'a Program,
    pub(super) atoms: Vec<Atom>,
    pub(super) index: HashMap<Atom, AtomId>,
    pub(super) goal: Option<EventId>,
    pub(super) exits: Vec<EventId>,
    /// The `where` of the goal and exits that have one.
    end_filters: Vec<(EventId, Cond)>,
    /// Per `did E [where F] since entry` atom on a goal or exit event:
    /// whether every occurrence it counts would have ended the journey
    /// (then it cannot hold).
    pub(super) ended: HashMap<AtomId, bool>,
    /// Inside [`Logic::implies`] (a filter naming the goal is not followed
    /// further).
    implying: bool,
    /// Nodes the condition being put in NNF may still have.
    pub(super) nodes_left: usize,
}

impl<'a> Logic<'a> {
    pub fn new(program: &'a Program, goal: Option<EventId>, exits: Vec<EventId>) -> Self {
        Logic {
            program,
            atoms: Vec::new(),
            index: HashMap::new(),
            goal,
            exits,
            end_filters: Vec::new(),
            ended: HashMap::new(),
            implying: false,
            nodes_left: NNF_BUDGET,
        }
    }

    /// The rules of a campaign: its goal and exits with their filters.
    pub fn for_campaign(program: &'a Program, campaign: &Campaign) -> Self {
        let mut logic = Logic::new(
            program,
            campaign.goal.map(|(e, _)| e),
            campaign.exits.iter().map(|(e, _)| *e).collect(),
        );
        logic.end_filters = campaign
            .goal
            .iter()
            .filter_map(|(g, _)| campaign.goal_filter.clone().map(|f| (*g, f)))
            .chain(campaign.exit_filters.iter().cloned())
            .collect();
        logic
    }

    /// Whether an occurrence of `event` meeting `filter` (`None`: any)
    /// ends the journey (the goal's or an exit's `where` holds for it
    /// whatever else is true); `None` when `event` ends nothing.
    pub fn ends_journey(&mut self, event: EventId, filter: Option<&Cond>) -> Option<bool> {
        if self.goal != Some(event) && !self.exits.contains(&event) {
            return None;
        }
        let Some((_, end)) = self.end_filters.iter().find(|(e, _)| *e == event) else {
            return Some(true);
        };
        if self.implying {
            return Some(false);
        }
        let end = end.clone();
        Some(self.implies(filter, &end))
    }

    /// Whether `f` (`None`: true) implies `g`: `f and not g` cannot hold.
    /// Sound within the budgets (a condition cut short may hold).
    pub fn implies(&mut self, f: Option<&Cond>, g: &Cond) -> bool {
        let (saved, was) = (self.nodes_left, self.implying);
        self.implying = true;
        let role = Role::TriggerFilter;
        let mut parts = vec![(g, false, role)];
        parts.extend(f.map(|f| (f, true, role)));
        let dnf = self.dnf(&parts);
        self.nodes_left = saved;
        self.implying = was;
        dnf.iter()
            .all(|conj| self.check(&[], conj, &|_| true).is_err())
    }

    pub fn atom(&self, id: AtomId) -> &Atom {
        &self.atoms[id as usize]
    }

    pub fn atoms(&self) -> &[Atom] {
        &self.atoms
    }

    pub fn intern(&mut self, a: Atom) -> AtomId {
        if let Some(&id) = self.index.get(&a) {
            return id;
        }
        let id = self.atoms.len() as AtomId;
        self.atoms.push(a.clone());
        self.index.insert(a, id);
        id
    }

    /// Whether a known literal survives time passing.
    pub fn persistent(&self, lit: Lit) -> bool {
        let atom = self.atom(lit.atom());
        match atom {
            Atom::Did { window, .. } => lit.positive() && *window == Window::SinceEntry,
            Atom::Engaged { .. } => lit.positive(),
            // History across campaigns: `received` with no window or since
            // entry only grows; the rest may change whenever time passes.
            Atom::Received { window, .. } => lit.positive() && !matches!(window, Window::Within(_)),
            Atom::EngagedAny { .. } | Atom::InCampaign(_) => false,
            Atom::Opaque { persistent, .. } => *persistent,
            // Atoms on one value: a trigger field's never changes.
            _ => matches!(atom.term(), Some(Term::Trigger(..))),
        }
    }
}
