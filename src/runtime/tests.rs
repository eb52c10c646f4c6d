//! The runtime core driven directly: inputs, timers, state round trips,
//! and replacements (the simulator's tests drive it through scenarios).

use super::*;
use crate::plan::testkit::{cart_recovery, EmitPlan};
use crate::plan::{time, Node, NodeKind, Plan};

fn cart() -> Plan {
    let (k, c) = cart_recovery();
    k.plan(c)
}

fn at(s: &str) -> i64 {
    time::parse_instant(s).expect("an instant")
}

const HOUR: i64 = 3600;

/// An opted-in person with an email address.
fn person(rt: &Runtime) -> State {
    let c = rt.compiled();
    let mut attrs = vec![None; c.attrs.len()];
    attrs[c.attr_index["email"]] = Some(Val::Text("a@example.com".into()));
    attrs[c.attr_index["email_opt_in"]] = Some(Val::Bool(true));
    rt.new_state("p1", attrs)
}

fn abandoned(rt: &Runtime, t: i64) -> Input {
    let c = rt.compiled();
    let e = c.event_index["cart_abandoned"];
    let fields = c.events[e]
        .fields
        .iter()
        .map(|(f, _)| match f.as_str() {
            "value" => Some(Val::Num(80.0)),
            "cart_id" => Some(Val::Text("c1".into())),
            _ => None,
        })
        .collect();
    Input {
        at: t,
        kind: InputKind::Event(e, fields),
    }
}

/// A minimal runner: fires the timers due by `until`, in order.
fn run_until(rt: &Runtime, state: &mut State, until: i64, out: &mut Effects) {
    while let Some((t, timer)) = rt.next_timer(state) {
        if t > until || state.stopped() {
            break;
        }
        rt.fire(state, timer, t, out);
    }
}

fn lines(out: &Effects) -> Vec<String> {
    out.actions.iter().map(Entry::human).collect()
}

/// The person entered the cart journey at `t0` (2026-11-20T10:00:00Z).
fn entered(rt: &Runtime) -> (State, Effects, i64) {
    let t0 = at("2026-11-20T10:00:00Z");
    let mut state = person(rt);
    let mut out = Effects::default();
    rt.begin(&mut state, t0);
    rt.handle(&mut state, &abandoned(rt, t0), &mut out);
    (state, out, t0)
}

#[test]
fn an_event_enters_and_the_runtime_arms_the_wait() {
    let rt = Runtime::new(&cart()).unwrap();
    let (mut state, mut out, t0) = entered(&rt);
    assert_eq!(lines(&out), ["2026-11-20T10:00:00Z entered"]);
    assert_eq!(rt.next_timer(&state), Some((t0 + HOUR, Timer::Wake)));
    rt.fire(&mut state, Timer::Wake, t0 + HOUR, &mut out);
    assert_eq!(
        lines(&out)[1..],
        ["2026-11-20T11:00:00Z send cart_reminder (email)"]
    );
    assert_eq!(
        rt.next_timer(&state),
        Some((t0 + HOUR + 24 * HOUR, Timer::Wake))
    );
}

#[test]
fn a_stale_timer_does_nothing() {
    let rt = Runtime::new(&cart()).unwrap();
    let (mut state, mut out, t0) = entered(&rt);
    let before = state.clone();
    rt.fire(&mut state, Timer::Wake, t0 + 10, &mut out);
    rt.fire(&mut state, Timer::WindowClose, t0 + HOUR, &mut out);
    assert_eq!(state, before);
    assert_eq!(out.actions.len(), 1);
}

