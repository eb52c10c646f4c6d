//! Comparing syntax trees with the spans left out: two files mean the same
//! when their trees are equal but for where things were written.
//!
//! Every node type is destructured in full, so a field added to the AST
//! cannot be forgotten here: the build fails until it is handled.

use crate::source::{FileId, Span};
use crate::syntax::ast::*;

/// Whether `a` and `b` are the same tree, ignoring spans, the file id and
/// comments (compare comment texts separately).
pub fn same_tree(a: &File, b: &File) -> bool {
    erased(a) == erased(b)
}

/// A copy of `f` with every span zeroed, no comments and `FileId(0)`.
pub fn erased(f: &File) -> File {
    let mut f = f.clone();
    f.erase();
    f
}

/// Zeroes the spans in a node.
trait Erase {
    fn erase(&mut self);
}

impl Erase for Span {
    fn erase(&mut self) {
        *self = Span::default();
    }
}

impl<T: Erase> Erase for Vec<T> {
    fn erase(&mut self) {
        self.iter_mut().for_each(Erase::erase);
    }
}

impl<T: Erase> Erase for Option<T> {
    fn erase(&mut self) {
        if let Some(x) = self {
            x.erase();
        }
    }
}

impl<T: Erase> Erase for Box<T> {
    fn erase(&mut self) {
        (**self).erase();
    }
}

impl<A: Erase, B: Erase> Erase for (A, B) {
    fn erase(&mut self) {
        self.0.erase();
        self.1.erase();
    }
}

/// Leaves without spans.
macro_rules! no_spans {
    ($($t:ty),*) => {
        $(impl Erase for $t {
            fn erase(&mut self) {}
        })*
    };
}
no_spans!(bool, String, Weekday, CmpOp);

impl Erase for File {
    fn erase(&mut self) {
        let File {
            file,
            items,
            comments,
        } = self;
        *file = FileId(0);
        items.erase();
        comments.clear();
    }
}

impl Erase for Ident {
    fn erase(&mut self) {
        let Ident { name: _, span } = self;
        span.erase();
    }
}

impl Erase for StrLit {
    fn erase(&mut self) {
        let StrLit {
            value: _,
            span,
            placeholders,
        } = self;
        span.erase();
        placeholders.erase();
    }
}

impl Erase for Placeholder {
    fn erase(&mut self) {
        let Placeholder {
            path,
            default: _,
            span,
        } = self;
        path.erase();
        span.erase();
    }
}

impl Erase for Path {
    fn erase(&mut self) {
        let Path { segments, span } = self;
        segments.erase();
        span.erase();
    }
}

impl Erase for Number {
    fn erase(&mut self) {
        let Number {
            value: _,
            raw: _,
            span,
        } = self;
        span.erase();
    }
}

impl Erase for Duration {
    fn erase(&mut self) {
        let Duration { seconds: _, span } = self;
        span.erase();
    }
}

impl Erase for TimeOfDay {
    fn erase(&mut self) {
        let TimeOfDay { minutes: _, span } = self;
        span.erase();
    }
}

impl Erase for Date {
    fn erase(&mut self) {
        let Date {
            year: _,
            month: _,
            day: _,
            span,
        } = self;
        span.erase();
    }
}

impl Erase for Percent {
    fn erase(&mut self) {
        let Percent {
            basis_points: _,
            span,
        } = self;
        span.erase();
    }
}

impl Erase for Literal {
    fn erase(&mut self) {
        match self {
            Literal::Str(s) => s.erase(),
            Literal::Number(n) => n.erase(),
            Literal::Bool(_, s) => s.erase(),
            Literal::Duration(d) => d.erase(),
            Literal::Time(t) => t.erase(),
            Literal::Date(d) => d.erase(),
            Literal::Percent(p) => p.erase(),
        }
    }
}

impl Erase for Allow {
    fn erase(&mut self) {
        let Allow { codes, span } = self;
        codes.erase();
        span.erase();
    }
}

impl Erase for Item {
    fn erase(&mut self) {
        let Item {
            allows,
            kind,
            span,
            recovered: _,
        } = self;
        allows.erase();
        kind.erase();
        span.erase();
    }
}

