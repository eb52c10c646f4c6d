//! The journey graph as the path-based lints see it: `repeat` loops with
//! their round counts made explicit.
//!
//! A journey graph has one node per step; a `repeat N times` is a loop head
//! whose `Done` edge may only be taken after exactly N rounds, which plain
//! graph paths cannot express (they may skip the body, or go round forever).
//! A [`Flow`] splits each repeat's head in two, where the rounds start
//! (`Body` only) and where a round ends (`Body` again, or `Done` once enough
//! rounds were made), and copies the body of each repeat once per round it
//! needs to tell apart, so that plain paths in the flow are the executions
//! of the journey (conditions aside: every branch is assumed possible):
//!
//! - [`Rounds::Single`] keeps one copy of every body: a repeat of N >= 2
//!   rounds may then go round any number of times, at least once (one of
//!   one round exactly once). That is exact for questions about *which*
//!   messages may or may not have been sent before a point: a path with too
//!   many rounds has one with fewer that sends the same (drop rounds that
//!   repeat what another round sent), and one with too few has one with
//!   more (repeat a round it made). The dataflow lints use it; the flow is
//!   at most twice the size of the journey.
//! - [`Rounds::Copies`] asks for a number of copies per loop: the frequency
//!   cap, which counts sends and adds up time, unrolls loops as far as a
//!   limit's period can see (see `frequency_cap`). Nested loops multiply
//!   copies, so a flow larger than [`copies_budget`] falls back to one copy
//!   of every body (and says it is not exact).
//!
//! Flow nodes are only created when reachable from the entry over *live*
//! edges (those the graph's reachability analysis, `analysis::reach`, finds
//! some execution can take), so unreachable steps are absent: what
//! `unreachable-step` reports is not reported again by these lints. Each
//! flow node knows the journey node it copies and each flow edge the
//! journey edge it copies; an edge that ends a round of a repeat is marked
//! with that repeat.
//!
//! A repeat's body is the steps it encloses (`Node::parent`); the journey's
//! `repeat_back_edges` end a round, any other edge into the repeat node
//! starts the loop afresh (its counter starts again at zero). A repeat
//! whose body a `goto` enters from outside is *irregular*
//! ([`Journey::regular_repeats`]): its round count means nothing there, and
//! it is taken as a plain loop that may go round any number of times.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::analysis::sets::Set;
use crate::graph::{Edge, Journey, NodeKind};

/// How many copies of each repeat body to make.
pub enum Rounds<'a> {
    /// One: see the module docs.
    Single,
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
///
/// Nodes are numbered in breadth-first order from the entry; edges are
/// numbered by their source (all of node 0's first), so a node's
/// successors and predecessors are each one slice.
pub struct Flow {
    /// The journey node of each flow node.
    pub orig: Vec<NodeIndex>,
    /// Every edge, by source.
    edges: Vec<FEdge>,
    /// Node `v`'s successors are `edges[succ_start[v]..succ_start[v + 1]]`.
    succ_start: Vec<u32>,
    /// Every edge by target, as (source, edge number).
    preds: Vec<(u32, u32)>,
    /// Node `v`'s predecessors are `preds[pred_start[v]..pred_start[v + 1]]`.
    pred_start: Vec<u32>,
    pub entry: u32,
    /// False when the flow had to be cut short (see [`Flow::build`]): loops
    /// then may run more rounds than written, which over-approximates.
    pub exact: bool,
}

/// The most flow nodes [`Rounds::Copies`] may make for a journey of
/// `nodes` nodes before falling back to one copy of each body: linear in
/// the journey, so that nested loops cannot multiply it.
pub fn copies_budget(nodes: usize) -> usize {
    nodes.saturating_mul(8).saturating_add(1 << 16)
}

/// The enclosing repeats of every journey node, and the copies to make of
/// each repeat's body.
type Unrolling<'a> = (&'a [Vec<NodeIndex>], &'a dyn Fn(NodeIndex, u32) -> u32);

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
    /// Copy index per enclosing regular repeat, outermost first (empty
    /// with one copy of everything).
    ctx: Vec<u32>,
    head: Head,
}

