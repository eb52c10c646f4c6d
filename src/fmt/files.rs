//! `omnis fmt` on files: find the `.omni` files, format each, and write back
//! those whose layout changes, or only report them (`--check`, `--diff`).
//!
//! - Paths are files, or directories searched recursively for `*.omni`,
//!   found and read as `omnis check` finds and reads them
//!   (`crate::files`): a file whose real path is outside the project root,
//!   or that is not a regular file, is neither read nor rewritten.
//! - A file is rewritten only when its layout changes, atomically: the new
//!   text goes to a temporary file in the same folder, which then replaces
//!   the file by a rename, so a reader never sees half a file and a failure
//!   leaves the old file whole. A symbolic link is followed: the file it
//!   points to is replaced, the link stays. Permissions are kept.
//! - A file that does not parse (syntax errors, or the out-of-range values
//!   and misplaced literals the parser reports) is left as it is, and its
//!   diagnostics are reported on stderr.
//! - `--check` writes nothing and lists the files that would change on
//!   stdout; `--diff` writes nothing and prints the changes as a unified
//!   diff on stdout (`--diff` with `--check` prints the diff).
//!
//! - `omnis fmt -` formats standard input to standard output ([`run_stdin`],
//!   for editors' format-on-save); `--stdin-filename NAME` names it in
//!   messages (formatting follows no imports and reads no configuration, so
//!   nothing else depends on the name). A text with errors prints nothing
//!   on stdout (the editor keeps its buffer) and its diagnostics on stderr.
//!   `--check` and `--diff` work as for files.
//! - Each file keeps its line breaks (`\r\n` stays `\r\n`).
//!
//! Exit codes ([`Outcome::exit_code`]): 0 when every file is formatted (or
//! was written formatted); 1 when `--check`/`--diff` found a file that would
//! change, or a file has errors; 2 when a path cannot be read or written.

use std::io::{self, Read as _, Write};
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::render::{self, HumanOptions};
use crate::source::{FileId, SourceFile, SourceMap};

/// What `omnis fmt` is asked to do.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Files, or directories searched recursively for `*.omni`; none means
    /// the current directory.
    pub paths: Vec<PathBuf>,
    /// Write nothing; list the files that would change.
    pub check: bool,
    /// Write nothing; print a unified diff of the changes.
    pub diff: bool,
}

impl Options {
    fn writes(&self) -> bool {
        !(self.check || self.diff)
    }
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The files looked at.
    pub files: usize,
    /// Files whose layout changed (written, or that would be).
    pub changed: Vec<PathBuf>,
    /// Files left alone because they have errors.
    pub with_errors: Vec<PathBuf>,
    /// Paths that could not be read or written.
    pub failures: usize,
    /// Whether the run wrote files (no `--check`, no `--diff`).
    pub wrote: bool,
}

impl Outcome {
    /// 2 when something could not be read or written, else 1 when a file
    /// has errors or (with `--check`/`--diff`) would change, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.failures > 0 {
            2
        } else if !self.with_errors.is_empty() || (!self.wrote && !self.changed.is_empty()) {
            1
        } else {
            0
        }
    }
}