impl Erase for ItemKind {
    fn erase(&mut self) {
        match self {
            ItemKind::Import(s) => s.erase(),
            ItemKind::Profile(fields) => fields.erase(),
            ItemKind::Event(EventDecl { name, fields }) => {
                name.erase();
                fields.erase();
            }
            ItemKind::Channel(ChannelDecl {
                name,
                props,
                body_span,
            }) => {
                name.erase();
                props.erase();
                body_span.erase();
            }
            ItemKind::Segment(SegmentDecl { name, expr }) => {
                name.erase();
                expr.erase();
            }
            ItemKind::Message(MessageDecl {
                name,
                props,
                body_span,
            }) => {
                name.erase();
                props.erase();
                body_span.erase();
            }
            ItemKind::Campaign(CampaignDecl {
                name,
                props,
                body_span,
            }) => {
                name.erase();
                props.erase();
                body_span.erase();
            }
        }
    }
}

impl Erase for FieldDecl {
    fn erase(&mut self) {
        let FieldDecl { name, ty, span } = self;
        name.erase();
        ty.erase();
        span.erase();
    }
}

impl Erase for TypeExpr {
    fn erase(&mut self) {
        match self {
            TypeExpr::Named(i) => i.erase(),
            TypeExpr::OneOf(values, span) => {
                values.erase();
                span.erase();
            }
            TypeExpr::List(elem, span) => {
                elem.erase();
                span.erase();
            }
        }
    }
}

impl Erase for ChannelProp {
    fn erase(&mut self) {
        let ChannelProp { kind, span } = self;
        span.erase();
        match kind {
            ChannelPropKind::Kind(i) | ChannelPropKind::Consent(i) => i.erase(),
            ChannelPropKind::QuietHours(a, b) => {
                a.erase();
                b.erase();
            }
            ChannelPropKind::Limit(l) => l.erase(),
            ChannelPropKind::Description(s) => s.erase(),
        }
    }
}

impl Erase for Limit {
    fn erase(&mut self) {
        let Limit { count, per, span } = self;
        count.erase();
        per.erase();
        span.erase();
    }
}

impl Erase for MessageProp {
    fn erase(&mut self) {
        let MessageProp { kind, span } = self;
        span.erase();
        match kind {
            MessagePropKind::Channel(i) => i.erase(),
            MessagePropKind::Template(s)
            | MessagePropKind::Subject(s)
            | MessagePropKind::Offer(s)
            | MessagePropKind::Description(s) => s.erase(),
            MessagePropKind::Vars(vars) => vars.erase(),
        }
    }
}

impl Erase for Var {
    fn erase(&mut self) {
        let Var { name, value, span } = self;
        name.erase();
        value.erase();
        span.erase();
    }
}

impl Erase for CampaignProp {
    fn erase(&mut self) {
        let CampaignProp { kind, span } = self;
        span.erase();
        match kind {
            CampaignPropKind::Description(s) | CampaignPropKind::Timezone(s) => s.erase(),
            CampaignPropKind::Trigger(t) => t.erase(),
            CampaignPropKind::Audience(e) | CampaignPropKind::ExitUnless(e) => e.erase(),
            CampaignPropKind::Reentry(r) => match r {
                Reentry::Never | Reentry::Always => {}
                Reentry::After(d) => d.erase(),
            },
            CampaignPropKind::Goal(i, f) | CampaignPropKind::ExitWhen(i, f) => {
                i.erase();
                f.erase();
            }
            CampaignPropKind::Limit(l) => l.erase(),
            CampaignPropKind::Window(a, b) => {
                a.erase();
                b.erase();
            }
            CampaignPropKind::QuietHours(a, b) => {
                a.erase();
                b.erase();
            }
            CampaignPropKind::Journey(b) => b.erase(),
        }
    }
}

impl Erase for Trigger {
    fn erase(&mut self) {
        match self {
            Trigger::Event { event, filter } => {
                event.erase();
                filter.erase();
            }
            Trigger::Enters(i) => i.erase(),
            Trigger::Daily(t) => t.erase(),
            Trigger::Weekly(_, span, t) => {
                span.erase();
                t.erase();
            }
            Trigger::Once(d, t) => {
                d.erase();
                t.erase();
            }
            Trigger::Date {
                offset,
                attr,
                at,
                yearly,
            } => {
                if let Some((d, _)) = offset {
                    d.erase();
                }
                attr.erase();
                at.erase();
                yearly.erase();
            }
        }
    }
}

impl Erase for Block {
    fn erase(&mut self) {
        let Block { steps, span } = self;
        steps.erase();
        span.erase();
    }
}

