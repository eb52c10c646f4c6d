//! What a syntax error says: "expected X, found Y", and a help line for the
//! mistakes people make most (wrong quotes, `#` comments, `;`, durations
//! and times written as in English, mistyped keywords...).
//!
//! Each hint is a function of the failure ([`Cx`]) in [`HINTS`], tried in
//! order; the first that recognises the mistake gives the help line.
//! Keyword suggestions only name keywords that are valid where the parser
//! gave up (pest's positives at that point).

use pest::error::ErrorVariant;

use super::super::parser::{Rule, TOP_KEYWORDS};
use crate::suggest::did_you_mean;

/// What the parser would have accepted where it gave up.
#[derive(Debug, Default)]
pub(super) struct Expected {
    /// How each is called in messages, sorted, without repeats.
    pub what: Vec<&'static str>,
    /// The keywords among them.
    pub keywords: Vec<&'static str>,
}

impl Expected {
    pub fn of(variant: &ErrorVariant<Rule>) -> Expected {
        let ErrorVariant::ParsingError { positives, .. } = variant else {
            return Expected::default();
        };
        let mut what: Vec<&str> = positives.iter().filter_map(|r| describe(*r)).collect();
        what.sort();
        what.dedup();
        let mut keywords: Vec<&str> = positives
            .iter()
            .flat_map(|r| keywords(*r))
            .copied()
            .collect();
        keywords.sort();
        keywords.dedup();
        Expected { what, keywords }
    }

    fn wants(&self, prefix: &str) -> bool {
        self.what.iter().any(|e| e.starts_with(prefix))
    }
}

/// "expected X or Y, found Z".
pub(super) fn message(found: &str, expected: &Expected) -> String {
    let found = describe_found(found);
    match expected.what.split_last() {
        None => format!("unexpected {found}"),
        Some((only, [])) => format!("expected {only}, found {found}"),
        Some((last, rest)) => format!("expected {} or {last}, found {found}", rest.join(", ")),
    }
}

fn describe_found(found: &str) -> String {
    let mut chars = found.chars();
    match (chars.next(), chars.next()) {
        (None, _) => "the end of the file".into(),
        (Some('"'), _) if !found[1..].contains('"') => {
            "a string that is not closed on this line".into()
        }
        (Some(c), None) if c.is_whitespace() || is_invisible(c) => {
            format!("an invisible character (U+{:04X})", c as u32)
        }
        _ => format!("`{found}`"),
    }
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{00AD}')
}

/// The failure a hint looks at.
pub(super) struct Cx<'a> {
    /// The token where the parser gave up (empty at the end of the file).
    pub found: &'a str,
    /// The rest of its line, from the token on.
    pub line: &'a str,
    /// The two words before it, nearest first (empty when there are none).
    pub before: [&'a str; 2],
    pub expected: &'a Expected,
}

impl<'a> Cx<'a> {
    pub fn new(text: &'a str, at: usize, expected: &'a Expected) -> Cx<'a> {
        let at = at.min(text.len());
        let line_end = text[at..].find('\n').map_or(text.len(), |n| at + n);
        let mut words = text[..at]
            .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty());
        Cx {
            found: token_at(text, at),
            line: text[at..line_end].trim_end(),
            before: [words.next().unwrap_or(""), words.next().unwrap_or("")],
            expected,
        }
    }

    /// The word after the found token on its line.
    fn next_word(&self) -> &'a str {
        self.line[self.found.len()..]
            .split_whitespace()
            .next()
            .unwrap_or("")
    }
}

type Hint = fn(&Cx) -> Option<String>;

/// The hints, most specific first.
const HINTS: &[Hint] = &[
    quotes,
    hash_comment,
    semicolon,
    colon,
    unclosed_string,
    unquoted_import,
    quoted_name,
    duration,
    weekday_and_time,
    trigger_on,
    wait_for_without_within,
    keyword,
    operators,
];

