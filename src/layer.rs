//! [`RedactLayer`], its builder, and the configuration the builder freezes.

use crate::detect::Detector;
use crate::request_id::{RequestIdConfig, UuidVersion};
use crate::response_headers::HeaderPolicy;
use crate::service::RedactService;
use crate::template::{ErrorTemplate, Messages, Rendered, Template, TemplateError};
use http::header::HeaderName;
use http::StatusCode;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tower_layer::Layer;

/// The default bound on what is read of a 5xx body for the server log.
pub const DEFAULT_LOG_BODY_LIMIT: usize = 4096;

/// The default bound on what is buffered of a 4xx body to scan it.
pub const DEFAULT_INSPECT_LIMIT: usize = 64 * 1024;

/// The default time bound on reading a body before its head is sent.
pub const DEFAULT_INSPECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What happens to a response whose body cannot be scanned: larger than the
/// inspection limit, or encoded (`Content-Encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fallback {
    /// Replace it by the template (fail closed): a leak cannot be ruled out.
    /// The default.
    Rewrite,
    /// Let it through: for a body over the limit, what was read (the first
    /// `limit` bytes, and the rest of the chunk that crossed the limit) is
    /// scanned and, when clean, sent followed by the rest of the body
    /// unscanned; an encoded body is sent unscanned.
    Pass,
}

/// How bodies are inspected for leaks.
#[derive(Debug, Clone)]
pub(crate) struct InspectConfig {
    pub(crate) detector: Detector,
    pub(crate) client_errors: bool,
    pub(crate) success_bodies: bool,
    pub(crate) limit: usize,
    pub(crate) if_too_large: Fallback,
    pub(crate) if_encoded: Fallback,
    pub(crate) timeout: Option<Duration>,
}

impl Default for InspectConfig {
    fn default() -> Self {
        InspectConfig {
            detector: Detector::default(),
            client_errors: true,
            success_bodies: false,
            limit: DEFAULT_INSPECT_LIMIT,
            if_too_large: Fallback::Rewrite,
            if_encoded: Fallback::Rewrite,
            timeout: Some(DEFAULT_INSPECT_TIMEOUT),
        }
    }
}

/// Everything a request needs from the configuration, validated and
/// precomputed once by [`RedactLayerBuilder::build`] and shared by every
/// service the layer makes.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) request_id: RequestIdConfig,
    pub(crate) template: Rendered,
    pub(crate) headers: HeaderPolicy,
    pub(crate) log_body_limit: usize,
    pub(crate) inspect: InspectConfig,
    pub(crate) grpc_fault_codes: Vec<u16>,
}

/// A [`Layer`] that wraps a service in [`RedactService`].
///
/// `RedactLayer::default()` (or [`RedactLayer::new`]) is the production
/// configuration; [`RedactLayer::builder`] changes it. Cloning is cheap: the
/// configuration is shared.
///
/// ```
/// use axum::{routing::get, Router};
/// use tower_redact::RedactLayer;
///
/// let app: Router = Router::new()
///     .route("/", get(|| async { "hello" }))
///     .layer(RedactLayer::default());
/// ```
#[derive(Clone)]
pub struct RedactLayer {
    config: Arc<Config>,
}

impl RedactLayer {
    /// The production defaults: ids in `x-request-id`, incoming ids trusted
    /// when valid, UUID v4 otherwise, RFC 9457 problem+json, 4 KiB of each
    /// 5xx body logged.
    pub fn new() -> Self {
        match RedactLayerBuilder::default().build() {
            Ok(layer) => layer,
            // The defaults are checked by this crate's tests; reaching this
            // is a bug in the crate, found when the layer is built, never
            // while a request is served.
            Err(err) => panic!("tower-redact's default configuration is invalid: {err}"),
        }
    }

    /// A builder to change the defaults.
    pub fn builder() -> RedactLayerBuilder {
        RedactLayerBuilder::default()
    }

