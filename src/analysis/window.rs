//! The campaign's `window` as a deadline: how long after the earliest
//! possible entry its last day ends, and which steps no execution reaches
//! before then (or at all). `unreachable-step` reports them; `omnis graph`
//! greys them out and `omnis diff` leaves them aside.

use petgraph::graph::NodeIndex;

use crate::analysis::reach::Reach;
use crate::analysis::timing::Timing;
use crate::graph::Journey;
use crate::model::{Campaign, Program, Trigger};

/// How long after the earliest possible entry the window closes, in
/// seconds (slack included), and a phrase saying when that entry is.
pub fn window_limit(program: &Program, c: &Campaign) -> Option<(u64, String)> {
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
    // Schedule triggers fire at a time of day in each person's own time
    // zone when the profile declares `timezone`, while the window's days
    // are fixed instants in the campaign's zone. A person's zone is then
    // up to 26 hours either side of the campaign's (UTC-12 to UTC+14
    // against a campaign anywhere in that range), so a firing may come
    // that much earlier or later than its campaign-zone instant; the
    // earliest entry is the first instant of those ranges inside the
    // window (entries before it opens are refused).
    let (entry, what) = if time_of_day && program.attr_by_name("timezone").is_some() {
        const SHIFT: i64 = 26 * 3_600;
        let earliest = match &c.trigger {
            // Firings a day apart, each spread over 52 hours: some person
            // enters as the window opens.
            Trigger::Daily { .. } => Some(0),
            Trigger::Weekly { .. } if entry - 7 * day + SHIFT >= 0 => Some(0),
            _ if entry + SHIFT < 0 || entry - SHIFT >= close => None,
            _ => Some((entry - SHIFT).max(0)),
        };
        let earliest = earliest?;
        let when = if earliest == 0 {
            format!("as the window opens on {first}")
        } else {
            format!(
                "{} after the window opens",
                crate::words::duration(earliest as u64)
            )
        };
        (
            earliest,
            format!("{what} in each person's time zone, the earliest {when}"),
        )
    } else {
        if entry < 0 || entry >= close {
            // Nobody enters at all; not this lint's business.
            return None;
        }
        (entry, what)
    };
    // A window in a zone with daylight saving may have a day of 25 hours.
    let slack = if c.timezone.as_deref().is_some_and(|z| z != "UTC") {
        3_600
    } else {
        0
    };
    Some(((close - entry + slack) as u64, what))
}

/// Whether some execution reaches `v`, before `limit` (seconds after the
/// earliest entry, from [`window_limit`]) when there is one.
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
    let limit = window_limit(program, program.campaign(journey.campaign)).map(|l| l.0);
    let g = &journey.graph;
    g.node_indices()
        .map(|v| g[v].kind.is_step() && !reached_in_time(reach, timing, limit, v))
        .collect()
}
