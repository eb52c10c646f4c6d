//! Soundness of `omnis check` against real executions.
//!
//! Random small campaigns are generated as `.omni` source text over a fixed
//! vocabulary (a profile with bool, number and one-of attributes, four
//! events, three channels with random quiet hours and limits, four to six
//! messages of which some share their content, and a random journey with
//! sends, waits, `wait until`, `wait for` an event or engagement, `wait
//! for any` of several (events with filters, opens, clicks), `if` /
//! `else if` / `else`, splits with a 0% arm now and then, `repeat`, named
//! steps and `goto`s, `exit`, `set` and `unset` of the attributes the
//! conditions read; a random trigger, audience, goal, `exit when`,
//! `reentry`, campaign `limit`, window and time zone; the goal and the exit
//! now and then with a `where`, and up to two `exit unless`). Each is
//! checked with `driver::analyze`, its plan emitted and run by the reference
//! runner (`omnis::simulate`, traced) for a random population: people from
//! `generate_people`, and people of our own whose opens and clicks are
//! placed just after the messages a first run sent them, so that engagement
//! branches are taken.
//!
//! What `check` promises, checked against every timeline (the trace says
//! which send node each send or skip came from):
//! 1. `repeated-message`: nobody is sent the same content (template and
//!    vars) twice within one journey, except by a send `check` reports, or
//!    by a resend to non-openers that `check` leaves alone
//!    (`resends_to_unengaged`) to a person who had not both opened and
//!    clicked that content when the step before it ran;
//! 2. `unreachable-step`: no node the findings make unreachable is ever
//!    executed (a finding is mapped to its step by its span; every step the
//!    entry reaches only through such steps is unreachable too);
//! 3. `frequency-cap`: the runner never skips a send for a campaign or
//!    channel limit because of the sends of the same journey, except a send
//!    `check` reports (with `reentry`, the sends of an earlier journey can
//!    make it skip: that is the limit doing its job across journeys, which
//!    the lint is not about);
//! 4. `instant-loop`: the runner never stops a journey for going round a
//!    loop with no time passing.
//!
//! And where the analyses are exact (a journey with one execution: no
//! conditions, splits or `wait for`, no `goto` into a `repeat` body; no
//! audience, `exit unless` or trigger filter; no window): when `check` reports
//! `repeated-message`, a person with every consent who enters once does get
//! some content twice; when it reports `frequency-cap` (and no quiet hours
//! or `wait until` stretch the waits), such a person has a send skipped for
//! a limit.
//!
//! Environment: `OMNIS_SOUNDNESS_CASES` sets the number of cases (default
//! 256; a few seconds), `OMNIS_SOUNDNESS_SEED` fixes the random seed;
//! `OMNIS_SOUNDNESS_SLOW=1` prints cases that take over a second and
//! `OMNIS_SOUNDNESS_CURRENT=FILE` writes each case's source there before
//! running it (to find one that hangs). A failure prints the campaign, what
//! `check` said, the person's inputs and timeline and the last nodes
//! executed, and is saved in `tests/soundness.proptest-regressions`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use petgraph::visit::EdgeRef;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestCaseError, TestRunner};

use omnis::codes::Code;
use omnis::driver::{analyze, Analysis, Options};
use omnis::graph::NodeKind;
use omnis::model::CampaignId;
use omnis::plan::{emit::emit, time, Plan};
use omnis::simulate::{
    generate_people, ExitReason, Input, Person, PersonScenario, Scenario, Simulator, SkipReason,
    Timeline, Value, What,
};

// ---------------------------------------------------------------------------
// The vocabulary

const WAITS: [&str; 7] = ["0s", "5m", "1h", "6h", "1d", "3d", "2w"];
const WAIT_SECS: [u64; 7] = [0, 300, 3_600, 21_600, 86_400, 259_200, 1_209_600];
const UNTILS: [&str; 3] = ["09:00", "21:30", "mon 09:00"];
const WITHINS: [&str; 3] = ["1h", "1d", "3d"];
const WITHIN_SECS: [u64; 3] = [3_600, 86_400, 259_200];
const PERS: [&str; 3] = ["1h", "1d", "7d"];
const NUMS: [i64; 4] = [0, 20, 50, 100];
const OPS: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];
const TIERS: [&str; 3] = ["free", "pro", "gold"];
/// `set` and `unset` steps: attributes the conditions read, consent
/// included (a write the later conditions must see, and only until time
/// passes).
const SETS: [&str; 10] = [
    "set vip = true",
    "set vip = false",
    "set score = 20",
    "set score = 100",
    "set tier = \"pro\"",
    "set tier = \"free\"",
    "unset tier",
    "unset score",
    "set email_opt_in = false",
    "set sms_opt_in = true",
];
/// Events: the trigger, the goal, another one, the exit.
const EVENTS: [&str; 4] = ["cart", "purchase", "browse", "unsub"];
const CHANNELS: [&str; 3] = ["email", "sms", "ads"];
const SEGMENTS: [&str; 3] = ["big", "reachable", "recent"];
/// Split weights by number of arms.
const SPLIT2: [[u32; 2]; 5] = [[50, 50], [0, 100], [100, 0], [30, 70], [1, 99]];
const SPLIT3: [[u32; 3]; 5] = [
    [40, 40, 20],
    [0, 50, 50],
    [33, 33, 34],
    [0, 0, 100],
    [10, 0, 90],
];

#[derive(Clone, Debug)]
struct Msg {
    channel: usize,
    template: usize,
    var: Option<u8>,
}

#[derive(Clone, Debug)]
struct Chan {
    quiet: bool,
    limit: Option<(u32, usize)>,
}

