//! The leak detector and `mask_secrets`.
//!
//! - `scan` never panics, and runs in bounded time on adversarial input
//!   (run with `-timeout=2`; the `repeat` control cycles a small input up
//!   to 248 KiB, so a catastrophic pattern needs no large seed);
//! - `scan_chunks` over an arbitrary split equals `scan` of the whole;
//! - the eager `StreamScanner` over the same split reports a finding
//!   whenever `scan` finds one, each within the input;
//! - `scan_header` never panics;
//! - `mask_secrets` never panics, and a credential the harness plants in
//!   one of the documented forms (at any place in arbitrary text, set off by
//!   a space) is gone from its output.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use http::{HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use std::borrow::Cow;
use std::sync::LazyLock;
use tower_redact::detect::{mask_secrets, Category, Detector};

#[derive(Arbitrary, Debug)]
struct Control {
    detector: u8,
    cuts: [u32; 8],
    ncuts: u8,
    /// Above 224: the input is cycled to `(repeat - 224) * 8` KiB.
    repeat: u8,
    plant: u8,
    plant_at: u32,
    header: u8,
}

static DETECTORS: LazyLock<[Detector; 2]> = LazyLock::new(|| {
    let custom = Detector::builder()
        .disable(Category::VersionBanner)
        .literal("internal_ticket", "JIRA-INTERNAL-")
        .regex("customer_ref", r"CUST-\d{8}")
        .allow("Traceback (most recent call last) is shown in our tutorial")
        .allow("SQLSTATE")
        .build()
        .unwrap();
    [Detector::default(), custom]
});

const SECRET: &str = "S3cr3tPl4nted";
const AWS_SECRET: &str = "S3CR3TPL4NTED123";

/// Credentials in forms `mask_secrets` documents, each with the part that
/// must disappear.
const PLANTED: [(&str, &str); 7] = [
    ("postgres://u:S3cr3tPl4nted@10.0.0.1/db", SECRET),
    ("password=S3cr3tPl4nted", SECRET),
    ("Bearer S3cr3tPl4nted", SECRET),
    ("Basic S3cr3tPl4nted==", SECRET),
    (r#"{"api_key":"S3cr3tPl4nted"}"#, SECRET),
    ("AKIAS3CR3TPL4NTED123", AWS_SECRET),
    (
        "-----BEGIN RSA PRIVATE KEY-----\nS3cr3tPl4nted\n-----END RSA PRIVATE KEY-----",
        SECRET,
    ),
];

const HEADER_NAMES: [&str; 6] = [
    "x-error",
    "x-debug-token",
    "x-trace-id",
    "x-exception-class",
    "x-powered-by",
    "warning",
];

fn check_scan(detector: &Detector, body: &[u8], control: &Control) {
    let whole = detector.scan(body);
    if let Some(finding) = &whole {
        assert!(
            finding.offset() < body.len(),
            "{finding:?} beyond {}",
            body.len()
        );
        assert!(!finding.signature().is_empty());
    }

    let mut cuts: Vec<usize> = control.cuts[..usize::from(control.ncuts % 9)]
        .iter()
        .map(|&c| c as usize % (body.len() + 1))
        .collect();
    cuts.sort_unstable();
    let mut chunks: Vec<&[u8]> = Vec::new();
    let mut at = 0;
    for cut in cuts.into_iter().chain([body.len()]) {
        chunks.push(&body[at..cut]);
        at = cut;
    }

    let chunked = detector.scan_chunks(chunks.iter());
    assert_eq!(
        chunked,
        whole,
        "scan_chunks differs from scan over {} chunks",
        chunks.len()
    );

    let mut scanner = detector.stream();
    let mut first = None;
    for chunk in &chunks {
        if let Some(finding) = scanner.feed(chunk) {
            assert!(
                finding.offset() < body.len(),
                "{finding:?} beyond {}",
                body.len()
            );
            first.get_or_insert(finding);
        }
    }
    assert_eq!(scanner.scanned(), body.len() as u64);
    if whole.is_some() {
        assert!(first.is_some(), "scan found {whole:?}, the stream nothing");
    }
}

fn check_header(detector: &Detector, body: &[u8], control: &Control) {
    let name =
        HeaderName::from_static(HEADER_NAMES[usize::from(control.header) % HEADER_NAMES.len()]);
    if let Ok(value) = HeaderValue::from_bytes(&body[..body.len().min(8192)]) {
        let _ = detector.scan_header(&name, &value);
    }
}

fn check_mask(body: &[u8], control: &Control) {
    let text = String::from_utf8_lossy(body);
    let masked = mask_secrets(&text);
    if let Cow::Borrowed(out) = &masked {
        assert_eq!(*out, &*text);
    }
    if control.plant == 0 {
        return;
    }
    let (form, secret) = PLANTED[usize::from(control.plant - 1) % PLANTED.len()];
    if text.contains(secret) {
        // The input itself holds the secret somewhere the harness did not
        // plant it: nothing to assert about.
        return;
    }
    let mut at = control.plant_at as usize % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let planted = format!("{} {form} {}", &text[..at], &text[at..]);
    let masked = mask_secrets(&planted);
    if let Some(found) = masked.find(secret) {
        // Only the neighbourhood: inputs run to 255 KiB.
        let window = |text: &str, at: usize| {
            let mut from = at.saturating_sub(160);
            while !text.is_char_boundary(from) {
                from -= 1;
            }
            let mut to = (at + 160).min(text.len());
            while !text.is_char_boundary(to) {
                to += 1;
            }
            text[from..to].to_owned()
        };
        panic!(
            "planted {form:?} survived masking:\n{:?}\n->\n{:?}",
            window(&planted, at),
            window(&masked, found)
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(control) = Control::arbitrary(&mut u) else {
        return;
    };
    let rest = u.take_rest();
    let cycled: Vec<u8>;
    // One input in eight is cycled to 8 to 248 KiB: enough to catch
    // super-linear behaviour, few enough to keep the fuzzer fast.
    let body: &[u8] = if control.repeat > 224 && !rest.is_empty() {
        let len = usize::from(control.repeat - 224) * 8 * 1024;
        cycled = rest.iter().copied().cycle().take(len).collect();
        &cycled
    } else {
        rest
    };
    let detector = &DETECTORS[usize::from(control.detector % 2)];
    check_scan(detector, body, &control);
    check_header(detector, body, &control);
    check_mask(body, &control);
});
