//! The runner's core: one person at a time, a discrete-event loop over
//! their inputs and the journey's timers.
//!
//! At one instant, inputs are handled first (in scenario order), then the
//! window's close, then the journey's timer, then scheduled triggers. So a
//! goal event at the very second a wait ends converts before the next send,
//! and a click at the very second a `wait for` times out counts.

use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use super::compile::{
    eval, next_expiry, CExpr, CKind, CTrigger, CWaitOn, Compiled, Ctx, Occurrence, Tgt, Val,
};
use super::prepare::{PInput, PKind, PPerson};
use super::timeline::Refused;
use super::{Entry, ExitReason, SkipReason, Timeline, What};
use crate::plan::{time, Reentry};

/// Flow that goes round this many nodes with no time passing is stopped
/// (the compiler rejects such plans as `instant-loop`).
const MAX_INSTANT_STEPS: u32 = 10_000;

/// The most entries one person's timeline holds: the runner stops a
/// person there (`exited entry_limit`), so that a journey that sends
/// without end (`step again { wait 1s send ping goto again }`) costs
/// bounded memory.
pub const MAX_ENTRIES: usize = 10_000;
/// The most journey steps the runner executes for one person, and the most
/// moments it wakes up for them (an input, a timer, a scheduled trigger):
/// past either, `exited step_limit`. So a person costs bounded time
/// whatever span of time a scenario asks for.
pub const MAX_STEPS: u64 = 1_000_000;
/// The latest instant the runner represents, 9999-12-31T23:59:59Z: a
/// journey whose next moment would be later stops (`exited time_limit`).
pub const MAX_INSTANT: i64 = 253_402_300_799;
/// The earliest, 0000-01-01T00:00:00Z.
pub const MIN_INSTANT: i64 = -62_167_219_200;

#[derive(Clone, Copy, Debug)]
enum Pending {
    /// A `wait` or `wait until`: go on to this target.
    Advance(Tgt),
    /// A `wait for` at the current node: time out.
    WaitFor,
    /// A send at the current node delayed by quiet hours: try it again.
    Quiet,
}

struct Journey {
    node: usize,
    entry_seq: u64,
    trigger_fields: Vec<Option<Val>>,
    /// (repeat node, iterations started).
    counters: Vec<(usize, u32)>,
    /// (`wait_until` node, the instant it last let flow go on).
    until_left: Vec<(usize, i64)>,
    sent: Vec<bool>,
    opened: Vec<bool>,
    clicked: Vec<bool>,
    wake: i64,
    pending: Pending,
}

struct Person<'a> {
    c: &'a Compiled,
    id: &'a str,
    start: i64,
    attrs: Vec<Option<Val>>,
    tz: Tz,
    history: Vec<Vec<Occurrence>>,
    seq: u64,
    /// Every send of this campaign to the person: (instant, channel).
    sends: Vec<(i64, usize)>,
    journey: Option<Journey>,
    entered: Option<i64>,
    entries: Vec<Entry>,
    steps: u64,
    /// The nodes executed, when tracing.
    trace: Option<Vec<(i64, usize)>>,
    refused: Refused,
    /// The runner's bounds stopped the person: nothing more happens.
    stopped: bool,
}

