//! A page on one origin that `fetch()`es an API on another, through
//! `RedactLayer` and tower-http's `CorsLayer`: what a browser can read of a
//! rewritten error. `scripts/e2e-browser.sh` loads the page in headless
//! Chromium and checks the result the page writes into its DOM.
//!
//! ```text
//! cargo run --example browser -- --page-addr 127.0.0.1:3100 --api-addr 127.0.0.1:3101
//! # then open http://127.0.0.1:3100/ in a browser
//! ```
//!
//! Two listeners, both on loopback only:
//!
//! - the page origin serves `/`, an HTML page whose script fetches the API
//!   cross-origin and writes what it could read, as JSON, into
//!   `<pre id="result">`;
//! - the API, an axum router with `/api/fail` (a 500 whose body leaks a
//!   database URL with its password and asks to be cached for an hour),
//!   `/api/panic` (the handler panics), `/api/ok` (200 JSON) and
//!   `/api/cacheable` (200 JSON cacheable for an hour: the control that
//!   shows the browser does cache in this setup).
//!
//! Options: `--page-addr HOST:PORT` and `--api-addr HOST:PORT` (or
//! `PAGE_ADDR` / `API_ADDR`; defaults `127.0.0.1:3100` and `127.0.0.1:3101`;
//! port 0 picks a free port), and `--order` (or `LAYER_ORDER`):
//!
//! - `redact-outside` (default): `RedactLayer` outermost, `CorsLayer` inside
//!   it, as the README recommends for every layer;
//! - `cors-outside`: `CorsLayer` outside `RedactLayer`, so that the
//!   responses the layer makes itself (a caught panic) carry CORS headers
//!   too.
//!
//! Once both listeners are bound, one line goes to stdout:
//! `READY page=http://127.0.0.1:PORT/ api=http://127.0.0.1:PORT order=ORDER`.
//! The server log goes to stderr (`RUST_LOG`, default `info`).

use axum::{
    http::{header, HeaderName, HeaderValue, Method, StatusCode},
    response::{Html, IntoResponse},
    routing::get,
    Extension, Json, Router,
};
use std::{future::IntoFuture, io::IsTerminal, net::SocketAddr};
use tower_http::cors::CorsLayer;
use tower_redact::{RedactLayer, RequestId};
use tracing_subscriber::EnvFilter;

/// A handler that returns the database error as is, and asks for the
/// response to be cached: without `no-store` a browser could keep it.
async fn fail() -> impl IntoResponse {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CACHE_CONTROL, "public, max-age=3600")],
        "could not connect to postgres://app:hunter2@10.0.0.7/db: \
         password authentication failed for user \"app\"",
    )
}

async fn panics() -> &'static str {
    let orders: Vec<u32> = Vec::new();
    let _first = orders[0]; // index out of bounds: panics
    "unreachable"
}

async fn ok(Extension(id): Extension<RequestId>) -> impl IntoResponse {
    Json(serde_json::json!({ "ok": true, "request_id": id.to_string() }))
}

/// The control: a 200 the browser may cache for an hour. Fetched twice, the
/// second answer comes from the browser cache (the same request id), which
/// shows that a different id on the second `/api/fail` is `no-store` at work.
async fn cacheable(Extension(id): Extension<RequestId>) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "public, max-age=3600")],
        Json(serde_json::json!({ "cacheable": true, "request_id": id.to_string() })),
    )
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Order {
    RedactOutside,
    CorsOutside,
}

