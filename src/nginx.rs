//! An nginx configuration that answers like the layer, for a service behind
//! nginx.
//!
//! nginx answers some requests itself: `502 Bad Gateway` when the backend is
//! down, `504 Gateway Time-out` when it is too slow, `413` for a body over
//! `client_max_body_size`, `400` for a request it cannot parse. Its pages are
//! HTML that say `nginx`, and its `Server` header says it again: exactly what
//! the layer hides. [`Snippet`] renders, from a [`RedactLayer`]'s
//! configuration, a file for nginx's `http` context (e.g. in
//! `/etc/nginx/conf.d/`) with a `server` that proxies to the service and:
//!
//! - answers each of nginx's own errors ([`DEFAULT_STATUSES`]) with the
//!   layer's template for that status — the same bytes, content type,
//!   `cache-control: no-store`, `x-content-type-options: nosniff` and request
//!   id header the layer sends ([`RedactLayer::error_template`]);
//! - gives every request an id under the layer's header name: a valid
//!   incoming one (the layer's rule, as a regex) or nginx's `$request_id` (32
//!   hex digits, which the layer keeps), forwarded to the service so that
//!   nginx's answer, the service's log and the service's response share it;
//! - sends no version: `server_tokens off`, `more_clear_headers Server` (needs
//!   the headers-more module, see [`Snippet::headers_more`]),
//!   `proxy_hide_header` for `x-powered-by` and the layer's other stripped
//!   headers.
//!
//! The service's own responses pass through untouched (no
//! `proxy_intercept_errors`): the layer has already templated them, with the
//! id nginx forwarded in their body and header, so nginx adds no id header
//! to them and each response has exactly one.
//!
//! ```
//! use std::time::Duration;
//! use tower_redact::{nginx::Snippet, RedactLayer};
//!
//! let layer = RedactLayer::default();
//! let conf = Snippet::new(&layer)
//!     .upstream("127.0.0.1:3000")
//!     .listen("127.0.0.1:8080")
//!     .read_timeout(Duration::from_secs(30))
//!     .render()?;
//! assert!(conf.contains("proxy_set_header x-request-id $redact_request_id;"));
//! assert!(conf.contains("error_page 502 /__redact_error_502;"));
//! assert!(conf.contains(
//!     r#"return 502 '{"type":"about:blank","title":"Bad Gateway","status":502,"#
//! ));
//! # Ok::<(), tower_redact::nginx::SnippetError>(())
//! ```
//!
//! `cargo run --example nginx -- --help` prints such a file from the demo's
//! layer; `scripts/e2e-nginx.sh` runs it with a real nginx in front of the
//! demo.

use crate::layer::RedactLayer;
use crate::template::TemplatePart;
use http::header::HeaderName;
use http::StatusCode;
use std::fmt::{self, Write};
use std::time::Duration;

/// The statuses a [`Snippet`] covers by default: those nginx sends on its
/// own in front of a proxied service. 502 (backend down, refusing, or
/// answering garbage), 504 (no answer within `proxy_read_timeout`), 503
/// (`limit_req`, `limit_conn`), 400 (an unparsable request, a bad `Host`,
/// and nginx's internal 494 "header too large", sent as 400), 404 (a direct
/// request for one of the error locations), 405 (`TRACE`), 411, 413
/// (`client_max_body_size`), 414 (a URI over the header buffers), 416, 500
/// (nginx's internal errors), 501 (an unknown `Transfer-Encoding`) and 505;
/// and 403, 408 and 429, which nginx sends only when configured to (`deny`,
/// `limit_req_status 429`) or, for 408, not at all (nginx closes a timed-out
/// connection without an answer), covered so that a directive added later
/// does not bring nginx's page back.
///
/// Only nginx's own answers are affected: the service's responses with the
/// same statuses pass through.
pub const DEFAULT_STATUSES: [u16; 16] = [
    400, 403, 404, 405, 408, 411, 413, 414, 416, 429, 500, 501, 502, 503, 504, 505,
];

