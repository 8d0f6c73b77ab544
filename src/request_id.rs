//! The request id: validation of incoming ids and generation of new ones.

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use std::fmt;

/// The longest incoming id that is kept, in bytes.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// The id of one request, as carried in the `x-request-id` header.
///
/// The layer puts it in the request extensions (so handlers can read it), in
/// the request header (so a proxied backend sees it), in the response
/// extensions and header, in the body of every rewritten response and in the
/// tracing span around the request.
///
/// A `RequestId` only ever holds 1 to 128 bytes of `A-Z a-z 0-9 - _ . :`,
/// which covers UUIDs, ULIDs and nginx's 32-hex `$request_id`, and is safe to
/// put in a header, a JSON string and a log line without escaping.
///
/// ```
/// use axum::{routing::get, Extension, Router};
/// use tower_redact::{RedactLayer, RequestId};
///
/// async fn handler(Extension(id): Extension<RequestId>) -> String {
///     format!("your request is {id}")
/// }
///
/// let app: Router = Router::new()
///     .route("/", get(handler))
///     .layer(RedactLayer::default());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// Validates an incoming id: 1 to [`MAX_REQUEST_ID_LEN`] bytes, each one of
    /// `A-Z a-z 0-9 - _ . :`.
    ///
    /// ```
    /// use tower_redact::RequestId;
    ///
    /// assert!(RequestId::parse(b"01ARZ3NDEKTSV4RRFFQ69G5FAV").is_ok());
    /// assert!(RequestId::parse(b"id with spaces").is_err());
    /// assert!(RequestId::parse(b"").is_err());
    /// ```
    pub fn parse(bytes: &[u8]) -> Result<Self, InvalidRequestId> {
        if !is_valid(bytes) {
            return Err(InvalidRequestId { len: bytes.len() });
        }
        HeaderValue::from_bytes(bytes)
            .map(RequestId)
            .map_err(|_| InvalidRequestId { len: bytes.len() })
    }

    /// The id of the request being served on this thread: set by
    /// [`RedactLayer`](crate::RedactLayer) while it calls the inner service
    /// and while it polls the response future and body, so code running
    /// inside a handler (and any client it calls) can read it without
    /// threading it through every function.
    ///
    /// Like a tokio task-local, it does not follow work onto other tasks:
    /// inside `tokio::spawn`, pass the id along (or re-enter it with
    /// [`RequestId::scope`]).
    ///
    /// ```
    /// use tower_redact::RequestId;
    ///
    /// assert!(RequestId::current().is_none());
    /// let id = RequestId::parse(b"req-1").unwrap();
    /// id.scope(|| assert_eq!(RequestId::current().unwrap().as_str(), "req-1"));
    /// assert!(RequestId::current().is_none());
    /// ```
    pub fn current() -> Option<RequestId> {
        CURRENT.with(|current| current.borrow().clone())
    }

    /// Runs `f` with this id as [`RequestId::current`], restoring the
    /// previous one afterwards (also when `f` panics).
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = self.enter();
        f()
    }

    pub(crate) fn enter(&self) -> CurrentGuard {
        let previous = CURRENT.with(|current| current.replace(Some(self.clone())));
        CurrentGuard { previous }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Every constructor admits only visible ASCII, for which `to_str`
        // cannot fail.
        self.0.to_str().unwrap_or_default()
    }

    /// The id as a header value, ready to be cloned into a header map.
    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }

    fn from_validated(bytes: Bytes) -> Self {
        match HeaderValue::from_maybe_shared(bytes) {
            Ok(value) => RequestId(value),
            // Unreachable for the ASCII we generate; a fixed, valid id keeps
            // the request going rather than panicking.
            Err(_) => RequestId(HeaderValue::from_static(
                "00000000-0000-0000-0000-000000000000",
            )),
        }
    }

    /// A valid id that renders invalid JSON anywhere but plainly inside a
    /// JSON string: after a backslash or a partial `\u` escape (`-` is
    /// neither an escape letter nor hex) and outside strings (`-` must start
    /// a number, `Z` cannot follow it). Templates are checked with it.
    pub(crate) const PROBE: RequestId = RequestId(HeaderValue::from_static("-Zz_.:09"));

    pub(crate) fn generate(version: UuidVersion) -> Self {
        let uuid = match version {
            UuidVersion::V4 => uuid::Uuid::new_v4(),
            UuidVersion::V7 => uuid::Uuid::now_v7(),
        };
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        uuid.hyphenated().encode_lower(&mut text);
        // `from_owner` keeps the 36 bytes in the one allocation that all the
        // clones (extensions, headers, body) then share.
        Self::from_validated(Bytes::from_owner(text))
    }
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<RequestId>> = const { std::cell::RefCell::new(None) };
}

