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
//! - `term in [..]`; `term is set`;
//! - `did EVENT [where ..] [window] [at least N]`;
//! - `opened MESSAGE`, `clicked MESSAGE`;
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
//! - `did E ...`: `did E since entry` is impossible when `E` is the goal or
//!   an exit event (the journey would have ended); a positive `did` with
//!   a window inside a negative one's, the same filter (or none on the
//!   negative) and at least as many times contradicts it;
//! - `opened m`/`clicked m` are impossible when `m` is not sent on any path
//!   before the point;
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
//! `clicked`. The goal and exit events are known not to have happened
//! since entry by the rule above. At most [`MAX_FACTS`] literals are kept.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::model::{
    AttrId, CmpOp, Cond, CondKind, Const, DidWindow, EventId, Loc, MessageId, Program, SegmentId,
    Type, Value,
};

/// At most this many conjunctions when expanding a condition to DNF.
pub const DNF_BUDGET: usize = 64;
/// At most this many steps (nodes of the condition, segments expanded)
/// when putting one condition in NNF: segments made of segments (`s2 = s1
/// and s1`) double at every level. Past it, the rest of the condition
/// counts as `true`.
pub const NNF_BUDGET: usize = 16_384;
/// At most this many literals known at a point (more are forgotten).
pub const MAX_FACTS: usize = 64;

/// Something with a value: a profile attribute or a trigger-event field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Term {
    Attr(AttrId),
    Trigger(EventId, usize),
}

/// What kind of number a constant is (so that dates are not compared with
/// durations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumKind {
    Number,
    Date,
    Duration,
    TimeOfDay,
}

/// A constant in a literal.
#[derive(Clone, Debug)]
pub enum CVal {
    Num(f64, NumKind),
    Text(String),
    Bool(bool),
}

impl PartialEq for CVal {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (CVal::Num(a, k), CVal::Num(b, l)) => k == l && norm(*a) == norm(*b),
            (CVal::Text(a), CVal::Text(b)) => a == b,
            (CVal::Bool(a), CVal::Bool(b)) => a == b,
            _ => false,
        }
    }
}
impl Eq for CVal {}
impl Hash for CVal {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self {
            CVal::Num(a, k) => {
                0u8.hash(h);
                norm(*a).hash(h);
                k.hash(h);
            }
            CVal::Text(s) => {
                1u8.hash(h);
                s.hash(h);
            }
            CVal::Bool(b) => {
                2u8.hash(h);
                b.hash(h);
            }
        }
    }
}

fn norm(x: f64) -> u64 {
    if x == 0.0 {
        0
    } else {
        x.to_bits()
    }
}

impl CVal {
    fn from_const(c: &Const) -> CVal {
        match c {
            Const::Number(n) => CVal::Num(*n, NumKind::Number),
            Const::Date(d) => CVal::Num(*d as f64, NumKind::Date),
            Const::Duration(s) => CVal::Num(*s as f64, NumKind::Duration),
            Const::TimeOfDay(m) => CVal::Num(*m as f64, NumKind::TimeOfDay),
            Const::Text(s) => CVal::Text(s.clone()),
            Const::Bool(b) => CVal::Bool(*b),
        }
    }
}

/// The window of a `did`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Window {
    Ever,
    Within(u64),
    SinceEntry,
}

impl Window {
    /// Whether every occurrence counted by `self` is counted by `other`.
    fn inside(self, other: Window) -> bool {
        match (self, other) {
            (_, Window::Ever) => true,
            (Window::SinceEntry, Window::SinceEntry) => true,
            (Window::Within(a), Window::Within(b)) => a <= b,
            _ => false,
        }
    }
}

/// An atom: a condition that is true or false at a point.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Atom {
    Cmp {
        term: Term,
        op: CmpOp,
        val: CVal,
    },
    In {
        term: Term,
        vals: Vec<CVal>,
    },
    IsSet(Term),
    Did {
        event: EventId,
        /// Canonical text of the `where` filter.
        filter: Option<String>,
        window: Window,
        at_least: u32,
    },
    Engaged {
        msg: MessageId,
        clicked: bool,
    },
    Opaque {
        key: String,
        /// Mentions only trigger fields and constants (survives waits).
        persistent: bool,
    },
}

/// Index of an interned atom.
pub type AtomId = u32;

/// An atom used positively or negatively: `atom << 1 | negative`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lit(pub u32);

impl Lit {
    pub fn new(atom: AtomId, positive: bool) -> Lit {
        Lit(atom << 1 | (!positive) as u32)
    }
    pub fn atom(self) -> AtomId {
        self.0 >> 1
    }
    pub fn positive(self) -> bool {
        self.0 & 1 == 0
    }
    pub fn negate(self) -> Lit {
        Lit(self.0 ^ 1)
    }
}

