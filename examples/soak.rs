//! The soak client: drives the demo (`examples/axum.rs`) with a weighted mix
//! of its routes, successes and every fault under `/faults/`, from many
//! concurrent connections for a fixed time, and checks every response.
//!
//! ```text
//! cargo run --release --example axum &          # the server, 127.0.0.1:3000
//! cargo run --release --example soak -- --addr 127.0.0.1:3000 --duration 300 --concurrency 256
//! ```
//!
//! `scripts/soak.sh` runs both and watches the server's memory and file
//! descriptors. Every response is checked:
//!
//! - the status (class and code) its route must give, and the body: byte
//!   for byte for successes and clean client errors, the template (JSON,
//!   `request_id` equal to the header, the status) for rewrites, an aborted
//!   transfer (never a clean end) after the expected bytes for failures
//!   after the head;
//! - one `x-request-id`: the one sent when it was valid, a fresh UUID v4
//!   otherwise (none, or an invalid one, was sent);
//! - `cache-control: no-store` and `x-content-type-options: nosniff` on every
//!   4xx and 5xx; no `server` or `x-powered-by` banner;
//! - `content-length`, when present, equal to the bytes received;
//! - no leak: `tower_redact::detect::Detector::default()` over every header
//!   and every body (what arrived of it), and none of the literals planted in
//!   the leaky routes (`faults::PLANTED`).
//!
//! Outcomes: `ok`, `expected_abort` (a body that fails after the head),
//! `expected_abort_before_head` (a 200 whose body fails before its first
//! frame but after the layer let the head go: over HTTP/1.1 nothing was
//! written yet and the connection closes, so the client gets no response at
//! all), and the failures `leak`, `unexpected_status`, `wrong` (a check above failed),
//! `truncated` (a body that should be whole ended with an error),
//! `clean_end` (a body that should abort ended cleanly), `timeout` (no
//! complete answer within `--deadline`, a hang), `connection_error` (no
//! response head). The exit status is nonzero when any failure occurred.
//! A line `soak-log-expect: …` says how many events of each kind
//! the server must have logged (one per request to a route that logs one);
//! `scripts/soak.sh` compares it with the server log.
//!
//! Options: `--addr` (127.0.0.1:3000), `--duration` seconds (60),
//! `--concurrency` (64), `--deadline` seconds per request (30),
//! `--progress` seconds between progress lines (10), `--once` (each route
//! once, in order, printing every outcome), `--never-logged` (print the
//! literals the server log must not contain, one a line, and exit).

#[path = "faults/mod.rs"]
mod faults;

use bytes::{Bytes, BytesMut};
use http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use std::{
    collections::BTreeMap,
    fmt::Write as _,
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};
use tower_redact::detect::Detector;
use tower_redact::MAX_REQUEST_ID_LEN;

/// What a route's response must be.
#[derive(Clone)]
enum Expect {
    /// A 200 with exactly this body.
    Success(Expected),
    /// A client error passed through: this status, exactly this body, and
    /// this content type (if any).
    Pass {
        status: u16,
        body: Expected,
        content_type: Option<&'static str>,
    },
    /// The template with this status; `detail` its public message when the
    /// handler chose one, and a header the rewrite must keep.
    Template {
        status: u16,
        detail: Option<&'static str>,
        keeps: Option<(&'static str, &'static str)>,
    },
    /// A 200 whose body fails after (a prefix of) these bytes: the client
    /// must see an error, never a clean end. With `before_head`, the
    /// failure may also come before the head arrives (the body failed
    /// before its first frame, while the server was still sending the head).
    Abort { sent: Expected, before_head: bool },
}

#[derive(Clone)]
enum Expected {
    Bytes(Bytes),
    /// The demo's `/`: `hello; your request id is {id}\n`.
    Hello,
}

struct Route {
    path: &'static str,
    /// Relative weight in the mix.
    weight: u32,
    /// What the layer must log for each request, at `WARN` or above.
    logs: Option<Event>,
    expect: Expect,
}

/// The server log events at `WARN` and above, by their message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// "panic caught; answering with the 500 template"
    PanicCaught,
    /// "panic while streaming the response body; aborting the response"
    PanicAfterHead,
    /// "server error response replaced by the template"
    ServerErrorReplaced,
    /// "response leaked internals; replaced by the template"
    LeakReplaced,
    /// "response could not be inspected; replaced by the template"
    Uninspectable,
}

