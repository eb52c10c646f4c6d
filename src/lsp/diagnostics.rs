//! Diagnostics as the protocol carries them: the same codes, messages,
//! labels (as related information) and help as `omnis check`, per file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    PublishDiagnosticsParams,
};

use super::text::Lines;
use super::workspace::{Checked, Workspace};
use crate::diagnostic::{Diagnostic, Severity};

/// One diagnostic in protocol form (`file`'s text gives the positions).
pub fn convert(ws: &Workspace, checked: &Checked, d: &Diagnostic) -> lsp_types::Diagnostic {
    let sources = &checked.analysis.sources;
    let file = sources.get(d.file);
    let lines = Lines::new(&file.text);
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|l| {
            let f = sources.get(l.file);
            let uri = ws.url_of(&f.path)?;
            let range = if l.file == d.file {
                lines.range(l.span)
            } else {
                Lines::new(&f.text).range(l.span)
            };
            Some(DiagnosticRelatedInformation {
                location: Location { uri, range },
                message: l.message.clone(),
            })
        })
        .collect();
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    lsp_types::Diagnostic {
        range: lines.range(d.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: None,
        source: Some("omnis".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The diagnostics to publish for the project at `root`: those of every
/// file that has some, and an empty list for each file that had some at
/// the last publication and has none now; and the files that have some.
pub fn for_project(
    ws: &Workspace,
    root: &PathBuf,
) -> (Vec<PublishDiagnosticsParams>, Vec<PathBuf>) {
    let Some(project) = ws.projects.get(root) else {
        return (Vec::new(), Vec::new());
    };
    let mut per_file: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> = project
        .published
        .iter()
        .map(|p| (p.clone(), Vec::new()))
        .collect();
    if let Some(checked) = &project.checked {
        let sources = &checked.analysis.sources;
        for d in &checked.analysis.diagnostics {
            let path = sources.get(d.file).path.clone();
            per_file
                .entry(path)
                .or_default()
                .push(convert(ws, checked, d));
        }
    }
    let mut published = Vec::new();
    let mut out = Vec::new();
    for (path, diagnostics) in per_file {
        let Some(uri) = ws.url_of(&path) else {
            continue;
        };
        if !diagnostics.is_empty() {
            published.push(path.clone());
        }
        let version = ws.docs.get(&path).map(|d| d.version);
        out.push(PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        });
    }
    (out, published)
}
