//! Diagnostics are data: a stable kebab-case code, a severity, a primary
//! span, secondary labels and a help line. Renderers (people: miette;
//! machines: JSON, SARIF, GitHub annotations) live in `crate::render`.

use crate::codes::Code;
use crate::source::{FileId, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A secondary location with a short message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable kebab-case code, e.g. `unknown-name`. See `crate::codes`.
    pub code: Code,
    pub severity: Severity,
    pub file: FileId,
    /// Primary span: where the problem starts.
    pub span: Span,
    /// What is wrong, in plain words.
    pub message: String,
    pub labels: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            file,
            span,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: Code, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, span, message)
        }
    }

    pub fn with_label(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by file, position and code, and drops exact duplicates
/// (a file imported by several others is checked once, but two campaigns can
/// still find the same thing in a shared message).
pub fn sort_and_dedup(diags: &mut Vec<Diagnostic>, file_order: impl Fn(FileId) -> String) {
    diags.sort_by(|a, b| {
        (
            file_order(a.file),
            a.span.start,
            a.span.end,
            a.code,
            &a.message,
        )
            .cmp(&(
                file_order(b.file),
                b.span.start,
                b.span.end,
                b.code,
                &b.message,
            ))
    });
    diags.dedup_by(|a, b| {
        a.file == b.file && a.span == b.span && a.code == b.code && a.message == b.message
    });
}

/// Counts for summaries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub files: usize,
    pub campaigns: usize,
}

impl Summary {
    pub fn count(diags: &[Diagnostic]) -> (usize, usize) {
        let errors = diags.iter().filter(|d| d.is_error()).count();
        (errors, diags.len() - errors)
    }
}