/// The help line for a failure, if a hint recognises the mistake.
pub(super) fn help(cx: &Cx) -> Option<String> {
    HINTS.iter().find_map(|h| h(cx))
}

const QUOTES: &[char] = &['\'', '‘', '’', '“', '”', '„', '«', '»', '`', '´'];

/// A quote that is not `"`.
pub(super) fn is_quote(c: char) -> bool {
    QUOTES.contains(&c)
}

/// `'welcome'`, `“welcome”`.
fn quotes(cx: &Cx) -> Option<String> {
    let open = cx.found.chars().next().filter(|c| QUOTES.contains(c))?;
    let inner = &cx.line[open.len_utf8()..];
    let value = inner.split(QUOTES).next().unwrap_or(inner);
    Some(format!(
        "strings use straight double quotes: `\"{value}\"` (not `{open}`)"
    ))
}

fn hash_comment(cx: &Cx) -> Option<String> {
    (cx.found == "#").then(|| "comments start with `//`, e.g. `// why this wait`".into())
}

/// `channel: email` in a message.
fn colon(cx: &Cx) -> Option<String> {
    if cx.found != ":" || !cx.expected.wants("a name") || cx.before[0].is_empty() {
        return None;
    }
    let value = cx.line[1..].split_whitespace().next().unwrap_or("...");
    Some(format!("remove the `:`: write `{} {value}`", cx.before[0]))
}

fn semicolon(cx: &Cx) -> Option<String> {
    (cx.found == ";").then(|| "remove the `;`: a line needs nothing at its end".into())
}

fn unclosed_string(cx: &Cx) -> Option<String> {
    (cx.found.starts_with('"') && !cx.found[1..].contains('"')).then(|| {
        "close the string with `\"` before the end of the line (write `\\n` for a line break)"
            .into()
    })
}

/// `import audience.omni`.
fn unquoted_import(cx: &Cx) -> Option<String> {
    if cx.before[0] != "import" || cx.found.starts_with('"') || cx.found.is_empty() {
        return None;
    }
    let path = cx.line.split_whitespace().next()?.trim_matches(QUOTES);
    Some(format!("the path is a string: `import \"{path}\"`"))
}

/// `send "tips"`: a string where a name is needed.
fn quoted_name(cx: &Cx) -> Option<String> {
    if !cx.expected.wants("a name") || !cx.found.starts_with('"') {
        return None;
    }
    let inner = cx.found.trim_matches('"');
    let what = match cx.before[0] {
        "send" => "`send` takes the name of a message",
        "goto" => "`goto` takes the name of a step",
        _ => "this is a name",
    };
    Some(if is_name(inner) {
        format!("{what}, without quotes: `{inner}`")
    } else {
        format!("{what}, without quotes (letters, digits and `_`)")
    })
}

