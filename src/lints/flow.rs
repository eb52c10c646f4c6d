//! The journey graph as the path-based lints see it: `repeat` loops with
//! their round counts made explicit.
//!
//! A journey graph has one node per step; a `repeat N times` is a loop head
//! whose `Done` edge may only be taken after exactly N rounds, which plain
//! graph paths cannot express (they may skip the body, or go round forever).
//! A [`Flow`] copies the body of each repeat once per round it needs to tell
//! apart, so that plain paths in the flow are exactly the executions of the
//! journey (conditions aside: every branch is assumed possible):
//!
//! - [`Rounds::Compact`] keeps at most two copies (the first round and the
//!   later ones). That is exact for questions about *which* messages were
//!   sent before a point, whatever the count: the dataflow lints use it, and
//!   the flow stays at most twice as large per level of nesting.
//! - [`Rounds::Copies`] asks for a number of copies per loop: the frequency
//!   cap, which counts sends and adds up time, unrolls loops as far as a
//!   limit's period can see (see `frequency_cap`).
//!
//! Flow nodes are only created when reachable from the entry over *live*
//! edges (those the graph's reachability analysis, `graph::reach`, finds
//! some execution can take), so unreachable steps are absent: what
//! `unreachable-step` reports is not reported again by these lints. Each flow node knows the journey node it copies and each
//! flow edge the journey edge it copies; an edge that ends a round of a
//! repeat is marked with that repeat.
//!
//! A repeat's body is the steps it encloses (`Node::parent`); the journey's
//! `repeat_back_edges` end a round, any other edge into the repeat node
//! starts the loop afresh (its counter starts again at zero). A repeat
//! whose body a `goto` enters from outside is *irregular* (as in the
//! graph's timing): its round count means nothing there, and it is taken as
//! a plain loop that may go round any number of times.

use std::collections::{HashMap, VecDeque};

use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::graph::{Edge, Journey, NodeKind};

/// How many copies of each repeat body to make.
pub enum Rounds<'a> {
    /// `min(N, 2)`: the first round and the later ones.
    Compact,
    /// For a repeat node with N rounds, how many copies, `1..=N` (values
    /// outside are clamped). With fewer copies than rounds, the last copy
    /// stands for all remaining rounds and loops on itself.
    Copies(&'a dyn Fn(NodeIndex, u32) -> u32),
}

/// One transition of the flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FEdge {
    pub to: u32,
    /// The journey edge it copies.
    pub edge: EdgeIndex,
    /// When it ends a round of a repeat: that repeat's node.
    pub round_of: Option<NodeIndex>,
}

/// A journey with its loops' rounds made explicit. See the module docs.
pub struct Flow {
    /// The journey node of each flow node.
    pub orig: Vec<NodeIndex>,
    pub succ: Vec<Vec<FEdge>>,
    /// Predecessors: (from, index into `succ[from]`).
    pub pred: Vec<Vec<(u32, u32)>>,
    pub entry: u32,
    /// False when the flow had to be cut short (see [`Flow::build`]): loops
    /// then may run more rounds than written, which over-approximates.
    pub exact: bool,
}

/// Largest number of flow nodes built for one journey before falling back
/// to compact rounds.
pub const MAX_FLOW_NODES: usize = 2_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Head {
    /// Not a repeat node.
    No,
    /// Entered from outside its body: round 0 starts.
    Fresh,
    /// Back after finishing the round of this copy index.
    After(u32),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    node: NodeIndex,
    /// Copy index per enclosing repeat, outermost first.
    ctx: Vec<u32>,
    head: Head,
}

/// Which `repeat` nodes are irregular: their body is entered by a `goto`
/// from outside it, so their round count means nothing there. Such a
/// repeat is taken as a plain loop (any number of rounds), as the graph's
/// timing does.
pub fn irregular_repeats(journey: &Journey) -> Vec<bool> {
    let g = &journey.graph;
    let mut out = vec![false; g.node_count()];
    for e in g.edge_references() {
        if *e.weight() != Edge::Jump {
            continue;
        }
        let (src, dst) = (e.source(), e.target());
        for a in journey.ancestors(dst) {
            if matches!(g[a].kind, NodeKind::Repeat { .. })
                && !journey.ancestors(src).any(|x| x == a)
            {
                out[a.index()] = true;
            }
        }
    }
    out
}