/// Where a literal of a condition comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Audience,
    TriggerFilter,
    /// `trigger enters SEGMENT`: the segment holds on entry.
    TriggerSegment,
    /// Arm `i` of the `if` at this node index, taken (`true`) or known
    /// false because a later arm or the `else` was taken.
    Arm {
        branch: u32,
        index: usize,
        taken: bool,
    },
    /// The thing a `wait for` at this node index waited for happened.
    Matched {
        node: u32,
    },
}

/// One literal of a condition, with where it was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leaf {
    pub lit: Lit,
    /// The atom as written (maybe inside a segment declaration).
    pub loc: Loc,
    /// Whether the text at `loc` holds (`false` under a `not`).
    pub holds: bool,
    /// The segment it was expanded from, and where that was named.
    pub via: Option<(SegmentId, Loc)>,
    pub role: Role,
}

/// A conjunction of leaves.
pub type Conj = Vec<Leaf>;

/// Why a literal is impossible whatever else is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    /// `did GOAL since entry`.
    Goal(EventId),
    /// `did EXIT since entry`.
    Exit(EventId),
    /// `opened`/`clicked` of a message not sent before.
    NotSent { msg: MessageId, clicked: bool },
}

/// Why a conjunction cannot hold: a small set of leaves of the condition
/// being checked and of facts (by index) that together are impossible.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conflict {
    pub leaves: Vec<usize>,
    pub facts: Vec<usize>,
    pub special: Option<Special>,
}

/// A known literal and where it came from.
pub type Fact = (Lit, Leaf);

/// The atom table and the rules of one campaign.
pub struct Logic<'a> {
    pub program: &'a Program,
    atoms: Vec<Atom>,
    index: HashMap<Atom, AtomId>,
    goal: Option<EventId>,
    exits: Vec<EventId>,
    /// Nodes the condition being put in NNF may still have.
    nodes_left: usize,
}

/// A formula in negation normal form, before expansion.
enum Nnf {
    True,
    False,
    Leaf(Leaf),
    And(Vec<Nnf>),
    Or(Vec<Nnf>),
}

impl<'a> Logic<'a> {
    pub fn new(program: &'a Program, goal: Option<EventId>, exits: Vec<EventId>) -> Self {
        Logic {
            program,
            atoms: Vec::new(),
            index: HashMap::new(),
            goal,
            exits,
            nodes_left: NNF_BUDGET,
        }
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
        match self.atom(lit.atom()) {
            Atom::Cmp { term, .. } | Atom::In { term, .. } | Atom::IsSet(term) => {
                matches!(term, Term::Trigger(..))
            }
            Atom::Did { window, .. } => lit.positive() && *window == Window::SinceEntry,
            Atom::Engaged { .. } => lit.positive(),
            Atom::Opaque { persistent, .. } => *persistent,
        }
    }

    /// The DNF of a conjunction of conditions, each with its role and
    /// whether it must hold (`true`) or fail (`false`). Parts past the
    /// budget are dropped (taken as `true`).
    pub fn dnf(&mut self, parts: &[(&Cond, bool, Role)]) -> Vec<Conj> {
        let mut acc: Vec<Conj> = vec![Vec::new()];
        for &(c, positive, role) in parts {
            self.nodes_left = NNF_BUDGET;
            let nnf = self.nnf(c, positive, role, None, 0);
            let Some(d) = expand(&nnf) else { continue };
            if acc.len() * d.len() > DNF_BUDGET {
                continue;
            }
            acc = product(&acc, &d);
        }
        acc
    }

    fn leaf(
        &mut self,
        atom: Atom,
        positive: bool,
        loc: Loc,
        via: Option<(SegmentId, Loc)>,
        role: Role,
    ) -> Nnf {
        let id = self.intern(atom);
        Nnf::Leaf(Leaf {
            lit: Lit::new(id, positive),
            loc,
            holds: positive,
            via,
            role,
        })
    }

