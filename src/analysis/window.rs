//! The campaign's `window` as a deadline: how long after the earliest
//! possible entry its last day ends, and which steps no execution reaches
//! before then (or at all). `unreachable-step` reports them; `omnis graph`
//! greys them out and `omnis diff` leaves them aside.

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::analysis::reach::Reach;
use crate::analysis::timing::Timing;
use crate::graph::{Journey, NodeKind};
use crate::model::{Campaign, Program, Trigger};

/// The window as a deadline after the earliest possible entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// Seconds from the earliest entry to the close, with an hour for
    /// daylight-saving changes when the campaign's zone has them.
    pub limit: u64,
    /// Added where a time of day (`wait until`, a send held by quiet
    /// hours) sits on the path, when the trigger is at a time of day and
    /// each person has a `timezone`: that time of day is theirs, up to 26
    /// hours away from the campaign's.
    pub person_zone: u64,
    /// When the earliest entry is, in words.
    pub what: String,
}

impl Deadline {
    /// The deadline of a step, given whether a time of day sits on some
    /// path before it.
    pub fn at(&self, time_of_day_before: bool) -> u64 {
        self.limit
            + if time_of_day_before {
                self.person_zone
            } else {
                0
            }
    }
}

/// The window as a deadline: the window's days are in the campaign's time
/// zone, so the close is one instant for everyone.
pub fn window_limit(program: &Program, c: &Campaign) -> Option<Deadline> {
    let (first, last, _) = c.window?;
    let day = 86_400i64;
    let close = (last - first).num_days() * day + day; // seconds after first 00:00
    let (entry, what, time_of_day) = match &c.trigger {
        Trigger::Once { date, minutes } => {
            let at = (*date - first).num_days() * day + *minutes as i64 * 60;
            (
                at,
                format!(
                    "everyone enters at {} {:02}:{:02}",
                    date,
                    minutes / 60,
                    minutes % 60
                ),
                true,
            )
        }
        Trigger::Daily { minutes } => (
            *minutes as i64 * 60,
            format!(
                "the first entries are on {first} at {:02}:{:02}",
                minutes / 60,
                minutes % 60
            ),
            true,
        ),
        Trigger::Weekly { weekday, minutes } => {
            use chrono::Datelike;
            let want = weekday.index() as i64;
            let have = first.weekday().num_days_from_monday() as i64;
            let offset = (want - have).rem_euclid(7);
            (
                offset * day + *minutes as i64 * 60,
                format!(
                    "the first entries are on {} at {:02}:{:02}",
                    first + chrono::Duration::days(offset),
                    minutes / 60,
                    minutes % 60
                ),
                true,
            )
        }
        _ => (
            0,
            format!("the first entries are at the start of {first}"),
            false,
        ),
    };
    if entry < 0 || entry >= close {
        // Nobody enters at all; not this lint's business.
        return None;
    }
    let dst = if c.timezone.as_deref().is_some_and(|z| z != "UTC") {
        3_600
    } else {
        0
    };
    let person_zone = if time_of_day && program.attr_by_name("timezone").is_some() {
        26 * 3_600
    } else {
        0
    };
    Some(Deadline {
        limit: (close - entry + dst) as u64,
        person_zone,
        what,
    })
}

/// Per node: whether a time of day (`wait until`, a send on a channel
/// with quiet hours) sits on some path from the entry to it, over the
/// edges some execution takes.
pub fn time_of_day_before(program: &Program, journey: &Journey, reach: &Reach) -> Vec<bool> {
    let g = &journey.graph;
    let mut seen = vec![false; g.node_count()];
    let mut stack: Vec<NodeIndex> = g
        .node_indices()
        .filter(|&u| match g[u].kind {
            NodeKind::WaitUntil { .. } => true,
            NodeKind::Send(m) => program
                .channel(program.message(m).channel)
                .quiet_hours
                .is_some(),
            _ => false,
        })
        .collect();
    // The nodes after them.
    let mut frontier = Vec::new();
    for &u in &stack {
        for e in g.edges(u) {
            if reach.is_live(e.id()) {
                frontier.push(e.target());
            }
        }
    }
    stack = frontier;
    while let Some(v) = stack.pop() {
        if seen[v.index()] {
            continue;
        }
        seen[v.index()] = true;
        for e in g.edges(v) {
            if reach.is_live(e.id()) && !seen[e.target().index()] {
                stack.push(e.target());
            }
        }
    }
    seen
}

/// Whether some execution reaches `v`, before `limit` (seconds after the
/// earliest entry, from [`Deadline::at`]) when there is one.
pub fn reached_in_time(reach: &Reach, timing: &Timing, limit: Option<u64>, v: NodeIndex) -> bool {
    if !reach.is_reached(v) {
        return false;
    }
    match (timing.arrival(v), limit) {
        (Some(a), Some(limit)) => a.earliest < limit,
        _ => true,
    }
}

/// Per node of `journey`: whether it is a step that no execution reaches
/// (in time, before the window closes). `unreachable-step` reports each
/// region of these once, at its first step; this is every step of every
/// region (journey diagrams grey them out), whatever `@allow`s say.
pub fn unreachable_steps(
    program: &Program,
    journey: &Journey,
    reach: &Reach,
    timing: &Timing,
) -> Vec<bool> {
    let deadline = window_limit(program, program.campaign(journey.campaign));
    let g = &journey.graph;
    let tod = match deadline {
        Some(Deadline { person_zone, .. }) if person_zone > 0 => {
            time_of_day_before(program, journey, reach)
        }
        _ => vec![false; g.node_count()],
    };
    g.node_indices()
        .map(|v| {
            let limit = deadline.as_ref().map(|d| d.at(tod[v.index()]));
            g[v].kind.is_step() && !reached_in_time(reach, timing, limit, v)
        })
        .collect()
}
