//! `omnis graph`: a campaign's journey as a diagram, in Mermaid (renders in
//! GitHub Markdown, pull requests and wikis) or Graphviz DOT.
//!
//! What is drawn is the journey graph (`crate::graph`), one box per node:
//! - the start, with the trigger and the audience;
//! - every step with its parameters: `send` with the message and its
//!   channel, `wait` with its duration, `wait until`, `wait for` with what it
//!   waits for and for how long, `if`, `split`, `repeat`, `step`, `goto`,
//!   `exit`;
//! - the end of the journey, the goal and every `exit when` event. A dotted
//!   arrow `any time` goes from the start to the goal and to each exit:
//!   those events end the journey the moment they happen, at any step
//!   where time passes (it is grey when no step lets time pass).
//!
//! Edges carry what decides them: the condition of an `if` arm (its source
//! text, shortened), `else`, a split arm's name and weight, whether a
//! `wait for` saw its event or timed out, a `repeat`'s rounds, `goto`.
//!
//! Two findings are drawn too, because reviewers should see them in the
//! picture: steps no execution reaches are dashed and grey (and say
//! `unreachable`), sends that repeat a message already sent are red (and
//! say where it was sent first). They come from the analyses behind the
//! `unreachable-step` and `repeated-message` lints, and show what the
//! journey does whatever `@allow`s and `omnis.toml` levels say about
//! reporting it. Edges no execution takes are dashed and grey.
//!
//! Output is deterministic: nodes in source order, edges in graph order.
//! Node ids in the output are positional (`n0`, `n1`, ...); each box starts
//! with the step's structural id (`send-cart_reminder`, `if.then.wait`),
//! the one `omnis diff` and plans use.
//!
//! Several campaigns: Mermaid gives a Markdown document with a heading and
//! a ```` ```mermaid ```` block per campaign (GitHub renders each); DOT
//! gives one `digraph` with one cluster per campaign (one picture).

use std::fmt::Write as _;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::driver::Analysis;
use crate::graph::{Edge, Journey, NodeKind};
use crate::lints::repeated_message;
use crate::lints::unreachable_step;
use crate::lints::LintContext;
use crate::model::{CampaignId, Cond, Loc, Trigger, WaitOn};
use crate::units::{duration, percent, time_of_day};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Mermaid,
    Dot,
}

/// The longest label line (conditions and triggers are shortened to it).
const MAX_LINE: usize = 48;