fn is_name(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `wait 2`, `wait 2 days`, `wait 1month`, `wait 1.5d`, `wait 2D`.
fn duration(cx: &Cx) -> Option<String> {
    if !cx.expected.wants("a duration") {
        return None;
    }
    let t = cx.found;
    let digits = t
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    if digits == 0 || !t.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let (number, unit) = t.split_at(digits);
    let unit = if unit.is_empty() {
        cx.next_word()
    } else {
        unit
    };
    let spaced = !t[digits..].is_empty() || unit.is_empty();
    let Some(seconds) = unit_seconds(unit) else {
        return Some(if unit.is_empty() || !spaced {
            format!(
                "add a unit: `{number}d` (days), `{number}h` (hours), `{number}w` (weeks) or `{number}m` (minutes)"
            )
        } else {
            "durations use the units `s m h d w`, e.g. `30m`, `1d12h`, `2w`".into()
        });
    };
    let value: f64 = number.parse().ok()?;
    let total = (value * seconds as f64).round() as u64;
    let fix = format!("`{}`", crate::words::duration(total));
    let lower = unit.to_ascii_lowercase();
    Some(if lower.starts_with("mo") || lower.starts_with('y') {
        let days = total / 86_400;
        format!("durations have no months or years: write `{days}d`")
    } else if number.contains('.') {
        format!("durations are whole numbers of each unit: write {fix}")
    } else if unit.chars().any(|c| c.is_ascii_uppercase()) && unit.len() == 1 {
        format!("units are lowercase: write {fix}")
    } else if t.len() == digits {
        format!("write the number and its unit together: {fix}")
    } else {
        format!("write {fix} (the units are `s m h d w`)")
    })
}

/// The length of a unit as people write it (`d`, `days`, `hrs`, `month`...).
fn unit_seconds(unit: &str) -> Option<u64> {
    const DAY: u64 = 86_400;
    let u = unit.to_ascii_lowercase();
    Some(match u.as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => DAY,
        "w" | "wk" | "wks" | "week" | "weeks" => 7 * DAY,
        "mo" | "mon" | "mos" | "month" | "months" => 30 * DAY,
        "y" | "yr" | "yrs" | "year" | "years" => 365 * DAY,
        _ => return None,
    })
}

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// `wait until monday 9am`, `daily at 9pm`.
fn weekday_and_time(cx: &Cx) -> Option<String> {
    let wants_day = cx.expected.wants("a weekday");
    if !wants_day && !cx.expected.wants("a time of day") {
        return None;
    }
    if let Some(time) = time_of_day(cx.found) {
        return Some(format!("write times of day on the 24-hour clock: `{time}`"));
    }
    let day = weekday(cx.found).filter(|_| wants_day)?;
    Some(match time_of_day(cx.next_word()) {
        Some(time) => {
            format!("write `{day} {time}` (days as `mon` ... `sun`, times on the 24-hour clock)")
        }
        None => format!("write the day as `{day}` (days are `mon` ... `sun`)"),
    })
}

/// `monday`, `Mon`, `tues` as the language's `mon`, `tue`.
fn weekday(word: &str) -> Option<&'static str> {
    let w = word.to_ascii_lowercase();
    let day = WEEKDAYS
        .iter()
        .find(|d| w.len() >= 2 && d.starts_with(&w))?;
    Some(&day[..3]).filter(|d| *d != word)
}

