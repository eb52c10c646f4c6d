//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it.
//!
//! One run. `tool.driver.rules` lists every code of [`crate::codes::CODES`],
//! in catalogue order; each result's `ruleIndex` points into that list.
//! Each result has its primary location, `relatedLocations` for labels, and
//! a `partialFingerprints` entry that survives unrelated edits: the SHA-256 of
//! the code, the file and the trimmed text of the primary source line, plus
//! the occurrence index of that triple among the results (`HASH:N`).
//! Columns count code points (`columnKind: unicodeCodePoints`).

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::Region;
use crate::codes::{CodeInfo, CODES};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap, Span};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of our entry in `partialFingerprints`; bump the version if the
/// way it is computed changes.
pub(crate) const FINGERPRINT_KEY: &str = "omnis/v1";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The first prose paragraph of an explanation (headings skipped).
fn first_paragraph(markdown: &str) -> String {
    let mut words: Vec<&str> = Vec::new();
    for line in markdown.lines() {
        let t = line.trim();
        if t.starts_with('#') || t.starts_with("```") {
            if words.is_empty() {
                continue;
            }
            break;
        }
        if t.is_empty() {
            if words.is_empty() {
                continue;
            }
            break;
        }
        words.push(t);
    }
    words.join(" ")
}

fn rule(c: &CodeInfo) -> Value {
    let explanation = c.explanation();
    let mut full = first_paragraph(&explanation);
    if full.is_empty() || full.starts_with('(') {
        // Not yet documented: the summary is better than a placeholder.
        full = c.summary.to_string();
    }
    json!({
        "id": c.code,
        "name": c.code,
        "shortDescription": { "text": c.summary },
        "fullDescription": { "text": full },
        "help": { "text": explanation, "markdown": explanation },
        "defaultConfiguration": { "level": level(c.default_severity) }
    })
}

/// Percent-encodes a relative path for a URI reference: everything but
/// unreserved characters and `/` (so spaces and non-ASCII names are valid).
pub(crate) fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `artifactLocation` of a file: relative names against `%SRCROOT%`,
/// absolute ones (files outside the project root) as `file://` URIs.
fn artifact_location(name: &str) -> Value {
    let name = name.replace('\\', "/");
    let bytes = name.as_bytes();
    let windows_drive = bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if name.starts_with('/') {
        json!({ "uri": format!("file://{}", encode_path(&name)) })
    } else if windows_drive {
        // Keep the drive's colon: `file:///C:/...`.
        json!({ "uri": format!("file:///{}:{}", &name[..1], encode_path(&name[2..])) })
    } else {
        json!({ "uri": encode_path(&name), "uriBaseId": "%SRCROOT%" })
    }
}

fn physical_location(sources: &SourceMap, file: FileId, span: Span) -> Value {
    let r = Region::of(sources, file, span);
    json!({
        "artifactLocation": artifact_location(&sources.get(file).name),
        "region": {
            "startLine": r.line,
            "startColumn": r.column,
            "endLine": r.end_line,
            "endColumn": r.end_column
        }
    })
}

/// The trimmed text of the line holding `offset`.
fn line_text(text: &str, offset: usize) -> &str {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    text[start..end].trim()
}

/// The hash part of a fingerprint: independent of where the line is.
pub(crate) fn line_hash(code: &str, file: &str, line: &str) -> String {
    let mut h = Sha256::new();
    for part in [code, file, line] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `HASH:N` per diagnostic, N counting earlier diagnostics with the same hash.
pub(crate) fn fingerprints(sources: &SourceMap, diags: &[Diagnostic]) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    diags
        .iter()
        .map(|d| {
            let f = sources.get(d.file);
            let hash = line_hash(
                d.code.as_str(),
                &f.name,
                line_text(&f.text, d.span.start as usize),
            );
            let n = seen.entry(hash.clone()).or_insert(0);
            *n += 1;
            format!("{hash}:{n}")
        })
        .collect()
}

fn result(sources: &SourceMap, d: &Diagnostic, fingerprint: String) -> Value {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut r = json!({
        "ruleId": d.code,
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [{ "physicalLocation": physical_location(sources, d.file, d.span) }],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint }
    });
    if let Some(i) = d.code.catalogue_index() {
        r["ruleIndex"] = json!(i);
    }
    if !d.labels.is_empty() {
        r["relatedLocations"] = d
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "id": i,
                    "physicalLocation": physical_location(sources, l.file, l.span),
                    "message": { "text": l.message }
                })
            })
            .collect();
    }
    r
}

