//! Diagrams in Graphviz DOT (`dot -Tsvg`, `dot -Tpng`).

use std::fmt::Write as _;

use super::{Diagram, EdgeStyle, Shape};

/// Escapes text for a double-quoted DOT string (`\n` breaks lines).
pub fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn dot_body(d: &Diagram, prefix: &str, indent: &str, out: &mut String) {
    for n in &d.nodes {
        let label = n
            .lines
            .iter()
            .map(|l| dot_escape(l))
            .collect::<Vec<_>>()
            .join("\\n");
        let (shape, mut style): (&str, Vec<&str>) = match n.shape {
            Shape::Start => ("oval", vec![]),
            Shape::Send => ("box", vec![]),
            Shape::Wait | Shape::Goto => ("box", vec!["rounded"]),
            Shape::WaitFor => ("hexagon", vec![]),
            Shape::If => ("diamond", vec![]),
            Shape::Split => ("trapezium", vec![]),
            Shape::Repeat => ("box", vec!["bold"]),
            Shape::Step => ("cds", vec![]),
            Shape::Action => ("parallelogram", vec![]),
            Shape::Stop => ("doublecircle", vec![]),
            Shape::Goal => ("doubleoctagon", vec![]),
            Shape::Exit | Shape::ExitEvent => ("octagon", vec![]),
        };
        let mut attrs = format!(
            "label=\"{label}\", tooltip=\"{}\", shape={shape}",
            dot_escape(&n.id)
        );
        if n.unreachable {
            style.push("dashed");
            style.push("filled");
            attrs.push_str(", color=\"#999999\", fontcolor=\"#888888\", fillcolor=\"#f4f4f4\"");
        } else if n.repeated {
            style.push("filled");
            attrs.push_str(", color=\"#c62828\", penwidth=2, fillcolor=\"#fdecea\"");
        }
        if !style.is_empty() {
            let _ = write!(attrs, ", style=\"{}\"", style.join(","));
        }
        let _ = writeln!(out, "{indent}{prefix}n{} [{attrs}];", n.index);
    }
    for e in &d.edges {
        let mut attrs = Vec::new();
        if let Some(l) = &e.label {
            attrs.push(format!("label=\"{}\"", dot_escape(l)));
        }
        match e.style {
            EdgeStyle::Normal => {}
            EdgeStyle::Back => attrs.push("style=dashed".into()),
            EdgeStyle::Ends => attrs.push("style=dotted, arrowhead=empty".into()),
            EdgeStyle::Together => attrs.push("style=dotted, dir=none".into()),
        }
        if e.dead {
            if e.style == EdgeStyle::Normal {
                attrs.push("style=dashed".into());
            }
            attrs.push("color=\"#aaaaaa\", fontcolor=\"#888888\"".into());
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(
            out,
            "{indent}{prefix}n{} -> {prefix}n{}{attrs};",
            e.from, e.to
        );
    }
}

const DOT_DEFAULTS: &str = "    graph [fontname=\"Helvetica\", fontsize=14];\n    node [fontname=\"Helvetica\", fontsize=11];\n    edge [fontname=\"Helvetica\", fontsize=10];\n";

/// One `digraph`.
pub fn dot(d: &Diagram) -> String {
    let mut out = format!("digraph \"{}\" {{\n", dot_escape(&d.campaign));
    let _ = writeln!(
        out,
        "    label=\"{}\";\n    labelloc=t;",
        dot_escape(&d.campaign)
    );
    out.push_str(DOT_DEFAULTS);
    dot_body(d, "", "    ", &mut out);
    out.push_str("}\n");
    out
}

/// One `digraph` with a cluster per campaign.
pub fn dot_clusters(ds: &[Diagram]) -> String {
    let mut out = String::from("digraph omnis {\n");
    out.push_str(DOT_DEFAULTS);
    for (i, d) in ds.iter().enumerate() {
        let _ = writeln!(
            out,
            "    subgraph cluster_{i} {{\n        label=\"{}\";",
            dot_escape(&d.campaign)
        );
        dot_body(d, &format!("c{i}_"), "        ", &mut out);
        out.push_str("    }\n");
    }
    out.push_str("}\n");
    out
}
