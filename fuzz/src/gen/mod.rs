//! A grammar-aware generator of `.omni` files: [`Source`] is built by
//! `arbitrary` from the fuzzer's bytes and printed as text that follows
//! `grammar/omnis.pest`, so that nearly every input gets past the parser
//! and most get past name resolution (names are drawn from small pools that
//! the same file declares), reaching lowering and the lints.
//!
//! Mistakes are generated on purpose but rarely: a name from the wrong pool,
//! a misspelled one, a duplicate declaration, an unknown type or time zone,
//! weights that do not sum to 100%. Layout varies too (spaces, tabs, CRLF,
//! comments between tokens), which the `fmt` round-trip checks use.
//!
//! Nesting is bounded ([`MAX_DEPTH`]) and `repeat` counts are small, so one
//! input stays cheap: the fuzzer should spend its time on shapes, not on
//! inputs that are merely big.

mod print;

use arbitrary::Arbitrary;

use print::Printer;

/// The deepest block or expression nesting printed.
pub const MAX_DEPTH: u32 = 4;

const ATTRS: &[&str] = &[
    "first_name",
    "email",
    "plan",
    "ltv",
    "opt_in",
    "sms_opt_in",
    "seen_at",
];
const EVENTS: &[&str] = &["cart_abandoned", "order_placed", "signup", "unsubscribed"];
const FIELDS: &[&str] = &["value", "cart_id", "total", "source"];
const CHANNELS: &[&str] = &["email", "sms", "push", "ads"];
const KINDS: &[&str] = &[
    "email",
    "sms",
    "push",
    "in_app",
    "whatsapp",
    "webhook",
    "ads",
    "direct_mail",
];
const SEGMENTS: &[&str] = &["reachable", "big", "recent", "textable"];
const MESSAGES: &[&str] = &["m_hello", "m_coupon", "m_sms", "m_ad", "m_tip"];
const CAMPAIGNS: &[&str] = &["welcome", "winback", "recover"];
const STEPS: &[&str] = &["nudge", "again", "tail"];
const TYPES: &[&str] = &["text", "number", "bool", "time", "money"];
const ZONES: &[&str] = &[
    "UTC",
    "Europe/Riga",
    "America/New_York",
    "Etc/GMT+12",
    "Mars/Base",
];
const LINTS: &[&str] = &[
    "unreachable-step",
    "repeated-message",
    "missing-consent",
    "frequency-cap",
    "no-goal",
    "unused-declaration",
    "engagement-before-send",
    "instant-loop",
    "control-sends",
    "nonsense",
];
const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const UNITS: &[&str] = &["s", "m", "h", "d", "w"];
/// Names that are not declared anywhere, or are keywords.
const STRAYS: &[&str] = &["nobody", "emial", "journey", "send", "campaign", "_x9"];

/// A name: almost always from its own pool, sometimes a stray one.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct Name(u8);

impl Name {
    fn pick(self, pool: &'static [&'static str]) -> &'static str {
        let i = self.0 as usize;
        if i >= 250 {
            STRAYS[i % STRAYS.len()]
        } else {
            pool[i % pool.len()]
        }
    }
}

/// Whitespace and comments between tokens: nearly always a space.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct Gap(u8);

impl Gap {
    fn text(self) -> &'static str {
        match self.0 {
            0..=239 => " ",
            240..=243 => "\n",
            244..=245 => "\t",
            246..=247 => "\r\n",
            248 => "  // note\n",
            249 => "\n\n",
            250 => " \u{a0}",
            251 => "\u{3000}",
            252 => " // é ünïcode\n",
            253 => "\u{feff}",
            254 => "\u{2028}",
            _ => "\u{b}",
        }
    }
}

#[derive(Arbitrary, Debug)]
pub struct Source {
    pub items: Vec<Item>,
    /// Below 224 (seven times in eight), every pool name the items do not
    /// declare is declared before them, so that references resolve.
    pub complete: u8,
    /// The vocabulary is declared first, unless this says to shuffle it in.
    pub vocabulary_last: bool,
    pub line_ends: LineEnds,
    pub gap: Gap,
}

#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum LineEnds {
    Lf,
    Crlf,
    /// Everything on one line.
    Joined,
}

