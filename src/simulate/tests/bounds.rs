//! The runner's own bounds (entries, steps, instants), what timelines say
//! about splits and refused entries, and populations streamed into
//! counts.

use super::*;

/// `step again { wait W  [send ping]  goto again }`.
fn endless(wait: u64, send: bool) -> Plan {
    let (k, c) = mini(|k, v| {
        let ping = k.message_with("ping", v.ads_ch, "ping");
        let body = {
            let mut steps = vec![k.wait(wait)];
            if send {
                steps.push(k.step(StepKind::Send(ping)));
            }
            steps.push(k.step(StepKind::Goto {
                target: "again".into(),
            }));
            k.block(steps)
        };
        vec![k.step(StepKind::Named {
            name: "again".into(),
            body,
        })]
    });
    k.plan(c)
}

fn run_one(plan: &Plan, yaml: &str) -> Timeline {
    let scenario = Scenario::from_yaml(yaml).unwrap();
    simulate(plan, &scenario).unwrap().remove(0)
}

#[test]
fn a_journey_that_sends_without_end_stops_at_the_entry_limit() {
    let t = run_one(&endless(1, true), TRIGGER_AT_NOON);
    assert_eq!(t.entries.len(), MAX_ENTRIES);
    assert_eq!(t.runner_limit(), Some(ExitReason::EntryLimit));
    let last = t.entries.last().unwrap();
    // Entered at noon, one send a second.
    assert_eq!(
        last.human(),
        format!(
            "{} exited entry_limit",
            crate::plan::time::format_instant(1_795_176_000 + MAX_ENTRIES as i64 - 1)
        )
    );
    // Nothing after the stop, and the JSON says why.
    let json = serde_json::to_value(last).unwrap();
    assert_eq!(json["reason"], "entry_limit");
}

/// A daily trigger over eight thousand years wakes the runner three
/// million times for a person the audience never lets in: stopped at the
/// same bound.
#[test]
fn a_long_span_of_scheduled_triggers_stops_at_the_step_limit() {
    let (mut k, c) = mini(|k, v| {
        let a = k.message_with("a", v.ads_ch, "a");
        vec![k.step(StepKind::Send(a))]
    });
    k.campaign_mut(c).trigger = model::Trigger::Daily { minutes: 9 * 60 };
    k.campaign_mut(c).audience = Some(cond(model::CondKind::Const(false)));
    let t = run_one(
        &k.plan(c),
        "start: \"2000-01-01T00:00:00Z\"\nuntil: \"9999-12-31T00:00:00Z\"\nperson: { id: p1 }\n",
    );
    assert_eq!(t.runner_limit(), Some(ExitReason::StepLimit));
    assert_eq!(t.refused.audience as u64, MAX_STEPS);
}

#[test]
fn a_loop_without_sends_stops_at_the_step_limit() {
    let t = run_one(&endless(1, false), TRIGGER_AT_NOON);
    assert_eq!(t.runner_limit(), Some(ExitReason::StepLimit));
    assert_eq!(t.entries.len(), 2, "{:?}", t.entries);
    assert_eq!(t.steps, MAX_STEPS + 1);
}

/// Nested repeats of century-long waits: simulated time would pass year
/// 9999. The runner stops the person there, and never prints a time that
/// wrapped or went backwards.
#[test]
fn instants_past_year_9999_stop_the_run_instead_of_wrapping() {
    const CENTURY: u64 = 100 * 365 * 86_400;
    let (k, c) = mini(|k, v| {
        let tip = k.message_with("tip", v.ads_ch, "tip");
        let inner = {
            let w = k.wait(CENTURY);
            let s = k.step(StepKind::Send(tip));
            k.block(vec![w, s])
        };
        let outer = {
            let r = k.step(StepKind::Repeat {
                times: 50,
                body: inner,
            });
            k.block(vec![r])
        };
        vec![k.step(StepKind::Repeat {
            times: 50,
            body: outer,
        })]
    });
    let plan = k.plan(c);
    let until = "until: \"9999-12-31T23:59:59Z\"\n";
    let t = run_one(&plan, &format!("{until}{TRIGGER_AT_NOON}"));
    assert_eq!(t.runner_limit(), Some(ExitReason::TimeLimit));
    let sends = t
        .entries
        .iter()
        .filter(|e| matches!(e.what, What::Send { .. }))
        .count();
    // 2026 + 79 centuries is the last that fits.
    assert_eq!(sends, 79);
    let mut last = i64::MIN;
    for e in &t.entries {
        assert!(e.at >= last && e.at <= MAX_INSTANT, "{}", e.human());
        last = e.at;
        assert!(e.human().starts_with(|c: char| c.is_ascii_digit()));
    }
    assert!(t.entries.last().unwrap().human().starts_with("99"));
    // A plan (edited by hand) whose wait does not fit in an instant: the
    // default span ends at 9999-12-31, and the wait would end after it.
    let mut plan = plan;
    for n in &mut plan.nodes {
        if let crate::plan::NodeKind::Wait { seconds } = &mut n.kind {
            *seconds = u64::MAX;
        }
        n.latest = n.latest.map(|_| u64::MAX);
    }
    let sim = Simulator::new(&plan).unwrap();
    let prepared = sim
        .prepare(&Scenario::from_yaml(TRIGGER_AT_NOON).unwrap())
        .unwrap();
    assert_eq!(prepared.until, MAX_INSTANT);
    let t = run_one(&plan, TRIGGER_AT_NOON);
    assert_eq!(
        t.entries.iter().map(Entry::human).collect::<Vec<_>>(),
        [
            "2026-11-20T12:00:00Z entered",
            "2026-11-20T12:00:00Z exited time_limit"
        ]
    );
}

