//! Formatting (the whole document, through the `fmt` stage) and code
//! actions from diagnostics: apply a did-you-mean, add `@allow(code)` to
//! the step or declaration, add a missing `consent`, remove an unused
//! declaration.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse,
    DocumentFormattingParams, TextEdit, WorkspaceEdit,
};

use super::navigation::whole;
use super::{document, Doc, Failure, Reply};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::model::Type;
use crate::source::Span;

pub fn formatting(
    ws: &mut super::Workspace,
    p: DocumentFormattingParams,
) -> Reply<Option<Vec<TextEdit>>> {
    // An open buffer is formatted as it is, checked or not (a file the
    // project excludes, say); another file as the project loaded it.
    let path = super::workspace::canonical(&p.text_document.uri).map_err(super::invalid)?;
    let text = match ws.docs.get(&path) {
        Some(d) => d.text.clone(),
        None => document(ws, &p.text_document.uri)?.text().to_string(),
    };
    let lines = super::text::Lines::new(&text);
    match crate::fmt::format_source(&text) {
        Ok(out) if out == text => Ok(Some(Vec::new())),
        Ok(out) => Ok(Some(vec![TextEdit {
            range: whole(&lines),
            new_text: out,
        }])),
        Err(diags) => Err(Failure {
            code: lsp_server::ErrorCode::RequestFailed,
            message: format!(
                "not formatted: {}",
                diags
                    .first()
                    .map_or("the file has errors", |d| d.message.as_str())
            ),
        }),
    }
}

pub fn code_actions(
    ws: &mut super::Workspace,
    p: CodeActionParams,
) -> Reply<Option<CodeActionResponse>> {
    super::settled(ws, &p.text_document.uri)?;
    let doc = document(ws, &p.text_document.uri)?;
    let mut range = doc
        .lines
        .span(p.range)
        .ok_or_else(|| super::invalid("the range is past the end of the document"))?;
    if range.is_empty() {
        // A cursor: the findings on its line.
        let line = doc.lines.line(range.start as usize);
        range = Span::new(doc.lines.line_start(line), doc.lines.line_start(line + 1));
    }
    let mut out = Vec::new();
    for d in &doc.checked.analysis.diagnostics {
        let overlaps = d.file == doc.file && d.span.start <= range.end && range.start <= d.span.end;
        if !overlaps {
            continue;
        }
        let lsp_diag = super::diagnostics::convert(doc.ws, doc.checked, d);
        let mut add = |title: String, edits: Vec<(Span, String)>, preferred: bool| {
            let edits = edits
                .into_iter()
                .map(|(span, new_text)| TextEdit {
                    range: doc.lines.range(span),
                    new_text,
                })
                .collect();
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp_diag.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(p.text_document.uri.clone(), edits)])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(preferred),
                ..CodeAction::default()
            }));
        };
        if let Some((title, edit)) = did_you_mean(&doc, d) {
            add(title, vec![edit], true);
        }
        if d.code == Code::MissingConsent {
            if let Some((title, edit)) = add_consent(&doc, d) {
                add(title, vec![edit], true);
            }
        }
        if d.code == Code::UnusedDeclaration {
            let span = declaration_lines(doc.text(), d.span.start as usize);
            add(
                "Remove the unused declaration".into(),
                vec![(span, String::new())],
                false,
            );
        }
        if d.code.info().is_some_and(|i| i.configurable) {
            let at = allow_point(&doc, d.span);
            let indent: String = doc.text()[at..]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            let line = format!("{indent}@allow({})\n", d.code.as_str());
            add(
                format!("Allow `{}` here (`@allow`)", d.code.as_str()),
                vec![(Span::new(at, at), line)],
                false,
            );
        }
    }
    Ok(Some(out))
}

/// A did-you-mean from the diagnostic's help: the name at its span
/// replaced by the suggestion.
fn did_you_mean(doc: &Doc, d: &Diagnostic) -> Option<(String, (Span, String))> {
    let help = d.help.as_deref()?;
    let rest = &help[help.find("did you mean ")? + "did you mean ".len()..];
    let quote = rest.chars().next().filter(|c| *c == '`' || *c == '"')?;
    let inner = &rest[1..];
    let suggestion = &inner[..inner.find(quote)?];
    let written = &doc.text()[d.span.range()];
    let new = if quote == '"' {
        format!("\"{suggestion}\"")
    } else if !written.contains('.') {
        // `order.totl` suggests `order.total` at the field's own span.
        suggestion
            .rsplit('.')
            .next()
            .unwrap_or(suggestion)
            .to_string()
    } else {
        suggestion.to_string()
    };
    if new == written || written.is_empty() {
        return None;
    }
    Some((format!("Change to `{suggestion}`"), (d.span, new)))
}

