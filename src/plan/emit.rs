//! Building a [`Plan`] from the checked model.
//!
//! Expressions become typed trees; each segment they use is written once,
//! in the plan's segment table, and referred to by name. The journey's
//! nodes, their ids, labelled successors and arrival times come from the
//! journey graph (`crate::graph`: `lower` and `timing`, which also gives
//! `max_sends_per_person`), so plans and diagnostics speak of the same
//! nodes.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    time, ChannelDecl, Compiler, DidWindow, Edge, EventDecl, Expr, Limit, MessageDecl, Node,
    Number, Operand, Placeholder, Plan, QuietHours, Reentry, SourceRef, Trigger, ValueType,
    VarValue, WaitOn, Window, FORMAT_VERSION,
};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::graph::{self, Edge as GEdge};
use crate::model::{
    self, AttrId, CampaignId, Cond, CondKind, EventId, MessageId, Program, SegmentId,
};
use crate::source::SourceMap;
use crate::words::time_of_day;

/// The name of the profile attribute that holds a person's time zone.
pub const TIMEZONE_ATTRIBUTE: &str = "timezone";

/// The plan of one campaign of a checked program (one without errors).
pub fn emit(program: &Program, campaign: CampaignId, sources: &SourceMap) -> Plan {
    emit_lowered(program, &graph::lower(program, campaign), sources)
}

