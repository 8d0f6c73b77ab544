//! Servers on 127.0.0.1 and clients that talk to them, shared by the
//! integration tests. Each test binary uses a part of it.
#![allow(dead_code)]

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Serves an axum router on an ephemeral port.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Serves any tower service with hyper-util's HTTP/1.1 + HTTP/2 server.
pub async fn serve_service<S, B>(service: S) -> SocketAddr
where
    S: tower::Service<
            Request<hyper::body::Incoming>,
            Response = http::Response<B>,
            Error = Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = hyper_util::service::TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// A response as the client received it.
#[derive(Debug)]
pub struct Reply {
    pub version: http::Version,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn request_id(&self) -> &str {
        self.header("x-request-id").expect("no x-request-id header")
    }
}

/// Sends `req` over a fresh HTTP/1.1 connection and reads the whole body.
pub async fn send(addr: SocketAddr, req: Request<Full<Bytes>>) -> Result<Reply, hyper::Error> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let res = sender.send_request(req).await?;
    let (parts, body) = res.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(Reply {
        version: parts.version,
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// An HTTP/2 connection with prior knowledge (h2c, no upgrade dance), on
/// which several requests can be sent.
#[derive(Clone)]
pub struct H2 {
    addr: SocketAddr,
    sender: hyper::client::conn::http2::SendRequest<Full<Bytes>>,
}

/// Opens an HTTP/2 connection to `addr`.
pub async fn connect_h2(addr: SocketAddr) -> H2 {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    H2 { addr, sender }
}

impl H2 {
    /// Sends `req` (a relative URI is made absolute, `host` becomes
    /// `:authority`) and returns the response with its body unread.
    pub async fn open(
        &mut self,
        mut req: Request<Full<Bytes>>,
    ) -> Result<http::Response<hyper::body::Incoming>, hyper::Error> {
        if req.uri().authority().is_none() {
            let uri = format!("http://{}{}", self.addr, req.uri());
            *req.uri_mut() = uri.parse().unwrap();
        }
        req.headers_mut().remove(http::header::HOST);
        self.sender.ready().await?;
        let res = self.sender.send_request(req).await?;
        assert_eq!(res.version(), http::Version::HTTP_2);
        Ok(res)
    }

    /// Sends `req` and reads the whole body.
    pub async fn send(&mut self, req: Request<Full<Bytes>>) -> Result<Reply, hyper::Error> {
        let (parts, body) = self.open(req).await?.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Reply {
            version: parts.version,
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    pub async fn fetch(&mut self, path: &str) -> Reply {
        self.send(request("GET", path).body(Full::default()).unwrap())
            .await
            .unwrap()
    }
}

/// Sends `req` over a fresh HTTP/2 connection and reads the whole body.
pub async fn send_h2(addr: SocketAddr, req: Request<Full<Bytes>>) -> Result<Reply, hyper::Error> {
    connect_h2(addr).await.send(req).await
}

pub fn request(method: &str, path: &str) -> http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1")
}

pub async fn fetch(addr: SocketAddr, path: &str) -> Reply {
    send(addr, request("GET", path).body(Full::default()).unwrap())
        .await
        .unwrap()
}

/// Writes `raw` on a fresh connection and reads until the server closes it
/// (send `connection: close`).
pub async fn raw(addr: SocketAddr, raw: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw).await.unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    out
}

pub fn is_uuid_v4(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok_and(|u| u.get_version_num() == 4) && id.len() == 36
}

/// Collects what a `tracing` fmt subscriber writes, for tests that read the
/// server log. One global subscriber per test binary: thread-local
/// subscribers race with tracing's per-callsite interest cache when tests
/// run in parallel, and lose events. Tests tell their lines apart by their
/// request ids.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

/// The binary's log capture, installed on first use.
pub fn capture_logs() -> &'static LogCapture {
    static CAPTURE: std::sync::OnceLock<LogCapture> = std::sync::OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = LogCapture::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(capture.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        capture
    })
}

impl LogCapture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The log lines that mention `needle`.
    pub fn lines_with(&self, needle: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