    /// The body, content type and status this layer sends when it rewrites a
    /// response with `status` (or answers a panic, for 500), with the
    /// request id left open: for a gateway or error page in front of the
    /// service that must answer exactly like it (see [`crate::nginx`]).
    ///
    /// ```
    /// use axum::{body::Body, http::{Request, StatusCode}, routing::get, Router};
    /// use tower::ServiceExt;
    /// use tower_redact::{RedactLayer, RequestId};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let layer = RedactLayer::default();
    /// let template = layer.error_template(StatusCode::SERVICE_UNAVAILABLE);
    ///
    /// // The layer's own answer for a 503 is that body, with the id.
    /// let app = Router::new()
    ///     .route("/", get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "db-3 is down") }))
    ///     .layer(layer.clone());
    /// let request = Request::get("/").header("x-request-id", "req-9").body(Body::empty()).unwrap();
    /// let response = app.oneshot(request).await.unwrap();
    /// assert_eq!(response.status(), template.status());
    /// assert_eq!(response.headers()["content-type"], template.content_type());
    /// let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    /// assert_eq!(body, template.render(&RequestId::parse(b"req-9").unwrap()));
    /// # }
    /// ```
    pub fn error_template(&self, status: StatusCode) -> ErrorTemplate<'_> {
        ErrorTemplate::new(&self.config.template, status)
    }

    /// The frozen configuration, for generators that must follow it.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }
}

impl Default for RedactLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for RedactLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedactLayer")
            .field("request_id_header", &self.config.request_id.header)
            .field("trust_incoming_ids", &self.config.request_id.trust_incoming)
            .field("uuid_version", &self.config.request_id.version)
            .field("content_type", &self.config.template.content_type)
            .field("log_body_limit", &self.config.log_body_limit)
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for RedactLayer {
    type Service = RedactService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RedactService::with_config(inner, self.config.clone())
    }
}

/// Builds a [`RedactLayer`]. Every check happens in [`build`](Self::build),
/// so serving a request checks nothing.
///
/// ```
/// use http::{header::HeaderName, StatusCode};
/// use tower_redact::{RedactLayer, Template, UuidVersion};
///
/// let layer = RedactLayer::builder()
///     .request_id_header(HeaderName::from_static("x-correlation-id"))
///     .trust_incoming_ids(false)
///     .uuid_version(UuidVersion::V7)
///     .template(Template::error_envelope())
///     .message(StatusCode::SERVICE_UNAVAILABLE, "We are down for maintenance.")
///     .log_body_limit(1024)
///     .keep_on_rewrite(HeaderName::from_static("x-ratelimit-reset"))
///     .drop_on_rewrite(HeaderName::from_static("set-cookie"))
///     .build()?;
/// # drop(layer);
/// # Ok::<(), tower_redact::BuildError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RedactLayerBuilder {
    request_id: RequestIdConfig,
    template: Template,
    messages: Messages,
    headers: HeaderPolicy,
    log_body_limit: usize,
    inspect: InspectConfig,
    grpc_fault_codes: Vec<u16>,
    errors: Vec<BuildError>,
}

impl Default for RedactLayerBuilder {
    fn default() -> Self {
        RedactLayerBuilder {
            request_id: RequestIdConfig {
                header: HeaderName::from_static("x-request-id"),
                trust_incoming: true,
                version: UuidVersion::V4,
                trace_context: false,
            },
            template: Template::default(),
            messages: Messages::default(),
            headers: HeaderPolicy::default(),
            log_body_limit: DEFAULT_LOG_BODY_LIMIT,
            inspect: InspectConfig::default(),
            grpc_fault_codes: crate::grpc::DEFAULT_FAULT_CODES.to_vec(),
            errors: Vec::new(),
        }
    }
}

impl RedactLayerBuilder {
    /// The header that carries the request id, in requests and responses.
    /// Default: `x-request-id`.
    pub fn request_id_header(mut self, name: HeaderName) -> Self {
        self.request_id.header = name;
        self
    }

    /// Whether a valid incoming id is kept (the default) or every request
    /// gets a fresh one. Distrust incoming ids on a public edge where clients
    /// could otherwise choose the id under which their requests are logged.
    pub fn trust_incoming_ids(mut self, trust: bool) -> Self {
        self.request_id.trust_incoming = trust;
        self
    }

    /// Joins W3C trace context: when a request has no id header of its own
    /// but a valid `traceparent`, its trace-id (32 hex digits) becomes the
    /// request id, and the `request` span records `trace_id` whenever a
    /// valid `traceparent` is present. Off by default (no `traceparent` is
    /// parsed). With [`trust_incoming_ids(false)`](Self::trust_incoming_ids),
    /// ids are always generated and only `trace_id` is recorded.
    pub fn trace_context(mut self, on: bool) -> Self {
        self.request_id.trace_context = on;
        self
    }

    /// The UUID version of generated ids. Default: [`UuidVersion::V4`].
    pub fn uuid_version(mut self, version: UuidVersion) -> Self {
        self.request_id.version = version;
        self
    }

