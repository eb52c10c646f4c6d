//! Plans described for people: conditions printed back in the language's
//! syntax, steps and triggers in words, and what steps are compared by.

use super::*;
use crate::plan::SetTo;

pub(super) fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

pub(super) fn var(v: &VarValue) -> String {
    match v {
        VarValue::Bool(b) => b.to_string(),
        VarValue::Number(n) => serde_json::to_string(n).unwrap_or_default(),
        VarValue::Text(t) => quote(t),
    }
}

pub(super) fn operand(o: &Operand) -> String {
    match o {
        Operand::Attr { attr, .. } => attr.clone(),
        Operand::TriggerField {
            trigger_field,
            event,
            ..
        } => format!("{event}.{trigger_field}"),
        Operand::EventField {
            event_field, event, ..
        } => format!("{event}.{event_field}"),
        Operand::Date { date } => date.clone(),
        Operand::Duration { duration } => format_duration(*duration),
        Operand::TimeOfDay { time_of_day } => time_of_day.clone(),
        Operand::Const { value } => var(value),
    }
}

/// An expression as the language writes it (segments by name).
pub fn expr(e: &Expr) -> String {
    expr_at(e, 0)
}

/// `prec`: 0 anywhere, 1 inside `or`, 2 inside `and`, 3 after `not`.
pub(super) fn expr_at(e: &Expr, prec: u8) -> String {
    let (own, text) = match e {
        Expr::Const { value } => (4, value.to_string()),
        Expr::Or { args } => (
            1,
            args.iter()
                .map(|a| expr_at(a, 1))
                .collect::<Vec<_>>()
                .join(" or "),
        ),
        Expr::And { args } => (
            2,
            args.iter()
                .map(|a| expr_at(a, 2))
                .collect::<Vec<_>>()
                .join(" and "),
        ),
        Expr::Not { arg } => match arg.as_ref() {
            Expr::IsSet { value } => (4, format!("{} is not set", operand(value))),
            Expr::IsEmpty { value } => (4, format!("{} is not empty", operand(value))),
            other => (3, format!("not {}", expr_at(other, 3))),
        },
        Expr::Segment { name, .. } | Expr::SegmentRef { name } => (4, name.clone()),
        Expr::Cmp { cmp, left, right } => {
            // A bool attribute alone is emitted as `== true`.
            if *cmp == CmpOp::Eq
                && matches!(
                    right,
                    Operand::Const {
                        value: VarValue::Bool(true)
                    }
                )
                && matches!(left, Operand::Attr { .. })
            {
                (4, operand(left))
            } else {
                (
                    4,
                    format!("{} {} {}", operand(left), cmp.as_str(), operand(right)),
                )
            }
        }
        Expr::In { value, list } | Expr::NotIn { value, list } => {
            let list: Vec<String> = list.iter().map(operand).collect();
            let not = if matches!(e, Expr::NotIn { .. }) {
                " not"
            } else {
                ""
            };
            (
                4,
                format!("{}{not} in [{}]", operand(value), list.join(", ")),
            )
        }
        Expr::IsSet { value } => (4, format!("{} is set", operand(value))),
        Expr::IsEmpty { value } => (4, format!("{} is empty", operand(value))),
        Expr::Contains { list, item } => {
            (4, format!("{} contains {}", operand(list), operand(item)))
        }
        Expr::Did {
            event,
            filter,
            window,
            at_least,
        } => {
            let mut t = format!("did {event}");
            if let Some(f) = filter {
                let _ = write!(t, " where {}", expr_at(f, 2));
            }
            window_count(&mut t, window, *at_least);
            (4, t)
        }
        Expr::Opened { message } => (4, format!("opened {message}")),
        Expr::Clicked { message } => (4, format!("clicked {message}")),
        Expr::Received {
            message,
            channel,
            window,
            at_least,
        } => {
            let mut t = match (message, channel) {
                (Some(m), _) => format!("received {m}"),
                (None, Some(c)) => format!("received any {c}"),
                (None, None) => "received any".to_string(),
            };
            window_count(&mut t, window, *at_least);
            (4, t)
        }
        Expr::OpenedAny { channel, seconds } | Expr::ClickedAny { channel, seconds } => {
            let verb = if matches!(e, Expr::OpenedAny { .. }) {
                "opened"
            } else {
                "clicked"
            };
            let channel = channel.as_ref().map_or(String::new(), |c| format!(" {c}"));
            (
                4,
                format!("{verb} any{channel} within {}", format_duration(*seconds)),
            )
        }
        Expr::InCampaign { campaign } => (4, format!("in campaign {campaign}")),
    };
    if own < prec || (own == 3 && prec == 3) {
        format!("({text})")
    } else {
        text
    }
}

