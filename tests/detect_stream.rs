//! Chunk-boundary tests: a leak is found wherever the chunk boundaries fall,
//! and a clean body stays clean however it is chunked. `scan_chunks` must
//! equal `scan` exactly; the eager `StreamScanner::feed` must report a leak
//! (possibly a different one first) at every split.

use std::path::Path;
use tower_redact::detect::{Category, Detector, Finding};

/// Real-looking leaks, each short enough to split at every offset.
const LEAKS: &[&str] = &[
    "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 27, in create",
    "thread 'main' panicked at src/main.rs:12:5:\nboom",
    r#"{"error":"Os { code: 2, kind: NotFound, message: \"No such file or directory\" }"}"#,
    "\tat com.example.orders.OrderService.place(OrderService.java:88)",
    r#"{"stack":"Error: boom\n    at Object.<anonymous> (/app/index.js:3:9)"}"#,
    "ERROR:  duplicate key value violates unique constraint \"users_email_key\"",
    "SQLSTATE[42S02]: Base table or view not found: 1146 Table 'shop.userz' doesn't exist",
    "could not connect: postgres://app:hunter2@db.internal:5432/shop",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn",
    "<address>Apache/2.4.57 (Debian) Server at example.com Port 80</address>",
    "<title>KeyError: 'user' // Werkzeug Debugger</title>",
    "DB_PASSWORD=hunter2\nREDIS_URL=redis://cache:6379",
    "connect ECONNREFUSED 10.0.3.7:5432",
    "Error: connect ECONNREFUSED localhost:6379",
    "goroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d",
];

fn chunked(detector: &Detector, body: &[u8], cuts: &[usize]) -> Option<Finding> {
    let mut chunks = Vec::new();
    let mut from = 0;
    for &cut in cuts {
        chunks.push(&body[from..cut]);
        from = cut;
    }
    chunks.push(&body[from..]);
    detector.scan_chunks(chunks)
}

#[test]
fn every_two_way_split_of_every_leak_is_found_at_the_same_offset() {
    let detector = Detector::new();
    for leak in LEAKS {
        let body = leak.as_bytes();
        let whole = detector
            .scan(body)
            .unwrap_or_else(|| panic!("not detected whole: {leak:?}"));
        for cut in 0..=body.len() {
            let f = chunked(&detector, body, &[cut]);
            assert_eq!(f.as_ref(), Some(&whole), "split at {cut}: {leak:?}");
            // The eager scanner reports a leak too, by the chunk completing it.
            let mut scanner = detector.stream();
            let eager = scanner.feed(&body[..cut]).or(scanner.feed(&body[cut..]));
            let eager = eager.unwrap_or_else(|| panic!("feed missed at {cut}: {leak:?}"));
            assert!(
                detector.scan(&body[eager.offset()..]).is_some(),
                "feed reported {} at {} (split at {cut}), not a leak: {leak:?}",
                eager.signature(),
                eager.offset()
            );
        }
    }
}

#[test]
fn three_way_splits_and_byte_by_byte() {
    let detector = Detector::new();
    for leak in LEAKS {
        let body = leak.as_bytes();
        let n = body.len();
        for a in (0..=n).step_by(3) {
            for b in (a..=n).step_by(5) {
                assert!(
                    chunked(&detector, body, &[a, b]).is_some(),
                    "missed when split at {a} and {b}: {leak:?}"
                );
            }
        }
        assert!(detector.scan_chunks(body.chunks(1)).is_some(), "{leak:?}");
    }
}

/// A leak embedded at many positions of a large benign body, streamed in
/// chunks of sizes around the scanner's 1 KiB overlap and a typical 16 KiB
/// frame, is found at the same offset as in the whole body.
#[test]
fn leaks_in_large_bodies_across_chunk_sizes() {
    let detector = Detector::new();
    let filler: String = (0..3000)
        .map(|i| format!("{{\"id\":{i},\"name\":\"item {i}\",\"note\":\"all good at {i}\"}},"))
        .collect();
    let filler = filler.as_bytes();
    assert!(detector.scan(filler).is_none());
    let leak = LEAKS[0].as_bytes();
    for at in [
        0,
        1,
        1000,
        1023,
        1024,
        1025,
        16_380,
        16_384,
        40_000,
        filler.len(),
    ] {
        let mut body = filler.to_vec();
        body.splice(at..at, leak.iter().copied());
        let whole = detector.scan(&body).expect("whole");
        assert_eq!(whole.offset(), at);
        for size in [
            7,
            255,
            256,
            257,
            1000,
            1024,
            1025,
            2047,
            2048,
            4096,
            16 * 1024,
        ] {
            let f = detector.scan_chunks(body.chunks(size));
            assert_eq!(f.as_ref(), Some(&whole), "at {at}, {size}-byte chunks");
        }
        // Uneven chunks: a tiny one, a huge one, tiny ones.
        let mut scanner = detector.stream();
        let mut found = None;
        let mut pos: usize = 0;
        for size in [3usize, 5000, 1, 1, 2, 70_000, 9, usize::MAX] {
            let end = body.len().min(pos.saturating_add(size));
            found = found.or(scanner.feed(&body[pos..end]));
            pos = end;
        }
        assert_eq!(
            found.map(|f| f.offset()),
            Some(at),
            "uneven chunks, at {at}"
        );
        assert_eq!(scanner.scanned(), body.len() as u64);
    }
}

