//! Source files, byte spans and line/column lookup.
//!
//! Every node of the AST carries a [`Span`] (byte offsets into one file) and
//! every diagnostic names a [`FileId`]. Lines and columns are computed only
//! when something is shown to a person or a machine; they are 1-based, and
//! columns count Unicode scalar values.

use std::cell::Cell;
use std::fmt;
use std::path::PathBuf;

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A half-open byte range `start..end` in one file.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

thread_local! {
    static HIDE_POSITIONS: Cell<bool> = const { Cell::new(false) };
}

/// `x`'s derived `Debug` text with every [`Span`] and [`FileId`] in it
/// written as `_`: what a tree means, not where it was written. Derived
/// `Debug` names every field of every node, so a node kind or field added
/// to a tree is compared without anything written for it (the formatter's
/// check that its output means what its input did, `fmt::equiv`).
pub fn debug_without_positions<T: fmt::Debug + ?Sized>(x: &T) -> String {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            HIDE_POSITIONS.with(|h| h.set(self.0));
        }
    }
    let _reset = Reset(HIDE_POSITIONS.with(|h| h.replace(true)));
    format!("{x:?}")
}

fn positions_hidden() -> bool {
    HIDE_POSITIONS.with(Cell::get)
}

impl fmt::Debug for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if positions_hidden() {
            return f.write_str("_");
        }
        f.debug_tuple("FileId").field(&self.0).finish()
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if positions_hidden() {
            return f.write_str("_");
        }
        f.debug_struct("Span")
            .field("start", &self.start)
            .field("end", &self.end)
            .finish()
    }
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A position shown to people: 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// One loaded source file.
#[derive(Debug)]
pub struct SourceFile {
    /// Canonical absolute path (used to load each file once).
    pub path: PathBuf,
    /// The path shown in diagnostics: relative to the working directory when
    /// possible, with `/` separators.
    pub name: String,
    /// The path relative to the project root, with `/` separators (for
    /// plans, which must not depend on where the project is checked out).
    pub project_path: String,
    /// The text. Invalid UTF-8 is replaced (and reported) at load time.
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, name: String, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        SourceFile {
            project_path: name.clone(),
            path,
            name,
            text,
            line_starts,
        }
    }

    /// 1-based line and column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.text[start..end].chars().count() + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// The text of a span.
    pub fn slice(&self, span: Span) -> &str {
        let r = span.range();
        self.text.get(r).unwrap_or("")
    }

    /// The number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// All files loaded in one run.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Makes room for `n` more files.
    pub fn reserve(&mut self, n: usize) {
        self.files.reserve(n);
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId((self.files.len() - 1) as u32)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn find(&self, path: &std::path::Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// The example campaigns of `campaigns/`, with their text, by path: what
/// unit tests run on real files use (a fresh clone has nothing else).
#[cfg(test)]
pub(crate) fn example_campaigns() -> Vec<(std::path::PathBuf, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns");
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut paths: Vec<_> = entries
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "omni"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 8,
        "{} files in {}",
        paths.len(),
        dir.display()
    );
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (p, text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_chars() {
        let f = SourceFile::new("a".into(), "a".into(), "ab\nçd\n".into());
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // `d` follows a two-byte `ç`.
        assert_eq!(f.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(f.line_col(100), LineCol { line: 3, column: 1 });
    }
}
