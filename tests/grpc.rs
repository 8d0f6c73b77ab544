//! Issue 5, point 2: gRPC through the layer, with a real tonic server (the
//! layer added with `Server::builder().layer(…)`) and a real tonic client.
//! gRPC errors travel on HTTP 200 in `grpc-status`/`grpc-message`: in the
//! head of a trailers-only response (unary errors) or in the trailers (a
//! stream that fails after messages).

mod common;
#[path = "../examples/pinger/mod.rs"]
mod pinger;

use common::capture_logs;
use http::uri::PathAndQuery;
use pinger::{Ping, PingerServer};
use std::net::SocketAddr;
use tonic::{Code, Request, Response, Status};
use tonic_prost::ProstCodec;
use tower_redact::RedactLayer;

async fn serve(layer: RedactLayer) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .layer(layer)
            .add_service(PingerServer)
            .serve_with_incoming(incoming)
            .await
            .unwrap()
    });
    addr
}

async fn client(addr: SocketAddr) -> tonic::client::Grpc<tonic::transport::Channel> {
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    tonic::client::Grpc::new(channel)
}

fn request(text: &str, id: Option<&str>) -> Request<Ping> {
    let mut request = Request::new(Ping {
        text: text.to_string(),
    });
    if let Some(id) = id {
        request
            .metadata_mut()
            .insert("x-request-id", id.parse().unwrap());
    }
    request
}

async fn unary(addr: SocketAddr, text: &str, id: &str) -> Result<Response<Ping>, Status> {
    let mut grpc = client(addr).await;
    grpc.ready().await.unwrap();
    let path = PathAndQuery::from_static("/test.Pinger/Ping");
    grpc.unary(request(text, Some(id)), path, ProstCodec::default())
        .await
}

fn assert_generic(status: &Status, code: Code, id: &str) {
    assert_eq!(status.code(), code, "{status:?}");
    assert_eq!(
        status.message(),
        format!("Internal error (request id {id})")
    );
    assert!(status.details().is_empty());
    for secret in [
        "hunter2",
        "10.0.0.7",
        "Traceback",
        "/srv/app",
        "sqlx",
        "exploded",
    ] {
        assert!(
            !format!("{status:?}").contains(secret),
            "{secret}: {status:?}"
        );
    }
}

#[tokio::test]
async fn successes_pass_with_the_request_id() {
    let addr = serve(RedactLayer::default()).await;
    let response = unary(addr, "hello", "grpc-ok-1").await.unwrap();
    assert_eq!(
        response.metadata().get("x-request-id").unwrap(),
        "grpc-ok-1"
    );
    assert_eq!(response.into_inner().text, "pong: hello");
}

#[tokio::test]
async fn server_fault_codes_get_a_generic_message_with_the_id() {
    let logs = capture_logs();
    let addr = serve(RedactLayer::default()).await;
    for (text, code) in [("internal", Code::Internal), ("unknown", Code::Unknown)] {
        let id = format!("grpc-{text}-1");
        let status = unary(addr, text, &id).await.unwrap_err();
        assert_generic(&status, code, &id);
        assert_eq!(status.metadata().get("x-request-id").unwrap(), id.as_str());
        let line = logs.lines_with(&id).concat();
        assert!(
            line.contains("gRPC server error; message replaced"),
            "{line}"
        );
    }
    // The original reaches the log, masked.
    let line = logs.lines_with("grpc-internal-1").concat();
    assert!(
        line.contains("pool timed out connecting to postgres://app:***@10.0.0.7"),
        "{line}"
    );
    assert!(!logs.text().contains("hunter2"));
}

#[tokio::test]
async fn other_codes_are_redacted_only_when_they_leak() {
    let addr = serve(RedactLayer::default()).await;
    let status = unary(addr, "leaky", "grpc-leaky-1").await.unwrap_err();
    assert_generic(&status, Code::InvalidArgument, "grpc-leaky-1");

    let status = unary(addr, "clean", "grpc-clean-1").await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "text must not be empty");
    let status = unary(addr, "unavailable", "grpc-unavailable-1")
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(status.message(), "try again in 30 s");
}

#[tokio::test]
async fn more_fault_codes_can_be_configured() {
    let layer = RedactLayer::builder()
        .grpc_fault_code(Code::Unavailable as u16)
        .build()
        .unwrap();
    let addr = serve(layer).await;
    let status = unary(addr, "unavailable", "grpc-unavailable-2")
        .await
        .unwrap_err();
    assert_generic(&status, Code::Unavailable, "grpc-unavailable-2");
}

#[tokio::test]
async fn a_panicking_handler_is_an_internal_status_not_an_http_error() {
    let addr = serve(RedactLayer::default()).await;
    let status = unary(addr, "panic", "grpc-panic-1").await.unwrap_err();
    assert_generic(&status, Code::Internal, "grpc-panic-1");
    assert_eq!(
        status.metadata().get("x-request-id").unwrap(),
        "grpc-panic-1"
    );
    // Trailers-only, on HTTP 200: the client saw a gRPC status, not a
    // transport error about an HTTP 500.
    assert!(!status.message().contains("status code"), "{status:?}");
}

#[tokio::test]
async fn a_failure_in_the_trailers_of_a_stream_is_redacted() {
    let addr = serve(RedactLayer::default()).await;
    let mut grpc = client(addr).await;
    grpc.ready().await.unwrap();
    let path = PathAndQuery::from_static("/test.Pinger/Pings");
    let mut stream = grpc
        .server_streaming(
            request("internal", Some("grpc-stream-1")),
            path,
            ProstCodec::<Ping, Ping>::default(),
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stream.message().await.unwrap().unwrap().text, "item 0");
    assert_eq!(stream.message().await.unwrap().unwrap().text, "item 1");
    let status = stream.message().await.unwrap_err();
    assert_generic(&status, Code::Internal, "grpc-stream-1");

    // A clean stream ends with OK trailers, untouched.
    let mut grpc = client(addr).await;
    grpc.ready().await.unwrap();
    let path = PathAndQuery::from_static("/test.Pinger/Pings");
    let mut stream = grpc
        .server_streaming(
            request("fine", None),
            path,
            ProstCodec::<Ping, Ping>::default(),
        )
        .await
        .unwrap()
        .into_inner();
    let mut texts = Vec::new();
    while let Some(message) = stream.message().await.unwrap() {
        texts.push(message.text);
    }
    assert_eq!(texts, ["item 0", "item 1", "pong: fine"]);
}