/// The window and count of a `did` or `received`, as written.
fn window_count(t: &mut String, window: &DidWindow, at_least: u32) {
    match window {
        DidWindow::Ever => {}
        DidWindow::Within { seconds } => {
            let _ = write!(t, " within {}", format_duration(*seconds));
        }
        DidWindow::SinceEntry => t.push_str(" since entry"),
    }
    if at_least > 1 {
        let _ = write!(t, " at least {at_least} times");
    }
}

pub(super) fn wait_on(on: &WaitOn, filter: Option<&Expr>) -> String {
    let mut t = match on {
        WaitOn::Event { event } => event.clone(),
        WaitOn::Opened { message } => format!("opened {message}"),
        WaitOn::Clicked { message } => format!("clicked {message}"),
    };
    if let Some(f) = filter {
        let _ = write!(t, " where {}", expr(f));
    }
    t
}

pub(super) fn trigger(t: &Trigger) -> String {
    match t {
        Trigger::Event { event, filter } => match filter {
            Some(f) => format!("{event} where {}", expr(f)),
            None => event.clone(),
        },
        Trigger::Enters { segment, .. } => format!("enters {segment}"),
        Trigger::Daily { at } => format!("daily at {at}"),
        Trigger::Weekly { on, at } => format!("weekly on {} at {at}", weekday(*on)),
        Trigger::Once { date, at } => format!("once at {date} {at}"),
        Trigger::Date {
            attribute,
            offset_days,
            at,
            yearly,
        } => format!(
            "{}{attribute} at {at}{}",
            crate::words::day_offset(*offset_days),
            if *yearly { " yearly" } else { "" }
        ),
    }
}

pub(super) fn weekday(w: plan::Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][w.index() as usize]
}

/// A node as one line: `send cart_reminder via email`, `wait 1d`,
/// `if textable / else`.
pub(super) fn describe(plan: &Plan, n: &Node) -> String {
    match &n.kind {
        NodeKind::Send { message } => match plan.messages.get(message) {
            Some(m) => format!("send {message} via {}", m.channel),
            None => format!("send {message}"),
        },
        NodeKind::Wait { seconds } => format!("wait {}", format_duration(*seconds)),
        NodeKind::WaitUntil { on, at } => match on {
            Some(d) => format!("wait until {} {at}", weekday(*d)),
            None => format!("wait until {at}"),
        },
        NodeKind::WaitFor { on, filter, within } => format!(
            "wait for {} within {}",
            wait_on(on, filter.as_ref()),
            format_duration(*within)
        ),
        NodeKind::WaitForAny { arms, within } => {
            let arms: Vec<String> = arms
                .iter()
                .map(|a| format!("on {}", wait_on(&a.on, a.filter.as_ref())))
                .collect();
            format!(
                "wait for any within {}: {}",
                format_duration(*within),
                arms.join(" / ")
            )
        }
        NodeKind::Branch => {
            let mut arms = Vec::new();
            for e in &n.successors {
                match &e.label {
                    EdgeLabel::Then { when } if arms.is_empty() => {
                        arms.push(format!("if {}", expr(when)))
                    }
                    EdgeLabel::Then { when } => arms.push(format!("else if {}", expr(when))),
                    EdgeLabel::Else => arms.push("else".to_string()),
                    _ => {}
                }
            }
            arms.join(" / ")
        }
        NodeKind::Split => {
            let arms: Vec<String> = n
                .successors
                .iter()
                .filter_map(|e| match &e.label {
                    EdgeLabel::Arm { arm, weight } => Some(format!("{arm} {}", percent(*weight))),
                    _ => None,
                })
                .collect();
            format!("split {}", arms.join(" / "))
        }
        NodeKind::Repeat { times } => format!("repeat {times} times"),
        NodeKind::End => "end of the journey".to_string(),
        NodeKind::Set { attribute, value } => {
            let v = match value {
                SetTo::Value { operand: o } => operand(o),
                SetTo::List { items } => format!(
                    "[{}]",
                    items.iter().map(operand).collect::<Vec<_>>().join(", ")
                ),
                SetTo::Now => "now".to_string(),
            };
            format!("set {attribute} = {v}")
        }
        // `step NAME`, `goto NAME`, `exit`, `unset ATTR`, and a kind with
        // no words of its own: its name and its parameters.
        _ => in_words(&n.kind),
    }
}

