//! The whole service, driven by fuzzed responses.
//!
//! The inner service answers with any status (100 to 999), arbitrary valid
//! headers, and a body made of data frames, trailers, self-waking and
//! stalled polls, errors and panics, with honest, lying or panicking size
//! hints; it may panic in `call` or in its future, or stall before
//! answering. Four layer configurations: the defaults, small limits and a
//! 100 ms time bound, pass-through fallbacks with success bodies scanned,
//! and the error envelope with client-error inspection off. Requests are
//! GET or HEAD, plain or gRPC, with or without an id. Invariants:
//!
//! - no panic escapes (and the crate's own code panics nowhere, caught or
//!   not: the panic hook aborts on every panic the harness did not inject);
//! - every response has one `x-request-id`: the request's valid id (when
//!   trusted) or a fresh UUID, the one the handler saw;
//! - a response of 400 or more has `cache-control: no-store` and `nosniff`;
//! - a response of 500 or more is the template: its content type, JSON with
//!   the id, a `Content-Length` equal to the body's length;
//! - a 4xx is the template or the inner body (a prefix, when the body
//!   failed), the secret planted in its body or in free-text headers never
//!   reaches the client with fail-closed inspection;
//! - the secret the harness plants (`postgres://u:S3cr3tPl4nted@…`) never
//!   appears in a 5xx response's head, body or trailers, in a `grpc-message`,
//!   or in any log line (errors and panic messages included);
//! - when the inner future answers, the head is out within the inspection
//!   time bound, however the body stalls (tokio's paused clock: stalls cost
//!   no real time);
//! - `RequestId::current()` is the request's id inside call, future and
//!   body, and nothing afterwards.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use libfuzzer_sys::fuzz_target;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{Context, Poll};
use std::time::Duration;
use tower_layer::Layer;
use tower_redact::{Fallback, PublicMessage, RedactLayer, RequestId, Template, UuidVersion};
use tower_redact_fuzz::{
    capture_logs, inject_panic, is_generated_uuid, is_valid_request_id, quiet_injected_panics,
    take_log, INJECTED, PLANTED_PASSWORD, PLANTED_URL,
};
use tower_service::Service;

const CONTENT_TYPES: [&str; 8] = [
    "application/json",
    "text/html",
    "application/grpc",
    "application/grpc+proto",
    "text/event-stream",
    "application/problem+json",
    "text/plain; charset=utf-8",
    "application/octet-stream",
];

const HEADER_NAMES: [&str; 24] = [
    "content-type",
    "content-length",
    "content-encoding",
    "server",
    "x-powered-by",
    "x-debug-token",
    "set-cookie",
    "grpc-status",
    "grpc-message",
    "grpc-status-details-bin",
    "cache-control",
    "x-request-id",
    "transfer-encoding",
    "access-control-allow-origin",
    "retry-after",
    "location",
    "etag",
    "vary",
    "x-runtime",
    "x-keep",
    "www-authenticate",
    "x-exception",
    "warning",
    "x-content-type-options",
];

/// Free-text headers a secret is planted in: never on the rewrite
/// allow-list, always scanned.
const SECRET_HEADERS: [&str; 4] = ["x-error-detail", "location", "warning", "grpc-message"];

#[derive(Arbitrary, Debug, Clone)]
enum HeaderSpec {
    Known(u8, Vec<u8>),
    Raw(Vec<u8>, Vec<u8>),
    Secret(u8),
    GrpcStatus(u8),
}

