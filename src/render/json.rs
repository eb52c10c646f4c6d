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
//! (structs, not maps), so the output is byte-deterministic. The JSON Schema
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
    let diagnostics = diags
        .iter()
        .map(|d| {
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
        })
        .collect();
    let (errors, warnings) = counts(diags);
    let output = JsonReport {
        format_version: CHECK_FORMAT_VERSION,
        diagnostics,
        summary: JsonSummary {
            errors,
            warnings,
            files: sources.len(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    out.write_all(b"\n")
}