#[test]
fn the_state_survives_a_json_round_trip_mid_journey() {
    let rt = Runtime::new(&cart()).unwrap();
    let end = at("2026-11-30T00:00:00Z");
    let (mut straight, mut a, t0) = entered(&rt);
    run_until(&rt, &mut straight, end, &mut a);
    let (state, mut b, _) = entered(&rt);
    run_until(
        &rt,
        &mut state.clone(),
        t0 + 2 * HOUR,
        &mut Effects::default(),
    );
    let json = serde_json::to_string(&state).unwrap();
    let mut resumed: State = serde_json::from_str(&json).unwrap();
    assert_eq!(resumed, state);
    run_until(&rt, &mut resumed, end, &mut b);
    assert_eq!(lines(&a), lines(&b));
    assert_eq!(resumed, straight);
    assert!(lines(&a).len() > 3, "{:?}", lines(&a));
}

#[test]
fn one_state_holds_the_journeys_of_two_campaigns() {
    let rt = Runtime::new(&cart()).unwrap();
    let mut other = cart();
    other.campaign = "cart_again".into();
    let rt2 = Runtime::new(&other).unwrap();
    let (mut state, mut out, t0) = entered(&rt);
    rt2.begin(&mut state, t0);
    rt2.handle(&mut state, &abandoned(&rt2, t0 + 1), &mut out);
    assert_eq!(state.campaigns.len(), 2);
    assert!(rt.campaign(&state).unwrap().journey.is_some());
    assert!(rt2.campaign(&state).unwrap().journey.is_some());
    // The second event entered only the second campaign.
    assert_eq!(
        lines(&out),
        [
            "2026-11-20T10:00:00Z entered",
            "2026-11-20T10:00:01Z entered"
        ]
    );
}

/// The cart plan with node `id` removed, its predecessors going where it
/// went.
fn without(plan: &Plan, id: &str) -> Plan {
    let mut p = plan.clone();
    let gone: Node = p.node(id).unwrap().clone();
    // Where the node goes with nothing happening (a `wait_for` times out).
    let to = gone
        .successors
        .iter()
        .find(|e| !e.label.awaits())
        .unwrap()
        .to
        .clone();
    p.nodes.retain(|n| n.id != id);
    if p.entry == id {
        p.entry = to.clone();
    }
    for n in &mut p.nodes {
        for e in &mut n.successors {
            if e.to == id {
                e.to = to.clone();
            }
        }
    }
    p
}

/// The person at `wait~2` (after the reminder), then the plan replaced by
/// `new` at `when`.
fn replaced_at_second_wait(new: &Plan, when: i64) -> (Place, Vec<String>, State, Runtime) {
    let old = Runtime::new(&cart()).unwrap();
    let (mut state, mut out, t0) = entered(&old);
    run_until(&old, &mut state, t0 + HOUR, &mut out);
    let new = Runtime::new(new).unwrap();
    let mut out = Effects::default();
    let place = old.replace(&new, &mut state, when, &mut out);
    (place, lines(&out), state, new)
}

#[test]
fn a_surviving_wait_counts_its_new_length_from_arrival() {
    let mut new = cart();
    let w = new.nodes.iter_mut().find(|n| n.id == "wait~2").unwrap();
    w.kind = NodeKind::Wait { seconds: 2 * 3600 };
    let t0 = at("2026-11-20T10:00:00Z");
    // Arrived at 11:00; replaced at 12:00: the wait now ends at 13:00.
    let (place, got, state, rt) = replaced_at_second_wait(&new, t0 + 2 * HOUR);
    assert_eq!(place, Place::Stayed("wait~2".into()));
    assert_eq!(got, ["2026-11-20T12:00:00Z replaced at wait~2: stays"]);
    assert_eq!(rt.next_timer(&state), Some((t0 + 3 * HOUR, Timer::Wake)));
    // Replaced at 14:00: the wait is over, the next send goes at once.
    let (_, got, _, _) = replaced_at_second_wait(&new, t0 + 4 * HOUR);
    assert_eq!(
        got[1..3],
        [
            "2026-11-20T14:00:00Z send cart_coupon_20 (email)",
            "2026-11-20T14:00:00Z send cart_retargeting (social_ads)"
        ]
    );
}

