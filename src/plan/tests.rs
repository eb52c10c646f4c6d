use super::testkit::*;
use super::*;
use crate::model::{self, StepKind};

fn ids(plan: &Plan) -> Vec<&str> {
    plan.nodes.iter().map(|n| n.id.as_str()).collect()
}

#[test]
fn cart_recovery_nodes_ids_and_edges() {
    let (k, c) = cart_recovery();
    let plan = k.plan(c);
    assert_eq!(
        ids(&plan),
        [
            "wait",
            "send-cart_reminder",
            "wait~2",
            "send-cart_coupon_20",
            "send-cart_retargeting",
            "waitfor-clicked-cart_coupon_20",
            "waitfor-clicked-cart_coupon_20.then.wait",
            "waitfor-clicked-cart_coupon_20.then.send-cart_coupon_40",
            "waitfor-clicked-cart_coupon_20.otherwise.if",
            "waitfor-clicked-cart_coupon_20.otherwise.if.then.send-cart_coupon_40_sms",
            "waitfor-clicked-cart_coupon_20.otherwise.if.else.send-cart_coupon_40",
            "@end",
        ]
    );
    assert_eq!(plan.entry, "wait");
    let wf = plan.node("waitfor-clicked-cart_coupon_20").unwrap();
    assert_eq!(
        wf.successors
            .iter()
            .map(|e| (e.label.name(), e.to.as_str()))
            .collect::<Vec<_>>(),
        [
            ("event", "waitfor-clicked-cart_coupon_20.then.wait"),
            ("timeout", "waitfor-clicked-cart_coupon_20.otherwise.if"),
        ]
    );
    // Timing: 1h, then the reminder may wait out the 11h of quiet hours.
    assert_eq!(plan.node("send-cart_reminder").unwrap().earliest, 3_600);
    let w = plan.node("wait~2").unwrap();
    assert_eq!(w.kind, NodeKind::Wait { seconds: 86_400 });
    assert_eq!((w.earliest, w.latest), (3_600, Some(3_600 + 11 * 3_600)));
    assert!(plan.node("@end").unwrap().latest.is_some());
    assert_eq!(plan.max_sends_per_person, Some(4));
    // Everything used is declared; nothing else is.
    assert_eq!(
        plan.profile.keys().collect::<Vec<_>>(),
        ["email", "email_opt_in", "first_name", "phone", "sms_opt_in"]
    );
    assert_eq!(
        plan.events.keys().collect::<Vec<_>>(),
        ["cart_abandoned", "order_placed", "unsubscribed"]
    );
    assert_eq!(
        plan.channels.keys().collect::<Vec<_>>(),
        ["email", "sms", "social_ads"]
    );
    assert_eq!(plan.messages.len(), 5);
    assert_eq!(plan.source.path, "campaigns/test.omni");
    assert_eq!(plan.source.sha256.len(), 64);
}

#[test]
fn expressions_are_typed_trees_with_segments_in_a_table() {
    let (k, c) = cart_recovery();
    let plan = k.plan(c);
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(
        json["trigger"],
        serde_json::json!({
            "kind": "event",
            "event": "cart_abandoned",
            "filter": {
                "op": "cmp", "cmp": ">=",
                "left": {"trigger_field": "value", "event": "cart_abandoned", "type": "number"},
                "right": {"const": 20}
            }
        })
    );
    assert_eq!(
        json["audience"]["args"][0],
        serde_json::json!({"op": "segment_ref", "name": "emailable"})
    );
    assert_eq!(
        json["segments"]["emailable"],
        serde_json::json!({"op": "and", "args": [
            {"op": "cmp", "cmp": "==", "left": {"attr": "email_opt_in", "type": "bool"}, "right": {"const": true}},
            {"op": "is_set", "value": {"attr": "email", "type": "text"}}
        ]})
    );
    assert_eq!(
        json["audience"]["args"][1]["arg"],
        serde_json::json!({"op": "segment_ref", "name": "recent_buyers"})
    );
    assert_eq!(
        json["segments"]["recent_buyers"],
        serde_json::json!({
            "op": "did", "event": "order_placed", "where": null,
            "window": {"kind": "within", "seconds": 2592000}, "at_least": 1
        })
    );
    assert_eq!(
        json["messages"]["cart_reminder"]["placeholders"],
        serde_json::json!([{"path": "first_name", "source": {"attr": "first_name", "type": "text"}, "default": "Hi"}])
    );
    assert_eq!(
        json["channels"]["email"],
        serde_json::json!({"kind": "email", "consent": "email_opt_in",
            "quiet_hours": {"from": "21:00", "to": "08:00"}, "limits": [{"count": 3, "per": 86400}]})
    );
    assert_eq!(
        json["reentry"],
        serde_json::json!({"kind": "after", "after": 2592000})
    );
}