    /// The body of rewritten responses. Default: [`Template::problem_json`].
    pub fn template(mut self, template: Template) -> Self {
        self.template = template;
        self
    }

    /// The public message of rewritten responses with this status, in place
    /// of the built-in one. A handler can still choose another per response
    /// with [`PublicMessage`](crate::PublicMessage). The status must be a
    /// 4xx or 5xx.
    pub fn message(mut self, status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        if status.is_client_error() || status.is_server_error() {
            self.messages.set(status, message.into());
        } else {
            self.errors.push(BuildError::MessageStatus(status));
        }
        self
    }

    /// How many bytes of a 5xx body are read for the server log before the
    /// body is dropped and replaced. `0` reads nothing. Default:
    /// [`DEFAULT_LOG_BODY_LIMIT`]. The response is sent once this much was
    /// read or the body ended, so keep it small.
    pub fn log_body_limit(mut self, limit: usize) -> Self {
        self.log_body_limit = limit;
        self
    }

    /// Whether successes (2xx and 3xx) get `x-content-type-options: nosniff`
    /// too, as OWASP ASVS 5.0 requirement 3.4.4 asks of every response.
    /// Errors always get it. A value the inner service set is kept.
    /// Default: `true`; turn it off only for an application that relies
    /// on browsers guessing content types.
    pub fn nosniff_on_success(mut self, on: bool) -> Self {
        self.headers.nosniff_everywhere = on;
        self
    }

    /// Keeps this header of the inner response when the response is
    /// rewritten. By default a rewrite keeps `access-control-*`, `vary`,
    /// `retry-after`, `www-authenticate`, `proxy-authenticate`, `allow`,
    /// `set-cookie`, and the browser security policies
    /// (`strict-transport-security`, `content-security-policy`,
    /// `x-frame-options`, `referrer-policy`, `permissions-policy`,
    /// `cross-origin-*-policy`).
    pub fn keep_on_rewrite(mut self, name: HeaderName) -> Self {
        if !self.headers.preserved.contains(&name) {
            self.headers.preserved.push(name);
        }
        self
    }

    /// Drops this header when a response is rewritten, e.g. `set-cookie` if
    /// a failed request must never set a cookie. `content-type`,
    /// `content-length`, `content-encoding`, `etag`, `last-modified`,
    /// `expires` and `content-range` are always dropped (and replaced where
    /// needed). `access-control-*` headers cannot be dropped here: a browser
    /// could not read the error without them.
    pub fn drop_on_rewrite(mut self, name: HeaderName) -> Self {
        self.headers.preserved.retain(|n| *n != name);
        self
    }

    /// Removes this header from every response. By default `server`,
    /// `x-powered-by`, `x-aspnet-version` and `x-aspnetmvc-version` are
    /// removed.
    pub fn strip_header(mut self, name: HeaderName) -> Self {
        if !self.headers.stripped.contains(&name) {
            self.headers.stripped.push(name);
        }
        self
    }

    /// Stops removing this header from responses (e.g. `server`, if a
    /// component outside this layer needs it).
    pub fn keep_header(mut self, name: HeaderName) -> Self {
        self.headers.stripped.retain(|n| *n != name);
        self
    }

    /// The leak detector for inspected bodies and headers. Default:
    /// [`Detector::default`], the built-in catalogue with every category.
    pub fn detector(mut self, detector: Detector) -> Self {
        self.inspect.detector = detector;
        self
    }

    /// Whether 4xx bodies and headers are scanned for leaks (the default),
    /// or only get the error headers and pass through.
    pub fn inspect_client_errors(mut self, inspect: bool) -> Self {
        self.inspect.client_errors = inspect;
        self
    }

    /// Scans 2xx bodies too, for services that report errors with `200`.
    /// Off by default. When on, the head of a 2xx is held until its first
    /// [`inspect_limit`](Self::inspect_limit) bytes were scanned; past them
    /// the body streams on unscanned. A leak in them turns the response into
    /// the 500 template. Server-sent events, gRPC, encoded bodies, 204 and
    /// HEAD responses are never held.
    pub fn scan_success_bodies(mut self, scan: bool) -> Self {
        self.inspect.success_bodies = scan;
        self
    }

    /// How many bytes of a body are buffered to scan it. Default:
    /// [`DEFAULT_INSPECT_LIMIT`] (64 KiB). A 4xx body that is larger is
    /// handled by [`if_too_large`](Self::if_too_large).
    pub fn inspect_limit(mut self, limit: usize) -> Self {
        self.inspect.limit = limit;
        self
    }

