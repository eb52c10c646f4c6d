use super::*;
use crate::model::{
    self, AttrId, CampaignId, CmpOp, LimitSpec, SplitArm, StepKind, Type, Value as MValue, WaitOn,
};
use crate::plan::testkit::*;
use crate::runtime::split_bucket;

fn lines(plan: &Plan, yaml: &str) -> Vec<String> {
    let scenario = Scenario::from_yaml(yaml).expect("scenario parses");
    let t = simulate(plan, &scenario).expect("simulates");
    t[0].entries.iter().map(Entry::human).collect()
}

const OPTED_IN: &str = r#"person: { id: "p1", attributes: { email_opt_in: true, email: "a@example.com", sms_opt_in: false } }"#;

/// A scenario: the [`OPTED_IN`] person and `events` (YAML flow maps).
fn opted_in(events: &[&str]) -> String {
    let events: String = events.iter().map(|e| format!("  - {e}\n")).collect();
    format!("{OPTED_IN}\nevents:\n{events}")
}

fn cart_plan() -> Plan {
    let (k, c) = cart_recovery();
    k.plan(c)
}

#[test]
fn cart_recovery_converts_after_the_click() {
    let got = lines(
        &cart_plan(),
        &opted_in(&[
            r#"{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { cart_id: "c1", value: 80 } }"#,
            r#"{ at: "2026-11-21T11:30:00Z", clicked: cart_coupon_20 }"#,
            r#"{ at: "2026-11-21T16:00:00Z", event: order_placed, fields: { order_id: "o1", total: 80 } }"#,
        ]),
    );
    assert_eq!(
        got,
        [
            "2026-11-20T10:00:00Z entered",
            "2026-11-20T11:00:00Z send cart_reminder (email)",
            "2026-11-21T11:00:00Z send cart_coupon_20 (email)",
            "2026-11-21T11:00:00Z send cart_retargeting (social_ads)",
            "2026-11-21T16:00:00Z converted order_placed",
        ]
    );
}

#[test]
fn trigger_filter_and_audience_gate_entry() {
    let plan = cart_plan();
    // value below 20: the filter fails.
    let low = lines(
        &plan,
        &opted_in(&[
            r#"{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { value: 5 } }"#,
        ]),
    );
    assert!(low.is_empty(), "{low:?}");
    // A recent buyer is not in the audience.
    let buyer = lines(
        &plan,
        &opted_in(&[
            r#"{ at: "2026-11-01T10:00:00Z", event: order_placed, fields: { total: 10 } }"#,
            r#"{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { value: 50 } }"#,
        ]),
    );
    assert!(buyer.is_empty(), "{buyer:?}");
    // No email address: not emailable.
    let no_email = lines(
        &plan,
        "person: { id: p2, attributes: { email_opt_in: true } }\nevents:\n  - { at: \"2026-11-20T10:00:00Z\", event: cart_abandoned, fields: { value: 50 } }\n",
    );
    assert!(no_email.is_empty());
}

#[test]
fn quiet_hours_delay_a_send_and_the_person_stays_on_it() {
    let got = lines(
        &cart_plan(),
        &opted_in(&[
            r#"{ at: "2026-11-20T20:30:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
            r#"{ at: "2026-11-21T07:00:00Z", event: order_placed, fields: { total: 80 } }"#,
        ]),
    );
    // 21:30 is quiet (21:00-08:00): the reminder waits for 08:00, and the
    // order at 07:00 ends the journey while it waits.
    assert_eq!(
        got,
        [
            "2026-11-20T20:30:00Z entered",
            "2026-11-21T07:00:00Z converted order_placed",
        ]
    );
    let got = lines(
        &cart_plan(),
        &opted_in(&[
            r#"{ at: "2026-11-20T20:30:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
        ]),
    );
    assert_eq!(got[1], "2026-11-21T08:00:00Z send cart_reminder (email)");
    // The next wait starts when the send went out.
    assert_eq!(got[2], "2026-11-22T08:00:00Z send cart_coupon_20 (email)");
}

