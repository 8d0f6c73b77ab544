//! Tower middleware that keeps HTTP error responses from telling clients more
//! than they should.
//!
//! Put [`RedactLayer`] around a hyper or axum service and:
//!
//! - a panic in `call`, in the response future or in the response body never
//!   reaches the client: before the response head is sent it becomes the 500
//!   template, after it the response is aborted (never ended cleanly);
//! - every 5xx is replaced by one fixed JSON [`Template`] (RFC 9457
//!   problem+json by default), rendered from bytes precomputed at build time,
//!   with `Cache-Control: no-store`, `X-Content-Type-Options: nosniff`, a
//!   correct `Content-Type` and `Content-Length`, and only an allow-list of
//!   the original headers; the original body is logged, bounded and with
//!   credentials masked, under the request id;
//! - every request carries a [`RequestId`] (`x-request-id`): a valid incoming
//!   id is kept, anything else is replaced by a fresh UUID; the id is in the
//!   request extensions and header, the response header, every rewritten
//!   body, and the `request` span around the whole request;
//! - version banners (`server`, `x-powered-by`, …) are stripped from every
//!   response and every 4xx/5xx is marked `no-store`;
//! - everything else (2xx streams, SSE, upgrades, 4xx bodies) passes through
//!   unbuffered and unboxed.
//!
//! Behind nginx, [`nginx::Snippet`] renders from the same layer an nginx
//! configuration whose own errors (backend down or slow) are the layer's
//! template, byte for byte, with the same headers and request id.
//!
//! ```
//! use axum::{http::StatusCode, routing::get, Router};
//! use tower::ServiceExt;
//! use tower_redact::RedactLayer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = Router::new()
//!     .route("/", get(|| async { "hello" }))
//!     .route(
//!         "/orders",
//!         get(|| async {
//!             (StatusCode::INTERNAL_SERVER_ERROR, "connect postgres://app:hunter2@10.0.0.7/orders")
//!         }),
//!     )
//!     .layer(RedactLayer::default());
//!
//! let request = axum::http::Request::get("/orders")
//!     .header("x-request-id", "req-42")
//!     .body(axum::body::Body::empty())
//!     .unwrap();
//! let response = app.oneshot(request).await.unwrap();
//! assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
//! assert_eq!(response.headers()["x-request-id"], "req-42");
//! assert_eq!(response.headers()["cache-control"], "no-store");
//! let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
//! assert_eq!(
//!     body,
//!     r#"{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"An internal error occurred.","code":"INTERNAL_ERROR","request_id":"req-42"}"#
//! );
//! # }
//! ```
//!
//! # Layer order
//!
//! Put `RedactLayer` outside every other layer of the application (with
//! axum, the last `.layer` call; with `tower::ServiceBuilder`, the first),
//! so that it sees their responses and the id exists before they run. Two
//! tower-http layers are the exception and go outside it: `CorsLayer`, so
//! that even a panic's 500 carries CORS headers, and `CompressionLayer`, so
//! that inspection sees plain bytes. The README's layer-order table names
//! the test behind each placement.
//!
//! tower-http's `TraceLayer` inside it can read the [`RequestId`] from the
//! request extensions in `make_span_with`. tower-http's
//! `CatchPanicLayer` is not needed: this layer catches panics, including
//! those in response bodies, which `CatchPanicLayer` does not.
#![forbid(unsafe_code)]
#![deny(unreachable_pub)]
#![warn(missing_docs)]

mod body;
pub mod detect;
mod forward;
mod future;
mod grpc;
mod inspect;
mod layer;
mod log;
pub mod nginx;
mod request_id;
mod response_headers;
mod service;
mod template;

pub use body::{BodyPanicked, ResponseBody};
pub use forward::{ForwardRequestId, ForwardRequestIdLayer};
pub use future::ResponseFuture;
pub use layer::{
    BuildError, Fallback, RedactLayer, RedactLayerBuilder, DEFAULT_INSPECT_LIMIT,
    DEFAULT_INSPECT_TIMEOUT, DEFAULT_LOG_BODY_LIMIT,
};
pub use request_id::{InvalidRequestId, RequestId, UuidVersion, MAX_REQUEST_ID_LEN};
pub use service::RedactService;
pub use template::{ErrorTemplate, PublicMessage, Template, TemplateError, TemplatePart};

/// The error type of [`ResponseBody`]: the inner body's error, boxed, or
/// [`BodyPanicked`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The README's examples, compiled and run as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
