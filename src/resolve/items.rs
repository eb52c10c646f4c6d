//! Pass 2 for channels and messages: their properties, each given once.

use super::*;

impl Resolver<'_> {
    // ------------------------------------------------------------ pass 2

    /// Reports a property given twice.
    pub(super) fn once(
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
            d.label(file, first, "first given here");
            d.help = Some(format!("keep one `{key}`"));
            return false;
        }
        seen.insert(key, span);
        true
    }

    pub(super) fn channel(&mut self, id: ChannelId, c: &ast::ChannelDecl, file: FileId) {
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
                    match self.lookup_ref(Ns::Value, a, file) {
                        Some(Decl::Attr(attr)) => {
                            if self.declared().attr(attr).ty != Type::Bool {
                                let ty = self.declared().attr(attr).ty.describe();
                                self.err(
                                    Code::TypeMismatch,
                                    file,
                                    a.span,
                                    format!("consent must be a bool attribute, but `{}` is {ty}", a.name),
                                )
                                .help = Some("declare a bool attribute such as `email_opt_in: bool` in `profile`".into());
                            }
                            self.items.channels[id.index()].consent = Some(attr);
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
                    if let Some(q) = self.quiet_period(from, to, p.span, file) {
                        self.items.channels[id.index()].quiet_hours = Some(q);
                    }
                }
                ast::ChannelPropKind::Limit(l) => {
                    if let Some(spec) = self.limit(l, file) {
                        self.items.channels[id.index()].limits.push(spec);
                    }
                }
                ast::ChannelPropKind::Description(d) => {
                    if self.once(&mut seen, "description", p.span, file, &owner) {
                        self.items.channels[id.index()].description = Some(d.value.clone());
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
            Some(k) => self.items.channels[id.index()].kind = k,
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
                self.items.channels[id.index()].kind = "webhook".into();
            }
        }
    }

    /// A quiet period, of a channel or a campaign: `None` (and an
    /// `invalid-value`) when it starts and ends at the same time.
    pub(super) fn quiet_period(
        &mut self,
        from: &ast::TimeOfDay,
        to: &ast::TimeOfDay,
        span: Span,
        file: FileId,
    ) -> Option<(u32, u32)> {
        if from.minutes == to.minutes {
            self.err(
                Code::InvalidValue,
                file,
                span,
                "quiet hours that start and end at the same time are empty",
            )
            .help = Some("write the quiet period, e.g. `quiet_hours 21:00 to 08:00`".into());
            return None;
        }
        Some((from.minutes, to.minutes))
    }

    pub(super) fn limit(&mut self, l: &ast::Limit, file: FileId) -> Option<LimitSpec> {
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

    pub(super) fn message(&mut self, id: MessageId, m: &ast::MessageDecl, file: FileId) {
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
                    if let Some(ch) = self.channel_ref(c, file) {
                        self.items.messages[id.index()].channel = ch;
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
                    self.items.messages[id.index()].template = t.value.clone();
                }
                ast::MessagePropKind::Subject(s) => {
                    if !self.once(&mut seen, "subject", p.span, file, &owner) {
                        continue;
                    }
                    placeholders.extend(s.placeholders.iter().cloned());
                    self.items.messages[id.index()].subject = Some(s.value.clone());
                }
                ast::MessagePropKind::Offer(o) => {
                    if !self.once(&mut seen, "offer", p.span, file, &owner) {
                        continue;
                    }
                    if o.value.trim().is_empty() {
                        self.err(Code::InvalidValue, file, o.span, "the offer id is empty")
                            .help = Some("name the promotion the message carries, e.g. `offer \"black-friday-40\"`".into());
                    }
                    self.items.messages[id.index()].offer = Some(o.value.clone());
                }
                ast::MessagePropKind::Description(d) => {
                    if self.once(&mut seen, "description", p.span, file, &owner) {
                        self.items.messages[id.index()].description = Some(d.value.clone());
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
                            d.label(file, first, "first given here");
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
                    self.items.messages[id.index()].vars = map;
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
        for p in &placeholders {
            self.index_placeholder(p, file);
        }
        self.items.messages[id.index()].placeholders = placeholders
            .iter()
            .map(|p| PlaceholderRef {
                path: p.path.dotted(),
                default: p.default.clone(),
                loc: loc(file, p.span),
            })
            .collect();
    }
}
