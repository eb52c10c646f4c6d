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
//! 3. Each changed plan goes to a new temporary file in the folder
//!    (exclusive creation, an unpredictable name: a planted file or link is
//!    never written through), then everything is synced to disk at once
//!    (many files: the file system synced once; a few: writeback of every
//!    file started, then each synced, on every core), then the files are
//!    renamed over the plans.
//! 4. The manifest (`omnis-manifest.json`, see `crate::plan::manifest`) is
//!    written last, the same way: it is the commit point of the build.
//! 5. Plans the previous manifest listed that this build does not have
//!    (a campaign renamed or deleted) are removed. Other files are never
//!    touched.
//!
//! Same sources, byte-identical folder.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::driver::Analysis;
use crate::files::{read_regular_file, MAX_SOURCE_BYTES};
use crate::model::CampaignId;
use crate::plan::manifest::{Manifest, ManifestEntry, MANIFEST_FILE};
use crate::plan::{emit::emit, Plan};
use crate::words::thousands;

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

/// The suffix of our temporary files (`.<name>.<random>.omnis-tmp`).
const TMP_SUFFIX: &str = ".omnis-tmp";

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
    let io = |path: &Path, replaced: &[PathBuf]| {
        let (path, replaced) = (path.to_path_buf(), replaced.to_vec());
        move |error| WriteError::Io {
            path,
            error,
            replaced,
        }
    };
    std::fs::create_dir_all(out).map_err(io(out, &[]))?;
    let _lock = lock(out)?;
    remove_stale_temporary_files(out);
    let manifest_path = out.join(MANIFEST_FILE);
    let previous = read_regular_file(&manifest_path, MAX_SOURCE_BYTES)
        .ok()
        .and_then(|b| Manifest::parse(&String::from_utf8_lossy(&b)).ok());
    let mut report = Written {
        manifest: manifest_path.clone(),
        ..Written::default()
    };
    // Each plan compared with its file, and the changed ones written to
    // temporary files, on every core.
    let written: Vec<(PathBuf, Option<tempfile::NamedTempFile>)> = pool.install(|| {
        texts
            .par_iter()
            .map(|(name, _, bytes, _)| {
                let path = out.join(name);
                if holds(&path, bytes) {
                    return Ok((path, None));
                }
                match temporary(out, name, bytes) {
                    Ok(tmp) => Ok((path, Some(tmp))),
                    Err(e) => Err(io(&path, &[])(e)),
                }
            })
            .collect::<Result<_, _>>()
    })?;
    let mut pending: Vec<(tempfile::NamedTempFile, PathBuf)> = Vec::new();
    for (path, tmp) in written {
        match tmp {
            Some(tmp) => pending.push((tmp, path)),
            None => report.unchanged.push(path),
        }
    }
    let entries = texts
        .iter()
        .map(|(name, campaign, _, sha)| ManifestEntry {
            campaign: campaign.to_string(),
            file: name.clone(),
            sha256: sha.clone(),
        })
        .collect();
    let manifest = Manifest::new(plans, entries).to_json().into_bytes();
    let manifest_changed = !holds(&manifest_path, &manifest);
    if !pending.is_empty() {
        sync_files(out, pending.iter().map(|(t, _)| t.as_file())).map_err(io(out, &[]))?;
    }
    for (tmp, path) in pending {
        if let Err(e) = tmp.persist(&path) {
            return Err(io(&path, &report.written)(e.error));
        }
        report.written.push(path);
    }
    if manifest_changed {
        let tmp = temporary(out, MANIFEST_FILE, &manifest)
            .and_then(|t| t.as_file().sync_all().map(|()| t))
            .map_err(io(&manifest_path, &report.written))?;
        tmp.persist(&manifest_path)
            .map_err(|e| io(&manifest_path, &report.written)(e.error))?;
    }
    if manifest_changed || !report.written.is_empty() {
        sync_folder(out).map_err(io(out, &report.written))?;
    }
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

