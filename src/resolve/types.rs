//! The types of operands and whether two can be compared.

use super::*;

/// The type of an operand, for checking.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum OpType {
    Known(Type),
    /// A literal's type.
    Lit(LitType),
    /// An error was already reported.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum LitType {
    Text,
    Number,
    Bool,
    Date,
    Other(&'static str),
}

impl Resolver<'_> {
    pub(super) fn compare(
        &mut self,
        lhs: &Operand,
        op: ast::CmpOp,
        rhs: &Operand,
        ctx: Ctx,
    ) -> CondKind {
        let (lv, lt) = self.operand(lhs, ctx);
        let (rv, rt) = self.operand(rhs, ctx);
        if !self.not_a_list(&lt, lhs, op.as_str(), ctx)
            || !self.not_a_list(&rt, rhs, op.as_str(), ctx)
        {
            return CondKind::Const(false);
        }
        if !self.check_types(&lt, &rt, lhs, rhs, ctx, false) {
            return CondKind::Const(false);
        }
        if !matches!(op, ast::CmpOp::Eq | ast::CmpOp::Ne) {
            let orderable = |t: &OpType| {
                matches!(
                    t,
                    OpType::Known(Type::Number | Type::Time | Type::Date)
                        | OpType::Lit(LitType::Number | LitType::Date)
                        | OpType::Error
                )
            };
            if !orderable(&lt) || !orderable(&rt) {
                let (side, t) = if !orderable(&lt) {
                    (lhs, &lt)
                } else {
                    (rhs, &rt)
                };
                self.err(
                    Code::TypeMismatch,
                    ctx.file,
                    side.span(),
                    format!(
                        "`{}` orders numbers, times and dates, but this is {}",
                        op.as_str(),
                        describe_op(t)
                    ),
                )
                .help = Some("compare text, one-of and bool values with `==` or `!=`".into());
                return CondKind::Const(false);
            }
        }
        CondKind::Cmp {
            lhs: lv,
            op,
            rhs: rv,
        }
    }

    /// Checks that two operands can be compared; reports and returns false
    /// when they cannot.
    pub(super) fn check_types(
        &mut self,
        a: &OpType,
        b: &OpType,
        ao: &Operand,
        bo: &Operand,
        ctx: Ctx,
        in_list: bool,
    ) -> bool {
        use LitType as L;
        if *a == OpType::Error || *b == OpType::Error {
            return false;
        }
        if let OpType::Lit(L::Other(what)) = a {
            return self.mismatch(ao, format!("{what} cannot be compared here"), None, ctx);
        }
        if let OpType::Lit(L::Other(what)) = b {
            return self.mismatch(bo, format!("{what} cannot be compared here"), None, ctx);
        }
        // Check one-of membership of text literals.
        for (t, other, o) in [(a, b, bo), (b, a, ao)] {
            if let (OpType::Known(Type::OneOf(set)), OpType::Lit(L::Text)) = (t, other) {
                if let Operand::Literal(Literal::Str(s)) = o {
                    if !set.contains(&s.value) {
                        let help = match did_you_mean(&s.value, set.iter().map(String::as_str)) {
                            Some(x) => {
                                format!("did you mean \"{x}\"? The values are {}", list_values(set))
                            }
                            None => format!("the values are {}", list_values(set)),
                        };
                        self.err(
                            Code::InvalidValue,
                            ctx.file,
                            s.span,
                            format!("\"{}\" is not one of the allowed values", s.value),
                        )
                        .help = Some(help);
                        return false;
                    }
                }
                return true;
            }
        }
        if compatible(a, b) {
            return true;
        }
        let (target, other, t_ty, o_ty) = match (a, b) {
            (OpType::Lit(_), _) => (ao, bo, a, b),
            _ => (bo, ao, b, a),
        };
        let _ = other;
        let msg = if in_list {
            format!(
                "this list holds {}, but the value is {}",
                describe_op(t_ty),
                describe_op(o_ty)
            )
        } else {
            format!(
                "cannot compare {} with {}",
                describe_op(o_ty),
                describe_op(t_ty)
            )
        };
        let help = match o_ty {
            OpType::Known(Type::Number) => {
                Some("write numbers without quotes, e.g. `500`".to_string())
            }
            OpType::Known(Type::Text | Type::OneOf(_)) => {
                Some("write text in quotes, e.g. `\"DE\"`".to_string())
            }
            OpType::Known(Type::Bool) => {
                Some("compare with `true` or `false`, or use the attribute alone".to_string())
            }
            OpType::Known(Type::Time) => {
                Some("compare times with a date, e.g. `2026-01-01`".to_string())
            }
            OpType::Known(Type::Date) => Some(
                "compare dates with a date, e.g. `2026-01-01`; a date is a calendar day and a time an instant, so they do not compare".to_string(),
            ),
            _ => None,
        };
        self.mismatch(target, msg, help, ctx)
    }

    /// Reports a list used where `what` (`==`, `in`, ...) needs one value;
    /// returns false when it is one.
    pub(super) fn not_a_list(&mut self, t: &OpType, o: &Operand, what: &str, ctx: Ctx) -> bool {
        let OpType::Known(Type::List(elem)) = t else {
            return true;
        };
        let help = format!(
            "ask about its elements with `contains` (e.g. `{} contains {}`), or `is empty`",
            operand_text(o),
            example_of(elem)
        );
        self.mismatch(
            o,
            format!(
                "`{what}` compares single values, but this is {}",
                describe_op(t)
            ),
            Some(help),
            ctx,
        )
    }

    /// `list contains item`: the list a list attribute or field, the item a
    /// literal or a trigger field of its element type.
    pub(super) fn contains(&mut self, list: &Operand, item: &Operand, ctx: Ctx) -> CondKind {
        let (lv, lt) = self.operand(list, ctx);
        let (iv, it) = self.operand(item, ctx);
        if lt == OpType::Error || it == OpType::Error {
            return CondKind::Const(false);
        }
        let OpType::Known(Type::List(elem)) = &lt else {
            let help = match &lt {
                OpType::Known(Type::Text | Type::OneOf(_)) => {
                    "`contains` asks about a list's elements; for one value use `==` or `in [...]`"
                }
                _ => "`contains` asks about the elements of a `list of ...` attribute or field",
            };
            self.mismatch(
                list,
                format!("`contains` needs a list, but this is {}", describe_op(&lt)),
                Some(help.into()),
                ctx,
            );
            return CondKind::Const(false);
        };
        if !matches!(
            (item, &iv),
            (Operand::Literal(_), _) | (_, Value::TriggerField(..) | Value::EventField(..))
        ) {
            self.mismatch(
                item,
                "`contains` takes a literal or a field of the trigger event".into(),
                Some(format!(
                    "write the value, e.g. `{} contains {}`",
                    operand_text(list),
                    example_of(elem)
                )),
                ctx,
            );
            return CondKind::Const(false);
        }
        if !self.not_a_list(&it, item, "contains", ctx)
            || !self.check_types(
                &OpType::Known((**elem).clone()),
                &it,
                list,
                item,
                ctx,
                false,
            )
        {
            return CondKind::Const(false);
        }
        CondKind::Contains { list: lv, item: iv }
    }

    pub(super) fn mismatch(
        &mut self,
        o: &Operand,
        msg: String,
        help: Option<String>,
        ctx: Ctx,
    ) -> bool {
        self.err(Code::TypeMismatch, ctx.file, o.span(), msg).help = help;
        false
    }
}

