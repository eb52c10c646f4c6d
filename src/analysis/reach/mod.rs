//! Which nodes some execution can reach and which edges it can take: a
//! forward dataflow of the facts known at each point (see [`crate::analysis::sat`]).
//!
//! Each node's state is the conjunction of literals known there (the meet
//! over incoming edges is intersection: what holds on every path) and the
//! set of messages that may have been sent before it (the meet is union;
//! only messages whose engagement is checked somewhere are tracked, in a
//! persistent set shared between nodes, [`crate::analysis::sets::Set`]). The
//! analysis is optimistic: nodes start unreached, and an edge becomes live
//! once its source is reached and its condition can hold given the facts.
//! Facts only shrink and sent sets only grow, so edges only come alive and
//! the worklist (in reverse post-order) terminates, touching each node a
//! bounded number of times: no path is ever enumerated.
//!
//! Edge rules:
//! - out of entry: the audience, the trigger filter and (for `trigger
//!   enters S`) the segment `S` must hold together;
//! - `If(i)`: arm `i` holds and arms `0..i` do not; `Else`: no arm holds;
//! - a split arm with 0% is never taken;
//! - `Matched` of a `wait for` on the goal or an exit event is never taken
//!   (the event ends the journey first); on `opened`/`clicked m` it needs
//!   `m` possibly sent before; once taken, `did E since entry` (or the
//!   engagement) is known;
//! - `Body` of `repeat 0 times` is never taken; `Done` of a regular repeat
//!   is taken only after a round, so it carries the facts at the end of the
//!   body and is dead when no round can finish; the end of the body feeds
//!   the head again only when there is more than one round; `Done` of an
//!   irregular repeat (one whose body a `goto` enters) carries the facts
//!   of the head, but is dead too while no round can finish (arriving
//!   other than from the end of a round starts the rounds afresh);
//! - an edge where time may pass forgets every fact that is not persistent;
//! - out of a `set`/`unset`: the facts about the attribute (and opaque
//!   facts that are not persistent, which may read it) are forgotten, and
//!   what it wrote is known (`attr == v`, `list contains` each element or
//!   `is empty`, `is set`; `is not set` after `unset`).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

mod parts;
mod transfer;

use transfer::{Ctx, GoesOut, Sent};

use parts::States;
pub use parts::{Slot, MAX_PARTS};

use crate::analysis::content::content_classes;
use crate::analysis::sat::{
    cond_key, Atom, AtomId, CVal, Conj, Fact, Leaf, Lit, Logic, Role, Special, Term, Window,
    MAX_FACTS,
};
use crate::analysis::sets::Set;
use crate::analysis::timing::edge_bounds;
use crate::graph::{Edge, Journey, NodeKind};
use crate::model::{CmpOp, Cond, CondKind, EventId, MessageId, Program, SetValue, Trigger, WaitOn};

/// Why no execution takes an edge out of a reached node.
#[derive(Clone, Debug, PartialEq)]
pub enum Dead {
    /// The edge's condition cannot hold given what is known: the leaves of
    /// the condition and the facts involved (over all of its disjuncts).
    Conflict {
        leaves: Vec<Leaf>,
        facts: Vec<Leaf>,
        special: Option<Special>,
    },
    /// A split arm with weight 0.
    ZeroWeight,
    /// `wait for` the goal (`true`) or an exit event: the journey ends
    /// when it happens.
    WaitEnds { event: EventId, goal: bool },
    /// An `on` of a `wait for any` that the `on` with this index, earlier
    /// in the step, always takes first.
    Shadowed { earlier: usize },
    /// `wait for opened/clicked m` with `m` not sent before.
    NotSent { msg: MessageId, clicked: bool },
    /// `repeat 0 times`.
    NeverRuns,
    /// The `Done` edge of a repeat whose body never finishes a round.
    NoRound,
}

