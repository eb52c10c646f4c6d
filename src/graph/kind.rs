//! The graph's step kinds ([`NodeKind`]) and edges ([`Edge`]), and
//! everything lowering and the analyses ask of a kind, each one
//! exhaustive match beside the kind: the node a step becomes
//! ([`node_kind`]), the part of its id ([`step_key`]), whether time passes
//! there ([`time_passes`]), the labelled edges out of it and the blocks
//! they lead into ([`flow`], [`branches`]), how long it holds a person and
//! whether it takes time round a loop ([`NodeKind::holds`]), the
//! conditions it tests ([`NodeKind::guards`]). `graph::lower` builds the graph from these
//! without knowing any kind, so a new step with edges of its own is
//! written here (and in the syntax, `syntax::step`, the plan, the runtime and
//! the formatter).

use std::collections::HashMap;

use crate::model::{
    Action, Block, Campaign, Cond, Delay, EventId, MessageId, Program, StepKind, WaitArm, WaitOn,
};

#[derive(Clone, Debug)]
pub enum NodeKind {
    Entry,
    Send(MessageId),
    /// A step that holds a person until some time has passed, as the
    /// model has it: one out edge, `Edge::Next` (and `Edge::Ends` to the
    /// goal and exits). Timing asks it how long (`Delay::bounds`).
    Delay(Delay),
    /// Out edges: `Edge::Matched` (the awaited thing happened) and
    /// `Edge::Timeout`.
    WaitFor {
        on: WaitOn,
        /// Boxed: a condition is several times the size of every other
        /// node's payload, and few nodes have one.
        filter: Option<Box<Cond>>,
        within: u64,
    },
    /// A `wait for any`: out edges `Edge::On(i)` (arm `i`'s thing happened
    /// first) and `Edge::Timeout`.
    WaitAny {
        /// What each `on` waits for, its `where`, and its key (`on-EVENT`,
        /// `on-opened-M`, `on-clicked-M`, `~2` for a second with the same
        /// key): the id part of the steps inside it.
        arms: Vec<(WaitOn, Option<Cond>, String)>,
        within: u64,
    },
    /// An `if`: out edges `Edge::If(i)` for arm `i` (taken when arms `0..i`
    /// are false and arm `i` is true) and `Edge::Else`.
    Branch {
        conds: Vec<Cond>,
    },
    /// Out edges `Edge::Arm`.
    Split,
    /// A `repeat N times` loop head: out edges `Edge::Body` and `Edge::Done`.
    Repeat {
        times: u32,
    },
    /// A `step NAME` block's start (also a `goto` target).
    Named {
        name: String,
    },
    /// A `goto` (its one out edge goes to the target).
    Goto {
        target: String,
    },
    /// An explicit `exit`.
    Exit,
    /// A step that does one thing and goes on, as the model has it: one
    /// out edge, `Edge::Next`. A `set` writes the person's profile and takes
    /// no time.
    Action(Action),
    /// The end of the journey.
    End,
    /// The goal event happened (a conversion): ends the journey.
    Goal(EventId),
    /// An `exit when` event happened: ends the journey.
    ExitEvent(EventId),
}

impl NodeKind {
    /// Whether the node stands for a step written in the journey (as
    /// opposed to entry, end, goal and exit-event nodes).
    pub fn is_step(&self) -> bool {
        !matches!(
            self,
            NodeKind::Entry | NodeKind::End | NodeKind::Goal(_) | NodeKind::ExitEvent(_)
        )
    }

