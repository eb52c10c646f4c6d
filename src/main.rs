//! The `omnis` binary: all work is in the library.

// The front end builds many small AST and model nodes, in parallel:
// mimalloc takes about 10% off a front-end run compared with glibc malloc
// (and avoids its per-thread arena growth). The `system-alloc` feature
// leaves the system's, for heap profilers that hook malloc.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(not(feature = "system-alloc"))]
extern "C" {
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// Hands the pages the program frees back to the system at once. The
/// stages run on different threads (parsing and resolving on one, lowering
/// and the analyses on the worker pool), and mimalloc keeps freed pages
/// resident for a second by default: the syntax trees and tables freed
/// before the analyses of a 200,000-step campaign peak would still count
/// (about 55 MB of its peak resident set; 40 MB at 20,000 steps). The
/// option is mimalloc 3's `mi_option_purge_delay` (15), set only while it
/// holds its default (1,000 ms): a `MIMALLOC_PURGE_DELAY` in the
/// environment wins, and another numbering sets nothing.
#[cfg(not(feature = "system-alloc"))]
fn return_freed_memory() {
    const PURGE_DELAY: std::ffi::c_int = 15;
    // SAFETY: mimalloc's options may be read and set at any time, from
    // any thread.
    unsafe {
        if mi_option_get(PURGE_DELAY) == 1000 {
            mi_option_set(PURGE_DELAY, 0);
        }
    }
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
    return_freed_memory();
    std::process::exit(omnis::cli::run(std::env::args_os()));
}
