//! `omnis graph`: a campaign's journey as a diagram, in Mermaid (renders in
//! GitHub Markdown, pull requests and wikis) or Graphviz DOT.
//!
//! What is drawn is the journey graph (`crate::graph`), one box per node,
//! labelled the way a marketer would say it:
//! - the start: the trigger (`On cart_abandoned`, `where ...`, `Every day
//!   at 09:00`) and the audience;
//! - every step with its parameters: `Send cart_reminder · email`, `Wait 1
//!   day`, `Wait until Monday 09:00`, `Wait for a click on coupon`, `up to 3
//!   days`, `If textable`, `Split`, `Repeat 3 times`, `Step remind`, `Go to
//!   remind`, `Exit`;
//! - the end of the journey, the goal and every `exit when` event. A dotted
//!   arrow `any time` goes from the start to the goal and to each exit:
//!   those events end the journey the moment they happen, at any step
//!   where time passes (it is grey when no step lets time pass).
//!
//! Edges carry what decides them: `yes` and `no` out of an `if` (`else if
//! CONDITION` and `else` when it has several arms), a split arm's name and
//! weight, what a `wait for` saw or `not within 3 days`, a `repeat`'s
//! rounds, `go to`.
//!
//! Two findings are drawn too, because reviewers should see them in the
//! picture: steps no execution reaches are dashed and grey (`never
//! reached`), sends that repeat a message already sent are red (and say on
//! which line it was sent first). They come from the analyses behind the
//! `unreachable-step` and `repeated-message` lints. A repeat that is
//! silenced (an `@allow(repeated-message)` on the send or around it, or the
//! lint set to `allow` in `omnis.toml`) is intended, and drawn as a plain
//! send. Edges no execution takes are dashed and grey.
//!
//! Output is deterministic: nodes in source order, edges in graph order.
//! Node ids in the output are positional (`n0`, `n1`, ...). The structural
//! id of each step (`send-cart_reminder`, `if.then.wait`: the one `omnis
//! diff` and plans use) is kept out of the boxes: it is the node's tooltip
//! in DOT (and SVG), and a `%%` comment before the node in Mermaid.
//!
//! Several campaigns: Mermaid gives a Markdown document with a heading and
//! a ```` ```mermaid ```` block per campaign (GitHub renders each); DOT
//! gives one `digraph` with one cluster per campaign (one picture). One
//! campaign (`--campaign NAME`): a bare flowchart titled with its name.
//! How the campaigns relate (`--overview`): one diagram, see [`overview()`].

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::analysis::content::{content_classes, repeated_sends_on_paths};
use crate::driver::Analysis;
use crate::graph::{Edge, Journey, NodeKind};
use crate::lints::repeated_message;
use crate::lints::LintContext;
use crate::model::{CampaignId, Cond, Loc, Trigger, WaitOn};
pub use crate::words::duration_words;
use crate::words::{percent, time_of_day};

mod dot;
mod mermaid;
mod overview;

pub use dot::{dot, dot_clusters, dot_escape};
pub use mermaid::{mermaid, mermaid_escape, mermaid_markdown, mermaid_titled};
pub use overview::{overview, render_overview};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Mermaid,
    Dot,
}

/// The longest label line: conditions in boxes are wrapped to it, on edges
/// shortened to it.
const MAX_LINE: usize = 48;
/// The most lines a condition in a box is wrapped to.
const MAX_COND_LINES: usize = 3;

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
    /// A step shown as written (`set`, `unset`, and a step kind without
    /// a shape of its own).
    Action,
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
    /// Structural id (`send-cart_reminder`, `@goal`): a tooltip, not a
    /// label.
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
    /// Two campaigns that can run together for one person (overview; no
    /// direction).
    Together,
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
    /// `--campaign NAME` names no campaign; with the closest name, and the
    /// names there are (sorted).
    UnknownCampaign {
        name: String,
        suggestion: Option<String>,
        campaigns: Vec<String>,
    },
}

