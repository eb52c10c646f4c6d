//! Reading the files a run is given, from one place, safely.
//!
//! Campaign files come from pull requests: `omnis check`, `fmt` and `diff`
//! run on input nobody vetted, in CI jobs that hold secrets. Every source
//! file, whether named on the command line, found by walking a folder,
//! imported, or the project's `omnis.toml`, is read by [`read_source`],
//! which refuses, with a [`SourceError`] that never quotes the file:
//!
//! - a file outside the project root once symbolic links are resolved (a
//!   `notes.omni -> ../secret.txt` link is not read);
//! - anything that is not a regular file: a folder, a FIFO (reading one
//!   blocks until someone writes), a device (`/dev/zero` never ends) or a
//!   socket. The file is opened without blocking and without following a
//!   final symbolic link, and its kind is checked on the open handle;
//! - a file larger than [`MAX_SOURCE_BYTES`] (16 MiB): checked before
//!   reading, and the read itself stops at the size checked.
//!
//! Folders are walked by one walker ([`walk`]) for every command.
//!
//! Sources are read from a [`Tree`], the one provider every command reads
//! through: the disk ([`Disk`]); files held in memory
//! ([`memory::MemoryTree`]: a git revision for `omnis diff --git`, see
//! `crate::diff::git`, or sources given as text); or an editor's unsaved
//! buffers over the disk ([`memory::Overlay`]).

pub mod memory;
pub mod walk;

use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// The largest source file Omnis reads: 16 MiB. Real campaign files are a
/// few kilobytes; the cap keeps a hostile or mistaken input (a 2 GB file,
/// `/dev/zero` behind a link) from being read whole.
pub const MAX_SOURCE_BYTES: u64 = 16 << 20;

/// The name of the configuration file at a project root.
pub const CONFIG_FILE: &str = "omnis.toml";

/// Why a source file was not read. The messages name the file's kind or
/// size, never its content.
#[derive(Debug)]
pub enum SourceError {
    /// Its real path (symbolic links resolved) is outside the project root.
    OutsideRoot { root: PathBuf },
    /// A folder, a FIFO, a device or a socket: what it is.
    NotRegular(&'static str),
    /// Larger than [`MAX_SOURCE_BYTES`]; the size seen.
    TooLarge(u64),
    /// It could not be read (missing, no permission, ...).
    Io(io::Error),
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceError::OutsideRoot { root } => write!(
                f,
                "it is outside the project root `{}` (symbolic links are resolved first); it was not read",
                root.display()
            ),
            SourceError::NotRegular(kind) => {
                write!(f, "it is {kind}, not a regular file; it was not read")
            }
            SourceError::TooLarge(size) => write!(
                f,
                "it is {} bytes, over the limit of {} MiB for a source file; it was not read",
                if *size > MAX_SOURCE_BYTES {
                    size.to_string()
                } else {
                    format!("more than {MAX_SOURCE_BYTES}")
                },
                MAX_SOURCE_BYTES >> 20
            ),
            SourceError::Io(e) => f.write_str(&os_message(e)),
        }
    }
}

impl From<io::Error> for SourceError {
    fn from(e: io::Error) -> Self {
        SourceError::Io(e)
    }
}

/// The OS error without Rust's "(os error N)" suffix.
pub fn os_message(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// What is at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    /// A FIFO, device, socket or a broken link: it exists, and is no file.
    Other,
}

/// Where sources are read from: the disk, files in memory, or buffers over
/// the disk (see the module docs).
/// Paths are absolute; a *canonical* path has no `.`, `..` or symbolic
/// link in it.
pub trait Tree: Sync {
    /// The canonical form of `path` (links resolved); an error when nothing
    /// is there.
    fn resolve(&self, path: &Path) -> io::Result<PathBuf>;
    /// What is at `path` (links followed), if anything.
    fn kind(&self, path: &Path) -> Option<Kind>;
    /// The bytes of the regular file at the canonical path `canonical`,
    /// refusing anything else and anything over `cap` bytes. Callers go
    /// through [`read_source`], which checks the root first.
    fn read_capped(&self, canonical: &Path, cap: u64) -> Result<Vec<u8>, SourceError>;
    /// The `.omni` files under the folder `dir` that `rules` keep, as
    /// `(path, canonical path)`, and the problems met (see [`walk::Walker`]).
    fn walk(&self, dir: &Path, rules: &walk::Rules) -> walk::Walked;
    /// The folder file names are shown relative to (canonical): the
    /// working directory.
    fn working_dir(&self) -> PathBuf {
        std::env::current_dir()
            .ok()
            .and_then(|c| std::fs::canonicalize(c).ok())
            .unwrap_or_default()
    }
}

