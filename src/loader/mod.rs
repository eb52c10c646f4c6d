//! Stage 2: finding the files to check, loading them once each, and
//! following imports.
//!
//! - Paths on the command line are files, or folders walked for `*.omni`
//!   (`crate::files::walk`: hidden files and folders, `target`,
//!   `node_modules`, the `exclude` patterns of `omnis.toml` and, in a git
//!   repository, `.gitignore`d paths are skipped).
//! - The project root of a path is the nearest folder above it with
//!   `omnis.toml`, else the folder of the file named (or the directory
//!   named). No source file may leave it, named, walked or imported:
//!   symlinks are resolved first. Every file is read by
//!   `crate::files::read_source` (regular files of at most 16 MiB).
//! - Import paths are relative to the importing file. A missing file, an
//!   unreadable one or a cycle is an `import-error` at the import.
//! - A path named or walked that cannot be read is an I/O failure
//!   ([`LoadError`], exit code 2, every such path listed), not a
//!   diagnostic.
//! - Problems in `omnis.toml` are `config-error` diagnostics: the file
//!   joins the source map (with an empty syntax tree) so that they render
//!   like the others.
//! - Files are read through a [`Tree`] (the disk, memory, or buffers over
//!   the disk) and, when a [`ParseCache`] is given, parsed only when their
//!   text changed since the last run.

mod cache;

pub use cache::{CacheStats, ParseCache};

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::codes::Code;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::files::walk::{self, Failure, Found};
use crate::files::{self, normalize, os_message, SourceError, Tree};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::syntax::{self, ast};

/// Paths that cannot be read at all: every one of them.
#[derive(Debug)]
pub struct LoadError {
    pub failures: Vec<Failure>,
}

