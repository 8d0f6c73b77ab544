//! Issue 5, point 4: streaming 2xx responses are never held back. The
//! first chunk of a chunked download and the first event of axum's `Sse`
//! reach the client, over HTTP/1.1 and HTTP/2, while the handler is still
//! waiting to produce the second: the handler's stream waits for a signal
//! the client gives only after it read the first. A layer that buffered
//! would deadlock; the outer timeout turns that into a failure. (A raw SSE
//! body over HTTP/1.1 is `tests/client_errors.rs::success_streams_are_not_held_back`.)

mod common;

use axum::{
    body::Body,
    response::sse::{Event, Sse},
    routing::get,
    Router,
};
use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tower_redact::RedactLayer;

const GUARD: Duration = Duration::from_secs(30);
const FIRST_LEN: usize = 16 * 1024;

fn first_chunk() -> Bytes {
    (0..FIRST_LEN).map(|i| (i % 251) as u8).collect()
}

fn second_chunk() -> Bytes {
    Bytes::from_static(b"the second chunk, produced only after the client read the first")
}

/// A download of two chunks; the second is produced only after `go`.
fn download(go: Arc<Notify>) -> Body {
    let stream = futures_util::stream::unfold(0, move |n| {
        let go = go.clone();
        async move {
            match n {
                0 => Some((Ok::<_, Infallible>(first_chunk()), 1)),
                1 => {
                    go.notified().await;
                    Some((Ok(second_chunk()), 2))
                }
                _ => None,
            }
        }
    });
    Body::from_stream(stream)
}

/// axum's `Sse` of two events; the second is produced only after `go`.
fn events(go: Arc<Notify>) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let stream = futures_util::stream::unfold(0, move |n| {
        let go = go.clone();
        async move {
            match n {
                0 => Some((Ok(Event::default().event("row").data("first")), 1)),
                1 => {
                    go.notified().await;
                    Some((Ok(Event::default().event("row").data("second")), 2))
                }
                _ => None,
            }
        }
    });
    Sse::new(stream)
}

fn app(layer: RedactLayer, go: Arc<Notify>) -> Router {
    let download_go = go.clone();
    Router::new()
        .route(
            "/download",
            get(move || {
                let go = download_go.clone();
                async move { ([("content-type", "application/octet-stream")], download(go)) }
            }),
        )
        .route(
            "/events",
            get(move || {
                let go = go.clone();
                async move { events(go) }
            }),
        )
        .layer(layer)
}

#[derive(Debug, Clone, Copy)]
enum Proto {
    H1,
    H2,
}

/// Sends a GET and returns the response with its body unread.
async fn open(proto: Proto, addr: SocketAddr, path: &str) -> http::Response<Incoming> {
    let req = request("GET", path).body(Full::<Bytes>::default()).unwrap();
    match proto {
        Proto::H1 => {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(conn);
            let res = sender.send_request(req).await.unwrap();
            assert_eq!(res.version(), http::Version::HTTP_11);
            res
        }
        Proto::H2 => connect_h2(addr).await.open(req).await.unwrap(),
    }
}

/// Reads data frames until `done` says the bytes read so far are enough.
async fn read_until(body: &mut Incoming, buf: &mut Vec<u8>, done: impl Fn(&[u8]) -> bool) {
    while !done(buf) {
        let frame = body
            .frame()
            .await
            .unwrap_or_else(|| panic!("ended early after {} bytes", buf.len()))
            .unwrap();
        if let Ok(data) = frame.into_data() {
            buf.extend_from_slice(&data);
        }
    }
}

/// Reads what is left of the body.
async fn read_rest(body: Incoming, buf: &mut Vec<u8>) {
    buf.extend_from_slice(&body.collect().await.unwrap().to_bytes());
}

#[tokio::test]
async fn a_chunked_download_is_not_held_back_over_both_protocols() {
    for proto in [Proto::H1, Proto::H2] {
        let go = Arc::new(Notify::new());
        let addr = serve_service(app(RedactLayer::default(), go.clone())).await;
        tokio::time::timeout(GUARD, async {
            let res = open(proto, addr, "/download").await;
            assert_eq!(res.status(), http::StatusCode::OK);
            assert!(is_uuid_v4(res.headers()["x-request-id"].to_str().unwrap()));
            assert!(!res.headers().contains_key("content-length"), "{proto:?}");
            if let Proto::H1 = proto {
                assert_eq!(res.headers()["transfer-encoding"], "chunked");
            }
            let mut body = res.into_body();
            let mut buf = Vec::new();
            read_until(&mut body, &mut buf, |b| b.len() >= FIRST_LEN).await;
            // Only the first chunk exists yet.
            assert_eq!(buf, first_chunk(), "{proto:?}");
            go.notify_one();
            read_rest(body, &mut buf).await;
            assert_eq!(buf.len(), FIRST_LEN + second_chunk().len());
            assert_eq!(&buf[FIRST_LEN..], second_chunk(), "{proto:?}");
        })
        .await
        .unwrap_or_else(|_| panic!("{proto:?}: the first chunk was held back (timed out)"));
    }
}

#[tokio::test]
async fn axum_sse_events_are_not_held_back_over_both_protocols() {
    for proto in [Proto::H1, Proto::H2] {
        for layer in [
            RedactLayer::default(),
            // Opted-in 2xx scanning never holds server-sent events either.
            RedactLayer::builder()
                .scan_success_bodies(true)
                .build()
                .unwrap(),
        ] {
            let go = Arc::new(Notify::new());
            let addr = serve_service(app(layer, go.clone())).await;
            tokio::time::timeout(GUARD, async {
                let res = open(proto, addr, "/events").await;
                assert_eq!(res.status(), http::StatusCode::OK);
                assert_eq!(res.headers()["content-type"], "text/event-stream");
                assert!(res.headers().contains_key("x-request-id"));
                let mut body = res.into_body();
                let mut buf = Vec::new();
                read_until(&mut body, &mut buf, |b| b.ends_with(b"\n\n")).await;
                assert_eq!(
                    String::from_utf8_lossy(&buf),
                    "event: row\ndata: first\n\n",
                    "{proto:?}"
                );
                go.notify_one();
                read_rest(body, &mut buf).await;
                assert_eq!(
                    String::from_utf8_lossy(&buf),
                    "event: row\ndata: first\n\nevent: row\ndata: second\n\n",
                    "{proto:?}"
                );
            })
            .await
            .unwrap_or_else(|_| panic!("{proto:?}: the first event was held back (timed out)"));
        }
    }
}
