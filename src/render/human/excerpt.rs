//! The excerpt a human report shows: the lines around its spans, clipped
//! and sanitized, mapped back to the real file's offsets (see the parent
//! module's doc).

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::{CONTEXT_CHARS, CONTEXT_LINES, ELLIPSIS, MAX_LINE_CHARS, MAX_SPAN_LINES, SPAN_CHARS};
use crate::source::{FileId, SourceFile, SourceMap, Span};

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
pub(super) fn shown_as(c: char) -> Option<char> {
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
pub(super) fn sanitize(text: &str) -> String {
    // Most text is printable ASCII, line breaks and tabs: kept as it is.
    if all_bytes(text, |b| matches!(b, b'\t' | b'\n' | 0x20..=0x7e)) {
        return text.to_owned();
    }
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

/// Whether every byte of `text` is `ok`: tested a block of bytes at a
/// time, without stopping at each (the compiler tests a block at once).
fn all_bytes(text: &str, ok: impl Fn(u8) -> bool) -> bool {
    (text.as_bytes().chunks(32)).all(|block| block.iter().fold(true, |all, &b| all & ok(b)))
}

/// Whether [`shown_as`] leaves every character of `text` as it is, known
/// from its bytes alone: printable ASCII and tabs.
fn plain_ascii(text: &str) -> bool {
    all_bytes(text, |b| matches!(b, b'\t' | 0x20..=0x7e))
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
pub(super) struct Excerpt<'a> {
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
pub(super) fn windows(
    text: &str,
    start: usize,
    end: usize,
    spans: &[(usize, usize)],
) -> Vec<(usize, usize)> {
    // No more bytes than the most characters: short whatever they are.
    if end - start <= MAX_LINE_CHARS || text[start..end].chars().nth(MAX_LINE_CHARS).is_none() {
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
    pub(super) fn build(
        sources: &'a SourceMap,
        locs: &[(FileId, Span)],
    ) -> (Excerpt<'a>, Vec<SourceSpan>) {
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
            let shown_chars = if plain_ascii(&text[a..b]) {
                ""
            } else {
                &text[a..b]
            };
            for (p, c) in shown_chars.char_indices() {
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

/// The lines of one segment shown around a span: what
/// [`SourceCode::read_span`] answers, for miette and for the direct
/// renderer (`draw`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Context {
    seg: usize,
    /// The first and last line shown, indices in the segment.
    lo: usize,
    hi: usize,
    /// The excerpt bytes shown.
    pub(super) data_start: usize,
    pub(super) data_end: usize,
    /// 0-based line number (in its file) of the first line shown.
    pub(super) line: usize,
    /// 0-based column (in code points) of the span's start when no lines
    /// of context are asked for, else 0.
    pub(super) column: usize,
    pub(super) line_count: usize,
}

impl Excerpt<'_> {
    /// The lines around `[start, start + len)` with `before` and `after`
    /// lines of context, within one segment; `None` when the span is not
    /// within one segment (that is how miette learns that two snippets
    /// cannot be merged into one).
    pub(super) fn context(
        &self,
        start: usize,
        len: usize,
        before: usize,
        after: usize,
    ) -> Option<Context> {
        let end = start + len;
        let seg_index = self
            .segments
            .iter()
            .position(|s| s.syn_start() <= start && end <= s.syn_end() && start < s.syn_end())?;
        let seg = &self.segments[seg_index];
        let i0 = seg.line_at(start);
        let i1 = seg.line_at(if end > start { end - 1 } else { start });
        let lo = i0.saturating_sub(before);
        let hi = (i1 + after).min(seg.lines.len() - 1);
        let (data_start, column) = if before == 0 {
            // miette reads the span itself to learn its line and column.
            let file = self.sources.get(seg.file);
            let orig = Excerpt::to_orig(&seg.lines[i0], start);
            (start, file.line_col(orig).column - 1)
        } else {
            (seg.lines[lo].syn, 0)
        };
        Some(Context {
            seg: seg_index,
            lo,
            hi,
            data_start,
            data_end: seg.lines[hi].syn + seg.lines[hi].len + 1,
            line: seg.first_line + lo,
            column,
            line_count: hi - lo + 1,
        })
    }

    /// The display name of the file `c` shows.
    pub(super) fn name(&self, c: &Context) -> String {
        sanitize(&self.sources.get(self.segments[c.seg].file).name)
    }

    /// The lines `c` shows: where each starts in the excerpt, and its text
    /// (without the line break).
    pub(super) fn lines(&self, c: &Context) -> impl Iterator<Item = (usize, &str)> + '_ {
        self.segments[c.seg].lines[c.lo..=c.hi]
            .iter()
            .map(|l| (l.syn, &self.text[l.syn..l.syn + l.len]))
    }
}

impl SourceCode for Excerpt<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let c = self
            .context(
                span.offset(),
                span.len(),
                context_lines_before,
                context_lines_after,
            )
            .ok_or(MietteError::OutOfBounds)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name(&c),
            &self.text.as_bytes()[c.data_start..c.data_end],
            SourceSpan::new(c.data_start.into(), c.data_end - c.data_start),
            c.line,
            c.column,
            c.line_count,
        )))
    }
}
