//! Go to definition, find references, highlights and rename: straight
//! from the program's symbol index, which the resolver builds, so every
//! kind of name (attributes, segments, events and their fields, channels,
//! messages, campaigns, steps, imported files) is covered across files.

use std::collections::HashMap;
use std::sync::OnceLock;

use lsp_types::{
    DocumentHighlight, DocumentHighlightKind, DocumentHighlightParams, GotoDefinitionParams,
    GotoDefinitionResponse, Location, PrepareRenameResponse, Range, ReferenceParams, RenameParams,
    TextDocumentPositionParams, TextEdit, Url, WorkspaceEdit,
};

use super::text::{word_at, Lines};
use super::{at, invalid, Doc, Reply};
use crate::source::{FileId, Span};
use crate::symbols::{SymbolId, SymbolKind, Target};

/// The location of `span` in `file` of the document's check.
pub fn location(doc: &Doc, file: FileId, span: Span) -> Option<Location> {
    let f = doc.checked.analysis.sources.get(file);
    let uri = doc.ws.url_of(&f.path)?;
    let range = if file == doc.file {
        doc.lines.range(span)
    } else {
        Lines::new(&f.text).range(span)
    };
    Some(Location { uri, range })
}

pub fn definition(
    ws: &mut super::Workspace,
    p: GotoDefinitionParams,
) -> Reply<Option<GotoDefinitionResponse>> {
    let (doc, offset) = at(ws, &p.text_document_position_params)?;
    let symbols = &doc.checked.analysis.program.symbols;
    let Some(def) = symbols.definition_at(doc.file, offset) else {
        return Ok(None);
    };
    // A file is defined by existing: its start.
    let span = match def.target {
        Target::File(_) => Span::new(0, 0),
        _ => def.span,
    };
    Ok(location(&doc, def.file, span).map(GotoDefinitionResponse::Scalar))
}

pub fn references(ws: &mut super::Workspace, p: ReferenceParams) -> Reply<Option<Vec<Location>>> {
    super::settled(ws, &p.text_document_position.text_document.uri)?;
    let (doc, offset) = at(ws, &p.text_document_position)?;
    let symbols = &doc.checked.analysis.program.symbols;
    let Some(s) = symbols.symbol_at(doc.file, offset) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    if p.context.include_declaration {
        let d = symbols.definition(s);
        if !d.span.is_empty() {
            out.extend(location(&doc, d.file, d.span));
        }
    }
    out.extend(
        symbols
            .references(s)
            .filter_map(|r| location(&doc, r.file, r.span)),
    );
    Ok(Some(out))
}

pub fn highlights(
    ws: &mut super::Workspace,
    p: DocumentHighlightParams,
) -> Reply<Option<Vec<DocumentHighlight>>> {
    let (doc, offset) = at(ws, &p.text_document_position_params)?;
    let symbols = &doc.checked.analysis.program.symbols;
    let Some(s) = symbols.symbol_at(doc.file, offset) else {
        return Ok(None);
    };
    let def = symbols.definition(s);
    let out = symbols
        .occurrences(s)
        .into_iter()
        .filter(|(f, _)| *f == doc.file)
        .map(|(f, span)| DocumentHighlight {
            range: doc.lines.range(span),
            kind: Some(if (f, span) == (def.file, def.span) {
                DocumentHighlightKind::WRITE
            } else {
                DocumentHighlightKind::READ
            }),
        })
        .collect();
    Ok(Some(out))
}

/// The words the grammar spells out (keywords, type names, weekdays):
/// read from the grammar itself, so new constructs' keywords are known.
pub fn keywords() -> &'static [&'static str] {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let grammar = include_str!("../../grammar/omnis.pest");
        let mut words: Vec<&'static str> = grammar
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|w| w.len() > 1 && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .collect();
        words.sort_unstable();
        words.dedup();
        words
    })
}

pub fn is_keyword(word: &str) -> bool {
    keywords().binary_search(&word).is_ok()
}

/// The symbol at a position, for a rename: refused on keywords, literals,
/// files and places with no name.
fn renamable(doc: &Doc, offset: usize) -> Reply<(SymbolId, Span)> {
    let symbols = &doc.checked.analysis.program.symbols;
    let Some(s) = symbols.symbol_at(doc.file, offset) else {
        let why = match word_at(doc.text(), offset).map(|w| &doc.text()[w.range()]) {
            Some(w) if is_keyword(w) => format!("`{w}` is a keyword of the language, not a name"),
            Some(w) => format!("`{w}` is not a name omnis knows here"),
            None => "there is no name here to rename".to_string(),
        };
        return Err(invalid(why));
    };
    if symbols.definition(s).target.kind() == SymbolKind::File {
        return Err(invalid("an import names a file: rename the file instead"));
    }
    let span = symbols
        .occurrences(s)
        .into_iter()
        .find(|&(f, sp)| f == doc.file && sp.start as usize <= offset && offset <= sp.end as usize)
        .map(|(_, sp)| sp)
        .ok_or_else(|| invalid("there is no name here to rename"))?;
    Ok((s, span))
}

pub fn prepare_rename(
    ws: &mut super::Workspace,
    p: TextDocumentPositionParams,
) -> Reply<Option<PrepareRenameResponse>> {
    let (doc, offset) = at(ws, &p)?;
    let (_, span) = renamable(&doc, offset)?;
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: doc.lines.range(span),
        placeholder: doc.text()[span.range()].to_string(),
    }))
}

pub fn rename(ws: &mut super::Workspace, p: RenameParams) -> Reply<Option<WorkspaceEdit>> {
    super::settled(ws, &p.text_document_position.text_document.uri)?;
    let (doc, offset) = at(ws, &p.text_document_position)?;
    let (s, _) = renamable(&doc, offset)?;
    let new = p.new_name.as_str();
    let valid = new.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && new.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return Err(invalid(format!(
            "`{new}` is not a name: letters, digits and `_`, not starting with a digit"
        )));
    }
    if is_keyword(new) {
        return Err(invalid(format!("`{new}` is a keyword of the language")));
    }
    let symbols = &doc.checked.analysis.program.symbols;
    let def = symbols.definition(s);
    let kind = def.target.kind();
    // Names of one kind share a namespace (fields: of one event; steps: of
    // one campaign).
    let clash = symbols.definitions().iter().any(|d| {
        d.name == new
            && d.target.kind() == kind
            && match (d.target, def.target) {
                (Target::Field(a, _), Target::Field(b, _)) => a == b,
                (Target::Step(a, _), Target::Step(b, _)) => a == b,
                _ => true,
            }
    });
    if clash {
        return Err(invalid(
            format!("`{new}` is already the name of another {kind:?}").to_lowercase(),
        ));
    }
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    for (file, span) in symbols.occurrences(s) {
        if let Some(l) = location(&doc, file, span) {
            changes.entry(l.uri).or_default().push(TextEdit {
                range: l.range,
                new_text: new.to_string(),
            });
        }
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}

/// The range of a whole text.
pub fn whole(lines: &Lines) -> Range {
    Range::new(lines.position(0), lines.position(lines.text().len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_come_from_the_grammar() {
        for w in [
            "send",
            "journey",
            "campaign",
            "otherwise",
            "quiet_hours",
            "and",
        ] {
            assert!(is_keyword(w), "{w}");
        }
        for w in ["welcome", "omnis", "s", "email_opt_in"] {
            assert!(!is_keyword(w), "{w}");
        }
    }
}