impl Event {
    fn name(self) -> &'static str {
        match self {
            Event::PanicCaught => "panic_caught",
            Event::PanicAfterHead => "panic_after_head",
            Event::ServerErrorReplaced => "server_error_replaced",
            Event::LeakReplaced => "leak_replaced",
            Event::Uninspectable => "uninspectable",
        }
    }
}

fn template(status: u16) -> Expect {
    Expect::Template {
        status,
        detail: None,
        keeps: None,
    }
}

fn bytes(b: impl Into<Bytes>) -> Expected {
    Expected::Bytes(b.into())
}

fn rows(n: usize) -> Expected {
    let mut all = BytesMut::new();
    for i in 0..n {
        all.extend_from_slice(&faults::row(i));
    }
    Expected::Bytes(all.freeze())
}

/// The mix, by relative weight (the weights sum to about 10,000). The slow
/// routes (0.5 s to 5 s each) are rare so that they do not take most of
/// the connections.
fn routes() -> Vec<Route> {
    let stream: Vec<u8> = (0..faults::STREAM_CHUNKS)
        .flat_map(|i| faults::stream_chunk(i).to_vec())
        .collect();
    let clean = Bytes::from_static(faults::CLEAN_PROBLEM.as_bytes());
    let problem = Some("application/problem+json");
    vec![
        // Successes.
        Route {
            path: "/",
            weight: 1300,
            logs: None,
            expect: Expect::Success(Expected::Hello),
        },
        Route {
            path: "/faults/ok/small",
            weight: 900,
            logs: None,
            expect: Expect::Success(bytes("ok\n")),
        },
        Route {
            path: "/faults/ok/stream",
            weight: 600,
            logs: None,
            expect: Expect::Success(bytes(stream)),
        },
        // Panics, in every position.
        Route {
            path: "/faults/panic/call",
            weight: 400,
            logs: Some(Event::PanicCaught),
            expect: template(500),
        },
        Route {
            path: "/faults/panic/handler",
            weight: 400,
            logs: Some(Event::PanicCaught),
            expect: template(500),
        },
        Route {
            path: "/panic",
            weight: 200,
            logs: Some(Event::PanicCaught),
            expect: template(500),
        },
        Route {
            path: "/faults/panic/body-first",
            weight: 200,
            logs: Some(Event::PanicCaught),
            expect: template(500),
        },
        Route {
            path: "/faults/panic/body-first-late",
            weight: 200,
            logs: Some(Event::PanicAfterHead),
            expect: Expect::Abort {
                sent: bytes(""),
                before_head: true,
            },
        },
        Route {
            path: "/faults/panic/body-mid",
            weight: 300,
            logs: Some(Event::PanicAfterHead),
            expect: Expect::Abort {
                sent: rows(faults::FRAMES_BEFORE_FAILURE),
                before_head: false,
            },
        },
        Route {
            path: "/faults/panic/body-5xx",
            weight: 300,
            logs: Some(Event::PanicCaught),
            expect: template(500),
        },
        Route {
            path: "/faults/panic/body-4xx",
            weight: 300,
            logs: Some(Event::PanicCaught),
            expect: template(500),
        },
        // Leaky errors.
        Route {
            path: "/faults/leaky/500",
            weight: 500,
            logs: Some(Event::ServerErrorReplaced),
            expect: template(500),
        },
        Route {
            path: "/leaky-500",
            weight: 200,
            logs: Some(Event::ServerErrorReplaced),
            expect: template(500),
        },
        Route {
            path: "/faults/leaky/502-trace",
            weight: 300,
            logs: Some(Event::ServerErrorReplaced),
            expect: template(502),
        },
        Route {
            path: "/maintenance",
            weight: 200,
            logs: Some(Event::ServerErrorReplaced),
            expect: Expect::Template {
                status: 503,
                detail: Some("Down for maintenance until 10:00 UTC."),
                keeps: Some(("retry-after", "600")),
            },
        },
        Route {
            path: "/faults/leaky/400",
            weight: 500,
            logs: Some(Event::LeakReplaced),
            expect: template(400),
        },
        Route {
            path: "/leaky-400",
            weight: 200,
            logs: Some(Event::LeakReplaced),
            expect: template(400),
        },
        Route {
            path: "/faults/leaky/404-trace",
            weight: 300,
            logs: Some(Event::LeakReplaced),
            expect: template(404),
        },
        Route {
            path: "/faults/leaky/403-header",
            weight: 300,
            logs: Some(Event::LeakReplaced),
            expect: template(403),
        },
        // Clean client errors: byte for byte.
        Route {
            path: "/faults/clean/422",
            weight: 500,
            logs: None,
            expect: Expect::Pass {
                status: 422,
                body: Expected::Bytes(clean.clone()),
                content_type: problem,
            },
        },
        Route {
            path: "/faults/clean/400-query?page=abc",
            weight: 400,
            logs: None,
            expect: Expect::Pass {
                status: 400,
                body: bytes(
                    "Failed to deserialize query string: page: invalid digit found in string",
                ),
                content_type: Some("text/plain; charset=utf-8"),
            },
        },
        Route {
            path: "/faults/no-such-route",
            weight: 200,
            logs: None,
            expect: Expect::Pass {
                status: 404,
                body: bytes(""),
                content_type: None,
            },
        },
        // Body errors mid-stream.
        Route {
            path: "/faults/body-error/200-first",
            weight: 200,
            logs: Some(Event::ServerErrorReplaced),
            expect: template(500),
        },
        Route {
            path: "/faults/body-error/200",
            weight: 300,
            logs: None,
            expect: Expect::Abort {
                sent: rows(faults::FRAMES_BEFORE_FAILURE),
                before_head: false,
            },
        },
        Route {
            path: "/faults/body-error/400",
            weight: 300,
            logs: Some(Event::ServerErrorReplaced),
            expect: template(500),
        },
        Route {
            path: "/faults/body-error/503",
            weight: 300,
            logs: Some(Event::ServerErrorReplaced),
            expect: template(503),
        },
        // Oversized client errors.
        Route {
            path: "/faults/large/400",
            weight: 200,
            logs: Some(Event::Uninspectable),
            expect: template(400),
        },
        Route {
            path: "/faults/large/400-stream",
            weight: 200,
            logs: Some(Event::Uninspectable),
            expect: template(400),
        },
        // Slow and endless bodies.
        Route {
            path: "/faults/slow/200",
            weight: 10,
            logs: None,
            expect: Expect::Success(rows(faults::TRICKLE_FRAMES)),
        },
        Route {
            path: "/faults/slow/422",
            weight: 10,
            logs: None,
            expect: Expect::Pass {
                status: 422,
                body: Expected::Bytes(clean),
                content_type: problem,
            },
        },
        Route {
            path: "/faults/slow/400-endless",
            weight: 2,
            logs: Some(Event::Uninspectable),
            expect: template(400),
        },
        Route {
            path: "/faults/slow/503-endless",
            weight: 2,
            logs: Some(Event::ServerErrorReplaced),
            expect: template(503),
        },
        Route {
            path: "/slow",
            weight: 2,
            logs: None,
            expect: Expect::Success(bytes("done after 3 s\n")),
        },
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Ok,
    ExpectedAbort,
    ExpectedAbortBeforeHead,
    Leak,
    UnexpectedStatus,
    Wrong,
    Truncated,
    CleanEnd,
    Timeout,
    ConnectionError,
}

const KINDS: [Kind; 10] = [
    Kind::Ok,
    Kind::ExpectedAbort,
    Kind::ExpectedAbortBeforeHead,
    Kind::Leak,
    Kind::UnexpectedStatus,
    Kind::Wrong,
    Kind::Truncated,
    Kind::CleanEnd,
    Kind::Timeout,
    Kind::ConnectionError,
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Ok => "ok",
            Kind::ExpectedAbort => "expected_abort",
            Kind::ExpectedAbortBeforeHead => "expected_abort_before_head",
            Kind::Leak => "leak",
            Kind::UnexpectedStatus => "unexpected_status",
            Kind::Wrong => "wrong",
            Kind::Truncated => "truncated",
            Kind::CleanEnd => "clean_end",
            Kind::Timeout => "timeout",
            Kind::ConnectionError => "connection_error",
        }
    }

    fn is_failure(self) -> bool {
        !matches!(
            self,
            Kind::Ok | Kind::ExpectedAbort | Kind::ExpectedAbortBeforeHead
        )
    }
}

