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
//! The files, by job: `side` (one campaign of one side), `describe`
//! (conditions and steps printed for people), `align` (matching the steps
//! of two versions), `changes` (settings, content, reach), `mid_journey`
//! (the replacement rules of [`crate::runtime`], in words), `render`
//! (human, Markdown, JSON), `git` (reading a revision).
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

mod align;
mod changes;
mod describe;
pub mod git;
mod mid_journey;
mod render;
mod side;

use align::*;
use changes::*;
pub use describe::expr;
use describe::*;
use mid_journey::*;
pub use render::{md_escape, render, Format, JsonReport};
use side::*;

use crate::driver::{self, Analysis, Options};
use crate::graph::Journey;
use crate::lints::LintContext;
use crate::model::CampaignId;
use crate::plan::{
    self, CmpOp, DidWindow, EdgeLabel, Expr, MessageDecl, Node, NodeKind, Operand, Plan, Trigger,
    VarValue, WaitOn,
};
use crate::runtime;

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
    let tree = git::read_revision(&top, &commit)?;
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