#[derive(Clone, Debug)]
enum Cond {
    Vip,
    Consent(usize),
    Score(usize, usize),
    Tier(bool, usize),
    TierIn(u8, bool),
    IsSet(usize, bool),
    Segment(usize),
    /// `cart.value OP K` (`score` when the trigger is not `cart`).
    TriggerValue(usize, usize),
    DidSince(usize),
    DidWithin(usize, usize, bool),
    /// `did cart|purchase where FIELD OP K [since entry]`.
    DidWhere(bool, usize, usize, bool),
    /// `score OP cart.value` (`score OP 50` when the trigger is not `cart`).
    ScoreVsTrigger(usize),
    Engaged(bool, usize),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

#[derive(Clone, Debug)]
enum S {
    Send(usize),
    Wait(usize),
    WaitUntil(usize),
    WaitForEvent {
        event: usize,
        filter: Option<(usize, usize)>,
        within: usize,
        then: Option<Vec<S>>,
        otherwise: Option<Vec<S>>,
    },
    WaitForEngaged {
        clicked: bool,
        msg: usize,
        within: usize,
        then: Option<Vec<S>>,
        otherwise: Option<Vec<S>>,
    },
    /// `wait for any within W { on ... { } ... } [otherwise { }]`.
    WaitAny {
        arms: Vec<(ArmOn, Vec<S>)>,
        within: usize,
        otherwise: Option<Vec<S>>,
    },
    If {
        arms: Vec<(Cond, Vec<S>)>,
        otherwise: Option<Vec<S>>,
    },
    Split {
        pattern: usize,
        named: bool,
        arms: Vec<Vec<S>>,
    },
    Repeat(u32, Vec<S>),
    Named(Vec<S>),
    /// A `goto` to some named step (by index among them, modulo their
    /// number); when it jumps back and the flag is set, a `wait 6h` comes
    /// first.
    Goto(usize, bool),
    Exit,
    /// One of `SETS`.
    Set(usize),
}

/// What an `on` of a `wait for any` waits for.
#[derive(Clone, Debug)]
enum ArmOn {
    /// An event (index into `EVENTS`) with a filter now and then.
    Event(usize, Option<(usize, usize)>),
    /// `clicked` (true) or `opened` a message.
    Engaged(bool, usize),
}

#[derive(Clone, Debug)]
enum Trig {
    Cart(Option<(usize, usize)>),
    EntersBig,
    Daily,
    Weekly,
    Once,
}

#[derive(Clone, Debug)]
struct Camp {
    msgs: Vec<Msg>,
    chans: Vec<Chan>,
    trigger: Trig,
    audience: Option<Cond>,
    reentry: usize,
    goal: bool,
    /// `goal purchase where purchase.total OP K`.
    goal_filter: Option<(usize, usize)>,
    exit_when: bool,
    /// `exit when unsub where unsub.reason != "spam"`.
    exit_filter: bool,
    /// `exit unless COND`, zero to two of them.
    exit_unless: Vec<Cond>,
    limit: Option<(u32, usize)>,
    window: Option<u32>,
    /// The campaign's `timezone`: none, or an index into `ZONES`.
    zone: Option<usize>,
    /// Whether the profile has a `timezone` attribute (each person's own).
    tz_attr: bool,
    journey: Vec<S>,
}

// ---------------------------------------------------------------------------
// Strategies

fn cond() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        2 => Just(Cond::Vip),
        1 => (0..2usize).prop_map(Cond::Consent),
        3 => (0..6usize, 0..4usize).prop_map(|(o, k)| Cond::Score(o, k)),
        2 => (any::<bool>(), 0..3usize).prop_map(|(eq, v)| Cond::Tier(eq, v)),
        1 => (1..8u8, any::<bool>()).prop_map(|(m, n)| Cond::TierIn(m, n)),
        1 => (0..3usize, any::<bool>()).prop_map(|(a, n)| Cond::IsSet(a, n)),
        2 => (0..3usize).prop_map(Cond::Segment),
        2 => (0..6usize, 0..4usize).prop_map(|(o, k)| Cond::TriggerValue(o, k)),
        1 => (0..4usize).prop_map(Cond::DidSince),
        1 => (0..4usize, 0..3usize, any::<bool>()).prop_map(|(e, w, t)| Cond::DidWithin(e, w, t)),
        1 => (any::<bool>(), 0..6usize, 0..4usize, any::<bool>())
            .prop_map(|(p, o, k, since)| Cond::DidWhere(p, o, k, since)),
        1 => (0..6usize).prop_map(Cond::ScoreVsTrigger),
        2 => (any::<bool>(), 0..6usize).prop_map(|(c, m)| Cond::Engaged(c, m)),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn leaf() -> impl Strategy<Value = S> {
    prop_oneof![
        8 => (0..6usize).prop_map(S::Send),
        5 => (0..WAITS.len()).prop_map(S::Wait),
        1 => (0..UNTILS.len()).prop_map(S::WaitUntil),
        2 => (0..8usize, prop::bool::weighted(0.85)).prop_map(|(k, w)| S::Goto(k, w)),
        1 => Just(S::Exit),
        2 => (0..SETS.len()).prop_map(S::Set),
    ]
}

fn steps() -> impl Strategy<Value = Vec<S>> {
    let tree = leaf().prop_recursive(3, 24, 4, |inner| {
        let block = prop::collection::vec(inner, 0..4);
        let opt = prop::option::weighted(0.7, block.clone());
        prop_oneof![
            2 => (
                0..4usize,
                prop::option::weighted(0.3, (0..6usize, 0..4usize)),
                0..3usize,
                opt.clone(),
                opt.clone()
            )
                .prop_map(|(event, filter, within, then, otherwise)| S::WaitForEvent {
                    event,
                    filter,
                    within,
                    then,
                    otherwise
                }),
            2 => (any::<bool>(), 0..6usize, 0..3usize, opt.clone(), opt.clone()).prop_map(
                |(clicked, msg, within, then, otherwise)| S::WaitForEngaged {
                    clicked,
                    msg,
                    within,
                    then,
                    otherwise
                }
            ),
            2 => (
                prop::collection::vec(
                    (
                        prop_oneof![
                            (0..4usize, prop::option::weighted(0.3, (0..6usize, 0..4usize)))
                                .prop_map(|(e, f)| ArmOn::Event(e, f)),
                            (any::<bool>(), 0..6usize).prop_map(|(c, m)| ArmOn::Engaged(c, m)),
                        ],
                        block.clone()
                    ),
                    1..4
                ),
                0..3usize,
                opt.clone()
            )
                .prop_map(|(arms, within, otherwise)| S::WaitAny {
                    arms,
                    within,
                    otherwise
                }),
            3 => (prop::collection::vec((cond(), block.clone()), 1..3), opt)
                .prop_map(|(arms, otherwise)| S::If { arms, otherwise }),
            2 => (0..5usize, any::<bool>(), prop::collection::vec(block.clone(), 2..4))
                .prop_map(|(pattern, named, arms)| S::Split {
                    pattern,
                    named,
                    arms
                }),
            2 => (1..4u32, block.clone()).prop_map(|(n, b)| S::Repeat(n, b)),
            2 => block.prop_map(S::Named),
        ]
    });
    prop::collection::vec(tree, 1..7)
}

/// Journeys with one execution: sends, waits, `repeat`, named steps,
/// `goto`, `exit`.
fn simple_steps() -> impl Strategy<Value = Vec<S>> {
    let tree = leaf().prop_recursive(3, 16, 4, |inner| {
        let block = prop::collection::vec(inner, 0..4);
        prop_oneof![
            (1..4u32, block.clone()).prop_map(|(n, b)| S::Repeat(n, b)),
            block.prop_map(S::Named),
        ]
    });
    prop::collection::vec(tree, 1..7)
}

fn campaign() -> impl Strategy<Value = Camp> {
    let msg =
        (0..3usize, 0..3usize, prop::option::of(0..2u8)).prop_map(|(channel, template, var)| Msg {
            channel,
            template,
            var,
        });
    let limit = prop::option::weighted(0.3, (1..4u32, 0..3usize));
    let chan =
        (prop::bool::weighted(0.3), limit.clone()).prop_map(|(quiet, limit)| Chan { quiet, limit });
    let trig = prop_oneof![
        7 => prop::option::weighted(0.3, (0..6usize, 0..4usize)).prop_map(Trig::Cart),
        1 => Just(Trig::EntersBig),
        1 => Just(Trig::Daily),
        1 => Just(Trig::Weekly),
        1 => Just(Trig::Once),
    ];
    (
        (
            prop::collection::vec(msg, 4..7),
            prop::collection::vec(chan, 3),
            trig,
            prop::option::weighted(0.3, cond()),
            0..3usize,
            prop::bool::weighted(0.6),
            prop::bool::weighted(0.4),
        ),
        (
            limit,
            prop::option::weighted(0.2, 0..5u32),
            prop::option::weighted(0.2, 0..ZONES.len()),
            prop::bool::weighted(0.2),
            prop_oneof![3 => steps(), 1 => simple_steps()],
        ),
        (
            prop::option::weighted(0.3, (0..6usize, 0..4usize)),
            prop::bool::weighted(0.3),
            prop::collection::vec(cond(), 0..3),
        ),
    )
        .prop_map(
            |(
                (msgs, chans, trigger, audience, reentry, goal, exit_when),
                (limit, window, zone, tz_attr, journey),
                (goal_filter, exit_filter, exit_unless),
            )| {
                Camp {
                    msgs,
                    chans,
                    trigger,
                    audience,
                    reentry,
                    goal,
                    goal_filter,
                    exit_when,
                    exit_filter,
                    exit_unless,
                    limit,
                    window,
                    zone,
                    tz_attr,
                    journey,
                }
            },
        )
}

// ---------------------------------------------------------------------------
// Rendering

struct Render<'c> {
    c: &'c Camp,
    out: String,
    /// Named steps in pre-order: `l0`, `l1`, ...
    names: usize,
    /// How many named steps have been opened so far.
    opened: usize,
}

