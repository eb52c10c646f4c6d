//! The checked model: what the resolver (`crate::resolve`) produces from the
//! AST once every name is resolved and every expression typed. Later stages
//! (journey graph, lints, plans) work on this, never on raw syntax.
//!
//! Declarations live in flat vectors indexed by typed ids. Every item keeps
//! the file and span it was declared at, for diagnostics.

use std::collections::BTreeMap;

use crate::source::{FileId, Span};
pub use crate::syntax::ast::{CmpOp, Weekday};

mod journey;
pub use journey::{
    Action, Block, Delay, Resolved, SetValue, SplitArm, Step, StepKind, WaitArm, WaitOn,
};

macro_rules! id {
    ($name:ident) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}
id!(AttrId);
id!(EventId);
id!(ChannelId);
id!(SegmentId);
id!(MessageId);
id!(CampaignId);

/// A place in the sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

impl Loc {
    pub fn new(file: FileId, span: Span) -> Loc {
        Loc { file, span }
    }
}

/// `@allow(code, ...)` entries in force on an item or step, each with the
/// location of the code as written (for `unused-allow`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Allows {
    pub codes: Vec<(String, Loc)>,
}

impl Allows {
    pub fn allows(&self, code: &str) -> bool {
        self.codes.iter().any(|(c, _)| c == code)
    }
}

/// The type of a value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Text,
    Number,
    Bool,
    /// A point in time (`signed_up_at`).
    Time,
    /// A calendar day (`birthday`), compared with date literals.
    Date,
    /// One of a fixed set of strings, in declaration order.
    OneOf(Vec<String>),
    /// A list of values of a scalar or one-of type (never of lists).
    List(Box<Type>),
}

