//! Property tests: arbitrary inner responses — any status, headers, bodies
//! cut into arbitrary chunks, errors and panics injected in `call`, in the
//! future and before any frame, trailers — go through the layer over a real
//! socket, and what arrives on the wire is checked byte by byte.
//!
//! `PROPTEST_CASES=5000 cargo test --test properties` runs more cases.

mod common;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower_redact::detect::Detector;
use tower_redact::{Fallback, RedactLayer, RequestId};

/// The secret planted in bodies, headers, panic messages and error messages.
const SECRET: &str = "PlantedPw0rd";
const CONNECTION_STRING: &str = "postgres://svc:PlantedPw0rd@10.9.8.7:5432/orders";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    Error,
    Panic,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    Respond,
    PanicInCall,
    PanicInFuture,
}

/// The layer configurations under test.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Setup {
    /// `RedactLayer::default()`.
    Default,
    /// A 64-byte inspection window whose overflow streams on.
    SmallWindowPass,
    /// 2xx bodies scanned too.
    ScanSuccess,
}

const SETUPS: [Setup; 3] = [Setup::Default, Setup::SmallWindowPass, Setup::ScanSuccess];

fn layer(setup: Setup) -> RedactLayer {
    match setup {
        Setup::Default => RedactLayer::default(),
        Setup::SmallWindowPass => RedactLayer::builder()
            .inspect_limit(64)
            .if_too_large(Fallback::Pass)
            .build()
            .unwrap(),
        Setup::ScanSuccess => RedactLayer::builder()
            .scan_success_bodies(true)
            .build()
            .unwrap(),
    }
}

/// What the inner service does for one request.
#[derive(Debug, Clone)]
struct Case {
    setup: Setup,
    stage: Stage,
    status: u16,
    headers: Vec<(&'static str, &'static str)>,
    chunks: Vec<Vec<u8>>,
    /// A fault before the data frame with this index (`chunks.len()`: after
    /// the last one).
    fault: Option<(usize, Fault)>,
    trailers: bool,
    /// The body reports its exact length (only without a fault).
    exact_length: bool,
    head: bool,
    incoming_id: Option<Vec<u8>>,
}

impl Case {
    fn body(&self) -> Vec<u8> {
        self.chunks.concat()
    }
}

fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[ -~]{0,120}".prop_map(String::into_bytes),
        2 => prop::collection::vec(any::<u8>(), 0..64),
        1 => Just(br#"{"error":"invalid email","field":"email"}"#.to_vec()),
        1 => Just(format!("could not connect to {CONNECTION_STRING}").into_bytes()),
        1 => Just(
            b"Traceback (most recent call last):\n  File \"/srv/app/orders.py\", line 41, in get\n"
                .to_vec()
        ),
        1 => Just(b"x".repeat(300)),
    ]
}

fn header() -> impl Strategy<Value = (&'static str, &'static str)> {
    const SECRET_COOKIE: &str = "debug=postgres://svc:PlantedPw0rd@10.9.8.7:5432/orders";
    const SECRET_CHALLENGE: &str =
        "Bearer error_description=\"postgres://svc:PlantedPw0rd@10.9.8.7:5432/orders\"";
    prop::sample::select(vec![
        ("content-type", "text/plain"),
        ("content-type", "application/json"),
        ("content-type", "text/html; charset=utf-8"),
        ("content-type", "application/problem+json"),
        ("content-type", "application/octet-stream"),
        ("content-type", "text/event-stream"),
        ("content-encoding", "gzip"),
        ("cache-control", "max-age=60"),
        ("etag", "\"v1\""),
        ("retry-after", "30"),
        ("server", "Apache/2.4.57 (Debian)"),
        ("x-powered-by", "PHP/8.2.7"),
        ("set-cookie", "session=abc123; HttpOnly"),
        ("set-cookie", SECRET_COOKIE),
        ("www-authenticate", "Bearer realm=\"api\""),
        ("www-authenticate", SECRET_CHALLENGE),
        ("x-upstream", CONNECTION_STRING),
        ("x-upstream", "orders-7"),
        ("x-request-id", "inner-chose-this"),
    ])
}