/// Runs one person over `(start, until)`.
pub(super) fn run_person(
    c: &Compiled,
    (start, until): (i64, i64),
    p: &PPerson,
    trace: bool,
) -> Timeline {
    let mut s = Person {
        c,
        id: &p.id,
        start,
        attrs: p.attrs.clone(),
        tz: c.tz,
        history: vec![Vec::new(); c.events.len()],
        seq: 0,
        sends: Vec::new(),
        journey: None,
        entered: None,
        entries: Vec::new(),
        steps: 0,
        trace: trace.then(Vec::new),
        refused: Refused::default(),
        stopped: false,
    };
    s.update_tz();
    let mut i = 0;
    let mut moments = 0u64;
    // Inputs before the start only build up state.
    while i < p.inputs.len() && p.inputs[i].at < s.start {
        s.apply(&p.inputs[i]);
        i += 1;
    }
    let mut sched = s.next_firing(s.start);
    let mut in_segment = match &c.trigger {
        CTrigger::Enters(cond) => s.eval_plain(cond, s.start),
        _ => false,
    };
    let mut seg_check = match &c.trigger {
        CTrigger::Enters(cond) => next_expiry(cond, &s.history, s.start),
        _ => None,
    };
    loop {
        let t_in = p.inputs.get(i).map(|x| x.at);
        let t_close = match (&s.journey, c.window) {
            (Some(_), Some((_, closes))) => Some(closes),
            _ => None,
        };
        let t_wake = s.journey.as_ref().map(|j| j.wake);
        let Some(t) = [t_in, t_close, t_wake, sched, seg_check]
            .into_iter()
            .flatten()
            .min()
        else {
            break;
        };
        if t > until || s.stopped {
            break;
        }
        moments += 1;
        if moments > MAX_STEPS {
            s.stop(t, ExitReason::StepLimit);
            break;
        }
        if t_in == Some(t) {
            let input = &p.inputs[i];
            i += 1;
            let tz_before = s.tz;
            s.input(input);
            if s.tz != tz_before {
                sched = s.next_firing(t);
            }
            if let CTrigger::Enters(cond) = &c.trigger {
                let now_in = s.eval_plain(cond, t);
                if now_in && !in_segment {
                    s.try_enter(t, Vec::new());
                }
                in_segment = now_in;
                seg_check = next_expiry(cond, &s.history, t);
            }
        } else if t_close == Some(t) {
            s.end(
                t,
                What::Exited {
                    reason: ExitReason::WindowClosed,
                    event: None,
                },
            );
        } else if t_wake == Some(t) {
            s.wake(t);
        } else if sched == Some(t) {
            s.try_enter(t, Vec::new());
            sched = s.next_firing(t + 1);
        } else if seg_check == Some(t) {
            if let CTrigger::Enters(cond) = &c.trigger {
                let now_in = s.eval_plain(cond, t);
                if now_in && !in_segment {
                    s.try_enter(t, Vec::new());
                }
                in_segment = now_in;
                seg_check = next_expiry(cond, &s.history, t);
            }
        }
    }
    Timeline {
        person: p.id.clone(),
        entries: s.entries,
        steps: s.steps,
        trace: s.trace.unwrap_or_default(),
        refused: s.refused,
    }
}

