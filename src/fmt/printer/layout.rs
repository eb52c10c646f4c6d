//! Layout: what goes on one line, blocks, and the alignment of runs of
//! declarations.

use super::*;
use crate::source::Span;
use crate::syntax::ast::*;

impl Printer<'_, '_> {
    /// The width of a construct printed on one line by `f` from source
    /// position `start`; `None` if it does not print on one line.
    pub(super) fn measure(&self, start: usize, f: impl FnOnce(&mut Printer)) -> Option<usize> {
        let mut m = Printer::new(self.src, &[], start);
        f(&mut m);
        (!m.lost && m.out.is_empty()).then(|| width(&m.cur.text))
    }

    /// Whether the construct at `start..end` goes on one line: it was
    /// written on one line, `ok`, and it fits from the current column.
    pub(super) fn fits(
        &self,
        start: usize,
        end: usize,
        ok: bool,
        f: impl FnOnce(&mut Printer),
    ) -> bool {
        ok && self.src.one_line(start, end)
            && self
                .measure(start, f)
                .is_some_and(|w| self.column() + w <= MAX_WIDTH)
    }

    /// Where a construct preceded by `allows` starts.
    pub(super) fn after_allows(&self, allows: &[Allow], start: Span) -> usize {
        match allows.last() {
            Some(a) => self.src.skip_trivia(a.span.end as usize),
            None => self.src.trim(start).0,
        }
    }

    pub(super) fn open_block(&mut self) {
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

    pub(super) fn close_block(&mut self) {
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
    pub(super) fn braces<T>(
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
            self.kw_sp("{");
            self.kw("}");
            return;
        }
        if flat {
            self.kw_sp("{");
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

    pub(super) fn file(&mut self, f: &File) {
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
    pub(super) fn plan(&self, items: &[Item]) -> Vec<ItemLayout> {
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
    pub(super) fn align(&self, items: &[Item], layouts: &mut [ItemLayout]) {
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
    pub(super) fn item_single(&self, it: &Item) -> bool {
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