fn case() -> impl Strategy<Value = Case> {
    let status = prop_oneof![
        3 => 200u16..300,
        1 => 300u16..400,
        4 => 400u16..500,
        3 => 500u16..600,
        1 => 600u16..1000,
    ];
    let stage = prop_oneof![
        8 => Just(Stage::Respond),
        1 => Just(Stage::PanicInCall),
        1 => Just(Stage::PanicInFuture),
    ];
    let body = prop::collection::vec(piece(), 0..5)
        .prop_map(|pieces| pieces.concat())
        .prop_flat_map(|body| {
            let len = body.len();
            (Just(body), prop::collection::btree_set(0..=len, 0..6))
        })
        .prop_map(|(body, cuts)| {
            let mut chunks = Vec::new();
            let mut start = 0;
            for cut in cuts.into_iter().chain([body.len()]) {
                if cut > start {
                    chunks.push(body[start..cut].to_vec());
                    start = cut;
                }
            }
            chunks
        });
    let fault = prop::option::weighted(
        0.25,
        (
            0usize..8,
            prop_oneof![Just(Fault::Error), Just(Fault::Panic)],
        ),
    );
    let incoming_id = prop::option::of(prop_oneof![
        "[A-Za-z0-9._:-]{1,128}".prop_map(String::into_bytes),
        prop::collection::vec(
            prop_oneof![0x20u8..0x7f, 0x80u8..=0xff, Just(b'\t')],
            0..300
        ),
    ]);
    (
        prop::sample::select(SETUPS.to_vec()),
        stage,
        status,
        prop::collection::vec(header(), 0..5),
        body,
        fault,
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.1),
        incoming_id,
    )
        .prop_map(
            |(setup, stage, status, headers, chunks, fault, trailers, exact, head, id)| Case {
                setup,
                stage,
                status,
                headers,
                fault: fault.map(|(at, kind)| (at.min(chunks.len()), kind)),
                chunks,
                trailers,
                exact_length: exact && fault.is_none(),
                head,
                incoming_id: id,
            },
        )
}

/// The inner response body: the case's chunks, its fault and its trailers.
struct CaseBody {
    chunks: VecDeque<Bytes>,
    sent: usize,
    fault: Option<(usize, Fault)>,
    trailers: bool,
    /// The body reports its exact length.
    exact: bool,
}

impl Body for CaseBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some((at, fault)) = self.fault {
            if at == self.sent {
                self.fault = None;
                match fault {
                    Fault::Error => {
                        return Poll::Ready(Some(Err(std::io::Error::other(format!(
                            "upstream reset while talking to {CONNECTION_STRING}"
                        )))))
                    }
                    Fault::Panic => panic!("body broke near {CONNECTION_STRING}"),
                }
            }
        }
        if let Some(chunk) = self.chunks.pop_front() {
            self.sent += 1;
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        if std::mem::take(&mut self.trailers) {
            let mut trailers = HeaderMap::new();
            trailers.insert("x-checksum", HeaderValue::from_static("abc"));
            return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
        }
        Poll::Ready(None)
    }

    fn size_hint(&self) -> SizeHint {
        // What is left, as the `Body` contract asks.
        if self.exact {
            SizeHint::with_exact(self.chunks.iter().map(|c| c.len() as u64).sum())
        } else {
            SizeHint::default()
        }
    }
}

static CASES: LazyLock<Mutex<HashMap<u64, Case>>> = LazyLock::new(Default::default);
static NEXT: AtomicU64 = AtomicU64::new(0);

