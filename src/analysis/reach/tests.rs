use super::*;
use crate::graph::lower;
use crate::graph::testkit::{on_event, ProgramBuilder};
use crate::model::{CampaignId, CmpOp, Const, Step, Type};

const D: u64 = 86_400;

struct T {
    b: ProgramBuilder,
    ev: EventId,
    goal: EventId,
    x: crate::model::AttrId,
    plan: crate::model::AttrId,
    m: MessageId,
}

fn t() -> T {
    let mut b = ProgramBuilder::new();
    let ev = b.event("cart", &[("value", Type::Number)]);
    let goal = b.event("order", &[]);
    let x = b.attr("x", Type::Number);
    let plan = b.attr(
        "plan",
        Type::OneOf(vec!["free".into(), "pro".into(), "enterprise".into()]),
    );
    let ch = b.channel("push", None);
    let m = b.message("m", ch);
    T {
        b,
        ev,
        goal,
        x,
        plan,
        m,
    }
}

impl T {
    fn campaign(&mut self, steps: Vec<Step>) -> CampaignId {
        let c = self.b.campaign("c", on_event(self.ev), steps);
        let loc = self.b.loc();
        self.b.campaign_mut(c).goal = Some((self.goal, loc));
        c
    }

    /// Ids of the unreached step nodes.
    fn unreached(&self, c: CampaignId) -> Vec<String> {
        let j = lower(&self.b.program, c);
        let r = analyze(&self.b.program, &j);
        j.step_nodes()
            .filter(|&n| !r.is_reached(n))
            .map(|n| j.graph[n].id.clone())
            .collect()
    }
}

#[test]
fn audience_via_segment_contradicts_a_branch() {
    let mut t = t();
    let big = t.b.num(t.x, CmpOp::Ge, 500.0);
    let seg = t.b.segment("big_spenders", big);
    let aud = t.b.seg(seg);
    let cond = t.b.num(t.x, CmpOp::Lt, 100.0);
    let s = t.b.send(t.m);
    let iff = t.b.if_(vec![(cond, vec![s])], None);
    let c = t.campaign(vec![iff]);
    t.b.campaign_mut(c).audience = Some(aud);
    assert_eq!(t.unreached(c), ["if.then.send-m"]);
    let j = lower(&t.b.program, c);
    let r = analyze(&t.b.program, &j);
    let e = j
        .graph
        .edge_indices()
        .find(|&e| j.graph[e] == Edge::If(0))
        .unwrap();
    let Some(Dead::Conflict {
        leaves,
        facts,
        special,
    }) = r.dead.get(&e)
    else {
        panic!("{:?}", r.dead)
    };
    assert_eq!(leaves.len(), 1);
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].role, Role::Audience);
    assert_eq!(facts[0].via.map(|v| v.0), Some(seg));
    assert_eq!(*special, None);
}

#[test]
fn time_forgets_attributes_but_not_trigger_fields() {
    let mut t = t();
    let aud = t.b.num(t.x, CmpOp::Ge, 500.0);
    let filter = t.b.cond(CondKind::Cmp {
        lhs: crate::model::Value::TriggerField(t.ev, 0),
        op: CmpOp::Gt,
        rhs: crate::model::Value::Const(Const::Number(20.0)),
    });
    let w = t.b.wait(D);
    let c1 = t.b.num(t.x, CmpOp::Lt, 100.0);
    let s1 = t.b.send(t.m);
    let iff1 = t.b.if_(vec![(c1, vec![s1])], None);
    let c2 = t.b.cond(CondKind::Cmp {
        lhs: crate::model::Value::TriggerField(t.ev, 0),
        op: CmpOp::Le,
        rhs: crate::model::Value::Const(Const::Number(10.0)),
    });
    let s2 = t.b.send(t.m);
    let iff2 = t.b.if_(vec![(c2, vec![s2])], None);
    let c = t.campaign(vec![w, iff1, iff2]);
    t.b.campaign_mut(c).audience = Some(aud);
    t.b.campaign_mut(c).trigger = Trigger::Event {
        event: t.ev,
        filter: Some(filter),
    };
    assert_eq!(t.unreached(c), ["if~2.then.send-m"]);
}

#[test]
fn else_after_one_of_values_is_reachable_unless_set_is_known() {
    for known_set in [false, true] {
        let mut t = t();
        let mut arms = Vec::new();
        for v in ["free", "pro", "enterprise"] {
            let c = t.b.text(t.plan, CmpOp::Eq, v);
            let s = t.b.send(t.m);
            arms.push((c, vec![s]));
        }
        let s = t.b.send(t.m);
        let iff = t.b.if_(arms, Some(vec![s]));
        let c = t.campaign(vec![iff]);
        if known_set {
            let a = t.b.is_set(t.plan, false);
            t.b.campaign_mut(c).audience = Some(a);
            assert_eq!(t.unreached(c), ["if.else.send-m"]);
        } else {
            assert!(t.unreached(c).is_empty());
        }
    }
}

