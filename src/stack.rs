//! Work on a thread with a big stack: the one place that decides how much
//! stack the stages get. The parser bounds nesting (`syntax::MAX_NESTING`),
//! but pest, the AST lowering, resolve, the graph lowering, the lints and
//! the formatter recurse once per level of it, and over the deepest input
//! accepted that needs more than a thread gets by default (2 MiB; the main
//! thread 8 MiB), most of all in debug builds.
//!
//! So every entry point runs its work through [`with_big_stack`]:
//! `syntax::parse_file` for deep files (so the parser is safe on any
//! thread, such as the loader's workers), `driver::analyze_with` for a whole
//! analysis, and `omnis fmt` for standard input; `omnis fmt` on files
//! formats them with [`parallel_map`] on workers with big stacks.

/// The stack of [`with_big_stack`]: room for every stage over
/// `MAX_NESTING` levels with a wide margin. It is address space reserved,
/// not memory: only the pages used are ever committed.
pub const BIG_STACK: usize = 256 << 20;

/// Runs `f` on a new thread named `name` with a stack of [`BIG_STACK`]
/// bytes, and returns its result; a panic in `f` resumes on the calling
/// thread.
pub fn with_big_stack<T: Send>(name: &str, f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name(name.into())
            .stack_size(BIG_STACK)
            .spawn_scoped(s, f)
            .unwrap_or_else(|e| panic!("cannot spawn the {name} thread: {e}"))
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// Maps `f` over `items` on all cores (at most 8 threads), keeping the
/// order. Workers have the default stack, or [`BIG_STACK`] when
/// `big_stacks`; a panic in `f` resumes on the calling thread.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    big_stacks: bool,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
        .min(items.len().max(1));
    if threads <= 1 && !big_stacks {
        return items.iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    let f = &f;
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let mut b = std::thread::Builder::new().name("omnis-worker".into());
                if big_stacks {
                    b = b.stack_size(BIG_STACK);
                }
                b.spawn_scoped(s, move || {
                    (k..items.len())
                        .step_by(threads)
                        .map(|i| (i, f(i, &items[i])))
                        .collect::<Vec<_>>()
                })
                .expect("spawn a worker thread")
            })
            .collect();
        for h in handles {
            for (i, r) in h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)) {
                results[i] = Some(r);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.expect("every item mapped"))
        .collect()
}
