//! Which bracket was never closed, judging by the indentation.
//!
//! A missing `}` makes pest fail where it runs out of things to try, often
//! lines later ("expected a campaign property, found `message`"). What the
//! user needs is the `{` that was never closed. Matching brackets with a
//! plain stack would blame the outermost one (the campaign's), because each
//! `}` after the missing one closes the block one level up. So a `}` that
//! starts its line is matched by its indentation: when it is indented less
//! than the line of the `{` on top of the stack, and a `{` further down
//! opens a line indented exactly as much, it closes that one, and the
//! blocks above it are the ones never closed. Brackets never hold a block,
//! so a `}` also ends every `(` and `[` still open.

use super::super::is_space;

/// A bracket never closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Unclosed {
    pub pos: usize,
    pub ch: u8,
    /// For a `{`: where its block seems to end, judging by the indentation
    /// (the first line after it indented no deeper than the line it opens).
    pub ends: Option<usize>,
}

/// What [`check`] found.
#[derive(Debug, Default)]
pub(super) struct Balance {
    /// Brackets never closed, in source order.
    pub unclosed: Vec<Unclosed>,
    /// Closing brackets with nothing to close.
    pub stray: Vec<usize>,
}

struct Open {
    pos: usize,
    ch: u8,
    indent: usize,
}

/// The brackets of `text[from..to]`, outside strings and comments.
pub(super) fn check(text: &str, from: usize, to: usize) -> Balance {
    let mut stack: Vec<Open> = Vec::new();
    let mut out = Balance::default();
    for (i, c) in code(text, from, to) {
        match c {
            ch @ (b'{' | b'(' | b'[') => stack.push(Open {
                pos: i,
                ch,
                indent: indent_of(text, i),
            }),
            b'}' => {
                while stack.last().is_some_and(|o| o.ch != b'{') {
                    out.unclosed
                        .extend(stack.pop().map(|o| unclosed(text, &o, to)));
                }
                if let Some(indent) = starts_line(text, i).then(|| indent_of(text, i)) {
                    let deeper = stack.last().is_some_and(|o| o.indent > indent);
                    let matching = stack.iter().rposition(|o| o.indent == indent);
                    if let (true, Some(k)) = (deeper, matching) {
                        for o in stack.drain(k + 1..).rev() {
                            out.unclosed.push(unclosed(text, &o, to));
                        }
                    }
                }
                if stack.pop().is_none() {
                    out.stray.push(i);
                }
            }
            ch @ (b')' | b']') => {
                let open = if ch == b')' { b'(' } else { b'[' };
                if stack.last().is_some_and(|o| o.ch == open) {
                    stack.pop();
                } else {
                    out.stray.push(i);
                }
            }
            _ => {}
        }
    }
    out.unclosed
        .extend(stack.iter().map(|o| unclosed(text, o, to)));
    out.unclosed.sort_by_key(|u| u.pos);
    out
}

fn unclosed(text: &str, o: &Open, to: usize) -> Unclosed {
    Unclosed {
        pos: o.pos,
        ch: o.ch,
        ends: (o.ch == b'{').then(|| block_end(text, o, to)).flatten(),
    }
}

/// The start of the code of the first line after `o`'s that is indented no
/// deeper than `o`'s line, before `to`.
fn block_end(text: &str, o: &Open, to: usize) -> Option<usize> {
    let mut i = line_end(text, o.pos);
    while i < to {
        i += 1;
        let code = i + text[i..]
            .find(|c: char| c != ' ' && c != '\t')
            .unwrap_or(text.len() - i);
        let rest = &text[code..];
        let blank = rest.is_empty()
            || rest.starts_with('\n')
            || rest.starts_with("\r\n")
            || rest.starts_with("//");
        if !blank && code - i <= o.indent && code < to {
            return Some(code);
        }
        i = line_end(text, code);
    }
    None
}

/// The bytes of `text[from..to]` that are code, with their positions:
/// comments and string literals are left out (the line break after a string
/// not closed on its line is code).
pub(super) fn code(text: &str, from: usize, to: usize) -> impl Iterator<Item = (usize, u8)> + '_ {
    let b = text.as_bytes();
    let mut i = from;
    std::iter::from_fn(move || {
        while i < to {
            let at = i;
            i += 1;
            match b[at] {
                b'/' if b.get(at + 1) == Some(&b'/') => i = line_end(text, at),
                b'"' => {
                    let end = string_end(text, at);
                    i = if b.get(end) == Some(&b'"') {
                        end + 1
                    } else {
                        end
                    };
                }
                c => return Some((at, c)),
            }
        }
        None
    })
}

/// The position of the `\n` ending the line of `pos`, or the end of text.
pub(super) fn line_end(text: &str, pos: usize) -> usize {
    memchr::memchr(b'\n', &text.as_bytes()[pos..]).map_or(text.len(), |n| pos + n)
}

/// The start of the line of `pos`.
pub(super) fn line_start(text: &str, pos: usize) -> usize {
    memchr::memrchr(b'\n', &text.as_bytes()[..pos]).map_or(0, |n| n + 1)
}

/// The indentation (spaces and tabs) of the line of `pos`.
fn indent_of(text: &str, pos: usize) -> usize {
    let start = line_start(text, pos);
    text[start..]
        .bytes()
        .take_while(|&c| c == b' ' || c == b'\t')
        .count()
}

/// Whether only whitespace precedes `pos` on its line.
fn starts_line(text: &str, pos: usize) -> bool {
    text[line_start(text, pos)..pos].chars().all(is_space)
}

/// The position of the closing `"` of the string opening at `pos`, or of
/// the end of its line when it is not closed.
fn string_end(text: &str, pos: usize) -> usize {
    let b = text.as_bytes();
    let mut i = pos + 1;
    while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
        if b[i] == b'\\' && i + 1 < b.len() && b[i + 1] != b'\n' {
            i += 1;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unclosed_lines(text: &str) -> Vec<(usize, Option<usize>)> {
        let line = |p: usize| text[..p].matches('\n').count() + 1;
        check(text, 0, text.len())
            .unclosed
            .iter()
            .map(|u| (line(u.pos), u.ends.map(line)))
            .collect()
    }

    #[test]
    fn the_block_left_open_is_found_by_indentation() {
        let text = "\
campaign c {
  journey {
    if textable {
      send a
    wait 1d
  }
}
";
        assert_eq!(unclosed_lines(text), vec![(3, Some(5))]);
    }

    #[test]
    fn without_a_matching_indentation_the_innermost_stays_open() {
        assert_eq!(
            unclosed_lines("campaign c {\n  journey {\n    send a\n  }\n"),
            vec![(1, None)]
        );
        assert_eq!(
            unclosed_lines("segment s = (a or [b\nsegment t = x"),
            vec![(1, None), (1, None)]
        );
    }

    #[test]
    fn balanced_text_strings_and_comments() {
        let text = "a { \"{\" // {\n  b ( [ ] ) \"}\n}\n";
        let b = check(text, 0, text.len());
        assert!(b.unclosed.is_empty() && b.stray.is_empty(), "{b:?}");
    }

    #[test]
    fn a_brace_ends_open_parentheses_and_stray_closers_are_found() {
        let b = check("if (a {\n} }", 0, 11);
        assert_eq!(b.unclosed.len(), 1);
        assert_eq!(b.unclosed[0].ch, b'(');
        assert_eq!(b.stray, vec![10]);
    }
}
