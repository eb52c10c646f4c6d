//! The typed syntax tree. Every node carries the [`Span`] of the source it
//! came from. The tree is what was written, nothing resolved: names are
//! plain identifiers, and the resolver (`crate::resolve`) gives them meaning.
//!
//! Operator chains (`a or b or c`) are n-ary so that no list of operands,
//! however long, makes the tree deep; nesting depth is bounded by the
//! parser (see `crate::syntax::MAX_NESTING`).

use crate::source::{FileId, Span};

/// An identifier with its span.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal: its unescaped value, its span (quotes included) and
/// the `{{ }}` placeholders found in it.
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
    pub placeholders: Vec<Placeholder>,
}

/// `{{ first_name | default: "Hi" }}` or `{{ order_placed.order_id }}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Placeholder {
    pub path: Path,
    pub default: Option<String>,
    pub span: Span,
}

/// `name` or `event.field`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl Path {
    pub fn is_simple(&self) -> bool {
        self.segments.len() == 1
    }

    pub fn dotted(&self) -> String {
        self.segments
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// A number as written, with its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    pub value: f64,
    pub raw: String,
    pub span: Span,
}

/// A duration in seconds, e.g. `1d12h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Duration {
    pub seconds: u64,
    pub span: Span,
}

/// A time of day, minutes after midnight, e.g. `09:00` = 540.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeOfDay {
    pub minutes: u32,
    pub span: Span,
}

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub span: Span,
}

/// A percentage in hundredths of a percent (`12.5%` = 1250), exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Percent {
    pub basis_points: u32,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub fn parse(s: &str) -> Option<Weekday> {
        Some(match s {
            "mon" => Weekday::Mon,
            "tue" => Weekday::Tue,
            "wed" => Weekday::Wed,
            "thu" => Weekday::Thu,
            "fri" => Weekday::Fri,
            "sat" => Weekday::Sat,
            "sun" => Weekday::Sun,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }

    /// The day's name in words: `Monday`.
    pub fn full_name(self) -> &'static str {
        match self {
            Weekday::Mon => "Monday",
            Weekday::Tue => "Tuesday",
            Weekday::Wed => "Wednesday",
            Weekday::Thu => "Thursday",
            Weekday::Fri => "Friday",
            Weekday::Sat => "Saturday",
            Weekday::Sun => "Sunday",
        }
    }

    /// 0 = Monday.
    pub fn index(self) -> u32 {
        self as u32
    }
}

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Str(StrLit),
    Number(Number),
    Bool(bool, Span),
    Duration(Duration),
    Time(TimeOfDay),
    Date(Date),
    Percent(Percent),
}

impl Literal {
    pub fn span(&self) -> Span {
        match self {
            Literal::Str(s) => s.span,
            Literal::Number(n) => n.span,
            Literal::Bool(_, s) => *s,
            Literal::Duration(d) => d.span,
            Literal::Time(t) => t.span,
            Literal::Date(d) => d.span,
            Literal::Percent(p) => p.span,
        }
    }
}

/// `@allow(repeated-message, frequency-cap)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Allow {
    pub codes: Vec<Ident>,
    pub span: Span,
}

/// One parsed file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub file: FileId,
    pub items: Vec<Item>,
    /// `//` comments, in order, for the formatter.
    pub comments: Vec<Span>,
}

/// A top-level declaration with the `@allow`s written before it.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub allows: Vec<Allow>,
    pub kind: ItemKind,
    pub span: Span,
    /// The declaration has a syntax error: this is what could be read of it
    /// (its name at least), so that the name is known elsewhere and an
    /// editor keeps its context. Its `span` covers the whole declaration as
    /// written. Only the syntax error is reported inside it.
    pub recovered: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    Import(StrLit),
    Profile(Vec<FieldDecl>),
    Event(EventDecl),
    Channel(ChannelDecl),
    Segment(SegmentDecl),
    Message(MessageDecl),
    Campaign(CampaignDecl),
}

