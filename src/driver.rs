//! Runs the pipeline: load and parse, resolve, then (when the sources are
//! free of errors) lower journeys and run the lints.

use std::path::PathBuf;

use crate::config::Config;
use crate::diagnostic::{sort_and_dedup, Diagnostic};
use crate::graph::Journey;
use crate::lints::{self, LintContext};
use crate::loader::{self, LoadError, Loaded};
use crate::model::Program;
use crate::resolve;
use crate::source::{FileId, SourceMap};

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

/// [`analyze_with`] on the sources of `tree` (the disk, or a git revision).
pub fn analyze_in(
    tree: &dyn crate::files::Tree,
    opts: &Options,
    deny_warnings: bool,
) -> Result<Analysis, Error> {
    crate::stack::with_big_stack("omnis", || analyze_here(tree, opts, deny_warnings))
}

fn analyze_here(
    tree: &dyn crate::files::Tree,
    opts: &Options,
    deny_warnings: bool,
) -> Result<Analysis, Error> {
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let loaded = loader::load_in(tree, &paths)?;
    let resolved = resolve::resolve(&loaded);
    // The syntax trees are not needed past resolution: freed here, before
    // the journeys are lowered (they are the largest structure of a run).
    let Loaded {
        sources,
        files,
        roots,
        imports,
        project_root,
        mut config,
        diagnostics,
    } = loaded;
    drop(files);
    config.lints.deny_warnings |= deny_warnings;
    let mut diagnostics = diagnostics;
    diagnostics.extend(resolved.diagnostics);
    let mut analysis = Analysis {
        sources,
        root: project_root,
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