#[test]
fn not_equal_is_not_the_negation_of_equal() {
    let mut t = t();
    let eq = t.b.num(t.x, CmpOp::Eq, 1.0);
    let not_eq = t.b.not(eq);
    let ne = t.b.num(t.x, CmpOp::Ne, 1.0);
    let a = t.b.send(t.m);
    let b = t.b.send(t.m);
    let inner = t.b.if_(vec![(ne, vec![a])], Some(vec![b]));
    let outer = t.b.if_(vec![(not_eq, vec![inner])], None);
    let c = t.campaign(vec![outer]);
    assert!(t.unreached(c).is_empty());

    // But `x != 1` then `x == 1` is impossible, and so is `x > 3`
    // after `x < 2`.
    let mut t2 = self::t();
    let ne = t2.b.num(t2.x, CmpOp::Ne, 1.0);
    let eq = t2.b.num(t2.x, CmpOp::Eq, 1.0);
    let lt = t2.b.num(t2.x, CmpOp::Lt, 2.0);
    let gt = t2.b.num(t2.x, CmpOp::Gt, 3.0);
    let a = t2.b.send(t2.m);
    let b = t2.b.send(t2.m);
    let inner = t2.b.if_(vec![(eq, vec![a]), (gt, vec![b])], None);
    let both = t2.b.and(vec![ne, lt]);
    let outer = t2.b.if_(vec![(both, vec![inner])], None);
    let c = t2.campaign(vec![outer]);
    assert_eq!(
        t2.unreached(c),
        ["if.then.if.then.send-m", "if.then.if.if2.send-m"]
    );
}

#[test]
fn earlier_conditions_survive_only_on_every_path() {
    let mut t = t();
    // if x > 5 { exit }  if x > 6 { A }   -> A unreachable
    let c1 = t.b.num(t.x, CmpOp::Gt, 5.0);
    let ex = t.b.exit();
    let iff1 = t.b.if_(vec![(c1, vec![ex])], None);
    let c2 = t.b.num(t.x, CmpOp::Gt, 6.0);
    let a = t.b.send(t.m);
    let iff2 = t.b.if_(vec![(c2, vec![a])], None);
    let c = t.campaign(vec![iff1, iff2]);
    assert_eq!(t.unreached(c), ["if~2.then.send-m"]);

    // if x > 5 { send } else { send }  if x > 6 { A }   -> reachable
    let mut t = self::t();
    let c1 = t.b.num(t.x, CmpOp::Gt, 5.0);
    let s1 = t.b.send(t.m);
    let s2 = t.b.send(t.m);
    let iff1 = t.b.if_(vec![(c1, vec![s1])], Some(vec![s2]));
    let c2 = t.b.num(t.x, CmpOp::Gt, 6.0);
    let a = t.b.send(t.m);
    let iff2 = t.b.if_(vec![(c2, vec![a])], None);
    let c = t.campaign(vec![iff1, iff2]);
    assert!(t.unreached(c).is_empty());
}

#[test]
fn goal_and_engagement_rules() {
    let mut t = t();
    let s1 = t.b.send(t.m);
    let wf = t.b.wait_for(WaitOn::Event(t.goal), D, Some(vec![s1]), None);
    let did = t.b.did_since_entry(t.goal);
    let s2 = t.b.send(t.m);
    let iff = t.b.if_(vec![(did, vec![s2])], None);
    let op = t.b.opened(t.m);
    let s3 = t.b.send(t.m);
    let iff2 = t.b.if_(vec![(op, vec![s3])], None);
    let s4 = t.b.send(t.m);
    let w = t.b.wait(D);
    let op2 = t.b.opened(t.m);
    let s5 = t.b.send(t.m);
    let iff3 = t.b.if_(vec![(op2, vec![s5])], None);
    let c = t.campaign(vec![wf, iff, iff2, s4, w, iff3]);
    assert_eq!(
        t.unreached(c),
        [
            "waitfor-order.then.send-m",
            "if.then.send-m",
            "if~2.then.send-m"
        ]
    );
    // Without the wait, `opened m` is still false: no time passed since
    // it was checked.
    let mut t = self::t();
    let op = t.b.opened(t.m);
    let iff = t.b.if_(vec![(op, vec![])], None);
    let s4 = t.b.send(t.m);
    let op2 = t.b.opened(t.m);
    let s5 = t.b.send(t.m);
    let iff3 = t.b.if_(vec![(op2, vec![s5])], None);
    let c = t.campaign(vec![iff, s4, iff3]);
    assert_eq!(t.unreached(c), ["if~2.then.send-m"]);
}

