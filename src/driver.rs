//! Runs the pipeline: load and parse, resolve, then lower journeys and run
//! the lints, campaign by campaign, on every campaign whose file and
//! imports are free of errors.

use std::path::PathBuf;

use crate::codes::Code;
use crate::config::Config;
use crate::diagnostic::{sort_and_dedup, Diagnostic};
use crate::files::Tree;
use crate::graph::Journey;
use crate::lints::{self, Scope};
use crate::loader::{self, CacheStats, LoadError, Loaded, ParseCache};
use crate::model::{CampaignId, Program};
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
    /// The lowered journeys, in campaign order: every campaign's (indexed
    /// by `CampaignId`) when there are no errors; with errors, those of the
    /// campaigns whose file and imports, transitively, have none (see
    /// [`Analysis::journey`]).
    pub journeys: Vec<Journey>,
    /// The checked model. Only meaningful when [`Analysis::has_errors`] is
    /// false, or for a campaign with a journey: with errors it may hold
    /// placeholders.
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

    /// The journey of `campaign`, when it was lowered.
    pub fn journey(&self, campaign: CampaignId) -> Option<&Journey> {
        self.journeys
            .binary_search_by_key(&campaign, |j| j.campaign)
            .ok()
            .map(|i| &self.journeys[i])
    }
}

/// What a run checks: every file found under the paths given, or one
/// file's import closure as part of its project ([`Session::analyze_closure`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Extent {
    Whole,
    Closure,
}

/// Lowers and lints, campaign by campaign, on every core: every campaign
/// whose own closure (its file and everything it imports, transitively)
/// has no errors, so that one broken file does not hide the findings of
/// the others. Declarations are linted in files whose closure has no
/// errors; lints that conclude from what the whole program lacks
/// (`unused-declaration`, `unused-allow`) and the project stage only when
/// no file has errors, and never over one file's closure (see
/// [`decided_by_project`]). Errors in `omnis.toml` stop every lint (their
/// levels are unknown). One file's closure is small: it is linted on the
/// calling thread, whose workers may be busy with a check of the project.
fn lower_and_lint(analysis: &mut Analysis, extent: Extent) {
    use rayon::prelude::*;
    let no_errors = !analysis.has_errors();
    let clean = if no_errors {
        None
    } else {
        match clean_files(analysis) {
            Some(clean) => Some(clean),
            None => return,
        }
    };
    let is_clean = |f: FileId| clean.as_ref().is_none_or(|c| c[f.0 as usize]);
    let program = &analysis.program;
    let campaigns: Vec<CampaignId> = (0..program.campaigns.len())
        .map(|i| CampaignId(i as u32))
        .filter(|&id| is_clean(program.campaign(id).loc.file))
        .collect();
    let scope = Scope {
        declarations: Some(clean.as_deref()),
        whole_program: no_errors && extent == Extent::Whole,
    };
    let (sources, roots, config) = (&analysis.sources, &analysis.roots, &analysis.config.lints);
    let (journeys, found) = match extent {
        Extent::Whole => {
            let journeys: Vec<Journey> = crate::stack::pool().install(|| {
                campaigns
                    .par_iter()
                    .map(|&id| crate::graph::lower(program, id))
                    .collect()
            });
            let found = lints::run_parallel(program, &journeys, sources, roots, scope, config);
            (journeys, found)
        }
        Extent::Closure => {
            let journeys: Vec<Journey> = (campaigns.iter())
                .map(|&id| crate::graph::lower(program, id))
                .collect();
            let mut cx = lints::LintContext::scoped(program, &journeys, sources, roots, scope);
            let found = lints::run(&mut cx, config);
            (journeys, found)
        }
    };
    analysis.journeys = journeys;
    analysis.diagnostics.extend(found);
}

/// Whether findings of `code` are decided by the whole project only, and
/// so never reported by a check of one file's closure
/// ([`Session::analyze_closure`]): the project stage's cross-campaign
/// lints, and the lints that conclude from what the whole program lacks.
pub fn decided_by_project(code: Code) -> bool {
    matches!(code, Code::UnusedDeclaration | Code::UnusedAllow) || lints::is_project_lint(code)
}