#[test]
fn output_is_deterministic_and_round_trips() {
    let (k, c) = cart_recovery();
    let a = k.plan(c).to_json();
    let b = cart_recovery().0.plan(c).to_json();
    assert_eq!(a, b);
    assert!(a.ends_with("}\n"));
    let back = Plan::parse(&a).unwrap();
    assert_eq!(back.to_json(), a);
    let yaml = back.to_yaml();
    let from_yaml = Plan::parse(&yaml).unwrap();
    assert_eq!(from_yaml.to_json(), a);
    assert!(!a.contains("/abs/"), "no absolute paths");
}

#[test]
fn unknown_major_versions_are_rejected() {
    let (k, c) = cart_recovery();
    let mut plan = k.plan(c);
    plan.format_version = "1.7".into();
    assert!(plan.check_version().is_ok());
    plan.format_version = "2.0".into();
    let err = Plan::parse(&plan.to_json()).unwrap_err();
    assert!(matches!(err, PlanError::UnsupportedVersion(_)));
}

#[test]
fn emitted_plans_validate_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(&schema_json()).unwrap();
    let compiled = jsonschema::JSONSchema::compile(&schema).expect("schema compiles");
    let (k, c) = cart_recovery();
    let plan = serde_json::to_value(k.plan(c)).unwrap();
    if let Err(errors) = compiled.validate(&plan) {
        let msgs: Vec<String> = errors
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        panic!("plan does not validate:\n{}", msgs.join("\n"));
    }
    let mut bad = plan.clone();
    bad["nodes"][0]["kind"] = "teleport".into();
    assert!(!compiled.is_valid(&bad));
}

/// A journey with loops, to check ids and the analysis.
fn loops() -> (ProgramBuilder, model::CampaignId) {
    let mut k = ProgramBuilder::with_source();
    let v = vocab(&mut k);
    let tip = k.message_with("tip", v.email_ch, "tip");
    let nudge = k.message_with("nudge", v.ads_ch, "nudge");
    let body = {
        let w = k.wait(7 * 86_400);
        let s = k.step(StepKind::Send(tip));
        k.block(vec![w, s])
    };
    let named = {
        let w = k.wait(2 * 86_400);
        let s = k.step(StepKind::Send(nudge));
        k.block(vec![w, s])
    };
    let steps = vec![
        k.step(StepKind::Repeat { times: 3, body }),
        k.step(StepKind::Named {
            name: "again".into(),
            body: named,
        }),
        k.step(StepKind::Goto {
            target: "again".into(),
        }),
    ];
    let c = k.campaign("loops", on_event(v.cart_abandoned), steps);
    (k, c)
}

