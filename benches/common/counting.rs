//! A global allocator that counts the bytes live and the most live at
//! once, around another allocator: memory measured in bytes, which unlike
//! timing is deterministic. Shared by `benches/memory.rs` and
//! `tests/memory.rs`.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Counts what `A` allocates.
pub struct Counting<A>(pub A);

/// Bytes live now.
pub static NOW: AtomicUsize = AtomicUsize::new(0);
/// The most bytes live at once since it was last reset.
pub static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = NOW.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        self.0.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        NOW.fetch_sub(l.size(), Relaxed);
        self.0.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, size: usize) -> *mut u8 {
        let now = NOW.fetch_add(size, Relaxed) + size;
        PEAK.fetch_max(now, Relaxed);
        NOW.fetch_sub(l.size(), Relaxed);
        self.0.realloc(p, l, size)
    }
}

/// Bytes live now.
pub fn live() -> usize {
    NOW.load(Relaxed)
}

/// Forgets the peak so far: from here on, the most bytes live at once.
pub fn reset_peak() {
    PEAK.store(NOW.load(Relaxed), Relaxed);
}

/// The most bytes live at once since [`reset_peak`].
pub fn peak() -> usize {
    PEAK.load(Relaxed)
}
