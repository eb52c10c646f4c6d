//! `--format human`: miette's graphical reports, then a summary line.
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

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{summary_line, HumanOptions};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, SourceFile, SourceMap, Span};

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
    let render_all = |diags: &[Diagnostic]| -> io::Result<String> {
        let mut text = String::new();
        for d in diags {
            render_one(&handler, sources, d, &mut text)?;
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

/// Appends the report of `d` to `text`, then an empty line.
fn render_one(
    handler: &GraphicalReportHandler,
    sources: &SourceMap,
    d: &Diagnostic,
    text: &mut String,
) -> io::Result<()> {
    let report = Report::new(sources, d);
    let mut shown = String::new();
    handler
        .render_report(&mut shown, &report)
        .map_err(|_| io::Error::other(format!("could not render a `{}` report", d.code)))?;
    // miette pads empty source lines; trailing blanks only make noise.
    for line in shown.trim_end().lines() {
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text.push('\n');
    Ok(())
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

/// A run of bytes copied verbatim from the file into the excerpt, or one
/// character shown as another (see [`shown_as`]).
#[derive(Debug)]
struct Piece {
    /// Byte offset in the file.
    orig: usize,
    len: usize,
    /// Byte offset in the excerpt.
    syn: usize,
    syn_len: usize,
    verbatim: bool,
}

/// What a character that must not reach a terminal as is looks like:
/// control characters (they could move the cursor, change colours or hide
/// text) as their Unicode control pictures or `�`, and bidirectional
/// overrides (which reorder what is shown) as `�`. Tabs are kept: miette
/// expands them.
fn shown_as(c: char) -> Option<char> {
    match c {
        '\t' => None,
        '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32),
        '\u{7f}' => Some('\u{2421}'),
        '\u{80}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => Some('\u{fffd}'),
        _ => None,
    }
}

/// `text` with [`shown_as`] applied to all but line breaks.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\n' {
                c
            } else {
                shown_as(c).unwrap_or(c)
            }
        })
        .collect()
}

/// One (possibly clipped) line of a file in the excerpt.
#[derive(Debug)]
struct ExLine {
    /// Where it starts in the excerpt; it ends with `\n` at `syn + len`.
    syn: usize,
    len: usize,
    /// Its content in the file, without the line break.
    orig_start: usize,
    orig_end: usize,
    /// Where the line break (or the end of the file) is.
    orig_break: usize,
    pieces: Vec<Piece>,
}

/// Consecutive lines of one file.
#[derive(Debug)]
struct Segment {
    file: FileId,
    /// 0-based number of its first line.
    first_line: usize,
    lines: Vec<ExLine>,
}

impl Segment {
    fn syn_start(&self) -> usize {
        self.lines[0].syn
    }

    /// Just past the last line's `\n`.
    fn syn_end(&self) -> usize {
        let last = self.lines.last().expect("segments are not empty");
        last.syn + last.len + 1
    }

    /// The index of the line holding excerpt offset `syn`.
    fn line_at(&self, syn: usize) -> usize {
        self.lines
            .partition_point(|l| l.syn <= syn)
            .saturating_sub(1)
    }
}

/// The parts of the files one report shows, as one text: the segments of
/// the primary file first, then those of the label files, each segment's
/// lines ending with `\n`. Offsets in it are the spans miette sees.
#[derive(Debug)]
struct Excerpt<'a> {
    sources: &'a SourceMap,
    text: String,
    segments: Vec<Segment>,
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn line_start(text: &str, i: usize) -> usize {
    text[..i].rfind('\n').map_or(0, |p| p + 1)
}

fn line_break(text: &str, i: usize) -> usize {
    text[i..].find('\n').map_or(text.len(), |p| i + p)
}

/// `n` characters back from `i`, not before `floor`.
fn back(text: &str, i: usize, n: usize, floor: usize) -> usize {
    if n == 0 {
        return i;
    }
    text[floor..i]
        .char_indices()
        .rev()
        .take(n)
        .last()
        .map_or(i, |(p, _)| floor + p)
}

/// `n` characters on from `i`, not past `ceil`.
fn fwd(text: &str, i: usize, n: usize, ceil: usize) -> usize {
    text[i..ceil]
        .char_indices()
        .nth(n)
        .map_or(ceil, |(p, _)| i + p)
}

/// 0-based line of a byte offset.
fn line_of(file: &SourceFile, i: usize) -> usize {
    file.line_col(i).line - 1
}

