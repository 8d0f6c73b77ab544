//! Throughput of the leak detector.
//!
//! ```text
//! cargo bench --bench detect -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Inputs are generated deterministically (a fixed-seed xorshift): English
//! prose with Zipf-distributed word frequencies over a vocabulary that
//! includes the technical words error bodies use (`database`, `syntax`,
//! `exception`, `Oracle`, …), JSON documents with many keys (an API listing
//! of orders), and HTML markup (a product page), plus the same bodies with
//! one real leak near the start or the end.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use tower_redact::detect::Detector;

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "you",
    "that",
    "it",
    "he",
    "was",
    "for",
    "on",
    "are",
    "as",
    "with",
    "his",
    "they",
    "at",
    "be",
    "this",
    "have",
    "from",
    "or",
    "one",
    "had",
    "by",
    "word",
    "but",
    "not",
    "what",
    "all",
    "were",
    "we",
    "when",
    "your",
    "can",
    "said",
    "there",
    "use",
    "an",
    "each",
    "which",
    "she",
    "do",
    "how",
    "their",
    "if",
    "will",
    "up",
    "other",
    "about",
    "out",
    "many",
    "then",
    "them",
    "these",
    "so",
    "some",
    "her",
    "would",
    "make",
    "like",
    "him",
    "into",
    "time",
    "has",
    "look",
    "two",
    "more",
    "write",
    "go",
    "see",
    "number",
    "no",
    "way",
    "could",
    "people",
    "my",
    "than",
    "first",
    "water",
    "been",
    "call",
    "who",
    "its",
    "now",
    "find",
    "long",
    "down",
    "day",
    "did",
    "get",
    "come",
    "made",
    "may",
    "part",
    "order",
    "customer",
    "shipping",
    "address",
    "delivery",
    "product",
    "review",
    "quality",
    "service",
    "account",
    "payment",
    "received",
    "recommend",
    "excellent",
    "database",
    "error",
    "server",
    "running",
    "connection",
    "relation",
    "exception",
    "system",
    "line",
    "table",
    "unique",
    "value",
    "key",
    "stack",
    "trace",
    "request",
    "response",
    "status",
    "message",
    "available",
    "password",
    "token",
    "file",
    "path",
    "version",
    "debug",
    "local",
    "process",
    "query",
    "syntax",
    "unknown",
    "Microsoft",
    "Oracle",
    "Apache",
    "Python",
    "JavaScript",
    "London",
    "Paris",
    "Berlin",
    "January",
    "Monday",
    "price",
    "discount",
    "warehouse",
    "invoice",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// A word with Zipf-like frequencies (weight 1/rank): function words
    /// dominate, as in real text; the technical words at the end of the list
    /// (`error`, `database`, `syntax`, `Microsoft`, `Oracle`, …) still occur
    /// every few hundred words, far more often than in ordinary English, as
    /// they would in an API's notes and reviews.
    fn word(&mut self) -> &'static str {
        let target = (self.next() >> 11) as f64 / (1u64 << 53) as f64 * zipf_total();
        let mut acc = 0.0;
        for (rank, word) in WORDS.iter().enumerate() {
            acc += 1.0 / (rank + 1) as f64;
            if acc >= target {
                return word;
            }
        }
        WORDS[WORDS.len() - 1]
    }
}

fn zipf_total() -> f64 {
    (1..=WORDS.len()).map(|r| 1.0 / r as f64).sum()
}

