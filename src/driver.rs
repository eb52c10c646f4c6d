//! Runs the pipeline: load and parse, resolve, then (when the sources are
//! free of errors) lower journeys and run the lints.

use std::path::PathBuf;

use crate::config::Config;
use crate::diagnostic::{sort_and_dedup, Diagnostic};
use crate::files::Tree;
use crate::graph::Journey;
use crate::lints::{self, LintContext};
use crate::loader::{self, CacheStats, LoadError, Loaded, ParseCache};
use crate::model::Program;
use crate::resolve;
use crate::source::{FileId, SourceMap};
use crate::syntax::ast;

/// What `check` is asked to do.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Files, or directories searched recursively for `*.omni`.
    pub paths: Vec<PathBuf>,
}

/// Why a run could not even start checking: paths (sources or
/// `omnis.toml`) that cannot be read (exit code 2). Problems inside
/// `omnis.toml` are `config-error` diagnostics.
#[derive(Debug)]
pub enum Error {
    Load(LoadError),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Load(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<LoadError> for Error {
    fn from(e: LoadError) -> Self {
        Error::Load(e)
    }
}

/// Everything one run found.
#[derive(Debug, Default)]
pub struct Analysis {
    pub sources: SourceMap,
    /// The project root: nearest folder above with `omnis.toml`, else the
    /// folder of the (first) path named on the command line.
    pub root: PathBuf,
    /// The parsed files, indexed by `FileId`.
    pub files: Vec<ast::File>,
    /// The files named on the command line or found in its folders.
    pub roots: Vec<FileId>,
    /// Direct imports of each file.
    pub imports: Vec<Vec<FileId>>,
    /// `omnis.toml`, as read from the project root.
    pub config: Config,
    /// The lowered journeys, indexed by `CampaignId`; empty when there are
    /// errors before lowering.
    pub journeys: Vec<Journey>,
    /// The checked model. Only meaningful when [`Analysis::has_errors`] is
    /// false: with errors it may hold placeholders.
    pub program: Program,
    /// Sorted by file and position, each reported once.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// Loads, parses and checks the given paths.
pub fn analyze(opts: &Options) -> Result<Analysis, Error> {
    analyze_with(opts, false)
}

/// [`analyze`], with `--deny warnings` (every warning left once
/// `omnis.toml` levels are applied is reported as an error) when
/// `deny_warnings` is set.
pub fn analyze_with(opts: &Options, deny_warnings: bool) -> Result<Analysis, Error> {
    analyze_in(&crate::files::Disk, opts, deny_warnings)
}

/// [`analyze_with`] on the sources of `tree` (the disk, files in memory,
/// or an editor's buffers over the disk: `crate::files`).
pub fn analyze_in(tree: &dyn Tree, opts: &Options, deny_warnings: bool) -> Result<Analysis, Error> {
    crate::stack::with_big_stack("omnis", || analyze_here(tree, opts, deny_warnings, None))
}

/// Checks files given as `(name, text)`, from memory, as one project
/// (names relative to its folder; an `omnis.toml` among them is its
/// configuration): no file system is read. Every `.omni` file is named,
/// as `omnis check` names the files of a folder. For tests, and for
/// tools that hold sources as text.
pub fn analyze_sources(files: &[(&str, &str)]) -> Result<Analysis, Error> {
    let (tree, paths) = crate::files::memory::project(files);
    analyze_in(&tree, &Options { paths }, false)
}

/// Checks one file given as text (`main.omni`, alone in its project): see
/// [`analyze_sources`].
pub fn analyze_source(text: &str) -> Result<Analysis, Error> {
    analyze_sources(&[("main.omni", text)])
}

/// Repeated analyses of one project (a language server, a watch mode):
/// each run re-parses only the files whose text changed since the last
/// run ([`ParseCache`]).
#[derive(Debug, Default)]
pub struct Session {
    cache: ParseCache,
}

impl Session {
    pub fn new() -> Session {
        Session::default()
    }

    /// [`analyze_in`], with the parses of earlier runs.
    pub fn analyze(
        &self,
        tree: &dyn Tree,
        opts: &Options,
        deny_warnings: bool,
    ) -> Result<Analysis, Error> {
        crate::stack::with_big_stack("omnis", || {
            analyze_here(tree, opts, deny_warnings, Some(&self.cache))
        })
    }

    /// What the last run reused and parsed.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }
}

fn analyze_here(
    tree: &dyn Tree,
    opts: &Options,
    deny_warnings: bool,
    cache: Option<&ParseCache>,
) -> Result<Analysis, Error> {
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let loaded = match cache {
        Some(cache) => loader::load_cached(tree, &paths, cache)?,
        None => loader::load_in(tree, &paths)?,
    };
    let resolved = resolve::resolve(&loaded);
    let Loaded {
        sources,
        files,
        roots,
        imports,
        project_root,
        mut config,
        diagnostics,
    } = loaded;
    config.lints.deny_warnings |= deny_warnings;
    let mut diagnostics = diagnostics;
    diagnostics.extend(resolved.diagnostics);
    let mut analysis = Analysis {
        sources,
        root: project_root,
        files,
        roots,
        imports,
        config,
        journeys: Vec::new(),
        program: resolved.program,
        diagnostics,
    };
    if !analysis.has_errors() {
        analysis.journeys = crate::graph::lower_all(&analysis.program);
        let cx = LintContext::new(
            &analysis.program,
            &analysis.journeys,
            &analysis.sources,
            &analysis.roots,
        );
        let found = lints::run(&cx, &analysis.config.lints);
        analysis.diagnostics.extend(found);
    }
    if analysis.config.lints.deny_warnings {
        for d in &mut analysis.diagnostics {
            d.severity = crate::diagnostic::Severity::Error;
        }
    }
    let sources = &analysis.sources;
    sort_and_dedup(&mut analysis.diagnostics, |f| sources.get(f).name.clone());
    Ok(analysis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::memory::{project, Overlay, MEMORY_PROJECT};

    const VOCAB: &str = "profile { email_opt_in: bool }
event signup { source: text }
event order { total: number }
channel email { consent email_opt_in  quiet_hours 21:00 to 08:00 }
";

    fn campaign(name: &str, step: &str) -> String {
        format!(
            "import \"vocab.omni\"
message m_{name} {{ channel email  template \"t\" }}
campaign {name} {{
  trigger signup
  goal order
  journey {{
    {step}
    send m_{name}
  }}
}}
"
        )
    }

    fn shown(a: &Analysis) -> Vec<String> {
        a.diagnostics
            .iter()
            .map(|d| format!("{} {}: {}", a.sources.get(d.file).name, d.code, d.message))
            .collect()
    }

    #[test]
    fn analyzes_sources_given_as_text() {
        let a = analyze_source("campaign c {\n  trigger signup\n  journey { }\n}\n").unwrap();
        assert_eq!(a.sources.get(a.roots[0]).name, "main.omni");
        assert!(
            shown(&a)
                .iter()
                .any(|d| d.starts_with("main.omni unknown-name: ")),
            "{:?}",
            shown(&a)
        );
        let (a_text, b_text) = (campaign("a", "wait 1d"), campaign("b", "wait 2d"));
        let a = analyze_sources(&[
            ("vocab.omni", VOCAB),
            ("a.omni", &a_text),
            ("b.omni", &b_text),
        ])
        .unwrap();
        assert!(!a.has_errors(), "{:?}", shown(&a));
        assert_eq!(a.program.campaigns.len(), 2);
        assert_eq!(a.journeys.len(), 2);
        // Nothing outside the project's folder is read.
        let e = analyze_sources(&[("a.omni", "import \"../../etc/passwd.omni\"\n")]).unwrap();
        assert!(
            shown(&e)
                .iter()
                .any(|d| d.contains("import-error") && d.contains("cannot import")),
            "{:?}",
            shown(&e)
        );
    }

    #[test]
    fn rechecking_after_an_edit_parses_only_the_edited_file() {
        let (a_text, b_text) = (campaign("a", "wait 1d"), campaign("b", "wait 2d"));
        let (tree, paths) = project(&[
            ("vocab.omni", VOCAB),
            ("a.omni", &a_text),
            ("b.omni", &b_text),
        ]);
        let opts = Options { paths };
        let session = Session::new();
        let first = session.analyze(&tree, &opts, false).unwrap();
        assert!(!first.has_errors(), "{:?}", shown(&first));
        assert_eq!(session.cache_stats(), CacheStats { hits: 0, misses: 3 });

        // An editor's unsaved buffer over the same files.
        let edited = campaign("b", "wait 2d\n    send nope");
        let b_path = std::path::Path::new(MEMORY_PROJECT).join("b.omni");
        let buffers = Overlay::new(&tree, [(b_path, edited.into_bytes())]);
        let second = session.analyze(&buffers, &opts, false).unwrap();
        assert_eq!(session.cache_stats(), CacheStats { hits: 2, misses: 1 });
        assert!(
            shown(&second)
                .iter()
                .any(|d| d.starts_with("b.omni unknown-name: ") && d.contains("nope")),
            "{:?}",
            shown(&second)
        );

        // Unchanged again: every parse reused, and the same result as
        // without the cache.
        let third = session.analyze(&buffers, &opts, false).unwrap();
        assert_eq!(session.cache_stats(), CacheStats { hits: 3, misses: 0 });
        let fresh = analyze_in(&buffers, &opts, false).unwrap();
        assert_eq!(shown(&third), shown(&fresh));
        assert_eq!(third.diagnostics, fresh.diagnostics);
    }
}
