//! `omnis diff --git REV`: the sources of a git revision, read into memory.
//!
//! The `.omni` files and `omnis.toml`s of `REV` are listed (`git ls-tree`)
//! and their blobs read (`git cat-file --batch`) into a [`GitTree`], which
//! the loader reads like the disk (`crate::files::Tree`). Nothing is written
//! to disk. Every path from git is checked as `git fsck` does before it is
//! used (no empty, `.` or `..` component, no `.git`, not absolute): a
//! hostile tree holding `../x.omni` is refused with an error. Blobs larger
//! than the source size cap are not read (reading them says so), links and
//! submodules are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::DiffError;
use crate::files::walk::{is_source_name, Rules, Walked};
use crate::files::{normalize, Kind, SourceError, Tree, CONFIG_FILE, MAX_SOURCE_BYTES};

/// Runs git in `dir`; its standard output.
pub(super) fn git(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Result<Vec<u8>, DiffError> {
    use std::io::Write;
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| DiffError::Git(format!("cannot run git: {e}")))?;
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("piped stdin");
        let input = input.to_vec();
        // Write on another thread: git answers while it reads.
        let writer = std::thread::spawn(move || pipe.write_all(&input));
        let out = child
            .wait_with_output()
            .map_err(|e| DiffError::Git(e.to_string()))?;
        let _ = writer.join();
        return finish(args, out);
    }
    let out = child
        .wait_with_output()
        .map_err(|e| DiffError::Git(e.to_string()))?;
    finish(args, out)
}

fn finish(args: &[&str], out: std::process::Output) -> Result<Vec<u8>, DiffError> {
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(DiffError::Git(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Why git's `fsck` would reject a tree path, if it would.
pub fn invalid_path(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("it is empty");
    }
    if path.starts_with('/') {
        return Some("it is absolute");
    }
    for c in path.split('/') {
        match c {
            "" => return Some("it has an empty component"),
            "." => return Some("it has a `.` component"),
            ".." => return Some("it has a `..` component"),
            _ if c.eq_ignore_ascii_case(".git") => return Some("it has a `.git` component"),
            _ if c.contains('\\') => return Some("it has a backslash"),
            _ => {}
        }
    }
    None
}

/// A blob of the tree: its bytes, or its size when over the cap.
#[derive(Debug)]
enum Blob {
    Bytes(Vec<u8>),
    TooLarge(u64),
}

/// The `.omni` files and `omnis.toml`s of one revision, in memory, at the
/// paths they would have in the working tree (`top` joined with the path
/// in the tree).
#[derive(Debug, Default)]
pub struct GitTree {
    files: BTreeMap<PathBuf, Blob>,
    dirs: BTreeSet<PathBuf>,
}

impl GitTree {
    /// Reads the sources of `commit` in the repository at `top`.
    pub fn read(top: &Path, commit: &str) -> Result<GitTree, DiffError> {
        let listing = git(
            top,
            &["ls-tree", "-r", "-z", "-l", "--full-tree", commit],
            None,
        )?;
        let mut tree = GitTree::default();
        tree.dirs.insert(top.to_path_buf());
        // (hash, path, size) of the blobs to read.
        let mut wanted = Vec::new();
        for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
            // `<mode> <type> <hash> <size>\t<path>`
            let Some(tab) = entry.iter().position(|&b| b == b'\t') else {
                continue;
            };
            let meta = String::from_utf8_lossy(&entry[..tab]);
            let mut meta = meta.split_whitespace();
            let (mode, kind, hash, size) = (meta.next(), meta.next(), meta.next(), meta.next());
            let Ok(path) = std::str::from_utf8(&entry[tab + 1..]) else {
                continue;
            };
            let name = path.rsplit('/').next().unwrap_or(path);
            let source = is_source_name(Path::new(name)) || name == CONFIG_FILE;
            if kind != Some("blob") || !matches!(mode, Some("100644" | "100755")) || !source {
                continue;
            }
            if let Some(why) = invalid_path(path) {
                return Err(DiffError::Git(format!(
                    "`{commit}` holds the path `{}`, which git's fsck rejects ({why}); nothing was read",
                    path.escape_debug()
                )));
            }
            let size: u64 = size.and_then(|s| s.parse().ok()).unwrap_or(0);
            let at = top.join(path);
            for dir in at.ancestors().skip(1) {
                if !dir.starts_with(top) || !tree.dirs.insert(dir.to_path_buf()) {
                    break;
                }
            }
            if size > MAX_SOURCE_BYTES {
                tree.files.insert(at, Blob::TooLarge(size));
            } else {
                wanted.push((hash.unwrap_or_default().to_string(), at, size));
            }
        }
        if wanted.is_empty() {
            return Ok(tree);
        }
        let mut request = String::new();
        for (hash, _, _) in &wanted {
            request.push_str(hash);
            request.push('\n');
        }
        let blobs = git(top, &["cat-file", "--batch"], Some(request.as_bytes()))?;
        let mut at = 0;
        for (_, path, _) in wanted {
            // `<hash> blob <size>\n<content>\n`
            let nl = blobs[at..]
                .iter()
                .position(|&b| b == b'\n')
                .ok_or_else(|| DiffError::Git("unexpected output from git cat-file".into()))?;
            let header = String::from_utf8_lossy(&blobs[at..at + nl]).to_string();
            let size: usize = header
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    DiffError::Git(format!("unexpected git cat-file header `{header}`"))
                })?;
            let start = at + nl + 1;
            let content = blobs
                .get(start..start + size)
                .ok_or_else(|| DiffError::Git("short output from git cat-file".into()))?;
            at = start + size + 1;
            tree.files.insert(path, Blob::Bytes(content.to_vec()));
        }
        Ok(tree)
    }

    fn lexical(path: &Path) -> PathBuf {
        normalize(&crate::files::absolute(path))
    }
}

