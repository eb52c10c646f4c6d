//! A small YAML document tree with positions, read within fixed bounds.
//!
//! Scenario files come from anyone, so the reader bounds what a file can
//! cost before it is interpreted: its size ([`MAX_BYTES`]), its nesting
//! ([`MAX_DEPTH`], checked as the parser descends, so a file nested a
//! hundred thousand levels deep is refused after the first few dozen), and
//! what its aliases add ([`MAX_ALIAS_NODES`], checked before an alias is
//! expanded, so an alias bomb is refused before it costs memory). Every node
//! keeps where it starts and ends, so errors point at lines and
//! `--update-expect` can rewrite one list and leave the rest of the file as
//! it was.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle};

/// The largest scenario file read, in bytes.
pub const MAX_BYTES: usize = crate::files::MAX_SOURCE_BYTES as usize;
/// The deepest nesting of lists and mappings in a scenario (the format
/// itself needs six levels).
pub const MAX_DEPTH: usize = 32;
/// How many nodes aliases (`*name`) may add to a file, in all.
pub const MAX_ALIAS_NODES: usize = 250_000;

/// A place in the text: 1-based line and column (in characters), and the
/// 0-based byte offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

/// Turns the parser's character positions into byte offsets, walking the
/// text from the last position (the parser's positions mostly go forward,
/// so a whole file costs one pass).
struct Cursor<'t> {
    text: &'t str,
    char_index: usize,
    byte: usize,
}

impl Cursor<'_> {
    fn pos(&mut self, m: &Marker) -> Pos {
        let want = m.index();
        if self.text.is_ascii() {
            self.byte = want.min(self.text.len());
        } else {
            while self.char_index < want && self.byte < self.text.len() {
                let c = self.text[self.byte..]
                    .chars()
                    .next()
                    .expect("not at the end");
                self.byte += c.len_utf8();
                self.char_index += 1;
            }
            while self.char_index > want {
                let c = self.text[..self.byte]
                    .chars()
                    .next_back()
                    .expect("not at 0");
                self.byte -= c.len_utf8();
                self.char_index -= 1;
            }
        }
        Pos {
            line: m.line(),
            column: m.col() + 1,
            byte: self.byte,
        }
    }

    /// Where a scalar that starts at `start` really ends: the parser's end
    /// of a quoted scalar can take in the spaces and comment after it.
    fn scalar_end(&self, start: Pos, style: ScalarStyle, parser_end: Pos) -> Pos {
        let quote = match style {
            ScalarStyle::DoubleQuoted => b'"',
            ScalarStyle::SingleQuoted => b'\'',
            _ => return parser_end,
        };
        let bytes = self.text.as_bytes();
        // The opening quote (after an anchor or tag, when there is one).
        let Some(open) = bytes[start.byte..].iter().position(|&b| b == quote) else {
            return parser_end;
        };
        let mut i = start.byte + open + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if quote == b'"' => i += 2,
                b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
                b if b == quote => {
                    let end = i + 1;
                    // Columns count characters; the quote is on the end's line
                    // unless the scalar spans lines (then keep the parser's).
                    if self.text[start.byte..end].contains('\n') {
                        return Pos {
                            byte: end,
                            ..parser_end
                        };
                    }
                    let column = start.column + self.text[start.byte..end].chars().count();
                    return Pos {
                        line: start.line,
                        column,
                        byte: end,
                    };
                }
                _ => i += 1,
            }
        }
        parser_end
    }
}

/// A YAML problem at a place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub enum Kind {
    /// A scalar's text; `plain` when it was written without quotes (only
    /// plain scalars can be `null`, `true` or numbers).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: Kind,
    pub start: Pos,
    /// Just after the node's last character (for a block collection, its
    /// last item's end).
    pub end: Pos,
    /// Written in flow style (`[...]`, `{...}`).
    pub flow: bool,
}

