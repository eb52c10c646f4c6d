//! The plans a worker runs: read from a built folder through its manifest
//! (docs/plan-format.md, "The output folder"), compiled once by the
//! runtime core, and kept by content (`sha256`) for the life of the
//! process, so that a workflow that started on a plan finds the same plan
//! on every replay, whatever was loaded since.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock, RwLock};

use anyhow::{bail, Context, Result};
use omnis::plan::{manifest::Manifest, Plan};
use omnis::runtime::{Project, Runtime};
use sha2::{Digest, Sha256};

/// A plan loaded for execution.
pub struct Loaded {
    pub sha256: String,
    pub plan: Plan,
    pub runtime: Runtime,
}

/// A set of plans run together for a person: the runtime core's
/// [`Project`] (entry order by priority then name, one history, channel
/// limits across campaigns, `in campaign`), with each campaign's plan in
/// the project's entry order.
pub struct Plans {
    pub project: Project,
    /// Per campaign, in entry order: the plan.
    pub plans: Vec<Arc<Loaded>>,
}

impl Plans {
    /// The `sha256`s, in entry order.
    pub fn shas(&self) -> Vec<String> {
        self.plans.iter().map(|p| p.sha256.clone()).collect()
    }
}

/// Every plan this process has loaded, by `sha256`, the projects built
/// of them (by their sorted `sha256`s), and the current set (the last
/// manifest read).
#[derive(Default)]
struct Registry {
    by_hash: HashMap<String, Arc<Loaded>>,
    projects: HashMap<Vec<String>, Arc<Plans>>,
    current: Vec<String>,
}

fn registry() -> &'static RwLock<Registry> {
    static R: OnceLock<RwLock<Registry>> = OnceLock::new();
    R.get_or_init(Default::default)
}

/// The plan with this `sha256`, if this process loaded it.
pub fn get(sha256: &str) -> Option<Arc<Loaded>> {
    registry().read().ok()?.by_hash.get(sha256).cloned()
}

/// The plans of a set (`sha256`s, in any order) as a project, built once
/// per set; `Err` when this process has not loaded one of them, or two
/// are plans of one campaign.
pub fn project(set: &[String]) -> Result<Arc<Plans>> {
    let mut key = set.to_vec();
    key.sort();
    if let Some(p) = registry()
        .read()
        .ok()
        .and_then(|r| r.projects.get(&key).cloned())
    {
        return Ok(p);
    }
    let mut loaded = Vec::new();
    for sha in &key {
        loaded.push(get(sha).ok_or_else(|| {
            anyhow::anyhow!(
                "this worker has not loaded the plan {sha}: start it with a plans folder that has it"
            )
        })?);
    }
    let project = Project::of(loaded.iter().map(|l| l.runtime.clone()).collect())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let plans = project
        .runtimes()
        .iter()
        .map(|rt| {
            let campaign = &rt.compiled().campaign;
            loaded
                .iter()
                .find(|l| *l.plan.campaign == **campaign)
                .cloned()
                .expect("the project's campaigns are the plans'")
        })
        .collect();
    let plans = Arc::new(Plans { project, plans });
    registry()
        .write()
        .map_err(|_| anyhow::anyhow!("plan registry poisoned"))?
        .projects
        .insert(key, plans.clone());
    Ok(plans)
}

/// The current set of plans (`sha256`s, in the manifest's order).
pub fn current() -> Vec<String> {
    registry()
        .read()
        .map(|r| r.current.clone())
        .unwrap_or_default()
}

/// Adds a plan (from its file's bytes) without changing the current set;
/// returns its `sha256`.
pub fn add(bytes: &[u8]) -> Result<String> {
    let sha256 = hex(&Sha256::digest(bytes));
    if get(&sha256).is_some() {
        return Ok(sha256);
    }
    let text = std::str::from_utf8(bytes).context("the plan is not UTF-8")?;
    let plan = Plan::parse(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let runtime = Runtime::new(&plan).map_err(|e| anyhow::anyhow!("{e}"))?;
    let loaded = Arc::new(Loaded {
        sha256: sha256.clone(),
        plan,
        runtime,
    });
    registry()
        .write()
        .map_err(|_| anyhow::anyhow!("plan registry poisoned"))?
        .by_hash
        .insert(sha256.clone(), loaded);
    Ok(sha256)
}

/// Reads a built folder: its manifest, then every plan it lists, checking
/// each file's `sha256` (a mismatch means a build is in progress or
/// failed: the folder is not read, the current set stays). On success the
/// folder's plans become the current set, which is returned.
pub fn load_dir(dir: &Path) -> Result<Vec<String>> {
    let manifest_path = dir.join("omnis-manifest.json");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let manifest =
        Manifest::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", manifest_path.display()))?;
    let mut files = Vec::new();
    for entry in &manifest.plans {
        if entry.file.contains('/') || entry.file.contains('\\') || entry.file.starts_with('.') {
            bail!(
                "the manifest lists {:?}, which is not a file of the folder",
                entry.file
            );
        }
        let bytes = std::fs::read(dir.join(&entry.file))
            .with_context(|| format!("reading {}", entry.file))?;
        let got = hex(&Sha256::digest(&bytes));
        if got != entry.sha256 {
            bail!(
                "{} does not match the manifest's sha256 (a build is in progress or failed): \
                 keeping the plans loaded before",
                entry.file
            );
        }
        files.push(bytes);
    }
    let mut set = Vec::new();
    for bytes in &files {
        set.push(add(bytes)?);
    }
    // The manifest's entry order (format 1.1) is the one the runtime core
    // gives the project: a folder that says otherwise was not built by a
    // compiler that orders campaigns as this worker's runtime does.
    let project = project(&set)?;
    let order: Vec<&str> = project
        .plans
        .iter()
        .map(|p| p.plan.campaign.as_str())
        .collect();
    let listed: Vec<&str> = manifest
        .entry_order
        .iter()
        .map(|c| c.campaign.as_str())
        .collect();
    if !listed.is_empty() && listed != order {
        bail!(
            "the manifest's entry_order ({}) is not the runtime's ({}): keeping the plans loaded before",
            listed.join(", "),
            order.join(", ")
        );
    }
    registry()
        .write()
        .map_err(|_| anyhow::anyhow!("plan registry poisoned"))?
        .current = set.clone();
    Ok(set)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