/// For every journey node, the regular repeat nodes whose body it lies in,
/// outermost first.
pub fn enclosing_repeats(journey: &Journey) -> Vec<Vec<NodeIndex>> {
    let g = &journey.graph;
    let irregular = irregular_repeats(journey);
    g.node_indices()
        .map(|n| {
            let mut v: Vec<NodeIndex> = journey
                .ancestors(n)
                .filter(|&a| matches!(g[a].kind, NodeKind::Repeat { .. }) && !irregular[a.index()])
                .collect();
            v.reverse();
            v
        })
        .collect()
}

impl Flow {
    /// Builds the flow of a journey over the edges for which `live` holds
    /// (those some execution can take, from the graph's reachability
    /// analysis; or every edge). When more than [`MAX_FLOW_NODES`]
    /// would be needed, falls back to compact rounds and sets `exact` to
    /// false when that changes anything.
    pub fn build(journey: &Journey, rounds: Rounds, live: &dyn Fn(EdgeIndex) -> bool) -> Flow {
        let enclosing = enclosing_repeats(journey);
        match Self::build_with(journey, &enclosing, &rounds, live, MAX_FLOW_NODES) {
            Some(f) => f,
            None => {
                let mut f =
                    Self::build_with(journey, &enclosing, &Rounds::Compact, live, usize::MAX)
                        .expect("compact flows are bounded");
                f.exact = false;
                f
            }
        }
    }

