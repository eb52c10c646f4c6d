//! `omnis graph --overview`: one diagram of how the campaigns of a project
//! relate, one box per campaign (its name, how it starts, its `priority`):
//! - a dotted line without arrows joins two campaigns that start together
//!   for one person (the same trigger event or schedule) and can both take
//!   them, labelled `start together`; when something keeps them apart
//!   (a working `not in campaign` guard, audiences or trigger filters that
//!   cannot hold together, windows that never overlap) the line is grey and
//!   labelled `kept apart`. It is [`crate::project::Meetings::meeting`], the question
//!   the project lints ask. Campaigns that start apart can nearly always
//!   overlap for someone: drawing those pairs would join every box, so
//!   they are left out;
//! - an arrow goes from a campaign to one it hands off to: its goal event
//!   is the other's trigger event (labelled `goal EVENT`).
//!
//! Campaigns are those [`super::select`] draws (the named files, in source
//! order). Only campaigns that start together are paired (grouped by how
//! they start first, as the project lints do), and hand-offs go through an
//! index of trigger events, so the work follows the groups' sizes.

use std::collections::HashMap;

use super::{mermaid_titled, trigger_words, DEdge, DNode, Diagram, EdgeStyle, Format, Shape};
use crate::driver::Analysis;
use crate::model::{CampaignId, EventId, Trigger};
use crate::project::{groups, start, Meetings};

/// The title of the overview.
const TITLE: &str = "Campaign overview";

/// The overview of the campaigns of the named files; `None` when there
/// are none. The analysis must be free of errors.
pub fn overview(analysis: &Analysis) -> Option<Diagram> {
    let program = &analysis.program;
    let ids = super::select(analysis, None).expect("no name to look up");
    if ids.is_empty() {
        return None;
    }
    let nodes = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            let c = program.campaign(id);
            let mut lines = vec![c.name.clone(), trigger_words(program, &c.trigger)];
            if c.priority != 0 {
                lines.push(format!("priority {}", c.priority));
            }
            DNode {
                index: i,
                id: c.name.clone(),
                lines,
                shape: Shape::Start,
                unreachable: false,
                repeated: false,
            }
        })
        .collect();
    let position: HashMap<CampaignId, usize> =
        ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut edges = Vec::new();
    let meetings = Meetings::new(program, &analysis.journeys);
    let starts = groups(ids.iter().map(|&id| (start(program.campaign(id)), id)));
    for (_, group) in starts {
        for (k, &a) in group.iter().enumerate() {
            for &b in &group[k + 1..] {
                let met = meetings.meeting(a, b).is_some();
                let (i, j) = (position[&a], position[&b]);
                edges.push(DEdge {
                    from: i.min(j),
                    to: i.max(j),
                    label: Some(if met { "start together" } else { "kept apart" }.to_string()),
                    style: EdgeStyle::Together,
                    dead: !met,
                });
            }
        }
    }
    // Hand-offs, through the campaigns each event triggers.
    let mut triggered: HashMap<EventId, Vec<usize>> = HashMap::new();
    for (j, &b) in ids.iter().enumerate() {
        if let Trigger::Event { event, .. } = program.campaign(b).trigger {
            triggered.entry(event).or_default().push(j);
        }
    }
    for (i, &a) in ids.iter().enumerate() {
        let Some((goal, _)) = program.campaign(a).goal else {
            continue;
        };
        for &j in triggered.get(&goal).into_iter().flatten() {
            if j != i {
                edges.push(DEdge {
                    from: i,
                    to: j,
                    label: Some(format!("goal {}", program.event(goal).name)),
                    style: EdgeStyle::Normal,
                    dead: false,
                });
            }
        }
    }
    Some(Diagram {
        campaign: TITLE.to_string(),
        nodes,
        edges,
    })
}

/// The overview in `format` (a titled Mermaid flowchart, or one DOT
/// `digraph`); empty when there are no campaigns.
pub fn render_overview(analysis: &Analysis, format: Format) -> String {
    match overview(analysis) {
        None => String::new(),
        Some(d) => match format {
            Format::Mermaid => mermaid_titled(&d),
            Format::Dot => super::dot(&d),
        },
    }
}
