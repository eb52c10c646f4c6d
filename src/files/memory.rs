//! Sources held in memory: a [`MemoryTree`] of files at absolute paths (a
//! git revision for `omnis diff --git`, sources given as text to
//! `crate::driver::analyze_sources`), and an [`Overlay`] of such files over
//! another tree (an editor's unsaved buffers over the disk).
//!
//! Both are [`Tree`]s, so the loader reads them exactly as it reads the
//! disk, through [`super::read_source`]: the project root is checked the
//! same way, only regular files exist in memory, and the size cap applies
//! to a buffer as to a file.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use super::walk::{is_source_name, Rules, Walked};
use super::{normalize, Kind, SourceError, Tree};

/// A file held in memory: its bytes, or only its size when it is over the
/// cap (a git blob too large to read).
#[derive(Debug)]
enum Blob {
    Bytes(Vec<u8>),
    TooLarge(u64),
}

/// Files in memory at absolute, normalized paths, and the folders above
/// them. Paths have no links, so each path is its own canonical form.
#[derive(Debug, Default)]
pub struct MemoryTree {
    files: BTreeMap<PathBuf, Blob>,
    dirs: BTreeSet<PathBuf>,
    /// What file names are shown relative to; the working directory when
    /// `None`.
    working_dir: Option<PathBuf>,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    /// An empty tree holding the folder `dir` (absolute), whose ancestors
    /// are not part of it: files added below it register the folders
    /// between them and `dir` only.
    pub fn with_folder(dir: &Path) -> MemoryTree {
        let mut t = MemoryTree::default();
        t.dirs.insert(lexical(dir));
        t
    }

    /// Shows file names relative to `dir` rather than the working
    /// directory (for sources that are not on disk at all).
    pub fn show_relative_to(mut self, dir: &Path) -> MemoryTree {
        self.working_dir = Some(lexical(dir));
        self
    }

    /// Adds (or replaces) the file at `path` (made absolute and normalized).
    pub fn insert(&mut self, path: &Path, bytes: Vec<u8>) {
        self.add(path, Blob::Bytes(bytes));
    }

    /// Records a file of `size` bytes, over the cap, whose bytes were not
    /// read: reading it says it is too large.
    pub fn insert_too_large(&mut self, path: &Path, size: u64) {
        self.add(path, Blob::TooLarge(size));
    }

    fn add(&mut self, path: &Path, blob: Blob) {
        let path = lexical(path);
        for dir in path.ancestors().skip(1) {
            if !self.dirs.insert(dir.to_path_buf()) {
                break;
            }
        }
        self.files.insert(path, blob);
    }

    /// The files held, by path.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.keys().map(PathBuf::as_path)
    }

    fn kind_of(&self, p: &Path) -> Option<Kind> {
        if self.files.contains_key(p) {
            Some(Kind::File)
        } else if self.dirs.contains(p) {
            Some(Kind::Dir)
        } else {
            None
        }
    }
}

/// The folder of a project given as text ([`project`]). It exists only in
/// memory: nothing on disk is read.
pub const MEMORY_PROJECT: &str = "/omnis-memory";

/// A project of files given as `(name, text)` (names relative to the
/// project folder, `/`-separated; `omnis.toml` among them is its
/// configuration), with file names shown relative to that folder, and the
/// paths of its `.omni` files, in the order given: what to load.
pub fn project(files: &[(&str, &str)]) -> (MemoryTree, Vec<PathBuf>) {
    let root = Path::new(MEMORY_PROJECT);
    let mut tree = MemoryTree::with_folder(root).show_relative_to(root);
    // The project root is the folder, whatever the names' folders.
    tree.insert(&root.join(super::CONFIG_FILE), Vec::new());
    let mut paths = Vec::new();
    for (name, text) in files {
        let path = root.join(name);
        tree.insert(&path, text.as_bytes().to_vec());
        if *name != super::CONFIG_FILE {
            paths.push(path);
        }
    }
    (tree, paths)
}

/// `path` made absolute and normalized: the form paths have in memory.
fn lexical(path: &Path) -> PathBuf {
    normalize(&super::absolute(path))
}

