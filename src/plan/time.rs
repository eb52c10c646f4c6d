//! Time semantics shared by plan emission and the reference runner: local
//! times in IANA zones, with daylight-saving gaps and overlaps resolved the
//! way `docs/plan-format.md` promises.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// Seconds since the Unix epoch, UTC.
pub type Instant = i64;

/// Parses an IANA zone name (`Europe/Riga`, `UTC`).
pub fn parse_tz(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// The instant of a local date and time in `tz`. A local time that does not
/// exist (a daylight-saving gap) moves forward to the first one that does;
/// an ambiguous one (an overlap) is the earlier instant.
pub fn local_to_instant(tz: Tz, local: NaiveDateTime) -> Instant {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.timestamp(),
        chrono::LocalResult::Ambiguous(a, _) => a.timestamp(),
        chrono::LocalResult::None => {
            // Walk forward a minute at a time out of the gap (at most a few
            // hours anywhere).
            let mut l = local;
            for _ in 0..(24 * 60) {
                l += chrono::Duration::minutes(1);
                match tz.from_local_datetime(&l) {
                    chrono::LocalResult::Single(t) => return t.timestamp(),
                    chrono::LocalResult::Ambiguous(a, _) => return a.timestamp(),
                    chrono::LocalResult::None => {}
                }
            }
            local.and_utc().timestamp()
        }
    }
}

/// The local date and time of an instant in `tz`.
pub fn instant_to_local(tz: Tz, t: Instant) -> NaiveDateTime {
    let utc = DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default();
    utc.with_timezone(&tz).naive_local()
}

/// When a date trigger next fires at or after `from`: on `day` moved by
/// `offset_days`, at `minutes` local time in `tz`; with `yearly`, on that
/// day of every year (29 February is the 28th in other years, before the
/// offset is applied). `None` when that moment has passed (not yearly) or
/// falls outside the calendar.
pub fn date_firing(
    tz: Tz,
    day: NaiveDate,
    offset_days: i64,
    minutes: u32,
    yearly: bool,
    from: Instant,
) -> Option<Instant> {
    let time = NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0)?;
    let offset = chrono::Duration::try_days(offset_days)?;
    let at = |d: NaiveDate| -> Option<Instant> {
        let d = d.checked_add_signed(offset)?;
        Some(local_to_instant(tz, d.and_time(time)))
    };
    if !yearly {
        return at(day).filter(|&t| t >= from);
    }
    // The anniversary whose day, moved by the offset, is the first at or
    // after `from`: its year is about that of `from` moved back by the
    // offset.
    let anniversary = |y: i32| {
        NaiveDate::from_ymd_opt(y, day.month(), day.day())
            .or_else(|| NaiveDate::from_ymd_opt(y, day.month(), day.day() - 1))
    };
    let around = instant_to_local(tz, from)
        .date()
        .checked_sub_signed(offset)?
        .year();
    (around - 1..=around + 1)
        .filter_map(anniversary)
        .filter_map(at)
        .find(|&t| t >= from)
}

/// The first instant of a day in `tz`.
pub fn start_of_day(tz: Tz, date: NaiveDate) -> Instant {
    local_to_instant(tz, date.and_time(NaiveTime::MIN))
}

