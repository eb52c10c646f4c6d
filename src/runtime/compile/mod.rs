//! A plan compiled for execution: names resolved to indices, expressions to
//! trees over them, edges to node indices. Built once per plan; people run
//! against it. This is the one executable form of a plan. A node is
//! compiled by its kind's family (`crate::plan::Family`): the waits by
//! `wait_step`, the choices by `branch_step`, the actions by
//! `action_step`, each in its own file with the rest of its meaning; sends
//! and the journey's flow (`repeat`, the jumps, `exit`, `end`) here.

use std::collections::HashMap;
use std::sync::Arc;

use crate::plan::{
    self, parse_time_of_day, time, DidWindow, Expr, Family, NodeKind, Operand, Plan, VarValue,
};

use super::action_step::CAction;
use super::branch_step::CChoice;
use super::wait_step::CWait;
use super::PlanError;

mod types;

use types::ty;
pub use types::*;

/// A plan being compiled: what compiling a node asks (names to indices).
pub(super) struct Builder<'a> {
    plan: &'a Plan,
    c: Compiled,
    /// Node index by id.
    index: HashMap<&'a str, usize>,
    /// The plan's segments, compiled (each after those it refers to).
    segments: HashMap<&'a str, Arc<CSegment>>,
}

fn err(msg: impl Into<String>) -> PlanError {
    PlanError(msg.into())
}

pub(crate) fn date_instant(s: &str) -> Result<i64, PlanError> {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| err(format!("invalid date {s:?}")))?;
    Ok(time::start_of_day(chrono_tz::UTC, d))
}

