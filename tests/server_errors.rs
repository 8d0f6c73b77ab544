//! Points 4 to 6 of the core: every 5xx becomes the template, the original
//! body is logged bounded and masked, and a rewritten response keeps only
//! the allowed headers.

mod common;

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode},
    response::IntoResponse,
    routing::get,
    Extension, Router,
};
use bytes::Bytes;
use common::*;
use http_body_util::Full;
use std::convert::Infallible;
use tower_redact::{PublicMessage, RedactLayer, Template};

const LEAKY: &str =
    "error returned from database: password authentication failed for user \"orders\" \
    (postgres://orders:Tr0ub4dor&3@10.0.3.12:5432/orders) at /srv/app/src/db.rs:88";

fn leaky(
    status: StatusCode,
) -> impl Fn() -> std::future::Ready<(StatusCode, &'static str)> + Clone {
    move || std::future::ready((status, LEAKY))
}

fn routes() -> Router {
    Router::new()
        .route("/500", get(leaky(StatusCode::INTERNAL_SERVER_ERROR)))
        .route("/502", get(leaky(StatusCode::BAD_GATEWAY)))
        .route("/503", get(leaky(StatusCode::SERVICE_UNAVAILABLE)))
        .route("/504", get(leaky(StatusCode::GATEWAY_TIMEOUT)))
        .route("/599", get(leaky(StatusCode::from_u16(599).unwrap())))
        .route("/799", get(leaky(StatusCode::from_u16(799).unwrap())))
        .route(
            "/maintenance",
            get(|| async {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [("retry-after", "600")],
                    Extension(PublicMessage::new(
                        "Down for \"maintenance\" until 10:00 UTC.",
                    )),
                    "failover of replica-3 in progress",
                )
            }),
        )
        .route(
            "/headers",
            get(|| async {
                let mut headers = HeaderMap::new();
                for (name, value) in [
                    ("access-control-allow-origin", "https://app.example"),
                    ("access-control-expose-headers", "x-request-id"),
                    ("vary", "origin"),
                    ("retry-after", "30"),
                    ("www-authenticate", "Bearer"),
                    ("set-cookie", "session=; Max-Age=0"),
                    ("strict-transport-security", "max-age=63072000"),
                    ("content-encoding", "identity"),
                    ("etag", "\"v1\""),
                    ("last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"),
                    ("expires", "Thu, 01 Dec 2094 16:00:00 GMT"),
                    ("content-range", "bytes 0-9/10"),
                    ("cache-control", "public, max-age=3600"),
                    ("server", "Apache/2.4.57 (Debian)"),
                    ("x-powered-by", "PHP/8.2.7"),
                    ("x-debug-exception", "NullPointerException at Foo.java:12"),
                ] {
                    headers.insert(name, HeaderValue::from_static(value));
                }
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    headers,
                    "<html>stack…</html>",
                )
            }),
        )
        .route(
            "/broken-body",
            get(|| async {
                let stream = futures_util::stream::iter([
                    Ok(Bytes::from("first part of the error, ")),
                    Err(std::io::Error::other("upstream reset")),
                ]);
                (StatusCode::INTERNAL_SERVER_ERROR, Body::from_stream(stream))
            }),
        )
        .route(
            "/leaky-preserved",
            get(|| async {
                let mut headers = HeaderMap::new();
                headers.append("set-cookie", HeaderValue::from_static("session=; Max-Age=0"));
                headers.append(
                    "set-cookie",
                    HeaderValue::from_static("dsn=postgres://orders:Tr0ub4dor&3@10.0.3.12/orders"),
                );
                headers.insert(
                    "www-authenticate",
                    HeaderValue::from_static(
                        "Bearer error_description=\"SQLSTATE[28P01] password authentication failed\"",
                    ),
                );
                (StatusCode::BAD_GATEWAY, headers, "upstream failed")
            }),
        )
        .route(
            "/streamed-500",
            get(|| async {
                let chunks = (0..64).map(|i| {
                    Ok::<_, Infallible>(Bytes::from(format!("line {i:04} of a long dump\n")))
                });
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Body::from_stream(futures_util::stream::iter(chunks)),
                )
            }),
        )
}

fn assert_template(reply: &Reply, status: u16) -> serde_json::Value {
    assert_eq!(reply.status.as_u16(), status);
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
    assert_eq!(body["type"], "about:blank");
    assert_eq!(body["status"], status);
    assert_eq!(body["request_id"], reply.request_id());
    assert!(body["title"].is_string() && body["detail"].is_string() && body["code"].is_string());
    for secret in ["Tr0ub4dor", "10.0.3.12", "/srv/app", "password", "database"] {
        assert!(
            !reply.text().contains(secret),
            "{secret} leaked: {}",
            reply.text()
        );
    }
    body
}