impl std::fmt::Display for DiagramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiagramError::UnknownCampaign {
                name,
                suggestion,
                campaigns,
            } => {
                write!(f, "there is no campaign `{name}` in the checked files")?;
                if let Some(s) = suggestion {
                    return write!(f, " (did you mean `{s}`?)");
                }
                const SHOWN: usize = 10;
                match campaigns.len() {
                    0 => write!(f, ", which declare none"),
                    n => {
                        let names: Vec<String> = campaigns
                            .iter()
                            .take(SHOWN)
                            .map(|c| format!("`{c}`"))
                            .collect();
                        write!(f, "; they declare {}", names.join(", "))?;
                        if n > SHOWN {
                            write!(f, " and {} more", n - SHOWN)?;
                        }
                        Ok(())
                    }
                }
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
            .ok_or_else(|| {
                let mut campaigns: Vec<String> =
                    program.campaigns.iter().map(|c| c.name.clone()).collect();
                campaigns.sort();
                DiagramError::UnknownCampaign {
                    name: name.to_string(),
                    suggestion: crate::suggest::did_you_mean(
                        name,
                        campaigns.iter().map(String::as_str),
                    )
                    .map(str::to_string),
                    campaigns,
                }
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
        (Format::Mermaid, Some(_)) => diagrams.iter().map(mermaid_titled).collect(),
        (Format::Mermaid, None) => mermaid_markdown(&diagrams),
        (Format::Dot, Some(_)) => diagrams.iter().map(dot).collect(),
        (Format::Dot, None) => dot_clusters(&diagrams),
    })
}

/// `prefix` and `s` (whitespace collapsed) on lines of at most `max`
/// characters, broken between words; past `max_lines` lines the last one is
/// shortened.
/// `word` with its first letter in upper case.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

pub fn wrap(prefix: &str, s: &str, max: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = prefix.trim_end().to_string();
    for word in s.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    if lines.len() > max_lines {
        let rest = lines.split_off(max_lines - 1).join(" ");
        let cut: String = rest.chars().take(max.saturating_sub(3)).collect();
        lines.push(format!("{}...", cut.trim_end()));
    }
    lines
        .into_iter()
        .map(|l| {
            if l.chars().count() > max {
                shorten(&l, max)
            } else {
                l
            }
        })
        .collect()
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

    /// A condition on one line, shortened (for edges).
    fn cond(&self, c: &Cond) -> String {
        shorten(self.text(c.loc), MAX_LINE)
    }

    /// `prefix` and a condition on as many lines as it needs (for boxes).
    fn cond_lines(&self, prefix: &str, loc: Loc) -> Vec<String> {
        wrap(prefix, self.text(loc), MAX_LINE, MAX_COND_LINES)
    }

    fn message(&self, m: crate::model::MessageId) -> &str {
        &self.analysis.program.message(m).name
    }

    fn event(&self, e: crate::model::EventId) -> &str {
        &self.analysis.program.event(e).name
    }

    /// What a `wait for` waits for, as the object of "Wait for".
    fn wait_on(&self, on: &WaitOn) -> String {
        match on {
            WaitOn::Event(e) => self.event(*e).to_string(),
            WaitOn::Opened(m) => format!("an open of {}", self.message(*m)),
            WaitOn::Clicked(m) => format!("a click on {}", self.message(*m)),
        }
    }

    /// What happened when a `wait for` matched: its edge.
    fn wait_matched(&self, on: &WaitOn) -> String {
        match on {
            WaitOn::Event(e) => self.event(*e).to_string(),
            WaitOn::Opened(_) => "opened".to_string(),
            WaitOn::Clicked(_) => "clicked".to_string(),
        }
    }

    /// `line N` of a node's step.
    fn line(&self, loc: Loc) -> usize {
        let f = self.analysis.sources.get(loc.file);
        f.line_col(loc.span.start as usize).line
    }
}

