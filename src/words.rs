//! Values as people read them, in diagnostics, diagrams, diffs, plans and
//! summaries: one writer for each kind of value, so the same wait reads the
//! same everywhere.
//!
//! Durations, times of day and split weights are written the way the
//! language writes them, so what a message says can be pasted back into a
//! campaign: durations in days and smaller units (`14d`, `1d12h`, `1m30s`;
//! weeks are not used, since `7d` and `30d` are how campaigns are written),
//! times of day as `09:05`, weights as `50%` or `12.5%`. Counts in
//! summaries get thousands separators.

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration in seconds as the language writes it: `14d`, `1d12h`,
/// `1m30s`, `0s`.
pub fn duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

/// A date trigger's offset as the language writes it, with a space after:
/// `7d before `, `3d after `, `on ` (no offset).
pub fn day_offset(days: i64) -> String {
    match days {
        0 => "on ".into(),
        d if d < 0 => format!("{}d before ", d.unsigned_abs()),
        d => format!("{d}d after "),
    }
}

/// Minutes after midnight as `HH:MM`.
pub fn time_of_day(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A split weight (hundredths of a percent) as the language writes it:
/// `50%`, `12.5%`, `0.01%`.
pub fn percent(weight: u32) -> String {
    if weight.is_multiple_of(100) {
        format!("{}%", weight / 100)
    } else {
        let s = format!("{}.{:02}", weight / 100, weight % 100);
        format!("{}%", s.trim_end_matches('0'))
    }
}

/// A duration in words, for people: `1 day`, `1 day 12 hours`, `30
/// minutes`.
pub fn duration_words(seconds: u64) -> String {
    if seconds == 0 {
        return "0 seconds".to_string();
    }
    let mut parts = Vec::new();
    let mut rest = seconds;
    for (unit, len) in [
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
        ("second", 1),
    ] {
        if rest >= len {
            let n = rest / len;
            rest %= len;
            parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn durations_times_and_percentages() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(90), "1m30s");
        assert_eq!(duration(90_000), "1d1h");
        assert_eq!(duration(129_600), "1d12h");
        assert_eq!(duration(14 * 86_400), "14d");
        assert_eq!(duration(1_209_600 + 60), "14d1m");
        assert_eq!(duration(30 * 86_400), "30d");
        assert_eq!(time_of_day(9 * 60 + 5), "09:05");
        assert_eq!(time_of_day(0), "00:00");
        assert_eq!(percent(5000), "50%");
        assert_eq!(percent(1250), "12.5%");
        assert_eq!(percent(1), "0.01%");
    }
}
