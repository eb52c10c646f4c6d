//! The transfer function of the reachability analysis: what taking an
//! edge makes known (branch conditions, matched events, profile writes,
//! sends counted by `received`), or why the edge is dead.

use super::*;

pub(super) struct Ctx<'c, 'a> {
    pub(super) journey: &'c Journey,
    pub(super) leaves: &'c Leaves,
    pub(super) logic: &'c Logic<'a>,
    pub(super) conds: &'c HashMap<EdgeIndex, Vec<Run>>,
    pub(super) bits: &'c HashMap<MessageId, u32>,
    pub(super) classes: &'c HashMap<MessageId, u32>,
    pub(super) takes_time: &'c [bool],
    pub(super) goal: Option<EventId>,
    /// The `wait for`s whose event would end the journey first.
    pub(super) wait_ends: &'c HashSet<(NodeIndex, usize)>,
    /// The `on`s of a `wait for any` that an earlier one always takes
    /// first (with its index).
    pub(super) shadowed: &'c HashMap<(NodeIndex, usize), usize>,
    pub(super) matched: &'c HashMap<(NodeIndex, usize), Run>,
    pub(super) written: &'c HashMap<NodeIndex, (Term, Run)>,
    /// Per edge: whether `exit unless` is checked on it.
    pub(super) checkpoints: &'c [bool],
    /// The `exit unless` conditions together, in DNF.
    pub(super) exit_unless: &'c [Run],
    pub(super) sends: &'c HashMap<NodeIndex, Sent>,
}

/// What the send at a node changes in what is known of the history.
pub(super) struct Sent {
    /// The `received` atoms that count the message.
    pub(super) counted: Vec<AtomId>,
    /// Those known to hold right after it (at least once) if it went out.
    pub(super) known: Run,
    /// Whether it goes out for sure.
    pub(super) goes_out: GoesOut,
}

/// Whether a send goes out for sure (a runner skips sends for a missing
/// consent and for limits).
pub(super) enum GoesOut {
    Always,
    Never,
    /// When this literal (the channel's consent) is known there.
    With(Lit),
}

impl Ctx<'_, '_> {
    /// A state at `u` as it leaves `u`, whatever the edge: a send adds its
    /// message and content class to the sets that track them.
    pub(super) fn leave(&self, u: NodeIndex, s: &State) -> State {
        let mut out = s.clone();
        if let NodeKind::Send(m) = self.journey.graph[u].kind {
            if let Some(&b) = self.bits.get(&m) {
                out.sent = out.sent.with(b);
            }
            if let Some(&c) = self.classes.get(&m) {
                out.content = out.content.with(c);
            }
        }
        out
    }

    /// A state left `u` ([`Ctx::leave`]) taking edge `e`: what is known at
    /// its target, or why no execution takes it.
    pub(super) fn transfer(&self, e: EdgeIndex, u: NodeIndex, s: &State) -> Result<State, Dead> {
        let out = self.transfer_edge(e, u, s)?;
        // A checkpoint of `exit unless`: people for whom it fails leave
        // here, so it holds for those who go on.
        if self.checkpoints[e.index()] {
            return self.assume(self.exit_unless, out);
        }
        Ok(out)
    }

    /// `out` on an edge whose condition is `dnf`: dead when no disjunct
    /// can hold, else the literals common to those that can become known.
    pub(super) fn assume(&self, dnf: &[Run], mut out: State) -> Result<State, Dead> {
        let sent_bits = out.sent.clone();
        let bits = self.bits;
        let sent = move |m: MessageId| bits.get(&m).is_some_and(|&b| sent_bits.contains(b));
        let mut sat: Vec<Run> = Vec::new();
        let mut leaves: Vec<Leaf> = Vec::new();
        let mut facts: Vec<Leaf> = Vec::new();
        let mut special = None;
        for &run in dnf {
            let conj = self.leaves.get(run);
            match self.logic.check_known(&out.facts, conj, &sent) {
                Ok(()) => sat.push(run),
                Err(c) => {
                    for i in c.leaves {
                        if !leaves.contains(&conj[i]) {
                            leaves.push(conj[i]);
                        }
                    }
                    for i in c.facts {
                        let f = *self.leaves.leaf(out.facts[i]);
                        if !facts.contains(&f) {
                            facts.push(f);
                        }
                    }
                    special = special.or(c.special);
                }
            }
        }
        if sat.is_empty() {
            return Err(Dead::Conflict {
                leaves,
                facts,
                special,
            });
        }
        // Literals common to every satisfiable disjunct become known.
        for (lit, i) in self.leaves.known(sat[0]) {
            let common = |c: &Run| self.leaves.get(*c).iter().any(|k| k.lit == lit);
            if sat[1..].iter().all(common) {
                out.facts.add((lit, i));
            }
        }
        Ok(out)
    }

