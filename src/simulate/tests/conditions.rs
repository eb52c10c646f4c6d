//! Triggers and conditions: segment entries, schedules, branches, `did`.

use super::*;
use crate::model::{self, CmpOp, CondKind, StepKind, Type, Value as MValue};

fn segment_trigger() -> Plan {
    let mut k = ProgramBuilder::with_source();
    let v = vocab(&mut k);
    let big = k.segment(
        "big_spenders",
        cmp(MValue::Attr(v.lifetime_value), CmpOp::Ge, num(500.0)),
    );
    let m = k.message_with("welcome", v.ads_ch, "w");
    let steps = vec![k.step(StepKind::Send(m))];
    let c = k.campaign("vip", model::Trigger::Enters(big), steps);
    k.campaign_mut(c).reentry = model::Reentry::Always;
    k.plan(c)
}

#[test]
fn entering_a_segment_triggers() {
    let plan = segment_trigger();
    let got = lines(
        &plan,
        r#"person: { id: "p1", attributes: { lifetime_value: 100 } }
events:
  - { at: "2026-11-20T12:00:00Z", set: { lifetime_value: 600 } }
  - { at: "2026-11-21T12:00:00Z", set: { lifetime_value: 700 } }
  - { at: "2026-11-22T12:00:00Z", set: { lifetime_value: 10 } }
  - { at: "2026-11-23T12:00:00Z", set: { lifetime_value: 800 } }
"#,
    );
    assert_eq!(
        got,
        [
            "2026-11-20T12:00:00Z entered",
            "2026-11-20T12:00:00Z send welcome (social_ads)",
            "2026-11-20T12:00:00Z completed",
            "2026-11-23T12:00:00Z entered",
            "2026-11-23T12:00:00Z send welcome (social_ads)",
            "2026-11-23T12:00:00Z completed",
        ]
    );
    // Already in the segment at the start: no entry.
    let got = lines(
        &plan,
        "person: { id: p1, attributes: { lifetime_value: 900 } }\nstart: \"2026-11-20T00:00:00Z\"\n",
    );
    assert!(got.is_empty());
}

#[test]
fn lapsing_out_of_a_did_within_segment_is_seen_as_time_passes() {
    let mut k = ProgramBuilder::with_source();
    let v = vocab(&mut k);
    let lapsed = k.segment(
        "lapsed",
        cond(CondKind::Not(Box::new(cond(CondKind::Segment(
            v.recent_buyers,
        ))))),
    );
    let m = k.message_with("miss_you", v.ads_ch, "w");
    let steps = vec![k.step(StepKind::Send(m))];
    let c = k.campaign("winback", model::Trigger::Enters(lapsed), steps);
    let got = lines(
        &k.plan(c),
        r#"person: { id: "p1" }
events:
  - { at: "2026-10-01T12:00:00Z", event: order_placed, fields: { total: 5 } }
"#,
    );
    // 30 days after the order (and a second) the person lapses.
    assert_eq!(got[0], "2026-10-31T12:00:01Z entered");
}

#[test]
fn scheduled_triggers_fire_in_the_persons_time_zone() {
    let mut k = ProgramBuilder::with_source();
    let v = vocab(&mut k);
    k.attr("timezone", Type::Text);
    let m = k.message_with("digest", v.ads_ch, "d");
    let steps = vec![k.step(StepKind::Send(m))];
    let c = k.campaign("daily", model::Trigger::Daily { minutes: 9 * 60 }, steps);
    k.campaign_mut(c).reentry = model::Reentry::Always;
    let plan = k.plan(c);
    let got = lines(
        &plan,
        r#"person: { id: "p1", attributes: { timezone: "Asia/Tokyo" } }
start: "2026-11-20T00:00:00Z"
until: "2026-11-22T00:00:00Z"
"#,
    );
    assert_eq!(
        got.iter()
            .filter(|l| l.contains("send"))
            .collect::<Vec<_>>(),
        [
            "2026-11-20T00:00:00Z send digest (social_ads)",
            "2026-11-21T00:00:00Z send digest (social_ads)",
            "2026-11-22T00:00:00Z send digest (social_ads)"
        ]
    );
    let once = {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        k.campaign_mut(c).trigger = model::Trigger::Once {
            date: d,
            minutes: 8 * 60,
        };
        k.plan(c)
    };
    let got = lines(&once, "person: { id: p1 }\n");
    assert_eq!(got[0], "2026-11-27T08:00:00Z entered");
}

