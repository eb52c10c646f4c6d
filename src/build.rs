//! `omnis build`: plans for every campaign of the named files, written to
//! an output folder as one set. Nothing is written when the sources have
//! errors.
//!
//! How the folder is replaced (what a runner can rely on is in
//! `docs/plan-format.md`, "The output folder"):
//!
//! 1. Every plan is serialized first. A plan whose file already holds the
//!    same bytes is left as it is (not rewritten, not synced).
//! 2. One build at a time per folder (a lock on the folder; a second
//!    build fails at once rather than waits). Temporary files of ours left
//!    by a build that was killed are removed.
//! 3. Each changed plan is written to a new file that no other process
//!    can see until it is complete (`folder::Staged`): for a free name, on
//!    Linux, a file with no name (`O_TMPFILE`), given its name once
//!    written (a link never replaces or follows what took the name
//!    meanwhile); for a name already taken (or elsewhere), a hidden
//!    temporary file in the folder (exclusive creation, an unpredictable
//!    name: a planted file or link is never written through).
//! 4. Everything is synced to disk at once (many files: the file system
//!    synced once; a few: writeback of every file started, then each
//!    synced, on every core), the manifest's temporary file with them;
//!    then the temporary files are renamed over the plans they replace,
//!    and the folder is synced.
//! 5. The manifest (`omnis-manifest.json`, see `crate::plan::manifest`) is
//!    renamed into place last, and the folder synced: it is the commit
//!    point of the build. A step that fails before it removes the plans
//!    given a free name, so a failed build adds no file, and names the
//!    plans it already replaced.
//! 6. Plans the previous manifest listed that this build does not have
//!    (a campaign renamed or deleted) are removed. Other files are never
//!    touched.
//!
//! Same sources, byte-identical folder.

mod folder;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::driver::Analysis;
use crate::files::{read_regular_file, MAX_SOURCE_BYTES};
use crate::model::CampaignId;
use crate::plan::manifest::{Manifest, ManifestEntry, MANIFEST_FILE};
use crate::plan::{emit::emit, Plan};
use crate::words::thousands;

use folder::{Found, Staged, Synced};

/// The format of plan files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanFormat {
    Json,
    Yaml,
}

impl PlanFormat {
    pub fn extension(self) -> &'static str {
        match self {
            PlanFormat::Json => "plan.json",
            PlanFormat::Yaml => "plan.yaml",
        }
    }
}

/// The campaigns to build: those declared in the files named on the command
/// line (or found in its folders), not those only reached through imports.
pub fn campaigns_to_build(analysis: &Analysis) -> Vec<CampaignId> {
    let mut named = vec![false; analysis.sources.len()];
    for r in &analysis.roots {
        named[r.0 as usize] = true;
    }
    analysis
        .program
        .campaigns
        .iter()
        .enumerate()
        .filter(|(_, c)| named[c.loc.file.0 as usize])
        .map(|(i, _)| CampaignId(i as u32))
        .collect()
}

/// The plans of the campaigns to build, in campaign order. Only meaningful
/// for an analysis without errors.
pub fn plans(analysis: &Analysis) -> Vec<Plan> {
    assert!(
        !analysis.has_errors(),
        "plans are only built from error-free sources"
    );
    use rayon::prelude::*;
    let ids = campaigns_to_build(analysis);
    crate::stack::pool().install(|| {
        ids.par_iter()
            .map(|&id| emit(&analysis.program, id, &analysis.sources))
            .collect()
    })
}

/// Serializes a plan.
pub fn serialize(plan: &Plan, format: PlanFormat) -> String {
    match format {
        PlanFormat::Json => plan.to_json(),
        PlanFormat::Yaml => plan.to_yaml(),
    }
}

/// What a build did to its folder.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Plans written (new or changed), in plan order.
    pub written: Vec<PathBuf>,
    /// Plans whose file already held the same bytes.
    pub unchanged: Vec<PathBuf>,
    /// Plans of the previous build that this one no longer has.
    pub removed: Vec<PathBuf>,
    /// The manifest.
    pub manifest: PathBuf,
}