/// The result of the analysis.
pub struct Reach<'a> {
    pub logic: Logic<'a>,
    /// Per node: some execution may reach it.
    pub reached: Vec<bool>,
    /// Per edge: some execution may take it.
    pub live: Vec<bool>,
    /// Dead edges out of reached nodes, and why.
    pub dead: HashMap<EdgeIndex, Dead>,
    /// Per node: the states of its partitions on arrival (see [`parts`]).
    parts: States,
    /// The bit of each message whose engagement is tracked in
    /// [`State::sent`].
    pub bits: HashMap<MessageId, u32>,
    /// Every leaf that may become known, which [`State::facts`] refer to.
    pub leaves: Leaves,
}

impl Reach<'_> {
    /// Whether `m` may have been sent before `state` (`false` when its
    /// engagement is checked nowhere: it is not tracked).
    pub fn may_have_sent(&self, state: &State, m: MessageId) -> bool {
        self.bits.get(&m).is_some_and(|&b| state.sent.contains(b))
    }

    /// The states of the partitions at `n` (empty when unreached).
    pub fn states(&self, n: NodeIndex) -> impl Iterator<Item = &State> {
        self.parts.at(n.index()).iter()
    }

    /// The facts known on arrival at `n` on every path (`None` when
    /// unreached).
    pub fn facts(&self, n: NodeIndex) -> Option<Vec<Fact>> {
        parts::joined(self.parts.at(n.index()))
            .map(|s| s.facts.iter().map(|&f| self.leaves.fact(f)).collect())
    }

    pub fn is_reached(&self, n: NodeIndex) -> bool {
        self.reached[n.index()]
    }
    pub fn is_live(&self, e: EdgeIndex) -> bool {
        self.live[e.index()]
    }
}

/// What is known on the paths of one partition at one point.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// The literals known, sorted by literal, each with its leaf in
    /// [`Reach::leaves`].
    pub facts: Facts,
    /// The tracked messages that may have been sent (by their bit).
    pub sent: Set,
    /// The content classes ([`crate::analysis::content::content_classes`])
    /// that may have been sent, among those a journey can send twice (sent
    /// at two steps, or at one on a loop).
    pub content: Set,
}

/// Runs the analysis on one journey, with at most [`MAX_PARTS`] partitions
/// per point.
pub fn analyze<'a>(program: &'a Program, journey: &Journey) -> Reach<'a> {
    analyze_bounded(program, journey, MAX_PARTS)
}

/// [`analyze`] with the program's content classes already computed
/// ([`content_classes`], once for every journey of a run).
pub fn analyze_with<'a>(program: &'a Program, journey: &Journey, classes: &[usize]) -> Reach<'a> {
    analyze_classes(program, journey, MAX_PARTS, classes)
}

/// Runs the analysis with at most `bound` partitions per point (1: the
/// path-insensitive analysis, facts joined at every merge).
pub fn analyze_bounded<'a>(program: &'a Program, journey: &Journey, bound: usize) -> Reach<'a> {
    analyze_classes(program, journey, bound, &content_classes(program))
}

