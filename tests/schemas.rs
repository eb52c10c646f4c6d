//! The JSON Schemas in `schema/`: each file is what `omnis::schemas`
//! generates from the output types (`OMNIS_UPDATE_SCHEMAS=1 cargo test
//! --test schemas` rewrites them after a change), `omnis schema NAME`
//! prints it, and real outputs of `check`, `diff` and `simulate --format
//! json` are valid against it and carry its `format_version`.

mod common;

use std::path::Path;

use omnis::schemas::{Schema, CHECK_FORMAT_VERSION, DIFF_FORMAT_VERSION, SIMULATE_FORMAT_VERSION};
use serde_json::Value;

use common::{omnis, read, root, stderr, stdout, write};

#[test]
fn committed_schemas_are_the_generated_ones() {
    let update = std::env::var_os("OMNIS_UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for schema in Schema::ALL {
        let path = root().join(schema.path());
        let generated = schema.json();
        if update {
            std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        } else if read(&path) != generated {
            stale.push(schema.path());
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from the output types: review the change, then run \
         `OMNIS_UPDATE_SCHEMAS=1 cargo test --test schemas` (and bump the format_version)"
    );
}

#[test]
fn the_schema_command_prints_each_committed_schema() {
    for schema in Schema::ALL {
        let o = omnis(&["schema", schema.name()], root());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(stdout(&o), read(&root().join(schema.path())));
    }
    let o = omnis(&["schema"], root());
    assert_eq!(stdout(&o), read(&root().join("schema/plan.schema.json")));
    let o = omnis(&["schema", "nope"], root());
    assert_eq!(o.status.code(), Some(2));
}

/// Validates `output` against the committed schema of `schema`, and checks
/// its `format_version`.
#[track_caller]
fn assert_valid(schema: Schema, version: &str, output: &str, what: &str) {
    let schema_path = root().join(schema.path());
    let schema_json: Value = serde_json::from_str(&read(&schema_path))
        .unwrap_or_else(|e| panic!("{}: {e}", schema_path.display()));
    let validator = jsonschema::JSONSchema::compile(&schema_json)
        .unwrap_or_else(|e| panic!("{}: {e}", schema_path.display()));
    let value: Value =
        serde_json::from_str(output).unwrap_or_else(|e| panic!("{what}: not JSON: {e}\n{output}"));
    if let Err(errors) = validator.validate(&value) {
        let msgs: Vec<String> = errors
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        panic!("{what}: {}", msgs.join("\n"));
    }
    assert_eq!(value["format_version"], version, "{what}");
    let first = output.lines().nth(1).unwrap_or_default();
    assert!(
        first.trim_start().starts_with("\"format_version\""),
        "{what}: format_version comes first, not {first}"
    );
}

#[test]
fn check_reports_are_valid() {
    // Every diagnostic fixture: errors, warnings, labels and help.
    for (dir, code) in [("tests/ui", 1), ("campaigns", 0)] {
        let o = omnis(&["check", dir, "--format", "json"], root());
        assert_eq!(o.status.code(), Some(code), "{dir}: {}", stderr(&o));
        assert_valid(Schema::Check, CHECK_FORMAT_VERSION, &stdout(&o), dir);
    }
}

/// `campaigns/` as OLD, and NEW with a campaign removed, one added, and
/// steps, settings and messages changed.
fn changed_campaigns(dir: &Path) {
    let old = dir.join("old");
    let new = dir.join("new");
    for p in common::read_dir(&root().join("campaigns")) {
        let name = p.file_name().unwrap().to_str().unwrap();
        if name.ends_with(".omni") || name == "omnis.toml" {
            let text = read(&p);
            write(&old, name, &text);
            let text = match name {
                "vip.omni" => continue,
                "cart_recovery.omni" => text
                    .replace("wait 1h", "wait 2h")
                    .replace("reentry after 30d", "reentry never")
                    .replace("    send cart_retargeting\n", "")
                    .replace("discount: 40", "discount: 45"),
                "onboarding.omni" => text.replace("wait 2d", "wait 3d"),
                _ => text,
            };
            write(&new, name, &text);
        }
    }
    write(
        &new,
        "hello.omni",
        "import \"audience.omni\"\n\nmessage hi {\n  channel email\n  template \"hi\"\n}\n\n\
         campaign hello {\n  trigger newsletter_signup\n  audience emailable\n  goal order_placed\n\n  \
         journey {\n    send hi\n  }\n}\n",
    );
}

#[test]
fn diff_reports_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    changed_campaigns(dir.path());
    let o = omnis(&["diff", "old", "new", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    let v: Value = serde_json::from_str(&out).unwrap();
    let statuses: Vec<&str> = v["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    for s in ["added", "removed", "changed"] {
        assert!(statuses.contains(&s), "no {s} campaign: {out}");
    }
    assert_valid(Schema::Diff, DIFF_FORMAT_VERSION, &out, "diff");
    let o = omnis(&["diff", "old", "old", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_valid(Schema::Diff, DIFF_FORMAT_VERSION, &stdout(&o), "no diff");
}

#[test]
fn simulate_reports_are_valid() {
    let scenarios = [
        ("cart_recovery", "cart_recovery"),
        ("black_friday", "black_friday"),
        ("post_purchase", "post_purchase"),
        ("vip_welcome", "vip_welcome"),
        // `set` steps: the entries of actions (untagged in `What`).
        ("sunset", "sunset"),
    ];
    for (campaign, file) in scenarios {
        let scenario = format!("campaigns/{file}.scenario.yaml");
        let o = omnis(
            &[
                "simulate",
                "campaigns",
                "--campaign",
                campaign,
                "--scenario",
                &scenario,
                "--format",
                "json",
            ],
            root(),
        );
        assert_eq!(o.status.code(), Some(0), "{campaign}: {}", stderr(&o));
        let out = stdout(&o);
        assert_valid(Schema::Simulate, SIMULATE_FORMAT_VERSION, &out, campaign);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert!(v["people"][0]["timeline"].is_array(), "{campaign}: {out}");
        if campaign == "sunset" {
            assert!(out.contains("\"kind\": \"set\""), "{out}");
        }
    }
    let o = omnis(
        &[
            "simulate",
            "campaigns",
            "--campaign",
            "cart_recovery",
            "--people",
            "200",
            "--format",
            "json",
        ],
        root(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_valid(
        Schema::Simulate,
        SIMULATE_FORMAT_VERSION,
        &stdout(&o),
        "--people",
    );
}
