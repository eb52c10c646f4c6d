//! Plans of the example campaigns, through the whole front end, and their
//! scenarios under `campaigns/`.

mod common;

use std::path::{Path, PathBuf};

use omnis::driver::{analyze, Options};
use omnis::plan::{emit::emit_all, Plan};

fn campaigns_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns")
}

fn plans() -> Vec<Plan> {
    let analysis = analyze(&Options {
        paths: vec![campaigns_dir()],
    })
    .expect("loads");
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    emit_all(&analysis.program, &analysis.sources)
}

#[test]
fn every_example_has_a_plan_that_validates_against_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&omnis::plan::schema_json()).expect("schema is JSON");
    let compiled = jsonschema::JSONSchema::compile(&schema).expect("schema compiles");
    let plans = plans();
    let names: Vec<&str> = plans.iter().map(|p| p.campaign.as_str()).collect();
    for want in [
        "cart_recovery",
        "black_friday",
        "post_purchase",
        "vip_welcome",
    ] {
        assert!(names.contains(&want), "{names:?}");
    }
    for plan in &plans {
        let value = serde_json::to_value(plan).unwrap();
        if let Err(errors) = compiled.validate(&value) {
            let msgs: Vec<String> = errors
                .map(|e| format!("{e} at {}", e.instance_path))
                .collect();
            panic!("{}: {}", plan.campaign, msgs.join("\n"));
        }
        // Self-contained: every edge leads to a node of the plan, every
        // message's channel is declared.
        for n in &plan.nodes {
            for e in &n.successors {
                assert!(
                    plan.node(&e.to).is_some(),
                    "{}: {} -> {}",
                    plan.campaign,
                    n.id,
                    e.to
                );
            }
        }
        for m in plan.messages.values() {
            assert!(plan.channels.contains_key(&m.channel));
        }
        assert!(!plan.source.path.starts_with('/'));
        // Relative to the project root: campaigns/ holds omnis.toml.
        assert!(!plan.source.path.contains(".."), "{}", plan.source.path);
        assert!(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("campaigns")
                .join(&plan.source.path)
                .is_file(),
            "{}",
            plan.source.path
        );
    }
}

#[test]
fn plans_are_byte_identical_across_builds() {
    let a: Vec<String> = plans().iter().map(|p| p.to_json()).collect();
    let b: Vec<String> = plans().iter().map(|p| p.to_json()).collect();
    assert_eq!(a, b);
    let y: Vec<String> = plans().iter().map(|p| p.to_yaml()).collect();
    assert_eq!(y, plans().iter().map(|p| p.to_yaml()).collect::<Vec<_>>());
    for (json, plan) in a.iter().zip(plans()) {
        assert!(
            !json.contains(env!("CARGO_MANIFEST_DIR")),
            "absolute path in {}",
            plan.campaign
        );
        assert_eq!(Plan::parse(json).unwrap(), plan);
    }
}

#[test]
fn every_example_runs_a_random_population() {
    use omnis::simulate::{generate_people, simulate};
    for plan in plans() {
        let people = generate_people(&plan, 300, 1);
        let timelines = simulate(&plan, &people).unwrap();
        assert_eq!(timelines.len(), 300);
        let entered = timelines.iter().filter(|t| !t.entries.is_empty()).count();
        assert!(entered > 0, "{}: nobody entered", plan.campaign);
    }
}

/// Every `campaigns/NAME.scenario.yaml` runs against the plan of campaign
/// NAME and gives the timelines its `expect` lists say; every name in it is
/// declared in the campaigns. `project.scenario.yaml` runs every campaign
/// together.
#[test]
fn scenarios_give_the_expected_timelines() {
    use omnis::simulate::{check_expectations, ProjectSimulator, Scenario, Simulator, Vocabulary};
    let analysis = analyze(&Options {
        paths: vec![campaigns_dir()],
    })
    .expect("loads");
    let vocabulary = Vocabulary::of_program(&analysis.program);
    let plans = plans();
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in common::read_dir(&campaigns_dir()) {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Some(campaign) = name.strip_suffix(".scenario.yaml") else {
            continue;
        };
        let scenario =
            Scenario::from_yaml(&common::read(&path)).unwrap_or_else(|e| panic!("{name}: {e}"));
        if campaign == "project" {
            let sim = ProjectSimulator::new(&plans)
                .unwrap()
                .with_vocabulary(vocabulary.clone());
            let prepared = sim
                .prepare(&scenario)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let timelines = sim.run(&prepared);
            assert!(
                timelines.iter().any(|t| t
                    .campaigns
                    .iter()
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
                    > 2),
                "{name}: nobody moves through several campaigns"
            );
            for diff in check_expectations(&scenario, &timelines) {
                failures.push(format!("{name}: {diff}"));
            }
            checked += scenario.people.len();
            continue;
        }
        let plan = plans
            .iter()
            .find(|p| p.campaign == campaign)
            .unwrap_or_else(|| panic!("{name}: no campaign {campaign}"));
        let sim = Simulator::new(plan)
            .unwrap()
            .with_vocabulary(vocabulary.clone());
        let prepared = sim
            .prepare(&scenario)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let timelines = sim.run(&prepared);
        for diff in check_expectations(&scenario, &timelines) {
            failures.push(format!("{name}: {diff}"));
        }
        checked += scenario.people.len();
    }
    assert!(checked >= 10, "only {checked} people checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn show_scenarios() {
    if std::env::var_os("SHOW").is_none() {
        return;
    }
    use omnis::simulate::{simulate, Scenario};
    let plans = plans();
    for path in common::read_dir(&campaigns_dir()) {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Some(campaign) = name.strip_suffix(".scenario.yaml") else {
            continue;
        };
        let Some(plan) = plans.iter().find(|p| p.campaign == campaign) else {
            continue;
        };
        let scenario = Scenario::from_yaml(&common::read(&path)).unwrap();
        println!("== {campaign}");
        for t in simulate(plan, &scenario).unwrap() {
            print!("{}", t.human());
        }
    }
}

/// `docs/plan-format.md` shows the real plan of `post_purchase`.
#[test]
fn docs_example_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/plan-format.md");
    let doc = common::read(&path);
    let plan = plans()
        .into_iter()
        .find(|p| p.campaign == "post_purchase")
        .unwrap();
    let open = "<!-- example: post_purchase -->\n";
    let close = "<!-- /example -->";
    let start = doc.find(open).expect("example start marker") + open.len();
    let end = doc.find(close).expect("example end marker");
    let want = format!("```json\n{}```\n", plan.to_json());
    if std::env::var_os("OMNIS_BLESS").is_some() {
        std::fs::write(&path, format!("{}{}{}", &doc[..start], want, &doc[end..])).unwrap();
        return;
    }
    assert!(
        doc[start..end] == want,
        "the example in docs/plan-format.md is out of date; regenerate it with \
         `OMNIS_BLESS=1 cargo test --test plans docs_example_is_current`"
    );
}
