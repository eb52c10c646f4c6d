//! `omnis build` end to end: one plan per campaign, byte-identical across
//! builds, valid against the committed schema, nothing written on errors,
//! other files left alone.

mod common;

use std::path::Path;

use common::{omnis, root};

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = common::read_dir(dir)
        .into_iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `omnis build campaigns --out OUT`, which must succeed.
fn build_campaigns(out: &Path) {
    let o = omnis(
        &["build", "campaigns", "--out", out.to_str().unwrap()],
        root(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn builds_every_campaign_deterministically_and_validly() {
    let out1 = tempfile::tempdir().unwrap();
    let out2 = tempfile::tempdir().unwrap();
    for out in [&out1, &out2] {
        build_campaigns(out.path());
    }
    let files = listing(out1.path());
    // Every campaign of campaigns/ has a plan.
    for name in [
        "cart_recovery",
        "black_friday",
        "post_purchase",
        "vip_welcome",
        "win_back",
        "replenish",
    ] {
        assert!(files.contains(&format!("{name}.plan.json")), "{files:?}");
    }
    assert_eq!(files, listing(out2.path()));
    let schema: serde_json::Value =
        serde_json::from_str(&common::read(&root().join("schema/plan.schema.json"))).unwrap();
    let validator =
        jsonschema::JSONSchema::compile(&schema).expect("the committed schema compiles");
    let manifest_schema: serde_json::Value =
        serde_json::from_str(&common::read(&root().join("schema/manifest.schema.json"))).unwrap();
    let manifest_validator = jsonschema::JSONSchema::compile(&manifest_schema).unwrap();
    let manifest_text = common::read_bytes(&out1.path().join("omnis-manifest.json"));
    let manifest: serde_json::Value = serde_json::from_slice(&manifest_text).unwrap();
    assert!(manifest_validator.is_valid(&manifest), "{manifest}");
    // The manifest lists exactly the plan files, with the SHA-256 of each.
    let listed: Vec<&str> = manifest["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["file"].as_str().unwrap())
        .collect();
    let plan_files: Vec<&str> = files
        .iter()
        .map(String::as_str)
        .filter(|f| *f != "omnis-manifest.json")
        .collect();
    assert_eq!(listed, plan_files);
    for p in manifest["plans"].as_array().unwrap() {
        use sha2::Digest;
        let bytes = common::read_bytes(&out1.path().join(p["file"].as_str().unwrap()));
        assert_eq!(
            p["sha256"].as_str().unwrap(),
            format!("{:x}", sha2::Sha256::digest(&bytes))
        );
    }
    for f in &files {
        let a = common::read_bytes(&out1.path().join(f));
        let b = common::read_bytes(&out2.path().join(f));
        assert_eq!(a, b, "{f} differs between two builds");
        if f == "omnis-manifest.json" {
            continue;
        }
        let plan: serde_json::Value = serde_json::from_slice(&a).unwrap();
        if let Err(errors) = validator.validate(&plan) {
            let errors: Vec<String> = errors
                .map(|e| format!("{} at {}", e, e.instance_path))
                .collect();
            panic!("{f} does not validate:\n{}", errors.join("\n"));
        }
        // No absolute paths leak into plans.
        let text = String::from_utf8(a).unwrap();
        assert!(
            !text.contains(root().to_str().unwrap()),
            "{f} holds an absolute path"
        );
    }
}

/// The project part of the manifest (format 1.1): the campaigns in entry
/// order with their priorities and plan files, and the channels with their
/// kind, consent, quiet hours and limits, as `campaigns/audience.omni`
/// declares them.
#[test]
fn the_manifest_carries_entry_order_and_channels() {
    let out = tempfile::tempdir().unwrap();
    build_campaigns(out.path());
    let text = common::read(&out.path().join("omnis-manifest.json"));
    let m = omnis::plan::manifest::Manifest::parse(&text).unwrap();
    assert_eq!(m.format_version, "1.1");
    // Every plan once, in entry order: priority highest first, then name.
    let order: Vec<(u8, &str)> = m
        .entry_order
        .iter()
        .map(|c| (c.priority, c.campaign.as_str()))
        .collect();
    assert_eq!(order.len(), m.plans.len());
    let mut sorted = order.clone();
    sorted.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    assert_eq!(order, sorted);
    assert_eq!(
        &order[..4],
        [
            (10, "cart_recovery"),
            (10, "new_subscriber"),
            (10, "post_purchase"),
            (2, "shoe_browsers")
        ]
    );
    assert!(order.contains(&(1, "browse_abandonment")));
    assert!(order.contains(&(0, "win_back")));
    for c in &m.entry_order {
        assert_eq!(c.file, format!("{}.plan.json", c.campaign));
        assert!(m.plans.iter().any(|p| p.file == c.file), "{}", c.file);
    }
    // The channels, as declared in campaigns/audience.omni.
    let sms = &m.channels["sms"];
    assert_eq!(sms.kind, "sms");
    assert_eq!(sms.consent.as_deref(), Some("sms_opt_in"));
    let q = sms.quiet_hours.as_ref().unwrap();
    assert_eq!((q.from.as_str(), q.to.as_str()), ("20:00", "09:00"));
    assert_eq!(
        sms.limits
            .iter()
            .map(|l| (l.count, l.per))
            .collect::<Vec<_>>(),
        [(1, 86_400)]
    );
    let email = &m.channels["email"];
    assert_eq!(email.consent.as_deref(), Some("email_opt_in"));
    assert_eq!(
        email
            .limits
            .iter()
            .map(|l| (l.count, l.per))
            .collect::<Vec<_>>(),
        [(3, 86_400)]
    );
    assert_eq!(m.channels["push"].kind, "push");
    // A channel appears only when some plan sends on it, and then as that
    // plan declares it.
    for p in &m.plans {
        let plan: serde_json::Value =
            serde_json::from_str(&common::read(&out.path().join(&p.file))).unwrap();
        for (name, decl) in plan["channels"].as_object().unwrap() {
            let listed = serde_json::to_value(&m.channels[name]).unwrap();
            assert_eq!(&listed, decl, "channel {name} of {}", p.file);
        }
    }
}

#[test]
fn yaml_plans() {
    let out = tempfile::tempdir().unwrap();
    let o = omnis(
        &[
            "build",
            "campaigns/vip.omni",
            "--out",
            out.path().to_str().unwrap(),
            "--format",
            "yaml",
        ],
        root(),
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        listing(out.path()),
        ["omnis-manifest.json", "vip_welcome.plan.yaml"]
    );
    let text = common::read(&out.path().join("vip_welcome.plan.yaml"));
    let plan = omnis::plan::Plan::parse(&text).expect("the YAML plan parses back");
    assert_eq!(plan.campaign, "vip_welcome");
}

#[test]
fn nothing_is_written_when_there_are_errors_and_other_files_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(
        root().join("campaigns/audience.omni"),
        src.join("audience.omni"),
    )
    .unwrap();
    std::fs::copy(root().join("campaigns/vip.omni"), src.join("vip.omni")).unwrap();
    std::fs::write(
        src.join("broken.omni"),
        "import \"audience.omni\"\ncampaign broken { trigger nope journey { } }\n",
    )
    .unwrap();
    let out = dir.path().join("plans");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("old.plan.json"), "{}").unwrap();
    let o = omnis(&["build", "src", "--out", "plans"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown-name"));
    assert_eq!(listing(&out), ["old.plan.json"]);
    // Fixed: the plan is written and the unrelated file stays.
    std::fs::remove_file(src.join("broken.omni")).unwrap();
    let o = omnis(&["build", "src", "--out", "plans"], dir.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        listing(&out),
        [
            "old.plan.json",
            "omnis-manifest.json",
            "vip_welcome.plan.json"
        ]
    );
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let o = omnis(&["schema"], root());
    assert_eq!(o.status.code(), Some(0));
    let committed = common::read(&root().join("schema/plan.schema.json"));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), committed);
}

#[test]
fn simulate_the_readme_example() {
    let o = omnis(
        &[
            "simulate",
            "campaigns/cart_recovery.omni",
            "--campaign",
            "cart_recovery",
            "--scenario",
            "campaigns/cart_recovery.scenario.yaml",
            "--format",
            "json",
        ],
        root(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let people = v["people"].as_array().expect("several people");
    let first = &people[0]["timeline"];
    assert_eq!(first[0]["kind"], "entered");
    assert_eq!(first[1]["kind"], "send");
    assert_eq!(first[1]["message"], "cart_reminder");
    assert_eq!(first[1]["channel"], "email");
}

#[test]
fn plans_do_not_depend_on_the_working_directory() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let campaigns = root().join("campaigns");
    let o = omnis(
        &[
            "build",
            "campaigns/vip.omni",
            "--out",
            a.path().to_str().unwrap(),
        ],
        root(),
    );
    assert_eq!(o.status.code(), Some(0));
    let o = omnis(
        &["build", "vip.omni", "--out", b.path().to_str().unwrap()],
        &campaigns,
    );
    assert_eq!(o.status.code(), Some(0));
    let pa = common::read_bytes(&a.path().join("vip_welcome.plan.json"));
    let pb = common::read_bytes(&b.path().join("vip_welcome.plan.json"));
    assert_eq!(pa, pb);
    let v: serde_json::Value = serde_json::from_slice(&pa).unwrap();
    // Relative to the project root (campaigns/ holds omnis.toml).
    assert_eq!(v["source"]["path"], "vip.omni");
}