/// The parts of `[start, end)` (a line's content) kept in the excerpt.
fn windows(text: &str, start: usize, end: usize, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    if text[start..end].chars().nth(MAX_LINE_CHARS).is_none() {
        return vec![(start, end)];
    }
    let mut wins = Vec::new();
    for &(s, e) in spans {
        // The part of the span on this line.
        if e < start || s > end {
            continue;
        }
        let (a, b) = (s.max(start), e.min(end));
        let head_end = fwd(text, a, SPAN_CHARS, end);
        if b > head_end {
            wins.push((back(text, a, CONTEXT_CHARS, start), head_end));
            wins.push((
                back(text, b, CONTEXT_CHARS, start).max(head_end),
                fwd(text, b, CONTEXT_CHARS, end),
            ));
        } else {
            wins.push((
                back(text, a, CONTEXT_CHARS, start),
                fwd(text, b, CONTEXT_CHARS, end),
            ));
        }
    }
    if wins.is_empty() {
        wins.push((start, fwd(text, start, 2 * CONTEXT_CHARS, end)));
    }
    wins.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in wins {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

impl<'a> Excerpt<'a> {
    /// The excerpt showing `locs`, and where each one is in it.
    fn build(sources: &'a SourceMap, locs: &[(FileId, Span)]) -> (Excerpt<'a>, Vec<SourceSpan>) {
        // Clamp spans to their text, and long multi-line spans to their
        // first line.
        let locs: Vec<(FileId, usize, usize)> = locs
            .iter()
            .map(|&(file, span)| {
                let text = &sources.get(file).text;
                let s = floor_boundary(text, span.start as usize);
                let mut e = floor_boundary(text, (span.end as usize).max(s));
                // A span that takes in a line break ends at it, on its line.
                if e > s && text.as_bytes()[e - 1] == b'\n' {
                    e -= 1;
                }
                let brk = line_break(text, s);
                if e > brk && text[brk..e].matches('\n').count() >= MAX_SPAN_LINES {
                    e = brk;
                }
                (file, s, e)
            })
            .collect();

        let mut files: Vec<FileId> = Vec::new();
        for &(f, _, _) in &locs {
            if !files.contains(&f) {
                files.push(f);
            }
        }

        let mut ex = Excerpt {
            sources,
            text: String::new(),
            segments: Vec::new(),
        };
        for file_id in files {
            let file = sources.get(file_id);
            let text = file.text.as_str();
            let spans: Vec<(usize, usize)> = locs
                .iter()
                .filter(|l| l.0 == file_id)
                .map(|l| (l.1, l.2))
                .collect();
            // The last line worth showing as context: not the empty "line"
            // after a final newline.
            let last_line = if text.ends_with('\n') {
                file.line_count().saturating_sub(2)
            } else {
                file.line_count() - 1
            };
            // Line ranges (with context), each with an anchor offset on its
            // first span line, merged when they touch.
            let mut ranges: Vec<(usize, usize, usize, usize)> = spans
                .iter()
                .map(|&(s, e)| {
                    let l0 = line_of(file, s);
                    let l1 = line_of(file, if e > s { e - 1 } else { s });
                    let lo = l0.saturating_sub(CONTEXT_LINES);
                    let hi = (l1 + CONTEXT_LINES).min(last_line).max(l1);
                    (lo, hi, l0, s)
                })
                .collect();
            ranges.sort_unstable();
            let mut merged: Vec<(usize, usize, usize, usize)> = Vec::new();
            for r in ranges {
                match merged.last_mut() {
                    Some(m) if r.0 <= m.1 + 1 => m.1 = m.1.max(r.1),
                    _ => merged.push(r),
                }
            }
            for (lo, hi, anchor_line, anchor) in merged {
                let mut p = line_start(text, anchor);
                for _ in lo..anchor_line {
                    p = line_start(text, p - 1);
                }
                let mut seg = Segment {
                    file: file_id,
                    first_line: lo,
                    lines: Vec::new(),
                };
                for _ in lo..=hi {
                    let brk = line_break(text, p);
                    let end = if text[p..brk].ends_with('\r') {
                        brk - 1
                    } else {
                        brk
                    };
                    seg.lines.push(ex.push_line(text, p, end, brk, &spans));
                    p = (brk + 1).min(text.len());
                }
                ex.segments.push(seg);
            }
        }

        let spans = locs
            .iter()
            .map(|&(f, s, e)| {
                let a = ex.to_syn(f, s);
                let b = ex.to_syn(f, e).max(a);
                SourceSpan::new(a.into(), b - a)
            })
            .collect();
        (ex, spans)
    }

    fn push_line(
        &mut self,
        text: &str,
        start: usize,
        end: usize,
        brk: usize,
        spans: &[(usize, usize)],
    ) -> ExLine {
        let syn = self.text.len();
        let mut pieces = Vec::new();
        let wins = windows(text, start, end, spans);
        for (i, &(a, b)) in wins.iter().enumerate() {
            if a > start || i > 0 {
                self.text.push_str(ELLIPSIS);
            }
            // Verbatim runs, split at the characters shown as others.
            let mut run = a;
            for (p, c) in text[a..b].char_indices() {
                let Some(shown) = shown_as(c) else { continue };
                let p = a + p;
                if p > run {
                    self.push_piece(text, run, p, None, &mut pieces);
                }
                self.push_piece(text, p, p + c.len_utf8(), Some(shown), &mut pieces);
                run = p + c.len_utf8();
            }
            if b > run || pieces.is_empty() {
                self.push_piece(text, run, b, None, &mut pieces);
            }
        }
        if wins.last().is_some_and(|w| w.1 < end) {
            self.text.push_str(ELLIPSIS);
        }
        let len = self.text.len() - syn;
        self.text.push('\n');
        ExLine {
            syn,
            len,
            orig_start: start,
            orig_end: end,
            orig_break: brk,
            pieces,
        }
    }

    fn push_piece(
        &mut self,
        text: &str,
        a: usize,
        b: usize,
        shown: Option<char>,
        pieces: &mut Vec<Piece>,
    ) {
        let syn = self.text.len();
        match shown {
            Some(c) => self.text.push(c),
            None => self.text.push_str(&text[a..b]),
        }
        pieces.push(Piece {
            orig: a,
            len: b - a,
            syn,
            syn_len: self.text.len() - syn,
            verbatim: shown.is_none(),
        });
    }

    /// Where file offset `orig` is shown in the excerpt.
    fn to_syn(&self, file: FileId, orig: usize) -> usize {
        for seg in self.segments.iter().filter(|s| s.file == file) {
            for line in &seg.lines {
                if orig < line.orig_start || orig > line.orig_break {
                    continue;
                }
                for piece in &line.pieces {
                    if orig < piece.orig {
                        // Left out: at the `…` before the piece.
                        return piece.syn - ELLIPSIS.len();
                    }
                    if orig <= piece.orig + piece.len {
                        return if piece.verbatim {
                            piece.syn + (orig - piece.orig)
                        } else if orig == piece.orig {
                            piece.syn
                        } else {
                            piece.syn + piece.syn_len
                        };
                    }
                }
                return line.syn + line.len;
            }
        }
        unreachable!("every span's lines are in the excerpt")
    }

    /// The file offset shown at excerpt offset `syn` of `line`.
    fn to_orig(line: &ExLine, syn: usize) -> usize {
        for piece in &line.pieces {
            if syn < piece.syn {
                return piece.orig;
            }
            if syn <= piece.syn + piece.syn_len {
                return if piece.verbatim {
                    piece.orig + (syn - piece.syn)
                } else if syn == piece.syn {
                    piece.orig
                } else {
                    piece.orig + piece.len
                };
            }
        }
        line.orig_end
    }
}

impl SourceCode for Excerpt<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        // A span never crosses segments: that is how miette learns that two
        // snippets cannot be merged into one.
        let seg = self
            .segments
            .iter()
            .find(|s| s.syn_start() <= start && end <= s.syn_end() && start < s.syn_end())
            .ok_or(MietteError::OutOfBounds)?;
        let i0 = seg.line_at(start);
        let i1 = seg.line_at(if end > start { end - 1 } else { start });
        let lo = i0.saturating_sub(context_lines_before);
        let hi = (i1 + context_lines_after).min(seg.lines.len() - 1);
        let (data_start, column) = if context_lines_before == 0 {
            // miette reads the span itself to learn its line and column.
            let file = self.sources.get(seg.file);
            let orig = Excerpt::to_orig(&seg.lines[i0], start);
            (start, file.line_col(orig).column - 1)
        } else {
            (seg.lines[lo].syn, 0)
        };
        let data_end = seg.lines[hi].syn + seg.lines[hi].len + 1;
        Ok(Box::new(MietteSpanContents::new_named(
            sanitize(&self.sources.get(seg.file).name),
            &self.text.as_bytes()[data_start..data_end],
            SourceSpan::new(data_start.into(), data_end - data_start),
            seg.first_line + lo,
            column,
            hi - lo + 1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;
    use crate::source::SourceFile;

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
