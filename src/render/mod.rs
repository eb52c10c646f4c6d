//! Every way diagnostics leave the program.
//!
//! - [`Format::Human`]: miette's graphical report, for people at a terminal
//!   (drawn directly when it can be, the same bytes: `human::draw`).
//! - [`Format::Json`]: the brief's `{"diagnostics": [...], "summary": {...}}`,
//!   with a `format_version` (`schema/check.schema.json`).
//! - [`Format::Sarif`]: SARIF 2.1.0 for GitHub code scanning and other tools.
//! - [`Format::Github`]: GitHub Actions workflow commands (annotations).
//!
//! Diagnostics arrive sorted and deduplicated; renderers keep their order.
//! Every renderer is deterministic: the same input gives the same bytes.
//! Lines and columns are 1-based and columns count Unicode code points; end
//! positions are exclusive (the column just after the last character), the
//! way SARIF's `endColumn` is.

mod github;
mod human;
mod json;
mod sarif;

pub use json::JsonReport;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap, Span};

/// The output formats of `omnis check --format` (parsed by clap from
/// their lower-case names: `human`, `json`, `sarif`, `github`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

/// How the human format looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HumanOptions {
    /// ANSI colours (only when writing to a terminal that wants them).
    pub color: bool,
    /// The width text is wrapped to.
    pub width: usize,
    /// The summary line at the end (`2 errors, 1 warning in 3 files`); off
    /// with `--quiet`.
    pub summary: bool,
}

impl Default for HumanOptions {
    fn default() -> Self {
        HumanOptions {
            color: false,
            width: 100,
            summary: true,
        }
    }
}

/// Writes `diags` (already sorted and deduplicated) in `format`, errors
/// first: the order of `diags` is kept among the errors and among the
/// warnings, so one error is not buried under ten warnings.
///
/// `human` is only read by [`Format::Human`].
pub fn render(
    format: Format,
    sources: &SourceMap,
    diags: &[Diagnostic],
    human: &HumanOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let ordered = errors_first(diags);
    let diags = &ordered[..];
    match format {
        Format::Human => human::render(sources, diags, human, out),
        Format::Json => json::render(sources, diags, out),
        Format::Sarif => sarif::render(sources, diags, out),
        Format::Github => github::render(sources, diags, out),
    }
}

/// Errors, then warnings, each in the order given.
fn errors_first(diags: &[Diagnostic]) -> std::borrow::Cow<'_, [Diagnostic]> {
    let is_error = |d: &Diagnostic| d.severity == Severity::Error;
    if diags
        .iter()
        .skip_while(|d| is_error(d))
        .all(|d| !is_error(d))
    {
        return std::borrow::Cow::Borrowed(diags);
    }
    let (mut errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) =
        diags.iter().cloned().partition(is_error);
    errors.extend(warnings);
    std::borrow::Cow::Owned(errors)
}

/// A region shown to machines: 1-based, end exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Region {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Region {
    pub(crate) fn of(sources: &SourceMap, file: FileId, span: Span) -> Region {
        let f = sources.get(file);
        let start = f.line_col(span.start as usize);
        // A span never ends before it starts, whatever the caller built.
        let end = f.line_col((span.end as usize).max(span.start as usize));
        Region {
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    }
}

/// `(errors, warnings)`.
pub(crate) fn counts(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    (errors, diags.len() - errors)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2 errors, 1 warning in 3 files`, or `no problems found in 3 files`.
pub(crate) fn summary_line(diags: &[Diagnostic], files: usize) -> String {
    let (errors, warnings) = counts(diags);
    let files = plural(files, "file", "files");
    let mut parts = Vec::new();
    if errors > 0 {
        parts.push(plural(errors, "error", "errors"));
    }
    if warnings > 0 {
        parts.push(plural(warnings, "warning", "warnings"));
    }
    if parts.is_empty() {
        format!("no problems found in {files}")
    } else {
        format!("{} in {files}", parts.join(", "))
    }
}

/// `n` in decimal, without an allocation (`Display` through a formatter
/// was a good part of drawing a report, a line number per line, and of
/// writing JSON findings): for `human` and `json`.
struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[self.start..]).expect("ASCII digits")
    }

    fn len(&self) -> usize {
        self.buf.len() - self.start
    }
}

fn digits(mut n: usize) -> Digits {
    let mut d = Digits {
        buf: [0; 20],
        start: 20,
    };
    loop {
        d.start -= 1;
        d.buf[d.start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;
    use crate::source::SourceFile;

    fn d(sev: Severity) -> Diagnostic {
        match sev {
            Severity::Error => {
                Diagnostic::error(Code::SyntaxError, FileId(0), Span::new(0, 1), "x")
            }
            Severity::Warning => Diagnostic::warning(Code::NoGoal, FileId(0), Span::new(0, 1), "x"),
        }
    }

    #[test]
    fn formats_are_named_in_lower_case() {
        use clap::ValueEnum;
        let names: Vec<String> = Format::value_variants()
            .iter()
            .map(|f| f.to_possible_value().unwrap().get_name().to_string())
            .collect();
        assert_eq!(names, ["human", "json", "sarif", "github"]);
        assert_eq!(Format::from_str("sarif", false), Ok(Format::Sarif));
        assert!(Format::from_str("yaml", false).is_err());
    }

    #[test]
    fn summary_line_counts_and_pluralises() {
        assert_eq!(summary_line(&[], 3), "no problems found in 3 files");
        assert_eq!(summary_line(&[], 1), "no problems found in 1 file");
        let e = d(Severity::Error);
        let w = d(Severity::Warning);
        assert_eq!(
            summary_line(&[e.clone(), e.clone(), w.clone()], 3),
            "2 errors, 1 warning in 3 files"
        );
        assert_eq!(summary_line(&[w.clone(), w], 2), "2 warnings in 2 files");
        assert_eq!(summary_line(&[e], 1), "1 error in 1 file");
    }

    #[test]
    fn regions_are_one_based_with_exclusive_end_in_code_points() {
        let mut sm = SourceMap::new();
        let f = sm.add(SourceFile::new("a".into(), "a".into(), "ab\nçdef\n".into()));
        // `def` on line 2: bytes 5..8 (ç is two bytes), columns 2..5.
        let r = Region::of(&sm, f, Span::new(5, 8));
        assert_eq!(
            r,
            Region {
                line: 2,
                column: 2,
                end_line: 2,
                end_column: 5
            }
        );
        // A reversed span is shown as empty at its start.
        let r = Region::of(&sm, f, Span { start: 5, end: 1 });
        assert_eq!((r.end_line, r.end_column), (2, 2));
    }
}
