//! The literals of the satisfiability procedure: atoms (comparisons on a
//! term, `did`, engagement, opaque conditions), their polarity, and where
//! each came from.

use std::hash::{Hash, Hasher};

use crate::model::{
    AttrId, CampaignId, ChannelId, CmpOp, Const, EventId, Loc, MessageId, Received, SegmentId,
};

/// Something with a value: a profile attribute, a trigger-event field, or
/// a field of the occurrence a filter is about (in a goal's or an exit's
/// `where`, compared with another filter: [`crate::analysis::sat::Logic::implies`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Term {
    Attr(AttrId),
    Trigger(EventId, usize),
    Occurrence(EventId, usize),
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
    pub fn from_const(c: &Const) -> CVal {
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
    pub(super) fn inside(self, other: Window) -> bool {
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
    /// `list contains val`.
    Contains {
        term: Term,
        val: CVal,
    },
    /// `list is empty` (true when unset).
    Empty(Term),
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
    /// `received M|any [CHANNEL] [window] [at least N times]`.
    Received {
        what: Received,
        window: Window,
        at_least: u32,
    },
    /// `opened any [CHANNEL] within D` / `clicked any [CHANNEL] within D`.
    EngagedAny {
        channel: Option<ChannelId>,
        within: u64,
        clicked: bool,
    },
    /// `in campaign NAME`.
    InCampaign(CampaignId),
    Opaque {
        key: String,
        /// Mentions only trigger fields and constants (survives waits).
        persistent: bool,
    },
}

impl Atom {
    /// The term the atom is about, for the atoms on one value.
    pub fn term(&self) -> Option<Term> {
        match self {
            Atom::Cmp { term, .. }
            | Atom::In { term, .. }
            | Atom::IsSet(term)
            | Atom::Contains { term, .. }
            | Atom::Empty(term) => Some(*term),
            _ => None,
        }
    }
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
        index: u32,
        taken: bool,
    },
    /// The thing a `wait for` at this node index waited for happened.
    Matched {
        node: u32,
    },
    /// The send at this node index went out (what the person received).
    Sent {
        node: u32,
    },
    /// The `set` or `unset` at this node index wrote the attribute (known
    /// until time passes).
    Set {
        node: u32,
    },
    /// An `exit unless` condition, known at entry and after each
    /// checkpoint (people for whom it fails have left).
    ExitUnless,
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
