//! Parse results cached by content, for repeated analyses of one project
//! (a language server, a watch mode): re-checking after an edit re-parses
//! only the files whose text changed.
//!
//! An entry is found by a hash of the text and used only when the text is
//! the same (a hash collision costs a parse, never a wrong tree). A hit is a
//! copy of the tree and syntax diagnostics, given the id the file has in
//! this run. Entries not used by the latest run are dropped at its end, so
//! the cache holds at most one copy of the project's trees.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use super::Parsed;
use crate::diagnostic::Diagnostic;
use crate::source::FileId;
use crate::syntax::ast;

/// Parse results by content. Shared by every run given it
/// (`crate::driver::Session`); safe to use from the loader's workers.
#[derive(Debug, Default)]
pub struct ParseCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<u64, Entry>,
    /// The current run, counting from 1.
    run: u64,
    stats: CacheStats,
}

#[derive(Debug)]
struct Entry {
    text: String,
    ast: ast::File,
    diagnostics: Vec<Diagnostic>,
    /// The last run that used it.
    used: u64,
}

/// What the last run found in the cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Files whose parse was reused.
    pub hits: usize,
    /// Files parsed.
    pub misses: usize,
}

impl ParseCache {
    pub fn new() -> ParseCache {
        ParseCache::default()
    }

    /// The hits and misses of the last run.
    pub fn stats(&self) -> CacheStats {
        self.lock().stats
    }

    /// The number of files held.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere cannot leave an entry half written: entries are
        // inserted whole.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a run.
    pub(super) fn begin(&self) {
        let mut inner = self.lock();
        inner.run += 1;
        inner.stats = CacheStats::default();
    }

    /// Ends a run: entries it did not use are dropped.
    pub(super) fn end(&self) {
        let mut inner = self.lock();
        let run = inner.run;
        inner.entries.retain(|_, e| e.used == run);
    }

    /// The parse of `text` as file `id`: reused when the cache holds the
    /// same text, else parsed by `parse` and kept.
    pub(super) fn parse(
        &self,
        id: FileId,
        text: String,
        parse: impl FnOnce(FileId, &str) -> (ast::File, Vec<Diagnostic>),
    ) -> Parsed {
        let key = {
            let mut h = std::hash::DefaultHasher::new();
            text.hash(&mut h);
            h.finish()
        };
        {
            let mut inner = self.lock();
            let run = inner.run;
            if let Some(e) = inner.entries.get_mut(&key).filter(|e| e.text == text) {
                e.used = run;
                let mut ast = e.ast.clone();
                ast.file = id;
                let diagnostics = e
                    .diagnostics
                    .iter()
                    .map(|d| in_file(d.clone(), id))
                    .collect();
                inner.stats.hits += 1;
                return Parsed {
                    text,
                    ast,
                    diagnostics,
                };
            }
            inner.stats.misses += 1;
        }
        let (ast, diagnostics) = parse(id, &text);
        let mut inner = self.lock();
        let used = inner.run;
        inner.entries.insert(
            key,
            Entry {
                text: text.clone(),
                ast: ast.clone(),
                diagnostics: diagnostics.clone(),
                used,
            },
        );
        Parsed {
            text,
            ast,
            diagnostics,
        }
    }
}

/// `d` moved to file `id` (a parse reports only in its own file).
fn in_file(mut d: Diagnostic, id: FileId) -> Diagnostic {
    d.file = id;
    for l in &mut d.labels {
        l.file = id;
    }
    d
}