pub(crate) fn to_value(sources: &SourceMap, diags: &[Diagnostic]) -> Value {
    let mut driver = json!({
        "name": "omnis",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": CODES.iter().map(rule).collect::<Vec<_>>()
    });
    let uri = [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| !u.is_empty());
    if let Some(uri) = uri {
        driver["informationUri"] = json!(uri);
    }
    let results: Vec<Value> = diags
        .iter()
        .zip(fingerprints(sources, diags))
        .map(|(d, fp)| result(sources, d, fp))
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "columnKind": "unicodeCodePoints",
            "results": results
        }]
    })
}

pub(super) fn render(
    sources: &SourceMap,
    diags: &[Diagnostic],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(sources, diags))?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;
    use crate::source::SourceFile;

    fn one(text: &str) -> SourceMap {
        let mut sm = SourceMap::new();
        sm.add(SourceFile::new(
            "/p/a.omni".into(),
            "a.omni".into(),
            text.into(),
        ));
        sm
    }

    fn at(sm: &SourceMap, needle: &str, code: Code) -> Diagnostic {
        let text = &sm.get(FileId(0)).text;
        let start = text.find(needle).unwrap();
        Diagnostic::warning(code, FileId(0), Span::new(start, start + needle.len()), "m")
    }

    #[test]
    fn fingerprints_survive_lines_inserted_above() {
        let before = one("message m {}\ncampaign c {\n  send m\n}\n");
        let after = one("// a comment\n\nmessage m {}\ncampaign c {\n    send m\n}\n");
        let fp = |sm: &SourceMap| fingerprints(sm, &[at(sm, "send m", Code::RepeatedMessage)]);
        assert_eq!(fp(&before), fp(&after));
    }

    #[test]
    fn fingerprints_tell_findings_apart() {
        let sm = one("send a\nsend b\nsend a\n");
        let first_a = at(&sm, "send a", Code::RepeatedMessage);
        let mut second_a = first_a.clone();
        second_a.span = Span::new(14, 20);
        let b = at(&sm, "send b", Code::RepeatedMessage);
        let other_code = at(&sm, "send b", Code::UnreachableStep);
        let fps = fingerprints(&sm, &[first_a, b, second_a, other_code]);
        // Same line text twice: same hash, occurrence 1 then 2.
        let (h0, n0) = fps[0].split_once(':').unwrap();
        let (h2, n2) = fps[2].split_once(':').unwrap();
        assert_eq!((h0, n0, n2), (h2, "1", "2"));
        assert_eq!(h0.len(), 64);
        let unique: std::collections::HashSet<_> = fps.iter().collect();
        assert_eq!(unique.len(), 4, "{fps:?}");
        // Another file with the same text is another finding.
        assert_ne!(
            line_hash("repeated-message", "a.omni", "send a"),
            line_hash("repeated-message", "b.omni", "send a")
        );
    }

    #[test]
    fn uris_are_encoded_and_relative_to_srcroot() {
        assert_eq!(
            encode_path("my campaigns/ç.omni"),
            "my%20campaigns/%C3%A7.omni"
        );
        assert_eq!(
            artifact_location("a b/c.omni"),
            json!({"uri": "a%20b/c.omni", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_location("/tmp/x.omni"),
            json!({"uri": "file:///tmp/x.omni"})
        );
        assert_eq!(
            artifact_location("C:\\x\\y.omni"),
            json!({"uri": "file:///C:/x/y.omni"})
        );
    }

    #[test]
    fn every_code_is_a_rule_and_rule_index_points_at_it() {
        let sm = one("send x\n");
        let v = to_value(&sm, &[at(&sm, "x", Code::UnknownName)]);
        let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), CODES.len());
        let result = &v["runs"][0]["results"][0];
        let i = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], "unknown-name");
        assert_eq!(rules[i]["defaultConfiguration"]["level"], "error");
        assert!(rules[i]["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .starts_with("A name is used that no declaration"));
    }

    #[test]
    fn first_paragraph_skips_the_heading() {
        assert_eq!(
            first_paragraph("# x\n\nOne\ntwo.\n\n## Why\nno\n"),
            "One two."
        );
    }
}
