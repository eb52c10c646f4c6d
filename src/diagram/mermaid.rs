//! Diagrams as Mermaid flowcharts: GitHub renders them in Markdown, pull
//! requests and wikis.

use std::fmt::Write as _;

use super::{Diagram, EdgeStyle, Shape};

/// Escapes text for a quoted Mermaid label (`n1["..."]`, `-->|"..."|`).
/// Mermaid reads `#name;` and `#NNN;` entity codes in labels.
pub fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' => out.push_str("<br/>"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn mermaid_label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| mermaid_escape(l))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// One flowchart (no Markdown fences).
pub fn mermaid(d: &Diagram) -> String {
    let mut out = String::from("flowchart TD\n");
    for n in &d.nodes {
        let label = mermaid_label(&n.lines);
        let (open, close) = match n.shape {
            Shape::Start => ("([\"", "\"])"),
            Shape::Send => ("[\"", "\"]"),
            Shape::Wait | Shape::Goto => ("(\"", "\")"),
            Shape::WaitFor => ("{{\"", "\"}}"),
            Shape::If => ("{\"", "\"}"),
            Shape::Split => ("[/\"", "\"\\]"),
            Shape::Repeat | Shape::Step => ("[[\"", "\"]]"),
            Shape::Action => ("[/\"", "\"/]"),
            Shape::Exit | Shape::Stop | Shape::ExitEvent => ("((\"", "\"))"),
            Shape::Goal => ("(((\"", "\")))"),
        };
        let _ = writeln!(out, "    %% n{}: {}", n.index, comment_text(&n.id));
        let _ = writeln!(out, "    n{}{open}{label}{close}", n.index);
    }
    let mut dead = Vec::new();
    for (i, e) in d.edges.iter().enumerate() {
        let arrow = match e.style {
            EdgeStyle::Normal => "-->",
            EdgeStyle::Back | EdgeStyle::Ends => "-.->",
            EdgeStyle::Together => "-.-",
        };
        let label = e
            .label
            .as_ref()
            .map(|l| format!("|\"{}\"|", mermaid_escape(l)))
            .unwrap_or_default();
        let _ = writeln!(out, "    n{} {arrow}{label} n{}", e.from, e.to);
        if e.dead {
            dead.push(i.to_string());
        }
    }
    let unreachable: Vec<String> = d
        .nodes
        .iter()
        .filter(|n| n.unreachable)
        .map(|n| format!("n{}", n.index))
        .collect();
    let repeated: Vec<String> = d
        .nodes
        .iter()
        .filter(|n| n.repeated)
        .map(|n| format!("n{}", n.index))
        .collect();
    if !unreachable.is_empty() {
        out.push_str(
            "    classDef unreachable fill:#f4f4f4,stroke:#999,stroke-dasharray:5 5,color:#888\n",
        );
        let _ = writeln!(out, "    class {} unreachable", unreachable.join(","));
    }
    if !repeated.is_empty() {
        out.push_str("    classDef repeated fill:#fdecea,stroke:#c62828,stroke-width:2px\n");
        let _ = writeln!(out, "    class {} repeated", repeated.join(","));
    }
    if !dead.is_empty() {
        let _ = writeln!(
            out,
            "    linkStyle {} stroke:#aaa,stroke-dasharray:4 4",
            dead.join(",")
        );
    }
    out
}

/// A node id in a `%%` comment: on one line.
fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// One flowchart with the campaign's name as its title (front matter).
pub fn mermaid_titled(d: &Diagram) -> String {
    format!(
        "---\ntitle: \"{}\"\n---\n{}",
        d.campaign.replace(['"', '\\'], ""),
        mermaid(d)
    )
}

/// Markdown with a heading and a fenced flowchart per campaign.
pub fn mermaid_markdown(ds: &[Diagram]) -> String {
    let mut out = String::new();
    for (i, d) in ds.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "### `{}`\n", d.campaign);
        out.push_str("```mermaid\n");
        out.push_str(&mermaid(d));
        out.push_str("```\n");
    }
    out
}
