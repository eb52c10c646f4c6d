//! Recording the symbol index ([`crate::symbols`]) while names resolve:
//! every declaration defines its symbol in pass 1, and every name the
//! resolver looks up and finds is a reference to it.

use super::*;
use crate::symbols::Target;

impl From<Decl> for Target {
    fn from(d: Decl) -> Target {
        match d {
            Decl::Attr(a) => Target::Attribute(a),
            Decl::Segment(s) => Target::Segment(s),
            Decl::Event(e) => Target::Event(e),
            Decl::Channel(c) => Target::Channel(c),
            Decl::Message(m) => Target::Message(m),
            Decl::Campaign(c) => Target::Campaign(c),
        }
    }
}

impl Resolver<'_> {
    /// Looks a written name up and, when it is found, records the place
    /// as a reference to what it means.
    pub(super) fn lookup_ref(&mut self, ns: Ns, ident: &Ident, from: FileId) -> Option<Decl> {
        let found = self.lookup(ns, &ident.name, from)?;
        self.index.refer(found.into(), from, ident.span);
        Some(found)
    }

    /// Defines every file (named by imports) and records each import as a
    /// reference to the file it loads.
    pub(super) fn index_files(&mut self) {
        let loaded = self.loaded;
        for f in &loaded.files {
            let name = &loaded.sources.get(f.file).name;
            self.index
                .define(Target::File(f.file), name, f.file, Span::default());
        }
        for site in &loaded.import_sites {
            self.index
                .refer(Target::File(site.target), site.file, site.span);
        }
    }

    /// Records the names a placeholder is written with: an attribute, or
    /// an event and one of its fields (whether the event may be used
    /// there is for [`Resolver::check_placeholders`]).
    pub(super) fn index_placeholder(&mut self, p: &ast::Placeholder, file: FileId) {
        match p.path.segments.as_slice() {
            [name] => {
                if let Some(d @ Decl::Attr(_)) = self.lookup(Ns::Value, &name.name, file) {
                    self.index.refer(d.into(), file, name.span);
                }
            }
            [event, field] => {
                let Some(Decl::Event(ev)) = self.lookup_ref(Ns::Event, event, file) else {
                    return;
                };
                self.field_ref(ev, field, file);
            }
            _ => {}
        }
    }

    /// Records a written event field, returning its position.
    pub(super) fn field_ref(&mut self, ev: EventId, field: &Ident, file: FileId) -> Option<usize> {
        let i = self.declared().event(ev).field(&field.name)?;
        self.index
            .refer(Target::Field(ev, i as u32), file, field.span);
        Some(i)
    }
}
