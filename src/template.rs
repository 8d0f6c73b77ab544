//! The JSON body of every rewritten response: presets, custom templates, and
//! their rendering into per-status byte segments at build time.

use crate::request_id::RequestId;
use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use std::borrow::Cow;
use std::fmt;

/// The lowest and highest status a template is rendered for.
const FIRST: u16 = 400;
const LAST: u16 = 599;

/// The body that replaces an error response.
///
/// Three shapes are available:
/// - [`Template::problem_json`], the default, RFC 9457 `application/problem+json`
///   with `type`, `title`, `status`, `detail`, and the extension members
///   `code` and `request_id`;
/// - [`Template::error_envelope`], the envelope
///   `{"error":{"status","code","message","request_id"}}` as `application/json`;
/// - [`Template::custom`], your own JSON with placeholders.
///
/// Whatever the shape, the layer renders it once per status when the layer
/// is built; a rewrite then only copies bytes and the request id.
///
/// ```
/// use tower_redact::{RedactLayer, Template};
///
/// let layer = RedactLayer::builder()
///     .template(Template::error_envelope())
///     .build()
///     .unwrap();
/// # drop(layer);
/// ```
#[derive(Debug, Clone)]
pub struct Template {
    content_type: Cow<'static, str>,
    source: Cow<'static, str>,
}

/// The placeholders a custom template may use.
const PLACEHOLDERS: [(&str, Slot); 5] = [
    ("{{request_id}}", Slot::RequestId),
    ("{{message}}", Slot::Message),
    ("{{status}}", Slot::Status),
    ("{{title}}", Slot::Title),
    ("{{code}}", Slot::Code),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    RequestId,
    Message,
    Status,
    Title,
    Code,
}

impl Default for Template {
    fn default() -> Self {
        Self::problem_json()
    }
}

impl Template {
    /// RFC 9457 problem details, `application/problem+json`:
    ///
    /// ```json
    /// {"type":"about:blank","title":"Internal Server Error","status":500,
    ///  "detail":"An internal error occurred.","code":"INTERNAL_ERROR",
    ///  "request_id":"0f8fad5b-d9cb-469f-a165-70867728950e"}
    /// ```
    pub fn problem_json() -> Self {
        Template {
            content_type: Cow::Borrowed("application/problem+json"),
            source: Cow::Borrowed(
                r#"{"type":"about:blank","title":"{{title}}","status":{{status}},"detail":"{{message}}","code":"{{code}}","request_id":"{{request_id}}"}"#,
            ),
        }
    }

    /// The envelope many APIs already use, `application/json`:
    ///
    /// ```json
    /// {"error":{"status":500,"code":"INTERNAL_ERROR",
    ///  "message":"An internal error occurred.",
    ///  "request_id":"0f8fad5b-d9cb-469f-a165-70867728950e"}}
    /// ```
    pub fn error_envelope() -> Self {
        Template {
            content_type: Cow::Borrowed("application/json"),
            source: Cow::Borrowed(
                r#"{"error":{"status":{{status}},"code":"{{code}}","message":"{{message}}","request_id":"{{request_id}}"}}"#,
            ),
        }
    }

    /// A template of your own: JSON text with placeholders, sent with the
    /// given `Content-Type`.
    ///
    /// | placeholder | replaced by | where it may stand |
    /// |---|---|---|
    /// | `{{request_id}}` | the request id (required) | inside a JSON string |
    /// | `{{message}}` | the public message, JSON-escaped | inside a JSON string |
    /// | `{{title}}` | the status's reason phrase, e.g. `Not Found` | inside a JSON string |
    /// | `{{code}}` | a stable code, e.g. `NOT_FOUND`, `INTERNAL_ERROR` | inside a JSON string |
    /// | `{{status}}` | the status number, e.g. `503` | anywhere a number may |
    ///
    /// [`RedactLayerBuilder::build`](crate::RedactLayerBuilder::build) renders
    /// it for every status from 400 to 599 and fails if one rendering is not
    /// valid JSON, if the template has no `{{request_id}}`, if it names an
    /// unknown placeholder, or if the content type is not a valid header
    /// value; nothing is checked at request time.
    ///
    /// ```
    /// use tower_redact::{RedactLayer, Template};
    ///
    /// let ok = Template::custom(
    ///     "application/json",
    ///     r#"{"ok":false,"status":{{status}},"reason":"{{message}}","trace":"{{request_id}}"}"#,
    /// );
    /// assert!(RedactLayer::builder().template(ok).build().is_ok());
    ///
    /// // `{{message}}` outside a string renders invalid JSON: refused at build time.
    /// let bad = Template::custom("application/json", r#"{"reason":{{message}},"id":"{{request_id}}"}"#);
    /// assert!(RedactLayer::builder().template(bad).build().is_err());
    /// ```
    pub fn custom(
        content_type: impl Into<Cow<'static, str>>,
        json: impl Into<Cow<'static, str>>,
    ) -> Self {
        Template {
            content_type: content_type.into(),
            source: json.into(),
        }
    }

