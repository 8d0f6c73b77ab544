//! [`StreamScanner`]: scanning a body chunk by chunk with a bounded overlap.
//!
//! # How chunk boundaries are handled
//!
//! A decision about a hit depends only on the bytes near its anchor: at most
//! `CTX_BEFORE` (256) bytes before it, the anchor itself (at most 256 bytes,
//! the longest custom literal) and `CTX_AFTER` (384) bytes after it, which
//! covers every confirmation window and every allowed phrase. The scanner
//! keeps the last `OVERLAP` (1024 ≥ 256 + 256 + 384) bytes of the stream in
//! a fixed buffer and, for each new chunk, scans
//!
//! 1. the *stitched* bytes: that tail followed by the first `OVERLAP` bytes
//!    of the chunk, for the hits whose context crosses the boundary (an
//!    anchor that straddles it, one whose window reached past the end of the
//!    previous chunk, or one in the first 256 bytes of the chunk whose window
//!    reaches back into the previous chunk);
//! 2. the chunk itself, for all other hits;
//!
//! then keeps the last `OVERLAP` bytes. Memory is the fixed 2 KiB buffer;
//! each byte is scanned once, plus the stitched region (at most 2 KiB) per
//! chunk.
//!
//! Two decision modes share this machinery:
//!
//! - [`StreamScanner::feed`] decides *eagerly*: every hit is confirmed with
//!   the bytes received so far, and re-examined with the next chunk if its
//!   window was cut short. A leak is reported by the chunk that completes it,
//!   never later. The price: the finding reported first may differ from the
//!   one [`Detector::scan`] reports for the whole body (an earlier chunk can
//!   complete a shorter match, e.g. the path `src/main.rs:1` before the panic
//!   message around it is complete), and an allowed phrase that is still
//!   incomplete at the end of the data so far cannot suppress a hit (fail
//!   closed).
//! - [`Detector::scan_chunks`] decides *exactly*: a hit is decided once the
//!   `LAG` (640) bytes after it have arrived, or at the end of the input, so
//!   its result equals [`Detector::scan`] of the concatenation, wherever the
//!   boundaries fall.
//!
//! A custom regex match is found across a boundary when it is at most 384
//! bytes long.

use super::detector::{Accept, Detector, Finding, CTX_AFTER, CTX_BEFORE, MAX_LITERAL};
use std::fmt;

/// Bytes of the stream's tail kept for the next chunk.
pub(crate) const OVERLAP: usize = 1024;
/// Bytes after a hit's start that its decision may depend on.
const LAG: usize = MAX_LITERAL + CTX_AFTER;
const _: () = assert!(OVERLAP >= CTX_BEFORE + LAG);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Eager,
    Exact,
}

/// Scans a body chunk by chunk, created by [`Detector::stream`].
///
/// Signatures split across chunk boundaries are found without concatenating
/// the chunks. Memory is a fixed 2 KiB buffer (the last 1 KiB of the stream
/// plus room to stitch the next chunk's head to it), whatever the body size.
///
/// `feed` decides eagerly: each finding is reported by the chunk that
/// completes it (see the [module docs](super) for what that implies); use
/// [`Detector::scan_chunks`] when all chunks are at hand and the result must
/// equal [`Detector::scan`] exactly.
///
/// ```
/// use tower_redact::detect::{Category, Detector};
///
/// let detector = Detector::new();
/// let mut scanner = detector.stream();
/// assert!(scanner.feed(b"{\"error\":\"Traceback (most rec").is_none());
/// let finding = scanner.feed(b"ent call last):\\n  File ...\"}").unwrap();
/// assert_eq!(finding.category(), Category::StackTrace);
/// assert_eq!(finding.offset(), 10);
/// assert_eq!(scanner.scanned(), 58);
/// ```
pub struct StreamScanner<'d> {
    detector: &'d Detector,
    /// `buf[..carry]` is the tail of the stream so far; the rest is room to
    /// stitch the head of the next chunk behind it.
    buf: [u8; 2 * OVERLAP],
    carry: usize,
    scanned: u64,
    mode: Mode,
    /// Eager: position after the last reported hit (findings are reported
    /// once, in order). Exact: every hit before it has been decided.
    frontier: u64,
}

