//! The waits for something to happen: `wait for`, `wait for any` (the
//! waits for time, `wait D` and `wait until`, are delays:
//! `syntax::delay`).

use super::*;

impl Lowerer {
    /// `for EVENT [where ...] within DURATION [{ ... }] [otherwise { ... }]`,
    /// after `wait`.
    pub(in crate::syntax) fn wait_for(&mut self, pair: P, base: usize) -> Option<StepKind> {
        let mut on = None;
        let mut filter = None;
        let mut within = None;
        let mut then = None;
        let mut otherwise = None;
        for x in pair.into_inner().skip(1) {
            match x.as_rule() {
                Rule::wait_on => on = Some(self.wait_on(x, base)?),
                Rule::expr => filter = Some(Box::new(self.expr(x, base))),
                Rule::duration => within = Some(self.duration(x, base)),
                Rule::block => then = Some(self.block(x, base)),
                Rule::otherwise => otherwise = Some(self.block(after_keyword(x)?, base)),
                _ => {}
            }
        }
        Some(StepKind::WaitFor {
            on: on?,
            filter,
            within: within?,
            then,
            otherwise,
        })
    }

    /// `opened M`, `clicked M` or an event, of a `wait for` or an `on`.
    fn wait_on(&mut self, pair: P, base: usize) -> Option<WaitOn> {
        let w = pair.into_inner().next()?;
        Some(match w.as_rule() {
            Rule::opened => WaitOn::Opened(self.ident(after_keyword(w)?, base)),
            Rule::clicked => WaitOn::Clicked(self.ident(after_keyword(w)?, base)),
            _ => WaitOn::Event(self.ident(w, base)),
        })
    }

    /// `for any within DURATION { on ... { } ... } [otherwise { ... }]`,
    /// after `wait`.
    pub(in crate::syntax) fn wait_any(&mut self, pair: P, base: usize) -> Option<StepKind> {
        let mut within = None;
        let mut arms = Vec::new();
        let mut otherwise = None;
        let mut close = None;
        for x in pair.into_inner().skip(1) {
            match x.as_rule() {
                Rule::duration => within = Some(self.duration(x, base)),
                Rule::any_close => close = Some(self.span(&x, base)),
                Rule::any_arm => arms.extend(self.any_arm(x, base)),
                Rule::otherwise => otherwise = Some(self.block(after_keyword(x)?, base)),
                _ => {}
            }
        }
        Some(StepKind::WaitAny {
            within: within?,
            arms: exact(arms),
            close: close?,
            otherwise,
        })
    }

    /// `on EVENT_OR_ENGAGEMENT [where EXPR] { ... }`.
    fn any_arm(&mut self, pair: P, base: usize) -> Option<AnyArm> {
        let span = self.span(&pair, base);
        let head = self.head(&pair, base);
        let mut on = None;
        let mut on_span = span;
        let mut filter = None;
        let mut body = None;
        for x in pair.into_inner().skip(1) {
            match x.as_rule() {
                Rule::wait_on => {
                    on_span = self.tight_span(&x, base);
                    on = Some(self.wait_on(x, base)?);
                }
                Rule::expr => filter = Some(self.expr(x, base)),
                Rule::block => body = Some(self.block(x, base)),
                _ => {}
            }
        }
        Some(AnyArm {
            on: on?,
            on_span,
            filter,
            body: body?,
            at: span,
            head,
        })
    }
}
