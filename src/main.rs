//! The `omnis` binary: all work is in the library.

// The front end builds many small AST and model nodes, in parallel:
// mimalloc takes about 10% off a front-end run compared with glibc malloc
// (and avoids its per-thread arena growth). The `system-alloc` feature
// leaves the system's, for heap profilers that hook malloc.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(omnis::cli::run(std::env::args_os()));
}
