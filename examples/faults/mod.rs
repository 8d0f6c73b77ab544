//! The demo's fault routes, under `/faults/`: every way a handler, its
//! future or its body can fail, each with what the client must get. The
//! soak (`examples/soak.rs`, `scripts/soak.sh`) drives them under load; the
//! secrets planted in the leaky ones are in [`PLANTED`] so that the client
//! can check no response ever carries one.
//!
//! [`PanicInCallLayer`] must sit inside `RedactLayer` (see `app` in
//! `examples/axum.rs`): it panics synchronously in `Service::call` for
//! `/faults/panic/call`, which no handler can do.

// Shared by the demo (routes) and the soak client (constants): each uses a
// part of it.
#![allow(dead_code)]

use axum::{
    body::Body,
    extract::Query,
    http::{header, Request, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use bytes::Bytes;
use futures_util::{stream, Stream, StreamExt};
use std::{
    io,
    task::{Context, Poll},
    time::Duration,
};

/// A password planted in leaky bodies, panic messages and body errors. It
/// must never reach a client, and the server log must show it masked.
pub const PASSWORD: &str = "Tr0ub4dor&3";
/// A connection string carrying [`PASSWORD`] and a private address.
pub const DSN: &str = "postgres://orders:Tr0ub4dor&3@10.0.3.12:5432/orders";
/// An AWS access key id (the documentation example): a secret the layer
/// masks in its log by its format.
pub const AWS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
/// A marker in every leaky body and header, and in nothing else.
pub const CANARY: &str = "soak-canary-7f3a9c";

/// Literals that no response may carry, in its head or body.
pub const PLANTED: &[&str] = &[
    PASSWORD,
    AWS_KEY,
    CANARY,
    "10.0.3.12",
    "/home/deploy/",
    "/srv/app/",
    "OrderService.java",
    "Traceback",
    "panicked at",
    "soak-session-secret",
];

/// Literals that must not appear in the server log either: the layer masks
/// credentials in everything it logs (paths and addresses it keeps, for
/// debugging).
pub const NEVER_LOGGED: &[&str] = &[PASSWORD, AWS_KEY, "soak-session-secret"];

/// The exact body of `/faults/clean/422` and `/faults/slow/422`: a
/// legitimate problem+json that must pass byte for byte.
pub const CLEAN_PROBLEM: &str = concat!(
    r#"{"type":"https://api.example/problems/validation","title":"Invalid input","#,
    r#""status":422,"errors":[{"field":"email","message":"must be a valid email address"},"#,
    r#"{"field":"quantity","message":"must be between 1 and 99"}]}"#,
);

/// Chunks of `/faults/ok/stream`, and their size.
pub const STREAM_CHUNKS: usize = 64;
pub const STREAM_CHUNK_LEN: usize = 1024;

/// Frames of `/faults/panic/body-mid` and `/faults/body-error/200` before
/// they fail.
pub const FRAMES_BEFORE_FAILURE: usize = 3;

/// Frames of `/faults/slow/200`, one every [`TRICKLE`].
pub const TRICKLE_FRAMES: usize = 10;
pub const TRICKLE: Duration = Duration::from_millis(50);

/// The size of `/faults/large/*`: over the 64 KiB inspection limit.
pub const LARGE: usize = 100 * 1024;

/// Chunk `i` of a streamed 200 body: 1 KiB of one letter.
pub fn stream_chunk(i: usize) -> Bytes {
    Bytes::from(vec![b'a' + (i % 26) as u8; STREAM_CHUNK_LEN])
}

/// Frame `i` of a body that fails later: `row i\n`.
pub fn row(i: usize) -> Bytes {
    Bytes::from(format!("row {i}\n"))
}

/// The routes, all `GET`.
pub fn routes() -> Router {
    Router::new()
        .route("/faults/ok/small", get(ok_small))
        .route("/faults/ok/stream", get(ok_stream))
        .route("/faults/panic/call", get(unreachable_handler))
        .route("/faults/panic/handler", get(panic_handler))
        .route("/faults/panic/body-first", get(panic_body_first))
        .route("/faults/panic/body-first-late", get(panic_body_first_late))
        .route("/faults/panic/body-mid", get(panic_body_mid))
        .route("/faults/panic/body-5xx", get(panic_body_5xx))
        .route("/faults/panic/body-4xx", get(panic_body_4xx))
        .route("/faults/leaky/500", get(leaky_500))
        .route("/faults/leaky/502-trace", get(leaky_502_trace))
        .route("/faults/leaky/400", get(leaky_400))
        .route("/faults/leaky/404-trace", get(leaky_404_trace))
        .route("/faults/leaky/403-header", get(leaky_403_header))
        .route("/faults/clean/422", get(clean_422))
        .route("/faults/clean/400-query", get(clean_400_query))
        .route("/faults/body-error/200-first", get(body_error_200_first))
        .route("/faults/body-error/200", get(body_error_200))
        .route("/faults/body-error/400", get(body_error_400))
        .route("/faults/body-error/503", get(body_error_503))
        .route("/faults/slow/200", get(slow_200))
        .route("/faults/slow/422", get(slow_422))
        .route("/faults/slow/400-endless", get(slow_400_endless))
        .route("/faults/slow/503-endless", get(slow_503_endless))
        .route("/faults/large/400", get(large_400))
        .route("/faults/large/400-stream", get(large_400_stream))
}

fn body<S>(frames: S) -> Body
where
    S: Stream<Item = Result<Bytes, io::Error>> + Send + 'static,
{
    Body::from_stream(frames)
}

/// 200 with version banners: the client gets the body, not the banners.
async fn ok_small() -> impl IntoResponse {
    (
        [
            (header::SERVER, "Apache/2.4.41 (Ubuntu)"),
            (header::HeaderName::from_static("x-powered-by"), "PHP/7.4.3"),
        ],
        "ok\n",
    )
}

/// 200, 64 KiB in 1 KiB frames: the client gets every byte, in order.
async fn ok_stream() -> Body {
    body(stream::iter(0..STREAM_CHUNKS).then(|i| async move {
        tokio::task::yield_now().await;
        Ok(stream_chunk(i))
    }))
}

/// Never runs: [`PanicInCallLayer`] panics in `call` first. The client must
/// get the 500 template.
async fn unreachable_handler() -> &'static str {
    "PanicInCallLayer is missing\n"
}

/// Panics in the handler future, after an await, with the DSN in the
/// message: the client must get the 500 template; the log shows the
/// password masked.
async fn panic_handler() -> &'static str {
    tokio::task::yield_now().await;
    panic!("order lookup failed on {DSN}: pool exhausted");
}

