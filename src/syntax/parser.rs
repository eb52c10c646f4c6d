//! Stage 1: source text to the typed AST.
//!
//! 1. A linear pre-scan ([`scan`]) finds NUL bytes, unbalanced or too deeply
//!    nested brackets and collects comments, before pest runs, so that no
//!    input can exhaust the stack.
//! 2. pest parses one top-level declaration at a time. After a syntax error
//!    the parser resumes at the next line that starts a declaration in
//!    column 1, so one typo does not hide the rest of the file.
//! 3. Pairs are lowered to [`ast`] nodes, with values checked for range
//!    (`invalid-value`) and string escapes and placeholders checked.

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser;

use super::ast::{self, *};
use super::MAX_NESTING;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/omnis.pest"]
struct OmnisParser;

/// The words of conditions, which cannot be names.
pub const RESERVED: &[&str] = &[
    "and", "or", "not", "in", "is", "set", "did", "where", "within", "since", "entry", "at",
    "least", "times", "opened", "clicked", "true", "false",
];

/// The largest duration accepted: 100 years.
pub const MAX_DURATION_SECONDS: u64 = 100 * 365 * 86_400;
/// The largest count accepted in `repeat N times`, `limit N per D` and
/// `at least N times`.
pub const MAX_COUNT: u64 = 10_000;
/// The longest string literal accepted, in bytes.
pub const MAX_STRING_BYTES: usize = 64 * 1024;

/// Parses one file. Always returns a (possibly partial) AST and every syntax
/// error found.
pub fn parse_file(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    let scanned = scan(text);
    if scanned.depth <= SHALLOW_DEPTH {
        return parse_scanned(file, text, scanned);
    }
    // pest and the lowering recurse once per level of nesting. Any thread
    // has room for `SHALLOW_DEPTH` levels; deeper files (up to
    // `MAX_NESTING`, checked by the scan) get a big stack of their own, so
    // the parser is safe whichever thread calls it.
    crate::stack::with_big_stack("omnis-parse", || parse_scanned(file, text, scanned))
}

/// Nesting that any thread's stack can parse: 64 levels take under 512 KiB
/// in a debug build, and Rust threads get 2 MiB.
const SHALLOW_DEPTH: usize = 64;

fn parse_scanned(file: FileId, text: &str, scanned: Scanned) -> (ast::File, Vec<Diagnostic>) {
    let mut p = Lowerer {
        file,
        diags: Vec::new(),
    };
    let mut out = ast::File {
        file,
        items: Vec::new(),
        comments: scanned.comments,
    };
    if let Some((pos, msg, help)) = scanned.fatal {
        let span = Span::new(pos, (pos + 1).min(text.len()).max(pos));
        let mut d = Diagnostic::error(Code::SyntaxError, file, span, msg);
        if let Some(h) = help {
            d = d.with_help(h);
        }
        return (out, vec![d]);
    }
    // Fast path: the whole file in one go (pest indexes lines once per
    // parse, so parsing declaration by declaration costs more).
    if let Ok(mut pairs) = OmnisParser::parse(Rule::file, text) {
        let file_pair = pairs.next().expect("file rule yields one pair");
        for pair in file_pair.into_inner() {
            if pair.as_rule() == Rule::item {
                if let Some(item) = p.item(pair, 0) {
                    out.items.push(item);
                }
            }
        }
        return (out, p.diags);
    }
    // There are errors: one declaration at a time, resuming after each error.
    let mut pos = skip_trivia(text, 0);
    while pos < text.len() {
        // Parse up to the next line that starts a declaration, so each
        // parse sees only its own declaration; retry with the rest of the
        // file when the declaration runs on past that line.
        let bound = recovery_point(text, pos + 1).unwrap_or(text.len());
        let mut result = OmnisParser::parse(Rule::item_then, &text[pos..bound]);
        if let Err(e) = &result {
            let at = match e.location {
                InputLocation::Pos(x) => x,
                InputLocation::Span((x, _)) => x,
            };
            if bound < text.len() && skip_trivia(&text[pos..bound], at) >= bound - pos {
                result = OmnisParser::parse(Rule::item_then, &text[pos..]);
            }
        }
        match result {
            Ok(mut pairs) => {
                let pair = pairs.next().expect("item rule yields one pair");
                let end = pos + pair.as_span().end();
                if let Some(item) = p.item(pair, pos) {
                    out.items.push(item);
                }
                pos = skip_trivia(text, end);
            }
            Err(e) => {
                let at = match e.location {
                    InputLocation::Pos(x) => pos + x,
                    InputLocation::Span((x, _)) => pos + x,
                };
                // At the end of the file, point just after the last token.
                let shown_at = if skip_trivia(text, at) >= text.len() {
                    last_token_end(text, pos, at)
                } else {
                    at
                };
                let mut d = syntax_error(file, text, at, &e.variant);
                d.span = Span::new(shown_at, shown_at.max(at.min(shown_at + 1)));
                p.diags.push(d);
                // Resume at the next declaration after this one's start: a
                // declaration that runs on into the next one (keywords are
                // not reserved) still lets the next one parse.
                match recovery_point(text, pos + 1) {
                    Some(next) => pos = next,
                    None => break,
                }
            }
        }
    }
    (out, p.diags)
}

/// The end of the last non-whitespace, non-comment text in `from..to`.
fn last_token_end(text: &str, from: usize, to: usize) -> usize {
    let mut last = from;
    let mut i = from;
    while i < to {
        let j = skip_trivia(text, i);
        if j >= to {
            break;
        }
        if j > i {
            i = j;
            continue;
        }
        let c = text[i..].chars().next().unwrap();
        i += c.len_utf8();
        last = i;
    }
    last
}