/// The plan of the campaign of `journey`, lowered from `program` (as
/// `crate::driver::Analysis::journeys` holds them): what [`emit`] gives,
/// without lowering the journey again.
pub fn emit_lowered(program: &Program, journey: &graph::Journey, sources: &SourceMap) -> Plan {
    let campaign = journey.campaign;
    let c = program.campaign(campaign);
    let mut cx = Cx {
        program,
        sources,
        attrs: BTreeSet::new(),
        events: BTreeSet::new(),
        messages: BTreeSet::new(),
        segments: BTreeSet::new(),
    };

    let file = sources.get(c.loc.file);
    let source = SourceRef {
        path: file.project_path.replace('\\', "/"),
        sha256: super::sha256_hex(file.text.as_bytes()),
    };

    let trigger = match &c.trigger {
        model::Trigger::Event { event, filter } => {
            cx.events.insert(*event);
            Trigger::Event {
                event: program.event(*event).name.clone(),
                filter: filter.as_ref().map(|f| cx.expr(f)),
            }
        }
        model::Trigger::Enters(seg) => Trigger::Enters {
            segment: program.segment(*seg).name.clone(),
            condition: cx.segment_ref(*seg),
        },
        model::Trigger::Daily { minutes } => Trigger::Daily {
            at: time_of_day(*minutes),
        },
        model::Trigger::Weekly { weekday, minutes } => Trigger::Weekly {
            on: (*weekday).into(),
            at: time_of_day(*minutes),
        },
        model::Trigger::Once { date, minutes } => Trigger::Once {
            date: date.format("%Y-%m-%d").to_string(),
            at: time_of_day(*minutes),
        },
        model::Trigger::Date {
            attr,
            offset_days,
            minutes,
            yearly,
        } => {
            cx.attrs.insert(*attr);
            Trigger::Date {
                attribute: program.attr(*attr).name.clone(),
                offset_days: *offset_days,
                at: time_of_day(*minutes),
                yearly: *yearly,
            }
        }
    };
    let audience = c.audience.as_ref().map(|a| cx.expr(a));
    let reentry = match c.reentry {
        model::Reentry::Never => Reentry::Never,
        model::Reentry::Always => Reentry::Always,
        model::Reentry::After(s) => Reentry::After { after: s },
    };
    let goal = c.goal.map(|(e, _)| {
        cx.events.insert(e);
        program.event(e).name.clone()
    });
    let exits: BTreeSet<String> = c
        .exits
        .iter()
        .map(|(e, _)| {
            cx.events.insert(*e);
            program.event(*e).name.clone()
        })
        .collect();
    let goal_filter = c.goal_filter.as_ref().map(|f| cx.expr(f));
    let exit_unless = c.exit_unless.iter().map(|c| cx.expr(c)).collect();
    let exit_filters = c
        .exit_filters
        .iter()
        .map(|(e, f)| (program.event(*e).name.clone(), cx.expr(f)))
        .collect();
    let limits = c.limits.iter().map(limit).collect();
    let timezone = c.timezone.clone().unwrap_or_else(|| "UTC".to_string());
    let tz = time::parse_tz(&timezone).unwrap_or(chrono_tz::UTC);
    let window = c.window.map(|(from, to, _)| Window {
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        opens_at: time::format_instant(time::start_of_day(tz, from)),
        closes_at: time::format_instant(time::start_of_day(tz, to.succ_opt().unwrap_or(to))),
    });
    let timezone_attribute = program.attr_by_name(TIMEZONE_ATTRIBUTE).map(|a| {
        cx.attrs.insert(a);
        TIMEZONE_ATTRIBUTE.to_string()
    });

    let (entry, nodes, max_sends_per_person) = cx.nodes(journey);

    // The segment table: every segment used, each emitted once (emitting
    // one may use more).
    let mut segments = BTreeMap::new();
    let mut done: BTreeSet<SegmentId> = BTreeSet::new();
    while let Some(&s) = cx.segments.difference(&done).next() {
        done.insert(s);
        let seg = program.segment(s);
        let cond = cx.expr(&seg.cond);
        segments.insert(seg.name.clone(), cond);
    }

    // Messages (and so channels, consent attributes and placeholders).
    let mut messages = BTreeMap::new();
    let mut channels = BTreeMap::new();
    for &m in &cx.messages.clone() {
        let msg = program.message(m);
        let ch = program.channel(msg.channel);
        let mut seen = BTreeSet::new();
        let placeholders = msg
            .placeholders
            .iter()
            .filter(|p| seen.insert((p.path.clone(), p.default.clone())))
            .map(|p| Placeholder {
                path: p.path.clone(),
                source: cx.placeholder_source(&p.path),
                default: p.default.clone(),
            })
            .collect();
        messages.insert(
            msg.name.clone(),
            MessageDecl {
                channel: ch.name.clone(),
                template: msg.template.clone(),
                subject: msg.subject.clone(),
                vars: msg
                    .vars
                    .iter()
                    .map(|(k, v)| (k.clone(), var_value(v)))
                    .collect(),
                offer: msg.offer.clone(),
                placeholders,
            },
        );
        if let Some(a) = ch.consent {
            cx.attrs.insert(a);
        }
        channels.insert(
            ch.name.clone(),
            ChannelDecl {
                kind: ch.kind.clone(),
                consent: ch.consent.map(|a| program.attr(a).name.clone()),
                quiet_hours: ch.quiet_hours.map(|(from, to)| quiet_hours(from, to)),
                limits: ch.limits.iter().map(limit).collect(),
            },
        );
    }

    let profile = cx
        .attrs
        .iter()
        .map(|&a| {
            let attr = program.attr(a);
            (attr.name.clone(), ValueType::from(&attr.ty))
        })
        .collect();
    let events = cx
        .events
        .iter()
        .map(|&e| {
            let ev = program.event(e);
            (
                ev.name.clone(),
                EventDecl {
                    fields: ev
                        .fields
                        .iter()
                        .map(|f| (f.name.clone(), ValueType::from(&f.ty)))
                        .collect(),
                },
            )
        })
        .collect();

    Plan {
        format_version: FORMAT_VERSION.to_string(),
        compiler: Compiler {
            name: "omnis".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        campaign: c.name.clone(),
        description: c.description.clone(),
        source,
        trigger,
        audience,
        reentry,
        goal,
        goal_filter,
        exits: exits.into_iter().collect(),
        exit_filters,
        exit_unless,
        limits,
        window,
        priority: c.priority,
        timezone,
        timezone_attribute,
        quiet_hours: c.quiet_hours.map(|(from, to, _)| quiet_hours(from, to)),
        profile,
        events,
        channels,
        messages,
        segments,
        max_sends_per_person,
        entry,
        nodes,
    }
}

/// The order of a node's successors in the plan: arms in source order,
/// `else` last; `event` before `timeout`; `body` before `done`.
fn quiet_hours(from: u32, to: u32) -> QuietHours {
    QuietHours {
        from: time_of_day(from),
        to: time_of_day(to),
    }
}

fn edge_rank(e: &GEdge) -> usize {
    match e {
        GEdge::If(i) => *i,
        GEdge::Arm(arm) => arm.index,
        GEdge::Else => usize::MAX,
        GEdge::On(i) => *i,
        GEdge::Done => 1,
        // After every arm of a `wait for any`.
        GEdge::Timeout => usize::MAX - 1,
        _ => 0,
    }
}

fn limit(l: &model::LimitSpec) -> Limit {
    Limit {
        count: l.count,
        per: l.per_seconds,
    }
}

fn var_value(v: &model::VarValue) -> VarValue {
    match v {
        model::VarValue::Text(s) => VarValue::Text(s.clone()),
        model::VarValue::Number(n) => VarValue::Number(Number(*n)),
        model::VarValue::Bool(b) => VarValue::Bool(*b),
    }
}

pub(super) struct Cx<'a> {
    pub(super) program: &'a Program,
    sources: &'a SourceMap,
    pub(super) attrs: BTreeSet<AttrId>,
    events: BTreeSet<EventId>,
    pub(super) messages: BTreeSet<MessageId>,
    /// The segments referred to, for the segment table.
    segments: BTreeSet<SegmentId>,
}

