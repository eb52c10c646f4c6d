//! `omnis diff`: what a change to the campaigns means, in review terms.
//!
//! Both sides are compiled to plans (`crate::plan`) and compared campaign by
//! campaign (matched by name). Comparing plans rather than text means that
//! formatting, comments and moving declarations between files change
//! nothing, while a segment redefined in a shared file changes every
//! campaign whose conditions use it.
//!
//! For each campaign the report gives:
//! - whether it was **added** or **removed**;
//! - **settings**: trigger, audience, reentry, goal, exits, limits, window,
//!   time zone, description, and the most sends one journey can make, each
//!   with what the change does to people already in a journey;
//! - **steps** added, removed or changed. In each block the steps of both
//!   versions are aligned by kind and parameters (a minimal edit script),
//!   and aligned steps are compared by their structural node id (the ids
//!   of plans and of `omnis graph`: `send-cart_reminder`,
//!   `waitfor-order.then.wait`) and parameters: a step whose id changed
//!   (ids carry the message of a send and the event a `wait for` awaits)
//!   shows as changed with
//!   its old id, one whose `~N` moved because another of its kind was added
//!   or removed before it as renumbered. A step changed when its kind or
//!   parameters did (the message a `send` sends, a duration, what a `wait
//!   for` waits for, the conditions of an `if`, the arms and weights of a
//!   `split`, ...);
//! - **messages** and **channels** whose content or settings changed
//!   (template, subject, vars, channel; consent, quiet hours, limits);
//! - **reach**: messages newly sent, no longer sent, or sent under other
//!   conditions. The reach of a message is the set of places that send it,
//!   each described by the conditions around it: the `if` arms (with the
//!   earlier arms not taken), `wait for` outcomes, split arms and `repeat`s
//!   that enclose the send, outermost first. Sends no execution reaches
//!   (`unreachable-step`) do not count. Conditions are compared as the
//!   plan writes them (segments by name), so new ids do not change a
//!   reach, and `goto`s are not followed: a send inside `step NAME` is
//!   described by where the step is written;
//! - **people mid-journey**: for every step where people can be waiting
//!   (`wait`, `wait until`, `wait for`, and a `send` on a channel with quiet
//!   hours) that was removed or changed, what happens to the people waiting
//!   there when the new plan replaces the old one, by the rule runners
//!   follow (`docs/plan-format.md`, "Replacing a plan"):
//!   1. when the new plan has a node with the same id and the same kind,
//!      they stay there, keep their arrival time, and the new parameters
//!      apply as if they had been there from the start;
//!   2. otherwise they leave the step as if it had finished with nothing
//!      happening, and the runner follows the old plan from there, sending
//!      nothing and waiting nowhere, to the first node whose id the new plan
//!      has: they continue there, at once. Reaching an `exit` (or coming
//!      back to a node already passed) ends the journey; `@end` completes
//!      it.
//!
//! `--git REV` compares the working tree with a revision: the `.omni` files
//! and `omnis.toml`s of `REV` are read into memory (`git ls-tree` and `git
//! cat-file`, paths checked as `git fsck` does; see [`git`]) and the same
//! paths are compared there. Nothing is written to disk.
//!
//! Exit codes (the CLI): 0 nothing changed, 1 something changed, 2 errors
//! (including sources with errors on either side).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Serialize;

use crate::files::{Disk, Tree};
use git::git;

pub mod git;

use crate::driver::{self, Analysis, Options};
use crate::graph::Journey;
use crate::lints::LintContext;
use crate::model::CampaignId;
use crate::plan::{
    self, CmpOp, DidWindow, EdgeLabel, Expr, MessageDecl, Node, NodeKind, Operand, Plan, Trigger,
    VarValue, WaitOn,
};

use crate::words::{duration as format_duration, percent};

// ------------------------------------------------------------------ report

/// The whole comparison.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Report {
    /// What the old side is (a path, or `REV` with `--git`).
    pub old: String,
    /// What the new side is.
    pub new: String,
    /// Whether anything changed (the exit code is 1 when it did).
    pub changed: bool,
    /// Campaigns added, removed or changed, by name; unchanged ones are
    /// only counted.
    pub campaigns: Vec<CampaignDiff>,
    pub summary: Summary,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Summary {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub unchanged: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Added,
    Removed,
    Changed,
}

#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct CampaignDiff {
    pub campaign: String,
    pub status: Status,
    /// The file that declares it (the new side's, else the old side's),
    /// relative to the project root.
    pub file: String,
    /// For an added or removed campaign: what it does, in one line.
    pub about: Option<String>,
    pub settings: Vec<SettingChange>,
    pub steps: Vec<StepChange>,
    pub content: Vec<ContentChange>,
    pub reach: Vec<ReachChange>,
    pub mid_journey: Vec<MidJourney>,
}

/// A campaign setting that changed.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct SettingChange {
    /// `trigger`, `audience`, `reentry`, `goal`, `exits`, `limits`,
    /// `window`, `timezone`, `description`, `max_sends_per_person`.
    pub setting: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// What it means for people entering and for those mid-journey.
    pub effect: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Added,
    Removed,
    Changed,
    /// The same step under a new id: a step was added or removed before it
    /// in its block.
    Renumbered,
}

/// A step added, removed, changed or renumbered.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct StepChange {
    /// The node id: the new one, or the old one for a removed step.
    pub id: String,
    /// The old id, when it is not `id` (the step was renumbered, or is
    /// inside one that was).
    pub old_id: Option<String>,
    pub change: Change,
    /// For an added or removed compound step: how many steps are inside.
    pub inside: usize,
    /// The step before (removed, changed).
    pub old: Option<String>,
    /// The step after (added, changed).
    pub new: Option<String>,
    /// Why a change reads the same before and after, when it does.
    pub note: Option<String>,
}

/// A message or channel whose content or settings changed.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ContentChange {
    /// `message` or `channel`.
    pub kind: String,
    pub name: String,
    /// One entry per field: `subject: "a" -> "b"`.
    pub changes: Vec<String>,
}

/// A message sent in other places than before.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ReachChange {
    pub message: String,
    /// `newly sent`, `no longer sent` or `sent under other conditions`.
    pub summary: String,
    /// Places (conditions around a send) only the new version has.
    pub now: Vec<String>,
    /// Places only the old version had.
    pub before: Vec<String>,
}

/// What happens to people waiting at a step that was removed or changed.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct MidJourney {
    /// The old node id.
    pub at: String,
    /// The old step.
    pub step: String,
    /// `stay` (rule 1), `move` (rule 2: `to` says where), `end` (rule 2,
    /// the journey ends).
    pub rule: String,
    /// Where they go on (rule 2), each with the new step there.
    pub to: Vec<Landing>,
    /// The whole sentence.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub struct Landing {
    /// A node id of the new plan; `None` when the journey ends.
    pub id: Option<String>,
    /// The new step there, or how the journey ends.
    pub step: String,
}

