//! The server's capabilities, and what an editor draws from a document's
//! shape: its outline (document symbols, from the symbol index), semantic
//! tokens (names by kind from the index; keywords, strings, numbers,
//! comments and `@allow` from a scan of the text) and folding ranges
//! (blocks and runs of comment lines).

use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, FoldingRange, FoldingRangeKind,
    FoldingRangeParams, FoldingRangeProviderCapability, HoverProviderCapability, OneOf,
    PositionEncodingKind, RenameOptions, SemanticToken, SemanticTokenModifier, SemanticTokenType,
    SemanticTokens, SemanticTokensFullOptions, SemanticTokensLegend, SemanticTokensOptions,
    SemanticTokensParams, SemanticTokensResult, SemanticTokensServerCapabilities,
    ServerCapabilities, SymbolKind as LspKind, TextDocumentSyncCapability, TextDocumentSyncKind,
};

use super::navigation::is_keyword;
use super::{document, Reply};
use crate::source::Span;
use crate::symbols::{SymbolKind, Target};

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..CompletionOptions::default()
        }),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend {
                    token_types: TOKEN_TYPES.to_vec(),
                    token_modifiers: vec![SemanticTokenModifier::DECLARATION],
                },
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: Default::default(),
            },
        )),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

pub fn symbols(
    ws: &mut super::Workspace,
    p: DocumentSymbolParams,
) -> Reply<Option<DocumentSymbolResponse>> {
    let doc = document(ws, &p.text_document.uri)?;
    let program = &doc.checked.analysis.program;
    let mut out: Vec<DocumentSymbol> = Vec::new();
    #[allow(deprecated)]
    let symbol = |name: &str, kind: LspKind, span: Span, whole: Span| DocumentSymbol {
        name: name.to_string(),
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range: doc.lines.range(whole.to(span)),
        selection_range: doc.lines.range(span),
        children: None,
    };
    for d in program.symbols.definitions() {
        if d.file != doc.file || d.span.is_empty() {
            continue;
        }
        let kind = match d.target.kind() {
            SymbolKind::File => continue,
            SymbolKind::Attribute => LspKind::PROPERTY,
            SymbolKind::Segment => LspKind::CONSTANT,
            SymbolKind::Event => LspKind::EVENT,
            SymbolKind::Field => LspKind::FIELD,
            SymbolKind::Channel => LspKind::INTERFACE,
            SymbolKind::Message => LspKind::STRUCT,
            SymbolKind::Campaign => LspKind::MODULE,
            SymbolKind::Step => LspKind::FUNCTION,
        };
        let whole = match d.target {
            Target::Campaign(c) => program.campaign(c).decl.span,
            _ => d.span,
        };
        let s = symbol(&d.name, kind, d.span, whole);
        // Fields under their event, steps under their campaign.
        let parent = match d.target {
            Target::Field(e, _) => program.symbols.symbol(Target::Event(e)),
            Target::Step(c, _) => program.symbols.symbol(Target::Campaign(c)),
            _ => None,
        };
        let parent = parent.map(|p| program.symbols.definition(p).name.as_str());
        match parent.and_then(|n| out.iter_mut().rev().find(|o| o.name == n)) {
            Some(o) => o.children.get_or_insert_with(Vec::new).push(s),
            None => out.push(s),
        }
    }
    Ok(Some(DocumentSymbolResponse::Nested(out)))
}

const TOKEN_TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::NAMESPACE, // 0 file
    SemanticTokenType::VARIABLE,  // 1 attribute
    SemanticTokenType::TYPE,      // 2 segment
    SemanticTokenType::EVENT,     // 3 event
    SemanticTokenType::PROPERTY,  // 4 field
    SemanticTokenType::INTERFACE, // 5 channel
    SemanticTokenType::STRUCT,    // 6 message
    SemanticTokenType::CLASS,     // 7 campaign
    SemanticTokenType::FUNCTION,  // 8 step
    SemanticTokenType::KEYWORD,   // 9
    SemanticTokenType::STRING,    // 10
    SemanticTokenType::NUMBER,    // 11
    SemanticTokenType::COMMENT,   // 12
    SemanticTokenType::DECORATOR, // 13 @allow
];

fn kind_token(kind: SymbolKind) -> u32 {
    match kind {
        SymbolKind::File => 0,
        SymbolKind::Attribute => 1,
        SymbolKind::Segment => 2,
        SymbolKind::Event => 3,
        SymbolKind::Field => 4,
        SymbolKind::Channel => 5,
        SymbolKind::Message => 6,
        SymbolKind::Campaign => 7,
        SymbolKind::Step => 8,
    }
}