/// Restores the previous [`RequestId::current`] when dropped.
pub(crate) struct CurrentGuard {
    previous: Option<RequestId>,
}

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RequestId").field(&self.as_str()).finish()
    }
}

/// The error of [`RequestId::parse`]. It carries the rejected value's length
/// only: the value itself is attacker-controlled and must not reach a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidRequestId {
    len: usize,
}

impl InvalidRequestId {
    /// The length in bytes of the rejected value.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the rejected value was empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Display for InvalidRequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid request id ({} bytes): expected 1 to {MAX_REQUEST_ID_LEN} bytes of A-Z a-z 0-9 - _ . :",
            self.len
        )
    }
}

impl std::error::Error for InvalidRequestId {}

/// Which UUID version the layer generates for requests without a usable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UuidVersion {
    /// Random (version 4). The default.
    #[default]
    V4,
    /// Time-ordered (version 7): ids sort by creation time, which suits log
    /// stores and databases indexed by id. It reveals when the id was made.
    V7,
}

/// Why the incoming header was not used. Logged instead of the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// More than one header with the id's name.
    Repeated,
    /// A value outside the accepted set; its length.
    Invalid(usize),
    /// The layer is configured to distrust incoming ids.
    Distrusted,
}

/// The validated request-id settings of a layer.
#[derive(Debug, Clone)]
pub(crate) struct RequestIdConfig {
    pub(crate) header: HeaderName,
    pub(crate) trust_incoming: bool,
    pub(crate) version: UuidVersion,
    pub(crate) trace_context: bool,
}

/// The outcome of looking at a request's headers.
pub(crate) struct Resolved {
    pub(crate) id: RequestId,
    /// Whether the request header already holds exactly this id.
    pub(crate) kept: bool,
    pub(crate) rejected: Option<Rejection>,
    /// The trace-id of a valid W3C `traceparent`, when trace context is on.
    pub(crate) trace_id: Option<HeaderValue>,
}

impl RequestIdConfig {
    pub(crate) fn resolve(&self, headers: &HeaderMap) -> Resolved {
        let trace_id = if self.trace_context {
            trace_id(headers)
        } else {
            None
        };
        let mut values = headers.get_all(&self.header).iter();
        let first = values.next();
        let rejected = match first {
            None => None,
            Some(_) if !self.trust_incoming => Some(Rejection::Distrusted),
            Some(_) if values.next().is_some() => Some(Rejection::Repeated),
            Some(value) if is_valid(value.as_bytes()) => {
                return Resolved {
                    id: RequestId(value.clone()),
                    kept: true,
                    rejected: None,
                    trace_id,
                };
            }
            Some(value) => Some(Rejection::Invalid(value.len())),
        };
        // Without a usable id of its own, a request that belongs to a trace
        // takes the trace's id, so logs and traces join on one key.
        let id = match &trace_id {
            Some(trace) if self.trust_incoming && first.is_none() => RequestId(trace.clone()),
            _ => RequestId::generate(self.version),
        };
        Resolved {
            id,
            kept: false,
            rejected,
            trace_id,
        }
    }
}

