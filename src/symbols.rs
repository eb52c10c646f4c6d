//! The symbol index: every name's definition and every place a name is
//! written, as plain data about byte offsets, for go-to-definition, find
//! references, rename and hover (and for lints that ask whether a
//! declaration is used).
//!
//! [`crate::resolve`] builds it while it resolves names, so it agrees with
//! the resolver by construction: a reference is recorded exactly where the
//! resolver found what a name means, and nowhere else (a name the resolver
//! reports as unknown has no reference). It is carried in
//! [`crate::model::Program::symbols`].
//!
//! Invariants:
//! - spans are byte ranges into the text of the file they name (a
//!   definition's span is its name as written; a reference's span is the
//!   name as written at the use, without keywords or quotes, except an
//!   import's, which is the quoted path);
//! - definitions are in the order the resolver meets them: every file,
//!   then the declarations of each file in load and source order (an
//!   event's fields right after it), then the named steps of each
//!   campaign in source order; references are sorted by file, then span:
//!   the same input gives the same index;
//! - a name written once is one reference: rename edits
//!   [`SymbolIndex::occurrences`] and nothing else.

use std::collections::BTreeMap;

use crate::model::{AttrId, CampaignId, ChannelId, EventId, MessageId, SegmentId};
use crate::source::{FileId, Span};

#[cfg(test)]
mod tests;

/// A defined name: an index into [`SymbolIndex::definitions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SymbolId(pub u32);

impl SymbolId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a name means, in the model's ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// A source file, named by `import "path"`.
    File(FileId),
    Attribute(AttrId),
    Segment(SegmentId),
    Event(EventId),
    /// The field of an event, by its position in `model::Event::fields`.
    Field(EventId, u32),
    Channel(ChannelId),
    Message(MessageId),
    Campaign(CampaignId),
    /// A named step (`step NAME { }`) of a campaign, by its position among
    /// the campaign's named steps in source order.
    Step(CampaignId, u32),
}

/// The kind of a name, for an editor's outline and hover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SymbolKind {
    File,
    Attribute,
    Segment,
    Event,
    Field,
    Channel,
    Message,
    Campaign,
    Step,
}

impl Target {
    pub fn kind(self) -> SymbolKind {
        match self {
            Target::File(_) => SymbolKind::File,
            Target::Attribute(_) => SymbolKind::Attribute,
            Target::Segment(_) => SymbolKind::Segment,
            Target::Event(_) => SymbolKind::Event,
            Target::Field(..) => SymbolKind::Field,
            Target::Channel(_) => SymbolKind::Channel,
            Target::Message(_) => SymbolKind::Message,
            Target::Campaign(_) => SymbolKind::Campaign,
            Target::Step(..) => SymbolKind::Step,
        }
    }
}

/// Where a name is defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    pub target: Target,
    pub name: String,
    pub file: FileId,
    /// The name as written in the declaration; empty (at offset 0) for a
    /// file, which is defined by existing.
    pub span: Span,
}

/// A place where a name is written and what it resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    pub file: FileId,
    pub span: Span,
    pub symbol: SymbolId,
}

/// Every definition and reference of a program.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SymbolIndex {
    definitions: Vec<Definition>,
    by_target: BTreeMap<Target, SymbolId>,
    /// Sorted by file, then span.
    references: Vec<Reference>,
    /// Per symbol, the positions of its references in `references`.
    uses: Vec<Vec<u32>>,
    /// Symbols with a written name, sorted by (file, span) of the name.
    by_position: Vec<SymbolId>,
}

impl SymbolIndex {
    /// Every definition, in declaration order.
    pub fn definitions(&self) -> &[Definition] {
        &self.definitions
    }

    /// Every reference, sorted by file then span.
    pub fn all_references(&self) -> &[Reference] {
        &self.references
    }

    pub fn definition(&self, symbol: SymbolId) -> &Definition {
        &self.definitions[symbol.index()]
    }