/// `9am`, `9:30pm`, `9`, `9h`, `9.30` as `09:00`, `21:30`...
fn time_of_day(word: &str) -> Option<String> {
    let w = word.to_ascii_lowercase();
    let (clock, pm) = match (w.strip_suffix("am"), w.strip_suffix("pm")) {
        (Some(c), _) => (c, Some(false)),
        (_, Some(c)) => (c, Some(true)),
        _ => (w.strip_suffix('h').unwrap_or(&w), None),
    };
    let (h, m) = clock.split_once([':', '.']).unwrap_or((clock, "0"));
    let (mut h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 23 || m > 59 || (pm.is_some() && !(1..=12).contains(&h)) {
        return None;
    }
    match pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    let fixed = format!("{h:02}:{m:02}");
    (fixed != word).then_some(fixed)
}

/// `trigger on newsletter_signup`: read as the start of a date trigger
/// (`trigger on renewal_date at 09:00`) that lacks its `at`.
fn trigger_on(cx: &Cx) -> Option<String> {
    if cx.before == ["on", "trigger"] {
        return Some(format!(
            "name the event right after `trigger`, without `on`: `trigger {}`",
            cx.found
        ));
    }
    (cx.before[1] == "on" && cx.expected.keywords.contains(&"at")).then(|| {
        format!(
            "`trigger on DATE_ATTRIBUTE at 09:00` fires on a date's day; to trigger on an event, name it right after `trigger`, without `on`: `trigger {}`",
            cx.before[0]
        )
    })
}

/// `wait for order_placed { ... }`.
fn wait_for_without_within(cx: &Cx) -> Option<String> {
    if !cx.expected.keywords.contains(&"within") || cx.expected.keywords.contains(&"least") {
        return None;
    }
    let event = match cx.before {
        [event, "for"] if !event.is_empty() => event,
        _ if cx.before.contains(&"where") => "EVENT",
        _ => return None,
    };
    Some(format!(
        "`wait for` needs a time limit: `wait for {event} within 3d {{ ... }} otherwise {{ ... }}`"
    ))
}

/// Words people write for a keyword.
const ALIASES: &[(&str, &str)] = &[
    ("elif", "else if"),
    ("elsif", "else if"),
    ("elseif", "else if"),
    ("steps", "journey"),
    ("flow", "journey"),
    ("sleep", "wait"),
    ("delay", "wait"),
    ("jump", "goto"),
    ("end", "exit"),
    ("stop", "exit"),
    ("weight", "split"),
];

/// A mistyped keyword: `sned`, `Send`, `elif`, `steps {`.
fn keyword(cx: &Cx) -> Option<String> {
    let kws = &cx.expected.keywords;
    if kws.is_empty() || !is_name(cx.found) {
        return None;
    }
    let lower = cx.found.to_ascii_lowercase();
    if lower != cx.found && kws.contains(&lower.as_str()) {
        return Some(format!("keywords are lowercase: `{lower}`"));
    }
    if let Some((_, k)) = ALIASES
        .iter()
        .find(|(w, k)| *w == lower && kws.contains(&k.split(' ').next().unwrap_or(k)))
    {
        return Some(format!("did you mean `{k}`?"));
    }
    did_you_mean(&lower, kws.iter().copied()).map(|k| format!("did you mean `{k}`?"))
}

fn operators(cx: &Cx) -> Option<String> {
    match cx.found {
        "=" => Some("compare with `==`".into()),
        "&&" | "||" | "!" => Some("write conditions with `and`, `or` and `not`".into()),
        _ => None,
    }
}

/// The token that starts at `at`, for messages.
pub(super) fn token_at(text: &str, at: usize) -> &str {
    let rest = &text[at.min(text.len())..];
    let Some(c) = rest.chars().next() else {
        return "";
    };
    let end = if c == '"' {
        rest[1..].find(['"', '\n']).map_or(rest.len(), |i| {
            if rest.as_bytes()[i + 1] == b'"' {
                i + 2
            } else {
                i + 1
            }
        })
    } else if c.is_alphanumeric() || c == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '%' || c == ':' || c == '.'))
            .unwrap_or(rest.len())
    } else if "=!<>&|".contains(c) {
        rest.find(|c: char| !"=!<>&|".contains(c))
            .unwrap_or(rest.len())
    } else {
        c.len_utf8()
    };
    let mut e = end.min(80);
    while !rest.is_char_boundary(e) {
        e -= 1;
    }
    rest[..e].trim_end_matches(['\n', '\r'])
}

/// The keywords a rule among pest's positives stands for.
fn keywords(rule: Rule) -> &'static [&'static str] {
    use Rule::*;
    match rule {
        item => TOP_KEYWORDS,
        step => crate::syntax::ast::STEP_KEYWORDS,
        k_and => &["and"],
        k_or => &["or"],
        k_not => &["not"],
        k_in => &["in"],
        k_is => &["is"],
        k_set => &["set"],
        k_where => &["where"],
        k_within => &["within"],
        k_since => &["since"],
        k_entry => &["entry"],
        k_at => &["at"],
        k_least => &["least"],
        k_times => &["times"],
        k_of => &["of"],
        k_kind => &["kind"],
        k_consent => &["consent"],
        k_quiet_hours | k_camp_quiet => &["quiet_hours"],
        k_to => &["to"],
        k_limit => &["limit"],
        k_per => &["per"],
        k_description => &["description"],
        k_channel => &["channel"],
        k_template => &["template"],
        k_subject => &["subject"],
        k_vars => &["vars"],
        k_trigger => &["trigger"],
        k_enters => &["enters"],
        k_daily => &["daily"],
        k_weekly => &["weekly"],
        k_on => &["on"],
        k_once => &["once"],
        k_audience => &["audience"],
        k_reentry => &["reentry"],
        k_never => &["never"],
        k_always => &["always"],
        k_after => &["after"],
        k_goal => &["goal"],
        k_exit => &["exit"],
        k_when => &["when"],
        k_unless => &["unless"],
        k_window => &["window"],
        k_timezone => &["timezone"],
        k_journey => &["journey"],
        k_until => &["until"],
        k_for => &["for"],
        k_otherwise => &["otherwise"],
        k_else => &["else"],
        _ => &[],
    }
}