/// Seconds from the plan as an instant offset (a duration past the range
/// of instants saturates: the runner then stops at its time limit).
pub(super) fn secs(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

/// A plan's limits as (count, seconds). `omnis build` never emits a limit
/// of 0 sends or over 0 seconds (`invalid-value`); a plan that has one was
/// written by hand or damaged, and would silently block every send or none.
fn limits(owner: &str, limits: &[plan::Limit]) -> Result<Vec<(u32, i64)>, PlanError> {
    limits
        .iter()
        .map(|l| match (l.count, l.per) {
            (0, _) => Err(err(format!("{owner}: a limit of 0 sends"))),
            (_, 0) => Err(err(format!("{owner}: a limit over 0 seconds"))),
            (count, per) => Ok((count, secs(per))),
        })
        .collect()
}

pub(super) fn tod(s: &str) -> Result<u32, PlanError> {
    parse_time_of_day(s).ok_or_else(|| err(format!("invalid time of day {s:?}")))
}

pub fn compile(plan: &Plan) -> Result<Compiled, PlanError> {
    plan.check_version().map_err(|e| PlanError(e.to_string()))?;
    let tz = time::parse_tz(&plan.timezone)
        .ok_or_else(|| err(format!("unknown time zone {:?}", plan.timezone)))?;
    let mut c = Compiled {
        node_index: HashMap::new(),
        campaign: plan.campaign.as_str().into(),
        attrs: Vec::new(),
        attr_index: HashMap::new(),
        events: Vec::new(),
        event_index: HashMap::new(),
        channels: Vec::new(),
        messages: Vec::new(),
        message_index: HashMap::new(),
        nodes: Vec::new(),
        entry: 0,
        trigger: CTrigger::Daily(0),
        trigger_event: None,
        audience: None,
        reentry: plan.reentry.clone(),
        goal: None,
        goal_filter: None,
        exits: Vec::new(),
        exit_unless: Vec::new(),
        limits: limits("campaign limits", &plan.limits)?,
        window: None,
        priority: plan.priority,
        tz,
        tz_attr: None,
        max_latest: plan.nodes.iter().filter_map(|n| n.latest).max(),
    };
    for (name, t) in &plan.profile {
        c.attr_index.insert(name.clone(), c.attrs.len());
        c.attrs.push((name.clone(), ty(t)));
    }
    for (name, e) in &plan.events {
        c.event_index.insert(name.clone(), c.events.len());
        c.events.push(CEvent {
            name: name.clone(),
            fields: e.fields.iter().map(|(f, t)| (f.clone(), ty(t))).collect(),
        });
    }
    let channel_index: HashMap<&str, usize> = plan
        .channels
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    for (name, ch) in &plan.channels {
        let consent =
            match &ch.consent {
                Some(a) => Some(*c.attr_index.get(a).ok_or_else(|| {
                    err(format!("consent attribute {a:?} is not in the profile"))
                })?),
                None => None,
            };
        let mut quiet = Vec::new();
        for q in ch.quiet_hours.iter().chain(&plan.quiet_hours) {
            quiet.push((tod(&q.from)?, tod(&q.to)?));
        }
        c.channels.push(CChannel {
            name: name.as_str().into(),
            consent,
            quiet,
            limits: limits(&format!("channel {name:?}"), &ch.limits)?,
        });
    }
    for (name, m) in &plan.messages {
        let channel = *channel_index
            .get(m.channel.as_str())
            .ok_or_else(|| err(format!("message {name:?}: unknown channel {:?}", m.channel)))?;
        c.message_index.insert(name.clone(), c.messages.len());
        c.messages.push(CMessage {
            name: name.as_str().into(),
            channel,
        });
    }
    if let Some(a) = &plan.timezone_attribute {
        c.tz_attr = c.attr_index.get(a).copied();
    }
    if let Some(w) = &plan.window {
        let opens = time::parse_instant(&w.opens_at)
            .ok_or_else(|| err(format!("invalid window opens_at {:?}", w.opens_at)))?;
        let closes = time::parse_instant(&w.closes_at)
            .ok_or_else(|| err(format!("invalid window closes_at {:?}", w.closes_at)))?;
        c.window = Some((opens, closes));
    }
    let mut b = Builder {
        plan,
        c,
        index: plan
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.as_str(), i))
            .collect(),
        segments: HashMap::new(),
    };
    for name in plan::segments::order(plan).map_err(err)? {
        let cond = b.expr(&plan.segments[name])?;
        let index = b.segments.len();
        b.segments.insert(name, Arc::new(CSegment { index, cond }));
    }
    b.c.goal = match &plan.goal {
        Some(g) => Some(b.event(g)?),
        None => None,
    };
    b.c.goal_filter = plan.goal_filter.as_ref().map(|f| b.expr(f)).transpose()?;
    for e in &plan.exits {
        let filter = plan.exit_filters.get(e).map(|f| b.expr(f)).transpose()?;
        b.c.exits.push((b.event(e)?, filter));
    }
    b.c.exit_unless = plan
        .exit_unless
        .iter()
        .map(|c| b.expr(c))
        .collect::<Result<_, _>>()?;
    if let Some(e) = plan.exit_filters.keys().find(|e| !plan.exits.contains(e)) {
        return Err(err(format!(
            "exit_filters names {e:?}, which is not an exit"
        )));
    }
    if let plan::Trigger::Event { event, .. } = &plan.trigger {
        b.c.trigger_event = Some(b.event(event)?);
    }
    b.c.trigger = match &plan.trigger {
        plan::Trigger::Event { event, filter } => CTrigger::Event {
            event: b.event(event)?,
            filter: filter.as_ref().map(|f| b.expr(f)).transpose()?,
        },
        plan::Trigger::Enters { condition, .. } => CTrigger::Enters(b.expr(condition)?),
        plan::Trigger::Daily { at } => CTrigger::Daily(tod(at)?),
        plan::Trigger::Weekly { on, at } => CTrigger::Weekly(on.index(), tod(at)?),
        plan::Trigger::Once { date, at } => CTrigger::Once(
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|_| err(format!("invalid date {date:?}")))?,
            tod(at)?,
        ),
        plan::Trigger::Date {
            attribute,
            offset_days,
            at,
            yearly,
        } => {
            let attr = b.attr(attribute)?;
            if !matches!(b.c.attrs[attr].1, Ty::Date | Ty::Time) {
                return Err(err(format!("{attribute:?} is not a date or a time")));
            }
            CTrigger::Date {
                attr,
                offset_days: (*offset_days).clamp(-1_000_000, 1_000_000),
                minutes: tod(at)?,
                yearly: *yearly,
            }
        }
    };
    b.c.audience = plan.audience.as_ref().map(|a| b.expr(a)).transpose()?;
    b.nodes()?;
    Ok(b.c)
}