/// The trace-id of a single, valid W3C `traceparent` header
/// (`version-traceid-parentid-flags`, lower-case hex; version `ff` and
/// all-zero ids are invalid; version `00` is exactly 55 bytes, later
/// versions may append `-` and more).
fn trace_id(headers: &HeaderMap) -> Option<HeaderValue> {
    let mut values = headers.get_all("traceparent").iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let v = value.as_bytes();
    let hex = |s: &[u8]| s.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let nonzero = |s: &[u8]| s.iter().any(|&b| b != b'0');
    if v.len() < 55 || v[2] != b'-' || v[35] != b'-' || v[52] != b'-' {
        return None;
    }
    let (version, trace, parent, flags) = (&v[..2], &v[3..35], &v[36..52], &v[53..55]);
    let valid = hex(version)
        && version != b"ff"
        && (if version == b"00" {
            v.len() == 55
        } else {
            v.len() == 55 || v[55] == b'-'
        })
        && hex(trace)
        && nonzero(trace)
        && hex(parent)
        && nonzero(parent)
        && hex(flags);
    if !valid {
        return None;
    }
    HeaderValue::from_bytes(trace).ok()
}

/// `A-Z a-z 0-9 - _ . :`
const ALLOWED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':');
        b += 1;
    }
    table
};

/// The rule of [`is_valid`] as a regular expression (PCRE and `regex`
/// syntax alike), for the configuration of another program (nginx) that
/// must keep exactly the ids this crate keeps. The test
/// `the_pattern_is_the_validity_rule` checks it against [`is_valid`] for
/// every byte and length, so the two cannot drift. PCRE's `$` also matches
/// before a final newline, which no header value ends with.
pub(crate) fn pattern() -> String {
    format!("^[.0-9:A-Z_a-z-]{{1,{MAX_REQUEST_ID_LEN}}}$")
}

