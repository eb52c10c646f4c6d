//! Work on a thread with a stack of a chosen size. The parser bounds
//! nesting (`syntax::MAX_NESTING`), but recursive descent over the deepest
//! input it accepts needs more stack than a thread gets by default.

/// Runs `f` on a new thread named `name` with a stack of `bytes`, and
/// returns its result; a panic in `f` resumes on the calling thread.
pub fn run_with_stack<T: Send>(name: &str, bytes: usize, f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name(name.into())
            .stack_size(bytes)
            .spawn_scoped(s, f)
            .unwrap_or_else(|e| panic!("cannot spawn the {name} thread: {e}"))
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}
