//! Hostile requests and hostile bodies: huge and malformed request ids, very
//! many headers, client errors of a gigabyte or with no end, and clients that
//! leave in the middle of a response. Memory stays bounded (the layer never
//! pulls more than its window from a body it inspects), nothing hangs, and
//! every body and task is released when the client goes.

mod common;

use axum::{body::Body, http::StatusCode, response::Response, routing::get, Router};
use bytes::Bytes;
use common::*;
use http_body::Frame;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower_redact::{Fallback, RedactLayer};

const CHUNK: usize = 16 * 1024;
const GIGABYTE: u64 = 1 << 30;

/// What a test learns about a body it handed to the layer.
#[derive(Clone, Default)]
struct Probe {
    pulled: Arc<AtomicU64>,
    dropped: Arc<AtomicBool>,
}

impl Probe {
    fn pulled(&self) -> u64 {
        self.pulled.load(Ordering::SeqCst)
    }

    /// Waits until the body was dropped; a body never dropped is a leak.
    async fn wait_dropped(&self) {
        for _ in 0..1000 {
            if self.dropped.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "the body was never dropped ({} bytes pulled)",
            self.pulled()
        );
    }
}

/// A body of `total` bytes made on demand, or one that sends a first chunk
/// and then stalls for ever (`total == 0`).
struct Hostile {
    left: u64,
    stall: bool,
    probe: Probe,
}

impl http_body::Body for Hostile {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.stall && self.probe.pulled() > 0 {
            // Never woken: a peer that stopped sending.
            return Poll::Pending;
        }
        if self.left == 0 && !self.stall {
            return Poll::Ready(None);
        }
        let n = if self.stall {
            CHUNK as u64
        } else {
            self.left.min(CHUNK as u64)
        };
        self.left = self.left.saturating_sub(n);
        self.probe.pulled.fetch_add(n, Ordering::SeqCst);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b'a'; n as usize])))))
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.probe.dropped.store(true, Ordering::SeqCst);
    }
}

fn hostile(status: StatusCode, total: u64, probe: &Probe) -> Response {
    let body = Hostile {
        left: total,
        stall: total == 0,
        probe: probe.clone(),
    };
    let mut response = Response::new(Body::new(body));
    *response.status_mut() = status;
    response
}

fn app(status: StatusCode, total: u64, probe: &Probe, layer: RedactLayer) -> Router {
    let probe = probe.clone();
    Router::new()
        .route(
            "/",
            get(move || {
                let probe = probe.clone();
                async move { hostile(status, total, &probe) }
            }),
        )
        .layer(layer)
}

fn assert_template(reply: &Reply, status: u16) {
    assert_eq!(reply.status.as_u16(), status);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.json()["request_id"], reply.request_id());
}

#[tokio::test]
async fn a_gigabyte_client_error_is_cut_at_the_inspection_limit() {
    let probe = Probe::default();
    let limit = 64 * 1024;
    let addr = serve(app(
        StatusCode::BAD_REQUEST,
        GIGABYTE,
        &probe,
        RedactLayer::default(),
    ))
    .await;
    let reply = fetch(addr, "/").await;
    assert_template(&reply, 400);
    probe.wait_dropped().await;
    assert!(
        probe.pulled() <= (limit + CHUNK) as u64,
        "pulled {} bytes",
        probe.pulled()
    );
}

#[tokio::test]
async fn a_gigabyte_server_error_is_read_only_as_far_as_the_log_bound() {
    let _logs = capture_logs();
    let probe = Probe::default();
    let addr = serve(app(
        StatusCode::INTERNAL_SERVER_ERROR,
        GIGABYTE,
        &probe,
        RedactLayer::default(),
    ))
    .await;
    assert_template(&fetch(addr, "/").await, 500);
    probe.wait_dropped().await;
    assert!(
        probe.pulled() <= (4096 + CHUNK) as u64,
        "pulled {}",
        probe.pulled()
    );
}

#[tokio::test]
async fn a_client_error_that_never_ends_is_cut_by_the_configured_time_bound() {
    let probe = Probe::default();
    let layer = RedactLayer::builder()
        .inspect_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let addr = serve(app(StatusCode::NOT_FOUND, 0, &probe, layer)).await;
    assert_template(&fetch(addr, "/").await, 404);
    probe.wait_dropped().await;
    assert_eq!(probe.pulled(), CHUNK as u64);
}

/// Opens a connection, sends a GET, reads `keep` bytes of the response and
/// closes the connection.
async fn read_then_leave(addr: std::net::SocketAddr, keep: usize) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut got = vec![0; keep];
    let mut filled = 0;
    while filled < keep {
        match stream.read(&mut got[filled..]).await.unwrap() {
            0 => break,
            n => filled += n,
        }
    }
    got.truncate(filled);
    got
}

