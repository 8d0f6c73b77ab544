//! Issue 5, point 1: HTTP/2 behaves as HTTP/1.1. One hyper-util auto server
//! (HTTP/1.1 and h2c on the same port) and two clients, one per protocol:
//! request ids, panics, rewritten 5xx and leaky 4xx, clean 4xx byte for byte
//! are asserted identically over both. A panic mid-body resets the HTTP/2
//! stream (`RST_STREAM`) and leaves the connection usable; the HTTP/1.1
//! counterpart (connection closed before the last chunk) is
//! `tests/panics.rs::panic_after_the_head_aborts_the_stream`.

mod common;

use axum::{body::Body, http::StatusCode, routing::get, Extension, Router};
use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use std::convert::Infallible;
use std::net::SocketAddr;
use tower_redact::{RedactLayer, RequestId};

const TRACEBACK: &str = "Traceback (most recent call last):\n  File \"/srv/app/orders/views.py\", line 42, in create\n    order = Order.objects.get(pk=pk)\nKeyError: 'customer'\n";

const VALIDATION: &str = r#"{"type":"https://api.example/problems/validation","title":"Invalid input","status":422,"errors":[{"field":"email","message":"must be a valid email address"}]}"#;

const LEAKY_500: &str = "PgDatabaseError: password authentication failed for user \"orders\" while connecting to postgres://orders:hunter2@10.0.3.12:5432/orders";

/// A 200 that streams two rows, then panics.
fn rows_then_panic() -> Body {
    let stream = futures_util::stream::unfold(0, |n| async move {
        tokio::task::yield_now().await;
        if n == 2 {
            panic!("row decoder failed at row 2: token=abc123");
        }
        Some((
            Ok::<_, Infallible>(Bytes::from(format!("row {n}\n"))),
            n + 1,
        ))
    });
    Body::from_stream(stream)
}

fn app() -> Router {
    Router::new()
        .route(
            "/id",
            get(|Extension(id): Extension<RequestId>| async move { id.to_string() }),
        )
        .route(
            "/panic",
            get(|| async {
                tokio::task::yield_now().await;
                if true {
                    panic!("invariant broken: dsn postgres://app:hunter2@db/x");
                }
                "unreachable"
            }),
        )
        .route(
            "/leaky-500",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, LEAKY_500) }),
        )
        .route(
            "/leaky-400",
            get(|| async { (StatusCode::BAD_REQUEST, TRACEBACK) }),
        )
        .route(
            "/clean-422",
            get(|| async {
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    [("content-type", "application/problem+json")],
                    VALIDATION,
                )
            }),
        )
        .route("/stream-panic", get(|| async { rows_then_panic() }))
        .route("/ok", get(|| async { "fine" }))
        .layer(RedactLayer::default())
}

#[derive(Debug, Clone, Copy)]
enum Proto {
    H1,
    H2,
}

async fn send_with(proto: Proto, addr: SocketAddr, path: &str, id: Option<&str>) -> Reply {
    let mut req = request("GET", path);
    if let Some(id) = id {
        req = req.header("x-request-id", id);
    }
    let req = req.body(Full::default()).unwrap();
    let reply = match proto {
        Proto::H1 => send(addr, req).await.unwrap(),
        Proto::H2 => send_h2(addr, req).await.unwrap(),
    };
    let version = match proto {
        Proto::H1 => http::Version::HTTP_11,
        Proto::H2 => http::Version::HTTP_2,
    };
    assert_eq!(reply.version, version, "{proto:?} {path}");
    reply
}

fn assert_template(reply: &Reply, status: u16, secrets: &[&str]) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        reply.header("content-length"),
        Some(reply.body.len().to_string().as_str())
    );
    let body = reply.json();
    assert_eq!(body["status"], status);
    assert_eq!(body["request_id"], reply.request_id());
    for secret in secrets {
        assert!(!reply.text().contains(secret), "{secret}: {}", reply.text());
    }
}