impl Type {
    pub fn describe(&self) -> String {
        match self {
            Type::Text => "text".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::Time => "time".into(),
            Type::Date => "date".into(),
            Type::List(t) => format!("list of {}", t.describe()),
            Type::OneOf(vs) => format!(
                "one of {}",
                vs.iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: Type,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub name: String,
    pub fields: Vec<Field>,
    pub loc: Loc,
}

impl Event {
    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// `limit N per D`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LimitSpec {
    pub count: u32,
    pub per_seconds: u64,
    pub loc: Loc,
}

/// Channel kinds the language knows. Messaging kinds need consent.
pub const KNOWN_CHANNEL_KINDS: &[&str] = &[
    "email",
    "sms",
    "push",
    "in_app",
    "whatsapp",
    "webhook",
    "ads",
    "direct_mail",
];

/// Kinds that reach a person directly and need consent (`missing-consent`).
pub const MESSAGING_KINDS: &[&str] = &["email", "sms", "push", "whatsapp"];

#[derive(Clone, Debug, PartialEq)]
pub struct Channel {
    pub name: String,
    /// One of [`KNOWN_CHANNEL_KINDS`].
    pub kind: String,
    pub consent: Option<AttrId>,
    /// Minutes after midnight, `from` to `to` (may wrap past midnight).
    pub quiet_hours: Option<(u32, u32)>,
    pub limits: Vec<LimitSpec>,
    pub description: Option<String>,
    pub loc: Loc,
    pub allows: Allows,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub name: String,
    pub cond: Cond,
    pub loc: Loc,
    pub allows: Allows,
}

/// A `vars` value.
#[derive(Clone, Debug, PartialEq)]
pub enum VarValue {
    Text(String),
    Number(f64),
    Bool(bool),
}

/// A resolved `{{ }}` placeholder.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceholderRef {
    /// As written: `first_name` or `order_placed.order_id`.
    pub path: String,
    pub default: Option<String>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub name: String,
    pub channel: ChannelId,
    pub template: String,
    pub subject: Option<String>,
    pub description: Option<String>,
    pub vars: BTreeMap<String, VarValue>,
    /// `offer "ID"`: the promotion it carries.
    pub offer: Option<String>,
    pub placeholders: Vec<PlaceholderRef>,
    pub loc: Loc,
    pub allows: Allows,
}

impl Message {
    /// Two messages are the same content when template and vars are equal,
    /// or when they carry the same offer, whatever their channel.
    pub fn same_content(&self, other: &Message) -> bool {
        (self.template == other.template && self.vars == other.vars)
            || self.same_offer(other).is_some()
    }

    /// The offer both carry, if they carry the same one.
    pub fn same_offer<'m>(&'m self, other: &Message) -> Option<&'m str> {
        self.offer
            .as_deref()
            .filter(|o| other.offer.as_deref() == Some(*o))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Trigger {
    Event {
        event: EventId,
        filter: Option<Cond>,
    },
    Enters(SegmentId),
    Daily {
        minutes: u32,
    },
    Weekly {
        weekday: Weekday,
        minutes: u32,
    },
    Once {
        date: chrono::NaiveDate,
        minutes: u32,
    },
    /// `trigger 7d before birthday at 09:00 yearly`: on the day of a `date`
    /// or `time` attribute (a time's day in the person's time zone) moved
    /// by `offset_days` (negative: before), at `minutes`; every year with
    /// `yearly`.
    Date {
        attr: AttrId,
        offset_days: i64,
        minutes: u32,
        yearly: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reentry {
    Never,
    Always,
    After(u64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Campaign {
    pub name: String,
    /// The campaign's name.
    pub loc: Loc,
    /// The whole declaration, from `campaign` to its closing brace (the
    /// scope of an `@allow` written before it).
    pub decl: Loc,
    pub allows: Allows,
    pub description: Option<String>,
    pub trigger: Trigger,
    pub trigger_loc: Loc,
    pub audience: Option<Cond>,
    pub reentry: Reentry,
    /// Where `reentry` is written; `None` when it is left at its default.
    pub reentry_loc: Option<Loc>,
    pub goal: Option<(EventId, Loc)>,
    /// The goal's `where`: only occurrences for which it holds convert
    /// (`EVENT.field` is the occurring event's).
    pub goal_filter: Option<Cond>,
    pub exits: Vec<(EventId, Loc)>,
    /// The `where` of the `exit when`s that have one.
    pub exit_filters: Vec<(EventId, Cond)>,
    /// `exit unless` conditions: the journey ends (exit reason
    /// `condition`) at a checkpoint where one of them is false.
    pub exit_unless: Vec<Cond>,
    pub limits: Vec<LimitSpec>,
    /// First and last day, both whole, with the location of `window`.
    pub window: Option<(chrono::NaiveDate, chrono::NaiveDate, Loc)>,
    pub timezone: Option<String>,
    /// `priority N` (0-100, default 0): at one instant, campaigns are
    /// entered highest priority first, then by name.
    pub priority: u8,
    /// The campaign's own quiet hours (minutes after midnight, `from` to
    /// `to`), on top of each channel's, with where they are written.
    pub quiet_hours: Option<(u32, u32, Loc)>,
    pub journey: Block,
}

impl Campaign {
    /// A campaign as declared before its properties are read: the defaults
    /// of every property (`reentry never`, no audience, goal, exits, limits,
    /// window or time zone) and the given trigger and journey. `loc` is the
    /// name, `decl` the whole declaration; the trigger is located at the
    /// name until one is read.
    pub fn new(
        name: String,
        loc: Loc,
        decl: Loc,
        allows: Allows,
        trigger: Trigger,
        journey: Block,
    ) -> Campaign {
        Campaign {
            name,
            loc,
            decl,
            allows,
            description: None,
            trigger,
            trigger_loc: loc,
            audience: None,
            reentry: Reentry::Never,
            reentry_loc: None,
            goal: None,
            goal_filter: None,
            exits: Vec::new(),
            exit_filters: Vec::new(),
            exit_unless: Vec::new(),
            limits: Vec::new(),
            window: None,
            timezone: None,
            priority: 0,
            quiet_hours: None,
            journey,
        }
    }

    /// The quiet periods a send on `channel` waits out: the channel's and
    /// the campaign's (a send goes out when neither holds it).
    pub fn quiet_periods(&self, channel: &Channel) -> Vec<(u32, u32)> {
        channel
            .quiet_hours
            .into_iter()
            .chain(self.quiet_hours.map(|(from, to, _)| (from, to)))
            .collect()
    }

    /// The `where` an occurrence of `event` must meet to end the journey
    /// as the goal or an exit: `None` when any occurrence does (no filter)
    /// or when `event` ends nothing (see [`Campaign::ends_on`]).
    pub fn end_filter(&self, event: EventId) -> Option<&Cond> {
        if self.goal.is_some_and(|(g, _)| g == event) {
            return self.goal_filter.as_ref();
        }
        self.exit_filters
            .iter()
            .find(|(e, _)| *e == event)
            .map(|(_, c)| c)
    }

    /// Whether occurrences of `event` can end the journey (goal or exit).
    pub fn ends_on(&self, event: EventId) -> bool {
        self.goal.is_some_and(|(g, _)| g == event) || self.exits.iter().any(|(e, _)| *e == event)
    }

    /// The trigger event, when the campaign is triggered by one.
    pub fn trigger_event(&self) -> Option<EventId> {
        match &self.trigger {
            Trigger::Event { event, .. } => Some(*event),
            _ => None,
        }
    }
}

/// What a `received` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Received {
    Message(MessageId),
    /// Any message, on one channel or any.
    Any(Option<ChannelId>),
}

impl Received {
    /// Whether a send of `m` (on `channel`) counts.
    pub fn counts(self, m: MessageId, channel: ChannelId) -> bool {
        match self {
            Received::Message(x) => x == m,
            Received::Any(None) => true,
            Received::Any(Some(c)) => c == channel,
        }
    }

    /// Whether every send `self` counts, `other` counts too.
    pub fn inside(self, other: Received, program: &Program) -> bool {
        match (self, other) {
            (_, Received::Any(None)) => true,
            (Received::Message(a), Received::Message(b)) => a == b,
            (Received::Message(a), Received::Any(Some(c))) => program.message(a).channel == c,
            (Received::Any(Some(a)), Received::Any(Some(b))) => a == b,
            _ => false,
        }
    }
}

/// A typed condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Cond {
    pub kind: CondKind,
    pub loc: Loc,
}

/// A value in a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Attr(AttrId),
    /// A field of the campaign's trigger event (fixed for the journey).
    TriggerField(EventId, usize),
    /// A field of the event being matched (`did X where X.f`, `wait for X where X.f`).
    EventField(EventId, usize),
    Const(Const),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Text(String),
    Number(f64),
    Bool(bool),
    /// Seconds (durations compared with time-valued attributes are not
    /// allowed; kept for completeness of the literal forms).
    Duration(u64),
    /// A date, as days since 1970-01-01.
    Date(i64),
    /// Minutes after midnight.
    TimeOfDay(u32),
}

#[derive(Clone, Debug, PartialEq)]
pub enum DidWindow {
    /// Ever (no window given).
    Ever,
    Within(u64),
    SinceEntry,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CondKind {
    Const(bool),
    Or(Vec<Cond>),
    And(Vec<Cond>),
    Not(Box<Cond>),
    Cmp {
        lhs: Value,
        op: CmpOp,
        rhs: Value,
    },
    In {
        value: Value,
        list: Vec<Value>,
        negated: bool,
    },
    IsSet {
        value: Value,
        negated: bool,
    },
    /// `list contains item`: false when the list is not set.
    Contains {
        list: Value,
        item: Value,
    },
    /// `list is empty` (true when it is not set) / `is not empty`.
    IsEmpty {
        value: Value,
        negated: bool,
    },
    /// A bool attribute alone.
    Attr(AttrId),
    /// A bool trigger field alone.
    Field(Value),
    Segment(SegmentId),
    Did {
        event: EventId,
        filter: Option<Box<Cond>>,
        window: DidWindow,
        at_least: u32,
    },
    Opened(MessageId),
    Clicked(MessageId),
    /// `received M|any [CHANNEL] [window] [at least N times]`: sends to the
    /// person from any campaign.
    Received {
        what: Received,
        window: DidWindow,
        at_least: u32,
    },
    /// `opened any [CHANNEL] within D` / `clicked any [CHANNEL] within D`.
    EngagedAny {
        channel: Option<ChannelId>,
        within: u64,
        clicked: bool,
    },
    /// `in campaign NAME`: the person is in a journey of that campaign.
    InCampaign(CampaignId),
}

/// Everything the checked files declare.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    pub attributes: Vec<Attribute>,
    pub events: Vec<Event>,
    pub channels: Vec<Channel>,
    pub segments: Vec<Segment>,
    pub messages: Vec<Message>,
    pub campaigns: Vec<Campaign>,
    /// Where each of these is named and every place a name is written,
    /// built by the resolver (see [`crate::symbols`]).
    pub symbols: crate::symbols::SymbolIndex,
    /// Where each journey step and split arm is written, from the parse.
    pub steps: StepSpans,
}

/// The spans of journey steps and split arms as parsed, by their location
/// (a step's location includes the `@allow` lines written before it), for
/// diagnostics that point at a step: the step without its `@allow`s, and
/// its header (`repeat 3 times {`, `if C {`, `send m`, `50% a {`).
///
/// A vector sorted by location (the resolver adds a step after what it
/// holds, then sorts once, [`StepSpans::finish`]), searched by bisection:
/// half the memory of a map. The spans only some steps have (a `wait
/// for`'s, an `if`'s `else`) are kept apart, for those steps only: a
/// 200,000-step journey's spans take 10 MB instead of 20.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepSpans {
    by_loc: Vec<(Loc, Spans)>,
    /// The spans of [`StepSpan`] past `head`, of the steps that have any.
    more: Vec<[Option<Span>; 4]>,
    /// Whether `by_loc` is sorted, with no location twice.
    sorted: bool,
}

/// A step's entry in [`StepSpans`].
#[derive(Clone, Copy, Debug, PartialEq)]
struct Spans {
    written: Span,
    head: Span,
    /// Its other spans, in `StepSpans::more` (`u32::MAX`: none).
    more: u32,
}

/// Where the parts of one step (or split arm) are written.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepSpan {
    /// The step without the `@allow`s before it.
    pub written: Span,
    /// `repeat 3 times {`, `if C {`, `send m`, `50% a {`.
    pub head: Span,
    /// What a `wait for` waits for: `opened m`, `clicked m`, the event.
    pub awaited: Option<Span>,
    /// A `wait for`'s `within D`.
    pub within: Option<Span>,
    /// A `wait for`'s `otherwise` keyword.
    pub otherwise: Option<Span>,
    /// The `else` keyword of an `if`'s last branch.
    pub else_kw: Option<Span>,
}

impl StepSpans {
    /// Adds the spans of the step (or arm) at `at` (replacing those added
    /// before at the same location); [`StepSpans::finish`] sorts them
    /// before they are read.
    pub fn insert(&mut self, at: Loc, spans: StepSpan) {
        self.sorted = match self.by_loc.last() {
            None => true,
            Some((last, _)) => self.sorted && *last < at,
        };
        let more = [spans.awaited, spans.within, spans.otherwise, spans.else_kw];
        let more = if more == [None; 4] {
            u32::MAX
        } else {
            self.more.push(more);
            (self.more.len() - 1) as u32
        };
        let (written, head) = (spans.written, spans.head);
        self.by_loc.push((
            at,
            Spans {
                written,
                head,
                more,
            },
        ));
    }

