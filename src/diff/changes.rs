//! Settings, message and channel content, and reach: what changed, each
//! with what it does to people already in a journey.

use super::*;

pub(super) fn settings(o: &Side, n: &Side) -> Vec<SettingChange> {
    let (op, np) = (&o.plan, &n.plan);
    let mut out = Vec::new();
    let mut push =
        |setting: &str, old: Option<String>, new: Option<String>, effect: Option<String>| {
            if old != new {
                out.push(SettingChange {
                    setting: setting.into(),
                    old,
                    new,
                    effect,
                });
            }
        };
    let new_entries = Some("applies to new entries; journeys in progress go on".to_string());
    if o.meaning(&op.trigger) != n.meaning(&np.trigger) {
        let (a, b) = (trigger(&op.trigger), trigger(&np.trigger));
        let same = a == b;
        push(
            "trigger",
            Some(a),
            Some(if same {
                format!("{b} (a segment or type it uses changed)")
            } else {
                b
            }),
            new_entries.clone(),
        );
    }
    if o.meaning(&op.audience) != n.meaning(&np.audience) {
        let a = op.audience.as_ref().map(expr);
        let mut b = np.audience.as_ref().map(expr);
        if a == b {
            b = b.map(|b| format!("{b} (a segment or type it uses changed)"));
        }
        push(
            "audience",
            Some(a.unwrap_or_else(|| "everyone".into())),
            Some(b.unwrap_or_else(|| "everyone".into())),
            new_entries.clone(),
        );
    }
    if op.reentry != np.reentry {
        let r = |r: &plan::Reentry| match r {
            plan::Reentry::Never => "never".to_string(),
            plan::Reentry::Always => "always".to_string(),
            plan::Reentry::After { after } => format!("after {}", format_duration(*after)),
        };
        push(
            "reentry",
            Some(r(&op.reentry)),
            Some(r(&np.reentry)),
            new_entries.clone(),
        );
    }
    if op.goal != np.goal || o.meaning(&op.goal_filter) != n.meaning(&np.goal_filter) {
        let goal = |p: &Plan| {
            p.goal
                .as_ref()
                .map(|g| event_where(g, p.goal_filter.as_ref()))
        };
        let effect = match goal(np) {
            Some(g) => {
                format!("from the change on, `{g}` ends journeys in progress as a conversion")
            }
            None => "nothing ends journeys as a conversion any more".to_string(),
        };
        push("goal", goal(op), goal(np), Some(effect));
    }
    if op.exits != np.exits || o.meaning(&op.exit_filters) != n.meaning(&np.exit_filters) {
        let exits = |p: &Plan| -> Vec<String> {
            p.exits
                .iter()
                .map(|e| event_where(e, p.exit_filters.get(e)))
                .collect()
        };
        let (old, new) = (exits(op), exits(np));
        let added: Vec<&String> = new.iter().filter(|e| !old.contains(e)).collect();
        let gone: Vec<&String> = old.iter().filter(|e| !new.contains(e)).collect();
        let mut effect = Vec::new();
        if !added.is_empty() {
            effect.push(format!(
                "{} now end{} journeys in progress",
                list(&added),
                if added.len() == 1 { "s" } else { "" }
            ));
        }
        if !gone.is_empty() {
            effect.push(format!(
                "{} no longer end{} them",
                list(&gone),
                if gone.len() == 1 { "s" } else { "" }
            ));
        }
        let show = |v: &[String]| (!v.is_empty()).then(|| v.join(", "));
        push("exits", show(&old), show(&new), Some(effect.join("; ")));
    }
    if o.meaning(&op.exit_unless) != n.meaning(&np.exit_unless) {
        let show = |p: &Plan| {
            (!p.exit_unless.is_empty()).then(|| {
                p.exit_unless
                    .iter()
                    .map(expr)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        };
        push(
            "exit_unless",
            show(op),
            show(np),
            Some("journeys in progress are checked against the new conditions at their next checkpoint (leaving a wait, or right before a send)".into()),
        );
    }
    if op.limits != np.limits {
        push(
            "limits",
            limits(&op.limits),
            limits(&np.limits),
            Some(
                "sends from the change on count against the new limits (sends already made count too)"
                    .into(),
            ),
        );
    }
    if op.window != np.window {
        let w = |w: &Option<plan::Window>| w.as_ref().map(|w| format!("{} to {}", w.from, w.to));
        let effect = match &np.window {
            Some(w) => format!(
                "entries open {}; journeys still running end at {}",
                w.opens_at, w.closes_at
            ),
            None => "no window: entries stay open and journeys no longer end at a date".into(),
        };
        push("window", w(&op.window), w(&np.window), Some(effect));
    }
    if op.timezone != np.timezone || op.timezone_attribute != np.timezone_attribute {
        let tz = |p: &Plan| match &p.timezone_attribute {
            Some(a) => format!("{} (or the person's `{a}`)", p.timezone),
            None => p.timezone.clone(),
        };
        push(
            "timezone",
            Some(tz(op)),
            Some(tz(np)),
            Some("times of day (wait until, quiet hours, scheduled triggers) move with it".into()),
        );
    }
    if op.quiet_hours != np.quiet_hours {
        push(
            "quiet_hours",
            op.quiet_hours.as_ref().map(quiet_hours),
            np.quiet_hours.as_ref().map(quiet_hours),
            Some("sends from the change on wait out the new quiet hours (and their channel’s); a send already held is tried again when its hold ends, under the new hours".into()),
        );
    }
    if op.description != np.description {
        push(
            "description",
            op.description.clone(),
            np.description.clone(),
            None,
        );
    }
    if op.max_sends_per_person != np.max_sends_per_person {
        let m = |m: Option<u64>| {
            Some(m.map_or("unbounded (a loop sends)".to_string(), |m| m.to_string()))
        };
        push(
            "max_sends_per_person",
            m(op.max_sends_per_person),
            m(np.max_sends_per_person),
            Some("the most messages one journey can send".into()),
        );
    }
    out
}

/// `EVENT [where EXPR]`, of a goal or an exit.
fn event_where(event: &str, filter: Option<&plan::Expr>) -> String {
    match filter {
        Some(f) => format!("{event} where {}", expr(f)),
        None => event.to_string(),
    }
}

fn quiet_hours(q: &plan::QuietHours) -> String {
    format!("{} to {}", q.from, q.to)
}

pub(super) fn list(items: &[&String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn message_changes(a: &MessageDecl, b: &MessageDecl) -> Vec<String> {
    let mut out = Vec::new();
    if a.channel != b.channel {
        out.push(format!("channel: {} -> {}", a.channel, b.channel));
    }
    if a.template != b.template {
        out.push(format!(
            "template: {} -> {}",
            quote(&a.template),
            quote(&b.template)
        ));
    }
    if a.subject != b.subject {
        let s = |s: &Option<String>| s.as_deref().map_or("none".to_string(), quote);
        out.push(format!("subject: {} -> {}", s(&a.subject), s(&b.subject)));
    }
    if a.offer != b.offer {
        let s = |s: &Option<String>| s.as_deref().map_or("none".to_string(), quote);
        out.push(format!("offer: {} -> {}", s(&a.offer), s(&b.offer)));
    }
    let keys: BTreeSet<&String> = a.vars.keys().chain(b.vars.keys()).collect();
    for k in keys {
        let (x, y) = (a.vars.get(k), b.vars.get(k));
        if x != y {
            let s = |v: Option<&VarValue>| v.map_or("unset".to_string(), var);
            out.push(format!("vars.{k}: {} -> {}", s(x), s(y)));
        }
    }
    out
}

pub(super) fn content(o: &Side, n: &Side) -> Vec<ContentChange> {
    let mut out = Vec::new();
    for (name, a) in &o.plan.messages {
        if let Some(b) = n.plan.messages.get(name) {
            let changes = message_changes(a, b);
            if !changes.is_empty() {
                out.push(ContentChange {
                    kind: "message".into(),
                    name: name.clone(),
                    changes,
                });
            }
        }
    }
    for (name, a) in &o.plan.channels {
        let Some(b) = n.plan.channels.get(name) else {
            continue;
        };
        let mut changes = Vec::new();
        if a.kind != b.kind {
            changes.push(format!("kind: {} -> {}", a.kind, b.kind));
        }
        if a.consent != b.consent {
            let c = |c: &Option<String>| c.clone().unwrap_or_else(|| "none".into());
            changes.push(format!("consent: {} -> {}", c(&a.consent), c(&b.consent)));
        }
        if a.quiet_hours != b.quiet_hours {
            let q =
                |q: &Option<plan::QuietHours>| q.as_ref().map_or("none".to_string(), quiet_hours);
            changes.push(format!(
                "quiet hours: {} -> {}",
                q(&a.quiet_hours),
                q(&b.quiet_hours)
            ));
        }
        if a.limits != b.limits {
            let l = |l: &[plan::Limit]| limits(l).unwrap_or_else(|| "none".into());
            changes.push(format!("limits: {} -> {}", l(&a.limits), l(&b.limits)));
        }
        if !changes.is_empty() {
            out.push(ContentChange {
                kind: "channel".into(),
                name: name.clone(),
                changes,
            });
        }
    }
    out
}

pub(super) fn reach(o: &Side, n: &Side) -> Vec<ReachChange> {
    let (ro, rn) = (o.reach(), n.reach());
    let names: BTreeSet<&String> = ro.keys().chain(rn.keys()).collect();
    let empty = BTreeSet::new();
    let mut out = Vec::new();
    for m in names {
        let (a, b) = (ro.get(m).unwrap_or(&empty), rn.get(m).unwrap_or(&empty));
        if a == b {
            continue;
        }
        let summary = if a.is_empty() {
            "newly sent"
        } else if b.is_empty() {
            "no longer sent"
        } else {
            "sent under other conditions"
        };
        out.push(ReachChange {
            message: m.clone(),
            summary: summary.into(),
            now: b.difference(a).cloned().collect(),
            before: a.difference(b).cloned().collect(),
        });
    }
    out
}
