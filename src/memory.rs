//! What the allocator is told between stages.
//!
//! The library does not choose the allocator: the `omnis` binary does
//! (mimalloc, `src/main.rs`). Freed pages are either handed back to the
//! system at once, so that what earlier stages freed does not count in the
//! peak resident set of later ones, or kept a while for reuse, so that
//! memory freed and allocated again is not faulted in (and zeroed by the
//! kernel) anew. Which pays depends on the stage and on the input:
//!
//! - While files are parsed, pages are kept ([`parsing`]): pest builds a
//!   queue of tokens for every piece of a file it parses (up to a few
//!   megabytes, `syntax::parser`), frees it, and builds the next; handed
//!   back, every page of it was faulted in again for the next piece.
//! - After parsing it depends on how the sources are spread
//!   ([`Afterwards`]). One large campaign, or a few (a file of
//!   [`LARGE_FILE`] or more, or a file of more than a sixteenth of all the
//!   sources), is analysed by structures built one after the other and
//!   each alive at its peak (the syntax tree, then the model, the graph,
//!   reachability, timing, the flow): pages kept from the ones freed
//!   before would add to that peak, so they go back at once. Many small
//!   files are analysed campaign by campaign, in groups on every core:
//!   each group frees what the next one allocates again, the peak is the
//!   tables of the whole program plus the groups in flight, and kept pages
//!   are reused rather than added. On the 20,000-file workspace of
//!   `benches/workspace.rs`, handed back at once: 130,000 page faults and
//!   0.45–0.73 s of system time, 235 MB; kept a quarter of a second
//!   (`src/main.rs`; what the parse kept is handed back first): 90,000
//!   faults, 0.32–0.40 s, 273–284 MB.
//! - `build` says when the analysis is over and plans are written
//!   ([`writing`]): each plan's tree and text are built and freed in turn,
//!   and the peak is behind.
//!
//! Other builds of the library (tests, the system allocator) do nothing.

use std::sync::OnceLock;

/// What [`parsing`] (before and after parsing) and [`writing`] call.
#[derive(Clone, Copy, Debug)]
pub struct Hooks {
    pub parsing: fn(),
    pub parsed: fn(Afterwards),
    pub writing: fn(),
}

/// What to do with freed pages once files are parsed (see the module
/// docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Afterwards {
    /// Some file is large, or much of the whole: hand back what parsing
    /// left, and every page freed from then on, at once.
    HandBack,
    /// The sources are many small files: keep freed pages for reuse a
    /// while.
    Keep,
}

/// A file of this many bytes or more is one large campaign (or its
/// declarations) whose analyses hold the peak: 1 MiB, the size parsed in
/// two halves (`syntax::parser`). The 200,000-step chain of
/// `benches/check.rs` is 7.7 MB, the 20,000-step one 0.75 MB; the files of
/// the 20,000-file workspace are under 1 KiB.
pub const LARGE_FILE: usize = 1 << 20;

impl Afterwards {
    /// The policy for files of these sizes in bytes: kept only when every
    /// file is under [`LARGE_FILE`] and at most a sixteenth of them all.
    pub fn for_files(sizes: impl Iterator<Item = usize>) -> Afterwards {
        let (largest, total) = sizes.fold((0, 0), |(l, t), s| (l.max(s), t + s));
        if largest >= LARGE_FILE || largest.saturating_mul(16) > total {
            Afterwards::HandBack
        } else {
            Afterwards::Keep
        }
    }
}

static HOOKS: OnceLock<Hooks> = OnceLock::new();

/// Sets what [`parsing`] and [`writing`] do (once; later calls are
/// ignored).
pub fn set_hooks(hooks: Hooks) {
    let _ = HOOKS.set(hooks);
}

/// Runs `parse` (loading and parsing files), with memory freed meanwhile
/// kept for reuse; once it returns, `afterwards` says from what it
/// returned what happens to freed memory from then on.
pub fn parsing<T>(parse: impl FnOnce() -> T, afterwards: impl FnOnce(&T) -> Afterwards) -> T {
    let hooks = HOOKS.get();
    if let Some(h) = hooks {
        (h.parsing)();
    }
    let out = parse();
    if let Some(h) = hooks {
        (h.parsed)(afterwards(&out));
    }
    out
}

/// The analysis is over and output is being written (`build`'s plans):
/// memory freed from here on may be kept for reuse a little while.
pub fn writing() {
    if let Some(h) = HOOKS.get() {
        (h.writing)();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_many_small_files_keep_pages() {
        let keep = |sizes: &[usize]| Afterwards::for_files(sizes.iter().copied());
        assert_eq!(keep(&[400]), Afterwards::HandBack);
        assert_eq!(keep(&[400; 15]), Afterwards::HandBack);
        assert_eq!(keep(&[400; 16]), Afterwards::Keep);
        assert_eq!(keep(&[400; 20_000]), Afterwards::Keep);
        let mut one_large = vec![400; 20_000];
        one_large.push(LARGE_FILE);
        assert_eq!(keep(&one_large), Afterwards::HandBack);
    }
}