    fn nnf(
        &mut self,
        c: &Cond,
        pos: bool,
        role: Role,
        via: Option<(SegmentId, Loc)>,
        depth: usize,
    ) -> Nnf {
        if depth > 64 || self.nodes_left == 0 {
            return Nnf::True;
        }
        self.nodes_left -= 1;
        let loc = c.loc;
        match &c.kind {
            CondKind::Const(b) => {
                if *b == pos {
                    Nnf::True
                } else {
                    Nnf::False
                }
            }
            CondKind::And(cs) | CondKind::Or(cs) => {
                let parts = cs
                    .iter()
                    .map(|c| self.nnf(c, pos, role, via, depth + 1))
                    .collect();
                if matches!(c.kind, CondKind::And(_)) == pos {
                    Nnf::And(parts)
                } else {
                    Nnf::Or(parts)
                }
            }
            CondKind::Not(inner) => self.nnf(inner, !pos, role, via, depth + 1),
            CondKind::Segment(s) => {
                let via = via.or(Some((*s, loc)));
                let cond = &self.program.segment(*s).cond;
                self.nnf(cond, pos, role, via, depth + 1)
            }
            CondKind::Attr(a) => self.leaf(
                Atom::Cmp {
                    term: Term::Attr(*a),
                    op: CmpOp::Eq,
                    val: CVal::Bool(true),
                },
                pos,
                loc,
                via,
                role,
            ),
            CondKind::Field(v) => match term(v) {
                Some(t) => self.leaf(
                    Atom::Cmp {
                        term: t,
                        op: CmpOp::Eq,
                        val: CVal::Bool(true),
                    },
                    pos,
                    loc,
                    via,
                    role,
                ),
                None => self.opaque(c, pos, role, via),
            },
            CondKind::Cmp { lhs, op, rhs } => {
                let atom = match (term(lhs), lhs, term(rhs), rhs) {
                    (Some(t), _, None, Value::Const(k)) => Some((t, *op, CVal::from_const(k))),
                    (None, Value::Const(k), Some(t), _) => {
                        Some((t, flip(*op), CVal::from_const(k)))
                    }
                    _ => None,
                };
                match atom {
                    Some((term, op, val)) => {
                        self.leaf(Atom::Cmp { term, op, val }, pos, loc, via, role)
                    }
                    None => self.opaque(c, pos, role, via),
                }
            }
            CondKind::In {
                value,
                list,
                negated,
            } => {
                let t = term(value);
                let vals: Option<Vec<CVal>> = list
                    .iter()
                    .map(|v| match v {
                        Value::Const(k) => Some(CVal::from_const(k)),
                        _ => None,
                    })
                    .collect();
                let (Some(t), Some(mut vals)) = (t, vals) else {
                    return self.opaque(c, pos, role, via);
                };
                dedup_vals(&mut vals);
                if !negated {
                    self.leaf(Atom::In { term: t, vals }, pos, loc, via, role)
                } else {
                    // `t not in L` = set and != each: a conjunction when it
                    // must hold, a disjunction when it must fail.
                    let mut parts = vec![self.leaf(Atom::IsSet(t), pos, loc, via, role)];
                    for v in vals {
                        parts.push(self.leaf(
                            Atom::Cmp {
                                term: t,
                                op: CmpOp::Ne,
                                val: v,
                            },
                            pos,
                            loc,
                            via,
                            role,
                        ));
                    }
                    if pos {
                        Nnf::And(parts)
                    } else {
                        Nnf::Or(parts)
                    }
                }
            }
            CondKind::IsSet { value, negated } => match term(value) {
                Some(t) => self
                    .leaf(Atom::IsSet(t), pos != *negated, loc, via, role)
                    .with_holds(pos),
                None => self.opaque(c, pos, role, via),
            },
            CondKind::Did {
                event,
                filter,
                window,
                at_least,
            } => {
                if *at_least == 0 {
                    return if pos { Nnf::True } else { Nnf::False };
                }
                let window = match window {
                    DidWindow::Ever => Window::Ever,
                    DidWindow::Within(d) => Window::Within(*d),
                    DidWindow::SinceEntry => Window::SinceEntry,
                };
                let atom = Atom::Did {
                    event: *event,
                    filter: filter.as_ref().map(|f| cond_key(f)),
                    window,
                    at_least: *at_least,
                };
                self.leaf(atom, pos, loc, via, role)
            }
            CondKind::Opened(m) => self.leaf(
                Atom::Engaged {
                    msg: *m,
                    clicked: false,
                },
                pos,
                loc,
                via,
                role,
            ),
            CondKind::Clicked(m) => self.leaf(
                Atom::Engaged {
                    msg: *m,
                    clicked: true,
                },
                pos,
                loc,
                via,
                role,
            ),
        }
    }

    fn opaque(&mut self, c: &Cond, pos: bool, role: Role, via: Option<(SegmentId, Loc)>) -> Nnf {
        let atom = Atom::Opaque {
            key: cond_key(c),
            persistent: only_trigger(c),
        };
        self.leaf(atom, pos, c.loc, via, role)
    }

    /// A leaf for a literal that is known directly (e.g. a `wait for`
    /// matched).
    pub fn known(&mut self, atom: Atom, loc: Loc, role: Role) -> Leaf {
        let id = self.intern(atom);
        Leaf {
            lit: Lit::new(id, true),
            loc,
            holds: true,
            via: None,
            role,
        }
    }

