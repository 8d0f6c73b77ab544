//! Points 7 and 8 of the core: what every response's head becomes, and 4xx
//! bodies passing through unchanged.

mod common;

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode},
    response::IntoResponse,
    routing::get,
    Router,
};
use common::*;
use http::header::HeaderName;
use http_body_util::Full;
use tower_redact::RedactLayer;

fn banners() -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("server", "Apache/2.4.57 (Debian)"),
        ("x-powered-by", "Express"),
        ("x-aspnet-version", "4.0.30319"),
        ("x-aspnetmvc-version", "5.2"),
        ("x-runtime", "0.012"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
}

const VALIDATION: &str = r#"{"type":"https://api.example/problems/validation","title":"Invalid input","status":422,"errors":[{"field":"email","message":"must be a valid email address"}]}"#;

fn routes() -> Router {
    Router::new()
        .route(
            "/cached",
            get(|| async {
                (
                    [("cache-control", "public, max-age=600"), ("etag", "\"v7\"")],
                    banners(),
                    "cacheable",
                )
            }),
        )
        .route(
            "/validation",
            get(|| async {
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    [
                        ("content-type", "application/problem+json"),
                        ("cache-control", "max-age=60"),
                    ],
                    banners(),
                    VALIDATION,
                )
            }),
        )
        .route(
            "/plain-400",
            get(|| async {
                (
                    StatusCode::BAD_REQUEST,
                    "The `page` parameter must be a positive number.",
                )
                    .into_response()
            }),
        )
        .route(
            "/no-content",
            get(|| async { (StatusCode::NO_CONTENT, banners()) }),
        )
        .route(
            "/not-modified",
            get(|| async { (StatusCode::NOT_MODIFIED, [("etag", "\"v7\"")]) }),
        )
        .route("/ok", get(|| async { "body for GET" }))
}

#[tokio::test]
async fn version_headers_are_stripped_and_2xx_caching_is_kept() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/cached").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "cacheable");
    for name in [
        "server",
        "x-powered-by",
        "x-aspnet-version",
        "x-aspnetmvc-version",
    ] {
        assert!(reply.header(name).is_none(), "{name} survived");
    }
    assert_eq!(reply.header("x-runtime"), Some("0.012"));
    assert_eq!(reply.header("cache-control"), Some("public, max-age=600"));
    assert_eq!(reply.header("etag"), Some("\"v7\""));
    // OWASP ASVS 5.0 3.4.4: every response, not only errors.
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert!(is_uuid_v4(reply.request_id()));
}

#[tokio::test]
async fn nosniff_on_successes_can_be_turned_off() {
    let layer = RedactLayer::builder()
        .nosniff_on_success(false)
        .build()
        .unwrap();
    let addr = serve(routes().layer(layer)).await;
    let reply = fetch(addr, "/cached").await;
    assert!(reply.header("x-content-type-options").is_none());
    // Errors keep it whatever the setting.
    let reply = fetch(addr, "/validation").await;
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn client_errors_pass_byte_for_byte_with_no_store() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    let reply = fetch(addr, "/validation").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.text(), VALIDATION);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(
        reply.header("content-length"),
        Some(VALIDATION.len().to_string().as_str())
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert!(reply.header("server").is_none());

    let reply = fetch(addr, "/plain-400").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.text(),
        "The `page` parameter must be a positive number."
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    // axum's own 404 (empty body) gets the headers too.
    let reply = fetch(addr, "/missing").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.is_empty());
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(is_uuid_v4(reply.request_id()));
}

#[tokio::test]
async fn bodiless_responses_get_no_body_and_no_content_type() {
    let addr = serve(routes().layer(RedactLayer::default())).await;
    for (method, path, status) in [
        ("GET", "/no-content", 204),
        ("GET", "/not-modified", 304),
        ("HEAD", "/ok", 200),
        ("HEAD", "/validation", 422),
    ] {
        let req = request(method, path).body(Full::default()).unwrap();
        let reply = send(addr, req).await.unwrap();
        assert_eq!(reply.status.as_u16(), status, "{method} {path}");
        assert!(reply.body.is_empty(), "{method} {path}");
        assert!(is_uuid_v4(reply.request_id()), "{method} {path}");
        assert!(reply.header("server").is_none(), "{method} {path}");
        if status == 204 || status == 304 {
            assert!(reply.header("content-type").is_none(), "{method} {path}");
            assert!(reply.header("content-length").is_none(), "{method} {path}");
        }
    }
    // 304 keeps its validator.
    let reply = fetch(addr, "/not-modified").await;
    assert_eq!(reply.header("etag"), Some("\"v7\""));
}

#[tokio::test]
async fn the_strip_list_is_configurable() {
    let layer = RedactLayer::builder()
        .keep_header(HeaderName::from_static("server"))
        .strip_header(HeaderName::from_static("x-runtime"))
        .build()
        .unwrap();
    let addr = serve(routes().layer(layer)).await;
    let reply = fetch(addr, "/cached").await;
    assert_eq!(reply.header("server"), Some("Apache/2.4.57 (Debian)"));
    assert!(reply.header("x-runtime").is_none());
    assert!(reply.header("x-powered-by").is_none());
}

#[tokio::test]
async fn the_raw_wire_of_a_rewritten_response() {
    let addr = serve(
        Router::new()
            .route(
                "/",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, banners(), "trace") }),
            )
            .layer(RedactLayer::default()),
    )
    .await;
    let wire = raw(
        addr,
        b"GET / HTTP/1.1\r\nhost: x\r\nx-request-id: wire-1\r\nconnection: close\r\n\r\n",
    )
    .await;
    let wire = String::from_utf8(wire).unwrap();
    let (head, body) = wire.split_once("\r\n\r\n").unwrap();
    let head = head.to_ascii_lowercase();
    assert!(
        head.starts_with("http/1.1 500 internal server error\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!("content-length: {}\r\n", body.len())),
        "{head}"
    );
    assert!(!head.contains("transfer-encoding"), "{head}");
    assert!(
        !head.contains("apache") && !head.contains("express"),
        "{head}"
    );
    assert!(body.contains(r#""request_id":"wire-1""#), "{body}");
}
