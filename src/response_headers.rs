//! Which headers a response keeps: version banners stripped from every
//! response, an allow-list for rewritten ones, and the headers every error
//! response carries.

use crate::detect::Detector;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// Headers that reveal the server's software and version.
pub(crate) const DEFAULT_STRIPPED: [&str; 4] = [
    "server",
    "x-powered-by",
    "x-aspnet-version",
    "x-aspnetmvc-version",
];

/// Headers a rewritten response keeps from the inner response, besides every
/// `access-control-*` header. They steer the client (retry, authenticate,
/// which methods exist), keep CORS and the browser's security policies in
/// force, and none of them is a channel for error details. `set-cookie` is
/// kept because authentication flows set or clear cookies on 401 and 403
/// responses; error responses also carry `no-store`, so no shared cache keeps
/// them.
pub(crate) const DEFAULT_PRESERVED: [&str; 14] = [
    "allow",
    "content-security-policy",
    "cross-origin-embedder-policy",
    "cross-origin-opener-policy",
    "cross-origin-resource-policy",
    "permissions-policy",
    "proxy-authenticate",
    "referrer-policy",
    "retry-after",
    "set-cookie",
    "strict-transport-security",
    "vary",
    "www-authenticate",
    "x-frame-options",
];

const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");

/// The validated header settings of a layer.
#[derive(Debug, Clone)]
pub(crate) struct HeaderPolicy {
    pub(crate) stripped: Vec<HeaderName>,
    pub(crate) preserved: Vec<HeaderName>,
    /// `x-content-type-options: nosniff` on successes too, not only errors.
    pub(crate) nosniff_everywhere: bool,
}

impl Default for HeaderPolicy {
    fn default() -> Self {
        HeaderPolicy {
            stripped: DEFAULT_STRIPPED
                .iter()
                .map(|n| HeaderName::from_static(n))
                .collect(),
            preserved: DEFAULT_PRESERVED
                .iter()
                .map(|n| HeaderName::from_static(n))
                .collect(),
            nosniff_everywhere: true,
        }
    }
}

impl HeaderPolicy {
    /// Removes the version-revealing headers. One pass over the names,
    /// removing only on a hit: most responses carry none, and a lookup per
    /// stripped name would cost a hash each.
    pub(crate) fn strip(&self, headers: &mut HeaderMap) {
        while let Some(name) = headers
            .keys()
            .find(|name| self.stripped.contains(name))
            .cloned()
        {
            headers.remove(&name);
        }
    }

    /// What every final response gets: `nosniff`, unless turned off for
    /// successes or the inner service chose a value itself. A 1xx (a
    /// protocol switch) has no content to sniff.
    pub(crate) fn mark_any(&self, status: http::StatusCode, headers: &mut HeaderMap) {
        if self.nosniff_everywhere && !status.is_informational() {
            headers
                .entry(header::X_CONTENT_TYPE_OPTIONS)
                .or_insert(NOSNIFF);
        }
    }

    fn is_preserved(&self, name: &HeaderName) -> bool {
        name.as_str().starts_with("access-control-") || self.preserved.contains(name)
    }

    /// Reduces the headers of a response being rewritten to the preserved
    /// ones, without the stripped ones (which a user may also have preserved
    /// by mistake), and without any value of theirs that `detector` flags:
    /// a `set-cookie` or `www-authenticate` is kept for what it steers, and a
    /// driver error in it would defeat the rewrite. Works in place: the map's
    /// storage is reused.
    pub(crate) fn keep_preserved(&self, headers: &mut HeaderMap, detector: &Detector) {
        let doomed = |name: &&HeaderName| !self.is_preserved(name) || self.stripped.contains(name);
        while let Some(name) = headers.keys().find(doomed).cloned() {
            headers.remove(&name);
        }
        let leaks = |headers: &HeaderMap, name: &HeaderName| {
            carries_text(name)
                && headers
                    .get_all(name)
                    .iter()
                    .any(|value| detector.scan_header(name, value).is_some())
        };
        while let Some(name) = headers.keys().find(|name| leaks(headers, name)).cloned() {
            let clean: Vec<HeaderValue> = headers
                .get_all(&name)
                .iter()
                .filter(|value| detector.scan_header(&name, value).is_none())
                .cloned()
                .collect();
            headers.remove(&name);
            for value in clean {
                headers.append(name.clone(), value);
            }
        }
    }
}

/// Whether a header's value can carry free text, and so a leak. Standard
/// headers with structured values (media types, dates, numbers, tokens,
/// validators) cannot, and scanning them would only cost time.
pub(crate) fn carries_text(name: &HeaderName) -> bool {
    use http::header::*;
    ![
        CONTENT_TYPE,
        CONTENT_LENGTH,
        CONTENT_ENCODING,
        CONTENT_LANGUAGE,
        TRANSFER_ENCODING,
        DATE,
        ETAG,
        LAST_MODIFIED,
        EXPIRES,
        AGE,
        CACHE_CONTROL,
        VARY,
        ACCEPT_RANGES,
        CONNECTION,
        RETRY_AFTER,
        ALLOW,
        STRICT_TRANSPORT_SECURITY,
        X_CONTENT_TYPE_OPTIONS,
        X_FRAME_OPTIONS,
    ]
    .contains(name)
        && !name.as_str().starts_with("access-control-")
}

/// What every 4xx and 5xx response carries.
pub(crate) fn mark_error(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, NO_STORE);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_version_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("server", HeaderValue::from_static("nginx/1.22.1"));
        headers.insert("x-powered-by", HeaderValue::from_static("PHP/8.2"));
        headers.insert("content-type", HeaderValue::from_static("text/plain"));
        HeaderPolicy::default().strip(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.contains_key("content-type"));
    }

    #[test]
    fn rewritten_keeps_only_the_allow_list() {
        let mut inner = HeaderMap::new();
        for (name, value) in [
            ("access-control-allow-origin", "https://app.example"),
            ("access-control-expose-headers", "x-request-id"),
            ("vary", "origin"),
            ("retry-after", "30"),
            ("set-cookie", "a=1"),
            ("content-type", "text/html"),
            ("content-length", "999"),
            ("content-encoding", "gzip"),
            ("etag", "\"abc\""),
            ("last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"),
            ("expires", "0"),
            ("content-range", "bytes 0-1/2"),
            ("x-debug-trace", "at foo.rs:12"),
            ("server", "hyper"),
        ] {
            inner.append(name, HeaderValue::from_static(value));
        }
        inner.append("set-cookie", HeaderValue::from_static("b=2"));
        let mut out = inner;
        HeaderPolicy::default().keep_preserved(&mut out, &Detector::default());
        let mut names: Vec<_> = out.keys().map(|k| k.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "access-control-allow-origin",
                "access-control-expose-headers",
                "retry-after",
                "set-cookie",
                "vary",
            ]
        );
        assert_eq!(out.get_all("set-cookie").iter().count(), 2);
    }

    #[test]
    fn marks_errors() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "cache-control",
            HeaderValue::from_static("public, max-age=600"),
        );
        mark_error(&mut headers);
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }
}
