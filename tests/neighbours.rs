//! Issue 5, point 5: `RedactLayer` next to the tower-http layers a server
//! usually has, in the orders that matter, with what a client then gets.
//! The README's "Layer order with tower-http" table names these tests.
//! (`TraceLayer` is `tests/tracing_span.rs`.)
//!
//! axum applies `.layer(…)` calls inside out: the last one is outermost.

mod common;

use axum::{
    body::Bytes,
    http::{HeaderName, HeaderValue, Method, StatusCode},
    routing::{get, post},
    Router,
};
use common::*;
use http_body_util::Full;
use std::io::Read;
use std::time::Duration;
use tower_http::{
    catch_panic::CatchPanicLayer, compression::CompressionLayer, cors::CorsLayer,
    limit::RequestBodyLimitLayer, timeout::TimeoutLayer,
};
use tower_redact::RedactLayer;

const TRACEBACK: &str = "Traceback (most recent call last):\n  File \"/srv/app/orders/views.py\", line 42, in create\n    order = Order.objects.get(pk=pk)\nKeyError: 'customer'\n";

const VALIDATION: &str = r#"{"type":"https://api.example/problems/validation","title":"Invalid input","status":422,"errors":[{"field":"email","message":"must be a valid email address"}]}"#;

const LEAKY_500: &str = "PgDatabaseError: password authentication failed while connecting to postgres://orders:hunter2@10.0.3.12:5432/orders";

const ORIGIN: &str = "http://app.example";

fn routes() -> Router {
    Router::new()
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
        .route(
            "/leaky-500",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, LEAKY_500) }),
        )
        .route(
            "/panic",
            get(|| async {
                tokio::task::yield_now().await;
                if true {
                    panic!("handler invariant broken: token=abc123");
                }
                "unreachable"
            }),
        )
        // Never answers: only a timeout ends it.
        .route("/slow", get(std::future::pending::<&'static str>))
        .route(
            "/upload",
            post(|body: Bytes| async move { body.len().to_string() }),
        )
}

fn get_with(path: &str, headers: &[(&str, &str)]) -> http::Request<Full<Bytes>> {
    let mut req = request("GET", path);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.body(Full::default()).unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The template for `status`, with the id of the response, and nothing of
/// what the handler said.
fn assert_template_json(body: &[u8], status: u16, id: &str) {
    let text = String::from_utf8_lossy(body);
    let json: serde_json::Value =
        serde_json::from_slice(body).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    assert_eq!(json["status"], status, "{text}");
    assert_eq!(json["request_id"], id, "{text}");
    for secret in [
        "Traceback",
        "/srv/app",
        "hunter2",
        "10.0.3.12",
        "abc123",
        "panicked",
        "must be a valid email",
    ] {
        assert!(!text.contains(secret), "{secret}: {text}");
    }
}

fn assert_template(reply: &Reply, status: u16) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(reply.header("content-encoding").is_none());
    assert_template_json(&reply.body, status, reply.request_id());
}

// ---------------------------------------------------------------------------
// CompressionLayer

/// Compression INSIDE the layer: the layer gets gzip bytes it cannot scan,
/// and fails closed (`if_encoded(Fallback::Rewrite)`, the default): the
/// leaky 4xx is templated, and so is the clean one. That is why compression
/// belongs outside.
#[tokio::test]
async fn compression_inside_fails_closed_on_every_compressed_client_error() {
    let logs = capture_logs();
    let app = routes()
        .layer(CompressionLayer::new())
        .layer(RedactLayer::default());
    let addr = serve(app).await;
    let gzip = [("accept-encoding", "gzip")];

    let reply = send(addr, get_with("/leaky-400", &gzip)).await.unwrap();
    assert_template(&reply, 400);

    // Even the clean 4xx becomes the template: its bytes were compressed.
    let reply = send(addr, get_with("/clean-422", &gzip)).await.unwrap();
    assert_template(&reply, 422);
    let line = logs.lines_with(reply.request_id()).concat();
    assert!(line.contains("the body is encoded"), "{line}");

    // Without `accept-encoding` nothing is compressed: the clean 4xx passes.
    let reply = send(addr, get_with("/clean-422", &[])).await.unwrap();
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.text(), VALIDATION);
}

/// Compression OUTSIDE the layer (recommended): the layer inspects plain
/// bytes, the clean 4xx passes and is then compressed, the leaky one is
/// templated (and the template compressed).
#[tokio::test]
async fn compression_outside_inspects_plain_bytes_then_compresses() {
    let app = routes()
        .layer(RedactLayer::default())
        .layer(CompressionLayer::new());
    let addr = serve(app).await;
    let gzip = [("accept-encoding", "gzip")];

    let reply = send(addr, get_with("/clean-422", &gzip)).await.unwrap();
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(is_uuid_v4(reply.request_id()));
    assert_ne!(reply.body.as_ref(), VALIDATION.as_bytes());
    assert_eq!(gunzip(&reply.body), VALIDATION.as_bytes());

    let reply = send(addr, get_with("/leaky-400", &gzip)).await.unwrap();
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_template_json(&gunzip(&reply.body), 400, reply.request_id());

    let reply = send(addr, get_with("/leaky-500", &gzip)).await.unwrap();
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_template_json(&gunzip(&reply.body), 500, reply.request_id());
}