impl Builder<'_> {
    pub(super) fn event(&self, name: &str) -> Result<usize, PlanError> {
        self.c.event_index.get(name).copied().ok_or_else(|| {
            err(format!(
                "event {name:?} is not declared in the plan's events"
            ))
        })
    }

    /// The node an edge leads to.
    pub(super) fn target(&self, e: &plan::Edge) -> Result<Tgt, PlanError> {
        Ok(Tgt {
            to: self.node(&e.to)?,
            lp: e.loop_back,
        })
    }

    /// Node `n`'s successor labelled `label`.
    pub(super) fn successor(&self, n: &plan::Node, label: &str) -> Result<Tgt, PlanError> {
        n.successors
            .iter()
            .find(|e| e.label.name() == label)
            .ok_or_else(|| err(format!("node {:?} has no `{label}` successor", n.id)))
            .and_then(|e| self.target(e))
    }

    fn node(&self, id: &str) -> Result<usize, PlanError> {
        self.index
            .get(id)
            .copied()
            .ok_or_else(|| err(format!("edge to unknown node {id:?}")))
    }

    pub(super) fn message(&self, name: &str) -> Result<usize, PlanError> {
        self.c.message_index.get(name).copied().ok_or_else(|| {
            err(format!(
                "message {name:?} is not declared in the plan's messages"
            ))
        })
    }

    fn field(&self, event: &str, field: &str) -> Result<usize, PlanError> {
        let e = self.event(event)?;
        self.c.events[e]
            .fields
            .iter()
            .position(|(f, _)| f == field)
            .ok_or_else(|| err(format!("event {event:?} has no field {field:?}")))
    }

    pub(super) fn attr(&self, name: &str) -> Result<usize, PlanError> {
        self.c
            .attr_index
            .get(name)
            .copied()
            .ok_or_else(|| err(format!("attribute {name:?} is not in the profile")))
    }

    /// The type of attribute `a`.
    pub(super) fn attr_ty(&self, a: usize) -> Ty {
        self.c.attrs[a].1
    }

    /// An operand written to a value of type `ty` (a date literal is a day
    /// for a `date`, an instant for a `time`).
    pub(super) fn set_operand(&self, ty: Ty, o: &Operand) -> Result<COperand, PlanError> {
        match (ty, o) {
            (Ty::Date, Operand::Date { date }) => Ok(COperand::Const(Val::Date(
                date_instant(date)?.div_euclid(86_400),
            ))),
            _ => self.operand(o),
        }
    }

    fn operand(&self, o: &Operand) -> Result<COperand, PlanError> {
        Ok(match o {
            Operand::Attr { attr, .. } => COperand::Attr(
                *self
                    .c
                    .attr_index
                    .get(attr)
                    .ok_or_else(|| err(format!("attribute {attr:?} is not in the profile")))?,
            ),
            Operand::TriggerField {
                trigger_field,
                event,
                ..
            } => COperand::TriggerField(self.field(event, trigger_field)?),
            Operand::EventField {
                event_field, event, ..
            } => COperand::EventField(self.field(event, event_field)?),
            Operand::Date { date } => COperand::Const(Val::Time(date_instant(date)?)),
            Operand::Duration { duration } => COperand::Const(Val::Num(*duration as f64)),
            Operand::TimeOfDay { time_of_day } => {
                COperand::Const(Val::Num(tod(time_of_day)? as f64))
            }
            Operand::Const { value } => COperand::Const(match value {
                VarValue::Bool(b) => Val::Bool(*b),
                VarValue::Number(n) => Val::Num(n.0),
                VarValue::Text(s) => Val::Text(s.clone()),
            }),
        })
    }

    pub(super) fn expr(&self, e: &Expr) -> Result<CExpr, PlanError> {
        Ok(match e {
            Expr::Const { value } => CExpr::Const(*value),
            Expr::And { args } => CExpr::And(
                args.iter()
                    .map(|a| self.expr(a))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or { args } => CExpr::Or(
                args.iter()
                    .map(|a| self.expr(a))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Not { arg } => CExpr::Not(Box::new(self.expr(arg)?)),
            Expr::Segment { arg, .. } => self.expr(arg)?,
            Expr::SegmentRef { name } => {
                CExpr::Segment(self.segments.get(name.as_str()).cloned().ok_or_else(|| {
                    err(format!("segment {name:?} is not in the plan's segments"))
                })?)
            }
            Expr::Cmp { cmp, left, right } => {
                CExpr::Cmp(*cmp, self.operand(left)?, self.operand(right)?)
            }
            Expr::In { value, list } | Expr::NotIn { value, list } => CExpr::In(
                self.operand(value)?,
                list.iter()
                    .map(|o| self.operand(o))
                    .collect::<Result<_, _>>()?,
                matches!(e, Expr::NotIn { .. }),
            ),
            Expr::IsSet { value } => CExpr::IsSet(self.operand(value)?),
            Expr::Contains { list, item } => {
                CExpr::Contains(self.operand(list)?, self.operand(item)?)
            }
            Expr::IsEmpty { value } => CExpr::IsEmpty(self.operand(value)?),
            Expr::Did {
                event,
                filter,
                window,
                at_least,
            } => CExpr::Did {
                event: self.event(event)?,
                filter: filter
                    .as_ref()
                    .map(|f| self.expr(f).map(Box::new))
                    .transpose()?,
                within: match window {
                    DidWindow::Within { seconds } => Some(secs(*seconds)),
                    _ => None,
                },
                since_entry: matches!(window, DidWindow::SinceEntry),
                at_least: (*at_least).max(1),
            },
            Expr::Opened { message } => CExpr::Opened(self.message(message)?),
            Expr::Clicked { message } => CExpr::Clicked(self.message(message)?),
            Expr::Received {
                message,
                channel,
                window,
                at_least,
            } => CExpr::Received {
                message: message.clone(),
                channel: channel.clone(),
                within: match window {
                    DidWindow::Within { seconds } => Some(secs(*seconds)),
                    _ => None,
                },
                since_entry: matches!(window, DidWindow::SinceEntry),
                at_least: (*at_least).max(1),
            },
            Expr::OpenedAny { channel, seconds } | Expr::ClickedAny { channel, seconds } => {
                CExpr::EngagedAny {
                    channel: channel.clone(),
                    within: secs(*seconds),
                    clicked: matches!(e, Expr::ClickedAny { .. }),
                }
            }
            Expr::InCampaign { campaign } => CExpr::InCampaign(campaign.clone()),
        })
    }

    fn nodes(&mut self) -> Result<(), PlanError> {
        let plan = self.plan;
        self.c.entry = self.node(&plan.entry)?;
        let mut nodes = Vec::with_capacity(plan.nodes.len());
        for n in &plan.nodes {
            // Each family compiles its own kinds, with the node's `next`.
            let (kind, next) = match n.kind.family() {
                Family::Wait => {
                    let (wait, next) = CWait::compile(n, self)?;
                    (CKind::Wait(wait), next)
                }
                Family::Choice => (CKind::Choice(CChoice::compile(n, self)?), NO_NEXT),
                Family::Action => {
                    let next = self.successor(n, "next")?;
                    (CKind::Action(CAction::compile(&n.kind, self)?), next)
                }
                Family::Send | Family::Flow => self.flow(n)?,
            };
            nodes.push(CNode {
                id: n.id.clone(),
                kind_name: n.kind.name(),
                kind,
                next,
            });
        }
        self.c.node_index = self
            .index
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        self.c.nodes = nodes;
        Ok(())
    }

    /// A `send`, or a node of the journey's own flow, compiled, with its
    /// `next`.
    fn flow(&self, n: &plan::Node) -> Result<(CKind, Tgt), PlanError> {
        Ok(match &n.kind {
            NodeKind::Send { message } => {
                let next = self.successor(n, "next")?;
                (CKind::Send(self.message(message)?), next)
            }
            NodeKind::Repeat { times } => {
                let kind = CKind::Repeat {
                    times: *times,
                    body: self.successor(n, "body")?,
                    done: self.successor(n, "done")?,
                };
                (kind, NO_NEXT)
            }
            NodeKind::Step { .. } => (CKind::Jump, self.successor(n, "next")?),
            NodeKind::Goto { .. } => (CKind::Jump, self.successor(n, "jump")?),
            NodeKind::Exit => (CKind::Exit, NO_NEXT),
            NodeKind::End => (CKind::End, NO_NEXT),
            other => {
                debug_assert!(
                    matches!(other.family(), Family::Send | Family::Flow),
                    "a send or flow node not compiled"
                );
                return Err(err(format!(
                    "`{}` is not a step the runtime knows",
                    other.name()
                )));
            }
        })
    }
}

/// The `next` of a node that has none.
const NO_NEXT: Tgt = Tgt {
    to: usize::MAX,
    lp: false,
};
