//! `--format json`: one pretty-printed object, the brief's shape with a
//! `format_version` first.
//!
//! ```json
//! {"format_version": "1.0",
//!  "diagnostics": [{"code", "severity", "message", "file", "line", "column",
//!   "end_line", "end_column", "help", "labels": [{"file", "line", "column",
//!   "end_line", "end_column", "message"}]}],
//!  "summary": {"errors", "warnings", "files"}}
//! ```
//! Positions are 1-based, ends exclusive; `help` is `null` when absent;
//! `files` counts the source files loaded. Fields are written in this order
//! (structs, not maps), so the output is byte-deterministic; the findings
//! are written directly, in the bytes serde would write (tested). The JSON Schema
//! is `schema/check.schema.json` (`omnis schema check`), generated from
//! these types.

use schemars::JsonSchema;
use serde::Serialize;

use super::{counts, Region};
use crate::diagnostic::Diagnostic;
use crate::schemas::CHECK_FORMAT_VERSION;
use crate::source::SourceMap;

/// The report of `omnis check --format json`.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "Omnis check report")]
pub struct JsonReport<'a> {
    /// The version of this format, `major.minor` (this is `1.0`). A minor
    /// version only adds; a major version breaks.
    format_version: &'a str,
    /// Errors first, then warnings; each by file and position.
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

/// One finding. Positions are 1-based; columns count Unicode code points;
/// the end is exclusive (the column just after the last character).
#[derive(Serialize, JsonSchema)]
struct JsonDiagnostic<'a> {
    /// A stable kebab-case code; `omnis explain CODE` says more.
    code: &'a str,
    /// `error` or `warning` (after `omnis.toml` levels and `--deny`).
    #[schemars(regex(pattern = "^(error|warning)$"))]
    severity: &'a str,
    message: &'a str,
    /// The file, relative to the project root, with `/` separators.
    file: &'a str,
    #[schemars(range(min = 1))]
    line: usize,
    #[schemars(range(min = 1))]
    column: usize,
    #[schemars(range(min = 1))]
    end_line: usize,
    #[schemars(range(min = 1))]
    end_column: usize,
    /// How to fix it, when there is advice.
    help: Option<&'a str>,
    /// Other places that explain the finding.
    labels: Vec<JsonLabel<'a>>,
}

/// A secondary place of a finding.
#[derive(Serialize, JsonSchema)]
struct JsonLabel<'a> {
    file: &'a str,
    #[schemars(range(min = 1))]
    line: usize,
    #[schemars(range(min = 1))]
    column: usize,
    #[schemars(range(min = 1))]
    end_line: usize,
    #[schemars(range(min = 1))]
    end_column: usize,
    /// What this place has to do with the finding (may be empty).
    message: &'a str,
}

/// Counts.
#[derive(Serialize, JsonSchema)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    /// The source files loaded (named, found in folders, or imported).
    files: usize,
}

pub(super) fn render(
    sources: &SourceMap,
    diags: &[Diagnostic],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let (errors, warnings) = counts(diags);
    let report = JsonReport {
        format_version: CHECK_FORMAT_VERSION,
        diagnostics: Vec::new(),
        summary: JsonSummary {
            errors,
            warnings,
            files: sources.len(),
        },
    };
    // The frame is serde's; the findings are written directly
    // ([`element`]), byte for byte as serde writes them there (tested).
    let frame = serde_json::to_string_pretty(&report)?;
    if diags.is_empty() {
        out.write_all(frame.as_bytes())?;
        return out.write_all(b"\n");
    }
    let (head, tail) = frame
        .split_once(EMPTY_ARRAY)
        .expect("the report has its diagnostics array");
    out.write_all(head.as_bytes())?;
    out.write_all(b"\"diagnostics\": [\n")?;
    if diags.len() <= PER_TASK {
        out.write_all(elements(sources, diags, true).as_bytes())?;
    } else {
        // Many findings (a workspace where every campaign collides with
        // the others): written on every core, a batch at a time (so the
        // text held stays bounded), and spliced into the report in order.
        use rayon::prelude::*;
        for (b, batch) in diags.chunks(PER_TASK * TASKS_PER_BATCH).enumerate() {
            let texts: Vec<String> = crate::stack::pool().install(|| {
                (batch.par_chunks(PER_TASK).enumerate())
                    .map(|(t, chunk)| elements(sources, chunk, b == 0 && t == 0))
                    .collect()
            });
            for text in texts {
                out.write_all(text.as_bytes())?;
            }
        }
    }
    out.write_all(b"\n  ]")?;
    out.write_all(tail.as_bytes())?;
    out.write_all(b"\n")
}

/// The diagnostics array of a report with none, as `to_writer_pretty`
/// writes it.
const EMPTY_ARRAY: &str = "\"diagnostics\": []";

/// How many findings one worker writes at a time.
const PER_TASK: usize = 256;
/// How many such tasks are written before their text is.
const TASKS_PER_BATCH: usize = 16;

/// The elements of the diagnostics array for `diags`, as
/// `to_writer_pretty` writes them inside the report, each after a comma
/// and a newline but the very first.
fn elements(sources: &SourceMap, diags: &[Diagnostic], first: bool) -> String {
    let mut text = String::with_capacity(diags.len() * 1024);
    for (i, d) in diags.iter().enumerate() {
        if !(first && i == 0) {
            text.push_str(",\n");
        }
        element(&mut text, &diagnostic(sources, d));
    }
    text
}

