//! Point 1 of the core: the request id reaches the handler (extension and
//! request header), every response header, and every rewritten body.

mod common;

use axum::{extract::Request, http::StatusCode, routing::get, Extension, Router};
use common::*;
use http::header::HeaderName;
use http_body_util::Full;
use tower_redact::{RedactLayer, RequestId, UuidVersion};

/// Echoes what the handler sees: the extension and the request header.
async fn echo(Extension(id): Extension<RequestId>, req: Request) -> String {
    let header = req
        .headers()
        .get_all("x-request-id")
        .iter()
        .map(|v| v.to_str().unwrap_or("<binary>").to_owned())
        .collect::<Vec<_>>()
        .join(",");
    format!("{id}|{header}")
}

fn app(layer: RedactLayer) -> Router {
    Router::new()
        .route("/echo", get(echo))
        .route(
            "/fail",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route("/gone", get(|| async { StatusCode::NO_CONTENT }))
        .layer(layer)
}

async fn echo_with(addr: std::net::SocketAddr, values: &[&[u8]]) -> (Reply, String, String) {
    let mut req = request("GET", "/echo");
    for v in values {
        req = req.header("x-request-id", http::HeaderValue::from_bytes(v).unwrap());
    }
    let reply = send(addr, req.body(Full::default()).unwrap())
        .await
        .unwrap();
    let text = reply.text();
    let (ext, header) = text.split_once('|').unwrap();
    (reply, ext.to_owned(), header.to_owned())
}

#[tokio::test]
async fn valid_incoming_ids_are_kept_everywhere() {
    let addr = serve(app(RedactLayer::default())).await;
    for id in [
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "checkout.v2:req_42-a",
        &"z".repeat(128),
    ] {
        let (reply, ext, header) = echo_with(addr, &[id.as_bytes()]).await;
        assert_eq!(ext, id);
        assert_eq!(header, id);
        assert_eq!(reply.request_id(), id);
    }
}

#[tokio::test]
async fn unusable_incoming_ids_are_replaced_by_a_uuid_v4() {
    let addr = serve(app(RedactLayer::default())).await;
    let too_long = "a".repeat(129);
    let cases: Vec<Vec<&[u8]>> = vec![
        vec![],
        vec![too_long.as_bytes()],
        vec![b"quo\"te"],
        vec![b"back\\slash"],
        vec![b"<script>alert(1)</script>"],
        vec![b"white space"],
        vec![b"tab\tinside"],
        vec!["caf\u{e9}".as_bytes()],
        vec![b"\xff\xfe"],
        vec![b"one", b"two"],
    ];
    for values in cases {
        let (reply, ext, header) = echo_with(addr, &values).await;
        assert!(is_uuid_v4(&ext), "{values:?} gave {ext}");
        assert_eq!(header, ext, "the request header is replaced, once");
        assert_eq!(reply.request_id(), ext);
    }
}

#[tokio::test]
async fn every_response_carries_the_id_and_errors_carry_it_in_the_body() {
    let addr = serve(app(RedactLayer::default())).await;
    let ok = fetch(addr, "/echo").await;
    assert!(is_uuid_v4(ok.request_id()));
    let empty = fetch(addr, "/gone").await;
    assert_eq!(empty.status, StatusCode::NO_CONTENT);
    assert!(is_uuid_v4(empty.request_id()));
    let missing = fetch(addr, "/nowhere").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(is_uuid_v4(missing.request_id()));

    let req = request("GET", "/fail")
        .header("x-request-id", "trace-me-1")
        .body(Full::default())
        .unwrap();
    let fail = send(addr, req).await.unwrap();
    assert_eq!(fail.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(fail.request_id(), "trace-me-1");
    assert_eq!(fail.json()["request_id"], "trace-me-1");
    // Two requests without an id get two ids.
    assert_ne!(
        fetch(addr, "/fail").await.request_id(),
        fetch(addr, "/fail").await.request_id()
    );
}

#[tokio::test]
async fn distrusting_incoming_ids() {
    let layer = RedactLayer::builder()
        .trust_incoming_ids(false)
        .build()
        .unwrap();
    let addr = serve(app(layer)).await;
    let (reply, ext, header) = echo_with(addr, &[b"client-chosen"]).await;
    assert!(is_uuid_v4(&ext));
    assert_eq!(header, ext);
    assert_eq!(reply.request_id(), ext);
}

#[tokio::test]
async fn uuid_v7_and_a_custom_header_name() {
    let layer = RedactLayer::builder()
        .uuid_version(UuidVersion::V7)
        .request_id_header(HeaderName::from_static("x-correlation-id"))
        .build()
        .unwrap();
    let addr = serve(
        Router::new()
            .route(
                "/",
                get(|Extension(id): Extension<RequestId>| async move { id.to_string() }),
            )
            .layer(layer),
    )
    .await;
    let reply = fetch(addr, "/").await;
    let id = reply.header("x-correlation-id").unwrap();
    assert_eq!(reply.text(), id);
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);
    assert!(reply.header("x-request-id").is_none());

    let req = request("GET", "/")
        .header("x-correlation-id", "abc.def")
        .body(Full::default())
        .unwrap();
    assert_eq!(send(addr, req).await.unwrap().text(), "abc.def");
}

#[tokio::test]
async fn rejected_ids_never_reach_the_log() {
    let logs = capture_logs();
    let addr = serve(app(RedactLayer::default())).await;
    let hostile = b"x\" injected=\"true <evil>";
    let (reply, _, _) = echo_with(addr, &[hostile]).await;
    let id = reply.request_id().to_owned();
    let text = logs.text();
    assert!(!text.contains("injected"), "{text}");
    assert!(!text.contains("<evil>"), "{text}");
    let rejected = logs.lines_with("replaced");
    assert!(
        rejected
            .iter()
            .any(|l| l.contains(&id) && l.contains("rejected_len=24")),
        "{text}"
    );
}
