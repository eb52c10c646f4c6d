//! Conditions and literals.

use super::*;
use crate::syntax::ast::*;

impl Printer<'_, '_> {
    pub(super) fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Or(parts) | ExprKind::And(parts) => {
                let op = if matches!(e.kind, ExprKind::Or(_)) {
                    "or"
                } else {
                    "and"
                };
                for (i, x) in parts.iter().enumerate() {
                    if i > 0 {
                        self.sp();
                        self.kw(op);
                        self.sp();
                    }
                    self.expr(x);
                }
            }
            ExprKind::Not(x) => {
                self.kw_sp("not");
                self.expr(x);
            }
            ExprKind::Paren(x) => {
                self.kw("(");
                self.expr(x);
                self.kw(")");
            }
            ExprKind::Compare { lhs, op, rhs } => {
                self.operand(lhs);
                self.sp();
                self.kw(op.as_str());
                self.sp();
                self.operand(rhs);
            }
            ExprKind::In {
                operand,
                negated,
                list,
            } => {
                self.operand(operand);
                self.sp();
                if *negated {
                    self.kw_sp("not");
                }
                self.kw_sp("in");
                self.operand_list(list);
            }
            ExprKind::IsSet { path, negated } => {
                self.path(path);
                self.sp();
                self.kw_sp("is");
                if *negated {
                    self.kw_sp("not");
                }
                self.kw("set");
            }
            ExprKind::Contains { list, item } => {
                self.operand(list);
                self.sp();
                self.kw_sp("contains");
                self.operand(item);
            }
            ExprKind::IsEmpty { path, negated } => {
                self.path(path);
                self.sp();
                self.kw_sp("is");
                if *negated {
                    self.kw_sp("not");
                }
                self.kw("empty");
            }
            ExprKind::Name(p) => self.path(p),
            ExprKind::Bool(b) => self.kw(if *b { "true" } else { "false" }),
            ExprKind::Did {
                event,
                filter,
                window,
                at_least,
            } => {
                self.kw_sp("did");
                self.ident(event);
                if let Some(f) = filter {
                    self.sp();
                    self.kw_sp("where");
                    self.expr(f);
                }
                self.window_count(window, at_least);
            }
            ExprKind::Opened(i) => {
                self.kw_sp("opened");
                self.ident(i);
            }
            ExprKind::Clicked(i) => {
                self.kw_sp("clicked");
                self.ident(i);
            }
            ExprKind::Received {
                what,
                window,
                at_least,
            } => {
                self.kw_sp("received");
                match what {
                    Received::Message(m) => self.ident(m),
                    Received::Any(channel, _) => {
                        self.kw("any");
                        if let Some(c) = channel {
                            self.sp();
                            self.ident(c);
                        }
                    }
                }
                self.window_count(window, at_least);
            }
            ExprKind::EngagedAny {
                clicked,
                channel,
                within,
            } => {
                self.kw_sp(if *clicked { "clicked" } else { "opened" });
                self.kw_sp("any");
                if let Some(c) = channel {
                    self.ident(c);
                    self.sp();
                }
                self.kw_sp("within");
                self.span_text(within.span);
            }
            ExprKind::InCampaign(c) => {
                self.kw_sp("in");
                self.kw_sp("campaign");
                self.ident(c);
            }
        }
    }

    /// The `within D` / `since entry` and `at least N times` of a `did` or
    /// a `received`.
    fn window_count(&mut self, window: &Option<DidWindow>, at_least: &Option<Number>) {
        match window {
            Some(DidWindow::Within(d)) => {
                self.sp();
                self.kw_sp("within");
                self.span_text(d.span);
            }
            Some(DidWindow::SinceEntry(_)) => {
                self.sp();
                self.kw_sp("since");
                self.kw("entry");
            }
            None => {}
        }
        if let Some(n) = at_least {
            self.sp();
            self.kw_sp("at");
            self.kw_sp("least");
            self.number(n);
            self.sp();
            self.kw("times");
        }
    }

    /// `[a, b]`: the list of an `in`, or a list written by `set`.
    pub(super) fn operand_list(&mut self, items: &[Operand]) {
        self.kw("[");
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                self.kw_sp(",");
            }
            self.operand(x);
        }
        self.opt(",");
        self.kw("]");
    }

    pub(super) fn operand(&mut self, o: &Operand) {
        match o {
            Operand::Path(p) => self.path(p),
            Operand::Literal(l) => self.literal(l),
        }
    }

    pub(super) fn literal(&mut self, l: &Literal) {
        match l {
            Literal::Str(s) => self.string(s),
            Literal::Number(n) => self.number(n),
            Literal::Bool(b, _) => self.kw(if *b { "true" } else { "false" }),
            Literal::Duration(d) => self.span_text(d.span),
            Literal::Time(t) => self.span_text(t.span),
            Literal::Date(d) => self.span_text(d.span),
            Literal::Percent(p) => self.span_text(p.span),
        }
    }
}

/// A string literal with its value escaped: `\"`, `\\` and `\n`.
pub(in crate::fmt) fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}