// ------------------------------------------------------------------ errors

/// Why the comparison could not be made (exit code 2).
#[derive(Debug)]
pub enum DiffError {
    /// Wrong arguments.
    Usage(String),
    /// A path could not be read, or `omnis.toml` is invalid.
    Load {
        side: String,
        error: driver::Error,
    },
    /// The sources of one side have errors: no plans can be compared.
    Sources {
        side: String,
        analysis: Box<Analysis>,
    },
    /// A git command failed.
    Git(String),
    Io(String),
}

impl std::fmt::Display for DiffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiffError::Usage(m) | DiffError::Git(m) | DiffError::Io(m) => f.write_str(m),
            DiffError::Load { side, error } => write!(f, "{side}: {error}"),
            DiffError::Sources { side, analysis } => write!(
                f,
                "{side}: the campaigns have {} error(s); fix them to compare",
                analysis.error_count()
            ),
        }
    }
}

impl std::error::Error for DiffError {}

// ----------------------------------------------------------------- entries

/// Compares two files or folders.
pub fn diff_paths(old: &Path, new: &Path) -> Result<Report, DiffError> {
    for p in [old, new] {
        if !p.exists() {
            return Err(DiffError::Usage(format!(
                "{}: no such file or folder",
                p.display()
            )));
        }
    }
    let o = load_side(&Disk, &[old.to_path_buf()], &old.display().to_string())?;
    let n = load_side(&Disk, &[new.to_path_buf()], &new.display().to_string())?;
    Ok(compare(
        &o,
        &n,
        &old.display().to_string(),
        &new.display().to_string(),
    ))
}

/// Compares `paths` (default `.`) in the working tree with the same paths
/// at git revision `rev`.
pub fn diff_git(rev: &str, paths: &[PathBuf]) -> Result<Report, DiffError> {
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let cwd = std::env::current_dir().map_err(|e| DiffError::Io(e.to_string()))?;
    let top = git(&cwd, &["rev-parse", "--show-toplevel"], None)?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let top = top
        .canonicalize()
        .map_err(|e| DiffError::Io(format!("{}: {e}", top.display())))?;
    let commit = git(
        &cwd,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
        None,
    )
    .map_err(|_| DiffError::Git(format!("`{rev}` is not a revision of this repository")))?;
    let commit = String::from_utf8_lossy(&commit).trim().to_string();
    let mut rel = Vec::new();
    for p in &paths {
        let abs = p
            .canonicalize()
            .map_err(|e| DiffError::Usage(format!("{}: {e}", p.display())))?;
        let r = abs.strip_prefix(&top).map_err(|_| {
            DiffError::Usage(format!(
                "{} is outside the git repository at {}",
                p.display(),
                top.display()
            ))
        })?;
        rel.push(r.to_path_buf());
    }
    let tree = git::GitTree::read(&top, &commit)?;
    let old_paths: Vec<PathBuf> = rel
        .iter()
        .map(|r| top.join(r))
        .filter(|p| tree.kind(p).is_some())
        .collect();
    let old = if old_paths.is_empty() {
        Analysis::default()
    } else {
        load_side(&tree, &old_paths, rev)?
    };
    let new = load_side(&Disk, &paths, "working tree")?;
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    Ok(compare(&old, &new, rev, &shown.join(" ")))
}

fn load_side(tree: &dyn Tree, paths: &[PathBuf], side: &str) -> Result<Analysis, DiffError> {
    let a = driver::analyze_in(
        tree,
        &Options {
            paths: paths.to_vec(),
        },
        false,
    )
    .map_err(|error| DiffError::Load {
        side: side.to_string(),
        error,
    })?;
    if a.has_errors() {
        return Err(DiffError::Sources {
            side: side.to_string(),
            analysis: Box::new(a),
        });
    }
    Ok(a)
}

// ------------------------------------------------------------- one side

/// One campaign of one side: its plan and what the journey graph adds.
struct Side {
    plan: Plan,
    file: String,
    /// Ids of nodes no execution reaches.
    unreachable: HashSet<String>,
    /// Per node id: the conditions around it, outermost first.
    guards: BTreeMap<String, Vec<String>>,
    /// The blocks of each compound step (`""` for the journey itself): a
    /// key saying which block (`then#0`, `else`, `timeout`, `arm:a`,
    /// `body`, ...) and the ids of its steps, in order.
    blocks: BTreeMap<String, Vec<(String, Vec<String>)>>,
    /// Per step id: how many steps are inside it.
    inside: BTreeMap<String, usize>,
    /// What each segment of the plan means (`plan::segments::digests`).
    segments: BTreeMap<String, [u8; 32]>,
}

impl Side {
    fn node(&self, id: &str) -> Option<&Node> {
        self.plan.node(id)
    }

