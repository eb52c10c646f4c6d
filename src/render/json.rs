//! `--format json`: one pretty-printed object, exactly the brief's shape.
//!
//! ```json
//! {"diagnostics": [{"code", "severity", "message", "file", "line", "column",
//!   "end_line", "end_column", "help", "labels": [{"file", "line", "column",
//!   "end_line", "end_column", "message"}]}],
//!  "summary": {"errors", "warnings", "files"}}
//! ```
//! Positions are 1-based, ends exclusive; `help` is `null` when absent;
//! `files` counts the source files loaded. Fields are written in this order
//! (structs, not maps), so the output is byte-deterministic.

use serde::Serialize;

use super::{counts, Region};
use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

#[derive(Serialize)]
struct Output<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: &'a str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
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
    let output = Output {
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