fn count_named(steps: &[S]) -> usize {
    steps
        .iter()
        .map(|s| {
            let subs = sub_blocks(s);
            usize::from(matches!(s, S::Named(_)))
                + subs.iter().map(|b| count_named(b)).sum::<usize>()
        })
        .sum()
}

fn sub_blocks(s: &S) -> Vec<&Vec<S>> {
    match s {
        S::WaitForEvent {
            then, otherwise, ..
        }
        | S::WaitForEngaged {
            then, otherwise, ..
        } => then.iter().chain(otherwise.iter()).collect(),
        S::If { arms, otherwise } => arms
            .iter()
            .map(|(_, b)| b)
            .chain(otherwise.iter())
            .collect(),
        S::WaitAny {
            arms, otherwise, ..
        } => arms
            .iter()
            .map(|(_, b)| b)
            .chain(otherwise.iter())
            .collect(),
        S::Split { arms, .. } => arms.iter().collect(),
        S::Repeat(_, b) | S::Named(b) => vec![b],
        _ => Vec::new(),
    }
}

impl Render<'_> {
    fn msg_name(&self, m: usize) -> String {
        format!("m{}", m % self.c.msgs.len())
    }

    fn cart_trigger(&self) -> bool {
        matches!(self.c.trigger, Trig::Cart(_))
    }

    fn cond(&self, c: &Cond) -> String {
        match c {
            Cond::Vip => "vip".into(),
            Cond::Consent(i) => ["email_opt_in", "sms_opt_in"][*i].into(),
            Cond::Score(o, k) => format!("score {} {}", OPS[*o], NUMS[*k]),
            Cond::Tier(eq, v) => {
                format!("tier {} \"{}\"", if *eq { "==" } else { "!=" }, TIERS[*v])
            }
            Cond::TierIn(mask, neg) => {
                let list: Vec<String> = (0..3)
                    .filter(|i| mask >> i & 1 == 1)
                    .map(|i| format!("\"{}\"", TIERS[i]))
                    .collect();
                format!(
                    "tier {}in [{}]",
                    if *neg { "not " } else { "" },
                    list.join(", ")
                )
            }
            Cond::IsSet(a, neg) => format!(
                "{} is {}set",
                ["vip", "score", "tier"][*a],
                if *neg { "not " } else { "" }
            ),
            Cond::Segment(i) => SEGMENTS[*i].into(),
            Cond::TriggerValue(o, k) => {
                let lhs = if self.cart_trigger() {
                    "cart.value"
                } else {
                    "score"
                };
                format!("{lhs} {} {}", OPS[*o], NUMS[*k])
            }
            Cond::DidSince(e) => format!("did {} since entry", EVENTS[*e]),
            Cond::DidWithin(e, w, twice) => format!(
                "did {} within {}{}",
                EVENTS[*e],
                WITHINS[*w],
                if *twice { " at least 2 times" } else { "" }
            ),
            Cond::DidWhere(purchase, o, k, since) => {
                let (e, field) = if *purchase {
                    ("purchase", "total")
                } else {
                    ("cart", "value")
                };
                format!(
                    "did {e} where {e}.{field} {} {}{}",
                    OPS[*o],
                    NUMS[*k],
                    if *since { " since entry" } else { "" }
                )
            }
            Cond::ScoreVsTrigger(o) => {
                if self.cart_trigger() {
                    format!("score {} cart.value", OPS[*o])
                } else {
                    format!("score {} 50", OPS[*o])
                }
            }
            Cond::Engaged(clicked, m) => format!(
                "{} {}",
                if *clicked { "clicked" } else { "opened" },
                self.msg_name(*m)
            ),
            Cond::Not(c) => format!("not ({})", self.cond(c)),
            Cond::And(a, b) => format!("({}) and ({})", self.cond(a), self.cond(b)),
            Cond::Or(a, b) => format!("({}) or ({})", self.cond(a), self.cond(b)),
        }
    }

    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth + 2 {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn block(&mut self, depth: usize, steps: &[S]) {
        for s in steps {
            self.step(depth, s);
        }
    }

    fn step(&mut self, d: usize, s: &S) {
        match s {
            S::Send(m) => {
                let m = self.msg_name(*m);
                self.line(d, &format!("send {m}"));
            }
            S::Wait(i) => self.line(d, &format!("wait {}", WAITS[*i])),
            S::WaitUntil(i) => self.line(d, &format!("wait until {}", UNTILS[*i])),
            S::WaitForEvent {
                event,
                filter,
                within,
                then,
                otherwise,
            } => {
                let e = EVENTS[*event];
                let filter = event_filter(*event, filter);
                let head = format!("wait for {e}{filter} within {}", WITHINS[*within]);
                self.wait_for(d, head, then, otherwise);
            }
            S::WaitAny {
                arms,
                within,
                otherwise,
            } => {
                self.line(d, &format!("wait for any within {} {{", WITHINS[*within]));
                for (on, b) in arms {
                    let on = match on {
                        ArmOn::Event(e, f) => format!("{}{}", EVENTS[*e], event_filter(*e, f)),
                        ArmOn::Engaged(c, m) => {
                            format!(
                                "{} {}",
                                if *c { "clicked" } else { "opened" },
                                self.msg_name(*m)
                            )
                        }
                    };
                    self.line(d + 1, &format!("on {on} {{"));
                    self.block(d + 2, b);
                    self.line(d + 1, "}");
                }
                match otherwise {
                    Some(o) => {
                        self.line(d, "} otherwise {");
                        self.block(d + 1, o);
                        self.line(d, "}");
                    }
                    None => self.line(d, "}"),
                }
            }
            S::WaitForEngaged {
                clicked,
                msg,
                within,
                then,
                otherwise,
            } => {
                let head = format!(
                    "wait for {} {} within {}",
                    if *clicked { "clicked" } else { "opened" },
                    self.msg_name(*msg),
                    WITHINS[*within]
                );
                self.wait_for(d, head, then, otherwise);
            }
            S::If { arms, otherwise } => {
                for (i, (c, b)) in arms.iter().enumerate() {
                    let c = self.cond(c);
                    if i == 0 {
                        self.line(d, &format!("if {c} {{"));
                    } else {
                        self.line(d, &format!("}} else if {c} {{"));
                    }
                    self.block(d + 1, b);
                }
                if let Some(b) = otherwise {
                    self.line(d, "} else {");
                    self.block(d + 1, b);
                }
                self.line(d, "}");
            }
            S::Split {
                pattern,
                named,
                arms,
            } => {
                let weights: Vec<u32> = if arms.len() == 2 {
                    SPLIT2[*pattern].to_vec()
                } else {
                    SPLIT3[*pattern].to_vec()
                };
                self.line(d, "split {");
                for (i, (w, b)) in weights.iter().zip(arms).enumerate() {
                    let name = if *named {
                        format!(" {}", ["a", "b", "holdout"][i])
                    } else {
                        String::new()
                    };
                    self.line(d + 1, &format!("{w}%{name} {{"));
                    self.block(d + 2, b);
                    self.line(d + 1, "}");
                }
                self.line(d, "}");
            }
            S::Repeat(n, b) => {
                self.line(d, &format!("repeat {n} times {{"));
                self.block(d + 1, b);
                self.line(d, "}");
            }
            S::Named(b) => {
                let name = format!("l{}", self.opened);
                self.opened += 1;
                self.line(d, &format!("step {name} {{"));
                self.block(d + 1, b);
                self.line(d, "}");
            }
            S::Goto(k, wait) => {
                if self.names == 0 {
                    self.line(d, "wait 1h");
                    return;
                }
                let target = k % self.names;
                if target < self.opened && *wait {
                    self.line(d, "wait 6h");
                }
                self.line(d, &format!("goto l{target}"));
            }
            S::Exit => self.line(d, "exit"),
            S::Set(i) => self.line(d, SETS[*i]),
        }
    }

    fn wait_for(&mut self, d: usize, head: String, then: &Option<Vec<S>>, other: &Option<Vec<S>>) {
        match (then, other) {
            (None, None) => self.line(d, &head),
            (Some(t), None) => {
                self.line(d, &format!("{head} {{"));
                self.block(d + 1, t);
                self.line(d, "}");
            }
            (None, Some(o)) => {
                self.line(d, &format!("{head} otherwise {{"));
                self.block(d + 1, o);
                self.line(d, "}");
            }
            (Some(t), Some(o)) => {
                self.line(d, &format!("{head} {{"));
                self.block(d + 1, t);
                self.line(d, "} otherwise {");
                self.block(d + 1, o);
                self.line(d, "}");
            }
        }
    }
}