#[test]
fn people_at_a_removed_wait_move_on_to_the_next_surviving_step() {
    let new = without(&cart(), "wait~2");
    let t0 = at("2026-11-20T10:00:00Z");
    let (place, got, state, rt) = replaced_at_second_wait(&new, t0 + 2 * HOUR);
    assert_eq!(place, Place::Moved("send-cart_coupon_20".into()));
    assert_eq!(
        got,
        [
            "2026-11-20T12:00:00Z replaced at wait~2: moves on",
            "2026-11-20T12:00:00Z send cart_coupon_20 (email)",
            "2026-11-20T12:00:00Z send cart_retargeting (social_ads)",
        ]
    );
    // Now waiting for the click, in the new plan's indices.
    let j = rt.campaign(&state).unwrap().journey.as_ref().unwrap();
    assert_eq!(
        rt.compiled().nodes[j.node].id,
        "waitfor-clicked-cart_coupon_20"
    );
    assert!(j.sent[rt.compiled().message_index["cart_reminder"]]);
}

#[test]
fn people_whose_old_path_reaches_an_exit_leave_the_journey() {
    let mut old = cart();
    old.nodes.insert(
        0,
        Node {
            id: "exit".into(),
            kind: NodeKind::Exit,
            ..old.node("@end").unwrap().clone()
        },
    );
    let w = old.nodes.iter_mut().find(|n| n.id == "wait~2").unwrap();
    w.successors[0].to = "exit".into();
    let new = without(&cart(), "wait~2");
    let rt_old = Runtime::new(&old).unwrap();
    let rt_new = Runtime::new(&new).unwrap();
    let (mut state, mut out, t0) = entered(&rt_old);
    run_until(&rt_old, &mut state, t0 + HOUR, &mut out);
    let mut out = Effects::default();
    let place = rt_old.replace(&rt_new, &mut state, t0 + 2 * HOUR, &mut out);
    assert_eq!(place, Place::Ended);
    assert_eq!(
        lines(&out),
        [
            "2026-11-20T12:00:00Z replaced at wait~2: moves on",
            "2026-11-20T12:00:00Z exited exit_step",
        ]
    );
    let wait = old.node("wait~2").unwrap();
    assert_eq!(
        landings(&old, &new, wait).into_iter().collect::<Vec<_>>(),
        [Landing::Exit("exit".into())]
    );
}

/// Every way of removing one or two nodes from the cart plan (waits for
/// a click included), and every place people can wait: where the runtime
/// puts one person is one of the landings `omnis diff` reports
/// (`landings`), the only one when the old plan cannot go two ways from
/// there, and they stay exactly when the node survives.
#[test]
fn replacing_agrees_with_the_landings_diff_reports() {
    let old = cart();
    let rt_old = Runtime::new(&old).unwrap();
    let removable: Vec<&str> = old
        .nodes
        .iter()
        .filter(|n| !n.successors.is_empty())
        .map(|n| n.id.as_str())
        .collect();
    let mut removals: Vec<Vec<&str>> = removable.iter().map(|&a| vec![a]).collect();
    for (i, &a) in removable.iter().enumerate() {
        for &b in &removable[i + 1..] {
            removals.push(vec![a, b]);
        }
    }
    let (mut checked, mut exact) = (0, 0);
    for gone in &removals {
        let new = gone.iter().fold(old.clone(), |p, id| without(&p, id));
        let rt_new = Runtime::new(&new).unwrap();
        for x in old.nodes.iter().filter(|n| holds_people(&old, n)) {
            let (mut state, _, t0) = entered(&rt_old);
            let i = rt_old.compiled().node_index[&x.id];
            let j = state.campaigns[0].journey.as_mut().unwrap();
            (j.node, j.arrived, j.wake) = (i, t0, t0 + 10 * 86_400);
            let mut out = Effects::default();
            let place = rt_old.replace(&rt_new, &mut state, t0 + HOUR, &mut out);
            let expected = landings(&old, &new, x);
            let ctx = format!("{gone:?} at {}: {place:?} {expected:?}", x.id);
            match &place {
                Place::Stayed(id) => {
                    assert_eq!(id, &x.id, "{ctx}");
                    assert!(survivor(x, &new).is_some(), "{ctx}");
                }
                Place::Moved(id) => {
                    assert!(survivor(x, &new).is_none(), "{ctx}");
                    assert!(expected.contains(&Landing::At(id.clone())), "{ctx}");
                }
                Place::Ended => assert!(
                    expected
                        .iter()
                        .any(|l| matches!(l, Landing::Exit(_) | Landing::Loop)),
                    "{ctx}"
                ),
                Place::Outside => panic!("the person was in the journey: {ctx}"),
            }
            if survivor(x, &new).is_none() && expected.len() == 1 {
                exact += 1;
            }
            checked += 1;
        }
    }
    assert!(checked > 200 && exact > 50, "{checked} {exact}");
}

