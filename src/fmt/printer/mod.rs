//! The printer behind [`super::format_source`].
//!
//! It walks the tree in source order and finds every token it prints in the
//! source again (keywords and punctuation by skipping whitespace and
//! comments from the end of the previous token; names and literals by their
//! spans). So it always knows where it is in the source, and each comment
//! is placed exactly between the tokens it was written between. If a
//! keyword is not where the tree says it must be (a bug), the printer
//! notices and gives up rather than print something wrong.
//!
//! Output is built as [`Line`]s: an indentation, the code, an optional
//! trailing comment and whether a blank line precedes it. Whether a
//! construct fits on one line is measured by printing it with a throwaway
//! printer (constructs that go on one line contain no comments).

mod decls;
mod exprs;
mod journeys;
mod layout;
mod source;

use super::MAX_WIDTH;
use crate::source::Span;
use crate::syntax::ast::*;
use source::{width, Comment, Source};

pub(super) use exprs::quote;

/// Spaces per block level.
const INDENT: usize = 2;
/// Extra spaces for the rest of a construct after a comment broke its line.
const CONTINUATION: usize = 4;

/// Prints `file`, whose source is `text`. `None` when the printer lost its
/// place in the source (a bug: the caller reports it).
pub(super) fn print(text: &str, file: &File) -> Option<String> {
    let src = Source::new(text, file);
    let mut p = Printer::new(&src, &src.comments, 0);
    p.file(file);
    if p.lost || p.next_comment != src.comments.len() {
        return None;
    }
    Some(p.finish())
}

/// One output line.
#[derive(Default)]
struct Line {
    indent: usize,
    text: String,
    /// A trailing comment and where it goes.
    comment: Option<(String, Place)>,
    /// Where its first token or comment is in the source.
    first_src: usize,
    blank_before: bool,
    /// The rest of a construct whose line a comment broke.
    continuation: bool,
    /// A comment on its own line.
    is_comment: bool,
}

/// How a top-level declaration is laid out.
#[derive(Clone, Debug, Default)]
struct ItemLayout {
    /// On one line.
    single: bool,
    /// Pad the name to this width (alignment with its neighbours).
    name_width: usize,
    /// Column widths of the properties (channels and messages).
    cols: Vec<usize>,
}

/// Where a trailing comment goes on its line.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// At this column, or one space after the code if that is further.
    Column(usize),
    /// This many spaces after the code.
    Gap(usize),
}

/// How entries are separated in a one-line `{ }`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sep {
    /// `, ` (fields, vars).
    Comma,
    /// Two spaces (properties, steps, split arms).
    Wide,
}

struct Printer<'s, 'a> {
    src: &'s Source<'a>,
    /// The comments still to place (none when measuring).
    comments: &'s [Comment],
    next_comment: usize,
    out: Vec<Line>,
    cur: Line,
    /// `cur` has a trailing comment: nothing more goes on it.
    sealed: bool,
    indent: usize,
    /// The indentation of continuation lines, inside a broken construct.
    cont_indent: Option<usize>,
    /// No blank line before the next line: it is the first in a block.
    at_block_start: bool,
    /// No blank line before the next line (a `}`).
    no_blank: bool,
    /// No blank lines until the next line of code (after an `@allow`).
    hold_blank: bool,
    /// A blank line before the next line.
    force_blank: bool,
    pending_space: bool,
    /// Where the next token is looked for.
    cursor: usize,
    /// The end of the last token or comment placed.
    last_end: usize,
    /// A token was not where the tree said.
    lost: bool,
}

impl<'s, 'a> Printer<'s, 'a> {
    fn new(src: &'s Source<'a>, comments: &'s [Comment], cursor: usize) -> Self {
        Printer {
            src,
            comments,
            next_comment: 0,
            out: Vec::new(),
            cur: Line::default(),
            sealed: false,
            indent: 0,
            cont_indent: None,
            at_block_start: true,
            no_blank: false,
            hold_blank: false,
            force_blank: false,
            pending_space: false,
            cursor,
            last_end: cursor,
            lost: false,
        }
    }

    fn finish(mut self) -> String {
        self.newline();
        let mut s = String::new();
        for (i, l) in self.out.iter().enumerate() {
            if l.blank_before && i > 0 {
                s.push('\n');
            }
            let mut line = " ".repeat(l.indent);
            line.push_str(&l.text);
            if let Some((c, place)) = &l.comment {
                let code = width(&line);
                let at = match *place {
                    Place::Column(column) => column.max(code + 1),
                    Place::Gap(gap) => code + gap.max(1),
                };
                line.extend(std::iter::repeat_n(' ', at - code));
                line.push_str(c);
            }
            s.push_str(line.trim_end());
            s.push('\n');
        }
        s
    }

    // ------------------------------------------------------------ lines

    /// Ends the current line, if it has anything: the next token starts a
    /// new statement line.
    fn newline(&mut self) {
        if !self.cur.text.is_empty() {
            self.push_cur();
        }
        self.cont_indent = None;
        self.pending_space = false;
    }

    fn push_cur(&mut self) {
        self.out.push(std::mem::take(&mut self.cur));
        self.sealed = false;
    }