#[tokio::test]
async fn every_5xx_is_rewritten_with_its_status() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    for (path, status, title, code) in [
        ("/500", 500, "Internal Server Error", "INTERNAL_ERROR"),
        ("/502", 502, "Bad Gateway", "BAD_GATEWAY"),
        ("/503", 503, "Service Unavailable", "SERVICE_UNAVAILABLE"),
        ("/504", 504, "Gateway Timeout", "GATEWAY_TIMEOUT"),
        ("/599", 599, "Server Error", "SERVER_ERROR"),
    ] {
        let body = assert_template(&fetch(addr, path).await, status);
        assert_eq!(body["title"], title);
        assert_eq!(body["code"], code);
    }
    // Statuses beyond 599 are not defined by RFC 9110: a 500.
    assert_template(&fetch(addr, "/799").await, 500);
}

#[tokio::test]
async fn the_original_is_logged_masked_under_the_request_id() {
    let logs = capture_logs();
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/500").await;
    assert_template(&reply, 500);
    let lines = logs.lines_with(reply.request_id());
    let line = lines
        .iter()
        .find(|l| l.contains("ERROR") && l.contains("replaced by the template"))
        .unwrap_or_else(|| panic!("{}", logs.text()));
    assert!(line.contains("status=500"), "{line}");
    assert!(line.contains("password authentication failed"), "{line}");
    assert!(line.contains("postgres://orders:***@10.0.3.12"), "{line}");
    assert!(
        !logs.text().contains("Tr0ub4dor"),
        "the password reached the log"
    );
}

#[tokio::test]
async fn the_log_read_is_bounded_and_can_be_off() {
    let logs = capture_logs();
    let small = RedactLayer::builder().log_body_limit(40).build().unwrap();
    let addr = serve(routes().layer(small)).await;
    let reply = fetch(addr, "/streamed-500").await;
    assert_template(&reply, 500);
    let line = logs.lines_with(reply.request_id()).concat();
    assert!(line.contains("line 0000 of a long dump"), "{line}");
    assert!(!line.contains("line 0002"), "read past the bound: {line}");
    assert!(line.contains("body_truncated=true"), "{line}");

    let off = RedactLayer::builder().log_body_limit(0).build().unwrap();
    let addr = serve(routes().layer(off)).await;
    let reply = fetch(addr, "/500").await;
    assert_template(&reply, 500);
    let line = logs.lines_with(reply.request_id()).concat();
    assert!(line.contains("replaced by the template"), "{line}");
    assert!(!line.contains("authentication failed"), "{line}");
}

#[tokio::test]
async fn a_body_error_while_reading_is_logged_and_the_rewrite_stands() {
    let logs = capture_logs();
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/broken-body").await;
    assert_template(&reply, 500);
    let line = logs.lines_with(reply.request_id()).concat();
    assert!(line.contains("first part of the error"), "{line}");
    assert!(line.contains("upstream reset"), "{line}");
}

/// Found by `tests/properties.rs`: a preserved header kept the leak the
/// rewrite removed from the body. Its leaky values go; its clean ones stay.
#[tokio::test]
async fn preserved_headers_lose_their_leaky_values() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/leaky-preserved").await;
    assert_template(&reply, 502);
    let cookies: Vec<_> = reply.headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["session=; Max-Age=0"]);
    assert!(reply.header("www-authenticate").is_none());
}

#[tokio::test]
async fn a_handler_chooses_the_public_message() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/maintenance").await;
    let body = assert_template(&reply, 503);
    assert_eq!(body["detail"], "Down for \"maintenance\" until 10:00 UTC.");
    assert_eq!(reply.header("retry-after"), Some("600"));
    assert!(!reply.text().contains("replica-3"));
}

#[tokio::test]
async fn rewritten_headers_follow_the_allow_list() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/headers").await;
    assert_template(&reply, 500);
    for (name, value) in [
        ("access-control-allow-origin", "https://app.example"),
        ("access-control-expose-headers", "x-request-id"),
        ("vary", "origin"),
        ("retry-after", "30"),
        ("www-authenticate", "Bearer"),
        ("set-cookie", "session=; Max-Age=0"),
        ("strict-transport-security", "max-age=63072000"),
    ] {
        assert_eq!(reply.header(name), Some(value), "{name}");
    }
    for name in [
        "content-encoding",
        "etag",
        "last-modified",
        "expires",
        "content-range",
        "server",
        "x-powered-by",
        "x-debug-exception",
    ] {
        assert!(reply.header(name).is_none(), "{name} survived");
    }
}

