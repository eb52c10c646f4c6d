//! Lowering: pest pairs to [`ast`] nodes. Literals are read and checked for
//! range in [`super::values`].

use pest::iterators::Pair;

use super::ast::*;
use super::parser::{Rule, RESERVED};
use super::MAX_NESTING;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

mod history;
mod waits;

/// Lowers pest pairs to AST nodes. Positions in pairs are relative to the
/// slice that was parsed; `base` shifts them back to file offsets.
pub(super) struct Lowerer {
    pub file: FileId,
    pub diags: Vec<Diagnostic>,
    /// Spans end at most here: a declaration repaired after a syntax error
    /// (see `super::recover`) may have closing brackets that are not in
    /// the file; its spans stop at the file's text.
    pub limit: usize,
}

pub(super) type P<'a> = Pair<'a, Rule>;

/// `v` without spare capacity. A vector collected from pairs grows by
/// doubling from four elements: most blocks hold one or two steps, and
/// the tree of a large journey would be mostly spare room.
pub(super) fn exact<T>(mut v: Vec<T>) -> Vec<T> {
    v.shrink_to_fit();
    v
}

/// What follows the keyword of a `keyword ~ thing` rule (`goal name`,
/// `template "…"`, `otherwise { … }`).
pub(super) fn after_keyword(pair: P) -> Option<P> {
    pair.into_inner().nth(1)
}

impl Lowerer {
    pub fn new(file: FileId) -> Lowerer {
        Lowerer {
            file,
            diags: Vec::new(),
            limit: usize::MAX,
        }
    }

    pub fn span(&self, p: &P, base: usize) -> Span {
        let s = p.as_span();
        let end = (base + s.end()).min(self.limit);
        Span::new((base + s.start()).min(end), end)
    }

    /// The span of an expression without the whitespace and comments pest
    /// skips after it (a rule that ends in an optional or repeated part,
    /// such as `operand ~ cmp_tail?`, keeps what it skipped before trying
    /// that part): up to its last token (`next_back`), closing `)` included.
    pub(super) fn tight_span(&self, p: &P, base: usize) -> Span {
        let mut last = p.clone();
        while let Some(child) = last.clone().into_inner().next_back() {
            last = child;
        }
        let start = p.as_span().start();
        let from = last.as_span().end().max(start);
        // After the last inner pair, only literal tokens (`)`), whitespace
        // and comments can follow: keep the tokens.
        let tail = &p.as_str()[from - start..];
        let mut end = 0;
        let mut i = 0;
        while i < tail.len() {
            let rest = &tail[i..];
            if rest.starts_with("//") {
                i += rest.find('\n').unwrap_or(rest.len());
            } else {
                let c = rest.chars().next().expect("not empty");
                i += c.len_utf8();
                if !c.is_whitespace() && c != '\u{FEFF}' {
                    end = i;
                }
            }
        }
        let end = (base + from + end).min(self.limit);
        Span::new((base + start).min(end), end)
    }

    pub fn error(&mut self, code: Code, span: Span, msg: impl Into<String>, help: Option<String>) {
        let mut d = Diagnostic::error(code, self.file, span, msg);
        d.help = help;
        self.diags.push(d);
    }

    // ------------------------------------------------------------ declarations

