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

use super::MAX_WIDTH;
use crate::source::Span;
use crate::syntax::ast::*;

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

/// A comment of the source.
struct Comment {
    start: usize,
    end: usize,
    /// The text, `//` included, without trailing whitespace.
    text: String,
    /// Alone on its line (else it follows code).
    own_line: bool,
    /// Where the code of its line starts (the comment itself if alone).
    line_code_start: usize,
    /// Its column counted from where the code of its line starts.
    rel_column: usize,
    /// The spaces between it and the code before it.
    gap: usize,
}

/// The source text with what the printer needs to know about it.
struct Source<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    comments: Vec<Comment>,
}

impl<'a> Source<'a> {
    fn new(text: &'a str, file: &File) -> Source<'a> {
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

    fn line_of(&self, pos: usize) -> usize {
        match self.line_starts.binary_search(&pos) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Whether `start..end` was written on one line.
    fn one_line(&self, start: usize, end: usize) -> bool {
        end <= start || self.line_of(start) == self.line_of(end - 1)
    }

    /// Whether a comment starts in `start..end`.
    fn has_comment(&self, start: usize, end: usize) -> bool {
        let i = self.comments.partition_point(|c| c.start < start);
        self.comments.get(i).is_some_and(|c| c.start < end)
    }

    /// Whether `start..end` holds a line with nothing but whitespace.
    fn has_blank_line(&self, start: usize, end: usize) -> bool {
        let text = &self.text[start..end.max(start)];
        let pieces: Vec<&str> = text.split('\n').collect();
        pieces.len() > 2
            && pieces[1..pieces.len() - 1]
                .iter()
                .any(|l| l.chars().all(is_space))
    }

    /// `span` without the whitespace and comments the parser may include at
    /// its start and end.
    fn trim(&self, span: Span) -> (usize, usize) {
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
    fn skip_trivia(&self, mut pos: usize) -> usize {
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

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{FEFF}')
}

fn width(s: &str) -> usize {
    s.chars().count()
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

    // ------------------------------------------------------------ layout

    /// The width of a construct printed on one line by `f` from source
    /// position `start`; `None` if it does not print on one line.
    fn measure(&self, start: usize, f: impl FnOnce(&mut Printer)) -> Option<usize> {
        let mut m = Printer::new(self.src, &[], start);
        f(&mut m);
        (!m.lost && m.out.is_empty()).then(|| width(&m.cur.text))
    }

    /// Whether the construct at `start..end` goes on one line: it was
    /// written on one line, `ok`, and it fits from the current column.
    fn fits(&self, start: usize, end: usize, ok: bool, f: impl FnOnce(&mut Printer)) -> bool {
        ok && self.src.one_line(start, end)
            && self
                .measure(start, f)
                .is_some_and(|w| self.column() + w <= MAX_WIDTH)
    }

    /// Where a construct preceded by `allows` starts.
    fn after_allows(&self, allows: &[Allow], start: Span) -> usize {
        match allows.last() {
            Some(a) => self.src.skip_trivia(a.span.end as usize),
            None => self.src.trim(start).0,
        }
    }

    fn open_block(&mut self) {
        // A comment after the code that opens a block, before its `{`, moves
        // after the `{`: `if a // why` + `{` prints as `if a { // why`.
        let p = self.src.skip_trivia(self.cursor);
        let before = self.comments[self.next_comment..]
            .iter()
            .take_while(|c| c.start < p)
            .count();
        let next = self.comments.get(self.next_comment);
        if before == 1 && next.is_some_and(|c| !c.own_line) && !self.cur.text.is_empty() {
            self.next_comment += 1;
            self.kw("{");
            self.next_comment -= 1;
            self.flush_comments(p + 1);
        } else {
            self.kw("{");
        }
        self.newline();
        self.indent += INDENT;
        self.at_block_start = true;
    }

    fn close_block(&mut self) {
        let p = self.src.skip_trivia(self.cursor);
        self.newline();
        self.flush_comments(p);
        self.indent -= INDENT;
        self.no_blank = true;
        self.kw("}");
    }

    /// `{ entries }`: on one line when `flat` (each entry printed by
    /// `each(p, x, true)`, separated by `sep`, entries but the last padded
    /// to `cols`), else one entry per line. An empty `{ }` without comments
    /// is always `{ }`. `end` is where the `}` ends.
    fn braces<T>(
        &mut self,
        entries: &[T],
        flat: bool,
        end: usize,
        sep: Sep,
        cols: &[usize],
        mut each: impl FnMut(&mut Self, &T, bool),
    ) {
        let open = self.src.skip_trivia(self.cursor);
        if entries.is_empty() && !self.src.has_comment(open, end) {
            self.kw("{");
            self.sp();
            self.kw("}");
            return;
        }
        if flat {
            self.kw("{");
            self.sp();
            let mut cell_start = 0;
            for (i, x) in entries.iter().enumerate() {
                if i > 0 {
                    match sep {
                        Sep::Comma => {
                            self.raw(",");
                            self.sp();
                        }
                        Sep::Wide => {
                            if let Some(w) = cols.get(i - 1) {
                                let filled = width(&self.cur.text) - cell_start;
                                self.pad(w.saturating_sub(filled));
                            }
                            self.raw("  ");
                        }
                    }
                }
                cell_start = width(&self.cur.text) + usize::from(self.pending_space);
                each(self, x, true);
                self.opt(",");
            }
            self.sp();
            self.kw("}");
        } else {
            self.open_block();
            for x in entries {
                self.newline();
                each(self, x, false);
                self.opt(",");
            }
            self.close_block();
        }
    }

    // ------------------------------------------------------------ file

    fn file(&mut self, f: &File) {
        let layouts = self.plan(&f.items);
        let mut prev_single: Option<bool> = None;
        for (item, layout) in f.items.iter().zip(&layouts) {
            self.newline();
            if prev_single.is_some_and(|p| !p || !layout.single) {
                self.force_blank = true;
            }
            self.item(item, layout);
            prev_single = Some(layout.single);
        }
        self.newline();
        self.flush_comments(usize::MAX);
        self.newline();
    }

    /// Which declarations go on one line, and how runs of them align.
    fn plan(&self, items: &[Item]) -> Vec<ItemLayout> {
        let mut layouts: Vec<ItemLayout> = items
            .iter()
            .map(|it| ItemLayout {
                single: self.item_single(it),
                ..ItemLayout::default()
            })
            .collect();
        let mut i = 0;
        while i < items.len() {
            let mut j = i + 1;
            if layouts[i].single && item_name(&items[i]).is_some() {
                while j < items.len()
                    && layouts[j].single
                    && std::mem::discriminant(&items[j].kind)
                        == std::mem::discriminant(&items[i].kind)
                    && !self.src.has_blank_line(
                        self.src.trim(items[j - 1].span).1,
                        self.src.trim(items[j].span).0,
                    )
                {
                    j += 1;
                }
                self.align(&items[i..j], &mut layouts[i..j]);
            }
            i = j;
        }
        layouts
    }

    /// Aligns a run of one-line declarations of one kind.
    fn align(&self, items: &[Item], layouts: &mut [ItemLayout]) {
        let name_width = items
            .iter()
            .filter_map(item_name)
            .map(|n| width(&n.name))
            .max()
            .unwrap_or(0);
        let mut cols: Vec<usize> = Vec::new();
        for it in items {
            let widths: Vec<usize> = match &it.kind {
                ItemKind::Channel(c) => c
                    .props
                    .iter()
                    .map(|p| {
                        self.measure(self.src.trim(p.span).0, |m| m.channel_prop(p))
                            .unwrap_or(0)
                    })
                    .collect(),
                ItemKind::Message(m) => m
                    .props
                    .iter()
                    .map(|p| {
                        self.measure(self.src.trim(p.span).0, |m| m.message_prop(p, true))
                            .unwrap_or(0)
                    })
                    .collect(),
                _ => Vec::new(),
            };
            // The last property of a line is not padded.
            for (k, w) in widths
                .iter()
                .enumerate()
                .take(widths.len().saturating_sub(1))
            {
                if cols.len() <= k {
                    cols.push(0);
                }
                cols[k] = cols[k].max(*w);
            }
        }
        for l in layouts {
            l.name_width = name_width;
            l.cols = cols.clone();
        }
    }

    /// Whether a declaration goes on one line.
    fn item_single(&self, it: &Item) -> bool {
        let start = self.after_allows(&it.allows, it.span);
        let end = self.src.trim(it.span).1;
        let clean = !self.src.has_comment(start, end);
        let braced = |empty: bool| {
            (empty && clean)
                || self.fits(start, end, true, |m| {
                    m.item_kind(
                        it,
                        &ItemLayout {
                            single: true,
                            ..ItemLayout::default()
                        },
                    )
                })
        };
        match &it.kind {
            ItemKind::Import(_) | ItemKind::Segment(_) => clean,
            ItemKind::Profile(fields) => braced(fields.is_empty()),
            ItemKind::Event(e) => braced(e.fields.is_empty()),
            ItemKind::Channel(c) => braced(c.props.is_empty()),
            ItemKind::Message(m) => braced(m.props.is_empty()),
            ItemKind::Campaign(c) => c.props.is_empty() && clean,
        }
    }

    fn item(&mut self, it: &Item, layout: &ItemLayout) {
        for a in &it.allows {
            self.allow(a);
            self.newline();
            self.hold_blank = true;
        }
        self.item_kind(it, layout);
    }

    fn item_kind(&mut self, it: &Item, layout: &ItemLayout) {
        let flat = layout.single;
        let end = self.src.trim(it.span).1;
        let name = |p: &mut Self, n: &Ident| {
            p.ident(n);
            p.pad(layout.name_width.saturating_sub(width(&n.name)));
            p.sp();
        };
        match &it.kind {
            ItemKind::Import(s) => {
                self.kw("import");
                self.sp();
                self.string(s);
            }
            ItemKind::Profile(fields) => {
                self.kw("profile");
                self.sp();
                self.braces(fields, flat, end, Sep::Comma, &[], |p, f, _| p.field(f));
            }
            ItemKind::Event(e) => {
                self.kw("event");
                self.sp();
                name(self, &e.name);
                self.braces(&e.fields, flat, end, Sep::Comma, &[], |p, f, _| p.field(f));
            }
            ItemKind::Channel(c) => {
                self.kw("channel");
                self.sp();
                name(self, &c.name);
                let end = c.body_span.end as usize;
                self.braces(&c.props, flat, end, Sep::Wide, &layout.cols, |p, x, _| {
                    p.channel_prop(x)
                });
            }
            ItemKind::Segment(s) => {
                self.kw("segment");
                self.sp();
                name(self, &s.name);
                self.kw("=");
                self.sp();
                self.expr(&s.expr);
            }
            ItemKind::Message(m) => {
                self.kw("message");
                self.sp();
                name(self, &m.name);
                let end = m.body_span.end as usize;
                self.braces(&m.props, flat, end, Sep::Wide, &layout.cols, |p, x, f| {
                    p.message_prop(x, f)
                });
            }
            ItemKind::Campaign(c) => {
                self.kw("campaign");
                self.sp();
                self.ident(&c.name);
                self.sp();
                let end = c.body_span.end as usize;
                self.braces(&c.props, false, end, Sep::Wide, &[], |p, x, _| {
                    p.campaign_prop(x)
                });
            }
        }
    }

    fn allow(&mut self, a: &Allow) {
        self.kw("@allow");
        self.kw("(");
        for (i, c) in a.codes.iter().enumerate() {
            if i > 0 {
                self.kw(",");
                self.sp();
            }
            self.ident(c);
        }
        self.opt(",");
        self.kw(")");
    }

    fn field(&mut self, f: &FieldDecl) {
        self.ident(&f.name);
        self.kw(":");
        self.sp();
        match &f.ty {
            TypeExpr::Named(i) => self.ident(i),
            TypeExpr::OneOf(values, _) => {
                self.kw("one");
                self.sp();
                self.kw("of");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        self.kw(",");
                    }
                    self.sp();
                    self.string(v);
                }
            }
        }
    }

    fn limit(&mut self, l: &Limit) {
        self.kw("limit");
        self.sp();
        self.number(&l.count);
        self.sp();
        self.kw("per");
        self.sp();
        self.span_text(l.per.span);
    }

    fn channel_prop(&mut self, p: &ChannelProp) {
        match &p.kind {
            ChannelPropKind::Kind(i) => {
                self.kw("kind");
                self.sp();
                self.ident(i);
            }
            ChannelPropKind::Consent(i) => {
                self.kw("consent");
                self.sp();
                self.ident(i);
            }
            ChannelPropKind::QuietHours(from, to) => {
                self.kw("quiet_hours");
                self.sp();
                self.span_text(from.span);
                self.sp();
                self.kw("to");
                self.sp();
                self.span_text(to.span);
            }
            ChannelPropKind::Limit(l) => self.limit(l),
            ChannelPropKind::Description(s) => {
                self.kw("description");
                self.sp();
                self.string(s);
            }
        }
    }

    /// A message property; `vars { }` goes on one line when the message
    /// does (`flat`), or by the one-line rule.
    fn message_prop(&mut self, p: &MessageProp, flat: bool) {
        let (kw, s) = match &p.kind {
            MessagePropKind::Channel(i) => {
                self.kw("channel");
                self.sp();
                self.ident(i);
                return;
            }
            MessagePropKind::Vars(vars) => {
                let (start, end) = self.src.trim(p.span);
                let flat = flat || self.fits(start, end, true, |m| m.message_prop(p, true));
                self.kw("vars");
                self.sp();
                self.braces(vars, flat, end, Sep::Comma, &[], |p, v, _| {
                    p.ident(&v.name);
                    p.kw(":");
                    p.sp();
                    p.literal(&v.value);
                });
                return;
            }
            MessagePropKind::Template(s) => ("template", s),
            MessagePropKind::Subject(s) => ("subject", s),
            MessagePropKind::Description(s) => ("description", s),
        };
        self.kw(kw);
        self.sp();
        self.string(s);
    }

    fn campaign_prop(&mut self, p: &CampaignProp) {
        match &p.kind {
            CampaignPropKind::Description(s) => {
                self.kw("description");
                self.sp();
                self.string(s);
            }
            CampaignPropKind::Trigger(t) => {
                self.kw("trigger");
                self.sp();
                self.trigger(t);
            }
            CampaignPropKind::Audience(e) => {
                self.kw("audience");
                self.sp();
                self.expr(e);
            }
            CampaignPropKind::Reentry(r) => {
                self.kw("reentry");
                self.sp();
                match r {
                    Reentry::Never => self.kw("never"),
                    Reentry::Always => self.kw("always"),
                    Reentry::After(d) => {
                        self.kw("after");
                        self.sp();
                        self.span_text(d.span);
                    }
                }
            }
            CampaignPropKind::Goal(i) => {
                self.kw("goal");
                self.sp();
                self.ident(i);
            }
            CampaignPropKind::ExitWhen(i) => {
                self.kw("exit");
                self.sp();
                self.kw("when");
                self.sp();
                self.ident(i);
            }
            CampaignPropKind::Limit(l) => self.limit(l),
            CampaignPropKind::Window(from, to) => {
                self.kw("window");
                self.sp();
                self.span_text(from.span);
                self.sp();
                self.kw("to");
                self.sp();
                self.span_text(to.span);
            }
            CampaignPropKind::Timezone(s) => {
                self.kw("timezone");
                self.sp();
                self.string(s);
            }
            CampaignPropKind::Journey(b) => {
                self.kw("journey");
                self.sp();
                self.block(b, false);
            }
        }
    }

    fn trigger(&mut self, t: &Trigger) {
        match t {
            Trigger::Event { event, filter } => {
                self.ident(event);
                if let Some(f) = filter {
                    self.sp();
                    self.kw("where");
                    self.sp();
                    self.expr(f);
                }
            }
            Trigger::Enters(i) => {
                self.kw("enters");
                self.sp();
                self.ident(i);
            }
            Trigger::Daily(time) => {
                self.kw("daily");
                self.sp();
                self.kw("at");
                self.sp();
                self.span_text(time.span);
            }
            Trigger::Weekly(_, day, time) => {
                self.kw("weekly");
                self.sp();
                self.kw("on");
                self.sp();
                self.span_text(*day);
                self.sp();
                self.kw("at");
                self.sp();
                self.span_text(time.span);
            }
            Trigger::Once(date, time) => {
                self.kw("once");
                self.sp();
                self.kw("at");
                self.sp();
                self.span_text(date.span);
                self.sp();
                self.span_text(time.span);
            }
        }
    }

    // ------------------------------------------------------------ journeys

    /// A block of steps: on one line when `flat`, else one step per line,
    /// each deciding for itself whether it goes on one line.
    fn block(&mut self, b: &Block, flat: bool) {
        self.braces(
            &b.steps,
            flat,
            self.src.trim(b.span).1,
            Sep::Wide,
            &[],
            |p, s, flat| {
                if flat {
                    p.step_kind(s, true);
                } else {
                    p.step(s);
                }
            },
        );
    }

    /// A step on lines of its own: its `@allow`s, then the step, on one
    /// line if the one-line rule lets it.
    fn step(&mut self, s: &Step) {
        for a in &s.allows {
            self.allow(a);
            self.newline();
            self.hold_blank = true;
        }
        let start = self.after_allows(&s.allows, s.span);
        let ok = !step_has_inner_allows(s);
        let end = self.src.trim(s.span).1;
        let flat = self.fits(start, end, ok, |m| m.step_kind(s, true));
        self.step_kind(s, flat);
    }

    fn step_kind(&mut self, s: &Step, flat: bool) {
        match &s.kind {
            StepKind::Send(i) => {
                self.kw("send");
                self.sp();
                self.ident(i);
            }
            StepKind::Wait(d) => {
                self.kw("wait");
                self.sp();
                self.span_text(d.span);
            }
            StepKind::WaitUntil { weekday, time } => {
                self.kw("wait");
                self.sp();
                self.kw("until");
                self.sp();
                if let Some((_, day)) = weekday {
                    self.span_text(*day);
                    self.sp();
                }
                self.span_text(time.span);
            }
            StepKind::WaitFor {
                on,
                filter,
                within,
                then,
                otherwise,
            } => {
                self.kw("wait");
                self.sp();
                self.kw("for");
                self.sp();
                match on {
                    WaitOn::Event(i) => self.ident(i),
                    WaitOn::Opened(i) => {
                        self.kw("opened");
                        self.sp();
                        self.ident(i);
                    }
                    WaitOn::Clicked(i) => {
                        self.kw("clicked");
                        self.sp();
                        self.ident(i);
                    }
                }
                if let Some(f) = filter {
                    self.sp();
                    self.kw("where");
                    self.sp();
                    self.expr(f);
                }
                self.sp();
                self.kw("within");
                self.sp();
                self.span_text(within.span);
                if let Some(b) = then {
                    self.sp();
                    self.block(b, flat);
                }
                if let Some(b) = otherwise {
                    self.sp();
                    self.kw("otherwise");
                    self.sp();
                    self.block(b, flat);
                }
            }
            StepKind::If { arms, otherwise } => {
                for (i, (cond, body)) in arms.iter().enumerate() {
                    if i > 0 {
                        self.sp();
                        self.kw("else");
                        self.sp();
                    }
                    self.kw("if");
                    self.sp();
                    self.expr(cond);
                    self.sp();
                    self.block(body, flat);
                }
                if let Some(b) = otherwise {
                    self.sp();
                    self.kw("else");
                    self.sp();
                    self.block(b, flat);
                }
            }
            StepKind::Split(arms) => {
                self.kw("split");
                self.sp();
                let weights = arms.iter().map(|a| a.weight.span.len()).max().unwrap_or(0);
                let names = arms
                    .iter()
                    .filter_map(|a| a.name.as_ref())
                    .map(|n| width(&n.name))
                    .max()
                    .unwrap_or(0);
                self.braces(
                    arms,
                    flat,
                    self.src.trim(s.span).1,
                    Sep::Wide,
                    &[],
                    |p, arm, flat| {
                        if flat {
                            p.arm(arm, true, None);
                        } else {
                            let (start, end) = p.src.trim(arm.span);
                            let ok = !block_has_allows(&arm.body);
                            let flat = p.fits(start, end, ok, |m| m.arm(arm, true, None));
                            p.arm(arm, flat, Some((weights, names)));
                        }
                    },
                );
            }
            StepKind::Repeat { times, body } => {
                self.kw("repeat");
                self.sp();
                self.number(times);
                self.sp();
                self.kw("times");
                self.sp();
                self.block(body, flat);
            }
            StepKind::Named { name, body } => {
                self.kw("step");
                self.sp();
                self.ident(name);
                self.sp();
                self.block(body, flat);
            }
            StepKind::Goto(i) => {
                self.kw("goto");
                self.sp();
                self.ident(i);
            }
            StepKind::Exit => self.kw("exit"),
        }
    }

    /// A split arm; `align` pads its weight and name to these widths.
    fn arm(&mut self, a: &SplitArm, flat: bool, align: Option<(usize, usize)>) {
        self.span_text(a.weight.span);
        let (weights, names) = align.unwrap_or((0, 0));
        self.pad(weights.saturating_sub(a.weight.span.len()));
        match &a.name {
            Some(n) => {
                self.sp();
                self.ident(n);
                self.pad(names.saturating_sub(width(&n.name)));
            }
            None if names > 0 => {
                self.raw(" ");
                self.pad(names);
            }
            None => {}
        }
        self.sp();
        self.block(&a.body, flat);
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Or(parts) | ExprKind::And(parts) => {
                let op = if matches!(e.kind, ExprKind::Or(_)) {
                    "or"
                } else {
                    "and"
                };
                for (i, x) in parts.iter().enumerate() {
                    if i > 0 {
                        self.sp();
                        self.kw(op);
                        self.sp();
                    }
                    self.expr(x);
                }
            }
            ExprKind::Not(x) => {
                self.kw("not");
                self.sp();
                self.expr(x);
            }
            ExprKind::Paren(x) => {
                self.kw("(");
                self.expr(x);
                self.kw(")");
            }
            ExprKind::Compare { lhs, op, rhs } => {
                self.operand(lhs);
                self.sp();
                self.kw(op.as_str());
                self.sp();
                self.operand(rhs);
            }
            ExprKind::In {
                operand,
                negated,
                list,
            } => {
                self.operand(operand);
                self.sp();
                if *negated {
                    self.kw("not");
                    self.sp();
                }
                self.kw("in");
                self.sp();
                self.kw("[");
                for (i, x) in list.iter().enumerate() {
                    if i > 0 {
                        self.kw(",");
                        self.sp();
                    }
                    self.operand(x);
                }
                self.opt(",");
                self.kw("]");
            }
            ExprKind::IsSet { path, negated } => {
                self.path(path);
                self.sp();
                self.kw("is");
                self.sp();
                if *negated {
                    self.kw("not");
                    self.sp();
                }
                self.kw("set");
            }
            ExprKind::Name(p) => self.path(p),
            ExprKind::Bool(b) => self.kw(if *b { "true" } else { "false" }),
            ExprKind::Did {
                event,
                filter,
                window,
                at_least,
            } => {
                self.kw("did");
                self.sp();
                self.ident(event);
                if let Some(f) = filter {
                    self.sp();
                    self.kw("where");
                    self.sp();
                    self.expr(f);
                }
                match window {
                    Some(DidWindow::Within(d)) => {
                        self.sp();
                        self.kw("within");
                        self.sp();
                        self.span_text(d.span);
                    }
                    Some(DidWindow::SinceEntry(_)) => {
                        self.sp();
                        self.kw("since");
                        self.sp();
                        self.kw("entry");
                    }
                    None => {}
                }
                if let Some(n) = at_least {
                    self.sp();
                    self.kw("at");
                    self.sp();
                    self.kw("least");
                    self.sp();
                    self.number(n);
                    self.sp();
                    self.kw("times");
                }
            }
            ExprKind::Opened(i) => {
                self.kw("opened");
                self.sp();
                self.ident(i);
            }
            ExprKind::Clicked(i) => {
                self.kw("clicked");
                self.sp();
                self.ident(i);
            }
        }
    }

    fn operand(&mut self, o: &Operand) {
        match o {
            Operand::Path(p) => self.path(p),
            Operand::Literal(l) => self.literal(l),
        }
    }

    fn literal(&mut self, l: &Literal) {
        match l {
            Literal::Str(s) => self.string(s),
            Literal::Number(n) => self.number(n),
            Literal::Bool(b, _) => self.kw(if *b { "true" } else { "false" }),
            Literal::Duration(d) => self.span_text(d.span),
            Literal::Time(t) => self.span_text(t.span),
            Literal::Date(d) => self.span_text(d.span),
            Literal::Percent(p) => self.span_text(p.span),
        }
    }
}

/// The name a declaration is aligned by.
fn item_name(it: &Item) -> Option<&Ident> {
    match &it.kind {
        ItemKind::Event(e) => Some(&e.name),
        ItemKind::Channel(c) => Some(&c.name),
        ItemKind::Segment(s) => Some(&s.name),
        ItemKind::Message(m) => Some(&m.name),
        _ => None,
    }
}

/// A string literal with its value escaped: `\"`, `\\` and `\n`.
pub(super) fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn block_has_allows(b: &Block) -> bool {
    b.steps
        .iter()
        .any(|s| !s.allows.is_empty() || step_has_inner_allows(s))
}

/// Whether a step inside this one (not the step itself) has an `@allow`.
fn step_has_inner_allows(s: &Step) -> bool {
    match &s.kind {
        StepKind::WaitFor {
            then, otherwise, ..
        } => then.iter().chain(otherwise).any(block_has_allows),
        StepKind::If { arms, otherwise } => {
            arms.iter().any(|(_, b)| block_has_allows(b))
                || otherwise.as_ref().is_some_and(block_has_allows)
        }
        StepKind::Split(arms) => arms.iter().any(|a| block_has_allows(&a.body)),
        StepKind::Repeat { body, .. } | StepKind::Named { body, .. } => block_has_allows(body),
        StepKind::Send(_)
        | StepKind::Wait(_)
        | StepKind::WaitUntil { .. }
        | StepKind::Goto(_)
        | StepKind::Exit => false,
    }
}
