//! # time-out-of-range
//!
//! A campaign reaches past the last instant a plan can write,
//! 9999-12-31T23:59:59Z: its window closes (or opens) after it in the
//! campaign's time zone, or its journey can still be running after it.
//!
//! A journey counts from the latest moment a person can enter: the close of
//! its window, the day of a `once` trigger, and otherwise (people may enter
//! at any time) 1970-01-01, the start of plan time, so only journeys longer
//! than about 8,000 years are refused then. The journey's length is the
//! latest arrival at any step some execution reaches, waits at their
//! longest; nested
//! `repeat`s multiply their rounds. Loops made with `goto` are not bounded
//! and are not counted (runners stop them).
//!
//! ## Why
//! Plans write instants as RFC 3339, whose years end at 9999. A window
//! closing on `+10000-01-01` is no instant a runner can read, and a journey
//! that outlives year 9999 makes a runner compute instants it cannot
//! represent.
//!
//! ## Example
//! ```omni
//! campaign forever {
//!   trigger order_placed
//!   window 2026-01-01 to 9999-12-31
//!   timezone "Etc/GMT+12"           // the last day ends at noon on 10000-01-01 UTC
//!   journey {
//!     repeat 1000 times { repeat 1000 times { wait 100w } }
//!   }
//! }
//! ```
//!
//! ## Fix
//! End the window earlier (or in a time zone east of UTC-12), shorten the
//! waits, or lower the `repeat` counts.
//!
//! This is an error: `omnis build` writes no plans while it is reported.

use chrono::{DateTime, Utc};

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::graph::Journey;
use crate::lints::util::step_head;
use crate::lints::LintContext;
use crate::model::{Campaign, Trigger};
use crate::plan::time::{self, Instant};

pub const CODE: Code = Code::TimeOutOfRange;

/// 9999-12-31T23:59:59Z, the last instant RFC 3339 can write.
pub const LAST_INSTANT: Instant = 253_402_300_799;

/// The first instant RFC 3339 can write, 0000-01-01T00:00:00Z.
pub const FIRST_INSTANT: Instant = -62_167_219_200;

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for journey in cx.journeys {
        let c = cx.program.campaign(journey.campaign);
        let window = window_instants(c);
        if let Some((loc, opens, closes)) = window {
            for (what, t) in [("opens", opens), ("closes", closes)] {
                if !(FIRST_INSTANT..=LAST_INSTANT).contains(&t) {
                    out.push(
                        Diagnostic::error(
                            CODE,
                            loc.file,
                            loc.span,
                            format!(
                                "the window {what} at {} (midnight in {}), outside the years 0000 to 9999 that a plan can write",
                                utc(t),
                                c.timezone.as_deref().unwrap_or("UTC")
                            ),
                        )
                        .with_help("end the window earlier, or use a time zone east of UTC-12"),
                    );
                }
            }
            if !(FIRST_INSTANT..=LAST_INSTANT).contains(&closes) {
                continue;
            }
        }
        if let Some(d) = journey_too_long(cx, c, journey, window.map(|w| w.2)) {
            out.push(d);
        }
    }
    out
}

/// The window's location, its opening and its closing instants.
fn window_instants(c: &Campaign) -> Option<(crate::model::Loc, Instant, Instant)> {
    let (from, to, loc) = c.window?;
    let tz = c
        .timezone
        .as_deref()
        .and_then(time::parse_tz)
        .unwrap_or(chrono_tz::UTC);
    let after = to.succ_opt().unwrap_or(to);
    Some((
        loc,
        time::start_of_day(tz, from),
        time::start_of_day(tz, after),
    ))
}

/// An instant as RFC 3339 would write it, or with a sign past year 9999.
fn utc(t: Instant) -> String {
    match DateTime::<Utc>::from_timestamp(t, 0) {
        Some(d) => d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => format!("{t}s after 1970"),
    }
}