    /// How long taking `edge` out of the node holds a person, as the step
    /// says of itself (timing, `instant-loop`). A send's time is not its
    /// own (the quiet hours of its channel in the campaign, which timing
    /// reads from the program, and which may let it go out at once): no
    /// time here, as for every step where no time passes.
    pub fn holds(&self, edge: &Edge) -> Hold {
        let (min, max, every_round) = match self {
            NodeKind::Delay(d) => {
                let (min, max) = d.bounds();
                (min, max, d.takes_time())
            }
            NodeKind::WaitFor { on, within, .. } => match (edge, on) {
                (Edge::Timeout, _) => (*within, *within, true),
                // An open or a click counts even when it came before:
                // once it has, the `wait for` is over at once, every time
                // round.
                (_, WaitOn::Opened(_) | WaitOn::Clicked(_)) => (0, *within, false),
                // An event must happen after arrival.
                (_, WaitOn::Event(_)) => (0, *within, true),
            },
            // The same, arm by arm.
            NodeKind::WaitAny { arms, within } => match edge {
                Edge::On(i) => (0, *within, matches!(arms[*i].0, WaitOn::Event(_))),
                Edge::Timeout => (*within, *within, true),
                _ => (0, *within, true),
            },
            NodeKind::Entry
            | NodeKind::Send(_)
            | NodeKind::Branch { .. }
            | NodeKind::Split
            | NodeKind::Repeat { .. }
            | NodeKind::Named { .. }
            | NodeKind::Goto { .. }
            | NodeKind::Exit
            | NodeKind::Action(_)
            | NodeKind::End
            | NodeKind::Goal(_)
            | NodeKind::ExitEvent(_) => (0, 0, false),
        };
        Hold {
            min,
            max,
            every_round,
        }
    }

    /// The conditions the step tests, in order, when it branches on
    /// them: `Edge::If(i)` is taken when guard `i` is the first that
    /// holds, `Edge::Else` when none does (an `if`'s arms). Reachability,
    /// the plan's `then` labels, the diagram and the lints read a branch's
    /// conditions here instead of matching a kind; empty for a step that
    /// tests none.
    pub fn guards(&self) -> &[Cond] {
        match self {
            NodeKind::Branch { conds } => conds,
            NodeKind::Entry
            | NodeKind::Send(_)
            | NodeKind::Delay(_)
            | NodeKind::WaitFor { .. }
            | NodeKind::WaitAny { .. }
            | NodeKind::Split
            | NodeKind::Repeat { .. }
            | NodeKind::Named { .. }
            | NodeKind::Goto { .. }
            | NodeKind::Exit
            | NodeKind::Action(_)
            | NodeKind::End
            | NodeKind::Goal(_)
            | NodeKind::ExitEvent(_) => &[],
        }
    }

    /// A short name for messages: `send`, `wait`, `if`, ...
    pub fn keyword(&self) -> &'static str {
        match self {
            NodeKind::Entry => "entry",
            NodeKind::Send(_) => "send",
            NodeKind::Delay(d) => d.keyword(),
            NodeKind::WaitFor { .. } => "wait for",
            NodeKind::WaitAny { .. } => "wait for any",
            NodeKind::Branch { .. } => "if",
            NodeKind::Split => "split",
            NodeKind::Repeat { .. } => "repeat",
            NodeKind::Named { .. } => "step",
            NodeKind::Goto { .. } => "goto",
            NodeKind::Exit => "exit",
            NodeKind::Action(a) => a.keyword(),
            NodeKind::End => "end",
            NodeKind::Goal(_) => "goal",
            NodeKind::ExitEvent(_) => "exit when",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Edge {
    /// Plain sequence.
    Next,
    /// `if` arm `i` taken.
    If(usize),
    /// No `if` arm taken.
    Else,
    /// Split arm (boxed: the size of every edge is that of its largest
    /// label, and a journey of 200,000 steps has some 700,000 edges).
    Arm(Box<ArmEdge>),
    /// `wait for` saw what it waited for.
    Matched,
    /// `wait for` (or `wait for any`) timed out.
    Timeout,
    /// `wait for any`: the thing of arm `i` happened first.
    On(usize),
    /// Into a `repeat` body.
    Body,
    /// Out of a `repeat` after the last round.
    Done,
    /// A `goto` jump.
    Jump,
    /// A goal or exit event ends the journey while waiting here.
    Ends(EventId),
}

/// The label of a split arm's edge ([`Edge::Arm`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ArmEdge {
    pub index: usize,
    pub name: Option<Box<str>>,
    /// In hundredths of a percent.
    pub weight: u32,
}

/// How long taking an edge out of a node holds a person
/// ([`NodeKind::holds`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hold {
    /// The least time, in seconds.
    pub min: u64,
    /// The most time, in seconds.
    pub max: u64,
    /// Whether it surely takes time every time round a loop
    /// (`instant-loop`).
    pub every_round: bool,
}

