//! Scanning a benign body allocates nothing (after the first scan on the
//! thread has warmed the regex caches).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use tower_redact::detect::Detector;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn benign_scans_do_not_allocate() {
    let detector = Detector::new();
    let mut body = String::new();
    for i in 0..800 {
        body.push_str(&format!(
            "{{\"id\":{i},\"status\":\"shipped\",\"note\":\"Delivered to https://example.com/track/{i} at 10.5 EUR; syntax of the address is fine, Microsoft Teams notified.\"}},"
        ));
    }
    let body = body.into_bytes();
    // Warm-up: regex caches are created on first use per thread.
    assert!(detector.scan(&body).is_none());
    assert!(detector.scan_chunks(body.chunks(4096)).is_none());
    let mut stream = detector.stream();
    assert!(stream.feed(&body).is_none());

    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..10 {
        assert!(detector.scan(&body).is_none());
        assert!(detector.scan_chunks(body.chunks(4096)).is_none());
        let mut stream = detector.stream();
        for chunk in body.chunks(1000) {
            assert!(stream.feed(chunk).is_none());
        }
    }
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    assert_eq!(after - before, 0, "benign scans allocated");
}