impl Tree for MemoryTree {
    fn resolve(&self, path: &Path) -> io::Result<PathBuf> {
        let p = lexical(path);
        match self.kind_of(&p) {
            Some(_) => Ok(p),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                "not in the sources",
            )),
        }
    }

    fn kind(&self, path: &Path) -> Option<Kind> {
        self.kind_of(&lexical(path))
    }

    fn read_capped(&self, canonical: &Path, cap: u64) -> Result<Vec<u8>, SourceError> {
        match self.files.get(canonical) {
            Some(Blob::Bytes(b)) if b.len() as u64 <= cap => Ok(b.clone()),
            Some(Blob::Bytes(b)) => Err(SourceError::TooLarge(b.len() as u64)),
            Some(Blob::TooLarge(size)) => Err(SourceError::TooLarge(*size)),
            None if self.dirs.contains(canonical) => Err(SourceError::NotRegular("a directory")),
            None => Err(SourceError::Io(io::ErrorKind::NotFound.into())),
        }
    }

    /// The same rules as on disk, except `.gitignore` (memory holds what
    /// it was given).
    fn walk(&self, dir: &Path, rules: &Rules) -> Walked {
        let start = lexical(dir);
        let mut out = Walked::default();
        for path in self.files.range(start.clone()..).map(|(p, _)| p) {
            if !path.starts_with(&start) {
                break;
            }
            if !is_source_name(path) || rules.skips(path, false) {
                continue;
            }
            let rel = path.strip_prefix(&start).unwrap_or(path);
            let mut folder = start.clone();
            let skipped = rel.parent().is_some_and(|parent| {
                parent.components().any(|c| {
                    folder.push(c);
                    rules.skips(&folder, true)
                })
            });
            if !skipped {
                out.files.push((dir.join(rel), path.clone()));
            }
        }
        out
    }

    fn working_dir(&self) -> PathBuf {
        match &self.working_dir {
            Some(d) => d.clone(),
            None => super::Disk.working_dir(),
        }
    }
}

/// Files in memory over another tree: an editor's unsaved buffers over the
/// disk. A buffer hides the file at its path; a buffer where the tree has
/// no file is a new file (walks find it). Everything else is read from
/// the tree beneath, with its own rules.
pub struct Overlay<'a> {
    base: &'a dyn Tree,
    buffers: MemoryTree,
}

impl<'a> Overlay<'a> {
    /// `buffers` over `base`. Each buffer's path is taken through `base`'s
    /// links (its folder resolved), so that it hides the file the loader
    /// reaches by any path.
    pub fn new(base: &'a dyn Tree, buffers: impl IntoIterator<Item = (PathBuf, Vec<u8>)>) -> Self {
        let mut over = MemoryTree::new();
        for (path, bytes) in buffers {
            let path = lexical(&path);
            let real = base.resolve(&path).ok().or_else(|| {
                let dir = base.resolve(path.parent()?).ok()?;
                Some(dir.join(path.file_name()?))
            });
            over.insert(&real.unwrap_or(path), bytes);
        }
        Overlay {
            base,
            buffers: over,
        }
    }

    /// The buffer `path` names, by its path or through the links of its
    /// folder in the tree beneath.
    fn buffer(&self, path: &Path) -> Option<PathBuf> {
        let p = lexical(path);
        if self.buffers.files.contains_key(&p) {
            return Some(p);
        }
        let dir = self.base.resolve(p.parent()?).ok()?;
        let real = dir.join(p.file_name()?);
        self.buffers.files.contains_key(&real).then_some(real)
    }
}