/// The node a step becomes, without its blocks.
pub(super) fn node_kind(program: &Program, kind: &StepKind) -> NodeKind {
    match kind {
        StepKind::Send(m) => NodeKind::Send(*m),
        StepKind::Delay(d) => NodeKind::Delay(d.clone()),
        StepKind::WaitFor {
            on, filter, within, ..
        } => NodeKind::WaitFor {
            on: on.clone(),
            filter: filter.clone(),
            within: *within,
        },
        StepKind::WaitAny { arms, within, .. } => NodeKind::WaitAny {
            arms: arms
                .iter()
                .zip(arm_keys(program, arms))
                .map(|(a, key)| (a.on.clone(), a.filter.clone(), key))
                .collect(),
            within: *within,
        },
        StepKind::If { arms, .. } => NodeKind::Branch {
            conds: arms.iter().map(|(c, _)| c.clone()).collect(),
        },
        StepKind::Split(_) => NodeKind::Split,
        StepKind::Repeat { times, .. } => NodeKind::Repeat { times: *times },
        StepKind::Named { name, .. } => NodeKind::Named { name: name.clone() },
        StepKind::Goto { target } => NodeKind::Goto {
            target: target.clone(),
        },
        StepKind::Exit => NodeKind::Exit,
        StepKind::Action(a) => NodeKind::Action(a.clone()),
    }
}

/// What a step is, as an id part: `send-cart_reminder`, `wait`, `until`,
/// `waitfor-clicked-coupon`, `if`, `split`, `repeat`, `goto-nudge`,
/// `exit`, the name of a `step NAME`. A wait's duration or time of day is
/// a parameter, not part of its identity: editing it keeps the id (people
/// waiting there stay).
pub(super) fn step_key(program: &Program, kind: &StepKind) -> String {
    let p = program;
    match kind {
        StepKind::Send(m) => format!("send-{}", p.message(*m).name),
        StepKind::Delay(d) => d.key().into(),
        StepKind::WaitFor { on, .. } => match on {
            WaitOn::Event(e) => format!("waitfor-{}", p.event(*e).name),
            WaitOn::Opened(m) => format!("waitfor-opened-{}", p.message(*m).name),
            WaitOn::Clicked(m) => format!("waitfor-clicked-{}", p.message(*m).name),
        },
        StepKind::WaitAny { .. } => "waitany".into(),
        StepKind::If { .. } => "if".into(),
        StepKind::Split(_) => "split".into(),
        StepKind::Repeat { .. } => "repeat".into(),
        StepKind::Named { name, .. } => name.clone(),
        StepKind::Goto { target } => format!("goto-{target}"),
        StepKind::Exit => "exit".into(),
        StepKind::Action(a) => a.key(p),
    }
}

/// Whether time passes at the step (its node gets an `Ends` edge to the
/// goal and to every exit: those events end the journey while a person
/// waits there): the waits, and a send on a channel with quiet hours in
/// the campaign.
pub(super) fn time_passes(program: &Program, campaign: &Campaign, kind: &StepKind) -> bool {
    match kind {
        StepKind::Send(m) => {
            let ch = program.message(*m).channel;
            !campaign.quiet_periods(program.channel(ch)).is_empty()
        }
        StepKind::Delay(_) | StepKind::WaitFor { .. } | StepKind::WaitAny { .. } => true,
        StepKind::If { .. }
        | StepKind::Split(_)
        | StepKind::Repeat { .. }
        | StepKind::Named { .. }
        | StepKind::Goto { .. }
        | StepKind::Exit
        | StepKind::Action(_) => false,
    }
}

