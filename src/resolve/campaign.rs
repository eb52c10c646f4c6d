//! Pass 2 for campaigns: the properties, the trigger, and the journey
//! (see [`super::journey`]).

use super::*;

impl Resolver<'_> {
    pub(super) fn campaign(&mut self, id: CampaignId, c: &ast::CampaignDecl, file: FileId) {
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
                ast::CampaignPropKind::ExitWhen(..)
                    | ast::CampaignPropKind::ExitUnless(_)
                    | ast::CampaignPropKind::Limit(_)
            );
            if !repeatable && !self.once(&mut seen, key, p.span, file, &owner) {
                continue;
            }
            match &p.kind {
                ast::CampaignPropKind::Description(d) => {
                    self.items.campaigns[id.index()].description = Some(d.value.clone())
                }
                ast::CampaignPropKind::Trigger(t) => {
                    has_trigger = true;
                    let trig = self.trigger(t, ctx);
                    let camp = &mut self.items.campaigns[id.index()];
                    camp.trigger_loc = loc(file, p.span);
                    if let Some(t) = trig {
                        camp.trigger = t;
                    }
                }
                ast::CampaignPropKind::Audience(e) => {
                    let cond = self.cond(e, ctx);
                    self.items.campaigns[id.index()].audience = Some(cond);
                }
                ast::CampaignPropKind::ExitUnless(e) => {
                    let cond = self.cond(e, ctx);
                    self.items.campaigns[id.index()].exit_unless.push(cond);
                }
                ast::CampaignPropKind::Reentry(r) => {
                    self.items.campaigns[id.index()].reentry_loc = Some(loc(file, p.span));
                    self.items.campaigns[id.index()].reentry = match r {
                        ast::Reentry::Never => Reentry::Never,
                        ast::Reentry::Always => Reentry::Always,
                        ast::Reentry::After(d) => Reentry::After(d.seconds),
                    }
                }
                ast::CampaignPropKind::Goal(e, filter) => {
                    if let Some(ev) = self.event(e, file) {
                        let filter = filter.as_ref().map(|f| {
                            self.cond(
                                f,
                                Ctx {
                                    matched: Some(ev),
                                    ..ctx
                                },
                            )
                        });
                        let camp = &mut self.items.campaigns[id.index()];
                        camp.goal = Some((ev, loc(file, e.span)));
                        camp.goal_filter = filter;
                    }
                }
                ast::CampaignPropKind::ExitWhen(e, filter) => {
                    if let Some(ev) = self.event(e, file) {
                        let filter = filter.as_ref().map(|f| {
                            self.cond(
                                f,
                                Ctx {
                                    matched: Some(ev),
                                    ..ctx
                                },
                            )
                        });
                        let camp = &self.items.campaigns[id.index()];
                        if let Some((_, first)) = camp.exits.iter().find(|(x, _)| *x == ev) {
                            let first = *first;
                            let d = self.err(
                                Code::DuplicateName,
                                file,
                                e.span,
                                format!("`exit when {}` is given twice", e.name),
                            );
                            d.label(file, first.span, "first given here");
                        } else {
                            let camp = &mut self.items.campaigns[id.index()];
                            camp.exits.push((ev, loc(file, e.span)));
                            if let Some(f) = filter {
                                camp.exit_filters.push((ev, f));
                            }
                        }
                    }
                }
                ast::CampaignPropKind::Limit(l) => {
                    if let Some(spec) = self.limit(l, file) {
                        self.items.campaigns[id.index()].limits.push(spec);
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
                            self.items.campaigns[id.index()].window =
                                Some((a, b, loc(file, p.span)));
                        }
                    }
                }
                ast::CampaignPropKind::Priority(n) => {
                    if n.value.fract() == 0.0 && (0.0..=100.0).contains(&n.value) {
                        self.items.campaigns[id.index()].priority = n.value as u8;
                    } else {
                        self.err(
                            Code::InvalidValue,
                            file,
                            n.span,
                            format!("`priority {}` is not a whole number from 0 to 100", n.raw),
                        )
                        .help = Some("write a whole number from 0 (the default) to 100; at one instant, campaigns are entered highest priority first".into());
                    }
                }
                ast::CampaignPropKind::Timezone(tz) => {
                    if tz.value.parse::<chrono_tz::Tz>().is_ok() {
                        self.items.campaigns[id.index()].timezone = Some(tz.value.clone());
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
                ast::CampaignPropKind::QuietHours(from, to) => {
                    if let Some((from, to)) = self.quiet_period(from, to, p.span, file) {
                        self.items.campaigns[id.index()].quiet_hours =
                            Some((from, to, loc(file, p.span)));
                    }
                }
                ast::CampaignPropKind::Journey(b) => {
                    has_journey = true;
                    let block = self.block(b, ctx);
                    self.items.campaigns[id.index()].journey = block;
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

    pub(super) fn event(&mut self, e: &Ident, file: FileId) -> Option<EventId> {
        match self.lookup_ref(Ns::Event, e, file) {
            Some(Decl::Event(ev)) => Some(ev),
            _ => {
                self.unknown(Ns::Event, e, file);
                None
            }
        }
    }

    pub(super) fn trigger(&mut self, t: &ast::Trigger, ctx: Ctx) -> Option<Trigger> {
        Some(match t {
            ast::Trigger::Event { event, filter } => {
                let ev = self.event(event, ctx.file)?;
                let filter = filter.as_ref().map(|f| self.cond(f, ctx));
                Trigger::Event { event: ev, filter }
            }
            ast::Trigger::Enters(s) => match self.lookup_ref(Ns::Value, s, ctx.file) {
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
            ast::Trigger::Date {
                offset,
                attr,
                at,
                yearly,
            } => self.date_trigger(offset.as_ref(), attr, at, yearly.is_some(), ctx)?,
        })
    }

    /// `trigger [D before|after | on] ATTR at HH:MM [yearly]`: ATTR a date
    /// or a time, D whole days.
    fn date_trigger(
        &mut self,
        offset: Option<&(ast::Duration, bool)>,
        attr: &Ident,
        at: &ast::TimeOfDay,
        yearly: bool,
        ctx: Ctx,
    ) -> Option<Trigger> {
        let a = match self.lookup_ref(Ns::Value, attr, ctx.file) {
            Some(Decl::Attr(a)) => a,
            Some(Decl::Segment(_)) => {
                self.err(
                    Code::TypeMismatch,
                    ctx.file,
                    attr.span,
                    format!(
                        "`{}` is a segment, but a date trigger reads a date or time attribute",
                        attr.name
                    ),
                )
                .help = Some(format!(
                    "to enter when a segment becomes true, write `trigger enters {}`",
                    attr.name
                ));
                return None;
            }
            _ => {
                self.unknown(Ns::Value, attr, ctx.file);
                return None;
            }
        };
        let ty = &self.declared().attr(a).ty;
        if !matches!(ty, Type::Date | Type::Time) {
            let msg = format!(
                "a date trigger reads a date or a time, but `{}` is {}",
                attr.name,
                super::types::article_type(&ty.describe())
            );
            self.err(Code::TypeMismatch, ctx.file, attr.span, msg).help =
                Some("declare it `date` (a calendar day) or `time` (an instant)".into());
            return None;
        }
        const DAY: u64 = 86_400;
        let offset_days = match offset {
            None => 0,
            Some((d, before)) => {
                if d.seconds % DAY != 0 {
                    self.err(
                        Code::InvalidValue,
                        ctx.file,
                        d.span,
                        "a date trigger's offset is whole days or weeks",
                    )
                    .help = Some(format!(
                        "write it in days, e.g. `{}d`",
                        (d.seconds / DAY).max(1)
                    ));
                    return None;
                }
                let days = (d.seconds / DAY) as i64;
                if *before {
                    -days
                } else {
                    days
                }
            }
        };
        Some(Trigger::Date {
            attr: a,
            offset_days,
            minutes: at.minutes,
            yearly,
        })
    }
}
