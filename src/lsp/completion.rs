//! Completion in context: the block the cursor is in (top level, a
//! campaign, a journey, a channel, a message, a profile or event) gives
//! the keywords valid there; the word before the cursor gives the kind of
//! name (`send` a message, `trigger` an event, `goto` a step, `consent` a
//! bool attribute, `EVENT.` a field, `==` one of an attribute's values).
//! Names come from the checked program's symbol index, so every name of
//! every file the project loads is offered.

use lsp_types::{CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse};

use super::{at, Doc, Reply};
use crate::model::Type;
use crate::symbols::{SymbolKind, Target};

const TOP: &[&str] = &[
    "import", "profile", "event", "channel", "segment", "message", "campaign",
];
/// A campaign's properties: the words the parser starts one with.
const CAMPAIGN: &[&str] = crate::syntax::stream::PROP_STARTS;
/// Words that start a line in a journey beside the step keywords
/// (`ast::STEP_KEYWORDS`): `else` continues an `if`.
const JOURNEY_MORE: &[&str] = &["else"];
const CHANNEL: &[&str] = &["kind", "consent", "quiet_hours", "limit", "description"];
const MESSAGE: &[&str] = &[
    "channel",
    "template",
    "subject",
    "vars",
    "offer",
    "description",
];
const TYPES: &[&str] = &[
    "text", "number", "bool", "time", "date", "list of", "one of",
];
const CONDITION: &[&str] = &[
    "and", "or", "not", "in", "is", "set", "did", "within", "true", "false",
];

pub fn completion(
    ws: &mut super::Workspace,
    p: CompletionParams,
) -> Reply<Option<CompletionResponse>> {
    let (doc, offset) = at(ws, &p.text_document_position)?;
    let text = doc.text();
    let b = text.as_bytes();
    // The word being typed, and what comes before it.
    let mut start = offset;
    while start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_') {
        start -= 1;
    }
    let before = &text[..start];
    let mut items = Vec::new();
    if let Some(event) = before.strip_suffix('.').map(last_word) {
        // `EVENT.` : its fields.
        fields(&doc, event, &mut items);
        return Ok(Some(CompletionResponse::Array(items)));
    }
    let trimmed = before.trim_end();
    let prev = last_word(trimmed);
    let symbol = |kinds: &[SymbolKind], items: &mut Vec<CompletionItem>| names(&doc, kinds, items);
    if trimmed.ends_with("==") || trimmed.ends_with("!=") {
        values(&doc, trimmed, &mut items);
        return Ok(Some(CompletionResponse::Array(items)));
    }
    match prev {
        "send" | "opened" | "clicked" => symbol(&[SymbolKind::Message], &mut items),
        "goto" => symbol(&[SymbolKind::Step], &mut items),
        "trigger" => {
            symbol(&[SymbolKind::Event], &mut items);
            keywords(&["enters", "daily", "weekly", "once", "on"], &mut items);
        }
        "goal" | "did" | "when" => symbol(&[SymbolKind::Event], &mut items),
        // A condition starts: attributes, segments and the words of
        // expressions.
        "audience" | "if" | "and" | "or" | "not" | "unless" | "where" | "=" => {
            condition(&doc, &mut items)
        }
        "for" => {
            symbol(&[SymbolKind::Event], &mut items);
            keywords(&["opened", "clicked"], &mut items);
        }
        "enters" => symbol(&[SymbolKind::Segment], &mut items),
        // `set ATTR = ...`, `unset ATTR` (not `ATTR is set`).
        "unset" => symbol(&[SymbolKind::Attribute], &mut items),
        "set" if !trimmed[..trimmed.len() - 3].trim_end().ends_with("is") => {
            symbol(&[SymbolKind::Attribute], &mut items)
        }
        "consent" => {
            for d in doc.checked.analysis.program.symbols.definitions() {
                if let Target::Attribute(a) = d.target {
                    if doc.checked.analysis.program.attr(a).ty == Type::Bool {
                        items.push(item(&d.name, CompletionItemKind::VARIABLE));
                    }
                }
            }
        }
        "import" => {
            // Every file of the project: its last check's (the
            // document's own check holds only what it imports).
            let path = &doc.checked.analysis.sources.get(doc.file).path;
            let project = doc.ws.project_check(path).unwrap_or(doc.checked);
            let sources = &project.analysis.sources;
            for i in 0..sources.len() {
                let f = sources.get(crate::source::FileId(i as u32));
                if f.path != *path {
                    items.push(item(
                        &format!("\"{}\"", f.project_path),
                        CompletionItemKind::FILE,
                    ));
                }
            }
        }
        _ => match context(before) {
            Context::Top => keywords(TOP, &mut items),
            Context::Campaign => keywords(CAMPAIGN, &mut items),
            Context::Journey if matches!(prev, "" | "}" | "{") || line_start(before) => {
                keywords(crate::syntax::ast::STEP_KEYWORDS, &mut items);
                keywords(JOURNEY_MORE, &mut items)
            }
            Context::Message if prev == "channel" => symbol(&[SymbolKind::Channel], &mut items),
            Context::Channel => keywords(CHANNEL, &mut items),
            Context::Message => keywords(MESSAGE, &mut items),
            Context::Fields => keywords(TYPES, &mut items),
            // A condition: attributes, segments and the expression words.
            _ => condition(&doc, &mut items),
        },
    }
    Ok(Some(CompletionResponse::Array(items)))
}