/// The `where` of a `wait for` or an `on` of event `event`, if any.
fn event_filter(event: usize, filter: &Option<(usize, usize)>) -> String {
    match filter {
        None => String::new(),
        Some((o, k)) => match event {
            0 => format!(" where cart.value {} {}", OPS[*o], NUMS[*k]),
            1 => format!(" where purchase.total {} {}", OPS[*o], NUMS[*k]),
            2 => format!(" where browse.page == \"{}\"", ["home", "cart"][*o % 2]),
            _ => format!(" where unsub.reason != \"{}\"", ["spam", "other"][*o % 2]),
        },
    }
}

/// Time zones of campaigns and people (the extremes too: UTC+14, UTC-11).
const ZONES: [&str; 5] = [
    "Europe/Riga",
    "America/New_York",
    "Asia/Tokyo",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
];

const PRELUDE: &str = r#"profile {
  vip: bool
  email_opt_in: bool
  sms_opt_in: bool
  score: number
  tier: one of "free", "pro", "gold"
}

event cart { value: number }
event purchase { total: number }
event browse { page: text }
event unsub { reason: text }

segment big = score >= 50
segment reachable = email_opt_in or sms_opt_in
segment recent = did purchase within 7d
"#;

fn render(c: &Camp) -> String {
    let mut s = String::from(PRELUDE);
    if c.tz_attr {
        s.push_str("profile { timezone: text }\n");
    }
    s.push('\n');
    for (i, ch) in c.chans.iter().enumerate() {
        let mut props = Vec::new();
        match i {
            0 => props.push("consent email_opt_in".to_string()),
            1 => props.push("consent sms_opt_in".to_string()),
            _ => props.push("kind ads".to_string()),
        }
        if ch.quiet {
            props.push(
                [
                    "quiet_hours 21:00 to 08:00",
                    "quiet_hours 20:00 to 09:00",
                    "quiet_hours 23:00 to 06:00",
                ][i]
                    .into(),
            );
        }
        if let Some((n, per)) = ch.limit {
            props.push(format!("limit {n} per {}", PERS[per]));
        }
        let _ = writeln!(s, "channel {} {{ {} }}", CHANNELS[i], props.join("  "));
    }
    s.push('\n');
    for (i, m) in c.msgs.iter().enumerate() {
        let vars = match m.var {
            Some(v) => format!("  vars {{ n: {v} }}"),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "message m{i} {{ channel {}  template \"t{}\"{vars} }}",
            CHANNELS[m.channel], m.template
        );
    }
    s.push('\n');
    let mut r = Render {
        c,
        out: String::new(),
        names: count_named(&c.journey),
        opened: 0,
    };
    let _ = writeln!(s, "campaign c {{");
    let trigger = match &c.trigger {
        Trig::Cart(None) => "trigger cart".to_string(),
        Trig::Cart(Some((o, k))) => {
            format!("trigger cart where cart.value {} {}", OPS[*o], NUMS[*k])
        }
        Trig::EntersBig => "trigger enters big".to_string(),
        Trig::Daily => "trigger daily at 09:00".to_string(),
        Trig::Weekly => "trigger weekly on sat at 23:30".to_string(),
        Trig::Once => "trigger once at 2026-11-21 09:00".to_string(),
    };
    let _ = writeln!(s, "  {trigger}");
    if let Some(a) = &c.audience {
        let _ = writeln!(s, "  audience {}", r.cond(a));
    }
    let _ = writeln!(
        s,
        "  reentry {}",
        ["never", "always", "after 1d"][c.reentry]
    );
    if c.goal {
        let filter = match c.goal_filter {
            Some((o, k)) => format!(" where purchase.total {} {}", OPS[o], NUMS[k]),
            None => String::new(),
        };
        let _ = writeln!(s, "  goal purchase{filter}");
    }
    if c.exit_when {
        let filter = if c.exit_filter {
            " where unsub.reason != \"spam\""
        } else {
            ""
        };
        let _ = writeln!(s, "  exit when unsub{filter}");
    }
    for u in &c.exit_unless {
        let _ = writeln!(s, "  exit unless {}", r.cond(u));
    }
    if let Some((n, per)) = c.limit {
        let _ = writeln!(s, "  limit {n} per {}", PERS[per]);
    }
    if let Some(len) = c.window {
        let _ = writeln!(s, "  window 2026-11-20 to 2026-11-{}", 20 + len);
    }
    if let Some(z) = c.zone {
        let _ = writeln!(s, "  timezone \"{}\"", ZONES[z]);
    }
    let _ = writeln!(s, "  journey {{");
    r.block(0, &c.journey);
    s.push_str(&r.out);
    s.push_str("  }\n}\n");
    s
}