impl Tree for GitTree {
    fn resolve(&self, path: &Path) -> io::Result<PathBuf> {
        let p = GitTree::lexical(path);
        if self.files.contains_key(&p) || self.dirs.contains(&p) {
            Ok(p)
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                "not in the revision compared",
            ))
        }
    }

    fn kind(&self, path: &Path) -> Option<Kind> {
        let p = GitTree::lexical(path);
        if self.files.contains_key(&p) {
            Some(Kind::File)
        } else if self.dirs.contains(&p) {
            Some(Kind::Dir)
        } else {
            None
        }
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

    /// The same rules as on disk, except `.gitignore` (a revision holds
    /// what was committed).
    fn walk(&self, dir: &Path, rules: &Rules) -> Walked {
        let start = GitTree::lexical(dir);
        let mut out = Walked::default();
        for path in self.files.range(start.clone()..).map(|(p, _)| p) {
            if !path.starts_with(&start) {
                break;
            }
            if !is_source_name(path) || rules.skips(path, false) {
                continue;
            }
            let rel = path.strip_prefix(&start).unwrap_or(path);
            let mut skipped = false;
            let mut folder = start.clone();
            if let Some(parent) = rel.parent() {
                for c in parent.components() {
                    folder.push(c);
                    if rules.skips(&folder, true) {
                        skipped = true;
                        break;
                    }
                }
            }
            if !skipped {
                out.files.push((dir.join(rel), path.clone()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_git_fsck_rejects_are_rejected() {
        for bad in [
            "../x.omni",
            "a/../../x.omni",
            "/etc/x.omni",
            "a//x.omni",
            "./x.omni",
            ".git/x.omni",
            "a/.GIT/omnis.toml",
            "",
        ] {
            assert!(invalid_path(bad).is_some(), "{bad}");
        }
        for good in ["x.omni", "a/b/omnis.toml", "a/.hidden/x.omni", "..x.omni"] {
            assert_eq!(invalid_path(good), None, "{good}");
        }
    }
}
