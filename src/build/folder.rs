//! The file-system steps of replacing the plans in an output folder: new
//! files that no other process can see or be tricked into writing through
//! until they are complete, one sync for all of them, the folder's lock,
//! and the clean-up after a killed build. `crate::build::build` (and
//! `write_plans`) orders them.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::files::read_regular_file;

/// The suffix of our temporary files (`.<name>.<random>.omnis-tmp`).
const TMP_SUFFIX: &str = ".omnis-tmp";

/// A file's new bytes, written but not yet in place.
pub(super) enum Staged {
    /// For a name that is free: a file with no name yet (Linux
    /// `O_TMPFILE`), given its name by [`Staged::link`] once complete. A
    /// killed build leaves nothing of it, and a folder with many new files
    /// is spared a temporary name per file.
    Unnamed(File),
    /// A hidden temporary file in the folder, renamed over the file once
    /// synced ([`Staged::rename`]): for a name that is taken, where the
    /// rename replaces the old file in one step.
    Named(tempfile::NamedTempFile),
}

impl Staged {
    /// `bytes`, written to a new file in `dir` for `name` (a file name in
    /// `dir`), not yet synced. `free` says the name held nothing when the
    /// build looked.
    /// `folder` is `dir` opened ([`Folder::open`]): the file is created
    /// through it, sparing the walk of `dir`'s path for each file.
    pub(super) fn write(
        folder: &Folder,
        dir: &Path,
        name: &str,
        bytes: &[u8],
        free: bool,
    ) -> std::io::Result<Self> {
        if free {
            if let Some(mut f) = unnamed(folder, dir) {
                f.write_all(bytes)?;
                return Ok(Staged::Unnamed(f));
            }
        }
        temporary(dir, name, bytes).map(Staged::Named)
    }

    /// The open file, once linked.
    pub(super) fn into_file(self) -> File {
        match self {
            Staged::Unnamed(f) => f,
            Staged::Named(t) => t.into_file(),
        }
    }

    /// Gives an unnamed file the name `path`, which must be free: a file
    /// or link planted there since is never replaced or written through.
    /// `Ok(false)` when it could not be linked there (the name was taken
    /// meanwhile, or `/proc` is missing), or for a named file: then stage
    /// the bytes again as a named file. `folder` is the folder of `path`
    /// opened: the name is given in it, without walking its path again.
    pub(super) fn link(&self, folder: &Folder, path: &Path) -> std::io::Result<bool> {
        #[cfg(target_os = "linux")]
        if let Staged::Unnamed(f) = self {
            use std::os::fd::AsRawFd;
            use std::os::unix::ffi::OsStrExt;
            use std::sync::atomic::{AtomicBool, Ordering};
            /// Whether linking a file by its descriptor alone failed for
            /// want of the privilege: then it goes through `/proc`.
            static NO_EMPTY_PATH: AtomicBool = AtomicBool::new(false);
            // The name in the opened folder, or the whole path.
            let (at, to) = match (&folder.0, path.file_name()) {
                (Some(d), Some(name)) => (d.as_raw_fd(), name),
                _ => (libc::AT_FDCWD, path.as_os_str()),
            };
            let Ok(to) = std::ffi::CString::new(to.as_bytes()) else {
                return Ok(false);
            };
            if !NO_EMPTY_PATH.load(Ordering::Relaxed) {
                // SAFETY: `to` is a NUL-terminated string, `f` an open
                // file descriptor and `at` one too (or `AT_FDCWD`), all
                // alive for the call. Linking by the
                // descriptor (`AT_EMPTY_PATH`) spares the lookup of its
                // `/proc` name; it takes `CAP_DAC_READ_SEARCH` (`ENOENT`
                // without it). `linkat` never replaces an existing name.
                let r = unsafe {
                    libc::linkat(
                        f.as_raw_fd(),
                        c"".as_ptr(),
                        at,
                        to.as_ptr(),
                        libc::AT_EMPTY_PATH,
                    )
                };
                if r == 0 {
                    return Ok(true);
                }
                let e = std::io::Error::last_os_error();
                match e.raw_os_error() {
                    Some(libc::ENOENT | libc::EPERM | libc::EINVAL) => {
                        NO_EMPTY_PATH.store(true, Ordering::Relaxed)
                    }
                    _ => return link_failed(e),
                }
            }
            let from = std::ffi::CString::new(format!("/proc/self/fd/{}", f.as_raw_fd()))
                .expect("no NUL in a number");
            // SAFETY: both are NUL-terminated strings that live for the
            // call, and `f` and `at` (or `AT_FDCWD`) are open for its
            // duration. `linkat` never replaces an existing name.
            let r = unsafe {
                libc::linkat(
                    libc::AT_FDCWD,
                    from.as_ptr(),
                    at,
                    to.as_ptr(),
                    libc::AT_SYMLINK_FOLLOW,
                )
            };
            if r == 0 {
                return Ok(true);
            }
            return link_failed(std::io::Error::last_os_error());
        }
        let _ = (folder, path);
        Ok(false)
    }
}