    /// Renders this template for every status, checking it once.
    pub(crate) fn render(&self, messages: &Messages) -> Result<Rendered, TemplateError> {
        let content_type = HeaderValue::from_str(&self.content_type)
            .map_err(|_| TemplateError::ContentType(self.content_type.to_string()))?;
        let pieces = split(&self.source)?;
        if !pieces
            .iter()
            .any(|p| matches!(p, Piece::Slot(Slot::RequestId)))
        {
            return Err(TemplateError::NoRequestId);
        }
        let statuses = (FIRST..=LAST)
            .map(|code| {
                let status = StatusCode::from_u16(code).map_err(|_| TemplateError::Status(code))?;
                let rendered = StatusTemplate::new(&pieces, status, messages.get(status));
                rendered.check(status)?;
                Ok(rendered)
            })
            .collect::<Result<Vec<_>, TemplateError>>()?;
        Ok(Rendered {
            content_type,
            statuses: statuses.into_boxed_slice(),
        })
    }
}

/// A piece of a parsed template source.
enum Piece<'a> {
    Text(&'a str),
    Slot(Slot),
}

fn split(source: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}").map(|end| end + 2) else {
            break;
        };
        let name = &rest[start..start + len];
        let slot = PLACEHOLDERS
            .iter()
            .find(|(text, _)| *text == name)
            .map(|(_, slot)| *slot)
            .ok_or_else(|| TemplateError::UnknownPlaceholder(name.to_string()))?;
        if start > 0 {
            pieces.push(Piece::Text(&rest[..start]));
        }
        pieces.push(Piece::Slot(slot));
        rest = &rest[start + len..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

/// One status's template: literal bytes around the two parts that vary per
/// request, the request id and the public message.
#[derive(Debug)]
pub(crate) struct StatusTemplate {
    segments: Box<[Segment]>,
    literal_len: usize,
    default_message: Box<str>,
    /// The `Content-Length` of the usual body (default message, generated
    /// id), made once: formatting a header value allocates.
    usual_length: (usize, HeaderValue),
}

#[derive(Debug)]
enum Segment {
    /// Text of the template, already rendered (status, title, code); the
    /// bytes sent, kept as `str` so [`ErrorTemplate::parts`] can show them.
    Literal(Box<str>),
    RequestId,
    Message,
}

impl StatusTemplate {
    fn new(pieces: &[Piece<'_>], status: StatusCode, message: &str) -> Self {
        let title = title(status);
        let code = code(status);
        let mut segments = Vec::new();
        let mut literal = String::new();
        for piece in pieces {
            match piece {
                Piece::Text(text) => literal.push_str(text),
                Piece::Slot(Slot::Status) => literal.push_str(status.as_str()),
                Piece::Slot(Slot::Title) => literal.push_str(&json_escape(title)),
                Piece::Slot(Slot::Code) => literal.push_str(&json_escape(&code)),
                Piece::Slot(slot @ (Slot::RequestId | Slot::Message)) => {
                    if !literal.is_empty() {
                        segments.push(Segment::Literal(std::mem::take(&mut literal).into()));
                    }
                    segments.push(match slot {
                        Slot::RequestId => Segment::RequestId,
                        _ => Segment::Message,
                    });
                }
            }
        }
        if !literal.is_empty() {
            segments.push(Segment::Literal(literal.into()));
        }
        let literal_len = segments
            .iter()
            .map(|s| match s {
                Segment::Literal(text) => text.len(),
                _ => 0,
            })
            .sum();
        let default_message: Box<str> = json_escape(message).into();
        let mut template = StatusTemplate {
            segments: segments.into_boxed_slice(),
            literal_len,
            default_message,
            usual_length: (0, HeaderValue::from(0)),
        };
        let usual = template.len(
            uuid::fmt::Hyphenated::LENGTH,
            template.default_message.len(),
        );
        template.usual_length = (usual, HeaderValue::from(usual));
        template
    }

    fn len(&self, id_len: usize, message_len: usize) -> usize {
        let mut len = self.literal_len;
        for segment in self.segments.iter() {
            match segment {
                Segment::RequestId => len += id_len,
                Segment::Message => len += message_len,
                Segment::Literal(_) => {}
            }
        }
        len
    }

    /// The `Content-Length` header value of a body of `len` bytes.
    pub(crate) fn content_length(&self, len: usize) -> HeaderValue {
        if len == self.usual_length.0 {
            self.usual_length.1.clone()
        } else {
            HeaderValue::from(len)
        }
    }

    /// Renders with sample ids and a message full of characters that need
    /// escaping, and parses the results.
    ///
    /// A generated UUID alone is not enough: it starts with four hex digits,
    /// so `"\u00{{request_id}}"` rendered valid JSON with it and broke with
    /// `req-1` at request time (found while writing `fuzz/` `template`).
    /// [`RequestId::PROBE`] is valid JSON only plainly inside a string,
    /// where every id is; the message sample starts with `s`, which no
    /// escape and no JSON token outside strings admits.
    fn check(&self, status: StatusCode) -> Result<(), TemplateError> {
        let sample_message =
            json_escape("sample \"message\" \\ with\ncontrol\u{1} </script> bytes");
        let ids = [
            RequestId::generate(crate::request_id::UuidVersion::V4),
            RequestId::PROBE,
        ];
        for id in &ids {
            let body = self.render(id, Some(&sample_message));
            serde_json::from_slice::<serde_json::Value>(&body).map_err(|err| {
                TemplateError::InvalidJson {
                    status: status.as_u16(),
                    reason: err.to_string(),
                }
            })?;
        }
        Ok(())
    }

    /// The body for `id`, with `message` (already JSON-escaped) or the
    /// default message. One allocation of exactly the body's size.
    pub(crate) fn render(&self, id: &RequestId, message: Option<&str>) -> Bytes {
        let message = message.unwrap_or(&self.default_message);
        let id = id.as_str();
        let mut body = Vec::with_capacity(self.len(id.len(), message.len()));
        for segment in self.segments.iter() {
            match segment {
                Segment::Literal(text) => body.extend_from_slice(text.as_bytes()),
                Segment::RequestId => body.extend_from_slice(id.as_bytes()),
                Segment::Message => body.extend_from_slice(message.as_bytes()),
            }
        }
        Bytes::from(body)
    }
}

/// A template rendered for every status from 400 to 599.
#[derive(Debug)]
pub(crate) struct Rendered {
    pub(crate) content_type: HeaderValue,
    statuses: Box<[StatusTemplate]>,
}

impl Rendered {
    /// The template for `status`. Statuses the table does not cover (below
    /// 400, or the non-standard 600 to 999) use the 500 template.
    pub(crate) fn for_status(&self, status: StatusCode) -> (StatusCode, &StatusTemplate) {
        let code = status.as_u16();
        let (status, index) = if (FIRST..=LAST).contains(&code) {
            (status, code - FIRST)
        } else {
            (StatusCode::INTERNAL_SERVER_ERROR, 500 - FIRST)
        };
        match self.statuses.get(usize::from(index)) {
            Some(template) => (status, template),
            // The table is built with one entry per status in range.
            None => (status, &self.statuses[0]),
        }
    }
}

/// The layer's template rendered for one status, exactly as the layer sends
/// it but for the request id: returned by
/// [`RedactLayer::error_template`](crate::RedactLayer::error_template).
///
/// Everything but the id is fixed once the layer is built: the status, its
/// title and code, and its public message (the built-in one or the one set
/// with [`message`](crate::RedactLayerBuilder::message)). So a component in
/// front of the service — a reverse proxy answering for a backend that is
/// down, a static error page — can send byte for byte the body the layer
/// would send, with an id of its own: [`render_with`](Self::render_with)
/// puts any text where the id goes, and [`parts`](Self::parts) hands over
/// the pieces for a generator that needs to quote the text around the id
/// (as [`crate::nginx`] does). A [`PublicMessage`] chosen by a handler for
/// one response is not part of it.
///
/// ```
/// use http::StatusCode;
/// use tower_redact::{RedactLayer, RequestId, TemplatePart};
///
/// let layer = RedactLayer::builder()
///     .message(StatusCode::BAD_GATEWAY, "The service is unreachable.")
///     .build()?;
/// let template = layer.error_template(StatusCode::BAD_GATEWAY);
/// assert_eq!(template.status(), StatusCode::BAD_GATEWAY);
/// assert_eq!(template.content_type(), "application/problem+json");
/// assert_eq!(
///     template.render_with("$request_id"),
///     r#"{"type":"about:blank","title":"Bad Gateway","status":502,"detail":"The service is unreachable.","code":"BAD_GATEWAY","request_id":"$request_id"}"#
/// );
///
/// // What the layer sends for request `req-7`:
/// let id = RequestId::parse(b"req-7").unwrap();
/// assert_eq!(template.render(&id), template.render_with("req-7").as_bytes());
///
/// // The same body in pieces: text, then the id, then text.
/// let parts: Vec<TemplatePart<'_>> = template.parts().collect();
/// assert_eq!(parts.iter().filter(|p| **p == TemplatePart::RequestId).count(), 1);
/// assert_eq!(parts.last(), Some(&TemplatePart::Text("\"}")));
/// # Ok::<(), tower_redact::BuildError>(())
/// ```
#[derive(Clone, Copy)]
pub struct ErrorTemplate<'a> {
    status: StatusCode,
    content_type: &'a HeaderValue,
    template: &'a StatusTemplate,
}

/// A piece of an [`ErrorTemplate`], from [`ErrorTemplate::parts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplatePart<'a> {
    /// Text sent as it is (JSON already escaped where needed). Two `Text`
    /// parts may follow each other.
    Text(&'a str),
    /// Where the request id goes.
    RequestId,
}

impl<'a> ErrorTemplate<'a> {
    pub(crate) fn new(rendered: &'a Rendered, status: StatusCode) -> Self {
        let (status, template) = rendered.for_status(status);
        ErrorTemplate {
            status,
            content_type: &rendered.content_type,
            template,
        }
    }

    /// The status the layer sends with this body: the status asked for, or
    /// 500 for one outside 400 to 599.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `Content-Type` the layer sends with this body.
    pub fn content_type(&self) -> &'a HeaderValue {
        self.content_type
    }

    /// The body the layer sends for the request `id`.
    pub fn render(&self, id: &RequestId) -> Bytes {
        self.template.render(id, None)
    }

    /// The body with `id_placeholder` where the request id goes, inserted as
    /// it is: nothing is escaped, so the caller answers for the result being
    /// what it wants (a variable of another program's configuration
    /// language, say, to be replaced by a valid id before it is sent).
    pub fn render_with(&self, id_placeholder: &str) -> String {
        let mut body = String::new();
        for part in self.parts() {
            body.push_str(match part {
                TemplatePart::Text(text) => text,
                TemplatePart::RequestId => id_placeholder,
            });
        }
        body
    }

    /// The body in pieces, in order: text sent as it is, and where the id
    /// goes (one or more times, as the template says).
    pub fn parts(&self) -> impl Iterator<Item = TemplatePart<'a>> + 'a {
        let template: &'a StatusTemplate = self.template;
        template.segments.iter().map(move |segment| match segment {
            Segment::Literal(text) => TemplatePart::Text(text),
            Segment::Message => TemplatePart::Text(&template.default_message),
            Segment::RequestId => TemplatePart::RequestId,
        })
    }
}