fn is_valid(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.len() <= MAX_REQUEST_ID_LEN
        && bytes.iter().all(|&b| ALLOWED[usize::from(b)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(trust: bool) -> RequestIdConfig {
        RequestIdConfig {
            header: HeaderName::from_static("x-request-id"),
            trust_incoming: trust,
            version: UuidVersion::V4,
            trace_context: false,
        }
    }

    #[test]
    fn traceparent_is_parsed_by_the_w3c_rules() {
        let parse = |v: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert("traceparent", HeaderValue::from_static(v));
            trace_id(&headers).map(|t| t.to_str().unwrap().to_owned())
        };
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        assert_eq!(
            parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").as_deref(),
            Some(trace)
        );
        assert_eq!(
            parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra").as_deref(),
            Some(trace)
        );
        for bad in [
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
            "garbage",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        let config = RequestIdConfig {
            trace_context: true,
            ..config(true)
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            "traceparent",
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        let resolved = config.resolve(&headers);
        assert_eq!(resolved.id.as_str(), trace);
        headers.insert("x-request-id", HeaderValue::from_static("own-id"));
        let resolved = config.resolve(&headers);
        assert_eq!(resolved.id.as_str(), "own-id");
        assert_eq!(resolved.trace_id.unwrap(), trace);
    }

    fn is_uuid(id: &RequestId, version: usize) -> bool {
        uuid::Uuid::parse_str(id.as_str()).is_ok_and(|u| u.get_version_num() == version)
            && id.as_str().len() == 36
    }

    #[test]
    fn the_pattern_is_the_validity_rule() {
        let pattern = pattern();
        assert_eq!(pattern, "^[.0-9:A-Z_a-z-]{1,128}$");
        let regex = regex::bytes::Regex::new(&pattern).unwrap();
        let mut samples: Vec<Vec<u8>> = (0..=u8::MAX).map(|b| vec![b]).collect();
        samples.extend((0..=u8::MAX).map(|b| vec![b'a', b, b'z']));
        for len in [0, 1, 2, 127, 128, 129, 200] {
            samples.push(vec![b'7'; len]);
        }
        samples.extend(
            [
                "0f8fad5b-d9cb-469f-a165-70867728950e",
                "4bf92f3577b34da6a3ce929d0e0e4736",
                "svc.orders:7_a-b",
                "id with spaces",
                "quote\"d",
                "tab\tid",
                "new\nline",
                "trailing-newline\n",
                "é",
                "<script>",
            ]
            .iter()
            .map(|s| s.as_bytes().to_vec()),
        );
        for sample in samples {
            assert_eq!(
                regex.is_match(&sample),
                RequestId::parse(&sample).is_ok(),
                "{sample:?}"
            );
        }
    }

    #[test]
    fn accepts_common_id_formats() {
        for id in [
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "svc.orders:7_a-b",
            "a",
            &"x".repeat(MAX_REQUEST_ID_LEN),
        ] {
            assert!(RequestId::parse(id.as_bytes()).is_ok(), "{id}");
        }
    }

    #[test]
    fn rejects_unsafe_values() {
        for id in [
            &b""[..],
            &[b'x'; MAX_REQUEST_ID_LEN + 1][..],
            b"quote\"d",
            b"back\\slash",
            b"<script>",
            b"with space",
            b"tab\there",
            b"new\nline",
            b"nul\0",
            "caf\u{e9}".as_bytes(),
            b"semi;colon",
            b"slash/",
        ] {
            let err = RequestId::parse(id).unwrap_err();
            assert_eq!(err.len(), id.len());
            assert!(
                !err.to_string()
                    .contains(String::from_utf8_lossy(id).as_ref())
                    || id.is_empty()
            );
        }
    }

    #[test]
    fn keeps_a_single_valid_header() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", HeaderValue::from_static("abc-123"));
        let resolved = config(true).resolve(&headers);
        assert!(resolved.kept);
        assert_eq!(resolved.id.as_str(), "abc-123");
        assert_eq!(resolved.rejected, None);
    }

    #[test]
    fn replaces_absent_invalid_repeated_and_distrusted_ids() {
        let empty = HeaderMap::new();
        let resolved = config(true).resolve(&empty);
        assert!(!resolved.kept && is_uuid(&resolved.id, 4));
        assert_eq!(resolved.rejected, None);

        let mut invalid = HeaderMap::new();
        invalid.insert("x-request-id", HeaderValue::from_static("a b"));
        let resolved = config(true).resolve(&invalid);
        assert!(!resolved.kept && is_uuid(&resolved.id, 4));
        assert_eq!(resolved.rejected, Some(Rejection::Invalid(3)));

        let mut repeated = HeaderMap::new();
        repeated.append("x-request-id", HeaderValue::from_static("one"));
        repeated.append("x-request-id", HeaderValue::from_static("two"));
        let resolved = config(true).resolve(&repeated);
        assert!(!resolved.kept && is_uuid(&resolved.id, 4));
        assert_eq!(resolved.rejected, Some(Rejection::Repeated));

        let mut valid = HeaderMap::new();
        valid.insert("x-request-id", HeaderValue::from_static("abc"));
        let resolved = config(false).resolve(&valid);
        assert!(!resolved.kept && is_uuid(&resolved.id, 4));
        assert_eq!(resolved.rejected, Some(Rejection::Distrusted));
    }

    #[test]
    fn generates_distinct_ids_of_the_chosen_version() {
        let a = RequestId::generate(UuidVersion::V4);
        let b = RequestId::generate(UuidVersion::V4);
        assert_ne!(a, b);
        assert!(is_uuid(&a, 4));
        assert!(is_uuid(&RequestId::generate(UuidVersion::V7), 7));
        assert!(RequestId::parse(a.as_str().as_bytes()).is_ok());
    }
}
