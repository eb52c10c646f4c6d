//! Replacing a campaign's plan while people are mid-journey
//! (`docs/plan-format.md`, "Replacing a plan"): the rules once, for one
//! person ([`Runtime::replace`], which runners execute) and for every
//! place people can be waiting ([`landings`], which `omnis diff` reports).

use std::collections::{BTreeSet, HashMap, HashSet};

use super::compile::{Compiled, Tgt, Val};
use super::eval::Occurrence;
use super::state::State;
use super::{Effects, Runtime, What};
use crate::plan::{Node, NodeKind, Plan};

/// What a replacement did to a person's journey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// The person was in no journey of the campaign.
    Outside,
    /// Rule 1: their node survives (same id, same kind); they stay.
    Stayed(String),
    /// Rule 2: they moved on to this node of the new plan.
    Moved(String),
    /// Rule 2: the journey ended on the way (an `exit`, or a loop back).
    Ended,
}

/// Where rule 2 takes people waiting at a node, over every way the old
/// plan can go from there.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Landing {
    /// At the new plan's node with this id (`@end`: completed).
    At(String),
    /// The old plan's `exit` with this id ends the journey.
    Exit(String),
    /// The old plan loops back without reaching a surviving node: the
    /// journey ends (completed).
    Loop,
}

/// Where people can be waiting: waits, and sends delayed by quiet hours.
pub fn holds_people(plan: &Plan, n: &Node) -> bool {
    match &n.kind {
        NodeKind::Send { message } => plan
            .messages
            .get(message)
            .and_then(|m| plan.channels.get(&m.channel))
            .is_some_and(|c| {
                c.quiet_hours
                    .iter()
                    .chain(&plan.quiet_hours)
                    .any(|q| q.span() > 0)
            }),
        k => k.waits(),
    }
}

/// Rule 1: the node of `new` people waiting at `old` stay at (same id,
/// same kind), if any.
pub fn survivor<'p>(old: &Node, new: &'p Plan) -> Option<&'p Node> {
    new.node(&old.id)
        .filter(|n| n.kind.name() == old.kind.name())
}

/// Rule 2 for every path: from old node `at`, as if it finished with
/// nothing happening, every way the old plan goes to the first nodes the
/// new plan has (branches and splits may go any way).
pub fn landings<'a>(old: &'a Plan, new: &Plan, at: &'a Node) -> BTreeSet<Landing> {
    // With nothing happening (as the runtime's walk goes): a wait, at `at`
    // or removed on the way, goes on by its `next` or `timeout`, never by
    // what it awaits; branches and splits may go any way.
    let nothing_happens = |n: &'a Node| {
        n.successors
            .iter()
            .rev()
            .filter(|e| !e.label.awaits())
            .map(|e| e.to.as_str())
    };
    let mut out = BTreeSet::new();
    let mut seen: HashSet<&str> = HashSet::from([at.id.as_str()]);
    let mut stack: Vec<&str> = nothing_happens(at).collect();
    while let Some(id) = stack.pop() {
        if new.node(id).is_some() {
            out.insert(Landing::At(id.to_string()));
            continue;
        }
        if !seen.insert(id) {
            out.insert(Landing::Loop);
            continue;
        }
        let Some(y) = old.node(id) else { continue };
        if matches!(y.kind, NodeKind::Exit) {
            out.insert(Landing::Exit(id.to_string()));
            continue;
        }
        stack.extend(nothing_happens(y));
    }
    out
}

/// Old index -> new index of the entries of two name tables.
fn by_name<'a>(
    old: impl Iterator<Item = &'a str>,
    new: &HashMap<&str, usize>,
) -> Vec<Option<usize>> {
    old.map(|name| new.get(name).copied()).collect()
}

/// `values`, indexed by the old table, re-indexed by the new one (`map`:
/// old index -> new index); entries the new table lacks are dropped.
fn reindex<T: Clone>(values: &[T], map: &[Option<usize>], len: usize, empty: T) -> Vec<T> {
    let mut out = vec![empty; len];
    for (i, v) in values.iter().enumerate() {
        if let Some(Some(j)) = map.get(i) {
            out[*j] = v.clone();
        }
    }
    out
}

