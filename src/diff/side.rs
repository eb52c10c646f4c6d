//! One campaign of one side of a diff: its plan and what the journey
//! graph adds (unreachable steps, the conditions around each step, blocks).

use super::*;

/// One campaign of one side: its plan and what the journey graph adds.
pub(super) struct Side {
    pub(super) plan: Plan,
    pub(super) file: String,
    /// Ids of nodes no execution reaches.
    pub(super) unreachable: HashSet<String>,
    /// Per node id: the conditions around it, outermost first.
    pub(super) guards: BTreeMap<String, Vec<String>>,
    /// The blocks of each compound step (`""` for the journey itself): a
    /// key saying which block (`then#0`, `else`, `timeout`, `arm:a`,
    /// `body`, ...) and the ids of its steps, in order.
    pub(super) blocks: BTreeMap<String, Vec<(String, Vec<String>)>>,
    /// Per step id: how many steps are inside it.
    pub(super) inside: BTreeMap<String, usize>,
    /// What each segment of the plan means (`plan::segments::digests`).
    pub(super) segments: BTreeMap<String, [u8; 32]>,
}

impl Side {
    pub(super) fn node(&self, id: &str) -> Option<&Node> {
        self.plan.node(id)
    }

    /// `v` as JSON, with what the segments it refers to mean: equal on two
    /// sides exactly when `v` reads the same and so do its segments, all
    /// the way down (a segment redefined in a shared file changes it).
    pub(super) fn meaning(&self, v: &impl Serialize) -> serde_json::Value {
        let v = serde_json::to_value(v).expect("plans serialize");
        let mut used: BTreeMap<String, String> = BTreeMap::new();
        segment_refs(&v, &mut |name| {
            let d = self.segments.get(name).copied().unwrap_or_default();
            used.insert(
                name.to_string(),
                d.iter().map(|b| format!("{b:02x}")).collect(),
            );
        });
        serde_json::json!({ "value": v, "segments": used })
    }

    /// Reach: per message, the places (conditions) that send it.
    pub(super) fn reach(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for n in &self.plan.nodes {
            if let NodeKind::Send { message } = &n.kind {
                if self.unreachable.contains(&n.id) {
                    continue;
                }
                let g = &self.guards[&n.id];
                let place = if g.is_empty() {
                    "always (on the main path)".to_string()
                } else {
                    g.join(", then ")
                };
                out.entry(message.clone()).or_default().insert(place);
            }
        }
        out
    }
}

pub(super) fn sides(a: &Analysis) -> BTreeMap<String, Side> {
    let program = &a.program;
    let cx = LintContext::new(program, &a.journeys, &a.sources, &a.roots);
    let mut out = BTreeMap::new();
    for (i, c) in program.campaigns.iter().enumerate() {
        if !a.roots.contains(&c.loc.file) {
            continue;
        }
        let id = CampaignId(i as u32);
        let plan = plan::emit::emit(program, id, &a.sources);
        let journey = &a.journeys[i];
        let bad = cx.unreachable_steps(journey);
        let unreachable = journey
            .graph
            .node_indices()
            .filter(|v| bad[v.index()])
            .map(|v| journey.graph[v].id.clone())
            .collect();
        let guards = guards(journey, &plan);
        let (blocks, inside) = blocks(journey, &plan);
        let file = a.sources.get(c.loc.file).project_path.clone();
        let segments = plan::segments::digests(&plan)
            .expect("the compiler writes a DAG of segments")
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        out.insert(
            c.name.clone(),
            Side {
                plan,
                file,
                unreachable,
                guards,
                blocks,
                inside,
                segments,
            },
        );
    }
    out
}

/// Calls `f` on the name of every `segment_ref` in a plan value.
pub(super) fn segment_refs(v: &serde_json::Value, f: &mut dyn FnMut(&str)) {
    match v {
        serde_json::Value::Object(o) => {
            if o.get("op").and_then(|op| op.as_str()) == Some("segment_ref") {
                if let Some(name) = o.get("name").and_then(|n| n.as_str()) {
                    f(name);
                }
            }
            o.values().for_each(|x| segment_refs(x, f));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| segment_refs(x, f)),
        _ => {}
    }
}

/// The conditions around every node: for each enclosing `if`, `wait for`,
/// `split` and `repeat`, outermost first, the way into the block that holds
/// the node.
pub(super) fn guards(journey: &Journey, plan: &Plan) -> BTreeMap<String, Vec<String>> {
    let g = &journey.graph;
    let mut out = BTreeMap::new();
    for v in g.node_indices() {
        let mut parts = Vec::new();
        let mut child = v;
        while let Some(parent) = g[child].parent {
            // The first step of the block that holds `child`.
            let mut first = child;
            while let Some(p) = g[first].prev {
                first = p;
            }
            if let Some(part) = guard(plan, &g[parent].id, &g[first].id) {
                parts.push(part);
            }
            child = parent;
        }
        parts.reverse();
        out.insert(g[v].id.clone(), parts);
    }
    out
}