#[test]
fn repeat_and_goto() {
    let (k, c) = loops();
    let plan = k.plan(c);
    assert_eq!(
        ids(&plan),
        [
            "repeat",
            "repeat.wait",
            "repeat.send-tip",
            "again",
            "again.wait",
            "again.send-nudge",
            "goto-again",
            "@end"
        ]
    );
    let send = plan.node("repeat.send-tip").unwrap();
    assert_eq!(send.successors[0].to, "repeat");
    assert!(send.successors[0].loop_back);
    let json = serde_json::to_value(send).unwrap();
    assert_eq!(json["successors"][0]["loop"], true);
    let rep = plan.node("repeat").unwrap();
    assert_eq!(rep.successors[1].label, EdgeLabel::Done);
    assert_eq!(rep.successors[1].to, "again");
    // The third iteration starts after two weeks at the earliest.
    let wait = plan.node("repeat.wait").unwrap();
    assert_eq!(
        wait.kind,
        NodeKind::Wait {
            seconds: 7 * 86_400
        }
    );
    assert_eq!(wait.earliest, 0);
    assert!(wait.latest.is_some());
    let again = plan.node("again").unwrap();
    assert_eq!(again.earliest, 3 * 7 * 86_400);
    // The goto loop takes time and sends: unbounded.
    assert_eq!(again.latest, None);
    assert_eq!(plan.max_sends_per_person, None);
    let g = plan.node("goto-again").unwrap();
    assert_eq!(g.successors[0].to, "again");
    assert_eq!(g.successors[0].label, EdgeLabel::Jump);
}

#[test]
fn repeat_counts_multiply_sends() {
    let (mut k, c) = loops();
    // Drop the goto: 3 tips and one nudge.
    k.campaign_mut(c).journey.steps.pop();
    let plan = k.plan(c);
    assert_eq!(plan.max_sends_per_person, Some(4));
    let end = plan.node("@end").unwrap();
    assert_eq!(end.earliest, 3 * 7 * 86_400 + 2 * 86_400);
    // Three tips may each wait out 11h of quiet hours.
    assert_eq!(end.latest, Some(end.earliest + 3 * 11 * 3_600));
}

/// Ids and kinds of a plan's nodes, in order.
fn id_kinds(plan: &Plan) -> Vec<(String, NodeKind)> {
    plan.nodes
        .iter()
        .map(|n| (n.id.clone(), n.kind.clone()))
        .collect()
}

/// The ids and kinds of `cart_recovery`'s plan after `edit` changed its
/// journey.
fn cart_recovery_after(
    edit: impl FnOnce(&mut ProgramBuilder, &mut model::Block),
) -> Vec<(String, NodeKind)> {
    let (mut k, c) = cart_recovery();
    let mut journey = k.campaign_mut(c).journey.clone();
    edit(&mut k, &mut journey);
    k.campaign_mut(c).journey = journey;
    id_kinds(&k.plan(c))
}

/// The `wait for` of `cart_recovery` (its 6th step), and its id.
const WF: &str = "waitfor-clicked-cart_coupon_20";
fn wait_for_blocks(journey: &mut model::Block) -> (&mut model::Block, &mut model::Block) {
    let StepKind::WaitFor {
        then: Some(then),
        otherwise: Some(otherwise),
        ..
    } = &mut journey.steps[5].kind
    else {
        panic!("the 6th step of cart_recovery is a wait for with both blocks")
    };
    (then, otherwise)
}