/// nginx's internal codes that it sends as `400 Bad Request`: request header
/// too large (494), and the TLS ones (495, 496, 497).
const SENT_AS_400: [u16; 4] = [494, 495, 496, 497];

/// The prefix of the internal locations that answer nginx's errors.
const ERROR_LOCATION: &str = "/__redact_error_";

/// The nginx variable that holds the request id.
const ID_VARIABLE: &str = "redact_request_id";

/// The nginx variable that holds a literal `$` (nginx strings cannot escape
/// one).
const DOLLAR_VARIABLE: &str = "redact_dollar";

/// An nginx configuration file rendered from a [`RedactLayer`]: see the
/// [module documentation](self).
///
/// The options only shape the proxying (where to, where to listen, how
/// long to wait, how large a body); everything about the answers (template,
/// messages, content type, id header, trust in incoming ids, stripped
/// headers) comes from the layer.
///
/// ```
/// use http::{header::HeaderName, StatusCode};
/// use tower_redact::nginx::{Snippet, SnippetError};
/// use tower_redact::RedactLayer;
///
/// let layer = RedactLayer::builder()
///     .request_id_header(HeaderName::from_static("x-correlation-id"))
///     .build()?;
/// let conf = Snippet::new(&layer)
///     .statuses([StatusCode::BAD_GATEWAY, StatusCode::GATEWAY_TIMEOUT])
///     .headers_more(false)
///     .render()?;
/// assert!(conf.contains("map $http_x_correlation_id $redact_request_id {"));
/// assert!(conf.contains("add_header x-correlation-id $redact_request_id always;"));
/// assert_eq!(conf.matches("error_page ").count(), 2);
/// assert!(!conf.contains("more_clear_headers"));
///
/// // nginx drops request headers with underscores by default: refused.
/// let layer = RedactLayer::builder()
///     .request_id_header(HeaderName::from_static("x_request_id"))
///     .build()?;
/// assert_eq!(
///     Snippet::new(&layer).render(),
///     Err(SnippetError::HeaderName("x_request_id".into()))
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Snippet<'a> {
    layer: &'a RedactLayer,
    upstream: String,
    listen: String,
    server_names: Vec<String>,
    connect_timeout: Duration,
    send_timeout: Duration,
    read_timeout: Duration,
    client_max_body_size: Option<u64>,
    headers_more: bool,
    statuses: Vec<StatusCode>,
}

impl<'a> Snippet<'a> {
    /// A snippet for `layer` with the defaults: upstream `127.0.0.1:3000`,
    /// `listen 80`, no `server_name`, connect timeout 5 s, send and read
    /// timeouts 60 s (nginx's defaults), nginx's default
    /// `client_max_body_size` (1 MiB), headers-more on, and
    /// [`DEFAULT_STATUSES`].
    pub fn new(layer: &'a RedactLayer) -> Self {
        Snippet {
            layer,
            upstream: "127.0.0.1:3000".to_string(),
            listen: "80".to_string(),
            server_names: Vec::new(),
            connect_timeout: Duration::from_secs(5),
            send_timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(60),
            client_max_body_size: None,
            headers_more: true,
            statuses: DEFAULT_STATUSES
                .iter()
                .filter_map(|&status| StatusCode::from_u16(status).ok())
                .collect(),
        }
    }

    /// The service's address, as nginx's `server` directive of an
    /// `upstream` takes it: `HOST:PORT`, `[IPv6]:PORT`, or `unix:/PATH`.
    pub fn upstream(mut self, address: impl Into<String>) -> Self {
        self.upstream = address.into();
        self
    }

    /// Where nginx listens: `PORT`, `HOST:PORT`, `[IPv6]:PORT` or
    /// `unix:/PATH`.
    pub fn listen(mut self, address: impl Into<String>) -> Self {
        self.listen = address.into();
        self
    }

