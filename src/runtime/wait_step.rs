//! Waits in the runtime core, in one place: the steps that hold a person
//! until a moment comes or something happens (`wait`, `wait_until`,
//! `wait_for`, `wait_for_any`: the plan's [`Family::Wait`]). Each wait is
//! written here once: its compiled form ([`CWait`], a variant), its
//! compilation from the plan's node ([`CWait::compile`]), what happens when
//! a person arrives ([`CWait::arrive`]: the journey's timer it sets, or
//! flow going on at once), what it hears while they are held
//! ([`CWait::heard_event`], [`CWait::heard_engagement`]), and how a person
//! held there stays on a replacement plan ([`CWait::resume`], rule 1).
//!
//! What the journey does for every wait alike is not here: its timer
//! firing takes the `Pending` the wait set (`Advance` to a target, or
//! `WaitFor`: the node's `next`, which for a wait is where flow goes when
//! it ends with nothing happening: a `wait_for`'s `timeout`); a
//! replacement's walk (rule 2) passes every wait by that same `next`.

use chrono_tz::Tz;

use super::compile::{secs, tod, Builder, CExpr, Tgt, Val};
use super::eval::{eval, Ctx};
use super::journey::Run;
use super::state::Pending;
use super::PlanError;
use crate::plan::{self, time, EdgeLabel, Family, NodeKind};

/// A compiled wait.
#[derive(Clone, Debug)]
pub enum CWait {
    /// `wait`: this many seconds from arrival.
    Delay(i64),
    /// `wait_until`: the next moment, at or after arrival, when the
    /// person's local time is this many minutes after midnight, on this
    /// weekday (0 Monday; any day when `None`).
    Until(Option<u32>, u32),
    /// `wait_for` (one arm) and `wait_for_any`: the first arm whose thing
    /// happens within `within` seconds takes its edge, else the node's
    /// `next` (its `timeout`).
    For { arms: Vec<CArm>, within: i64 },
}

/// What a wait waits for, its `where`, and where flow goes when it happens.
#[derive(Clone, Debug)]
pub struct CArm {
    pub on: CWaitOn,
    pub filter: Option<CExpr>,
    pub to: Tgt,
}

/// What an arm waits for (indices into the compiled plan's tables).
#[derive(Clone, Debug)]
pub enum CWaitOn {
    Event(usize),
    Opened(usize),
    Clicked(usize),
}

impl CWait {
    /// The compiled form of the plan's node `n`, a wait (the plan's
    /// [`Family::Wait`]), with its `next`: where flow goes when the wait
    /// ends with nothing happening.
    pub(super) fn compile(n: &plan::Node, b: &Builder) -> Result<(CWait, Tgt), PlanError> {
        Ok(match &n.kind {
            NodeKind::Wait { seconds } => (CWait::Delay(secs(*seconds)), b.successor(n, "next")?),
            NodeKind::WaitUntil { on, at } => {
                let next = b.successor(n, "next")?;
                (CWait::Until(on.map(|w| w.index()), tod(at)?), next)
            }
            NodeKind::WaitFor { on, filter, within } => {
                let arm = CArm {
                    on: wait_on(b, on)?,
                    filter: filter.as_ref().map(|f| b.expr(f)).transpose()?,
                    to: b.successor(n, "event")?,
                };
                let within = secs(*within);
                let wait = CWait::For {
                    arms: vec![arm],
                    within,
                };
                (wait, b.successor(n, "timeout")?)
            }
            NodeKind::WaitForAny { arms, within } => {
                let mut compiled = Vec::with_capacity(arms.len());
                for a in arms {
                    let e = n
                        .successors
                        .iter()
                        .find(|e| matches!(&e.label, EdgeLabel::On { arm } if *arm == a.arm))
                        .ok_or_else(|| {
                            PlanError(format!(
                                "node {:?} has no `on` successor for {:?}",
                                n.id, a.arm
                            ))
                        })?;
                    compiled.push(CArm {
                        on: wait_on(b, &a.on)?,
                        filter: a.filter.as_ref().map(|f| b.expr(f)).transpose()?,
                        to: b.target(e)?,
                    });
                }
                let wait = CWait::For {
                    arms: compiled,
                    within: secs(*within),
                };
                (wait, b.successor(n, "timeout")?)
            }
            other => {
                debug_assert_ne!(other.family(), Family::Wait, "a wait not compiled");
                return Err(PlanError(format!(
                    "`{}` is not a wait the runtime knows",
                    other.name()
                )));
            }
        })
    }