#[tokio::test]
async fn a_client_that_leaves_mid_stream_releases_the_body() {
    // Past the window with `Fallback::Pass`, a 4xx streams on unbuffered.
    let probe = Probe::default();
    let layer = RedactLayer::builder()
        .if_too_large(Fallback::Pass)
        .build()
        .unwrap();
    let addr = serve(app(StatusCode::BAD_REQUEST, GIGABYTE, &probe, layer)).await;
    let got = read_then_leave(addr, 1 << 20).await;
    assert!(got.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
    probe.wait_dropped().await;
    // What was pulled is what the client read plus what the socket buffers
    // and hyper's write buffer held: nowhere near the gigabyte.
    assert!(
        probe.pulled() < 64 << 20,
        "pulled {} bytes for a client that read 1 MiB",
        probe.pulled()
    );
}

#[tokio::test]
async fn a_client_that_leaves_during_inspection_releases_the_body() {
    // No time bound: only the client's leaving ends the wait.
    let probe = Probe::default();
    let layer = RedactLayer::builder()
        .inspect_timeout(None)
        .build()
        .unwrap();
    let addr = serve(app(StatusCode::CONFLICT, 0, &probe, layer)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    while probe.pulled() == 0 {
        tokio::task::yield_now().await;
    }
    drop(stream);
    probe.wait_dropped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_return_to_their_baseline_after_clients_leave() {
    let probe = Probe::default();
    let addr = serve(app(
        StatusCode::OK,
        GIGABYTE,
        &probe,
        RedactLayer::default(),
    ))
    .await;
    let metrics = tokio::runtime::Handle::current().metrics();
    // The accept loop.
    let baseline = metrics.num_alive_tasks();
    let clients: Vec<_> = (0..32)
        .map(|_| tokio::spawn(read_then_leave(addr, 256 * 1024)))
        .collect();
    for client in clients {
        assert!(client.await.unwrap().starts_with(b"HTTP/1.1 200 OK\r\n"));
    }
    for _ in 0..1000 {
        if metrics.num_alive_tasks() == baseline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "{} tasks alive, {baseline} before the clients came",
        metrics.num_alive_tasks()
    );
}

#[tokio::test]
async fn huge_and_malformed_request_ids() {
    let logs = capture_logs();
    let app = Router::new()
        .route("/", get(|| async { "ok" }))
        .layer(RedactLayer::default());
    let addr = serve(app).await;

    // 64 KiB of a valid alphabet: too long, replaced; only its length logged.
    let huge = "A".repeat(64 * 1024);
    let reply = send(
        addr,
        request("GET", "/")
            .header("x-request-id", &huge)
            .body(Default::default())
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(is_uuid_v4(reply.request_id()));
    let line = logs.lines_with(reply.request_id()).concat();
    assert!(line.contains("rejected_len=65536"), "{line}");
    assert!(!logs.text().contains(&huge[..1024]));

    // Bytes no HTTP parser accepts in a header value: hyper refuses the
    // request itself, before any middleware runs, with an empty 400.
    let wire = raw(
        addr,
        b"GET / HTTP/1.1\r\nhost: x\r\nx-request-id: a\x01b\r\nconnection: close\r\n\r\n",
    )
    .await;
    let wire = String::from_utf8_lossy(&wire);
    assert!(wire.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{wire}");
    assert!(wire.ends_with("\r\n\r\n"), "a bodiless refusal: {wire}");
}

#[tokio::test]
async fn very_many_headers() {
    let app = Router::new()
        .route("/", get(|| async { "ok" }))
        .layer(RedactLayer::default());
    let addr = serve(app).await;
    let request = |n: usize| {
        let mut raw = b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n".to_vec();
        for i in 0..n {
            raw.extend_from_slice(format!("x-h{i}: {i}\r\nx-request-id: dup-{i}\r\n").as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        raw
    };
    // 90 headers, 45 of them request ids: one generated id replaces them all.
    let wire = raw(addr, &request(45)).await;
    let wire = String::from_utf8_lossy(&wire);
    assert!(wire.starts_with("HTTP/1.1 200 OK\r\n"), "{wire}");
    assert_eq!(wire.matches("x-request-id: ").count(), 1, "{wire}");
    assert!(!wire.contains("dup-"), "{wire}");
    // Past hyper's limit of 100 headers hyper answers 431 itself, bodiless.
    let wire = raw(addr, &request(500)).await;
    let wire = String::from_utf8_lossy(&wire);
    assert!(
        wire.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{wire}"
    );
    assert!(wire.ends_with("\r\n\r\n"), "{wire}");
}

/// OWASP ASVS 5.0 16.4.1: nothing a client or a handler sends can forge a
/// log line. Bodies, error texts and panic messages are logged with `Debug`
/// escaping; the path is a parsed URI path, which holds no whitespace or
/// control bytes; a rejected id is logged as its length only.
#[tokio::test]
async fn log_lines_cannot_be_forged() {
    let logs = capture_logs();
    const FORGED: &str = "\nERROR forged: request_id=admin \"login ok\"\r\n";
    let app = Router::new()
        .route(
            "/{*rest}",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, FORGED) }),
        )
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("{FORGED}");
                }
                "unreachable"
            }),
        )
        .layer(RedactLayer::default());
    let addr = serve(app).await;
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.to_string().contains("forged") {
            default_hook(info);
        }
    }));
    let mut ids = Vec::new();
    for path in ["/a%0d%0aERROR%20forged\"=1", "/panic"] {
        let reply = fetch(addr, path).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
        ids.push(reply.request_id().to_owned());
    }
    let wire = raw(
        addr,
        b"GET /x HTTP/1.1\r\nhost: x\r\nx-request-id: a\tERROR forged\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(String::from_utf8_lossy(&wire).starts_with("HTTP/1.1 500"));
    let log = logs.text();
    for id in &ids {
        assert!(log.contains(id.as_str()), "{id} was logged");
    }
    for line in log.lines() {
        assert!(
            !line.trim_start().starts_with("ERROR forged"),
            "a forged line: {line:?}"
        );
        if line.contains("forged") {
            assert!(line.contains("request{request_id="), "{line:?}");
        }
    }
}
