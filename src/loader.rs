//! Stage 2: finding the files to check, loading them once each, and
//! following imports.
//!
//! - Paths on the command line are files, or directories searched
//!   recursively for `*.omni` (hidden directories and `target` are skipped).
//! - The project root of a path is the nearest folder above it with
//!   `omnis.toml`, else the folder of the file named (or the directory
//!   named). No import may leave it; symlinks are resolved first.
//! - Import paths are relative to the importing file. A missing file, an
//!   unreadable one or a cycle is an `import-error` at the import.
//! - A file named on the command line that cannot be read is an I/O failure
//!   ([`LoadError`], exit code 2), not a diagnostic.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::syntax::{self, ast};

/// A path that cannot be read at all.
#[derive(Debug)]
pub struct LoadError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read `{}`: {}", self.path.display(), self.error)
    }
}

impl std::error::Error for LoadError {}

/// Everything loaded.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    /// Parsed files, indexed by `FileId`.
    pub files: Vec<ast::File>,
    /// Files named on the command line or found in its directories, in order.
    pub roots: Vec<FileId>,
    /// Direct imports of each file (those that loaded), indexed by `FileId`.
    pub imports: Vec<Vec<FileId>>,
    /// The project root of the first path.
    pub project_root: PathBuf,
    /// Syntax and import errors.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// A rank for each file such that every file comes after the files it
    /// imports (a depth-first post-order from the roots), for deciding which
    /// of two declarations is the later one.
    pub fn import_order(&self) -> Vec<usize> {
        let n = self.files.len();
        let mut rank = vec![usize::MAX; n];
        let mut visited = vec![false; n];
        let mut next = 0;
        let starts = self
            .roots
            .iter()
            .copied()
            .chain((0..n).map(|i| FileId(i as u32)));
        for start in starts {
            if visited[start.0 as usize] {
                continue;
            }
            visited[start.0 as usize] = true;
            let mut stack = vec![(start, 0usize)];
            while let Some(&mut (f, ref mut i)) = stack.last_mut() {
                let imports = &self.imports[f.0 as usize];
                if *i < imports.len() {
                    let t = imports[*i];
                    *i += 1;
                    if !std::mem::replace(&mut visited[t.0 as usize], true) {
                        stack.push((t, 0));
                    }
                } else {
                    rank[f.0 as usize] = next;
                    next += 1;
                    stack.pop();
                }
            }
        }
        rank
    }

    /// The import closure of each file (the file itself included, sorted),
    /// indexed by `FileId`. One scratch array serves every file, so the cost
    /// is the total size of the closures, not files x files.
    pub fn closures(&self) -> Vec<Vec<FileId>> {
        let n = self.files.len();
        let mut seen_from = vec![usize::MAX; n];
        let mut stack = Vec::new();
        (0..n)
            .map(|start| {
                let mut out = Vec::new();
                stack.push(FileId(start as u32));
                while let Some(f) = stack.pop() {
                    let seen = &mut seen_from[f.0 as usize];
                    if *seen == start {
                        continue;
                    }
                    *seen = start;
                    out.push(f);
                    stack.extend(self.imports[f.0 as usize].iter().copied());
                }
                out.sort();
                out
            })
            .collect()
    }
}

/// Finds the `.omni` files under the given paths (sorted, deduplicated).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|error| LoadError {
            path: p.clone(),
            error,
        })?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|error| LoadError {
        path: dir.to_path_buf(),
        error,
    })?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        let is_dir = ft.is_dir() || (ft.is_symlink() && path.is_dir());
        if is_dir {
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            walk(&path, out)?;
        } else if name.ends_with(".omni") {
            out.push(path);
        }
    }
    Ok(())
}

/// The project root for a path named on the command line.
pub fn project_root(path: &Path) -> PathBuf {
    let start = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let start = canonical_or_absolute(&start);
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        if d.join("omnis.toml").is_file() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    start
}