/// For every journey node, the regular repeat nodes whose body it lies in,
/// outermost first.
pub fn enclosing_repeats(journey: &Journey) -> Vec<Vec<NodeIndex>> {
    let g = &journey.graph;
    let regular = journey.regular_repeats();
    // Parents come before their children.
    let mut out: Vec<Vec<NodeIndex>> = Vec::with_capacity(g.node_count());
    for n in g.node_indices() {
        let v = match g[n].parent {
            Some(p) => {
                let mut v = out[p.index()].clone();
                if regular[p.index()] {
                    v.push(p);
                }
                v
            }
            None => Vec::new(),
        };
        out.push(v);
    }
    out
}

impl Flow {
    /// Builds the flow of a journey over the edges for which `live` holds
    /// (those some execution can take, from the graph's reachability
    /// analysis; or every edge). When [`Rounds::Copies`] would need more
    /// than [`copies_budget`] flow nodes, falls back to
    /// [`Rounds::Single`] and sets `exact` to false.
    pub fn build(journey: &Journey, rounds: Rounds, live: &dyn Fn(EdgeIndex) -> bool) -> Flow {
        let g = &journey.graph;
        let regular = journey.regular_repeats();
        // Copies that are all one are a single copy.
        let one_each = |copies: &dyn Fn(NodeIndex, u32) -> u32| {
            g.node_indices().all(|r| match g[r].kind {
                NodeKind::Repeat { times } if regular[r.index()] && times > 1 => {
                    copies(r, times).clamp(1, times) == 1
                }
                _ => true,
            })
        };
        match rounds {
            Rounds::Copies(copies) if one_each(copies) => {
                Self::build(journey, Rounds::Single, live)
            }
            Rounds::Single => Self::build_with(journey, regular, None, live, usize::MAX)
                .expect("single flows are not budgeted"),
            Rounds::Copies(copies) => {
                let enclosing = enclosing_repeats(journey);
                let budget = copies_budget(journey.graph.node_count());
                match Self::build_with(journey, regular, Some((&enclosing, copies)), live, budget) {
                    Some(f) => f,
                    None => {
                        let mut f = Self::build_with(journey, regular, None, live, usize::MAX)
                            .expect("single flows are not budgeted");
                        f.exact = false;
                        f
                    }
                }
            }
        }
    }