/// Skips whitespace and comments.
fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let b = text.as_bytes();
    loop {
        while pos < b.len() && matches!(b[pos], b' ' | b'\t' | b'\r' | b'\n') {
            pos += 1;
        }
        if text[pos..].starts_with('\u{FEFF}') {
            pos += 3;
            continue;
        }
        if b.get(pos) == Some(&b'/') && b.get(pos + 1) == Some(&b'/') {
            while pos < b.len() && b[pos] != b'\n' {
                pos += 1;
            }
            continue;
        }
        return pos;
    }
}

const TOP_KEYWORDS: &[&str] = &[
    "import", "profile", "event", "channel", "segment", "message", "campaign", "@allow",
];

/// The start of the next line after `from` that begins, in column 1, with a
/// top-level keyword.
fn recovery_point(text: &str, from: usize) -> Option<usize> {
    let mut i = from.min(text.len());
    while let Some(nl) = text[i..].find('\n') {
        i += nl + 1;
        let rest = &text[i..];
        let is_decl = TOP_KEYWORDS.iter().any(|k| {
            rest.starts_with(k)
                && !rest[k.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if is_decl {
            return Some(i);
        }
    }
    None
}

/// What the pre-scan found.
struct Scanned {
    comments: Vec<Span>,
    /// The deepest nesting of brackets and blocks.
    depth: usize,
    /// Position, message and help of an error that stops parsing the file.
    fatal: Option<(usize, String, Option<String>)>,
}

/// One linear pass: comments, NUL bytes, and bracket depth (outside strings
/// and comments).
fn scan(text: &str) -> Scanned {
    let b = text.as_bytes();
    let mut comments = Vec::new();
    let mut stack: Vec<(u8, usize)> = Vec::new();
    let mut i = 0;
    let mut depth = 0;
    let fatal = |pos: usize, msg: String, help: Option<&str>| Scanned {
        comments: Vec::new(),
        depth: 0,
        fatal: Some((pos, msg, help.map(str::to_string))),
    };
    while i < b.len() {
        match b[i] {
            0 => {
                return fatal(
                    i,
                    "this file contains a NUL byte".into(),
                    Some("`.omni` files are text; remove the NUL byte (is this a binary file?)"),
                )
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let start = i;
                while i < b.len() && b[i] != b'\n' {
                    if b[i] == 0 {
                        return fatal(
                            i,
                            "this file contains a NUL byte".into(),
                            Some("`.omni` files are text; remove the NUL byte"),
                        );
                    }
                    i += 1;
                }
                comments.push(Span::new(start, i));
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    if b[i] == 0 {
                        return fatal(
                            i,
                            "this file contains a NUL byte".into(),
                            Some("`.omni` files are text; remove the NUL byte"),
                        );
                    }
                    if b[i] == b'\\' && i + 1 < b.len() && b[i + 1] != b'\n' {
                        i += 1;
                    }
                    i += 1;
                }
                // An unterminated string is left to the parser to report.
            }
            open @ (b'{' | b'(' | b'[') => {
                stack.push((open, i));
                depth = depth.max(stack.len());
                if stack.len() > MAX_NESTING {
                    return fatal(
                        i,
                        format!(
                            "blocks and brackets are nested more than {MAX_NESTING} levels deep"
                        ),
                        Some("split the journey into named steps or simplify the condition"),
                    );
                }
            }
            b'}' | b')' | b']' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    Scanned {
        comments,
        depth,
        fatal: None,
    }
}

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
        channel_prop | ch_kind | ch_consent | ch_quiet | k_kind | k_consent | k_quiet_hours => {
            "a channel property (`kind`, `consent`, `quiet_hours`, `limit`)"
        }
        message_prop | msg_channel | msg_template | msg_subject | msg_vars | k_template
        | k_subject | k_vars => {
            "a message property (`channel`, `template`, `subject`, `vars`, `description`)"
        }
        campaign_prop | trigger | audience | reentry | goal | exit_when | window | timezone
        | journey | k_trigger | k_audience | k_reentry | k_goal | k_window | k_timezone
        | k_journey => "a campaign property (`trigger`, `audience`, `goal`, `journey`, ...)",
        step | send | wait | wait_for | wait_until | if_step | split | repeat | named_step
        | goto | exit_step | k_send | k_wait | k_if | k_split | k_repeat | k_step | k_goto => {
            "a step (`send`, `wait`, `if`, `split`, `repeat`, `step`, `goto`, `exit`)"
        }
        expr | and_expr | not_expr | cmp_expr | operand | literal | path | paren | did
        | opened | clicked => "a condition",
        cmp_op | compare => "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
        in_list | k_in => "`in`",
        is_set | k_is => "`is set`",
        list => "a list like `[\"DE\", \"AT\"]`",
        block => "`{`",
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
        trig_enters | trig_daily | trig_weekly | trig_once | trig_event | k_enters
        | k_daily | k_weekly | k_once => "a trigger (an event, `enters SEGMENT`, `daily at`, `weekly on`, `once at`)",
        did_within | did_since | did_at_least => "`within`, `since entry` or `at least N times`",
        _ => return None,
    })
}

fn syntax_error(file: FileId, text: &str, at: usize, variant: &ErrorVariant<Rule>) -> Diagnostic {
    let found = token_at(text, at);
    let span = Span::new(
        at,
        at + found.len().max(if at < text.len() { 1 } else { 0 }),
    );
    let mut expected: Vec<&str> = match variant {
        ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| describe(*r)).collect()
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort();
    expected.dedup();
    let found_desc = if found.is_empty() {
        "the end of the file".to_string()
    } else if found.starts_with('"') && !found[1..].contains('"') {
        "a string that is not closed on this line".to_string()
    } else {
        format!("`{found}`")
    };
    let message = match expected.len() {
        0 => format!("unexpected {found_desc}"),
        1 => format!("expected {}, found {found_desc}", expected[0]),
        _ => {
            let (last, rest) = expected.split_last().unwrap();
            format!("expected {} or {last}, found {found_desc}", rest.join(", "))
        }
    };
    let mut d = Diagnostic::error(Code::SyntaxError, file, span, message);
    if let Some(h) = hint(found, &expected) {
        d = d.with_help(h);
    }
    d
}

/// A help line for common mistakes.
fn hint(found: &str, expected: &[&str]) -> Option<String> {
    let wants = |s: &str| expected.iter().any(|e| e.starts_with(s));
    if found.starts_with('"') && !found[1..].contains('"') {
        return Some("close the string with `\"` before the end of the line".into());
    }
    if wants("a duration") && found.chars().all(|c| c.is_ascii_digit()) && !found.is_empty() {
        return Some(format!(
            "add a unit: `{found}m` (minutes), `{found}h`, `{found}d` or `{found}w`"
        ));
    }
    if wants("a duration") && found.chars().any(|c| c.is_ascii_digit()) {
        return Some(
            "durations use the units `s m h d w`, e.g. `30m`, `1d12h`, `2w` (no months)".into(),
        );
    }
    if found == "=" {
        return Some("compare with `==`".into());
    }
    if found == "&&" || found == "||" || found == "!" {
        return Some("write conditions with `and`, `or` and `not`".into());
    }
    None
}

/// The token that starts at `at`, for messages.
fn token_at(text: &str, at: usize) -> &str {
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
    let end = end.min(80);
    let mut e = end;
    while !rest.is_char_boundary(e) {
        e -= 1;
    }
    rest[..e].trim_end_matches('\n')
}

/// Lowers pest pairs to AST nodes. Positions in pairs are relative to the
/// slice that was parsed; `base` shifts them back to file offsets.
struct Lowerer {
    file: FileId,
    diags: Vec<Diagnostic>,
}

type P<'a> = Pair<'a, Rule>;

/// What follows the keyword of a `keyword ~ thing` rule (`goal name`,
/// `template "…"`, `otherwise { … }`).
fn after_keyword(pair: P) -> Option<P> {
    pair.into_inner().nth(1)
}

impl Lowerer {
    fn span(&self, p: &P, base: usize) -> Span {
        let s = p.as_span();
        Span::new(base + s.start(), base + s.end())
    }

    /// The span of an expression without the whitespace and comments pest
    /// skips after it (a rule that ends in an optional or repeated part,
    /// such as `operand ~ cmp_tail?`, keeps what it skipped before trying
    /// that part): up to its last token, closing `)` included.
    fn tight_span(&self, p: &P, base: usize) -> Span {
        let mut last = p.clone();
        while let Some(child) = last.clone().into_inner().last() {
            last = child;
        }
        let start = p.as_span().start();
        let from = last.as_span().end().max(start);
        // After the last inner pair, only literal tokens (`)`), whitespace
        // and comments can follow: keep the tokens.
        let tail = &p.as_str()[from - start..];
        let mut end = 0;
        let mut i = 0;
        while i < tail.len() {
            let rest = &tail[i..];
            if rest.starts_with("//") {
                i += rest.find('\n').unwrap_or(rest.len());
            } else {
                let c = rest.chars().next().expect("not empty");
                i += c.len_utf8();
                if !c.is_whitespace() && c != '\u{FEFF}' {
                    end = i;
                }
            }
        }
        Span::new(base + start, base + from + end)
    }

    fn error(&mut self, code: Code, span: Span, msg: impl Into<String>, help: Option<String>) {
        let mut d = Diagnostic::error(code, self.file, span, msg);
        d.help = help;
        self.diags.push(d);
    }

    fn item(&mut self, pair: P, base: usize) -> Option<Item> {
        let span = self.span(&pair, base);
        let mut allows = Vec::new();
        let mut kind = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::allow => allows.push(self.allow(p, base)),
                Rule::import => {
                    let s = p.into_inner().find(|p| p.as_rule() == Rule::string)?;
                    kind = Some(ItemKind::Import(self.string(s, base)));
                }
                Rule::profile => {
                    let fields = p
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::field)
                        .map(|f| self.field(f, base))
                        .collect();
                    kind = Some(ItemKind::Profile(fields));
                }
                Rule::event => {
                    let mut inner = p.into_inner().skip(1);
                    let name = self.ident(inner.next()?, base);
                    let fields = inner.map(|f| self.field(f, base)).collect();
                    kind = Some(ItemKind::Event(EventDecl { name, fields }));
                }
                Rule::channel => kind = Some(ItemKind::Channel(self.channel(p, base)?)),
                Rule::segment => {
                    let mut inner = p.into_inner().skip(1);
                    let name = self.ident(inner.next()?, base);
                    let expr = self.expr(inner.next()?, base);
                    kind = Some(ItemKind::Segment(SegmentDecl { name, expr }));
                }
                Rule::message => kind = Some(ItemKind::Message(self.message(p, base)?)),
                Rule::campaign => kind = Some(ItemKind::Campaign(self.campaign(p, base)?)),
                _ => {}
            }
        }
        Some(Item {
            allows,
            kind: kind?,
            span,
        })
    }

    fn allow(&mut self, pair: P, base: usize) -> Allow {
        let span = self.span(&pair, base);
        let codes = pair
            .into_inner()
            .map(|c| Ident {
                name: c.as_str().to_string(),
                span: self.span(&c, base),
            })
            .collect();
        Allow { codes, span }
    }

    fn ident(&mut self, pair: P, base: usize) -> Ident {
        let ident = Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair, base),
        };
        if pair.as_rule() == Rule::name && RESERVED.contains(&ident.name.as_str()) {
            self.error(
                Code::SyntaxError,
                ident.span,
                format!("`{}` is a reserved word and cannot be a name", ident.name),
                Some("choose another name; the words of conditions (`and`, `or`, `not`, `in`, `is`, `set`, `did`, `where`, `within`, `since`, `entry`, `at`, `least`, `times`, `opened`, `clicked`, `true`, `false`) are reserved".into()),
            );
        }
        ident
    }

    fn field(&mut self, pair: P, base: usize) -> FieldDecl {
        let span = self.span(&pair, base);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().unwrap(), base);
        let ty_pair = inner.next().unwrap().into_inner().next().unwrap();
        let ty = match ty_pair.as_rule() {
            Rule::one_of => {
                let s = self.span(&ty_pair, base);
                let values = ty_pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::string)
                    .map(|p| self.string(p, base))
                    .collect();
                TypeExpr::OneOf(values, s)
            }
            _ => TypeExpr::Named(self.ident(ty_pair, base)),
        };
        FieldDecl { name, ty, span }
    }

    fn channel(&mut self, pair: P, base: usize) -> Option<ChannelDecl> {
        let mut inner = pair.into_inner().skip(1);
        let name = self.ident(inner.next()?, base);
        let body = inner.next()?;
        let body_span = self.span(&body, base);
        let mut props = Vec::new();
        for prop in body.into_inner() {
            let span = self.span(&prop, base);
            let p = prop;
            let kind = match p.as_rule() {
                Rule::ch_kind => ChannelPropKind::Kind(self.ident(after_keyword(p)?, base)),
                Rule::ch_consent => ChannelPropKind::Consent(self.ident(after_keyword(p)?, base)),
                Rule::ch_quiet => {
                    let mut t = p.into_inner().filter(|p| p.as_rule() == Rule::time_of_day);
                    let from = self.time_of_day(t.next()?, base);
                    let to = self.time_of_day(t.next()?, base);
                    ChannelPropKind::QuietHours(from, to)
                }
                Rule::limit => ChannelPropKind::Limit(self.limit(p, base)?),
                Rule::description => {
                    ChannelPropKind::Description(self.string(after_keyword(p)?, base))
                }
                _ => continue,
            };
            props.push(ChannelProp { kind, span });
        }
        Some(ChannelDecl {
            name,
            props,
            body_span,
        })
    }

    fn limit(&mut self, pair: P, base: usize) -> Option<Limit> {
        let span = self.span(&pair, base);
        let mut inner = pair.into_inner();
        let count = self.number(inner.nth(1)?, base);
        self.check_count(&count, "a limit");
        let per = self.duration(inner.nth(1)?, base);
        Some(Limit { count, per, span })
    }

    /// Counts are whole numbers from 1 to [`MAX_COUNT`].
    fn check_count(&mut self, n: &Number, what: &str) {
        if n.value.fract() != 0.0 || n.value < 1.0 || n.value > MAX_COUNT as f64 {
            self.error(
                Code::InvalidValue,
                n.span,
                format!("`{}` is not a valid count for {what}", n.raw),
                Some(format!("use a whole number from 1 to {MAX_COUNT}")),
            );
        }
    }

    fn message(&mut self, pair: P, base: usize) -> Option<MessageDecl> {
        let mut inner = pair.into_inner().skip(1);
        let name = self.ident(inner.next()?, base);
        let body = inner.next()?;
        let body_span = self.span(&body, base);
        let mut props = Vec::new();
        for prop in body.into_inner() {
            let span = self.span(&prop, base);
            let p = prop;
            let kind = match p.as_rule() {
                Rule::msg_channel => MessagePropKind::Channel(self.ident(after_keyword(p)?, base)),
                Rule::msg_template => {
                    MessagePropKind::Template(self.string(after_keyword(p)?, base))
                }
                Rule::msg_subject => MessagePropKind::Subject(self.string(after_keyword(p)?, base)),
                Rule::description => {
                    MessagePropKind::Description(self.string(after_keyword(p)?, base))
                }
                Rule::msg_vars => {
                    let vars = p
                        .into_inner()
                        .filter(|v| v.as_rule() == Rule::var)
                        .filter_map(|v| {
                            let span = self.span(&v, base);
                            let mut vi = v.into_inner();
                            let name = self.ident(vi.next()?, base);
                            let value = self.literal_token(vi.next()?, base);
                            Some(Var { name, value, span })
                        })
                        .collect();
                    MessagePropKind::Vars(vars)
                }
                _ => continue,
            };
            props.push(MessageProp { kind, span });
        }
        Some(MessageDecl {
            name,
            props,
            body_span,
        })
    }

    fn campaign(&mut self, pair: P, base: usize) -> Option<CampaignDecl> {
        let mut inner = pair.into_inner().skip(1);
        let name = self.ident(inner.next()?, base);
        let body = inner.next()?;
        let body_span = self.span(&body, base);
        let mut props = Vec::new();
        for prop in body.into_inner() {
            let span = self.span(&prop, base);
            let p = prop;
            let kind = match p.as_rule() {
                Rule::description => {
                    CampaignPropKind::Description(self.string(after_keyword(p)?, base))
                }
                Rule::trigger => CampaignPropKind::Trigger(self.trigger(p, base)?),
                Rule::audience => CampaignPropKind::Audience(self.expr(after_keyword(p)?, base)),
                Rule::reentry => {
                    let mut ri = p.into_inner().skip(1);
                    let k = ri.next()?;
                    CampaignPropKind::Reentry(match k.as_rule() {
                        Rule::k_never => Reentry::Never,
                        Rule::k_always => Reentry::Always,
                        _ => Reentry::After(self.duration(ri.next()?, base)),
                    })
                }
                Rule::goal => CampaignPropKind::Goal(self.ident(after_keyword(p)?, base)),
                Rule::exit_when => {
                    CampaignPropKind::ExitWhen(self.ident(p.into_inner().nth(2)?, base))
                }
                Rule::limit => CampaignPropKind::Limit(self.limit(p, base)?),
                Rule::window => {
                    let mut d = p.into_inner().filter(|p| p.as_rule() == Rule::date);
                    let from = self.date(d.next()?, base);
                    let to = self.date(d.next()?, base);
                    CampaignPropKind::Window(from, to)
                }
                Rule::timezone => CampaignPropKind::Timezone(self.string(after_keyword(p)?, base)),
                Rule::journey => CampaignPropKind::Journey(self.block(after_keyword(p)?, base)),
                _ => continue,
            };
            props.push(CampaignProp { kind, span });
        }
        Some(CampaignDecl {
            name,
            props,
            body_span,
        })
    }

    fn trigger(&mut self, pair: P, base: usize) -> Option<Trigger> {
        let t = after_keyword(pair)?;
        let rule = t.as_rule();
        let mut inner = t.into_inner();
        Some(match rule {
            Rule::trig_enters => Trigger::Enters(self.ident(inner.nth(1)?, base)),
            Rule::trig_daily => Trigger::Daily(self.time_of_day(inner.nth(2)?, base)),
            Rule::trig_weekly => {
                let wd = inner.nth(2)?;
                let wd_span = self.span(&wd, base);
                let day = Weekday::parse(wd.as_str())?;
                let time = self.time_of_day(inner.nth(1)?, base);
                Trigger::Weekly(day, wd_span, time)
            }
            Rule::trig_once => {
                let date = self.date(inner.nth(2)?, base);
                let time = self.time_of_day(inner.next()?, base);
                Trigger::Once(date, time)
            }
            _ => {
                let event = self.ident(inner.next()?, base);
                let filter = inner.nth(1).map(|e| self.expr(e, base));
                Trigger::Event { event, filter }
            }
        })
    }

    fn block(&mut self, pair: P, base: usize) -> Block {
        let span = self.span(&pair, base);
        let steps = pair
            .into_inner()
            .filter_map(|s| self.step(s, base))
            .collect();
        Block { steps, span }
    }

    /// `until [WEEKDAY] TIME`, after `wait`.
    fn wait_until(&mut self, pair: P, base: usize) -> Option<StepKind> {
        let mut weekday = None;
        let mut time = None;
        for x in pair.into_inner().skip(1) {
            match x.as_rule() {
                Rule::weekday => weekday = Some((Weekday::parse(x.as_str())?, self.span(&x, base))),
                _ => time = Some(self.time_of_day(x, base)),
            }
        }
        Some(StepKind::WaitUntil {
            weekday,
            time: time?,
        })
    }

    /// `for EVENT [where ...] within DURATION [{ ... }] [otherwise { ... }]`,
    /// after `wait`.
    fn wait_for(&mut self, pair: P, base: usize) -> Option<StepKind> {
        let mut on = None;
        let mut filter = None;
        let mut within = None;
        let mut then = None;
        let mut otherwise = None;
        for x in pair.into_inner().skip(1) {
            match x.as_rule() {
                Rule::wait_on => {
                    let w = x.into_inner().next()?;
                    on = Some(match w.as_rule() {
                        Rule::opened => WaitOn::Opened(self.ident(after_keyword(w)?, base)),
                        Rule::clicked => WaitOn::Clicked(self.ident(after_keyword(w)?, base)),
                        _ => WaitOn::Event(self.ident(w, base)),
                    });
                }
                Rule::expr => filter = Some(self.expr(x, base)),
                Rule::duration => within = Some(self.duration(x, base)),
                Rule::block => then = Some(self.block(x, base)),
                Rule::otherwise => otherwise = Some(self.block(after_keyword(x)?, base)),
                _ => {}
            }
        }
        Some(StepKind::WaitFor {
            on: on?,
            filter,
            within: within?,
            then,
            otherwise,
        })
    }

    fn step(&mut self, pair: P, base: usize) -> Option<Step> {
        let span = self.span(&pair, base);
        let mut allows = Vec::new();
        let mut kind = None;
        for p in pair.into_inner() {
            let rule = p.as_rule();
            if rule == Rule::allow {
                allows.push(self.allow(p, base));
                continue;
            }
            let mut inner = p.into_inner();
            kind = Some(match rule {
                Rule::send => StepKind::Send(self.ident(inner.nth(1)?, base)),
                Rule::wait => {
                    let what = inner.nth(1)?;
                    match what.as_rule() {
                        Rule::wait_until => self.wait_until(what, base)?,
                        Rule::wait_for => self.wait_for(what, base)?,
                        _ => StepKind::Wait(self.duration(what, base)),
                    }
                }
                Rule::if_step => {
                    let mut arms = Vec::new();
                    let mut otherwise = None;
                    let mut cond = None;
                    for x in inner.skip(1) {
                        match x.as_rule() {
                            Rule::expr => cond = Some(self.expr(x, base)),
                            Rule::block => arms.push((cond.take()?, self.block(x, base))),
                            Rule::else_if => {
                                let mut e = x.into_inner().skip(2);
                                let c = self.expr(e.next()?, base);
                                let b = self.block(e.next()?, base);
                                arms.push((c, b));
                            }
                            Rule::else_block => {
                                otherwise = Some(self.block(after_keyword(x)?, base))
                            }
                            _ => {}
                        }
                    }
                    StepKind::If { arms, otherwise }
                }
                Rule::split => {
                    let arms = inner
                        .skip(1)
                        .filter_map(|arm| {
                            let span = self.span(&arm, base);
                            let mut name = None;
                            let mut weight = None;
                            let mut body = None;
                            for x in arm.into_inner() {
                                match x.as_rule() {
                                    Rule::percent => weight = Some(self.percent(x, base)),
                                    Rule::name => name = Some(self.ident(x, base)),
                                    _ => body = Some(self.block(x, base)),
                                }
                            }
                            Some(SplitArm {
                                weight: weight?,
                                name,
                                body: body?,
                                span,
                            })
                        })
                        .collect();
                    StepKind::Split(arms)
                }
                Rule::repeat => {
                    let times = self.number(inner.nth(1)?, base);
                    self.check_count(&times, "`repeat`");
                    let body = self.block(inner.nth(1)?, base);
                    StepKind::Repeat { times, body }
                }
                Rule::named_step => {
                    let name = self.ident(inner.nth(1)?, base);
                    let body = self.block(inner.next()?, base);
                    StepKind::Named { name, body }
                }
                Rule::goto => StepKind::Goto(self.ident(inner.nth(1)?, base)),
                Rule::exit_step => StepKind::Exit,
                _ => return None,
            });
        }
        Some(Step {
            allows,
            kind: kind?,
            span,
        })
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, pair: P, base: usize) -> Expr {
        let span = self.tight_span(&pair, base);
        match pair.as_rule() {
            Rule::expr => self.chain(pair, span, base, Rule::and_expr, ExprKind::Or),
            Rule::and_expr => self.chain(pair, span, base, Rule::not_expr, ExprKind::And),
            Rule::not_expr => {
                let mut nots = Vec::new();
                let mut inner_expr = None;
                for p in pair.into_inner() {
                    if p.as_rule() == Rule::k_not {
                        nots.push(self.span(&p, base).start);
                    } else {
                        inner_expr = Some(self.cmp(p, base));
                    }
                }
                let mut e = inner_expr.expect("not_expr has an operand");
                if nots.len() > MAX_NESTING {
                    self.error(
                        Code::SyntaxError,
                        span,
                        format!("more than {MAX_NESTING} `not`s in a row"),
                        Some("two `not`s cancel out: remove them in pairs".into()),
                    );
                    return e;
                }
                for start in nots.into_iter().rev() {
                    let s = Span {
                        start,
                        end: e.span.end,
                    };
                    e = Expr {
                        kind: ExprKind::Not(Box::new(e)),
                        span: s,
                    };
                }
                e
            }
            _ => self.cmp(pair, base),
        }
    }

    /// An `expr` or `and_expr`: its `part`s joined by `join` (`or`, `and`),
    /// or the part alone where there is only one.
    fn chain(
        &mut self,
        pair: P,
        span: Span,
        base: usize,
        part: Rule,
        join: fn(Vec<Expr>) -> ExprKind,
    ) -> Expr {
        let mut parts: Vec<Expr> = pair
            .into_inner()
            .filter(|p| p.as_rule() == part)
            .map(|p| self.expr(p, base))
            .collect();
        if parts.len() == 1 {
            parts.pop().unwrap()
        } else {
            Expr {
                kind: join(parts),
                span,
            }
        }
    }

    /// A `cmp_expr`.
    fn cmp(&mut self, pair: P, base: usize) -> Expr {
        let span = self.tight_span(&pair, base);
        let mut inner = pair.into_inner();
        let first = inner.next().expect("cmp_expr is not empty");
        let kind = match first.as_rule() {
            Rule::paren => {
                let e = self.expr(first.into_inner().next().unwrap(), base);
                ExprKind::Paren(Box::new(e))
            }
            Rule::did => self.did(first, base),
            Rule::opened => ExprKind::Opened(self.ident(after_keyword(first).unwrap(), base)),
            Rule::clicked => ExprKind::Clicked(self.ident(after_keyword(first).unwrap(), base)),
            _ => {
                let lhs = self.operand(first, base);
                match inner.next() {
                    None => match lhs {
                        Operand::Path(p) => ExprKind::Name(p),
                        Operand::Literal(Literal::Bool(b, _)) => ExprKind::Bool(b),
                        Operand::Literal(l) => {
                            self.error(
                                Code::TypeMismatch,
                                l.span(),
                                "a value alone is not a condition",
                                Some("compare it with something, e.g. `attribute == value`".into()),
                            );
                            ExprKind::Bool(false)
                        }
                    },
                    Some(tail) => match tail.as_rule() {
                        Rule::compare => {
                            let mut t = tail.into_inner();
                            let op = match t.next().unwrap().as_str() {
                                "==" => CmpOp::Eq,
                                "!=" => CmpOp::Ne,
                                "<" => CmpOp::Lt,
                                "<=" => CmpOp::Le,
                                ">" => CmpOp::Gt,
                                _ => CmpOp::Ge,
                            };
                            let rhs = self.operand(t.next().unwrap(), base);
                            ExprKind::Compare { lhs, op, rhs }
                        }
                        Rule::in_list => {
                            let mut negated = false;
                            let mut list = Vec::new();
                            for x in tail.into_inner() {
                                match x.as_rule() {
                                    Rule::k_not => negated = true,
                                    Rule::list => {
                                        list =
                                            x.into_inner().map(|o| self.operand(o, base)).collect()
                                    }
                                    _ => {}
                                }
                            }
                            ExprKind::In {
                                operand: lhs,
                                negated,
                                list,
                            }
                        }
                        _ => {
                            let negated = tail.into_inner().any(|x| x.as_rule() == Rule::k_not);
                            match lhs {
                                Operand::Path(path) => ExprKind::IsSet { path, negated },
                                Operand::Literal(l) => {
                                    self.error(
                                        Code::TypeMismatch,
                                        l.span(),
                                        "`is set` applies to an attribute or field, not a value",
                                        None,
                                    );
                                    ExprKind::Bool(false)
                                }
                            }
                        }
                    },
                }
            }
        };
        Expr { kind, span }
    }

    fn did(&mut self, pair: P, base: usize) -> ExprKind {
        let mut event = None;
        let mut filter = None;
        let mut window = None;
        let mut at_least = None;
        for x in pair.into_inner().skip(1) {
            match x.as_rule() {
                Rule::name => event = Some(self.ident(x, base)),
                Rule::expr => filter = Some(Box::new(self.expr(x, base))),
                Rule::did_within => {
                    window = Some(DidWindow::Within(
                        self.duration(after_keyword(x).unwrap(), base),
                    ))
                }
                Rule::did_since => window = Some(DidWindow::SinceEntry(self.span(&x, base))),
                Rule::did_at_least => {
                    let n = self.number(x.into_inner().nth(2).unwrap(), base);
                    self.check_count(&n, "`at least N times`");
                    at_least = Some(n);
                }
                _ => {}
            }
        }
        ExprKind::Did {
            event: event.expect("did names an event"),
            filter,
            window,
            at_least,
        }
    }

    fn operand(&mut self, pair: P, base: usize) -> Operand {
        let p = pair.into_inner().next().expect("operand is not empty");
        match p.as_rule() {
            Rule::path => {
                let span = self.span(&p, base);
                let segments = p.into_inner().map(|s| self.ident(s, base)).collect();
                Operand::Path(Path { segments, span })
            }
            Rule::bool_lit => Operand::Literal(self.literal_token(p, base)),
            _ => Operand::Literal(self.literal_token(p.into_inner().next().unwrap(), base)),
        }
    }

    /// A literal from its token pair (string, number, date ...).
    fn literal_token(&mut self, p: P, base: usize) -> Literal {
        match p.as_rule() {
            Rule::string => Literal::Str(self.string(p, base)),
            Rule::number => Literal::Number(self.number(p, base)),
            Rule::bool_lit => Literal::Bool(p.as_str() == "true", self.span(&p, base)),
            Rule::duration => Literal::Duration(self.duration(p, base)),
            Rule::time_of_day => Literal::Time(self.time_of_day(p, base)),
            Rule::date => Literal::Date(self.date(p, base)),
            Rule::percent => Literal::Percent(self.percent(p, base)),
            r => unreachable!("not a literal: {r:?}"),
        }
    }

    // ------------------------------------------------------------ literals

    fn number(&mut self, p: P, base: usize) -> Number {
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

    fn duration(&mut self, p: P, base: usize) -> Duration {
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

    fn time_of_day(&mut self, p: P, base: usize) -> TimeOfDay {
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

    fn date(&mut self, p: P, base: usize) -> Date {
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

    fn percent(&mut self, p: P, base: usize) -> Percent {
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
    fn string(&mut self, p: P, base: usize) -> StrLit {
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
    if s.len() > 24 {
        format!("{}…", &s[..20])
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> ast::File {
        let (f, d) = parse_file(FileId(0), src);
        assert!(d.is_empty(), "unexpected diagnostics: {d:#?}");
        f
    }

    fn errors(src: &str) -> Vec<Diagnostic> {
        parse_file(FileId(0), src).1
    }

    fn segment_expr(src: &str) -> Expr {
        let f = parse_ok(&format!("segment s = {src}"));
        match &f.items[0].kind {
            ItemKind::Segment(s) => s.expr.clone(),
            k => panic!("not a segment: {k:?}"),
        }
    }

    fn journey(src: &str) -> Vec<Step> {
        let f = parse_ok(&format!("campaign c {{ trigger e journey {{ {src} }} }}"));
        let ItemKind::Campaign(c) = &f.items[0].kind else {
            panic!()
        };
        c.props
            .iter()
            .find_map(|p| match &p.kind {
                CampaignPropKind::Journey(b) => Some(b.steps.clone()),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn precedence_or_and_not_comparison() {
        // a or b and not c == 1  =  a or (b and (not (c == 1)))
        let e = segment_expr("a or b and not c == 1");
        let ExprKind::Or(parts) = &e.kind else {
            panic!("{e:?}")
        };
        assert_eq!(parts.len(), 2);
        assert!(matches!(parts[0].kind, ExprKind::Name(_)));
        let ExprKind::And(and) = &parts[1].kind else {
            panic!()
        };
        let ExprKind::Not(inner) = &and[1].kind else {
            panic!()
        };
        assert!(matches!(
            inner.kind,
            ExprKind::Compare { op: CmpOp::Eq, .. }
        ));
    }

    #[test]
    fn parentheses_group() {
        let e = segment_expr("(a or b) and c");
        let ExprKind::And(parts) = &e.kind else {
            panic!()
        };
        assert!(matches!(parts[0].kind, ExprKind::Paren(_)));
    }

    #[test]
    fn long_operator_chains_stay_flat() {
        let src = (0..10_000)
            .map(|i| format!("a{i}"))
            .collect::<Vec<_>>()
            .join(" or ");
        let ExprKind::Or(parts) = segment_expr(&src).kind else {
            panic!()
        };
        assert_eq!(parts.len(), 10_000);
    }

    #[test]
    fn literals() {
        let steps = journey("wait 1d12h wait until mon 09:30 split { 12.5% a { } 87.5% { } }");
        assert!(matches!(
            steps[0].kind,
            StepKind::Wait(Duration {
                seconds: 129_600,
                ..
            })
        ));
        assert!(matches!(
            steps[1].kind,
            StepKind::WaitUntil {
                weekday: Some((Weekday::Mon, _)),
                time: TimeOfDay { minutes: 570, .. }
            }
        ));
        let StepKind::Split(arms) = &steps[2].kind else {
            panic!()
        };
        assert_eq!(arms[0].weight.basis_points, 1250);
        assert_eq!(arms[0].name.as_ref().unwrap().name, "a");
        assert!(arms[1].name.is_none());
    }

    #[test]
    fn every_step_form() {
        let steps = journey(
            r#"
            wait 1h
            send a
            wait for clicked a within 1d { wait 2h send b } otherwise { send c }
            wait for order_placed where order_placed.total > 5 within 3d
            if x and y in ["DE", "AT"] { send d } else if p == "free" { send e } else { exit }
            repeat 3 times { wait 7d send f }
            @allow(repeated-message)
            step nudge { wait 2d send g }
            goto nudge
            exit
        "#,
        );
        assert_eq!(steps.len(), 9);
        let StepKind::If { arms, otherwise } = &steps[4].kind else {
            panic!()
        };
        assert_eq!(arms.len(), 2);
        assert!(otherwise.is_some());
        assert_eq!(steps[6].allows[0].codes[0].name, "repeated-message");
        assert!(matches!(
            steps[3].kind,
            StepKind::WaitFor {
                then: None,
                otherwise: None,
                ..
            }
        ));
    }

    #[test]
    fn strings_unescape_and_find_placeholders() {
        let f = parse_ok(
            r#"message m { channel email template "t" subject "{{ first_name | default: \"Hi\" }}, a \\ b\n {{ order_placed.order_id }}" }"#,
        );
        let ItemKind::Message(m) = &f.items[0].kind else {
            panic!()
        };
        let MessagePropKind::Subject(s) = &m.props[2].kind else {
            panic!()
        };
        assert!(s
            .value
            .starts_with("{{ first_name | default: \"Hi\" }}, a \\ b\n"));
        assert_eq!(s.placeholders.len(), 2);
        assert_eq!(s.placeholders[0].default.as_deref(), Some("Hi"));
        assert_eq!(s.placeholders[1].path.dotted(), "order_placed.order_id");
    }

    #[test]
    fn keywords_are_contextual_except_expression_ones() {
        parse_ok(
            "event unsubscribed { channel: text }  campaign consent { trigger x journey { } }",
        );
        let e = errors("segment and = x");
        assert_eq!(e[0].code, Code::SyntaxError);
    }

    #[test]
    fn recovers_at_the_next_declaration() {
        let src = "segment a = x ==\nsegment b = y\ncampaign c { trigger e journey { wait 2 } }\nsegment d = \n";
        let (f, d) = parse_file(FileId(0), src);
        assert_eq!(d.len(), 3, "{d:#?}");
        assert_eq!(f.items.len(), 1);
        assert!(d[1].help.as_deref().unwrap().contains("`2d`"));
    }

    #[test]
    fn unterminated_string() {
        let d = errors("message m { template \"abc\n }");
        assert_eq!(d[0].code, Code::SyntaxError);
        assert!(d[0].message.contains("not closed"), "{}", d[0].message);
    }

    #[test]
    fn overflowing_values_are_invalid() {
        for src in [
            "campaign c { trigger e journey { wait 99999999999999999999999d } }",
            "campaign c { trigger e journey { wait 200000w } }",
            "campaign c { trigger e journey { repeat 0 times { } } }",
            "campaign c { trigger e limit 1.5 per 1d journey { } }",
            "segment s = x > 123456789012345678901234567890",
            "campaign c { trigger e journey { split { 100.001% { } } } }",
            "campaign c { trigger daily at 25:00 journey { } }",
            "campaign c { trigger e window 2026-02-30 to 2026-03-01 journey { } }",
        ] {
            let d = errors(src);
            assert_eq!(d.len(), 1, "{src}: {d:#?}");
            assert_eq!(d[0].code, Code::InvalidValue, "{src}");
        }
    }

    #[test]
    fn deep_nesting_is_a_clear_error_not_a_crash() {
        let src = format!(
            "segment s = {}x{}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        let d = errors(&src);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("nested more than 256"));
        assert_eq!(d[0].span.start as usize, "segment s = ".len() + MAX_NESTING);
        let nots = format!("segment s = {}x", "not ".repeat(100_000));
        assert!(errors(&nots)[0].message.contains("`not`s"));
    }

    #[test]
    fn the_deepest_nesting_allowed_parses_on_a_small_stack() {
        // Blocks and brackets at the limit, parsed by a thread whose stack
        // is far smaller than the recursion needs: parse_file moves the
        // work to a stack of its own.
        let half = MAX_NESTING / 2;
        let src = format!(
            "campaign c {{ trigger e journey {{ {}send m{} if {}x{} {{ }} }} }}",
            "if a { ".repeat(half - 2),
            " }".repeat(half - 2),
            "(".repeat(half - 1),
            ")".repeat(half - 1)
        );
        let diags = std::thread::Builder::new()
            .stack_size(128 << 10)
            .spawn(move || parse_file(FileId(0), &src).1)
            .unwrap()
            .join()
            .expect("no stack overflow");
        assert!(diags.is_empty(), "{diags:#?}");
    }

    #[test]
    fn nul_bytes_are_reported_with_a_position() {
        let d = errors("segment s = x\0");
        assert_eq!(d[0].code, Code::SyntaxError);
        assert_eq!(d[0].span.start, 13);
    }

    #[test]
    fn huge_string_is_rejected() {
        let src = format!(
            "message m {{ channel email template \"{}\" }}",
            "x".repeat(5 << 20)
        );
        let d = errors(&src);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::InvalidValue);
    }

    #[test]
    fn comments_are_collected() {
        let f = parse_ok("// one\nsegment s = x // two \"not a string\n");
        assert_eq!(f.comments.len(), 2);
    }

    #[test]
    fn triggers() {
        for t in [
            "trigger enters vip",
            "trigger daily at 09:00",
            "trigger weekly on mon at 09:00",
            "trigger once at 2026-12-01 09:00",
            "trigger cart_abandoned where cart_abandoned.value > 20",
        ] {
            parse_ok(&format!("campaign c {{ {t} journey {{ }} }}"));
        }
    }
}

#[cfg(test)]
mod example_tests {
    #[test]
    fn example_campaigns_parse() {
        for (path, text) in crate::source::example_campaigns() {
            let (_, d) = super::parse_file(crate::source::FileId(0), &text);
            assert!(d.is_empty(), "{}: {d:#?}", path.display());
        }
    }
}
