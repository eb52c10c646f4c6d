//! Building a [`Plan`] from the checked model.
//!
//! Expressions become typed trees with segments expanded; the journey
//! becomes nodes with stable structural ids (see [`node_ids`]) and labelled
//! successors; [`super::analysis`] adds the timing and volume facts.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::{
    analysis, format_duration, format_time_of_day, time, ChannelDecl, Compiler, DidWindow, Edge,
    EdgeLabel, EventDecl, Expr, Limit, MessageDecl, Node, NodeKind, Number, Operand, Placeholder,
    Plan, QuietHours, Reentry, SourceRef, Trigger, ValueType, VarValue, WaitOn, Weekday, Window,
    FORMAT_VERSION,
};
use crate::model::{self, AttrId, CampaignId, Cond, CondKind, EventId, MessageId, Program};
use crate::source::SourceMap;

/// The name of the profile attribute that holds a person's time zone.
pub const TIMEZONE_ATTRIBUTE: &str = "timezone";

/// The plan of one campaign of a checked program (one without errors).
pub fn emit(program: &Program, campaign: CampaignId, sources: &SourceMap) -> Plan {
    let c = program.campaign(campaign);
    let mut cx = Cx {
        program,
        campaign: c,
        sources,
        attrs: BTreeSet::new(),
        events: BTreeSet::new(),
        messages: BTreeSet::new(),
    };

    let file = sources.get(c.loc.file);
    let source = SourceRef {
        path: file.name.replace('\\', "/"),
        sha256: hex(&Sha256::digest(file.text.as_bytes())),
    };

    let trigger = match &c.trigger {
        model::Trigger::Event { event, filter } => {
            cx.events.insert(*event);
            Trigger::Event {
                event: program.event(*event).name.clone(),
                filter: filter.as_ref().map(|f| cx.expr(f)),
            }
        }
        model::Trigger::Enters(seg) => {
            let s = program.segment(*seg);
            Trigger::Enters {
                segment: s.name.clone(),
                condition: cx.expr(&s.cond),
            }
        }
        model::Trigger::Daily { minutes } => Trigger::Daily {
            at: format_time_of_day(*minutes),
        },
        model::Trigger::Weekly { weekday, minutes } => Trigger::Weekly {
            on: (*weekday).into(),
            at: format_time_of_day(*minutes),
        },
        model::Trigger::Once { date, minutes } => Trigger::Once {
            date: date.format("%Y-%m-%d").to_string(),
            at: format_time_of_day(*minutes),
        },
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

    let ids = node_ids(program, &c.journey);
    let mut nodes = Vec::new();
    let end = Target {
        id: END.to_string(),
        loop_back: false,
    };
    let entry = cx.block(&c.journey, &ids, &end, &mut nodes);
    nodes.push(Node {
        id: END.to_string(),
        kind: NodeKind::End,
        line: 0,
        column: 0,
        earliest: 0,
        latest: Some(0),
        successors: Vec::new(),
    });

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
                quiet_hours: ch.quiet_hours.map(|(from, to)| QuietHours {
                    from: format_time_of_day(from),
                    to: format_time_of_day(to),
                }),
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

    let mut plan = Plan {
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
        exits: exits.into_iter().collect(),
        limits,
        window,
        timezone,
        timezone_attribute,
        profile,
        events,
        channels,
        messages,
        max_sends_per_person: None,
        entry: entry.id,
        nodes,
    };
    analysis::apply(&mut plan);
    plan
}

/// The id of the node every completed path ends at.
pub const END: &str = "end";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

/// Where flow goes after a block: a node id, and whether arriving there
/// closes an iteration of a `repeat`.
#[derive(Clone, Debug)]
struct Target {
    id: String,
    loop_back: bool,
}

struct Cx<'a> {
    program: &'a Program,
    campaign: &'a model::Campaign,
    sources: &'a SourceMap,
    attrs: BTreeSet<AttrId>,
    events: BTreeSet<EventId>,
    messages: BTreeSet<MessageId>,
}