/// 200 whose body panics at its first poll: the layer polls a passed-through
/// body once before it lets the head go, so the client must get the 500
/// template.
async fn panic_body_first() -> Body {
    body(stream::poll_fn(
        |_| -> Poll<Option<Result<Bytes, io::Error>>> {
            panic!("export cursor lost before the first row ({DSN})")
        },
    ))
}

/// 200 whose body is not ready at first, then panics before its first
/// frame, after the head was let go: the client must see the exchange fail,
/// never a clean end (over HTTP/1.1 nothing was written yet, so the
/// connection closes without a response).
async fn panic_body_first_late() -> Body {
    body(stream::once(async {
        tokio::task::yield_now().await;
        panic!("export cursor lost before the first row ({DSN})")
    }))
}

/// 200 that sends three rows, then panics: the client must get those rows
/// and then an aborted response, never a clean end.
async fn panic_body_mid() -> Body {
    body(stream::unfold(0, |n| async move {
        tokio::task::yield_now().await;
        if n == FRAMES_BEFORE_FAILURE {
            panic!("export worker lost its cursor at row {n} ({DSN})");
        }
        Some((Ok(row(n)), n + 1))
    }))
}

/// 503 whose body panics before its first frame, while the layer reads it
/// for the log: the client must get the 500 template.
async fn panic_body_5xx() -> Response {
    let frames = stream::poll_fn(|_| -> Poll<Option<Result<Bytes, io::Error>>> {
        panic!("renderer crashed with api_key={AWS_KEY}")
    });
    (StatusCode::SERVICE_UNAVAILABLE, body(frames)).into_response()
}

