//! Persistent sets of small integers, for dataflow analyses whose sets grow
//! along paths (messages that may have been sent, content already sent).
//!
//! A [`Set`] is a big-endian Patricia tree (Okasaki and Gill, "Fast
//! Mergeable Integer Maps") whose leaves hold 64 consecutive members as a
//! bitmask. Versions share structure: adding a member copies one path
//! (at most 27 nodes), a clone is a reference count, and a union of two
//! versions that share most of their structure costs only what differs.
//! Operations return their first argument itself when they change nothing
//! (`union(a, b)` is `a` when `b` is a subset of `a`), so a fixpoint loop
//! sees "no change" as [`Set::ptr_eq`].
//!
//! This is what keeps the analyses linear: a journey of N steps that each
//! send a different message has N sets of up to N members, but they are N
//! versions of one tree, not N bitsets of N bits.

use std::rc::Rc;

/// A persistent set of `u32`s (see the module docs).
#[derive(Clone, Default)]
pub struct Set(Option<Rc<Node>>);

enum Node {
    /// The members `64 * key + i` for every bit `i` set in `bits` (never 0).
    Leaf { key: u32, bits: u64 },
    /// Chunk keys below agree on the bits above `mask`, which are `prefix`;
    /// `left` holds those with the `mask` bit clear, `right` set.
    Branch {
        prefix: u32,
        mask: u32,
        left: Rc<Node>,
        right: Rc<Node>,
    },
}

fn split(x: u32) -> (u32, u64) {
    (x >> 6, 1u64 << (x & 63))
}

/// The bits of `k` above `m`.
fn prefix_of(k: u32, m: u32) -> u32 {
    k & !(m << 1).wrapping_sub(1)
}

fn branching_bit(a: u32, b: u32) -> u32 {
    1u32 << (31 - (a ^ b).leading_zeros())
}

fn key_of(n: &Node) -> u32 {
    match n {
        Node::Leaf { key, .. } => *key,
        Node::Branch { prefix, .. } => *prefix,
    }
}

/// A branch over two trees with disjoint key ranges.
fn join(a: Rc<Node>, b: Rc<Node>) -> Rc<Node> {
    let (ka, kb) = (key_of(&a), key_of(&b));
    let mask = branching_bit(ka, kb);
    let (left, right) = if ka & mask == 0 { (a, b) } else { (b, a) };
    Rc::new(Node::Branch {
        prefix: prefix_of(ka, mask),
        mask,
        left,
        right,
    })
}

/// `t` with the members `bits` of chunk `key` added; `t` itself when they
/// were all there.
fn add_chunk(t: &Rc<Node>, key: u32, bits: u64) -> Rc<Node> {
    match &**t {
        Node::Leaf { key: k, bits: b } => {
            if *k == key {
                if b | bits == *b {
                    t.clone()
                } else {
                    Rc::new(Node::Leaf {
                        key,
                        bits: b | bits,
                    })
                }
            } else {
                join(Rc::new(Node::Leaf { key, bits }), t.clone())
            }
        }
        Node::Branch {
            prefix,
            mask,
            left,
            right,
        } => {
            if prefix_of(key, *mask) != *prefix {
                return join(Rc::new(Node::Leaf { key, bits }), t.clone());
            }
            let sides = if key & mask == 0 {
                (add_chunk(left, key, bits), right.clone())
            } else {
                (left.clone(), add_chunk(right, key, bits))
            };
            with_sides(t, sides)
        }
    }
}

/// Branch `t` with the sides `new`: `t` itself when they are its own.
fn with_sides(t: &Rc<Node>, (l, r): (Rc<Node>, Rc<Node>)) -> Rc<Node> {
    let Node::Branch {
        prefix,
        mask,
        left,
        right,
    } = &**t
    else {
        unreachable!("sides of a leaf")
    };
    if Rc::ptr_eq(&l, left) && Rc::ptr_eq(&r, right) {
        return t.clone();
    }
    Rc::new(Node::Branch {
        prefix: *prefix,
        mask: *mask,
        left: l,
        right: r,
    })
}

/// `t` without the members `bits` of chunk `key`; `t` itself when none was
/// there.
fn remove_chunk(t: &Rc<Node>, key: u32, bits: u64) -> Option<Rc<Node>> {
    match &**t {
        Node::Leaf { key: k, bits: b } => {
            if *k != key || b & bits == 0 {
                Some(t.clone())
            } else if b & !bits == 0 {
                None
            } else {
                Some(Rc::new(Node::Leaf {
                    key,
                    bits: b & !bits,
                }))
            }
        }
        Node::Branch {
            prefix,
            mask,
            left,
            right,
        } => {
            if prefix_of(key, *mask) != *prefix {
                return Some(t.clone());
            }
            let (l, r) = if key & mask == 0 {
                (remove_chunk(left, key, bits), Some(right.clone()))
            } else {
                (Some(left.clone()), remove_chunk(right, key, bits))
            };
            match (l, r) {
                (Some(l), Some(r)) => Some(with_sides(t, (l, r))),
                (Some(x), None) | (None, Some(x)) => Some(x),
                (None, None) => None,
            }
        }
    }
}

