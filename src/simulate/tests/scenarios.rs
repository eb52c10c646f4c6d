//! Scenarios and their checks, timelines' forms, generated populations.

use super::*;

#[test]
fn scenarios_are_checked_against_the_plan() {
    let plan = cart_plan();
    let bad = [
        ("person: { id: p1 }\nevents:\n  - { at: \"yesterday\", event: cart_abandoned }\n", "RFC 3339"),
        ("person: { id: p1 }\nevents:\n  - { at: \"2026-11-20T10:00:00Z\" }\n", "exactly one"),
        (
            "person: { id: p1, attributes: { email_opt_in: \"yes\" } }\nstart: \"2026-11-20T10:00:00Z\"\n",
            "email_opt_in",
        ),
        ("person: { id: p1 }\n", "start"),
        ("events: []\nexpect: []\n", "person"),
        ("person: { id: p1 }\nsurprise: 1\n", "unknown key `surprise`"),
    ];
    for (yaml, want) in bad {
        let err = Scenario::from_yaml(yaml)
            .and_then(|s| simulate(&plan, &s))
            .expect_err(yaml);
        assert!(err.to_string().contains(want), "{yaml}: {err}");
    }
    // Events and attributes the plan does not use are ignored.
    let ok = Scenario::from_yaml(
        "person: { id: p1, attributes: { shoe_size: 42 } }\nevents:\n  - { at: \"2026-11-20T10:00:00Z\", event: store_visit }\n",
    )
    .unwrap();
    assert!(simulate(&plan, &ok).unwrap()[0].entries.is_empty());
}

#[test]
fn timelines_render_as_json_and_text_and_check_expectations() {
    let plan = cart_plan();
    let yaml = format!(
        r#"people:
  - {OPTED_IN_PERSON}
    events:
      - {{ at: "2026-11-20T10:00:00Z", event: cart_abandoned, fields: {{ value: 80 }} }}
      - {{ at: "2026-11-20T10:30:00Z", event: order_placed }}
    expect:
      - 2026-11-20T10:00:00Z entered
      - 2026-11-20T10:30:00Z converted order_placed
  - person: {{ id: p2 }}
    expect: []
"#,
        OPTED_IN_PERSON = OPTED_IN
    );
    let scenario = Scenario::from_yaml(&yaml).unwrap();
    let t = simulate(&plan, &scenario).unwrap();
    assert!(check_expectations(&scenario, &t).is_empty());
    let json: serde_json::Value = serde_json::from_str(&t[0].to_json()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"person": "p1", "timeline": [
            {"at": "2026-11-20T10:00:00Z", "kind": "entered"},
            {"at": "2026-11-20T10:30:00Z", "kind": "converted", "event": "order_placed"}
        ]})
    );
    assert!(timelines_to_json(&t).contains("\"people\""));
    assert_eq!(
        t[0].human(),
        "p1:\n  2026-11-20T10:00:00Z entered\n  2026-11-20T10:30:00Z converted order_placed\n"
    );
    assert_eq!(t[1].human(), "p2:\n  (nothing happened)\n");
    let mut wrong = scenario.clone();
    wrong.people[1].expect = Some(vec!["2026-11-20T10:00:00Z entered".into()]);
    let diffs = check_expectations(&wrong, &t);
    assert_eq!(diffs.len(), 1);
    assert!(diffs[0].contains("person p2") && diffs[0].contains("-2026-11-20T10:00:00Z entered"));
    // Skip and exit entries in JSON.
    let e = Entry {
        at: 0,
        what: What::Skip {
            message: "m".into(),
            channel: "sms".into(),
            reason: SkipReason::NoConsent,
        },
    };
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        serde_json::json!({"at": "1970-01-01T00:00:00Z", "kind": "skip", "message": "m", "channel": "sms", "reason": "no_consent"})
    );
}

#[test]
fn generated_populations_are_deterministic_and_run() {
    let plan = cart_plan();
    let a = generate_people(&plan, 200, 42);
    let b = generate_people(&plan, 200, 42);
    assert_eq!(a, b);
    assert_ne!(a, generate_people(&plan, 200, 43));
    // Round-trips through YAML.
    assert_eq!(Scenario::from_yaml(&a.to_yaml()).unwrap(), a);
    let t = simulate(&plan, &a).unwrap();
    let count = |f: &dyn Fn(&What) -> bool| {
        t.iter()
            .flat_map(|t| &t.entries)
            .filter(|e| f(&e.what))
            .count()
    };
    assert!(count(&|w| matches!(w, What::Entered)) > 20);
    assert!(count(&|w| matches!(w, What::Send { .. })) > 20);
    assert!(count(&|w| matches!(w, What::Converted { .. })) > 0);
    assert!(count(&|w| matches!(w, What::Completed | What::Exited { .. })) > 0);
}

