//! Finding the `.omni` files under the paths a command is given: one
//! walker for `check`, `build`, `fmt`, `graph`, `diff` and `simulate`.
//!
//! - A path named on the command line is always taken (a file, whatever its
//!   name, or a folder to walk), even when an `exclude` pattern matches it.
//! - Walking a folder skips hidden files and folders (names starting with
//!   `.`), `target` and `node_modules` folders, what the `exclude` list of
//!   the project's `omnis.toml` matches (gitignore patterns, relative to the
//!   folder of `omnis.toml`), and, inside a git repository, what
//!   `.gitignore` files and `.git/info/exclude` ignore (the `ignore` crate,
//!   as ripgrep reads them; the user's global git excludes are not read, so
//!   that CI and a laptop agree).
//! - Links to folders are followed when they stay inside the project root;
//!   a link to a folder outside it is refused (an error, nothing under it
//!   is read), and each real folder is walked once (tracked by device and
//!   inode), so link loops (`l1 -> .`) and links to `/` cost nothing.
//! - Links to files are resolved when the file is read ([`super::read_source`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{read_source, Kind, SourceError, Tree};
use crate::config::{self, Config, ConfigFile};

/// A path that could not be read, and why.
#[derive(Debug)]
pub struct Failure {
    pub path: PathBuf,
    pub error: SourceError,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read `{}`: {}", self.path.display(), self.error)
    }
}

/// What walking keeps: the rules of one project.
#[derive(Clone, Debug)]
pub struct Rules {
    /// The project root (canonical): `exclude` patterns are relative to it.
    pub root: PathBuf,
    exclude: ignore::gitignore::Gitignore,
}

impl Rules {
    /// The rules of the project at `root`, with its `exclude` patterns
    /// (already checked by `crate::config`; a pattern that does not build
    /// is left out).
    pub fn new(root: &Path, exclude: &[String]) -> Rules {
        let mut b = ignore::gitignore::GitignoreBuilder::new(root);
        for p in exclude {
            let _ = b.add_line(None, p);
        }
        Rules {
            root: root.to_path_buf(),
            exclude: b
                .build()
                .unwrap_or_else(|_| ignore::gitignore::Gitignore::empty()),
        }
    }

    /// Whether walking skips the entry at `path` (absolute, below the
    /// folder walked): hidden names, `target` and `node_modules` folders,
    /// and what `exclude` matches.
    pub fn skips(&self, path: &Path, is_dir: bool) -> bool {
        let name = path.file_name().unwrap_or_default();
        self.skips_name(name, is_dir) || self.excludes(path, is_dir)
    }

    /// Whether walking skips an entry of this name whatever its folder:
    /// hidden, or a `target` or `node_modules` folder.
    fn skips_name(&self, name: &std::ffi::OsStr, is_dir: bool) -> bool {
        let name = name.as_encoded_bytes();
        name.starts_with(b".") || (is_dir && (name == b"target" || name == b"node_modules"))
    }

    /// Whether an `exclude` pattern matches `path`.
    fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        !self.exclude.is_empty() && self.exclude.matched(path, is_dir).is_ignore()
    }
}

/// Whether a file name is a source file's.
pub fn is_source_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "omni")
}

/// The result of walking one folder.
#[derive(Debug, Default)]
pub struct Walked {
    /// `(path as walked, canonical path)` of each `.omni` file, sorted.
    pub files: Vec<(PathBuf, PathBuf)>,
    /// Folders that could not be read, links out of the root.
    pub failures: Vec<Failure>,
}

