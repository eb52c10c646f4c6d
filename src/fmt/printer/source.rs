//! The source text as the printer sees it: its lines and its comments.

use crate::source::Span;
use crate::syntax::ast::File;
use crate::syntax::is_space;

/// A comment of the source.
pub(super) struct Comment {
    pub(super) start: usize,
    pub(super) end: usize,
    /// The text, `//` included, without trailing whitespace.
    pub(super) text: String,
    /// Alone on its line (else it follows code).
    pub(super) own_line: bool,
    /// Where the code of its line starts (the comment itself if alone).
    pub(super) line_code_start: usize,
    /// Its column counted from where the code of its line starts.
    pub(super) rel_column: usize,
    /// The spaces between it and the code before it.
    pub(super) gap: usize,
}

/// The source text with what the printer needs to know about it.
pub(super) struct Source<'a> {
    pub(super) text: &'a str,
    pub(super) line_starts: Vec<usize>,
    pub(super) comments: Vec<Comment>,
}

impl<'a> Source<'a> {
    pub(super) fn new(text: &'a str, file: &File) -> Source<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let comments = file
            .comments
            .iter()
            .map(|s| {
                let (start, end) = (s.start as usize, s.end as usize);
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                let before = &text[line_start..start];
                let code = before.trim_start_matches(is_space);
                Comment {
                    start,
                    end,
                    text: text[start..end].trim_end().to_string(),
                    own_line: code.is_empty(),
                    line_code_start: start - code.len(),
                    rel_column: width(code),
                    gap: width(before) - width(before.trim_end_matches(is_space)),
                }
            })
            .collect();
        Source {
            text,
            line_starts,
            comments,
        }
    }

    pub(super) fn line_of(&self, pos: usize) -> usize {
        match self.line_starts.binary_search(&pos) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Whether `start..end` was written on one line.
    pub(super) fn one_line(&self, start: usize, end: usize) -> bool {
        end <= start || self.line_of(start) == self.line_of(end - 1)
    }

    /// Whether a comment starts in `start..end`.
    pub(super) fn has_comment(&self, start: usize, end: usize) -> bool {
        let i = self.comments.partition_point(|c| c.start < start);
        self.comments.get(i).is_some_and(|c| c.start < end)
    }

    /// Whether `start..end` holds a line with nothing but whitespace.
    pub(super) fn has_blank_line(&self, start: usize, end: usize) -> bool {
        let text = &self.text[start..end.max(start)];
        let pieces: Vec<&str> = text.split('\n').collect();
        pieces.len() > 2
            && pieces[1..pieces.len() - 1]
                .iter()
                .any(|l| l.chars().all(is_space))
    }

    /// `span` without the whitespace and comments the parser may include at
    /// its start and end.
    pub(super) fn trim(&self, span: Span) -> (usize, usize) {
        let start = self.skip_trivia(span.start as usize);
        let mut end = span.end as usize;
        loop {
            let kept = self.text[..end].trim_end_matches(is_space).len();
            end = kept.max(start);
            let i = self.comments.partition_point(|c| c.end < end);
            match self.comments.get(i) {
                Some(c) if c.start < end && c.start >= start => end = c.start,
                _ => return (start, end),
            }
        }
    }

    /// The first position at or after `pos` that is not whitespace or a
    /// comment.
    pub(super) fn skip_trivia(&self, mut pos: usize) -> usize {
        let b = self.text.as_bytes();
        loop {
            let rest = &self.text[pos.min(b.len())..];
            if let Some(c) = rest.chars().next().filter(|&c| is_space(c)) {
                pos += c.len_utf8();
            } else if rest.starts_with("//") {
                pos += rest.find('\n').unwrap_or(rest.len());
            } else {
                return pos;
            }
        }
    }
}

/// The width of `s` in columns (code points).
pub(super) fn width(s: &str) -> usize {
    s.chars().count()
}
