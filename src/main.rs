//! The `omnis` binary: all work is in the library.

fn main() {
    std::process::exit(omnis::cli::run(std::env::args_os()));
}
