//! The project-level analysis stage: alongside the per-campaign lints
//! (it only reads the journeys), over every campaign checked together (the files named, and found in folders,
//! with their imports). It answers one question for the project lints
//! (`cross-campaign-repeat`, `channel-budget`, `competing-campaigns`): can
//! one person be in two campaigns' journeys at once? Yes unless
//! - their windows never overlap (a window's close ends its journeys);
//! - a working guard excludes it: `not in campaign X` in every disjunct of
//!   Y's audience, with X of strictly higher priority (so X is entered
//!   first when both fire at once; the lints do not look for X being
//!   entered later while Y runs), unless they start together and X's
//!   journey can be over at the instant it starts (Y then enters right
//!   after it, at that instant, and both act on the same trigger);
//! - their audiences cannot hold together (the condition solver of
//!   [`crate::analysis::sat`]), and, when they start together (the same
//!   trigger event or schedule), their trigger filters with them.
//!
//! Campaigns with the same trigger start together on one occurrence of
//! it, and can also meet on two: one enters, on a later occurrence, while
//! the other's journey is in progress (filters that exclude each other on
//! one occurrence do not keep that out); then, as for different triggers,
//! only what is about the person is compared.
//!
//! Nothing pairs campaigns blindly: campaigns are grouped first (by how
//! they start, or by the content classes they send), and only the members
//! of a group are paired, so the work follows the groups' sizes. Each
//! campaign's conditions are put in normal form once ([`Meetings`]), and
//! a group is split further by the attributes its audiences pin to
//! constants ([`Candidates`]): campaigns pinned apart are never paired.

pub mod meet;
pub mod sends;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use petgraph::visit::EdgeRef;

use crate::analysis::timing;
use crate::graph::{Edge, Journey, NodeKind};
use crate::model::{
    AttrId, Campaign, CampaignId, ChannelId, EventId, Program, SegmentId, Trigger, Weekday,
};
use crate::source::SourceMap;

pub use meet::{Candidates, Meetings};
pub use sends::Facts;

/// What the project lints read: every campaign checked together, lowered.
pub struct ProjectContext<'a> {
    pub program: &'a Program,
    pub sources: &'a SourceMap,
    /// Every campaign's journey, in campaign order.
    pub journeys: &'a [Journey],
    /// The content class of every message
    /// ([`crate::analysis::content::content_classes`]), computed once per
    /// run: not once per campaign.
    pub classes: &'a [usize],
    /// Whether two campaigns can have one person at once, with every
    /// campaign's conditions normalised once.
    pub meetings: Meetings<'a>,
    /// Per campaign, what the project lints read of its reachability
    /// analysis and timing: given by the per-campaign lints (which made
    /// those analyses anyway), or worked out on first use.
    facts: Vec<OnceLock<Facts>>,
}

impl<'a> ProjectContext<'a> {
    pub fn new(
        program: &'a Program,
        sources: &'a SourceMap,
        journeys: &'a [Journey],
        classes: &'a [usize],
    ) -> Self {
        let facts = journeys.iter().map(|_| OnceLock::new()).collect();
        Self::with(
            program,
            sources,
            journeys,
            classes,
            Meetings::new(program, journeys),
            facts,
        )
    }

    /// A context with its [`Meetings`] made, and the facts of some
    /// campaigns already worked out (the others on first use).
    pub fn with(
        program: &'a Program,
        sources: &'a SourceMap,
        journeys: &'a [Journey],
        classes: &'a [usize],
        meetings: Meetings<'a>,
        facts: Vec<OnceLock<Facts>>,
    ) -> Self {
        debug_assert_eq!(facts.len(), journeys.len());
        ProjectContext {
            program,
            sources,
            journeys,
            classes,
            meetings,
            facts,
        }
    }

    /// [`Meetings::meeting`].
    pub fn meeting(&self, a: CampaignId, b: CampaignId) -> Option<Meeting> {
        self.meetings.meeting(a, b)
    }

    /// What the project lints read of campaign `id`'s reachability
    /// analysis and timing.
    pub fn facts(&self, id: CampaignId) -> &Facts {
        self.facts[id.index()].get_or_init(|| {
            let journey = &self.journeys[id.index()];
            let r = crate::analysis::reach::analyze_with(self.program, journey, self.classes);
            Facts::of(self.program, journey, &r, None)
        })
    }
}