/// The split bucket of a person: SHA-256 of `person \n campaign \n node`,
/// first 8 bytes big-endian, modulo 10000.
pub fn split_bucket(person: &str, campaign: &str, node: &str) -> u32 {
    let mut h = Sha256::new();
    h.update(person.as_bytes());
    h.update(b"\n");
    h.update(campaign.as_bytes());
    h.update(b"\n");
    h.update(node.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    (u64::from_be_bytes(b) % 10_000) as u32
}

enum SendOutcome {
    Done,
    Quiet(i64),
}

impl Person<'_> {
    fn update_tz(&mut self) {
        self.tz = self
            .c
            .tz_attr
            .and_then(|a| match &self.attrs[a] {
                Some(Val::Text(name)) => time::parse_tz(name),
                _ => None,
            })
            .unwrap_or(self.c.tz);
    }

    /// The next scheduled trigger firing at or after `from`.
    fn next_firing(&self, from: i64) -> Option<i64> {
        match &self.c.trigger {
            CTrigger::Daily(m) => Some(time::next_local_time(self.tz, from, None, *m)),
            CTrigger::Weekly(w, m) => Some(time::next_local_time(self.tz, from, Some(*w), *m)),
            CTrigger::Once(date, m) => {
                let t = time::local_to_instant(
                    self.tz,
                    date.and_hms_opt(m / 60, m % 60, 0).expect("valid time"),
                );
                (t >= from).then_some(t)
            }
            _ => None,
        }
    }

    fn ctx<'b>(&'b self, now: i64, trigger_fields: &'b [Option<Val>]) -> Ctx<'b> {
        match &self.journey {
            Some(j) => Ctx {
                attrs: &self.attrs,
                trigger_fields: &j.trigger_fields,
                event_fields: &[],
                history: &self.history,
                now,
                entry_seq: j.entry_seq,
                opened: &j.opened,
                clicked: &j.clicked,
            },
            None => Ctx {
                attrs: &self.attrs,
                trigger_fields,
                event_fields: &[],
                history: &self.history,
                now,
                entry_seq: self.seq,
                opened: &[],
                clicked: &[],
            },
        }
    }

    /// A condition outside any journey and trigger (segments).
    fn eval_plain(&self, e: &CExpr, now: i64) -> bool {
        eval(
            e,
            &Ctx {
                attrs: &self.attrs,
                trigger_fields: &[],
                event_fields: &[],
                history: &self.history,
                now,
                entry_seq: self.seq,
                opened: &[],
                clicked: &[],
            },
        )
    }

    /// Applies an input to the person's state (no journey logic).
    fn apply(&mut self, input: &PInput) {
        match &input.kind {
            PKind::Event(e, fields) => {
                self.history[*e].push(Occurrence {
                    at: input.at,
                    seq: self.seq,
                    fields: fields.clone(),
                });
                self.seq += 1;
            }
            PKind::Set(list) => {
                for (a, v) in list {
                    self.attrs[*a] = v.clone();
                }
                if self.c.tz_attr.is_some() {
                    self.update_tz();
                }
            }
            PKind::Opened(_) | PKind::Clicked(_) | PKind::Ignored => {}
        }
    }

    fn input(&mut self, input: &PInput) {
        let t = input.at;
        self.apply(input);
        let c = self.c;
        match &input.kind {
            PKind::Event(e, fields) => {
                if self.journey.is_some() {
                    if c.goal == Some(*e) {
                        self.end(
                            t,
                            What::Converted {
                                event: c.events[*e].name.clone(),
                            },
                        );
                    } else if c.exits.contains(e) {
                        self.end(
                            t,
                            What::Exited {
                                reason: ExitReason::ExitEvent,
                                event: Some(c.events[*e].name.clone()),
                            },
                        );
                    } else if let Some(j) = &self.journey {
                        if let (
                            Pending::WaitFor,
                            CKind::WaitFor {
                                on,
                                filter,
                                matched,
                                ..
                            },
                        ) = (j.pending, &c.nodes[j.node].kind)
                        {
                            if matches!(on, CWaitOn::Event(w) if w == e) {
                                let ok = filter.as_ref().is_none_or(|f| {
                                    eval(
                                        f,
                                        &Ctx {
                                            event_fields: fields,
                                            ..self.ctx(t, &[])
                                        },
                                    )
                                });
                                if ok {
                                    self.advance(t, *matched);
                                }
                            }
                        }
                    }
                }
                if self.journey.is_none() {
                    if let CTrigger::Event { event, filter } = &c.trigger {
                        if event == e {
                            let ok = filter
                                .as_ref()
                                .is_none_or(|f| eval(f, &self.ctx(t, fields)));
                            if ok {
                                self.try_enter(t, fields.clone());
                            }
                        }
                    }
                }
            }
            PKind::Opened(m) | PKind::Clicked(m) => {
                let clicked = matches!(input.kind, PKind::Clicked(_));
                let Some(j) = &mut self.journey else { return };
                // Engagement counts only with a message sent in this journey.
                if !j.sent[*m] {
                    return;
                }
                if clicked {
                    j.clicked[*m] = true;
                } else {
                    j.opened[*m] = true;
                }
                if let (Pending::WaitFor, CKind::WaitFor { on, matched, .. }) =
                    (j.pending, &c.nodes[j.node].kind)
                {
                    let hit = match on {
                        CWaitOn::Opened(w) => !clicked && w == m,
                        CWaitOn::Clicked(w) => clicked && w == m,
                        CWaitOn::Event(_) => false,
                    };
                    if hit {
                        self.advance(t, *matched);
                    }
                }
            }
            PKind::Set(_) | PKind::Ignored => {}
        }
    }

    fn try_enter(&mut self, t: i64, trigger_fields: Vec<Option<Val>>) {
        let c = self.c;
        if self.journey.is_some() || t < self.start {
            return;
        }
        if let Some((opens, closes)) = c.window {
            if t < opens || t >= closes {
                self.refused.window += 1;
                return;
            }
        }
        let allowed = match (&c.reentry, self.entered) {
            (_, None) => true,
            (Reentry::Never, Some(_)) => false,
            (Reentry::Always, Some(_)) => true,
            (Reentry::After { after }, Some(last)) => (t - last) as u64 >= *after,
        };
        if !allowed {
            self.refused.reentry += 1;
            return;
        }
        if let Some(a) = &c.audience {
            if !eval(a, &self.ctx(t, &trigger_fields)) {
                self.refused.audience += 1;
                return;
            }
        }
        let m = c.messages.len();
        self.journey = Some(Journey {
            node: c.entry,
            entry_seq: self.seq,
            trigger_fields,
            counters: Vec::new(),
            until_left: Vec::new(),
            sent: vec![false; m],
            opened: vec![false; m],
            clicked: vec![false; m],
            wake: i64::MAX,
            pending: Pending::Quiet,
        });
        self.entered = Some(t);
        self.push(t, What::Entered);
        self.advance(
            t,
            Tgt {
                to: c.entry,
                lp: false,
            },
        );
    }

    fn end(&mut self, t: i64, what: What) {
        self.journey = None;
        self.push(t, what);
    }

    /// Adds an entry to the timeline; the last one the runner's bound
    /// allows is `exited entry_limit`, and the person stops there.
    fn push(&mut self, t: i64, what: What) {
        if self.stopped {
            return;
        }
        if self.entries.len() + 1 >= MAX_ENTRIES {
            self.stop(t, ExitReason::EntryLimit);
        } else {
            self.entries.push(Entry { at: t, what });
        }
    }

    /// The runner's bounds end the person's run at `t`.
    fn stop(&mut self, t: i64, reason: ExitReason) {
        self.journey = None;
        self.entries.push(Entry {
            at: t,
            what: What::Exited {
                reason,
                event: None,
            },
        });
        self.stopped = true;
    }

    /// Waits until `wake`, or stops the person when that is past the
    /// latest instant the runner represents.
    fn sleep(&mut self, t: i64, wake: Option<i64>, pending: Pending) {
        match wake.filter(|&w| w <= MAX_INSTANT) {
            Some(w) => {
                let j = self.journey.as_mut().expect("in journey");
                j.wake = w;
                j.pending = pending;
            }
            None => self.stop(t, ExitReason::TimeLimit),
        }
    }

    fn wake(&mut self, t: i64) {
        let Some(j) = &self.journey else { return };
        let c = self.c;
        let tgt = match (j.pending, &c.nodes[j.node].kind) {
            (Pending::Advance(tgt), _) => tgt,
            (Pending::WaitFor, CKind::WaitFor { timeout, .. }) => *timeout,
            _ => Tgt {
                to: j.node,
                lp: false,
            },
        };
        self.advance(t, tgt);
    }

    fn skip(&mut self, t: i64, m: usize, reason: SkipReason) {
        let c = self.c;
        let msg = &c.messages[m];
        self.push(
            t,
            What::Skip {
                message: msg.name.clone(),
                channel: c.channels[msg.channel].name.clone(),
                reason,
            },
        );
    }

    /// Whether a send at `t` would exceed one of `limits` (count per
    /// seconds), counting the sends so far on `channel` (`None`: on every
    /// channel).
    fn limited(&self, t: i64, limits: &[(u32, i64)], channel: Option<usize>) -> bool {
        limits.iter().any(|&(count, per)| {
            let n = self
                .sends
                .iter()
                .rev()
                .take_while(|&&(s, _)| t - s < per)
                .filter(|&&(_, c)| channel.is_none_or(|ch| ch == c))
                .count();
            n >= count as usize
        })
    }

    fn send(&mut self, t: i64, m: usize) -> SendOutcome {
        let c = self.c;
        let ch_i = c.messages[m].channel;
        let ch = &c.channels[ch_i];
        if let Some((from, to)) = ch.quiet {
            if let Some(end) = time::quiet_until(self.tz, t, from, to) {
                return SendOutcome::Quiet(end);
            }
        }
        if let Some(a) = ch.consent {
            if self.attrs[a] != Some(Val::Bool(true)) {
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
        self.sends.push((t, ch_i));
        if let Some(j) = &mut self.journey {
            j.sent[m] = true;
        }
        self.push(
            t,
            What::Send {
                message: c.messages[m].name.clone(),
                channel: ch.name.clone(),
            },
        );
        SendOutcome::Done
    }

    /// Runs the journey from `tgt` at `t` until time must pass or it ends.
    fn advance(&mut self, t: i64, mut tgt: Tgt) {
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
            self.steps += 1;
            if self.steps > MAX_STEPS {
                self.stop(t, ExitReason::StepLimit);
                return;
            }
            if let Some(trace) = &mut self.trace {
                trace.push((t, n));
            }
            let Some(j) = &mut self.journey else { return };
            j.node = n;
            match &node.kind {
                CKind::Send(m) => match self.send(t, *m) {
                    SendOutcome::Done => tgt = node.next,
                    SendOutcome::Quiet(until) => {
                        if self.journey.is_some() {
                            self.sleep(t, Some(until), Pending::Quiet);
                        }
                        return;
                    }
                },
                CKind::Wait(s) => {
                    self.sleep(t, t.checked_add(*s), Pending::Advance(node.next));
                    return;
                }
                CKind::WaitUntil(weekday, minutes) => {
                    // Back at the very instant this node last let flow go
                    // on (a loop with no other wait): the next such moment.
                    let slot = j.until_left.iter().position(|&(u, _)| u == n);
                    let from = match slot {
                        Some(i) if j.until_left[i].1 == t => t + 1,
                        _ => t,
                    };
                    let at = time::next_local_time(self.tz, from, *weekday, *minutes);
                    match slot {
                        Some(i) => j.until_left[i].1 = at,
                        None => j.until_left.push((n, at)),
                    }
                    if at <= t {
                        tgt = node.next;
                    } else {
                        self.sleep(t, Some(at), Pending::Advance(node.next));
                        return;
                    }
                }
                CKind::WaitFor {
                    on,
                    within,
                    matched,
                    ..
                } => {
                    let already = match on {
                        CWaitOn::Opened(m) => j.opened[*m],
                        CWaitOn::Clicked(m) => j.clicked[*m],
                        CWaitOn::Event(_) => false,
                    };
                    if already {
                        tgt = *matched;
                    } else {
                        self.sleep(t, t.checked_add(*within), Pending::WaitFor);
                        return;
                    }
                }
                CKind::Branch(arms, otherwise) => {
                    let cx = self.ctx(t, &[]);
                    tgt = arms
                        .iter()
                        .find(|(cond, _)| eval(cond, &cx))
                        .map_or(*otherwise, |(_, to)| *to);
                }
                CKind::Split(arms) => {
                    let bucket = split_bucket(self.id, &c.campaign, &node.id);
                    match arms.iter().find(|a| bucket < a.upto).or(arms.last()) {
                        Some(arm) => {
                            tgt = arm.to;
                            let what = What::Split {
                                node: node.id.clone(),
                                arm: arm.name.clone(),
                            };
                            self.push(t, what);
                        }
                        None => tgt = node.next,
                    }
                }
                CKind::Repeat { times, body, done } => {
                    if !tgt.lp {
                        j.counters.retain(|&(r, _)| r != n);
                    }
                    let count = j
                        .counters
                        .iter()
                        .find(|&&(r, _)| r == n)
                        .map_or(0, |&(_, k)| k);
                    j.counters.retain(|&(r, _)| r != n);
                    if count < *times {
                        j.counters.push((n, count + 1));
                        tgt = *body;
                    } else {
                        tgt = *done;
                    }
                }
                CKind::Jump => tgt = node.next,
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
}
