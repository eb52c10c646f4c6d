//! Taking steps: what one input or timer does to one person in one
//! campaign. [`Run`] borrows the parts of a [`super::State`] the campaign
//! reads and writes, and appends what happens to an [`Effects`].

use std::sync::Arc;

use super::action_step::Acted;
use super::compile::{CExpr, CKind, CTrigger, Compiled, Tgt, Val};
use super::eval::{eval, next_expiry, Ctx};
use super::state::{Budget, CampaignState, Journey, Pending, PersonState, Sent};
use super::{Effects, Entry, ExitReason, SkipReason, What};
use super::{MAX_ENTRIES, MAX_INSTANT, MAX_STEPS};
use crate::plan::time;

/// Flow that goes round this many nodes with no time passing is stopped
/// (the compiler rejects such plans as `instant-loop`).
const MAX_INSTANT_STEPS: u32 = 10_000;

/// One campaign's view of a person during one call.
pub(super) struct Run<'a> {
    pub c: &'a Compiled,
    pub id: &'a str,
    pub p: &'a mut PersonState,
    pub k: &'a mut CampaignState,
    pub b: &'a mut Budget,
    pub out: &'a mut Effects,
}

/// A walk of rule 2 under way: where it may land, the nodes passed, and
/// where it landed.
struct Walk<'w> {
    lands: &'w dyn Fn(usize) -> bool,
    seen: Vec<usize>,
    landed: Option<usize>,
}

enum SendOutcome {
    Done,
    Quiet(i64),
}