/// What [`Staged::link`] says when `linkat` failed with `e`: `Ok(false)`
/// when the file can still be staged under a temporary name (the name
/// was taken, or linking is refused), else the error.
#[cfg(target_os = "linux")]
fn link_failed(e: std::io::Error) -> std::io::Result<bool> {
    match e.raw_os_error() {
        Some(libc::EEXIST | libc::ENOENT | libc::EPERM | libc::EACCES | libc::EXDEV) => Ok(false),
        _ => Err(e),
    }
}

/// The mode plans and the manifest are created with: that of any file a
/// program writes (`0o666` less the umask), so that a runner under another
/// user can read them. A temporary file's default (`0o600`) would keep
/// them to the user who built.
#[cfg(unix)]
const PLAN_MODE: u32 = 0o666;

/// A new file in `dir` with no name, if the system and file system have
/// them; created with [`PLAN_MODE`] (less the umask), through `folder`
/// (`dir` opened) when it could be opened.
fn unnamed(folder: &Folder, dir: &Path) -> Option<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::{AsRawFd, FromRawFd};
        use std::os::unix::fs::OpenOptionsExt;
        if let Some(d) = &folder.0 {
            // SAFETY: `d` is an open descriptor and the path a
            // NUL-terminated string, both alive for the call.
            let fd = unsafe {
                libc::openat(
                    d.as_raw_fd(),
                    c".".as_ptr(),
                    libc::O_TMPFILE | libc::O_RDWR | libc::O_CLOEXEC,
                    PLAN_MODE as libc::c_uint,
                )
            };
            if fd < 0 {
                return None;
            }
            // SAFETY: a descriptor `openat` just returned: ours alone,
            // owned by the `File` from now on.
            return Some(unsafe { File::from_raw_fd(fd) });
        }
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .mode(PLAN_MODE)
            .custom_flags(libc::O_TMPFILE)
            .open(dir)
            .ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (folder, dir);
        None
    }
}

/// A new temporary file in `dir` holding `bytes`, not yet synced: created
/// exclusively, with a random name and [`PLAN_MODE`] (less the umask),
/// removed if dropped.
pub(super) fn temporary(
    dir: &Path,
    name: &str,
    bytes: &[u8],
) -> std::io::Result<tempfile::NamedTempFile> {
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TMP_SUFFIX).rand_bytes(10);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(PLAN_MODE));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    Ok(tmp)
}

/// What is at `path`: nothing, a regular file (not a link) holding exactly
/// `bytes`, or something else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Found {
    Nothing,
    Same,
    Other,
}

/// What is at `path`, compared with `bytes`.
pub(super) fn found(path: &Path, bytes: &[u8]) -> Found {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Found::Nothing,
        Ok(m)
            if m.is_file()
                && m.len() == bytes.len() as u64
                && read_regular_file(path, bytes.len() as u64).is_ok_and(|b| b == bytes) =>
        {
            Found::Same
        }
        _ => Found::Other,
    }
}

