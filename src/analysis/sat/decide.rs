//! Deciding a conjunction of literals: grouped by term (a domain of
//! values: numbers with bounds, text, finite `one of` and bool), by event
//! (`did` windows and counts), or alone (engagement, opaque atoms).

use super::*;
use crate::model::{CmpOp, MessageId, Type};

impl Logic<'_> {
    /// Checks `facts ∧ conj`, assuming `facts` alone is satisfiable.
    /// `sent(m)` tells whether `m` may have been sent before.
    pub fn check(
        &self,
        facts: &[Fact],
        conj: &[Leaf],
        sent: &dyn Fn(MessageId) -> bool,
    ) -> Result<(), Conflict> {
        self.check_known(facts, conj, sent)
    }

    /// [`Logic::check`] with facts that carry anything beside their
    /// literal (only the literal is read): the reachability analysis
    /// keeps the index of each fact's leaf, not the leaf.
    pub fn check_known<T>(
        &self,
        facts: &[(Lit, T)],
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
                if self.ended.get(&lit.atom()) != Some(&true) {
                    None
                } else if self.goal == Some(*event) {
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
        let atom = self.atom(lit.atom());
        match (atom.term(), atom) {
            (Some(term), _) => Group::Term(term),
            (None, Atom::Did { event, .. }) => Group::Event(*event),
            (None, Atom::Received { .. } | Atom::EngagedAny { .. }) => Group::History,
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
            Group::History => {
                for &p in lits.iter().filter(|l| l.positive()) {
                    for &n in lits.iter().filter(|l| !l.positive()) {
                        if self.history_implies(self.atom(p.atom()), self.atom(n.atom())) {
                            return false;
                        }
                    }
                }
                true
            }
            Group::Atom(_) => true,
        }
    }

    /// Whether history atom `a` holding makes `b` hold: what `a` counts,
    /// its window and its count lie inside `b`'s.
    fn history_implies(&self, a: &Atom, b: &Atom) -> bool {
        match (a, b) {
            (
                Atom::Received {
                    what: x1,
                    window: w1,
                    at_least: n1,
                },
                Atom::Received {
                    what: x2,
                    window: w2,
                    at_least: n2,
                },
            ) => n1 >= n2 && w1.inside(*w2) && x1.inside(*x2, self.program),
            (
                Atom::EngagedAny {
                    channel: c1,
                    within: d1,
                    clicked: k1,
                },
                Atom::EngagedAny {
                    channel: c2,
                    within: d2,
                    clicked: k2,
                },
            ) => k1 == k2 && d1 <= d2 && (c2.is_none() || c1 == c2),
            _ => false,
        }
    }

    fn term_type(&self, t: Term) -> Option<&Type> {
        match t {
            Term::Attr(a) => self.program.attributes.get(a.index()).map(|a| &a.ty),
            Term::Trigger(e, f) | Term::Occurrence(e, f) => self
                .program
                .events
                .get(e.index())
                .and_then(|e| e.fields.get(f))
                .map(|f| &f.ty),
        }
    }

    /// Literals on one term.
    fn term_sat(&self, t: Term, lits: &[Lit]) -> bool {
        if let Some(Type::List(elem)) = self.term_type(t) {
            return self.list_sat(elem, lits);
        }
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

impl Logic<'_> {
    /// Literals on one list term: `is set`, `contains`, `is empty`.
    fn list_sat(&self, elem: &Type, lits: &[Lit]) -> bool {
        let (mut set, mut unset, mut nonempty, mut empty) = (false, false, false, false);
        let (mut has, mut lacks) = (Vec::new(), Vec::new());
        for &l in lits {
            match (self.atom(l.atom()), l.positive()) {
                (Atom::IsSet(_), true) => set = true,
                (Atom::IsSet(_), false) => unset = true,
                (Atom::Empty(_), true) => empty = true,
                (Atom::Empty(_), false) => nonempty = true,
                (Atom::Contains { val, .. }, true) => has.push(val),
                (Atom::Contains { val, .. }, false) => lacks.push(val),
                _ => {}
            }
        }
        nonempty |= !has.is_empty();
        set |= nonempty;
        empty |= unset;
        if (set && unset) || (nonempty && empty) || has.iter().any(|v| lacks.contains(v)) {
            return false;
        }
        // A non-empty list of a finite type needs a value not excluded.
        let finite: Option<Vec<CVal>> = match elem {
            Type::OneOf(vs) => Some(vs.iter().map(|v| CVal::Text(v.clone())).collect()),
            Type::Bool => Some(vec![CVal::Bool(true), CVal::Bool(false)]),
            _ => None,
        };
        match finite {
            Some(vals) if nonempty && has.is_empty() => vals.iter().any(|v| !lacks.contains(&v)),
            _ => true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    Term(Term),
    Event(EventId),
    /// `received`, `opened any`, `clicked any`.
    History,
    Atom(AtomId),
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
            Type::Number | Type::Time | Type::Date => (Some(DomKind::Num), None),
            // Lists are decided by `list_sat`.
            Type::List(_) => (None, None),
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