fn inner(
    req: Request<hyper::body::Incoming>,
) -> impl Future<Output = Result<Response<CaseBody>, Infallible>> {
    let case = req
        .headers()
        .get("x-case")
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .and_then(|n| CASES.lock().unwrap().remove(&n))
        .expect("every request names its case");
    if case.stage == Stage::PanicInCall {
        panic!("call failed: {CONNECTION_STRING}");
    }
    async move {
        if case.stage == Stage::PanicInFuture {
            panic!("handler failed: {CONNECTION_STRING}");
        }
        let body = CaseBody {
            exact: case.exact_length,
            chunks: case.chunks.iter().map(|c| Bytes::from(c.clone())).collect(),
            sent: 0,
            fault: case.fault,
            trailers: case.trailers,
        };
        let mut response = Response::new(body);
        *response.status_mut() = StatusCode::from_u16(case.status).unwrap();
        for (name, value) in &case.headers {
            response.headers_mut().append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        Ok(response)
    }
}

/// One server per setup, on a runtime shared by every case.
struct Harness {
    runtime: tokio::runtime::Runtime,
    servers: Vec<(Setup, SocketAddr)>,
}

static HARNESS: LazyLock<Harness> = LazyLock::new(|| {
    common::capture_logs();
    std::panic::set_hook(Box::new(|info| {
        // Injected panics are expected; anything else still shows.
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map_or("", String::as_str);
        let injected = ["call failed: ", "handler failed: ", "body broke near "];
        if !injected.iter().any(|p| message.starts_with(p)) {
            eprintln!("{info}");
        }
    }));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let servers = runtime.block_on(async {
        let mut servers = Vec::new();
        for setup in SETUPS {
            let service = tower::ServiceBuilder::new()
                .layer(layer(setup))
                .service(tower::service_fn(inner));
            servers.push((setup, common::serve_service(service).await));
        }
        servers
    });
    Harness { runtime, servers }
});

impl Harness {
    /// Sends `case` to the server of its setup; what came back on the wire.
    fn run(&self, case: &Case) -> Vec<u8> {
        let addr = self
            .servers
            .iter()
            .find(|(setup, _)| *setup == case.setup)
            .map(|(_, addr)| *addr)
            .unwrap();
        let number = NEXT.fetch_add(1, Ordering::Relaxed);
        CASES.lock().unwrap().insert(number, case.clone());
        self.runtime.block_on(exchange(addr, case, number))
    }
}

/// A response as it crossed the wire.
#[derive(Debug)]
struct Wire {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    /// The framing was complete: all of `content-length`, or the last chunk.
    complete: bool,
}

impl Wire {
    fn all(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect()
    }

    fn one(&self, name: &str) -> Option<&str> {
        match self.all(name).as_slice() {
            [value] => std::str::from_utf8(value).ok(),
            _ => None,
        }
    }

    fn contains(&self, needle: &str) -> bool {
        let needle = needle.as_bytes();
        let has = |hay: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        has(&self.body) || self.headers.iter().any(|(_, v)| has(v))
    }
}

fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses an HTTP/1.1 response read until the server closed the connection.
fn parse(raw: &[u8], head_request: bool) -> Result<Wire, String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no complete head in {:?}", String::from_utf8_lossy(raw)))?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| "head is not ASCII".to_string())?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(": ")
            .ok_or_else(|| format!("bad header line {line:?}"))?;
        if !is_token(name) || value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return Err(format!("invalid header {line:?}"));
        }
        headers.push((name.to_ascii_lowercase(), value.as_bytes().to_vec()));
    }
    let rest = &raw[end + 4..];
    let mut wire = Wire {
        status,
        headers,
        body: Vec::new(),
        complete: true,
    };
    if head_request || status == 204 || status == 304 {
        if !rest.is_empty() {
            return Err(format!("{} bytes after a bodiless head", rest.len()));
        }
        return Ok(wire);
    }
    let lengths = wire.all("content-length");
    let chunked = wire.one("transfer-encoding") == Some("chunked");
    match (lengths.as_slice(), chunked) {
        ([length], false) => {
            let length: usize = std::str::from_utf8(length)
                .ok()
                .and_then(|l| l.parse().ok())
                .ok_or("unparsable content-length")?;
            if rest.len() > length {
                return Err(format!(
                    "{} bytes sent for content-length {length}",
                    rest.len()
                ));
            }
            wire.complete = rest.len() == length;
            wire.body = rest.to_vec();
        }
        ([], true) => {
            let (body, complete) = dechunk(rest)?;
            wire.body = body;
            wire.complete = complete;
        }
        ([], false) => wire.body = rest.to_vec(),
        _ => return Err("both or several framings".into()),
    }
    Ok(wire)
}

