//! [`Meetings`]: whether one person can be in two campaigns' journeys at
//! once (see [`super`] for the rules), with what it reads of each campaign
//! worked out once per run: the normal forms of its audience (alone, and
//! with its trigger filter), the `not in campaign` guards that hold in
//! every disjunct, and the attributes its audience pins to constants.
//!
//! Pins are how a group is split before pairing ([`Candidates`]): when
//! every disjunct of one audience says `country == "c1"` (or `country in
//! [...]`) and every disjunct of the other's says `country == "c2"`, no
//! disjunct of one holds with one of the other, and the condition solver
//! would say so pair by pair. A pin is taken only where the solver's
//! answer is certain: an attribute of text, `one of`, bool or number type
//! whose literals in the disjunct all compare it with constants of its own
//! kind (anything it does not understand there makes it answer "can
//! hold"). The solver stays the judge of every pair the pins leave.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::analysis::sat::{Atom, CVal, Conj, Leaf, Lit, Logic, NumKind, Role, Term};
use crate::graph::Journey;
use crate::model::{AttrId, Campaign, CampaignId, CmpOp, Cond, Program, Trigger, Type};

use super::{ends_at_once, start, Meeting, Start};

/// Every campaign's part in [`Meetings::meeting`], worked out once.
pub struct Meetings<'a> {
    program: &'a Program,
    journeys: &'a [Journey],
    /// One atom table for every campaign's conditions (only read once
    /// built: the solver's `check` takes it shared).
    logic: Logic<'a>,
    forms: Vec<Form>,
    /// The distinct normal forms of the campaigns' conditions (many
    /// campaigns share an audience, or a trigger filter): forms refer to
    /// them by index.
    dnfs: Vec<Dnf>,
    /// Whether two of [`Meetings::dnfs`] can hold together, by their
    /// indices, as the solver answered on first asking: one pair of
    /// conditions is solved once, however many pairs of campaigns have
    /// them.
    solved: Mutex<HashMap<(u32, u32), bool>>,
    /// Whether each campaign's journey can be over at the instant it
    /// starts ([`ends_at_once`]), on first use.
    ends: Vec<OnceLock<bool>>,
}

/// What [`Meetings::meeting`] reads of one campaign.
struct Form {
    start: Start,
    /// The DNF of its audience with the trigger's fields left out (two
    /// occurrences' fields are not compared), by its index in
    /// [`Meetings::dnfs`]; `None` without an audience.
    apart: Option<u32>,
    /// The DNF of its audience and trigger filter (one occurrence), by
    /// index; `None` with neither.
    together: Option<u32>,
    /// It has a trigger filter.
    filtered: bool,
    /// Its audience or filter reads a field of the trigger.
    of_trigger: bool,
    /// The campaigns `X` with `not in campaign X` in every disjunct of its
    /// audience, sorted.
    guards: Vec<CampaignId>,
    /// The attributes pinned in every disjunct of both forms, by id, each
    /// with the values it may take there (interned, sorted).
    pins: Pins,
}