/// Reads the source file at the canonical path `canonical`, which must be
/// inside the (canonical) project `root`. The one way a source is read.
pub fn read_source(tree: &dyn Tree, canonical: &Path, root: &Path) -> Result<Vec<u8>, SourceError> {
    if !canonical.starts_with(root) {
        return Err(SourceError::OutsideRoot {
            root: root.to_path_buf(),
        });
    }
    tree.read_capped(canonical, MAX_SOURCE_BYTES)
}

/// The project root of a path: the nearest folder at or above it (above
/// the folder of a file) with `omnis.toml`, else the folder itself. An
/// `omnis.toml` of any kind marks the root (one that is not a regular file
/// is then refused when it is read, rather than silently skipped).
pub fn project_root(tree: &dyn Tree, path: &Path) -> PathBuf {
    let start = if tree.kind(path) == Some(Kind::Dir) {
        path.to_path_buf()
    } else {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let start = tree
        .resolve(&start)
        .unwrap_or_else(|_| normalize(&absolute(&start)));
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        if tree.kind(&d.join(CONFIG_FILE)).is_some() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    start
}

/// `path` made absolute against the working directory (lexically).
pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Removes `.` and `..` lexically.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The files on disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct Disk;

impl Tree for Disk {
    fn resolve(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }

    fn kind(&self, path: &Path) -> Option<Kind> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => Some(Kind::File),
            Ok(m) if m.is_dir() => Some(Kind::Dir),
            Ok(_) => Some(Kind::Other),
            // A broken link still exists.
            Err(_) => std::fs::symlink_metadata(path).ok().map(|_| Kind::Other),
        }
    }

    fn read_capped(&self, canonical: &Path, cap: u64) -> Result<Vec<u8>, SourceError> {
        read_regular_file(canonical, cap)
    }

    fn walk(&self, dir: &Path, rules: &walk::Rules) -> walk::Walked {
        walk::walk_disk(dir, rules)
    }
}

/// Reads the regular file at `path` (not following a final symbolic link),
/// refusing other kinds and files over `cap` bytes. Opening never blocks
/// (a FIFO is opened non-blocking and refused by its kind).
pub fn read_regular_file(path: &Path, cap: u64) -> Result<Vec<u8>, SourceError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        // A final symbolic link (`O_NOFOLLOW`): only when the file changed
        // after its path was resolved.
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(SourceError::NotRegular("a symbolic link"))
        }
        Err(e) => return Err(e.into()),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(SourceError::NotRegular(kind_name(&meta)));
    }
    if meta.len() > cap {
        return Err(SourceError::TooLarge(meta.len()));
    }
    if meta.len() > 0 {
        return read_size(&file, meta.len() as usize);
    }
    // No size said (files of some virtual file systems): up to the cap.
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(SourceError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The first `size` bytes of `file` (fewer if it ends before): the size
/// its handle said it had, which is within the cap. One `read` for a file
/// that did not change since, where reading to the end takes a second
/// one to find the end; bytes written past that size meanwhile are not
/// read.
fn read_size(mut file: &std::fs::File, size: usize) -> Result<Vec<u8>, SourceError> {
    let mut bytes = vec![0; size];
    let mut filled = 0;
    while filled < size {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

/// What a file that is not a regular file is, in words.
fn kind_name(meta: &std::fs::Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_and_refuses_folders_and_big_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let f = root.join("a.omni");
        std::fs::write(&f, "abc").unwrap();
        assert_eq!(read_source(&Disk, &f, &root).unwrap(), b"abc");
        assert!(matches!(
            read_regular_file(&f, 2),
            Err(SourceError::TooLarge(3))
        ));
        assert!(matches!(
            read_source(&Disk, &root, &root),
            Err(SourceError::NotRegular("a directory"))
        ));
        let outside = root.parent().unwrap().join("x.omni");
        let e = read_source(&Disk, &outside, &root).unwrap_err();
        assert!(e.to_string().contains("outside the project root"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_fifos_and_devices_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.omni");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let e = read_regular_file(&fifo, MAX_SOURCE_BYTES).unwrap_err();
        assert!(e.to_string().contains("a FIFO"), "{e}");
        let e = read_regular_file(Path::new("/dev/zero"), MAX_SOURCE_BYTES).unwrap_err();
        assert!(e.to_string().contains("a device"), "{e}");
    }

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }
}
