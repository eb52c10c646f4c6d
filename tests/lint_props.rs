//! Property tests: the path-based lints (`repeated-message`,
//! `engagement-before-send`, `frequency-cap`) against a brute-force
//! enumeration of executions on small generated journeys.
//!
//! The brute force interprets the journey *tree* (the checked model), not
//! the graph: it walks every execution step by step, with real `repeat`
//! counters and `goto` jumps, taking every branch (conditions are not
//! evaluated, as in the lints) and every wait at its shortest. It knows
//! nothing of the graph, the flow or the dataflow, so agreement checks the
//! lowering, the flow's round copies and the analyses together.
//!
//! The lints are run with every edge live (in `omnis check` they follow
//! only the edges the reachability analysis keeps, which removes paths
//! whose conditions contradict each other; the brute force does not
//! evaluate conditions, so it is compared with the unfiltered analysis).
//!
//! Where the enumeration completes (no `goto` loop, within a budget), the
//! brute force is exact and the lints must agree with it exactly. Where it
//! is cut short (loops made with `goto`), what it finds must still be found
//! by the lints.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use omnis::graph::testkit::{on_event, ProgramBuilder};
use omnis::graph::{lower, Journey};
use omnis::lints::{engagement_before_send, frequency_cap};
use omnis::model::{
    Block, CampaignId, CondKind, Delay, MessageId, Program, Step, StepKind, Type, WaitOn,
};

// ---------------------------------------------------------------------------
// Generated journeys

#[derive(Clone, Debug)]
enum T {
    Send(usize),
    Wait(u64),
    WaitUntil,
    Exit,
    /// `wait for` an event, or `opened` a message.
    WaitFor {
        opened: Option<usize>,
        within: u64,
        then: Option<Vec<T>>,
        otherwise: Option<Vec<T>>,
    },
    If {
        then: Vec<T>,
        otherwise: Option<Vec<T>>,
    },
    IfOpened {
        message: usize,
        then: Vec<T>,
    },
    Split(Vec<T>, Vec<T>),
    Repeat(u32, Vec<T>),
    /// `step L { body  if flag { goto L } }`
    Loop(Vec<T>),
}

const HOUR: u64 = 3600;
const MESSAGES: usize = 4;

fn leaf() -> impl Strategy<Value = T> {
    prop_oneof![
        6 => (0..MESSAGES).prop_map(T::Send),
        4 => prop_oneof![Just(HOUR), Just(5 * HOUR), Just(24 * HOUR)].prop_map(T::Wait),
        1 => Just(T::WaitUntil),
        1 => Just(T::Exit),
    ]
}

fn items(with_goto: bool) -> impl Strategy<Value = Vec<T>> {
    let tree = leaf().prop_recursive(3, 20, 3, move |inner| {
        let block = prop::collection::vec(inner, 0..3);
        let within = prop_oneof![Just(HOUR), Just(2 * 24 * HOUR)];
        let mut options = vec![
            (block.clone(), prop::option::of(block.clone()))
                .prop_map(|(then, otherwise)| T::If { then, otherwise })
                .boxed(),
            (block.clone(), block.clone())
                .prop_map(|(a, b)| T::Split(a, b))
                .boxed(),
            (1..=3u32, block.clone())
                .prop_map(|(n, b)| T::Repeat(n, b))
                .boxed(),
            (
                prop::option::of(0..MESSAGES),
                within,
                prop::option::of(block.clone()),
                prop::option::of(block.clone()),
            )
                .prop_map(|(opened, within, then, otherwise)| T::WaitFor {
                    opened,
                    within,
                    then,
                    otherwise,
                })
                .boxed(),
            (0..MESSAGES, block.clone())
                .prop_map(|(message, then)| T::IfOpened { message, then })
                .boxed(),
        ];
        if with_goto {
            options.push(block.prop_map(T::Loop).boxed());
        }
        proptest::strategy::Union::new(options)
    });
    prop::collection::vec(tree, 1..6)
}

struct Built {
    program: Program,
    campaign: CampaignId,
    messages: Vec<MessageId>,
}