fn analyze_classes<'a>(
    program: &'a Program,
    journey: &Journey,
    bound: usize,
    all_classes: &[usize],
) -> Reach<'a> {
    let g = &journey.graph;
    let campaign = program.campaign(journey.campaign);
    let goal = campaign.goal.map(|(e, _)| e);
    let mut logic = Logic::for_campaign(program, campaign);

    // Every leaf that may become known, in runs.
    let mut leaves = Leaves::default();
    // Edge conditions, in DNF.
    let mut conds: HashMap<EdgeIndex, Vec<Run>> = HashMap::new();
    let enters;
    let mut entry_parts: Vec<(&Cond, bool, Role)> = Vec::new();
    if let Some(a) = &campaign.audience {
        entry_parts.push((a, true, Role::Audience));
    }
    match &campaign.trigger {
        Trigger::Event {
            filter: Some(f), ..
        } => entry_parts.push((f, true, Role::TriggerFilter)),
        Trigger::Enters(s) => {
            enters = Cond {
                kind: CondKind::Segment(*s),
                loc: campaign.trigger_loc,
            };
            entry_parts.push((&enters, true, Role::TriggerSegment));
        }
        _ => {}
    }
    for c in &campaign.exit_unless {
        entry_parts.push((c, true, Role::ExitUnless));
    }
    let entry_dnf = leaves.dnf(logic.dnf(&entry_parts));
    for e in g.edges_directed(journey.entry, Direction::Outgoing) {
        conds.insert(e.id(), entry_dnf.clone());
    }
    let exit_unless: Vec<Run> = if campaign.exit_unless.is_empty() {
        Vec::new()
    } else {
        let parts: Vec<(&Cond, bool, Role)> = campaign
            .exit_unless
            .iter()
            .map(|c| (c, true, Role::ExitUnless))
            .collect();
        leaves.dnf(logic.dnf(&parts))
    };
    for e in g.edge_references() {
        let cs = g[e.source()].kind.guards();
        if cs.is_empty() {
            continue;
        }
        let branch = e.source().index() as u32;
        let upto = match e.weight() {
            Edge::If(i) => *i,
            Edge::Else => cs.len(),
            _ => continue,
        };
        let mut parts: Vec<(&Cond, bool, Role)> = Vec::new();
        if upto < cs.len() {
            parts.push((
                &cs[upto],
                true,
                Role::Arm {
                    branch,
                    index: upto as u32,
                    taken: true,
                },
            ));
        }
        for j in (0..upto.min(cs.len())).rev() {
            parts.push((
                &cs[j],
                false,
                Role::Arm {
                    branch,
                    index: j as u32,
                    taken: false,
                },
            ));
        }
        conds.insert(e.id(), leaves.dnf(logic.dnf(&parts)));
    }

    // What a `wait for` (or an `on` of a `wait for any`, by its index)
    // that matched makes known.
    let mut matched: HashMap<(NodeIndex, usize), Run> = HashMap::new();
    let mut wait_ends: HashSet<(NodeIndex, usize)> = HashSet::new();
    let mut shadowed: HashMap<(NodeIndex, usize), usize> = HashMap::new();
    for u in g.node_indices() {
        let awaited: Vec<(&WaitOn, Option<&Cond>)> = match &g[u].kind {
            NodeKind::WaitFor { on, filter, .. } => vec![(on, filter.as_deref())],
            NodeKind::WaitAny { arms, .. } => {
                arms.iter().map(|(on, f, _)| (on, f.as_ref())).collect()
            }
            _ => continue,
        };
        for (i, &(on, filter)) in awaited.iter().enumerate() {
            // An earlier `on` takes everything this one waits for.
            let earlier = (0..i).find(|&j| {
                let (on_j, filter_j) = awaited[j];
                on_j == on && filter_j.is_none_or(|fj| logic.implies(filter, fj))
            });
            if let Some(j) = earlier {
                shadowed.insert((u, i), j);
            }
            let role = Role::Matched {
                node: u.index() as u32,
            };
            let loc = g[u].loc;
            if let WaitOn::Event(ev) = on {
                // Whatever it waits for would end the journey first.
                if logic.ends_journey(*ev, filter) == Some(true) {
                    wait_ends.insert((u, i));
                }
            }
            let atoms = match on {
                WaitOn::Event(ev) => {
                    let did = |filter| Atom::Did {
                        event: *ev,
                        filter,
                        window: Window::SinceEntry,
                        at_least: 1,
                    };
                    let mut v = vec![did(None)];
                    if let Some(f) = filter {
                        v.push(did(Some(cond_key(f))));
                    }
                    v
                }
                WaitOn::Opened(m) => vec![Atom::Engaged {
                    msg: *m,
                    clicked: false,
                }],
                WaitOn::Clicked(m) => vec![Atom::Engaged {
                    msg: *m,
                    clicked: true,
                }],
            };
            let known = atoms.into_iter().map(|a| logic.known(a, loc, role));
            matched.insert((u, i), leaves.push(known));
        }
    }

    // What an action that writes (`set`, `unset`) makes known.
    let mut written: HashMap<NodeIndex, (Term, Run)> = HashMap::new();
    for u in g.node_indices() {
        let Some((attr, value)) = (match &g[u].kind {
            NodeKind::Action(a) => a.write(),
            _ => None,
        }) else {
            continue;
        };
        let term = Term::Attr(*attr);
        let role = Role::Set {
            node: u.index() as u32,
        };
        let loc = g[u].loc;
        let mut known = Vec::new();
        let mut know = |atom: Atom, positive: bool| {
            let mut l = logic.known(atom, loc, role);
            if !positive {
                l.lit = l.lit.negate();
            }
            known.push(l);
        };
        match value {
            None => know(Atom::IsSet(term), false),
            Some(SetValue::Const(c)) => know(
                Atom::Cmp {
                    term,
                    op: CmpOp::Eq,
                    val: CVal::from_const(c),
                },
                true,
            ),
            Some(SetValue::List(items)) => {
                know(Atom::IsSet(term), true);
                know(Atom::Empty(term), items.is_empty());
                for c in items {
                    know(
                        Atom::Contains {
                            term,
                            val: CVal::from_const(c),
                        },
                        true,
                    );
                }
            }
            Some(SetValue::Now) => know(Atom::IsSet(term), true),
            // The field may be unset: nothing is known.
            Some(SetValue::TriggerField(..)) => {}
        }
        written.insert(u, (term, leaves.push(known)));
    }

    // What a send changes in the person's history: every `received` that
    // counts the message is no longer known false, and those that need it
    // once are known true (see [`Sent`]) when the send goes out for sure:
    // a runner skips it for a missing consent (unless the consent is
    // known to hold there) or a campaign or channel limit.
    let mut sends: HashMap<NodeIndex, Sent> = HashMap::new();
    let received: Vec<(AtomId, crate::model::Received, u32)> = logic
        .atoms()
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match a {
            Atom::Received { what, at_least, .. } => Some((i as AtomId, *what, *at_least)),
            _ => None,
        })
        .collect();
    if !received.is_empty() {
        for u in g.node_indices() {
            let NodeKind::Send(m) = g[u].kind else {
                continue;
            };
            let channel = program.message(m).channel;
            let ch = program.channel(channel);
            let limited =
                !ch.limits.is_empty() || !program.campaign(journey.campaign).limits.is_empty();
            let consent = ch.consent.map(|a| {
                let given = Atom::Cmp {
                    term: Term::Attr(a),
                    op: CmpOp::Eq,
                    val: CVal::Bool(true),
                };
                logic.intern(given)
            });
            let counted = received
                .iter()
                .filter(|(_, what, _)| what.counts(m, channel));
            let sent = Sent {
                counted: counted.clone().map(|(id, ..)| *id).collect(),
                goes_out: match consent {
                    _ if limited => GoesOut::Never,
                    None => GoesOut::Always,
                    Some(atom) => GoesOut::With(Lit::new(atom, true)),
                },
                known: leaves.push(counted.filter(|(.., n)| *n <= 1).map(|(id, ..)| Leaf {
                    lit: Lit::new(*id, true),
                    loc: g[u].loc,
                    holds: true,
                    via: None,
                    role: Role::Sent {
                        node: u.index() as u32,
                    },
                })),
            };
            sends.insert(u, sent);
        }
    }

    // Messages whose engagement is checked somewhere get a bit.
    let mut bits: HashMap<MessageId, u32> = HashMap::new();
    for a in logic.atoms() {
        if let Atom::Engaged { msg, .. } = a {
            let k = bits.len() as u32;
            bits.entry(*msg).or_insert(k);
        }
    }
    for n in g.node_weights() {
        let engaged: Vec<&WaitOn> = match &n.kind {
            NodeKind::WaitFor { on, .. } => vec![on],
            NodeKind::WaitAny { arms, .. } => arms.iter().map(|(on, ..)| on).collect(),
            _ => continue,
        };
        for on in engaged {
            if let WaitOn::Opened(m) | WaitOn::Clicked(m) = on {
                let k = bits.len() as u32;
                bits.entry(*m).or_insert(k);
            }
        }
    }

    let takes_time: Vec<bool> = g
        .edge_indices()
        .map(|e| edge_bounds(program, journey, e).may_take_time())
        .collect();
    // `exit unless` is checked when flow leaves a step where time passed
    // (the edges that may take time), and at entry (above).
    let checkpoints: Vec<bool> = g
        .edge_references()
        .map(|e| {
            !exit_unless.is_empty()
                && takes_time[e.id().index()]
                && !matches!(e.weight(), Edge::Ends(_))
        })
        .collect();
    let regular = journey.regular_repeats();
    let back_to: Vec<Option<NodeIndex>> = {
        let mut v = vec![None; g.edge_count()];
        for &b in &journey.repeat_back_edges {
            let (_, h) = g.edge_endpoints(b).expect("edge");
            if regular[h.index()] {
                v[b.index()] = Some(h);
            }
        }
        v
    };

    // Reverse post-order from entry, for the worklist priority.
    let order = rpo(journey);

    let n = g.node_count();
    let mut state: Vec<Slot> = vec![Slot::default(); n];
    let mut round: HashMap<NodeIndex, Slot> = HashMap::new();
    // Irregular repeats some round of which can end.
    let mut round_ends = vec![false; g.node_count()];
    let mut live = vec![false; g.edge_count()];
    let mut dead: HashMap<EdgeIndex, Dead> = HashMap::new();
    let mut queued = vec![false; n];
    let mut heap = BinaryHeap::new();
    state[journey.entry.index()].add(
        &State {
            facts: Facts::default(),
            sent: parts::empty(),
            content: parts::empty(),
        },
        bound,
        &leaves,
    );
    heap.push(Reverse((
        order[journey.entry.index()],
        journey.entry.index(),
    )));
    queued[journey.entry.index()] = true;

    // Content classes that can be sent twice: sent at two nodes or more,
    // or at one on a cycle. Only those are tracked.
    let mut sites: HashMap<usize, usize> = HashMap::new();
    for v in g.node_indices() {
        if let NodeKind::Send(m) = g[v].kind {
            *sites.entry(all_classes[m.index()]).or_default() += 1;
        }
    }
    // Keyed by the journey's own messages: a dense table over the
    // program's would cost every journey the size of the whole project.
    let mut classes: HashMap<MessageId, u32> = HashMap::new();
    for scc in crate::analysis::scc::sccs(g).iter() {
        let looped = scc.len() > 1 || g.contains_edge(scc[0], scc[0]);
        for &v in scc {
            if let NodeKind::Send(m) = g[v].kind {
                let c = all_classes[m.index()];
                if looped || sites[&c] >= 2 {
                    classes.insert(m, c as u32);
                }
            }
        }
    }
    // Messages of those classes get a bit too: whether each was sent
    // tells a resend to non-openers from a repeat
    // ([`crate::analysis::content`]).
    for v in g.node_indices() {
        if let NodeKind::Send(m) = g[v].kind {
            if classes.contains_key(&m) {
                let k = bits.len() as u32;
                bits.entry(m).or_insert(k);
            }
        }
    }
    let ctx = Ctx {
        journey,
        leaves: &leaves,
        logic: &logic,
        conds: &conds,
        bits: &bits,
        classes: &classes,
        takes_time: &takes_time,
        goal,
        wait_ends: &wait_ends,
        shadowed: &shadowed,
        matched: &matched,
        sends: &sends,
        written: &written,
        checkpoints: &checkpoints,
        exit_unless: &exit_unless,
    };

    while let Some(Reverse((_, u))) = heap.pop() {
        queued[u] = false;
        let un = NodeIndex::new(u);
        if state[u].is_empty() {
            continue;
        }
        // The states leaving `u` (what a send adds to the sent sets), once
        // for all of its out edges: the versions of the sets they make are
        // shared by every target.
        let here = leave_all(&ctx, un, &state[u].parts);
        let mut targets: Vec<(EdgeIndex, NodeIndex)> = g
            .edges_directed(un, Direction::Outgoing)
            .map(|e| (e.id(), e.target()))
            .collect();
        targets.sort();
        for (e, v) in targets {
            let times = match g[un].kind {
                NodeKind::Repeat { times } => Some(times),
                _ => None,
            };
            let src = if g[e] == Edge::Done && regular[u] && times != Some(0) {
                match round.get(&un) {
                    Some(r) => leave_all(&ctx, un, &r.parts),
                    None => {
                        dead.insert(e, Dead::NoRound);
                        continue;
                    }
                }
            } else if g[e] == Edge::Done && times != Some(0) && !round_ends[u] {
                dead.insert(e, Dead::NoRound);
                continue;
            } else {
                here.clone()
            };
            for s in &src {
                match ctx.transfer(e, un, s) {
                    Ok(out) => {
                        live[e.index()] = true;
                        dead.remove(&e);
                        let mut changed = false;
                        if back_to[e.index()] == Some(v) {
                            changed |= round.entry(v).or_default().add(&out, bound, &leaves);
                            // After the last round the body does not run again.
                            if matches!(g[v].kind, NodeKind::Repeat { times } if times > 1) {
                                changed |= state[v.index()].add(&out, bound, &leaves);
                            }
                        } else {
                            changed |= state[v.index()].add(&out, bound, &leaves);
                            if journey.is_repeat_back_edge(e) && !round_ends[v.index()] {
                                // An irregular repeat: its `Done` comes alive.
                                round_ends[v.index()] = true;
                                changed = true;
                            }
                        }
                        if changed && !queued[v.index()] {
                            queued[v.index()] = true;
                            heap.push(Reverse((order[v.index()], v.index())));
                        }
                    }
                    Err(cause) => {
                        if !live[e.index()] {
                            dead.entry(e).or_insert(cause);
                        }
                    }
                }
            }
        }
    }

    // What the analysis used, freed before its states are laid out.
    drop((conds, matched, sends, written, round, heap, queued, order));
    drop((takes_time, checkpoints, classes, sites));
    let reached = state.iter().map(|s| !s.is_empty()).collect();
    Reach {
        logic,
        reached,
        live,
        dead,
        parts: States::new(state),
        bits,
        leaves,
    }
}

