//! Leak detection in response bodies, and masking of secrets in what is logged.
//!
//! A [`Detector`] recognises error output that tells a client more than it
//! should: stack traces, database and driver errors, internal source paths,
//! connection strings with credentials, private keys and tokens, server
//! version banners, framework debug pages, environment dumps and private
//! addresses (see [`Category`]). It does not flag legitimate client errors:
//! validation messages, serde/axum rejection texts (`Failed to deserialize the
//! JSON body into the target type: missing field `name` at line 1 column
//! 12`), FastAPI 422 bodies, GraphQL `locations`, problem+json, `Cannot GET
//! /x`, public URLs or version numbers in prose. Generic words (`error`,
//! `exception`, `line`, `Internal Server Error`) are never enough on their own.
//!
//! # Example
//!
//! ```
//! use tower_redact::detect::{mask_secrets, Category, Detector};
//!
//! let detector = Detector::new();
//!
//! // A careless handler returned `format!("{e:?}")` of an sqlx error.
//! let body = br#"{"error":"Database(PgDatabaseError { severity: Error, code: \"23505\", message: \"duplicate key value violates unique constraint \\\"users_email_key\\\"\" })"}"#;
//! let finding = detector.scan(body).expect("a leak");
//! assert_eq!(finding.category(), Category::Database);
//! assert_eq!(finding.signature(), "rust_db_error_debug");
//!
//! // A legitimate client error passes.
//! let rejection = b"Failed to deserialize the JSON body into the target type: missing field `name` at line 1 column 12";
//! assert!(detector.scan(rejection).is_none());
//!
//! // Bodies arriving in frames: a signature split across frames is found.
//! let frames: [&[u8]; 2] = [b"Traceback (most recent ", b"call last):\n  File \"/app/main.py\", line 3"];
//! let finding = detector.scan_chunks(frames).expect("a leak");
//! assert_eq!(finding.signature(), "python_traceback");
//! assert_eq!(finding.offset(), 0);
//!
//! // Headers: debug headers by name, values like bodies.
//! let name = http::HeaderName::from_static("x-debug-token");
//! let value = http::HeaderValue::from_static("4f2a1c");
//! assert_eq!(detector.scan_header(&name, &value).unwrap().category(), Category::DebugPage);
//!
//! // What the layer logs goes through mask_secrets first.
//! assert_eq!(
//!     mask_secrets("connect postgres://app:hunter2@10.0.0.5:5432/shop failed"),
//!     "connect postgres://app:***@10.0.0.5:5432/shop failed",
//! );
//! ```
//!
//! # How it works
//!
//! Every signature of the built-in catalogue has one or more *anchors*:
//! short, distinctive, case-sensitive literals (`Traceback (most recent call
//! last)`, `panicked at`, `.java:`, `SQL`, `://`, …), chosen so that their
//! first bytes are rare in ordinary JSON, HTML and prose. All anchors are
//! compiled once, at [`DetectorBuilder::build`], into leftmost-longest
//! Aho-Corasick automata of at most 32 literals each (the built-in catalogue
//! needs five), so that each gets the SIMD "Teddy" prefilter; a benign body
//! costs five fast passes and nothing else (1.87 GiB/s for 64 KiB of JSON,
//! 1.50 GiB/s for HTML, one core: `cargo bench --bench detect --
//! --warm-up-time 1 --measurement-time 3`, see BENCHMARKS.md).
//! Only where an anchor occurs does the signature's confirmation run: a
//! regular expression (compiled once, `regex` crate: linear time, size-limited
//! to 1 MiB) searched in a bounded window around the anchor (at most 256 bytes
//! before and 384 after), or a small hand-written check for the URL and IP
//! address signatures. Scanning allocates nothing and runs in time linear in
//! the input, whatever the bytes (non-UTF-8 included).
//!
//! [`StreamScanner`] and [`Detector::scan_chunks`] scan chunk by chunk and
//! carry a fixed 1 KiB tail across chunk boundaries, enough for the longest
//! anchor plus its windows, so a leak is found wherever the boundaries fall.
//! `scan_chunks` returns exactly what [`Detector::scan`] returns for the
//! concatenation; [`StreamScanner::feed`] reports each leak as soon as a
//! chunk completes it (see [`StreamScanner`]).
//!
//! # Private addresses
//!
//! Private (10/8, 172.16/12, 192.168/16), link-local (169.254/16) and
//! loopback (127/8, `localhost`, `[::1]`) addresses are flagged only with a
//! port (`connect ECONNREFUSED 127.0.0.1:5432`, `10.0.0.5 port 3306`): an
//! address and port in an error body is an internal detail, while a bare
//! dotted quad is too often a version number. Loopback is not flagged as the
//! host of an `http://` URL, which is usually the client's own development
//! origin (`Origin http://localhost:3000 is not allowed`).
//!
//! # Tokens in success bodies
//!
//! [`Category::Secret`] includes JSON Web Tokens. A login endpoint returns one
//! on purpose; when scanning success bodies, disable that category or allow
//! the phrase.

mod catalogue;
mod category;
mod confirm;
mod detector;
mod mask;
mod stream;

#[cfg(test)]
mod catalogue_tests;

pub use category::Category;
pub use detector::{Detector, DetectorBuilder, DetectorError, Finding};
pub use mask::mask_secrets;
pub use stream::StreamScanner;