/// m0 and m1 have the same content (on different channels); m2 and m3 are
/// distinct. m0, m2 are on channel 0, m1, m3 on channel 1.
fn build(items: &[T], goal: bool) -> Built {
    let mut b = ProgramBuilder::new();
    let ev = b.event("e", &[]);
    let conv = b.event("conv", &[]);
    let flag = b.attr("flag", Type::Bool);
    let c0 = b.channel("c0", None);
    let c1 = b.channel("c1", Some((21 * 60, 8 * 60)));
    let m0 = b.message("m0", c0);
    let m1 = b.message("m1", c1);
    let m2 = b.message("m2", c0);
    let m3 = b.message("m3", c1);
    b.program.messages[m1.index()].template = "m0".into();
    let messages = vec![m0, m1, m2, m3];
    let mut loops = 0;
    fn steps(
        b: &mut ProgramBuilder,
        items: &[T],
        ms: &[MessageId],
        ev: omnis::model::EventId,
        flag: omnis::model::AttrId,
        loops: &mut usize,
    ) -> Vec<Step> {
        items
            .iter()
            .map(|t| match t {
                T::Send(m) => b.send(ms[*m]),
                T::Wait(s) => b.wait(*s),
                T::WaitUntil => b.wait_until(None, 9 * 60),
                T::Exit => b.exit(),
                T::WaitFor {
                    opened,
                    within,
                    then,
                    otherwise,
                } => {
                    let on = match opened {
                        Some(m) => WaitOn::Opened(ms[*m]),
                        None => WaitOn::Event(ev),
                    };
                    let then = then.as_ref().map(|t| steps(b, t, ms, ev, flag, loops));
                    let otherwise = otherwise.as_ref().map(|t| steps(b, t, ms, ev, flag, loops));
                    b.wait_for(on, *within, then, otherwise)
                }
                T::If { then, otherwise } => {
                    let c = b.flag(flag);
                    let then = steps(b, then, ms, ev, flag, loops);
                    let otherwise = otherwise.as_ref().map(|t| steps(b, t, ms, ev, flag, loops));
                    b.if_(vec![(c, then)], otherwise)
                }
                T::IfOpened { message, then } => {
                    let c = b.opened(ms[*message]);
                    let then = steps(b, then, ms, ev, flag, loops);
                    b.if_(vec![(c, then)], None)
                }
                T::Split(x, y) => {
                    let x = steps(b, x, ms, ev, flag, loops);
                    let y = steps(b, y, ms, ev, flag, loops);
                    b.split(vec![(50, Some("a"), x), (50, Some("b"), y)])
                }
                T::Repeat(n, body) => {
                    let body = steps(b, body, ms, ev, flag, loops);
                    b.repeat(*n, body)
                }
                T::Loop(body) => {
                    *loops += 1;
                    let name = format!("l{loops}");
                    let mut body = steps(b, body, ms, ev, flag, loops);
                    let g = b.goto(&name);
                    let c = b.flag(flag);
                    body.push(b.if_(vec![(c, vec![g])], None));
                    b.named(&name, body)
                }
            })
            .collect()
    }
    let journey = steps(&mut b, items, &messages, ev, flag, &mut loops);
    let campaign = b.campaign("c", on_event(ev), journey);
    if goal {
        let loc = b.loc();
        b.campaign_mut(campaign).goal = Some((conv, loc));
    }
    Built {
        program: b.program,
        campaign,
        messages,
    }
}

// ---------------------------------------------------------------------------
// The brute force

struct Frame<'a> {
    block: &'a Block,
    idx: usize,
    /// (times, round) for the body of a `repeat`.
    repeat: Option<(u32, u32)>,
}

/// What one execution prefix carries.
#[derive(Clone)]
struct State {
    time: u64,
    /// Messages sent so far (bit per message index).
    sent: u32,
    /// Content classes sent so far.
    classes: u32,
    /// Times of the counted sends so far.
    counted: Vec<u64>,
}

