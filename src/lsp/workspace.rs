//! The editor's documents and the projects they belong to: each project
//! (a folder with `omnis.toml`, or the workspace folder) is checked as
//! `omnis check` checks it, over the open buffers ([`Overlay`] on the
//! disk), by one [`Session`] whose parse cache re-parses only the buffers
//! that changed. A check covers the whole project, so a change in an
//! imported file re-checks every file that imports it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

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

/// One checked state of a project.
pub struct Checked {
    pub analysis: Analysis,
    by_path: HashMap<PathBuf, FileId>,
}

impl Checked {
    pub fn file(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }
}

/// A project: its root, its session and its last check.
pub struct Project {
    session: Session,
    pub checked: Option<Checked>,
    /// Whether a buffer changed since the last check.
    pub stale: bool,
    /// The files diagnostics were last published for (to clear them).
    pub published: Vec<PathBuf>,
    /// Whether the last check's diagnostics are still to be published.
    pub unpublished: bool,
}

/// Every open document and project.
#[derive(Default)]
pub struct Workspace {
    /// The workspace folder the client opened, if any.
    pub folder: Option<PathBuf>,
    /// Open documents by canonical path.
    pub docs: BTreeMap<PathBuf, Document>,
    pub projects: BTreeMap<PathBuf, Project>,
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

    /// Opens or replaces a document, marking its project stale.
    pub fn set(&mut self, path: PathBuf, doc: Document) {
        let root = self.root_of(&path);
        self.docs.insert(path, doc);
        self.project(root).stale = true;
    }

    /// Closes a document (the file on disk is read again).
    pub fn close(&mut self, path: &Path) {
        if self.docs.remove(path).is_some() {
            let root = self.root_of(path);
            self.project(root).stale = true;
        }
    }

    /// A file changed on disk: every project holding it is stale.
    pub fn changed_on_disk(&mut self, path: &Path) {
        for (root, p) in &mut self.projects {
            if path.starts_with(root) {
                p.stale = true;
            }
        }
    }

    fn project(&mut self, root: PathBuf) -> &mut Project {
        self.projects.entry(root).or_insert_with(|| Project {
            session: Session::new(),
            checked: None,
            stale: true,
            published: Vec::new(),
            unpublished: false,
        })
    }

    /// Checks the stale projects; returns the roots checked.
    pub fn refresh(&mut self) -> Vec<PathBuf> {
        let stale: Vec<PathBuf> = (self.projects.iter())
            .filter(|(_, p)| p.stale)
            .map(|(r, _)| r.clone())
            .collect();
        for root in &stale {
            self.check(root);
        }
        stale
    }

    /// Checks one project over the open buffers.
    fn check(&mut self, root: &Path) {
        let buffers = self
            .docs
            .iter()
            .filter(|(p, _)| p.starts_with(root))
            .map(|(p, d)| (p.clone(), d.text.clone().into_bytes()));
        let tree = Overlay::new(&Disk, buffers);
        let Some(project) = self.projects.get_mut(root) else {
            return;
        };
        let opts = Options {
            paths: vec![root.to_path_buf()],
        };
        project.stale = false;
        project.unpublished = true;
        project.checked = match project.session.analyze(&tree, &opts, false) {
            Ok(analysis) => {
                let by_path = (0..analysis.sources.len())
                    .map(|i| {
                        (
                            analysis.sources.get(FileId(i as u32)).path.clone(),
                            FileId(i as u32),
                        )
                    })
                    .collect();
                Some(Checked { analysis, by_path })
            }
            Err(_) => None,
        };
    }

    /// Checks the project holding `path` if it is stale or new.
    /// A file the last check did not load (created since) is checked
    /// again too.
    pub fn prepare(&mut self, path: &Path) {
        let root = self.root_of(path);
        let fresh = self.projects.get(&root).is_some_and(|p| {
            !p.stale && p.checked.as_ref().is_some_and(|c| c.file(path).is_some())
        });
        if !fresh {
            self.project(root.clone());
            self.check(&root);
        }
    }

    /// The last check of the project holding `path`, and the file's id in
    /// it ([`Workspace::prepare`] first).
    pub fn lookup(&self, path: &Path) -> Option<(&Checked, FileId)> {
        let checked = self.projects.get(&self.root_of(path))?.checked.as_ref()?;
        Some((checked, checked.file(path)?))
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