/// A person waiting at `wait~2`, when the wait for the click after it is
/// removed too, moves on as that wait would with nothing happening (it
/// times out); `omnis diff` reports that landing only, not also where
/// the click would have taken them.
#[test]
fn removed_waits_on_the_way_go_on_as_if_nothing_happened() {
    let old = cart();
    let new = [
        "wait~2",
        "send-cart_coupon_20",
        "send-cart_retargeting",
        "waitfor-clicked-cart_coupon_20",
    ]
    .iter()
    .fold(old.clone(), |p, id| without(&p, id));
    let wait = old.node("wait~2").unwrap();
    let otherwise = "waitfor-clicked-cart_coupon_20.otherwise.if";
    assert_eq!(
        landings(&old, &new, wait).into_iter().collect::<Vec<_>>(),
        [Landing::At(otherwise.into())]
    );
    let (place, _, _, _) = replaced_at_second_wait(&new, at("2026-11-20T12:00:00Z"));
    assert_eq!(place, Place::Moved(otherwise.into()));
}

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
        entry_sends: 0,
        opened: &[],
        clicked: &[],
        across: &Default::default(),
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

#[test]
fn lists_and_dates_evaluate_as_the_plan_format_says() {
    use super::compile::COperand;
    use crate::plan::CmpOp;
    // 0: unset list, 1: ["a", "b"], 2: [], 3: the day 2000-01-01.
    let attrs = [
        None,
        Some(Val::List(vec![
            Val::Text("a".into()),
            Val::Text("b".into()),
        ])),
        Some(Val::List(Vec::new())),
        Some(Val::Date(10_957)),
    ];
    let cx = Ctx {
        attrs: &attrs,
        trigger_fields: &[],
        event_fields: &[],
        history: &[],
        now: 0,
        entry_seq: 0,
        entry_sends: 0,
        opened: &[],
        clicked: &[],
        across: &Default::default(),
    };
    let text = |s: &str| COperand::Const(Val::Text(s.into()));
    let contains = |a, s| CExpr::Contains(COperand::Attr(a), text(s));
    assert!(eval(&contains(1, "b"), &cx));
    assert!(!eval(&contains(1, "c"), &cx));
    assert!(
        !eval(&contains(0, "a"), &cx),
        "an unset list contains nothing"
    );
    let empty = |a| CExpr::IsEmpty(COperand::Attr(a));
    assert!(eval(&empty(0), &cx), "an unset list is empty");
    assert!(eval(&empty(2), &cx));
    assert!(!eval(&empty(1), &cx));
    // A date literal is compiled to the first instant of its day (UTC).
    let day = |op, t: i64| CExpr::Cmp(op, COperand::Attr(3), COperand::Const(Val::Time(t)));
    assert!(eval(&day(CmpOp::Eq, 946_684_800), &cx));
    assert!(eval(&day(CmpOp::Lt, 946_771_200), &cx));
    assert!(!eval(&day(CmpOp::Gt, 946_684_800), &cx));
}

