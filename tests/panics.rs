//! Point 3 of the core: panics in `call`, in the response future and in the
//! body become the 500 template before the head is sent, an aborted response
//! after it, and an error log line with the request id either way.

mod common;

use axum::{body::Body, http::StatusCode, routing::get, Router};
use bytes::Bytes;
use common::*;
use futures_util::StreamExt;
use std::convert::Infallible;
use tower::ServiceBuilder;
use tower_redact::RedactLayer;

fn assert_panic_template(reply: &Reply, secret: &str) {
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["status"], 500);
    assert_eq!(body["request_id"], reply.request_id());
    assert!(!reply.text().contains(secret), "{}", reply.text());
    assert!(!reply.text().contains("panicked"), "{}", reply.text());
}

fn assert_logged(logs: &LogCapture, id: &str, secret_prefix: &str, site: &str) {
    let lines = logs.lines_with(id);
    let line = lines
        .iter()
        .find(|l| l.contains("ERROR") && l.contains(site))
        .unwrap_or_else(|| panic!("no error line for {id} at {site}:\n{}", logs.text()));
    assert!(line.contains(secret_prefix), "{line}");
}

#[tokio::test]
async fn panic_in_the_handler_future() {
    let logs = capture_logs();
    let app = Router::new()
        .route(
            "/",
            get(|| async {
                tokio::task::yield_now().await;
                if true {
                    panic!("invariant broken: user table empty, dsn postgres://app:hunter2@db/x");
                }
                "unreachable"
            }),
        )
        .layer(RedactLayer::default());
    let addr = serve(app).await;
    let reply = fetch(addr, "/").await;
    assert_panic_template(&reply, "hunter2");
    assert_logged(
        logs,
        reply.request_id(),
        "invariant broken",
        "response future",
    );
    assert!(
        !logs.text().contains("hunter2"),
        "the log masks the password"
    );
}

#[tokio::test]
async fn panic_in_call() {
    let logs = capture_logs();
    let service = ServiceBuilder::new()
        .layer(RedactLayer::default())
        .service_fn(|req: http::Request<hyper::body::Incoming>| {
            if req.uri().path() == "/boom" {
                panic!("panic inside Service::call");
            }
            async { Ok::<_, Infallible>(http::Response::new(Body::from("fine"))) }
        });
    let addr = serve_service(service).await;
    let reply = fetch(addr, "/boom").await;
    assert_panic_template(&reply, "inside");
    assert_logged(
        logs,
        reply.request_id(),
        "panic inside Service::call",
        "service call",
    );
    // The connection and the service survive: the next request is served.
    assert_eq!(fetch(addr, "/ok").await.text(), "fine");
}

#[tokio::test]
async fn panic_while_reading_an_error_body_before_the_head() {
    let logs = capture_logs();
    let app = Router::new()
        .route(
            "/",
            get(|| async {
                let stream = futures_util::stream::unfold(0, |n| async move {
                    if n == 1 {
                        panic!("error body generator failed");
                    }
                    Some((Ok::<_, Infallible>(Bytes::from("partial ")), n + 1))
                });
                (StatusCode::BAD_GATEWAY, Body::from_stream(stream))
            }),
        )
        .layer(RedactLayer::default());
    let addr = serve(app).await;
    let reply = fetch(addr, "/").await;
    assert_panic_template(&reply, "generator");
    assert_logged(
        logs,
        reply.request_id(),
        "error body generator failed",
        "before the head",
    );
}

/// Found by `tests/properties.rs`: a success body that failed on its first
/// poll left an HTTP/1.1 client an empty reply, as hyper had not written
/// the head yet. The layer polls a passed-through body once before it
/// releases the head, so such a body is still the 500 template.
#[tokio::test]
async fn a_success_body_that_fails_at_once_is_the_500_template() {
    let logs = capture_logs();
    let app = Router::new()
        .route(
            "/panics",
            get(|| async {
                let rows =
                    futures_util::stream::iter([0u32]).map(|row| -> Result<Bytes, Infallible> {
                        panic!("row {row} could not be encoded")
                    });
                Body::from_stream(rows)
            }),
        )
        .route(
            "/fails",
            get(|| async {
                let rows = futures_util::stream::iter([Err::<Bytes, _>(std::io::Error::other(
                    "export cursor expired",
                ))]);
                Body::from_stream(rows)
            }),
        )
        .route(
            "/waits-then-streams",
            get(|| async {
                let rows = futures_util::stream::unfold(0, |n| async move {
                    tokio::task::yield_now().await;
                    (n < 3).then(|| {
                        (
                            Ok::<_, Infallible>(Bytes::from(format!("row {n}\n"))),
                            n + 1,
                        )
                    })
                });
                Body::from_stream(rows)
            }),
        )
        .layer(RedactLayer::default());
    let addr = serve(app).await;

    let reply = fetch(addr, "/panics").await;
    assert_panic_template(&reply, "encoded");
    assert_logged(
        logs,
        reply.request_id(),
        "row 0 could not be encoded",
        "before the head",
    );

    let reply = fetch(addr, "/fails").await;
    assert_panic_template(&reply, "cursor");
    let line = logs.lines_with(reply.request_id()).concat();
    assert!(line.contains("export cursor expired"), "{line}");

    // A body that is not ready is released at once, and streams as it was.
    let reply = fetch(addr, "/waits-then-streams").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "row 0\nrow 1\nrow 2\n");
}

#[tokio::test]
async fn panic_after_the_head_aborts_the_stream() {
    let logs = capture_logs();
    let app = Router::new()
        .route(
            "/",
            get(|| async {
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
            }),
        )
        .layer(RedactLayer::default());
    let addr = serve(app).await;

    // A hyper client sees an error, not a complete body.
    let req = request("GET", "/").body(Default::default()).unwrap();
    assert!(send(addr, req).await.is_err());

    // On the wire: the head, the first rows, and no terminating chunk.
    let wire = raw(
        addr,
        b"GET / HTTP/1.1\r\nhost: x\r\nx-request-id: stream-1\r\nconnection: close\r\n\r\n",
    )
    .await;
    let wire = String::from_utf8_lossy(&wire);
    assert!(wire.starts_with("HTTP/1.1 200 OK\r\n"), "{wire}");
    assert!(wire.contains("transfer-encoding: chunked"), "{wire}");
    assert!(
        wire.contains("row 0\n") && wire.contains("row 1\n"),
        "{wire}"
    );
    assert!(
        !wire.ends_with("0\r\n\r\n"),
        "the stream must not end cleanly: {wire:?}"
    );
    assert!(!wire.contains("decoder"), "{wire}");
    assert_logged(logs, "stream-1", "row decoder failed", "after the head");
    assert!(!logs.text().contains("abc123"));
}
