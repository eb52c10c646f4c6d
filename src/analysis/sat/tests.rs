use super::*;
use crate::graph::testkit::ProgramBuilder;
use crate::model::{AttrId, CmpOp::*, Cond, CondKind, Const, DidWindow, EventId, MessageId, Type};

struct T {
    b: ProgramBuilder,
    x: AttrId,
    plan: AttrId,
    flag: AttrId,
    name: AttrId,
    goal: EventId,
    other: EventId,
    m: MessageId,
}

fn t() -> T {
    let mut b = ProgramBuilder::new();
    let x = b.attr("x", Type::Number);
    let plan = b.attr(
        "plan",
        Type::OneOf(vec!["free".into(), "pro".into(), "enterprise".into()]),
    );
    let flag = b.attr("flag", Type::Bool);
    let name = b.attr("name", Type::Text);
    let goal = b.event("goal", &[]);
    let other = b.event("other", &[]);
    let ch = b.channel("c", None);
    let m = b.message("m", ch);
    T {
        b,
        x,
        plan,
        flag,
        name,
        goal,
        other,
        m,
    }
}

/// Whether the conjunction of `conds` (each must hold, or fail when
/// paired with `false`) is satisfiable, with `m` sent or not.
fn sat(t: &T, conds: &[(&Cond, bool)], sent: bool) -> bool {
    let mut logic = Logic::new(&t.b.program, Some(t.goal), Vec::new());
    let parts: Vec<(&Cond, bool, Role)> =
        conds.iter().map(|&(c, p)| (c, p, Role::Audience)).collect();
    let dnf = logic.dnf(&parts);
    let m = t.m;
    dnf.iter()
        .any(|conj| logic.check(&[], conj, &|x| sent && x == m).is_ok())
}

fn all(t: &T, conds: &[&Cond]) -> bool {
    let v: Vec<(&Cond, bool)> = conds.iter().map(|&c| (c, true)).collect();
    sat(t, &v, true)
}

#[test]
fn numeric_bounds_are_strict_or_not() {
    let mut t = t();
    let (x, b) = (t.x, &mut t.b);
    let lt1 = b.num(x, Lt, 1.0);
    let ge1 = b.num(x, Ge, 1.0);
    let le1 = b.num(x, Le, 1.0);
    let gt0 = b.num(x, Gt, 0.0);
    let eq1 = b.num(x, Eq, 1.0);
    let ne1 = b.num(x, Ne, 1.0);
    let eq5 = b.num(x, Eq, 0.5);
    assert!(!all(&t, &[&lt1, &ge1]));
    assert!(all(&t, &[&le1, &ge1]));
    assert!(!all(&t, &[&le1, &ge1, &ne1]));
    assert!(all(&t, &[&gt0, &lt1])); // reals: 0.5
    assert!(all(&t, &[&gt0, &lt1, &eq5]));
    assert!(!all(&t, &[&eq1, &ne1]));
    assert!(!all(&t, &[&eq1, &lt1]));
}

#[test]
fn unset_satisfies_negations_only() {
    let mut t = t();
    let (x, b) = (t.x, &mut t.b);
    let eq1 = b.num(x, Eq, 1.0);
    let ne1 = b.num(x, Ne, 1.0);
    let set = b.is_set(x, false);
    let unset = b.is_set(x, true);
    // not (x == 1) and not (x != 1): x unset.
    assert!(sat(&t, &[(&eq1, false), (&ne1, false)], true));
    // ... unless x is set.
    assert!(!sat(
        &t,
        &[(&eq1, false), (&ne1, false), (&set, true)],
        true
    ));
    assert!(!all(&t, &[&unset, &ne1]));
    assert!(sat(&t, &[(&set, false), (&unset, true)], true));
    assert!(!sat(&t, &[(&set, false), (&unset, false)], true));
}

#[test]
fn one_of_is_a_finite_domain() {
    let mut t = t();
    let (p, b) = (t.plan, &mut t.b);
    let free = b.text(p, Eq, "free");
    let pro = b.text(p, Eq, "pro");
    let ent = b.text(p, Eq, "enterprise");
    let set = b.is_set(p, false);
    let not_free_or_pro = b.in_list(
        p,
        &[Const::Text("free".into()), Const::Text("pro".into())],
        true,
    );
    let no = [(&free, false), (&pro, false), (&ent, false)];
    assert!(sat(&t, &no, true));
    let mut with_set = no.to_vec();
    with_set.push((&set, true));
    assert!(!sat(&t, &with_set, true));
    // `not in` needs a value: enterprise.
    assert!(all(&t, &[&not_free_or_pro]));
    assert!(!sat(&t, &[(&not_free_or_pro, true), (&ent, false)], true));
}

