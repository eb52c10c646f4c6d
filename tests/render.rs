//! The renderers on hand-built diagnostics: two files, a label in another
//! file than its diagnostic, errors with and without help, warnings.

use omnis::codes::Code;
use omnis::diagnostic::Diagnostic;
use omnis::render::{render, Format, HumanOptions};
use omnis::source::{FileId, SourceFile, SourceMap, Span};
use serde_json::Value;

const CART: &str = r#"import "../common/messages.omni"

campaign cart_recovery {
  trigger cart_abandoned
  audience country == "Österreich" and plan == "gold"
  journey {
    send cart_reminder
    wait 1d
    send cart_remnder
    send cart_reminder
  }
}
"#;

const MESSAGES: &str = r#"channel email { consent email_opt_in }

message cart_reminder { channel email  template "cart-reminder" }
message unused_promo { channel email  template "promo" }
"#;

/// The span of the `nth` (0-based) occurrence of `needle` in `text`.
fn span(text: &str, needle: &str, nth: usize) -> Span {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {nth}th `{needle}`"))
        .0;
    Span::new(start, start + needle.len())
}

fn fixture() -> (SourceMap, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    let cart = sources.add(SourceFile::new(
        "/project/campaigns/cart.omni".into(),
        "campaigns/cart.omni".into(),
        CART.into(),
    ));
    let messages = sources.add(SourceFile::new(
        "/project/common/messages.omni".into(),
        "common/messages.omni".into(),
        MESSAGES.into(),
    ));
    let diags = vec![
        // An error without help or labels, after a non-ASCII character.
        Diagnostic::error(
            Code::InvalidValue,
            cart,
            span(CART, "\"gold\"", 0),
            "\"gold\" is not one of the values of `plan`",
        ),
        // An error with help and a label in another file.
        Diagnostic::error(
            Code::UnknownName,
            cart,
            span(CART, "cart_remnder", 0),
            "no message is called `cart_remnder`",
        )
        .with_label(
            messages,
            span(MESSAGES, "cart_reminder", 0),
            "`cart_reminder` is declared here",
        )
        .with_help("did you mean `cart_reminder`?"),
        // A warning with a label in the same file.
        Diagnostic::warning(
            Code::RepeatedMessage,
            cart,
            span(CART, "send cart_reminder", 1),
            "`cart_reminder` is sent a second time",
        )
        .with_label(cart, span(CART, "send cart_reminder", 0), "first sent here")
        .with_help("send a different message, or remove this send"),
        // A warning in the second file.
        Diagnostic::warning(
            Code::UnusedDeclaration,
            messages,
            span(MESSAGES, "unused_promo", 0),
            "message `unused_promo` is never sent",
        )
        .with_help("send it from a campaign, or remove it"),
    ];
    (sources, diags)
}

