//! `--format human`: miette's graphical reports, then a summary line.
//! Without colours they are drawn directly ([`draw`]: the same bytes for
//! about half the work), with miette for what that does not cover.
//!
//! Each diagnostic is wrapped in [`Report`], a `miette::Diagnostic` whose
//! source is an [`Excerpt`]: only the lines around the primary span and the
//! labels (one context line either side), with each file's display name.
//! Labels in another file than the primary span get a snippet of their own
//! under that file's name, in the same report.
//!
//! Lines longer than [`MAX_LINE_CHARS`] are clipped to the parts around the
//! spans on them, with `…` marking what was left out, and spans over more than
//! [`MAX_SPAN_LINES`] lines are shown by their first line. So a diagnostic on
//! a 5 MB line renders a few hundred characters, not 5 MB, and miette never
//! scans whole files. Line numbers and the `[file:line:column]` header still
//! refer to the real file (columns count code points, as everywhere).

use std::fmt;
use std::io;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::{summary_line, HumanOptions};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

mod draw;
mod excerpt;
mod wrap;

use excerpt::{sanitize, Excerpt};

/// Lines longer than this (in characters) are clipped.
pub(crate) const MAX_LINE_CHARS: usize = 160;
/// Characters kept before and after a span on a clipped line.
const CONTEXT_CHARS: usize = 40;
/// Of a long span on a clipped line, characters kept from its start (the
/// rest up to the last [`CONTEXT_CHARS`] before its end is elided).
const SPAN_CHARS: usize = 60;
/// A span over more lines than this is shown by its first line.
pub(crate) const MAX_SPAN_LINES: usize = 12;
/// Lines of context around each span.
const CONTEXT_LINES: usize = 1;
const ELLIPSIS: &str = "…";

pub(super) fn render(
    sources: &SourceMap,
    diags: &[Diagnostic],
    opts: &HumanOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_context_lines(CONTEXT_LINES);
    // Without colours, reports are drawn directly (`draw`), with miette
    // for what that does not cover.
    let direct = (!opts.color).then_some(opts.width);
    let render_all = |diags: &[Diagnostic]| -> io::Result<String> {
        let mut text = String::new();
        for d in diags {
            render_one(&handler, direct, sources, d, &mut text)?;
        }
        Ok(text)
    };
    if diags.len() <= REPORTS_PER_TASK {
        out.write_all(render_all(diags)?.as_bytes())?;
    } else {
        // Many findings (a workspace where every campaign collides with
        // the others): rendered on every core, a batch at a time (so the
        // text held stays bounded), and written in order.
        use rayon::prelude::*;
        for batch in diags.chunks(REPORTS_PER_TASK * REPORT_TASKS_PER_BATCH) {
            let texts: Vec<io::Result<String>> = crate::stack::pool()
                .install(|| batch.par_chunks(REPORTS_PER_TASK).map(render_all).collect());
            for text in texts {
                out.write_all(text?.as_bytes())?;
            }
        }
    }
    if opts.summary {
        writeln!(out, "{}", summary_line(diags, sources.len()))?;
    }
    Ok(())
}

/// How many reports one worker renders at a time.
const REPORTS_PER_TASK: usize = 64;
/// How many such tasks are rendered before their text is written out.
const REPORT_TASKS_PER_BATCH: usize = 64;

/// Appends the report of `d` to `text`, then an empty line: drawn
/// directly for a handler of `direct` columns without colours when
/// `direct` is set and [`draw::draw`] covers it, else by `handler`.
fn render_one(
    handler: &GraphicalReportHandler,
    direct: Option<usize>,
    sources: &SourceMap,
    d: &Diagnostic,
    text: &mut String,
) -> io::Result<()> {
    let report = Report::new(sources, d);
    let shown = match direct.and_then(|width| draw::draw(&report, width)) {
        Some(shown) => shown,
        None => miette_report(handler, &report)?,
    };
    push_trimmed(text, &shown);
    text.push('\n');
    Ok(())
}

/// Appends the lines of `shown`, each without its trailing blanks and
/// ending with `\n`, and none of the blank lines at its end: miette pads
/// empty source lines, and trailing blanks only make noise. Most lines end
/// with a visible ASCII character: those are copied as they are.
fn push_trimmed(text: &mut String, shown: &str) {
    let shown = shown.trim_end();
    if shown.is_empty() {
        return;
    }
    text.reserve(shown.len() + 1);
    let mut rest = shown;
    loop {
        let (line, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        match line.as_bytes().last() {
            Some(&b) if b.is_ascii() && !(b as char).is_whitespace() => text.push_str(line),
            _ => text.push_str(line.trim_end()),
        }
        text.push('\n');
        match next {
            Some(next) => rest = next,
            None => break,
        }
    }
}

/// What `handler` writes for `report`.
fn miette_report(handler: &GraphicalReportHandler, report: &Report) -> io::Result<String> {
    let mut shown = String::new();
    handler.render_report(&mut shown, report).map_err(|_| {
        io::Error::other(format!("could not render a `{}` report", report.diag.code))
    })?;
    Ok(shown)
}

/// One diagnostic as miette sees it.
struct Report<'a> {
    diag: &'a Diagnostic,
    /// The message and help, safe for a terminal.
    message: String,
    help: Option<String>,
    source: Excerpt<'a>,
    labels: Vec<LabeledSpan>,
}

