//! Lowering the conditions on the person's history across campaigns:
//! `received` and `opened any` / `clicked any`.

use super::*;

impl Lowerer {
    /// `received M|any [CHANNEL] [window] [at least N times]`.
    pub(super) fn received(&mut self, pair: P, base: usize) -> ExprKind {
        let mut what = None;
        let mut window = None;
        let mut at_least = None;
        for x in pair.into_inner().skip(1) {
            match x.as_rule() {
                Rule::name => what = Some(Received::Message(self.ident(x, base))),
                Rule::received_any => {
                    let mut inner = x.into_inner();
                    let any = self.span(&inner.next().unwrap(), base);
                    let channel = inner.next().map(|c| self.ident(c, base));
                    what = Some(Received::Any(channel, any));
                }
                _ => self.window_count(x, base, &mut window, &mut at_least),
            }
        }
        ExprKind::Received {
            what: what.expect("received names what"),
            window,
            at_least,
        }
    }

    /// `opened any [CHANNEL] within D` / `clicked any [CHANNEL] within D`.
    pub(super) fn engaged_any(&mut self, pair: P, base: usize) -> ExprKind {
        let clicked = pair.as_rule() == Rule::clicked_any;
        let mut channel = None;
        let mut within = None;
        for x in pair.into_inner().skip(2) {
            match x.as_rule() {
                Rule::name => channel = Some(self.ident(x, base)),
                Rule::did_within => within = Some(self.duration(after_keyword(x).unwrap(), base)),
                _ => {}
            }
        }
        ExprKind::EngagedAny {
            clicked,
            channel,
            within: within.expect("opened any needs within"),
        }
    }

    /// The `within D` / `since entry` or `at least N times` of a `did` or
    /// a `received` (anything else is left alone).
    pub(super) fn window_count(
        &mut self,
        x: P,
        base: usize,
        window: &mut Option<DidWindow>,
        at_least: &mut Option<Number>,
    ) {
        match x.as_rule() {
            Rule::did_within => {
                *window = Some(DidWindow::Within(
                    self.duration(after_keyword(x).unwrap(), base),
                ))
            }
            Rule::did_since => *window = Some(DidWindow::SinceEntry(self.span(&x, base))),
            Rule::did_at_least => {
                let n = self.number(x.into_inner().nth(2).unwrap(), base);
                self.check_count(&n, "`at least N times`");
                *at_least = Some(n);
            }
            _ => {}
        }
    }
}