/// A project's person in the cart journey at its second wait.
fn project_at_second_wait(plans: &[Plan]) -> (Project, ProjectState, i64) {
    let pr = Project::new(plans).unwrap();
    let t0 = at("2026-11-20T10:00:00Z");
    let attrs = pr
        .runtimes()
        .iter()
        .map(|rt| person(rt).person.attrs)
        .collect();
    let mut state = pr.new_state("p1", attrs);
    pr.begin(&mut state, t0);
    let inputs: Vec<Input> = pr.runtimes().iter().map(|rt| abandoned(rt, t0)).collect();
    let mut out = ProjectEffects::default();
    pr.handle(&mut state, &inputs, &mut out);
    while let Some((t, timer, i)) = pr.next_timer(&state).filter(|x| x.0 <= t0 + HOUR) {
        pr.fire(&mut state, i, timer, t, &mut out);
    }
    (pr, state, t0)
}

#[test]
fn a_project_replaces_a_changed_plan_as_the_runtime_does_for_one() {
    let new = without(&cart(), "wait~2");
    let (pr, mut state, t0) = project_at_second_wait(&[cart()]);
    let next = Project::new(std::slice::from_ref(&new)).unwrap();
    let mut out = ProjectEffects::default();
    pr.replace(&next, "p1", &mut state, t0 + 2 * HOUR, |_| true, &mut out);
    let got: Vec<String> = out.actions.iter().map(|(_, e)| e.human()).collect();
    // The same as one runtime replacing the plan of one state.
    let (_, want, _, _) = replaced_at_second_wait(&new, t0 + 2 * HOUR);
    assert_eq!(got, want);
    // Unchanged: nothing happens.
    let before = state.clone();
    let mut out = ProjectEffects::default();
    next.replace(&next, "p1", &mut state, t0 + 3 * HOUR, |_| false, &mut out);
    assert_eq!((state, out.actions.len()), (before, 0));
}

#[test]
fn a_campaign_added_inherits_the_profile_and_history_and_a_withdrawn_one_ends() {
    let mut other = cart();
    other.campaign = "cart_again".into();
    let (pr, mut state, t0) = project_at_second_wait(&[cart()]);
    assert_eq!(state.across.journeys, [Arc::from("cart_recovery")]);
    // `cart_again` added: it starts from the replacement, with what the
    // person's other campaign knows of them, and enters nobody yet.
    let both = Project::new(&[cart(), other.clone()]).unwrap();
    let mut out = ProjectEffects::default();
    let t = t0 + 2 * HOUR;
    pr.replace(&both, "p1", &mut state, t, |_| false, &mut out);
    assert!(out.actions.is_empty());
    let i = both.position("cart_again").unwrap();
    let added = &state.states[i];
    assert_eq!(added.person.attrs, state.states[1 - i].person.attrs);
    assert_eq!(added.person.history, state.states[1 - i].person.history);
    assert!(added.person.history.iter().any(|h| !h.is_empty()));
    // It reads the shared history: the next cart event enters it.
    let inputs: Vec<Input> = both.runtimes().iter().map(|rt| abandoned(rt, t)).collect();
    both.handle(&mut state, &inputs, &mut out);
    let entered: Vec<String> = out
        .actions
        .iter()
        .map(|(c, e)| format!("{c} {}", e.human()))
        .collect();
    assert_eq!(entered, [format!("{i} 2026-11-20T12:00:00Z entered")]);
    // `cart_recovery` withdrawn (rule 4): its journey ends, silently.
    let only = Project::new(&[other]).unwrap();
    let mut out = ProjectEffects::default();
    both.replace(&only, "p1", &mut state, t + 1, |_| false, &mut out);
    assert!(out.actions.is_empty());
    assert_eq!(state.states.len(), 1);
    assert_eq!(state.across.journeys, [Arc::from("cart_again")]);
}