// ---------------------------------------------------------------------------
// CorsLayer

fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static(ORIGIN))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([HeaderName::from_static("content-type")])
        .expose_headers([HeaderName::from_static("x-request-id")])
}

/// The CORS headers of a response, sorted.
fn cors_headers(reply: &Reply) -> Vec<(String, String)> {
    let mut headers: Vec<_> = reply
        .headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-") || *name == "vary")
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    headers
}

fn assert_readable_by_the_browser(reply: &Reply) {
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(
        reply.header("access-control-expose-headers"),
        Some("x-request-id")
    );
}

fn preflight() -> http::Request<Full<Bytes>> {
    request("OPTIONS", "/upload")
        .header("origin", ORIGIN)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .body(Full::default())
        .unwrap()
}

/// CorsLayer INSIDE RedactLayer (RedactLayer outermost): a rewritten 5xx or
/// 4xx keeps every CORS header CorsLayer set (the layer's allow-list keeps
/// `access-control-*` and `vary`), and a preflight passes untouched except
/// for the id. But a panic unwinds through CorsLayer, which never gets to
/// add its headers: the panic's 500 has none, and a browser reports a CORS
/// failure instead of the 500.
#[tokio::test]
async fn cors_inside_keeps_its_headers_on_rewrites_but_not_on_panics() {
    let bare = serve(routes().layer(cors())).await;
    let addr = serve(routes().layer(cors()).layer(RedactLayer::default())).await;
    let origin = [("origin", ORIGIN)];

    for (path, status) in [("/leaky-500", 500), ("/leaky-400", 400)] {
        let reply = send(addr, get_with(path, &origin)).await.unwrap();
        assert_template(&reply, status);
        assert_readable_by_the_browser(&reply);
        let original = send(bare, get_with(path, &origin)).await.unwrap();
        assert_eq!(cors_headers(&reply), cors_headers(&original), "{path}");
    }

    let reply = send(addr, preflight()).await.unwrap();
    let original = send(bare, preflight()).await.unwrap();
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.status, original.status);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(
        reply.header("access-control-allow-methods"),
        Some("GET,POST")
    );
    assert_eq!(cors_headers(&reply), cors_headers(&original));
    assert!(reply.body.is_empty());
    assert!(is_uuid_v4(reply.request_id()));
    assert!(reply.header("content-type").is_none());

    // The panic: the template, without any CORS header.
    let reply = send(addr, get_with("/panic", &origin)).await.unwrap();
    assert_template(&reply, 500);
    assert!(reply.header("access-control-allow-origin").is_none());
}

/// CorsLayer OUTSIDE RedactLayer: every response the layer gives, the
/// panic's 500 included, gets the CORS headers; the preflight is answered
/// by CorsLayer alone (so it has no request id).
#[tokio::test]
async fn cors_outside_covers_every_response_panics_included() {
    let bare = serve(routes().layer(cors())).await;
    let addr = serve(routes().layer(RedactLayer::default()).layer(cors())).await;
    let origin = [("origin", ORIGIN)];

    for (path, status) in [("/leaky-500", 500), ("/leaky-400", 400), ("/panic", 500)] {
        let reply = send(addr, get_with(path, &origin)).await.unwrap();
        assert_template(&reply, status);
        assert_readable_by_the_browser(&reply);
        if path != "/panic" {
            let original = send(bare, get_with(path, &origin)).await.unwrap();
            assert_eq!(cors_headers(&reply), cors_headers(&original), "{path}");
        }
    }

    let reply = send(addr, preflight()).await.unwrap();
    let original = send(bare, preflight()).await.unwrap();
    assert_eq!(reply.status, original.status);
    assert_eq!(cors_headers(&reply), cors_headers(&original));
    assert!(reply.body.is_empty());
    assert!(reply.header("x-request-id").is_none());
}

// ---------------------------------------------------------------------------
// TimeoutLayer