impl Erase for Step {
    fn erase(&mut self) {
        let Step {
            allows,
            kind,
            span,
            head,
            parts,
        } = self;
        allows.erase();
        span.erase();
        head.erase();
        *parts = Default::default();
        match kind {
            StepKind::Send(i) | StepKind::Goto(i) => i.erase(),
            StepKind::Wait(d) => d.erase(),
            StepKind::WaitUntil { weekday, time } => {
                weekday.erase();
                time.erase();
            }
            StepKind::WaitFor {
                on,
                filter,
                within,
                then,
                otherwise,
            } => {
                on.erase();
                filter.erase();
                within.erase();
                then.erase();
                otherwise.erase();
            }
            StepKind::WaitAny {
                within,
                arms,
                close,
                otherwise,
            } => {
                within.erase();
                arms.erase();
                close.erase();
                otherwise.erase();
            }
            StepKind::If { arms, otherwise } => {
                arms.erase();
                otherwise.erase();
            }
            StepKind::Split(arms) => arms.erase(),
            StepKind::Repeat { times, body } => {
                times.erase();
                body.erase();
            }
            StepKind::Named { name, body } => {
                name.erase();
                body.erase();
            }
            StepKind::Exit => {}
            StepKind::Set { attr, value } => {
                attr.erase();
                match value {
                    SetValue::Operand(o) => o.erase(),
                    SetValue::List(items, span) => {
                        items.erase();
                        span.erase();
                    }
                    SetValue::Now(span) => span.erase(),
                }
            }
            StepKind::Unset(attr) => attr.erase(),
        }
    }
}

impl Erase for WaitOn {
    fn erase(&mut self) {
        match self {
            WaitOn::Event(i) | WaitOn::Opened(i) | WaitOn::Clicked(i) => i.erase(),
        }
    }
}

impl Erase for AnyArm {
    fn erase(&mut self) {
        let AnyArm {
            on,
            on_span,
            filter,
            body,
            span,
            head,
        } = self;
        on.erase();
        on_span.erase();
        filter.erase();
        body.erase();
        span.erase();
        head.erase();
    }
}

impl Erase for SplitArm {
    fn erase(&mut self) {
        let SplitArm {
            weight,
            name,
            body,
            span,
            head,
        } = self;
        weight.erase();
        name.erase();
        body.erase();
        span.erase();
        head.erase();
    }
}

impl Erase for Expr {
    fn erase(&mut self) {
        let Expr { kind, span } = self;
        span.erase();
        match kind {
            ExprKind::Or(parts) | ExprKind::And(parts) => parts.erase(),
            ExprKind::Not(e) | ExprKind::Paren(e) => e.erase(),
            ExprKind::Compare { lhs, op: _, rhs } => {
                lhs.erase();
                rhs.erase();
            }
            ExprKind::In {
                operand,
                negated: _,
                list,
            } => {
                operand.erase();
                list.erase();
            }
            ExprKind::IsSet { path, negated: _ } | ExprKind::IsEmpty { path, negated: _ } => {
                path.erase()
            }
            ExprKind::Contains { list, item } => {
                list.erase();
                item.erase();
            }
            ExprKind::Name(p) => p.erase(),
            ExprKind::Bool(_) => {}
            ExprKind::Did {
                event,
                filter,
                window,
                at_least,
            } => {
                event.erase();
                filter.erase();
                window.erase();
                at_least.erase();
            }
            ExprKind::Opened(i) | ExprKind::Clicked(i) => i.erase(),
        }
    }
}

impl Erase for Operand {
    fn erase(&mut self) {
        match self {
            Operand::Path(p) => p.erase(),
            Operand::Literal(l) => l.erase(),
        }
    }
}

impl Erase for DidWindow {
    fn erase(&mut self) {
        match self {
            DidWindow::Within(d) => d.erase(),
            DidWindow::SinceEntry(s) => s.erase(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_file;

    fn parse(src: &str) -> File {
        let (f, d) = parse_file(FileId(0), src);
        assert!(d.is_empty(), "{d:#?}");
        f
    }

    #[test]
    fn layout_and_comments_do_not_matter() {
        let a =
            parse("segment s = a and (b or c) // x\nmessage m { channel email template \"t\" }");
        let b = parse("// y\nsegment   s =\n  a and ( b or c )\n\nmessage m {\n  channel email\n  template \"t\"\n}\n");
        assert!(same_tree(&a, &b));
    }

    #[test]
    fn meaning_matters() {
        let base = parse("segment s = a and (b or c)");
        for other in [
            "segment s = a and b or c",
            "segment s = (a and (b or c))",
            "segment t = a and (b or c)",
            "segment s = a and (c or b)",
        ] {
            assert!(!same_tree(&base, &parse(other)), "{other}");
        }
        let d1 = parse("campaign c { trigger e journey { wait 1d } }");
        let d2 = parse("campaign c { trigger e journey { wait 2d } }");
        assert!(!same_tree(&d1, &d2));
    }
}
