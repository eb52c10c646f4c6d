//! What the runtime promises, checked on random populations for every
//! example plan: timelines are well formed, limits are never exceeded, no
//! send goes out in quiet hours or outside the window, a journey never sends
//! more than `max_sends_per_person`, and completed journeys take between the
//! `@end` node's `earliest` and `latest` (the static timing agrees with the
//! runner).

use std::path::Path;

use omnis::driver::{analyze, Options};
use omnis::plan::{emit::emit_all, parse_time_of_day, time, Plan};
use omnis::simulate::{generate_people, simulate, Value, What};

fn plans() -> Vec<Plan> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns");
    let analysis = analyze(&Options { paths: vec![dir] }).expect("loads");
    assert!(!analysis.has_errors());
    emit_all(&analysis.program, &analysis.sources)
}

fn check(plan: &Plan, seed: u64) {
    let name = &plan.campaign;
    let tz = time::parse_tz(&plan.timezone).unwrap();
    let end = plan.node("@end").unwrap();
    let window = plan.window.as_ref().map(|w| {
        (
            time::parse_instant(&w.opens_at).unwrap(),
            time::parse_instant(&w.closes_at).unwrap(),
        )
    });
    let scenario = generate_people(plan, 400, seed);
    for (t, ps) in simulate(plan, &scenario)
        .unwrap()
        .iter()
        .zip(&scenario.people)
    {
        let who = format!("{name} seed {seed} {}", t.person);
        // The person's attribute `a` at instant `at` (inputs at the same
        // instant come first).
        let attr_at = |a: &str, at: i64| -> Option<Value> {
            let mut v = ps.person.attributes.get(a).cloned();
            let mut sets: Vec<_> = ps
                .events
                .iter()
                .filter_map(|i| {
                    i.set
                        .as_ref()
                        .map(|s| (time::parse_instant(&i.at).unwrap(), s))
                })
                .collect();
            sets.sort_by_key(|(t, _)| *t);
            for (t, set) in sets {
                if t <= at {
                    if let Some(x) = set.get(a) {
                        v = Some(x.clone());
                    }
                }
            }
            v
        };
        let mut sends: Vec<(i64, String)> = Vec::new();
        let mut entered: Option<i64> = None;
        let mut in_journey = 0u64;
        let mut last = i64::MIN;
        for e in &t.entries {
            assert!(e.at >= last, "{who}: time goes backwards");
            last = e.at;
            match &e.what {
                What::Entered => {
                    assert!(entered.is_none(), "{who}: entered twice at once");
                    entered = Some(e.at);
                    in_journey = 0;
                    if let Some((opens, closes)) = window {
                        assert!(
                            opens <= e.at && e.at < closes,
                            "{who}: entry outside window"
                        );
                    }
                }
                What::Send { message, channel } => {
                    assert!(entered.is_some(), "{who}: send outside a journey");
                    assert_eq!(&plan.messages[message].channel, channel);
                    in_journey += 1;
                    if let Some(max) = plan.max_sends_per_person {
                        assert!(in_journey <= max, "{who}: more than {max} sends");
                    }
                    let ch = &plan.channels[channel];
                    if let Some(consent) = &ch.consent {
                        assert_eq!(
                            attr_at(consent, e.at),
                            Some(Value::Bool(true)),
                            "{who}: {message} sent without consent"
                        );
                    }
                    if let Some(q) = &ch.quiet_hours {
                        let (from, to) = (
                            parse_time_of_day(&q.from).unwrap(),
                            parse_time_of_day(&q.to).unwrap(),
                        );
                        assert_eq!(
                            time::quiet_until(tz, e.at, from, to),
                            None,
                            "{who}: {message} sent in quiet hours"
                        );
                    }
                    if let Some((opens, closes)) = window {
                        assert!(opens <= e.at && e.at < closes, "{who}: send outside window");
                    }
                    sends.push((e.at, channel.clone()));
                    for l in &plan.limits {
                        let n = sends
                            .iter()
                            .filter(|(s, _)| e.at - s < l.per as i64)
                            .count();
                        assert!(n <= l.count as usize, "{who}: campaign limit exceeded");
                    }
                    for l in &ch.limits {
                        let n = sends
                            .iter()
                            .filter(|(s, c)| c == channel && e.at - s < l.per as i64)
                            .count();
                        assert!(n <= l.count as usize, "{who}: channel limit exceeded");
                    }
                }
                What::Skip { .. } => assert!(entered.is_some(), "{who}: skip outside a journey"),
                What::Split { node, arm } => {
                    assert!(entered.is_some(), "{who}: split outside a journey");
                    let split = plan.node(node).expect("a split node of the plan");
                    assert!(
                        split.successors.iter().any(|e| matches!(
                            &e.label,
                            omnis::plan::EdgeLabel::Arm { arm: a, .. } if a == arm
                        )),
                        "{who}: split {node} has no arm {arm}"
                    );
                }
                What::Completed => {
                    let start = entered.take().expect("completed without entry");
                    let took = (e.at - start) as u64;
                    assert!(took >= end.earliest, "{who}: completed after {took}s");
                    if let Some(latest) = end.latest {
                        assert!(took <= latest, "{who}: completed after {took}s > {latest}");
                    }
                }
                What::Converted { event } => {
                    assert_eq!(plan.goal.as_ref(), Some(event));
                    entered.take().expect("converted without entry");
                }
                What::Exited { .. } => {
                    entered.take().expect("exited without entry");
                }
                What::Replaced { .. } => panic!("{who}: no replacement was asked for"),
                What::Action(acted) => {
                    assert!(entered.is_some(), "{who}: an action outside a journey");
                    if let Some(attribute) = acted.written() {
                        assert!(plan.profile.contains_key(attribute), "{who}: {attribute}");
                    }
                }
            }
        }
    }
}

#[test]
fn runtime_promises_hold_on_random_populations() {
    for plan in plans() {
        for seed in 0..4 {
            check(&plan, seed);
        }
    }
}

/// The same with limits tight enough to bite and people entering again and
/// again (plans are data: a runner must honour whatever they say).
#[test]
fn tight_limits_hold_on_random_populations() {
    use omnis::plan::{Limit, Reentry};
    let mut skipped = 0;
    for mut plan in plans() {
        plan.reentry = Reentry::Always;
        plan.limits = vec![Limit {
            count: 2,
            per: 2 * 86_400,
        }];
        for ch in plan.channels.values_mut() {
            ch.limits = vec![Limit {
                count: 1,
                per: 86_400,
            }];
        }
        for seed in 0..2 {
            check(&plan, seed);
            skipped += simulate(&plan, &generate_people(&plan, 400, seed))
                .unwrap()
                .iter()
                .flat_map(|t| &t.entries)
                .filter(|e| matches!(e.what, What::Skip { .. }))
                .count();
        }
    }
    assert!(skipped > 100, "limits hardly bit: {skipped} skips");
}