    /// Checks `facts ∧ conj`, assuming `facts` alone is satisfiable.
    /// `sent(m)` tells whether `m` may have been sent before.
    pub fn check(
        &self,
        facts: &[Fact],
        conj: &[Leaf],
        sent: &dyn Fn(MessageId) -> bool,
    ) -> Result<(), Conflict> {
        // Impossible literals first.
        for (i, l) in conj.iter().enumerate() {
            if let Some(special) = self.impossible(l.lit, sent) {
                return Err(Conflict {
                    leaves: vec![i],
                    facts: Vec::new(),
                    special: Some(special),
                });
            }
        }
        let mut done: Vec<Group> = Vec::new();
        for l in conj {
            let g = self.group(l.lit);
            if done.contains(&g) {
                continue;
            }
            done.push(g);
            let fs: Vec<usize> = (0..facts.len())
                .filter(|&i| self.group(facts[i].0) == g)
                .collect();
            let ls: Vec<usize> = (0..conj.len())
                .filter(|&i| self.group(conj[i].lit) == g)
                .collect();
            let lits = |fs: &[usize], ls: &[usize]| -> Vec<Lit> {
                fs.iter()
                    .map(|&i| facts[i].0)
                    .chain(ls.iter().map(|&i| conj[i].lit))
                    .collect()
            };
            if self.group_sat(g, &lits(&fs, &ls)) {
                continue;
            }
            // Shrink to a small core: the leaves alone, or with one fact,
            // usually explain it; else drop facts one by one (only when
            // there are few, to stay linear).
            let (mut fs, mut ls) = (fs, ls);
            if self.group_sat(g, &lits(&[], &ls)) {
                if let Some(&f) = fs.iter().find(|&&f| !self.group_sat(g, &lits(&[f], &ls))) {
                    fs = vec![f];
                }
            } else {
                fs.clear();
            }
            let mut k = 0;
            while fs.len() <= 32 && k < fs.len() {
                let mut f2 = fs.clone();
                f2.remove(k);
                if !self.group_sat(g, &lits(&f2, &ls)) {
                    fs = f2;
                } else {
                    k += 1;
                }
            }
            let mut k = 0;
            while k < ls.len() {
                let mut l2 = ls.clone();
                l2.remove(k);
                if !l2.is_empty() && !self.group_sat(g, &lits(&fs, &l2)) {
                    ls = l2;
                } else {
                    k += 1;
                }
            }
            return Err(Conflict {
                leaves: ls,
                facts: fs,
                special: None,
            });
        }
        Ok(())
    }

    fn impossible(&self, lit: Lit, sent: &dyn Fn(MessageId) -> bool) -> Option<Special> {
        if !lit.positive() {
            return None;
        }
        match self.atom(lit.atom()) {
            Atom::Did {
                event,
                window: Window::SinceEntry,
                ..
            } => {
                if self.goal == Some(*event) {
                    Some(Special::Goal(*event))
                } else if self.exits.contains(event) {
                    Some(Special::Exit(*event))
                } else {
                    None
                }
            }
            Atom::Engaged { msg, clicked } if !sent(*msg) => Some(Special::NotSent {
                msg: *msg,
                clicked: *clicked,
            }),
            _ => None,
        }
    }

    fn group(&self, lit: Lit) -> Group {
        match self.atom(lit.atom()) {
            Atom::Cmp { term, .. } | Atom::In { term, .. } | Atom::IsSet(term) => {
                Group::Term(*term)
            }
            Atom::Did { event, .. } => Group::Event(*event),
            _ => Group::Atom(lit.atom()),
        }
    }

    fn group_sat(&self, g: Group, lits: &[Lit]) -> bool {
        // A literal and its negation.
        for (i, a) in lits.iter().enumerate() {
            if lits[i + 1..].contains(&a.negate()) {
                return false;
            }
        }
        match g {
            Group::Term(t) => self.term_sat(t, lits),
            Group::Event(_) => {
                for &p in lits.iter().filter(|l| l.positive()) {
                    for &n in lits.iter().filter(|l| !l.positive()) {
                        if let (
                            Atom::Did {
                                filter: f1,
                                window: w1,
                                at_least: n1,
                                ..
                            },
                            Atom::Did {
                                filter: f2,
                                window: w2,
                                at_least: n2,
                                ..
                            },
                        ) = (self.atom(p.atom()), self.atom(n.atom()))
                        {
                            if (f2.is_none() || f1 == f2) && n1 >= n2 && w1.inside(*w2) {
                                return false;
                            }
                        }
                    }
                }
                true
            }
            Group::Atom(_) => true,
        }
    }

    fn term_type(&self, t: Term) -> Option<&Type> {
        match t {
            Term::Attr(a) => self.program.attributes.get(a.index()).map(|a| &a.ty),
            Term::Trigger(e, f) => self
                .program
                .events
                .get(e.index())
                .and_then(|e| e.fields.get(f))
                .map(|f| &f.ty),
        }
    }