#[derive(Arbitrary, Debug, Clone)]
enum Step {
    Data(Vec<u8>),
    Secret,
    Trailers(Vec<HeaderSpec>),
    /// Pending, waking itself at once.
    Pending,
    /// Pending without waking: only a timer ends the wait.
    Stall,
    Error(bool),
    Panic(bool),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Hint {
    Default,
    Exact,
    Lie(u32),
    Lower(u32),
    Panic,
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Respond,
    PanicInCall(bool),
    PanicInFuture(bool),
    ServiceError,
}

#[derive(Arbitrary, Debug)]
struct Case {
    config: u8,
    head: bool,
    grpc: bool,
    request_id: Option<Vec<u8>>,
    outcome: Outcome,
    future_pendings: u8,
    future_stall: u8,
    status: u16,
    content_type: Option<u8>,
    headers: Vec<HeaderSpec>,
    message: Option<String>,
    hint: Hint,
    end_stream_panics: bool,
    steps: Vec<Step>,
}

struct Config {
    layer: RedactLayer,
    /// 4xx are inspected and fail closed: a planted secret never passes.
    fail_closed: bool,
    trusts_ids: bool,
    timeout: Duration,
    content_type: &'static str,
}

static CONFIGS: LazyLock<Vec<Config>> = LazyLock::new(|| {
    vec![
        Config {
            layer: RedactLayer::default(),
            fail_closed: true,
            trusts_ids: true,
            timeout: tower_redact::DEFAULT_INSPECT_TIMEOUT,
            content_type: "application/problem+json",
        },
        Config {
            layer: RedactLayer::builder()
                .log_body_limit(16)
                .inspect_limit(64)
                .inspect_timeout(Some(Duration::from_millis(100)))
                .trace_context(true)
                .grpc_fault_code(5)
                .build()
                .unwrap(),
            fail_closed: true,
            trusts_ids: true,
            timeout: Duration::from_millis(100),
            content_type: "application/problem+json",
        },
        Config {
            layer: RedactLayer::builder()
                .inspect_limit(64)
                .if_too_large(Fallback::Pass)
                .if_encoded(Fallback::Pass)
                .scan_success_bodies(true)
                .inspect_timeout(Some(Duration::from_secs(1)))
                .build()
                .unwrap(),
            fail_closed: false,
            trusts_ids: true,
            timeout: Duration::from_secs(1),
            content_type: "application/problem+json",
        },
        Config {
            layer: RedactLayer::builder()
                .template(Template::error_envelope())
                .log_body_limit(0)
                .trust_incoming_ids(false)
                .uuid_version(UuidVersion::V7)
                .keep_on_rewrite(HeaderName::from_static("x-keep"))
                .drop_on_rewrite(HeaderName::from_static("set-cookie"))
                .strip_header(HeaderName::from_static("x-runtime"))
                .inspect_client_errors(false)
                .message(StatusCode::SERVICE_UNAVAILABLE, "Down for \"maintenance\".")
                .build()
                .unwrap(),
            fail_closed: false,
            trusts_ids: false,
            timeout: tower_redact::DEFAULT_INSPECT_TIMEOUT,
            content_type: "application/json",
        },
    ]
});

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
});

fn header(spec: &HeaderSpec) -> Option<(HeaderName, HeaderValue)> {
    match spec {
        HeaderSpec::Known(n, v) => Some((
            HeaderName::from_static(HEADER_NAMES[usize::from(*n) % HEADER_NAMES.len()]),
            HeaderValue::from_bytes(v).ok()?,
        )),
        HeaderSpec::Raw(n, v) => Some((
            HeaderName::from_bytes(n).ok()?,
            HeaderValue::from_bytes(v).ok()?,
        )),
        HeaderSpec::Secret(n) => Some((
            HeaderName::from_static(SECRET_HEADERS[usize::from(*n) % SECRET_HEADERS.len()]),
            HeaderValue::from_static(PLANTED_URL),
        )),
        HeaderSpec::GrpcStatus(code) => Some((
            HeaderName::from_static("grpc-status"),
            HeaderValue::from(u16::from(code % 20)),
        )),
    }
}

fn header_map(specs: &[HeaderSpec]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in specs.iter().filter_map(header) {
        map.append(name, value);
    }
    map
}

fn assert_current(id: &RequestId, place: &str) {
    assert_eq!(
        RequestId::current().as_ref(),
        Some(id),
        "RequestId::current() in {place}"
    );
}

struct FuzzBody {
    id: RequestId,
    steps: VecDeque<Step>,
    hint: Hint,
    end_stream_panics: bool,
}

impl Body for FuzzBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        assert_current(&self.id, "the body");
        if matches!(self.steps.front(), Some(Step::Stall)) {
            // Stalled for good: polled again (a timeout polls its future
            // once more when it fires), it is still pending.
            return Poll::Pending;
        }
        let Some(step) = self.steps.pop_front() else {
            return Poll::Ready(None);
        };
        Poll::Ready(Some(match step {
            Step::Data(data) => Ok(Frame::data(Bytes::from(data))),
            Step::Secret => Ok(Frame::data(Bytes::from_static(PLANTED_URL.as_bytes()))),
            Step::Trailers(specs) => Ok(Frame::trailers(header_map(&specs))),
            Step::Pending => {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Step::Stall => return Poll::Pending,
            Step::Error(secret) => Err(std::io::Error::other(format!(
                "backend reset{}",
                if secret { PLANTED_URL } else { "" }
            ))),
            Step::Panic(secret) => inject_panic(if secret { PLANTED_URL } else { "in the body" }),
        }))
    }

    fn is_end_stream(&self) -> bool {
        if self.end_stream_panics {
            inject_panic("in is_end_stream");
        }
        self.steps.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        let data = || {
            self.steps
                .iter()
                .map(|s| match s {
                    Step::Data(d) => d.len() as u64,
                    Step::Secret => PLANTED_URL.len() as u64,
                    _ => 0,
                })
                .sum::<u64>()
        };
        match self.hint {
            Hint::Default => SizeHint::default(),
            Hint::Exact => SizeHint::with_exact(data()),
            Hint::Lie(n) => SizeHint::with_exact(u64::from(n)),
            Hint::Lower(n) => {
                let mut hint = SizeHint::new();
                hint.set_lower(u64::from(n));
                hint
            }
            Hint::Panic => inject_panic("in size_hint"),
        }
    }
}