/// What the client received.
struct Received {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// The body ended with an error (aborted) rather than cleanly.
    body_error: Option<String>,
}

/// The request id sent with a request.
enum SentId {
    None,
    Valid(String),
    Invalid(&'static [u8]),
}

/// One byte over the longest id the layer keeps.
const TOO_LONG_ID: [u8; MAX_REQUEST_ID_LEN + 1] = [b'a'; MAX_REQUEST_ID_LEN + 1];

/// Ids the layer must replace: spaces, markup, non-ASCII, too long.
const INVALID_IDS: [&[u8]; 4] = [
    b"id with spaces",
    b"<script>alert(1)</script>",
    b"caf\xc3\xa9",
    &TOO_LONG_ID,
];

struct Checker {
    detector: Detector,
}

impl Checker {
    /// Classifies one exchange; the reason for a failure.
    fn classify(
        &self,
        route: &Route,
        sent: &SentId,
        outcome: Result<Result<Received, String>, tokio::time::error::Elapsed>,
    ) -> (Kind, String) {
        let received = match outcome {
            Err(_) => {
                return (
                    Kind::Timeout,
                    "no complete answer within the deadline".into(),
                )
            }
            Ok(Err(err)) => {
                return match route.expect {
                    Expect::Abort {
                        before_head: true, ..
                    } => (Kind::ExpectedAbortBeforeHead, String::new()),
                    _ => (Kind::ConnectionError, err),
                }
            }
            Ok(Ok(received)) => received,
        };
        if let Some(leak) = self.leak(&received) {
            return (Kind::Leak, leak);
        }
        let id = match check_id(sent, &received.headers) {
            Ok(id) => id,
            Err(why) => return (Kind::Wrong, why),
        };
        let status = received.status.as_u16();
        let expected_status = match &route.expect {
            Expect::Success(_) | Expect::Abort { .. } => 200,
            Expect::Pass { status, .. } | Expect::Template { status, .. } => *status,
        };
        if status != expected_status {
            return (
                Kind::UnexpectedStatus,
                format!("status {status}, expected {expected_status}"),
            );
        }
        if let Err(why) = check_head(&received) {
            return (Kind::Wrong, why);
        }
        if let Expect::Abort { sent: expected, .. } = &route.expect {
            let expected = expected.bytes(&id);
            if received.body_error.is_none() {
                return (Kind::CleanEnd, "a failing body ended cleanly".into());
            }
            if !expected.starts_with(&received.body) {
                return (
                    Kind::Wrong,
                    format!(
                        "aborted body {:?} is not a prefix of what was sent",
                        received.body
                    ),
                );
            }
            return (Kind::ExpectedAbort, String::new());
        }
        if let Some(err) = &received.body_error {
            return (Kind::Truncated, format!("body error: {err}"));
        }
        if let Some(length) = received.headers.get(header::CONTENT_LENGTH) {
            if length.as_bytes() != received.body.len().to_string().as_bytes() {
                return (
                    Kind::Wrong,
                    format!(
                        "content-length {length:?}, {} bytes received",
                        received.body.len()
                    ),
                );
            }
        }
        let checked = match &route.expect {
            Expect::Success(body) => check_body(&received, &body.bytes(&id)),
            Expect::Pass {
                body, content_type, ..
            } => check_body(&received, &body.bytes(&id)).and_then(|()| {
                let got = received.headers.get(header::CONTENT_TYPE);
                match (got, content_type) {
                    (None, None) => Ok(()),
                    (Some(got), Some(want)) if got == want => Ok(()),
                    _ => Err(format!("content-type {got:?}, expected {content_type:?}")),
                }
            }),
            Expect::Template { detail, keeps, .. } => {
                check_template(&received, status, &id, *detail, *keeps)
            }
            Expect::Abort { .. } => Ok(()),
        };
        match checked {
            Ok(()) => (Kind::Ok, String::new()),
            Err(why) => (Kind::Wrong, why),
        }
    }