#[test]
fn campaign_quiet_hours_hold_a_send_until_the_channel_s_and_its_own_allow_it() {
    let mut plan = cart_plan();
    plan.quiet_hours = Some(crate::plan::QuietHours {
        from: "07:00".into(),
        to: "10:00".into(),
    });
    let got = lines(
        &plan,
        &opted_in(&[
            r#"{ at: "2026-11-20T20:30:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
        ]),
    );
    // Due at 21:30: the channel holds it to 08:00, then the campaign to 10:00.
    assert_eq!(got[1], "2026-11-21T10:00:00Z send cart_reminder (email)");
    assert_eq!(got[2], "2026-11-22T10:00:00Z send cart_coupon_20 (email)");
}

#[test]
fn consent_withdrawn_skips_the_send() {
    let got = lines(
        &cart_plan(),
        &opted_in(&[
            r#"{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
            r#"{ at: "2026-11-20T10:30:00Z", set: { email_opt_in: false } }"#,
            r#"{ at: "2026-11-20T10:45:00Z", set: { email_opt_in: null } }"#,
        ]),
    );
    assert_eq!(
        got[1],
        "2026-11-20T11:00:00Z skip cart_reminder (email): no_consent"
    );
    // Ads need no consent.
    assert_eq!(
        got[3],
        "2026-11-21T11:00:00Z send cart_retargeting (social_ads)"
    );
    // No click: the otherwise branch; not textable; coupon 40 skipped too.
    assert_eq!(
        got[4..],
        [
            "2026-11-24T11:00:00Z skip cart_coupon_40 (email): no_consent",
            "2026-11-24T11:00:00Z completed",
        ]
    );
}

/// A campaign triggered by `cart_abandoned` running `steps`.
fn mini(
    build: impl FnOnce(&mut ProgramBuilder, &Vocab) -> Vec<model::Step>,
) -> (ProgramBuilder, CampaignId) {
    let mut k = ProgramBuilder::with_source();
    let v = vocab(&mut k);
    let steps = build(&mut k, &v);
    let c = k.campaign("mini", on_event(v.cart_abandoned), steps);
    let loc = k.loc();
    let camp = k.campaign_mut(c);
    camp.goal = Some((v.order_placed, loc));
    camp.exits = vec![(v.unsubscribed, loc)];
    (k, c)
}

const TRIGGER_AT_NOON: &str = r#"person: { id: "p1", attributes: { email_opt_in: true, sms_opt_in: true } }
events:
  - { at: "2026-11-20T12:00:00Z", event: cart_abandoned, fields: { value: 80 } }
"#;

#[test]
fn limits_skip_sends_that_would_exceed_them() {
    let (mut k, c) = mini(|k, v| {
        let a = k.message_with("a", v.email_ch, "a");
        let b = k.message_with("b", v.email_ch, "b");
        let s1 = k.message_with("s1", v.sms_ch, "s1");
        let s2 = k.message_with("s2", v.sms_ch, "s2");
        vec![
            k.step(StepKind::Send(a)),
            k.step(StepKind::Send(b)),
            k.wait(3_600),
            k.step(StepKind::Send(s1)),
            k.step(StepKind::Send(s2)),
            k.wait(86_400),
            k.step(StepKind::Send(s2)),
        ]
    });
    let loc = k.loc();
    k.campaign_mut(c).limits = vec![LimitSpec {
        count: 4,
        per_seconds: 86_400,
        loc,
    }];
    let got = lines(&k.plan(c), TRIGGER_AT_NOON);
    assert_eq!(
        got,
        [
            "2026-11-20T12:00:00Z entered",
            "2026-11-20T12:00:00Z send a (email)",
            "2026-11-20T12:00:00Z send b (email)",
            "2026-11-20T13:00:00Z send s1 (sms)",
            // sms: limit 1 per 1d.
            "2026-11-20T13:00:00Z skip s2 (sms): channel_limit",
            // Exactly a day after s1: a span of 1d is not shorter than 1d.
            "2026-11-21T13:00:00Z send s2 (sms)",
            "2026-11-21T13:00:00Z completed",
        ]
    );
    // A campaign limit of 2 per 1d: the third send is skipped.
    let loc = k.loc();
    k.campaign_mut(c).limits = vec![LimitSpec {
        count: 2,
        per_seconds: 86_400,
        loc,
    }];
    let got = lines(&k.plan(c), TRIGGER_AT_NOON);
    assert_eq!(got[3], "2026-11-20T13:00:00Z skip s1 (sms): campaign_limit");
    // Skipped sends do not count.
    assert_eq!(got[4], "2026-11-20T13:00:00Z skip s2 (sms): campaign_limit");
    assert_eq!(got[5], "2026-11-21T13:00:00Z send s2 (sms)");
}