impl Cx<'_> {
    /// What a `wait for` or an `on` waits for.
    pub(super) fn wait_on(&mut self, on: &model::WaitOn) -> WaitOn {
        let program = self.program;
        match on {
            model::WaitOn::Event(e) => {
                self.events.insert(*e);
                WaitOn::Event {
                    event: program.event(*e).name.clone(),
                }
            }
            model::WaitOn::Opened(m) => {
                self.messages.insert(*m);
                WaitOn::Opened {
                    message: program.message(*m).name.clone(),
                }
            }
            model::WaitOn::Clicked(m) => {
                self.messages.insert(*m);
                WaitOn::Clicked {
                    message: program.message(*m).name.clone(),
                }
            }
        }
    }

    fn loc(&self, loc: model::Loc) -> (u32, u32) {
        let lc = self.sources.get(loc.file).line_col(loc.span.start as usize);
        (lc.line as u32, lc.column as u32)
    }

    /// The journey's nodes, from the journey graph: ids, kinds, labelled
    /// successors and arrival times are the graph's. Returns the entry id,
    /// the nodes in source order (the end node last) and the most sends.
    fn nodes(&mut self, journey: &graph::Journey) -> (String, Vec<Node>, Option<u64>) {
        let program = self.program;
        let timing = crate::analysis::timing::analyze(program, journey);
        let g = &journey.graph;
        let mut order: Vec<NodeIndex> = journey.step_nodes().collect();
        order.push(journey.end);
        let mut nodes = Vec::with_capacity(order.len());
        for n in order {
            let node = &g[n];
            let mut edges: Vec<_> = g
                .edges_directed(n, Direction::Outgoing)
                .filter(|e| !matches!(e.weight(), GEdge::Ends(_)))
                .collect();
            edges.sort_by_key(|e| (edge_rank(e.weight()), e.id()));
            let mut successors = Vec::with_capacity(edges.len());
            for e in edges {
                let Some(label) = self.edge_label(&node.kind, e.weight()) else {
                    continue;
                };
                successors.push(Edge {
                    label,
                    to: g[e.target()].id.clone(),
                    loop_back: journey.is_repeat_back_edge(e.id()),
                });
            }
            let kind = self.node_kind(&node.kind);
            let (line, column) = if n == journey.end {
                (0, 0)
            } else {
                self.loc(node.loc)
            };
            let arrival = timing.arrival(n);
            nodes.push(Node {
                id: node.id.clone(),
                kind,
                line,
                column,
                earliest: arrival.map_or(0, |a| a.earliest),
                latest: arrival.map_or(Some(0), |a| a.latest),
                successors,
            });
        }
        let entry = g
            .edges_directed(journey.entry, Direction::Outgoing)
            .map(|e| g[e.target()].id.clone())
            .next()
            .unwrap_or_else(|| g[journey.end].id.clone());
        (entry, nodes, timing.max_sends)
    }

    fn placeholder_source(&mut self, path: &str) -> Operand {
        let program = self.program;
        if let Some((ev, field)) = path.split_once('.') {
            if let Some(e) = program.event_by_name(ev) {
                let event = program.event(e);
                if let Some(i) = event.field(field) {
                    self.events.insert(e);
                    return Operand::TriggerField {
                        trigger_field: field.to_string(),
                        event: ev.to_string(),
                        ty: (&event.fields[i].ty).into(),
                    };
                }
            }
        } else if let Some(a) = program.attr_by_name(path) {
            self.attrs.insert(a);
            return Operand::Attr {
                attr: path.to_string(),
                ty: (&program.attr(a).ty).into(),
            };
        }
        Operand::Attr {
            attr: path.to_string(),
            ty: ValueType::TEXT,
        }
    }

    pub(super) fn operand(&mut self, v: &model::Value) -> Operand {
        let program = self.program;
        match v {
            model::Value::Attr(a) => {
                self.attrs.insert(*a);
                let attr = program.attr(*a);
                Operand::Attr {
                    attr: attr.name.clone(),
                    ty: (&attr.ty).into(),
                }
            }
            model::Value::TriggerField(e, i) => {
                self.events.insert(*e);
                let ev = program.event(*e);
                Operand::TriggerField {
                    trigger_field: ev.fields[*i].name.clone(),
                    event: ev.name.clone(),
                    ty: (&ev.fields[*i].ty).into(),
                }
            }
            model::Value::EventField(e, i) => {
                self.events.insert(*e);
                let ev = program.event(*e);
                Operand::EventField {
                    event_field: ev.fields[*i].name.clone(),
                    event: ev.name.clone(),
                    ty: (&ev.fields[*i].ty).into(),
                }
            }
            model::Value::Const(c) => match c {
                model::Const::Text(s) => Operand::Const {
                    value: VarValue::Text(s.clone()),
                },
                model::Const::Number(n) => Operand::Const {
                    value: VarValue::Number(Number(*n)),
                },
                model::Const::Bool(b) => Operand::Const {
                    value: VarValue::Bool(*b),
                },
                model::Const::Duration(s) => Operand::Duration { duration: *s },
                model::Const::Date(days) => Operand::Date {
                    date: (chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")
                        + chrono::Duration::days(*days))
                    .format("%Y-%m-%d")
                    .to_string(),
                },
                model::Const::TimeOfDay(m) => Operand::TimeOfDay {
                    time_of_day: time_of_day(*m),
                },
            },
        }
    }

    /// A reference to a segment, which goes into the segment table.
    fn segment_ref(&mut self, s: SegmentId) -> Expr {
        self.segments.insert(s);
        Expr::SegmentRef {
            name: self.program.segment(s).name.clone(),
        }
    }

    /// A condition as a plan expression, segments referred to by name.
    pub(super) fn expr(&mut self, cond: &Cond) -> Expr {
        let program = self.program;
        match &cond.kind {
            CondKind::Const(b) => Expr::Const { value: *b },
            CondKind::Or(args) => Expr::Or {
                args: args.iter().map(|a| self.expr(a)).collect(),
            },
            CondKind::And(args) => Expr::And {
                args: args.iter().map(|a| self.expr(a)).collect(),
            },
            CondKind::Not(a) => Expr::Not {
                arg: Box::new(self.expr(a)),
            },
            CondKind::Cmp { lhs, op, rhs } => Expr::Cmp {
                cmp: (*op).into(),
                left: self.operand(lhs),
                right: self.operand(rhs),
            },
            CondKind::In {
                value,
                list,
                negated,
            } => {
                let value = self.operand(value);
                let list = list.iter().map(|v| self.operand(v)).collect();
                if *negated {
                    Expr::NotIn { value, list }
                } else {
                    Expr::In { value, list }
                }
            }
            CondKind::Contains { list, item } => Expr::Contains {
                list: self.operand(list),
                item: self.operand(item),
            },
            CondKind::IsSet { value, negated } | CondKind::IsEmpty { value, negated } => {
                let value = self.operand(value);
                let e = if matches!(cond.kind, CondKind::IsSet { .. }) {
                    Expr::IsSet { value }
                } else {
                    Expr::IsEmpty { value }
                };
                if *negated {
                    Expr::Not { arg: Box::new(e) }
                } else {
                    e
                }
            }
            CondKind::Attr(a) => Expr::Cmp {
                cmp: super::CmpOp::Eq,
                left: self.operand(&model::Value::Attr(*a)),
                right: Operand::Const {
                    value: VarValue::Bool(true),
                },
            },
            CondKind::Field(v) => Expr::Cmp {
                cmp: super::CmpOp::Eq,
                left: self.operand(v),
                right: Operand::Const {
                    value: VarValue::Bool(true),
                },
            },
            CondKind::Segment(s) => self.segment_ref(*s),
            CondKind::Did {
                event,
                filter,
                window,
                at_least,
            } => {
                self.events.insert(*event);
                Expr::Did {
                    event: program.event(*event).name.clone(),
                    filter: filter.as_ref().map(|f| Box::new(self.expr(f))),
                    window: did_window(window),
                    at_least: (*at_least).max(1),
                }
            }
            CondKind::Received {
                what,
                window,
                at_least,
            } => {
                let (message, channel) = match what {
                    model::Received::Message(m) => (Some(program.message(*m).name.clone()), None),
                    model::Received::Any(c) => (None, c.map(|c| program.channel(c).name.clone())),
                };
                Expr::Received {
                    message,
                    channel,
                    window: did_window(window),
                    at_least: (*at_least).max(1),
                }
            }
            CondKind::EngagedAny {
                channel,
                within,
                clicked,
            } => {
                let channel = channel.map(|c| program.channel(c).name.clone());
                if *clicked {
                    Expr::ClickedAny {
                        channel,
                        seconds: *within,
                    }
                } else {
                    Expr::OpenedAny {
                        channel,
                        seconds: *within,
                    }
                }
            }
            CondKind::InCampaign(c) => Expr::InCampaign {
                campaign: program.campaign(*c).name.clone(),
            },
            CondKind::Opened(m) => {
                self.messages.insert(*m);
                Expr::Opened {
                    message: program.message(*m).name.clone(),
                }
            }
            CondKind::Clicked(m) => {
                self.messages.insert(*m);
                Expr::Clicked {
                    message: program.message(*m).name.clone(),
                }
            }
        }
    }
}

/// The plans of every campaign of a checked program, in declaration order.
pub fn emit_all(program: &Program, sources: &SourceMap) -> Vec<Plan> {
    (0..program.campaigns.len())
        .map(|i| emit(program, CampaignId(i as u32), sources))
        .collect()
}

fn did_window(w: &model::DidWindow) -> DidWindow {
    match w {
        model::DidWindow::Ever => DidWindow::Ever,
        model::DidWindow::Within(s) => DidWindow::Within { seconds: *s },
        model::DidWindow::SinceEntry => DidWindow::SinceEntry,
    }
}