/// The tokens of a text the scan finds: keywords, strings, numbers,
/// comments, `@allow`; each within one line.
fn scan(text: &str) -> Vec<(Span, u32)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            out.push((Span::new(start, i), 12));
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                i += if b[i] == b'\\' && b.get(i + 1).is_some_and(|&n| n != b'\n') {
                    2
                } else {
                    1
                };
            }
            i = (i + 1).min(b.len());
            out.push((Span::new(start, i), 10));
        } else if c == b'@' {
            i += 1;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push((Span::new(start, i), 13));
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || matches!(b[i], b'_' | b'.' | b':' | b'%') && c.is_ascii_digit())
            {
                i += 1;
            }
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            if c.is_ascii_digit() {
                out.push((Span::new(start, i), 11));
            } else if is_keyword(&text[start..i]) {
                out.push((Span::new(start, i), 9));
            }
        } else {
            i += 1;
        }
    }
    out
}

pub fn semantic_tokens(
    ws: &mut super::Workspace,
    p: SemanticTokensParams,
) -> Reply<Option<SemanticTokensResult>> {
    let doc = document(ws, &p.text_document.uri)?;
    let symbols = &doc.checked.analysis.program.symbols;
    // (span, type, modifiers): names from the index first, then what the
    // scan finds where no name is.
    let mut names: Vec<(Span, u32, u32)> = Vec::new();
    for d in symbols.definitions() {
        if d.file == doc.file && !d.span.is_empty() {
            names.push((d.span, kind_token(d.target.kind()), 1));
        }
    }
    for r in symbols.all_references() {
        if r.file == doc.file {
            let kind = symbols.definition(r.symbol).target.kind();
            names.push((r.span, kind_token(kind), 0));
        }
    }
    names.sort_by_key(|t| t.0);
    let mut all = names.clone();
    for (span, ty) in scan(doc.text()) {
        let i = names.partition_point(|n| n.0.end <= span.start);
        let overlaps = names.get(i).is_some_and(|n| n.0.start < span.end);
        // A string holding a name (an import's path) stays a name.
        if !overlaps {
            all.push((span, ty, 0));
        }
    }
    all.sort_by_key(|t| t.0);
    let mut data = Vec::with_capacity(all.len());
    let (mut line, mut col) = (0, 0);
    let mut last_end = 0;
    for (span, ty, modifiers) in all {
        // Tokens may not overlap (a name inside a scanned token).
        if span.start < last_end {
            continue;
        }
        last_end = span.end;
        let start = doc.lines.position(span.start as usize);
        let end = doc.lines.position(span.end as usize);
        if end.line != start.line || end.character <= start.character {
            continue;
        }
        let delta_start = if start.line == line {
            start.character - col
        } else {
            start.character
        };
        data.push(SemanticToken {
            delta_line: start.line - line,
            delta_start,
            length: end.character - start.character,
            token_type: ty,
            token_modifiers_bitset: modifiers,
        });
        (line, col) = (start.line, start.character);
    }
    Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data,
    })))
}

pub fn folding(
    ws: &mut super::Workspace,
    p: FoldingRangeParams,
) -> Reply<Option<Vec<FoldingRange>>> {
    let doc = document(ws, &p.text_document.uri)?;
    let mut out = Vec::new();
    let mut open: Vec<u32> = Vec::new();
    let mut comments: Option<(u32, u32)> = None;
    let flush = |run: Option<(u32, u32)>, out: &mut Vec<FoldingRange>| {
        if let Some((a, b)) = run.filter(|(a, b)| b > a) {
            out.push(FoldingRange {
                start_line: a,
                end_line: b,
                kind: Some(FoldingRangeKind::Comment),
                ..FoldingRange::default()
            });
        }
    };
    for (span, ty) in scan(doc.text()) {
        if ty == 12 {
            let line = doc.lines.line(span.start as usize) as u32;
            let alone = doc.text()[doc.lines.line_start(line as usize)..span.start as usize]
                .trim()
                .is_empty();
            if alone {
                comments = match comments {
                    Some((a, b)) if b + 1 == line => Some((a, line)),
                    run => {
                        flush(run, &mut out);
                        Some((line, line))
                    }
                };
            }
        }
    }
    flush(comments, &mut out);
    // Braces outside strings and comments.
    let skipped = scan(doc.text());
    let text = doc.text().as_bytes();
    let mut k = 0;
    for (i, &c) in text.iter().enumerate() {
        while k < skipped.len() && skipped[k].0.end as usize <= i {
            k += 1;
        }
        let inside = skipped
            .get(k)
            .is_some_and(|(s, ty)| matches!(ty, 10 | 12) && s.start as usize <= i);
        if inside {
            continue;
        }
        match c {
            b'{' => open.push(doc.lines.line(i) as u32),
            b'}' => {
                if let Some(a) = open.pop() {
                    let b = doc.lines.line(i) as u32;
                    if b > a + 1 {
                        out.push(FoldingRange {
                            start_line: a,
                            end_line: b - 1,
                            kind: Some(FoldingRangeKind::Region),
                            ..FoldingRange::default()
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|f| (f.start_line, f.end_line));
    Ok(Some(out))
}