/// Ids are the journey graph's, keyed by what each step is: adding a step
/// anywhere changes no other node's id, except that later steps of the same
/// kind in the same block count one up (`~2`, `~3`, ...), with what is
/// inside them. All `wait`s are one kind, whatever their durations, and all
/// `wait until`s another.
#[test]
fn adding_a_step_changes_no_other_id_except_later_same_kind_siblings() {
    let before = cart_recovery_after(|_, _| {});
    let ten_am = || NodeKind::WaitUntil {
        on: None,
        at: "10:00".into(),
    };
    let top_level = |id: &str| !id.contains('.') && id != "@end";
    let n_top = before.iter().filter(|(id, _)| top_level(id)).count();
    assert_eq!(n_top, 6);
    // Where a step inserted at `pos` of the top level lands in `before`.
    let top_at = |pos: usize| {
        before
            .iter()
            .enumerate()
            .filter(|(_, (id, _))| top_level(id))
            .map(|(i, _)| i)
            .nth(pos)
            .unwrap_or(before.len() - 1)
    };

    // A step of a kind not in the block (cart_recovery has no `wait
    // until`), at every position of the top level (even at the top, where
    // positional ids would renumber it all): every other node keeps its id,
    // and the new one is just inserted.
    for pos in 0..=n_top {
        let after = cart_recovery_after(|k, j| {
            let w = k.wait_until(None, 10 * 60);
            j.steps.insert(pos, w);
        });
        let mut want = before.clone();
        want.insert(top_at(pos), ("until".into(), ten_am()));
        assert_eq!(after, want, "inserted at {pos}");
    }

    // The same inside a block: at the top of the `wait for`'s `then`.
    let after = cart_recovery_after(|k, j| {
        let w = k.wait_until(None, 10 * 60);
        wait_for_blocks(j).0.steps.insert(0, w);
    });
    let at = before
        .iter()
        .position(|(id, _)| id == &format!("{WF}.then.wait"))
        .unwrap();
    let mut want = before.clone();
    want.insert(at, (format!("{WF}.then.until"), ten_am()));
    assert_eq!(after, want);

    // A step of a kind already in the block: the later steps of that kind
    // (only) count one up. A `wait 10m` is of the same kind as the `wait
    // 1h` and `wait 1d` of the top level; the `wait 1d` in the `wait for`'s
    // `then` is in another block and keeps its id.
    let ten_minutes = || NodeKind::Wait { seconds: 600 };
    let one_hour = || NodeKind::Wait { seconds: 3_600 };
    let one_day = || NodeKind::Wait { seconds: 86_400 };
    let top_waits = |plan: &[(String, NodeKind)]| {
        plan.iter()
            .filter(|(id, kind)| top_level(id) && matches!(kind, NodeKind::Wait { .. }))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        top_waits(&before),
        [("wait".into(), one_hour()), ("wait~2".into(), one_day())]
    );
    for (pos, renamed, new_id, waits) in [
        // Before both: both count up.
        (
            0,
            &[("wait", "wait~2"), ("wait~2", "wait~3")][..],
            "wait",
            [
                ("wait", ten_minutes()),
                ("wait~2", one_hour()),
                ("wait~3", one_day()),
            ],
        ),
        // Between them: only the later one counts up.
        (
            2,
            &[("wait~2", "wait~3")][..],
            "wait~2",
            [
                ("wait", one_hour()),
                ("wait~2", ten_minutes()),
                ("wait~3", one_day()),
            ],
        ),
        // After both: nothing else changes.
        (
            n_top,
            &[][..],
            "wait~3",
            [
                ("wait", one_hour()),
                ("wait~2", one_day()),
                ("wait~3", ten_minutes()),
            ],
        ),
    ] {
        let after = cart_recovery_after(|k, j| {
            let w = k.wait(600);
            j.steps.insert(pos, w);
        });
        let mut want = before.clone();
        for (id, _) in &mut want {
            if let Some((_, to)) = renamed.iter().find(|(from, _)| id == from) {
                *id = to.to_string();
            }
        }
        want.insert(top_at(pos), (new_id.into(), ten_minutes()));
        assert_eq!(after, want, "wait inserted at {pos}");
        assert_eq!(
            top_waits(&after),
            waits.map(|(id, kind)| (id.to_string(), kind)),
            "wait inserted at {pos}"
        );
        assert!(after.contains(&(format!("{WF}.then.wait"), one_day())));
    }

    // A compound step before one of the same kind: the later one becomes
    // `~2` and so does everything inside it; nothing else changes.
    let after = cart_recovery_after(|k, j| {
        let otherwise = wait_for_blocks(j).1;
        let StepKind::If { arms, .. } = &otherwise.steps[0].kind else {
            panic!("the otherwise block starts with an if")
        };
        let cond = arms[0].0.clone();
        let e = k.step(StepKind::Exit);
        let then = k.block(vec![e]);
        let iff = k.step(StepKind::If {
            arms: vec![(cond, then)],
            otherwise: None,
        });
        otherwise.steps.insert(0, iff);
    });
    let old_if = format!("{WF}.otherwise.if");
    let at = before.iter().position(|(id, _)| id == &old_if).unwrap();
    let mut want = before.clone();
    for (id, _) in &mut want {
        if let Some(rest) = id.strip_prefix(&old_if) {
            *id = format!("{old_if}~2{rest}");
        }
    }
    want.insert(at, (format!("{old_if}.then.exit"), NodeKind::Exit));
    want.insert(at, (old_if.clone(), NodeKind::Branch));
    assert_eq!(after, want);
    assert_eq!(
        after[at..at + 5]
            .iter()
            .map(|(id, _)| id.strip_prefix(WF).unwrap())
            .collect::<Vec<_>>(),
        [
            ".otherwise.if",
            ".otherwise.if.then.exit",
            ".otherwise.if~2",
            ".otherwise.if~2.then.send-cart_coupon_40_sms",
            ".otherwise.if~2.else.send-cart_coupon_40",
        ]
    );
}

