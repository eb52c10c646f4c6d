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
        self.label(file, span, message);
        self
    }

    /// Adds a label: [`Diagnostic::with_label`] on a diagnostic held by
    /// reference (as the resolver's `err` gives it).
    pub fn label(&mut self, file: FileId, span: Span, message: impl Into<String>) -> &mut Self {
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
    // Each file's place in that order, asked once per file (not twice per
    // comparison: 80,000 findings made millions of names); files of one
    // name share a place.
    let mut files: Vec<FileId> = diags.iter().map(|d| d.file).collect();
    files.sort_unstable();
    files.dedup();
    let mut named: Vec<(String, FileId)> = files.iter().map(|&f| (file_order(f), f)).collect();
    named.sort();
    let mut rank = vec![0u32; files.last().map_or(0, |f| f.0 as usize + 1)];
    for (i, (name, f)) in named.iter().enumerate() {
        let same = i > 0 && named[i - 1].0 == *name;
        rank[f.0 as usize] = if same {
            rank[named[i - 1].1 .0 as usize]
        } else {
            i as u32
        };
    }
    // Small keys are sorted, not the findings (which are large to move):
    // by file, position, code and message, then place, so the order is
    // the stable sort's, on any number of threads.
    let mut keys: Vec<(u32, u32, u32, Code, u32)> = (diags.iter().enumerate())
        .map(|(i, d)| {
            (
                rank[d.file.0 as usize],
                d.span.start,
                d.span.end,
                d.code,
                i as u32,
            )
        })
        .collect();
    let order = |a: &(u32, u32, u32, Code, u32), b: &(u32, u32, u32, Code, u32)| {
        (a.0, a.1, a.2, a.3)
            .cmp(&(b.0, b.1, b.2, b.3))
            .then_with(|| {
                diags[a.4 as usize]
                    .message
                    .cmp(&diags[b.4 as usize].message)
            })
            .then(a.4.cmp(&b.4))
    };
    if keys.len() < 4096 {
        keys.sort_unstable_by(order);
    } else {
        use rayon::prelude::*;
        crate::stack::pool().install(|| keys.par_sort_unstable_by(order));
    }
    let mut slots: Vec<Option<Diagnostic>> = diags.drain(..).map(Some).collect();
    diags.extend(
        keys.iter()
            .map(|k| slots[k.4 as usize].take().expect("each finding once")),
    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;

    #[test]
    fn many_findings_sort_as_one_thread_sorts_them() {
        // Files named out of id order, two of one name; findings at few
        // places, so many compare equal but for their message or code.
        let names = ["b.omni", "a.omni", "c.omni", "a.omni"];
        let mut state = 0x9e37_79b9_u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n) as usize
        };
        let diags: Vec<Diagnostic> = (0..10_000)
            .map(|i| {
                let (file, at) = (FileId(next(4) as u32), next(20));
                let code = [Code::NoGoal, Code::UnknownName][next(2)];
                Diagnostic::warning(code, file, Span::new(at, at + 1), format!("m{}", next(3)))
                    .with_help(format!("{i}"))
            })
            .collect();
        let mut sorted = diags.clone();
        sort_and_dedup(&mut sorted, |f| names[f.0 as usize].to_string());
        let mut expected = diags;
        expected.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                (
                    names[d.file.0 as usize],
                    d.span.start,
                    d.span.end,
                    d.code,
                    d.message.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        expected.dedup_by(|a, b| {
            a.file == b.file && a.span == b.span && a.code == b.code && a.message == b.message
        });
        assert_eq!(sorted, expected);
        assert!(sorted.len() > 400, "{}", sorted.len());
    }
}