fn output(format: Format, sources: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut out = Vec::new();
    let human = HumanOptions {
        color: false,
        ..Default::default()
    };
    render(format, sources, diags, &human, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn json_of(format: Format) -> Value {
    let (sources, diags) = fixture();
    serde_json::from_str(&output(format, &sources, &diags)).unwrap()
}

fn sarif_validator() -> jsonschema::JSONSchema {
    // Vendored, with its source and licence: tests/fixtures/sarif/README.md.
    let schema_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sarif/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&schema_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", schema_path.display()));
    let schema: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", schema_path.display()));
    // The schema says draft-04 (`$schema`, and `id` rather than `$id`).
    jsonschema::JSONSchema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .compile(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(validator: &jsonschema::JSONSchema, sarif: &Value) {
    if let Err(errors) = validator.validate(sarif) {
        let errors: Vec<String> = errors
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        panic!("invalid SARIF:\n{}", errors.join("\n"));
    }
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let validator = sarif_validator();
    let sarif = json_of(Format::Sarif);
    assert_valid_sarif(&validator, &sarif);
    // The validator does reject what the schema forbids.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_carries_rules_locations_labels_and_fingerprints() {
    let sarif = json_of(Format::Sarif);
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "omnis");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let codes: Vec<&str> = omnis::codes::CODES
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(ids, codes);
    for r in rules {
        for field in ["shortDescription", "fullDescription"] {
            assert!(!r[field]["text"].as_str().unwrap().is_empty(), "{r}");
        }
        assert!(
            r["help"]["markdown"].as_str().unwrap().starts_with("# "),
            "{r}"
        );
        assert!(
            ["error", "warning"].contains(&r["defaultConfiguration"]["level"].as_str().unwrap())
        );
    }

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        let fp = r["partialFingerprints"]["omnis/v1"].as_str().unwrap();
        assert!(fp.ends_with(":1"), "{fp}");
    }

    let unknown = &results[1];
    assert_eq!(unknown["ruleId"], "unknown-name");
    assert_eq!(unknown["level"], "error");
    assert_eq!(
        unknown["message"]["text"],
        "no message is called `cart_remnder`\nhelp: did you mean `cart_reminder`?"
    );
    let loc = &unknown["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "campaigns/cart.omni");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(
        loc["region"],
        serde_json::json!({"startLine": 9, "startColumn": 10, "endLine": 9, "endColumn": 22})
    );
    let related = &unknown["relatedLocations"][0];
    assert_eq!(
        related["message"]["text"],
        "`cart_reminder` is declared here"
    );
    let rloc = &related["physicalLocation"];
    assert_eq!(rloc["artifactLocation"]["uri"], "common/messages.omni");
    assert_eq!(
        rloc["region"],
        serde_json::json!({"startLine": 3, "startColumn": 9, "endLine": 3, "endColumn": 22})
    );

    // Without help, the message is the message alone.
    assert_eq!(
        results[0]["message"]["text"],
        "\"gold\" is not one of the values of `plan`"
    );
    assert_eq!(results[2]["level"], "warning");
}

#[test]
fn json_has_exactly_the_briefs_fields_and_one_based_positions() {
    let json = json_of(Format::Json);
    let top: Vec<&String> = json.as_object().unwrap().keys().collect();
    // (Sorted here; the snapshot shows `format_version` first.)
    assert_eq!(top, ["diagnostics", "format_version", "summary"]);
    assert_eq!(json["format_version"], "1.0");
    assert_eq!(
        json["summary"],
        serde_json::json!({"errors": 2, "warnings": 2, "files": 2})
    );
    let diags = json["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 4);
    let mut keys: Vec<&str> = diags[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut expected = [
        "code",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "help",
        "labels",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);

    // `"gold"` follows `Ö` (two bytes, one column): columns count code points.
    assert_eq!(
        diags[0],
        serde_json::json!({
            "code": "invalid-value",
            "severity": "error",
            "message": "\"gold\" is not one of the values of `plan`",
            "file": "campaigns/cart.omni",
            "line": 5,
            "column": 48,
            "end_line": 5,
            "end_column": 54,
            "help": null,
            "labels": []
        })
    );
    assert_eq!(
        diags[1]["labels"],
        serde_json::json!([{
            "file": "common/messages.omni",
            "line": 3,
            "column": 9,
            "end_line": 3,
            "end_column": 22,
            "message": "`cart_reminder` is declared here"
        }])
    );
    assert_eq!(diags[1]["help"], "did you mean `cart_reminder`?");
    assert_eq!(diags[2]["severity"], "warning");
    assert_eq!(diags[2]["labels"][0]["line"], 7);
    assert_eq!(diags[3]["file"], "common/messages.omni");
}

#[test]
fn json_is_pretty_ordered_and_byte_deterministic() {
    let (sources, diags) = fixture();
    let text = output(Format::Json, &sources, &diags);
    assert_eq!(text, output(Format::Json, &sources, &diags));
    insta::assert_snapshot!("json", text);
}

#[test]
fn json_without_diagnostics() {
    let (sources, _) = fixture();
    assert_eq!(
        output(Format::Json, &sources, &[]),
        "{\n  \"format_version\": \"1.0\",\n  \"diagnostics\": [],\n  \"summary\": {\n    \"errors\": 0,\n    \"warnings\": 0,\n    \"files\": 2\n  }\n}\n"
    );
}

#[test]
fn human_report() {
    let (sources, diags) = fixture();
    let text = output(Format::Human, &sources, &diags);
    assert!(!text.contains('\u{1b}'), "no ANSI escapes without colour");
    insta::assert_snapshot!("human", text);
}

#[test]
fn human_report_in_colour_uses_ansi_escapes() {
    let (sources, diags) = fixture();
    let mut out = Vec::new();
    let human = HumanOptions {
        color: true,
        ..Default::default()
    };
    render(Format::Human, &sources, &diags, &human, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains('\u{1b}'), "{text}");
    assert!(text.contains("did you mean `cart_reminder`?"), "{text}");
}

#[test]
fn human_report_without_problems() {
    let (sources, _) = fixture();
    assert_eq!(
        output(Format::Human, &sources, &[]),
        "no problems found in 2 files\n"
    );
}

#[test]
fn github_annotations() {
    let (sources, diags) = fixture();
    insta::assert_snapshot!("github", output(Format::Github, &sources, &diags));
}

#[test]
fn every_format_is_deterministic() {
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let (a_sources, a_diags) = fixture();
        let (b_sources, b_diags) = fixture();
        assert_eq!(
            output(format, &a_sources, &a_diags),
            output(format, &b_sources, &b_diags),
            "{format:?}"
        );
    }
}

#[test]
fn sarif_fingerprints_survive_edits_above_the_finding() {
    let (sources, diags) = fixture();
    let before = json_of(Format::Sarif);
    // The same campaign with a comment and a blank line added on top.
    let edited_text = format!("// Cart recovery, owned by CRM\n\n{CART}");
    let mut edited = SourceMap::new();
    edited.add(SourceFile::new(
        "/project/campaigns/cart.omni".into(),
        "campaigns/cart.omni".into(),
        edited_text.clone(),
    ));
    edited.add(SourceFile::new(
        "/project/common/messages.omni".into(),
        "common/messages.omni".into(),
        MESSAGES.into(),
    ));
    let shift = edited_text.len() - CART.len();
    let moved: Vec<Diagnostic> = diags
        .iter()
        .map(|d| {
            let mut d = d.clone();
            if d.file == FileId(0) {
                d.span = Span::new(d.span.start as usize + shift, d.span.end as usize + shift);
            }
            for l in &mut d.labels {
                if l.file == FileId(0) {
                    l.span = Span::new(l.span.start as usize + shift, l.span.end as usize + shift);
                }
            }
            d
        })
        .collect();
    let after: Value = serde_json::from_str(&output(Format::Sarif, &edited, &moved)).unwrap();
    let fps = |v: &Value| -> Vec<Value> {
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"].clone())
            .collect()
    };
    assert_eq!(fps(&before), fps(&after));
    // The lines did move.
    assert_ne!(
        before["runs"][0]["results"][0]["locations"],
        after["runs"][0]["results"][0]["locations"]
    );
    drop(sources);
}

#[test]
fn parser_diagnostics_render_in_every_format() {
    let inputs = [
        "",
        "campaign c {\n  trigger\n",
        "message m { channel email template \"a\" subject \"unterminated }\n",
        "segment s = (a and\n",
        "profile { x: text }\u{0}\n",
        "campaign ç {\r\n  journey { wait 1x }\r\n}\r\n",
    ];
    let validator = sarif_validator();
    for text in inputs {
        let mut sources = SourceMap::new();
        let file = sources.add(SourceFile::new(
            "/p/t.omni".into(),
            "t.omni".into(),
            text.into(),
        ));
        let (_, diags) = omnis::syntax::parser::parse_file(file, text);
        assert_eq!(diags.is_empty(), text.is_empty(), "{text:?}: {diags:?}");

        let human = output(Format::Human, &sources, &diags);
        assert_eq!(
            human.matches("error[syntax-error]").count(),
            diags.len(),
            "{human}"
        );
        assert!(human.ends_with(" in 1 file\n"), "{human}");
        assert!(!human.contains('\0'), "{human:?}");

        let json: Value = serde_json::from_str(&output(Format::Json, &sources, &diags)).unwrap();
        assert_eq!(json["diagnostics"].as_array().unwrap().len(), diags.len());

        let sarif = serde_json::from_str(&output(Format::Sarif, &sources, &diags)).unwrap();
        assert_valid_sarif(&validator, &sarif);

        let github = output(Format::Github, &sources, &diags);
        assert_eq!(
            github.lines().filter(|l| l.starts_with("::error ")).count(),
            diags.len()
        );
    }
}