    /// Literals on one term.
    fn term_sat(&self, t: Term, lits: &[Lit]) -> bool {
        let mut need_set = false;
        let mut need_unset = false;
        for &l in lits {
            match (self.atom(l.atom()), l.positive()) {
                (Atom::IsSet(_), true) => need_set = true,
                (Atom::IsSet(_), false) => need_unset = true,
                (_, true) => need_set = true,
                _ => {}
            }
        }
        if need_set && need_unset {
            return false;
        }
        if !need_set {
            // Unset satisfies every negative comparison.
            return true;
        }
        let Some(ty) = self.term_type(t) else {
            return true;
        };
        let mut dom = Domain::new(ty);
        for &l in lits {
            match self.atom(l.atom()) {
                Atom::Cmp { op, val, .. } => {
                    let op = if l.positive() { *op } else { negate(*op) };
                    dom.cmp(op, val);
                }
                Atom::In { vals, .. } => {
                    if l.positive() {
                        dom.only(vals);
                    } else {
                        for v in vals {
                            dom.cmp(CmpOp::Ne, v);
                        }
                    }
                }
                _ => {}
            }
        }
        dom.sat()
    }
}

impl Nnf {
    fn with_holds(self, holds: bool) -> Nnf {
        match self {
            Nnf::Leaf(mut l) => {
                l.holds = holds;
                Nnf::Leaf(l)
            }
            other => other,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    Term(Term),
    Event(EventId),
    Atom(AtomId),
}

/// The DNF of an NNF formula; `None` when it would exceed the budget
/// (then the formula counts as `true`).
fn expand(f: &Nnf) -> Option<Vec<Conj>> {
    match f {
        Nnf::True => Some(vec![Vec::new()]),
        Nnf::False => Some(Vec::new()),
        Nnf::Leaf(l) => Some(vec![vec![*l]]),
        Nnf::Or(parts) => {
            let mut acc = Vec::new();
            for p in parts {
                acc.extend(expand(p)?);
                if acc.len() > DNF_BUDGET {
                    return None;
                }
            }
            Some(acc)
        }
        Nnf::And(parts) => {
            let mut acc = vec![Vec::new()];
            for p in parts {
                // A part too big to expand is weakened to `true`.
                let Some(d) = expand(p) else { continue };
                if acc.len() * d.len() > DNF_BUDGET {
                    continue;
                }
                acc = product(&acc, &d);
            }
            Some(acc)
        }
    }
}

fn product(a: &[Conj], b: &[Conj]) -> Vec<Conj> {
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut c = x.clone();
            for l in y {
                if !c.iter().any(|k| k.lit == l.lit) {
                    c.push(*l);
                }
            }
            out.push(c);
        }
    }
    out
}

fn term(v: &Value) -> Option<Term> {
    match v {
        Value::Attr(a) => Some(Term::Attr(*a)),
        Value::TriggerField(e, f) => Some(Term::Trigger(*e, *f)),
        _ => None,
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    }
}

/// The comparison that holds (on a set value) exactly when `op` fails.
fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
    }
}

