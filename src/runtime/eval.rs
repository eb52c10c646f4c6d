//! Evaluating compiled conditions against a person's state.

use serde::{Deserialize, Serialize};

use super::compile::{CExpr, COperand, Val};
use super::state::Across;
use crate::plan::CmpOp;

/// Everything an expression can read.
pub struct Ctx<'a> {
    pub attrs: &'a [Option<Val>],
    pub trigger_fields: &'a [Option<Val>],
    pub event_fields: &'a [Option<Val>],
    pub history: &'a [Vec<Occurrence>],
    pub now: i64,
    /// History sequence number from which occurrences are "since entry".
    pub entry_seq: u64,
    /// How many sends [`Across::sends`] held at entry (`received ...
    /// since entry` counts those after).
    pub entry_sends: usize,
    /// Per message: first opened and clicked instants in this journey.
    pub opened: &'a [bool],
    pub clicked: &'a [bool],
    /// The person's history across campaigns.
    pub across: &'a Across,
}

/// One occurrence of an event in a person's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Occurrence {
    pub at: i64,
    pub seq: u64,
    pub fields: Vec<Option<Val>>,
}

pub(super) fn operand<'v>(o: &'v COperand, cx: &'v Ctx) -> Option<&'v Val> {
    match o {
        COperand::Attr(i) => cx.attrs.get(*i).and_then(|v| v.as_ref()),
        COperand::TriggerField(i) => cx.trigger_fields.get(*i).and_then(|v| v.as_ref()),
        COperand::EventField(i) => cx.event_fields.get(*i).and_then(|v| v.as_ref()),
        COperand::Const(v) => Some(v),
    }
}