/// One finding as `to_writer_pretty` writes it as an element of the
/// report's diagnostics array (indented two levels, without the line
/// break before it): the fields of [`JsonDiagnostic`] in order.
fn element(out: &mut String, d: &JsonDiagnostic) {
    out.push_str("    {\n      \"code\": ");
    string(out, d.code);
    out.push_str(",\n      \"severity\": ");
    string(out, d.severity);
    out.push_str(",\n      \"message\": ");
    string(out, d.message);
    out.push_str(",\n      ");
    location(
        out,
        "\n      ",
        d.file,
        [d.line, d.column, d.end_line, d.end_column],
    );
    out.push_str(",\n      \"help\": ");
    match d.help {
        Some(help) => string(out, help),
        None => out.push_str("null"),
    }
    out.push_str(",\n      \"labels\": ");
    if d.labels.is_empty() {
        out.push_str("[]");
    } else {
        out.push('[');
        for (i, l) in d.labels.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str("        {\n          ");
            location(
                out,
                "\n          ",
                l.file,
                [l.line, l.column, l.end_line, l.end_column],
            );
            out.push_str(",\n          \"message\": ");
            string(out, l.message);
            out.push_str("\n        }");
        }
        out.push_str("\n      ]");
    }
    out.push_str("\n    }");
}

/// The `file`, `line`, `column`, `end_line` and `end_column` members of
/// a finding or a label, each but the first after a comma and `indent`
/// (a line break and the indentation).
fn location(out: &mut String, indent: &str, file: &str, values: [usize; 4]) {
    out.push_str("\"file\": ");
    string(out, file);
    for (key, n) in ["line", "column", "end_line", "end_column"]
        .into_iter()
        .zip(values)
    {
        out.push(',');
        out.push_str(indent);
        out.push('"');
        out.push_str(key);
        out.push_str("\": ");
        out.push_str(super::digits(n).as_str());
    }
}

/// `s` as a JSON string, escaped as serde escapes it: `"` and `\`, and
/// the control characters below U+0020 (`\b`, `\t`, `\n`, `\f`, `\r`,
/// the others as `\u00XX`); everything else as it is.
fn string(out: &mut String, s: &str) {
    out.push('"');
    let b = s.as_bytes();
    let mut from = 0;
    for (i, &c) in b.iter().enumerate() {
        let escape = match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\t' => "\\t",
            b'\r' => "\\r",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        from = i + 1;
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(c >> 4)] as char);
            out.push(HEX[usize::from(c & 0xf)] as char);
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&s[from..]);
    out.push('"');
}

/// One finding as the report shows it.
fn diagnostic<'a>(sources: &'a SourceMap, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let r = Region::of(sources, d.file, d.span);
    JsonDiagnostic {
        code: d.code.as_str(),
        severity: d.severity.as_str(),
        message: &d.message,
        file: &sources.get(d.file).name,
        line: r.line,
        column: r.column,
        end_line: r.end_line,
        end_column: r.end_column,
        help: d.help.as_deref(),
        labels: d
            .labels
            .iter()
            .map(|l| {
                let r = Region::of(sources, l.file, l.span);
                JsonLabel {
                    file: &sources.get(l.file).name,
                    line: r.line,
                    column: r.column,
                    end_line: r.end_line,
                    end_column: r.end_column,
                    message: &l.message,
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;
    use crate::source::{SourceFile, Span};

    /// Many findings are written a few at a time on every core: the bytes
    /// are those of the whole report written at once, whatever the count
    /// (one task, one batch, several batches, a partial last one).
    #[test]
    fn findings_written_in_parts_make_the_report_written_whole() {
        let mut sources = SourceMap::default();
        let text = "line one\n  \"two\" é\nthree\n".repeat(50);
        let file = sources.add(SourceFile::new(
            "a.omni".into(),
            "dir/a \"x\".omni".into(),
            text,
        ));
        for n in [
            0,
            1,
            2,
            PER_TASK,
            PER_TASK + 1,
            PER_TASK * TASKS_PER_BATCH * 2 + 3,
        ] {
            let diags: Vec<Diagnostic> = (0..n)
                .map(|i| {
                    let d = Diagnostic::warning(
                        Code::ChannelBudget,
                        file,
                        Span::new(i % 100, i % 100 + 3),
                        format!("finding {i}: \"quoted\"\nnewline\tand é \\ \u{1}\u{8}\u{c}\r\u{1f}\u{7f} /"),
                    );
                    let d = if i % 2 == 0 {
                        d.with_help("help\n2")
                    } else {
                        d
                    };
                    (0..i % 3).fold(d, |d, k| d.with_label(file, Span::new(k, k + 1), "label"))
                })
                .collect();
            let mut parts = Vec::new();
            render(&sources, &diags, &mut parts).unwrap();
            let (errors, warnings) = counts(&diags);
            let mut whole = serde_json::to_vec_pretty(&JsonReport {
                format_version: CHECK_FORMAT_VERSION,
                diagnostics: diags.iter().map(|d| diagnostic(&sources, d)).collect(),
                summary: JsonSummary {
                    errors,
                    warnings,
                    files: sources.len(),
                },
            })
            .unwrap();
            whole.push(b'\n');
            assert_eq!(
                String::from_utf8(parts).unwrap(),
                String::from_utf8(whole).unwrap(),
                "{n}"
            );
        }
    }
}