/// Stable ids for every step of a journey, keyed by the step's address (its
/// pointer; the journey is not moved while ids are in use).
///
/// A step's id is its *key* within its block, prefixed by the id of the
/// step that contains it and the branch it is in:
/// - keys: `send-MESSAGE`, `wait-1d12h`, `wait-until-0900`,
///   `wait-until-mon-0900`, `wait-for-EVENT`, `wait-for-opened-MESSAGE`,
///   `wait-for-clicked-MESSAGE`, `if`, `split`, `repeat-3`, `goto-NAME`,
///   `exit`; a named `step NAME` is just `NAME` and starts a new prefix of
///   its own, wherever it is;
/// - a key that occurs again in the same block gets `-2`, `-3`, ...;
/// - branches: `then`, `otherwise` (wait for); `then`, `then-2`, ...,
///   `else` (if); the arm's name or `armN` (split); `body` (repeat);
/// - so `wait-for-clicked-coupon/then/send-coupon_40`, `nudge/wait-2d`.
///
/// Adding, removing or editing a step changes only its own id, the ids
/// inside it, and the suffixes of same-key siblings after it.
pub fn node_ids(program: &Program, journey: &model::Block) -> BTreeMap<*const model::Step, String> {
    let mut ids = BTreeMap::new();
    let mut taken = BTreeSet::from([END.to_string()]);
    ids_block(program, journey, "", &mut ids, &mut taken);
    ids
}

fn step_key(step: &model::Step, program: &Program) -> String {
    use model::StepKind as K;
    let msg = |m: MessageId| program.message(m).name.clone();
    let ev = |e: EventId| program.event(e).name.clone();
    match &step.kind {
        K::Send(m) => format!("send-{}", msg(*m)),
        K::Wait { seconds } => format!("wait-{}", format_duration(*seconds)),
        K::WaitUntil { weekday, minutes } => {
            let hhmm = format_time_of_day(*minutes).replace(':', "");
            match weekday {
                Some(w) => format!("wait-until-{}-{hhmm}", w.as_str()),
                None => format!("wait-until-{hhmm}"),
            }
        }
        K::WaitFor { on, .. } => match on {
            model::WaitOn::Event(e) => format!("wait-for-{}", ev(*e)),
            model::WaitOn::Opened(m) => format!("wait-for-opened-{}", msg(*m)),
            model::WaitOn::Clicked(m) => format!("wait-for-clicked-{}", msg(*m)),
        },
        K::If { .. } => "if".into(),
        K::Split(_) => "split".into(),
        K::Repeat { times, .. } => format!("repeat-{times}"),
        K::Named { name, .. } => name.clone(),
        K::Goto { target } => format!("goto-{target}"),
        K::Exit => "exit".into(),
    }
}

fn ids_block(
    program: &Program,
    block: &model::Block,
    prefix: &str,
    ids: &mut BTreeMap<*const model::Step, String>,
    taken: &mut BTreeSet<String>,
) {
    use model::StepKind as K;
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for step in &block.steps {
        let key = step_key(step, program);
        let n = counts.entry(key.clone()).or_insert(0);
        *n += 1;
        let local = if *n == 1 { key } else { format!("{key}-{n}") };
        let base = match &step.kind {
            K::Named { .. } => local,
            _ => format!("{prefix}{local}"),
        };
        let mut id = base.clone();
        let mut k = 2;
        while !taken.insert(id.clone()) {
            id = format!("{base}-{k}");
            k += 1;
        }
        ids.insert(step as *const _, id.clone());
        let sub = |branch: &str| format!("{id}/{branch}/");
        match &step.kind {
            K::WaitFor {
                then, otherwise, ..
            } => {
                if let Some(b) = then {
                    ids_block(program, b, &sub("then"), ids, taken);
                }
                if let Some(b) = otherwise {
                    ids_block(program, b, &sub("otherwise"), ids, taken);
                }
            }
            K::If { arms, otherwise } => {
                for (i, (_, b)) in arms.iter().enumerate() {
                    let branch = if i == 0 {
                        "then".to_string()
                    } else {
                        format!("then-{}", i + 1)
                    };
                    ids_block(program, b, &sub(&branch), ids, taken);
                }
                if let Some(b) = otherwise {
                    ids_block(program, b, &sub("else"), ids, taken);
                }
            }
            K::Split(arms) => {
                for (i, arm) in arms.iter().enumerate() {
                    ids_block(program, &arm.body, &sub(&arm_name(arm, i)), ids, taken);
                }
            }
            K::Repeat { body, .. } => ids_block(program, body, &sub("body"), ids, taken),
            K::Named { body, .. } => ids_block(program, body, &format!("{id}/"), ids, taken),
            _ => {}
        }
    }
}

