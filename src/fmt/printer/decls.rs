//! Declarations and their properties.

use super::*;
use crate::syntax::ast::*;

impl Printer<'_, '_> {
    pub(super) fn item(&mut self, it: &Item, layout: &ItemLayout) {
        for a in &it.allows {
            self.allow(a);
            self.newline();
            self.hold_blank = true;
        }
        self.item_kind(it, layout);
    }

    pub(super) fn item_kind(&mut self, it: &Item, layout: &ItemLayout) {
        let flat = layout.single;
        let end = self.src.trim(it.span).1;
        let name = |p: &mut Self, n: &Ident| {
            p.ident(n);
            p.pad(layout.name_width.saturating_sub(width(&n.name)));
            p.sp();
        };
        match &it.kind {
            ItemKind::Import(s) => {
                self.kw_sp("import");
                self.string(s);
            }
            ItemKind::Profile(fields) => {
                self.kw_sp("profile");
                self.braces(fields, flat, end, Sep::Comma, &[], |p, f, _| p.field(f));
            }
            ItemKind::Event(e) => {
                self.kw_sp("event");
                name(self, &e.name);
                self.braces(&e.fields, flat, end, Sep::Comma, &[], |p, f, _| p.field(f));
            }
            ItemKind::Channel(c) => {
                self.kw_sp("channel");
                name(self, &c.name);
                let end = c.body_span.end as usize;
                self.braces(&c.props, flat, end, Sep::Wide, &layout.cols, |p, x, _| {
                    p.channel_prop(x)
                });
            }
            ItemKind::Segment(s) => {
                self.kw_sp("segment");
                name(self, &s.name);
                self.kw_sp("=");
                self.expr(&s.expr);
            }
            ItemKind::Message(m) => {
                self.kw_sp("message");
                name(self, &m.name);
                let end = m.body_span.end as usize;
                self.braces(&m.props, flat, end, Sep::Wide, &layout.cols, |p, x, f| {
                    p.message_prop(x, f)
                });
            }
            ItemKind::Campaign(c) => {
                self.kw_sp("campaign");
                self.ident(&c.name);
                self.sp();
                let end = c.body_span.end as usize;
                self.braces(&c.props, false, end, Sep::Wide, &[], |p, x, _| {
                    p.campaign_prop(x)
                });
            }
        }
    }

    pub(super) fn allow(&mut self, a: &Allow) {
        self.kw("@allow");
        self.kw("(");
        for (i, c) in a.codes.iter().enumerate() {
            if i > 0 {
                self.kw_sp(",");
            }
            self.ident(c);
        }
        self.opt(",");
        self.kw(")");
    }

    pub(super) fn field(&mut self, f: &FieldDecl) {
        self.ident(&f.name);
        self.kw_sp(":");
        self.type_expr(&f.ty);
    }