/// What is at `path`, in the folder `folder` opened, compared with
/// `bytes`: [`found`], with the name opened in the folder (no walk of its
/// path, no separate look at its kind first).
pub(super) fn found_in(folder: &Folder, path: &Path, bytes: &[u8]) -> Found {
    #[cfg(target_os = "linux")]
    if let (Some(d), Some(name)) = (&folder.0, path.file_name()) {
        use std::io::Read;
        use std::os::fd::{AsRawFd, FromRawFd};
        use std::os::unix::ffi::OsStrExt;
        let Ok(name) = std::ffi::CString::new(name.as_bytes()) else {
            return Found::Other;
        };
        // SAFETY: `d` is an open descriptor and `name` a NUL-terminated
        // string, both alive for the call. Not following a final link
        // (`ELOOP`: something else than a plan), never blocking on a
        // FIFO.
        let fd = unsafe {
            libc::openat(
                d.as_raw_fd(),
                name.as_ptr(),
                libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            return match e.kind() {
                std::io::ErrorKind::NotFound => Found::Nothing,
                _ => Found::Other,
            };
        }
        // SAFETY: a descriptor `openat` just returned: ours alone, owned
        // by the `File` from now on.
        let file = unsafe { File::from_raw_fd(fd) };
        let same = file
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
            && {
                let mut read = Vec::with_capacity(bytes.len() + 1);
                (file.take(bytes.len() as u64 + 1).read_to_end(&mut read)).is_ok() && read == bytes
            };
        return if same { Found::Same } else { Found::Other };
    }
    found(path, bytes)
}

/// The names in `dir`, once the temporary files a killed build left are
/// removed (ours: named `.<name>.<random>.omnis-tmp`, or
/// `.<name>.plan.<ext>.<pid>.tmp` from earlier versions). Runs under the
/// folder's lock, so no build is using them. `None` when the folder
/// could not be read whole.
pub(super) fn names_removing_stale_temporary_files(dir: &Path) -> Option<HashSet<OsString>> {
    let mut names = HashSet::new();
    for e in std::fs::read_dir(dir).ok()? {
        let e = e.ok()?;
        let name = e.file_name();
        let text = name.to_string_lossy();
        let ours = text.starts_with('.')
            && (text.ends_with(TMP_SUFFIX)
                || (text.ends_with(".tmp")
                    && (text.contains(".plan.json.") || text.contains(".plan.yaml."))));
        // `remove_file` removes a link itself, never its target.
        if ours
            && e.file_type().is_ok_and(|t| !t.is_dir())
            && std::fs::remove_file(e.path()).is_ok()
        {
            continue;
        }
        names.insert(name);
    }
    Some(names)
}

/// Why the folder's lock was not taken.
pub(super) enum LockError {
    Busy,
    Io(std::io::Error),
}

/// An exclusive lock on the folder, held while the value lives; `Busy`
/// when another build holds it.
pub(super) fn lock(dir: &Path) -> Result<Option<File>, LockError> {
    #[cfg(unix)]
    {
        let f = File::open(dir).map_err(LockError::Io)?;
        match f.try_lock() {
            Ok(()) => Ok(Some(f)),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Busy),
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
pub(super) const SYNC_FILE_SYSTEM_FROM: usize = 32;

/// How [`sync_files`] made the files durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Synced {
    /// The whole file system holding the folder, names included.
    FileSystem,
    /// Each file's data and attributes; not the names in the folder.
    EachFile,
}

/// Makes the data of the files written in `dir` durable: `files`, still
/// open, and `closed`, files of ours already in place under these names
/// and closed once written (a build keeps no more than
/// [`SYNC_FILE_SYSTEM_FROM`] files open: see `crate::build`).
///
/// Syncing 2,000 plans file by file takes seconds: each `fsync` is a
/// round trip to the disk of its own. From [`SYNC_FILE_SYSTEM_FROM`] files
/// on, on Linux, the file system holding `dir` is synced once (`syncfs`,
/// which reports write errors since Linux 5.8): every file, its attributes
/// and the folder's names at once, at the price of also writing whatever
/// other processes left unwritten on it. Fewer files (or `syncfs` failing)
/// are synced one by one (the closed ones opened again): writeback of
/// every file is started first (`sync_file_range`), so the disk gets them
/// all at once, then each is synced on the worker pool.
pub(super) fn sync_files(
    folder: &Folder,
    files: &[&File],
    closed: &[&Path],
) -> std::io::Result<Synced> {
    use rayon::prelude::*;
    if files.len() + closed.len() >= SYNC_FILE_SYSTEM_FROM && folder.sync_file_system() {
        return Ok(Synced::FileSystem);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = SYNC_FILE_SYSTEM_FROM;
    let reopened: Vec<File> = closed.iter().map(File::open).collect::<Result<_, _>>()?;
    let files: Vec<&File> = files.iter().copied().chain(&reopened).collect();
    #[cfg(target_os = "linux")]
    for f in &files {
        use std::os::fd::AsRawFd;
        // SAFETY: `f` is an open file descriptor for the call's duration.
        // A failure only loses the head start: `sync_all` below reports.
        unsafe {
            libc::sync_file_range(f.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    crate::stack::pool().install(|| files.par_iter().try_for_each(|f| f.sync_all()))?;
    Ok(Synced::EachFile)
}

/// The output folder, opened before the build writes anything in it.
/// New plans are created and named through it, and plans compared with
/// their files (the kernel walks the folder's path once, not for each
/// file; temporary files and renames still go by path); a
/// sync of its file system through this handle reports every write error
/// on that file system since (`syncfs` reports the errors that happened
/// after the descriptor it is given was opened, each once per
/// descriptor), an early sync's included.
pub(super) struct Folder(Option<File>);

impl Folder {
    pub(super) fn open(dir: &Path) -> Folder {
        Folder(File::open(dir).ok())
    }

    /// Syncs the file system holding the folder (Linux); whether it did
    /// without error.
    fn sync_file_system(&self) -> bool {
        #[cfg(target_os = "linux")]
        if let Some(f) = &self.0 {
            use std::os::fd::AsRawFd;
            // SAFETY: `f` is an open file descriptor for the call's
            // duration.
            return unsafe { libc::syncfs(f.as_raw_fd()) } == 0;
        }
        false
    }
}

/// Syncs the file system holding `dir` now, without reporting (Linux):
/// while a build still writes, this gets the disk writing the files
/// written so far, so that the build's own sync at the end
/// ([`sync_files`], which reports any error) has less left to wait for.
pub(super) fn sync_early(dir: &Path) {
    let _ = Folder::open(dir).sync_file_system();
}

/// Makes the names in `dir` durable (renames, new files).
pub(super) fn sync_folder(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
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

    fn read(p: &Path) -> Vec<u8> {
        std::fs::read(p).unwrap()
    }

    #[test]
    fn a_staged_file_for_a_free_name_gets_that_name_with_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.plan.json");
        let folder = Folder::open(dir.path());
        let s = Staged::write(&folder, dir.path(), "a.plan.json", b"{\"a\":1}", true).unwrap();
        // Nothing is visible before it is linked (or, where files without
        // names are not available, only a hidden temporary file).
        let visible: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(visible.iter().all(|n| n.starts_with('.')), "{visible:?}");
        if s.link(&folder, &path).unwrap() {
            assert_eq!(read(&path), b"{\"a\":1}");
        } else {
            assert!(matches!(s, Staged::Named(_)));
        }
    }

    #[cfg(unix)]
    #[test]
    fn linking_never_replaces_or_writes_through_what_took_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let path = dir.path().join("a.plan.json");
        // Staged while the name was free; a link planted there since.
        let folder = Folder::open(dir.path());
        let s = Staged::write(&folder, dir.path(), "a.plan.json", b"new", true).unwrap();
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        assert!(!s.link(&folder, &path).unwrap());
        assert_eq!(read(&victim), b"precious");
        assert!(std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    /// Plans are read by runners, possibly under another user: they get
    /// the mode of any file the program writes, not a temporary file's.
    #[cfg(unix)]
    #[test]
    fn plans_get_the_mode_of_an_ordinary_file() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let ordinary = dir.path().join("ordinary");
        std::fs::write(&ordinary, "x").unwrap();
        let want = mode(&ordinary);
        assert_ne!(want, 0o600, "a umask of 077 would hide the difference");
        // A new plan: a file without a name where the system has them.
        let linked = dir.path().join("a.plan.json");
        let folder = Folder::open(dir.path());
        let s = Staged::write(&folder, dir.path(), "a.plan.json", b"{}", true).unwrap();
        if !s.link(&folder, &linked).unwrap() {
            let Staged::Named(tmp) = s else {
                unreachable!()
            };
            tmp.persist(&linked).unwrap();
        }
        assert_eq!(mode(&linked), want);
        // A plan replacing another, and the manifest: a named temporary.
        let renamed = dir.path().join("b.plan.json");
        temporary(dir.path(), "b.plan.json", b"{}")
            .unwrap()
            .persist(&renamed)
            .unwrap();
        assert_eq!(mode(&renamed), want);
    }

    #[test]
    fn found_tells_free_same_and_other() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::open(dir.path());
        let path = dir.path().join("a.plan.json");
        let both = |p: &Path, bytes: &[u8]| {
            let f = found(p, bytes);
            assert_eq!(found_in(&folder, p, bytes), f, "{}", p.display());
            f
        };
        assert_eq!(both(&path, b"x"), Found::Nothing);
        std::fs::write(&path, "x").unwrap();
        assert_eq!(both(&path, b"x"), Found::Same);
        assert_eq!(both(&path, b"y"), Found::Other);
        assert_eq!(both(&path, b"xx"), Found::Other);
        assert_eq!(both(&path, b""), Found::Other);
        std::fs::create_dir(dir.path().join("d")).unwrap();
        assert_eq!(both(&dir.path().join("d"), b"x"), Found::Other);
        assert_eq!(found(dir.path(), b"x"), Found::Other);
        // A link to a file with the same bytes is not the plan.
        #[cfg(unix)]
        {
            let link = dir.path().join("l.plan.json");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            assert_eq!(both(&link, b"x"), Found::Other);
            let dangling = dir.path().join("m.plan.json");
            std::os::unix::fs::symlink(dir.path().join("none"), &dangling).unwrap();
            assert_eq!(both(&dangling, b"x"), Found::Other);
        }
    }
}
