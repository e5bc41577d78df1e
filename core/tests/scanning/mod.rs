//! The scanning allocator of the wiping tests (`core/tests/wiping.rs`,
//! `bindings/tests/wiping.rs`, which includes this file by path): the system allocator,
//! scanning each block a watched thread frees for the secrets' markers, and counting the
//! blocks that still hold one. A reallocation that moves a block frees the old one through
//! `dealloc` (`GlobalAlloc`'s default `realloc`), so a growing buffer's old blocks count too.
//! Every block is handed out zeroed, so a marker found in it was written there.
//!
//! Each test binary declares it as its global allocator:
//! `#[global_allocator] static ALLOCATOR: scanning::Scanning = scanning::Scanning;`

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The markers no other bytes match by chance.
type Markers = &'static [&'static [u8]];

thread_local! {
    /// The markers this thread's freed blocks are scanned for, while it is watched.
    static WATCHED: Cell<Option<Markers>> = const { Cell::new(None) };
}

thread_local! {
    /// Freed blocks of this thread that still held a marker.
    static UNWIPED: Cell<usize> = const { Cell::new(0) };
}

/// The allocator. `unsafe` to implement; this one only reads a block before handing it on.
pub struct Scanning;

#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Scanning {
    // Zeroed, so that a block holds only what was written in it while it lived: memory that
    // another thread freed unwiped (the simulated chip's, a test's set-up) and the allocator
    // hands out again must not count against the code under test when it frees the block.
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(markers) = WATCHED.try_with(Cell::get).ok().flatten() {
            // SAFETY: `ptr` is a live block of `layout.size()` bytes until freed below.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            let holds = |m: &[u8]| block.windows(m.len()).any(|w| w == m);
            if markers.iter().any(|m| holds(m)) {
                let _ = UNWIPED.try_with(|n| n.set(n.get() + 1));
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Runs `work` with this thread's frees scanned for `markers`, and returns how many freed
/// blocks still held one.
pub fn unwiped_after(markers: Markers, work: impl FnOnce()) -> usize {
    UNWIPED.with(|n| n.set(0));
    WATCHED.with(|w| w.set(Some(markers)));
    work();
    WATCHED.with(|w| w.set(None));
    UNWIPED.with(Cell::get)
}