/// Findings, keyed by span start (steps and conditions have distinct
/// one-byte spans).
#[derive(Default, Debug)]
struct Found {
    repeated: BTreeSet<u32>,
    /// (some execution had sent it, some had not)
    engagement: BTreeMap<u32, (bool, bool)>,
    capped: BTreeSet<u32>,
    /// The enumeration was cut short: only "found" is meaningful.
    truncated: bool,
}

struct Brute<'a> {
    program: &'a Program,
    class: Vec<u32>,
    counted: &'a dyn Fn(MessageId) -> bool,
    limit: usize,
    per: u64,
    budget: usize,
    max_len: usize,
    found: Found,
}

impl<'a> Brute<'a> {
    fn run(&mut self, journey: &'a Block) {
        let stack = vec![Frame {
            block: journey,
            idx: 0,
            repeat: None,
        }];
        let state = State {
            time: 0,
            sent: 0,
            classes: 0,
            counted: Vec::new(),
        };
        self.go(stack, state, 0);
    }

    fn check_engagement(&mut self, key: u32, m: MessageId, st: &State) {
        let sent = st.sent >> m.index() & 1 == 1;
        let e = self.found.engagement.entry(key).or_insert((false, false));
        if sent {
            e.0 = true;
        } else {
            e.1 = true;
        }
    }

    fn go(&mut self, mut stack: Vec<Frame<'a>>, mut st: State, len: usize) {
        if self.budget == 0 || len > self.max_len {
            self.found.truncated = true;
            return;
        }
        self.budget -= 1;
        // Find the next step, finishing blocks (and repeat rounds).
        let step: &'a Step = loop {
            let Some(top) = stack.last_mut() else {
                return; // the end of the journey
            };
            if top.idx < top.block.steps.len() {
                let s = &top.block.steps[top.idx];
                top.idx += 1;
                break s;
            }
            let done = stack.pop().expect("top");
            if let Some((times, round)) = done.repeat {
                if round + 1 < times {
                    stack.push(Frame {
                        block: done.block,
                        idx: 0,
                        repeat: Some((times, round + 1)),
                    });
                }
            }
        };
        let push = |stack: &mut Vec<Frame<'a>>, block: &'a Block| {
            stack.push(Frame {
                block,
                idx: 0,
                repeat: None,
            })
        };
        match &step.kind {
            StepKind::Send(m) => {
                let class = self.class[m.index()];
                if st.classes >> class & 1 == 1 {
                    self.found.repeated.insert(step.loc.span.start);
                }
                st.classes |= 1 << class;
                st.sent |= 1 << m.index();
                if (self.counted)(*m) {
                    let n = st.counted.len();
                    if n >= self.limit && st.time - st.counted[n - self.limit] < self.per {
                        self.found.capped.insert(step.loc.span.start);
                    }
                    st.counted.push(st.time);
                }
                self.go(stack, st, len + 1);
            }
            StepKind::Delay(Delay::For(d)) => {
                st.time += d.seconds;
                self.go(stack, st, len + 1);
            }
            StepKind::Delay(Delay::Until { .. }) => self.go(stack, st, len + 1),
            StepKind::Exit => {}
            StepKind::WaitFor {
                on,
                within,
                then,
                otherwise,
                ..
            } => {
                if let WaitOn::Opened(m) | WaitOn::Clicked(m) = on {
                    self.check_engagement(step.loc.span.start, *m, &st);
                }
                // Matched (at once), then timed out (after `within`).
                let mut s1 = clone_stack(&stack);
                if let Some(b) = then {
                    push(&mut s1, b);
                }
                self.go(s1, st.clone(), len + 1);
                if let Some(b) = otherwise {
                    push(&mut stack, b);
                }
                st.time += within;
                self.go(stack, st, len + 1);
            }
            StepKind::WaitAny {
                arms,
                within,
                otherwise,
                ..
            } => {
                // Each arm at once, then the timeout (after `within`).
                for arm in arms {
                    if let WaitOn::Opened(m) | WaitOn::Clicked(m) = arm.on {
                        self.check_engagement(arm.at.span.start, m, &st);
                    }
                    let mut s1 = clone_stack(&stack);
                    push(&mut s1, &arm.body);
                    self.go(s1, st.clone(), len + 1);
                }
                if let Some(b) = otherwise {
                    push(&mut stack, b);
                }
                st.time += within;
                self.go(stack, st, len + 1);
            }
            StepKind::If { arms, otherwise } => {
                for (c, _) in arms {
                    if let CondKind::Opened(m) | CondKind::Clicked(m) = c.kind {
                        self.check_engagement(c.loc.span.start, m, &st);
                    }
                }
                for (_, b) in arms {
                    let mut s = clone_stack(&stack);
                    push(&mut s, b);
                    self.go(s, st.clone(), len + 1);
                }
                if let Some(b) = otherwise {
                    push(&mut stack, b);
                }
                self.go(stack, st, len + 1);
            }
            StepKind::Split(arms) => {
                for arm in arms {
                    let mut s = clone_stack(&stack);
                    push(&mut s, &arm.body);
                    self.go(s, st.clone(), len + 1);
                }
            }
            StepKind::Repeat { times, body } => {
                if *times > 0 {
                    stack.push(Frame {
                        block: body,
                        idx: 0,
                        repeat: Some((*times, 0)),
                    });
                }
                self.go(stack, st, len + 1);
            }
            StepKind::Named { body, .. } => {
                push(&mut stack, body);
                self.go(stack, st, len + 1);
            }
            StepKind::Goto { target } => {
                // The target is an enclosing `step`: back to its frame.
                let at = stack.iter().rposition(|f| {
                    f.block
                        .steps
                        .iter()
                        .any(|s| matches!(&s.kind, StepKind::Named { name, .. } if name == target))
                });
                let at = at.expect("goto targets an enclosing step");
                stack.truncate(at + 1);
                let f = stack.last_mut().expect("frame");
                f.idx = f
                    .block
                    .steps
                    .iter()
                    .position(|s| matches!(&s.kind, StepKind::Named { name, .. } if name == target))
                    .expect("named step");
                self.go(stack, st, len + 1);
            }
            // `set`, `unset` and kinds the generator does not write.
            _ => unreachable!("a step kind gen() does not generate"),
        }
    }
}

