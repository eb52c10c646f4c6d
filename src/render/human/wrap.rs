//! Wrapping a report's message and help as miette does (`textwrap::fill`
//! with miette's options), directly for [`plain`] text.

/// miette's wrapping of a message or help: `textwrap::fill` with the
/// options miette gives it. On [`plain`] text the words are found by
/// spaces ([`words`]), which is what the Unicode line-breaking rules
/// miette's default finds them with give there (see the tests), and the lines are
/// made by [`wrap_plain`], at a fraction of the cost.
pub(super) fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    if plain(text) {
        return wrap_plain(text, width, first, rest);
    }
    let opts = textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(true)
        .word_separator(textwrap::WordSeparator::new());
    textwrap::fill(text, opts)
}

/// `textwrap::fill` of [`plain`] text (printable ASCII: a column a byte)
/// with miette's options, done as textwrap does it: words end after their
/// spaces; a word splits after each `-` between letters or digits (no
/// hyphen added); a piece wider than a line after the first breaks into
/// pieces of that width; an empty piece comes first (textwrap's, for the
/// first line's indent); then first fit, a piece going to the next line
/// when it would make this one wider than its width; each line is its
/// indent and its text, without the spaces after its last piece.
fn wrap_plain(text: &str, width: usize, first: &str, rest: &str) -> String {
    let widths = [
        width.saturating_sub(textwrap::core::display_width(first)),
        width.saturating_sub(textwrap::core::display_width(rest)),
    ];
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + first.len() + 16);
    // First fit, piece by piece as they are found: the current line's
    // start in `text`, its width so far, the lines done, the pieces on it
    // (the empty first piece is on the first), and where its last ends.
    let (mut from, mut used, mut lines, mut on_line, mut last_end) = (0, 0, 0, 1, 0);
    // A piece: (start, end of the piece, end of the spaces after it).
    let mut fit = |s: usize, e: usize, w: usize| {
        if used + (e - s) > widths[lines.min(1)] && on_line > 0 {
            out.push_str(if lines == 0 { first } else { rest });
            out.push_str(&text[from..last_end]);
            out.push('\n');
            (from, used, lines, on_line) = (s, 0, lines + 1, 0);
        }
        used += w - s;
        last_end = e;
        on_line += 1;
    };
    let mut piece = |start: usize, end: usize, spaces_end: usize| {
        if end - start > widths[1] {
            let mut at = start;
            while end - at > widths[1].max(1) {
                let next = at + widths[1].max(1);
                fit(at, next, next);
                at = next;
            }
            fit(at, end, spaces_end);
        } else {
            fit(start, end, spaces_end);
        }
    };
    for (start, end, spaces_end) in words(b) {
        let mut at = start;
        if b[start..end].contains(&b'-') {
            for i in start..end {
                let alnum = |j: usize| b[j].is_ascii_alphanumeric();
                if b[i] == b'-' && i > start && i + 1 < end && alnum(i - 1) && alnum(i + 1) {
                    piece(at, i + 1, i + 1);
                    at = i + 1;
                }
            }
        }
        piece(at, end, spaces_end);
    }
    out.push_str(if lines == 0 { first } else { rest });
    out.push_str(&text[from..last_end]);
    out
}

/// The words of [`plain`] text as textwrap finds them: (start, end of
/// the word, end of the spaces after it). A word runs to the first
/// spaces that are a break: spaces before a closing mark are inside it
/// ([`joins`]).
fn words(b: &[u8]) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= b.len() {
            return None;
        }
        let mut end = start;
        let spaces_end = loop {
            end += b[end..].iter().take_while(|&&c| c != b' ').count();
            let spaces_end = end + b[end..].iter().take_while(|&&c| c == b' ').count();
            if spaces_end < b.len() && joins(b, spaces_end) {
                end = spaces_end;
            } else {
                break spaces_end;
            }
        };
        let word = (start, end, spaces_end);
        start = spaces_end;
        Some(word)
    })
}

/// Whether the spaces before `b[i]` (a byte after a run of spaces) are
/// no break: the Unicode rules do not break before a closing mark (`)`,
/// `]`) nor an infix one (`.,:;`), even after spaces (`audience ...
/// and`: one word, spaces and all).
fn joins(b: &[u8], i: usize) -> bool {
    matches!(b[i], b')' | b']' | b'.' | b',' | b':' | b';')
}