impl Order {
    fn parse(s: &str) -> Result<Self, String> {
        match s {
            "redact-outside" => Ok(Order::RedactOutside),
            "cors-outside" => Ok(Order::CorsOutside),
            other => Err(format!(
                "unknown --order {other:?} (redact-outside or cors-outside)"
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Order::RedactOutside => "redact-outside",
            Order::CorsOutside => "cors-outside",
        }
    }
}

fn api(page_origin: &str, order: Order) -> Result<Router, Box<dyn std::error::Error>> {
    let cors = CorsLayer::new()
        .allow_origin(HeaderValue::from_str(page_origin)?)
        .allow_methods([Method::GET])
        .expose_headers([HeaderName::from_static("x-request-id")]);
    let routes = Router::new()
        .route("/api/fail", get(fail))
        .route("/api/panic", get(panics))
        .route("/api/ok", get(ok))
        .route("/api/cacheable", get(cacheable));
    Ok(match order {
        // axum: the last `.layer` call is the outermost.
        Order::RedactOutside => routes.layer(cors).layer(RedactLayer::default()),
        Order::CorsOutside => routes.layer(RedactLayer::default()).layer(cors),
    })
}

/// The page: fetches the API cross-origin with the default cache mode and
/// writes what it read into `<pre id="result">` as JSON.
fn page(api_origin: &str) -> String {
    let api = serde_json::to_string(api_origin).expect("a string serializes");
    PAGE.replace("__API_ORIGIN__", &api)
}

const PAGE: &str = r#"<!doctype html>
<html>
<head><meta charset="utf-8"><title>tower-redact browser check</title></head>
<body>
<h1>tower-redact browser check</h1>
<pre id="result">pending</pre>
<script>
const API = __API_ORIGIN__;

// One fetch, default cache mode: the browser may answer from its HTTP cache
// whenever the response allowed it.
async function probe(path) {
  const out = { url: API + path };
  try {
    const response = await fetch(API + path);
    out.status = response.status;
    out.request_id = response.headers.get("x-request-id");
    out.cache_control = response.headers.get("cache-control");
    out.content_type = response.headers.get("content-type");
    out.text = await response.text();
    try { out.json = JSON.parse(out.text); } catch (e) { out.json = null; }
  } catch (e) {
    out.error = String(e);
  }
  return out;
}

(async () => {
  const result = { origin: location.origin, api: API };
  try {
    result.fail_first = await probe("/api/fail");
    result.fail_second = await probe("/api/fail");
    result.panic = await probe("/api/panic");
    result.ok = await probe("/api/ok");
    result.cacheable_first = await probe("/api/cacheable");
    result.cacheable_second = await probe("/api/cacheable");
    result.fail_second_has_new_id =
      !!result.fail_first.request_id &&
      !!result.fail_second.request_id &&
      result.fail_first.request_id !== result.fail_second.request_id;
    result.cacheable_second_from_cache =
      !!result.cacheable_first.request_id &&
      result.cacheable_first.request_id === result.cacheable_second.request_id;
    result.done = true;
  } catch (e) {
    result.error = String(e);
  }
  document.getElementById("result").textContent = JSON.stringify(result);
  document.title = "done";
})();
</script>
</body>
</html>
"#;

fn loopback(addr: &str, what: &str) -> Result<SocketAddr, Box<dyn std::error::Error>> {
    let addr: SocketAddr = addr.parse().map_err(|e| format!("{what} {addr:?}: {e}"))?;
    if !addr.ip().is_loopback() {
        return Err(format!("{what} {addr}: this example listens on loopback only").into());
    }
    Ok(addr)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    // The layer logs every caught panic with its request id; the default
    // hook would print it a second time without one.
    std::panic::set_hook(Box::new(|_| {}));

    let mut page_addr = std::env::var("PAGE_ADDR").unwrap_or_else(|_| "127.0.0.1:3100".into());
    let mut api_addr = std::env::var("API_ADDR").unwrap_or_else(|_| "127.0.0.1:3101".into());
    let mut order = std::env::var("LAYER_ORDER").unwrap_or_else(|_| "redact-outside".into());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--page-addr" => &mut page_addr,
            "--api-addr" => &mut api_addr,
            "--order" => &mut order,
            other => return Err(format!("unknown argument {other:?}").into()),
        };
        *slot = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
    }
    let order = Order::parse(&order)?;

    let page_listener = tokio::net::TcpListener::bind(loopback(&page_addr, "--page-addr")?).await?;
    let api_listener = tokio::net::TcpListener::bind(loopback(&api_addr, "--api-addr")?).await?;
    let page_origin = format!("http://{}", page_listener.local_addr()?);
    let api_origin = format!("http://{}", api_listener.local_addr()?);

    let html = page(&api_origin);
    let page_app = Router::new().route(
        "/",
        get(move || {
            let html = html.clone();
            async move { ([(header::CACHE_CONTROL, "no-store")], Html(html)) }
        }),
    );
    let api_app = api(&page_origin, order)?;

    println!(
        "READY page={page_origin}/ api={api_origin} order={}",
        order.name()
    );
    tokio::try_join!(
        axum::serve(page_listener, page_app).into_future(),
        axum::serve(api_listener, api_app).into_future(),
    )?;
    Ok(())
}