fn compare(op: CmpOp, a: &Val, b: &Val) -> bool {
    use std::cmp::Ordering;
    let ord = match (a, b) {
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Time(x), Val::Time(y)) => Some(x.cmp(y)),
        (Val::Text(x), Val::Text(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Date(x), Val::Date(y)) => Some(x.cmp(y)),
        // A date literal is the first instant of its day in UTC.
        (Val::Date(d), Val::Time(t)) => Some(d.saturating_mul(86_400).cmp(t)),
        (Val::Time(t), Val::Date(d)) => Some(t.cmp(&d.saturating_mul(86_400))),
        _ => None,
    };
    let Some(ord) = ord else { return false };
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

/// Evaluates a condition. Never fails: unset operands make comparisons
/// false.
pub fn eval(e: &CExpr, cx: &Ctx) -> bool {
    eval_in(e, cx, &mut Memo::default())
}

/// The segments one evaluation has decided, by index: a bit set for the
/// first 64 (no allocation: most plans have fewer), a list beyond. A
/// condition is evaluated at every step, so a hash map here was a
/// noticeable share of a simulation.
#[derive(Default)]
struct Memo {
    known: u64,
    values: u64,
    more: Vec<(usize, bool)>,
}

impl Memo {
    fn get(&self, i: usize) -> Option<bool> {
        if i < 64 {
            (self.known >> i & 1 == 1).then_some(self.values >> i & 1 == 1)
        } else {
            self.more.iter().find(|&&(j, _)| j == i).map(|&(_, v)| v)
        }
    }

    fn insert(&mut self, i: usize, v: bool) {
        if i < 64 {
            self.known |= 1 << i;
            self.values |= u64::from(v) << i;
        } else {
            self.more.push((i, v));
        }
    }

    /// Marks segment `i` seen; false when it already was.
    fn first_time(&mut self, i: usize) -> bool {
        let fresh = self.get(i).is_none();
        if fresh {
            self.insert(i, true);
        }
        fresh
    }
}

/// [`eval`], with the values of the segments evaluated so far (by their
/// index in the table): a segment used twice, directly or through other
/// segments, is evaluated once. A segment's value depends only on the
/// person and the journey (`did ... where` binds its own event's fields),
/// which one evaluation does not change.
fn eval_in(e: &CExpr, cx: &Ctx, memo: &mut Memo) -> bool {
    match e {
        CExpr::Const(b) => *b,
        CExpr::And(args) => args.iter().all(|a| eval_in(a, cx, memo)),
        CExpr::Or(args) => args.iter().any(|a| eval_in(a, cx, memo)),
        CExpr::Not(a) => !eval_in(a, cx, memo),
        CExpr::Segment(s) => match memo.get(s.index) {
            Some(v) => v,
            None => {
                let v = eval_in(&s.cond, cx, memo);
                memo.insert(s.index, v);
                v
            }
        },
        CExpr::Cmp(op, l, r) => match (operand(l, cx), operand(r, cx)) {
            (Some(a), Some(b)) => compare(*op, a, b),
            _ => false,
        },
        CExpr::In(v, list, negated) => match operand(v, cx) {
            None => false,
            Some(v) => {
                let found = list
                    .iter()
                    .any(|o| operand(o, cx).is_some_and(|x| compare(CmpOp::Eq, v, x)));
                found != *negated
            }
        },
        CExpr::IsSet(v) => operand(v, cx).is_some(),
        CExpr::Contains(list, item) => match (operand(list, cx), operand(item, cx)) {
            (Some(Val::List(xs)), Some(v)) => xs.iter().any(|x| compare(CmpOp::Eq, x, v)),
            _ => false,
        },
        CExpr::IsEmpty(v) => match operand(v, cx) {
            None => true,
            Some(Val::List(xs)) => xs.is_empty(),
            Some(_) => false,
        },
        CExpr::Did {
            event,
            filter,
            within,
            since_entry,
            at_least,
        } => {
            let mut n = 0;
            let occ = &cx.history[*event];
            for o in occ.iter().rev() {
                if let Some(w) = within {
                    if cx.now - o.at > *w {
                        break;
                    }
                }
                if *since_entry && o.seq < cx.entry_seq {
                    break;
                }
                let ok = match filter {
                    None => true,
                    Some(f) => eval_in(
                        f,
                        &Ctx {
                            event_fields: &o.fields,
                            ..*cx
                        },
                        memo,
                    ),
                };
                if ok {
                    n += 1;
                    if n >= *at_least {
                        return true;
                    }
                }
            }
            false
        }
        CExpr::Received {
            message,
            channel,
            within,
            since_entry,
            at_least,
        } => {
            let mut n = 0;
            let from = if *since_entry { cx.entry_sends } else { 0 };
            for s in cx.across.sends.get(from..).unwrap_or_default().iter().rev() {
                if within.is_some_and(|w| cx.now - s.at > w) {
                    break;
                }
                let counts = match (message, channel) {
                    (Some(m), _) => *s.message == **m,
                    (None, Some(c)) => *s.channel == **c,
                    (None, None) => true,
                };
                if counts {
                    n += 1;
                    if n >= *at_least {
                        return true;
                    }
                }
            }
            false
        }
        CExpr::EngagedAny {
            channel,
            within,
            clicked,
        } => cx.across.engaged.iter().rev().any(|e| {
            cx.now - e.at <= *within
                && e.clicked == *clicked
                && channel.as_ref().is_none_or(|c| *e.channel == **c)
        }),
        CExpr::InCampaign(name) => cx
            .across
            .journeys
            .binary_search_by(|j| (**j).cmp(name))
            .is_ok(),
        CExpr::Opened(m) => cx.opened.get(*m).copied().unwrap_or(false),
        CExpr::Clicked(m) => cx.clicked.get(*m).copied().unwrap_or(false),
    }
}

/// The next instant after `now` at which a `did ... within` in `e` can
/// change its value as time passes (an occurrence leaving its window).
pub fn next_expiry(e: &CExpr, history: &[Vec<Occurrence>], now: i64) -> Option<i64> {
    expiry_in(e, history, now, &mut Memo::default())
}

/// [`next_expiry`], looking into each segment once (`seen`: the segments
/// already looked into).
fn expiry_in(e: &CExpr, history: &[Vec<Occurrence>], now: i64, seen: &mut Memo) -> Option<i64> {
    match e {
        CExpr::And(a) | CExpr::Or(a) => a
            .iter()
            .filter_map(|x| expiry_in(x, history, now, seen))
            .min(),
        CExpr::Not(a) => expiry_in(a, history, now, seen),
        CExpr::Segment(s) if seen.first_time(s.index) => expiry_in(&s.cond, history, now, seen),
        CExpr::Did {
            event,
            within: Some(w),
            ..
        } => history[*event]
            .iter()
            .map(|o| o.at.saturating_add(*w).saturating_add(1))
            .filter(|&t| t > now)
            .min(),
        // The history across campaigns changes with sends and engagement
        // (inputs and other campaigns' steps), and its windows expire: a
        // segment on it is re-checked when those happen, not on a timer.
        _ => None,
    }
}