/// TimeoutLayer INSIDE RedactLayer. tower-http 0.7's `TimeoutLayer` answers
/// with the status it is given (`with_status_code`; the deprecated `new`
/// uses 408) and an EMPTY body. A 5xx status gets the template and the id.
/// A 408 is a client error with an empty body: nothing to leak, so it
/// passes as it is (empty, no template), with the id, `no-store` and
/// `nosniff`.
#[tokio::test]
async fn timeout_inside_gets_the_id_and_a_5xx_status_the_template() {
    let logs = capture_logs();
    let timeout = Duration::from_millis(50);
    let app = routes()
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(RedactLayer::default());
    let addr = serve(app).await;
    let reply = send(addr, get_with("/slow", &[("x-request-id", "slow-503")]))
        .await
        .unwrap();
    assert_template(&reply, 503);
    assert_eq!(reply.request_id(), "slow-503");
    let line = logs.lines_with("slow-503").concat();
    assert!(
        line.contains("server error response replaced by the template"),
        "{line}"
    );

    let app = routes()
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(RedactLayer::default());
    let addr = serve(app).await;
    let reply = send(addr, get_with("/slow", &[("x-request-id", "slow-408")]))
        .await
        .unwrap();
    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT);
    assert!(reply.body.is_empty(), "{}", reply.text());
    assert_eq!(reply.request_id(), "slow-408");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert!(reply.header("content-type").is_none());
}

// ---------------------------------------------------------------------------
// RequestBodyLimitLayer

/// RequestBodyLimitLayer INSIDE RedactLayer: an oversized upload gets a 413
/// whose body is a clean sentence ("length limit exceeded"), so it passes
/// byte for byte with the id and `no-store`: whether the limit is caught
/// from `content-length` (tower-http answers) or while a chunked body is
/// read (axum's `Bytes` rejection answers).
#[tokio::test]
async fn body_limit_inside_its_413_passes_with_the_id() {
    let app = routes()
        .layer(RequestBodyLimitLayer::new(1024))
        .layer(RedactLayer::default());
    let addr = serve(app).await;

    // Within the limit.
    let req = request("POST", "/upload")
        .body(Full::from(vec![b'a'; 1000]))
        .unwrap();
    assert_eq!(send(addr, req).await.unwrap().text(), "1000");

    // Declared too large: tower-http answers before the handler runs.
    let req = request("POST", "/upload")
        .header("x-request-id", "upload-413")
        .body(Full::from(vec![b'a'; 4096]))
        .unwrap();
    let reply = send(addr, req).await.unwrap();
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.text(), "length limit exceeded");
    assert_eq!(reply.request_id(), "upload-413");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; charset=utf-8")
    );

    // Chunked, no length: the limit trips while axum reads the body.
    let chunk = "a".repeat(1000);
    let mut raw_req = String::from(
        "POST /upload HTTP/1.1\r\nhost: x\r\nx-request-id: upload-chunked\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n",
    );
    for _ in 0..4 {
        raw_req.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    raw_req.push_str("0\r\n\r\n");
    let wire = raw(addr, raw_req.as_bytes()).await;
    let wire = String::from_utf8_lossy(&wire);
    let (head, body) = wire.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 413 "), "{wire}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("x-request-id: upload-chunked"), "{wire}");
    assert!(head.contains("cache-control: no-store"), "{wire}");
    assert_eq!(
        body,
        "Failed to buffer the request body: length limit exceeded"
    );
}

// ---------------------------------------------------------------------------
// CatchPanicLayer

/// CatchPanicLayer is not needed: `RedactLayer` alone turns a panic into
/// the 500 template and logs the panic message, masked, under the request
/// id (also `tests/panics.rs`). With CatchPanicLayer INSIDE, the client
/// gets the same template (CatchPanicLayer's plain-text "Service panicked"
/// 500 is a 5xx, so it is rewritten), but the panic message is logged by
/// tower-http, unmasked (the token is in the log), and the layer's own line
/// only has CatchPanicLayer's body.
#[tokio::test]
async fn catch_panic_is_not_needed_and_inside_it_logs_the_panic_unmasked() {
    let logs = capture_logs();
    let alone = serve(routes().layer(RedactLayer::default())).await;
    let reply = send(
        alone,
        get_with("/panic", &[("x-request-id", "panic-alone")]),
    )
    .await
    .unwrap();
    assert_template(&reply, 500);
    let lines = logs.lines_with("panic-alone");
    let ours = lines
        .iter()
        .find(|l| l.contains("tower_redact::log"))
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!(
        ours.contains("panic caught") && ours.contains("handler invariant broken"),
        "{ours}"
    );
    assert!(!lines.concat().contains("abc123"), "{lines:?}");

    let with_catch_panic = serve(
        routes()
            .layer(CatchPanicLayer::new())
            .layer(RedactLayer::default()),
    )
    .await;
    let reply = send(
        with_catch_panic,
        get_with("/panic", &[("x-request-id", "panic-catch")]),
    )
    .await
    .unwrap();
    assert_template(&reply, 500);
    assert!(!reply.text().contains("Service panicked"));
    let lines = logs.lines_with("panic-catch");
    let ours = lines
        .iter()
        .find(|l| l.contains("tower_redact::log"))
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!(
        ours.contains("server error response replaced by the template")
            && ours.contains("body=\"Service panicked\""),
        "{ours}"
    );
    assert!(!ours.contains("handler invariant broken"), "{ours}");
    let theirs = lines
        .iter()
        .find(|l| l.contains("tower_http::catch_panic"))
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!(theirs.contains("token=abc123"), "{theirs}");
}
