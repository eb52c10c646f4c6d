//! Printing a [`Source`](super::Source) as `.omni` text.

use std::fmt::Write as _;

use super::*;

pub(super) struct Printer {
    pub(super) out: String,
    gap: Gap,
    depth: u32,
}

impl Printer {
    pub(super) fn new(gap: Gap) -> Printer {
        Printer {
            out: String::new(),
            gap,
            depth: 0,
        }
    }

    pub(super) fn w(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// A separator between tokens.
    fn sp(&mut self) {
        let g = self.gap.text();
        self.out.push_str(g);
        // Vary the gap along the file without more input bytes.
        self.gap = Gap(self.gap.0.wrapping_mul(31).wrapping_add(7));
    }

    fn nl(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn allows(&mut self, codes: &[Name]) {
        self.w("@allow(");
        for (i, c) in codes.iter().take(3).enumerate() {
            if i > 0 {
                self.w(", ");
            }
            self.w(c.pick(LINTS));
        }
        if codes.is_empty() {
            self.w(LINTS[0]);
        }
        self.w(")");
        self.nl();
    }

    pub(super) fn item(&mut self, item: &Item) {
        match item {
            Item::Profile(fields) => {
                self.w("profile {");
                self.fields(fields, ATTRS);
                self.w("}");
            }
            Item::Event(name, fields) => {
                self.w("event ");
                self.w(name.pick(EVENTS));
                self.w(" {");
                self.fields(fields, FIELDS);
                self.w("}");
            }
            Item::Channel(name, props) => {
                self.w("channel ");
                self.w(name.pick(CHANNELS));
                self.w(" {");
                for p in props.iter().take(6) {
                    self.sp();
                    self.channel_prop(p);
                }
                self.sp();
                self.w("}");
            }
            Item::Segment(name, e) => {
                self.w("segment ");
                self.w(name.pick(SEGMENTS));
                self.w(" =");
                self.sp();
                self.expr(e);
            }
            Item::Message(name, channel, props) => {
                self.w("message ");
                self.w(name.pick(MESSAGES));
                self.w(" { channel ");
                self.w(channel.pick(CHANNELS));
                self.w(" template \"t\"");
                for p in props.iter().take(6) {
                    self.sp();
                    self.message_prop(p);
                }
                self.sp();
                self.w("}");
            }
            Item::Campaign(c) => self.campaign(c),
            Item::Import(s) => {
                self.w("import ");
                self.string(&s.0);
            }
            Item::Allowed(codes, inner) => {
                self.allows(codes);
                if !matches!(**inner, Item::Allowed(..) | Item::Comment(_)) {
                    self.item(inner);
                } else {
                    self.w("segment allowed = opt_in");
                }
            }
            Item::Comment(s) => {
                self.w("// ");
                self.w(&s
                    .0
                    .replace(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'], " "));
            }
        }
    }

    fn fields(&mut self, fields: &[Field], pool: &'static [&'static str]) {
        for (i, f) in fields.iter().take(8).enumerate() {
            if i > 0 && f.name.0 % 2 == 0 {
                self.w(",");
            }
            self.sp();
            self.w(f.name.pick(pool));
            self.w(":");
            self.sp();
            match &f.ty {
                Type::Named(t) => self.w(t.pick(TYPES)),
                Type::OneOf(values) => {
                    self.w("one of ");
                    for (i, v) in values.iter().take(4).enumerate() {
                        if i > 0 {
                            self.w(", ");
                        }
                        self.string(&v.0);
                    }
                    if values.is_empty() {
                        self.w("\"free\"");
                    }
                }
            }
        }
        self.sp();
    }

    fn channel_prop(&mut self, p: &ChannelProp) {
        match p {
            ChannelProp::Kind(k) => {
                self.w("kind ");
                self.w(k.pick(KINDS));
            }
            ChannelProp::Consent(a) => {
                self.w("consent ");
                self.w(a.pick(ATTRS));
            }
            ChannelProp::Quiet(a, b) => {
                self.w("quiet_hours ");
                self.time(*a);
                self.w(" to ");
                self.time(*b);
            }
            ChannelProp::Limit(n, d) => self.limit(*n, *d),
            ChannelProp::Description(s) => {
                self.w("description ");
                self.string(&s.0);
            }
        }
    }

    fn message_prop(&mut self, p: &MessageProp) {
        match p {
            MessageProp::Channel(c) => {
                self.w("channel ");
                self.w(c.pick(CHANNELS));
            }
            MessageProp::Template(s) => {
                self.w("template ");
                self.string(&s.0);
            }
            MessageProp::Subject(s) => {
                self.w("subject ");
                self.string(&s.0);
            }
            MessageProp::Description(s) => {
                self.w("description ");
                self.string(&s.0);
            }
            MessageProp::Vars(vars) => {
                self.w("vars {");
                for (i, (k, v)) in vars.iter().take(5).enumerate() {
                    if i > 0 {
                        self.w(",");
                    }
                    self.sp();
                    self.w(k.pick(FIELDS));
                    self.w(": ");
                    match v {
                        Literal::Str(s) => self.string(&s.0),
                        Literal::Bool(b) => self.w(if *b { "true" } else { "false" }),
                        Literal::Number(n, f) => self.number(*n, *f),
                        _ => self.w("1"),
                    }
                }
                self.sp();
                self.w("}");
            }
        }
    }

    fn limit(&mut self, n: u8, d: Duration) {
        let _ = write!(self.out, "limit {n} per ");
        self.duration(d);
    }

    fn campaign(&mut self, c: &Campaign) {
        self.w("campaign ");
        self.w(c.name.pick(CAMPAIGNS));
        self.w(" {");
        self.depth += 1;
        self.nl();
        self.trigger(&c.trigger);
        for p in c.props.iter().take(10) {
            self.nl();
            match p {
                CampaignProp::Description(s) => {
                    self.w("description ");
                    self.string(&s.0);
                }
                CampaignProp::Audience(e) => {
                    self.w("audience ");
                    self.expr(e);
                }
                CampaignProp::Reentry(r) => {
                    self.w("reentry ");
                    match r {
                        Reentry::Never => self.w("never"),
                        Reentry::Always => self.w("always"),
                        Reentry::After(d) => {
                            self.w("after ");
                            self.duration(*d);
                        }
                    }
                }
                CampaignProp::Goal(e) => {
                    self.w("goal ");
                    self.w(e.pick(EVENTS));
                }
                CampaignProp::Exit(e) => {
                    self.w("exit when ");
                    self.w(e.pick(EVENTS));
                }
                CampaignProp::Limit(n, d) => self.limit(*n, *d),
                CampaignProp::Window(a, b) => {
                    self.w("window ");
                    self.date(*a);
                    self.w(" to ");
                    self.date(*b);
                }
                CampaignProp::Timezone(z) => {
                    self.w("timezone ");
                    self.string(z.pick(ZONES));
                }
                CampaignProp::Trigger(t) => self.trigger(t),
            }
        }
        self.nl();
        self.w("journey ");
        self.block(&c.journey);
        self.depth -= 1;
        self.nl();
        self.w("}");
    }

    fn trigger(&mut self, t: &Trigger) {
        self.w("trigger ");
        match t {
            Trigger::Event(e, filter) => {
                self.w(e.pick(EVENTS));
                if let Some(f) = filter {
                    self.w(" where ");
                    self.expr(f);
                }
            }
            Trigger::Enters(s) => {
                self.w("enters ");
                self.w(s.pick(SEGMENTS));
            }
            Trigger::Daily(t) => {
                self.w("daily at ");
                self.time(*t);
            }
            Trigger::Weekly(d, t) => {
                self.w("weekly on ");
                self.w(WEEKDAYS[*d as usize % 7]);
                self.w(" at ");
                self.time(*t);
            }
            Trigger::Once(d, t) => {
                self.w("once at ");
                self.date(*d);
                self.w(" ");
                self.time(*t);
            }
        }
    }

    fn block(&mut self, steps: &[Step]) {
        self.w("{");
        if self.depth > MAX_DEPTH {
            self.w(" }");
            return;
        }
        self.depth += 1;
        for s in steps.iter().take(8) {
            self.nl();
            self.step(s);
        }
        self.depth -= 1;
        self.nl();
        self.w("}");
    }

    fn step(&mut self, s: &Step) {
        match s {
            Step::Send(m) => {
                self.w("send ");
                self.w(m.pick(MESSAGES));
            }
            Step::Wait(d) => {
                self.w("wait ");
                self.duration(*d);
            }
            Step::WaitUntil(day, t) => {
                self.w("wait until ");
                if let Some(d) = day {
                    self.w(WEEKDAYS[*d as usize % 7]);
                    self.w(" ");
                }
                self.time(*t);
            }
            Step::WaitFor {
                on,
                filter,
                within,
                then,
                otherwise,
            } => {
                self.w("wait for ");
                match on {
                    WaitOn::Event(e) => self.w(e.pick(EVENTS)),
                    WaitOn::Opened(m) => {
                        self.w("opened ");
                        self.w(m.pick(MESSAGES));
                    }
                    WaitOn::Clicked(m) => {
                        self.w("clicked ");
                        self.w(m.pick(MESSAGES));
                    }
                }
                if let Some(f) = filter {
                    self.w(" where ");
                    self.expr(f);
                }
                self.w(" within ");
                self.duration(*within);
                if let Some(b) = then {
                    self.sp();
                    self.block(b);
                }
                if let Some(b) = otherwise {
                    self.w(" otherwise ");
                    self.block(b);
                }
            }
            Step::If {
                cond,
                then,
                else_ifs,
                otherwise,
            } => {
                self.w("if ");
                self.expr(cond);
                self.sp();
                self.block(then);
                for (c, b) in else_ifs.iter().take(3) {
                    self.w(" else if ");
                    self.expr(c);
                    self.w(" ");
                    self.block(b);
                }
                if let Some(b) = otherwise {
                    self.w(" else ");
                    self.block(b);
                }
            }
            Step::Split(arms) => self.split(arms),
            Step::Repeat(n, body) => {
                let _ = write!(self.out, "repeat {} times ", n % 5);
                self.block(body);
            }
            Step::Named(name, body) => {
                self.w("step ");
                self.w(name.pick(STEPS));
                self.sp();
                self.block(body);
            }
            Step::Goto(name) => {
                self.w("goto ");
                self.w(name.pick(STEPS));
            }
            Step::Exit => self.w("exit"),
            Step::Allowed(codes, inner) => {
                self.allows(codes);
                if matches!(**inner, Step::Allowed(..)) {
                    self.w("exit");
                } else {
                    self.step(inner);
                }
            }
        }
    }

    fn split(&mut self, arms: &[Arm]) {
        self.w("split {");
        if self.depth > MAX_DEPTH {
            self.w(" }");
            return;
        }
        self.depth += 1;
        let arms = &arms[..arms.len().min(4)];
        let mut left: i32 = 1000;
        for (i, a) in arms.iter().enumerate() {
            self.nl();
            // The last arm takes the rest, unless its weight says to be wrong.
            let w = if i + 1 == arms.len() && a.weight % 16 != 0 {
                left.max(0)
            } else {
                i32::from(a.weight % 1001)
            };
            left -= w;
            if w % 10 == 0 {
                let _ = write!(self.out, "{}%", w / 10);
            } else {
                let _ = write!(self.out, "{}.{}%", w / 10, w % 10);
            }
            if let Some(n) = a.name {
                self.w(" ");
                self.w(n.pick(STEPS));
            }
            self.w(" ");
            self.block(&a.body);
        }
        self.depth -= 1;
        self.nl();
        self.w("}");
    }

    fn expr(&mut self, e: &Expr) {
        if self.depth > MAX_DEPTH + 3 {
            self.w("opt_in");
            return;
        }
        self.depth += 1;
        match e {
            Expr::Compare(a, op, b) => {
                self.operand(a);
                self.sp();
                self.w(match op {
                    CmpOp::Eq => "==",
                    CmpOp::Ne => "!=",
                    CmpOp::Lt => "<",
                    CmpOp::Le => "<=",
                    CmpOp::Gt => ">",
                    CmpOp::Ge => ">=",
                });
                self.sp();
                self.operand(b);
            }
            Expr::IsSet(p, not) => {
                self.path(p);
                self.w(if *not { " is not set" } else { " is set" });
            }
            Expr::In(p, not, list) => {
                self.path(p);
                self.w(if *not { " not in [" } else { " in [" });
                for (i, o) in list.iter().take(4).enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.operand(o);
                }
                self.w("]");
            }
            Expr::Did {
                event,
                filter,
                window,
                at_least,
            } => {
                self.w("did ");
                self.w(event.pick(EVENTS));
                if let Some(f) = filter {
                    self.w(" where ");
                    self.expr(f);
                }
                match window {
                    Some(DidWindow::Within(d)) => {
                        self.w(" within ");
                        self.duration(*d);
                    }
                    Some(DidWindow::SinceEntry) => self.w(" since entry"),
                    None => {}
                }
                if let Some(n) = at_least {
                    let _ = write!(self.out, " at least {n} times");
                }
            }
            Expr::Opened(m) => {
                self.w("opened ");
                self.w(m.pick(MESSAGES));
            }
            Expr::Clicked(m) => {
                self.w("clicked ");
                self.w(m.pick(MESSAGES));
            }
            Expr::Bare(p) => self.path(p),
            Expr::Paren(e) => {
                self.w("(");
                self.expr(e);
                self.w(")");
            }
            Expr::Not(e) => {
                self.w("not ");
                self.expr(e);
            }
            Expr::And(a, b) | Expr::Or(a, b) => {
                // `and` binds tighter than `or`, and `not` than both: keep
                // the tree the printed text means by bracketing operands
                // that are themselves `and`/`or`.
                let op = if matches!(e, Expr::And(..)) {
                    " and"
                } else {
                    " or"
                };
                self.operand_expr(a);
                self.w(op);
                self.sp();
                self.operand_expr(b);
            }
        }
        self.depth -= 1;
    }

    fn operand_expr(&mut self, e: &Expr) {
        if matches!(e, Expr::And(..) | Expr::Or(..) | Expr::Not(..)) {
            self.w("(");
            self.expr(e);
            self.w(")");
        } else {
            self.expr(e);
        }
    }

    fn operand(&mut self, o: &Operand) {
        match o {
            Operand::Path(p) => self.path(p),
            Operand::Literal(l) => self.literal(l),
        }
    }

    fn path(&mut self, p: &Path) {
        match (p.is_event, p.field) {
            (true, Some(f)) => {
                self.w(p.head.pick(EVENTS));
                self.w(".");
                self.w(f.pick(FIELDS));
            }
            (true, None) => self.w(p.head.pick(SEGMENTS)),
            (false, _) => self.w(p.head.pick(ATTRS)),
        }
    }

    fn literal(&mut self, l: &Literal) {
        match l {
            Literal::Str(s) => self.string(&s.0),
            Literal::Number(n, f) => self.number(*n, *f),
            Literal::Bool(b) => self.w(if *b { "true" } else { "false" }),
            Literal::Duration(d) => self.duration(*d),
            Literal::Time(t) => self.time(*t),
            Literal::Date(d) => self.date(*d),
            Literal::Percent(p) => {
                let _ = write!(self.out, "{p}%");
            }
        }
    }

    fn number(&mut self, n: i32, frac: Option<u8>) {
        let _ = write!(self.out, "{n}");
        if let Some(f) = frac {
            let _ = write!(self.out, ".{f}");
        }
    }

    fn string(&mut self, s: &str) {
        self.w("\"");
        for c in s.chars().take(40) {
            match c {
                '"' => self.w("\\\""),
                '\\' => self.w("\\\\"),
                '\n' => self.w("\\n"),
                c => self.out.push(c),
            }
        }
        self.w("\"");
    }

    fn duration(&mut self, d: Duration) {
        let Duration(n, unit, more) = d;
        let _ = write!(self.out, "{}{}", n, UNITS[unit as usize % UNITS.len()]);
        if let Some((m, u)) = more {
            let _ = write!(self.out, "{}{}", m, UNITS[u as usize % UNITS.len()]);
        }
    }

    fn time(&mut self, t: TimeOfDay) {
        // Mostly valid times, sometimes out of range.
        let (h, m) = if t.0 >= 240 {
            (t.0 % 100, t.1 % 100)
        } else {
            (t.0 % 24, t.1 % 60)
        };
        let _ = write!(self.out, "{h:02}:{m:02}");
    }

    fn date(&mut self, d: Date) {
        let Date(y, m, day) = d;
        let (y, m, day) = if y >= 60000 {
            (y % 10000, m % 100, day % 100)
        } else {
            (1990 + y % 60, 1 + m % 12, 1 + day % 31)
        };
        let _ = write!(self.out, "{y:04}-{m:02}-{day:02}");
    }
}