/// Where the flow goes after a step's node.
pub(super) enum Flow<'a> {
    /// One `Next` edge to what follows the step.
    Next,
    /// Labelled edges, each into a block or straight on (see
    /// [`branches`]); what leaves the blocks flows on after the step.
    Branches,
    /// A `repeat` head: `Body` into the block, whose end goes back to the
    /// head, and `Done` out.
    Loop(&'a Block),
    /// A `step NAME`: `Next` into its block (and the target of the
    /// `goto`s to the name).
    Named(&'a str, &'a Block),
    /// A `goto`: one `Jump` edge to the named step.
    Jump(&'a str),
    /// Nothing follows (`exit`).
    Stop,
}

/// How the flow leaves a step's node.
pub(super) fn flow(kind: &StepKind) -> Flow<'_> {
    match kind {
        StepKind::Send(_) | StepKind::Delay(_) | StepKind::Action(_) => Flow::Next,
        StepKind::WaitFor { .. }
        | StepKind::WaitAny { .. }
        | StepKind::If { .. }
        | StepKind::Split(_) => Flow::Branches,
        StepKind::Repeat { body, .. } => Flow::Loop(body),
        StepKind::Named { name, body } => Flow::Named(name, body),
        StepKind::Goto { target } => Flow::Jump(target),
        StepKind::Exit => Flow::Stop,
    }
}

/// Calls `f` on each labelled edge out of a step whose flow is
/// [`Flow::Branches`], in order: the edge, the id part of the steps of
/// its block (the node's id, a dot, then this), and the block (`None`:
/// the edge goes straight on to what follows the step).
pub(super) fn branches(
    program: &Program,
    kind: &StepKind,
    f: &mut dyn FnMut(Edge, &str, Option<&Block>),
) {
    match kind {
        StepKind::WaitFor {
            then, otherwise, ..
        } => {
            f(Edge::Matched, "then", then.as_ref());
            f(Edge::Timeout, "otherwise", otherwise.as_ref());
        }
        StepKind::WaitAny {
            arms, otherwise, ..
        } => {
            for (i, (arm, key)) in arms.iter().zip(arm_keys(program, arms)).enumerate() {
                f(Edge::On(i), &key, Some(&arm.body));
            }
            f(Edge::Timeout, "otherwise", otherwise.as_ref());
        }
        StepKind::If { arms, otherwise } => {
            for (i, (_, b)) in arms.iter().enumerate() {
                let part = if i == 0 {
                    "then".to_string()
                } else {
                    format!("if{}", i + 1)
                };
                f(Edge::If(i), &part, Some(b));
            }
            f(Edge::Else, "else", otherwise.as_ref());
        }
        StepKind::Split(arms) => {
            for (i, arm) in arms.iter().enumerate() {
                let part = arm.name.clone().unwrap_or_else(|| (i + 1).to_string());
                let e = Edge::Arm(Box::new(ArmEdge {
                    index: i,
                    name: arm.name.as_deref().map(Box::from),
                    weight: arm.weight,
                }));
                f(e, &part, Some(&arm.body));
            }
        }
        StepKind::Send(_)
        | StepKind::Delay(_)
        | StepKind::Repeat { .. }
        | StepKind::Named { .. }
        | StepKind::Goto { .. }
        | StepKind::Exit
        | StepKind::Action(_) => {}
    }
}

/// The keys of the `on`s of a `wait for any`, by what each waits for:
/// `on-EVENT`, `on-opened-M`, `on-clicked-M`, and `~2`, `~3`, ... for
/// later ones with the same key.
fn arm_keys(program: &Program, arms: &[WaitArm]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    arms.iter()
        .map(|arm| {
            let key = match &arm.on {
                WaitOn::Event(e) => format!("on-{}", program.event(*e).name),
                WaitOn::Opened(m) => format!("on-opened-{}", program.message(*m).name),
                WaitOn::Clicked(m) => format!("on-clicked-{}", program.message(*m).name),
            };
            let k = seen.entry(key.clone()).or_insert(0);
            *k += 1;
            if *k == 1 {
                key
            } else {
                format!("{key}~{k}")
            }
        })
        .collect()
}