impl Written {
    /// Every plan of the build.
    pub fn plans(&self) -> usize {
        self.written.len() + self.unchanged.len()
    }

    /// The line `omnis build` prints: `wrote 1,000 plans to plans/`, and
    /// what was unchanged or removed.
    pub fn summary(&self, dir: &Path) -> String {
        summary_line(self, dir)
    }
}

/// `wrote 1,000 plans to plans/`, with what was unchanged or removed.
fn summary_line(w: &Written, dir: &Path) -> String {
    let mut shown = dir.display().to_string();
    if !shown.ends_with(std::path::MAIN_SEPARATOR) && !shown.ends_with('/') {
        shown.push('/');
    }
    let n = w.plans();
    let mut s = format!(
        "wrote {} plan{} to {shown}",
        thousands(n as u64),
        if n == 1 { "" } else { "s" }
    );
    let mut notes = Vec::new();
    if n == 0 {
        notes.push("no campaigns in the named files".to_string());
    }
    if !w.unchanged.is_empty() {
        notes.push(format!("{} unchanged", thousands(w.unchanged.len() as u64)));
    }
    if !w.removed.is_empty() {
        let r = w.removed.len();
        notes.push(format!(
            "{} old plan{} removed",
            thousands(r as u64),
            if r == 1 { "" } else { "s" }
        ));
    }
    if !notes.is_empty() {
        s.push_str(&format!(" ({})", notes.join(", ")));
    }
    s
}

/// Why a build could not write its folder.
#[derive(Debug)]
pub enum WriteError {
    /// Another build holds the folder.
    Busy(PathBuf),
    /// A file could not be written; `replaced` lists the plans that were
    /// already replaced (the manifest was not).
    Io {
        path: PathBuf,
        error: std::io::Error,
        replaced: Vec<PathBuf>,
    },
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Busy(dir) => write!(
                f,
                "another `omnis build` is writing to `{}`; run this one when it has finished",
                dir.display()
            ),
            WriteError::Io {
                path,
                error,
                replaced,
            } => {
                write!(
                    f,
                    "cannot write `{}`: {}",
                    path.display(),
                    crate::files::os_message(error)
                )?;
                if replaced.is_empty() {
                    write!(f, "; no plan was replaced")
                } else {
                    let names: Vec<String> = replaced
                        .iter()
                        .map(|p| {
                            p.file_name()
                                .unwrap_or_default()
                                .to_string_lossy()
                                .into_owned()
                        })
                        .collect();
                    write!(
                        f,
                        "; these plans were replaced before the error, and the manifest was not: {}",
                        names.join(", ")
                    )
                }
            }
        }
    }
}

impl std::error::Error for WriteError {}

