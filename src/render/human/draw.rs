//! miette's graphical report (the `unicode_nocolor` theme, the options
//! `human` sets), drawn directly: the same bytes for a fraction of the
//! work. miette styles every piece it writes (even with no colours), clones
//! and re-joins labels for every line and reads each snippet several
//! times; with 80,000 findings (a workspace where every campaign collides
//! with its neighbours) that was most of the run's time.
//!
//! The layout is miette 7's (`handlers/graphical.rs`), ported step by step
//! with the names of its functions; the message and help are wrapped by the
//! same `textwrap::fill` call. What it does not cover it declines (`None`),
//! and the caller asks miette: colours, source lines that are not ASCII
//! (miette measures their width with its own `unicode-width`), and labels
//! starting at the same offset (whose order depends on miette's unstable
//! sort). The tests compare both on every UI fixture, the example
//! campaigns and generated reports.

use std::fmt::Write;

use super::excerpt::{Context, Excerpt};
use super::wrap::wrap;
use super::{Report, CONTEXT_LINES};
use crate::diagnostic::Severity;
use crate::render::digits;

const HBAR: char = '─';
const VBAR: char = '│';
const VBAR_BREAK: char = '·';
const UARROW: char = '▲';
const RARROW: char = '▶';
const LTOP: char = '╭';
const LBOT: char = '╰';
const LCROSS: char = '├';
const RCROSS: char = '┤';
const UNDERBAR: char = '┬';
const UNDERLINE: char = '─';
const TAB_WIDTH: usize = 4;

/// A label as miette draws it (its `FancySpan`).
struct Fancy<'a> {
    label: Option<Vec<&'a str>>,
    offset: usize,
    len: usize,
}

impl Fancy<'_> {
    /// miette compares labels by value, not by identity.
    fn same(&self, other: &Fancy) -> bool {
        self.label == other.label && (self.offset, self.len) == (other.offset, other.len)
    }
}

/// One line of a snippet (miette's `Line`): `length` counts its line break.
struct Line<'a> {
    number: usize,
    offset: usize,
    length: usize,
    text: &'a str,
}

impl Line<'_> {
    fn span_line_only(&self, s: &Fancy) -> bool {
        s.offset >= self.offset && s.offset + s.len <= self.offset + self.length
    }

    fn span_applies(&self, s: &Fancy) -> bool {
        let len = s.len.max(1);
        (s.offset >= self.offset && s.offset < self.offset + self.length)
            || (s.offset < self.offset && s.offset + len > self.offset + self.length)
            || (s.offset + len > self.offset && s.offset + len <= self.offset + self.length)
    }

    fn span_applies_gutter(&self, s: &Fancy) -> bool {
        let len = s.len.max(1);
        self.span_applies(s)
            && !((s.offset >= self.offset && s.offset < self.offset + self.length)
                && (s.offset + len > self.offset && s.offset + len <= self.offset + self.length))
    }

    fn span_flyby(&self, s: &Fancy) -> bool {
        s.offset < self.offset && s.offset + s.len > self.offset + self.length
    }

    fn span_starts(&self, s: &Fancy) -> bool {
        s.offset >= self.offset
    }

    fn span_ends(&self, s: &Fancy) -> bool {
        s.offset + s.len >= self.offset && s.offset + s.len <= self.offset + self.length
    }

    /// The visual column of excerpt offset `offset` (the text is ASCII).
    fn visual_offset(&self, offset: usize) -> usize {
        let i = offset - self.offset;
        let width = visual_width(&self.text[..i.min(self.text.len())]);
        if i > self.text.len() {
            width + 1
        } else {
            width
        }
    }
}

/// The columns ASCII `text` takes, tabs to the next multiple of
/// [`TAB_WIDTH`].
fn visual_width(text: &str) -> usize {
    text.bytes().fold(0, |col, b| col + char_width(b, col))
}