    /// `v` as JSON, with what the segments it refers to mean: equal on two
    /// sides exactly when `v` reads the same and so do its segments, all
    /// the way down (a segment redefined in a shared file changes it).
    fn meaning(&self, v: &impl Serialize) -> serde_json::Value {
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

    /// Where people can be waiting: waits, and sends delayed by quiet hours.
    fn holds_people(&self, n: &Node) -> bool {
        match &n.kind {
            NodeKind::Wait { .. } | NodeKind::WaitUntil { .. } | NodeKind::WaitFor { .. } => true,
            NodeKind::Send { message } => self
                .plan
                .messages
                .get(message)
                .and_then(|m| self.plan.channels.get(&m.channel))
                .and_then(|c| c.quiet_hours.as_ref())
                .is_some_and(|q| q.span() > 0),
            _ => false,
        }
    }

    /// Reach: per message, the places (conditions) that send it.
    fn reach(&self) -> BTreeMap<String, BTreeSet<String>> {
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

fn sides(a: &Analysis) -> BTreeMap<String, Side> {
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
fn segment_refs(v: &serde_json::Value, f: &mut dyn FnMut(&str)) {
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
fn guards(journey: &Journey, plan: &Plan) -> BTreeMap<String, Vec<String>> {
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

type Blocks = BTreeMap<String, Vec<(String, Vec<String>)>>;

/// The block structure of a journey (see [`Side::blocks`]).
fn blocks(journey: &Journey, plan: &Plan) -> (Blocks, BTreeMap<String, usize>) {
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
fn block_key(plan: &Plan, parent: &str, first: &str) -> String {
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
fn guard(plan: &Plan, parent: &str, first: &str) -> Option<String> {
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

// ------------------------------------------------------------ describing

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

fn var(v: &VarValue) -> String {
    match v {
        VarValue::Bool(b) => b.to_string(),
        VarValue::Number(n) => serde_json::to_string(n).unwrap_or_default(),
        VarValue::Text(t) => quote(t),
    }
}

fn operand(o: &Operand) -> String {
    match o {
        Operand::Attr { attr, .. } => attr.clone(),
        Operand::TriggerField {
            trigger_field,
            event,
            ..
        } => format!("{event}.{trigger_field}"),
        Operand::EventField {
            event_field, event, ..
        } => format!("{event}.{event_field}"),
        Operand::Date { date } => date.clone(),
        Operand::Duration { duration } => format_duration(*duration),
        Operand::TimeOfDay { time_of_day } => time_of_day.clone(),
        Operand::Const { value } => var(value),
    }
}

/// An expression as the language writes it (segments by name).
pub fn expr(e: &Expr) -> String {
    expr_at(e, 0)
}

/// `prec`: 0 anywhere, 1 inside `or`, 2 inside `and`, 3 after `not`.
fn expr_at(e: &Expr, prec: u8) -> String {
    let (own, text) = match e {
        Expr::Const { value } => (4, value.to_string()),
        Expr::Or { args } => (
            1,
            args.iter()
                .map(|a| expr_at(a, 1))
                .collect::<Vec<_>>()
                .join(" or "),
        ),
        Expr::And { args } => (
            2,
            args.iter()
                .map(|a| expr_at(a, 2))
                .collect::<Vec<_>>()
                .join(" and "),
        ),
        Expr::Not { arg } => match arg.as_ref() {
            Expr::IsSet { value } => (4, format!("{} is not set", operand(value))),
            other => (3, format!("not {}", expr_at(other, 3))),
        },
        Expr::Segment { name, .. } | Expr::SegmentRef { name } => (4, name.clone()),
        Expr::Cmp { cmp, left, right } => {
            // A bool attribute alone is emitted as `== true`.
            if *cmp == CmpOp::Eq
                && matches!(
                    right,
                    Operand::Const {
                        value: VarValue::Bool(true)
                    }
                )
                && matches!(left, Operand::Attr { .. })
            {
                (4, operand(left))
            } else {
                (
                    4,
                    format!("{} {} {}", operand(left), cmp.as_str(), operand(right)),
                )
            }
        }
        Expr::In { value, list } | Expr::NotIn { value, list } => {
            let list: Vec<String> = list.iter().map(operand).collect();
            let not = if matches!(e, Expr::NotIn { .. }) {
                " not"
            } else {
                ""
            };
            (
                4,
                format!("{}{not} in [{}]", operand(value), list.join(", ")),
            )
        }
        Expr::IsSet { value } => (4, format!("{} is set", operand(value))),
        Expr::Did {
            event,
            filter,
            window,
            at_least,
        } => {
            let mut t = format!("did {event}");
            if let Some(f) = filter {
                let _ = write!(t, " where {}", expr_at(f, 2));
            }
            match window {
                DidWindow::Ever => {}
                DidWindow::Within { seconds } => {
                    let _ = write!(t, " within {}", format_duration(*seconds));
                }
                DidWindow::SinceEntry => t.push_str(" since entry"),
            }
            if *at_least > 1 {
                let _ = write!(t, " at least {at_least} times");
            }
            (4, t)
        }
        Expr::Opened { message } => (4, format!("opened {message}")),
        Expr::Clicked { message } => (4, format!("clicked {message}")),
    };
    if own < prec || (own == 3 && prec == 3) {
        format!("({text})")
    } else {
        text
    }
}

fn wait_on(on: &WaitOn, filter: Option<&Expr>) -> String {
    let mut t = match on {
        WaitOn::Event { event } => event.clone(),
        WaitOn::Opened { message } => format!("opened {message}"),
        WaitOn::Clicked { message } => format!("clicked {message}"),
    };
    if let Some(f) = filter {
        let _ = write!(t, " where {}", expr(f));
    }
    t
}

fn trigger(t: &Trigger) -> String {
    match t {
        Trigger::Event { event, filter } => match filter {
            Some(f) => format!("{event} where {}", expr(f)),
            None => event.clone(),
        },
        Trigger::Enters { segment, .. } => format!("enters {segment}"),
        Trigger::Daily { at } => format!("daily at {at}"),
        Trigger::Weekly { on, at } => format!("weekly on {} at {at}", weekday(*on)),
        Trigger::Once { date, at } => format!("once at {date} {at}"),
    }
}

fn weekday(w: plan::Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][w.index() as usize]
}

/// A node as one line: `send cart_reminder via email`, `wait 1d`,
/// `if textable / else`.
fn describe(plan: &Plan, n: &Node) -> String {
    match &n.kind {
        NodeKind::Send { message } => match plan.messages.get(message) {
            Some(m) => format!("send {message} via {}", m.channel),
            None => format!("send {message}"),
        },
        NodeKind::Wait { seconds } => format!("wait {}", format_duration(*seconds)),
        NodeKind::WaitUntil { on, at } => match on {
            Some(d) => format!("wait until {} {at}", weekday(*d)),
            None => format!("wait until {at}"),
        },
        NodeKind::WaitFor { on, filter, within } => format!(
            "wait for {} within {}",
            wait_on(on, filter.as_ref()),
            format_duration(*within)
        ),
        NodeKind::Branch => {
            let mut arms = Vec::new();
            for e in &n.successors {
                match &e.label {
                    EdgeLabel::Then { when } if arms.is_empty() => {
                        arms.push(format!("if {}", expr(when)))
                    }
                    EdgeLabel::Then { when } => arms.push(format!("else if {}", expr(when))),
                    EdgeLabel::Else => arms.push("else".to_string()),
                    _ => {}
                }
            }
            arms.join(" / ")
        }
        NodeKind::Split => {
            let arms: Vec<String> = n
                .successors
                .iter()
                .filter_map(|e| match &e.label {
                    EdgeLabel::Arm { arm, weight } => Some(format!("{arm} {}", percent(*weight))),
                    _ => None,
                })
                .collect();
            format!("split {}", arms.join(" / "))
        }
        NodeKind::Repeat { times } => format!("repeat {times} times"),
        NodeKind::Step { name } => format!("step {name}"),
        NodeKind::Goto { target } => format!("goto {target}"),
        NodeKind::Exit => "exit".to_string(),
        NodeKind::End => "end of the journey".to_string(),
    }
}

/// What identifies a step's behaviour: its kind with parameters and its
/// edge labels (conditions, arms, weights, and what their segments mean),
/// not where its edges go.
fn signature(side: &Side, n: &Node) -> serde_json::Value {
    let labels: Vec<&EdgeLabel> = n.successors.iter().map(|e| &e.label).collect();
    side.meaning(&serde_json::json!({ "kind": n.kind, "edges": labels }))
}

fn kind_name(n: &Node) -> &'static str {
    match n.kind {
        NodeKind::Send { .. } => "send",
        NodeKind::Wait { .. } => "wait",
        NodeKind::WaitUntil { .. } => "wait_until",
        NodeKind::WaitFor { .. } => "wait_for",
        NodeKind::Branch => "branch",
        NodeKind::Split => "split",
        NodeKind::Repeat { .. } => "repeat",
        NodeKind::Step { .. } => "step",
        NodeKind::Goto { .. } => "goto",
        NodeKind::Exit => "exit",
        NodeKind::End => "end",
    }
}

/// Everything in a plan that matters to runners: not where it came from,
/// nor line numbers and arrival times (derived).
fn semantic(plan: &Plan) -> serde_json::Value {
    let mut v = serde_json::to_value(plan).expect("plans serialize");
    if let Some(o) = v.as_object_mut() {
        o.remove("source");
        o.remove("compiler");
        if let Some(nodes) = o.get_mut("nodes").and_then(|n| n.as_array_mut()) {
            for n in nodes {
                if let Some(n) = n.as_object_mut() {
                    for k in ["line", "column", "earliest", "latest"] {
                        n.remove(k);
                    }
                }
            }
        }
    }
    v
}

// ------------------------------------------------------------- comparing

/// Compares two analyses (both free of errors).
pub fn compare(old: &Analysis, new: &Analysis, old_name: &str, new_name: &str) -> Report {
    let olds = sides(old);
    let news = sides(new);
    let mut names: BTreeSet<&String> = olds.keys().collect();
    names.extend(news.keys());
    let mut campaigns = Vec::new();
    let mut summary = Summary::default();
    for name in names {
        match (olds.get(name), news.get(name)) {
            (None, Some(n)) => {
                summary.added += 1;
                campaigns.push(CampaignDiff {
                    campaign: name.clone(),
                    status: Status::Added,
                    file: n.file.clone(),
                    about: Some(format!(
                        "{}; people enter from when the plan is deployed",
                        about(n)
                    )),
                    ..empty(name, Status::Added, &n.file)
                });
            }
            (Some(o), None) => {
                summary.removed += 1;
                campaigns.push(CampaignDiff {
                    about: Some(format!(
                        "{}; runners stop it: journeys in progress end and nothing more is sent",
                        about(o)
                    )),
                    ..empty(name, Status::Removed, &o.file)
                });
            }
            (Some(o), Some(n)) => {
                if semantic(&o.plan) == semantic(&n.plan) {
                    summary.unchanged += 1;
                    continue;
                }
                summary.changed += 1;
                campaigns.push(campaign_diff(name, o, n));
            }
            (None, None) => unreachable!(),
        }
    }
    Report {
        old: old_name.to_string(),
        new: new_name.to_string(),
        changed: !campaigns.is_empty(),
        campaigns,
        summary,
    }
}

fn empty(name: &str, status: Status, file: &str) -> CampaignDiff {
    CampaignDiff {
        campaign: name.to_string(),
        status,
        file: file.to_string(),
        about: None,
        settings: Vec::new(),
        steps: Vec::new(),
        content: Vec::new(),
        reach: Vec::new(),
        mid_journey: Vec::new(),
    }
}

/// One line about a campaign: its trigger and what it sends.
fn about(s: &Side) -> String {
    let steps = s.plan.nodes.iter().filter(|n| n.id != "@end").count();
    let sent: BTreeSet<&String> = s
        .plan
        .nodes
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Send { message } => Some(message),
            _ => None,
        })
        .collect();
    let sends = if sent.is_empty() {
        "sends nothing".to_string()
    } else {
        format!(
            "sends {}",
            sent.iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "triggered by {}, {steps} step{}, {sends}",
        trigger(&s.plan.trigger),
        if steps == 1 { "" } else { "s" }
    )
}

fn limits(ls: &[plan::Limit]) -> Option<String> {
    if ls.is_empty() {
        return None;
    }
    Some(
        ls.iter()
            .map(|l| format!("{} per {}", l.count, format_duration(l.per)))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn campaign_diff(name: &str, o: &Side, n: &Side) -> CampaignDiff {
    let mut d = empty(name, Status::Changed, &n.file);
    d.settings = settings(o, n);
    let (steps, aligned) = steps(o, n);
    d.steps = steps;
    d.content = content(o, n);
    d.reach = reach(o, n);
    d.mid_journey = mid_journey(o, n, &aligned);
    if d.settings.is_empty()
        && d.steps.is_empty()
        && d.content.is_empty()
        && d.reach.is_empty()
        && d.mid_journey.is_empty()
    {
        // Something the sections do not itemize (e.g. a type in the
        // profile): say so rather than nothing.
        d.settings.push(SettingChange {
            setting: "plan".into(),
            old: None,
            new: None,
            effect: Some(
                "the plan changed in a way the sections above do not list (declarations it \
                 reads, such as attribute or event types); compare the plans from `omnis build`"
                    .into(),
            ),
        });
    }
    d
}

fn settings(o: &Side, n: &Side) -> Vec<SettingChange> {
    let (op, np) = (&o.plan, &n.plan);
    let mut out = Vec::new();
    let mut push =
        |setting: &str, old: Option<String>, new: Option<String>, effect: Option<String>| {
            if old != new {
                out.push(SettingChange {
                    setting: setting.into(),
                    old,
                    new,
                    effect,
                });
            }
        };
    let new_entries = Some("applies to new entries; journeys in progress go on".to_string());
    if o.meaning(&op.trigger) != n.meaning(&np.trigger) {
        let (a, b) = (trigger(&op.trigger), trigger(&np.trigger));
        let same = a == b;
        push(
            "trigger",
            Some(a),
            Some(if same {
                format!("{b} (a segment or type it uses changed)")
            } else {
                b
            }),
            new_entries.clone(),
        );
    }
    if o.meaning(&op.audience) != n.meaning(&np.audience) {
        let a = op.audience.as_ref().map(expr);
        let mut b = np.audience.as_ref().map(expr);
        if a == b {
            b = b.map(|b| format!("{b} (a segment or type it uses changed)"));
        }
        push(
            "audience",
            Some(a.unwrap_or_else(|| "everyone".into())),
            Some(b.unwrap_or_else(|| "everyone".into())),
            new_entries.clone(),
        );
    }
    if op.reentry != np.reentry {
        let r = |r: &plan::Reentry| match r {
            plan::Reentry::Never => "never".to_string(),
            plan::Reentry::Always => "always".to_string(),
            plan::Reentry::After { after } => format!("after {}", format_duration(*after)),
        };
        push(
            "reentry",
            Some(r(&op.reentry)),
            Some(r(&np.reentry)),
            new_entries.clone(),
        );
    }
    if op.goal != np.goal {
        let effect = match &np.goal {
            Some(g) => {
                format!("from the change on, `{g}` ends journeys in progress as a conversion")
            }
            None => "nothing ends journeys as a conversion any more".to_string(),
        };
        push("goal", op.goal.clone(), np.goal.clone(), Some(effect));
    }
    if op.exits != np.exits {
        let added: Vec<&String> = np.exits.iter().filter(|e| !op.exits.contains(e)).collect();
        let gone: Vec<&String> = op.exits.iter().filter(|e| !np.exits.contains(e)).collect();
        let mut effect = Vec::new();
        if !added.is_empty() {
            effect.push(format!(
                "{} now end{} journeys in progress",
                list(&added),
                if added.len() == 1 { "s" } else { "" }
            ));
        }
        if !gone.is_empty() {
            effect.push(format!(
                "{} no longer end{} them",
                list(&gone),
                if gone.len() == 1 { "s" } else { "" }
            ));
        }
        let show = |v: &[String]| (!v.is_empty()).then(|| v.join(", "));
        push(
            "exits",
            show(&op.exits),
            show(&np.exits),
            Some(effect.join("; ")),
        );
    }
    if op.limits != np.limits {
        push(
            "limits",
            limits(&op.limits),
            limits(&np.limits),
            Some(
                "sends from the change on count against the new limits (sends already made count too)"
                    .into(),
            ),
        );
    }
    if op.window != np.window {
        let w = |w: &Option<plan::Window>| w.as_ref().map(|w| format!("{} to {}", w.from, w.to));
        let effect = match &np.window {
            Some(w) => format!(
                "entries open {}; journeys still running end at {}",
                w.opens_at, w.closes_at
            ),
            None => "no window: entries stay open and journeys no longer end at a date".into(),
        };
        push("window", w(&op.window), w(&np.window), Some(effect));
    }
    if op.timezone != np.timezone || op.timezone_attribute != np.timezone_attribute {
        let tz = |p: &Plan| match &p.timezone_attribute {
            Some(a) => format!("{} (or the person's `{a}`)", p.timezone),
            None => p.timezone.clone(),
        };
        push(
            "timezone",
            Some(tz(op)),
            Some(tz(np)),
            Some("times of day (wait until, quiet hours, scheduled triggers) move with it".into()),
        );
    }
    if op.description != np.description {
        push(
            "description",
            op.description.clone(),
            np.description.clone(),
            None,
        );
    }
    if op.max_sends_per_person != np.max_sends_per_person {
        let m = |m: Option<u64>| {
            Some(m.map_or("unbounded (a loop sends)".to_string(), |m| m.to_string()))
        };
        push(
            "max_sends_per_person",
            m(op.max_sends_per_person),
            m(np.max_sends_per_person),
            Some("the most messages one journey can send".into()),
        );
    }
    out
}

fn list(items: &[&String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Steps, aligned block by block: in each block the steps of both versions
/// are matched by their kind and parameters (a minimal edit script), so
/// that a step inserted or removed shows as such and the steps after it as
/// renumbered, not as a cascade of changes. Where nothing was inserted or
/// removed this is matching by id.
fn steps(o: &Side, n: &Side) -> (Vec<StepChange>, Aligned) {
    let mut out = Vec::new();
    let mut map = Aligned::new();
    align(o, n, "", "", false, &mut out, &mut map);
    (out, map)
}

/// Old step id -> the new step it was aligned with (the same step, maybe
/// changed or renumbered); removed steps are absent.
type Aligned = BTreeMap<String, String>;

fn align(
    o: &Side,
    n: &Side,
    op: &str,
    np: &str,
    moved: bool,
    out: &mut Vec<StepChange>,
    map: &mut Aligned,
) {
    use similar::{capture_diff_slices, Algorithm, DiffOp};
    let none = Vec::new();
    let ob = o.blocks.get(op).unwrap_or(&none);
    let nb = n.blocks.get(np).unwrap_or(&none);
    let mut keys: Vec<&String> = nb.iter().map(|(k, _)| k).collect();
    for (k, _) in ob {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let empty = Vec::new();
    for key in keys {
        let a = ob.iter().find(|(k, _)| k == key).map_or(&empty, |(_, v)| v);
        let b = nb.iter().find(|(k, _)| k == key).map_or(&empty, |(_, v)| v);
        let sig = |side: &Side, id: &String| {
            side.node(id)
                .map(|n| signature(side, n).to_string())
                .unwrap_or_default()
        };
        let sa: Vec<String> = a.iter().map(|id| sig(o, id)).collect();
        let sb: Vec<String> = b.iter().map(|id| sig(n, id)).collect();
        for d in capture_diff_slices(Algorithm::Myers, &sa, &sb) {
            match d {
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => {
                    for k in 0..len {
                        let (x, y) = (&a[old_index + k], &b[new_index + k]);
                        if x != y && !moved {
                            out.push(StepChange {
                                id: y.clone(),
                                old_id: Some(x.clone()),
                                change: Change::Renumbered,
                                inside: 0,
                                old: o.node(x).map(|v| describe(&o.plan, v)),
                                new: n.node(y).map(|v| describe(&n.plan, v)),
                                note: None,
                            });
                        }
                        map.insert(x.clone(), y.clone());
                        align(o, n, x, y, moved || x != y, out, map);
                    }
                }
                DiffOp::Delete {
                    old_index, old_len, ..
                } => {
                    for x in &a[old_index..old_index + old_len] {
                        out.push(removed(o, x));
                    }
                }
                DiffOp::Insert {
                    new_index, new_len, ..
                } => {
                    for y in &b[new_index..new_index + new_len] {
                        out.push(added(n, y));
                    }
                }
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    let both = old_len.min(new_len);
                    for k in 0..both {
                        let (x, y) = (&a[old_index + k], &b[new_index + k]);
                        let (nx, ny) = (o.node(x).expect("old step"), n.node(y).expect("new step"));
                        if kind_name(nx) != kind_name(ny) {
                            out.push(removed(o, x));
                            out.push(added(n, y));
                            continue;
                        }
                        let (da, db) = (describe(&o.plan, nx), describe(&n.plan, ny));
                        let note = (da == db).then(|| {
                            "reads the same: a segment, attribute or event it uses changed"
                                .to_string()
                        });
                        out.push(StepChange {
                            id: y.clone(),
                            old_id: (x != y).then(|| x.clone()),
                            change: Change::Changed,
                            inside: 0,
                            old: Some(da),
                            new: Some(db),
                            note,
                        });
                        map.insert(x.clone(), y.clone());
                        align(o, n, x, y, moved || x != y, out, map);
                    }
                    for x in &a[old_index + both..old_index + old_len] {
                        out.push(removed(o, x));
                    }
                    for y in &b[new_index + both..new_index + new_len] {
                        out.push(added(n, y));
                    }
                }
            }
        }
    }
}

fn removed(o: &Side, id: &str) -> StepChange {
    StepChange {
        id: id.to_string(),
        old_id: None,
        change: Change::Removed,
        inside: o.inside.get(id).copied().unwrap_or(0),
        old: o.node(id).map(|x| describe(&o.plan, x)),
        new: None,
        note: None,
    }
}

fn added(n: &Side, id: &str) -> StepChange {
    StepChange {
        id: id.to_string(),
        old_id: None,
        change: Change::Added,
        inside: n.inside.get(id).copied().unwrap_or(0),
        old: None,
        new: n.node(id).map(|x| describe(&n.plan, x)),
        note: None,
    }
}

fn message_changes(a: &MessageDecl, b: &MessageDecl) -> Vec<String> {
    let mut out = Vec::new();
    if a.channel != b.channel {
        out.push(format!("channel: {} -> {}", a.channel, b.channel));
    }
    if a.template != b.template {
        out.push(format!(
            "template: {} -> {}",
            quote(&a.template),
            quote(&b.template)
        ));
    }
    if a.subject != b.subject {
        let s = |s: &Option<String>| s.as_deref().map_or("none".to_string(), quote);
        out.push(format!("subject: {} -> {}", s(&a.subject), s(&b.subject)));
    }
    let keys: BTreeSet<&String> = a.vars.keys().chain(b.vars.keys()).collect();
    for k in keys {
        let (x, y) = (a.vars.get(k), b.vars.get(k));
        if x != y {
            let s = |v: Option<&VarValue>| v.map_or("unset".to_string(), var);
            out.push(format!("vars.{k}: {} -> {}", s(x), s(y)));
        }
    }
    out
}

fn content(o: &Side, n: &Side) -> Vec<ContentChange> {
    let mut out = Vec::new();
    for (name, a) in &o.plan.messages {
        if let Some(b) = n.plan.messages.get(name) {
            let changes = message_changes(a, b);
            if !changes.is_empty() {
                out.push(ContentChange {
                    kind: "message".into(),
                    name: name.clone(),
                    changes,
                });
            }
        }
    }
    for (name, a) in &o.plan.channels {
        let Some(b) = n.plan.channels.get(name) else {
            continue;
        };
        let mut changes = Vec::new();
        if a.kind != b.kind {
            changes.push(format!("kind: {} -> {}", a.kind, b.kind));
        }
        if a.consent != b.consent {
            let c = |c: &Option<String>| c.clone().unwrap_or_else(|| "none".into());
            changes.push(format!("consent: {} -> {}", c(&a.consent), c(&b.consent)));
        }
        if a.quiet_hours != b.quiet_hours {
            let q = |q: &Option<plan::QuietHours>| {
                q.as_ref()
                    .map_or("none".to_string(), |q| format!("{} to {}", q.from, q.to))
            };
            changes.push(format!(
                "quiet hours: {} -> {}",
                q(&a.quiet_hours),
                q(&b.quiet_hours)
            ));
        }
        if a.limits != b.limits {
            let l = |l: &[plan::Limit]| limits(l).unwrap_or_else(|| "none".into());
            changes.push(format!("limits: {} -> {}", l(&a.limits), l(&b.limits)));
        }
        if !changes.is_empty() {
            out.push(ContentChange {
                kind: "channel".into(),
                name: name.clone(),
                changes,
            });
        }
    }
    out
}

fn reach(o: &Side, n: &Side) -> Vec<ReachChange> {
    let (ro, rn) = (o.reach(), n.reach());
    let names: BTreeSet<&String> = ro.keys().chain(rn.keys()).collect();
    let empty = BTreeSet::new();
    let mut out = Vec::new();
    for m in names {
        let (a, b) = (ro.get(m).unwrap_or(&empty), rn.get(m).unwrap_or(&empty));
        if a == b {
            continue;
        }
        let summary = if a.is_empty() {
            "newly sent"
        } else if b.is_empty() {
            "no longer sent"
        } else {
            "sent under other conditions"
        };
        out.push(ReachChange {
            message: m.clone(),
            summary: summary.into(),
            now: b.difference(a).cloned().collect(),
            before: a.difference(b).cloned().collect(),
        });
    }
    out
}

fn mid_journey(o: &Side, n: &Side, aligned: &Aligned) -> Vec<MidJourney> {
    let mut out = Vec::new();
    for a in &o.plan.nodes {
        if !o.holds_people(a) || o.unreachable.contains(&a.id) {
            continue;
        }
        let step = describe(&o.plan, a);
        match n.node(&a.id) {
            // The id now names another step of the same kind (the old one
            // was removed or got another id): rule 1 keeps them there.
            Some(b)
                if kind_name(a) == kind_name(b)
                    && aligned.get(&a.id).map(String::as_str) != Some(a.id.as_str()) =>
            {
                let now = describe(&n.plan, b);
                let was = aligned
                    .iter()
                    .find(|(_, new)| **new == a.id)
                    .map(|(old, _)| format!(", the one that was `{old}`"))
                    .unwrap_or_else(|| ", a new step".to_string());
                let fate = match aligned.get(&a.id) {
                    Some(other) => format!("their step is now `{other}`"),
                    None => "their step was removed".to_string(),
                };
                out.push(MidJourney {
                    at: a.id.clone(),
                    step: step.clone(),
                    rule: "stay".into(),
                    to: vec![Landing {
                        id: Some(a.id.clone()),
                        step: now.clone(),
                    }],
                    text: format!(
                        "people at `{}` ({step}): {fate}, but runners find them by id and \
                         `{}` now names another step ({now}{was}); they stay there, keep their \
                         arrival time, and go on from there",
                        a.id, a.id
                    ),
                });
            }
            Some(b) if kind_name(a) == kind_name(b) => {
                if signature(o, a) == signature(n, b) && !send_changed(o, n, a, b) {
                    continue;
                }
                let now = describe(&n.plan, b);
                let what = match &b.kind {
                    NodeKind::Wait { seconds } => format!(
                        "the wait is now {}, counted from when they arrived (those who arrived \
                         longer ago move on at once)",
                        format_duration(*seconds)
                    ),
                    NodeKind::WaitUntil { .. } => format!(
                        "they now {now}: the next such moment at or after their arrival \
                         (at once if it has passed)"
                    ),
                    NodeKind::WaitFor { .. } => {
                        format!("they now {now}, counted from when they arrived")
                    }
                    NodeKind::Send { message } => match &a.kind {
                        NodeKind::Send { message: was } if was == message => format!(
                            "when the quiet hours end they get `{message}` with its new content"
                        ),
                        _ => format!("when the quiet hours end they get the new step: {now}"),
                    },
                    _ => format!("the step is now: {now}"),
                };
                out.push(MidJourney {
                    at: a.id.clone(),
                    step: step.clone(),
                    rule: "stay".into(),
                    to: Vec::new(),
                    text: format!("people at `{}` ({step}) stay there; {what}", a.id),
                });
            }
            other => {
                let why = match (other, aligned.get(&a.id)) {
                    (_, Some(new)) if *new != a.id => format!(
                        "the step is now `{new}` ({}), an id runners do not match with `{}`",
                        n.node(new)
                            .map(|b| describe(&n.plan, b))
                            .unwrap_or_default(),
                        a.id
                    ),
                    (None, _) => "the step no longer exists".to_string(),
                    (Some(b), _) => format!(
                        "`{}` is now another kind of step ({})",
                        a.id,
                        describe(&n.plan, b)
                    ),
                };
                let to = landings(o, n, a);
                let ends = to
                    .iter()
                    .all(|l| l.id.is_none() || l.id.as_deref() == Some("@end"));
                let places: Vec<String> = to
                    .iter()
                    .map(|l| match &l.id {
                        Some(id) if id != "@end" => format!("`{id}` ({})", l.step),
                        _ => l.step.clone(),
                    })
                    .collect();
                let text = if ends && to.len() == 1 {
                    format!("people at `{}` ({step}): {why}; {}", a.id, places[0])
                } else if to.len() == 1 {
                    format!(
                        "people at `{}` ({step}): {why}; they move on at once to {}",
                        a.id, places[0]
                    )
                } else {
                    format!(
                        "people at `{}` ({step}): {why}; they move on at once, depending on \
                         the branches and splits after it, to one of: {}",
                        a.id,
                        places.join("; ")
                    )
                };
                out.push(MidJourney {
                    at: a.id.clone(),
                    step,
                    rule: if ends { "end" } else { "move" }.into(),
                    to,
                    text,
                });
            }
        }
    }
    out
}

/// A send held by quiet hours whose message changed content counts as a
/// change for the people held there.
fn send_changed(o: &Side, n: &Side, a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Send { message: x }, NodeKind::Send { message: y }) => {
            o.plan.messages.get(x) != n.plan.messages.get(y)
        }
        _ => false,
    }
}

/// Rule 2: from old node `at`, as if it finished with nothing happening,
/// follow the old plan to the first nodes the new plan has.
fn landings(o: &Side, n: &Side, at: &Node) -> Vec<Landing> {
    let mut out = BTreeSet::new();
    let mut seen: HashSet<&str> = HashSet::new();
    seen.insert(&at.id);
    let first: Vec<&str> = at
        .successors
        .iter()
        .filter(|e| match at.kind {
            NodeKind::WaitFor { .. } => matches!(e.label, EdgeLabel::Timeout),
            _ => true,
        })
        .map(|e| e.to.as_str())
        .collect();
    let mut stack = first;
    while let Some(id) = stack.pop() {
        if let Some(b) = n.node(id) {
            let step = if id == "@end" {
                "their journey is completed (the end)".to_string()
            } else {
                describe(&n.plan, b)
            };
            out.insert(Landing {
                id: Some(id.to_string()),
                step,
            });
            continue;
        }
        if !seen.insert(id) {
            out.insert(Landing {
                id: None,
                step:
                    "their journey ends (the old plan loops back without reaching a surviving step)"
                        .into(),
            });
            continue;
        }
        let Some(y) = o.node(id) else { continue };
        if matches!(y.kind, NodeKind::Exit) {
            out.insert(Landing {
                id: None,
                step: format!("their journey ends (the `exit` at `{id}`)"),
            });
            continue;
        }
        for e in y.successors.iter().rev() {
            stack.push(&e.to);
        }
    }
    out.into_iter().collect()
}

// -------------------------------------------------------------- rendering

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Markdown,
    Json,
}

/// The report of `omnis diff --format json`: what changed between two
/// versions of the campaigns, in review terms.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "Omnis campaign diff")]
pub struct JsonReport<'a> {
    /// The version of this format, `major.minor` (this is `1.0`). A minor
    /// version only adds; a major version breaks.
    pub format_version: &'a str,
    #[serde(flatten)]
    pub report: &'a Report,
}

pub fn render(r: &Report, format: Format) -> String {
    match format {
        Format::Json => {
            let report = JsonReport {
                format_version: crate::schemas::DIFF_FORMAT_VERSION,
                report: r,
            };
            let mut s = serde_json::to_string_pretty(&report).expect("reports serialize");
            s.push('\n');
            s
        }
        Format::Human => human(r),
        Format::Markdown => markdown(r),
    }
}

fn renumber_note(c: &CampaignDiff) -> Option<String> {
    c.steps.iter().any(|s| s.old_id.is_some()).then(|| {
        "runners find waiting people by node id: where a step's id changed (a send of another \
         message, a wait for another event, or a step of its kind added or removed before it \
         in its block), the people waiting there count as at a step that is gone"
            .to_string()
    })
}

fn arrow(old: &Option<String>, new: &Option<String>) -> String {
    let s = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    format!("{} -> {}", s(old), s(new))
}

/// The steps section, one line per change; renumbered steps of a block on
/// one line. `md`: code spans.
fn step_lines(steps: &[StepChange], md: bool) -> Vec<String> {
    let c = |t: &str| {
        if md {
            format!("`{t}`")
        } else {
            t.to_string()
        }
    };
    let mut lines = Vec::new();
    let mut renumbered: Vec<String> = Vec::new();
    let flush = |renumbered: &mut Vec<String>, lines: &mut Vec<String>| {
        if !renumbered.is_empty() {
            lines.push(format!(
                "renumbered (same step, new id; the steps inside them too): {}",
                renumbered.join(", ")
            ));
            renumbered.clear();
        }
    };
    for s in steps {
        if s.change == Change::Renumbered {
            let from = s.old_id.as_deref().unwrap_or("");
            renumbered.push(format!("{} -> {}", c(from), c(&s.id)));
            continue;
        }
        flush(&mut renumbered, &mut lines);
        let id = match &s.old_id {
            Some(o) => format!("{} (was {})", c(&s.id), c(o)),
            None => c(&s.id),
        };
        let inside = if s.inside > 0 {
            format!(
                " (with the {} step{} inside)",
                s.inside,
                if s.inside == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        let text = |v: &Option<String>| c(v.as_deref().unwrap_or(""));
        let mut line = match s.change {
            Change::Added => format!("+ {id}: {}{inside}", text(&s.new)),
            Change::Removed => format!("- {id}: {}{inside}", text(&s.old)),
            _ => format!("~ {id}: {} -> {}", text(&s.old), text(&s.new)),
        };
        if md {
            // A leading `+`/`-` would start a nested list.
            line = match s.change {
                Change::Added => format!("added {}", &line[2..]),
                Change::Removed => format!("removed {}", &line[2..]),
                _ => format!("changed {}", &line[2..]),
            };
        }
        if let Some(n) = &s.note {
            let _ = write!(line, " ({n})");
        }
        lines.push(line);
    }
    flush(&mut renumbered, &mut lines);
    lines
}

fn counts(r: &Report) -> String {
    let s = &r.summary;
    format!(
        "{} changed, {} added, {} removed, {} unchanged",
        s.changed, s.added, s.removed, s.unchanged
    )
}

fn human(r: &Report) -> String {
    let mut out = String::new();
    if !r.changed {
        let _ = writeln!(
            out,
            "no campaign changes between {} and {} ({} unchanged)",
            r.old, r.new, r.summary.unchanged
        );
        return out;
    }
    for c in &r.campaigns {
        let status = match c.status {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
        };
        let _ = writeln!(out, "campaign {} ({}): {status}", c.campaign, c.file);
        if let Some(a) = &c.about {
            let _ = writeln!(out, "  {a}");
        }
        if !c.settings.is_empty() {
            out.push_str("  settings\n");
            for s in &c.settings {
                if s.old.is_some() || s.new.is_some() {
                    let _ = writeln!(out, "    {}: {}", s.setting, arrow(&s.old, &s.new));
                } else {
                    let _ = writeln!(out, "    {}", s.setting);
                }
                if let Some(e) = &s.effect {
                    let _ = writeln!(out, "      {e}");
                }
            }
        }
        if !c.steps.is_empty() {
            out.push_str("  steps\n");
            for line in step_lines(&c.steps, false) {
                let _ = writeln!(out, "    {line}");
            }
        }
        if !c.content.is_empty() {
            out.push_str("  messages and channels\n");
            for m in &c.content {
                let _ = writeln!(out, "    {} {}", m.kind, m.name);
                for ch in &m.changes {
                    let _ = writeln!(out, "      {ch}");
                }
            }
        }
        if !c.reach.is_empty() {
            out.push_str("  reach\n");
            for m in &c.reach {
                let _ = writeln!(out, "    {}: {}", m.message, m.summary);
                for p in &m.now {
                    let _ = writeln!(out, "      + {p}");
                }
                for p in &m.before {
                    let _ = writeln!(out, "      - {p}");
                }
            }
        }
        if !c.mid_journey.is_empty() {
            out.push_str("  people mid-journey\n");
            if let Some(note) = renumber_note(c) {
                let _ = writeln!(out, "    ({note})");
            }
            for m in &c.mid_journey {
                let _ = writeln!(out, "    {}", m.text);
            }
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", counts(r));
    out
}

/// Escapes Markdown outside code spans: `<`, `>` (HTML), `*`, `_` at word
/// starts, `[`, `]`, `\\`.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut code = false;
    let mut prev = ' ';
    for ch in s.chars() {
        if ch == '`' {
            code = !code;
            out.push(ch);
        } else if code {
            out.push(ch);
        } else {
            match ch {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '*' | '[' | ']' | '\\' => {
                    out.push('\\');
                    out.push(ch);
                }
                '_' if !prev.is_alphanumeric() => out.push_str("\\_"),
                c => out.push(c),
            }
        }
        prev = ch;
    }
    out
}

/// Markdown for pull-request comments.
fn markdown(r: &Report) -> String {
    md_escape_lines(&markdown_raw(r))
}

/// Escapes every line but the headings' code spans and list markers.
fn md_escape_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let (lead, rest) = match line.find(|c: char| !matches!(c, ' ' | '-' | '#')) {
            Some(i) => line.split_at(i),
            None => (line, ""),
        };
        // `**Settings**` and `_note_` lines are ours.
        if rest.starts_with("**") || (rest.starts_with('_') && rest.ends_with('_')) {
            out.push_str(line);
        } else {
            out.push_str(lead);
            out.push_str(&md_escape(rest));
        }
        out.push('\n');
    }
    out
}

fn markdown_raw(r: &Report) -> String {
    let mut out = String::from("### Omnis: campaign changes\n\n");
    if !r.changed {
        let _ = writeln!(
            out,
            "No campaign changes ({} unchanged).",
            r.summary.unchanged
        );
        return out;
    }
    let _ = writeln!(out, "Between `{}` and `{}`: {}.\n", r.old, r.new, counts(r));
    for c in &r.campaigns {
        let status = match c.status {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
        };
        let _ = writeln!(out, "#### `{}` ({status}, `{}`)\n", c.campaign, c.file);
        if let Some(a) = &c.about {
            let _ = writeln!(out, "{a}.\n");
        }
        if !c.settings.is_empty() {
            out.push_str("**Settings**\n\n");
            for s in &c.settings {
                let mut line = if s.old.is_some() || s.new.is_some() {
                    format!("- {}: `{}`", s.setting, arrow(&s.old, &s.new))
                } else {
                    format!("- {}", s.setting)
                };
                if let Some(e) = &s.effect {
                    let _ = write!(line, ": {e}");
                }
                let _ = writeln!(out, "{line}");
            }
            out.push('\n');
        }
        if !c.steps.is_empty() {
            out.push_str("**Steps**\n\n");
            for line in step_lines(&c.steps, true) {
                let _ = writeln!(out, "- {line}");
            }
            out.push('\n');
        }
        if !c.content.is_empty() {
            out.push_str("**Messages and channels**\n\n");
            for m in &c.content {
                let _ = writeln!(out, "- {} `{}`: {}", m.kind, m.name, m.changes.join("; "));
            }
            out.push('\n');
        }
        if !c.reach.is_empty() {
            out.push_str("**Reach**\n\n");
            for m in &c.reach {
                let _ = writeln!(out, "- `{}`: {}", m.message, m.summary);
                for p in &m.now {
                    let _ = writeln!(out, "  - now: {p}");
                }
                for p in &m.before {
                    let _ = writeln!(out, "  - no longer: {p}");
                }
            }
            out.push('\n');
        }
        if !c.mid_journey.is_empty() {
            out.push_str("**People mid-journey**\n\n");
            if let Some(note) = renumber_note(c) {
                let _ = writeln!(out, "_{note}_\n");
            }
            for m in &c.mid_journey {
                let _ = writeln!(out, "- {}", m.text);
            }
            out.push('\n');
        }
    }
    out
}