impl std::fmt::Display for LoadError {
    /// One line per path; the lines after the first start with `error: `,
    /// as the caller prints the first.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, failure) in self.failures.iter().enumerate() {
            if i > 0 {
                f.write_str("\nerror: ")?;
            }
            write!(f, "{failure}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// An `import "path"` and the file it loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportSite {
    pub file: FileId,
    /// The quoted path.
    pub span: Span,
    pub target: FileId,
}

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
    /// Every `import "path"` that loaded a file: where it is written and
    /// the file it names (for the symbol index).
    pub import_sites: Vec<ImportSite>,
    /// The project root of the first path.
    pub project_root: PathBuf,
    /// The `omnis.toml` of that project (the defaults when it has none).
    pub config: Config,
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

/// `target` relative to `base` (both absolute), with `/` separators.
pub fn relative(target: &Path, base: &Path) -> String {
    // Most targets are below the base (a source in its project): then it
    // is the rest of the path as written, when that is already in normal
    // form (`/`-separated names, none empty or `.`), as it is for the
    // canonical paths of sources.
    if let Some(rest) = target.strip_prefix(base).ok().and_then(Path::to_str) {
        if rest.is_empty() {
            return ".".into();
        }
        let normal = std::path::MAIN_SEPARATOR == '/'
            && !rest.starts_with('/')
            && rest.split('/').all(|c| !c.is_empty() && c != ".");
        if normal {
            return rest.to_string();
        }
    }
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

struct Loader<'t> {
    tree: &'t dyn Tree,
    cache: Option<&'t ParseCache>,
    out: Loaded,
    by_path: HashMap<PathBuf, FileId>,
    /// Import paths already resolved (lexical path to canonical path): many
    /// files import the same vocabulary.
    canonical: HashMap<PathBuf, PathBuf>,
    cwd: PathBuf,
    /// Files whose imports have all been followed.
    done: Vec<bool>,
    /// Files on the stack of [`Loader::follow_imports`].
    on_stack: Vec<bool>,
    /// The last import that loaded a file: its importer's folder, the
    /// path written and the project root, and the file. The files of a
    /// folder mostly import the same few files: the next such import is
    /// that file again, without building and looking up its path.
    last_import: Option<(PathBuf, String, PathBuf, FileId)>,
}

/// Loads the given paths (on disk) and everything they import.
pub fn load(paths: &[PathBuf]) -> Result<Loaded, LoadError> {
    load_in(&files::Disk, paths)
}

/// Loads the given paths of `tree` and everything they import.
pub fn load_in(tree: &dyn Tree, paths: &[PathBuf]) -> Result<Loaded, LoadError> {
    load_with(tree, paths, None)
}

/// Loads files given as `(name, text)`, from memory: a project of its
/// own, with no file system (see [`files::memory::project`]).
pub fn load_sources(files: &[(&str, &str)]) -> Result<Loaded, LoadError> {
    let (tree, paths) = files::memory::project(files);
    load_in(&tree, &paths)
}

/// [`load_in`], reusing the parses `cache` holds for texts that did not
/// change, and keeping this run's.
pub fn load_cached(
    tree: &dyn Tree,
    paths: &[PathBuf],
    cache: &ParseCache,
) -> Result<Loaded, LoadError> {
    cache.begin();
    let loaded = load_with(tree, paths, Some(cache));
    cache.end();
    loaded
}

/// Loads one file and everything it imports, reusing the parses `cache`
/// holds and adding the new ones, without starting a run of the cache: a
/// check of one file's closure between (or during) runs over the whole
/// project keeps every entry the project's run uses.
pub fn load_closure(tree: &dyn Tree, file: &Path, cache: &ParseCache) -> Result<Loaded, LoadError> {
    load_with(tree, &[file.to_path_buf()], Some(cache))
}

fn load_with(
    tree: &dyn Tree,
    paths: &[PathBuf],
    cache: Option<&ParseCache>,
) -> Result<Loaded, LoadError> {
    let discovered = walk::discover(tree, paths).map_err(|failures| LoadError { failures })?;
    let cwd = tree.working_dir();
    let mut l = Loader {
        tree,
        cache,
        out: Loaded::default(),
        by_path: HashMap::new(),
        canonical: HashMap::new(),
        cwd,
        done: Vec::new(),
        on_stack: Vec::new(),
        last_import: None,
    };
    let named: Vec<Found> = discovered.files;
    // Read and parse the named files in parallel: they are the bulk of the
    // work. Imports are followed afterwards, in order, so ids and output do
    // not depend on scheduling.
    // Each file's source (its names and line table) is built there too.
    let cwd = &l.cwd;
    let parsed = crate::stack::parallel_map(&named, |i, found| {
        let bytes = walk::read_found(tree, found)?;
        let p = decode_and_parse(FileId(i as u32), bytes, cache);
        let source = source_file(found.canonical.clone(), &found.root, cwd, p.text);
        Ok((source, p.ast, p.diagnostics))
    });
    let mut parsed_files = Vec::with_capacity(named.len());
    let mut failures = Vec::new();
    for p in parsed {
        match p {
            Ok(p) => parsed_files.push(p),
            Err(f) => failures.push(f),
        }
    }
    if !failures.is_empty() {
        return Err(LoadError { failures });
    }
    // The files named, and the few they import besides (a shared
    // vocabulary, most often).
    let n = parsed_files.len() + 16;
    l.out.sources.reserve(n);
    l.out.files.reserve(n);
    l.out.imports.reserve(n);
    l.by_path.reserve(n);
    for (source, ast, diagnostics) in parsed_files {
        let id = l.insert_source(source, ast, diagnostics);
        l.out.roots.push(id);
    }
    for (i, found) in named.iter().enumerate() {
        l.follow_imports(FileId(i as u32), &found.root);
    }
    let mut projects = discovered.projects.into_iter();
    if let Some(first) = projects.next() {
        l.out.project_root = first.root.clone();
        l.out.config = first.config.clone();
        for project in std::iter::once(first).chain(projects) {
            if let Some(file) = project.file {
                l.add_config_file(file, &project.root);
            }
        }
    }
    Ok(l.out)
}

/// The source of the file at `canonical` in the project at `root`, named
/// relative to `cwd`.
fn source_file(canonical: PathBuf, root: &Path, cwd: &Path, text: String) -> SourceFile {
    let name = relative(&canonical, cwd);
    let project_path = relative(&canonical, root);
    let mut file = SourceFile::new(canonical, name, text);
    file.project_path = project_path;
    file
}

/// A file's text, AST and syntax errors.
struct Parsed {
    text: String,
    ast: ast::File,
    diagnostics: Vec<Diagnostic>,
}

/// The message of the error on a file that is not UTF-8.
pub const NOT_UTF8: &str = "this file is not valid UTF-8";

/// Decodes UTF-8 (reporting the first bad byte) and parses, through the
/// cache when there is one.
fn decode_and_parse(id: FileId, bytes: Vec<u8>, cache: Option<&ParseCache>) -> Parsed {
    match String::from_utf8(bytes) {
        Ok(text) => match cache {
            Some(cache) => cache.parse(id, text, syntax::parse_file),
            None => {
                let (ast, diagnostics) = syntax::parse_file(id, &text);
                Parsed {
                    text,
                    ast,
                    diagnostics,
                }
            }
        },
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
                    Code::SyntaxError,
                    id,
                    Span::new(at, at + 1),
                    NOT_UTF8,
                )
                .with_help("save the file as UTF-8")],
            }
        }
    }
}

