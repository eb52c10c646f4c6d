//! Inputs: what an event, an open, a click or a profile update does to a
//! person in one campaign (the journey first: the goal, exits, what a
//! `wait for` or `wait for any` waits for; then the trigger), and entry.

use super::compile::{CExpr, CKind, CTrigger, Tgt, Val};
use super::eval::{eval, Ctx, Occurrence};
use super::journey::{same_name, Run};
use super::state::{Engaged, Journey, Pending};
use super::{ExitReason, Input, InputKind, What};
use crate::plan::Reentry;

impl Run<'_> {
    /// Applies an input to the person's state (no journey logic).
    pub fn apply(&mut self, input: &Input) {
        match &input.kind {
            InputKind::Event(e, fields) => {
                self.p.history[*e].push(Occurrence {
                    at: input.at,
                    seq: self.p.seq,
                    fields: fields.clone(),
                });
                self.p.seq += 1;
            }
            InputKind::Set(list) => {
                for (a, v) in list {
                    self.p.attrs[*a] = v.clone();
                }
                if self.c.tz_attr.is_some() {
                    self.update_tz();
                }
            }
            InputKind::Opened(_) | InputKind::Clicked(_) | InputKind::Ignored => {}
        }
    }

    /// Whether this occurrence of event `e` ends the journey: `Some(true)`
    /// as the goal, `Some(false)` as an exit (their `where`s read the
    /// occurrence's fields, and the profile as it is now).
    fn ends(&self, t: i64, e: usize, fields: &[Option<Val>]) -> Option<bool> {
        let c = self.c;
        let holds = |filter: &Option<CExpr>| {
            filter.as_ref().is_none_or(|f| {
                eval(
                    f,
                    &Ctx {
                        event_fields: fields,
                        ..self.ctx(t, &[])
                    },
                )
            })
        };
        if c.goal == Some(e) && holds(&c.goal_filter) {
            return Some(true);
        }
        c.exits
            .iter()
            .any(|(x, filter)| *x == e && holds(filter))
            .then_some(false)
    }

    /// An input at its instant: state, then the journey, then triggers.
    pub fn input(&mut self, input: &Input) {
        let t = input.at;
        let tz_before = self.k.tz;
        self.apply(input);
        let c = self.c;
        match &input.kind {
            InputKind::Event(e, fields) => {
                if self.k.journey.is_some() {
                    let ends = self.ends(t, *e, fields);
                    if ends == Some(true) {
                        self.end(
                            t,
                            What::Converted {
                                event: c.events[*e].name.clone(),
                            },
                        );
                    } else if ends == Some(false) {
                        self.end(
                            t,
                            What::Exited {
                                reason: ExitReason::ExitEvent,
                                event: Some(c.events[*e].name.clone()),
                            },
                        );
                    } else if let Some(j) = &self.k.journey {
                        if let (Pending::WaitFor, CKind::Wait(wait)) =
                            (j.pending, &c.nodes[j.node].kind)
                        {
                            if let Some(to) = wait.heard_event(self, t, *e, fields) {
                                self.leave(t, to);
                            }
                        }
                    }
                }
                if self.k.journey.is_none() {
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
            InputKind::Opened(m) | InputKind::Clicked(m) => {
                let clicked = matches!(input.kind, InputKind::Clicked(_));
                self.record_engagement(t, *m, clicked);
                if let Some(j) = &mut self.k.journey {
                    // Engagement counts only with a message sent in this
                    // journey.
                    if j.sent[*m] {
                        if clicked {
                            j.clicked[*m] = true;
                        } else {
                            j.opened[*m] = true;
                        }
                        if let (Pending::WaitFor, CKind::Wait(wait)) =
                            (j.pending, &c.nodes[j.node].kind)
                        {
                            if let Some(to) = wait.heard_engagement(*m, clicked) {
                                self.leave(t, to);
                            }
                        }
                    }
                }
            }
            InputKind::Set(_) | InputKind::Ignored => {}
        }
        // A date trigger's attribute may have changed: reschedule.
        let date_trigger = matches!(c.trigger, CTrigger::Date { .. });
        if self.k.tz != tz_before || date_trigger && matches!(input.kind, InputKind::Set(_)) {
            self.k.schedule = self.next_firing(t);
        }
        self.check_segment(t);
    }

    pub fn try_enter(&mut self, t: i64, trigger_fields: Vec<Option<Val>>) {
        let c = self.c;
        if self.k.journey.is_some() {
            return;
        }
        if let Some((opens, closes)) = c.window {
            if t < opens || t >= closes {
                self.out.refused.window += 1;
                return;
            }
        }
        let allowed = match (&c.reentry, self.k.entered) {
            (_, None) => true,
            (Reentry::Never, Some(_)) => false,
            (Reentry::Always, Some(_)) => true,
            (Reentry::After { after }, Some(last)) => (t - last) as u64 >= *after,
        };
        if !allowed {
            self.out.refused.reentry += 1;
            return;
        }
        // `exit unless` is checked at entry like the audience.
        let cx = self.ctx(t, &trigger_fields);
        if c.audience
            .iter()
            .chain(&c.exit_unless)
            .any(|a| !eval(a, &cx))
        {
            self.out.refused.audience += 1;
            return;
        }
        let m = c.messages.len();
        self.k.journey = Some(Journey {
            node: c.entry,
            arrived: t,
            entry_seq: self.p.seq,
            entry_sends: self.p.across.sends.len(),
            trigger_fields,
            counters: Vec::new(),
            until_left: Vec::new(),
            sent: vec![false; m],
            opened: vec![false; m],
            clicked: vec![false; m],
            wake: i64::MAX,
            pending: Pending::Quiet,
        });
        self.k.entered = Some(t);
        self.push(t, What::Entered);
        self.advance(
            t,
            Tgt {
                to: c.entry,
                lp: false,
            },
        );
    }
}

impl Run<'_> {
    /// Records an open or click of a message sent to the person (by any
    /// campaign) in their history across campaigns, once however many
    /// campaigns' runtimes are given the input.
    fn record_engagement(&mut self, t: i64, m: usize, clicked: bool) {
        let message = &self.c.messages[m].name;
        let across = &mut self.p.across;
        let Some(sent) = across
            .sends
            .iter()
            .rev()
            .find(|s| same_name(&s.message, message))
        else {
            return;
        };
        let e = Engaged {
            at: t,
            message: message.clone(),
            channel: sent.channel.clone(),
            clicked,
        };
        if !across
            .engaged
            .iter()
            .rev()
            .take_while(|x| x.at == t)
            .any(|x| *x == e)
        {
            across.engaged.push(e);
        }
    }
}
