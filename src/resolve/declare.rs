//! Pass 1: every declaration gets its model id and its name in its
//! namespace; names declared twice are reported.

use super::*;
use crate::symbols::Target;

impl Resolver<'_> {
    // ------------------------------------------------------------ pass 1

    pub(super) fn declare_all(&mut self) {
        let loaded = self.loaded;
        self.reserve_declarations();
        for ast_file in &loaded.files {
            let file = ast_file.file;
            for item in &ast_file.items {
                let item_allows = allows(file, &item.allows);
                match &item.kind {
                    ItemKind::Import(_) => {}
                    ItemKind::Profile(fields) => {
                        for f in fields {
                            let id = AttrId(self.program.attributes.len() as u32);
                            let ty = self.field_type(&f.ty, file);
                            self.program.attributes.push(Attribute {
                                name: f.name.name.clone(),
                                ty,
                                loc: loc(file, f.name.span),
                            });
                            self.register(Ns::Value, &f.name, file, Decl::Attr(id));
                            self.index.define(
                                Target::Attribute(id),
                                &f.name.name,
                                file,
                                f.name.span,
                            );
                        }
                    }
                    ItemKind::Event(e) => {
                        let id = EventId(self.program.events.len() as u32);
                        let mut fields: Vec<Field> = Vec::new();
                        for f in &e.fields {
                            let ty = self.field_type(&f.ty, file);
                            if let Some(prev) = fields.iter().find(|p| p.name == f.name.name) {
                                let first = prev.loc.span;
                                self.err(
                                    Code::DuplicateName,
                                    file,
                                    f.name.span,
                                    format!(
                                        "event `{}` declares the field `{}` twice",
                                        e.name.name, f.name.name
                                    ),
                                )
                                .labels
                                .push(crate::diagnostic::Label {
                                    file,
                                    span: first,
                                    message: "first declared here".into(),
                                });
                                continue;
                            }
                            fields.push(Field {
                                name: f.name.name.clone(),
                                ty,
                                loc: loc(file, f.name.span),
                            });
                        }
                        self.program.events.push(Event {
                            name: e.name.name.clone(),
                            fields,
                            loc: loc(file, e.name.span),
                        });
                        self.index
                            .define(Target::Event(id), &e.name.name, file, e.name.span);
                        for (i, f) in self.program.events[id.index()].fields.iter().enumerate() {
                            self.index.define(
                                Target::Field(id, i as u32),
                                &f.name,
                                file,
                                f.loc.span,
                            );
                        }
                        self.register(Ns::Event, &e.name, file, Decl::Event(id));
                    }
                    ItemKind::Channel(c) => {
                        let id = ChannelId(self.program.channels.len() as u32);
                        self.program.channels.push(Channel {
                            name: c.name.name.clone(),
                            kind: String::new(),
                            consent: None,
                            quiet_hours: None,
                            limits: Vec::new(),
                            description: None,
                            loc: loc(file, c.name.span),
                            allows: item_allows,
                        });
                        self.register(Ns::Channel, &c.name, file, Decl::Channel(id));
                        self.index
                            .define(Target::Channel(id), &c.name.name, file, c.name.span);
                    }
                    ItemKind::Segment(s) => {
                        let id = SegmentId(self.program.segments.len() as u32);
                        self.program.segments.push(Segment {
                            name: s.name.name.clone(),
                            cond: Cond {
                                kind: CondKind::Const(true),
                                loc: loc(file, s.expr.span),
                            },
                            loc: loc(file, s.name.span),
                            allows: item_allows,
                        });
                        self.register(Ns::Value, &s.name, file, Decl::Segment(id));
                        self.index
                            .define(Target::Segment(id), &s.name.name, file, s.name.span);
                    }
                    ItemKind::Message(m) => {
                        let id = MessageId(self.program.messages.len() as u32);
                        self.program.messages.push(Message {
                            name: m.name.name.clone(),
                            channel: ChannelId(0),
                            template: String::new(),
                            subject: None,
                            description: None,
                            vars: BTreeMap::new(),
                            offer: None,
                            placeholders: Vec::new(),
                            loc: loc(file, m.name.span),
                            allows: item_allows,
                        });
                        self.register(Ns::Message, &m.name, file, Decl::Message(id));
                        self.index
                            .define(Target::Message(id), &m.name.name, file, m.name.span);
                    }
                    ItemKind::Campaign(c) => {
                        let id = CampaignId(self.program.campaigns.len() as u32);
                        self.program.campaigns.push(Campaign::new(
                            c.name.name.clone(),
                            loc(file, c.name.span),
                            loc(file, item.span),
                            item_allows,
                            Trigger::Daily { minutes: 0 },
                            model::Block {
                                steps: Vec::new(),
                                loc: loc(file, c.body_span),
                            },
                        ));
                        self.register(Ns::Campaign, &c.name, file, Decl::Campaign(id));
                        self.index
                            .define(Target::Campaign(id), &c.name.name, file, c.name.span);
                    }
                }
            }
        }
    }

    /// Makes room for every declaration at once: a workspace of 20,000
    /// files declares as many campaigns, and twice as many messages.
    fn reserve_declarations(&mut self) {
        // Segments are the only values counted: profile attributes are few.
        let mut count = [0usize; Ns::ALL.len()];
        for item in self.loaded.files.iter().flat_map(|f| &f.items) {
            let ns = match &item.kind {
                ItemKind::Channel(_) => Ns::Channel,
                ItemKind::Segment(_) => Ns::Value,
                ItemKind::Message(_) => Ns::Message,
                ItemKind::Campaign(_) => Ns::Campaign,
                _ => continue,
            };
            count[ns as usize] += 1;
        }
        let n = |ns: Ns| count[ns as usize];
        let p = &mut self.program;
        p.channels.reserve(n(Ns::Channel));
        p.segments.reserve(n(Ns::Value));
        p.messages.reserve(n(Ns::Message));
        p.campaigns.reserve(n(Ns::Campaign));
        for (names, n) in self.names.to_mut().iter_mut().zip(count) {
            names.reserve(n);
        }
        self.index.reserve(count.iter().sum());
    }

    pub(super) fn field_type(&mut self, ty: &ast::TypeExpr, file: FileId) -> Type {
        match ty {
            ast::TypeExpr::Named(n) => match n.name.as_str() {
                "text" => Type::Text,
                "number" => Type::Number,
                "bool" => Type::Bool,
                "time" => Type::Time,
                "date" => Type::Date,
                other => {
                    let help = match did_you_mean(other, TYPE_NAMES.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "the types are `text`, `number`, `bool`, `time`, `date`, `one of \"a\", \"b\"` and `list of TYPE`".into(),
                    };
                    self.err(
                        Code::UnknownName,
                        file,
                        n.span,
                        format!("there is no type named `{other}`"),
                    )
                    .help = Some(help);
                    Type::Text
                }
            },
            ast::TypeExpr::OneOf(values, _) => {
                let mut out: Vec<String> = Vec::new();
                for v in values {
                    if out.contains(&v.value) {
                        self.err(
                            Code::DuplicateName,
                            file,
                            v.span,
                            format!("\"{}\" is listed twice", v.value),
                        )
                        .help = Some("remove the repeated value".into());
                    } else {
                        out.push(v.value.clone());
                    }
                }
                Type::OneOf(out)
            }
            // The grammar never nests lists: the element is a name or a one-of.
            ast::TypeExpr::List(elem, _) => Type::List(Box::new(self.field_type(elem, file))),
        }
    }

    // ------------------------------------------------------------ duplicates

    pub(super) fn check_duplicates(&mut self) {
        let mut groups: Vec<((Ns, String), Vec<Entry>)> = Ns::ALL
            .into_iter()
            .flat_map(|ns| {
                self.names[ns as usize]
                    .iter()
                    .filter(|(_, v)| v.len() > 1)
                    .map(move |(k, v)| ((ns, k.clone()), v.clone()))
            })
            .collect();
        // Imported files come before the files importing them.
        let rank = self.loaded.import_order();
        let key = |e: &Entry| (rank[e.file.0 as usize], e.span);
        for (_, entries) in &mut groups {
            entries.sort_by_key(key);
        }
        groups.sort_by_key(|g| key(&g.1[0]));
        let nfiles = self.loaded.files.len();
        for ((ns, name), entries) in groups {
            for j in 1..entries.len() {
                let later = entries[j];
                // The first earlier declaration that shares a closure with it.
                let first = entries[..j].iter().find(|earlier| {
                    ns == Ns::Campaign
                        || earlier.file == later.file
                        || (0..nfiles).any(|f| {
                            let f = FileId(f as u32);
                            self.visible(f, earlier.file) && self.visible(f, later.file)
                        })
                });
                let Some(first) = first else { continue };
                let what = match (first.decl, later.decl) {
                    (Decl::Attr(_), Decl::Attr(_)) => "profile attribute",
                    (Decl::Segment(_), Decl::Segment(_)) => "segment",
                    (Decl::Attr(_), Decl::Segment(_)) | (Decl::Segment(_), Decl::Attr(_)) => {
                        "attribute or segment"
                    }
                    _ => ns.describe(),
                };
                let first_file = self.loaded.sources.get(first.file).name.clone();
                let label = if first.file == later.file {
                    "first declared here".to_string()
                } else {
                    format!("first declared here, in `{first_file}`")
                };
                let help = ns.duplicate_help(&name);
                let d = self.err(
                    Code::DuplicateName,
                    later.file,
                    later.span,
                    format!("the {what} `{name}` is declared twice"),
                );
                d.labels.push(crate::diagnostic::Label {
                    file: first.file,
                    span: first.span,
                    message: label,
                });
                d.help = Some(help);
            }
        }
    }
}
