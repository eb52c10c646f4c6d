//! Runs the pipeline.

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;
use crate::model::Program;
use crate::source::{FileId, SourceMap};
use crate::syntax::ast;

/// What `check` is asked to do.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Files, or directories searched recursively for `*.omni`.
    pub paths: Vec<PathBuf>,
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
    /// The checked model (partial when there are errors).
    pub program: Program,
    /// Sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}