impl Node {
    /// What the node is, for messages: "a list", "a mapping", "text".
    pub fn what(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar { .. } => "a single value",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    fn size(&self) -> usize {
        match &self.kind {
            Kind::Scalar { .. } => 1,
            Kind::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Kind::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }
}

/// A collection being read.
struct Open {
    start: Pos,
    flow: bool,
    anchor: usize,
    map: bool,
    items: Vec<Node>,
}

fn err(message: impl Into<String>, pos: Pos) -> YamlError {
    YamlError {
        message: message.into(),
        pos,
    }
}

/// Reads one YAML (or JSON) document; `None` when the text holds none.
pub fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    if text.len() > MAX_BYTES {
        return Err(err(
            format!(
                "the file is larger than {} MiB, the most a scenario may be \
                 (use `--people N` for large populations)",
                MAX_BYTES >> 20
            ),
            Pos::default(),
        ));
    }
    let mut parser = Parser::new_from_str(text);
    let mut cur = Cursor {
        text,
        char_index: 0,
        byte: 0,
    };
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, (Node, usize)> = HashMap::new();
    let mut aliased = 0usize;
    let mut doc: Option<Node> = None;
    let mut docs = 0;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            let message = if e.info().contains("recursion limit") {
                format!("lists and mappings are nested more than {MAX_DEPTH} levels deep")
            } else {
                e.info().to_string()
            };
            err(message, cur.pos(e.marker()))
        })?;
        let start = cur.pos(&span.start);
        let (node, anchor) = match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                docs += 1;
                if docs > 1 {
                    return Err(err(
                        "a scenario file holds one document (found a second `---`)",
                        start,
                    ));
                }
                continue;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(
                        format!("lists and mappings are nested more than {MAX_DEPTH} levels deep"),
                        start,
                    ));
                }
                // Flow collections start with their bracket; block ones are
                // zero-width events.
                let flow = span.end.index() > span.start.index();
                stack.push(Open {
                    start,
                    flow,
                    anchor,
                    map: matches!(event, Event::MappingStart(..)),
                    items: Vec::new(),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let open = stack.pop().expect("balanced events");
                // A flow collection's end event starts at its bracket.
                let end = if open.flow {
                    let width = text[start.byte..].chars().next().map_or(0, char::len_utf8);
                    Pos {
                        column: start.column + 1,
                        byte: start.byte + width,
                        ..start
                    }
                } else {
                    open.items.last().map_or(open.start, |n| n.end)
                };
                let kind = if open.map {
                    let mut entries = Vec::with_capacity(open.items.len() / 2);
                    let mut items = open.items.into_iter();
                    while let (Some(k), Some(v)) = (items.next(), items.next()) {
                        entries.push((k, v));
                    }
                    Kind::Map(entries)
                } else {
                    Kind::Seq(open.items)
                };
                (
                    Node {
                        kind,
                        start: open.start,
                        end,
                        flow: open.flow,
                    },
                    open.anchor,
                )
            }
            Event::Scalar(value, style, anchor, _) => {
                let end = cur.pos(&span.end);
                let end = cur.scalar_end(start, style, end);
                (
                    Node {
                        kind: Kind::Scalar {
                            text: value.into_owned(),
                            plain: style == ScalarStyle::Plain,
                        },
                        start,
                        end,
                        flow: false,
                    },
                    anchor,
                )
            }
            Event::Alias(id) => {
                let pos = start;
                let Some((node, size)) = anchors.get(&id) else {
                    return Err(err("an alias to an unknown anchor", pos));
                };
                aliased += size;
                if aliased > MAX_ALIAS_NODES {
                    return Err(err(
                        format!(
                            "aliases (`*name`) expand the file past {MAX_ALIAS_NODES} values; \
                             write the values out instead"
                        ),
                        pos,
                    ));
                }
                let mut node = node.clone();
                // Positions of the alias, not of its anchor, for messages.
                node.start = pos;
                node.end = cur.pos(&span.end);
                (node, 0)
            }
        };
        if anchor != 0 {
            let size = node.size();
            anchors.insert(anchor, (node.clone(), size));
        }
        match stack.last_mut() {
            Some(open) => open.items.push(node),
            None => doc = Some(node),
        }
    }
    Ok(doc)
}

/// What a plain scalar means in the YAML 1.2 core schema.
#[derive(Clone, Debug, PartialEq)]
pub enum Plain {
    Null,
    Bool(bool),
    Number(f64),
    Text,
}