/// Whether the Unicode line-breaking rules (UAX 14, as textwrap applies
/// them) break `text` only after runs of spaces, except those [`joins`]
/// keeps inside a word: printable ASCII without the characters that
/// allow breaks elsewhere (`!$%+/?\|}`), no space after an opening mark,
/// no opening mark right after a closing or infix one, and no `-` at the
/// end (whose break textwrap leaves to its hyphen splitter).
fn plain(text: &str) -> bool {
    // Each byte's class, one table lookup a byte.
    const OK: u8 = 1;
    const CLOSE: u8 = 2;
    const OPEN: u8 = 4;
    const SPACE: u8 = 8;
    const CLASS: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut c = 0x20;
        while c <= 0x7e {
            t[c] = OK;
            c += 1;
        }
        let breaks = b"!$%+/?\\|}";
        let mut i = 0;
        while i < breaks.len() {
            t[breaks[i] as usize] = 0;
            i += 1;
        }
        let close = b"),.:;]";
        let mut i = 0;
        while i < close.len() {
            t[close[i] as usize] |= CLOSE;
            i += 1;
        }
        let open = b"([{";
        let mut i = 0;
        while i < open.len() {
            t[open[i] as usize] |= OPEN;
            i += 1;
        }
        t[b' ' as usize] |= SPACE;
        t
    };
    if text.ends_with('-') {
        return false;
    }
    let mut prev = 0u8;
    for &c in text.as_bytes() {
        let k = CLASS[c as usize];
        if k & OK == 0
            || (prev & CLOSE != 0 && k & OPEN != 0)
            || (prev & OPEN != 0 && k & SPACE != 0)
        {
            return false;
        }
        prev = k;
    }
    true
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), for the tests here and
    /// in `draw`.
    pub(crate) struct Rng(pub(crate) u64);

    impl Rng {
        pub(crate) fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        pub(crate) fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len())]
        }
    }

    #[test]
    fn plain_text_is_split_into_the_words_the_unicode_rules_give() {
        let unicode = textwrap::WordSeparator::new();
        let words = |sep: &textwrap::WordSeparator, s: &str| -> Vec<String> {
            sep.find_words(s).map(|w| format!("{w:?}")).collect()
        };
        let tokens: Vec<String> = ("`'\",.:;()=<>#*@&~^[]{-_!$%+/?\\|}".chars())
            .map(String::from)
            .chain(["ab", "x1", "9", " ", "  "].map(String::from))
            .collect();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut checked = 0;
        for _ in 0..100_000 {
            let s: String = (0..1 + rng.below(12))
                .map(|_| tokens[rng.below(tokens.len())].as_str())
                .collect();
            if plain(&s) {
                checked += 1;
                let ours: Vec<String> = super::words(s.as_bytes())
                    .map(|(start, _, end)| {
                        format!("{:?}", textwrap::core::Word::from(&s[start..end]))
                    })
                    .collect();
                assert_eq!(ours, words(&unicode, &s), "{s:?}");
            }
        }
        assert!(checked > 10_000, "{checked}");
        assert!(plain(
            "`browse_1` and `browse_0` start together (e.g. `priority 10`), or"
        ));
        assert!(plain(
            "(e.g. `priority 10` on `b` and `audience ... and not in campaign b`)"
        ));
        assert!(!plain("ends with -") && !plain("a/b") && !plain("( a") && !plain("é"));
    }

    #[test]
    fn plain_text_is_wrapped_as_textwrap_wraps_it() {
        const PLAIN: &[&str] = &[
            "campaign",
            "`browse_0`",
            "cross-campaign-repeat",
            "a",
            "--foo",
            "x-",
            "-y",
            "a-b-c",
            "re-entry,",
            "(`limit 3 per 1d`)",
            "averyveryveryverylongwordthatmustbebroken",
            "long-hyphenated-words-that-must-be-broken-too",
            "e.g.",
            "...",
            ".",
            ")",
            "],",
            ":",
            ".5",
            ";x",
            "",
        ];
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut checked = 0;
        for _ in 0..20_000 {
            let words = 1 + rng.below(14);
            let mut t = (0..words)
                .map(|_| rng.pick(PLAIN))
                .collect::<Vec<_>>()
                .join(["", " ", "  ", "   "][rng.below(4)].max(" "));
            t = format!(
                "{}{t}{}",
                [" ", ""][rng.below(2)],
                ["", " ", "  "][rng.below(3)]
            );
            let (first, rest) = [("  ⚠ ", "  │ "), ("  help: ", "        ")][rng.below(2)];
            let width = rng.below(70);
            let opts = textwrap::Options::new(width)
                .initial_indent(first)
                .subsequent_indent(rest)
                .break_words(true)
                .word_separator(textwrap::WordSeparator::new());
            let t = &t;
            if !plain(t) {
                continue;
            }
            checked += 1;
            assert_eq!(
                wrap_plain(t, width, first, rest),
                textwrap::fill(t, opts),
                "{t:?} at {width}"
            );
        }
        assert!(checked > 15_000, "{checked}");
    }
}