/// Whether `name` is a plan file's name, in the folder itself: what a
/// manifest may make a build remove.
fn is_plan_file_name(name: &str) -> bool {
    !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && (name.ends_with(".plan.json") || name.ends_with(".plan.yaml"))
}

/// Whether `path` is a regular file (not a link) holding exactly `bytes`.
fn holds(path: &Path, bytes: &[u8]) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && read_regular_file(path, bytes.len() as u64).is_ok_and(|b| b == bytes)
}

/// A new temporary file in `dir` holding `bytes`, not yet synced: created
/// exclusively, with a random name, removed if dropped.
fn temporary(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(TMP_SUFFIX)
        .rand_bytes(10)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    Ok(tmp)
}

/// Removes the temporary files a killed build left (ours: named
/// `.<name>.<random>.omnis-tmp`, or `.<name>.plan.<ext>.<pid>.tmp` from
/// earlier versions). Runs under the folder's lock, so no build is using
/// them.
fn remove_stale_temporary_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let ours = name.starts_with('.')
            && (name.ends_with(TMP_SUFFIX)
                || (name.ends_with(".tmp")
                    && (name.contains(".plan.json.") || name.contains(".plan.yaml."))));
        // `remove_file` removes a link itself, never its target.
        if ours && e.file_type().is_ok_and(|t| !t.is_dir()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// An exclusive lock on the folder, held while the value lives; `Busy`
/// when another build holds it.
fn lock(dir: &Path) -> Result<Option<std::fs::File>, WriteError> {
    #[cfg(unix)]
    {
        let f = std::fs::File::open(dir).map_err(|error| WriteError::Io {
            path: dir.to_path_buf(),
            error,
            replaced: Vec::new(),
        })?;
        match f.try_lock() {
            Ok(()) => Ok(Some(f)),
            Err(std::fs::TryLockError::WouldBlock) => Err(WriteError::Busy(dir.to_path_buf())),
            // A file system without locks: go on unlocked.
            Err(std::fs::TryLockError::Error(_)) => Ok(None),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(None)
    }
}

/// From how many files [`sync_files`] syncs the whole file system at once
/// rather than file by file.
const SYNC_FILE_SYSTEM_FROM: usize = 32;

/// Makes the data of `files` (all in `dir`) durable.
///
/// Each `fsync` commits the file system's journal on its own, one after
/// the other, so syncing 2,000 plans file by file takes seconds. From
/// [`SYNC_FILE_SYSTEM_FROM`] files on, on Linux, the file system holding
/// `dir` is synced once (`syncfs`, which reports write errors since Linux
/// 5.8): one journal commit for every file, at the price of also writing
/// whatever other processes left unwritten on it. Fewer files (or
/// `syncfs` failing) are synced one by one: writeback of every file is
/// started first (`sync_file_range`), so the disk gets them all at once,
/// then each is synced on the worker pool.
fn sync_files<'a>(
    dir: &Path,
    files: impl Iterator<Item = &'a std::fs::File>,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let files: Vec<&std::fs::File> = files.collect();
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        if files.len() >= SYNC_FILE_SYSTEM_FROM {
            if let Ok(folder) = std::fs::File::open(dir) {
                // SAFETY: `folder` is an open file descriptor for the
                // call's duration.
                if unsafe { libc::syncfs(folder.as_raw_fd()) } == 0 {
                    return Ok(());
                }
            }
        }
        for f in &files {
            // SAFETY: `f` is an open file descriptor for the call's
            // duration. A failure only loses the head start: `sync_all`
            // below reports.
            unsafe {
                libc::sync_file_range(f.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (dir, SYNC_FILE_SYSTEM_FROM);
    crate::stack::pool().install(|| files.par_iter().try_for_each(|f| f.sync_all()))
}

/// Makes the names in `dir` durable (renames, new files).
fn sync_folder(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
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