fn prose(rng: &mut Rng, len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut capital = true;
    while out.len() < len {
        let word = rng.word();
        if capital {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.push_str(chars.as_str());
            }
            capital = false;
        } else {
            out.push_str(word);
        }
        match rng.below(16) {
            0 => {
                out.push_str(". ");
                capital = true;
            }
            1 => out.push_str(", "),
            2 => out.push_str(&format!(" {} ", rng.below(2000))),
            _ => out.push(' '),
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// `{"orders":[{...}, ...]}` with ids, UUIDs, timestamps, decimals, nested
/// objects and prose notes, until `len` bytes.
fn json_body(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut out = String::from("{\"orders\":[");
    let mut i = 0;
    while out.len() < len {
        if i > 0 {
            out.push(',');
        }
        let r = rng.next();
        out.push_str(&format!(
            concat!(
                "{{\"id\":{},\"uuid\":\"{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}\",",
                "\"created_at\":\"2024-{:02}-{:02}T{:02}:{:02}:{:02}Z\",\"status\":\"{}\",",
                "\"customer\":{{\"name\":\"{}\",\"email\":\"user{}@example.com\",\"city\":\"{}\"}},",
                "\"items\":[{{\"sku\":\"SKU-{:05}\",\"qty\":{},\"price\":{}.{:02}}},",
                "{{\"sku\":\"SKU-{:05}\",\"qty\":{},\"price\":{}.{:02}}}],",
                "\"total\":{}.{:02},\"currency\":\"EUR\",\"paid\":{},\"note\":\"{}\"}}"
            ),
            1000 + i,
            r as u32,
            (r >> 32) as u16,
            (r >> 8) & 0xfff,
            (r >> 20) & 0xfff,
            r & 0xffff_ffff_ffff,
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60),
            ["pending", "paid", "shipped", "delivered", "refunded"][rng.below(5)],
            prose(&mut rng, 12),
            rng.below(100_000),
            ["London", "Paris", "Berlin", "Madrid", "Rome"][rng.below(5)],
            rng.below(100_000),
            1 + rng.below(9),
            rng.below(500),
            rng.below(100),
            rng.below(100_000),
            1 + rng.below(9),
            rng.below(500),
            rng.below(100),
            rng.below(2000),
            rng.below(100),
            rng.below(2) == 0,
            { let n = 60 + rng.below(120); prose(&mut rng, n) },
        ));
        i += 1;
    }
    out.push_str("]}");
    out.into_bytes()
}

/// A product page: head with meta and stylesheet links, navigation, product
/// cards, reviews as paragraphs, a footer.
fn html_body(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut out = String::from(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<title>Shop &mdash; Products</title>\n",
        "<link rel=\"stylesheet\" href=\"/static/css/main.3f2a1c.css\">\n",
        "<script defer src=\"/static/js/app.9b8e7d.js\"></script>\n</head>\n<body>\n",
        "<nav class=\"navbar\"><ul><li><a href=\"/\">Home</a></li><li><a href=\"/products\">",
        "Products</a></li><li><a href=\"https://example.com/help\">Help</a></li></ul></nav>\n",
        "<main class=\"container\">\n",
    ));
    let mut i = 0;
    while out.len() < len {
        out.push_str(&format!(
            concat!(
                "  <article class=\"product-card\" id=\"product-{}\" data-sku=\"SKU-{:05}\">\n",
                "    <img src=\"https://cdn.example.com/img/{:x}.jpg\" alt=\"{}\" loading=\"lazy\">\n",
                "    <h2 class=\"product-title\"><a href=\"/products/{}\">{}</a></h2>\n",
                "    <p class=\"price\">&euro;&nbsp;{}.{:02} <span class=\"old\">{}.{:02}</span></p>\n",
                "    <div class=\"reviews\">\n      <p class=\"review\">{}</p>\n",
                "      <p class=\"review\"><strong>{}</strong> &ndash; {}</p>\n    </div>\n",
                "    <button type=\"button\" class=\"btn btn-primary\" data-action=\"add\">Add to cart</button>\n",
                "  </article>\n"
            ),
            i,
            rng.below(100_000),
            rng.next(),
            prose(&mut rng, 20),
            i,
            prose(&mut rng, 24),
            rng.below(500),
            rng.below(100),
            rng.below(600),
            rng.below(100),
            { let n = 120 + rng.below(200); prose(&mut rng, n) },
            prose(&mut rng, 10),
            { let n = 60 + rng.below(100); prose(&mut rng, n) },
        ));
        i += 1;
    }
    out.push_str("</main>\n<footer><p>&copy; 2024 Example Shop. All rights reserved.</p></footer>\n</body>\n</html>\n");
    out.into_bytes()
}

/// A Python traceback as a careless handler returns it inside JSON.
const LEAK: &str = r#""debug":"Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 27, in create\nKeyError: 'pk'","#;

fn with_leak(mut body: Vec<u8>, at: usize) -> Vec<u8> {
    let at = at.min(body.len());
    body.splice(at..at, LEAK.bytes());
    body
}

fn bench(c: &mut Criterion) {
    let detector = Detector::new();
    let json_1k = json_body(1, 1024);
    let json_64k = json_body(2, 64 * 1024);
    let html_64k = html_body(3, 64 * 1024);
    assert!(
        detector.scan(&json_1k).is_none(),
        "benign 1 KiB JSON flagged"
    );
    assert!(
        detector.scan(&json_64k).is_none(),
        "benign 64 KiB JSON flagged"
    );
    assert!(
        detector.scan(&html_64k).is_none(),
        "benign 64 KiB HTML flagged"
    );
    let leak_start = with_leak(json_64k.clone(), 64);
    let leak_end = with_leak(json_64k.clone(), json_64k.len() - 64);
    assert!(detector.scan(&leak_start).is_some());
    assert!(detector.scan(&leak_end).is_some());

    let mut group = c.benchmark_group("detect");
    for (name, body) in [
        ("benign_json_1k", &json_1k),
        ("benign_json_64k", &json_64k),
        ("benign_html_64k", &html_64k),
        ("leak_at_start_json_64k", &leak_start),
        ("leak_at_end_json_64k", &leak_end),
    ] {
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("scan", name), body, |b, body| {
            b.iter(|| detector.scan(black_box(body)))
        });
    }
    // Streaming the 64 KiB bodies in 16 KiB chunks (typical hyper frames).
    for (name, body) in [
        ("benign_json_64k", &json_64k),
        ("benign_html_64k", &html_64k),
    ] {
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("scan_chunks_16k", name),
            body,
            |b, body| b.iter(|| detector.scan_chunks(black_box(body).chunks(16 * 1024))),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