    /// A leak in the head or the body: the detector's finding, or a planted
    /// literal.
    fn leak(&self, received: &Received) -> Option<String> {
        for (name, value) in &received.headers {
            if let Some(finding) = self.detector.scan_header(name, value) {
                return Some(format!(
                    "header {name}: {} ({})",
                    finding.category().as_str(),
                    finding.signature()
                ));
            }
            if let Some(planted) = planted_in(value.as_bytes()) {
                return Some(format!("header {name} carries {planted:?}"));
            }
        }
        if let Some(finding) = self.detector.scan(&received.body) {
            return Some(format!(
                "body: {} ({}) at byte {}",
                finding.category().as_str(),
                finding.signature(),
                finding.offset()
            ));
        }
        planted_in(&received.body).map(|planted| format!("body carries {planted:?}"))
    }
}

fn planted_in(haystack: &[u8]) -> Option<&'static str> {
    static PLANTED: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::new(faults::PLANTED).expect("literal patterns")
        });
    PLANTED
        .find(haystack)
        .map(|m| faults::PLANTED[m.pattern().as_usize()])
}

impl Expected {
    fn bytes(&self, id: &str) -> Bytes {
        match self {
            Expected::Bytes(b) => b.clone(),
            Expected::Hello => Bytes::from(format!("hello; your request id is {id}\n")),
        }
    }
}