/// Formats the files `opts` names. The file list or diff goes to `out`;
/// diagnostics (in `human` format) and I/O errors go to `err`.
pub fn run(
    opts: &Options,
    human: &HumanOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let mut outcome = Outcome {
        wrote: opts.writes(),
        ..Outcome::default()
    };
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    // Found and read as `check` finds and reads them (`crate::files`): a
    // file outside the project root is neither read nor rewritten.
    let tree = crate::files::Disk;
    let files = match crate::files::walk::discover(&tree, &paths) {
        Ok(d) => d.files,
        Err(failures) => {
            for f in &failures {
                let _ = writeln!(err, "error: {f}");
            }
            outcome.failures += failures.len();
            return outcome;
        }
    };
    // Files with errors are reported together at the end, under one summary.
    let mut bad_sources = SourceMap::new();
    let mut bad_diags: Vec<Diagnostic> = Vec::new();
    // Files are read and formatted on every core, a batch at a time (so
    // that memory stays bounded), and reported in order.
    for batch in files.chunks(BATCH) {
        let done = crate::stack::parallel_map(batch, |_, found| read_and_format(&tree, found));
        for (found, read) in batch.iter().zip(done) {
            let path = &found.path;
            outcome.files += 1;
            let name = display_name(path);
            let (text, formatted) = match read {
                Formatted::Text(text, Ok(formatted)) => (text, formatted),
                Formatted::Text(text, Err(diags)) => {
                    let id = bad_sources.add(SourceFile::new(path.clone(), name, text));
                    bad_diags.extend(diags.into_iter().map(|d| in_file(d, id)));
                    outcome.with_errors.push(path.clone());
                    continue;
                }
                Formatted::NotText => {
                    let _ = writeln!(
                        err,
                        "error: `{name}` is not UTF-8 text; it was left as it is"
                    );
                    outcome.with_errors.push(path.clone());
                    continue;
                }
                Formatted::Failed(e) => {
                    let _ = writeln!(err, "error: {e}");
                    outcome.failures += 1;
                    continue;
                }
            };
            if formatted == text {
                continue;
            }
            if opts.diff {
                let _ = write_diff(out, &name, &text, &formatted);
            } else if opts.check {
                let _ = writeln!(out, "{name}");
            } else if let Err(e) = write_atomically(&found.canonical, &formatted) {
                let _ = writeln!(err, "error: cannot write `{name}`: {e}");
                outcome.failures += 1;
                continue;
            }
            outcome.changed.push(path.clone());
        }
    }
    if !bad_diags.is_empty() {
        let _ = render::render(render::Format::Human, &bad_sources, &bad_diags, human, err);
    }
    let _ = out.flush();
    outcome
}

/// `omnis fmt -`: formats what `input` (standard input) holds, up to
/// [`MAX_SOURCE_BYTES`](crate::files::MAX_SOURCE_BYTES), named `name` in
/// messages. The formatted text goes to `out` (with `--check`, the name if
/// it would change; with `--diff`, the diff); diagnostics go to `err`.
pub fn run_stdin(
    input: &mut dyn io::Read,
    name: &str,
    opts: &Options,
    human: &HumanOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let mut outcome = Outcome {
        files: 1,
        wrote: opts.writes(),
        ..Outcome::default()
    };
    let cap = crate::files::MAX_SOURCE_BYTES;
    let mut bytes = Vec::new();
    let read = io::Read::take(input, cap + 1).read_to_end(&mut bytes);
    if let Err(e) = read {
        let _ = writeln!(err, "error: cannot read standard input: {e}");
        outcome.failures += 1;
        return outcome;
    }
    if bytes.len() as u64 > cap {
        let _ = writeln!(
            err,
            "error: standard input holds more than {} MiB, the limit for a source file",
            cap >> 20
        );
        outcome.failures += 1;
        return outcome;
    }
    let path = PathBuf::from(name);
    let Ok(text) = String::from_utf8(bytes) else {
        let _ = writeln!(err, "error: `{name}` is not UTF-8 text");
        outcome.with_errors.push(path);
        return outcome;
    };
    let formatted = match format_on_big_stack(&text) {
        Ok(f) => f,
        Err(diags) => {
            let mut sources = SourceMap::new();
            let id = sources.add(SourceFile::new(path.clone(), name.to_string(), text));
            let diags: Vec<Diagnostic> = diags.into_iter().map(|d| in_file(d, id)).collect();
            let _ = render::render(render::Format::Human, &sources, &diags, human, err);
            outcome.with_errors.push(path);
            return outcome;
        }
    };
    let changed = formatted != text;
    let written = if opts.diff {
        write_diff(out, name, &text, &formatted)
    } else if opts.check {
        if changed {
            writeln!(out, "{name}")
        } else {
            Ok(())
        }
    } else {
        out.write_all(formatted.as_bytes())
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        let _ = writeln!(err, "error: cannot write the formatted text: {e}");
        outcome.failures += 1;
    }
    if changed {
        outcome.changed.push(path);
    }
    outcome
}