impl<'a> Report<'a> {
    fn new(sources: &'a SourceMap, diag: &'a Diagnostic) -> Report<'a> {
        let mut locs = vec![(diag.file, diag.span)];
        locs.extend(diag.labels.iter().map(|l| (l.file, l.span)));
        let (source, spans) = Excerpt::build(sources, &locs);
        // A label on the primary span itself is the primary span's label.
        let own = diag
            .labels
            .iter()
            .position(|l| l.file == diag.file && l.span == diag.span);
        let text =
            |l: &crate::diagnostic::Label| (!l.message.is_empty()).then(|| sanitize(&l.message));
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            own.and_then(|i| text(&diag.labels[i])),
            spans[0],
        )];
        for (i, (label, span)) in diag.labels.iter().zip(&spans[1..]).enumerate() {
            if Some(i) != own {
                labels.push(LabeledSpan::new_with_span(text(label), *span));
            }
        }
        Report {
            diag,
            message: sanitize(&diag.message),
            help: diag.help.as_deref().map(sanitize),
            source,
            labels,
        }
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diag, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}[{}]",
            self.diag.severity.as_str(),
            self.diag.code
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt::{shown_as, windows};
    use super::*;
    use crate::codes::Code;
    use crate::source::{FileId, SourceFile, Span};

    fn render_one(sm: &SourceMap, d: Diagnostic) -> String {
        let mut out = Vec::new();
        let opts = HumanOptions::default();
        render(sm, &[d], &opts, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn one(text: String) -> SourceMap {
        let mut sm = SourceMap::new();
        sm.add(SourceFile::new(
            "/p/big.omni".into(),
            "big.omni".into(),
            text,
        ));
        sm
    }

    #[test]
    fn a_diagnostic_on_a_five_megabyte_line_renders_a_few_lines() {
        let filler = "x".repeat(5 * 1024 * 1024);
        let text = format!("message m {{\n  subject \"{filler}\" bogus\n}}\n");
        let at = text.find("bogus").unwrap();
        let d = Diagnostic::error(
            Code::SyntaxError,
            FileId(0),
            Span::new(at, at + 5),
            "unexpected `bogus`",
        )
        .with_label(FileId(0), Span::new(14, 22), "in this subject");
        let out = render_one(&one(text.clone()), d);
        assert!(
            out.len() < 2_000,
            "{} bytes:\n{}",
            out.len(),
            &out[..4000.min(out.len())]
        );
        // The real column of `bogus`: 2 spaces, `subject "`, the filler, `" `.
        let column = 2 + 9 + filler.len() + 2 + 1;
        assert!(out.contains(&format!("[big.omni:2:{column}]")), "{out}");
        // The line keeps its start up to 40 characters after the label, then
        // the 40 characters before `bogus`, and what follows it.
        let shown = format!(" 2 │ {}…{}\" bogus\n", &text[12..62], "x".repeat(38));
        assert!(out.contains(&shown), "{out}");
        assert!(out.contains("in this subject"), "{out}");
    }

    #[test]
    fn a_span_over_a_whole_huge_line_is_shown_by_its_ends() {
        let filler = "y".repeat(1_000_000);
        let text = format!("a\n{filler}\nb\n");
        let d = Diagnostic::warning(
            Code::NoGoal,
            FileId(0),
            Span::new(2, 2 + filler.len()),
            "long",
        );
        let out = render_one(&one(text), d);
        assert!(out.len() < 2_000, "{} bytes", out.len());
        assert!(out.contains("[big.omni:2:1]"), "{out}");
        assert!(out.contains('…'), "{out}");
    }

    #[test]
    fn a_span_over_many_lines_is_cut_to_its_first() {
        let text = (0..1000).map(|i| format!("line {i}\n")).collect::<String>();
        let d = Diagnostic::warning(
            Code::NoGoal,
            FileId(0),
            Span::new(0, text.len()),
            "all of it",
        );
        let out = render_one(&one(text), d);
        assert!(out.contains("line 0"), "{out}");
        assert!(out.contains("line 1\n"), "{out}");
        assert!(!out.contains("line 2\n"), "{out}");
    }

    #[test]
    fn empty_spans_at_the_end_of_a_file_are_shown() {
        let text = "campaign c {\n  trigger".to_string();
        let d = Diagnostic::error(
            Code::SyntaxError,
            FileId(0),
            Span::new(text.len(), text.len()),
            "unexpected end of file",
        )
        .with_label(FileId(0), Span::new(9, 10), "this campaign is not closed");
        let out = render_one(&one(text), d);
        assert!(out.contains("[big.omni:2:10]"), "{out}");
        assert!(out.contains("this campaign is not closed"), "{out}");
        assert!(out.contains("2 │   trigger"), "{out}");
    }

    #[test]
    fn multi_line_spans_and_crlf_line_breaks() {
        let text = "campaign c {\r\n  journey {\r\n    send a\r\n  }\r\n}\r\n".to_string();
        let j = text.find("journey").unwrap();
        let close = text.find("  }").unwrap() + 3;
        let d = Diagnostic::warning(Code::NoGoal, FileId(0), Span::new(j, close), "multi");
        let out = render_one(&one(text), d);
        assert!(!out.contains('\r'), "{out:?}");
        assert!(out.contains(" 2 │ ╭─▶   journey {\n"), "{out}");
        assert!(out.contains(" 4 │ ╰─▶   }\n"), "{out}");
        assert!(out.contains(" 5 │     }\n"), "{out}");
    }

    #[test]
    fn spans_far_apart_on_one_long_line_each_keep_their_context() {
        let long = "z".repeat(500);
        let text = format!("x = \"{long}\" + y + \"{long}\" + w\n");
        let y = text.find(" y ").unwrap() + 1;
        let w = text.find(" w").unwrap() + 1;
        let d = Diagnostic::warning(Code::NoGoal, FileId(0), Span::new(y, y + 1), "here")
            .with_label(FileId(0), Span::new(w, w + 1), "and far away");
        let out = render_one(&one(text), d);
        let z = "z".repeat(36);
        assert!(
            out.contains(&format!(" 1 │ …{z}\" + y + \"{z}…{z}\" + w\n")),
            "{out}"
        );
        assert!(out.contains("[big.omni:1:510]"), "{out}");
        assert!(out.contains("╰── and far away"), "{out}");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let text = "message m {\n  subject \"\u{1b}[2J\u{0}\u{202e}x\" bogus\n}\n".to_string();
        let at = text.find("bogus").unwrap();
        let d = Diagnostic::error(
            Code::SyntaxError,
            FileId(0),
            Span::new(at, at + 5),
            "found `\u{1b}[31m`",
        )
        .with_label(FileId(0), Span::new(23, 24), "the escape \u{0}")
        .with_help("remove \u{7}");
        let out = render_one(&one(text), d);
        assert!(
            !out.chars()
                .any(|c| c != '\n' && (c.is_control() || shown_as(c).is_some())),
            "{out:?}"
        );
        // Pictures stand in for them, one column each, so spans still line up.
        assert!(out.contains(" 2 │   subject \"␛[2J␀�x\" bogus\n"), "{out}");
        assert!(out.contains("   ·            ┬        ─────\n"), "{out}");
        assert!(out.contains("╰── the escape ␀"), "{out}");
        assert!(out.contains("found `␛[31m`"), "{out}");
        assert!(out.contains("help: remove ␇"), "{out}");
        assert!(out.contains("[big.omni:2:21]"), "{out}");
    }

    #[test]
    fn reports_lose_trailing_blanks_as_lines_do() {
        for shown in [
            "",
            " \n\n",
            "a",
            "a  \nb\t\n\n c \u{a0}\n",
            "x\r\ny \r\n\r\nz\n \n",
            "\n\nlast│ \n",
        ] {
            let mut expected = String::new();
            for line in shown.trim_end().lines() {
                expected.push_str(line.trim_end());
                expected.push('\n');
            }
            let mut text = String::new();
            push_trimmed(&mut text, shown);
            assert_eq!(text, expected, "{shown:?}");
        }
    }

    #[test]
    fn windows_keep_short_lines_whole_and_clip_long_ones() {
        let short = "abc def";
        assert_eq!(windows(short, 0, short.len(), &[(4, 7)]), vec![(0, 7)]);
        let long = "é".repeat(1000);
        let at = 500 * 2;
        let w = windows(&long, 0, long.len(), &[(at, at + 2)]);
        assert_eq!(
            w,
            vec![(at - 2 * CONTEXT_CHARS, at + 2 + 2 * CONTEXT_CHARS)]
        );
    }
}