/// The response's id: one header, the one sent when it was valid, a fresh
/// UUID v4 otherwise.
fn check_id(sent: &SentId, headers: &HeaderMap) -> Result<String, String> {
    let mut ids = headers.get_all("x-request-id").iter();
    let (Some(id), None) = (ids.next(), ids.next()) else {
        return Err("not exactly one x-request-id".into());
    };
    let id = id
        .to_str()
        .map_err(|_| format!("x-request-id {id:?} is not ASCII"))?;
    match sent {
        SentId::Valid(sent) if id != sent => Err(format!("x-request-id {id:?}, sent {sent:?}")),
        SentId::Valid(_) => Ok(id.to_owned()),
        SentId::None | SentId::Invalid(_) if is_uuid_v4(id) => Ok(id.to_owned()),
        SentId::None | SentId::Invalid(_) => Err(format!("x-request-id {id:?} is not a UUID v4")),
    }
}

fn is_uuid_v4(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

/// Headers every response must have, or must not.
fn check_head(received: &Received) -> Result<(), String> {
    for banner in ["server", "x-powered-by"] {
        if received.headers.contains_key(banner) {
            return Err(format!("{banner} header not stripped"));
        }
    }
    if received.status.is_client_error() || received.status.is_server_error() {
        let cache = received.headers.get(header::CACHE_CONTROL);
        if cache.is_none_or(|v| v != "no-store") {
            return Err(format!("cache-control {cache:?} on an error"));
        }
        let sniff = received.headers.get("x-content-type-options");
        if sniff.is_none_or(|v| v != "nosniff") {
            return Err(format!("x-content-type-options {sniff:?} on an error"));
        }
    }
    Ok(())
}

fn check_body(received: &Received, expected: &[u8]) -> Result<(), String> {
    if received.body == expected {
        return Ok(());
    }
    let show = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(120)]).into_owned();
    Err(format!(
        "body differs: {} bytes {:?}, expected {} bytes {:?}",
        received.body.len(),
        show(&received.body),
        expected.len(),
        show(expected)
    ))
}