#[test]
fn branches_read_attributes_when_reached() {
    let (k, c) = mini(|k, v| {
        let a = k.message_with("rich", v.ads_ch, "a");
        let b = k.message_with("other", v.ads_ch, "b");
        let then = {
            let s = k.step(StepKind::Send(a));
            k.block(vec![s])
        };
        let otherwise = {
            let s = k.step(StepKind::Send(b));
            k.block(vec![s])
        };
        let not_rich = cond(CondKind::Not(Box::new(cmp(
            MValue::Attr(v.lifetime_value),
            CmpOp::Ne,
            num(0.0),
        ))));
        let empty = k.block(vec![]);
        vec![
            k.wait(60),
            k.step(StepKind::If {
                arms: vec![(
                    cmp(MValue::Attr(v.lifetime_value), CmpOp::Ge, num(500.0)),
                    then,
                )],
                otherwise: Some(otherwise),
            }),
            k.step(StepKind::If {
                arms: vec![(not_rich, empty)],
                otherwise: None,
            }),
        ]
    });
    let plan = k.plan(c);
    let got = lines(
        &plan,
        r#"person: { id: "p1", attributes: { lifetime_value: 10 } }
events:
  - { at: "2026-11-20T12:00:00Z", event: cart_abandoned }
  - { at: "2026-11-20T12:00:30Z", set: { lifetime_value: 900 } }
"#,
    );
    assert_eq!(got[1], "2026-11-20T12:01:00Z send rich (social_ads)");
}

#[test]
fn did_counts_history_within_a_window() {
    let mut k = ProgramBuilder::with_source();
    let v = vocab(&mut k);
    let m = k.message_with("loyal", v.ads_ch, "l");
    let steps = vec![k.step(StepKind::Send(m))];
    let c = k.campaign("loyal", on_event(v.cart_abandoned), steps);
    k.campaign_mut(c).reentry = model::Reentry::Always;
    k.campaign_mut(c).audience = Some(cond(CondKind::Did {
        event: v.order_placed,
        filter: Some(Box::new(cmp(
            MValue::EventField(v.order_placed, 1),
            CmpOp::Ge,
            num(50.0),
        ))),
        window: model::DidWindow::Within(7 * 86_400),
        at_least: 2,
    }));
    let got = lines(
        &k.plan(c),
        r#"person: { id: p1 }
events:
  - { at: "2026-11-01T00:00:00Z", event: order_placed, fields: { total: 60 } }
  - { at: "2026-11-02T00:00:00Z", event: order_placed, fields: { total: 10 } }
  - { at: "2026-11-03T00:00:00Z", event: order_placed, fields: { total: 70 } }
  - { at: "2026-11-04T00:00:00Z", event: cart_abandoned }
  - { at: "2026-11-08T00:00:01Z", event: cart_abandoned }
"#,
    );
    let entered: Vec<_> = got.iter().filter(|l| l.ends_with("entered")).collect();
    assert_eq!(entered, ["2026-11-04T00:00:00Z entered"]);
}

/// The plan of campaign `name` from sources given as text.
fn plan_from_source(text: &str, name: &str) -> Plan {
    let a = crate::driver::analyze_source(text).expect("analyzes");
    assert!(!a.has_errors(), "{:?}", a.diagnostics);
    let i = a
        .program
        .campaigns
        .iter()
        .position(|c| c.name == name)
        .expect("campaign");
    crate::plan::emit::emit(&a.program, model::CampaignId(i as u32), &a.sources)
}

const HISTORY: &str = r#"
profile { email_opt_in: bool  email: text }
event cart_abandoned { value: number }
event order_placed { total: number }
channel email { consent email_opt_in }
channel sms { kind sms }
message reminder { channel email  template "r" }
message nudge { channel email  template "n" }
message text_nudge { channel sms  template "t" }
campaign smart {
  trigger cart_abandoned
  goal order_placed
  audience not received any email within 16h
  reentry always
  journey {
    send reminder
    if not received any email within 1h {
      send nudge
    }
    wait 2h
    if received reminder since entry and not received any email within 1h {
      send nudge
    }
    if opened any email within 1d and not received text_nudge {
      send text_nudge
    }
  }
}
"#;