#[test]
fn a_stream_reports_each_finding_once_in_order() {
    let detector = Detector::new();
    let mut scanner = detector.stream();
    let first = scanner.feed(b"ok so far. connect ECONNREFUSED 10.0.3.7:5432 ");
    assert_eq!(first.map(|f| f.category()), Some(Category::PrivateAddress));
    assert!(scanner.feed(b"more text without leaks").is_none());
    let second = scanner.feed(b" and then Traceback (most recent call last):");
    assert_eq!(second.map(|f| f.category()), Some(Category::StackTrace));
    assert!(scanner.feed(b"").is_none());
}

#[test]
fn custom_signatures_across_boundaries() {
    let detector = Detector::builder()
        .literal("ticket", "INTERNAL-TICKET-")
        .regex("customer", r"CUST-\d{6}")
        .build()
        .expect("valid");
    for body in ["ref INTERNAL-TICKET-42 end", "order for CUST-123456 failed"] {
        let body = body.as_bytes();
        let whole = detector.scan(body).expect("whole");
        for cut in 0..=body.len() {
            let f = chunked(&detector, body, &[cut]).expect("chunked");
            assert_eq!(f.offset(), whole.offset(), "split at {cut}");
        }
    }
}

#[test]
fn allowed_phrases_across_boundaries() {
    let detector = Detector::builder()
        .allow("Unknown column 'nickname' is deprecated, use 'display_name'")
        .build()
        .expect("valid");
    let body = b"Note: Unknown column 'nickname' is deprecated, use 'display_name'.";
    assert!(detector.scan(body).is_none());
    // scan_chunks decides a hit only with its full context: no finding for
    // any split.
    for cut in 0..=body.len() {
        assert!(chunked(&detector, body, &[cut]).is_none(), "split at {cut}");
    }
    // The eager scanner honours the phrase when the split falls outside it,
    // and fails closed when the phrase is still incomplete.
    let phrase_at = 6;
    for cut in (0..=phrase_at).chain(phrase_at + 60..=body.len()) {
        let mut scanner = detector.stream();
        assert!(scanner.feed(&body[..cut]).is_none(), "feed, split at {cut}");
        assert!(scanner.feed(&body[cut..]).is_none(), "feed, split at {cut}");
    }
}

/// Every leaky corpus file split at many offsets, and every benign file
/// chunked in several sizes.
#[test]
fn corpus_split_at_many_offsets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let Ok(manifest) = std::fs::read_to_string(root.join("manifest.tsv")) else {
        println!("note: tests/corpus/manifest.tsv not found; skipped");
        return;
    };
    let detector = Detector::new();
    let mut checked = 0usize;
    for line in manifest.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [path, label, ..] = fields[..] else {
            continue;
        };
        let Ok(body) = std::fs::read(root.join(path)) else {
            continue;
        };
        match label {
            "leaky" => {
                let Some(whole) = detector.scan(&body) else {
                    continue; // reported by tests/detect_corpus.rs
                };
                // Every offset around the finding, and a stride elsewhere.
                let near =
                    whole.offset().saturating_sub(300)..(whole.offset() + 300).min(body.len());
                let stride = (body.len() / 200).max(1);
                let cuts = near.chain((0..body.len()).step_by(stride));
                for cut in cuts {
                    let f = chunked(&detector, &body, &[cut]);
                    assert_eq!(f.as_ref(), Some(&whole), "{path}: split at {cut}");
                    let mut scanner = detector.stream();
                    let eager = scanner.feed(&body[..cut]).or(scanner.feed(&body[cut..]));
                    assert!(eager.is_some(), "{path}: feed missed, split at {cut}");
                    checked += 1;
                }
            }
            "benign" => {
                for size in [1, 2, 3, 17, 64, 255, 1024, 1500] {
                    assert!(
                        detector.scan_chunks(body.chunks(size)).is_none(),
                        "{path}: flagged in {size}-byte chunks"
                    );
                }
            }
            _ => {}
        }
    }
    println!("{checked} split leaky bodies checked");
}
