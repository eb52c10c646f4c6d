//! The references of actions (`syntax::action`): the attribute a step
//! writes (`set ATTR = VALUE`, `unset ATTR`), and a value of its type (a
//! literal, a trigger field, `now` for a time, a list of literals for a
//! list).

use super::journey::Refs;
use super::types::{compatible, describe_op, example_of, LitType, OpType};
use super::*;
use crate::syntax::action::{MapRefs, Parsed};

/// The resolver as the map of an action's references
/// (`syntax::action::Action::map_refs`): each role of reference is
/// resolved here once, for every action kind.
impl MapRefs<Parsed, model::Resolved> for Refs<'_, '_> {
    /// The attribute `attr` written by the step `keyword`; `None` after an
    /// error was reported.
    fn written(&mut self, attr: &Ident, keyword: &str) -> Option<AttrId> {
        let file = self.ctx.file;
        match self.r.lookup_ref(Ns::Value, attr, file) {
            Some(Decl::Attr(a)) => Some(a),
            Some(Decl::Segment(_)) => {
                self.r
                    .err(
                        Code::TypeMismatch,
                        file,
                        attr.span,
                        format!(
                            "`{}` is a segment, which follows from the profile: only attributes can be {keyword}",
                            attr.name
                        ),
                    )
                    .help = Some("set the attributes the segment reads".into());
                None
            }
            _ => {
                self.r.unknown(Ns::Value, attr, file);
                None
            }
        }
    }

    /// A value of the attribute's type: a literal, a trigger field, `now`
    /// for a time, a list of literals for a list.
    fn value(&mut self, (attr, a): (&Ident, &AttrId), value: &ast::SetValue) -> Option<SetValue> {
        let (r, ctx) = (&mut *self.r, self.ctx);
        let file = ctx.file;
        let ty = r.declared().attr(*a).ty.clone();
        Some(match value {
            ast::SetValue::Now(span) => {
                if ty != Type::Time {
                    r.err(
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
                    r.err(
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
                    match r.set_operand(attr, elem, item, ctx) {
                        Some(SetValue::Const(c)) => out.push(c),
                        Some(_) => {
                            ok = false;
                            r.err(
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
            ast::SetValue::Operand(o) => r.set_operand(attr, &ty, o, ctx)?,
        })
    }
}

impl Resolver<'_> {
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