impl fmt::Debug for ErrorTemplate<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorTemplate")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("body", &self.render_with("{{request_id}}"))
            .finish()
    }
}

/// A response extension that chooses the public message of a rewritten
/// response, in place of the status's default.
///
/// The text is sent to the client (JSON-escaped into the template's
/// `{{message}}`), so it must be written for the client: the layer does not
/// inspect it.
///
/// ```
/// use axum::{http::StatusCode, response::IntoResponse};
/// use tower_redact::PublicMessage;
///
/// async fn handler() -> impl IntoResponse {
///     (
///         StatusCode::SERVICE_UNAVAILABLE,
///         [("retry-after", "600")],
///         axum::Extension(PublicMessage::new("Down for maintenance until 10:00 UTC.")),
///         "maintenance window 42 (db failover to replica-3)",
///     )
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicMessage(Cow<'static, str>);

impl PublicMessage {
    /// A public message.
    pub fn new(text: impl Into<Cow<'static, str>>) -> Self {
        PublicMessage(text.into())
    }

    /// The message as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The default public message of every status, with overrides.
#[derive(Debug, Clone, Default)]
pub(crate) struct Messages {
    overrides: Vec<(StatusCode, Cow<'static, str>)>,
}

impl Messages {
    pub(crate) fn set(&mut self, status: StatusCode, message: Cow<'static, str>) {
        self.overrides.retain(|(s, _)| *s != status);
        self.overrides.push((status, message));
    }

    fn get(&self, status: StatusCode) -> &str {
        self.overrides
            .iter()
            .find(|(s, _)| *s == status)
            .map(|(_, m)| m.as_ref())
            .unwrap_or_else(|| default_message(status))
    }
}

fn default_message(status: StatusCode) -> &'static str {
    let specific = match status.as_u16() {
        400 => "The request is invalid.",
        401 => "Authentication is required.",
        403 => "Access to this resource is denied.",
        404 => "The resource was not found.",
        405 => "The method is not allowed for this resource.",
        408 => "The request took too long to arrive.",
        409 => "The request conflicts with the current state of the resource.",
        413 => "The request body is too large.",
        415 => "The request's media type is not supported.",
        429 => "Too many requests. Try again later.",
        500 => "An internal error occurred.",
        503 => "The service is temporarily unavailable. Try again later.",
        504 => "The server did not complete the request in time.",
        _ => "",
    };
    match specific {
        "" if status.is_client_error() => "The request could not be processed.",
        "" => "The server could not complete the request.",
        message => message,
    }
}

fn title(status: StatusCode) -> &'static str {
    status
        .canonical_reason()
        .unwrap_or(if status.is_client_error() {
            "Client Error"
        } else {
            "Server Error"
        })
}

/// A stable, machine-readable code: the reason phrase in upper snake case
/// (`NOT_FOUND`, `SERVICE_UNAVAILABLE`), `INTERNAL_ERROR` for 500.
fn code(status: StatusCode) -> String {
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return "INTERNAL_ERROR".to_string();
    }
    let mut code = String::new();
    for c in title(status).chars() {
        if c.is_ascii_alphanumeric() {
            code.push(c.to_ascii_uppercase());
        } else if c != '\'' && !code.ends_with('_') {
            code.push('_');
        }
    }
    code.trim_end_matches('_').to_string()
}

