use super::*;

#[test]
#[test]
fn unset_attributes_make_comparisons_false_even_not_equal() {
    use super::compile::COperand;
    let attrs = [None, Some(Val::Num(3.0))];
    let cx = Ctx {
        attrs: &attrs,
        trigger_fields: &[],
        event_fields: &[],
        history: &[],
        now: 0,
        entry_seq: 0,
        opened: &[],
        clicked: &[],
    };
    let ne = |a| {
        CExpr::Cmp(
            crate::plan::CmpOp::Ne,
            COperand::Attr(a),
            COperand::Const(Val::Num(1.0)),
        )
    };
    assert!(!eval(&ne(0), &cx));
    assert!(eval(&ne(1), &cx));
    assert!(eval(&CExpr::Not(Box::new(ne(0))), &cx));
    let not_in = CExpr::In(
        COperand::Attr(0),
        vec![COperand::Const(Val::Num(1.0))],
        true,
    );
    assert!(!eval(&not_in, &cx));
    assert!(!eval(&CExpr::IsSet(COperand::Attr(0)), &cx));
}
