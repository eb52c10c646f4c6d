//! Builders for checked-model values, for tests and benchmarks that need a
//! [`Program`] without going through the front end (the plan and simulator
//! tests use them too). Every built step and condition gets a distinct
//! one-byte span (in build order), so spans identify them.
//!
//! Compiled for unit tests and with the `testkit` feature (which the
//! integration tests and benchmarks turn on), never into the binary.

use std::collections::BTreeMap;

use crate::model::*;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::symbols::Target;

/// A trigger on `event`, with no filter.
pub fn on_event(event: EventId) -> Trigger {
    Trigger::Event {
        event,
        filter: None,
    }
}

/// Builds a [`Program`] piece by piece.
#[derive(Default)]
pub struct ProgramBuilder {
    pub program: Program,
    /// Empty unless built [`ProgramBuilder::with_source`].
    pub sources: SourceMap,
    /// The file locations point into, with [`ProgramBuilder::with_source`].
    file: Option<FileId>,
    next: u32,
}

impl ProgramBuilder {
    /// Locations are spans in `FileId(0)`, with no source behind them.
    pub fn new() -> Self {
        Self::default()
    }

    /// Locations point into a source file `campaigns/test.omni` (one per
    /// line), so they can be shown and plans emitted (`plan::testkit`).
    pub fn with_source() -> Self {
        let mut sources = SourceMap::new();
        let text: String = (0..400).map(|i| format!("  line {i}\n")).collect();
        let file = sources.add(SourceFile::new(
            "/abs/campaigns/test.omni".into(),
            "campaigns/test.omni".into(),
            text,
        ));
        ProgramBuilder {
            sources,
            file: Some(file),
            ..Self::default()
        }
    }

    /// A fresh location.
    pub fn loc(&mut self) -> Loc {
        self.next += 1;
        match self.file {
            None => Loc::new(
                FileId(0),
                Span::new(self.next as usize, self.next as usize + 1),
            ),
            Some(file) => {
                let start = self.next as usize * 9 + 2;
                Loc::new(file, Span::new(start, start + 1))
            }
        }
    }

    pub fn attr(&mut self, name: &str, ty: Type) -> AttrId {
        let loc = self.loc();
        self.program.attributes.push(Attribute {
            name: name.into(),
            ty,
            loc,
        });
        AttrId(self.program.attributes.len() as u32 - 1)
    }

    pub fn event(&mut self, name: &str, fields: &[(&str, Type)]) -> EventId {
        let loc = self.loc();
        let fields = fields
            .iter()
            .map(|(n, t)| Field {
                name: (*n).into(),
                ty: t.clone(),
                loc,
            })
            .collect();
        self.program.events.push(Event {
            name: name.into(),
            fields,
            loc,
        });
        EventId(self.program.events.len() as u32 - 1)
    }

    /// An email channel with no consent or limits; `quiet` in minutes
    /// after midnight.
    pub fn channel(&mut self, name: &str, quiet: Option<(u32, u32)>) -> ChannelId {
        self.channel_with(name, "email", None, quiet, &[])
    }

    /// A channel with every property given; `limits` as (count, per seconds).
    pub fn channel_with(
        &mut self,
        name: &str,
        kind: &str,
        consent: Option<AttrId>,
        quiet_hours: Option<(u32, u32)>,
        limits: &[(u32, u64)],
    ) -> ChannelId {
        let loc = self.loc();
        self.program.channels.push(Channel {
            name: name.into(),
            kind: kind.into(),
            consent,
            quiet_hours,
            limits: limits
                .iter()
                .map(|&(count, per_seconds)| LimitSpec {
                    count,
                    per_seconds,
                    loc,
                })
                .collect(),
            description: None,
            loc,
            allows: Allows::default(),
        });
        let id = ChannelId(self.program.channels.len() as u32 - 1);
        self.define(Target::Channel(id), name, loc);
        id
    }

    /// A message whose template is its name.
    pub fn message(&mut self, name: &str, channel: ChannelId) -> MessageId {
        self.message_with(name, channel, name)
    }