/// `text` as the inside of a JSON string (without the quotes).
pub(crate) fn json_escape(text: &str) -> String {
    // Serialising a `str` cannot fail; the quotes are one byte each.
    let mut quoted = serde_json::to_string(text).unwrap_or_default();
    if quoted.len() >= 2 {
        quoted.pop();
        quoted.remove(0);
    }
    quoted
}

/// Why a template was refused at build time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemplateError {
    /// The content type is not a valid header value.
    ContentType(String),
    /// The template has no `{{request_id}}` placeholder.
    NoRequestId,
    /// The template names a placeholder that does not exist.
    UnknownPlaceholder(String),
    /// A status could not be represented.
    Status(u16),
    /// The template renders invalid JSON for this status.
    InvalidJson {
        /// The status whose rendering failed.
        status: u16,
        /// What the JSON parser said.
        reason: String,
    },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::ContentType(ct) => write!(f, "invalid template content type {ct:?}"),
            TemplateError::NoRequestId => f.write_str("the template has no {{request_id}} placeholder"),
            TemplateError::UnknownPlaceholder(name) => write!(
                f,
                "unknown placeholder {name} (known: {{{{request_id}}}}, {{{{message}}}}, {{{{status}}}}, {{{{title}}}}, {{{{code}}}})"
            ),
            TemplateError::Status(code) => write!(f, "status {code} cannot be represented"),
            TemplateError::InvalidJson { status, reason } => {
                write!(f, "the template renders invalid JSON for status {status}: {reason}")
            }
        }
    }
}