struct Plan {
    outcome: Outcome,
    pendings: u8,
    stall: bool,
    status: StatusCode,
    headers: HeaderMap,
    message: Option<String>,
    hint: Hint,
    end_stream_panics: bool,
    steps: Vec<Step>,
}

struct Inner<'a> {
    plan: &'a Plan,
}

struct InnerFuture {
    id: RequestId,
    outcome: Outcome,
    pendings: u8,
    stall: bool,
    response: Option<Response<FuzzBody>>,
}

impl Future for InnerFuture {
    type Output = Result<Response<FuzzBody>, &'static str>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert_current(&self.id, "the future");
        if self.pendings > 0 {
            self.pendings -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if self.stall {
            return Poll::Pending;
        }
        match self.outcome {
            Outcome::PanicInFuture(secret) => {
                inject_panic(if secret { PLANTED_URL } else { "in the future" })
            }
            Outcome::ServiceError => Poll::Ready(Err("service error")),
            _ => Poll::Ready(Ok(self.response.take().expect("polled after ready"))),
        }
    }
}

impl Service<Request<()>> for Inner<'_> {
    type Response = Response<FuzzBody>;
    type Error = &'static str;
    type Future = InnerFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<()>) -> InnerFuture {
        let id = req
            .extensions()
            .get::<RequestId>()
            .expect("no RequestId extension")
            .clone();
        assert_current(&id, "call");
        let plan = self.plan;
        if let Outcome::PanicInCall(secret) = plan.outcome {
            inject_panic(if secret { PLANTED_URL } else { "in call" });
        }
        let body = FuzzBody {
            id: id.clone(),
            steps: plan.steps.iter().cloned().collect(),
            hint: plan.hint,
            end_stream_panics: plan.end_stream_panics,
        };
        let mut response = Response::new(body);
        *response.status_mut() = plan.status;
        *response.headers_mut() = plan.headers.clone();
        if let Some(message) = &plan.message {
            response
                .extensions_mut()
                .insert(PublicMessage::new(message.clone()));
        }
        InnerFuture {
            id,
            outcome: plan.outcome,
            pendings: plan.pendings,
            stall: plan.stall,
            response: Some(response),
        }
    }
}

/// What the client got of a body.
struct Received {
    data: Vec<u8>,
    trailers: Vec<HeaderMap>,
    error: Option<String>,
    /// The body neither ended nor failed within an hour (virtual).
    stalled: bool,
}

async fn receive<B>(body: B) -> Received
where
    B: Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let mut body = std::pin::pin!(body);
    let mut received = Received {
        data: Vec::new(),
        trailers: Vec::new(),
        error: None,
        stalled: false,
    };
    loop {
        let _ = body.is_end_stream();
        let _ = body.size_hint();
        let frame = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx));
        match tokio::time::timeout(Duration::from_secs(3600), frame).await {
            Err(_) => {
                received.stalled = true;
                return received;
            }
            Ok(None) => return received,
            Ok(Some(Err(err))) => {
                received.error = Some(err.to_string());
                return received;
            }
            Ok(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => received.data.extend_from_slice(&data),
                Err(frame) => {
                    if let Ok(trailers) = frame.into_trailers() {
                        received.trailers.push(trailers);
                    }
                }
            },
        }
    }
}

/// Whether the inner body panics before it errs or stalls.
fn body_panics(plan: &Plan) -> bool {
    plan.steps
        .iter()
        .take_while(|s| !matches!(s, Step::Stall | Step::Error(_)))
        .any(|s| matches!(s, Step::Panic(_)))
}