/// Which files (indexed by `FileId`) have no errors in their closure: no
/// error in the file, nor in any file it imports, transitively. `None`
/// when `omnis.toml` has errors.
fn clean_files(analysis: &Analysis) -> Option<Vec<bool>> {
    let n = analysis.sources.len();
    let mut clean = vec![true; n];
    let mut dirty = Vec::new();
    for d in analysis.diagnostics.iter().filter(|d| d.is_error()) {
        if d.code == Code::ConfigError {
            return None;
        }
        if std::mem::replace(&mut clean[d.file.0 as usize], false) {
            dirty.push(d.file);
        }
    }
    // Up the import edges: a file importing a file with errors has them in
    // its closure.
    let mut importers = vec![Vec::new(); n];
    for (f, imports) in analysis.imports.iter().enumerate() {
        for t in imports {
            importers[t.0 as usize].push(FileId(f as u32));
        }
    }
    while let Some(f) = dirty.pop() {
        for &g in &importers[f.0 as usize] {
            if std::mem::replace(&mut clean[g.0 as usize], false) {
                dirty.push(g);
            }
        }
    }
    Some(clean)
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

    /// Checks `file` and everything it imports, as part of its project
    /// (the project root and `omnis.toml` are those of `file`, as when
    /// its project is checked), with the parses of earlier runs, on the
    /// calling thread. Every finding in `file` that its closure decides
    /// is the one a check of the whole project reports; findings the
    /// project decides ([`decided_by_project`], and `in campaign` naming a
    /// campaign declared outside the closure) are left out. This is what
    /// a language server publishes first after an edit, before the
    /// project's check.
    pub fn analyze_closure(
        &self,
        tree: &dyn Tree,
        file: &std::path::Path,
        deny_warnings: bool,
    ) -> Result<Analysis, Error> {
        crate::stack::with_big_stack("omnis", || {
            let loaded = crate::memory::parsing(
                || loader::load_closure(tree, file, &self.cache),
                afterwards,
            )?;
            Ok(check_loaded(loaded, deny_warnings, Extent::Closure))
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
    // Parsing frees and regrows pest's token queues: see `memory`.
    let loaded = crate::memory::parsing(
        || match cache {
            Some(cache) => loader::load_cached(tree, &paths, cache),
            None => loader::load_in(tree, &paths),
        },
        afterwards,
    )?;
    Ok(check_loaded(loaded, deny_warnings, Extent::Whole))
}

/// What the allocator does once files are loaded: it depends on their
/// sizes (`memory::Afterwards`).
fn afterwards(loaded: &Result<Loaded, loader::LoadError>) -> crate::memory::Afterwards {
    let sizes = loaded
        .iter()
        .flat_map(|l| l.sources.files().map(|(_, f)| f.text.len()));
    crate::memory::Afterwards::for_files(sizes)
}

/// The stages after loading: resolve, lower and lint, levels, sorting.
fn check_loaded(loaded: Loaded, deny_warnings: bool, extent: Extent) -> Analysis {
    let resolved = match extent {
        Extent::Whole => resolve::resolve(&loaded),
        Extent::Closure => resolve::resolve_closure(&loaded),
    };
    let Loaded {
        sources,
        files,
        roots,
        imports,
        project_root,
        mut config,
        diagnostics,
        ..
    } = loaded;
    // The syntax trees are not needed past resolve: freed now, their memory
    // serves the journeys and the lints (on every core: 20,000 small trees
    // take a while to free).
    match extent {
        Extent::Whole => crate::stack::pool().install(|| {
            use rayon::prelude::*;
            files.into_par_iter().for_each(drop);
        }),
        Extent::Closure => drop(files),
    }
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
    lower_and_lint(&mut analysis, extent);
    if analysis.config.lints.deny_warnings {
        for d in &mut analysis.diagnostics {
            d.severity = crate::diagnostic::Severity::Error;
        }
    }
    let sources = &analysis.sources;
    sort_and_dedup(&mut analysis.diagnostics, |f| sources.get(f).name.clone());
    analysis
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

    /// The findings in one file, with everything a renderer shows.
    fn found_in(a: &Analysis, name: &str) -> Vec<String> {
        let named = |f: FileId| a.sources.get(f).name.clone();
        (a.diagnostics.iter())
            .filter(|d| named(d.file) == name)
            .map(|d| {
                let labels: Vec<String> = (d.labels.iter())
                    .map(|l| format!("{}@{:?}: {}", named(l.file), l.span, l.message))
                    .collect();
                format!(
                    "{} {:?} {:?} {} {:?} {labels:?}",
                    d.code, d.severity, d.span, d.message, d.help
                )
            })
            .collect()
    }

    #[test]
    fn a_files_closure_reports_what_the_project_check_reports_in_it() {
        let lonely = format!(
            "{}segment lonely = email_opt_in\n",
            campaign("c", "wait 3d")
        );
        let twice = format!("{}event signup {{ x: text }}\n", campaign("d", "wait 4d"));
        let broken = campaign("a", "wait 1d\n    send nope");
        let b_text = campaign("b", "wait 2d");
        let d_clean = campaign("d", "wait 4d");
        // With errors (no unused-declaration anywhere), then without.
        for (a_text, d_text) in [
            (broken.clone(), &twice),
            (campaign("a", "wait 1d"), &d_clean),
        ] {
            let files = [
                ("vocab.omni", VOCAB),
                ("a.omni", a_text.as_str()),
                ("b.omni", b_text.as_str()),
                ("c.omni", lonely.as_str()),
                ("d.omni", d_text.as_str()),
            ];
            let (tree, paths) = project(&files);
            let session = Session::new();
            let whole = session.analyze(&tree, &Options { paths }, false).unwrap();
            let mut left_out = 0;
            for (name, _) in files {
                let path = std::path::Path::new(MEMORY_PROJECT).join(name);
                let alone = session.analyze_closure(&tree, &path, false).unwrap();
                let mut expected = found_in(&whole, name);
                let before = expected.len();
                expected.retain(|d| {
                    let code = d.split(' ').next().unwrap();
                    !decided_by_project(crate::codes::lookup(code).unwrap().code)
                });
                left_out += before - expected.len();
                assert_eq!(found_in(&alone, name), expected, "{name}");
            }
            // The project decided something the closures left out:
            // `lonely` is unused once nothing has errors.
            assert_eq!(left_out > 0, a_text != broken, "{:?}", shown(&whole));
            let twice_found = shown(&whole).iter().any(|d| d.contains("declared twice"));
            assert_eq!(twice_found, a_text == broken);
            // The closures' checks kept every parse of the project's run.
            session
                .analyze(
                    &tree,
                    &Options {
                        paths: project(&files).1,
                    },
                    false,
                )
                .unwrap();
            assert_eq!(session.cache_stats(), CacheStats { hits: 5, misses: 0 });
        }
    }
}