    /// Adds a `server_name` (none by default, so the server answers any
    /// `Host` for which it is the default server).
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_names.push(name.into());
        self
    }

    /// `proxy_connect_timeout`: how long nginx tries to connect before it
    /// answers 504. Default 5 s; nginx allows at most 75 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// `proxy_send_timeout`: the longest pause while nginx sends the request
    /// to the service. Default 60 s.
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.send_timeout = timeout;
        self
    }

    /// `proxy_read_timeout`: the longest pause while nginx waits for the
    /// service's response; past it before the head, nginx answers 504.
    /// Default 60 s.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// `client_max_body_size` in bytes; a larger request body is answered
    /// 413. Not set by default (nginx's default, 1 MiB, applies); `0` means
    /// no limit.
    pub fn client_max_body_size(mut self, bytes: u64) -> Self {
        self.client_max_body_size = Some(bytes);
        self
    }

    /// Whether the file uses `more_clear_headers Server` (the default).
    ///
    /// Open-source nginx sends `Server: nginx` on every response even with
    /// `server_tokens off`; only the third-party headers-more module removes
    /// it. On Debian and Ubuntu: `apt-get install
    /// libnginx-mod-http-headers-more-filter`, which also enables it (or
    /// `load_module modules/ngx_http_headers_more_filter_module.so;` in the
    /// main context). Without the module nginx refuses the file; turn this
    /// off to get `Server: nginx` (with no version) instead.
    pub fn headers_more(mut self, on: bool) -> Self {
        self.headers_more = on;
        self
    }

    /// Covers `status` too: nginx's own answers with it get the template.
    /// A 4xx or 5xx other than 499 and nginx's internal 494 to 497 (which
    /// come with 400).
    pub fn status(mut self, status: StatusCode) -> Self {
        if !self.statuses.contains(&status) {
            self.statuses.push(status);
        }
        self
    }

    /// Covers exactly these statuses, instead of [`DEFAULT_STATUSES`].
    pub fn statuses(mut self, statuses: impl IntoIterator<Item = StatusCode>) -> Self {
        self.statuses.clear();
        for status in statuses {
            self = self.status(status);
        }
        self
    }

    /// The configuration file: `map` (and, when the template holds a `$`,
    /// `geo`), `upstream` and `server` blocks, for the `http` context.
    pub fn render(&self) -> Result<String, SnippetError> {
        let mut out = String::new();
        self.write(&mut out)?;
        Ok(out)
    }

    fn write(&self, out: &mut String) -> Result<(), SnippetError> {
        let config = self.layer.config();
        let header = &config.request_id.header;
        let header_variable = header_variable(header)?;
        check_address("upstream", &self.upstream)?;
        check_address("listen", &self.listen)?;
        for name in &self.server_names {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'*'))
            {
                return Err(SnippetError::ServerName(name.clone()));
            }
        }
        for (directive, timeout) in self.timeouts() {
            if timeout.as_millis() == 0 {
                return Err(SnippetError::Timeout(directive));
            }
        }
        let mut statuses = self.statuses.clone();
        statuses.sort_unstable();
        for status in statuses.iter().map(StatusCode::as_u16) {
            if !(400..=599).contains(&status) || status == 499 || SENT_AS_400.contains(&status) {
                return Err(SnippetError::Status(status));
            }
        }
        let content_type = config
            .template
            .content_type
            .to_str()
            .map_err(|_| SnippetError::ContentType)?;
        let needs_dollar = statuses.iter().any(|&status| {
            self.layer
                .error_template(status)
                .parts()
                .any(|part| matches!(part, TemplatePart::Text(text) if text.contains('$')))
        });
        // Writing to a String cannot fail.
        let _ = self.write_checked(
            out,
            header,
            &header_variable,
            content_type,
            &statuses,
            needs_dollar,
        );
        Ok(())
    }

    fn timeouts(&self) -> [(&'static str, Duration); 3] {
        [
            ("proxy_connect_timeout", self.connect_timeout),
            ("proxy_send_timeout", self.send_timeout),
            ("proxy_read_timeout", self.read_timeout),
        ]
    }

    /// Writes the file once every input is checked.
    fn write_checked(
        &self,
        out: &mut String,
        header: &HeaderName,
        header_variable: &str,
        content_type: &str,
        statuses: &[StatusCode],
        needs_dollar: bool,
    ) -> fmt::Result {
        let config = self.layer.config();
        let trust = config.request_id.trust_incoming;
        writeln!(
            out,
            "# nginx configuration generated by tower-redact {} from a RedactLayer",
            env!("CARGO_PKG_VERSION")
        )?;
        out.push_str(
            "# configuration. Include it in the http context (e.g. /etc/nginx/conf.d/).\n\
             # Generate it again whenever the layer's template, messages or request id\n\
             # header change: the error bodies below are copies of that configuration's.\n\n",
        );

        // The request id.
        if trust {
            writeln!(
                out,
                "# The request id: a valid incoming {header} (the layer's rule: 1 to {max}\n\
                 # bytes of A-Z a-z 0-9 - _ . :) is kept; anything else, or none, becomes\n\
                 # nginx's $request_id (32 hex digits, which the layer keeps). nginx 1.23+\n\
                 # joins repeated headers with \", \", which makes them invalid, as the layer\n\
                 # treats them; older versions look at the first one only.",
                max = crate::MAX_REQUEST_ID_LEN,
            )?;
        } else {
            out.push_str(
                "# The request id: always nginx's $request_id, since the layer is built with\n\
                 # trust_incoming_ids(false). The layer ignores it too and makes its own, so\n\
                 # the service's responses carry a different id than nginx's own answers.\n",
            );
        }
        writeln!(out, "map ${header_variable} ${ID_VARIABLE} {{")?;
        writeln!(out, "    default $request_id;")?;
        if trust {
            writeln!(
                out,
                "    \"~{}\" ${header_variable};",
                quote(&crate::request_id::pattern(), '"')
            )?;
        }
        writeln!(out, "}}\n")?;

        if needs_dollar {
            out.push_str(
                "# A literal \"$\" for the error bodies: nginx strings cannot escape one, and\n\
                 # geo values are not interpolated.\n",
            );
            writeln!(out, "geo ${DOLLAR_VARIABLE} {{")?;
            writeln!(out, "    default \"$\";")?;
            writeln!(out, "}}\n")?;
        }

        writeln!(out, "upstream redact_backend {{")?;
        writeln!(out, "    server {};", self.upstream)?;
        writeln!(out, "    keepalive 16;")?;
        writeln!(out, "}}\n")?;

        writeln!(out, "server {{")?;
        writeln!(out, "    listen {};", self.listen)?;
        if !self.server_names.is_empty() {
            writeln!(out, "    server_name {};", self.server_names.join(" "))?;
        }
        out.push('\n');
        out.push_str("    # No version in the Server header or in any page nginx writes...\n");
        out.push_str("    server_tokens off;\n");
        if self.headers_more {
            out.push_str(
                "    # ...and no Server header at all. Needs the headers-more module (Debian:\n\
                 \x20   # libnginx-mod-http-headers-more-filter, or in the main context\n\
                 \x20   # load_module modules/ngx_http_headers_more_filter_module.so;):\n\
                 \x20   # open-source nginx sends \"Server: nginx\" even with server_tokens off.\n\
                 \x20   more_clear_headers Server;\n",
            );
        } else {
            out.push_str(
                "    # Without the headers-more module nginx still sends \"Server: nginx\".\n",
            );
        }
        out.push('\n');
        if let Some(bytes) = self.client_max_body_size {
            writeln!(out, "    client_max_body_size {bytes};")?;
        }
        for (directive, timeout) in self.timeouts() {
            writeln!(out, "    {directive} {};", nginx_duration(timeout))?;
        }
        out.push('\n');

        out.push_str(
            "    # nginx's own errors (the service down: 502; too slow: 504; ...) answer\n\
             \x20   # with the layer's template for the status. The service's own responses\n\
             \x20   # pass through (no proxy_intercept_errors): the layer templated them.\n",
        );
        for status in statuses.iter().map(StatusCode::as_u16) {
            let mut codes = status.to_string();
            if status == 400 {
                for code in SENT_AS_400 {
                    write!(codes, " {code}")?;
                }
            }
            writeln!(out, "    error_page {codes} {ERROR_LOCATION}{status};")?;
        }
        out.push('\n');

        writeln!(out, "    location / {{")?;
        writeln!(out, "        proxy_pass http://redact_backend;")?;
        writeln!(out, "        proxy_intercept_errors off;")?;
        writeln!(out, "        proxy_http_version 1.1;")?;
        writeln!(out, "        proxy_set_header Connection \"\";")?;
        writeln!(out, "        proxy_set_header Host $host;")?;
        writeln!(
            out,
            "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"
        )?;
        writeln!(out, "        proxy_set_header X-Forwarded-Proto $scheme;")?;
        writeln!(
            out,
            "        # The layer keeps this id and sends it back in {header} on every\n\
             \x20       # response (and in every templated body), so nginx adds no {header}\n\
             \x20       # here: one header, the id of the service's log."
        )?;
        writeln!(out, "        proxy_set_header {header} ${ID_VARIABLE};")?;
        let mut hidden: Vec<&str> = vec!["x-powered-by"];
        for name in &config.headers.stripped {
            // nginx never passes the upstream's Server header.
            if name != "server" && !hidden.contains(&name.as_str()) {
                hidden.push(name.as_str());
            }
        }
        for name in hidden {
            writeln!(out, "        proxy_hide_header {name};")?;
        }
        writeln!(out, "    }}")?;

        out.push_str(
            "\n    # The answers. A level with an add_header inherits none from above, so\n\
             \x20   # each location lists all three headers the layer adds.\n",
        );
        for (i, &code) in statuses.iter().enumerate() {
            let status = code.as_u16();
            let template = self.layer.error_template(code);
            if i > 0 {
                writeln!(out)?;
            }
            writeln!(out, "    location = {ERROR_LOCATION}{status} {{")?;
            writeln!(out, "        internal;")?;
            writeln!(out, "        types {{ }}")?;
            writeln!(out, "        default_type '{}';", quote(content_type, '\''))?;
            writeln!(out, "        charset off;")?;
            writeln!(out, "        add_header cache-control no-store always;")?;
            writeln!(
                out,
                "        add_header x-content-type-options nosniff always;"
            )?;
            writeln!(out, "        add_header {header} ${ID_VARIABLE} always;")?;
            write!(out, "        return {status} '")?;
            for part in template.parts() {
                match part {
                    TemplatePart::Text(text) => out.push_str(&quote_return(text)),
                    TemplatePart::RequestId => write!(out, "${{{ID_VARIABLE}}}")?,
                }
            }
            writeln!(out, "';")?;
            writeln!(out, "    }}")?;
        }
        writeln!(out, "}}")?;
        Ok(())
    }
}