fn condition(doc: &Doc, items: &mut Vec<CompletionItem>) {
    let kinds = [
        SymbolKind::Attribute,
        SymbolKind::Segment,
        SymbolKind::Event,
    ];
    names(doc, &kinds, items);
    keywords(CONDITION, items);
}

fn item(label: &str, kind: CompletionItemKind) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        ..CompletionItem::default()
    }
}

fn keywords(words: &[&str], items: &mut Vec<CompletionItem>) {
    items.extend(words.iter().map(|w| item(w, CompletionItemKind::KEYWORD)));
}

pub fn item_kind(kind: SymbolKind) -> CompletionItemKind {
    match kind {
        SymbolKind::File => CompletionItemKind::FILE,
        SymbolKind::Attribute => CompletionItemKind::VARIABLE,
        SymbolKind::Segment => CompletionItemKind::CONSTANT,
        SymbolKind::Event => CompletionItemKind::EVENT,
        SymbolKind::Field => CompletionItemKind::FIELD,
        SymbolKind::Channel => CompletionItemKind::INTERFACE,
        SymbolKind::Message => CompletionItemKind::TEXT,
        SymbolKind::Campaign => CompletionItemKind::MODULE,
        SymbolKind::Step => CompletionItemKind::REFERENCE,
    }
}

/// The names of the given kinds (steps: of the campaign around the
/// cursor's file), each once.
fn names(doc: &Doc, kinds: &[SymbolKind], items: &mut Vec<CompletionItem>) {
    let mut seen = std::collections::BTreeSet::new();
    for d in doc.checked.analysis.program.symbols.definitions() {
        let kind = d.target.kind();
        if !kinds.contains(&kind) || (kind == SymbolKind::Step && d.file != doc.file) {
            continue;
        }
        if seen.insert(d.name.as_str()) {
            items.push(item(&d.name, item_kind(kind)));
        }
    }
}

fn fields(doc: &Doc, event: &str, items: &mut Vec<CompletionItem>) {
    let program = &doc.checked.analysis.program;
    if let Some(e) = program.event_by_name(event) {
        for f in &program.event(e).fields {
            let mut i = item(&f.name, CompletionItemKind::FIELD);
            i.detail = Some(f.ty.describe());
            items.push(i);
        }
    }
}

/// After `ATTR ==`: the values of a one-of attribute (or field).
fn values(doc: &Doc, before: &str, items: &mut Vec<CompletionItem>) {
    let program = &doc.checked.analysis.program;
    let left = before[..before.len() - 2].trim_end();
    let name = last_word(left);
    let ty = match left[..left.len() - name.len()].strip_suffix('.') {
        Some(head) => program.event_by_name(last_word(head)).and_then(|e| {
            let e = program.event(e);
            e.field(name).map(|i| e.fields[i].ty.clone())
        }),
        None => program
            .attr_by_name(name)
            .map(|a| program.attr(a).ty.clone()),
    };
    if let Some(Type::OneOf(vs)) = ty {
        for v in vs {
            items.push(item(&format!("\"{v}\""), CompletionItemKind::ENUM_MEMBER));
        }
    }
}

/// The identifier at the end of `text`.
fn last_word(text: &str) -> &str {
    let b = text.as_bytes();
    let mut i = b.len();
    while i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') {
        i -= 1;
    }
    if i == b.len() {
        // A punctuation token.
        return text.get(text.len().saturating_sub(1)..).unwrap_or("");
    }
    &text[i..]
}

/// Whether only blanks precede the cursor on its line.
fn line_start(before: &str) -> bool {
    before
        .rsplit('\n')
        .next()
        .is_some_and(|l| l.trim().is_empty())
}

#[derive(Debug, PartialEq)]
enum Context {
    Top,
    Campaign,
    Journey,
    Channel,
    Message,
    Fields,
    Other,
}

/// The block the end of `before` is in, by the word that opened each
/// enclosing `{` (strings and comments skipped).
fn context(before: &str) -> Context {
    let b = before.as_bytes();
    let mut stack: Vec<&str> = Vec::new();
    let mut stmt = 0; // where the current statement's first word may start
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'{' => {
                let head = before[stmt..i].trim();
                let word = head
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .find(|w| !w.is_empty() && !w.starts_with(|c: char| c.is_ascii_digit()))
                    .unwrap_or("");
                stack.push(word);
                stmt = i + 1;
            }
            b'}' => {
                stack.pop();
                stmt = i + 1;
            }
            b'\n' => stmt = i + 1,
            _ => {}
        }
        i += 1;
    }
    match stack.as_slice() {
        [] => Context::Top,
        ["campaign"] => Context::Campaign,
        ["campaign", ..] => match stack.last() {
            Some(&"vars") => Context::Other,
            _ => Context::Journey,
        },
        ["channel", ..] => Context::Channel,
        ["message"] => Context::Message,
        ["profile" | "event", ..] => Context::Fields,
        _ => Context::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_follow_the_blocks() {
        assert_eq!(context("event a { x: text }\n"), Context::Top);
        assert_eq!(context("campaign c {\n  "), Context::Campaign);
        assert_eq!(
            context("campaign c {\n journey {\n if x { // {\n"),
            Context::Journey
        );
        assert_eq!(context("channel sms { kind \"{\" "), Context::Channel);
        assert_eq!(context("message m {\n"), Context::Message);
        assert_eq!(context("profile {\n  a: "), Context::Fields);
    }
}
