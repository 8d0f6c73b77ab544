//! gRPC: errors travel on HTTP 200, in `grpc-status` and `grpc-message`,
//! either in the head of a trailers-only response or in the trailers.

use crate::layer::Config;
use crate::log;
use crate::request_id::RequestId;
use http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use http::response::Parts;
use http::{Response, StatusCode};

/// The codes that mean the server failed: UNKNOWN, INTERNAL, DATA_LOSS.
/// Their messages are replaced whatever they say.
pub(crate) const DEFAULT_FAULT_CODES: [u16; 3] = [2, 13, 15];

const INTERNAL: u16 = 13;
const GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");
const GRPC_MESSAGE: HeaderName = HeaderName::from_static("grpc-message");
const GRPC_DETAILS: HeaderName = HeaderName::from_static("grpc-status-details-bin");

/// Whether headers announce gRPC (`application/grpc`, `application/grpc+proto`, …).
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(b"application/grpc"))
}

/// The message a client gets instead: no internals, the request id to
/// quote. Printable ASCII without `%`, so valid as a percent-encoded
/// `grpc-message` as it is.
fn public_message(id: &RequestId) -> HeaderValue {
    HeaderValue::from_str(&format!("Internal error (request id {id})"))
        .unwrap_or(HeaderValue::from_static("Internal error"))
}

/// Replaces the message of a server-fault status, and of any other status
/// whose message leaks, in a head or in trailers; drops the binary details
/// with it.
pub(crate) fn redact_status(headers: &mut HeaderMap, id: &RequestId, config: &Config) {
    let Some(code) = headers
        .get(&GRPC_STATUS)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u16>().ok())
    else {
        return;
    };
    if code == 0 {
        return;
    }
    let message = headers
        .get(&GRPC_MESSAGE)
        .map(|v| percent_encoding::percent_decode(v.as_bytes()).collect::<Vec<u8>>())
        .unwrap_or_default();
    if config.grpc_fault_codes.contains(&code) {
        log::grpc_status_rewritten(id, code, &message, None);
    } else {
        match config.inspect.detector.scan(&message) {
            Some(finding) => log::grpc_status_rewritten(id, code, &message, Some(&finding)),
            None => return,
        }
    }
    headers.insert(GRPC_MESSAGE, public_message(id));
    headers.remove(GRPC_DETAILS);
}

/// The answer to a gRPC call whose handler panicked: trailers-only,
/// `grpc-status: 13`, so clients see an INTERNAL status rather than an
/// HTTP error they report as a transport failure.
pub(crate) fn panic_parts(id: &RequestId) -> Parts {
    let (mut parts, ()) = Response::new(()).into_parts();
    parts.status = StatusCode::OK;
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    parts
        .headers
        .insert(GRPC_STATUS, HeaderValue::from(INTERNAL));
    parts.headers.insert(GRPC_MESSAGE, public_message(id));
    parts
}