/// Resolves a plain scalar by the YAML 1.2 core schema.
pub fn resolve_plain(s: &str) -> Plain {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "true" | "True" | "TRUE" => return Plain::Bool(true),
        "false" | "False" | "FALSE" => return Plain::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Plain::Number(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Plain::Number(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Plain::Number(f64::NAN),
        _ => {}
    }
    if let Some(hex) = s.strip_prefix("0x") {
        if let Ok(n) = u64::from_str_radix(hex, 16) {
            return Plain::Number(n as f64);
        }
    }
    if let Some(oct) = s.strip_prefix("0o") {
        if let Ok(n) = u64::from_str_radix(oct, 8) {
            return Plain::Number(n as f64);
        }
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let int = digits(&mut i);
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = digits(&mut i);
    }
    if int == 0 && frac == 0 {
        return Plain::Text;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return Plain::Text;
        }
    }
    match (i == b.len(), s.parse::<f64>()) {
        (true, Ok(n)) => Plain::Number(n),
        _ => Plain::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(n: &Node) -> &str {
        match &n.kind {
            Kind::Scalar { text, .. } => text,
            _ => panic!("not a scalar"),
        }
    }

    #[test]
    fn nodes_know_where_they_are() {
        let text = "a:\n  - x\n  - \"y\"  # c\nb: { k: [1, 2] }\n";
        let doc = parse(text).unwrap().unwrap();
        let Kind::Map(entries) = &doc.kind else {
            panic!()
        };
        let (a, list) = &entries[0];
        assert_eq!(scalar(a), "a");
        assert!(!list.flow);
        assert_eq!((list.start.line, list.start.column), (2, 3));
        // A block list ends with its last item (before the comment).
        assert_eq!((list.end.line, list.end.column), (3, 8));
        let (_, b) = &entries[1];
        assert!(b.flow);
        assert_eq!((b.start.line, b.start.column), (4, 4));
        assert_eq!(&text[b.start.byte..b.end.byte], "{ k: [1, 2] }");
    }

    #[test]
    fn depth_is_limited_as_the_parser_descends() {
        let deep = format!("people: {}{}", "[".repeat(100_000), "]".repeat(100_000));
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("nested"), "{e:?}");
        let block: String = (0..200)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let e = parse(&block).unwrap_err();
        assert!(e.message.contains("nested more than 32"), "{e:?}");
        assert_eq!(e.pos.line, 33);
        let ok = format!("a: {}{}", "[".repeat(20), "]".repeat(20));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn alias_bombs_are_refused_before_they_expand() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
        {
            let refs = vec![format!("*{prev}"); 10].join(", ");
            bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        bomb.push_str("people: *i\n");
        let e = parse(&bomb).unwrap_err();
        assert!(e.message.contains("aliases"), "{e:?}");
        // Modest sharing is fine.
        let shared = "x: &p { a: 1 }\ny: *p\nz: *p\n";
        assert!(parse(shared).is_ok());
    }

    #[test]
    fn size_and_documents_are_limited() {
        let big = " ".repeat(MAX_BYTES + 1);
        assert!(parse(&big).unwrap_err().message.contains("16 MiB"));
        assert!(parse("a: 1\n---\nb: 2\n")
            .unwrap_err()
            .message
            .contains("one document"));
        assert!(parse("").unwrap().is_none());
    }

    #[test]
    fn plain_scalars_follow_the_core_schema() {
        assert_eq!(resolve_plain("~"), Plain::Null);
        assert_eq!(resolve_plain("True"), Plain::Bool(true));
        assert_eq!(resolve_plain("yes"), Plain::Text);
        assert_eq!(resolve_plain("-12.5e1"), Plain::Number(-125.0));
        assert_eq!(resolve_plain("0x1F"), Plain::Number(31.0));
        assert_eq!(resolve_plain("2026-11-20"), Plain::Text);
        assert_eq!(resolve_plain("1e"), Plain::Text);
        assert_eq!(resolve_plain("."), Plain::Text);
        assert_eq!(resolve_plain("+37120000000"), Plain::Number(37120000000.0));
    }
}
