//! `omnis build`: plans for every campaign of the named files, written to
//! an output folder as one set. Nothing is written when the sources have
//! errors.
//!
//! How the folder is replaced (what a runner can rely on is in
//! `docs/plan-format.md`, "The output folder"):
//!
//! 1. One build at a time per folder (a lock on the folder; a second
//!    build fails at once rather than waits). The folder's names are read
//!    once, and temporary files of ours left by a build that was killed
//!    are removed.
//! 2. Each plan is emitted from the journey the analysis lowered,
//!    serialized into a buffer its thread reuses and hashed, all in one
//!    pass on every core, and freed once written. A plan whose file
//!    already holds the same bytes is left as it is (not rewritten, not
//!    synced); a name the folder did not hold is not looked at again.
//! 3. Each changed plan is written to a new file that no other process
//!    can see until it is complete (`folder::Staged`): for a free name, on
//!    Linux, a file with no name (`O_TMPFILE`), given its name once
//!    written, in the same pass (a link never replaces or follows what
//!    took the name meanwhile); for a name already taken (or elsewhere), a
//!    hidden temporary file in the folder (exclusive creation, an
//!    unpredictable name: a planted file or link is never written
//!    through). Plans are created, named and compared through the folder
//!    opened once (`folder::Folder`), not by their paths.
//!    Past the first 31, a file given its name is closed at once
//!    (`OpenFiles`); once half the plans of a large build are written, a
//!    thread of its own syncs the file system while the rest are written
//!    (`EarlySync`).
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

use std::borrow::Borrow;
use std::path::{Path, PathBuf};