    /// The symbol of a model item.
    pub fn symbol(&self, target: Target) -> Option<SymbolId> {
        self.by_target.get(&target).copied()
    }

    /// The references of a symbol, in file and source order (not its
    /// definition).
    pub fn references(&self, symbol: SymbolId) -> impl Iterator<Item = &Reference> + '_ {
        self.uses
            .get(symbol.index())
            .into_iter()
            .flatten()
            .map(|&i| &self.references[i as usize])
    }

    /// Whether a symbol is written anywhere besides its definition.
    pub fn is_used(&self, symbol: SymbolId) -> bool {
        self.uses.get(symbol.index()).is_some_and(|u| !u.is_empty())
    }

    /// The symbol whose name is written at `offset` in `file` (a reference
    /// or a definition's name). An offset just after a name counts, like an
    /// editor's cursor at the end of a word.
    pub fn symbol_at(&self, file: FileId, offset: usize) -> Option<SymbolId> {
        let hit = |f: FileId, s: Span| {
            f == file && s.start as usize <= offset && offset <= s.end as usize
        };
        // References do not nest or overlap, nor do definitions' names.
        let i = self
            .references
            .partition_point(|r| (r.file, r.span.start as usize) <= (file, offset));
        if let Some(r) = i.checked_sub(1).map(|i| &self.references[i]) {
            if hit(r.file, r.span) {
                return Some(r.symbol);
            }
        }
        let i = self.by_position.partition_point(|&s| {
            let d = &self.definitions[s.index()];
            (d.file, d.span.start as usize) <= (file, offset)
        });
        let s = *self.by_position.get(i.checked_sub(1)?)?;
        let d = &self.definitions[s.index()];
        hit(d.file, d.span).then_some(s)
    }

    /// Go to definition: the definition of the name written at `offset`.
    pub fn definition_at(&self, file: FileId, offset: usize) -> Option<&Definition> {
        self.symbol_at(file, offset).map(|s| self.definition(s))
    }

    /// Adds a definition, for a program built by hand rather than resolved
    /// from source (tests, benchmarks). A target is defined once.
    pub fn define(&mut self, target: Target, name: &str, file: FileId, span: Span) {
        if self.by_target.contains_key(&target) {
            return;
        }
        let id = SymbolId(self.definitions.len() as u32);
        self.by_target.insert(target, id);
        self.definitions.push(Definition {
            target,
            name: name.to_string(),
            file,
            span,
        });
        self.uses.push(Vec::new());
        if !span.is_empty() {
            let key = |s: &SymbolId, d: &[Definition]| (d[s.index()].file, d[s.index()].span);
            let in_order = self
                .by_position
                .last()
                .is_none_or(|l| key(l, &self.definitions) <= (file, span));
            self.by_position.push(id);
            if !in_order {
                let defs = &self.definitions;
                self.by_position.sort_by_key(|s| key(s, defs));
            }
        }
    }

    /// Adds a reference to a defined target, for a program built by hand
    /// (see [`SymbolIndex::define`]); a reference to an undefined target
    /// is ignored.
    pub fn refer(&mut self, target: Target, file: FileId, span: Span) {
        let Some(&symbol) = self.by_target.get(&target) else {
            return;
        };
        let r = Reference { file, span, symbol };
        if self.references.last().is_none_or(|l| *l < r) {
            self.uses[symbol.index()].push(self.references.len() as u32);
            self.references.push(r);
        } else if !self.references.contains(&r) {
            self.references.push(r);
            self.references.sort();
            self.uses = index_uses(&self.references, self.definitions.len());
        }
    }

    /// Every place the symbol's name is written, its definition first then
    /// its references: what a rename edits. A file has no written name
    /// of its own, so only its imports are listed.
    pub fn occurrences(&self, symbol: SymbolId) -> Vec<(FileId, Span)> {
        let d = self.definition(symbol);
        let own = (!d.span.is_empty()).then_some((d.file, d.span));
        own.into_iter()
            .chain(self.references(symbol).map(|r| (r.file, r.span)))
            .collect()
    }
}