/// A diagram, independent of the output syntax.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagram {
    pub campaign: String,
    pub nodes: Vec<DNode>,
    pub edges: Vec<DEdge>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Start,
    Send,
    Wait,
    WaitFor,
    If,
    Split,
    Repeat,
    Step,
    Goto,
    /// An `exit` step.
    Exit,
    /// The end of the journey.
    Stop,
    Goal,
    ExitEvent,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DNode {
    /// The journey graph's node index (output ids are `n{index}`).
    pub index: usize,
    /// Structural id (`send-cart_reminder`, `@goal`).
    pub id: String,
    /// Label lines, unescaped.
    pub lines: Vec<String>,
    pub shape: Shape,
    pub unreachable: bool,
    pub repeated: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeStyle {
    Normal,
    /// Back to the head of a `repeat`, or a `goto`.
    Back,
    /// A goal or exit event ends the journey while waiting.
    Ends,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DEdge {
    pub from: usize,
    pub to: usize,
    pub label: Option<String>,
    pub style: EdgeStyle,
    /// No execution takes it.
    pub dead: bool,
}

/// Why a diagram cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiagramError {
    /// `--campaign NAME` names no campaign; with the closest name.
    UnknownCampaign {
        name: String,
        suggestion: Option<String>,
    },
}

impl std::fmt::Display for DiagramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiagramError::UnknownCampaign { name, suggestion } => {
                write!(f, "there is no campaign `{name}` in the checked files")?;
                if let Some(s) = suggestion {
                    write!(f, " (did you mean `{s}`?)")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for DiagramError {}

/// The campaigns to draw: `only` by name (any campaign the checked files
/// see), else every campaign declared in the files named on the command
/// line, in source order. The analysis must be free of errors.
pub fn select(analysis: &Analysis, only: Option<&str>) -> Result<Vec<CampaignId>, DiagramError> {
    let program = &analysis.program;
    let all = (0..program.campaigns.len()).map(|i| CampaignId(i as u32));
    match only {
        Some(name) => all
            .clone()
            .find(|&c| program.campaign(c).name == name)
            .map(|c| vec![c])
            .ok_or_else(|| DiagramError::UnknownCampaign {
                name: name.to_string(),
                suggestion: crate::suggest::did_you_mean(
                    name,
                    program.campaigns.iter().map(|c| c.name.as_str()),
                )
                .map(str::to_string),
            }),
        None => {
            let mut ids: Vec<CampaignId> = all
                .filter(|&c| analysis.roots.contains(&program.campaign(c).loc.file))
                .collect();
            ids.sort_by_key(|&c| {
                let loc = program.campaign(c).loc;
                (analysis.sources.get(loc.file).name.clone(), loc.span.start)
            });
            Ok(ids)
        }
    }
}

/// Draws the selected campaigns (see [`select`]) in `format`.
pub fn render(
    analysis: &Analysis,
    only: Option<&str>,
    format: Format,
) -> Result<String, DiagramError> {
    let ids = select(analysis, only)?;
    let diagrams: Vec<Diagram> = ids.iter().map(|&c| build(analysis, c)).collect();
    Ok(match (format, only) {
        (Format::Mermaid, Some(_)) => diagrams.iter().map(mermaid).collect(),
        (Format::Mermaid, None) => mermaid_markdown(&diagrams),
        (Format::Dot, Some(_)) => diagrams.iter().map(dot).collect(),
        (Format::Dot, None) => dot_clusters(&diagrams),
    })
}

/// Collapses whitespace and shortens `s` to at most `max` characters.
pub fn shorten(s: &str, max: usize) -> String {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() <= max {
        return t;
    }
    let cut: String = t.chars().take(max.saturating_sub(3)).collect();
    format!("{}...", cut.trim_end())
}

struct Ctx<'a> {
    analysis: &'a Analysis,
}

impl Ctx<'_> {
    fn text(&self, loc: Loc) -> &str {
        self.analysis.sources.get(loc.file).slice(loc.span)
    }

    fn cond(&self, c: &Cond) -> String {
        shorten(self.text(c.loc), MAX_LINE)
    }

    fn message(&self, m: crate::model::MessageId) -> &str {
        &self.analysis.program.message(m).name
    }

    fn event(&self, e: crate::model::EventId) -> &str {
        &self.analysis.program.event(e).name
    }

    fn wait_on(&self, on: &WaitOn) -> String {
        match on {
            WaitOn::Event(e) => self.event(*e).to_string(),
            WaitOn::Opened(m) => format!("opened {}", self.message(*m)),
            WaitOn::Clicked(m) => format!("clicked {}", self.message(*m)),
        }
    }
}

/// Builds the diagram of one campaign. The analysis must be free of errors
/// (its journeys are lowered).
pub fn build(analysis: &Analysis, campaign: CampaignId) -> Diagram {
    let program = &analysis.program;
    let journey: &Journey = &analysis.journeys[campaign.index()];
    let c = program.campaign(campaign);
    let cx = LintContext::new(
        program,
        &analysis.journeys,
        &analysis.sources,
        &analysis.roots,
    );
    let ctx = Ctx { analysis };
    let g = &journey.graph;
    let unreachable = unreachable_step::unreachable_steps(&cx, journey);
    let live = &cx.reach(journey).live;
    let classes = repeated_message::content_classes(program);
    let repeats = repeated_message::find(journey, &classes, &|e| live[e.index()]);
    let mut repeated: Vec<Option<NodeIndex>> = vec![None; g.node_count()];
    for r in &repeats {
        repeated[r.second.index()].get_or_insert(r.first);
    }

    let mut nodes = Vec::new();
    for v in g.node_indices() {
        let node = &g[v];
        // The end of a journey that never ends by falling off its last step
        // (it always exits or loops) is left out.
        if v == journey.end && g.edges_directed(v, petgraph::Direction::Incoming).count() == 0 {
            continue;
        }
        let (shape, mut lines) = match &node.kind {
            NodeKind::Entry => {
                let mut lines = vec![c.name.clone()];
                let trigger = match &c.trigger {
                    Trigger::Event { event, filter } => {
                        if let Some(f) = filter {
                            lines.push(format!("on {}", ctx.event(*event)));
                            format!("where {}", ctx.text(f.loc))
                        } else {
                            format!("on {}", ctx.event(*event))
                        }
                    }
                    Trigger::Enters(s) => format!("enters {}", program.segment(*s).name),
                    Trigger::Daily { minutes } => format!("daily at {}", time_of_day(*minutes)),
                    Trigger::Weekly { weekday, minutes } => {
                        format!(
                            "weekly on {} at {}",
                            weekday.as_str(),
                            time_of_day(*minutes)
                        )
                    }
                    Trigger::Once { date, minutes } => {
                        format!("once at {date} {}", time_of_day(*minutes))
                    }
                };
                lines.push(shorten(&trigger, MAX_LINE));
                if let Some(a) = &c.audience {
                    lines.push(format!("audience {}", ctx.cond(a)));
                }
                (Shape::Start, lines)
            }
            NodeKind::Send(m) => {
                let msg = program.message(*m);
                (
                    Shape::Send,
                    vec![
                        format!("send {}", msg.name),
                        format!("via {}", program.channel(msg.channel).name),
                    ],
                )
            }
            NodeKind::Wait { seconds } => {
                (Shape::Wait, vec![format!("wait {}", duration(*seconds))])
            }
            NodeKind::WaitUntil { weekday, minutes } => {
                let day = weekday
                    .map(|w| format!("{} ", w.as_str()))
                    .unwrap_or_default();
                (
                    Shape::Wait,
                    vec![format!("wait until {day}{}", time_of_day(*minutes))],
                )
            }
            NodeKind::WaitFor { on, filter, within } => {
                let mut lines = vec![format!("wait for {}", ctx.wait_on(on))];
                if let Some(f) = filter {
                    lines.push(format!("where {}", ctx.cond(f)));
                }
                lines.push(format!("within {}", duration(*within)));
                (Shape::WaitFor, lines)
            }
            NodeKind::Branch { .. } => (Shape::If, vec!["if".to_string()]),
            NodeKind::Split => (Shape::Split, vec!["split".to_string()]),
            NodeKind::Repeat { times } => (
                Shape::Repeat,
                vec![format!(
                    "repeat {times} {}",
                    if *times == 1 { "time" } else { "times" }
                )],
            ),
            NodeKind::Named { name } => (Shape::Step, vec![format!("step {name}")]),
            NodeKind::Goto { target } => (Shape::Goto, vec![format!("goto {target}")]),
            NodeKind::Exit => (Shape::Exit, vec!["exit".to_string()]),
            NodeKind::End => (Shape::Stop, vec!["end".to_string()]),
            NodeKind::Goal(e) => (Shape::Goal, vec![format!("goal {}", ctx.event(*e))]),
            NodeKind::ExitEvent(e) => (
                Shape::ExitEvent,
                vec![format!("exit when {}", ctx.event(*e))],
            ),
        };
        // The structural id first (a `step NAME` is its own id).
        if node.kind.is_step() && !matches!(node.kind, NodeKind::Named { .. }) {
            lines.insert(0, node.id.clone());
        }
        let is_unreachable = unreachable[v.index()];
        if is_unreachable {
            lines.push("(unreachable)".to_string());
        }
        // A repeat is only worth showing where people get.
        let first = repeated[v.index()].filter(|_| !is_unreachable);
        let is_repeated = first.is_some();
        if let Some(first) = first {
            let note = match (&g[first].kind, &node.kind) {
                _ if first == v => "(repeated: sent again on a later round)".to_string(),
                (NodeKind::Send(a), NodeKind::Send(b)) if a != b => format!(
                    "(repeated: same content as {} at {})",
                    ctx.message(*a),
                    g[first].id
                ),
                _ => format!("(repeated: already sent at {})", g[first].id),
            };
            lines.push(note);
        }
        nodes.push(DNode {
            index: v.index(),
            id: node.id.clone(),
            lines,
            shape,
            unreachable: is_unreachable,
            repeated: is_repeated,
        });
    }

    let mut edges = Vec::new();
    // Goal and exit events end the journey at any step where time passes:
    // one dotted edge from the start each, live when some such step is.
    for end in journey.goal.iter().chain(&journey.exits) {
        let dead = !g
            .edges_directed(*end, petgraph::Direction::Incoming)
            .any(|e| live[e.id().index()] && !unreachable[e.source().index()]);
        edges.push(DEdge {
            from: journey.entry.index(),
            to: end.index(),
            label: Some("any time".to_string()),
            style: EdgeStyle::Ends,
            dead,
        });
    }
    for e in g.edge_references() {
        if matches!(e.weight(), Edge::Ends(_)) {
            continue;
        }
        let (from, to) = (e.source(), e.target());
        let back = journey.is_repeat_back_edge(e.id());
        let (label, style) = match e.weight() {
            Edge::Next => (None, EdgeStyle::Normal),
            Edge::If(i) => {
                let NodeKind::Branch { conds } = &g[from].kind else {
                    unreachable!("if edges leave branches")
                };
                let word = if *i == 0 { "if" } else { "else if" };
                (
                    Some(format!("{word} {}", ctx.cond(&conds[*i]))),
                    EdgeStyle::Normal,
                )
            }
            Edge::Else => (Some("else".to_string()), EdgeStyle::Normal),
            Edge::Arm {
                index,
                name,
                weight,
            } => {
                let name = name.clone().unwrap_or_else(|| format!("arm {}", index + 1));
                (
                    Some(format!("{name} {}", percent(*weight))),
                    EdgeStyle::Normal,
                )
            }
            Edge::Matched => {
                let what = match &g[from].kind {
                    NodeKind::WaitFor { on, .. } => ctx.wait_on(on),
                    _ => "event".to_string(),
                };
                (Some(shorten(&what, MAX_LINE)), EdgeStyle::Normal)
            }
            Edge::Timeout => (Some("timed out".to_string()), EdgeStyle::Normal),
            Edge::Body => (Some("each round".to_string()), EdgeStyle::Normal),
            Edge::Done => (Some("done".to_string()), EdgeStyle::Normal),
            Edge::Jump => (Some("goto".to_string()), EdgeStyle::Back),
            Edge::Ends(_) => unreachable!("drawn from the start"),
        };
        let (label, style) = if back && !matches!(e.weight(), Edge::Body) {
            (Some("next round".to_string()), EdgeStyle::Back)
        } else {
            (label, style)
        };
        let dead = !live[e.id().index()] || unreachable[from.index()] || unreachable[to.index()];
        edges.push(DEdge {
            from: from.index(),
            to: to.index(),
            label,
            style,
            dead,
        });
    }
    Diagram {
        campaign: c.name.clone(),
        nodes,
        edges,
    }
}

// ---------------------------------------------------------------- Mermaid

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
            Shape::Exit | Shape::Stop | Shape::ExitEvent => ("((\"", "\"))"),
            Shape::Goal => ("(((\"", "\")))"),
        };
        let _ = writeln!(out, "    n{}{open}{label}{close}", n.index);
    }
    let mut dead = Vec::new();
    for (i, e) in d.edges.iter().enumerate() {
        let arrow = match e.style {
            EdgeStyle::Normal => "-->",
            EdgeStyle::Back | EdgeStyle::Ends => "-.->",
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

// -------------------------------------------------------------------- DOT

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
            Shape::Stop => ("doublecircle", vec![]),
            Shape::Goal => ("doubleoctagon", vec![]),
            Shape::Exit | Shape::ExitEvent => ("octagon", vec![]),
        };
        let mut attrs = format!("label=\"{label}\", shape={shape}");
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

const DOT_DEFAULTS: &str = "    node [fontname=\"Helvetica\", fontsize=11];\n    edge [fontname=\"Helvetica\", fontsize=10];\n";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_mermaid_labels() {
        assert_eq!(
            mermaid_escape("a \"b\" <c> #d & e|f `g`\nh"),
            "a #quot;b#quot; #lt;c#gt; #35;d #amp; e#124;f #96;g#96;<br/>h"
        );
        assert_eq!(mermaid_escape("[x] {y} (z)"), "[x] {y} (z)");
    }

    #[test]
    fn escapes_dot_labels() {
        assert_eq!(dot_escape("a \"b\" \\l\nc\t"), "a \\\"b\\\" \\\\l\\nc ");
    }

    #[test]
    fn shortens_and_formats_weights() {
        assert_eq!(shorten("a   b\n c", 10), "a b c");
        assert_eq!(shorten("abcdefghijklmnop", 10), "abcdefg...");
    }
}