fn check_template(
    received: &Received,
    status: u16,
    id: &str,
    detail: Option<&str>,
    keeps: Option<(&str, &str)>,
) -> Result<(), String> {
    let content_type = received.headers.get(header::CONTENT_TYPE);
    if content_type.is_none_or(|v| v != "application/problem+json") {
        return Err(format!("template with content-type {content_type:?}"));
    }
    let json: serde_json::Value = serde_json::from_slice(&received.body)
        .map_err(|e| format!("template is not JSON ({e}): {:?}", received.body))?;
    let object = json.as_object().ok_or("template is not an object")?;
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    if keys != ["code", "detail", "request_id", "status", "title", "type"] {
        return Err(format!("template keys {keys:?}"));
    }
    let strings = ["code", "detail", "title"]
        .iter()
        .all(|k| object[*k].as_str().is_some_and(|s| !s.is_empty()));
    if !strings
        || object["type"] != "about:blank"
        || object["status"] != status
        || object["request_id"] != id
    {
        return Err(format!("template {json} for status {status}, id {id}"));
    }
    if let Some(detail) = detail {
        if object["detail"] != detail {
            return Err(format!(
                "template detail {}, expected {detail:?}",
                object["detail"]
            ));
        }
    }
    if let Some((name, value)) = keeps {
        if received.headers.get(name).is_none_or(|v| v != value) {
            return Err(format!("rewrite lost {name}: {value}"));
        }
    }
    Ok(())
}

/// Per route: how many of each outcome, and latencies.
#[derive(Clone, Default)]
struct RouteStats {
    kinds: BTreeMap<Kind, u64>,
    total_micros: u64,
    max_micros: u64,
}

struct Shared {
    routes: Vec<Route>,
    /// Cumulative weights, for picking a route.
    cumulative: Vec<u32>,
    checker: Checker,
    client: Client<HttpConnector, Empty<Bytes>>,
    base: String,
    deadline: Duration,
    stop: AtomicBool,
    done: AtomicU64,
    failed: AtomicU64,
    samples: Mutex<Vec<String>>,
}

/// The failures printed in full (the rest are counted).
const SAMPLES: usize = 20;

impl Shared {
    fn pick(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().unwrap_or(&1);
        let x = (rng.next() % u64::from(total)) as u32;
        self.cumulative.partition_point(|&c| c <= x)
    }

    async fn exchange(&self, route: &Route, sent: &SentId) -> (Kind, String, Duration) {
        let mut req = Request::get(format!("{}{}", self.base, route.path));
        match sent {
            SentId::None => {}
            SentId::Valid(id) => req = req.header("x-request-id", id.as_str()),
            SentId::Invalid(raw) => {
                req = req.header(
                    "x-request-id",
                    HeaderValue::from_bytes(raw).expect("a header value"),
                )
            }
        }
        let req = req.body(Empty::new()).expect("a request");
        let started = Instant::now();
        let outcome = tokio::time::timeout(self.deadline, async {
            let res = self.client.request(req).await.map_err(|e| {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    let _ = write!(text, ": {s}");
                    source = s.source();
                }
                text
            })?;
            let (parts, mut body) = res.into_parts();
            let mut buf = BytesMut::new();
            let mut body_error = None;
            while let Some(frame) = body.frame().await {
                match frame {
                    Ok(frame) => {
                        if let Ok(data) = frame.into_data() {
                            buf.extend_from_slice(&data);
                        }
                    }
                    Err(err) => {
                        body_error = Some(err.to_string());
                        break;
                    }
                }
            }
            Ok(Received {
                status: parts.status,
                headers: parts.headers,
                body: buf.freeze(),
                body_error,
            })
        })
        .await;
        let elapsed = started.elapsed();
        let (kind, why) = self.checker.classify(route, sent, outcome);
        (kind, why, elapsed)
    }

    fn record_failure(&self, route: &Route, kind: Kind, why: &str, sent: &SentId) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if samples.len() < SAMPLES {
            let sent = match sent {
                SentId::None => "no id".to_string(),
                SentId::Valid(id) => format!("id {id}"),
                SentId::Invalid(raw) => format!("invalid id {:?}", String::from_utf8_lossy(raw)),
            };
            let line = format!("{} {} ({sent}): {why}", kind.name(), route.path);
            eprintln!("FAILURE {line}");
            samples.push(line);
        }
    }
}

/// A small PRNG (SplitMix64): the mix needs no cryptographic randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