pub(super) type Blocks = BTreeMap<String, Vec<(String, Vec<String>)>>;

/// The block structure of a journey (see [`Side::blocks`]).
pub(super) fn blocks(journey: &Journey, plan: &Plan) -> (Blocks, BTreeMap<String, usize>) {
    let g = &journey.graph;
    let ends = journey.subtree_ends();
    let mut blocks: Blocks = BTreeMap::new();
    let mut inside = BTreeMap::new();
    for v in journey.step_nodes() {
        inside.insert(g[v].id.clone(), ends[v.index()] - v.index());
        let mut first = v;
        while let Some(p) = g[first].prev {
            first = p;
        }
        let (parent, key) = match g[v].parent {
            None => (String::new(), "journey".to_string()),
            Some(p) => (g[p].id.clone(), block_key(plan, &g[p].id, &g[first].id)),
        };
        let list = blocks.entry(parent).or_default();
        match list.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ids)) => ids.push(g[v].id.clone()),
            None => list.push((key, vec![g[v].id.clone()])),
        }
    }
    (blocks, inside)
}

/// Which block of `parent` starts at `first`: `then#0`, `then#1`, `else`,
/// `event`, `timeout`, `arm:NAME`, `body`.
pub(super) fn block_key(plan: &Plan, parent: &str, first: &str) -> String {
    let Some(node) = plan.node(parent) else {
        return String::new();
    };
    let mut thens = 0;
    for e in &node.successors {
        let key = match &e.label {
            EdgeLabel::Then { .. } => {
                thens += 1;
                format!("then#{}", thens - 1)
            }
            EdgeLabel::Arm { arm, .. } => format!("arm:{arm}"),
            EdgeLabel::Next | EdgeLabel::Body => "body".to_string(),
            other => other.name().to_string(),
        };
        if e.to == first && !e.loop_back {
            return key;
        }
    }
    String::new()
}

/// How flow gets from the compound step `parent` into the block starting
/// at `first`, as a condition.
pub(super) fn guard(plan: &Plan, parent: &str, first: &str) -> Option<String> {
    let node = plan.node(parent)?;
    let edge = node
        .successors
        .iter()
        .find(|e| e.to == first && !e.loop_back)?;
    match (&node.kind, &edge.label) {
        (NodeKind::Branch, EdgeLabel::Then { when }) => {
            let mut earlier: Vec<String> = Vec::new();
            for e in &node.successors {
                if std::ptr::eq(e, edge) {
                    break;
                }
                if let EdgeLabel::Then { when } = &e.label {
                    earlier.push(format!("not {}", expr_at(when, 3)));
                }
            }
            earlier.push(expr(when));
            Some(format!("when {}", earlier.join(" and ")))
        }
        (NodeKind::Branch, EdgeLabel::Else) => {
            let nots: Vec<String> = node
                .successors
                .iter()
                .filter_map(|e| match &e.label {
                    EdgeLabel::Then { when } => Some(format!("not {}", expr_at(when, 3))),
                    _ => None,
                })
                .collect();
            Some(format!("when {}", nots.join(" and ")))
        }
        (NodeKind::WaitFor { on, filter, within }, EdgeLabel::Event) => Some(format!(
            "after {} within {}",
            wait_on(on, filter.as_ref()),
            format_duration(*within)
        )),
        (NodeKind::WaitFor { on, filter, within }, EdgeLabel::Timeout) => Some(format!(
            "when no {} within {}",
            wait_on(on, filter.as_ref()),
            format_duration(*within)
        )),
        (NodeKind::WaitForAny { arms, within }, EdgeLabel::On { arm }) => {
            let a = arms.iter().find(|a| a.arm == *arm)?;
            Some(format!(
                "after {} first within {}",
                wait_on(&a.on, a.filter.as_ref()),
                format_duration(*within)
            ))
        }
        (NodeKind::WaitForAny { within, .. }, EdgeLabel::Timeout) => Some(format!(
            "when none of what it waits for happens within {}",
            format_duration(*within)
        )),
        (NodeKind::Split, EdgeLabel::Arm { arm, weight }) => {
            Some(format!("in split arm {arm} ({})", percent(*weight)))
        }
        (NodeKind::Repeat { times }, EdgeLabel::Body) => Some(format!(
            "in each of {times} round{}",
            if *times == 1 { "" } else { "s" }
        )),
        _ => None,
    }
}