#[test]
fn goal_and_exit_events_end_the_journey_at_any_moment() {
    let plan = cart_plan();
    let got = lines(
        &plan,
        &opted_in(&[
            r#"{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
            r#"{ at: "2026-11-20T10:30:00Z", event: order_placed, fields: { total: 80 } }"#,
        ]),
    );
    assert_eq!(got[1], "2026-11-20T10:30:00Z converted order_placed");
    assert_eq!(got.len(), 2);
    let got = lines(
        &plan,
        &opted_in(&[
            r#"{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
            r#"{ at: "2026-11-22T09:00:00Z", event: unsubscribed, fields: { channel: email } }"#,
        ]),
    );
    assert_eq!(
        got.last().unwrap(),
        "2026-11-22T09:00:00Z exited exit_event: unsubscribed"
    );
    // A goal at the very second a wait ends comes first.
    let got = lines(
        &plan,
        &opted_in(&[
            r#"{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
            r#"{ at: "2026-11-20T11:00:00Z", event: order_placed, fields: { total: 80 } }"#,
        ]),
    );
    assert_eq!(got[1..], ["2026-11-20T11:00:00Z converted order_placed"]);
}

#[test]
fn the_window_close_ends_journeys_and_entries() {
    let (mut k, c) = cart_recovery();
    let loc = k.loc();
    let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    k.campaign_mut(c).window = Some((d("2026-11-20"), d("2026-11-21"), loc));
    k.campaign_mut(c).timezone = Some("Europe/Riga".into());
    let plan = k.plan(c);
    let w = plan.window.as_ref().unwrap();
    assert_eq!(w.opens_at, "2026-11-19T22:00:00Z");
    assert_eq!(w.closes_at, "2026-11-21T22:00:00Z");
    let got = lines(
        &plan,
        &opted_in(&[
            r#"{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
        ]),
    );
    assert_eq!(
        got.last().unwrap(),
        "2026-11-21T22:00:00Z exited window_closed"
    );
    // Before the window opens, or after it closes: no entry.
    for at in ["2026-11-19T21:59:59Z", "2026-11-21T22:00:00Z"] {
        let got = lines(
            &plan,
            &opted_in(&[&format!(
                r#"{{ at: "{at}", event: cart_abandoned, fields: {{ value: 80 }} }}"#
            )]),
        );
        assert!(got.is_empty(), "{at}: {got:?}");
    }
}

fn tz_campaign() -> Plan {
    let (mut k, c) = mini(|k, v| {
        let a = k.message_with("a", v.ads_ch, "a");
        vec![
            k.wait_until(None, 9 * 60),
            k.step(StepKind::Send(a)),
            k.wait_until(Some(model::Weekday::Mon), 9 * 60),
            k.step(StepKind::Send(a)),
        ]
    });
    k.attr("timezone", Type::Text);
    k.campaign_mut(c).timezone = Some("Europe/Riga".into());
    k.plan(c)
}