#[derive(Arbitrary, Debug)]
pub enum Item {
    Profile(Vec<Field>),
    Event(Name, Vec<Field>),
    Channel(Name, Vec<ChannelProp>),
    Segment(Name, Expr),
    /// A message with a channel and a template, then more properties.
    Message(Name, Name, Vec<MessageProp>),
    Campaign(Box<Campaign>),
    Import(Str),
    Allowed(Vec<Name>, Box<Item>),
    Comment(Str),
}

#[derive(Arbitrary, Debug)]
pub struct Field {
    pub name: Name,
    pub ty: Type,
}

#[derive(Arbitrary, Debug)]
pub enum Type {
    Named(Name),
    OneOf(Vec<Str>),
}

#[derive(Arbitrary, Debug)]
pub enum ChannelProp {
    Kind(Name),
    Consent(Name),
    Quiet(TimeOfDay, TimeOfDay),
    Limit(u8, Duration),
    Description(Str),
}

#[derive(Arbitrary, Debug)]
pub enum MessageProp {
    Channel(Name),
    Template(Str),
    Subject(Str),
    Description(Str),
    Vars(Vec<(Name, Literal)>),
}

#[derive(Arbitrary, Debug)]
pub struct Campaign {
    pub name: Name,
    pub props: Vec<CampaignProp>,
    pub journey: Vec<Step>,
    pub trigger: Trigger,
}

#[derive(Arbitrary, Debug)]
pub enum CampaignProp {
    Description(Str),
    Audience(Expr),
    Reentry(Reentry),
    Goal(Name),
    Exit(Name),
    Limit(u8, Duration),
    Window(Date, Date),
    Timezone(Name),
    Trigger(Trigger),
}

#[derive(Arbitrary, Debug)]
pub enum Trigger {
    Event(Name, Option<Expr>),
    Enters(Name),
    Daily(TimeOfDay),
    Weekly(u8, TimeOfDay),
    Once(Date, TimeOfDay),
}

#[derive(Arbitrary, Debug)]
pub enum Reentry {
    Never,
    Always,
    After(Duration),
}

#[derive(Arbitrary, Debug)]
pub enum Step {
    Send(Name),
    Wait(Duration),
    WaitUntil(Option<u8>, TimeOfDay),
    WaitFor {
        on: WaitOn,
        filter: Option<Expr>,
        within: Duration,
        then: Option<Vec<Step>>,
        otherwise: Option<Vec<Step>>,
    },
    If {
        cond: Expr,
        then: Vec<Step>,
        else_ifs: Vec<(Expr, Vec<Step>)>,
        otherwise: Option<Vec<Step>>,
    },
    Split(Vec<Arm>),
    Repeat(u8, Vec<Step>),
    Named(Name, Vec<Step>),
    Goto(Name),
    Exit,
    Allowed(Vec<Name>, Box<Step>),
}

#[derive(Arbitrary, Debug)]
pub enum WaitOn {
    Event(Name),
    Opened(Name),
    Clicked(Name),
}

#[derive(Arbitrary, Debug)]
pub struct Arm {
    /// In tenths of a percent: the arms of a generated split mostly sum to
    /// 100% because the last arm takes what is left (see `print_split`).
    pub weight: u16,
    pub name: Option<Name>,
    pub body: Vec<Step>,
}

