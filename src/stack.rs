//! Work on a thread with a big stack: the one place that decides how much
//! stack the stages get. The parser bounds nesting (`syntax::MAX_NESTING`),
//! but pest, the AST lowering, resolve, the graph lowering, the lints and
//! the formatter recurse once per level of it, and over the deepest input
//! accepted that needs more than a thread gets by default (2 MiB; the main
//! thread 8 MiB), most of all in debug builds.
//!
//! So every entry point runs its work through [`with_big_stack`]:
//! `syntax::parse_file` for deep files (so the parser is safe on any
//! thread), `driver::analyze_with` for a whole analysis, and `omnis fmt`
//! for standard input; parallel stages (parsing, lowering, lints, `omnis
//! fmt` on files) run on the workers of [`pool`], which have big stacks.

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

/// The workers every parallel stage runs on: one per core (at most 8), or
/// as many as `RAYON_NUM_THREADS` says (a positive number, as for rayon's
/// own pool), each with a stack of [`BIG_STACK`] bytes, built on first
/// use. A panic in a task resumes on the thread that waits for it.
pub fn pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let asked = std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|n| n.trim().parse::<usize>().ok())
            .filter(|&n| n > 0);
        let threads = asked.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(8)
        });
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(BIG_STACK)
            .thread_name(|i| format!("omnis-worker-{i}"))
            .build()
            .unwrap_or_else(|e| panic!("cannot start the worker threads: {e}"))
    })
}

/// Maps `f` over `items` on the [`pool`], keeping the order.
/// One item is mapped on the calling thread: the pool may be busy with
/// another caller's work (a language server checks a file while its
/// project is checked in the background).
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    use rayon::prelude::*;
    if items.len() <= 1 {
        return items.iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    pool().install(|| items.par_iter().enumerate().map(|(i, t)| f(i, t)).collect())
}