#[test]
fn wait_until_uses_the_persons_time_zone() {
    let plan = tz_campaign();
    assert_eq!(plan.timezone_attribute.as_deref(), Some("timezone"));
    // 2026-11-20 is a Friday. Riga is UTC+2 in November.
    let got = lines(&plan, TRIGGER_AT_NOON);
    assert_eq!(got[1], "2026-11-21T07:00:00Z send a (social_ads)");
    assert_eq!(got[2], "2026-11-23T07:00:00Z send a (social_ads)");
    let got = lines(
        &plan,
        r#"person: { id: "p1", attributes: { timezone: "America/New_York" } }
events:
  - { at: "2026-11-20T12:00:00Z", event: cart_abandoned, fields: { value: 80 } }
"#,
    );
    // 12:00Z is 07:00 in New York: 09:00 the same day.
    assert_eq!(got[1], "2026-11-20T14:00:00Z send a (social_ads)");
    assert_eq!(got[2], "2026-11-23T14:00:00Z send a (social_ads)");
    // An unknown zone falls back to the campaign's.
    let got = lines(
        &plan,
        r#"person: { id: "p1", attributes: { timezone: "Mars/Olympus" } }
events:
  - { at: "2026-11-20T12:00:00Z", event: cart_abandoned, fields: { value: 80 } }
"#,
    );
    assert_eq!(got[1], "2026-11-21T07:00:00Z send a (social_ads)");
}

fn split_plan() -> Plan {
    let (k, c) = mini(|k, v| {
        let a = k.message_with("a", v.ads_ch, "a");
        let b = k.message_with("b", v.ads_ch, "b");
        let arm = |k: &mut ProgramBuilder, m, w, name: &str| {
            let s = k.step(StepKind::Send(m));
            let body = k.block(vec![s]);
            SplitArm {
                weight: w,
                name: Some(name.into()),
                body,
                at: k.loc(),
                head: (),
            }
        };
        let empty = k.block(vec![]);
        let arms = vec![
            arm(k, a, 4_500, "a"),
            arm(k, b, 4_500, "b"),
            SplitArm {
                weight: 1_000,
                name: Some("holdout".into()),
                body: empty,
                at: k.loc(),
                head: (),
            },
        ];
        vec![k.step(StepKind::Split(arms))]
    });
    k.plan(c)
}

#[test]
fn splits_are_stable_and_follow_the_weights() {
    // The hash is part of the format: runners in any language agree.
    assert_eq!(
        split_bucket("p1", "mini", "split"),
        split_bucket("p1", "mini", "split")
    );
    assert_ne!(
        split_bucket("p1", "mini", "split"),
        split_bucket("p2", "mini", "split")
    );
    let plan = split_plan();
    let scenario = generate_people(&plan, 2_000, 7);
    let a = simulate(&plan, &scenario).unwrap();
    let b = simulate(&plan, &scenario).unwrap();
    assert_eq!(a, b);
    let mut counts = [0usize; 3];
    let mut entered = 0;
    for t in &a {
        let mut first = true;
        for e in &t.entries {
            match &e.what {
                What::Entered => {
                    entered += 1;
                    first = true;
                }
                What::Send { message, .. } if first => {
                    counts[if message == "a" { 0 } else { 1 }] += 1;
                    first = false;
                }
                _ => {}
            }
        }
    }
    counts[2] = entered - counts[0] - counts[1];
    let share = |n: usize| n as f64 / entered as f64;
    assert!((share(counts[0]) - 0.45).abs() < 0.04, "{counts:?}");
    assert!((share(counts[1]) - 0.45).abs() < 0.04, "{counts:?}");
    assert!((share(counts[2]) - 0.10).abs() < 0.03, "{counts:?}");
}

#[test]
fn split_bucket_is_sha256_based() {
    // sha256("p1\nmini\nsplit") = ... first 8 bytes big-endian mod 10000.
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(b"p1\nmini\nsplit");
    let v = u64::from_be_bytes(d[..8].try_into().unwrap()) % 10_000;
    assert_eq!(split_bucket("p1", "mini", "split") as u64, v);
}

