//! The demo: an axum app behind `RedactLayer`, with routes that fail in the
//! ways real services do. Run it, then curl it from another terminal:
//!
//! ```text
//! cargo run --example axum
//! curl -i localhost:3000/panic
//! ```
//!
//! The server log (stdout) shows what the layer logged next to what the
//! client got. Set `DEMO_ADDR` to listen elsewhere (port 0: any free port),
//! `RUST_LOG` to change the log level. The layer's configuration is in
//! `examples/demo_layer/mod.rs`, shared with `examples/nginx.rs`, which
//! prints an nginx configuration that answers like it when nginx stands in
//! front of the demo.
//!
//! The routes under `/faults/` (`examples/faults/mod.rs`) fail in every
//! position a response can (panics in `call`, in the handler, in the body
//! before and after the head; leaky and clean errors; body errors; slow,
//! endless and oversized bodies); `scripts/soak.sh` drives them under load.

use axum::{
    body::Body, http::StatusCode, response::IntoResponse, routing::get, serve::ListenerExt,
    Extension, Json, Router,
};
use bytes::Bytes;
use std::{convert::Infallible, time::Duration};
use tower_redact::{PublicMessage, RedactLayer, RequestId};
use tracing_subscriber::EnvFilter;

mod demo_layer;
mod faults;

async fn hello(Extension(id): Extension<RequestId>) -> String {
    tracing::info!("saying hello");
    format!("hello; your request id is {id}\n")
}

async fn panics() -> &'static str {
    tracing::info!("about to look up the order");
    let orders: Vec<u32> = Vec::new();
    let _first = orders[0]; // index out of bounds: panics
    "unreachable"
}

/// A handler that returns the database error as is: `format!("{e:?}")`.
async fn leaky_500() -> impl IntoResponse {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Database(PgDatabaseError { severity: Error, code: \"28P01\", message: \
         \"password authentication failed for user \\\"orders\\\"\" }) while connecting to \
         postgres://orders:Tr0ub4dor&3@10.0.3.12:5432/orders (src/db/pool.rs:88:14)",
    )
}

/// A client error whose body leaks a file path and a debug dump.
async fn leaky_400() -> impl IntoResponse {
    (
        StatusCode::BAD_REQUEST,
        "Error(\"invalid type: string \\\"x\\\", expected u32\", line: 1, column: 9) \
         at /home/deploy/app/src/handlers/orders.rs:41",
    )
}

/// A legitimate validation error: it passes through untouched.
async fn validation() -> impl IntoResponse {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [("content-type", "application/problem+json")],
        Json(serde_json::json!({
            "type": "https://api.example/problems/validation",
            "title": "Invalid input",
            "status": 422,
            "errors": [{"field": "email", "message": "must be a valid email address"}]
        })),
    )
}

async fn maintenance() -> impl IntoResponse {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [("retry-after", "600")],
        Extension(PublicMessage::new("Down for maintenance until 10:00 UTC.")),
        "replica-3 failover in progress (see runbook DB-7)",
    )
}

/// A 200 stream of five events, one every 200 ms.
async fn stream() -> Body {
    let events = futures_util::stream::unfold(0, |n| async move {
        if n == 5 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        Some((
            Ok::<_, Infallible>(Bytes::from(format!("event {n}\n"))),
            n + 1,
        ))
    });
    Body::from_stream(events)
}

/// A 200 stream that panics after two events: the client sees an aborted
/// response, never a clean end.
async fn stream_panic() -> Body {
    let events = futures_util::stream::unfold(0, |n| async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if n == 2 {
            panic!("export worker lost its cursor");
        }
        Some((
            Ok::<_, Infallible>(Bytes::from(format!("row {n}\n"))),
            n + 1,
        ))
    });
    Body::from_stream(events)
}

/// A response that takes three seconds: longer than a proxy's read timeout
/// in the nginx check (`scripts/e2e-nginx.sh`), so the proxy answers 504.
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(3)).await;
    "done after 3 s\n"
}

pub fn app(layer: RedactLayer) -> Router {
    Router::new()
        .route("/", get(hello))
        .route("/panic", get(panics))
        .route("/leaky-500", get(leaky_500))
        .route("/leaky-400", get(leaky_400))
        .route("/validation", get(validation))
        .route("/maintenance", get(maintenance))
        .route("/stream", get(stream))
        .route("/stream-panic", get(stream_panic))
        .route("/slow", get(slow))
        .merge(faults::routes())
        // Inside RedactLayer: its panic in `call` is one the layer catches.
        .layer(faults::PanicInCallLayer)
        .layer(layer)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    // The default panic hook would print every caught panic a second time,
    // without the request id; the layer already logs it.
    std::panic::set_hook(Box::new(|_| {}));

    let layer = demo_layer::builder().build()?;
    let addr = std::env::var("DEMO_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let base = format!("http://{}", listener.local_addr()?);
    println!("tower-redact demo listening on {base}");
    for path in [
        "/",
        "/panic",
        "/leaky-500",
        "/leaky-400",
        "/validation",
        "/maintenance",
        "/stream",
        "/stream-panic",
        "/slow",
    ] {
        println!("  curl -i {base}{path}");
    }
    println!("  and the fault routes under {base}/faults/ (examples/faults/mod.rs)");
    // TCP_NODELAY: a streamed body's small frames go out at once instead of
    // waiting on Nagle's algorithm for the client's delayed ACKs.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app(layer)).await?;
    Ok(())
}