fn arm_name(arm: &model::SplitArm, i: usize) -> String {
    arm.name.clone().unwrap_or_else(|| format!("arm{}", i + 1))
}

impl Cx<'_> {
    fn loc(&self, loc: model::Loc) -> (u32, u32) {
        let lc = self.sources.get(loc.file).line_col(loc.span.start as usize);
        (lc.line as u32, lc.column as u32)
    }

    /// Lowers a block whose flow continues at `cont`; returns where flow
    /// enters it (`cont` itself when it is empty).
    fn block(
        &mut self,
        block: &model::Block,
        ids: &BTreeMap<*const model::Step, String>,
        cont: &Target,
        nodes: &mut Vec<Node>,
    ) -> Target {
        let targets: Vec<Target> = block
            .steps
            .iter()
            .map(|s| Target {
                id: ids[&(s as *const _)].clone(),
                loop_back: false,
            })
            .collect();
        for (i, step) in block.steps.iter().enumerate() {
            let next = targets.get(i + 1).unwrap_or(cont).clone();
            self.step(step, &targets[i].id, ids, &next, nodes);
        }
        targets.first().cloned().unwrap_or_else(|| cont.clone())
    }

    fn step(
        &mut self,
        step: &model::Step,
        id: &str,
        ids: &BTreeMap<*const model::Step, String>,
        next: &Target,
        nodes: &mut Vec<Node>,
    ) {
        use model::StepKind as K;
        let (line, column) = self.loc(step.loc);
        let edge = |label: EdgeLabel, t: &Target| Edge {
            label,
            to: t.id.clone(),
            loop_back: t.loop_back,
        };
        let at = nodes.len();
        nodes.push(Node {
            id: id.to_string(),
            kind: NodeKind::Exit,
            line,
            column,
            earliest: 0,
            latest: None,
            successors: Vec::new(),
        });
        let (kind, successors) = match &step.kind {
            K::Send(m) => {
                self.messages.insert(*m);
                (
                    NodeKind::Send {
                        message: self.program.message(*m).name.clone(),
                    },
                    vec![edge(EdgeLabel::Next, next)],
                )
            }
            K::Wait { seconds } => (
                NodeKind::Wait { seconds: *seconds },
                vec![edge(EdgeLabel::Next, next)],
            ),
            K::WaitUntil { weekday, minutes } => (
                NodeKind::WaitUntil {
                    on: weekday.map(Weekday::from),
                    at: format_time_of_day(*minutes),
                },
                vec![edge(EdgeLabel::Next, next)],
            ),
            K::WaitFor {
                on,
                filter,
                within,
                then,
                otherwise,
            } => {
                let on = match on {
                    model::WaitOn::Event(e) => {
                        self.events.insert(*e);
                        WaitOn::Event {
                            event: self.program.event(*e).name.clone(),
                        }
                    }
                    model::WaitOn::Opened(m) => {
                        self.messages.insert(*m);
                        WaitOn::Opened {
                            message: self.program.message(*m).name.clone(),
                        }
                    }
                    model::WaitOn::Clicked(m) => {
                        self.messages.insert(*m);
                        WaitOn::Clicked {
                            message: self.program.message(*m).name.clone(),
                        }
                    }
                };
                let filter = filter.as_ref().map(|f| self.expr(f));
                let t = match then {
                    Some(b) => self.block(b, ids, next, nodes),
                    None => next.clone(),
                };
                let o = match otherwise {
                    Some(b) => self.block(b, ids, next, nodes),
                    None => next.clone(),
                };
                (
                    NodeKind::WaitFor {
                        on,
                        filter,
                        within: *within,
                    },
                    vec![edge(EdgeLabel::Event, &t), edge(EdgeLabel::Timeout, &o)],
                )
            }
            K::If { arms, otherwise } => {
                let mut succ = Vec::new();
                for (cond, body) in arms {
                    let when = self.expr(cond);
                    let t = self.block(body, ids, next, nodes);
                    succ.push(edge(EdgeLabel::Then { when }, &t));
                }
                let e = match otherwise {
                    Some(b) => self.block(b, ids, next, nodes),
                    None => next.clone(),
                };
                succ.push(edge(EdgeLabel::Else, &e));
                (NodeKind::Branch, succ)
            }
            K::Split(arms) => {
                let mut succ = Vec::new();
                for (i, arm) in arms.iter().enumerate() {
                    let t = self.block(&arm.body, ids, next, nodes);
                    succ.push(edge(
                        EdgeLabel::Arm {
                            arm: arm_name(arm, i),
                            weight: arm.weight,
                        },
                        &t,
                    ));
                }
                (NodeKind::Split, succ)
            }
            K::Repeat { times, body } => {
                let back = Target {
                    id: id.to_string(),
                    loop_back: true,
                };
                let b = self.block(body, ids, &back, nodes);
                (
                    NodeKind::Repeat { times: *times },
                    vec![edge(EdgeLabel::Body, &b), edge(EdgeLabel::Done, next)],
                )
            }
            K::Named { name, body } => {
                let b = self.block(body, ids, next, nodes);
                (
                    NodeKind::Step { name: name.clone() },
                    vec![edge(EdgeLabel::Body, &b)],
                )
            }
            K::Goto { target } => {
                let to = named_step_id(&self.campaign.journey, target, ids)
                    .unwrap_or_else(|| END.to_string());
                (
                    NodeKind::Goto {
                        target: target.clone(),
                    },
                    vec![Edge {
                        label: EdgeLabel::Jump,
                        to,
                        loop_back: false,
                    }],
                )
            }
            K::Exit => (NodeKind::Exit, Vec::new()),
        };
        nodes[at].kind = kind;
        nodes[at].successors = successors;
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

    fn operand(&mut self, v: &model::Value) -> Operand {
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
                    time_of_day: format_time_of_day(*m),
                },
            },
        }
    }

    /// A condition as a plan expression, segments expanded.
    fn expr(&mut self, cond: &Cond) -> Expr {
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
            CondKind::IsSet { value, negated } => {
                let e = Expr::IsSet {
                    value: self.operand(value),
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
            CondKind::Segment(s) => {
                let seg = program.segment(*s);
                Expr::Segment {
                    name: seg.name.clone(),
                    arg: Box::new(self.expr(&seg.cond)),
                }
            }
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
                    window: match window {
                        model::DidWindow::Ever => DidWindow::Ever,
                        model::DidWindow::Within(s) => DidWindow::Within { seconds: *s },
                        model::DidWindow::SinceEntry => DidWindow::SinceEntry,
                    },
                    at_least: (*at_least).max(1),
                }
            }
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

/// The id of the `step NAME` node in a journey.
fn named_step_id(
    block: &model::Block,
    name: &str,
    ids: &BTreeMap<*const model::Step, String>,
) -> Option<String> {
    use model::StepKind as K;
    for step in &block.steps {
        let found = match &step.kind {
            K::Named { name: n, .. } if n == name => return Some(ids[&(step as *const _)].clone()),
            K::Named { body, .. } | K::Repeat { body, .. } => named_step_id(body, name, ids),
            K::WaitFor {
                then, otherwise, ..
            } => then
                .iter()
                .chain(otherwise.iter())
                .find_map(|b| named_step_id(b, name, ids)),
            K::If { arms, otherwise } => arms
                .iter()
                .map(|(_, b)| b)
                .chain(otherwise.iter())
                .find_map(|b| named_step_id(b, name, ids)),
            K::Split(arms) => arms.iter().find_map(|a| named_step_id(&a.body, name, ids)),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The plans of every campaign of a checked program, in declaration order.
pub fn emit_all(program: &Program, sources: &SourceMap) -> Vec<Plan> {
    (0..program.campaigns.len())
        .map(|i| emit(program, CampaignId(i as u32), sources))
        .collect()
}