/// With the campaigns' vocabulary, a name the campaigns never declare is
/// a mistake: an error at its line with a did-you-mean, never "(nothing
/// happened)". Names declared but unused by this plan are fine.
#[test]
fn misspelled_names_are_errors_with_a_did_you_mean() {
    let plan = cart_plan();
    fn names<C: FromIterator<String>>(xs: &[&str]) -> C {
        xs.iter().map(|x| x.to_string()).collect()
    }
    let vocabulary = Vocabulary {
        events: [
            ("cart_abandoned", vec!["cart_id", "value"]),
            ("order_placed", vec!["order_id", "total"]),
            ("unsubscribed", vec!["channel"]),
            ("store_visit", vec!["store_id"]),
        ]
        .into_iter()
        .map(|(e, f)| (e.to_string(), names::<Vec<_>>(&f)))
        .collect(),
        messages: names(&[
            "cart_reminder",
            "cart_coupon_20",
            "cart_retargeting",
            "cart_coupon_40",
            "cart_coupon_40_sms",
            "welcome",
        ]),
        attributes: names(&["email", "email_opt_in", "sms_opt_in", "phone", "shoe_size"]),
    };
    let sim = Simulator::new(&plan).unwrap().with_vocabulary(vocabulary);
    let head = "person: { id: p1, attributes: { email_opt_in: true } }\nevents:\n";
    let cases = [
        (
            "  - { at: \"2026-11-20T10:00:00Z\", event: order_plcaed }\n",
            "person p1: input 1: there is no event `order_plcaed` (did you mean `order_placed`?)",
            (3, 42),
        ),
        (
            "  - { at: \"2026-11-20T10:00:00Z\", clicked: cart_coupon_2 }\n",
            "there is no message `cart_coupon_2` (did you mean `cart_coupon_20`?)",
            (3, 44),
        ),
        (
            "  - { at: \"2026-11-20T10:00:00Z\", set: { email_optin: false } }\n",
            "there is no attribute `email_optin` in the profile (did you mean `email_opt_in`?)",
            (3, 42),
        ),
        (
            "  - { at: \"2026-11-20T10:00:00Z\", event: cart_abandoned, fields: { valu: 80 } }\n",
            "event `cart_abandoned` has no field `valu` (did you mean `value`?)",
            (3, 68),
        ),
        (
            "  - { at: \"2026-11-20T10:00:00Z\", event: cart_abandoned, fields: { value: \"lots\" } }\n",
            "field `value`: expected a number, found the text \"lots\"",
            (3, 68),
        ),
    ];
    for (input, want, (line, column)) in cases {
        let text = format!("{head}{input}");
        let doc = ScenarioDoc::parse(&text).unwrap();
        let Err(SimError::Scenario(e)) = sim.prepare(&doc.scenario) else {
            panic!("{text}: no error");
        };
        assert!(e.message.contains(want), "{text}: {}", e.message);
        let pos = doc.locate(&e.place).unwrap();
        assert_eq!((pos.line, pos.column), (line, column), "{text}: {e:?}");
    }
    let misspelled_attribute = "person: { id: p1, attributes: { emial: \"a@b.c\" } }\n";
    let doc = ScenarioDoc::parse(misspelled_attribute).unwrap();
    let Err(SimError::Scenario(e)) = sim.prepare(&doc.scenario) else {
        panic!("no error");
    };
    assert!(e.message.contains("did you mean `email`?"), "{}", e.message);
    assert_eq!(doc.locate(&e.place).unwrap().column, 33);
    // Declared, but not used by this plan: ignored.
    let fine = "person: { id: p1, attributes: { shoe_size: 42 } }\nstart: \"2026-11-20T00:00:00Z\"\nevents:\n  - { at: \"2026-11-20T10:00:00Z\", event: store_visit, fields: { store_id: s1 } }\n  - { at: \"2026-11-20T10:00:00Z\", opened: welcome }\n";
    let prepared = sim.prepare(&Scenario::from_yaml(fine).unwrap()).unwrap();
    assert!(sim.run(&prepared)[0].entries.is_empty());
}
