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
        if !self.check_types(&lt, &rt, lhs, rhs, ctx, false) {
            return CondKind::Const(false);
        }
        if !matches!(op, ast::CmpOp::Eq | ast::CmpOp::Ne) {
            let orderable = |t: &OpType| {
                matches!(
                    t,
                    OpType::Known(Type::Number | Type::Time)
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
                        "`{}` orders numbers and times, but this is {}",
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
        let compatible = match (a, b) {
            (OpType::Known(x), OpType::Known(y)) => match (x, y) {
                (Type::OneOf(_), Type::OneOf(_) | Type::Text) | (Type::Text, Type::OneOf(_)) => {
                    true
                }
                _ => x == y,
            },
            (OpType::Known(t), OpType::Lit(l)) | (OpType::Lit(l), OpType::Known(t)) => matches!(
                (t, l),
                (Type::Text, L::Text)
                    | (Type::Number, L::Number)
                    | (Type::Bool, L::Bool)
                    | (Type::Time, L::Date)
            ),
            (OpType::Lit(x), OpType::Lit(y)) => x == y,
            _ => true,
        };
        if compatible {
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
            _ => None,
        };
        self.mismatch(target, msg, help, ctx)
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
        other => other.into(),
    }
}

pub(super) fn list_values(set: &[String]) -> String {
    set.iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
