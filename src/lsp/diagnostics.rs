//! Diagnostics as the protocol carries them: the same codes, messages,
//! labels (as related information) and help as `omnis check`, per file.
//!
//! An edited file's diagnostics are published twice: first from the check
//! of the file with its imports ([`for_edited`]), then from the project's
//! ([`for_project`]), which settles what only the project decides.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    PublishDiagnosticsParams,
};

use super::text::Lines;
use super::workspace::{Checked, Workspace};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, Span};

/// One diagnostic in protocol form (`file`'s text gives the positions).
pub fn convert(ws: &Workspace, checked: &Checked, d: &Diagnostic) -> lsp_types::Diagnostic {
    convert_over(ws, checked, d, None)
}

/// [`convert`], with `edited`'s text instead of the check's for its file.
fn convert_over(
    ws: &Workspace,
    checked: &Checked,
    d: &Diagnostic,
    edited: Option<(FileId, &str)>,
) -> lsp_types::Diagnostic {
    let sources = &checked.analysis.sources;
    let text_of = |f: FileId| match edited {
        Some((e, text)) if e == f => text,
        _ => sources.get(f).text.as_str(),
    };
    let lines = Lines::new(text_of(d.file));
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|l| {
            let f = sources.get(l.file);
            let uri = ws.url_of(&f.path)?;
            let range = if l.file == d.file {
                lines.range(l.span)
            } else {
                Lines::new(text_of(l.file)).range(l.span)
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

/// The diagnostics to publish for the project at `root`, from its last
/// check: for each file whose diagnostics differ from those last published
/// for it (an empty list for a file that had some and has none now),
/// except the files edited since the check started (their own check's
/// stand); and every file's diagnostics once these are published (files
/// with some only).
pub fn for_project(ws: &Workspace, root: &PathBuf) -> (Vec<PublishDiagnosticsParams>, Shown) {
    let Some(project) = ws.projects.get(root) else {
        return (Vec::new(), Shown::new());
    };
    let mut now = Shown::new();
    if let Some(checked) = &project.checked {
        let sources = &checked.analysis.sources;
        for d in &checked.analysis.diagnostics {
            let path = &sources.get(d.file).path;
            if !project.quick.contains_key(path) {
                let found = now.entry(path.clone()).or_default();
                found.push(convert(ws, checked, d));
            }
        }
    }
    for (path, shown) in &project.published {
        if project.quick.contains_key(path) {
            now.insert(path.clone(), shown.clone());
        }
    }
    let files: std::collections::BTreeSet<&PathBuf> =
        project.published.keys().chain(now.keys()).collect();
    let mut out = Vec::new();
    for path in files {
        let diagnostics = now.get(path).cloned().unwrap_or_default();
        if project.published.get(path).map_or(&[][..], |d| d) == diagnostics {
            continue;
        }
        let Some(uri) = ws.url_of(path) else {
            continue;
        };
        let version = ws.docs.get(path).map(|d| d.version);
        out.push(PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        });
    }
    (out, now)
}

/// The diagnostics last published, by file (files with some only).
pub type Shown = BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>>;

/// The diagnostics to publish for the open document at `path` once it was
/// checked with its imports ([`Workspace::check_edited`]): those of that
/// check, and those of the project's last check that only the project
/// decides ([`crate::driver::decided_by_project`]: cross-campaign lints,
/// unused declarations and allows), moved along with the text around the
/// edit (dropped when the edit touches them) until the project's next
/// check settles them.
pub fn for_edited(ws: &Workspace, path: &Path) -> Option<PublishDiagnosticsParams> {
    let project = ws.projects.get(&ws.root_of(path))?;
    let quick = &project.quick.get(path)?.checked;
    let file = quick.file(path)?;
    let text = &quick.analysis.sources.get(file).text;
    let mut diagnostics: Vec<lsp_types::Diagnostic> = (quick.analysis.diagnostics.iter())
        .filter(|d| d.file == file)
        .map(|d| convert(ws, quick, d))
        .collect();
    if let Some((full, old)) = (project.checked.as_ref()).and_then(|c| Some((c, c.file(path)?))) {
        let edit = Edit::between(&full.analysis.sources.get(old).text, text);
        let carried = (full.analysis.diagnostics.iter())
            .filter(|d| d.file == old && crate::driver::decided_by_project(d.code))
            .filter_map(|d| edit.moved(d, old))
            .map(|d| convert_over(ws, full, &d, Some((old, text))));
        diagnostics.extend(carried);
        diagnostics.sort_by_key(|d| (d.range.start.line, d.range.start.character));
    }
    Some(PublishDiagnosticsParams {
        uri: ws.url_of(path)?,
        diagnostics,
        version: ws.docs.get(path).map(|d| d.version),
    })
}

/// What changed between two texts of a file: the bytes between the
/// longest common prefix and the longest common suffix.
#[derive(Debug, PartialEq)]
struct Edit {
    /// The common prefix.
    start: usize,
    /// Where the common suffix starts, in the old text.
    old_end: usize,
    /// Where it starts in the new text.
    new_end: usize,
}

impl Edit {
    fn between(old: &str, new: &str) -> Edit {
        let (o, n) = (old.as_bytes(), new.as_bytes());
        let mut start = o.iter().zip(n).take_while(|(a, b)| a == b).count();
        while !new.is_char_boundary(start) {
            start -= 1;
        }
        let room = o.len().min(n.len()) - start;
        let mut suffix = (o.iter().rev().zip(n.iter().rev()))
            .take(room)
            .take_while(|(a, b)| a == b)
            .count();
        while !new.is_char_boundary(n.len() - suffix) {
            suffix -= 1;
        }
        Edit {
            start,
            old_end: o.len() - suffix,
            new_end: n.len() - suffix,
        }
    }

    /// Where a span of the old text is in the new one: unmoved before the
    /// edit, shifted after it, `None` when the edit touches it.
    fn span(&self, s: Span) -> Option<Span> {
        let (start, end) = (s.start as usize, s.end as usize);
        if end <= self.start {
            Some(s)
        } else if start >= self.old_end {
            let shift = |x: usize| x - self.old_end + self.new_end;
            Some(Span::new(shift(start), shift(end)))
        } else {
            None
        }
    }

    /// `d` (in `file`, with labels anywhere) with its spans in `file`
    /// moved to the new text; `None` when the edit touches one.
    fn moved(&self, d: &Diagnostic, file: FileId) -> Option<Diagnostic> {
        let mut d = d.clone();
        d.span = self.span(d.span)?;
        for l in d.labels.iter_mut().filter(|l| l.file == file) {
            l.span = self.span(l.span)?;
        }
        Some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_move_with_the_text_around_an_edit() {
        let old = "segment a = x\nsegment b = y\nsegment c = z\n";
        let new = old.replace("b = y", "bee = yy");
        let e = Edit::between(old, &new);
        let at = |t: &str, w: &str| {
            let i = t.find(w).unwrap();
            Span::new(i, i + w.len())
        };
        // Before the edit: unmoved; after it: shifted; in it: gone.
        assert_eq!(e.span(at(old, "a = x")), Some(at(&new, "a = x")));
        assert_eq!(e.span(at(old, "c = z")), Some(at(&new, "c = z")));
        assert_eq!(e.span(at(old, "b = y")), None);
        // The edit is the least that changed: ` = ` to `ee = y`.
        assert_eq!(e.span(at(old, "segment b")), Some(at(&new, "segment b")));
        // Nothing changed: everything stays.
        let same = Edit::between(old, old);
        assert_eq!(same.span(at(old, "b = y")), Some(at(old, "b = y")));
        // A multi-byte character changed: the edit covers all of it.
        let e = Edit::between("x é y", "x è y");
        assert_eq!((e.start, e.old_end, e.new_end), (2, 4, 4));
    }
}