    fn build_with(
        journey: &Journey,
        enclosing: &[Vec<NodeIndex>],
        rounds: &Rounds,
        live: &dyn Fn(EdgeIndex) -> bool,
        budget: usize,
    ) -> Option<Flow> {
        let g = &journey.graph;
        let irregular = irregular_repeats(journey);
        let regular: Vec<bool> = g
            .node_indices()
            .map(|n| matches!(g[n].kind, NodeKind::Repeat { .. }) && !irregular[n.index()])
            .collect();
        let copies = |r: NodeIndex, times: u32| -> u32 {
            match rounds {
                Rounds::Compact => times.min(2),
                Rounds::Copies(f) => f(r, times).clamp(1, times),
            }
        };
        let mut index: HashMap<Key, u32> = HashMap::new();
        let mut keys: Vec<Key> = Vec::new();
        let mut succ: Vec<Vec<FEdge>> = Vec::new();
        let mut queue: VecDeque<u32> = VecDeque::new();

        let mut intern = |key: Key,
                          keys: &mut Vec<Key>,
                          succ: &mut Vec<Vec<FEdge>>,
                          queue: &mut VecDeque<u32>|
         -> Option<u32> {
            if let Some(&i) = index.get(&key) {
                return Some(i);
            }
            if keys.len() >= budget {
                return None;
            }
            let i = keys.len() as u32;
            index.insert(key.clone(), i);
            keys.push(key);
            succ.push(Vec::new());
            queue.push_back(i);
            Some(i)
        };

        // The key of `v` reached from a place inside the repeats `from_enc`
        // at copies `from_ctx`.
        let target = |v: NodeIndex, from_enc: &[NodeIndex], from_ctx: &[u32]| -> Key {
            let ctx = enclosing[v.index()]
                .iter()
                .map(|r| {
                    from_enc
                        .iter()
                        .position(|x| x == r)
                        .map_or(0, |i| from_ctx[i])
                })
                .collect();
            let head = if regular[v.index()] {
                Head::Fresh
            } else {
                Head::No
            };
            Key { node: v, ctx, head }
        };

        // Taking edge `e` to `v` from a place inside the repeats `from_enc`
        // at copies `from_ctx`: a back edge into an enclosing repeat ends
        // that repeat's round, anything else goes to `v` in context.
        let follow = |e: EdgeIndex,
                      v: NodeIndex,
                      from_enc: &[NodeIndex],
                      from_ctx: &[u32]|
         -> (Key, EdgeIndex, Option<NodeIndex>) {
            if journey.is_repeat_back_edge(e) {
                if let Some(pos) = from_enc.iter().position(|&r| r == v) {
                    let key = Key {
                        node: v,
                        ctx: from_ctx[..pos].to_vec(),
                        head: Head::After(from_ctx[pos]),
                    };
                    return (key, e, Some(v));
                }
            }
            (target(v, from_enc, from_ctx), e, None)
        };

        let entry = intern(
            Key {
                node: journey.entry,
                ctx: Vec::new(),
                head: Head::No,
            },
            &mut keys,
            &mut succ,
            &mut queue,
        )?;
        while let Some(i) = queue.pop_front() {
            let key = keys[i as usize].clone();
            let u = key.node;
            let u_enc = &enclosing[u.index()];
            let mut out: Vec<(Key, EdgeIndex, Option<NodeIndex>)> = Vec::new();
            if let (NodeKind::Repeat { times }, true) = (&g[u].kind, regular[u.index()]) {
                let times = *times;
                let m = if times == 0 { 0 } else { copies(u, times) };
                let mut body_enc = u_enc.clone();
                body_enc.push(u);
                let start_round = |k: u32, e: EdgeIndex, v: NodeIndex, out: &mut Vec<_>| {
                    if v == u {
                        // An empty body: the round ends at once.
                        out.push((
                            Key {
                                node: u,
                                ctx: key.ctx.clone(),
                                head: Head::After(k),
                            },
                            e,
                            Some(u),
                        ));
                    } else {
                        let mut ctx = key.ctx.clone();
                        ctx.push(k);
                        out.push((target(v, &body_enc, &ctx), e, None));
                    }
                };
                for e in g.edges_directed(u, Direction::Outgoing) {
                    if !live(e.id()) {
                        continue;
                    }
                    let v = e.target();
                    match (e.weight(), key.head) {
                        (Edge::Body, Head::Fresh) if times > 0 => {
                            start_round(0, e.id(), v, &mut out)
                        }
                        (Edge::Body, Head::Fresh) => {}
                        (Edge::Done, Head::Fresh) if times == 0 => {
                            out.push(follow(e.id(), v, u_enc, &key.ctx))
                        }
                        (Edge::Body, Head::After(r)) => {
                            if r + 1 < times {
                                start_round((r + 1).min(m - 1), e.id(), v, &mut out);
                            }
                        }
                        (Edge::Done, Head::After(r)) => {
                            if r + 1 == times || (r + 1 == m && m < times) {
                                out.push(follow(e.id(), v, u_enc, &key.ctx));
                            }
                        }
                        (Edge::Done, _) => {}
                        _ => out.push(follow(e.id(), v, u_enc, &key.ctx)),
                    }
                }
            } else {
                for e in g.edges_directed(u, Direction::Outgoing) {
                    if live(e.id()) {
                        out.push(follow(e.id(), e.target(), u_enc, &key.ctx));
                    }
                }
            }
            for (k, edge, round_of) in out {
                let to = intern(k, &mut keys, &mut succ, &mut queue)?;
                succ[i as usize].push(FEdge { to, edge, round_of });
            }
        }
        let mut pred = vec![Vec::new(); keys.len()];
        for (from, es) in succ.iter().enumerate() {
            for (k, e) in es.iter().enumerate() {
                pred[e.to as usize].push((from as u32, k as u32));
            }
        }
        Some(Flow {
            orig: keys.iter().map(|k| k.node).collect(),
            succ,
            pred,
            entry,
            exact: true,
        })
    }

    pub fn len(&self) -> usize {
        self.orig.len()
    }

    pub fn is_empty(&self) -> bool {
        self.orig.is_empty()
    }

