//! Hover: what a name stands for, from the checked program (an
//! attribute's type, a segment's condition with the segments it uses
//! expanded, an event's fields, a channel's consent, a message's channel,
//! template and vars, a step's earliest and latest time after entry), and
//! the one-line explanation of a diagnostic code (in `@allow(...)`, or
//! under a diagnostic).

use std::collections::BTreeSet;
use std::fmt::Write;

use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use super::text::word_at;
use super::{at, Doc, Reply};
use crate::model::{Program, SegmentId, VarValue};
use crate::symbols::Target;

pub fn hover(ws: &mut super::Workspace, p: HoverParams) -> Reply<Option<Hover>> {
    let (doc, offset) = at(ws, &p.text_document_position_params)?;
    let program = &doc.checked.analysis.program;
    let symbols = &program.symbols;
    let mut text = String::new();
    let mut range = None;
    if let Some(s) = symbols.symbol_at(doc.file, offset) {
        text = describe(&doc, symbols.definition(s).target);
        range = symbols
            .occurrences(s)
            .into_iter()
            .find(|&(f, sp)| {
                f == doc.file && sp.start as usize <= offset && offset <= sp.end as usize
            })
            .map(|(_, sp)| doc.lines.range(sp));
    } else if let Some(w) = code_word(doc.text(), offset) {
        if let Some(info) = crate::codes::lookup(&doc.text()[w.range()]) {
            text = format!("`{}`: {}", info.code.as_str(), info.summary);
            range = Some(doc.lines.range(w));
        }
    }
    // The codes of the diagnostics under the cursor.
    for d in &doc.checked.analysis.diagnostics {
        let here =
            d.file == doc.file && d.span.start as usize <= offset && offset <= d.span.end as usize;
        if let (true, Some(info)) = (here, d.code.info()) {
            let line = format!("`{}`: {}", info.code.as_str(), info.summary);
            if !text.contains(&line) {
                if !text.is_empty() {
                    text.push_str("\n\n---\n\n");
                }
                text.push_str(&line);
            }
        }
    }
    if text.is_empty() {
        return Ok(None);
    }
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range,
    }))
}

/// The kebab-case word (a diagnostic code) around `offset`.
fn code_word(text: &str, offset: usize) -> Option<crate::source::Span> {
    let w = word_at(text, offset)?;
    let b = text.as_bytes();
    let (mut start, mut end) = (w.start as usize, w.end as usize);
    let part = |c: u8| c.is_ascii_lowercase() || c == b'-';
    while start > 0 && part(b[start - 1]) {
        start -= 1;
    }
    while end < b.len() && part(b[end]) {
        end += 1;
    }
    Some(crate::source::Span::new(start, end))
}

fn code_block(text: &str) -> String {
    format!("```omni\n{text}\n```")
}

