//! Journeys: blocks, steps and split arms.

use super::*;
use crate::syntax::ast::*;

impl Printer<'_, '_> {
    /// A block of steps: on one line when `flat`, else one step per line,
    /// each deciding for itself whether it goes on one line.
    pub(super) fn block(&mut self, b: &Block, flat: bool) {
        self.braces(
            &b.steps,
            flat,
            self.src.trim(b.span).1,
            Sep::Wide,
            &[],
            |p, s, flat| {
                if flat {
                    p.step_kind(s, true);
                } else {
                    p.step(s);
                }
            },
        );
    }

    /// A step on lines of its own: its `@allow`s, then the step, on one
    /// line if the one-line rule lets it.
    pub(super) fn step(&mut self, s: &Step) {
        for a in &s.allows {
            self.allow(a);
            self.newline();
            self.hold_blank = true;
        }
        let start = self.after_allows(&s.allows, s.span);
        let ok = !step_has_inner_allows(s);
        let end = self.src.trim(s.span).1;
        let flat = self.fits(start, end, ok, |m| m.step_kind(s, true));
        self.step_kind(s, flat);
    }

    /// A delay (`syntax::delay`): `wait 2d`, `wait until mon 09:00`.
    fn delay(&mut self, d: &Delay) {
        self.kw_sp("wait");
        match d {
            Delay::For(d) => self.span_text(d.span),
            Delay::Until { weekday, time } => {
                self.kw_sp("until");
                if let Some((_, day)) = weekday {
                    self.span_text(*day);
                    self.sp();
                }
                self.span_text(time.span);
            }
        }
    }

    pub(super) fn step_kind(&mut self, s: &Step, flat: bool) {
        match &s.kind {
            StepKind::Send(i) => {
                self.kw_sp("send");
                self.ident(i);
            }
            StepKind::Delay(d) => self.delay(d),
            StepKind::WaitFor {
                on,
                filter,
                within,
                then,
                otherwise,
            } => {
                self.kw_sp("wait");
                self.kw_sp("for");
                self.wait_on(on, filter.as_deref());
                self.sp();
                self.kw_sp("within");
                self.span_text(within.span);
                if let Some(b) = then {
                    self.sp();
                    self.block(b, flat);
                }
                if let Some(b) = otherwise {
                    self.sp();
                    self.kw_sp("otherwise");
                    self.block(b, flat);
                }
            }
            StepKind::WaitAny {
                within,
                arms,
                close,
                otherwise,
            } => {
                self.kw_sp("wait");
                self.kw_sp("for");
                self.kw_sp("any");
                self.kw_sp("within");
                self.span_text(within.span);
                self.sp();
                self.braces(
                    arms,
                    flat,
                    close.end as usize,
                    Sep::Wide,
                    &[],
                    |p, arm, flat| {
                        if flat {
                            p.any_arm(arm, true);
                        } else {
                            let (start, end) = p.src.trim(arm.at);
                            let ok = !block_has_allows(&arm.body);
                            let flat = p.fits(start, end, ok, |m| m.any_arm(arm, true));
                            p.any_arm(arm, flat);
                        }
                    },
                );
                if let Some(b) = otherwise {
                    self.sp();
                    self.kw_sp("otherwise");
                    self.block(b, flat);
                }
            }
            StepKind::If { arms, otherwise } => {
                for (i, (cond, body)) in arms.iter().enumerate() {
                    if i > 0 {
                        self.sp();
                        self.kw_sp("else");
                    }
                    self.kw_sp("if");
                    self.expr(cond);
                    self.sp();
                    self.block(body, flat);
                }
                if let Some(b) = otherwise {
                    self.sp();
                    self.kw_sp("else");
                    self.block(b, flat);
                }
            }
            StepKind::Split(arms) => {
                self.kw_sp("split");
                let weights = arms.iter().map(|a| a.weight.span.len()).max().unwrap_or(0);
                let names = arms
                    .iter()
                    .filter_map(|a| a.name.as_ref())
                    .map(|n| width(&n.name))
                    .max()
                    .unwrap_or(0);
                self.braces(
                    arms,
                    flat,
                    self.src.trim(s.span).1,
                    Sep::Wide,
                    &[],
                    |p, arm, flat| {
                        if flat {
                            p.arm(arm, true, None);
                        } else {
                            let (start, end) = p.src.trim(arm.at);
                            let ok = !block_has_allows(&arm.body);
                            let flat = p.fits(start, end, ok, |m| m.arm(arm, true, None));
                            p.arm(arm, flat, Some((weights, names)));
                        }
                    },
                );
            }
            StepKind::Repeat { times, body } => {
                self.kw_sp("repeat");
                self.number(times);
                self.sp();
                self.kw_sp("times");
                self.block(body, flat);
            }
            StepKind::Named { name, body } => {
                self.kw_sp("step");
                self.ident(name);
                self.sp();
                self.block(body, flat);
            }
            StepKind::Goto { target: i } => {
                self.kw_sp("goto");
                self.ident(i);
            }
            StepKind::Exit => self.kw("exit"),
            StepKind::Action(a) => self.action(a),
        }
    }

    /// A step that does one thing and goes on.
    fn action(&mut self, a: &Action<Parsed>) {
        match a {
            Action::Set { attr, value } => {
                self.kw_sp(a.keyword());
                self.ident(attr);
                if let Some(value) = value {
                    self.sp();
                    self.kw_sp("=");
                    match value {
                        SetValue::Operand(o) => self.operand(o),
                        SetValue::Now(_) => self.kw("now"),
                        SetValue::List(items, _) => self.operand_list(items),
                    }
                }
            }
        }
    }

    /// What a `wait for` or an `on` waits for, and its `where`.
    fn wait_on(&mut self, on: &WaitOn, filter: Option<&Expr>) {
        match on {
            WaitOn::Event(i) => self.ident(i),
            WaitOn::Opened(i) => {
                self.kw_sp("opened");
                self.ident(i);
            }
            WaitOn::Clicked(i) => {
                self.kw_sp("clicked");
                self.ident(i);
            }
        }
        if let Some(f) = filter {
            self.sp();
            self.kw_sp("where");
            self.expr(f);
        }
    }

    /// An `on` of a `wait for any`.
    fn any_arm(&mut self, a: &AnyArm, flat: bool) {
        self.kw_sp("on");
        self.wait_on(&a.on, a.filter.as_ref());
        self.sp();
        self.block(&a.body, flat);
    }

    /// A split arm; `align` pads its weight and name to these widths.
    pub(super) fn arm(&mut self, a: &SplitArm, flat: bool, align: Option<(usize, usize)>) {
        self.span_text(a.weight.span);
        let (weights, names) = align.unwrap_or((0, 0));
        self.pad(weights.saturating_sub(a.weight.span.len()));
        match &a.name {
            Some(n) => {
                self.sp();
                self.ident(n);
                self.pad(names.saturating_sub(width(&n.name)));
            }
            None if names > 0 => {
                self.raw(" ");
                self.pad(names);
            }
            None => {}
        }
        self.sp();
        self.block(&a.body, flat);
    }
}

fn block_has_allows(b: &Block) -> bool {
    b.steps
        .iter()
        .any(|s| !s.allows.is_empty() || step_has_inner_allows(s))
}

/// Whether a step inside this one (not the step itself) has an `@allow`.
fn step_has_inner_allows(s: &Step) -> bool {
    let mut any = false;
    s.kind.for_each_block(&mut |b| any |= block_has_allows(b));
    any
}
