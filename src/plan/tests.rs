use super::testkit::*;
use super::*;
use crate::model::{self, StepKind, Trigger as MTrigger};

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
            "s1",
            "s2",
            "s3",
            "s4",
            "s5",
            "s6",
            "s6.then.s1",
            "s6.then.s2",
            "s6.otherwise.s1",
            "s6.otherwise.s1.then.s1",
            "s6.otherwise.s1.else.s1",
            "@end",
        ]
    );
    assert_eq!(plan.entry, "s1");
    let wf = plan.node("s6").unwrap();
    assert_eq!(
        wf.successors
            .iter()
            .map(|e| (e.label.name(), e.to.as_str()))
            .collect::<Vec<_>>(),
        [("event", "s6.then.s1"), ("timeout", "s6.otherwise.s1"),]
    );
    // Timing: 1h, then the reminder may wait out the 11h of quiet hours.
    assert_eq!(plan.node("s2").unwrap().earliest, 3_600);
    let w = plan.node("s3").unwrap();
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
fn expressions_are_typed_trees_with_segments_expanded() {
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
        serde_json::json!({
            "op": "segment", "name": "emailable",
            "arg": {"op": "and", "args": [
                {"op": "cmp", "cmp": "==", "left": {"attr": "email_opt_in", "type": "bool"}, "right": {"const": true}},
                {"op": "is_set", "value": {"attr": "email", "type": "text"}}
            ]}
        })
    );
    assert_eq!(
        json["audience"]["args"][1]["arg"]["arg"],
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

#[test]
fn committed_schema_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/plan.schema.json");
    let want = schema_json();
    if std::env::var_os("OMNIS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "schema/plan.schema.json is out of date with the plan types in src/plan/mod.rs; \
         regenerate it with `OMNIS_BLESS=1 cargo test committed_schema_is_up_to_date` \
         and commit the result"
    );
}

/// A journey with loops, to check ids and the analysis.
fn loops() -> (Kit, model::CampaignId) {
    let mut k = Kit::new();
    let v = vocab(&mut k);
    let tip = k.message("tip", v.email_ch, "tip");
    let nudge = k.message("nudge", v.ads_ch, "nudge");
    let body = {
        let w = k.step(StepKind::Wait {
            seconds: 7 * 86_400,
        });
        let s = k.step(StepKind::Send(tip));
        k.block(vec![w, s])
    };
    let named = {
        let w = k.step(StepKind::Wait {
            seconds: 2 * 86_400,
        });
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
    let c = k.campaign(
        "loops",
        MTrigger::Event {
            event: v.cart_abandoned,
            filter: None,
        },
        steps,
    );
    (k, c)
}

#[test]
fn repeat_and_goto() {
    let (k, c) = loops();
    let plan = k.plan(c);
    assert_eq!(
        ids(&plan),
        ["s1", "s1.s1", "s1.s2", "again", "again.s1", "again.s2", "s3", "@end"]
    );
    let send = plan.node("s1.s2").unwrap();
    assert_eq!(send.successors[0].to, "s1");
    assert!(send.successors[0].loop_back);
    let json = serde_json::to_value(send).unwrap();
    assert_eq!(json["successors"][0]["loop"], true);
    let rep = plan.node("s1").unwrap();
    assert_eq!(rep.successors[1].label, EdgeLabel::Done);
    assert_eq!(rep.successors[1].to, "again");
    // The third iteration starts after two weeks at the earliest.
    let wait = plan.node("s1.s1").unwrap();
    assert_eq!(wait.earliest, 0);
    assert!(wait.latest.is_some());
    let again = plan.node("again").unwrap();
    assert_eq!(again.earliest, 3 * 7 * 86_400);
    // The goto loop takes time and sends: unbounded.
    assert_eq!(again.latest, None);
    assert_eq!(plan.max_sends_per_person, None);
    let g = plan.node("s3").unwrap();
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

/// Ids are the journey graph's: positional within a block, so adding a
/// step renumbers the steps after it in the same block (and what is inside
/// them), and nothing before it or in other blocks.
#[test]
fn adding_a_step_renumbers_only_later_siblings() {
    let (k, c) = cart_recovery();
    let before: Vec<String> = ids(&k.plan(c)).iter().map(|s| s.to_string()).collect();
    let (mut k, c) = cart_recovery();
    let extra = k.step(StepKind::Wait { seconds: 600 });
    k.campaign_mut(c).journey.steps.insert(2, extra);
    let plan = k.plan(c);
    let after = ids(&plan);
    assert_eq!(after[..2], before[..2]);
    assert_eq!(after[2], "s3");
    assert_eq!(
        plan.node("s3").unwrap().kind,
        NodeKind::Wait { seconds: 600 }
    );
    assert_eq!(
        plan.node("s4").unwrap().kind,
        NodeKind::Wait { seconds: 86_400 }
    );
    assert_eq!(after.len(), before.len() + 1);
}

#[test]
fn durations_and_times_format() {
    assert_eq!(format_duration(129_600), "1d12h");
    assert_eq!(format_duration(1_209_600), "2w");
    assert_eq!(format_duration(90), "1m30s");
    assert_eq!(format_time_of_day(9 * 60 + 5), "09:05");
    assert_eq!(parse_time_of_day("21:00"), Some(1260));
    assert_eq!(parse_time_of_day("24:00"), None);
}