const OPT_OUT: &str = r#"profile {
  email: text
  email_opt_in: bool
}
event signup { source: text }
event ping { n: number }
channel email { consent email_opt_in }
message later { channel email template "later" }

campaign opt_out {
  trigger signup
  journey {
    set email_opt_in = false
  }
}

campaign mailer {
  trigger ping
  reentry always
  journey {
    send later
  }
}
"#;

#[test]
fn a_profile_write_in_one_campaign_is_a_profile_update_for_the_others() {
    let a = crate::driver::analyze_source(OPT_OUT).unwrap();
    assert!(!a.has_errors(), "{:#?}", a.diagnostics);
    let pr = Project::new(&crate::plan::emit::emit_all(&a.program, &a.sources)).unwrap();
    let attrs = pr
        .runtimes()
        .iter()
        .map(|rt| {
            let c = rt.compiled();
            c.attrs
                .iter()
                .map(|(name, _)| match name.as_str() {
                    "email_opt_in" => Some(Val::Bool(true)),
                    _ => Some(Val::Text("a@example.com".into())),
                })
                .collect()
        })
        .collect();
    let mut state = pr.new_state("p1", attrs);
    let t0 = at("2026-11-20T10:00:00Z");
    pr.begin(&mut state, t0);
    let event = |name: &str, t: i64| -> Vec<Input> {
        pr.runtimes()
            .iter()
            .map(|rt| {
                let c = rt.compiled();
                let kind = match c.event_index.get(name) {
                    Some(&e) => InputKind::Event(e, vec![None; c.events[e].fields.len()]),
                    None => InputKind::Ignored,
                };
                Input { at: t, kind }
            })
            .collect()
    };
    let mut out = ProjectEffects::default();
    pr.handle(&mut state, &event("ping", t0), &mut out);
    pr.handle(&mut state, &event("signup", t0 + 1), &mut out);
    pr.handle(&mut state, &event("ping", t0 + 2), &mut out);
    let names: Vec<&str> = pr
        .runtimes()
        .iter()
        .map(|r| &*r.compiled().campaign)
        .collect();
    let got: Vec<String> = out
        .actions
        .iter()
        .filter(|(_, e)| !matches!(e.what, What::Entered | What::Completed))
        .map(|(c, e)| format!("{} {}", names[*c], e.human()))
        .collect();
    assert_eq!(
        got,
        [
            "mailer 2026-11-20T10:00:00Z send later (email)",
            "opt_out 2026-11-20T10:00:01Z set email_opt_in = false",
            "mailer 2026-11-20T10:00:02Z skip later (email): no_consent",
        ]
    );
}

#[test]
fn a_plan_with_a_limit_of_zero_sends_or_zero_seconds_is_refused() {
    use crate::plan::Limit;
    let ok = cart();
    assert!(Runtime::new(&ok).is_ok());
    for (count, per, says) in [(0, 3600, "0 sends"), (1, 0, "0 seconds")] {
        let mut campaign = ok.clone();
        campaign.limits = vec![Limit { count, per }];
        let e = Runtime::new(&campaign).expect_err("refused");
        assert!(
            e.0.contains("campaign limits") && e.0.contains(says),
            "{}",
            e.0
        );
        let mut channel = ok.clone();
        let email = channel.channels.get_mut("email").expect("cart has email");
        email.limits = vec![Limit { count, per }];
        let e = Runtime::new(&channel).expect_err("refused");
        assert!(
            e.0.contains("channel \"email\"") && e.0.contains(says),
            "{}",
            e.0
        );
    }
}

#[test]
fn a_split_without_arms_is_refused() {
    let mut plan = cart();
    let n = plan
        .nodes
        .iter_mut()
        .find(|n| matches!(n.kind, NodeKind::Send { .. }))
        .expect("cart sends");
    n.kind = NodeKind::Split;
    n.successors.clear();
    let id = n.id.clone();
    let e = Runtime::new(&plan).expect_err("refused");
    assert_eq!(e.0, format!("split {id:?} has no arms"));
}