/// `consent ATTRIBUTE` in a channel without one: the bool attribute whose
/// name is closest to `KIND_opt_in`.
fn add_consent(doc: &Doc, d: &Diagnostic) -> Option<(String, (Span, String))> {
    let program = &doc.checked.analysis.program;
    let channel = program
        .channels
        .iter()
        .find(|c| c.loc == crate::model::Loc::new(d.file, d.span))?;
    let bools: Vec<&str> = (program.attributes.iter())
        .filter(|a| a.ty == Type::Bool)
        .map(|a| a.name.as_str())
        .collect();
    let wanted = format!("{}_opt_in", channel.kind);
    let attr = if bools.contains(&wanted.as_str()) {
        wanted.as_str()
    } else {
        crate::suggest::did_you_mean(&wanted, bools.iter().copied()).or(bools.first().copied())?
    };
    let text = doc.text();
    let brace = d.span.end as usize + text[d.span.end as usize..].find('{')?;
    let after = brace + 1;
    let rest = &text[after..];
    let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let at = after + spaces;
    let insert = match text.as_bytes().get(at) {
        Some(b'\n') | Some(b'\r') | None => {
            let line = doc.lines.line_start(doc.lines.line(brace));
            let indent: String = text[line..].chars().take_while(|c| *c == ' ').collect();
            return Some((
                format!("Add `consent {attr}`"),
                (
                    Span::new(after, after),
                    format!("\n{indent}  consent {attr}"),
                ),
            ));
        }
        Some(b'}') => format!("consent {attr} "),
        _ => format!("consent {attr}  "),
    };
    Some((format!("Add `consent {attr}`"), (Span::new(at, at), insert)))
}

/// Where an `@allow` for a finding at `span` goes: the start of the line
/// of the innermost step holding it, else of its top-level declaration.
fn allow_point(doc: &Doc, span: Span) -> usize {
    let program = &doc.checked.analysis.program;
    let mut best: Option<Span> = None;
    for c in &program.campaigns {
        if c.decl.file != doc.file
            || !(c.decl.span.start <= span.start && span.end <= c.decl.span.end)
        {
            continue;
        }
        c.journey.walk_steps(&mut |s| {
            let w = program.steps.written(s.loc);
            if s.loc.file == doc.file
                && w.start <= span.start
                && span.end <= w.end
                && best.is_none_or(|b| w.len() <= b.len())
            {
                best = Some(w);
            }
        });
    }
    match best {
        Some(w) => doc.lines.line_start(doc.lines.line(w.start as usize)),
        None => declaration_start(doc.text(), span.start as usize),
    }
}

/// The start of the line of the top-level declaration holding `offset`:
/// the last line at or before it that starts with a letter (not a comment,
/// a `}`, an `@allow` or a blank).
fn declaration_start(text: &str, offset: usize) -> usize {
    let mut line = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    loop {
        if text[line..].starts_with(|c: char| c.is_ascii_alphabetic()) || line == 0 {
            return line;
        }
        line = text[..line - 1].rfind('\n').map_or(0, |i| i + 1);
    }
}

/// The lines of the top-level declaration holding `offset`, with the
/// blank line after it when one is left on both sides.
fn declaration_lines(text: &str, offset: usize) -> Span {
    let start = declaration_start(text, offset);
    let mut end = start;
    let mut first = true;
    loop {
        let next = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        if !first {
            let line = &text[end..next];
            let continues = line.starts_with([' ', '\t', '}']) && !line.trim().is_empty();
            if !continues {
                break;
            }
        }
        first = false;
        end = next;
        if end >= text.len() {
            break;
        }
    }
    let blank_before =
        start == 0 || text[..start - 1].ends_with('\n') || text[..start].ends_with("\n\n");
    let line_after = text[end..].find('\n').map(|i| end + i + 1);
    if let Some(after) = line_after {
        if blank_before && text[end..after].trim().is_empty() {
            end = after;
        }
    }
    Span::new(start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_span_their_lines() {
        let text = "event a { }\n\nmessage m {\n  channel e\n}\n\ncampaign c { }\n";
        let m = text.find("m {").unwrap();
        let s = declaration_lines(text, m);
        assert_eq!(&text[s.range()], "message m {\n  channel e\n}\n\n");
        assert_eq!(
            declaration_start(text, text.find("channel e").unwrap()),
            text.find("message").unwrap()
        );
        let one = "segment a = x\nsegment b = y\n";
        let s = declaration_lines(one, 8);
        assert_eq!(&one[s.range()], "segment a = x\n");
    }
}