impl Run<'_> {
    /// The person's time zone for the campaign, from their profile.
    pub fn update_tz(&mut self) {
        self.k.tz = self
            .c
            .tz_attr
            .and_then(|a| match &self.p.attrs[a] {
                Some(Val::Text(name)) => time::parse_tz(name),
                _ => None,
            })
            .unwrap_or(self.c.tz);
    }

    /// The next scheduled trigger firing at or after `from`.
    pub fn next_firing(&self, from: i64) -> Option<i64> {
        let tz = self.k.tz;
        match &self.c.trigger {
            CTrigger::Daily(m) => Some(time::next_local_time(tz, from, None, *m)),
            CTrigger::Weekly(w, m) => Some(time::next_local_time(tz, from, Some(*w), *m)),
            CTrigger::Once(date, m) => {
                let t = time::local_to_instant(
                    tz,
                    date.and_hms_opt(m / 60, m % 60, 0).expect("valid time"),
                );
                (t >= from).then_some(t)
            }
            CTrigger::Date {
                attr,
                offset_days,
                minutes,
                yearly,
            } => {
                // A time's day is taken in the person's time zone.
                let day = match self.p.attrs[*attr].as_ref()? {
                    Val::Date(d) => chrono::NaiveDate::from_num_days_from_ce_opt(
                        i32::try_from(d.checked_add(719_163)?).ok()?,
                    )?,
                    Val::Time(t) => time::instant_to_local(tz, *t).date(),
                    _ => return None,
                };
                time::date_firing(tz, day, *offset_days, *minutes, *yearly, from)
                    .filter(|&t| t <= MAX_INSTANT)
            }
            _ => None,
        }
    }

    /// What conditions read at `now`: the journey's trigger fields and
    /// engagement when in one, else `trigger_fields` (an entry being
    /// decided) and none.
    pub(super) fn ctx<'b>(&'b self, now: i64, trigger_fields: &'b [Option<Val>]) -> Ctx<'b> {
        let outside = Ctx {
            attrs: &self.p.attrs,
            trigger_fields,
            event_fields: &[],
            history: &self.p.history,
            across: &self.p.across,
            now,
            entry_seq: self.p.seq,
            entry_sends: self.p.across.sends.len(),
            opened: &[],
            clicked: &[],
        };
        match &self.k.journey {
            Some(j) => Ctx {
                trigger_fields: &j.trigger_fields,
                entry_seq: j.entry_seq,
                entry_sends: j.entry_sends,
                opened: &j.opened,
                clicked: &j.clicked,
                ..outside
            },
            None => outside,
        }
    }

    /// A condition outside any journey and trigger (segments).
    fn eval_plain(&self, e: &CExpr, now: i64) -> bool {
        let cx = Ctx {
            trigger_fields: &[],
            entry_seq: self.p.seq,
            entry_sends: self.p.across.sends.len(),
            opened: &[],
            clicked: &[],
            ..self.ctx(now, &[])
        };
        eval(e, &cx)
    }

    /// An `enters` trigger: arms its first check at `at`.
    pub fn begin_segment(&mut self, at: i64) {
        if let CTrigger::Enters(cond) = &self.c.trigger {
            self.k.in_segment = self.eval_plain(cond, at);
            self.k.segment_check = next_expiry(cond, &self.p.history, at);
        }
    }

    /// An `enters` trigger: the person enters when they come into the
    /// segment; the next check is when its value can change with time.
    pub fn check_segment(&mut self, t: i64) {
        if let CTrigger::Enters(cond) = &self.c.trigger {
            let now_in = self.eval_plain(cond, t);
            if now_in && !self.k.in_segment {
                self.try_enter(t, Vec::new());
            }
            self.k.in_segment = now_in;
            self.k.segment_check = next_expiry(cond, &self.p.history, t);
        }
    }

    pub fn end(&mut self, t: i64, what: What) {
        self.k.journey = None;
        self.push(t, what);
    }

    /// Returns an action; the last one the runner's bound allows is
    /// `exited entry_limit`, and the person stops there.
    pub fn push(&mut self, t: i64, what: What) {
        if self.b.stopped {
            return;
        }
        if self.b.actions + 1 >= MAX_ENTRIES {
            self.stop(t, ExitReason::EntryLimit);
        } else {
            self.b.actions += 1;
            self.out.actions.push(Entry { at: t, what });
        }
    }

    /// The runner's bounds end the person's run at `t`.
    pub fn stop(&mut self, t: i64, reason: ExitReason) {
        self.k.journey = None;
        self.b.actions += 1;
        self.out.actions.push(Entry {
            at: t,
            what: What::Exited {
                reason,
                event: None,
            },
        });
        self.b.stopped = true;
    }

    /// Waits until `wake`, or stops the person when that is past the
    /// latest instant the runner represents.
    pub fn sleep(&mut self, t: i64, wake: Option<i64>, pending: Pending) {
        match wake.filter(|&w| w <= MAX_INSTANT) {
            Some(w) => {
                let j = self.k.journey.as_mut().expect("in journey");
                j.wake = w;
                j.pending = pending;
            }
            None => self.stop(t, ExitReason::TimeLimit),
        }
    }

    /// The journey's timer fired.
    pub fn wake(&mut self, t: i64) {
        let Some(j) = &self.k.journey else { return };
        let node = &self.c.nodes[j.node];
        match (j.pending, &node.kind) {
            (Pending::Advance(tgt), _) => self.leave(t, tgt),
            // A wait that ends with nothing happening (a `wait_for` times
            // out): on to its `next`.
            (Pending::WaitFor, CKind::Wait(_)) => self.leave(t, node.next),
            // A send held by quiet hours: it checks `exit unless` itself.
            _ => {
                let to = j.node;
                self.advance(t, Tgt { to, lp: false })
            }
        }
    }

    /// Flow leaves a node where time passed, to `tgt`: a checkpoint of
    /// `exit unless`.
    pub fn leave(&mut self, t: i64, tgt: Tgt) {
        if self.checkpoint(t) {
            self.advance(t, tgt);
        }
    }

    /// Checks `exit unless` at `t`: false when one of its conditions fails
    /// (the journey has then ended, exit reason `condition`).
    fn checkpoint(&mut self, t: i64) -> bool {
        let cx = self.ctx(t, &[]);
        if self.c.exit_unless.iter().all(|c| eval(c, &cx)) {
            return true;
        }
        self.end(
            t,
            What::Exited {
                reason: ExitReason::Condition,
                event: None,
            },
        );
        false
    }

    fn skip(&mut self, t: i64, m: usize, reason: SkipReason) {
        let c = self.c;
        let msg = &c.messages[m];
        self.push(
            t,
            What::Skip {
                message: owned(&msg.name),
                channel: owned(&c.channels[msg.channel].name),
                reason,
            },
        );
    }

    /// Whether a send at `t` would exceed one of `limits` (count per
    /// seconds), counting the sends so far on `channel` (`None`: on every
    /// channel).
    fn limited(&self, t: i64, limits: &[(u32, i64)], channel: Option<usize>) -> bool {
        limits.iter().any(|&(count, per)| {
            let n = match channel {
                // A channel's limit counts the sends of every campaign.
                Some(ch) => {
                    let name = &self.c.channels[ch].name;
                    self.p
                        .across
                        .sends
                        .iter()
                        .rev()
                        .take_while(|s| t - s.at < per)
                        .filter(|s| same_name(&s.channel, name))
                        .count()
                }
                None => self
                    .k
                    .sends
                    .iter()
                    .rev()
                    .take_while(|&&(s, _)| t - s < per)
                    .count(),
            };
            n >= count as usize
        })
    }

    fn send(&mut self, t: i64, m: usize) -> SendOutcome {
        let c = self.c;
        let ch_i = c.messages[m].channel;
        let ch = &c.channels[ch_i];
        if let Some(end) = time::quiet_until_all(self.k.tz, t, &ch.quiet) {
            return SendOutcome::Quiet(end);
        }
        // Right before the send goes out.
        if !self.checkpoint(t) {
            return SendOutcome::Done;
        }
        if let Some(a) = ch.consent {
            if self.p.attrs[a] != Some(Val::Bool(true)) {
                self.skip(t, m, SkipReason::NoConsent);
                return SendOutcome::Done;
            }
        }
        if self.limited(t, &c.limits, None) {
            self.skip(t, m, SkipReason::CampaignLimit);
            return SendOutcome::Done;
        }
        if self.limited(t, &ch.limits, Some(ch_i)) {
            self.skip(t, m, SkipReason::ChannelLimit);
            return SendOutcome::Done;
        }
        self.k.sends.push((t, ch_i));
        self.p.across.sends.push(Sent {
            at: t,
            campaign: c.campaign.clone(),
            message: c.messages[m].name.clone(),
            channel: ch.name.clone(),
        });
        if let Some(j) = &mut self.k.journey {
            j.sent[m] = true;
        }
        self.push(
            t,
            What::Send {
                message: owned(&c.messages[m].name),
                channel: owned(&ch.name),
            },
        );
        SendOutcome::Done
    }

    /// Counts a journey step against the runner's bound; false when the
    /// bound stopped the person.
    fn count_step(&mut self, t: i64, n: usize) -> bool {
        self.b.steps += 1;
        if self.b.steps > MAX_STEPS {
            self.stop(t, ExitReason::StepLimit);
            return false;
        }
        if let Some(trace) = &mut self.out.trace {
            trace.push((t, n));
        }
        true
    }

    /// Runs the journey from `tgt` at `t` until time must pass or it ends.
    pub fn advance(&mut self, t: i64, tgt: Tgt) {
        self.flow(t, tgt, None);
    }

    /// Rule 2 of replacing a plan (`docs/plan-format.md`): the person
    /// leaves node `from` as if it had finished with nothing happening and
    /// follows the plan from there, sending nothing and waiting nowhere,
    /// to the first node `lands` accepts (returned). `None`: the journey
    /// ended on the way (an `exit`, or back at a node already passed: then
    /// it completes).
    pub fn walk(&mut self, t: i64, from: usize, lands: &dyn Fn(usize) -> bool) -> Option<usize> {
        // Done with nothing happening: a wait's `next` (a `wait_for`'s
        // `timeout`), a send's `next`.
        let tgt = self.c.nodes[from].next;
        let mut walk = Walk {
            lands,
            seen: vec![from],
            landed: None,
        };
        self.flow(t, tgt, Some(&mut walk));
        walk.landed
    }

    /// Runs flow from `tgt` at `t`: until time must pass or the journey
    /// ends, or, when walking (`walk`), until a node the walk lands on.
    fn flow(&mut self, t: i64, mut tgt: Tgt, mut walk: Option<&mut Walk>) {
        let c = self.c;
        let mut guard = 0;
        loop {
            guard += 1;
            if guard > MAX_INSTANT_STEPS {
                self.end(
                    t,
                    What::Exited {
                        reason: ExitReason::InstantLoop,
                        event: None,
                    },
                );
                return;
            }
            let n = tgt.to;
            let node = &c.nodes[n];
            if let Some(w) = walk.as_deref_mut() {
                if (w.lands)(n) {
                    w.landed = Some(n);
                    return;
                }
                if w.seen.contains(&n) {
                    self.end(t, What::Completed);
                    return;
                }
                w.seen.push(n);
            }
            if !self.count_step(t, n) {
                return;
            }
            let walking = walk.is_some();
            let Some(j) = &mut self.k.journey else { return };
            j.node = n;
            j.arrived = t;
            match &node.kind {
                // A replacement's walk sends nothing and waits nowhere.
                CKind::Send(_) | CKind::Wait(_) if walking => tgt = node.next,
                CKind::Send(m) => match self.send(t, *m) {
                    SendOutcome::Done => tgt = node.next,
                    SendOutcome::Quiet(until) => {
                        if self.k.journey.is_some() {
                            self.sleep(t, Some(until), Pending::Quiet);
                        }
                        return;
                    }
                },
                CKind::Wait(wait) => match wait.arrive(self, t, n, node.next) {
                    Some(to) => tgt = to,
                    None => return,
                },
                CKind::Choice(choice) => tgt = choice.take(self, t, n, node.next),
                CKind::Repeat { times, body, done } => {
                    tgt = if repeat(j, n, tgt.lp, *times) {
                        *body
                    } else {
                        *done
                    };
                }
                CKind::Jump => tgt = node.next,
                // A replacement's walk writes nothing.
                CKind::Action(_) if walking => tgt = node.next,
                CKind::Action(action) => {
                    action.apply(self, t);
                    tgt = node.next;
                }
                CKind::Exit => {
                    self.end(
                        t,
                        What::Exited {
                            reason: ExitReason::ExitStep,
                            event: None,
                        },
                    );
                    return;
                }
                CKind::End => {
                    self.end(t, What::Completed);
                    return;
                }
            }
        }
    }

    /// An action writes `v` to the profile attribute `a` at `t` and
    /// reports `entry`; then an `enters` trigger is checked (a journey in
    /// progress refuses the entry, but the segment's state is kept).
    pub(super) fn write(&mut self, t: i64, a: usize, v: Option<Val>, entry: Acted) {
        self.p.attrs[a] = v;
        if self.c.tz_attr == Some(a) {
            self.update_tz();
        }
        if self.c.tz_attr == Some(a)
            || matches!(self.c.trigger, CTrigger::Date { attr, .. } if attr == a)
        {
            self.k.schedule = self.next_firing(t);
        }
        self.push(t, What::Action(entry));
        self.check_segment(t);
    }

    /// Rule 1: the person stays at node `n` (of this plan), keeps their
    /// arrival time, and the node's parameters apply as if they had been
    /// there since: what is due by `t` happens at `t`.
    pub fn resume(&mut self, t: i64, n: usize) {
        let c = self.c;
        let Some(j) = &mut self.k.journey else { return };
        j.node = n;
        let arrived = j.arrived;
        let node = &c.nodes[n];
        match &node.kind {
            CKind::Wait(wait) => wait.resume(self, t, arrived, node.next),
            // A delayed send: the new message goes when the quiet hours
            // end (the wake-up stays).
            _ => j.pending = Pending::Quiet,
        }
    }

    /// The journey's timer set to `wake`, or, when that is due by `t`, what
    /// it does done at `t`.
    pub(super) fn due(&mut self, t: i64, wake: Option<i64>, pending: Pending) {
        match wake {
            Some(w) if w <= t => {
                let j = self.k.journey.as_mut().expect("in journey");
                j.wake = t;
                j.pending = pending;
                self.wake(t);
            }
            _ => self.sleep(t, wake, pending),
        }
    }
}

/// A shared name as an action's own string: a copy of its bytes
/// (`to_string` would go through `Display` and the formatter, which cost
/// more than the copy on every send).
fn owned(name: &Arc<str>) -> String {
    String::from(&**name)
}

/// Whether two names of the history across campaigns are the same: the
/// same shared string (a name of one compiled plan) without reading it.
pub(super) fn same_name(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

/// A `repeat` at node `n` reached (`lp`: by closing an iteration): whether
/// another iteration starts (the counter counts it) or flow goes on.
pub(super) fn repeat(j: &mut Journey, n: usize, lp: bool, times: u32) -> bool {
    if !lp {
        j.counters.retain(|&(r, _)| r != n);
    }
    let count = j
        .counters
        .iter()
        .find(|&&(r, _)| r == n)
        .map_or(0, |&(_, k)| k);
    j.counters.retain(|&(r, _)| r != n);
    if count < times {
        j.counters.push((n, count + 1));
        true
    } else {
        false
    }
}