fn clone_stack<'a>(s: &[Frame<'a>]) -> Vec<Frame<'a>> {
    s.iter()
        .map(|f| Frame {
            block: f.block,
            idx: f.idx,
            repeat: f.repeat,
        })
        .collect()
}

fn brute(built: &Built, counted: &dyn Fn(MessageId) -> bool, limit: usize, per: u64) -> Found {
    let class: Vec<u32> = omnis::analysis::content::content_classes(&built.program)
        .into_iter()
        .map(|c| c as u32)
        .collect();
    let mut b = Brute {
        program: &built.program,
        class,
        counted,
        limit,
        per,
        budget: 200_000,
        max_len: 60,
        found: Found::default(),
    };
    let _ = b.program;
    b.run(&built.program.campaign(built.campaign).journey);
    b.found
}

// ---------------------------------------------------------------------------
// The lints, keyed the same way

fn lint_repeated(built: &Built, journey: &Journey) -> BTreeSet<u32> {
    let classes = omnis::analysis::content::content_classes(&built.program);
    omnis::analysis::content::repeated_sends(journey, &classes, &|_| true)
        .into_iter()
        .map(|r| journey.graph[r.second].loc.span.start)
        .collect()
}

fn lint_engagement(journey: &Journey) -> BTreeMap<u32, (bool, bool)> {
    engagement_before_send::analyze(journey, &|_| true)
        .into_iter()
        .map(|(u, sent, unsent)| (u.loc.span.start, (sent, unsent)))
        .collect()
}

fn lint_capped(
    built: &Built,
    journey: &Journey,
    counted: &dyn Fn(MessageId) -> bool,
    limit: u32,
    per: u64,
) -> BTreeSet<u32> {
    let min = |e| frequency_cap::edge_min(&built.program, journey, e);
    frequency_cap::find(journey, counted, limit, per, &min, &|_| true)
        .into_iter()
        .map(|x| {
            let (last, _) = *x.sends.last().unwrap();
            journey.graph[last].loc.span.start
        })
        .collect()
}