fn canonical_or_absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|c| normalize(&c.join(p)))
            .unwrap_or_else(|_| p.to_path_buf())
    })
}

/// Removes `.` and `..` lexically.
fn normalize(p: &Path) -> PathBuf {
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

/// `target` relative to `base` (both absolute), with `/` separators.
pub fn relative(target: &Path, base: &Path) -> String {
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..b.len() {
        parts.push("..".into());
    }
    for c in &t[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

struct Loader {
    out: Loaded,
    by_path: HashMap<PathBuf, FileId>,
    /// Import paths already resolved (lexical path to canonical path): many
    /// files import the same vocabulary.
    canonical: HashMap<PathBuf, PathBuf>,
    cwd: PathBuf,
    /// Files whose imports have all been followed.
    done: Vec<bool>,
}

/// Loads the given paths and everything they import.
pub fn load(paths: &[PathBuf]) -> Result<Loaded, LoadError> {
    let files = discover(paths)?;
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| std::fs::canonicalize(c).ok())
        .unwrap_or_default();
    let mut l = Loader {
        out: Loaded::default(),
        by_path: HashMap::new(),
        canonical: HashMap::new(),
        cwd,
        done: Vec::new(),
    };
    l.out.project_root = paths
        .first()
        .map(|p| project_root(p))
        .unwrap_or_else(|| project_root(Path::new(".")));
    // The root and the canonical path of each folder, computed once.
    let mut dirs: HashMap<PathBuf, (PathBuf, Option<PathBuf>)> = HashMap::new();
    let mut named: Vec<(PathBuf, PathBuf, PathBuf)> = Vec::new(); // (given, canonical, root)
    let mut seen = std::collections::HashSet::new();
    for path in files {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let (root, canonical_dir) = dirs.entry(dir).or_insert_with_key(|dir| {
            let canonical = if dir.as_os_str().is_empty() {
                std::fs::canonicalize(".")
            } else {
                std::fs::canonicalize(dir)
            };
            (project_root(&path), canonical.ok())
        });
        let io_error = |error| LoadError {
            path: path.clone(),
            error,
        };
        // One `lstat` instead of resolving every component again: only a
        // file that is itself a symlink needs the full resolution.
        let canonical = match (&canonical_dir, path.file_name()) {
            (Some(d), Some(name))
                if !std::fs::symlink_metadata(&path)
                    .map_err(io_error)?
                    .is_symlink() =>
            {
                d.join(name)
            }
            _ => std::fs::canonicalize(&path).map_err(io_error)?,
        };
        let root = root.clone();
        if seen.insert(canonical.clone()) {
            named.push((path, canonical, root));
        }
    }
    // Read and parse the named files in parallel: they are the bulk of the
    // work. Imports are followed afterwards, in order, so ids and output do
    // not depend on scheduling.
    let parsed = parallel_map(&named, |i, (given, canonical, _)| {
        let bytes = std::fs::read(canonical).map_err(|error| LoadError {
            path: given.clone(),
            error,
        })?;
        Ok(decode_and_parse(FileId(i as u32), bytes))
    });
    let mut parsed_files = Vec::with_capacity(named.len());
    for p in parsed {
        parsed_files.push(p?);
    }
    for ((_, canonical, root), p) in named.iter().zip(parsed_files) {
        let id = l.insert(canonical.clone(), root, p);
        l.out.roots.push(id);
    }
    for (i, (_, _, root)) in named.iter().enumerate() {
        l.follow_imports(FileId(i as u32), root);
    }
    Ok(l.out)
}

/// A file's text, AST and syntax errors.
struct Parsed {
    text: String,
    ast: ast::File,
    diagnostics: Vec<Diagnostic>,
}

/// Decodes UTF-8 (reporting the first bad byte) and parses.
fn decode_and_parse(id: FileId, bytes: Vec<u8>) -> Parsed {
    match String::from_utf8(bytes) {
        Ok(text) => {
            let (ast, diagnostics) = syntax::parse_file(id, &text);
            Parsed {
                text,
                ast,
                diagnostics,
            }
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Parsed {
                text,
                ast: ast::File {
                    file: id,
                    items: Vec::new(),
                    comments: Vec::new(),
                },
                diagnostics: vec![Diagnostic::error(
                    "syntax-error",
                    id,
                    Span::new(at, at + 1),
                    "this file is not valid UTF-8",
                )
                .with_help("save the file as UTF-8")],
            }
        }
    }
}

/// Maps `f` over `items` on all cores, keeping the order. Worker threads
/// get large stacks, like the compiler thread (see `driver::with_big_stack`).
pub(crate) fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
        .min(items.len().max(1));
    if threads <= 1 {
        return items.iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    let f = &f;
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                std::thread::Builder::new()
                    .stack_size(256 << 20)
                    .spawn_scoped(s, move || {
                        (k..items.len())
                            .step_by(threads)
                            .map(|i| (i, f(i, &items[i])))
                            .collect::<Vec<_>>()
                    })
                    .expect("spawn a parser thread")
            })
            .collect();
        for h in handles {
            for (i, r) in h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)) {
                results[i] = Some(r);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.expect("every item mapped"))
        .collect()
}

