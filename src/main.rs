//! The `omnis` binary: all work is in the library.

// The front end builds many small AST and model nodes, in parallel:
// mimalloc takes about 10% off a front-end run compared with glibc malloc
// (and avoids its per-thread arena growth). The `system-alloc` feature
// leaves the system's, for heap profilers that hook malloc.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc 3's options (`mi_option_t`) the binary changes. The numbers
/// are those of the libmimalloc-sys in Cargo.lock (`tests/allocator.rs`
/// checks them, by the names mimalloc prints).
#[cfg(not(feature = "system-alloc"))]
mod allocator {
    use std::ffi::{c_int, c_long};

    use omnis::memory::Afterwards;

    const ARENA_EAGER_COMMIT: c_int = 4;
    const PURGE_DELAY: c_int = 15;

    extern "C" {
        fn mi_option_set_default(option: c_int, value: c_long);
        fn mi_option_set(option: c_int, value: c_long);
        fn mi_option_get(option: c_int) -> c_long;
        fn mi_collect(force: bool);
    }

    /// Sets the defaults of two mimalloc options; a `MIMALLOC_...`
    /// variable in the environment still wins (a default only replaces a
    /// value mimalloc did not read from the environment).
    ///
    /// - `purge_delay` 0: pages the program frees go back to the system
    ///   at once. The stages run on different threads (parsing and
    ///   resolving on one, lowering and the analyses on the worker pool),
    ///   and mimalloc keeps freed pages resident for a second by default:
    ///   the syntax trees and tables freed before the analyses of a
    ///   200,000-step campaign peak would still count (about 55 MB of its
    ///   peak resident set; 40 MB at 20,000 steps). Except while files
    ///   are parsed ([`parsing`]), and after, when every file is small
    ///   ([`parsed`]).
    /// - `arena_eager_commit` 0: the arenas mimalloc reserves (1 GiB at a
    ///   time) are committed piece by piece as they are used, not whole
    ///   when reserved. Measured on the 200,000-step campaigns of
    ///   `benches/rss.sh`: 40 MB (chain) and 30 MB (diamonds) less peak
    ///   resident set, 28 and 25 MB less at 20,000 steps, no more time.
    ///
    /// The first arena is reserved at the first allocation, which the
    /// Rust runtime makes before `main`: on Linux this runs from
    /// `.init_array` (as the program is loaded, before any allocation);
    /// elsewhere from `main`, where only the purge delay still counts.
    pub extern "C" fn set_defaults() {
        // SAFETY: setting an option's default only writes that option's
        // slot in mimalloc's table, and needs no initialization first.
        unsafe {
            mi_option_set_default(ARENA_EAGER_COMMIT, 0);
            mi_option_set_default(PURGE_DELAY, 0);
        }
    }

    /// Whether the environment sets the purge delay (then it is left as
    /// it says, parsing included).
    fn delay_from_env() -> bool {
        ["MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some())
    }

    /// Files are about to be parsed (`omnis::memory::parsing`): freed
    /// pages are kept for a second, mimalloc's default. pest's token queue
    /// for each piece of a file (up to a few megabytes) is freed and
    /// built again for the next piece: handed back at once, its pages were
    /// faulted in again every time. Measured on the 200,000-step chain of
    /// `benches/rss.sh`: a third fewer page faults (332,000 to 216,000),
    /// 0.3 s less system time, the same peak.
    pub fn parsing() {
        if !delay_from_env() {
            // SAFETY: as in `set_defaults`; mimalloc reads the option
            // anew on every purge.
            unsafe { mi_option_set(PURGE_DELAY, KEEP) };
        }
    }

    /// How long freed pages are kept while files are parsed
    /// (milliseconds): mimalloc's default.
    const KEEP: c_long = 1000;

    /// How long freed pages are kept after parsing many small files
    /// (milliseconds). A group of campaigns reuses what the groups just
    /// before it freed; pages freed longer ago go back. Measured on the
    /// 20,000-file workspace of `benches/workspace.rs` (quiet machine, 2
    /// cores, `check`/`check --format json`): a quarter of a second,
    /// 0.94–1.01 s/0.84–0.89 s and 273–284 MB; 100 ms, 0.97–1.09 s/
    /// 0.83–0.90 s and 257–273 MB; handed back at once, 1.27–1.62 s/
    /// 1.07–1.08 s and 235 MB.
    const KEEP_AFTER: c_long = 250;

    /// Parsing is over (`omnis::memory::parsing` has returned): the pages
    /// freed and kept since [`parsing`] go back to the system now (a
    /// forced collection purges every arena, whichever thread freed
    /// them). Left to expire, the parse's pages freed last stayed through
    /// the analyses of the workspace's first groups and its peak reached
    /// 294–304 MB. Then after a large file ([`Afterwards::HandBack`])
    /// pages freed later go back at once; after many small files
    /// ([`Afterwards::Keep`]) they are kept a quarter of a second
    /// ([`KEEP_AFTER`]), and reused by one group of campaigns after
    /// another (see `omnis::memory`).
    pub fn parsed(afterwards: Afterwards) {
        if delay_from_env() {
            return;
        }
        // SAFETY: a forced collection from any thread is allowed at any
        // time; then as in `parsing`.
        unsafe {
            mi_collect(true);
            match afterwards {
                Afterwards::HandBack => mi_option_set(PURGE_DELAY, 0),
                Afterwards::Keep => mi_option_set(PURGE_DELAY, KEEP_AFTER),
            }
        }
    }

    /// The analysis is over and plans are written (`omnis::memory::writing`):
    /// freed pages are kept for 100 ms, if they were handed back at once.
    /// Writing builds and frees each
    /// plan's tree and text in turn, and handing their pages back and
    /// faulting them in again took a third of the system time of writing
    /// 2,000 plans (`benches/build.sh`'s `apart`: 63–106 ms down to
    /// 44–71 ms); the analyses' peak is behind by then.
    pub fn writing() {
        // SAFETY: reading an option is allowed at any time; then as in
        // `parsing`.
        unsafe {
            if !delay_from_env() && mi_option_get(PURGE_DELAY) == 0 {
                mi_option_set(PURGE_DELAY, 100);
            }
        }
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[used]
    #[link_section = ".init_array"]
    static SET_DEFAULTS: extern "C" fn() = set_defaults;
}

/// Asks Linux not to back this process's heap with transparent huge
/// pages. With THP set to `always` (a common default), every first touch
/// of a 2 MiB-aligned region faults in and zeroes a whole huge page, and
/// the allocator's purges split them again: on the 20,000-file workspace
/// that is a third of the CPU time (0.75 s of system time against 0.35 s
/// without), and 30 to 40 MB more resident set on it and on the
/// 200,000-step campaigns, for a few percent of user time won back on TLB
/// misses. Only this process (and what it starts) is affected; where the
/// call fails (an old kernel), nothing changes.
#[cfg(target_os = "linux")]
fn no_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no
    // memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() {
    #[cfg(target_os = "linux")]
    no_huge_pages();
    #[cfg(not(feature = "system-alloc"))]
    allocator::set_defaults();
    #[cfg(not(feature = "system-alloc"))]
    omnis::memory::set_hooks(omnis::memory::Hooks {
        parsing: allocator::parsing,
        parsed: allocator::parsed,
        writing: allocator::writing,
    });
    std::process::exit(omnis::cli::run(std::env::args_os()));
}
