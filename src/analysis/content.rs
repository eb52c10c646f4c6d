//! Content classes (messages with the same template and vars, whatever the
//! channel) and the sends that some execution reaches having already sent
//! the same content: the analysis behind `repeated-message`, which
//! `omnis graph` and `omnis diff` also show.

use std::collections::HashMap;

use petgraph::graph::{EdgeIndex, NodeIndex};

use crate::analysis::flow::{FEdge, Flow, Rounds, Scratch};
use crate::analysis::reach::{Reach, State};
use crate::analysis::sat::Atom;
use crate::analysis::sets::Set;
use crate::graph::{Journey, NodeKind};
use crate::model::{MessageId, Program};

/// Content class of every message: two messages have the same class when
/// they have the same content ([`crate::model::Message::same_content`]:
/// equal template and vars, or the same offer), or are linked by a chain
/// of messages that do (an offer's email and its SMS, and an email with
/// the SMS's template and vars, are one content). Classes are numbered in
/// the order of their first message.
pub fn content_classes(program: &Program) -> Vec<usize> {
    let n = program.messages.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    // The first message of each template and vars (vars by their printed
    // form: a sorted map, so equal vars print alike), and of each offer.
    let mut by_content: HashMap<(&str, String), usize> = HashMap::new();
    let mut by_offer: HashMap<&str, usize> = HashMap::new();
    for (i, m) in program.messages.iter().enumerate() {
        let key = (m.template.as_str(), format!("{:?}", m.vars));
        let first = *by_content.entry(key).or_insert(i);
        let same = (first != i).then_some(first);
        let offer = m.offer.as_deref().map(|o| *by_offer.entry(o).or_insert(i));
        for j in same.into_iter().chain(offer) {
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            // The smaller index is the root, so classes follow first use.
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut number: HashMap<usize, usize> = HashMap::new();
    (0..n)
        .map(|i| {
            let r = root(&mut parent, i);
            let next = number.len();
            *number.entry(r).or_insert(next)
        })
        .collect()
}

/// One finding, before it is worded: the second send, the first (possibly
/// the same journey node, in an earlier round) and the path between them.
#[derive(Debug, Clone)]
pub struct Repeat {
    pub second: NodeIndex,
    pub first: NodeIndex,
    pub path: Vec<FEdge>,
}

/// The sends of a journey that some execution reaches having already sent
/// the same content, each once, in the order of the flow.
///
/// Only the edges for which `live` holds are followed (see
/// [`crate::analysis::reach::Reach::live`]; `|_| true` takes every branch as possible).
pub fn repeated_sends(
    journey: &Journey,
    classes: &[usize],
    live: &dyn Fn(EdgeIndex) -> bool,
) -> Vec<Repeat> {
    repeated_sends_in(
        journey,
        &Flow::build(journey, Rounds::Single, live),
        classes,
    )
}

/// [`repeated_sends`] in a journey's flow with one copy of every repeat body.
pub fn repeated_sends_in(journey: &Journey, flow: &Flow, classes: &[usize]) -> Vec<Repeat> {
    let g = &journey.graph;
    let class_of = |v: u32| match g[flow.orig[v as usize]].kind {
        NodeKind::Send(m) => Some(classes[m.index()]),
        _ => None,
    };
    // How many sites send each class; those with two or more get a local
    // number for the dataflow, in flow order.
    let mut sites: HashMap<usize, u32> = HashMap::new();
    let mut order: Vec<usize> = Vec::new();
    for v in 0..flow.len() as u32 {
        if let Some(c) = class_of(v) {
            let k = sites.entry(c).or_insert(0);
            if *k == 0 {
                order.push(c);
            }
            *k += 1;
        }
    }
    let local: HashMap<usize, u32> = order
        .iter()
        .filter(|c| sites[c] >= 2)
        .enumerate()
        .map(|(i, &c)| (c, i as u32))
        .collect();
    let tracked = |v: u32| class_of(v).and_then(|c| local.get(&c).copied());
    let inp = if local.is_empty() {
        Vec::new()
    } else {
        flow.forward_union(Set::new(), &|v, set| match tracked(v) {
            Some(b) => set.with(b),
            None => set.clone(),
        })
    };
    let on_cycle = if local.len() < sites.len() {
        flow.on_cycle()
    } else {
        Vec::new()
    };
    witnesses(journey, flow, classes, &|v, c| match local.get(&c) {
        Some(&b) => inp[v as usize].contains(b),
        None => on_cycle[v as usize],
    })
}

/// The sends for which `again(flow node, content class)` holds, each once,
/// in the order of the flow, with the nearest earlier send of the same
/// content in `flow` and the path from it.
fn witnesses(
    journey: &Journey,
    flow: &Flow,
    classes: &[usize],
    again: &dyn Fn(u32, usize) -> bool,
) -> Vec<Repeat> {
    let g = &journey.graph;
    let class_of = |v: u32| match g[flow.orig[v as usize]].kind {
        NodeKind::Send(m) => Some(classes[m.index()]),
        _ => None,
    };
    let mut reported = vec![false; g.node_count()];
    let mut found = Vec::new();
    let mut scratch = Scratch::default();
    for v in 0..flow.len() as u32 {
        let Some(c) = class_of(v) else { continue };
        let node = flow.orig[v as usize];
        if reported[node.index()] || !again(v, c) {
            continue;
        }
        let Some((w, path)) = flow.nearest_before(v, &|w| class_of(w) == Some(c), &mut scratch)
        else {
            continue;
        };
        reported[node.index()] = true;
        found.push(Repeat {
            second: node,
            first: flow.orig[w as usize],
            path,
        });
    }
    found
}

/// The sends of a journey that some execution reaches having already sent
/// the same content, path-sensitively: a send repeats when, in some
/// partition of the reachability analysis at it ([`Reach::states`]), its
/// content class may have been sent before, and that partition does not
/// require that the person did not open or click an earlier send of that
/// content (a resend to non-openers is deliberate). Each is reported once,
/// in the order of the flow, with the nearest earlier send of the content
/// in `flow` (one copy of every repeat body, over live edges) as the
/// witness.
pub fn repeated_sends_on_paths(
    journey: &Journey,
    reach: &Reach,
    flow: &Flow,
    classes: &[usize],
) -> Vec<Repeat> {
    let senders = senders(journey, classes);
    witnesses(journey, flow, classes, &|v, c| {
        reach
            .states(flow.orig[v as usize])
            .any(|s| s.content.contains(c as u32) && !resend_to_unengaged(&senders, reach, s, c))
    })
}

/// The messages each content class is sent as in `journey`, each once.
fn senders(journey: &Journey, classes: &[usize]) -> HashMap<usize, Vec<MessageId>> {
    let mut out: HashMap<usize, Vec<MessageId>> = HashMap::new();
    for n in journey.graph.node_weights() {
        if let NodeKind::Send(m) = n.kind {
            let v = out.entry(classes[m.index()]).or_default();
            if !v.contains(&m) {
                v.push(m);
            }
        }
    }
    out
}

/// Whether every path of the partition `s` requires that the person did
/// not open (or did not click) any earlier send of content class `c`: for
/// each message of that content the journey sends, either it was not sent
/// before on these paths or a `not opened`/`not clicked` of it is known.
/// A message whose sending is not tracked (no engagement with it is
/// checked anywhere) counts as sent and not known unengaged.
fn resend_to_unengaged(
    senders: &HashMap<usize, Vec<MessageId>>,
    reach: &Reach,
    s: &State,
    c: usize,
) -> bool {
    let unengaged = |m: MessageId| {
        s.facts.iter().any(|(lit, _)| {
            !lit.positive()
                && matches!(reach.logic.atom(lit.atom()), Atom::Engaged { msg, .. } if *msg == m)
        })
    };
    let mut any = false;
    for &m in senders.get(&c).into_iter().flatten() {
        let untracked = !reach.bits.contains_key(&m);
        if untracked || reach.may_have_sent(s, m) {
            if !unengaged(m) {
                return false;
            }
            any = true;
        }
    }
    any
}

/// Per node of `journey`: whether it is a send that some execution may
/// reach having sent its content already, but only as a resend to people
/// who did not engage: every partition at it where the content may have
/// been sent requires that the person did not open (or click) an earlier
/// send of it. `repeated-message` does not report these.
pub fn resends_to_unengaged(journey: &Journey, reach: &Reach, classes: &[usize]) -> Vec<bool> {
    let g = &journey.graph;
    let senders = senders(journey, classes);
    g.node_indices()
        .map(|v| {
            let NodeKind::Send(m) = g[v].kind else {
                return false;
            };
            let c = classes[m.index()];
            let mut again = reach
                .states(v)
                .filter(|s| s.content.contains(c as u32))
                .peekable();
            again.peek().is_some() && again.all(|s| resend_to_unengaged(&senders, reach, s, c))
        })
        .collect()
}