    /// A person arrives at this wait, node `n`, at `t` (`next`: the
    /// node's): `Some` target when flow goes on at once, `None` when they
    /// are held (the journey's timer is set, or the runner's bound stopped
    /// them).
    pub(super) fn arrive(&self, run: &mut Run, t: i64, n: usize, next: Tgt) -> Option<Tgt> {
        match self {
            CWait::Delay(s) => {
                run.sleep(t, t.checked_add(*s), Pending::Advance(next));
                None
            }
            CWait::Until(..) => {
                let tz = run.k.tz;
                let j = run.k.journey.as_mut()?;
                // Back at the very instant this node last let flow go on
                // (a loop with no other wait): the next such moment.
                let slot = j.until_left.iter().position(|&(u, _)| u == n);
                let from = match slot {
                    Some(i) if j.until_left[i].1 == t => t + 1,
                    _ => t,
                };
                let at = self.moment(tz, from);
                match slot {
                    Some(i) => j.until_left[i].1 = at,
                    None => j.until_left.push((n, at)),
                }
                if at <= t {
                    return Some(next);
                }
                run.sleep(t, Some(at), Pending::Advance(next));
                None
            }
            CWait::For { arms, within } => {
                let j = run.k.journey.as_ref()?;
                // Engagement that happened before arrival counts at once.
                let already = arms.iter().find(|a| match a.on {
                    CWaitOn::Opened(m) => j.opened[m],
                    CWaitOn::Clicked(m) => j.clicked[m],
                    CWaitOn::Event(_) => false,
                });
                if let Some(a) = already {
                    return Some(a.to);
                }
                run.sleep(t, t.checked_add(*within), Pending::WaitFor);
                None
            }
        }
    }

    /// An occurrence of event `e` (its `fields`) at `t` while a person is
    /// held here: where flow goes, if the wait heard it.
    pub(super) fn heard_event(
        &self,
        run: &Run,
        t: i64,
        e: usize,
        fields: &[Option<Val>],
    ) -> Option<Tgt> {
        let CWait::For { arms, .. } = self else {
            return None;
        };
        // The first arm this occurrence meets.
        arms.iter()
            .find(|a| {
                matches!(a.on, CWaitOn::Event(w) if w == e)
                    && a.filter.as_ref().is_none_or(|f| {
                        eval(
                            f,
                            &Ctx {
                                event_fields: fields,
                                ..run.ctx(t, &[])
                            },
                        )
                    })
            })
            .map(|a| a.to)
    }

    /// An open (a click when `clicked`) of message `m`, sent in this
    /// journey, while a person is held here: where flow goes, if the wait
    /// heard it.
    pub(super) fn heard_engagement(&self, m: usize, clicked: bool) -> Option<Tgt> {
        let CWait::For { arms, .. } = self else {
            return None;
        };
        arms.iter()
            .find(|a| match a.on {
                CWaitOn::Opened(w) => !clicked && w == m,
                CWaitOn::Clicked(w) => clicked && w == m,
                CWaitOn::Event(_) => false,
            })
            .map(|a| a.to)
    }

    /// Rule 1 of replacing a plan: a person who `arrived` at this wait
    /// (of the old plan) stays here (of the new one) and its parameters
    /// apply as if they had been here since: what is due by `t` happens at
    /// `t` (`next`: the node's).
    pub(super) fn resume(&self, run: &mut Run, t: i64, arrived: i64, next: Tgt) {
        match self {
            CWait::Delay(s) => run.due(t, arrived.checked_add(*s), Pending::Advance(next)),
            CWait::Until(..) => {
                let at = self.moment(run.k.tz, arrived);
                run.due(t, Some(at), Pending::Advance(next));
            }
            CWait::For { arms, within } => {
                let cx = run.ctx(t, &[]);
                // The first arm (in order) whose thing happened since arrival.
                let done = arms.iter().find(|a| match a.on {
                    CWaitOn::Opened(m) => cx.opened[m],
                    CWaitOn::Clicked(m) => cx.clicked[m],
                    CWaitOn::Event(e) => run.p.history[e].iter().any(|o| {
                        o.at >= arrived
                            && a.filter.as_ref().is_none_or(|f| {
                                eval(
                                    f,
                                    &Ctx {
                                        event_fields: &o.fields,
                                        ..run.ctx(t, &[])
                                    },
                                )
                            })
                    }),
                });
                match done {
                    Some(a) => run.leave(t, a.to),
                    None => run.due(t, arrived.checked_add(*within), Pending::WaitFor),
                }
            }
        }
    }
}

impl CWait {
    /// A wait until a moment of the calendar (`Until`): the first such
    /// moment at or after `from` in the person's time zone `tz` (`from`
    /// itself for the other waits, which do not wait for one).
    fn moment(&self, tz: Tz, from: i64) -> i64 {
        match self {
            CWait::Until(weekday, minutes) => time::next_local_time(tz, from, *weekday, *minutes),
            CWait::Delay(_) | CWait::For { .. } => from,
        }
    }
}

fn wait_on(b: &Builder, on: &plan::WaitOn) -> Result<CWaitOn, PlanError> {
    Ok(match on {
        plan::WaitOn::Event { event } => CWaitOn::Event(b.event(event)?),
        plan::WaitOn::Opened { message } => CWaitOn::Opened(b.message(message)?),
        plan::WaitOn::Clicked { message } => CWaitOn::Clicked(b.message(message)?),
    })
}