    /// Makes room for what `others` hold, before they are appended one
    /// after another.
    pub fn reserve_for<'a>(&mut self, others: impl Iterator<Item = &'a StepSpans> + Clone) {
        self.by_loc
            .reserve(others.clone().map(|o| o.by_loc.len()).sum());
        self.more.reserve(others.map(|o| o.more.len()).sum());
    }

    /// Adds what `other` holds, as [`StepSpans::insert`] would one after
    /// another.
    pub fn append(&mut self, other: StepSpans) {
        for &(at, spans) in &other.by_loc {
            self.insert(at, other.whole(spans));
        }
    }

    /// Sorts what was added by location (of a location added twice, the
    /// last spans added stay) and gives back the room left over.
    pub fn finish(&mut self) {
        if !self.sorted {
            // Reversed, then a stable sort: of equal locations the last
            // added comes first, and is the one `dedup` keeps.
            self.by_loc.reverse();
            self.by_loc.sort_by_key(|&(l, _)| l);
            self.by_loc.dedup_by_key(|&mut (l, _)| l);
            self.sorted = true;
        }
        self.by_loc.shrink_to_fit();
        self.more.shrink_to_fit();
    }

    /// The spans of the step (or arm) at `at`, if `at` is a step's.
    pub fn get(&self, at: Loc) -> Option<StepSpan> {
        self.find(at).map(|&s| self.whole(s))
    }

