//! The editor's documents and the projects they belong to. Each project
//! (a folder with `omnis.toml`, or the workspace folder) is checked as
//! `omnis check` checks it, over the open buffers ([`Overlay`] on the
//! disk), by one [`Session`] whose parse cache re-parses only the texts
//! that changed. A check happens in two steps after an edit:
//!
//! 1. at once, on the server's thread, the edited file and its imports
//!    alone ([`Session::analyze_closure`]): a few files whatever the size
//!    of the project, so its findings are published within milliseconds;
//!    likewise each open document importing it; requests about these
//!    files read this check ([`Quick`]);
//! 2. then the whole project, on a thread of its own ([`Done`] comes back
//!    to the server's loop): the files that import the edited one, the
//!    cross-campaign lints, unused declarations. Its diagnostics replace
//!    those of step 1 and are exactly `omnis check`'s. One such check runs
//!    at a time per project; edits made meanwhile start another when it
//!    ends, and only a check that saw every edit is published.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use lsp_types::Url;

use crate::driver::{Analysis, Options, Session};
use crate::files::memory::Overlay;
use crate::files::{Disk, Tree, CONFIG_FILE};
use crate::source::FileId;

/// An open document: the editor's text, which hides the file on disk.
pub struct Document {
    pub url: Url,
    pub text: String,
    pub version: i32,
}

/// One check: of a whole project, or of one file's closure.
pub struct Checked {
    pub analysis: Analysis,
    by_path: HashMap<PathBuf, FileId>,
}

impl Checked {
    fn new(analysis: Analysis) -> Checked {
        let by_path = (0..analysis.sources.len())
            .map(|i| {
                let id = FileId(i as u32);
                (analysis.sources.get(id).path.clone(), id)
            })
            .collect();
        Checked { analysis, by_path }
    }

    pub fn file(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }
}

/// The check of one edited file with its imports, newer than the
/// project's check.
pub struct Quick {
    /// The project's generation it saw.
    pub generation: u64,
    pub checked: Checked,
}

/// A check of a whole project, finished on its thread.
pub struct Done {
    root: PathBuf,
    generation: u64,
    result: Result<Checked, String>,
}

/// A project: its root, its session and its checks.
pub struct Project {
    session: Arc<Session>,
    /// The last check of the whole project.
    pub checked: Option<Checked>,
    /// The generation that check saw.
    checked_at: u64,
    /// Checks of edited files made since that check started, by path.
    pub quick: BTreeMap<PathBuf, Quick>,
    /// Open documents edited since they were last checked alone.
    pending: BTreeSet<PathBuf>,
    /// Counts the changes to the project (edits, files opened, closed or
    /// changed on disk).
    generation: u64,
    /// The generation the check of the project in flight saw, if one is.
    running: Option<u64>,
    /// The diagnostics last published, by file (to publish only what
    /// changes, and to clear what is gone).
    pub published: super::diagnostics::Shown,
    /// Whether the last project check's diagnostics are still to be
    /// published.
    pub unpublished: bool,
}

impl Project {
    /// Whether the project's check saw every change.
    fn current(&self) -> bool {
        self.checked.is_some() && self.checked_at == self.generation
    }
}

/// Every open document and project.
pub struct Workspace {
    /// The workspace folder the client opened, if any.
    pub folder: Option<PathBuf>,
    /// Open documents by canonical path.
    pub docs: BTreeMap<PathBuf, Document>,
    pub projects: BTreeMap<PathBuf, Project>,
    done_tx: Sender<Done>,
    /// Where project checks report when they end ([`Workspace::finish`]).
    pub done: Receiver<Done>,
    /// Why checks failed, to be logged to the client.
    pub errors: Vec<String>,
}

impl Workspace {
    /// No document open yet; `folder`: the client's workspace folder.
    pub fn new(folder: Option<PathBuf>) -> Workspace {
        let (done_tx, done) = crossbeam_channel::unbounded();
        Workspace {
            folder,
            docs: BTreeMap::new(),
            projects: BTreeMap::new(),
            done_tx,
            done,
            errors: Vec::new(),
        }
    }
}