impl std::error::Error for TemplateError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request_id::UuidVersion;

    fn rendered(template: Template) -> Rendered {
        template.render(&Messages::default()).unwrap()
    }

    fn json(bytes: &[u8]) -> serde_json::Value {
        serde_json::from_slice(bytes).unwrap()
    }

    #[test]
    fn problem_json_for_every_status() {
        let table = rendered(Template::problem_json());
        assert_eq!(table.content_type, "application/problem+json");
        let id = RequestId::generate(UuidVersion::V4);
        for code in FIRST..=LAST {
            let status = StatusCode::from_u16(code).unwrap();
            let (status, template) = table.for_status(status);
            let body = json(&template.render(&id, None));
            assert_eq!(body["status"], code);
            assert_eq!(status.as_u16(), code);
            assert_eq!(body["type"], "about:blank");
            assert_eq!(body["request_id"], id.as_str());
            assert!(!body["title"].as_str().unwrap().is_empty());
            assert!(!body["detail"].as_str().unwrap().is_empty());
        }
        let (_, t500) = table.for_status(StatusCode::INTERNAL_SERVER_ERROR);
        let body = json(&t500.render(&id, None));
        assert_eq!(body["title"], "Internal Server Error");
        assert_eq!(body["code"], "INTERNAL_ERROR");
        let (_, t503) = table.for_status(StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(json(&t503.render(&id, None))["code"], "SERVICE_UNAVAILABLE");
        let (_, t418) = table.for_status(StatusCode::IM_A_TEAPOT);
        assert_eq!(json(&t418.render(&id, None))["code"], "IM_A_TEAPOT");
    }

    #[test]
    fn envelope_preset() {
        let table = rendered(Template::error_envelope());
        assert_eq!(table.content_type, "application/json");
        let id = RequestId::parse(b"req-1").unwrap();
        let (_, t) = table.for_status(StatusCode::BAD_GATEWAY);
        let body = json(&t.render(&id, None));
        assert_eq!(body["error"]["status"], 502);
        assert_eq!(body["error"]["code"], "BAD_GATEWAY");
        assert_eq!(body["error"]["request_id"], "req-1");
    }

    #[test]
    fn statuses_outside_the_table_use_500() {
        let table = rendered(Template::problem_json());
        let (status, t) = table.for_status(StatusCode::from_u16(799).unwrap());
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let id = RequestId::parse(b"x").unwrap();
        assert_eq!(json(&t.render(&id, None))["status"], 500);
    }

    #[test]
    fn content_length_of_the_usual_body_is_cached() {
        let table = rendered(Template::problem_json());
        let (_, t) = table.for_status(StatusCode::INTERNAL_SERVER_ERROR);
        let body = t.render(&RequestId::generate(UuidVersion::V4), None);
        assert_eq!(
            t.content_length(body.len()),
            body.len().to_string().as_str()
        );
        assert_eq!(
            t.usual_length.0,
            body.len(),
            "the usual body hits the cache"
        );
        assert_eq!(t.content_length(7), "7");
    }

    #[test]
    fn generated_ids_give_constant_lengths() {
        let table = rendered(Template::problem_json());
        let (_, t) = table.for_status(StatusCode::INTERNAL_SERVER_ERROR);
        let a = t.render(&RequestId::generate(UuidVersion::V4), None);
        let b = t.render(&RequestId::generate(UuidVersion::V7), None);
        assert_eq!(a.len(), b.len());
        assert_ne!(a, b);
    }

    #[test]
    fn messages_are_escaped_and_overridable() {
        let mut messages = Messages::default();
        messages.set(
            StatusCode::SERVICE_UNAVAILABLE,
            "Down for \"maintenance\"".into(),
        );
        let table = Template::problem_json().render(&messages).unwrap();
        let id = RequestId::parse(b"x").unwrap();
        let (_, t) = table.for_status(StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            json(&t.render(&id, None))["detail"],
            "Down for \"maintenance\""
        );
        let custom = json_escape("until 10:00\n<b>\"ok\"</b>");
        assert_eq!(
            json(&t.render(&id, Some(&custom)))["detail"],
            "until 10:00\n<b>\"ok\"</b>"
        );
    }

    #[test]
    fn error_templates_show_what_the_layer_sends() {
        let mut messages = Messages::default();
        messages.set(StatusCode::BAD_GATEWAY, "Say \"hi\"\n".into());
        let table = Template::custom(
            "application/json",
            r#"{"a":"{{request_id}}","m":"{{message}}","b":"{{request_id}}","s":{{status}}}"#,
        )
        .render(&messages)
        .unwrap();
        let t = ErrorTemplate::new(&table, StatusCode::BAD_GATEWAY);
        assert_eq!(t.status(), StatusCode::BAD_GATEWAY);
        assert_eq!(t.content_type(), "application/json");
        let parts: Vec<_> = t.parts().collect();
        assert_eq!(
            parts,
            [
                TemplatePart::Text(r#"{"a":""#),
                TemplatePart::RequestId,
                TemplatePart::Text(r#"","m":""#),
                TemplatePart::Text(r#"Say \"hi\"\n"#),
                TemplatePart::Text(r#"","b":""#),
                TemplatePart::RequestId,
                TemplatePart::Text(r#"","s":502}"#),
            ][..]
        );
        assert_eq!(
            t.render_with("ID"),
            r#"{"a":"ID","m":"Say \"hi\"\n","b":"ID","s":502}"#
        );
        let id = RequestId::parse(b"req-1").unwrap();
        assert_eq!(t.render(&id), t.render_with("req-1").as_bytes());
        assert!(format!("{t:?}").contains(r#"\"a\":\"{{request_id}}\""#));

        let other = ErrorTemplate::new(&table, StatusCode::from_u16(799).unwrap());
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(other.render_with("x").ends_with(r#""s":500}"#));
    }

    #[test]
    fn custom_templates_are_checked() {
        let messages = Messages::default();
        let ok = Template::custom(
            "application/vnd.api+json",
            r#"{"errors":[{"status":"{{status}}","code":"{{code}}","title":"{{title}}","detail":"{{message}}","meta":{"id":"{{request_id}}"}}]}"#,
        );
        assert!(ok.render(&messages).is_ok());
        for (template, expected) in [
            (
                Template::custom("application/json", r#"{"detail":"{{message}}"}"#),
                TemplateError::NoRequestId,
            ),
            (
                Template::custom(
                    "application/json",
                    r#"{"id":"{{request_id}}","x":"{{oops}}"}"#,
                ),
                TemplateError::UnknownPlaceholder("{{oops}}".into()),
            ),
            (
                Template::custom("bad\nvalue", r#"{"id":"{{request_id}}"}"#),
                TemplateError::ContentType("bad\nvalue".into()),
            ),
        ] {
            assert_eq!(template.render(&messages).unwrap_err(), expected);
        }
        for bad in [
            r#"{"id":{{request_id}}}"#,
            r#"{"id":"{{request_id}}","m":{{message}}}"#,
            r#"{"id":"{{request_id}}""#,
            r#"not json {{request_id}}"#,
        ] {
            let err = Template::custom("application/json", bad)
                .render(&messages)
                .unwrap_err();
            assert!(
                matches!(err, TemplateError::InvalidJson { status: 400, .. }),
                "{bad}: {err}"
            );
        }
    }
}