/// 400 whose body sends a frame, then panics while the layer scans it:
/// the client must get the 500 template.
async fn panic_body_4xx() -> Response {
    let frames = stream::unfold(0, |n| async move {
        tokio::task::yield_now().await;
        if n == 1 {
            panic!("validator crashed ({DSN})");
        }
        Some((Ok(Bytes::from_static(b"{\"errors\":[")), n + 1))
    });
    (StatusCode::BAD_REQUEST, body(frames)).into_response()
}

/// A 500 that dumps everything (connection string with its password, a
/// Rust panic location, a source path, an AWS key): the client must get the
/// 500 template and none of it.
async fn leaky_500() -> impl IntoResponse {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!(
            "Error: pool timed out connecting to {DSN}\n\
             thread 'tokio-runtime-worker' panicked at src/db/pool.rs:88:14\n\
             config loaded from /home/deploy/app/config/prod.toml (aws_access_key_id = {AWS_KEY})\n\
             {CANARY}\n"
        ),
    )
}

/// A 502 with an upstream's Java stack trace: the client must get the 502
/// template.
async fn leaky_502_trace() -> impl IntoResponse {
    (
        StatusCode::BAD_GATEWAY,
        format!(
            "upstream said: java.lang.NullPointerException: Cannot invoke \"Order.getId()\" \
             because \"order\" is null\n\
             \tat com.shop.orders.OrderService.find(OrderService.java:88)\n\
             \tat com.shop.orders.OrderController.get(OrderController.java:41)\n\
             {CANARY}\n"
        ),
    )
}

/// A 400 that echoes the connection string and a source path: the client
/// must get the 400 template.
async fn leaky_400() -> impl IntoResponse {
    (
        StatusCode::BAD_REQUEST,
        format!(
            "invalid order id: lookup via {DSN} failed at \
             /home/deploy/app/src/handlers/orders.rs:41 {CANARY}"
        ),
    )
}

/// A 404 with a Python traceback: the client must get the 404 template.
async fn leaky_404_trace() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        format!(
            "Traceback (most recent call last):\n  \
             File \"/srv/app/views.py\", line 42, in get_order\n    \
             order = Order.objects.get(pk=pk)\n\
             DoesNotExist: Order matching query does not exist. {CANARY}\n"
        ),
    )
}

/// A 403 with a clean body but a debug header carrying a session secret and
/// a source path: the client must get the 403 template without the header.
async fn leaky_403_header() -> impl IntoResponse {
    (
        StatusCode::FORBIDDEN,
        [(
            header::HeaderName::from_static("x-debug-exception"),
            format!(
                "AccessDenied at /srv/app/auth.py:17 session_secret=soak-session-secret {CANARY}"
            ),
        )],
        "You do not have access to this order.\n",
    )
}

/// A legitimate 422 problem+json: the client must get it byte for byte,
/// with `no-store` and `nosniff` added.
async fn clean_422() -> impl IntoResponse {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "application/problem+json")],
        CLEAN_PROBLEM,
    )
}

#[derive(serde::Deserialize)]
struct Page {
    #[allow(dead_code)]
    page: u32,
}

/// axum's own rejection (`?page=abc`): a 400 whose text must pass byte for
/// byte.
async fn clean_400_query(Query(_page): Query<Page>) -> &'static str {
    "a valid page\n"
}

/// 200 that sends three rows, then fails with an I/O error: the client
/// must get the rows and then an aborted response.
async fn body_error_200() -> Body {
    body(stream::unfold(0, |n| async move {
        tokio::task::yield_now().await;
        if n == FRAMES_BEFORE_FAILURE {
            return Some((
                Err(io::Error::other(format!("upstream reset ({DSN})"))),
                n + 1,
            ));
        }
        if n > FRAMES_BEFORE_FAILURE {
            return None;
        }
        Some((Ok(row(n)), n + 1))
    }))
}

/// 200 whose body fails at its first poll, before the head goes: the client
/// must get the 500 template; the log shows the error, masked.
async fn body_error_200_first() -> Body {
    body(stream::iter([Err(io::Error::other(format!(
        "upstream refused ({DSN})"
    )))]))
}