#[test]
fn times_past_year_9999_in_a_scenario_are_errors() {
    let plan = cart_plan();
    for (yaml, want) in [
        (
            "until: \"9999-12-31T23:59:59-12:00\"\nperson: { id: p1 }\nevents: []\nstart: \"2026-11-20T00:00:00Z\"\n",
            "`until` \"9999-12-31T23:59:59-12:00\" is after 9999-12-31T23:59:59Z",
        ),
        (
            "person: { id: p1 }\nevents:\n  - { at: \"9999-12-31T23:00:00-05:00\", event: cart_abandoned }\n",
            "after 9999-12-31T23:59:59Z",
        ),
    ] {
        let err = Scenario::from_yaml(yaml)
            .and_then(|s| simulate(&plan, &s))
            .expect_err(yaml);
        assert!(err.to_string().contains(want), "{yaml}: {err}");
    }
}

#[test]
fn timelines_show_the_split_arm_taken() {
    let plan = split_plan();
    let scenario = generate_people(&plan, 300, 7);
    let mut arms = std::collections::BTreeSet::new();
    for t in simulate(&plan, &scenario).unwrap() {
        let mut split = None;
        for e in &t.entries {
            match &e.what {
                What::Split { node, arm } => {
                    assert_eq!(node, "split");
                    split = Some(arm.clone());
                    arms.insert(arm.clone());
                }
                // Arm `a` sends `a`, arm `b` sends `b`.
                What::Send { message, .. } => {
                    assert_eq!(split.as_deref(), Some(message.as_str()), "{t:?}")
                }
                What::Exited { .. } | What::Completed | What::Converted { .. } => split = None,
                _ => {}
            }
        }
    }
    assert_eq!(arms.into_iter().collect::<Vec<_>>(), ["a", "b", "holdout"]);
}

#[test]
fn refused_triggers_are_counted_by_reason() {
    let plan = cart_plan();
    // Not emailable: the audience is false, twice.
    let t = run_one(
        &plan,
        "person: { id: p2, attributes: { email_opt_in: true } }\nevents:\n  - { at: \"2026-11-20T10:00:00Z\", event: cart_abandoned, fields: { value: 50 } }\n  - { at: \"2026-11-21T10:00:00Z\", event: cart_abandoned, fields: { value: 50 } }\n",
    );
    assert!(t.entries.is_empty());
    assert_eq!(
        t.refused,
        Refused {
            audience: 2,
            window: 0,
            reentry: 0
        }
    );
    // Entered, then refused by `reentry after 30d`; a trigger during the
    // journey is not a refusal.
    let t = run_one(
        &plan,
        &opted_in(&[
            r#"{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
            r#"{ at: "2026-11-20T10:30:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
            r#"{ at: "2026-12-01T10:00:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
        ]),
    );
    assert_eq!(t.refused.reentry, 1);
    assert_eq!(t.refused.audience, 0);
    // Outside the window.
    let (mut k, c) = cart_recovery();
    let loc = k.loc();
    let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    k.campaign_mut(c).window = Some((d("2026-12-01"), d("2026-12-02"), loc));
    let t = run_one(
        &k.plan(c),
        &opted_in(&[
            r#"{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: { value: 80 } }"#,
        ]),
    );
    assert_eq!(t.refused.window, 1);
}

/// The streamed population counts exactly what the timelines of the same
/// people say.
#[test]
fn populations_stream_to_the_same_counts_as_timelines() {
    for plan in [cart_plan(), split_plan()] {
        let sim = Simulator::new(&plan).unwrap();
        let mut calls = Vec::new();
        let streamed = sim
            .run_population(&plan, 2_500, 3, &mut |n| calls.push(n))
            .unwrap();
        assert_eq!(calls, [1024, 2048, 2500]);
        let mut scenario = generate_people(&plan, 2_500, 3);
        scenario.until = Some(crate::plan::time::format_instant(streamed.until));
        let mut counted = Summary::new(&plan, (streamed.start, streamed.until), Some(3));
        for t in simulate(&plan, &scenario).unwrap() {
            counted.add(&t);
        }
        assert_eq!(streamed, counted);
        assert_eq!(streamed.people, 2_500);
        assert_eq!(
            streamed.entered + streamed.did_not_enter.total,
            streamed.people
        );
        assert!(streamed.entered > 0);
    }
}

#[test]
fn the_summary_follows_the_journey() {
    let plan = split_plan();
    let sim = Simulator::new(&plan).unwrap();
    let s = sim.run_population(&plan, 3_000, 1, &mut |_| {}).unwrap();
    let human = s.human();
    let labels: Vec<&str> = human
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .map(|l| l.split("  ").next().unwrap().trim())
        .collect();
    assert_eq!(
        labels,
        [
            "entered",
            "did not enter",
            "entered",
            "split a",
            "split b",
            "split holdout",
            "send a (social_ads)",
            "send b (social_ads)",
            "converted",
            "exited",
            "completed",
        ],
        "{human}"
    );
    // Percentages of people, then of journeys.
    let entered = human.lines().nth(3).unwrap();
    let share = 100.0 * s.entered as f64 / s.people as f64;
    assert!(entered.ends_with(&format!("{share:.1}%")), "{entered}");
    let json: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
    assert_eq!(json["people"], 3_000);
    let arms = &json["journeys"]["steps"][0]["arms"];
    let total: u64 = ["a", "b", "holdout"]
        .iter()
        .map(|a| arms[a].as_u64().unwrap())
        .sum();
    assert_eq!(total, json["journeys"]["entered"].as_u64().unwrap());
}

#[test]
fn the_ith_generated_person_does_not_depend_on_the_population_size() {
    let plan = cart_plan();
    let small = generate_people(&plan, 5, 9);
    let large = generate_people(&plan, 50, 9);
    assert_eq!(small.people[..], large.people[..5]);
}