fn char_width(b: u8, column: usize) -> usize {
    match b {
        b'\t' => TAB_WIDTH - column % TAB_WIDTH,
        0x20..=0x7e => 1,
        _ => 0,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    SingleLine,
    MultiLineFirst,
    MultiLineRest,
}

fn repeat(f: &mut String, c: char, n: usize) {
    f.extend(std::iter::repeat_n(c, n));
}

/// `r` as miette's `render_report` writes it with a handler of `width`
/// columns and no colours, or `None` when it is one miette must draw.
pub(super) fn draw(r: &Report, width: usize) -> Option<String> {
    let mut f = String::new();
    let d = r.diag;
    f.push_str(d.severity.as_str());
    f.push('[');
    f.push_str(d.code.as_str());
    f.push_str("]\n\n");
    let icon = match d.severity {
        Severity::Error => "  × ",
        Severity::Warning => "  ⚠ ",
    };
    let width = width.saturating_sub(2);
    f.push_str(&wrap(&r.message, width, icon, "  │ "));
    f.push('\n');
    snippets(&mut f, r)?;
    if let Some(help) = &r.help {
        f.push_str(&wrap(help, width, "  help: ", "        "));
        f.push('\n');
    }
    Some(f)
}

/// miette's `render_snippets`: labels in offset order, their contexts
/// merged where they overlap and lie in one segment.
fn snippets(f: &mut String, r: &Report) -> Option<()> {
    let mut labels: Vec<&miette::LabeledSpan> = r.labels.iter().collect();
    labels.sort_by_key(|l| l.offset());
    if labels.windows(2).any(|w| w[0].offset() == w[1].offset()) {
        return None;
    }
    let src = &r.source;
    let mut contexts: Vec<(usize, usize, Context)> = Vec::new();
    for right in &labels {
        let rc = src.context(right.offset(), right.len(), CONTEXT_LINES, CONTEXT_LINES)?;
        if let Some(&(lo, llen, lc)) = contexts.last() {
            if lc.line + lc.line_count >= rc.line {
                let end = (lo + llen).max(right.offset() + right.len());
                if let Some(nc) = src.context(lo, end - lo, CONTEXT_LINES, CONTEXT_LINES) {
                    contexts.pop();
                    contexts.push((lo, end - lo, nc));
                    continue;
                }
            }
        }
        contexts.push((right.offset(), right.len(), rc));
    }
    let fancy: Vec<Fancy> = (labels.iter())
        .map(|l| Fancy {
            label: l.label().map(|t| t.split('\n').collect()),
            offset: l.offset(),
            len: l.len(),
        })
        .collect();
    for (offset, len, c) in contexts {
        context(f, src, (offset, len), c, &labels, &fancy)?;
    }
    Some(())
}

/// miette's `render_context`.
fn context(
    f: &mut String,
    src: &Excerpt,
    (offset, len): (usize, usize),
    c: Context,
    labels: &[&miette::LabeledSpan],
    fancy: &[Fancy],
) -> Option<()> {
    let lines: Vec<Line> = (src.lines(&c).enumerate())
        .map(|(i, (syn, text))| Line {
            number: c.line + i + 1,
            offset: syn,
            length: text.len() + 1,
            text,
        })
        .collect();
    if !lines.iter().all(|l| l.text.is_ascii()) {
        return None;
    }
    let in_context =
        |l: &&&miette::LabeledSpan| offset <= l.offset() && l.offset() + l.len() <= offset + len;
    let primary = (labels.iter().filter(in_context))
        .find(|l| l.primary())
        .or_else(|| labels.iter().find(in_context))?;
    let max_gutter = (lines.iter())
        .map(|line| {
            (fancy.iter())
                .filter(|hl| !line.span_line_only(hl) && line.span_applies_gutter(hl))
                .count()
        })
        .max()
        .unwrap_or(0);
    let linum_width = digits(lines.last().map_or(0, |l| l.number)).len();

    repeat(f, ' ', linum_width + 2);
    f.push(LTOP);
    f.push(HBAR);
    let pc = src.context(primary.offset(), primary.len(), 0, 0)?;
    f.push('[');
    f.push_str(&src.name(&pc));
    f.push(':');
    f.push_str(digits(pc.line + 1).as_str());
    f.push(':');
    f.push_str(digits(pc.column + 1).as_str());
    f.push_str("]\n");

    for line in &lines {
        // ` {:>linum_width$} │ `
        let number = digits(line.number);
        repeat(f, ' ', 1 + linum_width.saturating_sub(number.len()));
        f.push_str(number.as_str());
        f.push(' ');
        f.push(VBAR);
        f.push(' ');
        line_gutter(f, max_gutter, line, fancy);
        if line.text.contains('\t') {
            let mut column = 0;
            for b in line.text.bytes() {
                let w = char_width(b, column);
                column += w;
                if b == b'\t' {
                    repeat(f, ' ', w);
                } else {
                    f.push(b as char);
                }
            }
        } else {
            // ASCII: each byte is its character.
            f.push_str(line.text);
        }
        f.push('\n');
        let (single, multi): (Vec<&Fancy>, Vec<&Fancy>) = (fancy.iter())
            .filter(|hl| line.span_applies(hl))
            .partition(|hl| line.span_line_only(hl));
        if !single.is_empty() {
            no_linum(f, linum_width);
            highlight_gutter(f, max_gutter, line, fancy, Mode::SingleLine);
            single_line_highlights(f, line, linum_width, max_gutter, &single, fancy);
        }
        for hl in multi {
            if hl.label.is_some() && line.span_ends(hl) && !line.span_starts(hl) {
                multi_line_end(f, fancy, max_gutter, linum_width, line, hl);
            }
        }
    }
    repeat(f, ' ', linum_width + 2);
    f.push(LBOT);
    repeat(f, HBAR, 4);
    f.push('\n');
    Some(())
}

fn no_linum(f: &mut String, width: usize) {
    repeat(f, ' ', width + 2);
    f.push(VBAR_BREAK);
    f.push(' ');
}

/// miette's `render_line_gutter`.
fn line_gutter(f: &mut String, max_gutter: usize, line: &Line, fancy: &[Fancy]) {
    if max_gutter == 0 {
        return;
    }
    let mut gutter = String::new();
    let mut arrow = false;
    let applicable = fancy.iter().filter(|hl| line.span_applies_gutter(hl));
    for (i, hl) in applicable.enumerate() {
        if line.span_starts(hl) || line.span_ends(hl) {
            gutter.push(if line.span_starts(hl) {
                LTOP
            } else if hl.label.is_some() {
                LCROSS
            } else {
                LBOT
            });
            repeat(&mut gutter, HBAR, max_gutter.saturating_sub(i));
            gutter.push(RARROW);
            arrow = true;
            break;
        } else if line.span_flyby(hl) {
            gutter.push(VBAR);
        } else {
            gutter.push(' ');
        }
    }
    f.push_str(&gutter);
    let spaces = if arrow { 1 } else { 3 } + max_gutter.saturating_sub(gutter.chars().count());
    repeat(f, ' ', spaces);
}

/// miette's `render_highlight_gutter`.
fn highlight_gutter(f: &mut String, max_gutter: usize, line: &Line, fancy: &[Fancy], mode: Mode) {
    if max_gutter == 0 {
        return;
    }
    let mut cols = 0;
    let applicable = fancy.iter().filter(|hl| line.span_applies_gutter(hl));
    for (i, hl) in applicable.enumerate() {
        if !line.span_line_only(hl) && line.span_ends(hl) {
            let n = max_gutter.saturating_sub(i) + 2;
            if mode == Mode::MultiLineRest {
                repeat(f, ' ', n);
            } else {
                f.push(LBOT);
                repeat(f, HBAR, n - usize::from(mode == Mode::MultiLineFirst));
            }
            cols += n + 1;
            break;
        }
        f.push(VBAR);
        cols += 1;
    }
    repeat(f, ' ', (max_gutter + 3).saturating_sub(cols));
}

/// miette's `render_single_line_highlights`.
fn single_line_highlights(
    f: &mut String,
    line: &Line,
    linum_width: usize,
    max_gutter: usize,
    single: &[&Fancy],
    fancy: &[Fancy],
) {
    let mut highest = 0;
    let mut vbars: Vec<(&Fancy, usize)> = Vec::with_capacity(single.len());
    for &hl in single {
        let start = line.visual_offset(hl.offset).max(highest);
        let end = if hl.len == 0 {
            start + 1
        } else {
            line.visual_offset(hl.offset + hl.len).max(start + 1)
        };
        let vbar = (start + end) / 2;
        repeat(f, ' ', start.saturating_sub(highest));
        repeat(f, UNDERLINE, vbar - start);
        f.push(if hl.len == 0 {
            UARROW
        } else if hl.label.is_some() {
            UNDERBAR
        } else {
            UNDERLINE
        });
        repeat(f, UNDERLINE, end - vbar - 1);
        highest = highest.max(end);
        vbars.push((hl, vbar));
    }
    f.push('\n');
    for hl in single.iter().rev() {
        let Some(parts) = &hl.label else { continue };
        for (i, part) in parts.iter().enumerate() {
            let mode = match (parts.len(), i) {
                (1, _) => Mode::SingleLine,
                (_, 0) => Mode::MultiLineFirst,
                _ => Mode::MultiLineRest,
            };
            label_text(
                f,
                line,
                linum_width,
                max_gutter,
                fancy,
                &vbars,
                hl,
                part,
                mode,
            );
        }
    }
}

/// miette's `write_label_text`.
#[allow(clippy::too_many_arguments)]
fn label_text(
    f: &mut String,
    line: &Line,
    linum_width: usize,
    max_gutter: usize,
    fancy: &[Fancy],
    vbars: &[(&Fancy, usize)],
    hl: &Fancy,
    label: &str,
    mode: Mode,
) {
    no_linum(f, linum_width);
    highlight_gutter(f, max_gutter, line, fancy, Mode::SingleLine);
    let mut column = 1;
    for &(other, vbar) in vbars {
        while column < vbar + 1 {
            f.push(' ');
            column += 1;
        }
        if !other.same(hl) {
            f.push(VBAR);
            column += 1;
        } else {
            let _ = match mode {
                Mode::SingleLine => writeln!(f, "{LBOT}{HBAR}{HBAR} {label}"),
                Mode::MultiLineFirst => writeln!(f, "{LBOT}{HBAR}{RCROSS} {label}"),
                Mode::MultiLineRest => writeln!(f, "  {VBAR} {label}"),
            };
            break;
        }
    }
}

/// miette's `render_multi_line_end`.
fn multi_line_end(
    f: &mut String,
    fancy: &[Fancy],
    max_gutter: usize,
    linum_width: usize,
    line: &Line,
    hl: &Fancy,
) {
    no_linum(f, linum_width);
    let Some(parts) = &hl.label else {
        highlight_gutter(f, max_gutter, line, fancy, Mode::SingleLine);
        f.push(HBAR);
        f.push('\n');
        return;
    };
    let (first, rest) = parts.split_first().expect("a label has a first line");
    if rest.is_empty() {
        highlight_gutter(f, max_gutter, line, fancy, Mode::SingleLine);
        let _ = writeln!(f, "{HBAR} {first}");
        return;
    }
    highlight_gutter(f, max_gutter, line, fancy, Mode::MultiLineFirst);
    let _ = writeln!(f, "{RCROSS} {first}");
    for part in rest {
        no_linum(f, linum_width);
        highlight_gutter(f, max_gutter, line, fancy, Mode::MultiLineRest);
        let _ = writeln!(f, "{VBAR} {part}");
    }
}

#[cfg(test)]
mod tests {
    use super::super::{miette_report, Report};
    use super::*;
    use crate::codes::Code;
    use crate::diagnostic::Diagnostic;
    use crate::source::{FileId, SourceFile, SourceMap, Span};
    use miette::{GraphicalReportHandler, GraphicalTheme};

    fn handler(width: usize) -> GraphicalReportHandler {
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(width)
            .with_context_lines(CONTEXT_LINES)
    }

    /// Compares the direct drawing of `d` with miette's, for two widths;
    /// whether it was drawn directly.
    fn same_as_miette(sources: &SourceMap, d: &Diagnostic) -> bool {
        let report = Report::new(sources, d);
        let mut drawn = false;
        for width in [100, 52] {
            let Some(direct) = draw(&report, width) else {
                continue;
            };
            let expected = miette_report(&handler(width), &report).unwrap();
            assert_eq!(direct, expected, "{d:?}");
            drawn = true;
        }
        drawn
    }

    fn omni_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let mut entries: Vec<_> = (std::fs::read_dir(dir).unwrap())
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                omni_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "omni") {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_ui_fixture_and_example_is_drawn_as_miette_draws_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        omni_files(&root.join("tests/ui"), &mut files);
        omni_files(&root.join("campaigns"), &mut files);
        let (mut total, mut drawn) = (0, 0);
        for path in files {
            let opts = crate::driver::Options { paths: vec![path] };
            let a = crate::driver::analyze(&opts).unwrap();
            for d in &a.diagnostics {
                total += 1;
                drawn += usize::from(same_as_miette(&a.sources, d));
            }
        }
        // Most reports are drawn directly: the comparison is not vacuous.
        assert!(total > 200 && drawn * 10 > total * 9, "{drawn} of {total}");
    }

    use super::super::wrap::tests::Rng;

    const WORDS: &[&str] = &[
        "send",
        "campaign",
        "`browse_0`",
        "cross-campaign-repeat",
        "a",
        "(`limit 3 per 1d`),",
        "+2h",
        "x",
        "averyveryveryveryverylongwordthatmustbebrokenacrossseverallinesofthereport",
        "\t",
        "",
        "é",
        "e.g.",
        "{",
        "}",
    ];

    /// `min` words and up to `spread - 1` more.
    fn text(rng: &mut Rng, min: usize, spread: usize) -> String {
        let words = min + rng.below(spread);
        (0..words)
            .map(|_| rng.pick(WORDS))
            .collect::<Vec<_>>()
            .join(if rng.below(8) == 0 { "  " } else { " " })
    }

    fn file(rng: &mut Rng) -> String {
        let lines = 1 + rng.below(30);
        let mut t: String = (0..lines)
            .map(|_| {
                let indent = " ".repeat(rng.below(6));
                let line = text(rng, 0, 8);
                // Lines that are not ASCII are miette's to draw: a few.
                let line = if rng.below(10) == 0 {
                    line
                } else {
                    line.replace('é', "e")
                };
                format!("{indent}{line}\n")
            })
            .collect();
        if rng.below(4) == 0 {
            t.pop();
        }
        t
    }

    fn span(rng: &mut Rng, text: &str) -> Span {
        let floor = |mut i: usize| {
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let start = floor(rng.below(text.len() + 1));
        let len = match rng.below(4) {
            0 => 0,
            1 => rng.below(8),
            2 => rng.below(40),
            _ => rng.below(200),
        };
        Span::new(start, floor((start + len).min(text.len())))
    }

    #[test]
    fn generated_reports_are_drawn_as_miette_draws_them() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut total, mut drawn) = (0, 0);
        for _ in 0..3000 {
            let mut sm = SourceMap::new();
            let texts: Vec<String> = (0..1 + rng.below(3)).map(|_| file(&mut rng)).collect();
            for (i, t) in texts.iter().enumerate() {
                let name = format!("f{i}.omni");
                sm.add(SourceFile::new(name.clone().into(), name, t.clone()));
            }
            let at = |rng: &mut Rng| {
                let f = rng.below(texts.len());
                (FileId(f as u32), span(rng, &texts[f]))
            };
            let (file, primary) = at(&mut rng);
            let message = text(&mut rng, 1, 40);
            let mut d = if rng.below(2) == 0 {
                Diagnostic::warning(Code::NoGoal, file, primary, message)
            } else {
                Diagnostic::error(Code::SyntaxError, file, primary, message)
            };
            for _ in 0..rng.below(4) {
                let (f, s) = at(&mut rng);
                let label = match rng.below(4) {
                    0 => String::new(),
                    1 => format!("{}\n{}", text(&mut rng, 3, 1), text(&mut rng, 2, 1)),
                    _ => text(&mut rng, 1, 10),
                };
                d = d.with_label(f, s, label);
            }
            if rng.below(3) > 0 {
                let own = text(&mut rng, 1, 6);
                d = d.with_label(file, primary, own);
            }
            if rng.below(2) == 0 {
                d = d.with_help(text(&mut rng, 1, 30));
            }
            total += 1;
            drawn += usize::from(same_as_miette(&sm, &d));
        }
        assert!(drawn * 2 > total, "{drawn} of {total}");
    }
}