#[test]
fn history_conditions_read_every_send_and_open() {
    let plan = plan_from_source(HISTORY, "smart");
    let got = lines(
        &plan,
        r#"person: { id: "p1", attributes: { email_opt_in: true, email: "a@example.com" } }
events:
  - { at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { value: 5 } }
  - { at: "2026-11-20T10:30:00Z", opened: reminder }
  - { at: "2026-11-20T20:00:00Z", event: cart_abandoned, fields: { value: 5 } }
  - { at: "2026-11-21T03:00:00Z", event: cart_abandoned, fields: { value: 5 } }
  - { at: "2026-11-21T04:30:00Z", event: cart_abandoned, fields: { value: 5 } }
"#,
    );
    assert_eq!(
        got,
        [
            "2026-11-20T10:00:00Z entered",
            "2026-11-20T10:00:00Z send reminder (email)",
            "2026-11-20T12:00:00Z send nudge (email)",
            "2026-11-20T12:00:00Z send text_nudge (sms)",
            "2026-11-20T12:00:00Z completed",
            // The second cart comes 8h after the last email: smart sending
            // keeps them out; the third, 15h after it, too; not the fourth.
            "2026-11-21T04:30:00Z entered",
            "2026-11-21T04:30:00Z send reminder (email)",
            "2026-11-21T06:30:00Z send nudge (email)",
            "2026-11-21T06:30:00Z completed",
        ]
    );
}

/// Two campaigns on one event: entry order by priority, `in campaign`
/// guards, and a channel limit counted across both.
fn pair(guard_priority: u8) -> String {
    format!(
        r#"
event cart_abandoned {{ value: number }}
channel sms {{ kind sms  limit 1 per 1d }}
message a_text {{ channel sms  template "a" }}
message b_text {{ channel sms  template "b" }}
campaign a_flow {{
  trigger cart_abandoned
  audience not in campaign b_flow
  journey {{ send a_text }}
}}
campaign b_flow {{
  trigger cart_abandoned
  priority {guard_priority}
  journey {{
    wait 1h
    send b_text
  }}
}}
"#
    )
}

fn project_lines(text: &str) -> Vec<String> {
    let a = crate::driver::analyze_source(text).expect("analyzes");
    assert!(!a.has_errors(), "{:?}", a.diagnostics);
    let plans = crate::plan::emit::emit_all(&a.program, &a.sources);
    let sim = crate::simulate::ProjectSimulator::new(&plans).unwrap();
    let scenario = Scenario::from_yaml(
        "person: { id: p1 }\nevents:\n  - { at: \"2026-11-20T10:00:00Z\", event: cart_abandoned, fields: { value: 5 } }\n",
    )
    .unwrap();
    let t = sim.run(&sim.prepare(&scenario).unwrap());
    t[0].lines()
}

#[test]
fn campaigns_enter_by_priority_and_share_channel_limits() {
    // b_flow first (higher priority): a_flow's guard keeps the person out.
    assert_eq!(
        project_lines(&pair(10)),
        [
            "2026-11-20T10:00:00Z b_flow: entered",
            "2026-11-20T11:00:00Z b_flow: send b_text (sms)",
            "2026-11-20T11:00:00Z b_flow: completed",
        ]
    );
    // Equal priority: by name, a_flow first, the guard sees nothing; the
    // channel's one text a day is a_flow's, so b_flow's is skipped.
    assert_eq!(
        project_lines(&pair(0)),
        [
            "2026-11-20T10:00:00Z a_flow: entered",
            "2026-11-20T10:00:00Z a_flow: send a_text (sms)",
            "2026-11-20T10:00:00Z a_flow: completed",
            "2026-11-20T10:00:00Z b_flow: entered",
            "2026-11-20T11:00:00Z b_flow: skip b_text (sms): channel_limit",
            "2026-11-20T11:00:00Z b_flow: completed",
        ]
    );
}