/// Decodes a chunked body; `false` when it stops before the last chunk.
fn dechunk(mut rest: &[u8]) -> Result<(Vec<u8>, bool), String> {
    let mut body = Vec::new();
    loop {
        let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
            return Ok((body, false));
        };
        let size_text = std::str::from_utf8(&rest[..eol]).map_err(|_| "chunk size")?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or(""), 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        rest = &rest[eol + 2..];
        if size == 0 {
            // Trailers, then the empty line.
            let done = rest.ends_with(b"\r\n");
            return Ok((body, done));
        }
        if rest.len() < size + 2 {
            body.extend_from_slice(&rest[..rest.len().min(size)]);
            return Ok((body, false));
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

async fn exchange(addr: SocketAddr, case: &Case, number: u64) -> Vec<u8> {
    let mut request = format!(
        "{} /case HTTP/1.1\r\nhost: test\r\nconnection: close\r\nx-case: {number}\r\n",
        if case.head { "HEAD" } else { "GET" }
    )
    .into_bytes();
    if let Some(id) = &case.incoming_id {
        request.extend_from_slice(b"x-request-id: ");
        request.extend_from_slice(id);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(&request).await.unwrap();
    let mut out = Vec::new();
    // A hang is a failure; the bound is far above any real exchange.
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut out))
        .await
        .expect("the response finished")
        .ok();
    out
}

/// Whether the layer must answer with the template for this case, when the
/// answer is fully determined (`None` when either answer is acceptable).
fn must_rewrite(case: &Case) -> Option<bool> {
    if case.stage != Stage::Respond || case.status >= 500 {
        return Some(true);
    }
    static DETECTOR: LazyLock<Detector> = LazyLock::new(Detector::default);
    let detector = &*DETECTOR;
    let body = case.body();
    let leaky_body = detector.scan(&body).is_some();
    let leaky_header = case.headers.iter().any(|(name, value)| {
        !matches!(*name, "server" | "x-powered-by")
            && detector
                .scan_header(
                    &HeaderName::from_static(name),
                    &HeaderValue::from_static(value),
                )
                .is_some()
    });
    let encoded = case.headers.iter().any(|(n, _)| *n == "content-encoding");
    let has_body = !body.is_empty() || case.fault.is_some() || case.trailers;
    if (400..500).contains(&case.status) {
        if case.head {
            return leaky_header.then_some(true);
        }
        if leaky_header {
            return Some(true);
        }
        return match case.setup {
            Setup::Default | Setup::ScanSuccess => {
                if case.fault.is_some() || (encoded && has_body) || leaky_body {
                    Some(true)
                } else if has_body {
                    Some(false)
                } else {
                    None
                }
            }
            // Only the first 64 bytes are inspected.
            Setup::SmallWindowPass => None,
        };
    }
    if case.setup == Setup::ScanSuccess && (200..300).contains(&case.status) {
        return None;
    }
    // A body that fails on its first poll, before the head is released.
    let fails_at_once = case.fault.is_some_and(|(at, _)| at == 0);
    Some(fails_at_once && !case.head && !matches!(case.status, 204 | 304))
}

/// Whether the case's body fails after the layer released the head: the
/// server then aborts the response. hyper writes nothing of an HTTP/1.1
/// response until its body is pending or its buffer full, so a body that
/// fails without ever being pending leaves the client an empty reply.
fn may_abort_unseen(case: &Case) -> bool {
    case.stage == Stage::Respond
        && case.status < 500
        && !case.head
        && case.fault.is_some_and(|(at, _)| at > 0)
        && must_rewrite(case) != Some(true)
}

fn check(case: &Case, wire: &Wire) -> Result<(), TestCaseError> {
    // One request id, valid, and the client's own when it was valid.
    let id = wire
        .one("x-request-id")
        .ok_or_else(|| TestCaseError::fail("not exactly one x-request-id"))?;
    prop_assert!(RequestId::parse(id.as_bytes()).is_ok(), "invalid id {id:?}");
    if let Some(incoming) = &case.incoming_id {
        if RequestId::parse(incoming).is_ok() {
            prop_assert_eq!(id.as_bytes(), incoming.as_slice());
        }
    }
    if wire.status >= 400 {
        prop_assert_eq!(wire.one("cache-control"), Some("no-store"));
        prop_assert_eq!(wire.one("x-content-type-options"), Some("nosniff"));
    }
    for banner in ["server", "x-powered-by"] {
        prop_assert!(wire.all(banner).is_empty(), "{banner} was not stripped");
    }
    let template = wire.one("content-type") == Some("application/problem+json")
        && serde_json::from_slice::<serde_json::Value>(&wire.body)
            .is_ok_and(|json| json["request_id"] == id && json["status"] == wire.status);
    let rewritten =
        template || (case.head && wire.status >= 400 && must_rewrite(case) == Some(true));
    if rewritten {
        prop_assert!(wire.complete, "a template must arrive whole");
        prop_assert!(
            !wire.contains(SECRET),
            "the secret is in a rewritten response"
        );
        prop_assert!(wire.status >= 400);
    }
    match must_rewrite(case) {
        Some(true) => {
            prop_assert!(
                rewritten || case.head,
                "expected the template, got {wire:?}"
            );
            prop_assert!(!wire.contains(SECRET));
            let expected = if case.stage != Stage::Respond || !(400..600).contains(&case.status) {
                500
            } else {
                case.status
            };
            // A body that fails while it is read turns any status into 500.
            prop_assert!(
                wire.status == expected || wire.status == 500,
                "status {} for {}",
                wire.status,
                case.status
            );
        }
        Some(false) => {
            prop_assert!(!template, "unexpected template");
            prop_assert_eq!(wire.status, case.status);
            if !case.head && !matches!(case.status, 204 | 304) {
                let body = case.body();
                if case.fault.is_some() {
                    // A fault after the head aborts the response: the
                    // client never sees a clean end.
                    prop_assert!(!wire.complete, "a failed body ended cleanly");
                    prop_assert!(body.starts_with(&wire.body));
                } else {
                    prop_assert!(wire.complete);
                    prop_assert_eq!(&wire.body, &body);
                }
            }
        }
        None => {
            let bodiless = case.head || matches!(wire.status, 204 | 304);
            if !rewritten && wire.complete && !bodiless && case.fault.is_none() {
                prop_assert_eq!(&wire.body, &case.body());
            }
        }
    }
    // With the default setup nothing that leaks reaches a client in a 4xx.
    if case.setup == Setup::Default && wire.status >= 400 {
        prop_assert!(
            !wire.contains(SECRET),
            "the secret reached the client: {wire:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_response_on_the_wire_keeps_the_promises(case in case()) {
        let raw = HARNESS.run(&case);
        if raw.is_empty() && may_abort_unseen(&case) {
            // hyper had not flushed the head when the body failed.
            return Ok(());
        }
        let wire = parse(&raw, case.head).map_err(TestCaseError::fail)?;
        check(&case, &wire)?;
    }
}

/// Sends 200 generated cases of its own, then reads every line the layer
/// logged in this binary (the other test's cases included).
#[test]
fn no_log_line_holds_the_planted_secret() {
    let harness = &*HARNESS;
    let cases: Vec<Case> = {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        (0..200)
            .map(|_| case().new_tree(&mut runner).unwrap().current())
            .collect()
    };
    for case in &cases {
        let raw = harness.run(case);
        assert!(parse(&raw, case.head).is_ok() || may_abort_unseen(case));
    }
    let log = common::capture_logs().text();
    assert!(log.contains("request_id"), "the cases were logged");
    for line in log.lines() {
        assert!(!line.contains(SECRET), "unmasked secret in the log: {line}");
    }
}