impl Loader {
    /// Adds a parsed file; its id is the next one.
    fn insert(&mut self, canonical: PathBuf, root: &Path, p: Parsed) -> FileId {
        let name = relative(&canonical, &self.cwd);
        let mut file = SourceFile::new(canonical.clone(), name, p.text);
        file.project_path = relative(&canonical, root);
        let id = self.out.sources.add(file);
        debug_assert_eq!(id, p.ast.file);
        self.by_path.insert(canonical, id);
        self.out.diagnostics.extend(p.diagnostics);
        self.out.files.push(p.ast);
        self.out.imports.push(Vec::new());
        id
    }

    fn add(&mut self, canonical: PathBuf, bytes: Vec<u8>, root: &Path) -> FileId {
        let id = FileId(self.out.files.len() as u32);
        let parsed = decode_and_parse(id, bytes);
        self.insert(canonical, root, parsed)
    }

    /// Depth-first over imports, with an explicit stack (no recursion, so a
    /// long chain of imports cannot overflow). A file on the current path
    /// imported again is a cycle.
    fn follow_imports(&mut self, start: FileId, root: &Path) {
        // (file, index of the next import to look at)
        if self.done.get(start.0 as usize).copied().unwrap_or(false) {
            return;
        }
        let mut stack: Vec<(FileId, usize)> = vec![(start, 0)];
        while let Some(&mut (file, ref mut next)) = stack.last_mut() {
            let imports = import_list(&self.out.files[file.0 as usize]);
            if *next >= imports.len() {
                stack.pop();
                if self.done.len() <= file.0 as usize {
                    self.done.resize(file.0 as usize + 1, false);
                }
                self.done[file.0 as usize] = true;
                continue;
            }
            let (lit_value, lit_span) = imports[*next].clone();
            *next += 1;
            let Some(target) = self.resolve_import(file, &lit_value, lit_span, root) else {
                continue;
            };
            if let Some(pos) = stack.iter().position(|&(f, _)| f == target) {
                let chain: Vec<String> = stack[pos..]
                    .iter()
                    .map(|&(f, _)| self.out.sources.get(f).name.clone())
                    .chain([self.out.sources.get(target).name.clone()])
                    .collect();
                self.out.diagnostics.push(
                    Diagnostic::error(
                        "import-error",
                        file,
                        lit_span,
                        format!("this import makes a cycle: {}", chain.join(" → ")),
                    )
                    .with_help(
                        "imports are transitive; move what both files need into a third file that both import",
                    ),
                );
                continue;
            }
            if !self.out.imports[file.0 as usize].contains(&target) {
                self.out.imports[file.0 as usize].push(target);
            }
            let finished = self.done.get(target.0 as usize).copied().unwrap_or(false);
            if !finished {
                stack.push((target, 0));
            }
        }
    }

