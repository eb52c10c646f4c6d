//! `set ATTR = VALUE` and `unset ATTR` steps: the attribute, and a value
//! of its type (a literal, a trigger field, `now` for a time, a list of
//! literals for a list).

use super::types::{compatible, describe_op, example_of, LitType, OpType};
use super::*;

impl Resolver<'_> {
    /// The `set` (`value` given) or `unset` step writing `attr`; `None`
    /// after an error was reported.
    pub(super) fn set_step(
        &mut self,
        attr: &Ident,
        value: Option<&ast::SetValue>,
        ctx: Ctx,
    ) -> Option<StepKind> {
        let file = ctx.file;
        let a = match self.lookup_ref(Ns::Value, attr, file) {
            Some(Decl::Attr(a)) => a,
            Some(Decl::Segment(_)) => {
                let verb = if value.is_some() { "set" } else { "unset" };
                self.err(
                    Code::TypeMismatch,
                    file,
                    attr.span,
                    format!(
                        "`{}` is a segment, which follows from the profile: only attributes can be {verb}",
                        attr.name
                    ),
                )
                .help = Some("set the attributes the segment reads".into());
                return None;
            }
            _ => {
                self.unknown(Ns::Value, attr, file);
                return None;
            }
        };
        let ty = self.program.attr(a).ty.clone();
        let Some(value) = value else {
            return Some(StepKind::Action(Action::Set {
                attr: a,
                value: None,
            }));
        };
        let value = match value {
            ast::SetValue::Now(span) => {
                if ty != Type::Time {
                    self.err(
                        Code::TypeMismatch,
                        file,
                        *span,
                        format!(
                            "`now` is an instant, so it can only be written to a time, but `{}` is {}",
                            attr.name,
                            describe_op(&OpType::Known(ty))
                        ),
                    )
                    .help = Some(format!("write a value of its type, e.g. `set {} = ...`", attr.name));
                    return None;
                }
                SetValue::Now
            }
            ast::SetValue::List(items, span) => {
                let Type::List(elem) = &ty else {
                    self.err(
                        Code::TypeMismatch,
                        file,
                        *span,
                        format!(
                            "`{}` is {}, not a list",
                            attr.name,
                            describe_op(&OpType::Known(ty.clone()))
                        ),
                    )
                    .help = Some(format!(
                        "write one value, e.g. `set {} = {}`",
                        attr.name,
                        example_of(&ty)
                    ));
                    return None;
                };
                let mut out = Vec::new();
                let mut ok = true;
                for item in items {
                    match self.set_operand(attr, elem, item, ctx) {
                        Some(SetValue::Const(c)) => out.push(c),
                        Some(_) => {
                            ok = false;
                            self.err(
                                Code::TypeMismatch,
                                file,
                                item.span(),
                                "the elements of a list written by `set` are literals",
                            )
                            .help =
                                Some(format!("e.g. `set {} = [{}]`", attr.name, example_of(elem)));
                        }
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                SetValue::List(out)
            }
            ast::SetValue::Operand(o) => self.set_operand(attr, &ty, o, ctx)?,
        };
        Some(StepKind::Action(Action::Set {
            attr: a,
            value: Some(value),
        }))
    }

    /// A literal or trigger field written to `attr` (or an element of it)
    /// of type `ty`.
    fn set_operand(
        &mut self,
        attr: &Ident,
        ty: &Type,
        o: &ast::Operand,
        ctx: Ctx,
    ) -> Option<SetValue> {
        let (v, ot) = self.operand(o, ctx);
        if ot == OpType::Error {
            return None;
        }
        if let Type::List(elem) = ty {
            let help = format!(
                "write a list, e.g. `set {} = [{}]`",
                attr.name,
                example_of(elem)
            );
            self.mismatch(
                o,
                format!(
                    "`{}` is {}, but this is {}",
                    attr.name,
                    describe_op(&OpType::Known(ty.clone())),
                    describe_op(&ot)
                ),
                Some(help),
                ctx,
            );
            return None;
        }
        match (&v, o) {
            (Value::Const(_), ast::Operand::Literal(_)) | (Value::TriggerField(..), _) => {}
            _ => {
                self.mismatch(
                    o,
                    "`set` writes a literal, a field of the trigger event or `now`".into(),
                    Some(format!("e.g. `set {} = {}`", attr.name, example_of(ty))),
                    ctx,
                );
                return None;
            }
        }
        // A time takes an instant: a date literal is a day, not an instant.
        if *ty == Type::Time && ot == OpType::Lit(LitType::Date) {
            self.mismatch(
                o,
                "a date is a day, but a time attribute holds an instant".into(),
                Some("write `now`, or copy a time field of the trigger event".into()),
                ctx,
            );
            return None;
        }
        let target = OpType::Known(ty.clone());
        // A text field may hold values outside a one-of.
        let loose = matches!((ty, &ot), (Type::OneOf(_), OpType::Known(Type::Text)));
        if loose || !compatible(&target, &ot) {
            self.mismatch(
                o,
                format!(
                    "`{}` holds {}, but this is {}",
                    attr.name,
                    describe_op(&target),
                    describe_op(&ot)
                ),
                Some(format!("e.g. `set {} = {}`", attr.name, example_of(ty))),
                ctx,
            );
            return None;
        }
        // One-of membership of a literal.
        let own = ast::Operand::Path(ast::Path {
            segments: Vec::new(),
            span: o.span(),
        });
        if !self.check_types(&target, &ot, &own, o, ctx, false) {
            return None;
        }
        Some(match v {
            Value::Const(c) => SetValue::Const(c),
            Value::TriggerField(e, f) => SetValue::TriggerField(e, f),
            _ => unreachable!("checked above"),
        })
    }
}
