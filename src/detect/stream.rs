//! [`StreamScanner`]: scanning a body chunk by chunk with a bounded overlap.
//!
//! # How chunk boundaries are handled
//!
//! A finding depends only on the bytes near its anchor: at most
//! `CTX_BEFORE` (256) bytes before it, the anchor itself (at most 256 bytes,
//! the longest custom literal) and `CTX_AFTER` (384) bytes after it. The
//! scanner keeps the last `OVERLAP` (1024 ≥ 256 + 256 + 384) bytes of the
//! stream in a fixed buffer. For each new chunk it
//!
//! 1. copies the first `OVERLAP` bytes of the chunk behind that tail and scans
//!    the stitched bytes for anchors whose context crosses the boundary (an
//!    anchor that straddles the boundary, or one whose window was cut short by
//!    the end of the previous chunk, or one in the first 256 bytes of the
//!    chunk whose window reaches back into the previous chunk);
//! 2. scans the chunk itself for all other anchors;
//! 3. keeps the last `OVERLAP` bytes for the next chunk.
//!
//! So a signature is found wherever the boundaries fall, as long as its
//! confirmation fits its window, which holds for every built-in signature
//! and every custom literal; a custom regex match is found across a boundary
//! when it is at most 512 bytes long. Each byte is scanned at most twice plus
//! the stitched region (≤ 2 KiB) per chunk; memory is the fixed buffer.

use super::detector::{Accept, Detector, Finding, CTX_AFTER, CTX_BEFORE, MAX_LITERAL};
use std::fmt;

/// Bytes of the stream's tail kept for the next chunk.
pub(crate) const OVERLAP: usize = 1024;
const _: () = assert!(OVERLAP >= CTX_BEFORE + MAX_LITERAL + CTX_AFTER);

/// Scans a body chunk by chunk, created by [`Detector::stream`].
///
/// Signatures split across chunk boundaries are found without concatenating
/// the chunks. Memory is a fixed 2 KiB buffer (the last 1 KiB of the stream
/// plus room to stitch the next chunk's head to it), whatever the body size.
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
    /// Offset of the last finding returned: findings are reported once, in
    /// increasing offset order.
    reported: Option<u64>,
}

impl fmt::Debug for StreamScanner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamScanner")
            .field("scanned", &self.scanned)
            .field("carried", &self.carry)
            .field("reported", &self.reported)
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
            reported: None,
        }
    }

    /// Scans the next chunk. Returns the first finding this chunk completes
    /// (possibly starting in an earlier chunk), with its offset in the whole
    /// stream, or `None`. After a finding, further chunks are still scanned
    /// and may report later findings; each is reported once.
    pub fn feed(&mut self, chunk: &[u8]) -> Option<Finding> {
        if chunk.is_empty() {
            return None;
        }
        let inner = self.detector.inner();
        let base = self.scanned;
        let boundary = self.carry;
        let mut found = None;

        if boundary > 0 {
            let head = chunk.len().min(OVERLAP);
            self.buf[boundary..boundary + head].copy_from_slice(&chunk[..head]);
            let stitched = &self.buf[..boundary + head];
            let accept = Accept {
                lo: boundary.saturating_sub(MAX_LITERAL + CTX_AFTER),
                hi: boundary + CTX_BEFORE.min(head),
                min_end: boundary,
            };
            found = inner
                .scan_slice(stitched, accept)
                .map(|f| f.rebase(base - boundary as u64));
        }

        let lo = if boundary > 0 {
            CTX_BEFORE.min(chunk.len())
        } else {
            0
        };
        let in_chunk = inner
            .scan_slice(
                chunk,
                Accept {
                    lo,
                    hi: chunk.len(),
                    min_end: 0,
                },
            )
            .map(|f| f.rebase(base));
        found = match (found, in_chunk) {
            (Some(a), Some(b)) => Some(if b.offset() < a.offset() { b } else { a }),
            (a, b) => a.or(b),
        };

        // Keep the stream's last OVERLAP bytes.
        if chunk.len() >= OVERLAP {
            self.buf[..OVERLAP].copy_from_slice(&chunk[chunk.len() - OVERLAP..]);
            self.carry = OVERLAP;
        } else {
            if boundary == 0 {
                self.buf[..chunk.len()].copy_from_slice(chunk);
            }
            let total = boundary + chunk.len();
            if total > OVERLAP {
                self.buf.copy_within(total - OVERLAP..total, 0);
                self.carry = OVERLAP;
            } else {
                self.carry = total;
            }
        }
        self.scanned = self.scanned.saturating_add(chunk.len() as u64);

        let finding = found?;
        let offset = finding.offset() as u64;
        if self.reported.is_some_and(|r| offset <= r) {
            return None;
        }
        self.reported = Some(offset);
        Some(finding)
    }

    /// Total bytes fed so far.
    pub fn scanned(&self) -> u64 {
        self.scanned
    }
}