/// A wait's duration and a `wait until`'s time of day are parameters, not
/// what the step is: editing them keeps every id (people waiting there
/// stay, `omnis diff` reports the step as changed), and only those nodes'
/// kinds change.
#[test]
fn editing_a_wait_s_duration_or_time_keeps_every_id() {
    let until = |k: &mut ProgramBuilder, weekday, minutes| k.wait_until(weekday, minutes);
    let before = cart_recovery_after(|k, j| {
        let u = until(k, None, 9 * 60);
        j.steps.insert(1, u);
    });
    let after = cart_recovery_after(|k, j| {
        for (i, seconds) in [(0, 2 * 3_600), (2, 2 * 86_400)] {
            let StepKind::Delay(model::Delay::For(d)) = &mut j.steps[i].kind else {
                panic!("step {i} of cart_recovery is a wait")
            };
            d.seconds = seconds;
        }
        let StepKind::Delay(model::Delay::For(d)) = &mut wait_for_blocks(j).0.steps[0].kind else {
            panic!("the wait for's then block starts with a wait")
        };
        d.seconds = 12 * 3_600;
        let u = until(k, Some(model::Weekday::Mon), 10 * 60 + 30);
        j.steps.insert(1, u);
    });
    let ids =
        |plan: &[(String, NodeKind)]| plan.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&after), ids(&before));
    let changed: Vec<_> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b != a)
        .map(|((id, b), (_, a))| (id.as_str(), b.clone(), a.clone()))
        .collect();
    assert_eq!(
        changed,
        [
            (
                "wait",
                NodeKind::Wait { seconds: 3_600 },
                NodeKind::Wait { seconds: 7_200 }
            ),
            (
                "until",
                NodeKind::WaitUntil {
                    on: None,
                    at: "09:00".into()
                },
                NodeKind::WaitUntil {
                    on: Some(Weekday::Mon),
                    at: "10:30".into()
                }
            ),
            (
                "wait~2",
                NodeKind::Wait { seconds: 86_400 },
                NodeKind::Wait {
                    seconds: 2 * 86_400
                }
            ),
            (
                "waitfor-clicked-cart_coupon_20.then.wait",
                NodeKind::Wait { seconds: 86_400 },
                NodeKind::Wait {
                    seconds: 12 * 3_600
                }
            ),
        ]
    );
}

#[test]
fn times_of_day_parse() {
    assert_eq!(parse_time_of_day("21:00"), Some(1260));
    assert_eq!(parse_time_of_day("24:00"), None);
}
