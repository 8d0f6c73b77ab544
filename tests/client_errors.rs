//! Leak detection in the layer: 4xx bodies and headers are scanned, leaky
//! ones become the template with their status, clean ones pass byte for
//! byte; the hard cases (too large, unknown length, encoded, broken, binary,
//! HEAD) have fixed outcomes; 2xx bodies are scanned only when asked.

mod common;

use axum::{
    body::Body,
    http::{HeaderValue, StatusCode},
    response::IntoResponse,
    routing::{get, post},
    Json, Router,
};
use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::Notify;
use tower_redact::{Fallback, RedactLayer};

const TRACEBACK: &str = "Traceback (most recent call last):\n  File \"/srv/app/orders/views.py\", line 42, in create\n    order = Order.objects.get(pk=pk)\nKeyError: 'customer'\n";

const VALIDATION: &str = r#"{"type":"https://api.example/problems/validation","title":"Invalid input","status":422,"errors":[{"field":"email","message":"must be a valid email address"}]}"#;

fn stream_of(chunks: Vec<Bytes>) -> Body {
    Body::from_stream(futures_util::stream::iter(
        chunks.into_iter().map(Ok::<_, Infallible>),
    ))
}

/// 100 KiB of harmless text, then a stack trace.
fn large_with_late_leak() -> Vec<Bytes> {
    let mut chunks: Vec<Bytes> = (0..100)
        .map(|i| {
            Bytes::from(format!(
                "{i:04} {}\n",
                "lorem ipsum dolor sit amet ".repeat(37)
            ))
        })
        .collect();
    chunks.push(Bytes::from(TRACEBACK));
    chunks
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct NewUser {
    name: String,
    age: u8,
}

fn routes() -> Router {
    Router::new()
        .route("/traceback", get(|| async { (StatusCode::BAD_REQUEST, TRACEBACK) }))
        .route(
            "/debug",
            get(|| async {
                let err = std::fs::read("/definitely/not/here/config.toml").unwrap_err();
                (StatusCode::NOT_FOUND, format!("{err:?}")).into_response()
            }),
        )
        .route(
            "/validation",
            get(|| async {
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    [("content-type", "application/problem+json")],
                    VALIDATION,
                )
            }),
        )
        // axum's own rejection texts, produced by axum.
        .route("/users", post(|Json(_): Json<NewUser>| async { "created" }))
        .route(
            "/header-leak",
            get(|| async {
                (
                    StatusCode::BAD_REQUEST,
                    [(
                        "x-exception",
                        "java.lang.IllegalStateException: pool closed at com.acme.db.Pool.get(Pool.java:88)",
                    )],
                    "bad request",
                )
            }),
        )
        .route(
            "/too-large",
            get(|| async {
                let body: Vec<u8> = large_with_late_leak().concat();
                (StatusCode::BAD_REQUEST, body)
            }),
        )
        .route(
            "/too-large-stream",
            get(|| async { (StatusCode::BAD_REQUEST, stream_of(large_with_late_leak())) }),
        )
        .route(
            "/early-leak-stream",
            get(|| async {
                let mut chunks = large_with_late_leak();
                chunks.insert(0, Bytes::from(TRACEBACK));
                (StatusCode::BAD_REQUEST, stream_of(chunks))
            }),
        )
        .route(
            "/encoded",
            get(|| async {
                (
                    StatusCode::BAD_REQUEST,
                    [("content-encoding", "gzip")],
                    vec![0x1f_u8, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                )
            }),
        )
        .route(
            "/broken",
            get(|| async {
                let stream = futures_util::stream::iter([
                    Ok(Bytes::from("{\"error\":\"inva")),
                    Err(std::io::Error::other("upstream closed")),
                ]);
                (StatusCode::BAD_REQUEST, Body::from_stream(stream))
            }),
        )
        .route(
            "/panicky",
            get(|| async {
                let stream = futures_util::stream::unfold(0, |n| async move {
                    if n == 1 {
                        panic!("validator crashed");
                    }
                    Some((Ok::<_, Infallible>(Bytes::from("{\"error\":")), n + 1))
                });
                (StatusCode::BAD_REQUEST, Body::from_stream(stream))
            }),
        )
        .route(
            "/binary",
            get(|| async {
                let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
                (StatusCode::BAD_REQUEST, [("content-type", "application/octet-stream")], bytes)
            }),
        )
        .route(
            "/ok-with-trace",
            get(|| async { Json(serde_json::json!({"ok": false, "error": TRACEBACK})) }),
        )
        .route("/ok-large", get(|| async { stream_of(large_with_late_leak()) }))
}

fn assert_template(reply: &Reply, status: u16) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["status"], status);
    assert_eq!(body["request_id"], reply.request_id());
    for secret in [
        "/srv/app",
        "Traceback",
        "KeyError",
        "not/here",
        "Pool.java",
        "lorem",
    ] {
        assert!(!reply.text().contains(secret), "{secret}: {}", reply.text());
    }
}