    pub(super) fn transfer_edge(
        &self,
        e: EdgeIndex,
        u: NodeIndex,
        s: &State,
    ) -> Result<State, Dead> {
        let g = &self.journey.graph;
        let mut out = s.clone();
        if let Some(&(term, known)) = self.written.get(&u) {
            let logic = self.logic;
            out.facts.retain(|(l, _)| match logic.atom(l.atom()) {
                Atom::Opaque { persistent, .. } => *persistent,
                a => a.term() != Some(term),
            });
            for f in self.leaves.known(known) {
                out.facts.add(f);
            }
        }
        if self.takes_time[e.index()] {
            out.facts.retain(|(l, _)| self.logic.persistent(*l));
        }
        // Time passes at a send only before it goes out (quiet hours): what
        // it makes known holds right after it.
        if let Some(sent) = self.sends.get(&u) {
            let goes_out = match sent.goes_out {
                GoesOut::Always => true,
                GoesOut::Never => false,
                GoesOut::With(lit) => out.facts.iter().any(|(l, _)| *l == lit),
            };
            out.facts
                .retain(|(l, _)| l.positive() || !sent.counted.contains(&l.atom()));
            if goes_out {
                for f in self.leaves.known(sent.known) {
                    out.facts.add(f);
                }
            }
        }
        if let Some(dnf) = self.conds.get(&e) {
            return self.assume(dnf, out);
        }
        let sent_bits = out.sent.clone();
        let bits = self.bits;
        let sent = move |m: MessageId| bits.get(&m).is_some_and(|&b| sent_bits.contains(b));
        match (&g[e], &g[u].kind) {
            (Edge::Arm(arm), _) if arm.weight == 0 => Err(Dead::ZeroWeight),
            (Edge::Body, NodeKind::Repeat { times: 0 }) => Err(Dead::NeverRuns),
            (Edge::Matched, NodeKind::WaitFor { on, .. }) => self.matched(u, 0, on, out, &sent),
            (Edge::On(i), NodeKind::WaitAny { arms, .. }) => {
                if let Some(&earlier) = self.shadowed.get(&(u, *i)) {
                    return Err(Dead::Shadowed { earlier });
                }
                self.matched(u, *i, &arms[*i].0, out, &sent)
            }
            _ => Ok(out),
        }
    }

    /// Out of a wait, arm `i`: what it waited for happened.
    pub(super) fn matched(
        &self,
        u: NodeIndex,
        i: usize,
        on: &WaitOn,
        mut out: State,
        sent: &dyn Fn(MessageId) -> bool,
    ) -> Result<State, Dead> {
        match on {
            WaitOn::Event(ev) => {
                if self.wait_ends.contains(&(u, i)) {
                    return Err(Dead::WaitEnds {
                        event: *ev,
                        goal: self.goal == Some(*ev),
                    });
                }
            }
            WaitOn::Opened(m) | WaitOn::Clicked(m) => {
                if !sent(*m) {
                    return Err(Dead::NotSent {
                        msg: *m,
                        clicked: matches!(on, WaitOn::Clicked(_)),
                    });
                }
            }
        }
        if let Some(&run) = self.matched.get(&(u, i)) {
            for f in self.leaves.known(run) {
                out.facts.add(f);
            }
        }
        Ok(out)
    }
}