    pub fn item(&mut self, pair: P, base: usize) -> Option<Item> {
        let span = self.span(&pair, base);
        let mut allows = Vec::new();
        let mut kind = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::allow => allows.push(self.allow(p, base)),
                Rule::import => {
                    let s = p.into_inner().find(|p| p.as_rule() == Rule::string)?;
                    kind = Some(ItemKind::Import(self.string(s, base)));
                }
                Rule::profile => {
                    let fields = p
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::field)
                        .map(|f| self.field(f, base))
                        .collect();
                    kind = Some(ItemKind::Profile(fields));
                }
                Rule::event => {
                    let mut inner = p.into_inner().skip(1);
                    let name = self.ident(inner.next()?, base);
                    let fields = inner.map(|f| self.field(f, base)).collect();
                    kind = Some(ItemKind::Event(EventDecl { name, fields }));
                }
                Rule::channel => {
                    let (name, props, body_span) = self.braced(p, base, Self::channel_prop)?;
                    kind = Some(ItemKind::Channel(ChannelDecl {
                        name,
                        props,
                        body_span,
                    }));
                }
                Rule::segment => {
                    let mut inner = p.into_inner().skip(1);
                    let name = self.ident(inner.next()?, base);
                    let expr = self.expr(inner.next()?, base);
                    kind = Some(ItemKind::Segment(SegmentDecl {
                        name,
                        expr: Box::new(expr),
                    }));
                }
                Rule::message => {
                    let (name, props, body_span) = self.braced(p, base, Self::message_prop)?;
                    kind = Some(ItemKind::Message(MessageDecl {
                        name,
                        props,
                        body_span,
                    }));
                }
                Rule::campaign => {
                    let (name, props, body_span) = self.braced(p, base, Self::campaign_prop)?;
                    kind = Some(ItemKind::Campaign(CampaignDecl {
                        name,
                        props,
                        body_span,
                    }));
                }
                _ => {}
            }
        }
        Some(Item {
            allows,
            kind: kind?,
            span,
            recovered: false,
        })
    }

    /// `KEYWORD NAME { PROPERTY* }` (channels, messages, campaigns): the
    /// name, each property lowered by `prop` (given its span; `None` skips
    /// it), and the span of the body.
    fn braced<T>(
        &mut self,
        pair: P,
        base: usize,
        mut prop: impl FnMut(&mut Self, P, Span, usize) -> Option<T>,
    ) -> Option<(Ident, Vec<T>, Span)> {
        let mut inner = pair.into_inner().skip(1);
        let name = self.ident(inner.next()?, base);
        let body = inner.next()?;
        let body_span = self.span(&body, base);
        let mut props = Vec::new();
        for p in body.into_inner() {
            let span = self.span(&p, base);
            if let Some(x) = prop(self, p, span, base) {
                props.push(x);
            }
        }
        Some((name, exact(props), body_span))
    }

    pub fn allow(&mut self, pair: P, base: usize) -> Allow {
        let span = self.span(&pair, base);
        let codes = pair
            .into_inner()
            .map(|c| Ident {
                name: c.as_str().to_string(),
                span: self.span(&c, base),
            })
            .collect();
        Allow { codes, span }
    }

    pub fn ident(&mut self, pair: P, base: usize) -> Ident {
        let ident = Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair, base),
        };
        if pair.as_rule() == Rule::name && RESERVED.contains(&ident.name.as_str()) {
            self.error(
                Code::SyntaxError,
                ident.span,
                format!("`{}` is a reserved word and cannot be a name", ident.name),
                Some("choose another name; the words of conditions (`and`, `or`, `not`, `in`, `is`, `set`, `did`, `where`, `within`, `since`, `entry`, `at`, `least`, `times`, `opened`, `clicked`, `true`, `false`) are reserved".into()),
            );
        }
        ident
    }

    fn field(&mut self, pair: P, base: usize) -> FieldDecl {
        let span = self.span(&pair, base);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().unwrap(), base);
        let ty_pair = inner.next().unwrap().into_inner().next().unwrap();
        let ty = self.type_expr(ty_pair, base);
        FieldDecl { name, ty, span }
    }

    /// A `type_expr`'s alternative: `list_of`, `one_of` or a name.
    fn type_expr(&mut self, ty_pair: P, base: usize) -> TypeExpr {
        match ty_pair.as_rule() {
            Rule::one_of => {
                let s = self.span(&ty_pair, base);
                let values = ty_pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::string)
                    .map(|p| self.string(p, base))
                    .collect();
                TypeExpr::OneOf(values, s)
            }
            Rule::list_of => {
                let s = self.span(&ty_pair, base);
                let elem = ty_pair
                    .into_inner()
                    .find(|p| matches!(p.as_rule(), Rule::one_of | Rule::name))
                    .expect("list_of has an element type");
                TypeExpr::List(Box::new(self.type_expr(elem, base)), s)
            }
            _ => TypeExpr::Named(self.ident(ty_pair, base)),
        }
    }

    fn channel_prop(&mut self, p: P, span: Span, base: usize) -> Option<ChannelProp> {
        let kind = match p.as_rule() {
            Rule::ch_kind => ChannelPropKind::Kind(self.ident(after_keyword(p)?, base)),
            Rule::ch_consent => ChannelPropKind::Consent(self.ident(after_keyword(p)?, base)),
            Rule::ch_quiet => {
                let (from, to) = self.quiet_hours(p, base)?;
                ChannelPropKind::QuietHours(from, to)
            }
            Rule::limit => ChannelPropKind::Limit(self.limit(p, base)?),
            Rule::description => ChannelPropKind::Description(self.string(after_keyword(p)?, base)),
            _ => return None,
        };
        Some(ChannelProp { kind, span })
    }

    /// `quiet_hours FROM to TO`, of a channel or a campaign.
    fn quiet_hours(&mut self, p: P, base: usize) -> Option<(TimeOfDay, TimeOfDay)> {
        let mut t = p.into_inner().filter(|p| p.as_rule() == Rule::time_of_day);
        let from = self.time_of_day(t.next()?, base);
        let to = self.time_of_day(t.next()?, base);
        Some((from, to))
    }

    fn limit(&mut self, pair: P, base: usize) -> Option<Limit> {
        let span = self.span(&pair, base);
        let mut inner = pair.into_inner();
        let count = self.number(inner.nth(1)?, base);
        self.check_count(&count, "a limit");
        let per = self.duration(inner.nth(1)?, base);
        Some(Limit { count, per, span })
    }

    fn message_prop(&mut self, p: P, span: Span, base: usize) -> Option<MessageProp> {
        let kind = match p.as_rule() {
            Rule::msg_channel => MessagePropKind::Channel(self.ident(after_keyword(p)?, base)),
            Rule::msg_template => MessagePropKind::Template(self.string(after_keyword(p)?, base)),
            Rule::msg_subject => MessagePropKind::Subject(self.string(after_keyword(p)?, base)),
            Rule::msg_offer => MessagePropKind::Offer(self.string(after_keyword(p)?, base)),
            Rule::description => MessagePropKind::Description(self.string(after_keyword(p)?, base)),
            Rule::msg_vars => {
                let vars = p
                    .into_inner()
                    .filter(|v| v.as_rule() == Rule::var)
                    .filter_map(|v| {
                        let span = self.span(&v, base);
                        let mut vi = v.into_inner();
                        let name = self.ident(vi.next()?, base);
                        let value = self.literal_token(vi.next()?, base);
                        Some(Var { name, value, span })
                    })
                    .collect();
                MessagePropKind::Vars(vars)
            }
            _ => return None,
        };
        Some(MessageProp { kind, span })
    }

    pub fn campaign_prop(&mut self, p: P, span: Span, base: usize) -> Option<CampaignProp> {
        // Ending in an optional `where`: without what pest skipped before it.
        let span = match p.as_rule() {
            Rule::goal | Rule::exit_when => self.tight_span(&p, base),
            _ => span,
        };
        let kind = match p.as_rule() {
            Rule::description => {
                CampaignPropKind::Description(self.string(after_keyword(p)?, base))
            }
            Rule::trigger => CampaignPropKind::Trigger(self.trigger(p, base)?),
            Rule::audience => CampaignPropKind::Audience(self.expr(after_keyword(p)?, base)),
            Rule::reentry => {
                let mut ri = p.into_inner().skip(1);
                let k = ri.next()?;
                CampaignPropKind::Reentry(match k.as_rule() {
                    Rule::k_never => Reentry::Never,
                    Rule::k_always => Reentry::Always,
                    _ => Reentry::After(self.duration(ri.next()?, base)),
                })
            }
            Rule::goal => {
                let mut inner = p.into_inner().skip(1);
                let event = self.ident(inner.next()?, base);
                let filter = inner.nth(1).map(|e| self.expr(e, base));
                CampaignPropKind::Goal(event, filter)
            }
            Rule::exit_when => {
                let mut inner = p.into_inner().skip(2);
                let event = self.ident(inner.next()?, base);
                let filter = inner.nth(1).map(|e| self.expr(e, base));
                CampaignPropKind::ExitWhen(event, filter)
            }
            Rule::exit_unless => {
                CampaignPropKind::ExitUnless(self.expr(p.into_inner().nth(2)?, base))
            }
            Rule::limit => CampaignPropKind::Limit(self.limit(p, base)?),
            Rule::window => {
                let mut d = p.into_inner().filter(|p| p.as_rule() == Rule::date);
                let from = self.date(d.next()?, base);
                let to = self.date(d.next()?, base);
                CampaignPropKind::Window(from, to)
            }
            Rule::timezone => CampaignPropKind::Timezone(self.string(after_keyword(p)?, base)),
            Rule::camp_quiet => {
                let (from, to) = self.quiet_hours(p, base)?;
                CampaignPropKind::QuietHours(from, to)
            }
            Rule::journey => CampaignPropKind::Journey(self.block(after_keyword(p)?, base)),
            Rule::priority => CampaignPropKind::Priority(self.number(after_keyword(p)?, base)),
            _ => return None,
        };
        Some(CampaignProp { kind, span })
    }

    fn trigger(&mut self, pair: P, base: usize) -> Option<Trigger> {
        let t = after_keyword(pair)?;
        let rule = t.as_rule();
        let mut inner = t.into_inner();
        Some(match rule {
            Rule::trig_enters => Trigger::Enters(self.ident(inner.nth(1)?, base)),
            Rule::trig_daily => Trigger::Daily(self.time_of_day(inner.nth(2)?, base)),
            Rule::trig_weekly => {
                let wd = inner.nth(2)?;
                let wd_span = self.span(&wd, base);
                let day = Weekday::parse(wd.as_str())?;
                let time = self.time_of_day(inner.nth(1)?, base);
                Trigger::Weekly(day, wd_span, time)
            }
            Rule::trig_once => {
                let date = self.date(inner.nth(2)?, base);
                let time = self.time_of_day(inner.next()?, base);
                Trigger::Once(date, time)
            }
            Rule::trig_date => {
                let first = inner.next()?;
                let offset = match first.as_rule() {
                    Rule::trig_offset => {
                        let mut o = first.into_inner();
                        let d = self.duration(o.next()?, base);
                        Some((d, o.next()?.as_rule() == Rule::k_before))
                    }
                    _ => None,
                };
                let attr = self.ident(inner.next()?, base);
                let at = self.time_of_day(inner.nth(1)?, base);
                let yearly = inner.next().map(|y| self.span(&y, base));
                Trigger::Date {
                    offset,
                    attr,
                    at,
                    yearly,
                }
            }
            _ => {
                let event = self.ident(inner.next()?, base);
                let filter = inner.nth(1).map(|e| self.expr(e, base));
                Trigger::Event { event, filter }
            }
        })
    }

    // ------------------------------------------------------------ journeys

    // ------------------------------------------------------------ expressions

    pub(super) fn expr(&mut self, pair: P, base: usize) -> Expr {
        let span = self.tight_span(&pair, base);
        match pair.as_rule() {
            Rule::expr => self.chain(pair, span, base, Rule::and_expr, ExprKind::Or),
            Rule::and_expr => self.chain(pair, span, base, Rule::not_expr, ExprKind::And),
            Rule::not_expr => {
                let mut nots = Vec::new();
                let mut inner_expr = None;
                for p in pair.into_inner() {
                    if p.as_rule() == Rule::k_not {
                        nots.push(self.span(&p, base).start);
                    } else {
                        inner_expr = Some(self.cmp(p, base));
                    }
                }
                let mut e = inner_expr.expect("not_expr has an operand");
                if nots.len() > MAX_NESTING {
                    self.error(
                        Code::SyntaxError,
                        span,
                        format!("more than {MAX_NESTING} `not`s in a row"),
                        Some("two `not`s cancel out: remove them in pairs".into()),
                    );
                    return e;
                }
                for start in nots.into_iter().rev() {
                    let s = Span {
                        start,
                        end: e.span.end,
                    };
                    e = Expr {
                        kind: ExprKind::Not(Box::new(e)),
                        span: s,
                    };
                }
                e
            }
            _ => self.cmp(pair, base),
        }
    }

    /// An `expr` or `and_expr`: its `part`s joined by `join` (`or`, `and`),
    /// or the part alone where there is only one.
    fn chain(
        &mut self,
        pair: P,
        span: Span,
        base: usize,
        part: Rule,
        join: fn(Vec<Expr>) -> ExprKind,
    ) -> Expr {
        let mut parts: Vec<Expr> = pair
            .into_inner()
            .filter(|p| p.as_rule() == part)
            .map(|p| self.expr(p, base))
            .collect();
        if parts.len() == 1 {
            parts.pop().unwrap()
        } else {
            Expr {
                kind: join(parts),
                span,
            }
        }
    }

    /// A `cmp_expr`.
    fn cmp(&mut self, pair: P, base: usize) -> Expr {
        let span = self.tight_span(&pair, base);
        let mut inner = pair.into_inner();
        let first = inner.next().expect("cmp_expr is not empty");
        let kind = match first.as_rule() {
            Rule::paren => {
                let e = self.expr(first.into_inner().next().unwrap(), base);
                ExprKind::Paren(Box::new(e))
            }
            Rule::did => self.did(first, base),
            Rule::opened => ExprKind::Opened(self.ident(after_keyword(first).unwrap(), base)),
            Rule::clicked => ExprKind::Clicked(self.ident(after_keyword(first).unwrap(), base)),
            Rule::received => self.received(first, base),
            Rule::opened_any | Rule::clicked_any => self.engaged_any(first, base),
            Rule::in_campaign => {
                ExprKind::InCampaign(self.ident(first.into_inner().nth(2).unwrap(), base))
            }
            _ => {
                let lhs = self.operand(first, base);
                match inner.next() {
                    None => match lhs {
                        Operand::Path(p) => ExprKind::Name(p),
                        Operand::Literal(Literal::Bool(b, _)) => ExprKind::Bool(b),
                        Operand::Literal(l) => {
                            self.error(
                                Code::TypeMismatch,
                                l.span(),
                                "a value alone is not a condition",
                                Some("compare it with something, e.g. `attribute == value`".into()),
                            );
                            ExprKind::Bool(false)
                        }
                    },
                    Some(tail) => match tail.as_rule() {
                        Rule::compare => {
                            let mut t = tail.into_inner();
                            let op = match t.next().unwrap().as_str() {
                                "==" => CmpOp::Eq,
                                "!=" => CmpOp::Ne,
                                "<" => CmpOp::Lt,
                                "<=" => CmpOp::Le,
                                ">" => CmpOp::Gt,
                                _ => CmpOp::Ge,
                            };
                            let rhs = self.operand(t.next().unwrap(), base);
                            ExprKind::Compare { lhs, op, rhs }
                        }
                        Rule::in_list => {
                            let mut negated = false;
                            let mut list = Vec::new();
                            for x in tail.into_inner() {
                                match x.as_rule() {
                                    Rule::k_not => negated = true,
                                    Rule::list => {
                                        list =
                                            x.into_inner().map(|o| self.operand(o, base)).collect()
                                    }
                                    _ => {}
                                }
                            }
                            ExprKind::In {
                                operand: lhs,
                                negated,
                                list,
                            }
                        }
                        Rule::contains => {
                            let item = self.operand(tail.into_inner().nth(1).unwrap(), base);
                            ExprKind::Contains { list: lhs, item }
                        }
                        rule => {
                            let negated = tail.into_inner().any(|x| x.as_rule() == Rule::k_not);
                            match lhs {
                                Operand::Path(path) if rule == Rule::is_empty => {
                                    ExprKind::IsEmpty { path, negated }
                                }
                                Operand::Path(path) => ExprKind::IsSet { path, negated },
                                Operand::Literal(l) => {
                                    self.error(
                                        Code::TypeMismatch,
                                        l.span(),
                                        if rule == Rule::is_empty {
                                            "`is empty` applies to a list attribute or field, not a value"
                                        } else {
                                            "`is set` applies to an attribute or field, not a value"
                                        },
                                        None,
                                    );
                                    ExprKind::Bool(false)
                                }
                            }
                        }
                    },
                }
            }
        };
        Expr { kind, span }
    }

    fn did(&mut self, pair: P, base: usize) -> ExprKind {
        let mut event = None;
        let mut filter = None;
        let mut window = None;
        let mut at_least = None;
        for x in pair.into_inner().skip(1) {
            match x.as_rule() {
                Rule::name => event = Some(self.ident(x, base)),
                Rule::expr => filter = Some(Box::new(self.expr(x, base))),
                _ => self.window_count(x, base, &mut window, &mut at_least),
            }
        }
        ExprKind::Did {
            event: event.expect("did names an event"),
            filter,
            window,
            at_least,
        }
    }

    pub(super) fn operand(&mut self, pair: P, base: usize) -> Operand {
        let p = pair.into_inner().next().expect("operand is not empty");
        match p.as_rule() {
            Rule::path => {
                let span = self.span(&p, base);
                let segments = p.into_inner().map(|s| self.ident(s, base)).collect();
                Operand::Path(Path { segments, span })
            }
            Rule::bool_lit => Operand::Literal(self.literal_token(p, base)),
            _ => Operand::Literal(self.literal_token(p.into_inner().next().unwrap(), base)),
        }
    }

    /// A literal from its token pair (string, number, date ...).
    fn literal_token(&mut self, p: P, base: usize) -> Literal {
        match p.as_rule() {
            Rule::string => Literal::Str(self.string(p, base)),
            Rule::number => Literal::Number(self.number(p, base)),
            Rule::bool_lit => Literal::Bool(p.as_str() == "true", self.span(&p, base)),
            Rule::duration => Literal::Duration(self.duration(p, base)),
            Rule::time_of_day => Literal::Time(self.time_of_day(p, base)),
            Rule::date => Literal::Date(self.date(p, base)),
            Rule::percent => Literal::Percent(self.percent(p, base)),
            r => unreachable!("not a literal: {r:?}"),
        }
    }
}