#[tokio::test]
async fn leaky_client_errors_become_the_template_with_their_status() {
    let logs = capture_logs();
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/traceback").await;
    assert_template(&reply, 400);
    let line = logs.lines_with(reply.request_id()).concat();
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains("category=\"stack_trace\""), "{line}");
    assert!(line.contains("KeyError"), "the original is logged: {line}");

    assert_template(&fetch(addr, "/debug").await, 404);
}

#[tokio::test]
async fn legitimate_client_errors_pass_byte_for_byte() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/validation").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.text(), VALIDATION);
    assert_eq!(
        reply.header("content-length"),
        Some(VALIDATION.len().to_string().as_str())
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );

    // axum's JSON rejections, as axum words them.
    for (body, content_type) in [
        (r#"{"name": "ada", "age": 300}"#, "application/json"),
        (r#"{"name": "ada"}"#, "application/json"),
        (r#"{"name": "ada", "#, "application/json"),
        (r#"{"name": "ada", "age": 3}"#, "text/plain"),
    ] {
        let bare = {
            let addr = serve(routes()).await;
            let req = request("POST", "/users")
                .header("content-type", content_type)
                .body(Full::from(body))
                .unwrap();
            send(addr, req).await.unwrap()
        };
        let req = request("POST", "/users")
            .header("content-type", content_type)
            .body(Full::from(body))
            .unwrap();
        let reply = send(addr, req).await.unwrap();
        assert!(bare.status.is_client_error(), "{body}");
        assert_eq!(reply.status, bare.status, "{body}");
        assert_eq!(reply.body, bare.body, "{body}: {}", reply.text());
        assert_eq!(reply.header("content-type"), bare.header("content-type"));
    }
}

#[tokio::test]
async fn a_leaky_header_is_enough() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/header-leak").await;
    assert_template(&reply, 400);
    assert!(reply.header("x-exception").is_none());
}

#[tokio::test]
async fn bodies_past_the_limit_fail_closed_by_default() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    // Known length over the limit: answered without reading.
    assert_template(&fetch(addr, "/too-large").await, 400);
    // Unknown length that runs past the limit.
    assert_template(&fetch(addr, "/too-large-stream").await, 400);
}

#[tokio::test]
async fn bodies_past_the_limit_can_pass_after_a_clean_first_window() {
    let layer = RedactLayer::builder()
        .if_too_large(Fallback::Pass)
        .build()
        .unwrap();
    let addr = serve(routes().layer(layer)).await;
    // Streamed in 1 KiB chunks: the first 64 KiB are clean, so the body
    // goes out whole, the late leak included. That is what `Pass` trades.
    let reply = fetch(addr, "/too-large-stream").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body.as_ref(),
        large_with_late_leak().concat().as_slice()
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    // A leak inside the first window is still caught.
    assert_template(&fetch(addr, "/early-leak-stream").await, 400);
    // Everything already read is scanned: one 100 KiB chunk is read whole,
    // so its late leak is found.
    assert_template(&fetch(addr, "/too-large").await, 400);
}

#[tokio::test]
async fn encoded_bodies_fail_closed_by_default() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/encoded").await;
    assert_template(&reply, 400);
    assert!(reply.header("content-encoding").is_none());

    let layer = RedactLayer::builder()
        .if_encoded(Fallback::Pass)
        .build()
        .unwrap();
    let addr = serve(routes().layer(layer)).await;
    let reply = fetch(addr, "/encoded").await;
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    assert_eq!(reply.body.len(), 20);
}

#[tokio::test]
async fn a_body_that_breaks_or_panics_during_inspection_is_a_500() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    assert_template(&fetch(addr, "/broken").await, 500);
    assert_template(&fetch(addr, "/panicky").await, 500);
}