#[test]
fn text_is_infinite_and_bool_finite() {
    let mut t = t();
    let (n, f, b) = (t.name, t.flag, &mut t.b);
    let a = b.text(n, Ne, "a");
    let bb = b.text(n, Ne, "b");
    let is_a = b.in_list(
        n,
        &[Const::Text("a".into()), Const::Text("b".into())],
        false,
    );
    assert!(all(&t, &[&a, &bb]));
    assert!(!all(&t, &[&a, &bb, &is_a]));
    let mut t2 = self::t();
    let flag = t2.b.flag(f);
    let is_false = t2.b.cmp(f, Eq, Const::Bool(false));
    let ne_true = t2.b.cmp(f, Ne, Const::Bool(true));
    assert!(!all(&t2, &[&flag, &is_false]));
    assert!(all(&t2, &[&is_false, &ne_true]));
    // `not flag`: unset or false; with `flag != false` (set, true)
    // impossible.
    let ne_false = t2.b.cmp(f, Ne, Const::Bool(false));
    assert!(!sat(&t2, &[(&flag, false), (&ne_false, true)], true));
}

#[test]
fn history_rules() {
    let mut t = t();
    let goal = t.b.did_since_entry(t.goal);
    let other = t.b.did_since_entry(t.other);
    let ever = t.b.cond(CondKind::Did {
        event: t.other,
        filter: None,
        window: DidWindow::Ever,
        at_least: 1,
    });
    let within = t.b.cond(CondKind::Did {
        event: t.other,
        filter: None,
        window: DidWindow::Within(86_400),
        at_least: 1,
    });
    let opened = t.b.opened(t.m);
    assert!(!all(&t, &[&goal]));
    assert!(sat(&t, &[(&goal, false)], true));
    assert!(all(&t, &[&other]));
    // Since entry implies ever, not within a day.
    assert!(!sat(&t, &[(&other, true), (&ever, false)], true));
    assert!(sat(&t, &[(&other, true), (&within, false)], true));
    assert!(sat(&t, &[(&opened, true)], true));
    assert!(!sat(&t, &[(&opened, true)], false));
}

#[test]
fn or_splits_into_cases_within_budget() {
    let mut t = t();
    let x = t.x;
    // (x == 0 or ... or x == 99) and x > 200: 100 disjuncts, over the
    // budget, so the `or` is taken as `true` and the whole is
    // satisfiable (sound, not complete).
    let many: Vec<Cond> = (0..100).map(|i| t.b.num(x, Eq, i as f64)).collect();
    let or = t.b.or(many);
    let big = t.b.num(x, Gt, 200.0);
    assert!(all(&t, &[&or, &big]));
    // Within the budget it is exact.
    let few: Vec<Cond> = (0..10).map(|i| t.b.num(x, Eq, i as f64)).collect();
    let or = t.b.or(few);
    assert!(!all(&t, &[&or, &big]));
}

#[test]
fn conflicts_name_a_small_core() {
    let mut t = t();
    let x = t.x;
    let ge = t.b.num(x, Ge, 500.0);
    let ne = t.b.num(x, Ne, 3.0);
    let lt = t.b.num(x, Lt, 100.0);
    let mut logic = Logic::new(&t.b.program, None, Vec::new());
    let facts_dnf = logic.dnf(&[(&ne, true, Role::Audience), (&ge, true, Role::Audience)]);
    let facts: Vec<Fact> = facts_dnf[0].iter().map(|l| (l.lit, *l)).collect();
    let conj = logic.dnf(&[(&lt, true, Role::TriggerFilter)]);
    let err = logic.check(&facts, &conj[0], &|_| false).unwrap_err();
    assert_eq!(err.leaves, vec![0]);
    assert_eq!(err.facts.len(), 1);
    assert_eq!(facts[err.facts[0]].1.loc, ge.loc);
}
