//! A large campaign read piece by piece.
//!
//! pest keeps a queue of every token of a parse (some 80 bytes per token,
//! about 30 times the source), so a campaign of 200,000 steps parsed in
//! one go holds hundreds of megabytes of tokens until its pairs are
//! lowered. Here the campaign is parsed in pieces, each lowered and its
//! tokens freed before the next is parsed: its head (`campaign NAME {`),
//! then one property at a time, and a journey some lines of steps at a
//! time. pest sees some `window` bytes at a time (whole lines), more only
//! when one piece is longer.
//!
//! The pieces make the same tree as one parse. A piece parsed from a slice
//! that ends before the end of the file is kept only when what follows it
//! can only start the next piece: `}`, or the keyword of a step (of a
//! property, between properties). No step or property goes on with such a
//! word (steps go on with `else`, `where`, `{`, `otherwise`; expressions
//! with operators), so pest, given the whole file, would have stopped the
//! piece at the same place: the piece read nothing past that word, which
//! lies before the end of the slice.
//!
//! Anything else (a syntax error, whitespace that is not [`is_space`])
//! gives up with nothing reported: the caller parses the declaration the
//! usual way, which reports the error.
//!
//! [`is_space`]: super::is_space

use pest::iterators::Pair;
use pest::Parser;

use super::ast::*;
use super::lower::{exact, Lowerer};
use super::parser::{OmnisParser, Rule};
use crate::source::Span;

/// The words that start a campaign's property.
pub(crate) const PROP_STARTS: &[&str] = &[
    "description",
    "trigger",
    "audience",
    "reentry",
    "goal",
    "exit",
    "limit",
    "window",
    "timezone",
    "journey",
];

/// Reads the campaign declaration that starts (after whitespace and
/// comments) at `start`, `window` bytes of lines at a time: the item and
/// where it ends. `None`, with nothing reported, when it is not a campaign
/// that parses, or when it is not followed by a declaration or the end of
/// the file (the usual parse reports that).
pub(super) fn campaign(
    lw: &mut Lowerer,
    text: &str,
    start: usize,
    window: usize,
) -> Option<(Item, usize)> {
    let reported = lw.diags.len();
    let reader = Reader { text, window };
    let read = reader.campaign(lw, reader.skip(start));
    if read.is_none() {
        lw.diags.truncate(reported);
    }
    read
}

struct Reader<'t> {
    text: &'t str,
    window: usize,
}

impl<'t> Reader<'t> {
    /// The start of the first line at or after `pos` (or the end of the
    /// text): where a slice ends.
    fn cut(&self, pos: usize) -> usize {
        if pos >= self.text.len() {
            return self.text.len();
        }
        match memchr::memchr(b'\n', &self.text.as_bytes()[pos..]) {
            Some(nl) => pos + nl + 1,
            None => self.text.len(),
        }
    }