/// The changes from `text` to `formatted` as a unified diff, both sides
/// named `name`.
fn write_diff(out: &mut dyn Write, name: &str, text: &str, formatted: &str) -> io::Result<()> {
    let diff = similar::TextDiff::from_lines(text, formatted);
    let unified = diff
        .unified_diff()
        .context_radius(3)
        .header(name, name)
        .to_string();
    out.write_all(unified.as_bytes())
}

/// How many files are read and formatted before their results are reported.
const BATCH: usize = 512;

/// A file read and formatted.
enum Formatted {
    /// Its text and the formatted text, or why it cannot be formatted.
    Text(String, Result<String, Vec<Diagnostic>>),
    NotText,
    Failed(crate::files::walk::Failure),
}

/// Reads and formats one file (on a worker with a big stack: the printer
/// recurses once per level of nesting).
fn read_and_format(tree: &dyn crate::files::Tree, found: &crate::files::walk::Found) -> Formatted {
    match crate::files::walk::read_found(tree, found).map(String::from_utf8) {
        Ok(Ok(text)) => {
            let formatted = super::format_source(&text);
            Formatted::Text(text, formatted)
        }
        Ok(Err(_)) => Formatted::NotText,
        Err(e) => Formatted::Failed(e),
    }
}

/// A path as shown: as found, without a leading `./`, with `/` separators.
fn display_name(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

/// `d` moved to file `id` (the formatter reports in `FileId(0)`).
fn in_file(mut d: Diagnostic, id: FileId) -> Diagnostic {
    d.file = id;
    for l in &mut d.labels {
        l.file = id;
    }
    d
}

/// [`super::format_source`] on a big stack (see [`crate::stack`]): the
/// printer recurses once per level of nesting.
fn format_on_big_stack(text: &str) -> Result<String, Vec<Diagnostic>> {
    crate::stack::with_big_stack("omnis-fmt", || super::format_source(text))
}

/// Replaces the file at `path` (or, for a symbolic link, the file it points
/// to) with `text`: written to a new file in the same folder, then renamed
/// over the old one, keeping its permissions.
pub fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let dir = target
        .parent()
        .ok_or_else(|| io::Error::other("the file has no parent folder"))?;
    let file_name = target
        .file_name()
        .ok_or_else(|| io::Error::other("not a file name"))?
        .to_string_lossy()
        .into_owned();
    let permissions = std::fs::metadata(&target)?.permissions();
    for attempt in 0..1000 {
        let tmp = dir.join(format!(
            ".{file_name}.{}-{attempt}.omnis-fmt.tmp",
            std::process::id()
        ));
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.set_permissions(permissions.clone()))
            .and_then(|()| file.sync_all());
        drop(file);
        let result = written.and_then(|()| std::fs::rename(&tmp, &target));
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        return result;
    }
    Err(io::Error::other("could not create a temporary file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_shown_without_dot_slash() {
        assert_eq!(display_name(Path::new("./a/b.omni")), "a/b.omni");
        assert_eq!(display_name(Path::new("a.omni")), "a.omni");
    }

    #[test]
    fn exit_codes() {
        let mut o = Outcome {
            wrote: true,
            ..Outcome::default()
        };
        o.changed.push("a".into());
        assert_eq!(o.exit_code(), 0, "written: nothing left to do");
        o.wrote = false;
        assert_eq!(o.exit_code(), 1, "--check: a file would change");
        o.changed.clear();
        assert_eq!(o.exit_code(), 0);
        o.with_errors.push("b".into());
        assert_eq!(o.exit_code(), 1);
        o.failures = 1;
        assert_eq!(o.exit_code(), 2);
    }

    #[test]
    fn atomic_write_replaces_the_target_of_a_link_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.omni");
        std::fs::write(&real, "old").unwrap();
        #[cfg(unix)]
        {
            let link = dir.path().join("link.omni");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            write_atomically(&link, "new").unwrap();
            assert!(std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink());
        }
        #[cfg(not(unix))]
        write_atomically(&real, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")),
            "{names:?}"
        );
    }
}