fn compare(items: Vec<T>, goal: bool, limit: u32, per: u64, channel_only: bool) {
    let built = build(&items, goal);
    let journey = lower(&built.program, built.campaign);
    let c0 = built.program.message(built.messages[0]).channel;
    let program = &built.program;
    let counted = |m: MessageId| !channel_only || program.message(m).channel == c0;
    let found = brute(&built, &counted, limit as usize, per);

    let repeated = lint_repeated(&built, &journey);
    let engagement = lint_engagement(&journey);
    let capped = lint_capped(&built, &journey, &counted, limit, per);

    if found.truncated {
        assert!(
            found.repeated.is_subset(&repeated),
            "repeated-message misses {:?} (found {:?}) in {items:#?}",
            found.repeated,
            repeated
        );
        assert!(
            found.capped.is_subset(&capped),
            "frequency-cap misses {:?} (found {:?}) in {items:#?}",
            found.capped,
            capped
        );
        for (k, (s, u)) in &found.engagement {
            let (ls, lu) = engagement.get(k).copied().unwrap_or((false, false));
            assert!(
                (!s || ls) && (!u || lu),
                "engagement at {k}: brute {:?}, lint {:?} in {items:#?}",
                (s, u),
                (ls, lu)
            );
        }
    } else {
        assert_eq!(found.repeated, repeated, "repeated-message in {items:#?}");
        assert_eq!(
            found.capped, capped,
            "frequency-cap (limit {limit} per {per}s) in {items:#?}"
        );
        // The lint lists every check of a reachable node; the brute force
        // only those it reached, which are the same.
        let reached: BTreeMap<u32, (bool, bool)> = engagement
            .into_iter()
            .filter(|(_, (s, u))| *s || *u)
            .collect();
        assert_eq!(found.engagement, reached, "engagement in {items:#?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn lints_agree_with_brute_force_without_goto(
        items in items(false),
        goal in any::<bool>(),
        limit in 1u32..=3,
        per in prop_oneof![Just(HOUR), Just(6 * HOUR), Just(24 * HOUR), Just(3 * 24 * HOUR)],
        channel_only in any::<bool>(),
    ) {
        compare(items, goal, limit, per, channel_only);
    }

    #[test]
    fn lints_find_what_brute_force_finds_with_goto(
        items in items(true),
        limit in 1u32..=3,
        per in prop_oneof![Just(6 * HOUR), Just(24 * HOUR)],
    ) {
        compare(items, false, limit, per, false);
    }
}

/// A few fixed shapes that matter, checked the same way.
#[test]
fn fixed_shapes() {
    use T::*;
    let cases: Vec<Vec<T>> = vec![
        // repeat 1: one send only
        vec![Repeat(1, vec![Send(0)])],
        // repeat 2: sent twice
        vec![Repeat(2, vec![Wait(HOUR), Send(0)])],
        // same content on two channels
        vec![Send(0), Wait(HOUR), Send(1)],
        // exclusive arms
        vec![Split(vec![Send(0)], vec![Send(0)])],
        // the Done edge only after all rounds
        vec![Send(2), Repeat(3, vec![Wait(24 * HOUR)]), Send(3)],
        // empty repeat body
        vec![Send(2), Repeat(3, vec![]), Send(3)],
        // nested repeats
        vec![Repeat(2, vec![Repeat(2, vec![Wait(HOUR), Send(2)])])],
        // engagement in the first round only
        vec![Repeat(
            2,
            vec![
                WaitFor {
                    opened: Some(0),
                    within: HOUR,
                    then: None,
                    otherwise: None,
                },
                Send(0),
            ],
        )],
    ];
    for items in cases {
        for limit in 1..=3 {
            for per in [HOUR, 6 * HOUR, 24 * HOUR, 4 * 24 * HOUR] {
                compare(items.clone(), false, limit, per, false);
                compare(items.clone(), true, limit, per, true);
            }
        }
    }
}