/// The name tables of two compiled plans matched by name.
struct Tables {
    attrs: Vec<Option<usize>>,
    events: Vec<Option<usize>>,
    /// Per old event, old field index -> new field index.
    fields: Vec<Vec<Option<usize>>>,
    messages: Vec<Option<usize>>,
    channels: Vec<Option<usize>>,
    nodes: Vec<Option<usize>>,
}

/// A name table: name -> index.
fn names(it: Vec<&str>) -> HashMap<&str, usize> {
    it.into_iter().enumerate().map(|(i, s)| (s, i)).collect()
}

impl Tables {
    fn new(o: &Compiled, n: &Compiled) -> Tables {
        let events = names(n.events.iter().map(|e| e.name.as_str()).collect());
        let ev = by_name(o.events.iter().map(|e| e.name.as_str()), &events);
        let fields = o
            .events
            .iter()
            .zip(&ev)
            .map(|(e, j)| match j {
                Some(j) => by_name(
                    e.fields.iter().map(|(f, _)| f.as_str()),
                    &names(
                        n.events[*j]
                            .fields
                            .iter()
                            .map(|(f, _)| f.as_str())
                            .collect(),
                    ),
                ),
                None => Vec::new(),
            })
            .collect();
        Tables {
            attrs: by_name(
                o.attrs.iter().map(|(a, _)| a.as_str()),
                &names(n.attrs.iter().map(|(a, _)| a.as_str()).collect()),
            ),
            events: ev,
            fields,
            messages: by_name(
                o.messages.iter().map(|m| &*m.name),
                &names(n.messages.iter().map(|m| &*m.name).collect()),
            ),
            channels: by_name(
                o.channels.iter().map(|c| &*c.name),
                &names(n.channels.iter().map(|c| &*c.name).collect()),
            ),
            nodes: o
                .nodes
                .iter()
                .map(|x| n.node_index.get(&x.id).copied())
                .collect(),
        }
    }

    fn fields(
        &self,
        old_event: Option<usize>,
        values: &[Option<Val>],
        n: &Compiled,
        new_event: Option<usize>,
    ) -> Vec<Option<Val>> {
        match (old_event, new_event) {
            (Some(o), Some(e)) if self.events[o] == Some(e) => {
                reindex(values, &self.fields[o], n.events[e].fields.len(), None)
            }
            (_, Some(e)) => vec![None; n.events[e].fields.len()],
            _ => Vec::new(),
        }
    }

    /// The state re-indexed from the old plan's tables to the new one's.
    fn remap(&self, o: &Compiled, n: &Compiled, state: &mut State) {
        let p = &mut state.person;
        p.attrs = reindex(&p.attrs, &self.attrs, n.attrs.len(), None);
        let mut history = vec![Vec::new(); n.events.len()];
        for (i, occ) in std::mem::take(&mut p.history).into_iter().enumerate() {
            if let Some(j) = self.events[i] {
                history[j] = occ
                    .into_iter()
                    .map(|x| Occurrence {
                        fields: reindex(&x.fields, &self.fields[i], n.events[j].fields.len(), None),
                        ..x
                    })
                    .collect();
            }
        }
        p.history = history;
        let Some(k) = state
            .campaigns
            .iter_mut()
            .find(|k| k.campaign == o.campaign)
        else {
            return;
        };
        k.campaign = n.campaign.clone();
        // A send on a channel the new plan lacks still counts towards the
        // campaign's limits, and towards no channel's.
        for s in &mut k.sends {
            s.1 = self
                .channels
                .get(s.1)
                .copied()
                .flatten()
                .unwrap_or(usize::MAX);
        }
        if let Some(j) = &mut k.journey {
            let m = n.messages.len();
            j.trigger_fields = self.fields(o.trigger_event, &j.trigger_fields, n, n.trigger_event);
            j.sent = reindex(&j.sent, &self.messages, m, false);
            j.opened = reindex(&j.opened, &self.messages, m, false);
            j.clicked = reindex(&j.clicked, &self.messages, m, false);
            // What the journey keeps for a node (a `repeat`'s count, when
            // a wait last let flow go on) stays with the node where it
            // survives (same id, same kind), whatever its kind.
            let node =
                |i: usize| self.nodes[i].filter(|&x| n.nodes[x].kind_name == o.nodes[i].kind_name);
            j.counters = j
                .counters
                .iter()
                .filter_map(|&(r, c)| Some((node(r)?, c)))
                .collect();
            j.until_left = j
                .until_left
                .iter()
                .filter_map(|&(u, t)| Some((node(u)?, t)))
                .collect();
        }
    }
}

