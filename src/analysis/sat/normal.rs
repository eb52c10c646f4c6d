//! Conditions to literals: negation normal form (segments expanded
//! inline, within [`NNF_BUDGET`]) and disjunctive normal form (within
//! [`DNF_BUDGET`]), and the canonical key of a condition.

use super::*;
use crate::model::{CmpOp, Cond, CondKind, DidWindow, Loc, SegmentId, Value};

/// A formula in negation normal form, before expansion.
enum Nnf {
    True,
    False,
    Leaf(Leaf),
    And(Vec<Nnf>),
    Or(Vec<Nnf>),
}

impl Logic<'_> {
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
            CondKind::Attr(a) => self.leaf(is_true(Term::Attr(*a)), pos, loc, via, role),
            CondKind::Field(v) => match term(v) {
                Some(t) => self.leaf(is_true(t), pos, loc, via, role),
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
            CondKind::Contains { list, item } => match (term(list), item) {
                (Some(t), Value::Const(k)) => self.leaf(
                    Atom::Contains {
                        term: t,
                        val: CVal::from_const(k),
                    },
                    pos,
                    loc,
                    via,
                    role,
                ),
                _ => self.opaque(c, pos, role, via),
            },
            CondKind::IsEmpty { value, negated } => match term(value) {
                Some(t) => self
                    .leaf(Atom::Empty(t), pos != *negated, loc, via, role)
                    .with_holds(pos),
                None => self.opaque(c, pos, role, via),
            },
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
                let atom = Atom::Did {
                    event: *event,
                    filter: filter.as_ref().map(|f| cond_key(f)),
                    window: did_window(window),
                    at_least: *at_least,
                };
                if *window == DidWindow::SinceEntry {
                    let id = self.intern(atom.clone());
                    if !self.ended.contains_key(&id) {
                        if let Some(ends) = self.ends_journey(*event, filter.as_deref()) {
                            self.ended.insert(id, ends);
                        }
                    }
                }
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
            CondKind::Received {
                what,
                window,
                at_least,
            } => {
                if *at_least == 0 {
                    return if pos { Nnf::True } else { Nnf::False };
                }
                let atom = Atom::Received {
                    what: *what,
                    window: did_window(window),
                    at_least: *at_least,
                };
                self.leaf(atom, pos, loc, via, role)
            }
            CondKind::EngagedAny {
                channel,
                within,
                clicked,
            } => {
                let atom = Atom::EngagedAny {
                    channel: *channel,
                    within: *within,
                    clicked: *clicked,
                };
                self.leaf(atom, pos, loc, via, role)
            }
            CondKind::InCampaign(c) => self.leaf(Atom::InCampaign(*c), pos, loc, via, role),
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
        Value::EventField(e, f) => Some(Term::Occurrence(*e, *f)),
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

fn dedup_vals(v: &mut Vec<CVal>) {
    let mut out: Vec<CVal> = Vec::with_capacity(v.len());
    for x in v.drain(..) {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    *v = out;
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
        CondKind::Contains { list, item } => {
            write!(s, "({} contains {})", value_key(list), value_key(item)).unwrap()
        }
        CondKind::IsEmpty { value, negated } => write!(
            s,
            "({} is {}empty)",
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
        CondKind::Received {
            what,
            window,
            at_least,
        } => write!(s, "(received {what:?} {window:?} {at_least})").unwrap(),
        CondKind::EngagedAny {
            channel,
            within,
            clicked,
        } => write!(s, "(engaged-any {channel:?} {within} {clicked})").unwrap(),
        CondKind::InCampaign(c) => write!(s, "(in-campaign c{})", c.0).unwrap(),
    }
}

fn did_window(w: &DidWindow) -> Window {
    match w {
        DidWindow::Ever => Window::Ever,
        DidWindow::Within(d) => Window::Within(*d),
        DidWindow::SinceEntry => Window::SinceEntry,
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
        CondKind::IsSet { value, .. }
        | CondKind::IsEmpty { value, .. }
        | CondKind::Field(value) => val(value),
        CondKind::Contains { list, item } => val(list) && val(item),
        _ => false,
    }
}

/// A bare boolean (`vip`, `placed_order.first_order`): the term equals true.
fn is_true(term: Term) -> Atom {
    Atom::Cmp {
        term,
        op: CmpOp::Eq,
        val: CVal::Bool(true),
    }
}