    /// `rule` parsed at `pos` on whole lines from `window` bytes on,
    /// doubled while it fails or `done(end, cut)` (the end of the pair
    /// and of the slice) says the slice may have cut it short; on the
    /// whole rest of the text, it is final.
    fn parse(
        &self,
        rule: Rule,
        pos: usize,
        done: impl Fn(usize, usize) -> bool,
    ) -> Option<Pair<'t, Rule>> {
        let mut window = self.window.max(1);
        loop {
            let cut = self.cut(pos.saturating_add(window));
            let whole = cut == self.text.len();
            if let Ok(mut pairs) = OmnisParser::parse(rule, &self.text[pos..cut]) {
                let pair = pairs.next()?;
                if whole || done(pos + pair.as_span().end(), cut) {
                    return Some(pair);
                }
            } else if whole {
                return None;
            }
            window = window.saturating_mul(2);
        }
    }

    /// Skips whitespace and comments as pest does between tokens (any
    /// Unicode whitespace: the scan reports what is not [`is_space`]).
    ///
    /// [`is_space`]: super::is_space
    fn skip(&self, mut pos: usize) -> usize {
        loop {
            let rest = &self.text[pos.min(self.text.len())..];
            match rest.chars().next() {
                Some(c) if c.is_whitespace() || c == '\u{FEFF}' => pos += c.len_utf8(),
                Some('/') if rest.starts_with("//") => pos += rest.find('\n').unwrap_or(rest.len()),
                _ => return pos,
            }
        }
    }

    /// Whether the text at `at` starts with one of `words`, followed by a
    /// character that cannot continue a name.
    fn starts_with_word(&self, at: usize, words: &[&str]) -> bool {
        let rest = &self.text[at..];
        words.iter().any(|w| {
            rest.strip_prefix(w).is_some_and(|after| {
                !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            })
        })
    }

    /// Whether, after whitespace and comments, `at` is before `cut` and
    /// starts with `}` or one of `words`.
    fn followed_by(&self, at: usize, cut: usize, words: &[&str]) -> bool {
        let at = self.skip(at);
        at < cut && (self.text[at..].starts_with('}') || self.starts_with_word(at, words))
    }

    fn campaign(&self, lw: &mut Lowerer, start: usize) -> Option<(Item, usize)> {
        if !self.starts_with_word(start, &["@allow", "campaign"]) {
            return None;
        }
        let head = self.parse(Rule::campaign_head, start, |_, _| true)?;
        let open = start + head.as_span().end() - 1;
        let mut allows = Vec::new();
        let mut name = None;
        for p in head.into_inner() {
            match p.as_rule() {
                Rule::allow => allows.push(lw.allow(p, start)),
                Rule::name => name = Some(lw.ident(p, start)),
                _ => {}
            }
        }
        let name = name?;
        let mut props = Vec::new();
        let mut pos = self.skip(open + 1);
        while !self.text[pos..].starts_with('}') {
            let end;
            if self.starts_with_word(pos, &["journey"]) {
                let journey = self.parse(Rule::journey_head, pos, |_, _| true)?;
                let block = self.block(lw, pos + journey.as_span().end() - 1)?;
                end = block.span.end as usize;
                props.push(CampaignProp {
                    kind: CampaignPropKind::Journey(block),
                    span: Span::new(pos, end),
                });
            } else {
                let one = self.parse(Rule::campaign_prop_one, pos, |end, cut| {
                    self.followed_by(end, cut, PROP_STARTS)
                })?;
                end = pos + one.as_span().end();
                let p = one.into_inner().next()?;
                let span = lw.span(&p, pos);
                props.extend(lw.campaign_prop(p, span, pos));
            }
            pos = self.skip(end);
        }
        let end = pos + 1;
        // As in a parse of the whole file: a declaration, or the end of
        // the file, follows.
        let next = self.skip(end);
        if next < self.text.len() {
            self.parse(Rule::decl_ahead, next, |_, _| true)?;
        }
        let item = Item {
            allows,
            kind: ItemKind::Campaign(CampaignDecl {
                name,
                props: exact(props),
                body_span: Span::new(open, end),
            }),
            span: Span::new(start, end),
            recovered: false,
        };
        Some((item, end))
    }

    /// The block whose `{` is at `open`, its steps read some lines at a
    /// time.
    fn block(&self, lw: &mut Lowerer, open: usize) -> Option<Block> {
        let mut steps = Vec::new();
        let mut pos = self.skip(open + 1);
        while !self.text[pos..].starts_with('}') {
            pos = self.some_steps(lw, pos, &mut steps)?;
        }
        Some(Block {
            steps: exact(steps),
            span: Span::new(open, pos + 1),
        })
    }

    /// Reads the steps from `pos` that a slice of some lines holds for
    /// sure (at least one), into `steps`: where the next one starts.
    fn some_steps(&self, lw: &mut Lowerer, pos: usize, steps: &mut Vec<Step>) -> Option<usize> {
        let mut window = self.window.max(1);
        loop {
            let cut = self.cut(pos.saturating_add(window));
            let whole = cut == self.text.len();
            let mut pairs = OmnisParser::parse(Rule::steps, &self.text[pos..cut]).ok()?;
            let mut next = None;
            for pair in pairs.next()?.into_inner() {
                let end = pos + pair.as_span().end();
                // What may follow a step (besides `}`): the start of
                // another.
                if !whole
                    && !self.followed_by(end, cut, STEP_KEYWORDS)
                    && !self.followed_by(end, cut, &["@allow"])
                {
                    break;
                }
                steps.extend(lw.step(pair, pos));
                next = Some(self.skip(end));
            }
            match next {
                Some(next) => return Some(next),
                None if whole => return None,
                None => window = window.saturating_mul(2),
            }
        }
    }
}
