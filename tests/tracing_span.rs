//! Point 2 of the core: a span with the request id wraps the call, the
//! response future and the body, so every event a handler logs carries the
//! id; and how the layer combines with tower-http's `TraceLayer`.

mod common;

use axum::{body::Body, extract::Request, routing::get, Router};
use bytes::Bytes;
use common::*;
use std::convert::Infallible;
use tower_http::trace::TraceLayer;
use tower_redact::{RedactLayer, RequestId};

async fn handler() -> &'static str {
    tracing::info!(user = 42, "loading the user");
    tokio::task::yield_now().await;
    tracing::warn!("slow query");
    "ok"
}

async fn streaming() -> Body {
    let stream = futures_util::stream::unfold(0, |n| async move {
        (n < 2).then(|| {
            tracing::info!(chunk = n, "producing a chunk");
            (Ok::<_, Infallible>(Bytes::from("chunk")), n + 1)
        })
    });
    Body::from_stream(stream)
}

#[tokio::test]
async fn handler_and_body_events_carry_the_id() {
    let logs = capture_logs();
    let app = Router::new()
        .route("/users/42", get(handler))
        .route("/stream", get(streaming))
        .layer(RedactLayer::default());
    let addr = serve(app).await;

    let reply = fetch(addr, "/users/42").await;
    let id = reply.request_id().to_owned();
    let span = format!("request{{request_id={id} method=GET path=/users/42}}");
    for message in ["loading the user", "slow query"] {
        let line = logs
            .lines_with(message)
            .into_iter()
            .find(|l| l.contains(&span))
            .unwrap_or_else(|| panic!("no {message:?} in {span}:\n{}", logs.text()));
        assert!(line.contains(&id));
    }

    let reply = fetch(addr, "/stream").await;
    assert_eq!(reply.text(), "chunkchunk");
    let id = reply.request_id();
    let lines: Vec<_> = logs
        .lines_with("producing a chunk")
        .into_iter()
        .filter(|l| l.contains(id))
        .collect();
    assert_eq!(lines.len(), 2, "{}", logs.text());
}

/// RedactLayer outside TraceLayer: TraceLayer's span can read the id from the
/// request extensions, and its own events sit inside the request span.
#[tokio::test]
async fn trace_layer_inside_reads_the_request_id() {
    let logs = capture_logs();
    let app = Router::new()
        .route("/traced", get(|| async { "ok" }))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req
                .extensions()
                .get::<RequestId>()
                .map(ToString::to_string)
                .unwrap_or_default();
            tracing::info_span!("http", id = %id, uri = %req.uri())
        }))
        // Added last, so outermost: it runs first and the id exists when
        // TraceLayer makes its span.
        .layer(RedactLayer::default());
    let addr = serve(app).await;
    let reply = fetch(addr, "/traced").await;
    let id = reply.request_id();
    let line = logs
        .lines_with("finished processing request")
        .into_iter()
        .find(|l| l.contains(&format!("http{{id={id} uri=/traced}}")))
        .unwrap_or_else(|| panic!("{}", logs.text()));
    assert!(
        line.contains(&format!("request{{request_id={id}")),
        "{line}"
    );
}

/// TraceLayer outside RedactLayer sees the request before it has an id.
#[tokio::test]
async fn trace_layer_outside_runs_before_the_id_exists() {
    let logs = capture_logs();
    let app = Router::new()
        .route("/outer", get(|| async { "ok" }))
        .layer(RedactLayer::default())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let has_id = req.extensions().get::<RequestId>().is_some();
            tracing::info_span!("outer_http", has_id, uri = %req.uri())
        }));
    let addr = serve(app).await;
    fetch(addr, "/outer").await;
    assert!(
        logs.lines_with("outer_http{has_id=false uri=/outer}")
            .iter()
            .any(|l| l.contains("finished processing request")),
        "{}",
        logs.text()
    );
}
