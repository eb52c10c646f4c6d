//! People mid-journey: for every step where people can be waiting that
//! changed, what the replacement rules (`crate::runtime`, which runners
//! execute) do to them, in words.

use super::*;

pub(super) fn mid_journey(o: &Side, n: &Side, aligned: &Aligned) -> Vec<MidJourney> {
    let mut out = Vec::new();
    for a in &o.plan.nodes {
        if !runtime::holds_people(&o.plan, a) || o.unreachable.contains(&a.id) {
            continue;
        }
        let step = describe(&o.plan, a);
        match (runtime::survivor(a, &n.plan), n.node(&a.id)) {
            // The id now names another step of the same kind (the old one
            // was removed or got another id): rule 1 keeps them there.
            (Some(b), _) if aligned.get(&a.id).map(String::as_str) != Some(a.id.as_str()) => {
                let now = describe(&n.plan, b);
                let was = aligned
                    .iter()
                    .find(|(_, new)| **new == a.id)
                    .map(|(old, _)| format!(", the one that was `{old}`"))
                    .unwrap_or_else(|| ", a new step".to_string());
                let fate = match aligned.get(&a.id) {
                    Some(other) => format!("their step is now `{other}`"),
                    None => "their step was removed".to_string(),
                };
                out.push(MidJourney {
                    at: a.id.clone(),
                    step: step.clone(),
                    rule: "stay".into(),
                    to: vec![Landing {
                        id: Some(a.id.clone()),
                        step: now.clone(),
                    }],
                    text: format!(
                        "people at `{}` ({step}): {fate}, but runners find them by id and \
                         `{}` now names another step ({now}{was}); they stay there, keep their \
                         arrival time, and go on from there",
                        a.id, a.id
                    ),
                });
            }
            (Some(b), _) => {
                if signature(o, a) == signature(n, b) && !send_changed(o, n, a, b) {
                    continue;
                }
                let now = describe(&n.plan, b);
                let what = match &b.kind {
                    NodeKind::Wait { seconds } => format!(
                        "the wait is now {}, counted from when they arrived (those who arrived \
                         longer ago move on at once)",
                        format_duration(*seconds)
                    ),
                    NodeKind::WaitUntil { .. } => format!(
                        "they now {now}: the next such moment at or after their arrival \
                         (at once if it has passed)"
                    ),
                    NodeKind::WaitFor { .. } => {
                        format!("they now {now}, counted from when they arrived")
                    }
                    NodeKind::Send { message } => match &a.kind {
                        NodeKind::Send { message: was } if was == message => format!(
                            "when the quiet hours end they get `{message}` with its new content"
                        ),
                        _ => format!("when the quiet hours end they get the new step: {now}"),
                    },
                    _ => format!("the step is now: {now}"),
                };
                out.push(MidJourney {
                    at: a.id.clone(),
                    step: step.clone(),
                    rule: "stay".into(),
                    to: Vec::new(),
                    text: format!("people at `{}` ({step}) stay there; {what}", a.id),
                });
            }
            (None, other) => {
                let why = match (other, aligned.get(&a.id)) {
                    (_, Some(new)) if *new != a.id => format!(
                        "the step is now `{new}` ({}), an id runners do not match with `{}`",
                        n.node(new)
                            .map(|b| describe(&n.plan, b))
                            .unwrap_or_default(),
                        a.id
                    ),
                    (None, _) => "the step no longer exists".to_string(),
                    (Some(b), _) => format!(
                        "`{}` is now another kind of step ({})",
                        a.id,
                        describe(&n.plan, b)
                    ),
                };
                let to = landings(o, n, a);
                let ends = to
                    .iter()
                    .all(|l| l.id.is_none() || l.id.as_deref() == Some("@end"));
                let places: Vec<String> = to
                    .iter()
                    .map(|l| match &l.id {
                        Some(id) if id != "@end" => format!("`{id}` ({})", l.step),
                        _ => l.step.clone(),
                    })
                    .collect();
                let text = if ends && to.len() == 1 {
                    format!("people at `{}` ({step}): {why}; {}", a.id, places[0])
                } else if to.len() == 1 {
                    format!(
                        "people at `{}` ({step}): {why}; they move on at once to {}",
                        a.id, places[0]
                    )
                } else {
                    format!(
                        "people at `{}` ({step}): {why}; they move on at once, depending on \
                         the branches and splits after it, to one of: {}",
                        a.id,
                        places.join("; ")
                    )
                };
                out.push(MidJourney {
                    at: a.id.clone(),
                    step,
                    rule: if ends { "end" } else { "move" }.into(),
                    to,
                    text,
                });
            }
        }
    }
    out
}

/// A send held by quiet hours whose message changed content counts as a
/// change for the people held there.
pub(super) fn send_changed(o: &Side, n: &Side, a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Send { message: x }, NodeKind::Send { message: y }) => {
            o.plan.messages.get(x) != n.plan.messages.get(y)
        }
        _ => false,
    }
}

/// Rule 2 (`runtime::landings`), described for people.
pub(super) fn landings(o: &Side, n: &Side, at: &Node) -> Vec<Landing> {
    let out: BTreeSet<Landing> = runtime::landings(&o.plan, &n.plan, at)
        .into_iter()
        .map(|l| match l {
            runtime::Landing::At(id) => Landing {
                step: if id == "@end" {
                    "their journey is completed (the end)".to_string()
                } else {
                    n.node(&id)
                        .map(|b| describe(&n.plan, b))
                        .unwrap_or_default()
                },
                id: Some(id),
            },
            runtime::Landing::Exit(id) => Landing {
                id: None,
                step: format!("their journey ends (the `exit` at `{id}`)"),
            },
            runtime::Landing::Loop => Landing {
                id: None,
                step:
                    "their journey ends (the old plan loops back without reaching a surviving step)"
                        .into(),
            },
        })
        .collect();
    out.into_iter().collect()
}