#[tokio::test]
async fn generated_ids_make_every_body_of_a_status_the_same_length() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let mut lengths = std::collections::BTreeSet::new();
    for _ in 0..5 {
        lengths.insert(fetch(addr, "/500").await.body.len());
        lengths.insert(fetch(addr, "/headers").await.body.len());
    }
    assert_eq!(lengths.len(), 1, "{lengths:?}");
}

#[tokio::test]
async fn head_requests_get_the_head_only() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let req = request("HEAD", "/500").body(Full::default()).unwrap();
    let reply = send(addr, req).await.unwrap();
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.body.is_empty());
    assert!(reply.header("content-type").is_none());
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(is_uuid_v4(reply.request_id()));
}

#[tokio::test]
async fn envelope_and_custom_templates_over_the_wire() {
    let envelope = RedactLayer::builder()
        .template(Template::error_envelope())
        .build()
        .unwrap();
    let addr = serve(routes().layer(envelope)).await;
    let reply = fetch(addr, "/502").await;
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let body = reply.json();
    assert_eq!(body["error"]["status"], 502);
    assert_eq!(body["error"]["code"], "BAD_GATEWAY");
    assert_eq!(body["error"]["request_id"], reply.request_id());
    assert!(body["error"]["message"].is_string());

    let custom = RedactLayer::builder()
        .template(Template::custom(
            "application/vnd.acme.error+json",
            r#"{"ok":false,"http":{{status}},"why":"{{message}}","ref":"{{request_id}}"}"#,
        ))
        .message(StatusCode::INTERNAL_SERVER_ERROR, "Sorry, that failed.")
        .build()
        .unwrap();
    let addr = serve(routes().layer(custom)).await;
    let reply = fetch(addr, "/500").await;
    assert_eq!(
        reply.header("content-type"),
        Some("application/vnd.acme.error+json")
    );
    assert_eq!(
        reply.text(),
        format!(
            r#"{{"ok":false,"http":500,"why":"Sorry, that failed.","ref":"{}"}}"#,
            reply.request_id()
        )
    );
}

#[tokio::test]
async fn the_drop_list_can_remove_set_cookie() {
    let layer = RedactLayer::builder()
        .drop_on_rewrite(http::header::SET_COOKIE)
        .build()
        .unwrap();
    let addr = serve(routes().layer(layer)).await;
    let reply = fetch(addr, "/headers").await;
    assert!(reply.header("set-cookie").is_none());
    assert_eq!(reply.header("vary"), Some("origin"));
}

#[tokio::test]
async fn axum_error_responses_compose() {
    // An axum `IntoResponse` error type, the pattern users come from.
    enum AppError {
        Database(String),
    }
    impl IntoResponse for AppError {
        fn into_response(self) -> axum::response::Response {
            match self {
                AppError::Database(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
            }
        }
    }
    let app = Router::new()
        .route(
            "/",
            get(|| async { Err::<String, _>(AppError::Database(LEAKY.to_string())) }),
        )
        .layer(RedactLayer::default());
    let addr = serve(app).await;
    assert_template(&fetch(addr, "/").await, 500);
}

/// Found by fuzz/ `service`, by `tests/properties.rs` and by the soak: the
/// text of a body error was logged as it was, neither masked nor bounded,
/// while the body beside it was masked.
#[tokio::test]
async fn a_body_error_text_is_logged_masked_and_bounded() {
    use tower::{service_fn, Layer, ServiceExt};
    let logs = capture_logs();
    let service = RedactLayer::default().layer(service_fn(|_req: http::Request<()>| async {
        let reason = format!(
            "connection to postgres://app:Hunter2Secret@10.0.0.5/db reset {}",
            "x".repeat(10_000)
        );
        let frames = vec![
            Ok(http_body::Frame::data(Bytes::from_static(b"partial"))),
            Err(std::io::Error::other(reason)),
        ];
        let body = http_body_util::StreamBody::new(futures_util::stream::iter(frames));
        let mut response = http::Response::new(body);
        *response.status_mut() = StatusCode::BAD_GATEWAY;
        Ok::<_, Infallible>(response)
    }));
    let request = http::Request::builder()
        .header("x-request-id", "body-error-text")
        .body(())
        .unwrap();
    let reply = service.oneshot(request).await.unwrap();
    assert_eq!(reply.status(), StatusCode::BAD_GATEWAY);
    let line = logs.lines_with("body-error-text").concat();
    assert!(line.contains("postgres://app:***@10.0.0.5"), "{line}");
    assert!(!logs.text().contains("Hunter2Secret"), "{line}");
    assert!(line.len() < 5_000, "unbounded: {} bytes", line.len());
}
