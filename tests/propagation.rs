//! Issue 5, point 6: the request id follows a request across services.
//! Service A (behind RedactLayer) calls service B (behind RedactLayer) with
//! a hyper-util client wrapped in ForwardRequestIdLayer; B sees A's id.

mod common;

use axum::{extract::State, routing::get, Extension, Router};
use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use std::net::SocketAddr;
use tower::{Service, ServiceBuilder, ServiceExt};
use tower_redact::{ForwardRequestId, ForwardRequestIdLayer, RedactLayer, RequestId};

type Outgoing = ForwardRequestId<Client<HttpConnector, Full<Bytes>>>;

/// Service B: tells which id it was called with.
fn service_b() -> Router {
    Router::new()
        .route(
            "/whoami",
            get(|Extension(id): Extension<RequestId>| async move {
                tracing::info!("service b handling");
                id.to_string()
            }),
        )
        .layer(RedactLayer::default())
}

/// Service A: calls B and reports what B saw, next to its own id.
fn service_a(b: SocketAddr) -> Router {
    let client: Outgoing = ServiceBuilder::new()
        .layer(ForwardRequestIdLayer::new())
        .service(Client::builder(TokioExecutor::new()).build_http());
    Router::new()
        .route(
            "/chain",
            get(
                |State((b, client)): State<(SocketAddr, Outgoing)>,
                 Extension(own): Extension<RequestId>| async move {
                    assert_eq!(RequestId::current().as_ref(), Some(&own));
                    let req = http::Request::get(format!("http://{b}/whoami"))
                        .body(Full::default())
                        .unwrap();
                    let res = client.oneshot(req).await.unwrap();
                    let header = res.headers()["x-request-id"].to_str().unwrap().to_owned();
                    let body = res.into_body().collect().await.unwrap().to_bytes();
                    format!("{own}|{}|{header}", String::from_utf8_lossy(&body))
                },
            ),
        )
        .with_state((b, client))
        .layer(RedactLayer::default())
}

#[tokio::test]
async fn the_id_follows_the_request_to_the_next_service() {
    let logs = capture_logs();
    let b = serve(service_b()).await;
    let a = serve(service_a(b)).await;

    let req = request("GET", "/chain")
        .header("x-request-id", "chain-42")
        .body(Full::default())
        .unwrap();
    let reply = send(a, req).await.unwrap();
    assert_eq!(reply.text(), "chain-42|chain-42|chain-42");
    assert!(logs
        .lines_with("service b handling")
        .iter()
        .any(|l| l.contains("request_id=chain-42")));

    // A generated id travels the same way.
    let reply = fetch(a, "/chain").await;
    let id = reply.request_id().to_owned();
    assert!(is_uuid_v4(&id));
    assert_eq!(reply.text(), format!("{id}|{id}|{id}"));
}

#[tokio::test]
async fn outside_a_request_nothing_is_added() {
    let b = serve(service_b()).await;
    assert!(RequestId::current().is_none());
    let mut client: Outgoing = ServiceBuilder::new()
        .layer(ForwardRequestIdLayer::new())
        .service(Client::builder(TokioExecutor::new()).build_http());
    let req = http::Request::get(format!("http://{b}/whoami"))
        .body(Full::default())
        .unwrap();
    let res = client.ready().await.unwrap().call(req).await.unwrap();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    // B generated its own id: nothing was forwarded.
    assert!(is_uuid_v4(&String::from_utf8_lossy(&body)));
}

/// Optional W3C trace context: without an id of its own, a request takes
/// the trace-id of a valid `traceparent`; the span records `trace_id`.
#[tokio::test]
async fn trace_context_supplies_the_id_and_the_span_field() {
    let logs = capture_logs();
    let app = Router::new()
        .route(
            "/traced",
            get(|| async {
                tracing::info!("inside a traced request");
                "ok"
            }),
        )
        .layer(RedactLayer::builder().trace_context(true).build().unwrap());
    let addr = serve(app).await;
    let trace = "0af7651916cd43dd8448eb211c80319c";
    let req = request("GET", "/traced")
        .header("traceparent", format!("00-{trace}-b7ad6b7169203331-01"))
        .body(Full::default())
        .unwrap();
    let reply = send(addr, req).await.unwrap();
    assert_eq!(reply.request_id(), trace);
    assert!(logs
        .lines_with("inside a traced request")
        .iter()
        .any(|l| l.contains(&format!("request_id={trace}"))
            && l.contains(&format!("trace_id={trace}"))));

    // An invalid traceparent is ignored: a fresh UUID.
    let req = request("GET", "/traced")
        .header(
            "traceparent",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        )
        .body(Full::default())
        .unwrap();
    assert!(is_uuid_v4(send(addr, req).await.unwrap().request_id()));
}
