//! Literals: read from their tokens and checked for range (`invalid-value`),
//! strings unescaped and their `{{ }}` placeholders checked.

use super::ast::*;
use super::lower::{Lowerer, P};
use crate::codes::Code;
use crate::source::Span;

/// The largest duration accepted: 100 years.
pub const MAX_DURATION_SECONDS: u64 = 100 * 365 * 86_400;
/// The largest count accepted in `repeat N times`, `limit N per D` and
/// `at least N times`.
pub const MAX_COUNT: u64 = 10_000;
/// The longest string literal accepted, in bytes.
pub const MAX_STRING_BYTES: usize = 64 * 1024;

impl Lowerer {
    /// Counts are whole numbers from 1 to [`MAX_COUNT`].
    pub(super) fn check_count(&mut self, n: &Number, what: &str) {
        if n.value.fract() != 0.0 || n.value < 1.0 || n.value > MAX_COUNT as f64 {
            self.error(
                Code::InvalidValue,
                n.span,
                format!("`{}` is not a valid count for {what}", n.raw),
                Some(format!("use a whole number from 1 to {MAX_COUNT}")),
            );
        }
    }
    pub(super) fn number(&mut self, p: P, base: usize) -> Number {
        let span = self.span(&p, base);
        let raw = p.as_str().to_string();
        let value: f64 = raw.parse().unwrap_or(f64::INFINITY);
        let digits = raw.chars().filter(|c| c.is_ascii_digit()).count();
        let value = if !value.is_finite() || digits > 15 {
            self.error(
                Code::InvalidValue,
                span,
                format!("`{}` is too large a number", abbreviate(&raw)),
                Some("numbers are limited to 15 significant digits".into()),
            );
            0.0
        } else {
            value
        };
        Number { value, raw, span }
    }

    pub(super) fn duration(&mut self, p: P, base: usize) -> Duration {
        let span = self.span(&p, base);
        let raw = p.as_str();
        let mut total: u64 = 0;
        let mut n: u64 = 0;
        let mut overflow = false;
        for c in raw.chars() {
            if let Some(d) = c.to_digit(10) {
                match n.checked_mul(10).and_then(|x| x.checked_add(d as u64)) {
                    Some(x) => n = x,
                    None => overflow = true,
                }
            } else {
                let unit = match c {
                    's' => 1,
                    'm' => 60,
                    'h' => 3600,
                    'd' => 86_400,
                    _ => 7 * 86_400,
                };
                match n.checked_mul(unit).and_then(|x| x.checked_add(total)) {
                    Some(x) => total = x,
                    None => overflow = true,
                }
                n = 0;
            }
        }
        if overflow || total > MAX_DURATION_SECONDS {
            self.error(
                Code::InvalidValue,
                span,
                format!("the duration `{}` is too long", abbreviate(raw)),
                Some("durations are limited to 100 years (5200w)".into()),
            );
            total = 0;
        }
        Duration {
            seconds: total,
            span,
        }
    }

    pub(super) fn time_of_day(&mut self, p: P, base: usize) -> TimeOfDay {
        let span = self.span(&p, base);
        let (h, m) = p.as_str().split_once(':').unwrap();
        let (h, m): (u32, u32) = (h.parse().unwrap(), m.parse().unwrap());
        if h > 23 || m > 59 {
            self.error(
                Code::InvalidValue,
                span,
                format!("`{}` is not a time of day", p.as_str()),
                Some("times of day go from `00:00` to `23:59`".into()),
            );
            return TimeOfDay { minutes: 0, span };
        }
        TimeOfDay {
            minutes: h * 60 + m,
            span,
        }
    }

    pub(super) fn date(&mut self, p: P, base: usize) -> Date {
        let span = self.span(&p, base);
        let s = p.as_str();
        let year: i32 = s[0..4].parse().unwrap();
        let month: u32 = s[5..7].parse().unwrap();
        let day: u32 = s[8..10].parse().unwrap();
        if chrono::NaiveDate::from_ymd_opt(year, month, day).is_none() {
            self.error(
                Code::InvalidValue,
                span,
                format!("`{s}` is not a date"),
                Some("dates are written `YYYY-MM-DD` and must exist in the calendar".into()),
            );
            return Date {
                year: 1970,
                month: 1,
                day: 1,
                span,
            };
        }
        Date {
            year,
            month,
            day,
            span,
        }
    }

    pub(super) fn percent(&mut self, p: P, base: usize) -> Percent {
        let span = self.span(&p, base);
        let raw = p.as_str().trim_end_matches('%');
        let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
        let ok = frac.len() <= 2 && int.len() <= 3;
        let bp = if ok {
            let i: u32 = int.parse().unwrap_or(u32::MAX);
            let f: u32 = format!("{frac:0<2}").parse().unwrap_or(0);
            i.checked_mul(100).and_then(|x| x.checked_add(f))
        } else {
            None
        };
        match bp {
            Some(bp) if bp <= 10_000 => Percent {
                basis_points: bp,
                span,
            },
            _ => {
                self.error(
                    Code::InvalidValue,
                    span,
                    format!("`{}` is not a percentage from 0% to 100%", p.as_str()),
                    Some("use at most two decimals, e.g. `12.5%`".into()),
                );
                Percent {
                    basis_points: 0,
                    span,
                }
            }
        }
    }

