//! Positions: the protocol counts lines and UTF-16 code units, Omnis byte
//! offsets. Both ways, checked: a position past the end of a line or of the
//! text is an error, never a clamp the client did not ask for.

use lsp_types::{Position, Range};

use crate::source::Span;

/// Where each line of a text starts, for converting positions.
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { text, starts }
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The line holding byte `offset` (clamped to the text) and its start.
    fn line_of(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        (line, self.starts[line])
    }

    /// The protocol position of a byte offset (clamped to the text, and
    /// back to a character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let (line, start) = self.line_of(offset);
        let character = self.text[start..offset].encode_utf16().count();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(
            self.position(span.start as usize),
            self.position(span.end as usize),
        )
    }

    /// The byte offset of a protocol position; `None` when the line or the
    /// character is past the end (a position inside a surrogate pair counts
    /// as the character's start).
    pub fn offset(&self, pos: Position) -> Option<usize> {
        let start = *self.starts.get(pos.line as usize)?;
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(self.text.len(), |&e| e);
        let line = self.text[start..end].trim_end_matches('\n');
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0u32;
        for (i, c) in line.char_indices() {
            if units >= pos.character {
                return Some(start + i);
            }
            units += c.len_utf16() as u32;
        }
        (units >= pos.character).then_some(start + line.len())
    }

    /// The byte span of a protocol range.
    pub fn span(&self, range: Range) -> Option<Span> {
        let (a, b) = (self.offset(range.start)?, self.offset(range.end)?);
        (a <= b).then(|| Span::new(a, b))
    }

    /// The number of lines.
    pub fn count(&self) -> usize {
        self.starts.len()
    }

    /// The byte offset where line `line` starts (the text's end past it).
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }

    /// The line index of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.line_of(offset.min(self.text.len())).0
    }
}

/// The identifier (`[A-Za-z0-9_]`) around byte `offset`, as a span.
pub fn word_at(text: &str, offset: usize) -> Option<Span> {
    let b = text.as_bytes();
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut start = offset.min(b.len());
    while start > 0 && is_word(b[start - 1]) {
        start -= 1;
    }
    let mut end = offset.min(b.len());
    while end < b.len() && is_word(b[end]) {
        end += 1;
    }
    (start < end).then(|| Span::new(start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        // `é` is 2 bytes and 1 unit, `𝄞` 4 bytes and 2 units.
        let text = "ab\né𝄞x\n";
        let l = Lines::new(text);
        assert_eq!(l.position(0), Position::new(0, 0));
        let x = text.find('x').unwrap();
        assert_eq!(l.position(x), Position::new(1, 3));
        assert_eq!(l.offset(Position::new(1, 3)), Some(x));
        assert_eq!(l.offset(Position::new(1, 1)), Some(5));
        assert_eq!(l.offset(Position::new(2, 0)), Some(text.len()));
        // Past the end of a line or of the text.
        assert_eq!(l.offset(Position::new(0, 2)), Some(2));
        assert_eq!(l.offset(Position::new(0, 3)), None);
        assert_eq!(l.offset(Position::new(3, 0)), None);
        assert_eq!(l.position(text.len() + 10), Position::new(2, 0));
    }

    #[test]
    fn words() {
        assert_eq!(word_at("send abc_1 x", 7), Some(Span::new(5, 10)));
        assert_eq!(word_at("a  b", 2), None);
    }
}