impl Runtime {
    /// A person's state for this plan when its campaign starts for them
    /// mid-run (a campaign added to a project): the profile and the event
    /// history are carried by attribute and event name from the parts of
    /// the person the `donors` (their other campaigns' plans and states,
    /// in entry order) keep, the first that has a value winning.
    pub fn inherit(&self, id: &str, donors: &[(&Runtime, &State)]) -> State {
        let n = &self.c;
        let mut attrs = vec![None; n.attrs.len()];
        let mut history = vec![Vec::new(); n.events.len()];
        let mut seq = 0;
        for (rt, s) in donors {
            let t = Tables::new(&rt.c, n);
            for (i, v) in s.person.attrs.iter().enumerate() {
                if let (Some(Some(j)), Some(_)) = (t.attrs.get(i), v) {
                    attrs[*j] = attrs[*j].take().or_else(|| v.clone());
                }
            }
            for (i, occ) in s.person.history.iter().enumerate() {
                let Some(Some(j)) = t.events.get(i) else {
                    continue;
                };
                if history[*j].is_empty() {
                    let len = n.events[*j].fields.len();
                    history[*j] = occ
                        .iter()
                        .map(|x| Occurrence {
                            fields: reindex(&x.fields, &t.fields[i], len, None),
                            ..x.clone()
                        })
                        .collect();
                }
            }
            // Every occurrence carried is before anything that comes next.
            seq = seq.max(s.person.seq);
        }
        let mut state = self.new_state(id, attrs);
        state.person.history = history;
        state.person.seq = seq;
        state
    }

    /// Replaces this plan by `new` for the person at `at` (the rules of
    /// `docs/plan-format.md`, "Replacing a plan"): the state is carried
    /// over to the new plan's tables, the journey in progress continues
    /// where the rules say, and the triggers are re-armed from `at` under
    /// the new plan. Call it at `at` before the inputs of that instant;
    /// from then on drive the person with `new`.
    pub fn replace(&self, new: &Runtime, state: &mut State, at: i64, out: &mut Effects) -> Place {
        let (o, n) = (&self.c, &new.c);
        let tables = Tables::new(o, n);
        let node = self
            .campaign(state)
            .and_then(|k| k.journey.as_ref())
            .map(|j| j.node);
        let stays = |x: usize| {
            tables.nodes[x].is_some_and(|y| n.nodes[y].kind_name == o.nodes[x].kind_name)
        };
        if let Some(x) = node {
            let what = What::Replaced {
                node: o.nodes[x].id.clone(),
                stays: stays(x),
            };
            self.run(state, out, |r| r.push(at, what));
        }
        let place = match node.filter(|_| !state.stopped()) {
            None => Place::Outside,
            Some(x) if stays(x) => Place::Stayed(o.nodes[x].id.clone()),
            Some(x) => {
                let lands = |i: usize| tables.nodes[i].is_some();
                match self.run(state, out, |r| r.walk(at, x, &lands)) {
                    Some(i) => Place::Moved(o.nodes[i].id.clone()),
                    None => Place::Ended,
                }
            }
        };
        tables.remap(o, n, state);
        new.run(state, out, |r| {
            r.update_tz();
            r.k.schedule = r.next_firing(at);
            r.begin_segment(at);
            match &place {
                Place::Stayed(id) => r.resume(at, n.node_index[id]),
                Place::Moved(id) => r.advance(
                    at,
                    Tgt {
                        to: n.node_index[id],
                        lp: false,
                    },
                ),
                Place::Outside | Place::Ended => {}
            }
        });
        place
    }
}