async fn worker(shared: Arc<Shared>, n: usize) -> Vec<RouteStats> {
    let mut rng = Rng(0x5eed_0000 + n as u64);
    let mut stats = vec![RouteStats::default(); shared.routes.len()];
    let mut seq = 0_u64;
    while !shared.stop.load(Ordering::Relaxed) {
        seq += 1;
        let index = shared.pick(&mut rng);
        let route = &shared.routes[index];
        let sent = match rng.next() % 10 {
            0..=5 => SentId::None,
            6..=8 => SentId::Valid(format!("soak-{n}-{seq}")),
            _ => SentId::Invalid(INVALID_IDS[(rng.next() % INVALID_IDS.len() as u64) as usize]),
        };
        let (kind, why, elapsed) = shared.exchange(route, &sent).await;
        if kind.is_failure() {
            shared.record_failure(route, kind, &why, &sent);
        }
        shared.done.fetch_add(1, Ordering::Relaxed);
        let s = &mut stats[index];
        *s.kinds.entry(kind).or_default() += 1;
        let micros = elapsed.as_micros() as u64;
        s.total_micros += micros;
        s.max_micros = s.max_micros.max(micros);
    }
    stats
}

/// Each route once, in order, with every outcome printed.
async fn once(shared: &Shared) -> u64 {
    let mut failures = 0;
    for route in &shared.routes {
        let sent = SentId::Valid("soak-once".into());
        let (kind, why, elapsed) = shared.exchange(route, &sent).await;
        println!(
            "{:<36} {:<18} {:>8.1} ms {why}",
            route.path,
            kind.name(),
            elapsed.as_secs_f64() * 1e3
        );
        failures += u64::from(kind.is_failure());
    }
    failures
}

struct Args {
    addr: SocketAddr,
    duration: Duration,
    concurrency: usize,
    deadline: Duration,
    progress: Duration,
    once: bool,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        addr: "127.0.0.1:3000".parse().expect("an address"),
        duration: Duration::from_secs(60),
        concurrency: 64,
        deadline: Duration::from_secs(30),
        progress: Duration::from_secs(10),
        once: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let secs = |v: String| {
            v.parse::<f64>()
                .ok()
                .filter(|s| *s > 0.0)
                .map(Duration::from_secs_f64)
                .ok_or(format!("{flag}: not a positive number of seconds"))
        };
        match flag.as_str() {
            "--addr" => args.addr = value()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--duration" => args.duration = secs(value()?)?,
            "--concurrency" => {
                args.concurrency = value()?
                    .parse()
                    .ok()
                    .filter(|c| *c > 0)
                    .ok_or("--concurrency: not a positive number")?
            }
            "--deadline" => args.deadline = secs(value()?)?,
            "--progress" => args.progress = secs(value()?)?,
            "--once" => args.once = true,
            "--never-logged" => {
                for literal in faults::NEVER_LOGGED {
                    println!("{literal}");
                }
                return Ok(None);
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(Some(args))
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => return,
        Err(err) => {
            eprintln!("soak: {err}");
            std::process::exit(2);
        }
    };
    let routes = routes();
    let cumulative = routes
        .iter()
        .scan(0, |sum, r| {
            *sum += r.weight;
            Some(*sum)
        })
        .collect();
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(args.concurrency)
        .build(connector);
    let shared = Arc::new(Shared {
        routes,
        cumulative,
        checker: Checker {
            detector: Detector::default(),
        },
        client,
        base: format!("http://{}", args.addr),
        deadline: args.deadline,
        stop: AtomicBool::new(false),
        done: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        samples: Mutex::new(Vec::new()),
    });

    if args.once {
        let failures = once(&shared).await;
        std::process::exit(i32::from(failures > 0));
    }

    println!(
        "soak: {} for {:.0} s, {} connections, {} routes, deadline {:.0} s per request",
        shared.base,
        args.duration.as_secs_f64(),
        args.concurrency,
        shared.routes.len(),
        args.deadline.as_secs_f64()
    );
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|n| tokio::spawn(worker(shared.clone(), n)))
        .collect();
    let mut last = (Instant::now(), 0_u64);
    while started.elapsed() < args.duration {
        let left = args.duration.saturating_sub(started.elapsed());
        tokio::time::sleep(left.min(args.progress)).await;
        let done = shared.done.load(Ordering::Relaxed);
        let rate = (done - last.1) as f64 / last.0.elapsed().as_secs_f64();
        println!(
            "soak: {:>5.0} s  {done:>10} responses  {rate:>8.0}/s  {} failures",
            started.elapsed().as_secs_f64(),
            shared.failed.load(Ordering::Relaxed)
        );
        last = (Instant::now(), done);
    }
    shared.stop.store(true, Ordering::Relaxed);
    let load_time = started.elapsed();
    let during_load = shared.done.load(Ordering::Relaxed);
    let mut stats = vec![RouteStats::default(); shared.routes.len()];
    for worker in workers {
        match worker.await {
            Ok(mine) => {
                for (all, one) in stats.iter_mut().zip(mine) {
                    for (kind, n) in one.kinds {
                        *all.kinds.entry(kind).or_default() += n;
                    }
                    all.total_micros += one.total_micros;
                    all.max_micros = all.max_micros.max(one.max_micros);
                }
            }
            Err(err) => {
                eprintln!("soak: a worker failed: {err}");
                std::process::exit(1);
            }
        }
    }
    let elapsed = started.elapsed();
    let failures = report(&shared, &stats, (load_time, during_load), elapsed);
    std::process::exit(i32::from(failures > 0));
}

