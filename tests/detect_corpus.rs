//! Runs the default leak detector over the labelled corpus in `tests/corpus/`
//! and prints recall and false-positive rate per category:
//!
//! ```text
//! cargo test --test detect_corpus -- --nocapture
//! ```
//!
//! Every leaky body must be detected and every benign body must be clean,
//! both when scanned whole and when streamed in small chunks.

use std::collections::BTreeMap;
use std::path::Path;
use tower_redact::detect::Detector;

/// Chunk sizes for the streamed scans: tiny, odd and typical frame sizes.
const CHUNK_SIZES: [usize; 4] = [1, 13, 100, 4096];

#[derive(Default)]
struct Tally {
    total: usize,
    flagged: usize,
    same_category: usize,
}

#[test]
fn corpus_recall_and_false_positive_rate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let Ok(manifest) = std::fs::read_to_string(root.join("manifest.tsv")) else {
        println!("note: tests/corpus/manifest.tsv not found; corpus test skipped");
        return;
    };
    let detector = Detector::new();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();

    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [path, label, category, ..] = fields[..] else {
            failures.push(format!("malformed manifest line: {line:?}"));
            continue;
        };
        let body = match std::fs::read(root.join(path)) {
            Ok(body) => body,
            Err(e) => {
                failures.push(format!("{path}: {e}"));
                continue;
            }
        };
        let whole = detector.scan(&body);
        let streamed: Vec<bool> = CHUNK_SIZES
            .iter()
            .map(|&n| detector.scan_chunks(body.chunks(n)).is_some())
            .collect();
        let key = if label == "benign" {
            "benign"
        } else {
            category
        };
        let tally = tallies.entry(key.to_owned()).or_default();
        tally.total += 1;
        match label {
            "leaky" => {
                if let Some(f) = &whole {
                    tally.flagged += 1;
                    if f.category().as_str() == category {
                        tally.same_category += 1;
                    }
                } else {
                    failures.push(format!("missed leak: {path}"));
                }
                for (n, found) in CHUNK_SIZES.iter().zip(&streamed) {
                    if !found {
                        failures.push(format!("missed leak in {n}-byte chunks: {path}"));
                    }
                }
            }
            "benign" => {
                if let Some(f) = &whole {
                    tally.flagged += 1;
                    let at = f.offset();
                    let context = String::from_utf8_lossy(
                        &body[at.saturating_sub(40)..(at + 60).min(body.len())],
                    )
                    .into_owned();
                    failures.push(format!(
                        "false positive: {path}: {} ({}) at {at}: {context:?}",
                        f.signature(),
                        f.category()
                    ));
                }
                for (n, found) in CHUNK_SIZES.iter().zip(&streamed) {
                    if *found && whole.is_none() {
                        failures.push(format!("false positive in {n}-byte chunks: {path}"));
                    }
                }
            }
            other => failures.push(format!("{path}: unknown label {other:?}")),
        }
    }

    println!();
    println!(
        "leak detector on tests/corpus ({} cases)",
        tallies.values().map(|t| t.total).sum::<usize>()
    );
    println!(
        "{:<20} {:>8} {:>8} {:>9} {:>16}",
        "category", "cases", "flagged", "rate", "same category"
    );
    let mut leaky = Tally::default();
    for (category, t) in &tallies {
        if category == "benign" {
            continue;
        }
        leaky.total += t.total;
        leaky.flagged += t.flagged;
        leaky.same_category += t.same_category;
        println!(
            "{category:<20} {:>8} {:>8} {:>8.1}% {:>16}",
            t.total,
            t.flagged,
            percent(t.flagged, t.total),
            t.same_category
        );
    }
    println!(
        "{:<20} {:>8} {:>8} {:>8.1}% {:>16}   (recall)",
        "all leaky",
        leaky.total,
        leaky.flagged,
        percent(leaky.flagged, leaky.total),
        leaky.same_category
    );
    if let Some(b) = tallies.get("benign") {
        println!(
            "{:<20} {:>8} {:>8} {:>8.1}%   (false-positive rate)",
            "benign",
            b.total,
            b.flagged,
            percent(b.flagged, b.total)
        );
    }
    println!("streamed in chunks of {CHUNK_SIZES:?} bytes: same outcome required");
    for failure in &failures {
        println!("FAIL {failure}");
    }
    assert!(
        failures.is_empty(),
        "{} corpus failures (see output)",
        failures.len()
    );
}

fn percent(n: usize, d: usize) -> f64 {
    if d == 0 {
        100.0
    } else {
        100.0 * n as f64 / d as f64
    }
}
