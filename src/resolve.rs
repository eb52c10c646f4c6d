//! Stage 3: name resolution and type checking, from the AST to the checked
//! [`crate::model::Program`].
//!
//! Names live in one namespace per kind: values (profile attributes and
//! segments), events, channels, messages and campaigns. A file sees every
//! declaration of its import closure. A name declared twice within one
//! closure is `duplicate-name`, at the later declaration with a label at the
//! first. Campaign names must be unique across a whole run, since each one
//! becomes a plan file, and make a file name everywhere (see
//! [`plan_names`]: not only in case, no Windows device name).
//!
//! The resolver reports every problem it finds and still produces a model;
//! the model is only handed to later stages when there are no errors.

use std::collections::{BTreeMap, HashMap};

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::loader::Loaded;
use crate::model::{self, *};
use crate::source::{FileId, Span};
use crate::suggest::did_you_mean;
use crate::syntax::ast::{self, ExprKind, Ident, ItemKind, Literal, Operand};

mod plan_names;

/// The result of resolution.
pub struct Resolved {
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Ns {
    Value,
    Event,
    Channel,
    Message,
    Campaign,
}

impl Ns {
    const ALL: [Ns; 5] = [Ns::Value, Ns::Event, Ns::Channel, Ns::Message, Ns::Campaign];

    fn describe(self) -> &'static str {
        match self {
            Ns::Value => "attribute or segment",
            Ns::Event => "event",
            Ns::Channel => "channel",
            Ns::Message => "message",
            Ns::Campaign => "campaign",
        }
    }