/// The data the inner body yields before its first error, panic or stall.
fn inner_data(steps: &[Step]) -> Vec<u8> {
    let mut data = Vec::new();
    for step in steps {
        match step {
            Step::Data(d) => data.extend_from_slice(d),
            Step::Secret => data.extend_from_slice(PLANTED_URL.as_bytes()),
            Step::Trailers(_) | Step::Pending => {}
            Step::Stall | Step::Error(_) | Step::Panic(_) => break,
        }
    }
    data
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn head_has_secret(headers: &HeaderMap) -> bool {
    headers
        .values()
        .any(|v| contains(v.as_bytes(), PLANTED_PASSWORD))
}

fn json_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| json_strings(v, out)),
        _ => {}
    }
}

/// Whether a body is the template for this id: JSON holding the id, with
/// the template's content type and a true `Content-Length`.
fn is_template(config: &Config, headers: &HeaderMap, body: &[u8], id: &str) -> bool {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    let mut strings = Vec::new();
    json_strings(&json, &mut strings);
    strings.iter().any(|s| s == id)
        && headers.get("content-type").map(HeaderValue::as_bytes)
            == Some(config.content_type.as_bytes())
        && headers.get("content-length").map(HeaderValue::as_bytes)
            == Some(body.len().to_string().as_bytes())
}

fn run(case: Case) {
    let config = &CONFIGS[usize::from(case.config) % CONFIGS.len()];
    let status = StatusCode::from_u16(100 + case.status % 900).unwrap();
    let mut headers = header_map(&case.headers);
    if let Some(ct) = case.content_type {
        headers.insert(
            "content-type",
            HeaderValue::from_static(CONTENT_TYPES[usize::from(ct) % CONTENT_TYPES.len()]),
        );
    }
    let plan = Plan {
        outcome: case.outcome,
        pendings: case.future_pendings % 4,
        stall: case.future_stall == u8::MAX,
        status,
        headers,
        // The public message is the handler's own text for the client,
        // sent as it is by design: it never carries the planted secret.
        message: case.message.filter(|m| !m.contains(PLANTED_PASSWORD)),
        hint: case.hint,
        end_stream_panics: case.end_stream_panics,
        steps: case.steps,
    };

    let mut request = Request::new(());
    if case.head {
        *request.method_mut() = Method::HEAD;
    }
    if case.grpc {
        request
            .headers_mut()
            .insert("content-type", HeaderValue::from_static("application/grpc"));
    }
    let incoming = case
        .request_id
        .as_deref()
        .and_then(|v| HeaderValue::from_bytes(v).ok());
    if let Some(id) = &incoming {
        request.headers_mut().insert("x-request-id", id.clone());
    }
    let expected_id = incoming
        .as_ref()
        .filter(|id| config.trusts_ids && is_valid_request_id(id.as_bytes()))
        .map(|id| id.to_str().unwrap().to_owned());

    take_log();
    RUNTIME.block_on(async {
        let mut service = config.layer.layer(Inner { plan: &plan });
        let start = tokio::time::Instant::now();
        let future = service.call(request);
        let Ok(result) = tokio::time::timeout(Duration::from_secs(3600), future).await else {
            assert!(plan.stall, "the response future hung");
            return;
        };
        let waited = start.elapsed();
        assert!(
            waited <= config.timeout + Duration::from_millis(10),
            "the head took {waited:?} (virtual)"
        );
        let Ok(response) = result else {
            assert_eq!(plan.outcome, Outcome::ServiceError);
            return;
        };
        let (parts, body) = response.into_parts();
        let received = receive(body).await;
        check(
            config,
            &plan,
            &RequestView {
                head: case.head,
                grpc: case.grpc,
            },
            &expected_id,
            &parts,
            &received,
        );
    });
    let log = take_log();
    assert!(
        !log.contains(PLANTED_PASSWORD),
        "the planted secret reached the log:\n{log}"
    );
    assert!(
        RequestId::current().is_none(),
        "RequestId::current() leaked"
    );
}

/// What `check` needs to know of the request.
struct RequestView {
    head: bool,
    grpc: bool,
}

