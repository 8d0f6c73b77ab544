//! `RedactLayer` in front of a plain hyper service: a hyper-util HTTP/1.1
//! server whose `tower::Service` is built with `tower::ServiceBuilder`.
//!
//! ```text
//! cargo run --release --example hyper -- --addr 127.0.0.1:3000
//! curl -i 127.0.0.1:3000/        # 200 "hello", with an x-request-id
//! curl -i 127.0.0.1:3000/fail    # the leaky 500 becomes the JSON template
//! ```
//!
//! Routes: `/` answers 200 `hello`; `/fail` answers a 500 whose body leaks a
//! database URL with its password, which the client never sees (the server
//! log gets it, masked, under the request id); anything else is 404.
//!
//! Options: `--addr HOST:PORT` (default `127.0.0.1:3000`; port 0 picks a free
//! one, printed on stdout) and
//! `--mode redact|bare|towerhttp` (default `redact`). Only `redact` is the
//! example; `bare` (the handler alone) and `towerhttp` (the tower-http stack a
//! user would assemble for the same job) are benchmark comparisons, driven by
//! `scripts/load.sh`. `RUST_LOG` sets the log filter (default `info`).
//!
//! The runtime has one worker thread, so that a load test measures one core.

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::convert::Infallible;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_redact::RedactLayer;
use tracing_subscriber::EnvFilter;

/// The application: what a handler of a real service looks like, bugs
/// included.
async fn handler(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, body): (StatusCode, &'static str) = match request.uri().path() {
        "/" => (StatusCode::OK, "hello"),
        // The database error as is: `format!("{err:?}")` in a 500.
        "/fail" => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Database(PgDatabaseError { severity: Error, code: \"28P01\", message: \
             \"password authentication failed for user \\\"orders\\\"\" }) while connecting to \
             postgres://orders:Tr0ub4dor&3@10.0.3.12:5432/orders (src/db/pool.rs:88:14)",
        ),
        _ => (StatusCode::NOT_FOUND, "not found"),
    };
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(response)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Redact,
    Bare,
    TowerHttp,
}

struct Options {
    mode: Mode,
    addr: SocketAddr,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        mode: Mode::Redact,
        addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--mode" => {
                options.mode = match value()?.as_str() {
                    "redact" => Mode::Redact,
                    "bare" => Mode::Bare,
                    "towerhttp" => Mode::TowerHttp,
                    other => return Err(format!("unknown mode {other:?}")),
                }
            }
            "--addr" => {
                let addr = value()?;
                options.addr = addr.parse().map_err(|e| format!("--addr {addr}: {e}"))?;
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}\nusage: hyper [--mode redact|bare|towerhttp] [--addr HOST:PORT]"
                ))
            }
        }
    }
    Ok(options)
}

fn main() {
    let options = match options() {
        Ok(options) => options,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(options));
}

async fn run(options: Options) {
    let listener = match TcpListener::bind(options.addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {}: {err}", options.addr);
            std::process::exit(1);
        }
    };
    let addr = listener.local_addr().unwrap_or(options.addr);
    // On stdout whatever the log filter: scripts/load.sh reads the port here.
    println!("listening on http://{addr} (mode {:?})", options.mode);
    match options.mode {
        // The example: RedactLayer outermost, around the application.
        Mode::Redact => {
            let service = ServiceBuilder::new()
                .layer(RedactLayer::default())
                .service_fn(handler);
            serve(listener, service).await
        }
        // Benchmark comparison: the handler alone.
        Mode::Bare => serve(listener, tower::service_fn(handler)).await,
        // Benchmark comparison: the same job done with tower-http.
        Mode::TowerHttp => serve(listener, comparison::tower_http_stack()).await,
    }
}

/// Accepts connections forever and serves each one with hyper's HTTP/1.1
/// server (keep-alive and pipelining on) on its own task.
async fn serve<S, B>(listener: TcpListener, service: S)
where
    S: tower::Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                tracing::warn!(%err, "accept failed");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .pipeline_flush(true)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(err) = connection.await {
                tracing::debug!(%err, "connection ended with an error");
            }
        });
    }
}

/// Benchmark comparison only: what a user would assemble from tower-http for
/// the job `RedactLayer` does (request ids, a span with the id, no-store,
/// 5xx bodies replaced, panics caught). `scripts/load.sh` compares it with
/// `RedactLayer`; `benches/common/mod.rs` has the same stack in process.
mod comparison {
    use super::*;
    use http_body_util::BodyExt;
    use tower_http::body::UnsyncBoxBody;
    use tower_http::catch_panic::CatchPanicLayer;
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::set_header::SetResponseHeaderLayer;
    use tower_http::trace::TraceLayer;

    type BoxError = Box<dyn std::error::Error + Send + Sync>;
    type BoxedResponse = Response<UnsyncBoxBody<Bytes, BoxError>>;

    const FIXED_5XX_JSON: &str = r#"{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"An internal error occurred.","code":"INTERNAL_ERROR"}"#;

    fn make_span(request: &Request<Incoming>) -> tracing::Span {
        let id = request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            request_id = %id,
            method = %request.method(),
            path = %request.uri().path(),
        )
    }

    fn replace_5xx(response: BoxedResponse) -> BoxedResponse {
        if !response.status().is_server_error() {
            return response;
        }
        let (mut parts, _body) = response.into_parts();
        parts
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        parts.headers.remove(http::header::CONTENT_LENGTH);
        let body = Full::new(Bytes::from_static(FIXED_5XX_JSON.as_bytes())).map_err(|e| match e {});
        Response::from_parts(parts, UnsyncBoxBody::new(body))
    }

    pub(super) fn tower_http_stack() -> impl tower::Service<
        Request<Incoming>,
        Response = Response<impl http_body::Body<Data = Bytes, Error: Into<BoxError>> + Send>,
        Error = Infallible,
        Future: Send,
    > + Clone
           + Send {
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(make_span))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(SetResponseHeaderLayer::overriding(
                http::header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
            .map_response(replace_5xx)
            .layer(CatchPanicLayer::new())
            .service_fn(handler)
    }
}