/// Prints the tables; returns the number of failures. `load` is how long
/// new requests were sent, and how many responses came in that time.
fn report(
    shared: &Shared,
    stats: &[RouteStats],
    (load_time, during_load): (Duration, u64),
    elapsed: Duration,
) -> u64 {
    let mut totals: BTreeMap<Kind, u64> = BTreeMap::new();
    println!();
    println!("| route | requests | ok | expected abort | failures | mean ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (route, s) in shared.routes.iter().zip(stats) {
        let n: u64 = s.kinds.values().sum();
        for (kind, count) in &s.kinds {
            *totals.entry(*kind).or_default() += count;
        }
        let failed: u64 = s
            .kinds
            .iter()
            .filter(|(k, _)| k.is_failure())
            .map(|(_, c)| c)
            .sum();
        let failed = if failed == 0 {
            "0".to_string()
        } else {
            let kinds: Vec<String> = s
                .kinds
                .iter()
                .filter(|(k, _)| k.is_failure())
                .map(|(k, c)| format!("{c} {}", k.name()))
                .collect();
            format!("**{}**", kinds.join(", "))
        };
        println!(
            "| `{}` | {n} | {} | {} | {failed} | {:.1} | {:.1} |",
            route.path,
            s.kinds.get(&Kind::Ok).unwrap_or(&0),
            s.kinds.get(&Kind::ExpectedAbort).unwrap_or(&0)
                + s.kinds.get(&Kind::ExpectedAbortBeforeHead).unwrap_or(&0),
            s.total_micros as f64 / n.max(1) as f64 / 1e3,
            s.max_micros as f64 / 1e3,
        );
    }
    let total: u64 = totals.values().sum();
    let failures: u64 = totals
        .iter()
        .filter(|(k, _)| k.is_failure())
        .map(|(_, c)| c)
        .sum();
    println!();
    println!("| outcome | count |");
    println!("|---|---:|");
    for kind in KINDS {
        println!("| {} | {} |", kind.name(), totals.get(&kind).unwrap_or(&0));
    }
    println!("| **total** | **{total}** |");
    println!();
    println!(
        "soak: {total} responses, {during_load} in the {:.0} s of load: {:.0}/s; the last \
         in-flight requests ended {:.1} s later; {failures} failures, {} leaks",
        load_time.as_secs_f64(),
        during_load as f64 / load_time.as_secs_f64(),
        (elapsed - load_time).as_secs_f64(),
        totals.get(&Kind::Leak).unwrap_or(&0),
    );
    // What the server must have logged: one event per request of each route
    // that logs one. `scripts/soak.sh` compares this line with the log.
    let mut events: BTreeMap<Event, u64> = BTreeMap::new();
    for (route, s) in shared.routes.iter().zip(stats) {
        if let Some(event) = route.logs {
            *events.entry(event).or_default() += s.kinds.values().sum::<u64>();
        }
    }
    let events: Vec<String> = events
        .iter()
        .map(|(event, n)| format!("{}={n}", event.name()))
        .collect();
    println!("soak-log-expect: {}", events.join(" "));
    let samples = shared.samples.lock().unwrap_or_else(|e| e.into_inner());
    if !samples.is_empty() {
        println!("first failures:");
        for line in samples.iter() {
            println!("  {line}");
        }
    }
    failures
}