/// Walks `dir` on disk (see the module docs).
pub fn walk_disk(dir: &Path, rules: &Rules) -> Walked {
    let mut out = Walked::default();
    let start = match std::fs::canonicalize(dir) {
        Ok(c) => c,
        Err(e) => {
            out.failures.push(Failure {
                path: dir.to_path_buf(),
                error: e.into(),
            });
            return out;
        }
    };
    let failures: Arc<Mutex<Vec<Failure>>> = Arc::default();
    let visited: Arc<Mutex<HashSet<DirKey>>> = Arc::default();
    if let Some(key) = dir_key(&start, &std::fs::metadata(&start).ok()) {
        visited.lock().expect("not poisoned").insert(key);
    }
    let filter = {
        let (dir, start, rules) = (dir.to_path_buf(), start.clone(), rules.clone());
        let (failures, visited) = (failures.clone(), visited.clone());
        move |e: &ignore::DirEntry| -> bool {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if rules.skips_name(e.file_name(), is_dir) {
                return false;
            }
            if !rules.exclude.is_empty() {
                let rel = e.path().strip_prefix(&dir).unwrap_or(e.path());
                if rules.excludes(&start.join(rel), is_dir) {
                    return false;
                }
            }
            if !is_dir {
                return true;
            }
            let canonical = if e.path_is_symlink() {
                match std::fs::canonicalize(e.path()) {
                    Ok(c) => Some(c),
                    Err(_) => return false,
                }
            } else {
                None
            };
            if let Some(c) = &canonical {
                if !c.starts_with(&rules.root) {
                    failures.lock().expect("not poisoned").push(Failure {
                        path: e.path().to_path_buf(),
                        error: SourceError::OutsideRoot {
                            root: rules.root.clone(),
                        },
                    });
                    return false;
                }
            }
            let key = dir_key(canonical.as_deref().unwrap_or(e.path()), &e.metadata().ok());
            // Each real folder once: a second link to it, or a loop.
            key.is_none_or(|k| visited.lock().expect("not poisoned").insert(k))
        }
    };
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .git_ignore(true)
        .git_exclude(true)
        .parents(true)
        .require_git(true)
        .follow_links(true)
        // By file name: the entries of one folder share the folder's path
        // as walked, so their paths compare as their names do, without
        // finding each name again at every comparison.
        .sort_by_file_path(|a, b| a.as_os_str().cmp(b.as_os_str()))
        .filter_entry(filter)
        .build();
    // The canonical path of each folder holding files, resolved once.
    let mut canonical_dirs: HashMap<PathBuf, PathBuf> = HashMap::new();
    canonical_dirs.insert(dir.to_path_buf(), start.clone());
    let mut last_dir: Option<(PathBuf, PathBuf)> = None;
    for entry in walker {
        let e = match entry {
            Ok(e) => e,
            Err(err) => {
                if let Some(f) = walk_failure(err) {
                    out.failures.push(f);
                }
                continue;
            }
        };
        if e.depth() == 0 || e.file_type().is_some_and(|t| t.is_dir()) {
            continue;
        }
        let name = e.file_name();
        if !is_source_name(Path::new(name)) {
            continue;
        }
        let canonical = if e.path_is_symlink() {
            std::fs::canonicalize(e.path())
        } else {
            let parent = e.path().parent().unwrap_or(Path::new("."));
            // The files of a folder come one after the other.
            match &last_dir {
                Some((p, c)) if p == parent => Ok(c.join(name)),
                _ => match canonical_dirs.get(parent) {
                    Some(c) => {
                        last_dir = Some((parent.to_path_buf(), c.clone()));
                        Ok(c.join(name))
                    }
                    None => std::fs::canonicalize(parent).map(|c| {
                        canonical_dirs.insert(parent.to_path_buf(), c.clone());
                        last_dir = Some((parent.to_path_buf(), c.clone()));
                        c.join(name)
                    }),
                },
            }
        };
        match canonical {
            Ok(c) => out.files.push((e.into_path(), c)),
            Err(error) => out.failures.push(Failure {
                path: e.into_path(),
                error: error.into(),
            }),
        }
    }
    out.failures
        .extend(std::mem::take(&mut *failures.lock().expect("not poisoned")));
    out.files.sort();
    out.failures.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// A folder's identity: device and inode on Unix, the canonical path
/// elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum DirKey {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

fn dir_key(path: &Path, meta: &Option<std::fs::Metadata>) -> Option<DirKey> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        meta.as_ref().map(|m| DirKey::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        std::fs::canonicalize(path).ok().map(DirKey::Path)
    }
}