/// `name: type` in a profile or event.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    /// `text`, `number`, `bool`, `time`, or an unknown name (reported by the
    /// resolver with a did-you-mean).
    Named(Ident),
    /// `one of "a", "b"`.
    OneOf(Vec<StrLit>, Span),
    /// `list of text`, `list of one of "a", "b"`: the element type (never
    /// a list: the grammar has no lists of lists) and the whole span.
    List(Box<TypeExpr>, Span),
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(i) => i.span,
            TypeExpr::OneOf(_, s) | TypeExpr::List(_, s) => *s,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventDecl {
    pub name: Ident,
    pub fields: Vec<FieldDecl>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChannelDecl {
    pub name: Ident,
    pub props: Vec<ChannelProp>,
    /// The span of the `{ ... }` body.
    pub body_span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChannelProp {
    pub kind: ChannelPropKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChannelPropKind {
    Kind(Ident),
    Consent(Ident),
    QuietHours(TimeOfDay, TimeOfDay),
    Limit(Limit),
    Description(StrLit),
}

/// `limit 3 per 7d`.
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    pub count: Number,
    pub per: Duration,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SegmentDecl {
    pub name: Ident,
    /// Boxed: an expression is twice the size of any other declaration.
    pub expr: Box<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MessageDecl {
    pub name: Ident,
    pub props: Vec<MessageProp>,
    pub body_span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MessageProp {
    pub kind: MessagePropKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MessagePropKind {
    Channel(Ident),
    Template(StrLit),
    Subject(StrLit),
    Description(StrLit),
    Vars(Vec<Var>),
    /// `offer "black-friday-40"`: the promotion the message carries.
    Offer(StrLit),
}

/// `discount: 20` in `vars { }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Var {
    pub name: Ident,
    pub value: Literal,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CampaignDecl {
    pub name: Ident,
    pub props: Vec<CampaignProp>,
    pub body_span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CampaignProp {
    pub kind: CampaignPropKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CampaignPropKind {
    Description(StrLit),
    Trigger(Trigger),
    Audience(Expr),
    Reentry(Reentry),
    /// `goal EVENT [where EXPR]`
    Goal(Ident, Option<Expr>),
    /// `exit when EVENT [where EXPR]`
    ExitWhen(Ident, Option<Expr>),
    /// `exit unless EXPR` (repeatable)
    ExitUnless(Expr),
    Limit(Limit),
    Window(Date, Date),
    Timezone(StrLit),
    /// `quiet_hours FROM to TO` (brief v2): on top of each channel's.
    QuietHours(TimeOfDay, TimeOfDay),
    Journey(Block),
    /// `priority N` (0-100).
    Priority(Number),
}

impl CampaignPropKind {
    /// The keyword as written, for messages.
    pub fn keyword(&self) -> &'static str {
        match self {
            CampaignPropKind::Description(_) => "description",
            CampaignPropKind::Trigger(_) => "trigger",
            CampaignPropKind::Audience(_) => "audience",
            CampaignPropKind::Reentry(_) => "reentry",
            CampaignPropKind::Goal(..) => "goal",
            CampaignPropKind::ExitWhen(..) => "exit when",
            CampaignPropKind::ExitUnless(_) => "exit unless",
            CampaignPropKind::Limit(_) => "limit",
            CampaignPropKind::Window(..) => "window",
            CampaignPropKind::Timezone(_) => "timezone",
            CampaignPropKind::QuietHours(..) => "quiet_hours",
            CampaignPropKind::Journey(_) => "journey",
            CampaignPropKind::Priority(_) => "priority",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Trigger {
    /// `trigger cart_abandoned [where EXPR]`
    Event { event: Ident, filter: Option<Expr> },
    /// `trigger enters SEGMENT`
    Enters(Ident),
    /// `trigger daily at 09:00`
    Daily(TimeOfDay),
    /// `trigger weekly on mon at 09:00`
    Weekly(Weekday, Span, TimeOfDay),
    /// `trigger once at 2026-12-01 09:00`
    Once(Date, TimeOfDay),
    /// `trigger 7d before birthday at 09:00 yearly`, `trigger on renewal_date
    /// at 09:00`: a day relative to a date or time attribute.
    Date {
        /// The offset and whether it is `before` (`None`: `on`).
        offset: Option<(Duration, bool)>,
        attr: Ident,
        at: TimeOfDay,
        /// The `yearly` keyword, when written.
        yearly: Option<Span>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Reentry {
    Never,
    Always,
    After(Duration),
}

/// `{ step* }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub steps: Vec<Step>,
    pub span: Span,
}

/// A journey step with the `@allow`s written before it.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub allows: Vec<Allow>,
    pub kind: StepKind,
    /// The step with the `@allow`s written before it.
    pub span: Span,
    /// The step's header, from its keyword to the `{` of its first block
    /// (`repeat 3 times {`, `if C {`, `split {`), or the whole step when
    /// it has no block (`send m`).
    pub head: Span,
    /// Keywords and parts of the step that its kind does not hold.
    pub parts: StepParts,
}

/// Spans inside a step, for diagnostics that point at a part of it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepParts {
    /// What a `wait for` waits for: `opened m`, `clicked m`, or the event.
    pub awaited: Option<Span>,
    /// The `within` keyword of a `wait for`.
    pub within: Option<Span>,
    /// The `otherwise` keyword of a `wait for`.
    pub otherwise: Option<Span>,
    /// The `else` keyword of an `if`'s last branch.
    pub else_kw: Option<Span>,
}

pub use super::action::{Action, Parsed, SetValue};
pub use super::delay::Delay;
pub use super::step::STEP_KEYWORDS;

/// What a step is, as written (see `syntax::step`).
pub type StepKind = super::step::StepKind<Parsed>;
/// What a `wait for` waits for, as written.
pub type WaitOn = super::step::WaitOn<Parsed>;
/// `on EVENT_OR_ENGAGEMENT [where EXPR] { ... }` in a `wait for any`.
pub type AnyArm = super::step::WaitArm<Parsed>;
/// `WEIGHT [NAME] { ... }` in a `split`.
pub type SplitArm = super::step::SplitArm<Parsed>;

impl Block {
    /// Calls `f` on every step of the block, depth first, in source order.
    pub fn walk_steps<'a>(&'a self, f: &mut dyn FnMut(&'a Step)) {
        for step in &self.steps {
            f(step);
            step.kind.for_each_block(&mut |b| b.walk_steps(f));
        }
    }
}

/// A condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// One side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Path(Path),
    Literal(Literal),
}

impl Operand {
    pub fn span(&self) -> Span {
        match self {
            Operand::Path(p) => p.span,
            Operand::Literal(l) => l.span(),
        }
    }
}

/// `within D` or `since entry` after `did`.
#[derive(Clone, Debug, PartialEq)]
pub enum DidWindow {
    Within(Duration),
    SinceEntry(Span),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    /// `( e )`, kept so the formatter can keep the parentheses.
    Paren(Box<Expr>),
    Compare {
        lhs: Operand,
        op: CmpOp,
        rhs: Operand,
    },
    /// `x in [..]` / `x not in [..]`
    In {
        operand: Operand,
        negated: bool,
        list: Vec<Operand>,
    },
    /// `x is set` / `x is not set`
    IsSet {
        path: Path,
        negated: bool,
    },
    /// `list contains v`
    Contains {
        list: Operand,
        item: Operand,
    },
    /// `list is empty` / `list is not empty`
    IsEmpty {
        path: Path,
        negated: bool,
    },
    /// A name alone: a bool attribute or a segment.
    Name(Path),
    /// `true` / `false` alone.
    Bool(bool),
    Did {
        event: Ident,
        filter: Option<Box<Expr>>,
        window: Option<DidWindow>,
        at_least: Option<Number>,
    },
    Opened(Ident),
    Clicked(Ident),
    /// `received M [window] [at least N times]` /
    /// `received any [CHANNEL] [window] [at least N times]`.
    Received {
        what: Received,
        window: Option<DidWindow>,
        at_least: Option<Number>,
    },
    /// `opened any [CHANNEL] within D` / `clicked any [CHANNEL] within D`.
    EngagedAny {
        clicked: bool,
        channel: Option<Ident>,
        within: Duration,
    },
    /// `in campaign NAME`.
    InCampaign(Ident),
}

/// What a `received` counts.
#[derive(Clone, Debug, PartialEq)]
pub enum Received {
    Message(Ident),
    /// `any`, optionally on one channel; the span is the word `any`.
    Any(Option<Ident>, Span),
}