impl Tree for Overlay<'_> {
    fn resolve(&self, path: &Path) -> io::Result<PathBuf> {
        match self.buffer(path) {
            Some(p) => Ok(p),
            None => self.base.resolve(path),
        }
    }

    fn kind(&self, path: &Path) -> Option<Kind> {
        if self.buffer(path).is_some() {
            return Some(Kind::File);
        }
        self.base
            .kind(path)
            .or_else(|| self.buffers.kind(path).filter(|k| *k == Kind::Dir))
    }

    fn read_capped(&self, canonical: &Path, cap: u64) -> Result<Vec<u8>, SourceError> {
        if self.buffers.files.contains_key(canonical) {
            self.buffers.read_capped(canonical, cap)
        } else {
            self.base.read_capped(canonical, cap)
        }
    }

    /// The walk of the tree beneath, with the new files among the buffers
    /// that the same rules keep.
    fn walk(&self, dir: &Path, rules: &Rules) -> Walked {
        let mut out = match self.base.kind(dir) {
            Some(Kind::Dir) => self.base.walk(dir, rules),
            _ => Walked::default(),
        };
        let start = self.base.resolve(dir).unwrap_or_else(|_| lexical(dir));
        let known: BTreeSet<PathBuf> = out.files.iter().map(|(_, c)| c.clone()).collect();
        let mut added = false;
        for (_, canonical) in self.buffers.walk(&start, rules).files {
            if !known.contains(&canonical) {
                let rel = canonical.strip_prefix(&start).unwrap_or(&canonical);
                out.files.push((dir.join(rel), canonical.clone()));
                added = true;
            }
        }
        if added {
            out.files.sort();
        }
        out
    }

    fn working_dir(&self) -> PathBuf {
        self.base.working_dir()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::{read_source, MAX_SOURCE_BYTES};

    #[test]
    fn memory_files_are_read_with_the_rules_of_the_disk() {
        let mut t = MemoryTree::new();
        t.insert(Path::new("/p/a.omni"), b"abc".to_vec());
        t.insert_too_large(Path::new("/p/big.omni"), MAX_SOURCE_BYTES + 1);
        let root = Path::new("/p");
        assert_eq!(t.kind(Path::new("/p/x/../a.omni")), Some(Kind::File));
        assert_eq!(t.kind(root), Some(Kind::Dir));
        assert_eq!(
            read_source(&t, Path::new("/p/a.omni"), root).unwrap(),
            b"abc"
        );
        let big = read_source(&t, Path::new("/p/big.omni"), root).unwrap_err();
        assert!(matches!(big, SourceError::TooLarge(_)), "{big}");
        let outside = read_source(&t, Path::new("/p/a.omni"), Path::new("/q")).unwrap_err();
        assert!(
            matches!(outside, SourceError::OutsideRoot { .. }),
            "{outside}"
        );
        let dir = read_source(&t, root, Path::new("/")).unwrap_err();
        assert!(matches!(dir, SourceError::NotRegular(_)), "{dir}");
    }

    #[test]
    fn buffers_hide_files_and_add_new_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("a.omni"), "disk").unwrap();
        std::fs::write(root.join("b.omni"), "disk b").unwrap();
        std::fs::create_dir(root.join("real")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("real"), root.join("link")).unwrap();
        let overlay = Overlay::new(
            &crate::files::Disk,
            [
                (root.join("a.omni"), b"edited".to_vec()),
                (root.join("real/new.omni"), b"new".to_vec()),
            ],
        );
        let read = |p: &Path| {
            let c = overlay.resolve(p).unwrap();
            read_source(&overlay, &c, &root).unwrap()
        };
        assert_eq!(read(&root.join("a.omni")), b"edited");
        assert_eq!(read(&root.join("b.omni")), b"disk b");
        assert_eq!(read(&root.join("real/new.omni")), b"new");
        #[cfg(unix)]
        assert_eq!(read(&root.join("link/new.omni")), b"new");
        // The walk finds the new buffer once, by its real path, beside the
        // files on disk (the disk walker reaches `real/` once, by the link
        // or not).
        let walked = overlay.walk(&root, &Rules::new(&root, &[]));
        let canonical: Vec<_> = walked
            .files
            .iter()
            .map(|(_, c)| c.strip_prefix(&root).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            canonical.iter().collect::<BTreeSet<_>>(),
            [
                Path::new("a.omni"),
                Path::new("b.omni"),
                Path::new("real/new.omni")
            ]
            .iter()
            .map(|p| p.to_path_buf())
            .collect::<BTreeSet<_>>()
            .iter()
            .collect::<BTreeSet<_>>()
        );
        assert_eq!(canonical.len(), 3, "{canonical:?}");
    }
}
