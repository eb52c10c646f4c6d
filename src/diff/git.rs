//! `omnis diff --git REV`: the sources of a git revision, read into memory.
//!
//! The `.omni` files and `omnis.toml`s of `REV` are listed (`git ls-tree`)
//! and their blobs read (`git cat-file --batch`) into a
//! [`MemoryTree`], which the loader reads like the disk
//! (`crate::files::Tree`). Nothing is written
//! to disk. Every path from git is checked as `git fsck` does before it is
//! used (no empty, `.` or `..` component, no `.git`, not absolute): a
//! hostile tree holding `../x.omni` is refused with an error. Blobs larger
//! than the source size cap are not read (reading them says so), links and
//! submodules are left out.

use std::path::Path;
use std::process::{Command, Stdio};

use super::DiffError;
use crate::files::memory::MemoryTree;
use crate::files::walk::is_source_name;
use crate::files::{CONFIG_FILE, MAX_SOURCE_BYTES};

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

/// Reads the `.omni` files and `omnis.toml`s of `commit` in the repository
/// at `top` into memory, at the paths they would have in the working tree
/// (`top` joined with the path in the tree).
pub fn read_revision(top: &Path, commit: &str) -> Result<MemoryTree, DiffError> {
    let listing = git(
        top,
        &["ls-tree", "-r", "-z", "-l", "--full-tree", commit],
        None,
    )?;
    let mut tree = MemoryTree::with_folder(top);
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
        if size > MAX_SOURCE_BYTES {
            tree.insert_too_large(&at, size);
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
            .ok_or_else(|| DiffError::Git(format!("unexpected git cat-file header `{header}`")))?;
        let start = at + nl + 1;
        let content = blobs
            .get(start..start + size)
            .ok_or_else(|| DiffError::Git("short output from git cat-file".into()))?;
        at = start + size + 1;
        tree.insert(&path, content.to_vec());
    }
    Ok(tree)
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