#[derive(Arbitrary, Debug)]
pub enum Expr {
    Compare(Operand, CmpOp, Operand),
    IsSet(Path, bool),
    In(Path, bool, Vec<Operand>),
    Did {
        event: Name,
        filter: Option<Box<Expr>>,
        window: Option<DidWindow>,
        at_least: Option<u8>,
    },
    Opened(Name),
    Clicked(Name),
    /// A bool attribute or a segment alone.
    Bare(Path),
    Paren(Box<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

#[derive(Arbitrary, Debug)]
pub enum DidWindow {
    Within(Duration),
    SinceEntry,
}

#[derive(Arbitrary, Debug)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Arbitrary, Debug)]
pub enum Operand {
    Path(Path),
    Literal(Literal),
}

/// An attribute, a segment, or `event.field`.
#[derive(Arbitrary, Debug)]
pub struct Path {
    pub head: Name,
    pub field: Option<Name>,
    pub is_event: bool,
}

#[derive(Arbitrary, Debug)]
pub enum Literal {
    Str(Str),
    Number(i32, Option<u8>),
    Bool(bool),
    Duration(Duration),
    Time(TimeOfDay),
    Date(Date),
    Percent(u8),
}

/// A string literal's content, escaped when printed.
#[derive(Arbitrary, Debug)]
pub struct Str(pub String);

#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct Duration(pub u16, pub u8, pub Option<(u8, u8)>);

#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct TimeOfDay(pub u8, pub u8);

#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct Date(pub u16, pub u8, pub u8);

impl Source {
    /// The `.omni` text.
    pub fn to_text(&self) -> String {
        let mut p = Printer::new(self.gap);
        if self.complete < 224 {
            p.w(&prelude(&self.items));
        }
        let vocabulary = |i: &&Item| !matches!(i, Item::Campaign(_));
        let (first, second): (Vec<&Item>, Vec<&Item>) = if self.vocabulary_last {
            (self.items.iter().collect(), Vec::new())
        } else {
            self.items.iter().partition(vocabulary)
        };
        for item in first.into_iter().chain(second) {
            p.item(item);
            p.out.push('\n');
        }
        match self.line_ends {
            LineEnds::Lf => p.out,
            LineEnds::Crlf => p.out.replace('\n', "\r\n"),
            // Comments end at a newline: keep those.
            LineEnds::Joined if !p.out.contains("//") => p.out.replace('\n', " "),
            LineEnds::Joined => p.out,
        }
    }
}

/// Declarations of the pool names that `items` leave undeclared.
fn prelude(items: &[Item]) -> String {
    let mut declared: Vec<&str> = Vec::new();
    let mut attrs: Vec<&str> = Vec::new();
    for item in items {
        let mut item = item;
        while let Item::Allowed(_, inner) = item {
            item = inner;
        }
        match item {
            Item::Profile(fields) => {
                attrs.extend(fields.iter().take(8).map(|f| f.name.pick(ATTRS)))
            }
            Item::Event(n, _) => declared.push(n.pick(EVENTS)),
            Item::Channel(n, _) => declared.push(n.pick(CHANNELS)),
            Item::Segment(n, _) => declared.push(n.pick(SEGMENTS)),
            Item::Message(n, ..) => declared.push(n.pick(MESSAGES)),
            _ => {}
        }
    }
    let mut out = String::new();
    let missing = |out: &mut String, pool: &[&str], decls: &[&str]| {
        for (name, decl) in pool.iter().zip(decls) {
            if !declared.contains(name) {
                out.push_str(decl);
                out.push('\n');
            }
        }
    };
    let types = [
        "first_name: text",
        "email: text",
        "plan: one of \"free\", \"pro\"",
        "ltv: number",
        "opt_in: bool",
        "sms_opt_in: bool",
        "seen_at: time",
    ];
    let fields: Vec<&str> = ATTRS
        .iter()
        .zip(types)
        .filter(|(a, _)| !attrs.contains(a))
        .map(|(_, t)| t)
        .collect();
    if !fields.is_empty() {
        out.push_str(&format!("profile {{ {} }}\n", fields.join("  ")));
    }
    let event = |name: &str| {
        format!("event {name} {{ value: number, cart_id: text, total: number, source: text }}")
    };
    let events: Vec<String> = EVENTS.iter().map(|e| event(e)).collect();
    let events: Vec<&str> = events.iter().map(String::as_str).collect();
    missing(&mut out, EVENTS, &events);
    missing(
        &mut out,
        CHANNELS,
        &[
            "channel email { consent opt_in }",
            "channel sms { consent sms_opt_in  limit 1 per 1d }",
            "channel push { consent opt_in }",
            "channel ads { kind ads }",
        ],
    );
    missing(
        &mut out,
        SEGMENTS,
        &[
            "segment reachable = opt_in and email is set",
            "segment big = ltv >= 500",
            "segment recent = did order_placed within 30d",
            "segment textable = sms_opt_in",
        ],
    );
    missing(
        &mut out,
        MESSAGES,
        &[
            "message m_hello { channel email  template \"hello\"  subject \"Hi {{ first_name }}\" }",
            "message m_coupon { channel email  template \"coupon\"  vars { discount: 20 } }",
            "message m_sms { channel sms  template \"sms\" }",
            "message m_ad { channel ads  template \"ad\" }",
            "message m_tip { channel push  template \"tip\" }",
        ],
    );
    out
}
