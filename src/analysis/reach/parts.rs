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

use crate::analysis::sat::Lit;
use crate::analysis::sets::Set;

use super::State;

/// The most states kept at one point (see the module docs).
pub const MAX_PARTS: usize = 8;

/// The states at one point.
#[derive(Clone, Debug, Default)]
pub struct Slot {
    /// `(key, state)` in the order they first arrived.
    pub parts: Vec<(Vec<Lit>, State)>,
    /// Past the bound: one joined state, whatever the keys.
    pub joined: bool,
}

impl Slot {
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Adds a state under `key`, keeping at most `bound` states; returns
    /// whether the slot changed.
    pub fn add(&mut self, key: Vec<Lit>, new: &State, bound: usize) -> bool {
        if self.joined {
            return meet(&mut self.parts[0].1, new);
        }
        if let Some((_, old)) = self.parts.iter_mut().find(|(k, _)| *k == key) {
            return meet(old, new);
        }
        if self.parts.len() < bound.max(1) {
            // Most points only ever hold one state: room for exactly one
            // (a first push would make room for four), then doubling.
            if self.parts.is_empty() {
                self.parts.reserve_exact(1);
            }
            self.parts.push((key, new.clone()));
            return true;
        }
        let mut all = new.clone();
        for (_, s) in &self.parts {
            meet(&mut all, s);
        }
        self.parts = vec![(Vec::new(), all)];
        self.joined = true;
        true
    }

    /// The join of every state (what holds on every path here).
    pub fn joined_state(&self) -> Option<State> {
        let mut it = self.parts.iter();
        let mut out = it.next()?.1.clone();
        for (_, s) in it {
            meet(&mut out, s);
        }
        Some(out)
    }
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