/// The first step (in source order) that a person entering at the latest
/// moment the campaign allows can still reach after [`LAST_INSTANT`].
fn journey_too_long(
    cx: &LintContext,
    c: &Campaign,
    journey: &Journey,
    closes: Option<Instant>,
) -> Option<Diagnostic> {
    let (anchor, from) = match (&c.trigger, closes) {
        (_, Some(t)) => (t, "just before the window closed".to_string()),
        (Trigger::Once { date, minutes }, None) => {
            // A day later: the time of day is in each person's time zone.
            let day = time::start_of_day(chrono_tz::UTC, *date);
            (
                day + i64::from(*minutes) * 60 + 86_400,
                format!("when the `once` trigger fired ({date})"),
            )
        }
        _ => (0, "on 1970-01-01 (the start of plan time)".to_string()),
    };
    let room = u64::try_from(LAST_INSTANT - anchor).unwrap_or(0);
    let t = cx.timing(journey);
    let g = &journey.graph;
    let step = journey.step_nodes().find(|&n| {
        t.arrival(n)
            .and_then(|a| a.latest)
            .is_some_and(|l| l > room)
    })?;
    let latest = t.arrival(step)?.latest?;
    let loc = g[step].loc;
    let years = latest / 31_556_952;
    let mut d = Diagnostic::error(
        CODE,
        loc.file,
        step_head(cx.program, loc),
        format!(
            "this step can be reached {} after entry: even someone who entered {from} could still be here after 9999-12-31, the last day a plan can write",
            if years >= 1 {
                format!("{years} years")
            } else {
                crate::words::duration(latest)
            }
        ),
    );
    if let Some((_, _, wloc)) = c.window {
        d = d.with_label(
            wloc.file,
            wloc.span,
            "the last entries come just before this closes",
        );
    } else if let Trigger::Once { .. } = c.trigger {
        d = d.with_label(
            c.trigger_loc.file,
            c.trigger_loc.span,
            "everyone enters here",
        );
    }
    Some(d.with_help(
        "shorten the waits or lower the `repeat` counts (nested repeats multiply their rounds)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lints::testing::run_lint;
    use chrono::{Datelike, NaiveDate};

    fn year(t: Instant) -> i32 {
        DateTime::<Utc>::from_timestamp(t, 0).map_or(i32::MAX, |d| d.year())
    }

    #[test]
    fn the_bounds_are_the_years_of_rfc_3339() {
        assert_eq!(year(LAST_INSTANT), 9999);
        assert_eq!(year(LAST_INSTANT + 1), 10000);
        assert_eq!(year(FIRST_INSTANT), 0);
        let d = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        let tz = time::parse_tz("Etc/GMT+12").unwrap();
        assert!(time::start_of_day(tz, d.succ_opt().unwrap()) > LAST_INSTANT);
    }

    const VOCAB: &str = r#"
event order { id: text }
channel push { }
message m { channel push  template "m" }
"#;

    fn run(props: &str, journey: &str) -> Vec<(usize, String, String, Vec<String>)> {
        run_lint(
            &format!("{VOCAB}\ncampaign c {{\n trigger order\n{props}\n journey {{\n{journey}\n }}\n}}\n"),
            check,
        )
    }

    #[test]
    fn windows_must_open_and_close_before_year_10000() {
        let r = run(
            "window 2026-01-01 to 9999-12-31\n timezone \"Etc/GMT+12\"",
            "send m",
        );
        assert_eq!(r.len(), 1, "{r:#?}");
        assert!(
            r[0].1.contains("closes at +10000-01-01T12:00:00Z"),
            "{r:#?}"
        );
        // In UTC too: the first instant after the last day is in 10000.
        assert_eq!(run("window 2026-01-01 to 9999-12-31", "send m").len(), 1);
        let tokyo = "window 2026-01-01 to 9999-12-31\n timezone \"Asia/Tokyo\"";
        assert!(run(tokyo, "send m").is_empty());
    }

    #[test]
    fn journeys_must_end_before_year_10000() {
        // 1000 x 1000 x 100 weeks: about 1.9 million years.
        let r = run(
            "",
            "repeat 1000 times { repeat 1000 times { wait 100w } }\nsend m",
        );
        assert_eq!(r.len(), 1, "{r:#?}");
        assert!(r[0].1.contains("years after entry"), "{r:#?}");
        // 100 x 100 weeks, entered in 9990: past 9999.
        let r = run(
            "window 9990-01-01 to 9990-01-02",
            "repeat 100 times { wait 100w }\nsend m",
        );
        assert_eq!(r.len(), 1, "{r:#?}");
        // The same from 2026 is fine.
        let r = run(
            "window 2026-01-01 to 2026-01-02",
            "repeat 100 times { wait 100w }\nsend m",
        );
        assert!(r.is_empty(), "{r:#?}");
    }
}