/// `$http_…`: nginx's variable for a request header. nginx ignores headers
/// whose names hold anything but letters, digits and `-` (underscores too,
/// by default), so only those names are accepted.
fn header_variable(header: &HeaderName) -> Result<String, SnippetError> {
    let name = header.as_str();
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(SnippetError::HeaderName(name.to_string()));
    }
    Ok(format!("http_{}", name.replace('-', "_")))
}

/// An address for `listen` or an upstream `server`: letters, digits and
/// `. : [ ] _ - /` only, so that it cannot end the directive or add one.
fn check_address(what: &'static str, value: &str) -> Result<(), SnippetError> {
    let valid = !value.is_empty()
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'[' | b']' | b'_' | b'-' | b'/')
        });
    if valid {
        Ok(())
    } else {
        Err(SnippetError::Address {
            what,
            value: value.to_string(),
        })
    }
}

/// A duration in nginx's units: whole seconds as `Ns`, anything else as
/// `Nms`.
fn nginx_duration(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// `text` inside an nginx string quoted with `delimiter` (`'` or `"`) that
/// is not interpolated: nginx's reader turns `\\` into `\` and an escaped
/// delimiter into the delimiter (and `\n`, `\r`, `\t` into control
/// characters, which is why every `\` is doubled).
fn quote(text: &str, delimiter: char) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\\' || c == delimiter {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` inside the single-quoted text of `return`, which nginx
/// interpolates: as [`quote`], and each `$` through the `geo` variable that
/// holds one.
fn quote_return(text: &str) -> String {
    quote(text, '\'').replace('$', &format!("${{{DOLLAR_VARIABLE}}}"))
}

/// Why [`Snippet::render`] refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnippetError {
    /// An address (`listen` or `upstream`) with characters outside
    /// letters, digits and `. : [ ] _ - /`.
    Address {
        /// `"listen"` or `"upstream"`.
        what: &'static str,
        /// The address given.
        value: String,
    },
    /// A `server_name` with characters outside letters, digits and `. - _ *`.
    ServerName(String),
    /// The layer's request id header has a name nginx does not pass by
    /// default (anything but letters, digits and `-`).
    HeaderName(String),
    /// The template's content type is not ASCII.
    ContentType,
    /// A status that cannot be covered: outside 400 to 599, 499, or one of
    /// nginx's internal 494 to 497 (covered with 400).
    Status(u16),
    /// A zero timeout for this directive.
    Timeout(&'static str),
}

impl fmt::Display for SnippetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnippetError::Address { what, value } => write!(
                f,
                "invalid {what} address {value:?}: expected HOST:PORT, [IPv6]:PORT, PORT or unix:/PATH"
            ),
            SnippetError::ServerName(name) => write!(f, "invalid server_name {name:?}"),
            SnippetError::HeaderName(name) => write!(
                f,
                "the request id header {name:?} has characters nginx drops by default (only letters, digits and - pass)"
            ),
            SnippetError::ContentType => f.write_str("the template's content type is not ASCII"),
            SnippetError::Status(status) => write!(
                f,
                "status {status} cannot be covered: a 4xx or 5xx, not 499, and not 494 to 497 (covered with 400)"
            ),
            SnippetError::Timeout(directive) => write!(f, "{directive} must be at least 1 ms"),
        }
    }
}