/// Per symbol, the positions of its references.
fn index_uses(references: &[Reference], symbols: usize) -> Vec<Vec<u32>> {
    let mut uses = vec![Vec::new(); symbols];
    for (i, r) in references.iter().enumerate() {
        uses[r.symbol.index()].push(i as u32);
    }
    uses
}

/// Collects definitions and references while the resolver runs.
#[derive(Default)]
pub(crate) struct IndexBuilder {
    definitions: Vec<Definition>,
    by_target: BTreeMap<Target, SymbolId>,
    references: Vec<(FileId, Span, Target)>,
}

impl IndexBuilder {
    /// Makes room for `n` more definitions.
    pub fn reserve(&mut self, n: usize) {
        self.definitions.reserve(n);
    }

    /// Makes room for what `others` hold, before they are appended one
    /// after another (once, rather than their vectors copied as they
    /// double).
    pub fn reserve_for<'a>(&mut self, others: impl Iterator<Item = &'a IndexBuilder> + Clone) {
        self.definitions
            .reserve(others.clone().map(|o| o.definitions.len()).sum());
        self.references
            .reserve(others.map(|o| o.references.len()).sum());
    }

    /// Records a definition. A target is defined once.
    pub fn define(&mut self, target: Target, name: &str, file: FileId, span: Span) {
        let id = SymbolId(self.definitions.len() as u32);
        if let std::collections::btree_map::Entry::Vacant(e) = self.by_target.entry(target) {
            e.insert(id);
            self.definitions.push(Definition {
                target,
                name: name.to_string(),
                file,
                span,
            });
        }
    }

    /// Records that the name at `span` in `file` means `target`.
    pub fn refer(&mut self, target: Target, file: FileId, span: Span) {
        self.references.push((file, span, target));
    }

    /// Records what `other` recorded, as if it had been recorded here
    /// after what this holds (a definition of a target defined before is
    /// dropped, as [`IndexBuilder::define`] drops it).
    pub fn append(&mut self, other: IndexBuilder) {
        self.definitions.reserve(other.definitions.len());
        for d in other.definitions {
            let id = SymbolId(self.definitions.len() as u32);
            if let std::collections::btree_map::Entry::Vacant(e) = self.by_target.entry(d.target) {
                e.insert(id);
                self.definitions.push(d);
            }
        }
        self.references.extend(other.references);
    }

    pub fn finish(self) -> SymbolIndex {
        use rayon::prelude::*;
        let by_target = self.by_target;
        let reference = |&(file, span, t): &(FileId, Span, Target)| {
            Some(Reference {
                file,
                span,
                symbol: *by_target.get(&t)?,
            })
        };
        // A workspace of 20,000 files makes some 200,000 references: looked
        // up and sorted on every core (equal references are alike, so an
        // unstable sort gives the same order).
        let mut references: Vec<Reference>;
        if self.references.len() < 4096 {
            references = self.references.iter().filter_map(reference).collect();
            references.sort_unstable();
        } else {
            references = crate::stack::pool().install(|| {
                let mut r: Vec<Reference> =
                    self.references.par_iter().filter_map(reference).collect();
                r.par_sort_unstable();
                r
            });
        }
        references.dedup();
        let uses = index_uses(&references, self.definitions.len());
        let mut by_position: Vec<SymbolId> = (0..self.definitions.len() as u32)
            .map(SymbolId)
            .filter(|s| !self.definitions[s.index()].span.is_empty())
            .collect();
        by_position.sort_by_key(|s| {
            let d = &self.definitions[s.index()];
            (d.file, d.span)
        });
        SymbolIndex {
            definitions: self.definitions,
            by_target,
            references,
            uses,
            by_position,
        }
    }
}
