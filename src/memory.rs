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
//! - After parsing it depends on how large the largest file is
//!   ([`Afterwards`]). One large campaign (a file of [`LARGE_FILE`] or
//!   more) is analysed by structures built one after the other and each
//!   alive at its peak (the syntax tree, then the model, the graph,
//!   reachability, timing, the flow): pages kept from the ones freed
//!   before would add to that peak, so they go back at once. Many small
//!   files are analysed campaign by campaign, in groups on every core:
//!   each group frees what the next one allocates again, the peak is the
//!   tables of the whole program plus the groups in flight, and kept pages
//!   are reused rather than added (on the 20,000-file workspace of
//!   `benches/workspace.rs`: handed back at once, 127,000 page faults and
//!   0.5–0.6 s of system time; kept, 80,000–90,000 and 0.35 s, for
//!   25–30 MB more peak).
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
    /// Some file is large: hand back what parsing left, and every page
    /// freed from then on, at once.
    HandBack,
    /// Every file is small: keep freed pages for reuse a while.
    Keep,
}

/// A file of this many bytes or more is one large campaign (or its
/// declarations) whose analyses hold the peak: 1 MiB, the size parsed in
/// two halves (`syntax::parser`). The 200,000-step chain of
/// `benches/check.rs` is 7.7 MB; the files of the 20,000-file workspace are
/// under 1 KiB, the 20,000-step chain 0.75 MB.
pub const LARGE_FILE: usize = 1 << 20;

impl Afterwards {
    /// The policy for files whose largest is `largest` bytes.
    pub fn for_largest_file(largest: usize) -> Afterwards {
        if largest >= LARGE_FILE {
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
/// kept for reuse; once it returns, `largest` says how large the largest
/// file read was, and that chooses what happens to freed memory from then
/// on ([`Afterwards`]).
pub fn parsing<T>(parse: impl FnOnce() -> T, largest: impl FnOnce(&T) -> usize) -> T {
    let hooks = HOOKS.get();
    if let Some(h) = hooks {
        (h.parsing)();
    }
    let out = parse();
    if let Some(h) = hooks {
        (h.parsed)(Afterwards::for_largest_file(largest(&out)));
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
    fn only_a_large_file_hands_pages_back() {
        assert_eq!(Afterwards::for_largest_file(0), Afterwards::Keep);
        assert_eq!(
            Afterwards::for_largest_file(LARGE_FILE - 1),
            Afterwards::Keep
        );
        assert_eq!(
            Afterwards::for_largest_file(LARGE_FILE),
            Afterwards::HandBack
        );
    }
}