/// Whether values of these types compare (text and one-of do; a date
/// literal compares with a time and a date).
pub(super) fn compatible(a: &OpType, b: &OpType) -> bool {
    use LitType as L;
    match (a, b) {
        (OpType::Known(x), OpType::Known(y)) => match (x, y) {
            (Type::OneOf(_), Type::OneOf(_) | Type::Text) | (Type::Text, Type::OneOf(_)) => true,
            _ => x == y,
        },
        (OpType::Known(t), OpType::Lit(l)) | (OpType::Lit(l), OpType::Known(t)) => matches!(
            (t, l),
            (Type::Text | Type::OneOf(_), L::Text)
                | (Type::Number, L::Number)
                | (Type::Bool, L::Bool)
                | (Type::Time, L::Date)
                | (Type::Date, L::Date)
        ),
        (OpType::Lit(x), OpType::Lit(y)) => x == y,
        _ => true,
    }
}

/// An operand as written, for help lines.
fn operand_text(o: &Operand) -> String {
    match o {
        Operand::Path(p) => p.dotted(),
        Operand::Literal(_) => "the_list".into(),
    }
}

/// A literal of type `t`, for help lines.
pub(super) fn example_of(t: &Type) -> String {
    match t {
        Type::Number => "3".into(),
        Type::Bool => "true".into(),
        Type::Time | Type::Date => "2026-01-01".into(),
        Type::OneOf(vs) => vs.first().map_or("\"a\"".into(), |v| format!("{v:?}")),
        Type::Text | Type::List(_) => "\"a\"".into(),
    }
}

pub(super) fn describe_op(t: &OpType) -> String {
    match t {
        OpType::Known(Type::OneOf(set)) => format!("one of {}", list_values(set)),
        OpType::Known(t) => article_type(&t.describe()),
        OpType::Lit(LitType::Text) => "text".into(),
        OpType::Lit(LitType::Number) => "a number".into(),
        OpType::Lit(LitType::Bool) => "a bool".into(),
        OpType::Lit(LitType::Date) => "a date".into(),
        OpType::Lit(LitType::Other(w)) => (*w).into(),
        OpType::Error => "an unknown value".into(),
    }
}

pub(super) fn article_type(t: &str) -> String {
    match t {
        "text" => "text".into(),
        "number" => "a number".into(),
        "bool" => "a bool".into(),
        "time" => "a time".into(),
        "date" => "a date".into(),
        other => other.into(),
    }
}

pub(super) fn list_values(set: &[String]) -> String {
    set.iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