// ---------------------------------------------------------------------------
// Checking

/// What `check` said about the campaign.
struct Findings {
    repeated: bool,
    freq: bool,
    /// The send nodes with a `repeated-message` or `frequency-cap` finding.
    repeated_at: BTreeSet<String>,
    /// The send nodes `repeated-message` leaves alone as resends to people
    /// who did not open or click the content.
    resends: BTreeSet<String>,
    freq_at: BTreeSet<String>,
    /// Node ids no execution may execute.
    unreachable: BTreeSet<String>,
    /// The message of each send node, by id.
    send_nodes: HashMap<String, String>,
    /// The ids of the plan's nodes (the trace's indices), once emitted.
    plan_ids: Vec<String>,
    /// The diagnostics, one line each (for failure messages).
    text: String,
}

fn findings(a: &Analysis) -> Findings {
    let journey = &a.journeys[0];
    let g = &journey.graph;
    let mut heads = HashSet::new();
    let mut repeated_at = BTreeSet::new();
    let mut freq_at = BTreeSet::new();
    let mut text = String::new();
    for d in &a.diagnostics {
        let lc = a.sources.get(d.file).line_col(d.span.start as usize);
        let _ = writeln!(
            text,
            "  {}:{} {}: {}",
            lc.line, lc.column, d.code, d.message
        );
        // The step a finding is at: its span starts where the step does.
        let at: Vec<_> = g
            .node_indices()
            .filter(|&n| g[n].kind.is_step() && g[n].loc.span.start == d.span.start)
            .collect();
        let ids = at.iter().map(|&n| g[n].id.clone());
        match d.code {
            Code::UnreachableStep => {
                assert!(!at.is_empty(), "no step at an unreachable-step finding");
                heads.extend(at);
            }
            Code::RepeatedMessage => repeated_at.extend(ids),
            Code::FrequencyCap => freq_at.extend(ids),
            _ => {}
        }
    }
    // Everything the entry reaches only through the findings' steps.
    let mut seen = vec![false; g.node_count()];
    let mut stack = vec![journey.entry];
    seen[journey.entry.index()] = true;
    while let Some(v) = stack.pop() {
        for e in g.edges(v) {
            let w = e.target();
            if !seen[w.index()] && !heads.contains(&w) {
                seen[w.index()] = true;
                stack.push(w);
            }
        }
    }
    let unreachable = g
        .node_indices()
        .filter(|&n| g[n].kind.is_step() && !seen[n.index()])
        .map(|n| g[n].id.clone())
        .collect();
    let send_nodes = g
        .node_indices()
        .filter_map(|n| match g[n].kind {
            NodeKind::Send(m) => Some((g[n].id.clone(), a.program.message(m).name.clone())),
            _ => None,
        })
        .collect();
    let cx = omnis::lints::LintContext::new(&a.program, &a.journeys, &a.sources, &a.roots);
    let content = omnis::analysis::content::content_classes(&a.program);
    let resend =
        omnis::analysis::content::resends_to_unengaged(journey, cx.reach(journey), &content);
    let resends = g
        .node_indices()
        .filter(|n| resend[n.index()])
        .map(|n| g[n].id.clone())
        .collect();
    let has = |code: Code| a.diagnostics.iter().any(|d| d.code == code);
    Findings {
        resends,
        repeated: has(Code::RepeatedMessage),
        freq: has(Code::FrequencyCap),
        repeated_at,
        freq_at,
        unreachable,
        send_nodes,
        plan_ids: Vec::new(),
        text,
    }
}

/// Content class of each message: template and vars.
fn contents(plan: &Plan) -> HashMap<String, String> {
    plan.messages
        .iter()
        .map(|(name, m)| {
            (
                name.clone(),
                format!("{} {}", m.template, serde_json::to_string(&m.vars).unwrap()),
            )
        })
        .collect()
}

struct Stats {
    cases: AtomicUsize,
    valid: AtomicUsize,
    people: AtomicUsize,
    entries: AtomicUsize,
    sends: AtomicUsize,
    repeats: AtomicUsize,
    limit_skips: AtomicUsize,
    limit_skips_across: AtomicUsize,
    with_repeated: AtomicUsize,
    with_freq: AtomicUsize,
    with_unreachable: AtomicUsize,
    exact_repeated: AtomicUsize,
    exact_freq: AtomicUsize,
}

static STATS: Stats = Stats {
    cases: AtomicUsize::new(0),
    valid: AtomicUsize::new(0),
    people: AtomicUsize::new(0),
    entries: AtomicUsize::new(0),
    sends: AtomicUsize::new(0),
    repeats: AtomicUsize::new(0),
    limit_skips: AtomicUsize::new(0),
    limit_skips_across: AtomicUsize::new(0),
    with_repeated: AtomicUsize::new(0),
    with_freq: AtomicUsize::new(0),
    with_unreachable: AtomicUsize::new(0),
    exact_repeated: AtomicUsize::new(0),
    exact_freq: AtomicUsize::new(0),
};

fn bump(a: &AtomicUsize, n: usize) {
    a.fetch_add(n, Ordering::Relaxed);
}

/// The send node behind each send or skip of a timeline. The trace holds
/// every send node executed, in order; one delayed by quiet hours has no
/// entry at that instant (it goes out later, and the journey does nothing
/// else meanwhile).
fn send_nodes_of<'t>(f: &'t Findings, t: &Timeline) -> Vec<Option<&'t str>> {
    let mut node_of = vec![None; t.entries.len()];
    let mut k = 0;
    for (at, i) in &t.trace {
        let id = &f.plan_ids[*i];
        let Some(m) = f.send_nodes.get(id) else {
            continue;
        };
        while k < t.entries.len() && t.entries[k].at < *at {
            k += 1;
        }
        let here = t.entries[k..].iter().take_while(|e| e.at == *at);
        for (e, node) in here.zip(&mut node_of[k..]) {
            if let What::Send { message, .. } | What::Skip { message, .. } = &e.what {
                if message == m && node.is_none() {
                    *node = Some(id.as_str());
                    break;
                }
            }
        }
    }
    node_of
}