/// How a campaign starts, in words: `On cart_abandoned`, `Every day at
/// 09:00`, `On entering vip`.
pub fn trigger_words(program: &crate::model::Program, trigger: &Trigger) -> String {
    match trigger {
        Trigger::Event { event, .. } => format!("On {}", program.event(*event).name),
        Trigger::Enters(s) => format!("On entering {}", program.segment(*s).name),
        Trigger::Daily { minutes } => format!("Every day at {}", time_of_day(*minutes)),
        Trigger::Weekly { weekday, minutes } => {
            format!("Every {} at {}", weekday.full_name(), time_of_day(*minutes))
        }
        Trigger::Once { date, minutes } => {
            format!("Once, on {date} at {}", time_of_day(*minutes))
        }
        Trigger::Date {
            attr,
            offset_days,
            minutes,
            yearly,
        } => format!(
            "{}{}{} at {}",
            if *yearly { "Every year, " } else { "" },
            crate::words::day_offset(*offset_days),
            program.attr(*attr).name,
            time_of_day(*minutes)
        ),
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
    let repeat_reported = analysis
        .config
        .lints
        .severity(
            repeated_message::CODE.as_str(),
            crate::diagnostic::Severity::Warning,
        )
        .is_some();
    let repeat_allowed = |node: &crate::graph::Node| {
        !repeat_reported || node.allows.allows(repeated_message::CODE.as_str())
    };
    let unreachable = cx.unreachable_steps(journey);
    let live = &cx.reach(journey).live;
    let classes = content_classes(program);
    let repeats = repeated_sends_on_paths(journey, cx.reach(journey), cx.flow(journey), &classes);
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
                let mut lines = vec![shorten(&trigger_words(program, &c.trigger), MAX_LINE)];
                if let Trigger::Event {
                    filter: Some(f), ..
                } = &c.trigger
                {
                    lines.extend(ctx.cond_lines("where", f.loc));
                }
                if let Some(a) = &c.audience {
                    lines.extend(ctx.cond_lines("Audience:", a.loc));
                }
                for u in &c.exit_unless {
                    lines.extend(ctx.cond_lines("Exit unless", u.loc));
                }
                (Shape::Start, lines)
            }
            NodeKind::Send(m) => {
                let msg = program.message(*m);
                let channel = &program.channel(msg.channel).name;
                (Shape::Send, vec![format!("Send {} · {channel}", msg.name)])
            }
            NodeKind::Delay(d) => (Shape::Wait, vec![d.label()]),
            NodeKind::WaitFor { on, filter, within } => {
                let mut lines = vec![format!("Wait for {}", ctx.wait_on(on))];
                if let Some(f) = filter {
                    lines.extend(ctx.cond_lines("where", f.loc));
                }
                lines.push(format!("up to {}", duration_words(*within)));
                (Shape::WaitFor, lines)
            }
            NodeKind::WaitAny { within, .. } => (
                Shape::WaitFor,
                vec![
                    "Wait for the first of".to_string(),
                    format!("up to {}", duration_words(*within)),
                ],
            ),
            NodeKind::Branch { conds } => {
                let lines = match conds.first() {
                    Some(c) => ctx.cond_lines("If", c.loc),
                    None => vec!["If".to_string()],
                };
                (Shape::If, lines)
            }
            NodeKind::Split => (Shape::Split, vec!["Split".to_string()]),
            NodeKind::Repeat { times } => (
                Shape::Repeat,
                vec![format!(
                    "Repeat {times} {}",
                    if *times == 1 { "time" } else { "times" }
                )],
            ),
            NodeKind::Named { name } => (Shape::Step, vec![format!("Step {name}")]),
            NodeKind::Goto { target } => (Shape::Goto, vec![format!("Go to {target}")]),
            NodeKind::Exit => (Shape::Exit, vec!["Exit".to_string()]),
            NodeKind::End => (Shape::Stop, vec!["End".to_string()]),
            NodeKind::Goal(e) => (Shape::Goal, vec![format!("Goal: {}", ctx.event(*e))]),
            NodeKind::ExitEvent(e) => (
                Shape::ExitEvent,
                vec![format!("Exit when {}", ctx.event(*e))],
            ),
            // Any other step (`set`, `unset`, a new kind) as written, its
            // keyword capitalized: `Set plan = "pro"`, `Unset plan`.
            _ => {
                let head = program.steps.head(node.loc);
                let text = ctx.text(Loc::new(node.loc.file, head));
                let (kw, rest) = text.split_once(' ').unwrap_or((text, ""));
                (
                    Shape::Action,
                    wrap(&capitalized(kw), rest, MAX_LINE, MAX_COND_LINES),
                )
            }
        };
        if let NodeKind::Goal(e) | NodeKind::ExitEvent(e) = &node.kind {
            if let Some(f) = c.end_filter(*e) {
                lines.extend(ctx.cond_lines("where", f.loc));
            }
        }
        let is_unreachable = unreachable[v.index()];
        if is_unreachable {
            lines.push("(never reached)".to_string());
        }
        // A repeat is only worth showing where people get, and when it is
        // not intended (silenced by an `@allow` or `omnis.toml`).
        let first = repeated[v.index()].filter(|_| !is_unreachable && !repeat_allowed(node));
        let is_repeated = first.is_some();
        if let Some(first) = first {
            let line = ctx.line(g[first].loc);
            let note = match (&g[first].kind, &node.kind) {
                _ if first == v => "(sent again on each round)".to_string(),
                (NodeKind::Send(a), NodeKind::Send(b)) if a != b => {
                    format!("(same content as {}, sent on line {line})", ctx.message(*a))
                }
                _ => format!("(already sent on line {line})"),
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
                let conds = g[from].kind.guards();
                let label = match *i {
                    0 => "yes".to_string(),
                    i => format!("else if {}", ctx.cond(&conds[i])),
                };
                (Some(label), EdgeStyle::Normal)
            }
            Edge::Else => {
                let several = g[from].kind.guards().len() > 1;
                let label = if several { "else" } else { "no" };
                (Some(label.to_string()), EdgeStyle::Normal)
            }
            Edge::Arm(arm) => {
                let (index, name, weight) = (&arm.index, &arm.name, &arm.weight);
                let name = name
                    .as_deref()
                    .map_or_else(|| format!("arm {}", index + 1), str::to_string);
                (
                    Some(format!("{name} · {}", percent(*weight))),
                    EdgeStyle::Normal,
                )
            }
            Edge::On(i) => {
                let NodeKind::WaitAny { arms, .. } = &g[from].kind else {
                    unreachable!("on edges leave waits for any")
                };
                let (on, filter, _) = &arms[*i];
                let what = match filter {
                    Some(f) => format!("{} where {}", ctx.wait_on(on), ctx.cond(f)),
                    None => ctx.wait_on(on),
                };
                (Some(shorten(&what, MAX_LINE)), EdgeStyle::Normal)
            }
            Edge::Matched => {
                let what = match &g[from].kind {
                    NodeKind::WaitFor { on, .. } => ctx.wait_matched(on),
                    _ => "event".to_string(),
                };
                (Some(shorten(&what, MAX_LINE)), EdgeStyle::Normal)
            }
            Edge::Timeout => {
                let label = match &g[from].kind {
                    NodeKind::WaitFor { within, .. } => {
                        format!("not within {}", duration_words(*within))
                    }
                    _ => "timed out".to_string(),
                };
                (Some(label), EdgeStyle::Normal)
            }
            Edge::Body => (Some("each round".to_string()), EdgeStyle::Normal),
            Edge::Done => (Some("done".to_string()), EdgeStyle::Normal),
            // The `Go to NAME` box says it.
            Edge::Jump => (None, EdgeStyle::Back),
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