    /// Flow nodes in reverse postorder from the entry.
    pub fn reverse_postorder(&self) -> Vec<u32> {
        let n = self.len();
        let mut visited = vec![false; n];
        let mut post = Vec::with_capacity(n);
        let mut stack: Vec<(u32, usize)> = vec![(self.entry, 0)];
        visited[self.entry as usize] = true;
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            let es = &self.succ[v as usize];
            if *i < es.len() {
                let w = es[*i].to;
                *i += 1;
                if !visited[w as usize] {
                    visited[w as usize] = true;
                    stack.push((w, 0));
                }
            } else {
                post.push(v);
                stack.pop();
            }
        }
        post.reverse();
        post
    }

    /// A forward "may" dataflow over bitsets of `words` 64-bit words:
    /// `IN[n]` is the union of `OUT` of the predecessors (plus `entry_in` at
    /// the entry), `OUT[n] = transfer(n, IN[n])`. Returns `IN` for every
    /// node, flattened (`words` words per node).
    ///
    /// Iterates in reverse postorder until nothing changes: for the gen/kill
    /// transfers used here that takes at most the loop nesting depth plus
    /// two passes, each linear in the flow's size times `words`.
    pub fn forward_union(
        &self,
        words: usize,
        entry_in: &[u64],
        transfer: &dyn Fn(u32, &mut [u64]),
    ) -> Vec<u64> {
        let n = self.len();
        let mut inp = vec![0u64; n * words];
        let mut out = vec![0u64; n * words];
        let order = self.reverse_postorder();
        let mut scratch = vec![0u64; words];
        let mut changed = true;
        while changed {
            changed = false;
            for &v in &order {
                let v = v as usize;
                scratch.iter_mut().for_each(|w| *w = 0);
                if v == self.entry as usize {
                    for (s, e) in scratch.iter_mut().zip(entry_in) {
                        *s |= e;
                    }
                }
                for &(p, _) in &self.pred[v] {
                    let p = p as usize;
                    for (s, o) in scratch.iter_mut().zip(&out[p * words..(p + 1) * words]) {
                        *s |= o;
                    }
                }
                inp[v * words..(v + 1) * words].copy_from_slice(&scratch);
                transfer(v as u32, &mut scratch);
                if out[v * words..(v + 1) * words] != scratch[..] {
                    out[v * words..(v + 1) * words].copy_from_slice(&scratch);
                    changed = true;
                }
            }
        }
        inp
    }

    /// Breadth-first search backwards from the predecessors of `from` for
    /// the nearest flow node satisfying `goal`; returns it and the path from
    /// it to `from` (flow edges, in order). `scratch` is reused between
    /// searches, so that each costs only what it visits.
    pub fn nearest_before(
        &self,
        from: u32,
        goal: &dyn Fn(u32) -> bool,
        scratch: &mut Scratch,
    ) -> Option<(u32, Vec<FEdge>)> {
        scratch.reset(self.len());
        for &(p, k) in &self.pred[from as usize] {
            scratch.discover(p, (p, k));
        }
        while let Some(v) = scratch.queue.pop_front() {
            if goal(v) {
                let mut path = Vec::new();
                let mut cur = v;
                loop {
                    let (p, k) = scratch.parent[cur as usize];
                    let e = self.succ[p as usize][k as usize];
                    path.push(e);
                    if e.to == from {
                        break;
                    }
                    cur = e.to;
                }
                return Some((v, path));
            }
            for &(p, k) in &self.pred[v as usize] {
                scratch.discover(p, (p, k));
            }
        }
        None
    }
}

/// Reusable buffers for searches over one flow: a visit mark per node
/// (stamped with a generation, so resetting is free), the edge each node
/// was discovered by, and the queue.
#[derive(Default)]
pub struct Scratch {
    stamp: Vec<u32>,
    generation: u32,
    pub parent: Vec<(u32, u32)>,
    pub queue: VecDeque<u32>,
}

impl Scratch {
    pub fn reset(&mut self, n: usize) {
        if self.stamp.len() != n || self.generation == u32::MAX {
            self.stamp = vec![0; n];
            self.parent = vec![(0, 0); n];
            self.generation = 0;
        }
        self.generation += 1;
        self.queue.clear();
    }

    pub fn seen(&self, v: u32) -> bool {
        self.stamp[v as usize] == self.generation
    }

    /// Marks `v` seen with its parent edge and queues it, unless seen.
    pub fn discover(&mut self, v: u32, parent: (u32, u32)) -> bool {
        if self.seen(v) {
            return false;
        }
        self.stamp[v as usize] = self.generation;
        self.parent[v as usize] = parent;
        self.queue.push_back(v);
        true
    }
}

/// Bitset helpers.
pub fn bit_get(set: &[u64], i: usize) -> bool {
    set[i / 64] >> (i % 64) & 1 == 1
}

pub fn bit_set(set: &mut [u64], i: usize) {
    set[i / 64] |= 1 << (i % 64);
}

pub fn bit_clear(set: &mut [u64], i: usize) {
    set[i / 64] &= !(1 << (i % 64));
}