/// Writes the plans to `out/<campaign>.plan.<ext>` and the manifest, as
/// the module docs say.
pub fn write_plans(plans: &[Plan], out: &Path, format: PlanFormat) -> Result<Written, WriteError> {
    use rayon::prelude::*;
    let pool = crate::stack::pool();
    // Serialized and hashed on every core.
    let texts: Vec<(String, &str, Vec<u8>, String)> = pool.install(|| {
        plans
            .par_iter()
            .map(|p| {
                let bytes = serialize(p, format).into_bytes();
                let sha = format!("{:x}", Sha256::digest(&bytes));
                let name = format!("{}.{}", p.campaign, format.extension());
                (name, p.campaign.as_str(), bytes, sha)
            })
            .collect()
    });
    std::fs::create_dir_all(out).map_err(io(out, &[]))?;
    let _lock = folder::lock(out).map_err(|e| match e {
        folder::LockError::Busy => WriteError::Busy(out.to_path_buf()),
        folder::LockError::Io(e) => io(out, &[])(e),
    })?;
    folder::remove_stale_temporary_files(out);
    let manifest_path = out.join(MANIFEST_FILE);
    let previous = read_regular_file(&manifest_path, MAX_SOURCE_BYTES)
        .ok()
        .and_then(|b| Manifest::parse(&String::from_utf8_lossy(&b)).ok());
    // Each plan compared with its file, and the changed ones written to
    // new files, on every core.
    let staged: Vec<Option<(Staged, bool)>> = pool.install(|| {
        texts
            .par_iter()
            .map(|(name, _, bytes, _)| {
                let path = out.join(name);
                let found = folder::found(&path, bytes);
                if found == Found::Same {
                    return Ok(None);
                }
                let free = found == Found::Nothing;
                Staged::write(out, name, bytes, free)
                    .map(|s| Some((s, free)))
                    .map_err(io(&path, &[]))
            })
            .collect::<Result<_, _>>()
    })?;
    let entries = texts
        .iter()
        .map(|(name, campaign, _, sha)| ManifestEntry {
            campaign: campaign.to_string(),
            file: name.clone(),
            sha256: sha.clone(),
        })
        .collect();
    let manifest = Manifest::new(plans, entries).to_json().into_bytes();
    let manifest_tmp = match folder::found(&manifest_path, &manifest) {
        Found::Same => None,
        _ => Some(
            folder::temporary(out, MANIFEST_FILE, &manifest).map_err(io(&manifest_path, &[]))?,
        ),
    };
    let mut steps = Steps {
        out,
        placed: Vec::new(),
        pending: Vec::new(),
    };
    let mut unchanged = Vec::new();
    for (i, ((name, _, bytes, _), s)) in texts.iter().zip(staged).enumerate() {
        match s {
            None => unchanged.push(out.join(name)),
            Some((s, free)) => steps.place(i, out.join(name), s, free, bytes)?,
        }
    }
    steps.sync(manifest_tmp.as_ref().map(|t| t.as_file()))?;
    steps.rename()?;
    if let Some(tmp) = manifest_tmp {
        if let Err(e) = tmp.persist(&manifest_path) {
            return Err(steps.fail(&manifest_path, e.error));
        }
        folder::sync_folder(out).map_err(io(out, &steps.replaced()))?;
    }
    let mut report = Written {
        written: steps.written(),
        unchanged,
        removed: Vec::new(),
        manifest: manifest_path,
    };
    let current: std::collections::HashSet<&str> =
        texts.iter().map(|(name, _, _, _)| name.as_str()).collect();
    for old in previous.iter().flat_map(|m| &m.plans) {
        if current.contains(old.file.as_str()) || !is_plan_file_name(&old.file) {
            continue;
        }
        let path = out.join(&old.file);
        match std::fs::remove_file(&path) {
            Ok(()) => report.removed.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&path, &report.written)(e)),
        }
    }
    Ok(report)
}

/// A `WriteError::Io` at `path`, after the plans `replaced`.
fn io(path: &Path, replaced: &[PathBuf]) -> impl FnOnce(std::io::Error) -> WriteError {
    let (path, replaced) = (path.to_path_buf(), replaced.to_vec());
    move |error| WriteError::Io {
        path,
        error,
        replaced,
    }
}

/// A changed plan under its name.
struct Placed {
    /// Its position in the build.
    index: usize,
    path: PathBuf,
    /// Whether nothing was at its name before (nothing replaced).
    free: bool,
    /// Its file, kept open until the sync.
    file: Option<std::fs::File>,
}

/// The changed plans of a build on their way into the folder, from
/// written to renamed. A step that fails removes the plans it placed under
/// names that were free (a failed build adds no file) and names those it
/// already replaced.
struct Steps<'a> {
    out: &'a Path,
    placed: Vec<Placed>,
    /// Plans to rename into place once synced: position, file, path,
    /// whether the name was free.
    pending: Vec<(usize, tempfile::NamedTempFile, PathBuf, bool)>,
}