    pub fn message_with(&mut self, name: &str, channel: ChannelId, template: &str) -> MessageId {
        let loc = self.loc();
        self.program.messages.push(Message {
            name: name.into(),
            channel,
            template: template.into(),
            subject: None,
            description: None,
            vars: BTreeMap::new(),
            offer: None,
            placeholders: Vec::new(),
            loc,
            allows: Allows::default(),
        });
        let id = MessageId(self.program.messages.len() as u32 - 1);
        self.define(Target::Message(id), name, loc);
        // The message names its channel where it is declared.
        self.program
            .symbols
            .refer(Target::Channel(channel), loc.file, loc.span);
        id
    }

    pub fn segment(&mut self, name: &str, cond: Cond) -> SegmentId {
        let loc = self.loc();
        self.program.segments.push(Segment {
            name: name.into(),
            cond,
            loc,
            allows: Allows::default(),
        });
        let id = SegmentId(self.program.segments.len() as u32 - 1);
        self.define(Target::Segment(id), name, loc);
        id
    }

    /// Records a declaration in the program's symbol index, as the resolver
    /// does for declarations written in source.
    fn define(&mut self, target: Target, name: &str, loc: Loc) {
        self.program
            .symbols
            .define(target, name, loc.file, loc.span);
    }

    /// Records the names a step or condition is written with (the
    /// resolver's references, for a program built by hand).
    fn refer(&mut self, target: Target, loc: Loc) {
        self.program.symbols.refer(target, loc.file, loc.span);
    }

    /// A campaign with the given journey; adjust it through the returned
    /// id and [`ProgramBuilder::campaign_mut`].
    pub fn campaign(&mut self, name: &str, trigger: Trigger, steps: Vec<Step>) -> CampaignId {
        let loc = self.loc();
        let jloc = self.loc();
        self.program.campaigns.push(Campaign::new(
            name.into(),
            loc,
            loc,
            Allows::default(),
            trigger,
            Block { steps, loc: jloc },
        ));
        CampaignId(self.program.campaigns.len() as u32 - 1)
    }

    pub fn campaign_mut(&mut self, id: CampaignId) -> &mut Campaign {
        &mut self.program.campaigns[id.index()]
    }

    // ---- steps ----

    pub fn step(&mut self, kind: StepKind) -> Step {
        let loc = self.loc();
        match &kind {
            StepKind::Send(m)
            | StepKind::WaitFor {
                on: WaitOn::Opened(m) | WaitOn::Clicked(m),
                ..
            } => self.refer(Target::Message(*m), loc),
            _ => {}
        }
        Step {
            kind,
            loc,
            allows: Allows::default(),
        }
    }
    pub fn block(&mut self, steps: Vec<Step>) -> Block {
        Block {
            steps,
            loc: self.loc(),
        }
    }
    pub fn send(&mut self, m: MessageId) -> Step {
        self.step(StepKind::Send(m))
    }
    pub fn wait(&mut self, seconds: u64) -> Step {
        self.step(StepKind::Delay(wait(seconds)))
    }
    pub fn wait_until(&mut self, weekday: Option<Weekday>, minutes: u32) -> Step {
        self.step(StepKind::Delay(until(weekday, minutes)))
    }
    pub fn wait_for(
        &mut self,
        on: WaitOn,
        within: u64,
        then: Option<Vec<Step>>,
        otherwise: Option<Vec<Step>>,
    ) -> Step {
        let then = then.map(|s| self.block(s));
        let otherwise = otherwise.map(|s| self.block(s));
        self.step(StepKind::WaitFor {
            on,
            filter: None,
            within,
            then,
            otherwise,
        })
    }
    pub fn if_(&mut self, arms: Vec<(Cond, Vec<Step>)>, otherwise: Option<Vec<Step>>) -> Step {
        let arms = arms.into_iter().map(|(c, s)| (c, self.block(s))).collect();
        let otherwise = otherwise.map(|s| self.block(s));
        self.step(StepKind::If { arms, otherwise })
    }
    /// Arms as (weight in percent, name, steps).
    pub fn split(&mut self, arms: Vec<(u32, Option<&str>, Vec<Step>)>) -> Step {
        let arms = arms
            .into_iter()
            .map(|(w, n, s)| SplitArm {
                weight: w * 100,
                name: n.map(String::from),
                body: self.block(s),
                at: self.loc(),
                head: (),
            })
            .collect();
        self.step(StepKind::Split(arms))
    }
    pub fn repeat(&mut self, times: u32, body: Vec<Step>) -> Step {
        let body = self.block(body);
        self.step(StepKind::Repeat { times, body })
    }
    pub fn named(&mut self, name: &str, body: Vec<Step>) -> Step {
        let body = self.block(body);
        self.step(StepKind::Named {
            name: name.into(),
            body,
        })
    }
    pub fn goto(&mut self, target: &str) -> Step {
        self.step(StepKind::Goto {
            target: target.into(),
        })
    }
    pub fn exit(&mut self) -> Step {
        self.step(StepKind::Exit)
    }
    /// `set ATTR = VALUE`, or `unset ATTR` when `value` is `None`.
    pub fn set(&mut self, attr: AttrId, value: Option<SetValue>) -> Step {
        self.step(StepKind::Action(Action::Set { attr, value }))
    }

