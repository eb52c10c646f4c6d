//! Conditions: names of attributes, segments, events and their fields,
//! `did`, engagement, comparisons (typed in [`super::types`]).

use super::types::describe_op;
use super::*;

impl Resolver<'_> {
    // ------------------------------------------------------------ conditions

    pub(super) fn cond(&mut self, e: &ast::Expr, ctx: Ctx) -> Cond {
        let kind = match &e.kind {
            ExprKind::Or(parts) => CondKind::Or(parts.iter().map(|p| self.cond(p, ctx)).collect()),
            ExprKind::And(parts) => {
                CondKind::And(parts.iter().map(|p| self.cond(p, ctx)).collect())
            }
            ExprKind::Not(inner) => CondKind::Not(Box::new(self.cond(inner, ctx))),
            ExprKind::Paren(inner) => return self.cond(inner, ctx),
            ExprKind::Bool(b) => CondKind::Const(*b),
            ExprKind::Name(path) => self.name_cond(path, ctx),
            ExprKind::Compare { lhs, op, rhs } => self.compare(lhs, *op, rhs, ctx),
            ExprKind::In {
                operand,
                negated,
                list,
            } => {
                let (value, ty) = self.operand(operand, ctx);
                let what = if *negated { "not in" } else { "in" };
                if !self.not_a_list(&ty, operand, what, ctx) {
                    return Cond {
                        kind: CondKind::Const(false),
                        loc: loc(ctx.file, e.span),
                    };
                }
                let mut values = Vec::new();
                for item in list {
                    let (v, ity) = self.operand(item, ctx);
                    self.check_types(&ty, &ity, operand, item, ctx, true);
                    values.push(v);
                }
                if list.is_empty() {
                    self.err(
                        Code::InvalidValue,
                        ctx.file,
                        e.span,
                        "the list is empty, so this is never true",
                    )
                    .help = Some("list the values to match".into());
                }
                CondKind::In {
                    value,
                    list: values,
                    negated: *negated,
                }
            }
            ExprKind::IsSet { path, negated } => {
                let (value, ty) = self.path_value(path, ctx);
                if ty == OpType::Error {
                    CondKind::Const(false)
                } else {
                    CondKind::IsSet {
                        value,
                        negated: *negated,
                    }
                }
            }
            ExprKind::Contains { list, item } => self.contains(list, item, ctx),
            ExprKind::IsEmpty { path, negated } => {
                let (value, ty) = self.path_value(path, ctx);
                match ty {
                    OpType::Known(Type::List(_)) => CondKind::IsEmpty {
                        value,
                        negated: *negated,
                    },
                    OpType::Error => CondKind::Const(false),
                    t => {
                        self.err(
                            Code::TypeMismatch,
                            ctx.file,
                            path.span,
                            format!(
                                "`is empty` asks about a list, but `{}` is {}",
                                path.dotted(),
                                describe_op(&t)
                            ),
                        )
                        .help = Some(format!(
                            "to ask whether it has a value, write `{} is set`",
                            path.dotted()
                        ));
                        CondKind::Const(false)
                    }
                }
            }
            ExprKind::Did {
                event,
                filter,
                window,
                at_least,
            } => {
                let ev = self.event(event, ctx.file);
                let filter = match (filter, ev) {
                    (Some(f), Some(_)) => Some(Box::new(self.cond(f, Ctx { matched: ev, ..ctx }))),
                    _ => None,
                };
                let window = self.did_window(window, ctx);
                match ev {
                    Some(event) => CondKind::Did {
                        event,
                        filter,
                        window,
                        at_least: at_least.as_ref().map_or(1, |n| n.value as u32),
                    },
                    None => CondKind::Const(false),
                }
            }
            ExprKind::Opened(m) | ExprKind::Clicked(m) => {
                let opened = matches!(e.kind, ExprKind::Opened(_));
                if !ctx.in_campaign {
                    self.err(
                        Code::TypeMismatch,
                        ctx.file,
                        e.span,
                        format!("`{}` is about this journey's messages, so it can only be used in a campaign", if opened { "opened" } else { "clicked" }),
                    )
                    .help = Some("use it in a campaign's `if` or `wait for`".into());
                }
                match self.message_ref(m, ctx.file) {
                    Some(id) if opened => CondKind::Opened(id),
                    Some(id) => CondKind::Clicked(id),
                    None => CondKind::Const(false),
                }
            }
            ExprKind::Received {
                what,
                window,
                at_least,
            } => {
                let what = match what {
                    ast::Received::Message(m) => {
                        self.message_ref(m, ctx.file).map(Received::Message)
                    }
                    ast::Received::Any(None, _) => Some(Received::Any(None)),
                    ast::Received::Any(Some(c), _) => self
                        .channel_ref(c, ctx.file)
                        .map(|c| Received::Any(Some(c))),
                };
                let window = self.did_window(window, ctx);
                match what {
                    Some(what) => CondKind::Received {
                        what,
                        window,
                        at_least: at_least.as_ref().map_or(1, |n| n.value as u32),
                    },
                    None => CondKind::Const(false),
                }
            }
            ExprKind::EngagedAny {
                clicked,
                channel,
                within,
            } => {
                let channel = match channel {
                    None => Some(None),
                    Some(c) => self.channel_ref(c, ctx.file).map(Some),
                };
                match channel {
                    Some(channel) => CondKind::EngagedAny {
                        channel,
                        within: within.seconds,
                        clicked: *clicked,
                    },
                    None => CondKind::Const(false),
                }
            }
            ExprKind::InCampaign(name) => match self.lookup_ref(Ns::Campaign, name, ctx.file) {
                Some(Decl::Campaign(id)) => CondKind::InCampaign(id),
                _ => {
                    if !self.closure_only {
                        self.unknown(Ns::Campaign, name, ctx.file);
                    }
                    CondKind::Const(false)
                }
            },
        };
        Cond {
            kind,
            loc: loc(ctx.file, e.span),
        }
    }

    /// A name alone: a bool attribute, a segment, or a bool event field.
    pub(super) fn name_cond(&mut self, path: &ast::Path, ctx: Ctx) -> CondKind {
        if path.is_simple() {
            let ident = &path.segments[0];
            match self.lookup_ref(Ns::Value, ident, ctx.file) {
                Some(Decl::Attr(a)) => {
                    if self.declared().attr(a).ty == Type::Bool {
                        return CondKind::Attr(a);
                    }
                    let ty = self.declared().attr(a).ty.describe();
                    self.err(
                        Code::TypeMismatch,
                        ctx.file,
                        path.span,
                        format!("`{}` is {ty}, not a condition", ident.name),
                    )
                    .help = Some(format!(
                        "compare it, e.g. `{} is set` or `{} == ...`",
                        ident.name, ident.name
                    ));
                    CondKind::Const(false)
                }
                Some(Decl::Segment(s)) => CondKind::Segment(s),
                _ => {
                    self.unknown(Ns::Value, ident, ctx.file);
                    CondKind::Const(false)
                }
            }
        } else {
            let (value, ty) = self.path_value(path, ctx);
            match ty {
                OpType::Known(Type::Bool) => CondKind::Field(value),
                OpType::Error => CondKind::Const(false),
                OpType::Known(t) => {
                    self.err(
                        Code::TypeMismatch,
                        ctx.file,
                        path.span,
                        format!("`{}` is {}, not a condition", path.dotted(), t.describe()),
                    );
                    CondKind::Const(false)
                }
                OpType::Lit(_) => CondKind::Const(false),
            }
        }
    }

    /// An attribute or an event field.
    pub(super) fn path_value(&mut self, path: &ast::Path, ctx: Ctx) -> (Value, OpType) {
        let err = (Value::Const(Const::Bool(false)), OpType::Error);
        if path.is_simple() {
            let ident = &path.segments[0];
            return match self.lookup_ref(Ns::Value, ident, ctx.file) {
                Some(Decl::Attr(a)) => (
                    Value::Attr(a),
                    OpType::Known(self.declared().attr(a).ty.clone()),
                ),
                Some(Decl::Segment(_)) => {
                    self.err(
                        Code::TypeMismatch,
                        ctx.file,
                        path.span,
                        format!(
                            "`{}` is a segment, a condition in itself, not a value",
                            ident.name
                        ),
                    )
                    .help = Some(format!(
                        "use it alone: `{}` or `not {}`",
                        ident.name, ident.name
                    ));
                    err
                }
                _ => {
                    self.unknown(Ns::Value, ident, ctx.file);
                    err
                }
            };
        }
        let ev_ident = &path.segments[0];
        let field_ident = &path.segments[1];
        if path.segments.len() > 2 {
            self.err(
                Code::UnknownName,
                ctx.file,
                path.span,
                format!("`{}` has too many parts", path.dotted()),
            )
            .help = Some("write `attribute` or `event.field`".into());
            return err;
        }
        let Some(Decl::Event(ev)) = self.lookup_ref(Ns::Event, ev_ident, ctx.file) else {
            self.unknown(Ns::Event, ev_ident, ctx.file);
            return err;
        };
        let Some(field) = self.field_ref(ev, field_ident, ctx.file) else {
            let event = self.declared().event(ev);
            let names: Vec<&str> = event.fields.iter().map(|f| f.name.as_str()).collect();
            let help = match did_you_mean(&field_ident.name, names.iter().copied()) {
                Some(s) => format!("did you mean `{}.{s}`?", ev_ident.name),
                None => format!(
                    "the fields of `{}` are {}",
                    ev_ident.name,
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let msg = format!(
                "the event `{}` has no field `{}`",
                ev_ident.name, field_ident.name
            );
            self.err(Code::UnknownName, ctx.file, field_ident.span, msg)
                .help = Some(help);
            return err;
        };
        let ty = OpType::Known(self.declared().event(ev).fields[field].ty.clone());
        if ctx.matched == Some(ev) {
            (Value::EventField(ev, field), ty)
        } else if ctx.trigger == Some(ev) {
            (Value::TriggerField(ev, field), ty)
        } else {
            let msg = if ctx.in_campaign {
                format!(
                    "`{}` is not this campaign's trigger event, so its fields are not known here",
                    ev_ident.name
                )
            } else {
                format!("a segment does not belong to a journey, so the fields of `{}` are not known here", ev_ident.name)
            };
            let help = format!(
                "to ask about past `{0}` events, use `did {0} where {0}.{1} ...`",
                ev_ident.name, field_ident.name
            );
            self.err(Code::UnknownName, ctx.file, path.span, msg).help = Some(help);
            err
        }
    }

    pub(super) fn operand(&mut self, o: &Operand, ctx: Ctx) -> (Value, OpType) {
        match o {
            Operand::Path(p) => self.path_value(p, ctx),
            Operand::Literal(l) => match l {
                Literal::Str(s) => (
                    Value::Const(Const::Text(s.value.clone())),
                    OpType::Lit(LitType::Text),
                ),
                Literal::Number(n) => (
                    Value::Const(Const::Number(n.value)),
                    OpType::Lit(LitType::Number),
                ),
                Literal::Bool(b, _) => (Value::Const(Const::Bool(*b)), OpType::Lit(LitType::Bool)),
                Literal::Date(d) => {
                    let days = chrono::NaiveDate::from_ymd_opt(d.year, d.month, d.day)
                        .map(|x| {
                            (x - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
                        })
                        .unwrap_or(0);
                    (Value::Const(Const::Date(days)), OpType::Lit(LitType::Date))
                }
                Literal::Duration(d) => (
                    Value::Const(Const::Duration(d.seconds)),
                    OpType::Lit(LitType::Other("a duration")),
                ),
                Literal::Time(t) => (
                    Value::Const(Const::TimeOfDay(t.minutes)),
                    OpType::Lit(LitType::Other("a time of day")),
                ),
                Literal::Percent(_) => (
                    Value::Const(Const::Number(0.0)),
                    OpType::Lit(LitType::Other("a percentage")),
                ),
            },
        }
    }

    /// The window of a `did` or `received` (`since entry` only in a
    /// campaign).
    fn did_window(&mut self, window: &Option<ast::DidWindow>, ctx: Ctx) -> DidWindow {
        match window {
            None => DidWindow::Ever,
            Some(ast::DidWindow::Within(d)) => DidWindow::Within(d.seconds),
            Some(ast::DidWindow::SinceEntry(span)) => {
                if !ctx.in_campaign {
                    self.err(
                        Code::TypeMismatch,
                        ctx.file,
                        *span,
                        "`since entry` only has a meaning inside a campaign",
                    )
                    .help = Some(
                        "a segment is evaluated outside any journey: use `within DURATION`".into(),
                    );
                }
                DidWindow::SinceEntry
            }
        }
    }

    pub(super) fn channel_ref(&mut self, c: &Ident, file: FileId) -> Option<ChannelId> {
        match self.lookup_ref(Ns::Channel, c, file) {
            Some(Decl::Channel(ch)) => Some(ch),
            _ => {
                self.unknown(Ns::Channel, c, file);
                None
            }
        }
    }
}