impl std::error::Error for SnippetError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RequestId, Template};

    /// What nginx makes of the `return` text of the location for `status`:
    /// its reader's quoting rules (`ngx_conf_read_token`), then the
    /// script's variables, with `id` for the request id.
    fn served_body(conf: &str, status: u16, id: &str) -> String {
        let start = format!("    location = {ERROR_LOCATION}{status} {{\n");
        let location = &conf[conf.find(&start).unwrap()..];
        let opening = format!("return {status} '");
        let quoted = &location[location.find(&opening).unwrap() + opening.len()..];
        let mut text = String::new();
        let mut chars = quoted.chars();
        loop {
            match chars.next().unwrap() {
                '\'' => break,
                '\\' => match chars.next().unwrap() {
                    c @ ('"' | '\'' | '\\') => text.push(c),
                    't' => text.push('\t'),
                    'r' => text.push('\r'),
                    'n' => text.push('\n'),
                    c => {
                        text.push('\\');
                        text.push(c);
                    }
                },
                c => text.push(c),
            }
        }
        assert_eq!(chars.next(), Some(';'));
        let mut body = String::new();
        let mut rest = text.as_str();
        while let Some(i) = rest.find('$') {
            body.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let end = after.find('}').expect("every variable is ${…}");
            match &after[..=end] {
                "{redact_request_id}" => body.push_str(id),
                "{redact_dollar}" => {
                    assert!(conf.contains("geo $redact_dollar {\n    default \"$\";\n}"));
                    body.push('$');
                }
                other => panic!("unexpected variable ${other}"),
            }
            rest = &after[end + 1..];
        }
        body.push_str(rest);
        body
    }

    fn location(conf: &str, status: u16) -> &str {
        let start = conf
            .find(&format!("location = {ERROR_LOCATION}{status} {{"))
            .unwrap();
        let end = start + conf[start..].find("\n    }\n").unwrap();
        &conf[start..end]
    }

    #[test]
    fn every_covered_status_serves_the_layers_body() {
        let layer = RedactLayer::default();
        let conf = Snippet::new(&layer).render().unwrap();
        let id = "4bf92f3577b34da6a3ce929d0e0e4736";
        let parsed = RequestId::parse(id.as_bytes()).unwrap();
        for status in DEFAULT_STATUSES {
            let template = layer.error_template(StatusCode::from_u16(status).unwrap());
            assert_eq!(
                served_body(&conf, status, id).as_bytes(),
                template.render(&parsed),
                "{status}"
            );
            let codes = if status == 400 {
                "400 494 495 496 497".to_string()
            } else {
                status.to_string()
            };
            assert!(conf.contains(&format!(
                "    error_page {codes} {ERROR_LOCATION}{status};\n"
            )));
            let location = location(&conf, status);
            for line in [
                "internal;",
                "types { }",
                "default_type 'application/problem+json';",
                "charset off;",
                "add_header cache-control no-store always;",
                "add_header x-content-type-options nosniff always;",
                "add_header x-request-id $redact_request_id always;",
            ] {
                assert!(
                    location.contains(&format!("\n        {line}\n")),
                    "{status}: {line}"
                );
            }
        }
        assert!(!conf.contains("geo "), "no $ in the default template");
    }

    #[test]
    fn the_proxy_part() {
        let layer = RedactLayer::default();
        let conf = Snippet::new(&layer)
            .upstream("10.0.0.5:8000")
            .listen("[::]:8443")
            .server_name("api.example")
            .server_name("*.api.example")
            .connect_timeout(Duration::from_millis(1500))
            .read_timeout(Duration::from_secs(30))
            .client_max_body_size(1 << 20)
            .render()
            .unwrap();
        for line in [
            "map $http_x_request_id $redact_request_id {\n    default $request_id;\n    \"~^[.0-9:A-Z_a-z-]{1,128}$\" $http_x_request_id;\n}\n",
            "upstream redact_backend {\n    server 10.0.0.5:8000;\n",
            "    listen [::]:8443;\n    server_name api.example *.api.example;\n",
            "    server_tokens off;\n",
            "    more_clear_headers Server;\n",
            "    client_max_body_size 1048576;\n",
            "    proxy_connect_timeout 1500ms;\n",
            "    proxy_send_timeout 60s;\n",
            "    proxy_read_timeout 30s;\n",
            "        proxy_pass http://redact_backend;\n",
            "        proxy_intercept_errors off;\n",
            "        proxy_set_header x-request-id $redact_request_id;\n",
            "        proxy_hide_header x-powered-by;\n",
        ] {
            assert!(conf.contains(line), "{line}");
        }
        // The proxied location adds no header: the layer's responses carry
        // their own id, exactly once.
        let proxied = &conf[conf.find("    location / {").unwrap()..];
        let proxied = &proxied[..proxied.find("\n    }\n").unwrap()];
        assert!(!proxied.contains("add_header"));
        assert!(!conf.contains("proxy_intercept_errors on"));

        let plain = Snippet::new(&layer).headers_more(false).render().unwrap();
        assert!(!plain.contains("more_clear_headers"));
        assert!(plain.contains("    listen 80;\n"));
        assert!(!plain.contains("client_max_body_size"));
    }

    #[test]
    fn quotes_backslashes_dollars_and_newlines_survive_nginx() {
        let layer = RedactLayer::builder()
            .template(Template::custom(
                "application/vnd.example+json; charset=\"utf-8\"",
                "{\n  \"$schema\": \"https://example/it's.json\",\n  \"id\": \"{{request_id}}\",\n  \"again\": \"{{request_id}}\",\n  \"msg\": \"{{message}}\", \"s\": {{status}}\n}",
            ))
            .message(
                StatusCode::BAD_GATEWAY,
                "Costs $5 \\ it's \"down\"\nline two\t$$ ${x} \\n",
            )
            .build()
            .unwrap();
        let conf = Snippet::new(&layer).render().unwrap();
        assert!(conf.contains("geo $redact_dollar {"));
        assert!(conf
            .contains("        default_type 'application/vnd.example+json; charset=\"utf-8\"';\n"));
        let id = "client.id:42_x-y";
        let parsed = RequestId::parse(id.as_bytes()).unwrap();
        for status in DEFAULT_STATUSES {
            let template = layer.error_template(StatusCode::from_u16(status).unwrap());
            assert_eq!(
                served_body(&conf, status, id).as_bytes(),
                template.render(&parsed),
                "{status}"
            );
        }
        let body = served_body(&conf, 502, id);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            json["msg"],
            "Costs $5 \\ it's \"down\"\nline two\t$$ ${x} \\n"
        );
        assert_eq!(json["$schema"], "https://example/it's.json");
        assert_eq!(json["again"], id);
    }

    #[test]
    fn follows_the_layers_header_trust_and_stripped_headers() {
        let layer = RedactLayer::builder()
            .request_id_header(HeaderName::from_static("x-correlation-id"))
            .trust_incoming_ids(false)
            .strip_header(HeaderName::from_static("x-runtime"))
            .build()
            .unwrap();
        let conf = Snippet::new(&layer).render().unwrap();
        assert!(conf.contains(
            "map $http_x_correlation_id $redact_request_id {\n    default $request_id;\n}\n"
        ));
        assert!(conf.contains("proxy_set_header x-correlation-id $redact_request_id;"));
        assert!(conf.contains("add_header x-correlation-id $redact_request_id always;"));
        assert!(conf.contains("proxy_hide_header x-runtime;"));
        assert!(!conf.contains("x-request-id"));

        let underscore = RedactLayer::builder()
            .request_id_header(HeaderName::from_static("x_request_id"))
            .build()
            .unwrap();
        assert_eq!(
            Snippet::new(&underscore).render().unwrap_err(),
            SnippetError::HeaderName("x_request_id".into())
        );
    }

    #[test]
    fn chosen_statuses() {
        let layer = RedactLayer::default();
        let conf = Snippet::new(&layer)
            .statuses([StatusCode::GATEWAY_TIMEOUT, StatusCode::BAD_GATEWAY])
            .status(StatusCode::BAD_GATEWAY)
            .render()
            .unwrap();
        assert_eq!(conf.matches("    error_page ").count(), 2);
        assert!(conf.find("error_page 502").unwrap() < conf.find("error_page 504").unwrap());
        assert_eq!(conf.matches("    location = ").count(), 2);
        for bad in [200, 302, 494, 497, 499, 600] {
            let status = StatusCode::from_u16(bad).unwrap();
            assert_eq!(
                Snippet::new(&layer).status(status).render().unwrap_err(),
                SnippetError::Status(bad),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_what_could_break_the_file() {
        let layer = RedactLayer::default();
        for (snippet, err) in [
            (
                Snippet::new(&layer).upstream("127.0.0.1:80; include /etc/passwd"),
                SnippetError::Address {
                    what: "upstream",
                    value: "127.0.0.1:80; include /etc/passwd".into(),
                },
            ),
            (
                Snippet::new(&layer).listen(""),
                SnippetError::Address {
                    what: "listen",
                    value: String::new(),
                },
            ),
            (
                Snippet::new(&layer).server_name("a.example;"),
                SnippetError::ServerName("a.example;".into()),
            ),
            (
                Snippet::new(&layer).read_timeout(Duration::from_micros(10)),
                SnippetError::Timeout("proxy_read_timeout"),
            ),
        ] {
            assert_eq!(snippet.render().unwrap_err(), err);
            assert!(!err.to_string().is_empty());
        }
        let unix = Snippet::new(&layer).upstream("unix:/run/app.sock").render();
        assert!(unix.unwrap().contains("    server unix:/run/app.sock;\n"));

        let latin = RedactLayer::builder()
            .template(Template::custom(
                "application/json; x=\u{e9}",
                r#"{"id":"{{request_id}}"}"#,
            ))
            .build()
            .unwrap();
        assert_eq!(
            Snippet::new(&latin).render().unwrap_err(),
            SnippetError::ContentType
        );
    }

    #[test]
    fn durations_in_nginx_units() {
        assert_eq!(nginx_duration(Duration::from_secs(60)), "60s");
        assert_eq!(nginx_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(nginx_duration(Duration::from_millis(1001)), "1001ms");
    }
}