impl fmt::Debug for StreamScanner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamScanner")
            .field("scanned", &self.scanned)
            .field("carried", &self.carry)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl<'d> StreamScanner<'d> {
    pub(crate) fn new(detector: &'d Detector) -> Self {
        StreamScanner {
            detector,
            buf: [0; 2 * OVERLAP],
            carry: 0,
            scanned: 0,
            mode: Mode::Eager,
            frontier: 0,
        }
    }

    /// A scanner whose findings equal [`Detector::scan`] of the
    /// concatenation; [`finish`](Self::finish) must be called at the end.
    pub(crate) fn exact(detector: &'d Detector) -> Self {
        StreamScanner {
            mode: Mode::Exact,
            ..Self::new(detector)
        }
    }

    /// Scans the next chunk. Returns the first finding this chunk completes
    /// (possibly starting in an earlier chunk), with its offset in the whole
    /// stream, or `None`. After a finding, further chunks are still scanned
    /// and may report later findings; each is reported once, in order.
    pub fn feed(&mut self, chunk: &[u8]) -> Option<Finding> {
        if chunk.is_empty() {
            return None;
        }
        let found = match self.mode {
            Mode::Eager => self.decide_eagerly(chunk),
            Mode::Exact => self.decide_exactly(chunk),
        };
        self.keep_tail(chunk);
        found
    }

    /// Total bytes fed so far.
    pub fn scanned(&self) -> u64 {
        self.scanned
    }

    /// Exact mode: decides the hits still open at the end of the input.
    pub(crate) fn finish(&mut self) -> Option<Finding> {
        let start = self.scanned - self.carry as u64;
        let lo = rel(self.frontier, start, self.carry);
        self.frontier = self.scanned;
        self.detector
            .inner()
            .scan_slice(&self.buf[..self.carry], Accept::range(lo, self.carry))
            .map(|(_, f)| f.rebase(start))
    }

    /// Copies the chunk's head behind the carried tail; returns the length of
    /// the stitched bytes.
    fn stitch(&mut self, chunk: &[u8]) -> usize {
        let head = chunk.len().min(OVERLAP);
        self.buf[self.carry..self.carry + head].copy_from_slice(&chunk[..head]);
        self.carry + head
    }

    fn decide_eagerly(&mut self, chunk: &[u8]) -> Option<Finding> {
        let boundary = self.carry;
        let base = self.scanned;
        let stitched_start = base - boundary as u64;
        let mut found: Option<(u64, Finding)> = None;
        if boundary > 0 {
            let len = self.stitch(chunk);
            let accept = Accept {
                lo: boundary
                    .saturating_sub(LAG)
                    .max(rel(self.frontier, stitched_start, len)),
                hi: boundary + CTX_BEFORE.min(len - boundary),
                min_end: boundary,
            };
            found = self
                .detector
                .inner()
                .scan_slice(&self.buf[..len], accept)
                .map(|(p, f)| (stitched_start + p as u64, f.rebase(stitched_start)));
        }
        let skip = if boundary > 0 { CTX_BEFORE } else { 0 };
        let lo = skip
            .max(rel(self.frontier, base, chunk.len()))
            .min(chunk.len());
        let in_chunk = self
            .detector
            .inner()
            .scan_slice(chunk, Accept::range(lo, chunk.len()));
        if let Some((p, f)) = in_chunk {
            let p = base + p as u64;
            if found.as_ref().is_none_or(|(q, _)| p < *q) {
                found = Some((p, f.rebase(base)));
            }
        }
        let (p, finding) = found?;
        self.frontier = p + 1;
        Some(finding)
    }

    fn decide_exactly(&mut self, chunk: &[u8]) -> Option<Finding> {
        let base = self.scanned;
        let end = base + chunk.len() as u64;
        let decide_to = end.saturating_sub(LAG as u64);
        if decide_to <= self.frontier {
            return None;
        }
        let from = self.frontier;
        self.frontier = decide_to;
        // Hits whose before-window may reach into the carried tail.
        let stitched_start = base - self.carry as u64;
        let stitched_to = decide_to.min(base + CTX_BEFORE as u64);
        if stitched_to > from {
            let len = self.stitch(chunk);
            let accept = Accept::range(
                rel(from, stitched_start, len),
                rel(stitched_to, stitched_start, len),
            );
            let found = self.detector.inner().scan_slice(&self.buf[..len], accept);
            if let Some((_, f)) = found {
                return Some(f.rebase(stitched_start));
            }
        }
        // The rest of the chunk.
        let lo = rel(from.max(base + CTX_BEFORE as u64), base, chunk.len());
        let hi = rel(decide_to, base, chunk.len());
        if lo < hi {
            let found = self
                .detector
                .inner()
                .scan_slice(chunk, Accept::range(lo, hi));
            if let Some((_, f)) = found {
                return Some(f.rebase(base));
            }
        }
        None
    }

    /// Keeps the stream's last `OVERLAP` bytes.
    fn keep_tail(&mut self, chunk: &[u8]) {
        if chunk.len() >= OVERLAP {
            self.buf[..OVERLAP].copy_from_slice(&chunk[chunk.len() - OVERLAP..]);
            self.carry = OVERLAP;
        } else {
            let total = self.carry + chunk.len();
            self.buf[self.carry..total].copy_from_slice(chunk);
            if total > OVERLAP {
                self.buf.copy_within(total - OVERLAP..total, 0);
                self.carry = OVERLAP;
            } else {
                self.carry = total;
            }
        }
        self.scanned = self.scanned.saturating_add(chunk.len() as u64);
    }
}

/// `abs - start` as an index into a slice of length `len` (clamped).
fn rel(abs: u64, start: u64, len: usize) -> usize {
    usize::try_from(abs.saturating_sub(start)).map_or(len, |r| r.min(len))
}