/// An error met while walking, when it matters: a link loop is not one (the
/// folder is walked already), nor a broken link that is not a `.omni` file.
fn walk_failure(err: ignore::Error) -> Option<Failure> {
    let mut path = None;
    let mut e = &err;
    loop {
        match e {
            ignore::Error::WithPath { path: p, err } => {
                path.get_or_insert_with(|| p.clone());
                e = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                e = err
            }
            ignore::Error::Loop { .. } => return None,
            _ => break,
        }
    }
    let path = path.unwrap_or_default();
    let io = e
        .io_error()
        .map(|io| std::io::Error::new(io.kind(), super::os_message(io)));
    if io
        .as_ref()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
        && !is_source_name(&path)
    {
        return None;
    }
    Some(Failure {
        path,
        error: SourceError::Io(io.unwrap_or_else(|| std::io::Error::other(e.to_string()))),
    })
}

/// A file to load: the path it was found at, its canonical path, and the
/// project root it belongs to (canonical).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub canonical: PathBuf,
    pub root: PathBuf,
}

/// The configuration of one project root met while discovering.
#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    /// `omnis.toml`, when it has problems to report.
    pub file: Option<ConfigFile>,
}

/// What [`discover`] found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Each file once (by canonical path), in the order of the paths given,
    /// each folder's files sorted.
    pub files: Vec<Found>,
    /// The projects of the paths given, the first path's first.
    pub projects: Vec<Project>,
}

/// Finds the `.omni` files under `paths` in `tree` (see the module docs),
/// and reads the `omnis.toml` of the project of each path. Every path that
/// cannot be read is reported, not just the first.
pub fn discover(tree: &dyn Tree, paths: &[PathBuf]) -> Result<Discovered, Vec<Failure>> {
    let mut out = Discovered::default();
    let mut failures = Vec::new();
    let mut roots: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut root_of = |tree: &dyn Tree, dir: &Path| -> PathBuf {
        roots
            .entry(dir.to_path_buf())
            .or_insert_with(|| super::project_root(tree, dir))
            .clone()
    };
    let mut seen = HashSet::new();
    for p in paths {
        let given = super::absolute(p);
        let kind = tree.kind(&given);
        let root = root_of(tree, &given);
        let project = match out.projects.iter().position(|c| c.root == root) {
            Some(i) => i,
            None => match config::load(tree, &root) {
                Ok((config, file)) => {
                    out.projects.push(Project {
                        root: root.clone(),
                        config,
                        file,
                    });
                    out.projects.len() - 1
                }
                Err(f) => {
                    failures.push(f);
                    continue;
                }
            },
        };
        let found: Vec<(PathBuf, PathBuf)> = match kind {
            Some(Kind::Dir) => {
                let rules = Rules::new(&root, &out.projects[project].config.exclude);
                let walked = tree.walk(p, &rules);
                failures.extend(walked.failures);
                walked.files
            }
            _ => match tree.resolve(&given) {
                Ok(c) => vec![(p.clone(), c)],
                Err(e) => {
                    failures.push(Failure {
                        path: p.clone(),
                        error: e.into(),
                    });
                    continue;
                }
            },
        };
        // The files of one folder come together: its project root is
        // looked up once for them.
        let mut last: Option<(PathBuf, PathBuf)> = None;
        for (path, canonical) in found {
            if !seen.insert(canonical.clone()) {
                continue;
            }
            let root = match (&last, path.parent()) {
                (Some((dir, root)), Some(parent)) if dir == parent => root.clone(),
                _ => {
                    let abs = super::absolute(&path);
                    let root = root_of(tree, abs.parent().unwrap_or(&abs));
                    if let Some(parent) = path.parent() {
                        last = Some((parent.to_path_buf(), root.clone()));
                    }
                    root
                }
            };
            out.files.push(Found {
                path,
                canonical,
                root,
            });
        }
    }
    if failures.is_empty() {
        Ok(out)
    } else {
        Err(failures)
    }
}

/// Reads a found file (see [`read_source`]).
pub fn read_found(tree: &dyn Tree, f: &Found) -> Result<Vec<u8>, Failure> {
    read_source(tree, &f.canonical, &f.root).map_err(|error| Failure {
        path: f.path.clone(),
        error,
    })
}
