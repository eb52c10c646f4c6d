//! What the allocator is told between stages.
//!
//! The library does not choose the allocator: the `omnis` binary does
//! (mimalloc, `src/main.rs`), and hands freed pages back to the system at
//! once, so that what earlier stages freed does not count in the peak
//! resident set of the analyses. While files are parsed that costs time
//! and nothing else: pest builds a queue of tokens for every piece of a
//! file it parses (up to a few megabytes, `syntax::parser`), frees it,
//! and builds the next, and every page of it handed back is faulted in
//! again for the next piece. So the driver says when files are parsed
//! ([`parsing`]), and the binary keeps freed pages meanwhile
//! ([`set_hooks`]). `build` says when the analysis
//! is over and plans are written ([`writing`]): each plan's tree and text
//! are built and freed in turn, and the peak is behind. Other builds of
//! the library (tests, the system allocator) do nothing.

use std::sync::OnceLock;

/// What [`parsing`] (before and after parsing) and [`writing`] call.
#[derive(Clone, Copy, Debug)]
pub struct Hooks {
    pub parsing: fn(),
    pub parsed: fn(),
    pub writing: fn(),
}

static HOOKS: OnceLock<Hooks> = OnceLock::new();

/// Sets what [`parsing`] and [`writing`] do (once; later calls are
/// ignored).
pub fn set_hooks(hooks: Hooks) {
    let _ = HOOKS.set(hooks);
}

/// Runs `parse` (loading and parsing files), with memory freed meanwhile
/// kept for reuse; once it returns, that memory goes back to the system,
/// and memory freed from then on goes back at once.
pub fn parsing<T>(parse: impl FnOnce() -> T) -> T {
    let hooks = HOOKS.get();
    if let Some(h) = hooks {
        (h.parsing)();
    }
    let out = parse();
    if let Some(h) = hooks {
        (h.parsed)();
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