    /// An entry's spans with those kept apart.
    fn whole(&self, s: Spans) -> StepSpan {
        let [awaited, within, otherwise, else_kw] = match s.more {
            u32::MAX => [None; 4],
            i => self.more[i as usize],
        };
        StepSpan {
            written: s.written,
            head: s.head,
            awaited,
            within,
            otherwise,
            else_kw,
        }
    }

    fn find(&self, at: Loc) -> Option<&Spans> {
        debug_assert!(
            self.sorted || self.by_loc.is_empty(),
            "StepSpans read before finish"
        );
        let i = self.by_loc.binary_search_by_key(&at, |&(l, _)| l).ok()?;
        Some(&self.by_loc[i].1)
    }

    /// The step (or arm) at `at` without the `@allow`s before it; `at`
    /// itself for a location that is not a step's.
    pub fn written(&self, at: Loc) -> Span {
        self.find(at).map_or(at.span, |s| s.written)
    }

    /// The header of the step (or arm) at `at`; `at` itself for a
    /// location that is not a step's (a campaign's name).
    pub fn head(&self, at: Loc) -> Span {
        self.find(at).map_or(at.span, |s| s.head)
    }
}

impl Program {
    /// Gives back the room the declaration vectors grew into (they live as
    /// long as the run: 66,000 messages of a large campaign took 27 MB in a
    /// vector of room for 131,072, 14 MB without).
    pub fn shrink_to_fit(&mut self) {
        self.attributes.shrink_to_fit();
        self.events.shrink_to_fit();
        self.channels.shrink_to_fit();
        self.segments.shrink_to_fit();
        self.messages.shrink_to_fit();
        self.campaigns.shrink_to_fit();
    }

    pub fn attr(&self, id: AttrId) -> &Attribute {
        &self.attributes[id.index()]
    }
    pub fn event(&self, id: EventId) -> &Event {
        &self.events[id.index()]
    }
    pub fn channel(&self, id: ChannelId) -> &Channel {
        &self.channels[id.index()]
    }
    pub fn segment(&self, id: SegmentId) -> &Segment {
        &self.segments[id.index()]
    }
    pub fn message(&self, id: MessageId) -> &Message {
        &self.messages[id.index()]
    }
    pub fn campaign(&self, id: CampaignId) -> &Campaign {
        &self.campaigns[id.index()]
    }
    pub fn attr_by_name(&self, name: &str) -> Option<AttrId> {
        self.attributes
            .iter()
            .position(|a| a.name == name)
            .map(|i| AttrId(i as u32))
    }
    pub fn event_by_name(&self, name: &str) -> Option<EventId> {
        self.events
            .iter()
            .position(|a| a.name == name)
            .map(|i| EventId(i as u32))
    }
    pub fn message_by_name(&self, name: &str) -> Option<MessageId> {
        self.messages
            .iter()
            .position(|a| a.name == name)
            .map(|i| MessageId(i as u32))
    }
}