impl<'a> Meetings<'a> {
    /// Every campaign's form: linear in the campaigns' conditions.
    pub fn new(program: &'a Program, journeys: &'a [Journey]) -> Self {
        let mut logic = Logic::new(program, None, Vec::new());
        let mut values: HashMap<CVal, u32> = HashMap::new();
        let mut dnfs: Vec<Dnf> = Vec::new();
        let mut ids: HashMap<Dnf, u32> = HashMap::new();
        let forms = program
            .campaigns
            .iter()
            .map(|c| {
                form(&mut logic, &mut values, c, &mut |dnf| {
                    *ids.entry(dnf).or_insert_with_key(|dnf| {
                        dnfs.push(dnf.clone());
                        dnfs.len() as u32 - 1
                    })
                })
            })
            .collect();
        Meetings {
            program,
            journeys,
            logic,
            forms,
            dnfs,
            solved: Mutex::new(HashMap::new()),
            ends: program.campaigns.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// Whether one person can be in the journeys of `a` and `b` at once,
    /// and how; `None` when something excludes it. Campaigns that start
    /// together (the same trigger event or schedule) meet on one
    /// occurrence, with their trigger filters; on two occurrences (the
    /// same event twice, a schedule on two days), or with different
    /// triggers, one can enter while the other's journey is in progress,
    /// with only what is about the person.
    pub fn meeting(&self, a: CampaignId, b: CampaignId) -> Option<Meeting> {
        let (ca, cb) = (self.program.campaign(a), self.program.campaign(b));
        if windows_apart(ca, cb) {
            return None;
        }
        if !self.may_meet(a, b) {
            debug_assert_eq!(self.solve(a, b), None, "pins kept apart a pair that meets");
            return None;
        }
        self.solve(a, b)
    }

    pub(super) fn solve(&self, a: CampaignId, b: CampaignId) -> Option<Meeting> {
        let (fa, fb) = (&self.forms[a.index()], &self.forms[b.index()]);
        if fa.start == fb.start {
            // `x` keeps `y` out; not at the instant both start when `x`'s
            // journey can be over by then.
            let keeps_out = |y: CampaignId, x: CampaignId| self.guarded(y, x) && !self.ends(x);
            // A guard that works at once works on two occurrences too.
            if keeps_out(a, b) || keeps_out(b, a) {
                return None;
            }
            if self.meet(fa.together, fb.together) {
                return Some(Meeting::Together);
            }
            // Nothing about the occurrence: two of them compare the same.
            // (Both have conditions here: without, they would meet.)
            if !(fa.filtered || fb.filtered || fa.of_trigger || fb.of_trigger) {
                return None;
            }
        }
        if self.guarded(a, b) || self.guarded(b, a) {
            return None;
        }
        self.meet(fa.apart, fb.apart).then_some(Meeting::Overlap)
    }

    /// Whether `y`'s audience holds `not in campaign x` in every disjunct
    /// while `x` has strictly higher priority: a working guard (see
    /// [`Meetings::meeting`] for when `x`'s journey is over at once).
    pub fn guarded(&self, y: CampaignId, x: CampaignId) -> bool {
        self.program.campaign(x).priority > self.program.campaign(y).priority
            && self.forms[y.index()].guards.binary_search(&x).is_ok()
    }

    fn ends(&self, x: CampaignId) -> bool {
        *self.ends[x.index()].get_or_init(|| ends_at_once(self.program, &self.journeys[x.index()]))
    }

    /// Whether two normal forms ([`Meetings::dnfs`]) can hold together
    /// (no conditions: yes), each pair solved once.
    fn meet(&self, a: Option<u32>, b: Option<u32>) -> bool {
        let (Some(a), Some(b)) = (a, b) else {
            return true;
        };
        let solved = |m: &HashMap<(u32, u32), bool>| m.get(&(a, b)).copied();
        if let Some(known) = solved(&self.solved.lock().expect("not poisoned")) {
            return known;
        }
        let (da, db) = (&self.dnfs[a as usize], &self.dnfs[b as usize]);
        // The solver reads only the literals of a leaf.
        let leaf = |&lit: &Lit| Leaf {
            lit,
            loc: Default::default(),
            holds: lit.positive(),
            via: None,
            role: Role::Audience,
        };
        let mut both = Vec::new();
        let meets = da.iter().any(|x| {
            db.iter().any(|y| {
                both.clear();
                both.extend(x.iter().chain(y.iter()).map(leaf));
                self.logic.check(&[], &both, &|_| true).is_ok()
            })
        });
        (self.solved.lock().expect("not poisoned")).insert((a, b), meets);
        meets
    }

    /// Whether the pins of `a` and `b` leave them a chance to meet: no
    /// attribute pinned by both to values apart. Without it, [`meeting`]
    /// is `None` (the solver would find every pair of disjuncts
    /// impossible); with it, only the solver can say.
    ///
    /// [`meeting`]: Meetings::meeting
    pub fn may_meet(&self, a: CampaignId, b: CampaignId) -> bool {
        let (pa, pb) = (&self.forms[a.index()].pins, &self.forms[b.index()].pins);
        let (mut i, mut j) = (0, 0);
        while i < pa.len() && j < pb.len() {
            match pa[i].0.cmp(&pb[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    if !sorted_meet(&pa[i].1, &pb[j].1) {
                        return false;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        true
    }

    /// The pins of `id`: attributes with the values they may take.
    fn pins(&self, id: CampaignId) -> &Pins {
        &self.forms[id.index()].pins
    }
}

/// Windows that never overlap: journeys end at their window's close.
fn windows_apart(a: &Campaign, b: &Campaign) -> bool {
    match (&a.window, &b.window) {
        (Some((a0, a1, _)), Some((b0, b1, _))) => a1 < b0 || b1 < a0,
        _ => false,
    }
}

/// Whether two sorted lists share a value.
fn sorted_meet(a: &[u32], b: &[u32]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Campaign `c`'s form, its conditions interned in `logic`, its normal
/// forms numbered by `number` (one number for equal ones).
fn form(
    logic: &mut Logic,
    values: &mut HashMap<CVal, u32>,
    c: &Campaign,
    number: &mut dyn FnMut(Dnf) -> u32,
) -> Form {
    let filter = match &c.trigger {
        Trigger::Event {
            filter: Some(f), ..
        } => Some(f),
        _ => None,
    };
    let dnf = |logic: &mut Logic, parts: &[&Cond]| -> Vec<Conj> {
        let refs: Vec<(&Cond, bool, Role)> =
            parts.iter().map(|&c| (c, true, Role::Audience)).collect();
        logic.dnf(&refs)
    };
    let audience = c.audience.as_ref().map(|a| dnf(logic, &[a]));
    let parts: Vec<&Cond> = c.audience.iter().chain(filter).collect();
    let together = (!parts.is_empty()).then(|| dnf(logic, &parts));
    let of_trigger = |logic: &Logic, l: Lit| {
        matches!(
            logic.atom(l.atom()),
            Atom::Cmp {
                term: Term::Trigger(..),
                ..
            } | Atom::In {
                term: Term::Trigger(..),
                ..
            } | Atom::IsSet(Term::Trigger(..))
        )
    };
    let on_trigger = together
        .iter()
        .flatten()
        .flatten()
        .any(|l| of_trigger(logic, l.lit));
    // The guards: `not in campaign X` in every disjunct.
    let mut guards: Vec<CampaignId> = Vec::new();
    if let Some(dnf) = audience.as_ref().filter(|d| !d.is_empty()) {
        let in_conj = |conj: &Conj| -> Vec<CampaignId> {
            let mut v: Vec<CampaignId> = conj
                .iter()
                .filter(|l| !l.lit.positive())
                .filter_map(|l| match logic.atom(l.lit.atom()) {
                    Atom::InCampaign(x) => Some(*x),
                    _ => None,
                })
                .collect();
            v.sort();
            v.dedup();
            v
        };
        guards = in_conj(&dnf[0]);
        for conj in &dnf[1..] {
            let here = in_conj(conj);
            guards.retain(|x| here.binary_search(x).is_ok());
        }
    }
    // Apart, trigger fields are two different occurrences' fields: only
    // what is about the person is compared.
    let apart: Option<Dnf> = audience.map(|d| {
        d.iter()
            .map(|conj| {
                conj.iter()
                    .map(|l| l.lit)
                    .filter(|&l| !of_trigger(logic, l))
                    .collect()
            })
            .collect()
    });
    let together: Option<Dnf> = together.map(|d| {
        d.iter()
            .map(|conj| conj.iter().map(|l| l.lit).collect())
            .collect()
    });
    let pins = match (&apart, &together) {
        (Some(a), Some(t)) => {
            let (pa, pt) = (pinned(logic, values, a), pinned(logic, values, t));
            merge_pins(pa, &pt)
        }
        _ => Vec::new(),
    };
    Form {
        start: start(c),
        apart: apart.map(&mut *number),
        together: together.map(&mut *number),
        filtered: filter.is_some(),
        of_trigger: on_trigger,
        guards,
        pins,
    }
}

/// A condition in disjunctive normal form, as the literals of each
/// disjunct (all the solver reads: no places, to keep it small).
type Dnf = Vec<Box<[Lit]>>;

/// Attributes with the values they may take (interned, sorted), sorted
/// by attribute.
type Pins = Vec<(AttrId, Vec<u32>)>;

/// The attributes pinned in every disjunct of `dnf`, each with the union
/// of the values it may take there. None for a DNF with no disjunct (it
/// meets nothing, but nothing is claimed of it).
fn pinned(logic: &Logic, values: &mut HashMap<CVal, u32>, dnf: &Dnf) -> Pins {
    let mut acc: Option<Pins> = None;
    for conj in dnf {
        let here = conj_pins(logic, values, conj);
        let pins = match acc.take() {
            None => here,
            Some(so_far) => merge_pins(so_far, &here),
        };
        if pins.is_empty() {
            return pins;
        }
        acc = Some(pins);
    }
    acc.unwrap_or_default()
}

/// The attributes pinned in both `a` and `b`: sorted by attribute, each
/// with the union of both value sets.
fn merge_pins(a: Pins, b: &Pins) -> Pins {
    let mut out: Pins = a
        .into_iter()
        .filter_map(|(attr, mut vals)| {
            let (_, more) = b.iter().find(|(x, _)| *x == attr)?;
            vals.extend_from_slice(more);
            vals.sort_unstable();
            vals.dedup();
            Some((attr, vals))
        })
        .collect();
    out.sort_by_key(|(a, _)| *a);
    out
}

/// The attributes one disjunct pins: a positive `==` (or a negated `!=`)
/// or `in` on an attribute whose literals in the disjunct the solver
/// decides exactly ([`exact`]), with the values of the first such.
fn conj_pins(logic: &Logic, values: &mut HashMap<CVal, u32>, conj: &[Lit]) -> Pins {
    let program = logic.program;
    let mut out: Pins = Vec::new();
    let mut spoilt: Vec<AttrId> = Vec::new();
    for &l in conj {
        let atom = logic.atom(l.atom());
        let Some(Term::Attr(attr)) = atom.term() else {
            continue;
        };
        let Some(ty) = program.attributes.get(attr.index()).map(|a| &a.ty) else {
            spoilt.push(attr);
            continue;
        };
        if !exact(ty, atom) {
            spoilt.push(attr);
            continue;
        }
        let vals: Option<&[CVal]> = match atom {
            Atom::Cmp { op, val, .. } => {
                let eq = if l.positive() {
                    *op == CmpOp::Eq
                } else {
                    *op == CmpOp::Ne
                };
                eq.then_some(std::slice::from_ref(val))
            }
            Atom::In { vals, .. } if l.positive() => Some(vals),
            _ => None,
        };
        if let Some(vals) = vals {
            if !out.iter().any(|(a, _)| *a == attr) {
                let mut ids: Vec<u32> = vals
                    .iter()
                    .map(|v| {
                        let n = values.len() as u32;
                        *values.entry(v.clone()).or_insert(n)
                    })
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                out.push((attr, ids));
            }
        }
    }
    out.retain(|(a, _)| !spoilt.contains(a));
    out.sort_by_key(|(a, _)| *a);
    out
}

/// Whether the solver decides `atom` on an attribute of type `ty` exactly:
/// text, `one of`, bool and number attributes compared with constants of
/// their kind (an order on a number only). Anything else may make it
/// answer "can hold" for values that are apart.
fn exact(ty: &Type, atom: &Atom) -> bool {
    let kind_ok = |v: &CVal| {
        matches!(
            (ty, v),
            (Type::Text, CVal::Text(_))
                | (Type::OneOf(_) | Type::Bool, CVal::Text(_) | CVal::Bool(_))
                | (Type::Number, CVal::Num(_, NumKind::Number))
        )
    };
    match atom {
        Atom::Cmp { op, val, .. } => {
            kind_ok(val) && (matches!(op, CmpOp::Eq | CmpOp::Ne) || *ty == Type::Number)
        }
        Atom::In { vals, .. } => vals.iter().all(kind_ok),
        Atom::IsSet(_) => matches!(ty, Type::Text | Type::OneOf(_) | Type::Bool | Type::Number),
        _ => false,
    }
}

/// The members of a group (campaigns in some order) split by their pins,
/// so that each is paired only with those [`Meetings::may_meet`] allows,
/// without a look at the others. An index per attribute: value ->
/// members pinned to it, and the members that do not pin it.
pub struct Candidates<'m, 'a> {
    meetings: &'m Meetings<'a>,
    members: Vec<CampaignId>,
    by_attr: HashMap<AttrId, Split>,
}

#[derive(Default)]
struct Split {
    by_value: HashMap<u32, Vec<usize>>,
    /// Positions pinned (to anything), then, once built, the others.
    pinned: Vec<usize>,
    unpinned: Vec<usize>,
}

impl<'m, 'a> Candidates<'m, 'a> {
    pub fn new(meetings: &'m Meetings<'a>, members: &[CampaignId]) -> Self {
        let mut by_attr: HashMap<AttrId, Split> = HashMap::new();
        for (k, &id) in members.iter().enumerate() {
            for (attr, vals) in meetings.pins(id) {
                let split = by_attr.entry(*attr).or_default();
                split.pinned.push(k);
                for v in vals {
                    split.by_value.entry(*v).or_default().push(k);
                }
            }
        }
        for split in by_attr.values_mut() {
            let mut p = split.pinned.iter().peekable();
            for k in 0..members.len() {
                if p.next_if_eq(&&k).is_none() {
                    split.unpinned.push(k);
                }
            }
        }
        Candidates {
            meetings,
            members: members.to_vec(),
            by_attr,
        }
    }

    /// [`Meetings::may_meet`] of the members at positions `i` and `j`.
    pub fn may_meet(&self, i: usize, j: usize) -> bool {
        self.meetings.may_meet(self.members[i], self.members[j])
    }

    /// The positions of the members that may meet member `k` (itself
    /// left out), in increasing order, below `below` (a bound on the
    /// positions wanted). When the pins cut little, the positions are
    /// walked in order, each tested with [`Meetings::may_meet`], so the
    /// caller can stop early at no extra cost.
    pub fn of(&self, k: usize, below: usize) -> Box<dyn Iterator<Item = usize> + '_> {
        let below = below.min(self.members.len());
        match self.narrow(k, below, below) {
            Some(found) => Box::new(found.into_iter()),
            None => {
                let (m, members, id) = (self.meetings, &self.members, self.members[k]);
                Box::new((0..below).filter(move |&i| i != k && m.may_meet(id, members[i])))
            }
        }
    }

    /// The positions below `below` of the members that may meet member
    /// `k` (itself left out), in increasing order, when its pins leave
    /// fewer than `most` others in the whole group (by the attribute
    /// that leaves the fewest: those pinned to one of its values, and
    /// those not pinning it); `None` when they do not.
    pub fn narrow(&self, k: usize, below: usize, most: usize) -> Option<Vec<usize>> {
        let (m, members, id) = (self.meetings, &self.members, self.members[k]);
        let (_, _, vals, split) = m
            .pins(id)
            .iter()
            .filter_map(|(attr, vals)| {
                let split = self.by_attr.get(attr)?;
                let with: usize = vals
                    .iter()
                    .map(|v| split.by_value.get(v).map_or(0, Vec::len))
                    .sum();
                Some((with + split.unpinned.len(), *attr, vals, split))
            })
            .filter(|&(n, ..)| n < most)
            .min_by_key(|&(n, attr, _, _)| (n, attr))?;
        let mut found: Vec<usize> = vals
            .iter()
            .filter_map(|v| split.by_value.get(v))
            .chain([&split.unpinned])
            .flat_map(|v| v.iter().copied().take_while(|&i| i < below))
            .filter(|&i| i != k && m.may_meet(id, members[i]))
            .collect();
        found.sort_unstable();
        found.dedup();
        Some(found)
    }
}