fn dedup_vals(v: &mut Vec<CVal>) {
    let mut out: Vec<CVal> = Vec::with_capacity(v.len());
    for x in v.drain(..) {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    *v = out;
}

/// The values a set term can still take.
struct Domain {
    /// `None`: the type is not understood; anything goes.
    kind: Option<DomKind>,
    /// Allowed values (from `==` and `in`), `None` = not restricted.
    only: Option<Vec<CVal>>,
    excluded: Vec<CVal>,
    lo: Option<(f64, bool)>,
    hi: Option<(f64, bool)>,
    num_kind: Option<NumKind>,
    /// Something was not understood (ordering on text, mixed kinds).
    unknown: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum DomKind {
    Num,
    Text,
    Finite,
}

impl Domain {
    fn new(ty: &Type) -> Domain {
        let (kind, only) = match ty {
            Type::Number | Type::Time => (Some(DomKind::Num), None),
            Type::Text => (Some(DomKind::Text), None),
            Type::OneOf(vs) => (
                Some(DomKind::Finite),
                Some(vs.iter().map(|v| CVal::Text(v.clone())).collect()),
            ),
            Type::Bool => (
                Some(DomKind::Finite),
                Some(vec![CVal::Bool(true), CVal::Bool(false)]),
            ),
        };
        Domain {
            kind,
            only,
            excluded: Vec::new(),
            lo: None,
            hi: None,
            num_kind: None,
            unknown: kind.is_none(),
        }
    }

    fn note_kind(&mut self, v: &CVal) {
        match (self.kind, v) {
            (Some(DomKind::Num), CVal::Num(_, k)) => match self.num_kind {
                None => self.num_kind = Some(*k),
                Some(k0) if k0 != *k => self.unknown = true,
                _ => {}
            },
            (Some(DomKind::Num), _) => self.unknown = true,
            (Some(DomKind::Text), CVal::Text(_)) => {}
            (Some(DomKind::Finite), CVal::Text(_) | CVal::Bool(_)) => {}
            _ => self.unknown = true,
        }
    }

    fn only(&mut self, vals: &[CVal]) {
        for v in vals {
            self.note_kind(v);
        }
        self.only = Some(match self.only.take() {
            None => vals.to_vec(),
            Some(o) => o.into_iter().filter(|x| vals.contains(x)).collect(),
        });
    }

    fn cmp(&mut self, op: CmpOp, v: &CVal) {
        self.note_kind(v);
        match op {
            CmpOp::Eq => self.only(std::slice::from_ref(v)),
            CmpOp::Ne => self.excluded.push(v.clone()),
            _ => {
                let CVal::Num(x, _) = v else {
                    self.unknown = true;
                    return;
                };
                let x = *x;
                match op {
                    CmpOp::Lt | CmpOp::Le => {
                        let strict = op == CmpOp::Lt;
                        let tighter = match self.hi {
                            None => true,
                            Some((h, hs)) => x < h || (x == h && strict && !hs),
                        };
                        if tighter {
                            self.hi = Some((x, strict));
                        }
                    }
                    _ => {
                        let strict = op == CmpOp::Gt;
                        let tighter = match self.lo {
                            None => true,
                            Some((l, ls)) => x > l || (x == l && strict && !ls),
                        };
                        if tighter {
                            self.lo = Some((x, strict));
                        }
                    }
                }
            }
        }
    }

    fn in_bounds(&self, x: f64) -> bool {
        let lo_ok = match self.lo {
            None => true,
            Some((l, s)) => x > l || (!s && x == l),
        };
        let hi_ok = match self.hi {
            None => true,
            Some((h, s)) => x < h || (!s && x == h),
        };
        lo_ok && hi_ok
    }

    fn sat(&self) -> bool {
        if self.unknown {
            return true;
        }
        match &self.only {
            Some(vals) => vals.iter().any(|v| {
                !self.excluded.contains(v)
                    && match v {
                        CVal::Num(x, _) => self.in_bounds(*x),
                        _ => self.lo.is_none() && self.hi.is_none(),
                    }
            }),
            None => match self.kind {
                Some(DomKind::Num) => match (self.lo, self.hi) {
                    (Some((l, ls)), Some((h, hs))) => {
                        if l < h {
                            true
                        } else if l == h && !ls && !hs {
                            !self
                                .excluded
                                .contains(&CVal::Num(l, self.num_kind.unwrap_or(NumKind::Number)))
                        } else {
                            false
                        }
                    }
                    _ => true,
                },
                // Infinitely many strings avoid finitely many exclusions.
                _ => true,
            },
        }
    }
}

/// A canonical text for a condition, without locations (equal conditions
/// written in different places get the same key).
pub fn cond_key(c: &Cond) -> String {
    let mut s = String::new();
    write_key(c, &mut s);
    s
}

fn write_key(c: &Cond, s: &mut String) {
    use std::fmt::Write;
    match &c.kind {
        CondKind::Const(b) => write!(s, "{b}").unwrap(),
        CondKind::Or(cs) | CondKind::And(cs) => {
            s.push_str(if matches!(c.kind, CondKind::Or(_)) {
                "(or"
            } else {
                "(and"
            });
            for c in cs {
                s.push(' ');
                write_key(c, s);
            }
            s.push(')');
        }
        CondKind::Not(c) => {
            s.push_str("(not ");
            write_key(c, s);
            s.push(')');
        }
        CondKind::Cmp { lhs, op, rhs } => {
            write!(s, "({} {} {})", value_key(lhs), op.as_str(), value_key(rhs)).unwrap()
        }
        CondKind::In {
            value,
            list,
            negated,
        } => {
            write!(
                s,
                "({} {}in",
                value_key(value),
                if *negated { "not " } else { "" }
            )
            .unwrap();
            for v in list {
                write!(s, " {}", value_key(v)).unwrap();
            }
            s.push(')');
        }
        CondKind::IsSet { value, negated } => write!(
            s,
            "({} is {}set)",
            value_key(value),
            if *negated { "not " } else { "" }
        )
        .unwrap(),
        CondKind::Attr(a) => write!(s, "a{}", a.0).unwrap(),
        CondKind::Field(v) => s.push_str(&value_key(v)),
        CondKind::Segment(g) => write!(s, "g{}", g.0).unwrap(),
        CondKind::Did {
            event,
            filter,
            window,
            at_least,
        } => {
            write!(s, "(did e{} {:?} {}", event.0, window, at_least).unwrap();
            if let Some(f) = filter {
                s.push(' ');
                write_key(f, s);
            }
            s.push(')');
        }
        CondKind::Opened(m) => write!(s, "(opened m{})", m.0).unwrap(),
        CondKind::Clicked(m) => write!(s, "(clicked m{})", m.0).unwrap(),
    }
}

fn value_key(v: &Value) -> String {
    match v {
        Value::Attr(a) => format!("a{}", a.0),
        Value::TriggerField(e, f) => format!("t{}.{}", e.0, f),
        Value::EventField(e, f) => format!("e{}.{}", e.0, f),
        Value::Const(c) => format!("{c:?}"),
    }
}

/// Whether a condition mentions only trigger fields and constants.
fn only_trigger(c: &Cond) -> bool {
    let val = |v: &Value| matches!(v, Value::TriggerField(..) | Value::Const(_));
    match &c.kind {
        CondKind::Const(_) => true,
        CondKind::Or(cs) | CondKind::And(cs) => cs.iter().all(only_trigger),
        CondKind::Not(c) => only_trigger(c),
        CondKind::Cmp { lhs, rhs, .. } => val(lhs) && val(rhs),
        CondKind::In { value, list, .. } => val(value) && list.iter().all(val),
        CondKind::IsSet { value, .. } | CondKind::Field(value) => val(value),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testkit::ProgramBuilder;
    use crate::model::{CmpOp::*, Const};

    struct T {
        b: ProgramBuilder,
        x: AttrId,
        plan: AttrId,
        flag: AttrId,
        name: AttrId,
        goal: EventId,
        other: EventId,
        m: MessageId,
    }

    fn t() -> T {
        let mut b = ProgramBuilder::new();
        let x = b.attr("x", Type::Number);
        let plan = b.attr(
            "plan",
            Type::OneOf(vec!["free".into(), "pro".into(), "enterprise".into()]),
        );
        let flag = b.attr("flag", Type::Bool);
        let name = b.attr("name", Type::Text);
        let goal = b.event("goal", &[]);
        let other = b.event("other", &[]);
        let ch = b.channel("c", None);
        let m = b.message("m", ch);
        T {
            b,
            x,
            plan,
            flag,
            name,
            goal,
            other,
            m,
        }
    }

    /// Whether the conjunction of `conds` (each must hold, or fail when
    /// paired with `false`) is satisfiable, with `m` sent or not.
    fn sat(t: &T, conds: &[(&Cond, bool)], sent: bool) -> bool {
        let mut logic = Logic::new(&t.b.program, Some(t.goal), Vec::new());
        let parts: Vec<(&Cond, bool, Role)> =
            conds.iter().map(|&(c, p)| (c, p, Role::Audience)).collect();
        let dnf = logic.dnf(&parts);
        let m = t.m;
        dnf.iter()
            .any(|conj| logic.check(&[], conj, &|x| sent && x == m).is_ok())
    }

    fn all(t: &T, conds: &[&Cond]) -> bool {
        let v: Vec<(&Cond, bool)> = conds.iter().map(|&c| (c, true)).collect();
        sat(t, &v, true)
    }

    #[test]
    fn numeric_bounds_are_strict_or_not() {
        let mut t = t();
        let (x, b) = (t.x, &mut t.b);
        let lt1 = b.num(x, Lt, 1.0);
        let ge1 = b.num(x, Ge, 1.0);
        let le1 = b.num(x, Le, 1.0);
        let gt0 = b.num(x, Gt, 0.0);
        let eq1 = b.num(x, Eq, 1.0);
        let ne1 = b.num(x, Ne, 1.0);
        let eq5 = b.num(x, Eq, 0.5);
        assert!(!all(&t, &[&lt1, &ge1]));
        assert!(all(&t, &[&le1, &ge1]));
        assert!(!all(&t, &[&le1, &ge1, &ne1]));
        assert!(all(&t, &[&gt0, &lt1])); // reals: 0.5
        assert!(all(&t, &[&gt0, &lt1, &eq5]));
        assert!(!all(&t, &[&eq1, &ne1]));
        assert!(!all(&t, &[&eq1, &lt1]));
    }

    #[test]
    fn unset_satisfies_negations_only() {
        let mut t = t();
        let (x, b) = (t.x, &mut t.b);
        let eq1 = b.num(x, Eq, 1.0);
        let ne1 = b.num(x, Ne, 1.0);
        let set = b.is_set(x, false);
        let unset = b.is_set(x, true);
        // not (x == 1) and not (x != 1): x unset.
        assert!(sat(&t, &[(&eq1, false), (&ne1, false)], true));
        // ... unless x is set.
        assert!(!sat(
            &t,
            &[(&eq1, false), (&ne1, false), (&set, true)],
            true
        ));
        assert!(!all(&t, &[&unset, &ne1]));
        assert!(sat(&t, &[(&set, false), (&unset, true)], true));
        assert!(!sat(&t, &[(&set, false), (&unset, false)], true));
    }

    #[test]
    fn one_of_is_a_finite_domain() {
        let mut t = t();
        let (p, b) = (t.plan, &mut t.b);
        let free = b.text(p, Eq, "free");
        let pro = b.text(p, Eq, "pro");
        let ent = b.text(p, Eq, "enterprise");
        let set = b.is_set(p, false);
        let not_free_or_pro = b.in_list(
            p,
            &[Const::Text("free".into()), Const::Text("pro".into())],
            true,
        );
        let no = [(&free, false), (&pro, false), (&ent, false)];
        assert!(sat(&t, &no, true));
        let mut with_set = no.to_vec();
        with_set.push((&set, true));
        assert!(!sat(&t, &with_set, true));
        // `not in` needs a value: enterprise.
        assert!(all(&t, &[&not_free_or_pro]));
        assert!(!sat(&t, &[(&not_free_or_pro, true), (&ent, false)], true));
    }

    #[test]
    fn text_is_infinite_and_bool_finite() {
        let mut t = t();
        let (n, f, b) = (t.name, t.flag, &mut t.b);
        let a = b.text(n, Ne, "a");
        let bb = b.text(n, Ne, "b");
        let is_a = b.in_list(
            n,
            &[Const::Text("a".into()), Const::Text("b".into())],
            false,
        );
        assert!(all(&t, &[&a, &bb]));
        assert!(!all(&t, &[&a, &bb, &is_a]));
        let mut t2 = self::t();
        let flag = t2.b.flag(f);
        let is_false = t2.b.cmp(f, Eq, Const::Bool(false));
        let ne_true = t2.b.cmp(f, Ne, Const::Bool(true));
        assert!(!all(&t2, &[&flag, &is_false]));
        assert!(all(&t2, &[&is_false, &ne_true]));
        // `not flag`: unset or false; with `flag != false` (set, true)
        // impossible.
        let ne_false = t2.b.cmp(f, Ne, Const::Bool(false));
        assert!(!sat(&t2, &[(&flag, false), (&ne_false, true)], true));
    }

    #[test]
    fn history_rules() {
        let mut t = t();
        let goal = t.b.did_since_entry(t.goal);
        let other = t.b.did_since_entry(t.other);
        let ever = t.b.cond(CondKind::Did {
            event: t.other,
            filter: None,
            window: DidWindow::Ever,
            at_least: 1,
        });
        let within = t.b.cond(CondKind::Did {
            event: t.other,
            filter: None,
            window: DidWindow::Within(86_400),
            at_least: 1,
        });
        let opened = t.b.opened(t.m);
        assert!(!all(&t, &[&goal]));
        assert!(sat(&t, &[(&goal, false)], true));
        assert!(all(&t, &[&other]));
        // Since entry implies ever, not within a day.
        assert!(!sat(&t, &[(&other, true), (&ever, false)], true));
        assert!(sat(&t, &[(&other, true), (&within, false)], true));
        assert!(sat(&t, &[(&opened, true)], true));
        assert!(!sat(&t, &[(&opened, true)], false));
    }

    #[test]
    fn or_splits_into_cases_within_budget() {
        let mut t = t();
        let x = t.x;
        // (x == 0 or ... or x == 99) and x > 200: 100 disjuncts, over the
        // budget, so the `or` is taken as `true` and the whole is
        // satisfiable (sound, not complete).
        let many: Vec<Cond> = (0..100).map(|i| t.b.num(x, Eq, i as f64)).collect();
        let or = t.b.or(many);
        let big = t.b.num(x, Gt, 200.0);
        assert!(all(&t, &[&or, &big]));
        // Within the budget it is exact.
        let few: Vec<Cond> = (0..10).map(|i| t.b.num(x, Eq, i as f64)).collect();
        let or = t.b.or(few);
        assert!(!all(&t, &[&or, &big]));
    }

    #[test]
    fn conflicts_name_a_small_core() {
        let mut t = t();
        let x = t.x;
        let ge = t.b.num(x, Ge, 500.0);
        let ne = t.b.num(x, Ne, 3.0);
        let lt = t.b.num(x, Lt, 100.0);
        let mut logic = Logic::new(&t.b.program, None, Vec::new());
        let facts_dnf = logic.dnf(&[(&ne, true, Role::Audience), (&ge, true, Role::Audience)]);
        let facts: Vec<Fact> = facts_dnf[0].iter().map(|l| (l.lit, *l)).collect();
        let conj = logic.dnf(&[(&lt, true, Role::TriggerFilter)]);
        let err = logic.check(&facts, &conj[0], &|_| false).unwrap_err();
        assert_eq!(err.leaves, vec![0]);
        assert_eq!(err.facts.len(), 1);
        assert_eq!(facts[err.facts[0]].1.loc, ge.loc);
    }
}