/// `a ∪ b`, and whether it equals `a` and whether it equals `b` (then it is
/// that tree itself, `a` when both).
fn union(a: &Rc<Node>, b: &Rc<Node>) -> (Rc<Node>, bool, bool) {
    if Rc::ptr_eq(a, b) {
        return (a.clone(), true, true);
    }
    let branch = |prefix: u32, mask: u32, left: Rc<Node>, right: Rc<Node>| {
        Rc::new(Node::Branch {
            prefix,
            mask,
            left,
            right,
        })
    };
    match (&**a, &**b) {
        (Node::Leaf { key, bits }, Node::Leaf { key: k2, bits: b2 }) if key == k2 => {
            let u = bits | b2;
            let (is_a, is_b) = (u == *bits, u == *b2);
            let t = if is_a {
                a.clone()
            } else if is_b {
                b.clone()
            } else {
                Rc::new(Node::Leaf { key: *key, bits: u })
            };
            (t, is_a, is_b)
        }
        // A branch holds two chunks or more: never a subset of a leaf.
        (_, Node::Leaf { key, bits }) => {
            let t = add_chunk(a, *key, *bits);
            let is_a = Rc::ptr_eq(&t, a);
            (t, is_a, false)
        }
        (Node::Leaf { key, bits }, _) => {
            let t = add_chunk(b, *key, *bits);
            let is_b = Rc::ptr_eq(&t, b);
            (t, false, is_b)
        }
        (
            Node::Branch {
                prefix: p,
                mask: m,
                left: l1,
                right: r1,
            },
            Node::Branch {
                prefix: q,
                mask: n,
                left: l2,
                right: r2,
            },
        ) => {
            if m == n && p == q {
                let (l, la, lb) = union(l1, l2);
                let (r, ra, rb) = union(r1, r2);
                let (is_a, is_b) = (la && ra, lb && rb);
                let t = if is_a {
                    a.clone()
                } else if is_b {
                    b.clone()
                } else {
                    branch(*p, *m, l, r)
                };
                (t, is_a, is_b)
            } else if m > n && prefix_of(*q, *m) == *p {
                // `b` lies within one side of `a`.
                let (t, same) = union_within(a, (*m, l1, r1), b, *q);
                (t, same, false)
            } else if n > m && prefix_of(*p, *n) == *q {
                let (t, same) = union_within(b, (*n, l2, r2), a, *p);
                (t, false, same)
            } else {
                (join(a.clone(), b.clone()), false, false)
            }
        }
    }
}

/// `inner` (whose keys start with `key`) united into the side of `outer`
/// (a branch: mask, left, right) its keys fall in, and whether that is
/// `outer` itself.
fn union_within(
    outer: &Rc<Node>,
    (mask, left, right): (u32, &Rc<Node>, &Rc<Node>),
    inner: &Rc<Node>,
    key: u32,
) -> (Rc<Node>, bool) {
    let (sides, same) = if key & mask == 0 {
        let (l, same, _) = union(left, inner);
        ((l, right.clone()), same)
    } else {
        let (r, same, _) = union(right, inner);
        ((left.clone(), r), same)
    };
    (with_sides(outer, sides), same)
}

fn eq(a: &Rc<Node>, b: &Rc<Node>) -> bool {
    if Rc::ptr_eq(a, b) {
        return true;
    }
    match (&**a, &**b) {
        (Node::Leaf { key, bits }, Node::Leaf { key: k, bits: b }) => key == k && bits == b,
        (
            Node::Branch {
                prefix,
                mask,
                left,
                right,
            },
            Node::Branch {
                prefix: p,
                mask: m,
                left: l,
                right: r,
            },
        ) => prefix == p && mask == m && eq(left, l) && eq(right, r),
        _ => false,
    }
}