use crate::driver::Analysis;
use crate::files::{read_regular_file, MAX_SOURCE_BYTES};
use crate::model::CampaignId;
use crate::plan::emit::{emit, emit_lowered};
use crate::plan::manifest::{BuiltPlan, Manifest, ManifestEntry, MANIFEST_FILE};
use crate::plan::Plan;
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
    let (program, sources) = (&analysis.program, &analysis.sources);
    // The journeys the analysis lowered serve the plans too.
    crate::stack::pool().install(|| {
        ids.par_iter()
            .map(|&id| match analysis.journey(id) {
                Some(journey) => emit_lowered(program, journey, sources),
                None => emit(program, id, sources),
            })
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

/// The plans of the campaigns to build (as [`plans`] gives them), written
/// to `out/<campaign>.plan.<ext>` with the manifest, as the module docs
/// say. Each plan is emitted, serialized, hashed and written in one pass
/// on every core, and freed once written: what `omnis build` does.
pub fn build(analysis: &Analysis, out: &Path, format: PlanFormat) -> Result<Written, WriteError> {
    assert!(
        !analysis.has_errors(),
        "plans are only built from error-free sources"
    );
    let ids = campaigns_to_build(analysis);
    let (program, sources) = (&analysis.program, &analysis.sources);
    write_each(
        ids.len(),
        |i| match analysis.journey(ids[i]) {
            Some(journey) => emit_lowered(program, journey, sources),
            None => emit(program, ids[i], sources),
        },
        out,
        format,
    )
}

/// Writes the plans to `out/<campaign>.plan.<ext>` and the manifest, as
/// the module docs say.
pub fn write_plans(plans: &[Plan], out: &Path, format: PlanFormat) -> Result<Written, WriteError> {
    write_each(plans.len(), |i| &plans[i], out, format)
}

/// Writes the `n` plans `plan(0)`, `plan(1)`, ... (each asked for once,
/// on any thread) and the manifest.
fn write_each<P: Borrow<Plan>>(
    n: usize,
    plan: impl Fn(usize) -> P + Sync,
    out: &Path,
    format: PlanFormat,
) -> Result<Written, WriteError> {
    use rayon::prelude::*;
    std::fs::create_dir_all(out).map_err(io(out, &[]))?;
    let _lock = folder::lock(out).map_err(|e| match e {
        folder::LockError::Busy => WriteError::Busy(out.to_path_buf()),
        folder::LockError::Io(e) => io(out, &[])(e),
    })?;
    // The names in the folder, read once (a name not among them is free:
    // no need to look at each), and our temporary files a killed build
    // left removed.
    let taken = folder::names_removing_stale_temporary_files(out);
    // The folder opened: new files are created and named through it, and
    // its file system synced.
    let folder = folder::Folder::open(out);
    let manifest_path = out.join(MANIFEST_FILE);
    let previous = read_regular_file(&manifest_path, MAX_SOURCE_BYTES)
        .ok()
        .and_then(|b| Manifest::parse(&String::from_utf8_lossy(&b)).ok());
    // Each plan serialized into a buffer its thread reuses, hashed,
    // compared with its file, and, when changed, written to a new file;
    // one whose name was free gets its name at once (its file complete).
    let open = OpenFiles::default();
    let early = EarlySync::new(n);
    let done: Vec<(BuiltPlan, Result<Outcome, std::io::Error>)> = std::thread::scope(|s| {
        if early.half > 0 {
            s.spawn(|| early.run(out));
        }
        let done = crate::stack::pool().install(|| {
            (0..n)
                .into_par_iter()
                .map_init(Vec::new, |bytes, i| {
                    let plan = plan(i);
                    let plan = plan.borrow();
                    bytes.clear();
                    serialize_into(plan, format, bytes);
                    let name = format!("{}.{}", plan.campaign, format.extension());
                    let built = BuiltPlan {
                        entry: ManifestEntry {
                            campaign: plan.campaign.clone(),
                            sha256: crate::plan::sha256_hex(bytes),
                            file: name,
                        },
                        priority: plan.priority,
                        channels: plan.channels.clone(),
                    };
                    let outcome = stage(
                        &folder,
                        out,
                        &built.entry.file,
                        bytes,
                        taken.as_ref(),
                        &open,
                    );
                    if matches!(outcome, Ok(Outcome::Linked(_) | Outcome::Pending(..))) {
                        early.written();
                    }
                    (built, outcome)
                })
                .collect()
        });
        early.finished();
        done
    });
    let mut steps = Steps {
        out,
        placed: Vec::new(),
        pending: Vec::new(),
    };
    let mut unchanged = Vec::new();
    let mut failed = None;
    let mut built = Vec::with_capacity(done.len());
    for (index, (b, outcome)) in done.into_iter().enumerate() {
        let path = out.join(&b.entry.file);
        match outcome {
            Ok(Outcome::Same) => unchanged.push(path),
            Ok(Outcome::Linked(file)) => steps.placed.push(Placed {
                index,
                path,
                free: true,
                file,
            }),
            Ok(Outcome::Pending(t, free)) => steps.pending.push((index, t, path, free)),
            Err(e) => {
                failed.get_or_insert((path, e));
            }
        }
        built.push(b);
    }
    if let Some((path, e)) = failed {
        return Err(steps.fail(&path, e));
    }
    let names: Vec<String> = built.iter().map(|b| b.entry.file.clone()).collect();
    let manifest = Manifest::of(built).to_json().into_bytes();
    let manifest_tmp = match folder::found_in(&folder, &manifest_path, &manifest) {
        Found::Same => None,
        _ => Some(
            folder::temporary(out, MANIFEST_FILE, &manifest)
                .map_err(|e| steps.fail(&manifest_path, e))?,
        ),
    };
    steps.sync(&folder, manifest_tmp.as_ref().map(|t| t.as_file()))?;
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
    let current: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
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

/// What became of one plan's bytes before the sync.
enum Outcome {
    /// Its file already held them.
    Same,
    /// In a new file under its name, which was free (the file kept open
    /// until the sync, or closed at once: [`OpenFiles`]).
    Linked(Option<std::fs::File>),
    /// In a temporary file, to be renamed over its name once synced;
    /// whether the name was free when the build looked.
    Pending(tempfile::NamedTempFile, bool),
}

/// Compares `bytes` with the file `name` in `out` (`taken`: the names in
/// the folder when the build started, if it could be read) and, when they differ, writes them
/// to a new file: named at once when the name is free, else a temporary
/// file.
fn stage(
    folder: &folder::Folder,
    out: &Path,
    name: &str,
    bytes: &[u8],
    taken: Option<&std::collections::HashSet<std::ffi::OsString>>,
    open: &OpenFiles,
) -> std::io::Result<Outcome> {
    let path = out.join(name);
    let found = match taken {
        Some(names) if !names.contains(std::ffi::OsStr::new(name)) => Found::Nothing,
        _ => folder::found_in(folder, &path, bytes),
    };
    if found == Found::Same {
        return Ok(Outcome::Same);
    }
    let free = found == Found::Nothing;
    let staged = Staged::write(folder, out, name, bytes, free)?;
    if staged.link(folder, &path)? {
        let file = staged.into_file();
        return Ok(Outcome::Linked(open.keep().then_some(file)));
    }
    match staged {
        Staged::Named(t) => Ok(Outcome::Pending(t, free)),
        // The name was taken meanwhile (or cannot be linked to): staged
        // again, to replace it.
        Staged::Unnamed(_) => Ok(Outcome::Pending(folder::temporary(out, name, bytes)?, free)),
    }
}

/// How many files of a build, once written under their names, are kept
/// open until the sync: [`folder::SYNC_FILE_SYSTEM_FROM`] less one (the
/// manifest's temporary file), enough to sync each one where the file
/// system is not synced whole. The others are closed at once, on the
/// thread that wrote them (and opened again if they must be synced one by
/// one): a process holding thousands of files open grows its table of
/// descriptors again and again, each time waiting for every other thread
/// of the process to pass a quiescent point (2,000 files of a build's
/// sizes created and synced on two threads: 80 to 105 ms with each closed
/// at once, 115 to 135 ms kept open, in paired runs on a loaded machine),
/// and would run into the limit of open files (`ulimit -n`).
#[derive(Default)]
struct OpenFiles(std::sync::atomic::AtomicUsize);

impl OpenFiles {
    /// Whether one more file is kept open.
    fn keep(&self) -> bool {
        use std::sync::atomic::Ordering;
        let most = folder::SYNC_FILE_SYSTEM_FROM - 1;
        (self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < most).then_some(n + 1)
            }))
        .is_ok()
    }
}