    /// Breaks the current line in the middle of a construct.
    fn break_mid(&mut self) {
        let indent = if self.cur.continuation || self.cur.text.starts_with('}') {
            self.cur.indent
        } else {
            self.cur.indent + CONTINUATION
        };
        self.push_cur();
        self.cont_indent = Some(indent);
    }

    /// Starts `cur` for something at source position `pos`.
    fn begin_line(&mut self, pos: usize, is_comment: bool) {
        let cont = self.cont_indent;
        let mut blank = false;
        if !self.out.is_empty() && cont.is_none() {
            blank = self.force_blank
                || (!(self.at_block_start || self.no_blank || self.hold_blank)
                    && self.src.text[self.last_end..pos.max(self.last_end)]
                        .matches('\n')
                        .count()
                        >= 2);
        }
        self.cur = Line {
            indent: cont.unwrap_or(self.indent),
            first_src: pos,
            blank_before: blank,
            continuation: cont.is_some(),
            ..Line::default()
        };
        self.force_blank = false;
        self.at_block_start = false;
        self.no_blank = false;
        if !is_comment {
            self.hold_blank = false;
        }
    }

    /// The column the next token would start at.
    fn column(&self) -> usize {
        if self.cur.text.is_empty() {
            self.cont_indent.unwrap_or(self.indent)
        } else {
            self.cur.indent + width(&self.cur.text) + usize::from(self.pending_space)
        }
    }

    // ------------------------------------------------------------ comments

    /// Places the comments that start before `pos`.
    fn flush_comments(&mut self, pos: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.start >= pos {
                break;
            }
            self.next_comment += 1;
            if c.own_line || !self.trailing(c) {
                self.own_line(c);
            }
        }
    }

    /// Puts `c` at the end of the line of the last token, if it can go there.
    fn trailing(&mut self, c: &Comment) -> bool {
        let line = if !self.cur.text.is_empty() {
            &mut self.cur
        } else {
            match self.out.last_mut() {
                Some(l) if !l.is_comment => l,
                _ => return false,
            }
        };
        if line.comment.is_some() {
            return false;
        }
        let place = if line.first_src == c.line_code_start {
            Place::Column(line.indent + c.rel_column)
        } else {
            Place::Gap(c.gap)
        };
        line.comment = Some((c.text.clone(), place));
        self.sealed = !self.cur.text.is_empty();
        self.last_end = c.end;
        true
    }

    fn own_line(&mut self, c: &Comment) {
        if !self.cur.text.is_empty() {
            self.break_mid();
        }
        self.begin_line(c.start, true);
        self.cur.text = c.text.clone();
        self.cur.is_comment = true;
        self.push_cur();
        self.last_end = c.end;
    }

    // ------------------------------------------------------------ tokens

    /// Prints a token found at `start..end` in the source.
    fn emit(&mut self, text: &str, start: usize, end: usize) {
        self.flush_comments(start);
        if self.sealed {
            self.break_mid();
        }
        if self.cur.text.is_empty() {
            self.begin_line(start, false);
        } else if self.pending_space {
            self.cur.text.push(' ');
        }
        self.pending_space = false;
        self.cur.text.push_str(text);
        self.cursor = self.cursor.max(end);
        self.last_end = end;
    }

    /// Prints a keyword or punctuation, the next token of the source.
    fn kw(&mut self, k: &str) {
        let p = self.src.skip_trivia(self.cursor);
        if !self.src.text[p..].starts_with(k) {
            self.lost = true;
        }
        self.emit(k, p, p + k.len());
    }

    /// Skips an optional token (a separating comma) if it is next.
    fn opt(&mut self, k: &str) {
        let p = self.src.skip_trivia(self.cursor);
        if self.src.text[p..].starts_with(k) {
            self.cursor = p + k.len();
        }
    }

    /// A keyword (or other token of the source) and the space after it.
    fn kw_sp(&mut self, k: &str) {
        self.kw(k);
        self.sp();
    }

    /// The next token will be preceded by a space (unless it starts a line).
    fn sp(&mut self) {
        self.pending_space = true;
    }

    /// Text that is not in the source (separators, padding), on this line.
    fn raw(&mut self, s: &str) {
        self.cur.text.push_str(s);
    }

    fn pad(&mut self, n: usize) {
        for _ in 0..n {
            self.cur.text.push(' ');
        }
    }

    fn span_text(&mut self, s: Span) {
        let t = &self.src.text[s.range()];
        self.emit(t, s.start as usize, s.end as usize);
    }

    fn ident(&mut self, i: &Ident) {
        self.emit(&i.name, i.span.start as usize, i.span.end as usize);
    }

    fn path(&mut self, p: &Path) {
        self.emit(&p.dotted(), p.span.start as usize, p.span.end as usize);
    }

    fn string(&mut self, s: &StrLit) {
        self.emit(&quote(&s.value), s.span.start as usize, s.span.end as usize);
    }

    fn number(&mut self, n: &Number) {
        self.emit(&n.raw, n.span.start as usize, n.span.end as usize);
    }
}
