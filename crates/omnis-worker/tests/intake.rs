//! The event intake on a real Temporal server: Segment `track`,
//! `identify` and `batch` calls reach the person's workflow through
//! signal-with-start; malformed calls get a 400 and nothing of the request
//! is applied; a message id is applied once; `omnis-worker send-event`
//! goes through the same endpoint.

mod common;

use std::sync::Arc;

use omnis_worker::intake::{router, Intake};

/// Every `ping` enters (reentry always) and sends `hello` if the person
/// is `vip`, else `plain`.
const SOURCE: &str = r#"profile { vip: bool }
event ping { n: number }
channel ads { kind ads }
message hello { channel ads template "hello" }
message plain { channel ads template "plain" }

campaign pinger {
  trigger ping
  reentry always
  journey {
    if vip {
      send hello
    } else {
      send plain
    }
  }
}
"#;

fn post(url: &str, body: &str) -> (u16, String) {
    match ureq::post(url)
        .set("Content-Type", "application/json")
        .send_string(body)
    {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("{url}: {e}"),
    }
}

#[test]
fn segment_calls_reach_the_person_once_and_bad_requests_change_nothing() {
    let Some(exe) = common::test_server_binary() else {
        return;
    };
    // A built folder with the plan and its manifest.
    let dir = tempfile::tempdir().unwrap();
    common::build_folder(dir.path(), &[common::plan_of(SOURCE)]);
    assert_eq!(omnis_worker::plans::load_dir(dir.path()).unwrap().len(), 1);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let mut server = common::start_test_server(exe).await;
        let target = common::target(&server, "intake");
        let client = omnis_worker::service::connect(&target).await.unwrap();
        let journal_path = dir.path().join("journal.jsonl");
        let (stop, worker) =
            common::spawn_worker(client.clone(), &target, common::sinks(&journal_path));
        let app = router(Arc::new(Intake {
            client: client.clone(),
            target: target.clone(),
        }));
        let base = common::serve(app).await;

        let calls = tokio::task::spawn_blocking(move || {
            let mut answers = Vec::new();
            let u = |p: &str| format!("{base}{p}");
            // Malformed: each is refused whole, with why.
            answers.push(post(&u("/v1/track"), r#"{"event":"ping"}"#));
            answers.push(post(
                &u("/v1/track"),
                r#"{"userId":"ann","event":"ping","properties":{"n":"eighty"}}"#,
            ));
            answers.push(post(
                &u("/v1/track"),
                r#"{"userId":"ann","event":"ping","timestamp":"yesterday"}"#,
            ));
            // A batch with one bad call applies none of its calls.
            answers.push(post(
                &u("/v1/batch"),
                r#"{"batch":[{"type":"identify","userId":"ann","traits":{"vip":true}},
                             {"type":"track","userId":"ann","event":"ping","properties":{"n":[1]}}]}"#,
            ));
            answers.push(post(&u("/v1/track"), "{not json"));
            // Good calls: a ping (plain), the same message again (dropped),
            // then vip through send-event's endpoint and another ping.
            answers.push(post(
                &u("/v1/track"),
                r#"{"userId":"ann","event":"ping","messageId":"m1","properties":{"n":1,"extra":{"a":1}}}"#,
            ));
            answers.push(post(
                &u("/v1/track"),
                r#"{"userId":"ann","event":"ping","messageId":"m1","properties":{"n":1}}"#,
            ));
            answers.push(post(
                &u("/v1/identify"),
                r#"{"userId":"ann","messageId":"m2","traits":{"vip":true,"unknown_trait":"x"}}"#,
            ));
            answers.push(post(
                &u("/v1/track"),
                r#"{"userId":"ann","event":"ping","messageId":"m3","properties":{"n":2}}"#,
            ));
            answers
        })
        .await
        .unwrap();
        let codes: Vec<u16> = calls.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, [400, 400, 400, 400, 400, 200, 200, 200, 200], "{calls:#?}");
        assert!(calls[0].1.contains("`userId` is missing"), "{}", calls[0].1);
        assert!(calls[1].1.contains("expected a number"), "{}", calls[1].1);
        assert!(calls[2].1.contains("RFC 3339"), "{}", calls[2].1);
        assert!(calls[3].1.contains("batch[1]"), "{}", calls[3].1);

        // Wait for the three deliveries of the two pings that count.
        let mut sends = Vec::new();
        for _ in 0..200 {
            sends = common::journal(&journal_path)
                .remove(&("pinger".to_string(), "ann".to_string()))
                .unwrap_or_default()
                .into_iter()
                .filter(|d| d.entry["kind"] == "send")
                .map(|d| d.entry["message"].as_str().unwrap().to_string())
                .collect::<Vec<_>>();
            if sends.len() >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // Not `hello` first: the refused batch's `vip: true` was not
        // applied; one `plain` only: m1 was applied once.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let all = common::journal(&journal_path);
        assert_eq!(sends, ["plain", "hello"], "{all:#?}");
        stop();
        worker.await.unwrap();
        server.shutdown().await.unwrap();
    });
}