impl Set {
    /// The empty set.
    pub fn new() -> Set {
        Set(None)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Whether both are the same version (so equal, in constant time).
    pub fn ptr_eq(&self, other: &Set) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    pub fn contains(&self, x: u32) -> bool {
        let (key, bit) = split(x);
        let mut t = match &self.0 {
            Some(t) => t,
            None => return false,
        };
        loop {
            match &**t {
                Node::Leaf { key: k, bits } => return *k == key && bits & bit != 0,
                Node::Branch {
                    prefix,
                    mask,
                    left,
                    right,
                } => {
                    if prefix_of(key, *mask) != *prefix {
                        return false;
                    }
                    t = if key & mask == 0 { left } else { right };
                }
            }
        }
    }

    /// The set with `x` added (this very set when `x` is a member).
    pub fn with(&self, x: u32) -> Set {
        let (key, bits) = split(x);
        Set(Some(match &self.0 {
            None => Rc::new(Node::Leaf { key, bits }),
            Some(t) => add_chunk(t, key, bits),
        }))
    }

    /// The set without `x` (this very set when `x` is not a member).
    pub fn without(&self, x: u32) -> Set {
        let (key, bits) = split(x);
        match &self.0 {
            None => Set(None),
            Some(t) => Set(remove_chunk(t, key, bits)),
        }
    }

    /// `self ∪ other`: `self` itself when `other ⊆ self`.
    pub fn union(&self, other: &Set) -> Set {
        match (&self.0, &other.0) {
            (_, None) => self.clone(),
            (None, _) => other.clone(),
            (Some(a), Some(b)) => Set(Some(union(a, b).0)),
        }
    }

    /// The members, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let mut stack: Vec<&Node> = self.0.iter().map(|t| &**t).collect();
        let mut chunk: Option<(u32, u64)> = None;
        std::iter::from_fn(move || loop {
            if let Some((key, bits)) = chunk {
                if bits != 0 {
                    let i = bits.trailing_zeros();
                    chunk = Some((key, bits & (bits - 1)));
                    return Some(key * 64 + i);
                }
                chunk = None;
            }
            match stack.pop()? {
                Node::Leaf { key, bits } => chunk = Some((*key, *bits)),
                Node::Branch { left, right, .. } => {
                    stack.push(right);
                    stack.push(left);
                }
            }
        })
    }
}

impl PartialEq for Set {
    fn eq(&self, other: &Set) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => eq(a, b),
            _ => false,
        }
    }
}

impl Eq for Set {}

impl std::fmt::Debug for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromIterator<u32> for Set {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Set {
        iter.into_iter().fold(Set::new(), |s, x| s.with(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn unchanged_operations_return_the_same_version() {
        let a: Set = [1, 70, 5000, u32::MAX].into_iter().collect();
        assert!(a.with(70).ptr_eq(&a));
        assert!(a.without(71).ptr_eq(&a));
        let b: Set = [70, 5000].into_iter().collect();
        assert!(a.union(&b).ptr_eq(&a));
        assert!(b.union(&a).ptr_eq(&a));
        assert!(a.union(&Set::new()).ptr_eq(&a));
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![1, 70, 5000, u32::MAX]);
        assert!(a.contains(u32::MAX) && !a.contains(2));
    }

    #[test]
    fn a_chain_of_versions_shares_structure() {
        // 100,000 versions, each one member more: only paths are copied.
        let mut versions = vec![Set::new()];
        for i in 0..100_000u32 {
            let next = versions.last().unwrap().with(i * 3);
            versions.push(next);
        }
        let last = versions.last().unwrap();
        assert!(last.contains(299_997) && !last.contains(299_998));
        assert!(last.union(&versions[50_000]).ptr_eq(last));
        assert_eq!(versions[10].iter().count(), 10);
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreeset(
            a in proptest::collection::vec(0u32..5000, 0..60),
            b in proptest::collection::vec(0u32..5000, 0..60),
            gone in proptest::collection::vec(0u32..5000, 0..20),
        ) {
            let sa: Set = a.iter().copied().collect();
            let sb: Set = b.iter().copied().collect();
            let ra: BTreeSet<u32> = a.iter().copied().collect();
            let rb: BTreeSet<u32> = b.iter().copied().collect();
            let u = sa.union(&sb);
            let ru: BTreeSet<u32> = ra.union(&rb).copied().collect();
            prop_assert_eq!(u.iter().collect::<Vec<_>>(), ru.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(u == sb.union(&sa), true);
            prop_assert_eq!(u.ptr_eq(&sa), rb.is_subset(&ra));
            let mut d = u.clone();
            let mut rd = ru.clone();
            for x in &gone {
                d = d.without(*x);
                rd.remove(x);
            }
            prop_assert_eq!(d.iter().collect::<Vec<_>>(), rd.iter().copied().collect::<Vec<_>>());
            for x in 0..5000u32 {
                prop_assert_eq!(d.contains(x), rd.contains(&x));
            }
            prop_assert_eq!(d == rd.iter().copied().collect::<Set>(), true);
        }
    }
}