/// Per campaign (by id), whether the project lints may read its
/// [`Facts`]: it starts with another (`channel-budget`), or sends content
/// another campaign sends (`cross-campaign-repeat`). `classes`: the
/// content class of each message.
pub fn read_facts(program: &Program, journeys: &[Journey], classes: &[usize]) -> Vec<bool> {
    let mut read = vec![false; program.campaigns.len()];
    let starts =
        (program.campaigns.iter().enumerate()).map(|(i, c)| (start(c), CampaignId(i as u32)));
    let sent = journeys.iter().flat_map(|j| {
        j.graph.node_weights().filter_map(move |n| match n.kind {
            NodeKind::Send(m) => Some((classes[m.index()], j.campaign)),
            _ => None,
        })
    });
    for (_, group) in groups(starts) {
        group.iter().for_each(|id| read[id.index()] = true);
    }
    for (_, group) in groups(sent) {
        group.iter().for_each(|id| read[id.index()] = true);
    }
    read
}

/// How a campaign starts: campaigns with equal keys start together for a
/// person (the same occurrence of an event, the same scheduled instant).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Start {
    Event(EventId),
    Enters(SegmentId),
    Daily(u32),
    Weekly(Weekday, u32),
    Once(chrono::NaiveDate, u32),
    /// A date-relative trigger: the attribute, offset, time, yearly.
    Date(AttrId, i64, u32, bool),
}

/// The key of how `c` starts.
pub fn start(c: &Campaign) -> Start {
    match &c.trigger {
        Trigger::Event { event, .. } => Start::Event(*event),
        Trigger::Enters(s) => Start::Enters(*s),
        Trigger::Daily { minutes } => Start::Daily(*minutes),
        Trigger::Weekly { weekday, minutes } => Start::Weekly(*weekday, *minutes),
        Trigger::Once { date, minutes } => Start::Once(*date, *minutes),
        Trigger::Date {
            attr,
            offset_days,
            minutes,
            yearly,
        } => Start::Date(*attr, *offset_days, *minutes, *yearly),
    }
}

/// The order findings use: the later campaign by file path, then position.
pub fn order_key<'s>(program: &Program, sources: &'s SourceMap, id: CampaignId) -> (&'s str, u32) {
    let loc = program.campaign(id).loc;
    (sources.get(loc.file).name.as_str(), loc.span.start)
}

/// Why two campaigns can have one person at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meeting {
    /// They start together (the same trigger event or schedule).
    Together,
    /// Their journeys can be in progress at the same time.
    Overlap,
}

/// Whether a journey can be over at the instant it starts: a path from
/// its entry to its end or an `exit` through steps that may take no time
/// (an event that ends it, the goal or an `exit when`, comes as another
/// input, after every campaign took the trigger). Linear in the graph.
pub fn ends_at_once(program: &Program, journey: &Journey) -> bool {
    let g = &journey.graph;
    let mut seen = vec![false; g.node_count()];
    let mut stack = vec![journey.entry];
    seen[journey.entry.index()] = true;
    while let Some(v) = stack.pop() {
        if matches!(g[v].kind, NodeKind::End | NodeKind::Exit) {
            return true;
        }
        for e in g.edges(v) {
            let w = e.target();
            if !seen[w.index()]
                && !matches!(e.weight(), Edge::Ends(_))
                && timing::edge_bounds(program, journey, e.id()).min == 0
            {
                seen[w.index()] = true;
                stack.push(w);
            }
        }
    }
    false
}

/// The campaigns that start together (by [`start`]), in groups of two or
/// more, each in finding order ([`order_key`]).
pub fn start_groups(cx: &ProjectContext) -> Vec<Vec<CampaignId>> {
    let program = cx.program;
    let items =
        (0..program.campaigns.len()).map(|i| (start(&program.campaigns[i]), CampaignId(i as u32)));
    groups(items)
        .into_iter()
        .map(|(_, mut group)| {
            group.sort_by_key(|&id| order_key(program, cx.sources, id));
            group
        })
        .collect()
}

/// The channels a campaign's journey sends on.
pub fn channels(cx: &ProjectContext, id: CampaignId) -> BTreeSet<ChannelId> {
    sends::channels(cx.program, &cx.journeys[id.index()])
}

/// Campaign ids grouped by a key (items in campaign order), each group in
/// campaign order without repeats; only groups of two or more, in key
/// order.
pub fn groups<K: Ord + std::hash::Hash>(
    items: impl Iterator<Item = (K, CampaignId)>,
) -> Vec<(K, Vec<CampaignId>)> {
    let mut by: HashMap<K, Vec<CampaignId>> = HashMap::new();
    for (k, id) in items {
        let g = by.entry(k).or_default();
        if g.last() != Some(&id) {
            g.push(id);
        }
    }
    let mut out: Vec<_> = by.into_iter().filter(|(_, v)| v.len() > 1).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
