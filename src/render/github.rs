//! `--format github`: GitHub Actions workflow commands.
//!
//! Each diagnostic becomes
//! `::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=CODE::message`
//! (`::warning` for warnings), with the help after an (escaped) newline.
//!
//! GitHub shows at most 10 error and 10 warning annotations per step and
//! drops the rest without a word. Past those limits the remaining findings
//! are written as plain log lines (`file:line:col: severity[code]: message`)
//! and a `::notice::` says how many were not annotated, so nothing is lost
//! silently. The log ends with the summary line.

use super::{summary_line, Region};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

/// Annotations GitHub shows per severity and step.
pub(crate) const ANNOTATION_LIMIT: usize = 10;

/// Escapes the data (message) part of a workflow command.
pub(crate) fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value of a workflow command.
pub(crate) fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

fn command(sources: &SourceMap, d: &Diagnostic) -> String {
    let r = Region::of(sources, d.file, d.span);
    let mut data = d.message.clone();
    if let Some(help) = &d.help {
        data.push_str("\nhelp: ");
        data.push_str(help);
    }
    format!(
        "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        d.severity.as_str(),
        escape_property(&sources.get(d.file).name),
        r.line,
        r.column,
        r.end_line,
        r.end_column,
        escape_property(d.code.as_str()),
        escape_data(&data),
    )
}

/// A plain log line (and a help line): never read as a workflow command,
/// since it starts with the file name and newlines inside are flattened.
fn plain(sources: &SourceMap, d: &Diagnostic) -> String {
    let r = Region::of(sources, d.file, d.span);
    let flat = |s: &str| s.replace("\r\n", " ").replace(['\n', '\r'], " ");
    let mut line = format!(
        "{}:{}:{}: {}[{}]: {}",
        sources.get(d.file).name,
        r.line,
        r.column,
        d.severity.as_str(),
        d.code,
        flat(&d.message)
    );
    if let Some(help) = &d.help {
        line.push_str("\n  help: ");
        line.push_str(&flat(help));
    }
    line
}

pub(super) fn render(
    sources: &SourceMap,
    diags: &[Diagnostic],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let (mut errors, mut warnings) = (0, 0);
    let mut skipped = 0;
    for d in diags {
        let shown = match d.severity {
            Severity::Error => &mut errors,
            Severity::Warning => &mut warnings,
        };
        if *shown < ANNOTATION_LIMIT {
            *shown += 1;
            writeln!(out, "{}", command(sources, d))?;
        } else {
            skipped += 1;
            writeln!(out, "{}", plain(sources, d))?;
        }
    }
    if skipped > 0 {
        let text = format!(
            "{skipped} more {} not annotated: GitHub shows at most {ANNOTATION_LIMIT} errors \
             and {ANNOTATION_LIMIT} warnings per step. They are listed in this step's log.",
            if skipped == 1 {
                "finding was"
            } else {
                "findings were"
            }
        );
        writeln!(out, "::notice title=omnis::{}", escape_data(&text))?;
    }
    writeln!(out, "{}", summary_line(diags, sources.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;
    use crate::source::{FileId, SourceFile, Span};

    #[test]
    fn data_escapes_percent_and_newlines_only() {
        assert_eq!(
            escape_data("50% off:\r\nnow, today"),
            "50%25 off:%0D%0Anow, today"
        );
        // `%` first, so an escape is never escaped twice or mistaken for one.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("c:/a,b%\n.omni"), "c%3A/a%2Cb%25%0A.omni");
    }

    fn map() -> SourceMap {
        let mut sm = SourceMap::new();
        sm.add(SourceFile::new(
            "/p/a,b.omni".into(),
            "dir:x/a,b.omni".into(),
            "segment s = x\nsend y\n".into(),
        ));
        sm
    }

    fn run(sm: &SourceMap, diags: &[Diagnostic]) -> String {
        let mut out = Vec::new();
        render(sm, diags, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_command_per_diagnostic_with_escaped_help() {
        let sm = map();
        let d = Diagnostic::error(
            Code::UnknownName,
            FileId(0),
            Span::new(19, 20),
            "no `y`: 100%",
        )
        .with_help("did you mean `x`?\nor declare it");
        let w = Diagnostic::warning(Code::NoGoal, FileId(0), Span::new(0, 7), "no goal");
        assert_eq!(
            run(&sm, &[d, w]),
            "::error file=dir%3Ax/a%2Cb.omni,line=2,col=6,endLine=2,endColumn=7,\
             title=unknown-name::no `y`: 100%25%0Ahelp: did you mean `x`?%0Aor declare it\n\
             ::warning file=dir%3Ax/a%2Cb.omni,line=1,col=1,endLine=1,endColumn=8,\
             title=no-goal::no goal\n\
             1 error, 1 warning in 1 file\n"
        );
    }

    #[test]
    fn past_ten_per_severity_findings_become_plain_lines_and_a_notice() {
        let sm = map();
        let mut diags = Vec::new();
        for i in 0..12 {
            diags.push(Diagnostic::error(
                Code::UnknownName,
                FileId(0),
                Span::new(19, 20),
                format!("e{i}"),
            ));
        }
        for i in 0..11 {
            diags.push(
                Diagnostic::warning(
                    Code::NoGoal,
                    FileId(0),
                    Span::new(0, 7),
                    format!("w{i}\n::error::x"),
                )
                .with_help("add\na goal"),
            );
        }
        let text = run(&sm, &diags);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::error ")).count(),
            10
        );
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::warning ")).count(),
            10
        );
        // Nothing is dropped: the rest are plain lines that GitHub does not
        // parse as commands, even when the message contains one.
        assert!(lines.contains(&"dir:x/a,b.omni:2:6: error[unknown-name]: e10"));
        assert!(lines.contains(&"dir:x/a,b.omni:2:6: error[unknown-name]: e11"));
        assert!(lines.contains(&"dir:x/a,b.omni:1:1: warning[no-goal]: w10 ::error::x"));
        assert!(lines.contains(&"  help: add a goal"));
        assert!(!lines
            .iter()
            .any(|l| l.contains("e10") && l.starts_with("::")));
        let notices: Vec<&&str> = lines.iter().filter(|l| l.starts_with("::notice")).collect();
        assert_eq!(notices.len(), 1);
        assert!(
            notices[0].contains("3 more findings were not annotated"),
            "{}",
            notices[0]
        );
        assert_eq!(lines.last(), Some(&"12 errors, 11 warnings in 1 file"));
    }

    #[test]
    fn no_notice_within_the_limits() {
        let sm = map();
        let diags: Vec<Diagnostic> = (0..10)
            .map(|_| Diagnostic::error(Code::UnknownName, FileId(0), Span::new(19, 20), "e"))
            .collect();
        let text = run(&sm, &diags);
        assert!(!text.contains("::notice"));
        assert_eq!(
            text.lines().filter(|l| l.starts_with("::error ")).count(),
            10
        );
    }
}