/// The early sync of a build writing many files: once half of them are
/// written, a thread of its own syncs the file system
/// ([`folder::sync_early`]) while the build writes the rest, so that the
/// disk writes the first half meanwhile and the sync at the end waits for
/// the rest only (measured on 2,000 plans: that sync waits 5 to 15 ms
/// instead of 30 to 40, on a loaded machine). The thread only waits for the disk: the writing
/// goes on on every core. Nothing is visible sooner.
struct EarlySync {
    /// After how many written files; 0: none.
    half: usize,
    count: std::sync::atomic::AtomicUsize,
    /// Whether to sync (half written) or not (the build wrote all it
    /// had to with fewer), once known.
    go: std::sync::Mutex<Option<bool>>,
    told: std::sync::Condvar,
}

impl EarlySync {
    fn new(plans: usize) -> EarlySync {
        EarlySync {
            half: if cfg!(target_os = "linux") && plans >= 4 * folder::SYNC_FILE_SYSTEM_FROM {
                plans / 2
            } else {
                0
            },
            count: Default::default(),
            go: Default::default(),
            told: Default::default(),
        }
    }

    /// One more file written.
    fn written(&self) {
        let n = 1 + self
            .count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n == self.half {
            self.tell(true);
        }
    }

    /// Every plan handled.
    fn finished(&self) {
        self.tell(false);
    }

    fn tell(&self, go: bool) {
        let mut g = self.go.lock().unwrap_or_else(|e| e.into_inner());
        g.get_or_insert(go);
        self.told.notify_all();
    }

    /// Waits until half the files are written, then syncs (or returns,
    /// when the build wrote fewer).
    fn run(&self, out: &Path) {
        let mut g = self.go.lock().unwrap_or_else(|e| e.into_inner());
        while g.is_none() {
            g = self.told.wait(g).unwrap_or_else(|e| e.into_inner());
        }
        if *g == Some(true) {
            drop(g);
            folder::sync_early(out);
        }
    }
}

/// Serializes a plan at the end of `bytes`: the bytes of [`serialize`].
fn serialize_into(plan: &Plan, format: PlanFormat, bytes: &mut Vec<u8>) {
    match format {
        PlanFormat::Json => {
            crate::plan::write_pretty_json(plan, bytes);
            bytes.push(b'\n');
        }
        PlanFormat::Yaml => serde_yaml::to_writer(&mut *bytes, plan).expect("plans serialize"),
    }
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
    /// Makes every new file durable (with `manifest`, the manifest's
    /// temporary file too): their data, and the names given so far.
    fn sync(
        &mut self,
        folder: &folder::Folder,
        manifest: Option<&std::fs::File>,
    ) -> Result<(), WriteError> {
        let files: Vec<&std::fs::File> = (self.placed.iter())
            .filter_map(|p| p.file.as_ref())
            .chain(self.pending.iter().map(|(_, t, _, _)| t.as_file()))
            .chain(manifest)
            .collect();
        let closed: Vec<&Path> = (self.placed.iter())
            .filter(|p| p.file.is_none())
            .map(|p| p.path.as_path())
            .collect();
        if files.is_empty() && closed.is_empty() {
            return Ok(());
        }
        let out = self.out;
        let r = match folder::sync_files(folder, &files, &closed) {
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
    use sha2::{Digest, Sha256};

    /// What `omnis build` writes in one pass (plans emitted from the
    /// analysis' journeys, serialized into reused buffers) is what the
    /// plans emitted alone and serialized one by one give, in both
    /// formats, with the manifest listing their hashes.
    #[test]
    fn one_pass_writes_the_bytes_of_each_plan_serialized_alone() {
        let campaigns = Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns");
        let analysis = crate::driver::analyze(&crate::driver::Options {
            paths: vec![campaigns],
        })
        .unwrap();
        let ids = campaigns_to_build(&analysis);
        assert!(ids.len() > 3, "{}", ids.len());
        for format in [PlanFormat::Json, PlanFormat::Yaml] {
            let dir = tempfile::tempdir().unwrap();
            let w = build(&analysis, dir.path(), format).unwrap();
            assert_eq!(w.written.len(), ids.len());
            let manifest = std::fs::read_to_string(&w.manifest).unwrap();
            let manifest = Manifest::parse(&manifest).unwrap();
            for &id in &ids {
                let plan = emit(&analysis.program, id, &analysis.sources);
                let name = format!("{}.{}", plan.campaign, format.extension());
                let bytes = std::fs::read(dir.path().join(&name)).unwrap();
                assert!(bytes == serialize(&plan, format).into_bytes(), "{name}");
                let entry = manifest.plans.iter().find(|e| e.file == name).unwrap();
                assert_eq!(entry.sha256, format!("{:x}", Sha256::digest(&bytes)));
            }
            // The same through `write_plans`: nothing to rewrite.
            let again = write_plans(&plans(&analysis), dir.path(), format).unwrap();
            assert_eq!((again.written.len(), again.unchanged.len()), (0, ids.len()));
        }
    }

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
