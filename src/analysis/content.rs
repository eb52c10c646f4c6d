//! Content classes (messages with the same template and vars, whatever the
//! channel) and the sends that some execution reaches having already sent
//! the same content: the analysis behind `repeated-message`, which
//! `omnis graph` and `omnis diff` also show.

use std::collections::HashMap;

use petgraph::graph::{EdgeIndex, NodeIndex};

use crate::analysis::flow::{FEdge, Flow, Rounds, Scratch};
use crate::analysis::sets::Set;
use crate::graph::{Journey, NodeKind};
use crate::model::{MessageId, Program};

/// Content class of every message: two messages have the same class when
/// they have the same content ([`crate::model::Message::same_content`]).
pub fn content_classes(program: &Program) -> Vec<usize> {
    let mut by_template: HashMap<&str, Vec<(MessageId, usize)>> = HashMap::new();
    let mut classes = Vec::with_capacity(program.messages.len());
    let mut next = 0;
    for (i, m) in program.messages.iter().enumerate() {
        let group = by_template.entry(m.template.as_str()).or_default();
        let class = match group
            .iter()
            .find(|(other, _)| program.message(*other).same_content(m))
        {
            Some(&(_, c)) => c,
            None => {
                next += 1;
                next - 1
            }
        };
        group.push((MessageId(i as u32), class));
        classes.push(class);
    }
    classes
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
    let mut reported = vec![false; g.node_count()];
    let mut found = Vec::new();
    let mut scratch = Scratch::default();
    for v in 0..flow.len() as u32 {
        let Some(c) = class_of(v) else { continue };
        let node = flow.orig[v as usize];
        let again = match local.get(&c) {
            Some(&b) => inp[v as usize].contains(b),
            None => on_cycle[v as usize],
        };
        if reported[node.index()] || !again {
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
