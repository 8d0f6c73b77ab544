//! The demo's `RedactLayer` configuration, in one place for the demo server
//! (`examples/axum.rs`) and the nginx generator (`examples/nginx.rs`): nginx's
//! own error pages are rendered from the configuration the server runs with,
//! so the two cannot drift.

use axum::http::StatusCode;
use tower_redact::{RedactLayer, RedactLayerBuilder};

/// The demo's configuration: the defaults, with the public message of 502
/// (which nginx sends when the demo is down) set as an application would.
pub fn builder() -> RedactLayerBuilder {
    RedactLayer::builder().message(
        StatusCode::BAD_GATEWAY,
        "The service is unreachable. Try again later.",
    )
}