/// Whether the person opened and clicked a message of content `class`
/// strictly after its first send in this journey (at `since`) and before
/// the step that led to the send node `node` at `at` ran (the condition of
/// a resend to non-openers is checked there). Only engagement with a
/// message this journey had sent by then counts (`journey_sends`: each
/// message's first send in the journey), as in the runner: an open of
/// the same content sent by an earlier journey is not this journey's.
#[allow(clippy::too_many_arguments)]
fn engaged_before(
    plan: &Plan,
    t: &Timeline,
    person: &PersonScenario,
    classes: &HashMap<String, String>,
    class: &str,
    node: &str,
    since: i64,
    at: i64,
    journey_sends: &HashMap<&str, i64>,
) -> bool {
    let pos = t
        .trace
        .iter()
        .rposition(|&(when, i)| when <= at && plan.nodes[i].id == node);
    let Some(decided) = pos.and_then(|p| p.checked_sub(1)).map(|p| t.trace[p].0) else {
        return true;
    };
    // The resend's condition is `not opened` or `not clicked`: only a
    // person who did both before contradicts it whichever it is.
    let did = |clicked: bool| {
        person.events.iter().any(|i| {
            let m = if clicked { &i.clicked } else { &i.opened };
            let when = time::parse_instant(&i.at);
            m.as_ref().is_some_and(|m| {
                classes.get(m).is_some_and(|c| c == class)
                    && journey_sends
                        .get(m.as_str())
                        .zip(when)
                        .is_some_and(|(&sent, when)| sent < when)
            }) && when.is_some_and(|when| since < when && when < decided)
        })
    };
    did(false) && did(true)
}