/// The canonical form of a document's path: its folder's links resolved
/// (the file itself may not exist yet).
pub fn canonical(url: &Url) -> Result<PathBuf, String> {
    if url.scheme() != "file" {
        return Err(format!("`{url}` is not a file: omnis checks files only"));
    }
    let path = url
        .to_file_path()
        .map_err(|()| format!("`{url}` is not a file path"))?;
    if let Ok(p) = Disk.resolve(&path) {
        return Ok(p);
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => Ok(Disk
            .resolve(dir)
            .unwrap_or_else(|_| dir.to_path_buf())
            .join(name)),
        _ => Ok(path),
    }
}

impl Workspace {
    /// The root of the project holding `path`: the nearest folder above
    /// it with `omnis.toml`; else the workspace folder when it holds the
    /// file; else the file's folder.
    pub fn root_of(&self, path: &Path) -> PathBuf {
        let root = crate::files::project_root(&Disk, path);
        if Disk.kind(&root.join(CONFIG_FILE)).is_some() {
            return root;
        }
        match &self.folder {
            Some(f) if path.starts_with(f) => crate::files::project_root(&Disk, f),
            _ => root,
        }
    }

    /// Opens or replaces a document: it is to be checked alone, then
    /// with its project.
    pub fn set(&mut self, path: PathBuf, doc: Document) {
        let root = self.root_of(&path);
        self.docs.insert(path.clone(), doc);
        let p = self.project(root);
        p.generation += 1;
        p.pending.insert(path);
    }

    /// Closes a document (the file on disk is read again).
    pub fn close(&mut self, path: &Path) {
        if self.docs.remove(path).is_some() {
            let root = self.root_of(path);
            let p = self.project(root);
            p.generation += 1;
            p.pending.remove(path);
            p.quick.remove(path);
        }
    }

    /// A file changed on disk: every project holding it is to be checked.
    pub fn changed_on_disk(&mut self, path: &Path) {
        for (root, p) in &mut self.projects {
            if path.starts_with(root) {
                p.generation += 1;
            }
        }
    }

    /// Every project is to be checked again, from scratch (after a bug).
    pub fn forget(&mut self) {
        for p in self.projects.values_mut() {
            p.generation += 1;
            p.quick.clear();
        }
    }

    fn project(&mut self, root: PathBuf) -> &mut Project {
        self.projects.entry(root).or_insert_with(|| Project {
            session: Arc::new(Session::new()),
            checked: None,
            checked_at: 0,
            quick: BTreeMap::new(),
            pending: BTreeSet::new(),
            generation: 0,
            running: None,
            published: Default::default(),
            unpublished: false,
        })
    }