/// A frame, then an error with the DSN in its message.
fn frame_then_error(first: &'static [u8]) -> Body {
    body(stream::unfold(0, move |n| async move {
        tokio::task::yield_now().await;
        match n {
            0 => Some((Ok(Bytes::from_static(first)), 1)),
            1 => Some((
                Err(io::Error::other(format!(
                    "upstream closed the stream ({DSN})"
                ))),
                2,
            )),
            _ => None,
        }
    }))
}

/// 400 whose body fails while the layer scans it: the client must get the
/// 500 template (what the body would have said is unknown).
async fn body_error_400() -> Response {
    (
        StatusCode::BAD_REQUEST,
        frame_then_error(b"{\"errors\":[{\"field\":\"email\""),
    )
        .into_response()
}

/// 503 whose body fails while the layer reads it for the log: the client
/// must get the 503 template; the log shows the error, masked.
async fn body_error_503() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        frame_then_error(b"replica lag too high; "),
    )
        .into_response()
}

/// 200 trickled: ten frames, 50 ms apart. The client gets all of them.
async fn slow_200() -> Body {
    body(stream::iter(0..TRICKLE_FRAMES).then(|i| async move {
        tokio::time::sleep(TRICKLE).await;
        Ok(row(i))
    }))
}

/// The clean 422 problem+json trickled in eight pieces 100 ms apart (under
/// a second, within the 5 s inspection bound): it must pass byte for byte.
async fn slow_422() -> Response {
    let pieces = CLEAN_PROBLEM.len().div_ceil(8);
    let frames = stream::iter(0..8).then(move |i| async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let start = (i * pieces).min(CLEAN_PROBLEM.len());
        let end = ((i + 1) * pieces).min(CLEAN_PROBLEM.len());
        Ok(Bytes::from_static(&CLEAN_PROBLEM.as_bytes()[start..end]))
    });
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body(frames),
    )
        .into_response()
}

/// A first frame, then nothing, ever.
fn endless(first: &'static [u8]) -> Body {
    body(stream::iter([Ok(Bytes::from_static(first))]).chain(stream::pending()))
}

/// 400 that never ends: the inspection time bound (the default 5 s) must
/// cut it; the client gets the 400 template after about 5 s.
async fn slow_400_endless() -> Response {
    (
        StatusCode::BAD_REQUEST,
        endless(b"{\"errors\":[{\"field\":\"email\","),
    )
        .into_response()
}

/// 503 that never ends, read for the log: the same bound cuts it; the
/// client gets the 503 template after about 5 s.
async fn slow_503_endless() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        endless(b"waiting for the primary"),
    )
        .into_response()
}

/// A clean 400 of 100 KiB with a known length, over the 64 KiB inspection
/// limit: the client must get the 400 template (fail closed), unread.
async fn large_400() -> impl IntoResponse {
    (StatusCode::BAD_REQUEST, vec![b'x'; LARGE])
}

/// The same in 4 KiB frames of unknown total length: the layer reads 64 KiB,
/// then answers with the 400 template.
async fn large_400_stream() -> Response {
    let frames = stream::iter(0..LARGE / 4096).then(|_| async {
        tokio::task::yield_now().await;
        Ok(Bytes::from(vec![b'x'; 4096]))
    });
    (StatusCode::BAD_REQUEST, body(frames)).into_response()
}

/// A layer whose service panics in `call` (synchronously, before any future
/// exists) for `/faults/panic/call`. Put it inside `RedactLayer`.
#[derive(Clone, Copy, Debug, Default)]
pub struct PanicInCallLayer;

impl<S> tower::Layer<S> for PanicInCallLayer {
    type Service = PanicInCall<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PanicInCall(inner)
    }
}

/// The service of [`PanicInCallLayer`].
#[derive(Clone, Debug)]
pub struct PanicInCall<S>(S);

impl<S, B> tower::Service<Request<B>> for PanicInCall<S>
where
    S: tower::Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        if req.uri().path() == "/faults/panic/call" {
            panic!("routing table corrupted while dispatching ({DSN})");
        }
        self.0.call(req)
    }
}