    fn type_expr(&mut self, ty: &TypeExpr) {
        match ty {
            TypeExpr::Named(i) => self.ident(i),
            TypeExpr::List(elem, _) => {
                self.kw_sp("list");
                self.kw_sp("of");
                self.type_expr(elem);
            }
            TypeExpr::OneOf(values, _) => {
                self.kw_sp("one");
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

    pub(super) fn limit(&mut self, l: &Limit) {
        self.kw_sp("limit");
        self.number(&l.count);
        self.sp();
        self.kw_sp("per");
        self.span_text(l.per.span);
    }

    pub(super) fn channel_prop(&mut self, p: &ChannelProp) {
        match &p.kind {
            ChannelPropKind::Kind(i) => {
                self.kw_sp("kind");
                self.ident(i);
            }
            ChannelPropKind::Consent(i) => {
                self.kw_sp("consent");
                self.ident(i);
            }
            ChannelPropKind::QuietHours(from, to) => self.quiet_hours(from, to),
            ChannelPropKind::Limit(l) => self.limit(l),
            ChannelPropKind::Description(s) => {
                self.kw_sp("description");
                self.string(s);
            }
        }
    }

    /// A message property; `vars { }` goes on one line when the message
    /// does (`flat`), or by the one-line rule.
    pub(super) fn message_prop(&mut self, p: &MessageProp, flat: bool) {
        let (kw, s) = match &p.kind {
            MessagePropKind::Channel(i) => {
                self.kw_sp("channel");
                self.ident(i);
                return;
            }
            MessagePropKind::Vars(vars) => {
                let (start, end) = self.src.trim(p.span);
                let flat = flat || self.fits(start, end, true, |m| m.message_prop(p, true));
                self.kw_sp("vars");
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
            MessagePropKind::Offer(s) => ("offer", s),
            MessagePropKind::Description(s) => ("description", s),
        };
        self.kw(kw);
        self.sp();
        self.string(s);
    }

    fn quiet_hours(&mut self, from: &TimeOfDay, to: &TimeOfDay) {
        self.kw_sp("quiet_hours");
        self.span_text(from.span);
        self.sp();
        self.kw_sp("to");
        self.span_text(to.span);
    }

    pub(super) fn campaign_prop(&mut self, p: &CampaignProp) {
        match &p.kind {
            CampaignPropKind::Description(s) => {
                self.kw_sp("description");
                self.string(s);
            }
            CampaignPropKind::Trigger(t) => {
                self.kw_sp("trigger");
                self.trigger(t);
            }
            CampaignPropKind::Audience(e) => {
                self.kw_sp("audience");
                self.expr(e);
            }
            CampaignPropKind::Reentry(r) => {
                self.kw_sp("reentry");
                match r {
                    Reentry::Never => self.kw("never"),
                    Reentry::Always => self.kw("always"),
                    Reentry::After(d) => {
                        self.kw_sp("after");
                        self.span_text(d.span);
                    }
                }
            }
            CampaignPropKind::Goal(i, filter) => {
                self.kw_sp("goal");
                self.event_where(i, filter.as_ref());
            }
            CampaignPropKind::ExitWhen(i, filter) => {
                self.kw_sp("exit");
                self.kw_sp("when");
                self.event_where(i, filter.as_ref());
            }
            CampaignPropKind::ExitUnless(e) => {
                self.kw_sp("exit");
                self.kw_sp("unless");
                self.expr(e);
            }
            CampaignPropKind::Limit(l) => self.limit(l),
            CampaignPropKind::Window(from, to) => {
                self.kw_sp("window");
                self.span_text(from.span);
                self.sp();
                self.kw_sp("to");
                self.span_text(to.span);
            }
            CampaignPropKind::Timezone(s) => {
                self.kw_sp("timezone");
                self.string(s);
            }
            CampaignPropKind::Priority(n) => {
                self.kw_sp("priority");
                self.number(n);
            }
            CampaignPropKind::QuietHours(from, to) => self.quiet_hours(from, to),
            CampaignPropKind::Journey(b) => {
                self.kw_sp("journey");
                self.block(b, false);
            }
        }
    }

    /// `EVENT [where EXPR]`, of a trigger, a goal or an exit.
    fn event_where(&mut self, event: &Ident, filter: Option<&Expr>) {
        self.ident(event);
        if let Some(f) = filter {
            self.sp();
            self.kw_sp("where");
            self.expr(f);
        }
    }

    pub(super) fn trigger(&mut self, t: &Trigger) {
        match t {
            Trigger::Event { event, filter } => self.event_where(event, filter.as_ref()),
            Trigger::Enters(i) => {
                self.kw_sp("enters");
                self.ident(i);
            }
            Trigger::Daily(time) => {
                self.kw_sp("daily");
                self.kw_sp("at");
                self.span_text(time.span);
            }
            Trigger::Weekly(_, day, time) => {
                self.kw_sp("weekly");
                self.kw_sp("on");
                self.span_text(*day);
                self.sp();
                self.kw_sp("at");
                self.span_text(time.span);
            }
            Trigger::Once(date, time) => {
                self.kw_sp("once");
                self.kw_sp("at");
                self.span_text(date.span);
                self.sp();
                self.span_text(time.span);
            }
            Trigger::Date {
                offset,
                attr,
                at,
                yearly,
            } => {
                match offset {
                    Some((d, before)) => {
                        self.span_text(d.span);
                        self.sp();
                        self.kw_sp(if *before { "before" } else { "after" });
                    }
                    None => self.kw_sp("on"),
                }
                self.ident(attr);
                self.sp();
                self.kw_sp("at");
                self.span_text(at.span);
                if yearly.is_some() {
                    self.sp();
                    self.kw("yearly");
                }
            }
        }
    }
}