fn check(
    config: &Config,
    plan: &Plan,
    request: &RequestView,
    expected_id: &Option<String>,
    parts: &http::response::Parts,
    received: &Received,
) {
    let status = parts.status.as_u16();
    let headers = &parts.headers;
    let ids: Vec<_> = headers.get_all("x-request-id").iter().collect();
    assert_eq!(ids.len(), 1, "x-request-id headers: {ids:?}");
    let id = ids[0].to_str().expect("a textual id");
    match expected_id {
        Some(expected) => assert_eq!(id, expected),
        None => assert!(is_generated_uuid(id), "not a fresh UUID: {id:?}"),
    }
    assert_eq!(
        parts.extensions.get::<RequestId>().map(RequestId::as_str),
        Some(id)
    );

    let grpc_response = request.grpc
        && headers
            .get("content-type")
            .is_some_and(|ct| ct.as_bytes().starts_with(b"application/grpc"));
    if grpc_response {
        // A `grpc-message` means something to a client only beside a
        // non-zero `grpc-status`; that is where the layer redacts it.
        let trailers = if request.head {
            &[][..]
        } else {
            &received.trailers[..]
        };
        for map in std::iter::once(headers).chain(trailers) {
            let code = map
                .get("grpc-status")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u16>().ok());
            if !matches!(code, Some(c) if c != 0) {
                continue;
            }
            if let Some(message) = map.get("grpc-message") {
                assert!(
                    !contains(message.as_bytes(), PLANTED_PASSWORD),
                    "grpc-message leaked: {message:?}"
                );
            }
        }
    }

    if status >= 400 {
        assert_eq!(
            headers.get("cache-control").map(HeaderValue::as_bytes),
            Some(&b"no-store"[..]),
            "a {status} without no-store"
        );
        assert_eq!(
            headers
                .get("x-content-type-options")
                .map(HeaderValue::as_bytes),
            Some(&b"nosniff"[..]),
            "a {status} without nosniff"
        );
    }

    // A server sends no body (nor trailers) in answer to HEAD.
    let secret_anywhere = head_has_secret(headers)
        || (!request.head
            && (contains(&received.data, PLANTED_PASSWORD)
                || received.trailers.iter().any(head_has_secret)));

    if status >= 500 {
        assert!(!secret_anywhere, "the planted secret reached a {status}");
        assert!(received.error.is_none() && !received.stalled);
        if request.head {
            assert!(received.data.is_empty());
        } else {
            assert!(
                is_template(config, headers, &received.data, id),
                "a {status} that is not the template: {headers:?} {:?}",
                String::from_utf8_lossy(&received.data)
            );
        }
        if plan.status.as_u16() >= 500 && plan.outcome == Outcome::Respond {
            let expected = if plan.status.as_u16() <= 599 {
                plan.status.as_u16()
            } else {
                500
            };
            // A body that panics while it is read for the log gives the
            // panic's 500.
            assert!(
                status == expected || (body_panics(plan) && status == 500),
                "a {} answered {status}",
                plan.status
            );
        }
        return;
    }
    // A panic before the head: the 500 template (above), or gRPC's 200 with
    // grpc-status 13. (A gRPC 200 whose body panics after the head is passed
    // on.)
    let panicked_before_head = plan.outcome != Outcome::Respond
        || (request.grpc
            && status == 200
            && body_panics(plan)
            && headers.get("grpc-status").map(HeaderValue::as_bytes) == Some(&b"13"[..]));
    if panicked_before_head {
        assert!(request.grpc && status == 200, "a panic answered {status}");
        assert_eq!(headers["grpc-status"], "13");
        return;
    }
    assert!(
        plan.status.as_u16() < 500,
        "a {} answered {status}",
        plan.status
    );

    let original = inner_data(&plan.steps);
    let passed = received.data.len() <= original.len()
        && original.starts_with(&received.data)
        && (received.data.len() == original.len()
            || received.error.is_some()
            || received.stalled
            || request.head);
    if (400..500).contains(&status) {
        let template = !request.head && is_template(config, headers, &received.data, id);
        assert!(
            passed || template || request.head,
            "a {status} that is neither the inner body nor the template"
        );
        if config.fail_closed && !template {
            assert!(
                !secret_anywhere,
                "the planted secret passed in a {status}: {headers:?} {:?} {:?}",
                String::from_utf8_lossy(&received.data),
                received.trailers
            );
        }
    } else if !request.head {
        assert!(passed, "a {status} whose body is not the inner body");
    }
}

fuzz_target!(|data: &[u8]| {
    quiet_injected_panics();
    capture_logs();
    let Ok(case) = Case::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    if std::env::var_os("FUZZ_SHOW").is_some() {
        eprintln!("{case:#?}");
    }
    // An injected panic is silent (see `quiet_injected_panics`); one that
    // escapes the layer must still fail loudly, not unwind into libFuzzer.
    if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(case))) {
        let text = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        panic!(
            "a panic escaped the layer: {}",
            text.replace(INJECTED, "injected")
        );
    }
});