    /// What happens to a 4xx body larger than the inspection limit.
    /// Default: [`Fallback::Rewrite`].
    pub fn if_too_large(mut self, fallback: Fallback) -> Self {
        self.inspect.if_too_large = fallback;
        self
    }

    /// What happens to a 4xx body with a `Content-Encoding` (compressed),
    /// which cannot be scanned as it is. Default: [`Fallback::Rewrite`].
    /// Put compression outside this layer so that it never sees encoded
    /// bodies.
    pub fn if_encoded(mut self, fallback: Fallback) -> Self {
        self.inspect.if_encoded = fallback;
        self
    }

    /// How long a body may take to arrive while it is read before its head
    /// is sent (a 5xx read for the log, a 4xx scanned for leaks). When the
    /// bound passes, a 5xx is rewritten with what was read so far logged, and
    /// a 4xx is handled like a body over the inspection limit
    /// ([`if_too_large`](Self::if_too_large)). `None` removes the bound.
    /// Default: [`DEFAULT_INSPECT_TIMEOUT`] (5 s). Needs the `tokio` feature
    /// (on by default) and a tokio runtime with timers; elsewhere only the
    /// byte limits apply.
    pub fn inspect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.inspect.timeout = timeout;
        self
    }

    /// Treats this gRPC status code as a server fault: its `grpc-message`
    /// is replaced by a generic one with the request id, whatever it says,
    /// and `grpc-status-details-bin` is dropped. By default UNKNOWN (2),
    /// INTERNAL (13) and DATA_LOSS (15); the messages of other codes are
    /// replaced only when the leak detector finds internals in them.
    pub fn grpc_fault_code(mut self, code: u16) -> Self {
        if !self.grpc_fault_codes.contains(&code) {
            self.grpc_fault_codes.push(code);
        }
        self
    }

    /// Validates the configuration and renders the template for every
    /// status.
    pub fn build(self) -> Result<RedactLayer, BuildError> {
        if let Some(err) = self.errors.into_iter().next() {
            return Err(err);
        }
        // Content headers are replaced on a rewrite whatever the user asked.
        let mut headers = self.headers;
        headers.preserved.retain(|name| !is_content_header(name));
        let template = self
            .template
            .render(&self.messages)
            .map_err(BuildError::Template)?;
        Ok(RedactLayer {
            config: Arc::new(Config {
                request_id: self.request_id,
                template,
                headers,
                log_body_limit: self.log_body_limit,
                inspect: self.inspect,
                grpc_fault_codes: self.grpc_fault_codes,
            }),
        })
    }
}

fn is_content_header(name: &HeaderName) -> bool {
    use http::header::*;
    [
        CONTENT_TYPE,
        CONTENT_LENGTH,
        CONTENT_ENCODING,
        ETAG,
        LAST_MODIFIED,
        EXPIRES,
        CONTENT_RANGE,
        TRANSFER_ENCODING,
        CACHE_CONTROL,
    ]
    .contains(name)
}

/// Why [`RedactLayerBuilder::build`] refused a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The template is unusable.
    Template(TemplateError),
    /// A public message was given for a status that is never rewritten.
    MessageStatus(StatusCode),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Template(err) => write!(f, "invalid template: {err}"),
            BuildError::MessageStatus(status) => write!(
                f,
                "a public message was set for status {status}, which is never rewritten (only 4xx and 5xx are)"
            ),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Template(err) => Some(err),
            BuildError::MessageStatus(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_build() {
        let layer = RedactLayer::new();
        assert_eq!(layer.config.request_id.header, "x-request-id");
        assert!(layer.config.request_id.trust_incoming);
        assert_eq!(layer.config.log_body_limit, DEFAULT_LOG_BODY_LIMIT);
    }

    #[test]
    fn content_headers_cannot_be_kept() {
        let layer = RedactLayer::builder()
            .keep_on_rewrite(HeaderName::from_static("etag"))
            .keep_on_rewrite(HeaderName::from_static("x-custom"))
            .build()
            .unwrap();
        assert!(!layer.config.headers.preserved.iter().any(|n| n == "etag"));
        assert!(layer
            .config
            .headers
            .preserved
            .iter()
            .any(|n| n == "x-custom"));
    }

    #[test]
    fn messages_only_for_error_statuses() {
        let err = RedactLayer::builder()
            .message(StatusCode::OK, "fine")
            .build()
            .unwrap_err();
        assert_eq!(err, BuildError::MessageStatus(StatusCode::OK));
    }
}