impl Steps<'_> {
    /// Gives a new plan its name now (its file is complete, and the name
    /// was free), or sets it aside for [`Steps::rename`].
    fn place(
        &mut self,
        index: usize,
        path: PathBuf,
        staged: Staged,
        free: bool,
        bytes: &[u8],
    ) -> Result<(), WriteError> {
        let named = match staged.link(&path) {
            Ok(true) => {
                let file = Some(staged.into_file());
                self.placed.push(Placed {
                    index,
                    path,
                    free,
                    file,
                });
                return Ok(());
            }
            Ok(false) => match staged {
                Staged::Named(t) => Ok(t),
                // The name was taken meanwhile (or cannot be linked to):
                // staged again, to replace it.
                Staged::Unnamed(_) => folder::temporary(self.out, &file_name(&path), bytes),
            },
            Err(e) => Err(e),
        };
        match named {
            Ok(t) => {
                self.pending.push((index, t, path, free));
                Ok(())
            }
            Err(e) => Err(self.fail(&path, e)),
        }
    }

    /// Makes every new file durable (with `manifest`, the manifest's
    /// temporary file too): their data, and the names given so far.
    fn sync(&mut self, manifest: Option<&std::fs::File>) -> Result<(), WriteError> {
        let files: Vec<&std::fs::File> = (self.placed.iter())
            .filter_map(|p| p.file.as_ref())
            .chain(self.pending.iter().map(|(_, t, _, _)| t.as_file()))
            .chain(manifest)
            .collect();
        if files.is_empty() {
            return Ok(());
        }
        let out = self.out;
        let r = match folder::sync_files(out, &files) {
            Ok(Synced::EachFile) if !self.placed.is_empty() => folder::sync_folder(out),
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        for p in &mut self.placed {
            p.file = None;
        }
        r.map_err(|e| self.fail(out, e))
    }

    /// Renames the synced files over their plans, then makes the names
    /// durable.
    fn rename(&mut self) -> Result<(), WriteError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        for (index, t, path, free) in std::mem::take(&mut self.pending) {
            if let Err(e) = t.persist(&path) {
                return Err(self.fail(&path, e.error));
            }
            let file = None;
            self.placed.push(Placed {
                index,
                path,
                free,
                file,
            });
        }
        let out = self.out;
        folder::sync_folder(out).map_err(|e| self.fail(out, e))
    }

    /// The plans written, in plan order.
    fn written(&mut self) -> Vec<PathBuf> {
        self.placed.sort_by_key(|p| p.index);
        self.placed.iter().map(|p| p.path.clone()).collect()
    }

    /// The plans that replaced a file, in plan order.
    fn replaced(&self) -> Vec<PathBuf> {
        let mut r: Vec<&Placed> = self.placed.iter().filter(|p| !p.free).collect();
        r.sort_by_key(|p| p.index);
        r.into_iter().map(|p| p.path.clone()).collect()
    }

    /// The error of a step that failed at `path`, once the plans placed
    /// under free names are removed again.
    fn fail(&mut self, path: &Path, error: std::io::Error) -> WriteError {
        for p in self.placed.iter().filter(|p| p.free) {
            let _ = std::fs::remove_file(&p.path);
        }
        WriteError::Io {
            path: path.to_path_buf(),
            error,
            replaced: self.replaced(),
        }
    }
}

/// The file name of a path in the output folder.
fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Whether `name` is a plan file's name, in the folder itself: what a
/// manifest may make a build remove.
fn is_plan_file_name(name: &str) -> bool {
    !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && (name.ends_with(".plan.json") || name.ends_with(".plan.yaml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lines() {
        let mut w = Written::default();
        assert_eq!(
            w.summary(Path::new("plans")),
            "wrote 0 plans to plans/ (no campaigns in the named files)"
        );
        w.written = (0..1000).map(|i| PathBuf::from(format!("{i}"))).collect();
        assert_eq!(
            w.summary(Path::new("plans/")),
            "wrote 1,000 plans to plans/"
        );
        w.unchanged.push("u".into());
        w.removed.push("r".into());
        assert_eq!(
            w.summary(Path::new("out")),
            "wrote 1,001 plans to out/ (1 unchanged, 1 old plan removed)"
        );
    }
}
