//! The `omnis` binary: all work is in the library.

// The front end builds many small AST and model nodes, in parallel:
// mimalloc takes about 10% off a front-end run compared with glibc malloc
// (and avoids its per-thread arena growth).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(omnis::cli::run(std::env::args_os()));
}
