//! Profile writes: a journey's `set` and `unset` steps are applied to the
//! person's state by the runtime core and posted to the profile-updates
//! webhook (`--profile-webhook`), once each, with the delivery's
//! idempotency key; sends still go to their channel's webhook.

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::Case;
use omnis::simulate::Scenario;
use omnis_worker::deliver::SinkConfig;

const ONBOARDING: &str = r#"profile {
  email: text
  email_opt_in: bool
  plan: one of "free", "pro"
}
event signup { source: text }
channel email { consent email_opt_in }
message hi { channel email template "hi" }
message again { channel email template "again" }

campaign onboarding {
  trigger signup
  journey {
    set plan = "pro"
    send hi
    wait 1d
    unset plan
    set email_opt_in = false
    send again
  }
}
"#;

const PEOPLE: &str = r#"
people:
  - person: { id: ann, attributes: { email: "a@example.com", email_opt_in: true, plan: "free" } }
    events:
      - { at: "2026-11-20T10:00:00Z", event: signup, fields: { source: "footer" } }
"#;

/// Every request a webhook got: (path, idempotency key, body).
type Got = Arc<Mutex<Vec<(String, String, serde_json::Value)>>>;

async fn record(
    State(got): State<Got>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let key = headers["idempotency-key"].to_str().unwrap().to_string();
    let body = serde_json::from_str(&body).unwrap();
    got.lock()
        .unwrap()
        .push((uri.path().to_string(), key, body));
    StatusCode::OK
}

#[test]
fn set_and_unset_are_posted_to_the_profile_webhook_once_each() {
    let Some(exe) = common::test_server_binary() else {
        return;
    };
    let case = Case {
        name: "profile".into(),
        plan: common::plan_of(ONBOARDING),
        others: Vec::new(),
        scenario: Scenario::from_yaml(PEOPLE).unwrap(),
        replacement: None,
    };
    let got: Got = Arc::default();
    let state = got.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let local = tokio::task::LocalSet::new();
    let (journal, expected) = local.block_on(&rt, async move {
        let app = axum::Router::new()
            .route("/sends", axum::routing::post(record))
            .route("/profile", axum::routing::post(record))
            .with_state(state);
        let base = common::serve(app).await;
        let mut server = common::start_test_server(exe).await;
        let target = common::target(&server, "profile");
        let client = omnis_worker::service::connect(&target).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.jsonl");
        let sinks = SinkConfig {
            webhooks: [("*".to_string(), format!("{base}/sends"))].into(),
            profile_webhook: Some(format!("{base}/profile")),
            ..common::sinks(&journal)
        };
        let (stop, worker) = common::spawn_worker(client.clone(), &target, sinks);
        let (timelines, span) = common::simulate(&case, &case.scenario);
        let sha = common::load(&case.plan);
        let p = &case.scenario.people[0];
        let handle = common::start_scenario_person(
            &client,
            &target,
            &target.prefix,
            p,
            (vec![sha], None),
            span,
            Some(20),
        )
        .await;
        common::skip_time(&client).await;
        handle.await.unwrap();
        stop();
        worker.await.unwrap();
        server.shutdown().await.unwrap();
        let expected = common::by_campaign(&timelines[0], "onboarding").remove("onboarding");
        (common::journal(&journal), expected.unwrap())
    });
    let deliveries = &journal[&("onboarding".to_string(), "ann".to_string())];
    // The journey as simulate has it: the unset consent skips the last send.
    let entries: Vec<_> = deliveries.iter().map(|d| d.entry.clone()).collect();
    assert_eq!(entries, expected);
    let sets: Vec<_> = deliveries
        .iter()
        .filter(|d| d.entry["kind"] == "set")
        .collect();
    let got = got.lock().unwrap();
    let profile: Vec<_> = got.iter().filter(|(p, ..)| p == "/profile").collect();
    assert_eq!(profile.len(), 3, "{got:?}");
    for ((_, key, body), d) in profile.iter().zip(&sets) {
        assert_eq!(key, &d.key);
        assert_eq!(body["entry"], d.entry);
        assert_eq!(body["person"], "ann");
        assert_eq!(body["campaign"], "onboarding");
    }
    let written: Vec<_> = profile
        .iter()
        .map(|(_, _, b)| {
            (
                b["entry"]["attribute"].as_str().unwrap().to_string(),
                b["entry"]["value"].clone(),
                b["profile"].get("plan").cloned(),
            )
        })
        .collect();
    assert_eq!(
        written,
        [
            // The value as the language writes it; the profile's as JSON.
            ("plan".into(), "\"pro\"".into(), Some("pro".into())),
            ("plan".into(), serde_json::Value::Null, None),
            ("email_opt_in".into(), "false".into(), None),
        ]
    );
    // Sends went to the sends webhook only: `hi`, not `again` (skipped).
    let sends: Vec<_> = got.iter().filter(|(p, ..)| p == "/sends").collect();
    assert_eq!(sends.len(), 1, "{got:?}");
    assert_eq!(sends[0].2["entry"]["message"], "hi");
}