    /// `copies`: the enclosing repeats of every node and the copies per
    /// repeat, or `None` for one copy of everything.
    fn build_with(
        journey: &Journey,
        regular: &[bool],
        copies: Option<Unrolling>,
        live: &dyn Fn(EdgeIndex) -> bool,
        budget: usize,
    ) -> Option<Flow> {
        let g = &journey.graph;
        let count = |r: NodeIndex, times: u32| -> u32 {
            match copies {
                None => 1,
                Some((_, f)) => f(r, times).clamp(1, times),
            }
        };
        // With one copy of everything a key is a journey node and whether
        // it is a repeat's `After` side: a slot in a table; with copies, the
        // contexts need a map.
        let n = g.node_count();
        let mut direct: Vec<u32> = if copies.is_none() {
            vec![u32::MAX; 2 * n]
        } else {
            Vec::new()
        };
        let mut index: HashMap<Key, u32> = HashMap::new();
        let mut keys: Vec<Key> = Vec::new();
        let mut queue: VecDeque<u32> = VecDeque::new();

        let mut intern =
            |key: Key, keys: &mut Vec<Key>, queue: &mut VecDeque<u32>| -> Option<u32> {
                let slot = if copies.is_none() {
                    let s = 2 * key.node.index() + usize::from(matches!(key.head, Head::After(_)));
                    if direct[s] != u32::MAX {
                        return Some(direct[s]);
                    }
                    Some(s)
                } else {
                    if let Some(&i) = index.get(&key) {
                        return Some(i);
                    }
                    None
                };
                if keys.len() >= budget {
                    return None;
                }
                let i = keys.len() as u32;
                match slot {
                    Some(s) => direct[s] = i,
                    None => {
                        index.insert(key.clone(), i);
                    }
                }
                keys.push(key);
                queue.push_back(i);
                Some(i)
            };

        // The enclosing regular repeats of `v`, when copies are counted.
        let enclosing = |v: NodeIndex| -> &[NodeIndex] {
            match copies {
                Some((enc, _)) => &enc[v.index()],
                None => &[],
            }
        };
        // The key of `v` reached from a place inside the repeats `from_enc`
        // at copies `from_ctx`.
        let target = |v: NodeIndex, from_enc: &[NodeIndex], from_ctx: &[u32]| -> Key {
            let ctx = enclosing(v)
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
        // at copies `from_ctx`: a back edge into a regular repeat ends that
        // repeat's round, anything else goes to `v` in context.
        let follow = |e: EdgeIndex,
                      v: NodeIndex,
                      from_enc: &[NodeIndex],
                      from_ctx: &[u32]|
         -> (Key, EdgeIndex, Option<NodeIndex>) {
            if journey.is_repeat_back_edge(e) && regular[v.index()] {
                let pos = from_enc.iter().position(|&r| r == v);
                let (ctx, copy) = match pos {
                    Some(pos) => (from_ctx[..pos].to_vec(), from_ctx[pos]),
                    None => (from_ctx.to_vec(), 0),
                };
                let key = Key {
                    node: v,
                    ctx,
                    head: Head::After(copy),
                };
                return (key, e, Some(v));
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
            &mut queue,
        )?;
        let mut edges: Vec<FEdge> = Vec::new();
        let mut succ_start: Vec<u32> = Vec::new();
        // Nodes come out of the queue in the order they were numbered, so
        // their edges are pushed by source.
        while let Some(i) = queue.pop_front() {
            debug_assert_eq!(i as usize, succ_start.len());
            succ_start.push(edges.len() as u32);
            let key = keys[i as usize].clone();
            let u = key.node;
            let u_enc = enclosing(u);
            let mut out: Vec<(Key, EdgeIndex, Option<NodeIndex>)> = Vec::new();
            if let (NodeKind::Repeat { times }, true) = (&g[u].kind, regular[u.index()]) {
                let times = *times;
                let m = if times == 0 { 0 } else { count(u, times) };
                let mut body_enc = u_enc.to_vec();
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
                        if copies.is_some() {
                            ctx.push(k);
                        }
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
                let to = intern(k, &mut keys, &mut queue)?;
                edges.push(FEdge { to, edge, round_of });
            }
        }
        succ_start.push(edges.len() as u32);
        // Without the spare room they grew into: a flow lives until the
        // last lint that reads it.
        edges.shrink_to_fit();
        succ_start.shrink_to_fit();
        // Predecessors by counting: in the order of their sources.
        let len = keys.len();
        let mut pred_start = vec![0u32; len + 1];
        for e in &edges {
            pred_start[e.to as usize + 1] += 1;
        }
        for v in 0..len {
            pred_start[v + 1] += pred_start[v];
        }
        let mut fill = pred_start.clone();
        let mut preds = vec![(0u32, 0u32); edges.len()];
        for v in 0..len {
            for k in succ_start[v]..succ_start[v + 1] {
                let t = edges[k as usize].to as usize;
                preds[fill[t] as usize] = (v as u32, k);
                fill[t] += 1;
            }
        }
        Some(Flow {
            orig: keys.into_iter().map(|k| k.node).collect(),
            edges,
            succ_start,
            preds,
            pred_start,
            entry,
            exact: true,
        })
    }

    /// The edges out of `v`.
    pub fn succ(&self, v: u32) -> &[FEdge] {
        let v = v as usize;
        &self.edges[self.succ_start[v] as usize..self.succ_start[v + 1] as usize]
    }

    /// The edges into `v`, as (source, edge number).
    pub fn pred(&self, v: u32) -> &[(u32, u32)] {
        let v = v as usize;
        &self.preds[self.pred_start[v] as usize..self.pred_start[v + 1] as usize]
    }

    /// Edge number `k`.
    pub fn edge(&self, k: u32) -> FEdge {
        self.edges[k as usize]
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
            let es = self.succ(v);
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

    /// The position of every flow node in reverse postorder from the entry
    /// (`u32::MAX` for none: every flow node is reachable).
    fn rpo_positions(&self) -> Vec<u32> {
        let mut pos = vec![u32::MAX; self.len()];
        for (i, v) in self.reverse_postorder().into_iter().enumerate() {
            pos[v as usize] = i as u32;
        }
        pos
    }

    /// A forward "may" dataflow over persistent sets: `IN[n]` is the union
    /// of `OUT` of the predecessors (plus `entry_in` at the entry),
    /// `OUT[n] = transfer(n, IN[n])`. Returns `IN` for every node.
    ///
    /// A worklist in reverse postorder: a node is looked at again only
    /// when its `IN` grew, and sets are versions of one persistent tree
    /// ([`Set`]), so the cost follows what changes, not the number of
    /// nodes times the number of members. `transfer` must be monotone
    /// (adding to or removing from its input a fixed member, as here).
    pub fn forward_union(&self, entry_in: Set, transfer: &dyn Fn(u32, &Set) -> Set) -> Vec<Set> {
        let n = self.len();
        let pos = self.rpo_positions();
        let mut inp = vec![Set::new(); n];
        let mut out = vec![Set::new(); n];
        let mut seen = vec![false; n];
        let mut queued = vec![false; n];
        let mut heap = BinaryHeap::new();
        inp[self.entry as usize] = entry_in;
        seen[self.entry as usize] = true;
        queued[self.entry as usize] = true;
        heap.push(Reverse((pos[self.entry as usize], self.entry)));
        while let Some(Reverse((_, v))) = heap.pop() {
            let v = v as usize;
            queued[v] = false;
            let o = transfer(v as u32, &inp[v]);
            out[v] = o;
            for e in self.succ(v as u32) {
                let w = e.to as usize;
                let grown = inp[w].union(&out[v]);
                let changed = !grown.ptr_eq(&inp[w]);
                inp[w] = grown;
                if (changed || !seen[w]) && !queued[w] {
                    seen[w] = true;
                    queued[w] = true;
                    heap.push(Reverse((pos[w], e.to)));
                }
            }
        }
        inp
    }

    /// Per flow node: whether it lies on a cycle (a path of one edge or
    /// more back to itself).
    pub fn on_cycle(&self) -> Vec<bool> {
        let mut g: petgraph::graph::DiGraph<(), (), u32> =
            petgraph::graph::DiGraph::with_capacity(self.len(), self.len());
        for _ in 0..self.len() {
            g.add_node(());
        }
        for v in 0..self.len() {
            for e in self.succ(v as u32) {
                g.add_edge(NodeIndex::new(v), NodeIndex::new(e.to as usize), ());
            }
        }
        let mut out = vec![false; self.len()];
        for scc in crate::analysis::scc::sccs(&g).iter() {
            let v = scc[0].index();
            if scc.len() > 1 || self.succ(v as u32).iter().any(|e| e.to as usize == v) {
                for n in scc {
                    out[n.index()] = true;
                }
            }
        }
        out
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
        for &(p, k) in self.pred(from) {
            scratch.discover(p, (p, k));
        }
        while let Some(v) = scratch.queue.pop_front() {
            if goal(v) {
                let mut path = Vec::new();
                let mut cur = v;
                loop {
                    let (_, k) = scratch.parent[cur as usize];
                    let e = self.edge(k);
                    path.push(e);
                    if e.to == from {
                        break;
                    }
                    cur = e.to;
                }
                return Some((v, path));
            }
            for &(p, k) in self.pred(v) {
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