/// RFC 3339 in UTC with a `Z`, whole seconds: `2026-11-20T10:00:00Z`.
pub fn format_instant(t: Instant) -> String {
    let t = DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default();
    // Written digit by digit: `simulate --people` writes a time for every
    // input it generates, and chrono's format strings cost 20% of that
    // run. Years outside 0 to 9999 (a sign, more digits) as chrono writes
    // them.
    let Ok(year) = u32::try_from(t.year()) else {
        return t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    };
    if year > 9999 {
        return t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    }
    let mut b = *b"0000-00-00T00:00:00Z";
    for (at, width, v) in [
        (0, 4, year),
        (5, 2, t.month()),
        (8, 2, t.day()),
        (11, 2, t.hour()),
        (14, 2, t.minute()),
        (17, 2, t.second()),
    ] {
        digits(&mut b[at..at + width], v);
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// Writes `v` in decimal into `out`, zero-padded to its width.
fn digits(out: &mut [u8], mut v: u32) {
    for c in out.iter_mut().rev() {
        *c = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// A day (days since 1970-01-01) as `YYYY-MM-DD`.
pub fn format_day(day: i64) -> String {
    let mut s = format_instant(day.saturating_mul(86_400));
    s.truncate(s.len() - 10);
    s
}

/// Parses RFC 3339 (any offset) to an instant, dropping fractions of a
/// second.
pub fn parse_instant(s: &str) -> Option<Instant> {
    parse_canonical(s).or_else(|| DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp()))
}

/// The form [`format_instant`] writes, `YYYY-MM-DDTHH:MM:SSZ`, read
/// without chrono's general parser (`simulate --people` reads back every
/// time it generated); `None` for anything else, which
/// [`parse_instant`] leaves to chrono (leap seconds, offsets, fractions,
/// lowercase, errors).
fn parse_canonical(s: &str) -> Option<Instant> {
    let b = s.as_bytes();
    if b.len() != 20 || [b[4], b[7], b[10], b[13], b[16], b[19]] != *b"--T::Z" {
        return None;
    }
    let num = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let day = NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)?;
    Some(day.and_hms_opt(hour, minute, second)?.and_utc().timestamp())
}

/// The next instant at or after `now` whose local time in `tz` is
/// `minutes` after midnight, on weekday `weekday` (0 = Monday) when given.
/// A time that falls in a daylight-saving gap that day is taken as the
/// first local time after the gap.
pub fn next_local_time(tz: Tz, now: Instant, weekday: Option<u32>, minutes: u32) -> Instant {
    let local = instant_to_local(tz, now);
    let time = NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or(NaiveTime::MIN);
    let mut date = local.date();
    // Start a day early: with a gap or overlap the candidate of yesterday's
    // date can still be at or after `now`.
    date = date.pred_opt().unwrap_or(date);
    for _ in 0..16 {
        let ok = weekday.is_none_or(|w| date.weekday().num_days_from_monday() == w);
        if ok {
            let t = local_to_instant(tz, date.and_time(time));
            if t >= now {
                return t;
            }
        }
        date = date.succ_opt().unwrap_or(date);
    }
    now
}

/// The length in seconds of quiet hours from `from` to `to` (minutes after
/// midnight), wrapping past midnight when `to` is before `from`: the
/// longest a send can be delayed by them. Quiet hours that start and end
/// at the same time are empty (see [`quiet_until`]).
pub fn quiet_span(from: u32, to: u32) -> u64 {
    (i64::from(to) - i64::from(from)).rem_euclid(1440) as u64 * 60
}

/// Whether local time of `t` in `tz` is inside `[from, to)` minutes after
/// midnight (wrapping past midnight when `to <= from`); if so, the instant
/// the quiet period ends.
pub fn quiet_until(tz: Tz, t: Instant, from: u32, to: u32) -> Option<Instant> {
    if from == to {
        return None;
    }
    let local = instant_to_local(tz, t);
    let m = local.hour() * 60 + local.minute();
    let inside = if from < to {
        m >= from && m < to
    } else {
        m >= from || m < to
    };
    if !inside {
        return None;
    }
    let end = next_local_time(tz, t, None, to);
    // A second at `to` itself is outside; `next_local_time` is at or after,
    // and `t` is inside, so `end > t`.
    Some(end.max(t + 1))
}

/// Several quiet periods at once (a channel's and a campaign's): the
/// longest a send can be delayed by them together, in seconds (the longest
/// run of minutes inside at least one of them, around the clock), or
/// `None` when together they cover the whole day and leave no time to send.
pub fn quiet_union_span(periods: &[(u32, u32)]) -> Option<u64> {
    const DAY: u32 = 1440;
    // Each period as minutes [from, to) of one day, a period across
    // midnight in two pieces; then the pieces merged in order.
    let mut pieces: Vec<(u32, u32)> = Vec::with_capacity(periods.len() * 2);
    for &(from, to) in periods {
        let (from, to) = (from % DAY, to % DAY);
        if from < to {
            pieces.push((from, to));
        } else if from > to {
            pieces.push((from, DAY));
            pieces.push((0, to));
        }
    }
    pieces.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(pieces.len());
    for (from, to) in pieces {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    if merged.first() == Some(&(0, DAY)) {
        // No minute of the day to send in.
        return None;
    }
    let mut longest = merged.iter().map(|&(f, t)| t - f).max().unwrap_or(0);
    // A run across midnight: the last piece ends the day, the first starts it.
    if let (Some(&(f0, t0)), Some(&(fl, tl))) = (merged.first(), merged.last()) {
        if merged.len() > 1 && f0 == 0 && tl == DAY {
            longest = longest.max((t0 - f0) + (tl - fl));
        }
    }
    Some(u64::from(longest) * 60)
}

/// Whether `t` is inside any of the quiet `periods`; if so, the first
/// instant after it outside all of them (a send held by both a channel's
/// and a campaign's quiet hours goes out when both allow it). Periods that
/// together cover the whole day are rejected by the compiler; for such a
/// plan this stops after one pass per period and returns where it got.
pub fn quiet_until_all(tz: Tz, t: Instant, periods: &[(u32, u32)]) -> Option<Instant> {
    let mut now = t;
    for _ in 0..=periods.len() {
        let before = now;
        for &(from, to) in periods {
            if let Some(end) = quiet_until(tz, now, from, to) {
                now = end;
            }
        }
        if now == before {
            break;
        }
    }
    (now > t).then_some(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digit-by-digit writer and reader agree with chrono's format
    /// string and RFC 3339 parser, across the calendar and its edges.
    #[test]
    fn instants_written_and_read_as_chrono_does() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut samples = vec![
            0,
            -1,
            86_399,
            -62_167_219_200,
            -62_167_219_201,
            253_402_300_799,
            253_402_300_800,
            951_782_400, // 2000-02-29
            i64::MAX,
            i64::MIN,
        ];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            samples.push((x % 400_000_000_000) as i64 - 80_000_000_000);
        }
        for t in samples {
            let chrono = DateTime::<Utc>::from_timestamp(t, 0)
                .unwrap_or_default()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            let ours = format_instant(t);
            assert_eq!(ours, chrono, "{t}");
            let parsed = DateTime::parse_from_rfc3339(&ours)
                .ok()
                .map(|t| t.timestamp());
            assert_eq!(parse_instant(&ours), parsed, "{ours}");
            assert_eq!(
                format_day(t.div_euclid(86_400)),
                chrono[..chrono.len() - 10]
            );
        }
        for s in [
            "2026-11-20T10:00:00Z",
            "2026-11-20t10:00:00z",
            "2026-11-20T10:00:60Z",
            "2026-11-20T24:00:00Z",
            "2026-02-29T10:00:00Z",
            "2024-02-29T10:00:00Z",
            "2026-13-01T10:00:00Z",
            "2026-00-01T10:00:00Z",
            "2026-11-00T10:00:00Z",
            "2026-11-20T10:00:00+02:00",
            "2026-11-20T10:00:00.5Z",
            "2026-11-20 10:00:00Z",
            "+026-11-20T10:00:00Z",
            "2026-11-2OT10:00:00Z",
            "0000-01-01T00:00:00Z",
        ] {
            let chrono = DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp());
            assert_eq!(parse_instant(s), chrono, "{s}");
        }
    }

    /// The longest quiet run by walking the minutes of a day: the oracle
    /// for [`quiet_union_span`].
    fn span_by_minutes(periods: &[(u32, u32)]) -> Option<u64> {
        let mut quiet = [false; 1440];
        for &(from, to) in periods {
            let mut m = from as usize % 1440;
            while m != to as usize % 1440 {
                quiet[m] = true;
                m = (m + 1) % 1440;
            }
        }
        let open = quiet.iter().position(|q| !q)?;
        let (mut longest, mut run) = (0u64, 0u64);
        for i in 1..=1440 {
            if quiet[(open + i) % 1440] {
                run += 1;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        }
        Some(longest * 60)
    }

    #[test]
    fn quiet_union_span_agrees_with_walking_the_minutes() {
        let times: Vec<u32> = (0..1440).step_by(150).chain([1439, 30]).collect();
        for &a in &times {
            for &b in &times {
                assert_eq!(quiet_union_span(&[(a, b)]), span_by_minutes(&[(a, b)]));
                for &c in &times {
                    for &d in times.iter().step_by(3) {
                        let p = [(a, b), (c, d)];
                        assert_eq!(quiet_union_span(&p), span_by_minutes(&p), "{p:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn quiet_periods_together() {
        // 21:00-08:00 and 07:00-10:00 overlap: 13 hours in a row.
        assert_eq!(
            quiet_union_span(&[(21 * 60, 8 * 60), (7 * 60, 10 * 60)]),
            Some(13 * 3600)
        );
        // Apart: the longest of the two.
        assert_eq!(
            quiet_union_span(&[(21 * 60, 23 * 60), (60, 4 * 60)]),
            Some(3 * 3600)
        );
        // Nothing left to send in.
        assert_eq!(
            quiet_union_span(&[(20 * 60, 8 * 60), (8 * 60, 20 * 60)]),
            None
        );
        assert_eq!(quiet_union_span(&[]), Some(0));
        let tz = parse_tz("UTC").unwrap();
        let q = |s| {
            quiet_until_all(tz, at(s), &[(21 * 60, 8 * 60), (7 * 60, 10 * 60)]).map(format_instant)
        };
        // Held by the first, then by the second: out at 10:00.
        assert_eq!(
            q("2026-11-20T23:00:00Z").as_deref(),
            Some("2026-11-21T10:00:00Z")
        );
        assert_eq!(
            q("2026-11-20T09:00:00Z").as_deref(),
            Some("2026-11-20T10:00:00Z")
        );
        assert_eq!(q("2026-11-20T12:00:00Z"), None);
    }

    fn at(s: &str) -> Instant {
        parse_instant(s).unwrap()
    }

    #[test]
    fn next_local_time_is_at_or_after() {
        let tz = parse_tz("Europe/Riga").unwrap();
        // 08:30 UTC = 10:30 Riga (winter, +2).
        let now = at("2026-11-20T08:30:00Z");
        assert_eq!(
            format_instant(next_local_time(tz, now, None, 10 * 60 + 30)),
            "2026-11-20T08:30:00Z"
        );
        assert_eq!(
            format_instant(next_local_time(tz, now, None, 10 * 60)),
            "2026-11-21T08:00:00Z"
        );
        // 2026-11-20 is a Friday; next Monday 09:00 Riga.
        assert_eq!(
            format_instant(next_local_time(tz, now, Some(0), 9 * 60)),
            "2026-11-23T07:00:00Z"
        );
    }

    #[test]
    fn gaps_move_forward() {
        let tz = parse_tz("Europe/Riga").unwrap();
        // 2026-03-29 03:00 local does not exist in Riga (03:00 -> 04:00).
        let now = at("2026-03-28T12:00:00Z");
        let t = next_local_time(tz, now, None, 3 * 60 + 30);
        assert_eq!(format_instant(t), "2026-03-29T01:00:00Z"); // 04:00 EEST
    }

    #[test]
    fn quiet_hours_wrap_midnight() {
        let tz = parse_tz("UTC").unwrap();
        let q = |s| quiet_until(tz, at(s), 21 * 60, 8 * 60).map(format_instant);
        assert_eq!(
            q("2026-11-20T22:00:00Z").as_deref(),
            Some("2026-11-21T08:00:00Z")
        );
        assert_eq!(
            q("2026-11-21T07:59:59Z").as_deref(),
            Some("2026-11-21T08:00:00Z")
        );
        assert_eq!(q("2026-11-21T08:00:00Z"), None);
        assert_eq!(q("2026-11-21T20:59:00Z"), None);
    }

    #[test]
    fn date_triggers_fire_on_the_moved_day() {
        let riga: Tz = "Europe/Riga".parse().unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let fire = |day: &str, off: i64, yearly: bool, from: &str| {
            date_firing(riga, d(day), off, 540, yearly, at(from)).map(format_instant)
        };
        // 7 days before a 3 January birthday: late December of the year before.
        assert_eq!(
            fire("1990-01-03", -7, true, "2026-12-01T00:00:00Z").as_deref(),
            Some("2026-12-27T07:00:00Z")
        );
        // Just past this year's: next year's.
        assert_eq!(
            fire("1990-01-03", -7, true, "2026-12-27T07:00:01Z").as_deref(),
            Some("2027-12-27T07:00:00Z")
        );
        // 29 February: the 28th in other years, the 29th in leap years.
        assert_eq!(
            fire("2000-02-29", 0, true, "2027-01-01T00:00:00Z").as_deref(),
            Some("2027-02-28T07:00:00Z")
        );
        assert_eq!(
            fire("2000-02-29", 0, true, "2028-01-01T00:00:00Z").as_deref(),
            Some("2028-02-29T07:00:00Z")
        );
        // Not yearly: once, and never when it has passed; summer time.
        assert_eq!(
            fire("2026-06-10", 3, false, "2026-06-01T00:00:00Z").as_deref(),
            Some("2026-06-13T06:00:00Z")
        );
        assert_eq!(fire("2026-06-10", 3, false, "2026-06-14T00:00:00Z"), None);
        // Offsets beyond the calendar fire never.
        assert_eq!(
            fire("2026-06-10", i64::MAX / 2, false, "2026-06-01T00:00:00Z"),
            None
        );
    }
}