#[test]
fn reentry_rules() {
    let (mut k, c) = mini(|k, v| {
        let a = k.message_with("a", v.ads_ch, "a");
        vec![k.wait(86_400), k.step(StepKind::Send(a))]
    });
    let events = r#"person: { id: "p1" }
events:
  - { at: "2026-11-01T12:00:00Z", event: cart_abandoned }
  - { at: "2026-11-01T13:00:00Z", event: cart_abandoned }
  - { at: "2026-11-05T12:00:00Z", event: cart_abandoned }
  - { at: "2026-11-20T12:00:00Z", event: cart_abandoned }
"#;
    let entries = |plan: &Plan| -> Vec<String> {
        lines(plan, events)
            .into_iter()
            .filter(|l| l.ends_with("entered"))
            .collect()
    };
    // Never (default): once. A trigger during the journey is ignored.
    assert_eq!(entries(&k.plan(c)), ["2026-11-01T12:00:00Z entered"]);
    k.campaign_mut(c).reentry = model::Reentry::Always;
    assert_eq!(
        entries(&k.plan(c)),
        [
            "2026-11-01T12:00:00Z entered",
            "2026-11-05T12:00:00Z entered",
            "2026-11-20T12:00:00Z entered"
        ]
    );
    k.campaign_mut(c).reentry = model::Reentry::After(14 * 86_400);
    assert_eq!(
        entries(&k.plan(c)),
        [
            "2026-11-01T12:00:00Z entered",
            "2026-11-20T12:00:00Z entered"
        ]
    );
}

#[test]
fn repeat_and_goto_loops() {
    let (mut k, c) = mini(|k, v| {
        let tip = k.message_with("tip", v.ads_ch, "tip");
        let body = {
            let w = k.wait(7 * 86_400);
            let s = k.step(StepKind::Send(tip));
            k.block(vec![w, s])
        };
        let inner = {
            let s = k.step(StepKind::Send(tip));
            k.block(vec![s])
        };
        let named = {
            let w = k.wait(86_400);
            let r = k.step(StepKind::Repeat {
                times: 2,
                body: inner,
            });
            k.block(vec![w, r])
        };
        vec![
            k.step(StepKind::Repeat { times: 3, body }),
            k.step(StepKind::Named {
                name: "again".into(),
                body: named,
            }),
            k.step(StepKind::Goto {
                target: "again".into(),
            }),
        ]
    });
    let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let loc = k.loc();
    k.campaign_mut(c).window = Some((d("2026-11-20"), d("2026-12-13"), loc));
    let got = lines(&k.plan(c), TRIGGER_AT_NOON);
    let sends: Vec<&str> = got
        .iter()
        .filter(|l| l.contains("send"))
        .map(|l| &l[..20])
        .collect();
    assert_eq!(
        sends,
        [
            "2026-11-27T12:00:00Z",
            "2026-12-04T12:00:00Z",
            "2026-12-11T12:00:00Z",
            // The goto loop: a day, then two tips, each time round; the
            // inner repeat starts afresh on every lap.
            "2026-12-12T12:00:00Z",
            "2026-12-12T12:00:00Z",
            "2026-12-13T12:00:00Z",
            "2026-12-13T12:00:00Z",
        ]
    );
    assert_eq!(
        got.last().unwrap(),
        "2026-12-14T00:00:00Z exited window_closed"
    );
}