/// "a step (`send`, `wait`, ...)": every step keyword.
static STEP_WHAT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let words: Vec<String> = crate::syntax::ast::STEP_KEYWORDS
        .iter()
        .map(|w| format!("`{w}`"))
        .collect();
    format!("a step ({})", words.join(", "))
});

/// What a rule is called in messages.
fn describe(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        name | any_name => "a name",
        string | string_inner => "a string",
        date => "a date like `2026-12-01`",
        time_of_day => "a time of day like `09:00`",
        duration => "a duration like `2d` or `1h30m`",
        percent => "a percentage like `50%`",
        number => "a number",
        bool_lit => "`true` or `false`",
        weekday => "a weekday (`mon` ... `sun`)",
        item | import | profile | event | channel | segment | message | campaign | allow => {
            "a declaration (`import`, `profile`, `event`, `channel`, `segment`, `message`, `campaign`)"
        }
        ch_kind | ch_consent | ch_quiet | k_kind | k_consent | k_quiet_hours => {
            "a channel property (`kind`, `consent`, `quiet_hours`, `limit`)"
        }
        msg_channel | msg_template | msg_subject | msg_vars | msg_offer | k_template | k_subject
        | k_vars | k_offer => {
            "a message property (`channel`, `template`, `subject`, `vars`, `offer`, `description`)"
        }
        trigger | audience | reentry | goal | exit_when | exit_unless | window | timezone | camp_quiet
        | journey | k_camp_quiet | k_trigger | k_audience | k_reentry | k_goal | k_window | k_timezone | k_journey => {
            "a campaign property (`trigger`, `audience`, `goal`, `journey`, ...)"
        }
        step | send | wait | wait_for | wait_until | if_step | split | repeat | named_step
        | goto | exit_step | set_step | unset_step | k_send | k_wait | k_if | k_split | k_repeat
        | k_step | k_goto | k_unset => &STEP_WHAT,
        expr | and_expr | not_expr | cmp_expr | operand | literal | path | paren | did
        | opened | clicked => "a condition",
        cmp_op | compare => "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
        in_list | k_in => "`in`",
        is_set | k_is => "`is set`",
        list => "a list like `[\"DE\", \"AT\"]`",
        block | split_open => "`{`",
        type_expr | one_of => "a type (`text`, `number`, `bool`, `time`, `one of ...`)",
        field => "a field like `name: text`",
        var => "a var like `discount: 20`",
        split_arm => "a split arm like `50% a { ... }`",
        k_and => "`and`",
        k_or => "`or`",
        k_not => "`not`",
        k_where => "`where`",
        k_within => "`within`",
        k_since => "`since entry`",
        k_at => "`at`",
        k_times => "`times`",
        k_to => "`to`",
        k_per => "`per`",
        k_else => "`else`",
        k_otherwise => "`otherwise`",
        k_until => "`until`",
        k_for => "`for`",
        k_when => "`when`",
        k_of => "`of`",
        k_on => "`on`",
        k_least => "`least`",
        k_entry => "`entry`",
        k_set => "`set`",
        k_after | k_never | k_always => "`never`, `always` or `after DURATION`",
        trig_enters | trig_daily | trig_weekly | trig_once | trig_event | k_enters | k_daily
        | k_weekly | k_once => {
            "a trigger (an event, `enters SEGMENT`, `daily at`, `weekly on`, `once at`)"
        }
        did_within | did_since | did_at_least => "`within`, `since entry` or `at least N times`",
        _ => return None,
    })
}
