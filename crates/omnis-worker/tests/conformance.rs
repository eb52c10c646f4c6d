//! Conformance: plans run through the worker on a real Temporal server
//! (the time-skipping test server) give each person the timeline `omnis
//! simulate` gives them, entry for entry (sends, skips with reasons,
//! splits, conversions, exits, replacements, instants), read from the
//! journal the delivery activity writes. Cases: every scenario under
//! `campaigns/`, a generated population of every example campaign, and
//! plans replaced mid-journey. The workflows continue as new every 20
//! history events, so the state carried over continue-as-new is exercised
//! on nearly every person.

mod common;

use common::Case;
use omnis::simulate::{generate_people, Scenario, When};

#[test]
fn scenario_files_run_on_temporal_as_in_simulate() {
    let plans = common::plans();
    let mut cases = Vec::new();
    for path in common::scenario_files() {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let campaign = name.strip_suffix(".scenario.yaml").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        if campaign == "project" {
            // Every campaign of the folder run together, as `omnis
            // simulate campaigns` runs them (`runtime::Project`: entry
            // order, channel limits across campaigns, `in campaign`).
            let mut all = plans.clone();
            let first = all.remove(0);
            cases.push(Case {
                name: campaign.to_string(),
                plan: first,
                others: all,
                scenario: Scenario::from_yaml(&text).unwrap(),
                replacement: None,
            });
            continue;
        }
        let plan = plans
            .iter()
            .find(|p| p.campaign == campaign)
            .unwrap_or_else(|| panic!("{name}: no campaign `{campaign}` in campaigns/"));
        cases.push(Case {
            name: campaign.to_string(),
            plan: plan.clone(),
            others: Vec::new(),
            scenario: Scenario::from_yaml(&text).unwrap(),
            replacement: None,
        });
    }
    assert!(cases.len() >= 4, "only {} scenario files", cases.len());
    let compared = common::conform(cases);
    assert!(
        compared.people >= 15 && compared.entries >= 60,
        "{compared:?}"
    );
    // The project scenario's people went through several campaigns.
    assert!(
        compared.project_entries >= 30 && compared.project_campaigns.len() >= 5,
        "{compared:?}"
    );
}

#[test]
fn generated_populations_run_on_temporal_as_in_simulate() {
    let cases: Vec<Case> = common::plans()
        .into_iter()
        .map(|plan| Case {
            name: format!("population/{}", plan.campaign),
            scenario: generate_people(&plan, 12, 7),
            plan,
            others: Vec::new(),
            replacement: None,
        })
        .collect();
    assert!(cases.len() >= 10);
    let compared = common::conform(cases);
    assert!(
        compared.people >= 120 && compared.entries >= 200,
        "{compared:?}"
    );
}

/// The plan of `tests/replacement.rs`, before and after: a send and its
/// wait removed, another wait lengthened.
const OLD: &str = include_str!("../../../tests/fixtures/replacement/old.omni");

const NEW: &str = include_str!("../../../tests/fixtures/replacement/new.omni");

#[test]
fn plans_replaced_mid_journey_run_on_temporal_as_in_simulate() {
    let old = common::plan_of(OLD);
    let new = common::plan_of(NEW);
    let mut cases = Vec::new();
    // Replaced at several points of the journey, and the cart recovery
    // example replaced by itself (every node survives).
    for hours in [0, 20, 30, 50, 80, 130] {
        cases.push(Case {
            name: format!("replaced/{hours}h"),
            scenario: generate_people(&old, 10, hours),
            plan: old.clone(),
            others: Vec::new(),
            replacement: Some((new.clone(), When::After(hours as i64 * 3600))),
        });
    }
    let compared = common::conform(cases);
    assert!(compared.replaced >= 10, "{compared:?}");
}

#[test]
fn a_new_build_pushed_to_running_people_replaces_their_plans_as_in_simulate() {
    // The people got their events at the start and wait, each at some
    // point of the journey; the worker pushes the new build to every
    // running workflow (not waiting for a person's next event), and the
    // replacement happens at its instant, as `simulate --replace-with`.
    let old = common::plan_of(OLD);
    let new = common::plan_of(NEW);
    let compared = common::conform_with(
        vec![Case {
            name: "pushed".into(),
            scenario: generate_people(&old, 20, 30),
            plan: old,
            others: Vec::new(),
            replacement: Some((new, When::After(30 * 3600))),
        }],
        true,
    );
    assert!(compared.replaced >= 3, "{compared:?}");
}

#[test]
fn a_generated_population_through_every_campaign_runs_as_in_simulate() {
    // Person k gets the attributes and events each campaign's generator
    // gives its person k, all together: campaigns meet on shared events,
    // channel limits and `in campaign` (as `omnis simulate campaigns`).
    use omnis::plan::time::parse_instant;
    let mut plans = common::plans();
    let mut generated = plans.iter().map(|p| generate_people(p, 4, 11));
    let mut scenario = generated.next().unwrap();
    for other in generated {
        scenario.start = scenario.start.min(other.start);
        for (p, q) in scenario.people.iter_mut().zip(other.people) {
            for (k, v) in q.person.attributes {
                p.person.attributes.entry(k).or_insert(v);
            }
            p.events.extend(q.events);
        }
    }
    for p in &mut scenario.people {
        p.events.sort_by_key(|e| parse_instant(&e.at));
    }
    let first = plans.remove(0);
    let compared = common::conform(vec![Case {
        name: "population/project".into(),
        plan: first,
        others: plans,
        scenario,
        replacement: None,
    }]);
    assert!(
        compared.project_entries >= 100 && compared.project_campaigns.len() >= 8,
        "{compared:?}"
    );
}
