//! Trace partitioning: the bounded set of states the reachability
//! analysis keeps at each point.
//!
//! A state is keyed by the outcomes of the branch decisions it still
//! remembers: the literals among its facts that an `if` arm (taken or not)
//! or a matched `wait for` made known. States with the same key are joined
//! (facts intersected, sent sets united); states with different keys are
//! kept apart, so that two branches on the same condition are seen to be
//! correlated (the `else` of the first cannot meet the `then` of the
//! second). A point holds at most [`MAX_PARTS`] states; when one more key
//! arrives, all of its states are joined into one and the point keeps a
//! single joined state from then on (the path-insensitive analysis). Each
//! point is therefore visited at most [`MAX_PARTS`] times as often as
//! without partitions: time stays linear in the size of the journey times
//! the bound.
//!
//! Keys only hold facts, and facts that do not survive time passing are
//! forgotten at waits, so partitions made by conditions on attributes
//! merge again after a wait: what a wait forgets no path can use anyway.

use smallvec::SmallVec;

use crate::analysis::sat::{Lit, Role};
use crate::analysis::sets::Set;

use super::{Leaves, State};

/// The most states kept at one point (see the module docs).
pub const MAX_PARTS: usize = 8;

/// The states at one point.
#[derive(Clone, Debug, Default)]
pub struct Slot {
    /// The states, in the order their keys first arrived. A state's key
    /// is not stored: it is read off its facts ([`key`]), which a join of
    /// states with the same key keeps. Most points only ever hold one
    /// state: it is kept in the slot itself, not in an allocation of its
    /// own (one per node of a long journey).
    pub parts: SmallVec<[State; 1]>,
    /// Past the bound: one joined state, whatever the keys.
    pub joined: bool,
}

/// The partition key of a state: the facts that branch decisions made
/// known (an `if` arm taken or not, a `wait for` that matched), in order.
pub fn key<'s>(s: &'s State, leaves: &'s Leaves) -> impl Iterator<Item = Lit> + 's {
    s.facts
        .iter()
        .filter(|&&f| matches!(leaves.leaf(f).role, Role::Arm { .. } | Role::Matched { .. }))
        .map(|(l, _)| *l)
}

impl Slot {
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Adds a state under its key, keeping at most `bound` states; returns
    /// whether the slot changed. `leaves`: those the facts refer to.
    pub fn add(&mut self, new: &State, bound: usize, leaves: &Leaves) -> bool {
        if self.joined {
            return meet(&mut self.parts[0], new);
        }
        if let Some(old) = (self.parts.iter_mut()).find(|old| key(old, leaves).eq(key(new, leaves)))
        {
            return meet(old, new);
        }
        if self.parts.len() < bound.max(1) {
            // Room for exactly the states held past the first (a push
            // would double the room): there are at most `bound`.
            if self.parts.len() == self.parts.capacity() {
                self.parts.reserve_exact(1);
            }
            self.parts.push(new.clone());
            return true;
        }
        let mut all = new.clone();
        for s in &self.parts {
            meet(&mut all, s);
        }
        self.parts = SmallVec::from_buf([all]);
        self.joined = true;
        true
    }

    /// The join of every state (what holds on every path here).
    pub fn joined_state(&self) -> Option<State> {
        joined(&self.parts)
    }
}

/// The states joined into one (`None` when there are none).
pub fn joined(states: &[State]) -> Option<State> {
    let mut it = states.iter();
    let mut out = it.next()?.clone();
    for s in it {
        meet(&mut out, s);
    }
    Some(out)
}

/// Joins `new` into `old`: facts known on both, messages sent on either.
/// Returns whether `old` changed.
fn meet(old: &mut State, new: &State) -> bool {
    let mut changed = false;
    let mut i = 0;
    changed |= old.facts.retain(|(l, _)| {
        while i < new.facts.len() && new.facts[i].0 < *l {
            i += 1;
        }
        i < new.facts.len() && new.facts[i].0 == *l
    });
    for (mine, theirs) in [(&mut old.sent, &new.sent), (&mut old.content, &new.content)] {
        let u = mine.union(theirs);
        if !u.ptr_eq(mine) {
            *mine = u;
            changed = true;
        }
    }
    changed
}

/// An empty set, for states at the entry.
pub fn empty() -> Set {
    Set::new()
}

/// The states of every point once the analysis is done, one after the
/// other: most points of a long journey hold several (a slot per point
/// and an allocation per point with more than one took 41 MB at 200,000
/// steps, these 29).
pub(super) struct States {
    states: Vec<State>,
    /// Point `v`'s states are `states[start[v]..start[v + 1]]`.
    start: Vec<u32>,
}

impl States {
    pub(super) fn new(slots: Vec<Slot>) -> States {
        let total = slots.iter().map(|s| s.parts.len()).sum();
        let mut states = Vec::with_capacity(total);
        let mut start = Vec::with_capacity(slots.len() + 1);
        start.push(0);
        for slot in slots {
            states.extend(slot.parts);
            start.push(states.len() as u32);
        }
        States { states, start }
    }

    /// The states of point `v`.
    pub(super) fn at(&self, v: usize) -> &[State] {
        &self.states[self.start[v] as usize..self.start[v + 1] as usize]
    }
}