impl Loader<'_> {
    /// Adds an `omnis.toml` with problems, and the problems as
    /// `config-error` diagnostics.
    fn add_config_file(&mut self, file: crate::config::ConfigFile, root: &Path) {
        let id = FileId(self.out.files.len() as u32);
        let diagnostics = file
            .problems
            .iter()
            .map(|p| {
                let d = Diagnostic::error(
                    Code::ConfigError,
                    id,
                    Span::new(p.span.start, p.span.end),
                    &p.message,
                );
                match &p.help {
                    Some(h) => d.with_help(h),
                    None => d,
                }
            })
            .collect();
        let parsed = Parsed {
            text: file.text,
            ast: ast::File {
                file: id,
                items: Vec::new(),
                comments: Vec::new(),
            },
            diagnostics,
        };
        self.insert(file.path, root, parsed);
    }

    /// Adds a parsed file; its id is the next one.
    fn insert(&mut self, canonical: PathBuf, root: &Path, p: Parsed) -> FileId {
        let source = source_file(canonical, root, &self.cwd, p.text);
        self.insert_source(source, p.ast, p.diagnostics)
    }

    /// Adds a parsed file whose source is built; its id is the next one.
    fn insert_source(
        &mut self,
        source: SourceFile,
        ast: ast::File,
        diagnostics: Vec<Diagnostic>,
    ) -> FileId {
        let canonical = source.path.clone();
        let id = self.out.sources.add(source);
        debug_assert_eq!(id, ast.file);
        self.by_path.insert(canonical, id);
        self.out.diagnostics.extend(diagnostics);
        self.out.files.push(ast);
        self.out.imports.push(Vec::new());
        id
    }

    fn add(&mut self, canonical: PathBuf, bytes: Vec<u8>, root: &Path) -> FileId {
        let id = FileId(self.out.files.len() as u32);
        let parsed = decode_and_parse(id, bytes, self.cache);
        self.insert(canonical, root, parsed)
    }

    /// Depth-first over imports, with an explicit stack (no recursion, so a
    /// long chain of imports cannot overflow). A file on the current path
    /// imported again is a cycle. Each file's import list is read once, and
    /// membership tests are O(1): time is linear in the number of imports.
    fn follow_imports(&mut self, start: FileId, root: &Path) {
        if self.is_done(start) {
            return;
        }
        let mut stack: Vec<Frame> = Vec::new();
        self.push_frame(&mut stack, start);
        while let Some(top) = stack.last_mut() {
            let file = top.file;
            let Some((lit_value, lit_span)) = top.imports.next() else {
                stack.pop();
                set_flag(&mut self.on_stack, file, false);
                set_flag(&mut self.done, file, true);
                continue;
            };
            let Some(target) = self.resolve_import(file, &lit_value, lit_span, root) else {
                continue;
            };
            self.out.import_sites.push(ImportSite {
                file,
                span: lit_span,
                target,
            });
            if self
                .on_stack
                .get(target.0 as usize)
                .copied()
                .unwrap_or(false)
            {
                let pos = stack
                    .iter()
                    .position(|f| f.file == target)
                    .expect("on the stack");
                let chain: Vec<String> = stack[pos..]
                    .iter()
                    .map(|f| self.out.sources.get(f.file).name.clone())
                    .chain([self.out.sources.get(target).name.clone()])
                    .collect();
                self.out.diagnostics.push(
                    Diagnostic::error(
                        Code::ImportError,
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
            let top = stack.last_mut().expect("the frame of `file`");
            if top.added.insert(target) {
                self.out.imports[file.0 as usize].push(target);
            }
            if !self.is_done(target) {
                self.push_frame(&mut stack, target);
            }
        }
    }

    fn push_frame(&mut self, stack: &mut Vec<Frame>, f: FileId) {
        let imports = import_list(&self.out.files[f.0 as usize]).into_iter();
        set_flag(&mut self.on_stack, f, true);
        stack.push(Frame {
            file: f,
            imports,
            added: HashSet::new(),
        });
    }

    fn is_done(&self, f: FileId) -> bool {
        self.done.get(f.0 as usize).copied().unwrap_or(false)
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
        if let Some((last_dir, last_value, last_root, id)) = &self.last_import {
            if last_value == value && last_dir == dir && last_root == root {
                return Some(*id);
            }
        }
        let dir = dir.to_path_buf();
        let found = self.resolve_import_path(from, &dir, value, span, root);
        if let Some(id) = found {
            self.last_import = Some((dir, value.to_string(), root.to_path_buf(), id));
        }
        found
    }

    /// [`Loader::resolve_import`] of `value`, written in a file of `dir`.
    fn resolve_import_path(
        &mut self,
        from: FileId,
        dir: &Path,
        value: &str,
        span: Span,
        root: &Path,
    ) -> Option<FileId> {
        let joined = normalize(&dir.join(value));
        let report = |this: &mut Self, msg: String, help: &str| {
            this.out
                .diagnostics
                .push(Diagnostic::error(Code::ImportError, from, span, msg).with_help(help));
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
            None => self.tree.resolve(&joined).inspect(|c| {
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
                let help = match crate::suggest::near_file(self.tree, &joined, root) {
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
        match files::read_source(self.tree, &canonical, root) {
            Ok(bytes) => Some(self.add(canonical, bytes, root)),
            Err(e @ SourceError::Io(_)) => report(
                self,
                format!("cannot read `{value}`: {e}"),
                "check the file's permissions",
            ),
            Err(e) => report(
                self,
                format!("cannot import `{value}`: {e}"),
                "import a `.omni` file: a regular file of at most 16 MiB",
            ),
        }
    }
}

/// The state of one file on the import stack.
struct Frame {
    file: FileId,
    imports: std::vec::IntoIter<(String, Span)>,
    /// Targets already recorded as imports of `file`.
    added: HashSet<FileId>,
}

fn set_flag(flags: &mut Vec<bool>, f: FileId, value: bool) {
    let i = f.0 as usize;
    if flags.len() <= i {
        flags.resize(i + 1, false);
    }
    flags[i] = value;
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
        // Paths below the base that are not in normal form come out as
        // their names joined by `/`.
        for (target, base, shown) in [
            ("/a", "/a", "."),
            ("/a/b/", "/a", "b"),
            ("/a//b/c.omni", "/a", "b/c.omni"),
            ("/a/./b/./c.omni", "/a", "b/c.omni"),
            ("/a/b/../c.omni", "/a", "b/../c.omni"),
            ("/x/y.omni", "/", "x/y.omni"),
        ] {
            assert_eq!(
                relative(Path::new(target), Path::new(base)),
                shown,
                "{target}"
            );
        }
    }
}