/// Every leaf that may become known in the analysis of one journey: the
/// edge conditions and `exit unless` (each conjunction of their DNF a
/// [`Run`]), and what a matched `wait for`, a write or a send makes
/// known. A state's facts refer to their leaves by index ([`Known`]):
/// 8 bytes a fact rather than a whole leaf, in the fact slices of every
/// point (about 40 MB of a 200,000-step journey's analysis otherwise).
#[derive(Debug, Default)]
pub struct Leaves(Vec<Leaf>);

/// Consecutive leaves of [`Leaves`], from `start` to before `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    start: u32,
    end: u32,
}

/// A fact of a [`State`]: its literal, and the index of its leaf in
/// [`Leaves`].
pub type Known = (Lit, u32);

impl Leaves {
    /// Adds `leaves`, one after the other.
    fn push(&mut self, leaves: impl IntoIterator<Item = Leaf>) -> Run {
        let start = self.0.len() as u32;
        self.0.extend(leaves);
        Run {
            start,
            end: self.0.len() as u32,
        }
    }

    /// Adds each conjunction of `dnf`.
    fn dnf(&mut self, dnf: Vec<Conj>) -> Vec<Run> {
        dnf.into_iter().map(|c| self.push(c)).collect()
    }

    /// The leaves of `run`.
    pub fn get(&self, run: Run) -> &[Leaf] {
        &self.0[run.start as usize..run.end as usize]
    }