#[tokio::test]
async fn request_ids_are_kept_or_generated_over_both_protocols() {
    let addr = serve_service(app()).await;
    for proto in [Proto::H1, Proto::H2] {
        // A valid incoming id is kept: in the handler and the response.
        let id = "checkout.v2:req_42-a";
        let reply = send_with(proto, addr, "/id", Some(id)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.text(), id, "{proto:?}");
        assert_eq!(reply.request_id(), id, "{proto:?}");

        // None, or an invalid one: a fresh UUID v4, the same in both places.
        for incoming in [None, Some("has space"), Some("<script>")] {
            let reply = send_with(proto, addr, "/id", incoming).await;
            assert!(is_uuid_v4(reply.request_id()), "{proto:?} {incoming:?}");
            assert_eq!(reply.text(), reply.request_id(), "{proto:?}");
        }
    }
}

#[tokio::test]
async fn a_handler_panic_is_the_500_template_over_both_protocols() {
    let logs = capture_logs();
    let addr = serve_service(app()).await;
    for (proto, id) in [(Proto::H1, "h1-panic"), (Proto::H2, "h2-panic")] {
        let reply = send_with(proto, addr, "/panic", Some(id)).await;
        assert_template(&reply, 500, &["hunter2", "panicked", "invariant"]);
        assert_eq!(reply.request_id(), id);
        let lines = logs.lines_with(id).concat();
        assert!(
            lines.contains("ERROR") && lines.contains("invariant broken"),
            "{proto:?}: {lines}"
        );
    }
}

#[tokio::test]
async fn rewrites_and_clean_client_errors_are_the_same_over_both_protocols() {
    let addr = serve_service(app()).await;
    let mut replies = Vec::new();
    for proto in [Proto::H1, Proto::H2] {
        let reply = send_with(proto, addr, "/leaky-500", None).await;
        assert_template(&reply, 500, &["hunter2", "10.0.3.12", "PgDatabaseError"]);

        let reply = send_with(proto, addr, "/leaky-400", None).await;
        assert_template(&reply, 400, &["Traceback", "/srv/app", "KeyError"]);

        let reply = send_with(proto, addr, "/clean-422", None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.text(), VALIDATION, "{proto:?}");
        assert_eq!(
            reply.header("content-length"),
            Some(VALIDATION.len().to_string().as_str()),
            "{proto:?}"
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        replies.push(reply);
    }
    // Byte for byte the same body over HTTP/1.1 and HTTP/2.
    assert_eq!(replies[0].body, replies[1].body);
}

/// Over HTTP/2 a panic after the head resets the stream: the client's body
/// errors after the rows that were sent, never ends cleanly, and the
/// connection carries the next request. (HTTP/1.1: see
/// `tests/panics.rs::panic_after_the_head_aborts_the_stream`.)
#[tokio::test]
async fn a_panic_mid_body_resets_the_h2_stream_and_the_connection_survives() {
    let logs = capture_logs();
    let addr = serve_service(app()).await;
    let mut conn = connect_h2(addr).await;

    let req = request("GET", "/stream-panic")
        .header("x-request-id", "h2-stream-panic")
        .body(Full::default())
        .unwrap();
    let res = conn.open(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-request-id"], "h2-stream-panic");
    let mut body = res.into_body();
    let mut received = Vec::new();
    let err = loop {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    received.extend_from_slice(&data);
                }
            }
            Some(Err(err)) => break err,
            None => panic!(
                "the stream ended cleanly after {:?}",
                String::from_utf8_lossy(&received)
            ),
        }
    };
    assert_eq!(received, b"row 0\nrow 1\n");
    // The error is the peer's reset of this stream, not a connection error.
    // hyper shows it as `Reset(StreamId(1), INTERNAL_ERROR, Remote)`.
    let debug = format!("{err:?}");
    assert!(
        debug.contains("Reset(") && debug.contains("INTERNAL_ERROR") && debug.contains("Remote"),
        "{debug}"
    );
    assert!(!debug.contains("decoder"), "{debug}");
    let lines = logs.lines_with("h2-stream-panic").concat();
    assert!(
        lines.contains("after the head") && lines.contains("row decoder failed"),
        "{lines}"
    );

    // The same connection serves the next requests.
    let reply = conn.fetch("/ok").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "fine");
    assert!(is_uuid_v4(reply.request_id()));
    let reply = conn.fetch("/leaky-500").await;
    assert_template(&reply, 500, &["hunter2"]);
}