    /// Resolves and loads one import; reports why when it cannot.
    fn resolve_import(
        &mut self,
        from: FileId,
        value: &str,
        span: Span,
        root: &Path,
    ) -> Option<FileId> {
        let importer = &self.out.sources.get(from).path;
        let dir = importer.parent().unwrap_or(Path::new("/"));
        let joined = normalize(&dir.join(value));
        let report = |this: &mut Self, msg: String, help: &str| {
            this.out
                .diagnostics
                .push(Diagnostic::error("import-error", from, span, msg).with_help(help));
            None
        };
        if value.is_empty() {
            return report(
                self,
                "the import path is empty".into(),
                "name a `.omni` file, relative to this file",
            );
        }
        let canonical = match self.canonical.get(&joined).cloned() {
            Some(c) => Ok(c),
            None => std::fs::canonicalize(&joined).inspect(|c| {
                self.canonical.insert(joined.clone(), c.clone());
            }),
        };
        let canonical = match canonical {
            Ok(c) => c,
            Err(e) => {
                let shown = relative(&joined, &self.cwd);
                let looked = format!("looked for `{shown}`");
                let why = match e.kind() {
                    std::io::ErrorKind::NotFound => "there is no such file".to_string(),
                    _ => os_message(&e),
                };
                let help = match crate::suggest::near_file(&joined, root) {
                    Some(near) => {
                        let near = match value.rsplit_once('/') {
                            Some((dir, _)) => format!("{dir}/{near}"),
                            None => near,
                        };
                        format!("did you mean `{near}`? ({looked})")
                    }
                    None => format!("{looked}; import paths are relative to the importing file"),
                };
                return report(self, format!("cannot import `{value}`: {why}"), &help);
            }
        };
        if !canonical.starts_with(root) {
            return report(
                self,
                format!(
                    "`{value}` is outside the project root `{}`",
                    relative(root, &self.cwd)
                ),
                "imports must stay inside the project (the nearest folder with `omnis.toml`, else the folder of the file checked); move the file into the project",
            );
        }
        if let Some(&id) = self.by_path.get(&canonical) {
            return Some(id);
        }
        if canonical.is_dir() {
            return report(
                self,
                format!("cannot import `{value}`: it is a directory"),
                "import a `.omni` file",
            );
        }
        match std::fs::read(&canonical) {
            Ok(bytes) => Some(self.add(canonical, bytes, root)),
            Err(e) => report(
                self,
                format!("cannot read `{value}`: {}", os_message(&e)),
                "check the file's permissions",
            ),
        }
    }
}

fn import_list(file: &ast::File) -> Vec<(String, Span)> {
    file.items
        .iter()
        .filter_map(|i| match &i.kind {
            ast::ItemKind::Import(s) => Some((s.value.clone(), s.span)),
            _ => None,
        })
        .collect()
}

/// The OS error without Rust's "(os error N)" suffix.
fn os_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closures_follow_imports_through_cycles() {
        let file = |i: u32| ast::File {
            file: FileId(i),
            items: Vec::new(),
            comments: Vec::new(),
        };
        let loaded = Loaded {
            files: (0..4).map(file).collect(),
            // 0 -> 1 -> 2 -> 1 (a cycle); 3 alone.
            imports: vec![vec![FileId(1)], vec![FileId(2)], vec![FileId(1)], vec![]],
            ..Loaded::default()
        };
        let ids = |v: &[u32]| v.iter().map(|&i| FileId(i)).collect::<Vec<_>>();
        assert_eq!(
            loaded.closures(),
            vec![ids(&[0, 1, 2]), ids(&[1, 2]), ids(&[1, 2]), ids(&[3])]
        );
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/a/b/c.omni"), Path::new("/a")),
            "b/c.omni"
        );
        assert_eq!(
            relative(Path::new("/a/x.omni"), Path::new("/a/b")),
            "../x.omni"
        );
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }
}