    /// The leaves of `run` as facts.
    pub fn known(&self, run: Run) -> impl Iterator<Item = Known> + '_ {
        (run.start..run.end).map(|i| (self.0[i as usize].lit, i))
    }

    /// The leaf of a fact.
    pub fn leaf(&self, fact: Known) -> &Leaf {
        &self.0[fact.1 as usize]
    }

    /// A fact with its leaf.
    pub fn fact(&self, fact: Known) -> Fact {
        (fact.0, *self.leaf(fact))
    }
}

/// The literals known at a point, sorted by literal, at most
/// [`MAX_FACTS`]. Shared between states (a clone is a reference count)
/// until one changes them: along a long journey most edges change nothing,
/// and the states of its points share a few slices. One allocation each,
/// with no spare room: most are never changed again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts(std::rc::Rc<[Known]>);

impl std::ops::Deref for Facts {
    type Target = [Known];
    fn deref(&self) -> &[Known] {
        &self.0
    }
}

impl Facts {
    /// Adds a known literal (unless it is known, or the bound is reached).
    pub fn add(&mut self, fact: Known) {
        if let Err(pos) = self.0.binary_search_by(|(l, _)| l.cmp(&fact.0)) {
            if self.0.len() < MAX_FACTS {
                self.0 = self.0[..pos]
                    .iter()
                    .copied()
                    .chain(std::iter::once(fact))
                    .chain(self.0[pos..].iter().copied())
                    .collect();
            }
        }
    }