    // ---- conditions ----

    pub fn cond(&mut self, kind: CondKind) -> Cond {
        let loc = self.loc();
        match kind {
            CondKind::Segment(s) => self.refer(Target::Segment(s), loc),
            CondKind::Opened(m) | CondKind::Clicked(m) => self.refer(Target::Message(m), loc),
            _ => {}
        }
        Cond { kind, loc }
    }
    pub fn cmp(&mut self, a: AttrId, op: CmpOp, c: Const) -> Cond {
        self.cond(CondKind::Cmp {
            lhs: Value::Attr(a),
            op,
            rhs: Value::Const(c),
        })
    }
    pub fn num(&mut self, a: AttrId, op: CmpOp, n: f64) -> Cond {
        self.cmp(a, op, Const::Number(n))
    }
    pub fn text(&mut self, a: AttrId, op: CmpOp, s: &str) -> Cond {
        self.cmp(a, op, Const::Text(s.into()))
    }
    pub fn is_set(&mut self, a: AttrId, negated: bool) -> Cond {
        self.cond(CondKind::IsSet {
            value: Value::Attr(a),
            negated,
        })
    }
    pub fn in_list(&mut self, a: AttrId, list: &[Const], negated: bool) -> Cond {
        self.cond(CondKind::In {
            value: Value::Attr(a),
            list: list.iter().cloned().map(Value::Const).collect(),
            negated,
        })
    }
    pub fn flag(&mut self, a: AttrId) -> Cond {
        self.cond(CondKind::Attr(a))
    }
    pub fn seg(&mut self, s: SegmentId) -> Cond {
        self.cond(CondKind::Segment(s))
    }
    pub fn and(&mut self, cs: Vec<Cond>) -> Cond {
        self.cond(CondKind::And(cs))
    }
    pub fn or(&mut self, cs: Vec<Cond>) -> Cond {
        self.cond(CondKind::Or(cs))
    }
    pub fn not(&mut self, c: Cond) -> Cond {
        self.cond(CondKind::Not(Box::new(c)))
    }
    pub fn did_since_entry(&mut self, e: EventId) -> Cond {
        self.cond(CondKind::Did {
            event: e,
            filter: None,
            window: DidWindow::SinceEntry,
            at_least: 1,
        })
    }
    pub fn opened(&mut self, m: MessageId) -> Cond {
        self.cond(CondKind::Opened(m))
    }
    pub fn clicked(&mut self, m: MessageId) -> Cond {
        self.cond(CondKind::Clicked(m))
    }
}

/// A `wait` of `seconds`, without a place in a source.
pub fn wait(seconds: u64) -> Delay {
    Delay::For(crate::syntax::ast::Duration {
        seconds,
        span: Span::default(),
    })
}

/// A `wait until [weekday] minutes`, without a place in a source.
pub fn until(weekday: Option<Weekday>, minutes: u32) -> Delay {
    Delay::Until {
        weekday: weekday.map(|w| (w, Span::default())),
        time: crate::syntax::ast::TimeOfDay {
            minutes,
            span: Span::default(),
        },
    }
}