    /// The open buffers of the project at `root`, over the disk.
    fn tree(&self, root: &Path) -> Overlay<'static> {
        let buffers = (self.docs.iter())
            .filter(|(p, _)| p.starts_with(root))
            .map(|(p, d)| (p.clone(), d.text.clone().into_bytes()));
        Overlay::new(&Disk, buffers)
    }

    /// Checks each edited document with its imports (step 1), and each
    /// open document importing one, as the project's last check knows
    /// the imports; returns the paths checked, whose diagnostics are to
    /// be published.
    pub fn check_edited(&mut self) -> Vec<PathBuf> {
        let mut checked = Vec::new();
        let roots: Vec<PathBuf> = self.projects.keys().cloned().collect();
        for root in roots {
            let Some(p) = self.projects.get_mut(&root) else {
                continue;
            };
            let edited = std::mem::take(&mut p.pending);
            if edited.is_empty() {
                continue;
            }
            let importers = self.open_importers(&root, &edited);
            for path in edited.into_iter().chain(importers) {
                if self.check_alone(&root, &path) {
                    checked.push(path);
                }
            }
        }
        checked
    }

    /// The open documents of the project at `root` that import one of
    /// `edited`, directly or not, in its last check, the edited excepted.
    fn open_importers(&self, root: &Path, edited: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
        let Some(checked) = self.projects.get(root).and_then(|p| p.checked.as_ref()) else {
            return Vec::new();
        };
        let imports = &checked.analysis.imports;
        let mut importers = vec![Vec::new(); imports.len()];
        for (f, targets) in imports.iter().enumerate() {
            for t in targets {
                importers[t.0 as usize].push(f);
            }
        }
        let mut seen = vec![false; imports.len()];
        let mut stack: Vec<usize> = (edited.iter())
            .filter_map(|path| checked.file(path))
            .map(|f| f.0 as usize)
            .collect();
        let mut out = Vec::new();
        while let Some(f) = stack.pop() {
            for &g in &importers[f] {
                if !std::mem::replace(&mut seen[g], true) {
                    stack.push(g);
                    let path = &checked.analysis.sources.get(FileId(g as u32)).path;
                    if self.docs.contains_key(path) && !edited.contains(path) {
                        out.push(path.clone());
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Checks one open document with its imports; whether it was.
    fn check_alone(&mut self, root: &Path, path: &Path) -> bool {
        // Another file open in the editor (`omnis.toml`) is read by the
        // project's check only.
        if !self.docs.contains_key(path) || !crate::files::walk::is_source_name(path) {
            return false;
        }
        let tree = self.tree(root);
        let Some(p) = self.projects.get_mut(root) else {
            return false;
        };
        let Ok(analysis) = p.session.analyze_closure(&tree, path, false) else {
            return false;
        };
        let checked = Checked::new(analysis);
        if checked.file(path).is_none() {
            return false;
        }
        let generation = p.generation;
        p.quick.insert(
            path.to_path_buf(),
            Quick {
                generation,
                checked,
            },
        );
        true
    }

    /// Starts a check of every project whose check did not see every
    /// change, unless one is running (step 2).
    pub fn start_checks(&mut self) {
        let due: Vec<PathBuf> = (self.projects.iter())
            .filter(|(_, p)| p.running.is_none() && !p.current())
            .map(|(r, _)| r.clone())
            .collect();
        for root in due {
            let tree = self.tree(&root);
            let tx = self.done_tx.clone();
            let Some(p) = self.projects.get_mut(&root) else {
                continue;
            };
            let session = Arc::clone(&p.session);
            let generation = p.generation;
            p.running = Some(generation);
            let root_again = root.clone();
            let job = move || {
                let opts = Options {
                    paths: vec![root.clone()],
                };
                let result =
                    catch_unwind(AssertUnwindSafe(|| session.analyze(&tree, &opts, false)));
                let result = match result {
                    Ok(Ok(analysis)) => Ok(Checked::new(analysis)),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(panic) => Err(super::panic_message(&panic)),
                };
                // The server may have stopped meanwhile: nobody to tell.
                let _ = tx.send(Done {
                    root,
                    generation,
                    result,
                });
            };
            let spawned = std::thread::Builder::new()
                .name("omnis-project-check".into())
                .spawn(job);
            if let Err(e) = spawned {
                let _ = self.done_tx.send(Done {
                    root: root_again,
                    generation,
                    result: Err(format!("cannot start a thread to check the project: {e}")),
                });
            }
        }
    }

    /// Takes in a finished project check: it becomes the project's check,
    /// replacing the checks of single files it saw. Its diagnostics are
    /// to be published when it saw every change; otherwise the next check
    /// starts. An error that stopped the check goes to `errors`.
    pub fn finish(&mut self, done: Done) {
        let Some(p) = self.projects.get_mut(&done.root) else {
            return;
        };
        p.running = None;
        p.checked_at = done.generation;
        let (checked, error) = match done.result {
            Ok(checked) => (Some(checked), None),
            Err(e) => (None, Some(e)),
        };
        // A project's check is large: freed on a thread of its own, not
        // in the way of the next message.
        if let Some(old) = std::mem::replace(&mut p.checked, checked) {
            let freed = std::thread::Builder::new()
                .name("omnis-free".into())
                .spawn(move || drop(old));
            // Without a thread, freed here (the closure is dropped).
            drop(freed);
        }
        self.errors.extend(error);
        p.quick.retain(|_, q| q.generation > done.generation);
        p.unpublished = p.generation == done.generation;
        self.start_checks();
    }

    /// Waits until the check of the project at `root` saw every change
    /// (taking in the checks of every project that end meanwhile).
    pub fn settle(&mut self, root: &Path) {
        loop {
            self.start_checks();
            let waiting = self.projects.get(root).is_some_and(|p| p.running.is_some());
            if !waiting {
                return;
            }
            match self.done.recv() {
                Ok(done) => self.finish(done),
                Err(_) => return,
            }
        }
    }

    /// Makes sure the document at `path` is checked, for a request about
    /// it: an open document by itself if needed (at once), any other file
    /// with its project (waiting for that check).
    pub fn prepare(&mut self, path: &Path) {
        let root = self.root_of(path);
        let open = self.docs.contains_key(path);
        let p = self.project(root.clone());
        if p.quick.contains_key(path) && !p.pending.contains(path) {
            return;
        }
        let in_project = p.checked.as_ref().is_some_and(|c| c.file(path).is_some());
        if open {
            if p.pending.remove(path) || !in_project {
                self.check_alone(&root, path);
            }
        } else {
            if !in_project {
                // Created since the project's check, unbeknown to us.
                p.generation += 1;
            }
            self.settle(&root);
        }
    }

    /// The check requests about `path` read, and the file's id in it
    /// ([`Workspace::prepare`] first): the file's own when it was edited
    /// since the project's check started, else the project's.
    pub fn lookup(&self, path: &Path) -> Option<(&Checked, FileId)> {
        let p = self.projects.get(&self.root_of(path))?;
        let checked = match p.quick.get(path) {
            Some(q) => &q.checked,
            None => p.checked.as_ref()?,
        };
        Some((checked, checked.file(path)?))
    }

    /// The project's last check, for what needs every file of the project
    /// (the files to import), whatever it saw.
    pub fn project_check(&self, path: &Path) -> Option<&Checked> {
        self.projects.get(&self.root_of(path))?.checked.as_ref()
    }

    /// The URL to show for a loaded file: the client's own for an open
    /// document.
    pub fn url_of(&self, path: &Path) -> Option<Url> {
        match self.docs.get(path) {
            Some(d) => Some(d.url.clone()),
            None => Url::from_file_path(path).ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes_in(ws: &Workspace, path: &Path) -> Vec<String> {
        let (checked, file) = ws.lookup(path).unwrap();
        (checked.analysis.diagnostics.iter())
            .filter(|d| d.file == file)
            .map(|d| format!("{} {}", d.code, d.message))
            .collect()
    }

    #[test]
    fn an_edited_vocabulary_rechecks_its_open_importers_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let vocab = "event signup { source: text }\n";
        let importer = "import \"vocab.omni\"\nsegment fresh = did signup within 1d\n";
        let files = [
            ("omnis.toml", ""),
            ("vocab.omni", vocab),
            ("a.omni", importer),
            ("b.omni", importer),
            ("c.omni", "segment alone = did nothing within 1d\n"),
        ];
        for (name, text) in files {
            std::fs::write(root.join(name), text).unwrap();
        }
        let mut ws = Workspace::new(Some(root.clone()));
        let open = |ws: &mut Workspace, name: &str, text: &str, version: i32| {
            let path = root.join(name);
            let url = Url::from_file_path(&path).unwrap();
            let text = text.to_string();
            ws.set(path, Document { url, text, version });
        };
        for (name, text) in &files[1..] {
            if *name != "b.omni" {
                open(&mut ws, name, text, 1);
            }
        }
        let checked = ws.check_edited();
        assert_eq!(checked.len(), 3, "{checked:?}");
        ws.settle(&root);
        assert!(ws.projects[&root].quick.is_empty());

        // The vocabulary renames its event: the open importer is checked
        // with it at once (the other open file, importing nothing, is
        // not); the importer that is not open waits for the project.
        open(
            &mut ws,
            "vocab.omni",
            &vocab.replace("signup", "signed_up"),
            2,
        );
        let checked = ws.check_edited();
        assert_eq!(checked, vec![root.join("vocab.omni"), root.join("a.omni")]);
        let unknown =
            |codes: Vec<String>| codes.iter().any(|c| c.contains("no event named `signup`"));
        assert!(unknown(codes_in(&ws, &root.join("a.omni"))));
        ws.settle(&root);
        assert!(ws.projects[&root].quick.is_empty());
        assert!(unknown(codes_in(&ws, &root.join("a.omni"))));
        assert!(unknown(codes_in(&ws, &root.join("b.omni"))));
        assert!(!unknown(codes_in(&ws, &root.join("c.omni"))));
    }
}