#[test]
fn engagement_sent_in_a_later_round_of_a_repeat_counts() {
    let mut t = t();
    let s1 = t.b.send(t.m);
    let wf = t.b.wait_for(WaitOn::Opened(t.m), D, Some(vec![s1]), None);
    let s2 = t.b.send(t.m);
    let rep = t.b.repeat(2, vec![wf, s2]);
    let c = t.campaign(vec![rep]);
    assert!(t.unreached(c).is_empty());
}

#[test]
fn structural_causes() {
    let mut t = t();
    let ex = t.b.exit();
    let s1 = t.b.send(t.m);
    let rep = t.b.repeat(2, vec![ex]);
    let s2 = t.b.send(t.m);
    let z = t.b.send(t.m);
    let h = t.b.send(t.m);
    let split =
        t.b.split(vec![(0, Some("z"), vec![z]), (100, None, vec![h])]);
    let e2 = t.b.exit();
    let s3 = t.b.send(t.m);
    let named = t.b.named("later", vec![s3]);
    let c = t.campaign(vec![split, rep, s2, e2, s1, named]);
    assert_eq!(
        t.unreached(c),
        [
            "split.z.send-m",
            "send-m",
            "exit",
            "send-m~2",
            "later",
            "later.send-m"
        ]
    );
}

#[test]
fn or_is_split_into_cases() {
    let mut t = t();
    let a = t.b.num(t.x, CmpOp::Eq, 1.0);
    let b = t.b.num(t.x, CmpOp::Eq, 2.0);
    let or = t.b.or(vec![a, b]);
    let c3 = t.b.num(t.x, CmpOp::Eq, 3.0);
    let cond = t.b.and(vec![or, c3]);
    let s = t.b.send(t.m);
    let iff = t.b.if_(vec![(cond, vec![s])], None);
    let c = t.campaign(vec![iff]);
    assert_eq!(t.unreached(c), ["if.then.send-m"]);
}

#[test]
fn did_since_entry_after_wait_for_is_known() {
    let mut t = t();
    let other = t.b.event("visit", &[]);
    let ex = t.b.exit();
    let wf =
        t.b.wait_for(WaitOn::Event(other), D, Some(vec![]), Some(vec![ex]));
    let did = t.b.cond(CondKind::Did {
        event: other,
        filter: None,
        window: crate::model::DidWindow::Ever,
        at_least: 1,
    });
    let not_did = t.b.not(did);
    let w = t.b.wait(D);
    let s = t.b.send(t.m);
    let iff = t.b.if_(vec![(not_did, vec![s])], None);
    let c = t.campaign(vec![wf, w, iff]);
    assert_eq!(t.unreached(c), ["if.then.send-m"]);
}

#[test]
fn sixty_diamonds_are_fast() {
    let mut t = t();
    let mut steps = Vec::new();
    for i in 0..60 {
        let c = t.b.num(t.x, CmpOp::Gt, i as f64);
        let a = t.b.send(t.m);
        let b = t.b.send(t.m);
        steps.push(t.b.if_(vec![(c, vec![a])], Some(vec![b])));
    }
    let c = t.campaign(steps);
    let start = std::time::Instant::now();
    assert!(t.unreached(c).is_empty());
    assert!(start.elapsed().as_secs() < 2);
}

#[cfg(test)]
mod scale {
    use super::*;
    use crate::graph::lower;
    use crate::graph::testkit::{on_event, ProgramBuilder};
    use crate::model::{CmpOp, Type};

    /// 20,000 `if x > (i mod 50) { exit }` in a row: after the first,
    /// every arm contradicts a fact gathered before (`x > 0` is false, so
    /// `x > 1` cannot hold), and distinct facts pile up.
    #[test]
    fn long_chains_of_conflicts_stay_fast() {
        let mut b = ProgramBuilder::new();
        let ev = b.event("e", &[]);
        let x = b.attr("x", Type::Number);
        let y = b.attr("y", Type::Number);
        let mut steps = Vec::new();
        for i in 0..20_000 {
            let a = if i % 2 == 0 { x } else { y };
            let c = b.num(a, CmpOp::Gt, (i % 50) as f64);
            let e = b.exit();
            steps.push(b.if_(vec![(c, vec![e])], None));
        }
        let c = b.campaign("c", on_event(ev), steps);
        let j = lower(&b.program, c);
        // Speed is measured in benches/, never asserted with a timer here.
        let r = analyze(&b.program, &j);
        let dead = j.step_nodes().filter(|&n| !r.is_reached(n)).count();
        // The exits of all but the first arm on `x` and the first on `y`.
        assert_eq!(dead, 20_000 - 2);
    }
}