/// What a symbol stands for, in Markdown.
fn describe(doc: &Doc, target: Target) -> String {
    let program = &doc.checked.analysis.program;
    let sources = &doc.checked.analysis.sources;
    match target {
        Target::File(f) => format!("file `{}`", sources.get(f).name),
        Target::Attribute(a) => {
            let a = program.attr(a);
            format!(
                "{}\n\nprofile attribute",
                code_block(&format!("{}: {}", a.name, a.ty.describe()))
            )
        }
        Target::Segment(s) => segment(doc, s),
        Target::Event(e) => {
            let e = program.event(e);
            let fields: Vec<String> = (e.fields.iter())
                .map(|f| format!("{}: {}", f.name, f.ty.describe()))
                .collect();
            code_block(&format!("event {} {{ {} }}", e.name, fields.join(", ")))
        }
        Target::Field(e, i) => {
            let e = program.event(e);
            match e.fields.get(i as usize) {
                Some(f) => format!(
                    "{}\n\nfield of event `{}`",
                    code_block(&format!("{}.{}: {}", e.name, f.name, f.ty.describe())),
                    e.name
                ),
                None => String::new(),
            }
        }
        Target::Channel(c) => {
            let c = program.channel(c);
            let mut s = code_block(&format!("channel {}", c.name));
            let _ = write!(s, "\n\nkind `{}`", c.kind);
            match c.consent {
                Some(a) => {
                    let _ = write!(s, ", consent `{}`", program.attr(a).name);
                }
                None => s.push_str(", no consent attribute"),
            }
            if let Some((from, to)) = c.quiet_hours {
                let hm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
                let _ = write!(s, ", quiet hours {} to {}", hm(from), hm(to));
            }
            for l in &c.limits {
                let _ = write!(
                    s,
                    ", limit {} per {}",
                    l.count,
                    crate::words::duration(l.per_seconds)
                );
            }
            s
        }
        Target::Message(m) => {
            let m = program.message(m);
            let mut s = code_block(&format!("message {}", m.name));
            let _ = write!(
                s,
                "\n\nchannel `{}`, template `{}`",
                program.channel(m.channel).name,
                m.template
            );
            if let Some(subject) = &m.subject {
                let _ = write!(s, ", subject {subject:?}");
            }
            if !m.vars.is_empty() {
                let vars: Vec<String> = (m.vars.iter())
                    .map(|(k, v)| match v {
                        VarValue::Text(t) => format!("{k}: {t:?}"),
                        VarValue::Number(n) => format!("{k}: {n}"),
                        VarValue::Bool(b) => format!("{k}: {b}"),
                    })
                    .collect();
                let _ = write!(s, "\n\nvars: {}", vars.join(", "));
            }
            if let Some(d) = &m.description {
                let _ = write!(s, "\n\n{d}");
            }
            s
        }
        Target::Campaign(c) => {
            let c = program.campaign(c);
            let mut s = code_block(&format!("campaign {}", c.name));
            if let Some(d) = &c.description {
                let _ = write!(s, "\n\n{d}");
            }
            s
        }
        Target::Step(c, i) => step(doc, c, i),
    }
}

/// A segment's condition as written, and those of the segments it uses,
/// each once.
fn segment(doc: &Doc, id: SegmentId) -> String {
    let program = &doc.checked.analysis.program;
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut todo = vec![id];
    while let Some(s) = todo.pop() {
        if !seen.insert(s) || out.len() >= 20 {
            continue;
        }
        let seg = program.segment(s);
        let loc = seg.cond.loc;
        let text = doc.checked.analysis.sources.get(loc.file).slice(loc.span);
        out.push(format!("segment {} = {}", seg.name, text.trim()));
        todo.extend(uses(program, loc.file, loc.span).into_iter().rev());
    }
    let mut s = code_block(&out[0]);
    if out.len() > 1 {
        s.push_str("\n\nwhere\n\n");
        s.push_str(&code_block(&out[1..].join("\n")));
    }
    s
}

/// The segments named inside `span` of `file`, in order.
fn uses(
    program: &Program,
    file: crate::source::FileId,
    span: crate::source::Span,
) -> Vec<SegmentId> {
    let symbols = &program.symbols;
    symbols
        .all_references()
        .iter()
        .filter(|r| r.file == file && span.start <= r.span.start && r.span.end <= span.end)
        .filter_map(|r| match symbols.definition(r.symbol).target {
            Target::Segment(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// A named step: its campaign, and when a person can reach it.
fn step(doc: &Doc, campaign: crate::model::CampaignId, index: u32) -> String {
    let analysis = &doc.checked.analysis;
    let program = &analysis.program;
    let c = program.campaign(campaign);
    let Some(def) = program.symbols.symbol(Target::Step(campaign, index)) else {
        return String::new();
    };
    let name = &program.symbols.definition(def).name;
    let mut s = code_block(&format!("step {name}"));
    let _ = write!(s, "\n\nin campaign `{}`", c.name);
    let Some(journey) = analysis.journey(campaign) else {
        s.push_str("\n\n(timing shows once the campaign's files have no errors)");
        return s;
    };
    let node = journey.step_nodes().find(|&n| {
        matches!(&journey.graph[n].kind, crate::graph::NodeKind::Named { name: n } if n == name)
    });
    let timing = crate::analysis::timing::analyze(program, journey);
    match node.and_then(|n| timing.arrival(n)) {
        Some(a) => {
            let latest = match a.latest {
                Some(l) => crate::words::duration_words(l),
                None => "unbounded".to_string(),
            };
            let _ = write!(
                s,
                "\n\nreached at the earliest {} after entry, at the latest {}",
                crate::words::duration_words(a.earliest),
                latest
            );
        }
        None => s.push_str("\n\nno path from entry reaches it"),
    }
    s
}