/// `step daily { wait until 09:00  send digest  goto daily }` sends once a
/// day: coming back to the `wait until` at the instant it let flow go on,
/// it waits for the next such time (the first time round, arriving at
/// 09:00 sharp does not wait).
#[test]
fn a_loop_through_wait_until_goes_round_once_a_day() {
    let (mut k, c) = mini(|k, v| {
        let digest = k.message_with("digest", v.ads_ch, "digest");
        let body = {
            let w = k.wait_until(None, 9 * 60);
            let again = k.wait_until(None, 9 * 60);
            let s = k.step(StepKind::Send(digest));
            let back = k.step(StepKind::Goto {
                target: "daily".into(),
            });
            k.block(vec![w, again, s, back])
        };
        vec![k.step(StepKind::Named {
            name: "daily".into(),
            body,
        })]
    });
    let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let loc = k.loc();
    k.campaign_mut(c).window = Some((d("2026-11-20"), d("2026-11-22"), loc));
    let got = lines(
        &k.plan(c),
        r#"person: { id: "p1" }
events:
  - { at: "2026-11-20T09:00:00Z", event: cart_abandoned, fields: { value: 80 } }
"#,
    );
    assert_eq!(
        got,
        [
            "2026-11-20T09:00:00Z entered",
            "2026-11-20T09:00:00Z send digest (social_ads)",
            "2026-11-21T09:00:00Z send digest (social_ads)",
            "2026-11-22T09:00:00Z send digest (social_ads)",
            "2026-11-23T00:00:00Z exited window_closed",
        ]
    );
}

#[test]
fn wait_for_an_event_with_a_filter_and_a_timeout() {
    let (k, c) = mini(|k, v| {
        let yes = k.message_with("yes", v.ads_ch, "yes");
        let no = k.message_with("no", v.ads_ch, "no");
        let then = {
            let s = k.step(StepKind::Send(yes));
            k.block(vec![s])
        };
        let otherwise = {
            let s = k.step(StepKind::Send(no));
            k.block(vec![s])
        };
        vec![k.step(StepKind::WaitFor {
            on: WaitOn::Event(v.cart_abandoned),
            filter: Some(Box::new(cmp(
                MValue::EventField(v.cart_abandoned, 1),
                CmpOp::Gt,
                MValue::TriggerField(v.cart_abandoned, 1),
            ))),
            within: 86_400,
            then: Some(then),
            otherwise: Some(otherwise),
        })]
    });
    let plan = k.plan(c);
    let got = lines(
        &plan,
        r#"person: { id: "p1" }
events:
  - { at: "2026-11-20T12:00:00Z", event: cart_abandoned, fields: { value: 80 } }
  - { at: "2026-11-20T13:00:00Z", event: cart_abandoned, fields: { value: 50 } }
  - { at: "2026-11-20T14:00:00Z", event: cart_abandoned, fields: { value: 90 } }
"#,
    );
    assert_eq!(got[1], "2026-11-20T14:00:00Z send yes (social_ads)");
    let got = lines(
        &plan,
        r#"person: { id: "p1" }
events:
  - { at: "2026-11-20T12:00:00Z", event: cart_abandoned, fields: { value: 80 } }
  - { at: "2026-11-20T13:00:00Z", event: cart_abandoned, fields: { value: 50 } }
"#,
    );
    assert_eq!(got[1], "2026-11-21T12:00:00Z send no (social_ads)");
}

#[test]
fn engagement_counts_only_after_the_send_in_this_journey() {
    let plan = cart_plan();
    let got = lines(
        &plan,
        &opted_in(&[
            r#"{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
            r#"{ at: "2026-11-20T10:30:00Z", clicked: cart_coupon_20 }"#,
        ]),
    );
    // The early click (before the coupon went out) does not count: timeout.
    assert_eq!(got[4], "2026-11-24T11:00:00Z send cart_coupon_40 (email)");
    // A click before the wait for starts (after the send) does count.
    let (mut k, c) = cart_recovery();
    let j = &mut k.campaign_mut(c).journey.steps;
    j.insert(5, j[2].clone()); // wait 1d between the sends and the wait for
    let got = lines(
        &k.plan(c),
        &opted_in(&[
            r#"{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
            r#"{ at: "2026-11-21T12:00:00Z", clicked: cart_coupon_20 }"#,
        ]),
    );
    assert_eq!(got[4], "2026-11-23T11:00:00Z send cart_coupon_40 (email)");
}

#[allow(dead_code)]
fn unused(_: AttrId) {}

mod bounds;
mod conditions;
mod scenarios;