#[tokio::test]
async fn binary_and_head_responses() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/binary").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body.len(), 4096);
    assert_eq!(
        reply.header("content-type"),
        Some("application/octet-stream")
    );

    let req = request("HEAD", "/traceback").body(Full::default()).unwrap();
    let reply = send(addr, req).await.unwrap();
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.is_empty());
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn inspection_can_be_turned_off() {
    let layer = RedactLayer::builder()
        .inspect_client_errors(false)
        .build()
        .unwrap();
    let addr = serve(routes().layer(layer)).await;
    let reply = fetch(addr, "/traceback").await;
    assert_eq!(reply.text(), TRACEBACK);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn success_bodies_are_scanned_only_when_asked() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/ok-with-trace").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text().contains("Traceback"));

    let layer = RedactLayer::builder()
        .scan_success_bodies(true)
        .build()
        .unwrap();
    let addr = serve(routes().layer(layer)).await;
    assert_template(&fetch(addr, "/ok-with-trace").await, 500);
    // Past the first window a 2xx streams on, whole.
    let reply = fetch(addr, "/ok-large").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body.as_ref(),
        large_with_late_leak().concat().as_slice()
    );
}

/// The first event of a 2xx stream reaches the client while the handler is
/// still waiting to send the second: nothing holds it back. The ordering
/// is enforced by the test (the stream waits for the client's signal), so
/// a layer that buffered would deadlock this test rather than pass it.
#[tokio::test]
async fn success_streams_are_not_held_back() {
    for layer in [
        RedactLayer::default(),
        // Opted-in scanning still never holds server-sent events.
        RedactLayer::builder()
            .scan_success_bodies(true)
            .build()
            .unwrap(),
    ] {
        let received = Arc::new(Notify::new());
        let signal = received.clone();
        let app = Router::new()
            .route(
                "/events",
                get(move || {
                    let signal = signal.clone();
                    async move {
                        let stream = futures_util::stream::unfold(0, move |n| {
                            let signal = signal.clone();
                            async move {
                                match n {
                                    0 => Some((
                                        Ok::<_, Infallible>(Bytes::from("data: first\n\n")),
                                        1,
                                    )),
                                    1 => {
                                        signal.notified().await;
                                        Some((Ok(Bytes::from("data: second\n\n")), 2))
                                    }
                                    _ => None,
                                }
                            }
                        });
                        (
                            [(
                                "content-type",
                                HeaderValue::from_static("text/event-stream"),
                            )],
                            Body::from_stream(stream),
                        )
                    }
                }),
            )
            .layer(layer);
        let addr = serve(app).await;
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(conn);
        let req = request("GET", "/events")
            .body(Full::<Bytes>::default())
            .unwrap();
        let mut body = sender.send_request(req).await.unwrap().into_body();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(first, "data: first\n\n");
        received.notify_one();
        let second = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(second, "data: second\n\n");
    }
}

/// A body that sends a little and then never ends.
fn stalled(first: &'static str) -> Body {
    let stream = futures_util::stream::unfold(false, move |sent| async move {
        if sent {
            std::future::pending::<()>().await;
        }
        Some((
            Ok::<_, Infallible>(Bytes::from_static(first.as_bytes())),
            true,
        ))
    });
    Body::from_stream(stream)
}

/// Inspection is bounded in time: a 4xx or 5xx body that never ends does
/// not hold the response. (The outer timeout only turns a hang into a
/// failure; the layer's bound is 200 ms.)
#[tokio::test]
async fn a_body_that_never_ends_does_not_hang_the_response() {
    let logs = capture_logs();
    let app = Router::new()
        .route(
            "/4xx",
            get(|| async { (StatusCode::BAD_REQUEST, stalled("{\"error\":\"inv")) }),
        )
        .route(
            "/5xx",
            get(|| async { (StatusCode::BAD_GATEWAY, stalled("upstream said: ")) }),
        )
        .layer(
            RedactLayer::builder()
                .inspect_timeout(Some(std::time::Duration::from_millis(200)))
                .build()
                .unwrap(),
        );
    let addr = serve(app).await;
    let guard = std::time::Duration::from_secs(30);
    let reply = tokio::time::timeout(guard, fetch(addr, "/4xx"))
        .await
        .expect("hung");
    assert_template(&reply, 400);
    let line = logs.lines_with(reply.request_id()).concat();
    assert!(line.contains("inspection time bound"), "{line}");

    let reply = tokio::time::timeout(guard, fetch(addr, "/5xx"))
        .await
        .expect("hung");
    assert_template(&reply, 502);
    let line = logs.lines_with(reply.request_id()).concat();
    assert!(
        line.contains("upstream said"),
        "what arrived is logged: {line}"
    );
}
