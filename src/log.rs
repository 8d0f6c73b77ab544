//! What the layer writes to the server log. Everything passes through
//! [`mask_secrets`] and is bounded; text is logged with `Debug` formatting so
//! that newlines and quotes in it cannot forge log lines.

use crate::detect::{mask_secrets, Finding};
use crate::request_id::{Rejection, RequestId};
use http::StatusCode;
use std::any::Any;

/// The most bytes of a panic message, or of a body's error text, that reach
/// the log.
const PANIC_MESSAGE_LIMIT: usize = 2048;

/// The text of a panic payload, bounded and masked.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    let text = if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.as_str()
    } else {
        "non-string panic payload"
    };
    bounded_masked(text)
}

/// `text` cut to at most `limit` bytes on a character boundary.
fn truncate(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Where a panic was caught.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PanicSite {
    Call,
    Future,
    BodyBeforeHead,
    BodyAfterHead,
}

impl PanicSite {
    fn as_str(self) -> &'static str {
        match self {
            PanicSite::Call => "service call",
            PanicSite::Future => "response future",
            PanicSite::BodyBeforeHead => "response body, before the head was sent",
            PanicSite::BodyAfterHead => "response body, after the head was sent",
        }
    }
}

// Field values in `tracing` macros are evaluated only when a subscriber
// wants the event, so the masking below costs nothing when nobody listens.

pub(crate) fn panic_caught(id: &RequestId, site: PanicSite, payload: &(dyn Any + Send)) {
    match site {
        PanicSite::BodyAfterHead => tracing::error!(
            request_id = %id,
            site = site.as_str(),
            panic = ?panic_message(payload),
            "panic while streaming the response body; aborting the response"
        ),
        _ => tracing::error!(
            request_id = %id,
            site = site.as_str(),
            panic = ?panic_message(payload),
            "panic caught; answering with the 500 template"
        ),
    }
}

/// Whether the original body of a 5xx would be logged at all. When not,
/// the layer does not read it.
pub(crate) fn server_errors_logged() -> bool {
    tracing::enabled!(tracing::Level::ERROR)
}

/// A body as logged: lossy UTF-8, credentials masked.
fn masked(bytes: &[u8]) -> String {
    mask_secrets(&String::from_utf8_lossy(bytes)).into_owned()
}

/// Free text from the inner service (an error's `Display`), bounded and
/// masked like a panic message: a driver error often names its connection
/// string.
fn bounded_masked(text: &str) -> String {
    mask_secrets(truncate(text, PANIC_MESSAGE_LIMIT)).into_owned()
}

/// What was read of an error response's original body.
pub(crate) struct Original<'a> {
    pub(crate) bytes: &'a [u8],
    /// More body followed what was read.
    pub(crate) truncated: bool,
    /// The body failed or panicked while it was read.
    pub(crate) failure: Option<String>,
}

pub(crate) fn server_error_rewritten(id: &RequestId, status: StatusCode, original: Original<'_>) {
    tracing::error!(
        request_id = %id,
        status = status.as_u16(),
        body = ?masked(original.bytes),
        body_truncated = original.truncated,
        body_failure = original.failure.as_deref().map(bounded_masked).as_deref(),
        "server error response replaced by the template"
    );
}

pub(crate) fn leak_rewritten(
    id: &RequestId,
    status: StatusCode,
    finding: &Finding,
    read: &[u8],
    place: &'static str,
) {
    tracing::warn!(
        request_id = %id,
        status = status.as_u16(),
        category = finding.category().as_str(),
        signature = finding.signature(),
        found_in = place,
        body = ?masked(read),
        "response leaked internals; replaced by the template"
    );
}

pub(crate) fn grpc_status_rewritten(
    id: &RequestId,
    code: u16,
    message: &[u8],
    leak: Option<&Finding>,
) {
    match leak {
        None => tracing::error!(
            request_id = %id,
            grpc_status = code,
            grpc_message = ?masked(message),
            "gRPC server error; message replaced"
        ),
        Some(finding) => tracing::warn!(
            request_id = %id,
            grpc_status = code,
            category = finding.category().as_str(),
            signature = finding.signature(),
            grpc_message = ?masked(message),
            "gRPC status message leaked internals; replaced"
        ),
    }
}

pub(crate) fn uninspectable(id: &RequestId, status: StatusCode, why: &'static str) {
    tracing::warn!(
        request_id = %id,
        status = status.as_u16(),
        reason = why,
        "response could not be inspected; replaced by the template"
    );
}

pub(crate) fn incoming_id_rejected(id: &RequestId, rejection: Rejection) {
    match rejection {
        Rejection::Invalid(len) => tracing::debug!(
            request_id = %id,
            rejected_len = len,
            "incoming request id is not 1-128 bytes of A-Z a-z 0-9 - _ . : and was replaced"
        ),
        Rejection::Repeated => tracing::debug!(
            request_id = %id,
            "several incoming request id headers; replaced"
        ),
        Rejection::Distrusted => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages_are_bounded_and_masked() {
        let payload: Box<dyn Any + Send> = Box::new(format!(
            "db postgres://app:hunter2@db/x {}",
            "é".repeat(5000)
        ));
        let message = panic_message(payload.as_ref());
        assert!(!message.contains("hunter2"));
        assert!(message.len() <= PANIC_MESSAGE_LIMIT);
        let payload: Box<dyn Any + Send> = Box::new("static str");
        assert_eq!(panic_message(payload.as_ref()), "static str");
        let payload: Box<dyn Any + Send> = Box::new(42_u8);
        assert_eq!(panic_message(payload.as_ref()), "non-string panic payload");
    }
}
