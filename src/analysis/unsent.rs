//! Which messages are still unsent, path by path: for each flow node, the
//! distinct sets of tracked messages that the paths reaching it have not
//! sent, kept apart up to a bound.
//!
//! The "may have been sent" and "may not have been sent" dataflows of
//! [`crate::lints::engagement_before_send`] say, message by message,
//! whether some path sent it and some did not. They cannot say which
//! messages go *together*: after `if textable { send coupon_sms } else {
//! send coupon_email }`, every path has sent exactly one of the two, and a
//! condition on `clicked coupon_email or clicked coupon_sms` is meaningful
//! on each. This dataflow keeps the sets themselves: here `{coupon_email}`
//! (the SMS side) and `{coupon_sms}` (the email side).
//!
//! A node holds at most [`MAX_SETS`] sets. When one more would arrive, the
//! node holds [`Unsent::Any`] instead: any subset of the union may be
//! unsent there, which is what the per-message dataflows know. The lattice
//! is finite and only grows at joins, so the worklist ends; each node is
//! looked at again only when what reaches it grew, at most [`MAX_SETS`] + 1
//! times plus the growth of the union: linear in the flow times the bound.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::analysis::flow::Flow;
use crate::analysis::sets::Set;

/// The most distinct sets one node keeps apart.
pub const MAX_SETS: usize = 8;

/// What is unsent on the paths reaching one flow node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsent {
    /// No path reaches it (yet).
    Unreached,
    /// On every path, the messages not sent are exactly one of these
    /// (distinct, at most [`MAX_SETS`]).
    Sets(Vec<Set>),
    /// Past the bound: any subset of this set may be the unsent one.
    Any(Set),
}

impl Unsent {
    /// Joins `other` into `self`; returns whether `self` grew.
    fn join(&mut self, other: &Unsent) -> bool {
        let grown = match (&*self, other) {
            (_, Unsent::Unreached) => return false,
            (Unsent::Unreached, o) => o.clone(),
            (Unsent::Any(a), o) => Unsent::Any(a.union(&o.union())),
            (Unsent::Sets(a), Unsent::Any(b)) => Unsent::Any(union_all(a).union(b)),
            (Unsent::Sets(a), Unsent::Sets(b)) => {
                let mut all = a.clone();
                for s in b {
                    if !all.contains(s) {
                        all.push(s.clone());
                    }
                }
                if all.len() > MAX_SETS {
                    Unsent::Any(union_all(&all))
                } else {
                    Unsent::Sets(all)
                }
            }
        };
        let changed = grown != *self;
        *self = grown;
        changed
    }

    /// Every message unsent on some path.
    pub fn union(&self) -> Set {
        match self {
            Unsent::Unreached => Set::new(),
            Unsent::Sets(s) => union_all(s),
            Unsent::Any(u) => u.clone(),
        }
    }

    /// After a send of the message with bit `b`.
    fn sent(&self, b: u32) -> Unsent {
        match self {
            Unsent::Unreached => Unsent::Unreached,
            Unsent::Any(u) => Unsent::Any(u.without(b)),
            Unsent::Sets(sets) => {
                let mut out: Vec<Set> = Vec::with_capacity(sets.len());
                for s in sets {
                    let s = s.without(b);
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
                Unsent::Sets(out)
            }
        }
    }
}

fn union_all(sets: &[Set]) -> Set {
    sets.iter().fold(Set::new(), |acc, s| acc.union(s))
}

/// For each flow node, what is unsent on arrival. `all` is unsent at the
/// entry; `bit(v)` is the bit of the tracked message flow node `v` sends,
/// if any.
pub fn unsent_sets(flow: &Flow, all: Set, bit: &dyn Fn(u32) -> Option<u32>) -> Vec<Unsent> {
    let n = flow.len();
    let mut pos = vec![u32::MAX; n];
    for (i, v) in flow.reverse_postorder().into_iter().enumerate() {
        pos[v as usize] = i as u32;
    }
    let mut inp = vec![Unsent::Unreached; n];
    let mut queued = vec![false; n];
    let mut heap = BinaryHeap::new();
    inp[flow.entry as usize] = Unsent::Sets(vec![all]);
    queued[flow.entry as usize] = true;
    heap.push(Reverse((pos[flow.entry as usize], flow.entry)));
    while let Some(Reverse((_, v))) = heap.pop() {
        queued[v as usize] = false;
        let out = match bit(v) {
            Some(b) => inp[v as usize].sent(b),
            None => inp[v as usize].clone(),
        };
        for e in flow.succ(v) {
            let w = e.to as usize;
            if inp[w].join(&out) && !queued[w] {
                queued[w] = true;
                heap.push(Reverse((pos[w], e.to)));
            }
        }
    }
    inp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(xs: &[u32]) -> Set {
        xs.iter().copied().collect()
    }

    #[test]
    fn joins_keep_sets_apart_up_to_the_bound() {
        let mut u = Unsent::Sets(vec![set(&[0])]);
        assert!(u.join(&Unsent::Sets(vec![set(&[1])])));
        assert_eq!(u, Unsent::Sets(vec![set(&[0]), set(&[1])]));
        assert!(!u.join(&Unsent::Sets(vec![set(&[1])])), "already there");
        for i in 2..=MAX_SETS as u32 {
            u.join(&Unsent::Sets(vec![set(&[i])]));
        }
        assert_eq!(u, Unsent::Any((0..=MAX_SETS as u32).collect()));
        assert!(!u.join(&Unsent::Sets(vec![set(&[3])])));
        assert!(u.join(&Unsent::Sets(vec![set(&[40])])));
    }

    #[test]
    fn a_send_removes_its_message_from_every_set() {
        let u = Unsent::Sets(vec![set(&[0, 1]), set(&[1]), set(&[0])]);
        assert_eq!(u.sent(1), Unsent::Sets(vec![set(&[0]), set(&[])]));
        assert_eq!(Unsent::Any(set(&[0, 1])).sent(0), Unsent::Any(set(&[1])));
    }
}