    /// A string literal: unescapes it and finds its placeholders.
    pub(super) fn string(&mut self, p: P, base: usize) -> StrLit {
        let span = self.span(&p, base);
        let inner = p.into_inner().next().expect("string has an inner part");
        let raw = inner.as_str();
        let raw_start = base + inner.as_span().start();
        if raw.len() > MAX_STRING_BYTES {
            self.error(
                Code::InvalidValue,
                span,
                format!("this string is {} bytes long", raw.len()),
                Some(format!(
                    "strings are limited to {} KiB; long content belongs in the template",
                    MAX_STRING_BYTES / 1024
                )),
            );
            return StrLit {
                value: String::new(),
                span,
                placeholders: Vec::new(),
            };
        }
        let placeholders = if raw.contains('{') {
            self.placeholders(raw, raw_start)
        } else {
            Vec::new()
        };
        if !raw.contains('\\') {
            return StrLit {
                value: raw.to_string(),
                span,
                placeholders,
            };
        }
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, 'n')) => value.push('\n'),
                Some((j, other)) => {
                    let s = Span::new(raw_start + i, raw_start + j + other.len_utf8());
                    self.error(
                        Code::SyntaxError,
                        s,
                        format!("unknown escape `\\{other}`"),
                        Some("strings know `\\\"`, `\\\\` and `\\n`".into()),
                    );
                }
                None => {}
            }
        }
        StrLit {
            value,
            span,
            placeholders,
        }
    }

    /// Finds `{{ path [| default: "..."] }}` in a string's raw text.
    fn placeholders(&mut self, raw: &str, raw_start: usize) -> Vec<Placeholder> {
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(open) = raw[from..].find("{{") {
            let open = from + open;
            let Some(close) = raw[open + 2..].find("}}") else {
                self.error(
                    Code::SyntaxError,
                    Span::new(raw_start + open, raw_start + open + 2),
                    "this `{{` placeholder is not closed",
                    Some("close it with `}}`".into()),
                );
                break;
            };
            let close = open + 2 + close;
            let span = Span::new(raw_start + open, raw_start + close + 2);
            let body = &raw[open + 2..close];
            from = close + 2;
            let (path_part, filter) = match body.split_once('|') {
                Some((a, b)) => (a, Some(b)),
                None => (body, None),
            };
            let lead = path_part.len() - path_part.trim_start().len();
            let path_text = path_part.trim();
            let valid_ident = |s: &str| {
                let mut cs = s.chars();
                cs.next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
            };
            let parts: Vec<&str> = path_text.split('.').collect();
            if path_text.is_empty() || parts.len() > 2 || !parts.iter().all(|s| valid_ident(s)) {
                self.error(
                    Code::SyntaxError,
                    span,
                    format!("`{{{{{body}}}}}` is not a placeholder"),
                    Some("write `{{ attribute }}` or `{{ event.field }}`, optionally with `| default: \"...\"`".into()),
                );
                continue;
            }
            let path_start = raw_start + open + 2 + lead;
            let mut segments = Vec::new();
            let mut off = path_start;
            for s in &parts {
                segments.push(Ident {
                    name: s.to_string(),
                    span: Span::new(off, off + s.len()),
                });
                off += s.len() + 1;
            }
            let default = match filter {
                None => None,
                Some(f) => {
                    let f = f.trim();
                    let value = f
                        .strip_prefix("default")
                        .map(str::trim_start)
                        .and_then(|r| r.strip_prefix(':'))
                        .map(str::trim)
                        .and_then(|r| r.strip_prefix("\\\"").and_then(|r| r.strip_suffix("\\\"")));
                    match value {
                        Some(v) => Some(v.replace("\\\\", "\\")),
                        None => {
                            self.error(
                                Code::SyntaxError,
                                span,
                                format!("unknown placeholder filter `{}`", f),
                                Some("the one filter is `| default: \\\"fallback\\\"`".into()),
                            );
                            continue;
                        }
                    }
                }
            };
            out.push(Placeholder {
                path: Path {
                    segments,
                    span: Span::new(path_start, path_start + path_text.len()),
                },
                default,
                span,
            });
        }
        out
    }
}

/// Long values are shortened in messages.
fn abbreviate(s: &str) -> String {
    match s.char_indices().nth(20) {
        Some((i, _)) if s.len() > 24 => format!("{}…", &s[..i]),
        _ => s.to_string(),
    }
}