    /// The help line of a name declared twice in this namespace: why the
    /// name must be unique.
    fn duplicate_help(self, name: &str) -> String {
        let why = match self {
            Ns::Value => format!("profile attributes and segments share one namespace (conditions name both), so `{name}` can only mean one thing"),
            Ns::Event => format!("`trigger`, `did` and `wait for` name events, so `{name}` can only mean one event"),
            Ns::Channel => format!("messages name their channel, so `{name}` can only mean one channel"),
            Ns::Message => format!("`send` names a message, so `{name}` can only mean one message"),
            Ns::Campaign => "each campaign becomes a plan file named after it, so campaign names must be unique across the project".into(),
        };
        format!("rename one of them; {why}")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decl {
    Attr(AttrId),
    Segment(SegmentId),
    Event(EventId),
    Channel(ChannelId),
    Message(MessageId),
    Campaign(CampaignId),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    decl: Decl,
    file: FileId,
    span: Span,
}

/// Where an expression is being resolved.
#[derive(Clone, Copy)]
struct Ctx {
    file: FileId,
    /// The campaign's trigger event, whose fields are fixed for the journey.
    trigger: Option<EventId>,
    /// The event being matched (`did X where`, `wait for X where`).
    matched: Option<EventId>,
    /// Inside a campaign (engagement conditions are allowed).
    in_campaign: bool,
}

/// The type of an operand, for checking.
#[derive(Clone, Debug, PartialEq)]
enum OpType {
    Known(Type),
    /// A literal's type.
    Lit(LitType),
    /// An error was already reported.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum LitType {
    Text,
    Number,
    Bool,
    Date,
    Other(&'static str),
}

struct Resolver<'a> {
    loaded: &'a Loaded,
    program: Program,
    diags: Vec<Diagnostic>,
    /// Declarations by namespace (`Ns as usize`), then name.
    names: [HashMap<String, Vec<Entry>>; Ns::ALL.len()],
    closures: Vec<Vec<FileId>>,
}

/// Resolves every loaded file.
pub fn resolve(loaded: &Loaded) -> Resolved {
    let closures = loaded.closures();
    let mut r = Resolver {
        loaded,
        program: Program::default(),
        diags: Vec::new(),
        names: Default::default(),
        closures,
    };
    r.declare_all();
    r.check_duplicates();
    r.check_plan_file_names();
    r.resolve_all();
    r.check_segment_cycles();
    r.check_placeholders();
    r.quiet_inside_recovered();
    Resolved {
        program: r.program,
        diagnostics: r.diags,
    }
}

fn loc(file: FileId, span: Span) -> Loc {
    Loc::new(file, span)
}

fn allows(file: FileId, list: &[ast::Allow]) -> Allows {
    Allows {
        codes: list
            .iter()
            .flat_map(|a| a.codes.iter())
            .map(|c| (c.name.clone(), loc(file, c.span)))
            .collect(),
    }
}

const TYPE_NAMES: &[&str] = &["text", "number", "bool", "time"];

impl<'a> Resolver<'a> {
    fn err(
        &mut self,
        code: Code,
        file: FileId,
        span: Span,
        msg: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(code, file, span, msg));
        self.diags.last_mut().unwrap()
    }

    fn visible(&self, from: FileId, decl_file: FileId) -> bool {
        self.closures[from.0 as usize]
            .binary_search(&decl_file)
            .is_ok()
    }

    fn register(&mut self, ns: Ns, name: &Ident, file: FileId, decl: Decl) {
        self.names[ns as usize]
            .entry(name.name.clone())
            .or_default()
            .push(Entry {
                decl,
                file,
                span: name.span,
            });
    }

    fn lookup(&self, ns: Ns, name: &str, from: FileId) -> Option<Decl> {
        self.names[ns as usize]
            .get(name)?
            .iter()
            .find(|e| self.visible(from, e.file))
            .map(|e| e.decl)
    }

    /// Names of a namespace visible from a file, for did-you-mean.
    fn visible_names(&self, ns: Ns, from: FileId) -> Vec<&str> {
        let mut v: Vec<&str> = self.names[ns as usize]
            .iter()
            .filter(|(_, entries)| entries.iter().any(|e| self.visible(from, e.file)))
            .map(|(name, _)| name.as_str())
            .collect();
        v.sort();
        v
    }

    /// Reports an unknown name with a did-you-mean.
    fn unknown(&mut self, ns: Ns, ident: &Ident, file: FileId) {
        let names = self.visible_names(ns, file);
        let suggestion = did_you_mean(&ident.name, names.iter().copied()).map(str::to_string);
        // The name may exist in another namespace or another file.
        let elsewhere = Ns::ALL
            .into_iter()
            .filter(|&other| other != ns)
            .find(|&other| self.lookup(other, &ident.name, file).is_some());
        let not_imported = self.names[ns as usize]
            .get(&ident.name)
            .and_then(|es| es.first())
            .map(|e| self.loaded.sources.get(e.file).name.clone());
        let help = if let Some(s) = &suggestion {
            format!("did you mean `{s}`?")
        } else if let Some(f) = &not_imported {
            format!("`{}` is declared in `{f}`: import that file", ident.name)
        } else if let Some(other) = elsewhere {
            format!(
                "`{}` is {} {}, but a {} is needed here",
                ident.name,
                article(other.describe()),
                other.describe(),
                ns.describe()
            )
        } else {
            format!("declare the {} or fix the spelling", ns.describe())
        };
        let msg = format!("there is no {} named `{}`", ns.describe(), ident.name);
        self.err(Code::UnknownName, file, ident.span, msg).help = Some(help);
    }

    /// Inside a declaration that did not parse (`Item::recovered`), only
    /// its syntax error is reported: it holds a repair of what was written,
    /// so what is missing or unknown in it says nothing about what the user
    /// meant. Its name is declared all the same (so it is not unknown
    /// elsewhere), and a duplicate of it is still reported.
    fn quiet_inside_recovered(&mut self) {
        let recovered: Vec<(FileId, Span)> = self
            .loaded
            .files
            .iter()
            .flat_map(|f| {
                f.items
                    .iter()
                    .filter(|i| i.recovered)
                    .map(move |i| (f.file, i.span))
            })
            .collect();
        if recovered.is_empty() {
            return;
        }
        // Items are in file order and do not overlap.
        self.diags.retain(|d| {
            let i = recovered.partition_point(|&(f, s)| (f, s.start) <= (d.file, d.span.start));
            let inside = i > 0 && {
                let (f, s) = recovered[i - 1];
                f == d.file && d.span.start < s.end
            };
            !inside || d.code == Code::DuplicateName
        });
    }

    // ------------------------------------------------------------ pass 1

    fn declare_all(&mut self) {
        let loaded = self.loaded;
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
                            placeholders: Vec::new(),
                            loc: loc(file, m.name.span),
                            allows: item_allows,
                        });
                        self.register(Ns::Message, &m.name, file, Decl::Message(id));
                    }
                    ItemKind::Campaign(c) => {
                        let id = CampaignId(self.program.campaigns.len() as u32);
                        self.program.campaigns.push(Campaign {
                            name: c.name.name.clone(),
                            loc: loc(file, c.name.span),
                            decl: loc(file, item.span),
                            allows: item_allows,
                            description: None,
                            trigger: Trigger::Daily { minutes: 0 },
                            trigger_loc: loc(file, c.name.span),
                            audience: None,
                            reentry: Reentry::Never,
                            reentry_loc: None,
                            goal: None,
                            exits: Vec::new(),
                            limits: Vec::new(),
                            window: None,
                            timezone: None,
                            journey: model::Block {
                                steps: Vec::new(),
                                loc: loc(file, c.body_span),
                            },
                        });
                        self.register(Ns::Campaign, &c.name, file, Decl::Campaign(id));
                    }
                }
            }
        }
    }

    fn field_type(&mut self, ty: &ast::TypeExpr, file: FileId) -> Type {
        match ty {
            ast::TypeExpr::Named(n) => match n.name.as_str() {
                "text" => Type::Text,
                "number" => Type::Number,
                "bool" => Type::Bool,
                "time" => Type::Time,
                other => {
                    let help = match did_you_mean(other, TYPE_NAMES.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "the types are `text`, `number`, `bool`, `time` and `one of \"a\", \"b\"`".into(),
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
        }
    }

    // ------------------------------------------------------------ duplicates

    fn check_duplicates(&mut self) {
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

    // ------------------------------------------------------------ pass 2

    fn resolve_all(&mut self) {
        let loaded = self.loaded;
        let (mut ch, mut seg, mut msg, mut camp) = (0u32, 0u32, 0u32, 0u32);
        for ast_file in &loaded.files {
            let file = ast_file.file;
            for item in &ast_file.items {
                match &item.kind {
                    ItemKind::Channel(c) => {
                        self.channel(ChannelId(ch), c, file);
                        ch += 1;
                    }
                    ItemKind::Segment(s) => {
                        let ctx = Ctx {
                            file,
                            trigger: None,
                            matched: None,
                            in_campaign: false,
                        };
                        let cond = self.cond(&s.expr, ctx);
                        self.program.segments[seg as usize].cond = cond;
                        seg += 1;
                    }
                    ItemKind::Message(m) => {
                        self.message(MessageId(msg), m, file);
                        msg += 1;
                    }
                    ItemKind::Campaign(c) => {
                        self.campaign(CampaignId(camp), c, file);
                        camp += 1;
                    }
                    _ => {}
                }
            }
        }
    }

    /// Reports a property given twice.
    fn once(
        &mut self,
        seen: &mut HashMap<&'static str, Span>,
        key: &'static str,
        span: Span,
        file: FileId,
        owner: &str,
    ) -> bool {
        if let Some(&first) = seen.get(key) {
            let d = self.err(
                Code::DuplicateName,
                file,
                span,
                format!("{owner} has `{key}` twice"),
            );
            d.labels.push(crate::diagnostic::Label {
                file,
                span: first,
                message: "first given here".into(),
            });
            d.help = Some(format!("keep one `{key}`"));
            return false;
        }
        seen.insert(key, span);
        true
    }

    fn channel(&mut self, id: ChannelId, c: &ast::ChannelDecl, file: FileId) {
        let mut seen = HashMap::new();
        let owner = format!("channel `{}`", c.name.name);
        let mut kind: Option<String> = None;
        for p in &c.props {
            match &p.kind {
                ast::ChannelPropKind::Kind(k) => {
                    if !self.once(&mut seen, "kind", p.span, file, &owner) {
                        continue;
                    }
                    if KNOWN_CHANNEL_KINDS.contains(&k.name.as_str()) {
                        kind = Some(k.name.clone());
                    } else {
                        let help = match did_you_mean(&k.name, KNOWN_CHANNEL_KINDS.iter().copied())
                        {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("the kinds are {}", KNOWN_CHANNEL_KINDS.join(", ")),
                        };
                        self.err(
                            Code::InvalidValue,
                            file,
                            k.span,
                            format!("`{}` is not a channel kind", k.name),
                        )
                        .help = Some(help);
                        kind = Some("webhook".into());
                    }
                }
                ast::ChannelPropKind::Consent(a) => {
                    if !self.once(&mut seen, "consent", p.span, file, &owner) {
                        continue;
                    }
                    match self.lookup(Ns::Value, &a.name, file) {
                        Some(Decl::Attr(attr)) => {
                            if self.program.attr(attr).ty != Type::Bool {
                                let ty = self.program.attr(attr).ty.describe();
                                self.err(
                                    Code::TypeMismatch,
                                    file,
                                    a.span,
                                    format!("consent must be a bool attribute, but `{}` is {ty}", a.name),
                                )
                                .help = Some("declare a bool attribute such as `email_opt_in: bool` in `profile`".into());
                            }
                            self.program.channels[id.index()].consent = Some(attr);
                        }
                        Some(Decl::Segment(_)) => {
                            self.err(
                                Code::TypeMismatch,
                                file,
                                a.span,
                                format!("consent must be a bool profile attribute, but `{}` is a segment", a.name),
                            )
                            .help = Some("runners check consent on the profile itself: name the bool attribute".into());
                        }
                        _ => self.unknown(Ns::Value, a, file),
                    }
                }
                ast::ChannelPropKind::QuietHours(from, to) => {
                    if !self.once(&mut seen, "quiet_hours", p.span, file, &owner) {
                        continue;
                    }
                    if from.minutes == to.minutes {
                        self.err(
                            Code::InvalidValue,
                            file,
                            p.span,
                            "quiet hours that start and end at the same time are empty",
                        )
                        .help = Some(
                            "write the quiet period, e.g. `quiet_hours 21:00 to 08:00`".into(),
                        );
                    } else {
                        self.program.channels[id.index()].quiet_hours =
                            Some((from.minutes, to.minutes));
                    }
                }
                ast::ChannelPropKind::Limit(l) => {
                    if let Some(spec) = self.limit(l, file) {
                        self.program.channels[id.index()].limits.push(spec);
                    }
                }
                ast::ChannelPropKind::Description(d) => {
                    if self.once(&mut seen, "description", p.span, file, &owner) {
                        self.program.channels[id.index()].description = Some(d.value.clone());
                    }
                }
            }
        }
        let kind = kind.or_else(|| {
            KNOWN_CHANNEL_KINDS
                .contains(&c.name.name.as_str())
                .then(|| c.name.name.clone())
        });
        match kind {
            Some(k) => self.program.channels[id.index()].kind = k,
            None => {
                self.err(
                    Code::MissingProperty,
                    file,
                    c.name.span,
                    format!("channel `{}` needs a `kind`", c.name.name),
                )
                .help = Some(format!(
                    "`{}` is not a known kind, so say which it is, e.g. `kind email`; the kinds are {}",
                    c.name.name,
                    KNOWN_CHANNEL_KINDS.join(", ")
                ));
                self.program.channels[id.index()].kind = "webhook".into();
            }
        }
    }

    fn limit(&mut self, l: &ast::Limit, file: FileId) -> Option<LimitSpec> {
        if l.per.seconds == 0 {
            self.err(
                Code::InvalidValue,
                file,
                l.per.span,
                "a limit needs a period longer than zero",
            )
            .help = Some("e.g. `limit 3 per 7d`".into());
            return None;
        }
        let v = l.count.value;
        if v.fract() != 0.0 || v < 1.0 || v > crate::syntax::parser::MAX_COUNT as f64 {
            return None; // reported by the parser
        }
        Some(LimitSpec {
            count: v as u32,
            per_seconds: l.per.seconds,
            loc: loc(file, l.span),
        })
    }

    fn message(&mut self, id: MessageId, m: &ast::MessageDecl, file: FileId) {
        let mut seen = HashMap::new();
        let owner = format!("message `{}`", m.name.name);
        let mut has_channel = false;
        let mut has_template = false;
        let mut placeholders = Vec::new();
        for p in &m.props {
            match &p.kind {
                ast::MessagePropKind::Channel(c) => {
                    if !self.once(&mut seen, "channel", p.span, file, &owner) {
                        continue;
                    }
                    has_channel = true;
                    match self.lookup(Ns::Channel, &c.name, file) {
                        Some(Decl::Channel(ch)) => self.program.messages[id.index()].channel = ch,
                        _ => self.unknown(Ns::Channel, c, file),
                    }
                }
                ast::MessagePropKind::Template(t) => {
                    if !self.once(&mut seen, "template", p.span, file, &owner) {
                        continue;
                    }
                    has_template = true;
                    if t.value.trim().is_empty() {
                        self.err(Code::InvalidValue, file, t.span, "the template name is empty")
                            .help = Some("name the template the runner renders, e.g. `template \"cart-reminder\"`".into());
                    }
                    self.program.messages[id.index()].template = t.value.clone();
                }
                ast::MessagePropKind::Subject(s) => {
                    if !self.once(&mut seen, "subject", p.span, file, &owner) {
                        continue;
                    }
                    placeholders.extend(s.placeholders.iter().cloned());
                    self.program.messages[id.index()].subject = Some(s.value.clone());
                }
                ast::MessagePropKind::Description(d) => {
                    if self.once(&mut seen, "description", p.span, file, &owner) {
                        self.program.messages[id.index()].description = Some(d.value.clone());
                    }
                }
                ast::MessagePropKind::Vars(vars) => {
                    if !self.once(&mut seen, "vars", p.span, file, &owner) {
                        continue;
                    }
                    let mut map: BTreeMap<String, VarValue> = BTreeMap::new();
                    let mut spans: HashMap<&str, Span> = HashMap::new();
                    for v in vars {
                        if let Some(&first) = spans.get(v.name.name.as_str()) {
                            let d = self.err(
                                Code::DuplicateName,
                                file,
                                v.name.span,
                                format!("the var `{}` is given twice", v.name.name),
                            );
                            d.labels.push(crate::diagnostic::Label {
                                file,
                                span: first,
                                message: "first given here".into(),
                            });
                            continue;
                        }
                        spans.insert(&v.name.name, v.name.span);
                        let value = match &v.value {
                            Literal::Str(s) => {
                                placeholders.extend(s.placeholders.iter().cloned());
                                VarValue::Text(s.value.clone())
                            }
                            Literal::Number(n) => VarValue::Number(n.value),
                            Literal::Bool(b, _) => VarValue::Bool(*b),
                            other => {
                                self.err(
                                    Code::TypeMismatch,
                                    file,
                                    other.span(),
                                    "vars hold strings, numbers and booleans",
                                );
                                continue;
                            }
                        };
                        map.insert(v.name.name.clone(), value);
                    }
                    self.program.messages[id.index()].vars = map;
                }
            }
        }
        for (present, what, example) in [
            (has_channel, "channel", "channel email"),
            (has_template, "template", "template \"welcome\""),
        ] {
            if !present {
                self.err(
                    Code::MissingProperty,
                    file,
                    m.name.span,
                    format!("message `{}` has no `{what}`", m.name.name),
                )
                .help = Some(format!("add `{example}` to the message"));
            }
        }
        self.program.messages[id.index()].placeholders = placeholders
            .iter()
            .map(|p| PlaceholderRef {
                path: p.path.dotted(),
                default: p.default.clone(),
                loc: loc(file, p.span),
            })
            .collect();
    }

    fn campaign(&mut self, id: CampaignId, c: &ast::CampaignDecl, file: FileId) {
        let mut seen = HashMap::new();
        let owner = format!("campaign `{}`", c.name.name);
        // The trigger first: the other properties may use its fields.
        let mut trigger_event = None;
        for p in &c.props {
            if let ast::CampaignPropKind::Trigger(ast::Trigger::Event { event, .. }) = &p.kind {
                if let Some(Decl::Event(e)) = self.lookup(Ns::Event, &event.name, file) {
                    trigger_event.get_or_insert(e);
                }
            }
        }
        let ctx = Ctx {
            file,
            trigger: trigger_event,
            matched: None,
            in_campaign: true,
        };
        let mut has_trigger = false;
        let mut has_journey = false;
        for p in &c.props {
            let key = p.kind.keyword();
            let repeatable = matches!(
                p.kind,
                ast::CampaignPropKind::ExitWhen(_) | ast::CampaignPropKind::Limit(_)
            );
            if !repeatable && !self.once(&mut seen, key, p.span, file, &owner) {
                continue;
            }
            match &p.kind {
                ast::CampaignPropKind::Description(d) => {
                    self.program.campaigns[id.index()].description = Some(d.value.clone())
                }
                ast::CampaignPropKind::Trigger(t) => {
                    has_trigger = true;
                    let trig = self.trigger(t, ctx);
                    let camp = &mut self.program.campaigns[id.index()];
                    camp.trigger_loc = loc(file, p.span);
                    if let Some(t) = trig {
                        camp.trigger = t;
                    }
                }
                ast::CampaignPropKind::Audience(e) => {
                    let cond = self.cond(e, ctx);
                    self.program.campaigns[id.index()].audience = Some(cond);
                }
                ast::CampaignPropKind::Reentry(r) => {
                    self.program.campaigns[id.index()].reentry_loc = Some(loc(file, p.span));
                    self.program.campaigns[id.index()].reentry = match r {
                        ast::Reentry::Never => Reentry::Never,
                        ast::Reentry::Always => Reentry::Always,
                        ast::Reentry::After(d) => Reentry::After(d.seconds),
                    }
                }
                ast::CampaignPropKind::Goal(e) => {
                    if let Some(ev) = self.event(e, file) {
                        self.program.campaigns[id.index()].goal = Some((ev, loc(file, e.span)));
                    }
                }
                ast::CampaignPropKind::ExitWhen(e) => {
                    if let Some(ev) = self.event(e, file) {
                        let camp = &self.program.campaigns[id.index()];
                        if let Some((_, first)) = camp.exits.iter().find(|(x, _)| *x == ev) {
                            let first = *first;
                            let d = self.err(
                                Code::DuplicateName,
                                file,
                                e.span,
                                format!("`exit when {}` is given twice", e.name),
                            );
                            d.labels.push(crate::diagnostic::Label {
                                file,
                                span: first.span,
                                message: "first given here".into(),
                            });
                        } else {
                            self.program.campaigns[id.index()]
                                .exits
                                .push((ev, loc(file, e.span)));
                        }
                    }
                }
                ast::CampaignPropKind::Limit(l) => {
                    if let Some(spec) = self.limit(l, file) {
                        self.program.campaigns[id.index()].limits.push(spec);
                    }
                }
                ast::CampaignPropKind::Window(from, to) => {
                    let a = chrono::NaiveDate::from_ymd_opt(from.year, from.month, from.day);
                    let b = chrono::NaiveDate::from_ymd_opt(to.year, to.month, to.day);
                    if let (Some(a), Some(b)) = (a, b) {
                        if b < a {
                            self.err(Code::InvalidValue, file, to.span, "the window ends before it starts")
                                .help = Some("write the first day, then the last day: `window 2026-11-27 to 2026-12-02`".into());
                        } else {
                            self.program.campaigns[id.index()].window =
                                Some((a, b, loc(file, p.span)));
                        }
                    }
                }
                ast::CampaignPropKind::Timezone(tz) => {
                    if tz.value.parse::<chrono_tz::Tz>().is_ok() {
                        self.program.campaigns[id.index()].timezone = Some(tz.value.clone());
                    } else {
                        let help = match did_you_mean(
                            &tz.value,
                            chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()),
                        ) {
                            Some(s) => format!("did you mean \"{s}\"?"),
                            None => "use an IANA time zone name such as \"Europe/Riga\" or \"UTC\""
                                .into(),
                        };
                        self.err(
                            Code::InvalidValue,
                            file,
                            tz.span,
                            format!("\"{}\" is not a time zone", tz.value),
                        )
                        .help = Some(help);
                    }
                }
                ast::CampaignPropKind::Journey(b) => {
                    has_journey = true;
                    let block = self.block(b, ctx);
                    self.program.campaigns[id.index()].journey = block;
                }
            }
        }
        for (present, what, example) in [
            (has_trigger, "trigger", "trigger cart_abandoned"),
            (has_journey, "journey", "journey { send welcome }"),
        ] {
            if !present {
                self.err(
                    Code::MissingProperty,
                    file,
                    c.name.span,
                    format!("campaign `{}` has no `{what}`", c.name.name),
                )
                .help = Some(format!("add `{example}`"));
            }
        }
        if has_journey {
            self.check_journey(id, c, file);
        }
    }

    fn event(&mut self, e: &Ident, file: FileId) -> Option<EventId> {
        match self.lookup(Ns::Event, &e.name, file) {
            Some(Decl::Event(ev)) => Some(ev),
            _ => {
                self.unknown(Ns::Event, e, file);
                None
            }
        }
    }

    fn trigger(&mut self, t: &ast::Trigger, ctx: Ctx) -> Option<Trigger> {
        Some(match t {
            ast::Trigger::Event { event, filter } => {
                let ev = self.event(event, ctx.file)?;
                let filter = filter.as_ref().map(|f| self.cond(f, ctx));
                Trigger::Event { event: ev, filter }
            }
            ast::Trigger::Enters(s) => match self.lookup(Ns::Value, &s.name, ctx.file) {
                Some(Decl::Segment(seg)) => Trigger::Enters(seg),
                Some(Decl::Attr(_)) => {
                    self.err(
                        Code::TypeMismatch,
                        ctx.file,
                        s.span,
                        format!(
                            "`trigger enters` takes a segment, but `{}` is a profile attribute",
                            s.name
                        ),
                    )
                    .help = Some(format!(
                        "declare a segment, e.g. `segment {0}_set = {0}`",
                        s.name
                    ));
                    return None;
                }
                _ => {
                    self.unknown(Ns::Value, s, ctx.file);
                    return None;
                }
            },
            ast::Trigger::Daily(t) => Trigger::Daily { minutes: t.minutes },
            ast::Trigger::Weekly(d, _, t) => Trigger::Weekly {
                weekday: *d,
                minutes: t.minutes,
            },
            ast::Trigger::Once(d, t) => Trigger::Once {
                date: chrono::NaiveDate::from_ymd_opt(d.year, d.month, d.day)?,
                minutes: t.minutes,
            },
        })
    }

    // ------------------------------------------------------------ journeys

    fn block(&mut self, b: &ast::Block, ctx: Ctx) -> model::Block {
        model::Block {
            // Through a boxed slice: no spare capacity (most blocks hold a
            // step or two, and a vector grows from four).
            steps: b
                .steps
                .iter()
                .filter_map(|s| self.step(s, ctx))
                .collect::<Box<[_]>>()
                .into(),
            loc: loc(ctx.file, b.span),
        }
    }

    fn message_ref(&mut self, m: &Ident, file: FileId) -> Option<MessageId> {
        match self.lookup(Ns::Message, &m.name, file) {
            Some(Decl::Message(id)) => Some(id),
            _ => {
                self.unknown(Ns::Message, m, file);
                None
            }
        }
    }

    fn step(&mut self, s: &ast::Step, ctx: Ctx) -> Option<Step> {
        let file = ctx.file;
        let kind = match &s.kind {
            ast::StepKind::Send(m) => StepKind::Send(self.message_ref(m, file)?),
            ast::StepKind::Wait(d) => StepKind::Wait { seconds: d.seconds },
            ast::StepKind::WaitUntil { weekday, time } => StepKind::WaitUntil {
                weekday: weekday.map(|(w, _)| w),
                minutes: time.minutes,
            },
            ast::StepKind::WaitFor {
                on,
                filter,
                within,
                then,
                otherwise,
            } => {
                if within.seconds == 0 {
                    self.err(
                        Code::InvalidValue,
                        file,
                        within.span,
                        "`wait for` needs a time limit longer than zero",
                    )
                    .help = Some("e.g. `within 3d`".into());
                }
                let (on, matched) = match on {
                    ast::WaitOn::Event(e) => {
                        let ev = self.event(e, file);
                        (ev.map(WaitOn::Event), ev)
                    }
                    ast::WaitOn::Opened(m) => (self.message_ref(m, file).map(WaitOn::Opened), None),
                    ast::WaitOn::Clicked(m) => {
                        (self.message_ref(m, file).map(WaitOn::Clicked), None)
                    }
                };
                let filter = match (filter, matched) {
                    (Some(f), Some(_)) => Some(self.cond(f, Ctx { matched, ..ctx })),
                    (Some(f), None) => {
                        if on.is_some() {
                            self.err(
                                Code::TypeMismatch,
                                file,
                                f.span,
                                "`where` filters an event's fields; engagement has none",
                            )
                            .help = Some("remove the `where`, or wait for an event".into());
                        }
                        None
                    }
                    (None, _) => None,
                };
                StepKind::WaitFor {
                    on: on?,
                    filter,
                    within: within.seconds,
                    then: then.as_ref().map(|b| self.block(b, ctx)),
                    otherwise: otherwise.as_ref().map(|b| self.block(b, ctx)),
                }
            }
            ast::StepKind::If { arms, otherwise } => StepKind::If {
                arms: arms
                    .iter()
                    .map(|(c, b)| (self.cond(c, ctx), self.block(b, ctx)))
                    .collect(),
                otherwise: otherwise.as_ref().map(|b| self.block(b, ctx)),
            },
            ast::StepKind::Split(arms) => {
                let total: u32 = arms.iter().map(|a| a.weight.basis_points).sum();
                if total != 10_000 {
                    let shown = crate::words::percent(total);
                    let d = self.err(
                        Code::SplitWeights,
                        file,
                        Span::new(s.span.start as usize, s.span.start as usize + 5),
                        format!("the split's weights add up to {shown}, not 100%"),
                    );
                    for a in arms {
                        d.labels.push(crate::diagnostic::Label {
                            file,
                            span: a.weight.span,
                            message: String::new(),
                        });
                    }
                    d.help = Some(if total < 10_000 {
                        format!(
                            "every person takes one arm: add {} to an arm, or an arm for the rest (e.g. `{} holdout {{ }}`)",
                            crate::words::percent(10_000 - total),
                            crate::words::percent(10_000 - total)
                        )
                    } else {
                        format!(
                            "take {} away from the arms",
                            crate::words::percent(total - 10_000)
                        )
                    });
                }
                let mut names: HashMap<&str, Span> = HashMap::new();
                for a in arms {
                    if let Some(n) = &a.name {
                        if let Some(&first) = names.get(n.name.as_str()) {
                            let d = self.err(
                                Code::DuplicateName,
                                file,
                                n.span,
                                format!("two arms of this split are named `{}`", n.name),
                            );
                            d.labels.push(crate::diagnostic::Label {
                                file,
                                span: first,
                                message: "first named here".into(),
                            });
                        } else {
                            names.insert(&n.name, n.span);
                        }
                    }
                }
                StepKind::Split(
                    arms.iter()
                        .map(|a| SplitArm {
                            weight: a.weight.basis_points,
                            name: a.name.as_ref().map(|n| n.name.clone()),
                            body: self.block(&a.body, ctx),
                            loc: loc(file, a.span),
                        })
                        .collect(),
                )
            }
            ast::StepKind::Repeat { times, body } => StepKind::Repeat {
                times: times.value.clamp(0.0, u32::MAX as f64) as u32,
                body: self.block(body, ctx),
            },
            ast::StepKind::Named { name, body } => StepKind::Named {
                name: name.name.clone(),
                body: self.block(body, ctx),
            },
            ast::StepKind::Goto(t) => StepKind::Goto {
                target: t.name.clone(),
            },
            ast::StepKind::Exit => StepKind::Exit,
        };
        Some(Step {
            kind,
            loc: loc(file, s.span),
            allows: allows(file, &s.allows),
        })
    }

    /// Named steps are unique in a campaign and every `goto` has a target.
    fn check_journey(&mut self, _id: CampaignId, c: &ast::CampaignDecl, file: FileId) {
        let Some(journey) = c.props.iter().find_map(|p| match &p.kind {
            ast::CampaignPropKind::Journey(b) => Some(b),
            _ => None,
        }) else {
            return;
        };
        let mut named: Vec<&Ident> = Vec::new();
        let mut gotos: Vec<&Ident> = Vec::new();
        let mut stack: Vec<&ast::Block> = vec![journey];
        while let Some(b) = stack.pop() {
            for s in &b.steps {
                match &s.kind {
                    ast::StepKind::Named { name, body } => {
                        named.push(name);
                        stack.push(body);
                    }
                    ast::StepKind::Goto(t) => gotos.push(t),
                    ast::StepKind::WaitFor {
                        then, otherwise, ..
                    } => {
                        stack.extend(then.iter());
                        stack.extend(otherwise.iter());
                    }
                    ast::StepKind::If { arms, otherwise } => {
                        stack.extend(arms.iter().map(|(_, b)| b));
                        stack.extend(otherwise.iter());
                    }
                    ast::StepKind::Split(arms) => stack.extend(arms.iter().map(|a| &a.body)),
                    ast::StepKind::Repeat { body, .. } => stack.push(body),
                    _ => {}
                }
            }
        }
        named.sort_by_key(|n| n.span);
        gotos.sort_by_key(|n| n.span);
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for n in &named {
            if let Some(&first) = seen.get(n.name.as_str()) {
                let d = self.err(
                    Code::DuplicateName,
                    file,
                    n.span,
                    format!(
                        "the step `{}` is declared twice in campaign `{}`",
                        n.name, c.name.name
                    ),
                );
                d.labels.push(crate::diagnostic::Label {
                    file,
                    span: first,
                    message: "first declared here".into(),
                });
                d.help = Some(
                    "step names are `goto` targets, so they must be unique in a campaign".into(),
                );
            } else {
                seen.insert(&n.name, n.span);
            }
        }
        for g in gotos {
            if !seen.contains_key(g.name.as_str()) {
                let names: Vec<&str> = named.iter().map(|n| n.name.as_str()).collect();
                let help = match did_you_mean(&g.name, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if names.is_empty() => {
                        "name a block with `step NAME { ... }` to jump to it".into()
                    }
                    None => format!(
                        "the steps of this campaign are {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                self.err(
                    Code::UnknownName,
                    file,
                    g.span,
                    format!(
                        "there is no step named `{}` in campaign `{}`",
                        g.name, c.name.name
                    ),
                )
                .help = Some(help);
            }
        }
    }

    // ------------------------------------------------------------ conditions

    fn cond(&mut self, e: &ast::Expr, ctx: Ctx) -> Cond {
        let kind = match &e.kind {
            ExprKind::Or(parts) => CondKind::Or(parts.iter().map(|p| self.cond(p, ctx)).collect()),
            ExprKind::And(parts) => {
                CondKind::And(parts.iter().map(|p| self.cond(p, ctx)).collect())
            }
            ExprKind::Not(inner) => CondKind::Not(Box::new(self.cond(inner, ctx))),
            ExprKind::Paren(inner) => return self.cond(inner, ctx),
            ExprKind::Bool(b) => CondKind::Const(*b),
            ExprKind::Name(path) => self.name_cond(path, ctx),
            ExprKind::Compare { lhs, op, rhs } => self.compare(lhs, *op, rhs, ctx),
            ExprKind::In {
                operand,
                negated,
                list,
            } => {
                let (value, ty) = self.operand(operand, ctx);
                let mut values = Vec::new();
                for item in list {
                    let (v, ity) = self.operand(item, ctx);
                    self.check_types(&ty, &ity, operand, item, ctx, true);
                    values.push(v);
                }
                if list.is_empty() {
                    self.err(
                        Code::InvalidValue,
                        ctx.file,
                        e.span,
                        "the list is empty, so this is never true",
                    )
                    .help = Some("list the values to match".into());
                }
                CondKind::In {
                    value,
                    list: values,
                    negated: *negated,
                }
            }
            ExprKind::IsSet { path, negated } => {
                let (value, ty) = self.path_value(path, ctx);
                if ty == OpType::Error {
                    CondKind::Const(false)
                } else {
                    CondKind::IsSet {
                        value,
                        negated: *negated,
                    }
                }
            }
            ExprKind::Did {
                event,
                filter,
                window,
                at_least,
            } => {
                let ev = self.event(event, ctx.file);
                let filter = match (filter, ev) {
                    (Some(f), Some(_)) => Some(Box::new(self.cond(f, Ctx { matched: ev, ..ctx }))),
                    _ => None,
                };
                let window = match window {
                    None => DidWindow::Ever,
                    Some(ast::DidWindow::Within(d)) => DidWindow::Within(d.seconds),
                    Some(ast::DidWindow::SinceEntry(span)) => {
                        if !ctx.in_campaign {
                            self.err(
                                Code::TypeMismatch,
                                ctx.file,
                                *span,
                                "`since entry` only has a meaning inside a campaign",
                            )
                            .help = Some(
                                "a segment is evaluated outside any journey: use `within DURATION`"
                                    .into(),
                            );
                        }
                        DidWindow::SinceEntry
                    }
                };
                match ev {
                    Some(event) => CondKind::Did {
                        event,
                        filter,
                        window,
                        at_least: at_least.as_ref().map_or(1, |n| n.value as u32),
                    },
                    None => CondKind::Const(false),
                }
            }
            ExprKind::Opened(m) | ExprKind::Clicked(m) => {
                let opened = matches!(e.kind, ExprKind::Opened(_));
                if !ctx.in_campaign {
                    self.err(
                        Code::TypeMismatch,
                        ctx.file,
                        e.span,
                        format!("`{}` is about this journey's messages, so it can only be used in a campaign", if opened { "opened" } else { "clicked" }),
                    )
                    .help = Some("use it in a campaign's `if` or `wait for`".into());
                }
                match self.message_ref(m, ctx.file) {
                    Some(id) if opened => CondKind::Opened(id),
                    Some(id) => CondKind::Clicked(id),
                    None => CondKind::Const(false),
                }
            }
        };
        Cond {
            kind,
            loc: loc(ctx.file, e.span),
        }
    }

    /// A name alone: a bool attribute, a segment, or a bool event field.
    fn name_cond(&mut self, path: &ast::Path, ctx: Ctx) -> CondKind {
        if path.is_simple() {
            let ident = &path.segments[0];
            match self.lookup(Ns::Value, &ident.name, ctx.file) {
                Some(Decl::Attr(a)) => {
                    if self.program.attr(a).ty == Type::Bool {
                        return CondKind::Attr(a);
                    }
                    let ty = self.program.attr(a).ty.describe();
                    self.err(
                        Code::TypeMismatch,
                        ctx.file,
                        path.span,
                        format!("`{}` is {ty}, not a condition", ident.name),
                    )
                    .help = Some(format!(
                        "compare it, e.g. `{} is set` or `{} == ...`",
                        ident.name, ident.name
                    ));
                    CondKind::Const(false)
                }
                Some(Decl::Segment(s)) => CondKind::Segment(s),
                _ => {
                    self.unknown(Ns::Value, ident, ctx.file);
                    CondKind::Const(false)
                }
            }
        } else {
            let (value, ty) = self.path_value(path, ctx);
            match ty {
                OpType::Known(Type::Bool) => CondKind::Field(value),
                OpType::Error => CondKind::Const(false),
                OpType::Known(t) => {
                    self.err(
                        Code::TypeMismatch,
                        ctx.file,
                        path.span,
                        format!("`{}` is {}, not a condition", path.dotted(), t.describe()),
                    );
                    CondKind::Const(false)
                }
                OpType::Lit(_) => CondKind::Const(false),
            }
        }
    }

    /// An attribute or an event field.
    fn path_value(&mut self, path: &ast::Path, ctx: Ctx) -> (Value, OpType) {
        let err = (Value::Const(Const::Bool(false)), OpType::Error);
        if path.is_simple() {
            let ident = &path.segments[0];
            return match self.lookup(Ns::Value, &ident.name, ctx.file) {
                Some(Decl::Attr(a)) => (
                    Value::Attr(a),
                    OpType::Known(self.program.attr(a).ty.clone()),
                ),
                Some(Decl::Segment(_)) => {
                    self.err(
                        Code::TypeMismatch,
                        ctx.file,
                        path.span,
                        format!(
                            "`{}` is a segment, a condition in itself, not a value",
                            ident.name
                        ),
                    )
                    .help = Some(format!(
                        "use it alone: `{}` or `not {}`",
                        ident.name, ident.name
                    ));
                    err
                }
                _ => {
                    self.unknown(Ns::Value, ident, ctx.file);
                    err
                }
            };
        }
        let ev_ident = &path.segments[0];
        let field_ident = &path.segments[1];
        if path.segments.len() > 2 {
            self.err(
                Code::UnknownName,
                ctx.file,
                path.span,
                format!("`{}` has too many parts", path.dotted()),
            )
            .help = Some("write `attribute` or `event.field`".into());
            return err;
        }
        let Some(Decl::Event(ev)) = self.lookup(Ns::Event, &ev_ident.name, ctx.file) else {
            self.unknown(Ns::Event, ev_ident, ctx.file);
            return err;
        };
        let event = self.program.event(ev);
        let Some(field) = event.field(&field_ident.name) else {
            let names: Vec<&str> = event.fields.iter().map(|f| f.name.as_str()).collect();
            let help = match did_you_mean(&field_ident.name, names.iter().copied()) {
                Some(s) => format!("did you mean `{}.{s}`?", ev_ident.name),
                None => format!(
                    "the fields of `{}` are {}",
                    ev_ident.name,
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let msg = format!(
                "the event `{}` has no field `{}`",
                ev_ident.name, field_ident.name
            );
            self.err(Code::UnknownName, ctx.file, field_ident.span, msg)
                .help = Some(help);
            return err;
        };
        let ty = OpType::Known(event.fields[field].ty.clone());
        if ctx.matched == Some(ev) {
            (Value::EventField(ev, field), ty)
        } else if ctx.trigger == Some(ev) {
            (Value::TriggerField(ev, field), ty)
        } else {
            let msg = if ctx.in_campaign {
                format!(
                    "`{}` is not this campaign's trigger event, so its fields are not known here",
                    ev_ident.name
                )
            } else {
                format!("a segment does not belong to a journey, so the fields of `{}` are not known here", ev_ident.name)
            };
            let help = format!(
                "to ask about past `{0}` events, use `did {0} where {0}.{1} ...`",
                ev_ident.name, field_ident.name
            );
            self.err(Code::UnknownName, ctx.file, path.span, msg).help = Some(help);
            err
        }
    }

    fn operand(&mut self, o: &Operand, ctx: Ctx) -> (Value, OpType) {
        match o {
            Operand::Path(p) => self.path_value(p, ctx),
            Operand::Literal(l) => match l {
                Literal::Str(s) => (
                    Value::Const(Const::Text(s.value.clone())),
                    OpType::Lit(LitType::Text),
                ),
                Literal::Number(n) => (
                    Value::Const(Const::Number(n.value)),
                    OpType::Lit(LitType::Number),
                ),
                Literal::Bool(b, _) => (Value::Const(Const::Bool(*b)), OpType::Lit(LitType::Bool)),
                Literal::Date(d) => {
                    let days = chrono::NaiveDate::from_ymd_opt(d.year, d.month, d.day)
                        .map(|x| {
                            (x - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
                        })
                        .unwrap_or(0);
                    (Value::Const(Const::Date(days)), OpType::Lit(LitType::Date))
                }
                Literal::Duration(d) => (
                    Value::Const(Const::Duration(d.seconds)),
                    OpType::Lit(LitType::Other("a duration")),
                ),
                Literal::Time(t) => (
                    Value::Const(Const::TimeOfDay(t.minutes)),
                    OpType::Lit(LitType::Other("a time of day")),
                ),
                Literal::Percent(_) => (
                    Value::Const(Const::Number(0.0)),
                    OpType::Lit(LitType::Other("a percentage")),
                ),
            },
        }
    }

    fn compare(&mut self, lhs: &Operand, op: ast::CmpOp, rhs: &Operand, ctx: Ctx) -> CondKind {
        let (lv, lt) = self.operand(lhs, ctx);
        let (rv, rt) = self.operand(rhs, ctx);
        if !self.check_types(&lt, &rt, lhs, rhs, ctx, false) {
            return CondKind::Const(false);
        }
        if !matches!(op, ast::CmpOp::Eq | ast::CmpOp::Ne) {
            let orderable = |t: &OpType| {
                matches!(
                    t,
                    OpType::Known(Type::Number | Type::Time)
                        | OpType::Lit(LitType::Number | LitType::Date)
                        | OpType::Error
                )
            };
            if !orderable(&lt) || !orderable(&rt) {
                let (side, t) = if !orderable(&lt) {
                    (lhs, &lt)
                } else {
                    (rhs, &rt)
                };
                self.err(
                    Code::TypeMismatch,
                    ctx.file,
                    side.span(),
                    format!(
                        "`{}` orders numbers and times, but this is {}",
                        op.as_str(),
                        describe_op(t)
                    ),
                )
                .help = Some("compare text, one-of and bool values with `==` or `!=`".into());
                return CondKind::Const(false);
            }
        }
        CondKind::Cmp {
            lhs: lv,
            op,
            rhs: rv,
        }
    }

    /// Checks that two operands can be compared; reports and returns false
    /// when they cannot.
    fn check_types(
        &mut self,
        a: &OpType,
        b: &OpType,
        ao: &Operand,
        bo: &Operand,
        ctx: Ctx,
        in_list: bool,
    ) -> bool {
        use LitType as L;
        if *a == OpType::Error || *b == OpType::Error {
            return false;
        }
        if let OpType::Lit(L::Other(what)) = a {
            return self.mismatch(ao, format!("{what} cannot be compared here"), None, ctx);
        }
        if let OpType::Lit(L::Other(what)) = b {
            return self.mismatch(bo, format!("{what} cannot be compared here"), None, ctx);
        }
        // Check one-of membership of text literals.
        for (t, other, o) in [(a, b, bo), (b, a, ao)] {
            if let (OpType::Known(Type::OneOf(set)), OpType::Lit(L::Text)) = (t, other) {
                if let Operand::Literal(Literal::Str(s)) = o {
                    if !set.contains(&s.value) {
                        let help = match did_you_mean(&s.value, set.iter().map(String::as_str)) {
                            Some(x) => {
                                format!("did you mean \"{x}\"? The values are {}", list_values(set))
                            }
                            None => format!("the values are {}", list_values(set)),
                        };
                        self.err(
                            Code::InvalidValue,
                            ctx.file,
                            s.span,
                            format!("\"{}\" is not one of the allowed values", s.value),
                        )
                        .help = Some(help);
                        return false;
                    }
                }
                return true;
            }
        }
        let compatible = match (a, b) {
            (OpType::Known(x), OpType::Known(y)) => match (x, y) {
                (Type::OneOf(_), Type::OneOf(_) | Type::Text) | (Type::Text, Type::OneOf(_)) => {
                    true
                }
                _ => x == y,
            },
            (OpType::Known(t), OpType::Lit(l)) | (OpType::Lit(l), OpType::Known(t)) => matches!(
                (t, l),
                (Type::Text, L::Text)
                    | (Type::Number, L::Number)
                    | (Type::Bool, L::Bool)
                    | (Type::Time, L::Date)
            ),
            (OpType::Lit(x), OpType::Lit(y)) => x == y,
            _ => true,
        };
        if compatible {
            return true;
        }
        let (target, other, t_ty, o_ty) = match (a, b) {
            (OpType::Lit(_), _) => (ao, bo, a, b),
            _ => (bo, ao, b, a),
        };
        let _ = other;
        let msg = if in_list {
            format!(
                "this list holds {}, but the value is {}",
                describe_op(t_ty),
                describe_op(o_ty)
            )
        } else {
            format!(
                "cannot compare {} with {}",
                describe_op(o_ty),
                describe_op(t_ty)
            )
        };
        let help = match o_ty {
            OpType::Known(Type::Number) => {
                Some("write numbers without quotes, e.g. `500`".to_string())
            }
            OpType::Known(Type::Text | Type::OneOf(_)) => {
                Some("write text in quotes, e.g. `\"DE\"`".to_string())
            }
            OpType::Known(Type::Bool) => {
                Some("compare with `true` or `false`, or use the attribute alone".to_string())
            }
            OpType::Known(Type::Time) => {
                Some("compare times with a date, e.g. `2026-01-01`".to_string())
            }
            _ => None,
        };
        self.mismatch(target, msg, help, ctx)
    }

    fn mismatch(&mut self, o: &Operand, msg: String, help: Option<String>, ctx: Ctx) -> bool {
        self.err(Code::TypeMismatch, ctx.file, o.span(), msg).help = help;
        false
    }

    // ------------------------------------------------------------ cross checks

    /// Segments that refer to themselves cannot be expanded.
    fn check_segment_cycles(&mut self) {
        let n = self.program.segments.len();
        let deps: Vec<Vec<SegmentId>> = self
            .program
            .segments
            .iter()
            .map(|s| {
                let mut out = Vec::new();
                segment_refs(&s.cond, &mut out);
                out
            })
            .collect();
        // 0 = new, 1 = on stack, 2 = done; iterative DFS.
        let mut state = vec![0u8; n];
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (s, ref mut i)) = stack.last_mut() {
                if *i < deps[s].len() {
                    let t = deps[s][*i].index();
                    *i += 1;
                    match state[t] {
                        0 => {
                            state[t] = 1;
                            stack.push((t, 0));
                        }
                        1 => {
                            let pos = stack.iter().position(|&(x, _)| x == t).unwrap();
                            let names: Vec<String> = stack[pos..]
                                .iter()
                                .map(|&(x, _)| format!("`{}`", self.program.segments[x].name))
                                .chain([format!("`{}`", self.program.segments[t].name)])
                                .collect();
                            let seg = &self.program.segments[s];
                            let (file, span) = (seg.loc.file, seg.loc.span);
                            self.err(
                                Code::CyclicSegment,
                                file,
                                span,
                                format!(
                                    "this segment is defined in terms of itself: {}",
                                    names.join(" → ")
                                ),
                            )
                            .help =
                                Some("define one of them from attributes and history only".into());
                        }
                        _ => {}
                    }
                } else {
                    state[s] = 2;
                    stack.pop();
                }
            }
        }
    }

    /// `{{ }}` placeholders name an attribute or a field of the trigger event
    /// of every campaign that sends the message.
    fn check_placeholders(&mut self) {
        let mut sent_by: Vec<Vec<(CampaignId, Loc)>> =
            vec![Vec::new(); self.program.messages.len()];
        for (ci, c) in self.program.campaigns.iter().enumerate() {
            let mut sends = Vec::new();
            collect_sends(&c.journey, &mut sends);
            for (m, l) in sends {
                if !sent_by[m.index()].iter().any(|(x, _)| x.index() == ci) {
                    sent_by[m.index()].push((CampaignId(ci as u32), l));
                }
            }
        }
        for (mi, senders) in sent_by.iter().enumerate() {
            let msg = self.program.messages[mi].clone();
            for p in &msg.placeholders {
                let parts: Vec<&str> = p.path.split('.').collect();
                let path_span = placeholder_path_span(p);
                if parts.len() == 1 {
                    // An attribute, in the message's own scope.
                    match self.lookup(Ns::Value, parts[0], p.loc.file) {
                        Some(Decl::Attr(_)) => {}
                        found => {
                            let names = self.visible_names(Ns::Value, p.loc.file);
                            let mut help = match did_you_mean(parts[0], names.iter().copied()) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "a placeholder names a profile attribute, or a field of the trigger event like `{{ order_placed.total }}`".into(),
                            };
                            if matches!(found, Some(Decl::Segment(_))) {
                                help = format!("`{}` is a segment; placeholders show values, so name a profile attribute", parts[0]);
                            }
                            self.err(
                                Code::UnknownName,
                                p.loc.file,
                                path_span,
                                format!("there is no profile attribute named `{}`", parts[0]),
                            )
                            .help = Some(help);
                        }
                    }
                    continue;
                }
                for &(cid, send_loc) in senders {
                    let camp = &self.program.campaigns[cid.index()];
                    let trig = camp.trigger_event();
                    let trig_name = trig.map(|t| self.program.event(t).name.clone());
                    let ok = match trig {
                        Some(t) if trig_name.as_deref() == Some(parts[0]) => {
                            self.program.event(t).field(parts[1]).is_some()
                        }
                        _ => false,
                    };
                    if ok {
                        continue;
                    }
                    let msg_text = match &trig_name {
                        Some(n) if n == parts[0] => format!("the event `{n}` has no field `{}`", parts[1]),
                        Some(n) => format!(
                            "`{{{{ {} }}}}` needs `{}`, but campaign `{}` is triggered by `{n}`",
                            p.path, parts[0], camp.name
                        ),
                        None => format!(
                            "`{{{{ {} }}}}` needs a `{}` event, but campaign `{}` is not triggered by an event",
                            p.path, parts[0], camp.name
                        ),
                    };
                    let camp_name = camp.name.clone();
                    let d = self.err(Code::UnknownName, p.loc.file, path_span, msg_text);
                    d.labels.push(crate::diagnostic::Label {
                        file: send_loc.file,
                        span: send_loc.span,
                        message: format!("sent here by campaign `{camp_name}`"),
                    });
                    d.help = Some(
                        "placeholders can use the fields of the trigger event of every campaign that sends the message; use a profile attribute, or a separate message for this campaign".into(),
                    );
                }
            }
        }
    }
}

/// The span of a placeholder's path inside `{{ }}`.
fn placeholder_path_span(p: &PlaceholderRef) -> Span {
    // The path follows `{{` and optional spaces; the loc covers `{{ ... }}`.
    p.loc.span
}

fn collect_sends(b: &model::Block, out: &mut Vec<(MessageId, Loc)>) {
    let mut stack = vec![b];
    while let Some(b) = stack.pop() {
        for s in &b.steps {
            match &s.kind {
                StepKind::Send(m) => out.push((*m, s.loc)),
                StepKind::WaitFor {
                    then, otherwise, ..
                } => {
                    stack.extend(then.iter());
                    stack.extend(otherwise.iter());
                }
                StepKind::If { arms, otherwise } => {
                    stack.extend(arms.iter().map(|(_, b)| b));
                    stack.extend(otherwise.iter());
                }
                StepKind::Split(arms) => stack.extend(arms.iter().map(|a| &a.body)),
                StepKind::Repeat { body, .. } | StepKind::Named { body, .. } => stack.push(body),
                _ => {}
            }
        }
    }
    out.sort_by_key(|(_, l)| (l.file, l.span));
}

fn segment_refs(c: &Cond, out: &mut Vec<SegmentId>) {
    let mut stack = vec![c];
    while let Some(c) = stack.pop() {
        match &c.kind {
            CondKind::Segment(s) => out.push(*s),
            CondKind::Or(v) | CondKind::And(v) => stack.extend(v.iter()),
            CondKind::Not(x) => stack.push(x),
            CondKind::Did {
                filter: Some(f), ..
            } => stack.push(f),
            _ => {}
        }
    }
}

fn describe_op(t: &OpType) -> String {
    match t {
        OpType::Known(Type::OneOf(set)) => format!("one of {}", list_values(set)),
        OpType::Known(t) => article_type(&t.describe()),
        OpType::Lit(LitType::Text) => "text".into(),
        OpType::Lit(LitType::Number) => "a number".into(),
        OpType::Lit(LitType::Bool) => "a bool".into(),
        OpType::Lit(LitType::Date) => "a date".into(),
        OpType::Lit(LitType::Other(w)) => (*w).into(),
        OpType::Error => "an unknown value".into(),
    }
}

fn article_type(t: &str) -> String {
    match t {
        "text" => "text".into(),
        "number" => "a number".into(),
        "bool" => "a bool".into(),
        "time" => "a time".into(),
        other => other.into(),
    }
}

fn article(w: &str) -> &'static str {
    if w.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn list_values(set: &[String]) -> String {
    set.iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