/// A node kind as its plan name and its parameters' values (by field
/// name): `goto nudge`, `unset plan`, `exit`.
fn in_words(kind: &NodeKind) -> String {
    let mut words = vec![kind.name().to_string()];
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(kind) {
        for (key, value) in fields {
            match value {
                _ if key == "kind" => {}
                serde_json::Value::String(s) => words.push(s),
                v => words.push(v.to_string()),
            }
        }
    }
    words.join(" ")
}

/// What identifies a step's behaviour: its kind with parameters and its
/// edge labels (conditions, arms, weights, and what their segments mean),
/// not where its edges go.
pub(super) fn signature(side: &Side, n: &Node) -> serde_json::Value {
    let labels: Vec<&EdgeLabel> = n.successors.iter().map(|e| &e.label).collect();
    side.meaning(&serde_json::json!({ "kind": n.kind, "edges": labels }))
}

/// Everything in a plan that matters to runners: not where it came from,
/// nor line numbers and arrival times (derived).
pub(super) fn semantic(plan: &Plan) -> serde_json::Value {
    let mut v = serde_json::to_value(plan).expect("plans serialize");
    if let Some(o) = v.as_object_mut() {
        o.remove("source");
        o.remove("compiler");
        if let Some(nodes) = o.get_mut("nodes").and_then(|n| n.as_array_mut()) {
            for n in nodes {
                if let Some(n) = n.as_object_mut() {
                    for k in ["line", "column", "earliest", "latest"] {
                        n.remove(k);
                    }
                }
            }
        }
    }
    v
}

/// What rule 1 of a replacement does to people staying at old step `a`,
/// now `b` (described as `now`).
pub(super) fn stay_note(a: &Node, b: &Node, now: &str) -> String {
    match &b.kind {
        NodeKind::Wait { seconds } => format!(
            "the wait is now {}, counted from when they arrived (those who arrived \
             longer ago move on at once)",
            format_duration(*seconds)
        ),
        NodeKind::WaitUntil { .. } => format!(
            "they now {now}: the next such moment at or after their arrival \
             (at once if it has passed)"
        ),
        NodeKind::WaitFor { .. } => format!("they now {now}, counted from when they arrived"),
        NodeKind::WaitForAny { .. } => format!(
            "they now {now}, counted from when they arrived: the `on`s of the new version \
             apply (one removed no longer takes them, one added does)"
        ),
        NodeKind::Send { message } => match &a.kind {
            NodeKind::Send { message: was } if was == message => {
                format!("when the quiet hours end they get `{message}` with its new content")
            }
            _ => format!("when the quiet hours end they get the new step: {now}"),
        },
        _ => format!("the step is now: {now}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_without_words_of_their_own_read_as_written() {
        let cases = [
            (NodeKind::Exit, "exit"),
            (
                NodeKind::Goto {
                    target: "nudge".into(),
                },
                "goto nudge",
            ),
            (
                NodeKind::Step {
                    name: "nudge".into(),
                },
                "step nudge",
            ),
            (
                NodeKind::Unset {
                    attribute: "plan".into(),
                },
                "unset plan",
            ),
            (NodeKind::Repeat { times: 3 }, "repeat 3"),
        ];
        for (kind, words) in cases {
            assert_eq!(in_words(&kind), words);
        }
    }
}