    /// Keeps the facts for which `keep` holds (called once on each, in
    /// order); copies the shared slice only when one goes. Returns
    /// whether one went.
    pub fn retain(&mut self, mut keep: impl FnMut(&Known) -> bool) -> bool {
        let Some(first) = self.0.iter().position(|f| !keep(f)) else {
            return false;
        };
        let kept: Vec<Known> = self.0[..first]
            .iter()
            .copied()
            .chain(self.0[first + 1..].iter().copied().filter(|f| keep(f)))
            .collect();
        self.0 = kept.into();
        true
    }
}

/// The states of `u` as they leave it ([`Ctx::leave`]). States whose sets
/// are the same version (the partitions of one point mostly share them)
/// leave with one new version between them, not one each.
fn leave_all(ctx: &Ctx, u: NodeIndex, states: &[State]) -> Vec<State> {
    let mut out: Vec<State> = Vec::with_capacity(states.len());
    for (i, s) in states.iter().enumerate() {
        let same = (0..i)
            .find(|&j| states[j].sent.ptr_eq(&s.sent) && states[j].content.ptr_eq(&s.content));
        out.push(match same {
            Some(j) => State {
                facts: s.facts.clone(),
                sent: out[j].sent.clone(),
                content: out[j].content.clone(),
            },
            None => ctx.leave(u, s),
        });
    }
    out
}

/// Reverse post-order position of every node (unreached nodes last).
fn rpo(journey: &Journey) -> Vec<usize> {
    let g = &journey.graph;
    let n = g.node_count();
    let mut seen = vec![false; n];
    let mut post = Vec::with_capacity(n);
    let mut stack: Vec<(NodeIndex, Vec<NodeIndex>)> = Vec::new();
    let succ = |v: NodeIndex| {
        let mut s: Vec<NodeIndex> = g.neighbors_directed(v, Direction::Outgoing).collect();
        s.reverse();
        s
    };
    seen[journey.entry.index()] = true;
    stack.push((journey.entry, succ(journey.entry)));
    while let Some((v, rest)) = stack.last_mut() {
        match rest.pop() {
            Some(t) => {
                if !seen[t.index()] {
                    seen[t.index()] = true;
                    let s = succ(t);
                    stack.push((t, s));
                }
            }
            None => {
                post.push(*v);
                stack.pop();
            }
        }
    }
    let mut order = vec![usize::MAX; n];
    for (i, v) in post.iter().rev().enumerate() {
        order[v.index()] = i;
    }
    order
}

#[cfg(test)]
mod tests;