/// Checks the promises on one timeline; `Err` says what broke.
fn check_timeline(
    plan: &Plan,
    f: &Findings,
    classes: &HashMap<String, String>,
    t: &Timeline,
    person: &PersonScenario,
) -> Result<(), String> {
    for (at, i) in &t.trace {
        let id = &f.plan_ids[*i];
        if f.unreachable.contains(id) {
            return Err(format!(
                "executed node `{id}` at {}, which check reports unreachable",
                time::format_instant(*at)
            ));
        }
    }
    let node_of = send_nodes_of(f, t);
    let mut sent: HashMap<&str, &str> = HashMap::new();
    let mut first_at: HashMap<&str, i64> = HashMap::new();
    let mut journey_sends: HashMap<&str, i64> = HashMap::new();
    let mut sends: Vec<(i64, &str)> = Vec::new();
    for (e, node) in t.entries.iter().zip(&node_of) {
        let node = node.unwrap_or("?");
        let when = time::format_instant(e.at);
        match &e.what {
            What::Entered => {
                bump(&STATS.entries, 1);
                sent.clear();
                first_at.clear();
                journey_sends.clear();
                sends.clear();
            }
            What::Send { message, channel } => {
                bump(&STATS.sends, 1);
                let class = classes[message].as_str();
                first_at.entry(class).or_insert(e.at);
                journey_sends.entry(message.as_str()).or_insert(e.at);
                if let Some(first) = sent.insert(class, message) {
                    bump(&STATS.repeats, 1);
                    let since = first_at[class];
                    let resend = f.resends.contains(node)
                        && !engaged_before(
                            plan,
                            t,
                            person,
                            classes,
                            class,
                            node,
                            since,
                            e.at,
                            &journey_sends,
                        );
                    if !f.repeated_at.contains(node) && !resend {
                        return Err(format!(
                            "`{message}` (node {node}) at {when} repeats the content of `{first}` in one journey, and check reports no repeated-message there{}",
                            if f.repeated { "" } else { " (nor anywhere)" }
                        ));
                    }
                }
                sends.push((e.at, channel));
            }
            What::Skip {
                message,
                channel,
                reason: reason @ (SkipReason::CampaignLimit | SkipReason::ChannelLimit),
            } => {
                bump(&STATS.limit_skips, 1);
                let limits = match reason {
                    SkipReason::CampaignLimit => &plan.limits,
                    _ => &plan.channels[channel].limits,
                };
                let own = limits.iter().any(|l| {
                    sends
                        .iter()
                        .filter(|(s, ch)| {
                            e.at - s < l.per as i64
                                && (*reason == SkipReason::CampaignLimit || ch == channel)
                        })
                        .count()
                        >= l.count as usize
                });
                if !own {
                    // The sends of an earlier journey count too.
                    bump(&STATS.limit_skips_across, 1);
                } else if !f.freq_at.contains(node) {
                    return Err(format!(
                        "`{message}` (node {node}) at {when} is skipped ({}) because of this journey's sends, and check reports no frequency-cap there{}",
                        reason.as_str(),
                        if f.freq { "" } else { " (nor anywhere)" }
                    ));
                }
            }
            What::Exited {
                reason: ExitReason::InstantLoop,
                ..
            } => {
                return Err(format!(
                    "the runner stopped an instant loop at {when}, and check reports no instant-loop"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

const DAY: i64 = 86_400;

/// The simulator's SplitMix64, for our own people.
use omnis::simulate::Rng;

fn at(t: i64) -> String {
    time::format_instant(t)
}

fn event(t: i64, name: &str, rng: &mut Rng) -> Input {
    let fields = match name {
        "cart" => BTreeMap::from([(
            "value".to_string(),
            Value::Number(*rng.pick(&[0.0, 19.0, 20.0, 21.0, 50.0, 100.0])),
        )]),
        "purchase" => BTreeMap::from([(
            "total".to_string(),
            Value::Number(*rng.pick(&[0.0, 20.0, 50.0, 51.0, 100.0])),
        )]),
        "browse" => BTreeMap::from([(
            "page".to_string(),
            Value::Text(rng.pick(&["home", "cart"]).to_string()),
        )]),
        _ => BTreeMap::from([(
            "reason".to_string(),
            Value::Text(rng.pick(&["spam", "other"]).to_string()),
        )]),
    };
    Input {
        at: at(t),
        event: Some(name.to_string()),
        fields,
        ..Input::default()
    }
}

fn attr_value(name: &str, rng: &mut Rng) -> Value {
    match name {
        "score" => Value::Number(*rng.pick(&[0.0, 19.0, 20.0, 49.0, 50.0, 51.0, 100.0])),
        "tier" => Value::Text(rng.pick(&TIERS).to_string()),
        "vip" => Value::Bool(rng.chance(50)),
        "timezone" => Value::Text(rng.pick(&ZONES).to_string()),
        _ => Value::Bool(rng.chance(80)),
    }
}

/// (`timezone` is ignored when the profile does not declare it.)
const ATTRS: [&str; 6] = [
    "vip",
    "email_opt_in",
    "sms_opt_in",
    "score",
    "tier",
    "timezone",
];

/// Our own people: random attributes, and events at random times over ten
/// days from `base` (triggers, the goal, the exit, `browse`, attribute
/// changes, opens and clicks of random messages).
fn own_people(plan: &Plan, n: usize, base: i64, rng: &mut Rng) -> Vec<PersonScenario> {
    let span = 10 * DAY as u64;
    let msgs: Vec<&String> = plan.messages.keys().collect();
    (0..n)
        .map(|i| {
            let mut attributes = BTreeMap::new();
            for a in ATTRS {
                if !rng.chance(10) {
                    attributes.insert(a.to_string(), attr_value(a, rng));
                }
            }
            let mut events = Vec::new();
            let when = |rng: &mut Rng| {
                // Often on round hours, so that inputs and timers collide.
                let t = base + rng.below(span) as i64;
                if rng.chance(30) {
                    t - t % 3_600
                } else {
                    t
                }
            };
            for _ in 0..1 + rng.below(3) {
                let t = when(rng);
                events.push(event(t, "cart", rng));
            }
            for (e, p) in [("purchase", 25), ("browse", 40), ("unsub", 8)] {
                if rng.chance(p) {
                    let t = when(rng);
                    events.push(event(t, e, rng));
                }
            }
            for _ in 0..rng.below(3) {
                let a = *rng.pick(&ATTRS);
                let t = when(rng);
                events.push(Input {
                    at: at(t),
                    set: Some(BTreeMap::from([(a.to_string(), attr_value(a, rng))])),
                    ..Input::default()
                });
            }
            if !msgs.is_empty() {
                for _ in 0..rng.below(3) {
                    let m = rng.pick(&msgs).to_string();
                    let t = when(rng);
                    let mut input = Input {
                        at: at(t),
                        ..Input::default()
                    };
                    if rng.chance(50) {
                        input.clicked = Some(m);
                    } else {
                        input.opened = Some(m);
                    }
                    events.push(input);
                }
            }
            PersonScenario {
                person: Person {
                    id: format!("q{i}"),
                    attributes,
                },
                events,
                expect: None,
            }
        })
        .collect()
}

/// The people again, with opens and clicks shortly after some of the
/// messages their run sent them.
fn engage(people: &mut [PersonScenario], timelines: &[Timeline], rng: &mut Rng) {
    for (p, t) in people.iter_mut().zip(timelines) {
        for e in &t.entries {
            if let What::Send { message, .. } = &e.what {
                for clicked in [false, true] {
                    if rng.chance(if clicked { 35 } else { 45 }) {
                        let delay = *rng.pick(&[0, 1, 60, 3_600, 2 * DAY]);
                        let mut input = Input {
                            at: at(e.at + delay),
                            ..Input::default()
                        };
                        if clicked {
                            input.clicked = Some(message.clone());
                        } else {
                            input.opened = Some(message.clone());
                        }
                        p.events.push(input);
                    }
                }
            }
        }
    }
}

/// Whether the journey has one execution for a person with every consent
/// who enters once: no conditions, splits or `wait for`, and no `set`
/// that withdraws a consent (the person would not keep every consent).
fn single_path(steps: &[S]) -> bool {
    steps.iter().all(|s| match s {
        S::If { .. }
        | S::Split { .. }
        | S::WaitForEvent { .. }
        | S::WaitForEngaged { .. }
        | S::WaitAny { .. } => false,
        S::Set(i) => !SETS[*i].ends_with("_opt_in = false"),
        S::Repeat(_, b) | S::Named(b) => single_path(b),
        _ => true,
    })
}

fn sends_of(steps: &[S], out: &mut BTreeSet<usize>) {
    for s in steps {
        if let S::Send(m) = s {
            out.insert(*m);
        }
        for b in sub_blocks(s) {
            sends_of(b, out);
        }
    }
}

fn has_wait_until(steps: &[S]) -> bool {
    steps.iter().any(|s| match s {
        S::WaitUntil(_) => true,
        _ => sub_blocks(s).iter().any(|b| has_wait_until(b)),
    })
}

/// The longest one pass through the steps can take (repeats multiplied),
/// quiet hours included.
fn pass_secs(steps: &[S]) -> i64 {
    steps
        .iter()
        .map(|s| match s {
            S::Send(_) => DAY,
            S::Wait(i) => WAIT_SECS[*i] as i64,
            S::WaitUntil(_) => 7 * DAY,
            S::Goto(..) => DAY,
            S::Repeat(n, b) => *n as i64 * pass_secs(b),
            S::Named(b) => pass_secs(b),
            S::WaitForEvent { within, .. }
            | S::WaitForEngaged { within, .. }
            | S::WaitAny { within, .. } => WITHIN_SECS[*within] as i64,
            _ => sub_blocks(s)
                .iter()
                .map(|b| pass_secs(b))
                .max()
                .unwrap_or(0),
        })
        .sum()
}

fn fail(
    src: &str,
    f: &Findings,
    t: &Timeline,
    scenario: Option<&PersonScenario>,
    why: String,
) -> TestCaseError {
    let mut msg = format!(
        "{why}\n\n--- campaign ---\n{src}\n--- check ---\n{}\n--- timeline ---\n{}",
        f.text,
        t.human()
    );
    if let Some(p) = scenario {
        let _ = writeln!(msg, "--- inputs ---");
        let _ = writeln!(msg, "attributes: {:?}", p.person.attributes);
        let mut inputs: Vec<_> = p.events.iter().collect();
        inputs.sort_by(|a, b| a.at.cmp(&b.at));
        for i in inputs {
            let what = if let Some(e) = &i.event {
                format!("{e} {:?}", i.fields)
            } else if let Some(m) = &i.opened {
                format!("opened {m}")
            } else if let Some(m) = &i.clicked {
                format!("clicked {m}")
            } else {
                format!("set {:?}", i.set.as_ref().unwrap())
            };
            let _ = writeln!(msg, "  {} {what}", i.at);
        }
    }
    let _ = writeln!(msg, "--- nodes executed (the last 60) ---");
    for (at, i) in &t.trace[t.trace.len().saturating_sub(60)..] {
        let _ = writeln!(msg, "  {} {}", time::format_instant(*at), f.plan_ids[*i]);
    }
    TestCaseError::fail(msg)
}

fn run_case(c: &Camp, seed: u64) -> Result<(), TestCaseError> {
    let started = std::time::Instant::now();
    let src = render(c);
    if let Some(f) = std::env::var_os("OMNIS_SOUNDNESS_CURRENT") {
        std::fs::write(f, &src).unwrap();
    }
    let r = run_case_src(c, &src, seed);
    if std::env::var_os("OMNIS_SOUNDNESS_SLOW").is_some() && started.elapsed().as_secs_f64() > 1.0 {
        eprintln!(
            "slow case ({:.1}s):\n{src}",
            started.elapsed().as_secs_f64()
        );
    }
    r
}

fn run_case_src(c: &Camp, src: &str, seed: u64) -> Result<(), TestCaseError> {
    bump(&STATS.cases, 1);
    let src = src.to_string();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.omni");
    std::fs::write(&path, &src).unwrap();
    let a = analyze(&Options { paths: vec![path] }).unwrap();
    if a.has_errors() {
        let errs: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.as_str())
            .collect();
        ERRORS.lock().unwrap().extend(errs);
        return Ok(());
    }
    bump(&STATS.valid, 1);
    let mut f = findings(&a);
    bump(&STATS.with_repeated, usize::from(f.repeated));
    bump(&STATS.with_freq, usize::from(f.freq));
    bump(
        &STATS.with_unreachable,
        usize::from(!f.unreachable.is_empty()),
    );
    let plan = emit(&a.program, CampaignId(0), &a.sources);
    f.plan_ids = plan.nodes.iter().map(|n| n.id.clone()).collect();
    let classes = contents(&plan);
    let sim = Simulator::new(&plan).unwrap().with_trace();
    let check_all = |scenario: &Scenario| -> Result<Vec<Timeline>, TestCaseError> {
        let timelines = sim.run(&sim.prepare(scenario).unwrap());
        bump(&STATS.people, timelines.len());
        for (t, p) in timelines.iter().zip(&scenario.people) {
            check_timeline(&plan, &f, &classes, t, p)
                .map_err(|why| fail(&src, &f, t, Some(p), why))?;
        }
        Ok(timelines)
    };

    // People from `generate_people`.
    let mut generated = generate_people(&plan, 20, seed);
    let start = time::parse_instant(generated.start.as_deref().unwrap()).unwrap();
    generated.until = Some(at(start + 40 * DAY));
    check_all(&generated)?;

    // Our own, twice: the second time with engagement after their sends.
    let mut rng = Rng(seed);
    let mut own = Scenario {
        start: Some(at(start)),
        until: Some(at(start + 40 * DAY)),
        people: own_people(&plan, 20, start, &mut rng),
    };
    let first = check_all(&own)?;
    engage(&mut own.people, &first, &mut rng);
    check_all(&own)?;

    // Where the analyses are exact: one person, every consent, one entry.
    // (The flow takes a `repeat` whose body a `goto` enters as a plain
    // loop, which may go round any number of times: not exact.)
    let journey = &a.journeys[0];
    let regular = journey.regular_repeats();
    let irregular = journey
        .graph
        .node_indices()
        .any(|n| matches!(journey.graph[n].kind, NodeKind::Repeat { .. }) && !regular[n.index()]);
    let exact = single_path(&c.journey)
        && !irregular
        && c.audience.is_none()
        && c.exit_unless.is_empty()
        && matches!(c.trigger, Trig::Cart(None))
        && c.window.is_none();
    if exact && (f.repeated || f.freq) {
        let until = start + 2 * pass_secs(&c.journey) + 2 * DAY;
        let mut attributes: BTreeMap<String, Value> = ATTRS
            .iter()
            .map(|a| (a.to_string(), attr_value(a, &mut rng)))
            .collect();
        attributes.insert("email_opt_in".into(), Value::Bool(true));
        attributes.insert("sms_opt_in".into(), Value::Bool(true));
        let person = PersonScenario {
            person: Person {
                id: "exact".into(),
                attributes,
            },
            events: vec![event(start + 3_600, "cart", &mut rng)],
            expect: None,
        };
        let scenario = Scenario {
            start: Some(at(start)),
            until: Some(at(until)),
            people: vec![person],
        };
        let t = &check_all(&scenario)?[0];
        if f.repeated {
            bump(&STATS.exact_repeated, 1);
            let mut seen = HashSet::new();
            let repeated = t.entries.iter().any(|e| match &e.what {
                What::Send { message, .. } => !seen.insert(&classes[message]),
                _ => false,
            });
            // Limits may skip the repeat.
            let limited = t.entries.iter().any(|e| {
                matches!(
                    e.what,
                    What::Skip {
                        reason: SkipReason::CampaignLimit | SkipReason::ChannelLimit,
                        ..
                    }
                )
            });
            if !repeated && !limited {
                return Err(fail(
                    &src,
                    &f,
                    t,
                    Some(&scenario.people[0]),
                    "check reports repeated-message on a journey with one execution, but it sends no content twice".into(),
                ));
            }
        }
        let mut sent = BTreeSet::new();
        sends_of(&c.journey, &mut sent);
        let stretched = has_wait_until(&c.journey)
            || sent
                .iter()
                .any(|&m| c.chans[c.msgs[m % c.msgs.len()].channel].quiet);
        if f.freq && !stretched {
            bump(&STATS.exact_freq, 1);
            let skipped = t.entries.iter().any(|e| {
                matches!(
                    e.what,
                    What::Skip {
                        reason: SkipReason::CampaignLimit | SkipReason::ChannelLimit,
                        ..
                    }
                )
            });
            if !skipped {
                return Err(fail(
                    &src,
                    &f,
                    t,
                    Some(&scenario.people[0]),
                    "check reports frequency-cap on a journey with one execution and exact waits, but the runner skips nothing".into(),
                ));
            }
        }
    }
    Ok(())
}

static ERRORS: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
fn check_is_sound_against_the_runner() {
    let cases = env_u64("OMNIS_SOUNDNESS_CASES").unwrap_or(256) as u32;
    let config = Config {
        cases,
        // Failures found are replayed first by the next runs.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/soundness.proptest-regressions",
        ))),
        max_shrink_iters: 2_000,
        rng_seed: env_u64("OMNIS_SOUNDNESS_SEED").map_or(RngSeed::Random, RngSeed::Fixed),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(campaign(), any::<u64>()), |(c, seed)| run_case(&c, seed));
    if let Err(e) = result {
        panic!("{e}");
    }
    let s = &STATS;
    let get = |a: &AtomicUsize| a.load(Ordering::Relaxed);
    let (all, valid) = (get(&s.cases), get(&s.valid));
    let mut errors: BTreeMap<&str, usize> = BTreeMap::new();
    for e in ERRORS.lock().unwrap().iter() {
        *errors.entry(e).or_default() += 1;
    }
    eprintln!(
        "soundness: {all} cases, {valid} valid ({errors:?} in the others); {} with repeated-message, {} with frequency-cap, {} with unreachable steps; {} people, {} journeys, {} sends ({} repeating content), {} limit skips ({} across journeys); exact checks: {} repeated-message, {} frequency-cap",
        get(&s.with_repeated),
        get(&s.with_freq),
        get(&s.with_unreachable),
        get(&s.people),
        get(&s.entries),
        get(&s.sends),
        get(&s.repeats),
        get(&s.limit_skips),
        get(&s.limit_skips_across),
        get(&s.exact_repeated),
        get(&s.exact_freq),
    );
    assert!(
        valid * 10 >= all * 7,
        "only {valid} of {all} generated campaigns are valid: {errors:?}"
    );
}
