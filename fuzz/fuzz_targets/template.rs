//! Custom templates: building one from arbitrary text never panics (errors
//! are fine); one that builds renders, for every status from 400 to 599 (and
//! the non-standard 600 to 999, answered as 500) and for any valid request
//! id and public message, a body that is valid JSON, holds the id and the
//! message in its strings, and whose `Content-Length` is its length.
//!
//! Input: `content type \0 template \0 request id \0 public message \0
//! configured message`, each lossy UTF-8 (a NUL byte is never valid inside
//! JSON text, so the separator costs the fuzzer nothing).
#![no_main]

use http::{HeaderValue, Request, Response, StatusCode};
use libfuzzer_sys::fuzz_target;
use std::convert::Infallible;
use std::future::Ready;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_redact::{PublicMessage, RedactLayer, RequestId, Template};
use tower_redact_fuzz::{is_generated_uuid, is_valid_request_id, ready, ready_body};
use tower_service::Service;

/// Answers with the status in the request's `x-status` header; a 4xx gets a
/// debug header, a leak by name, so that it is rewritten too.
#[derive(Clone)]
struct Fail {
    message: Option<String>,
}

impl Service<Request<()>> for Fail {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<()>) -> Self::Future {
        let status: u16 = req.headers()["x-status"].to_str().unwrap().parse().unwrap();
        let mut response = Response::new("inner body".to_owned());
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        response
            .headers_mut()
            .insert("x-debug-token", HeaderValue::from_static("1"));
        if let Some(message) = &self.message {
            response
                .extensions_mut()
                .insert(PublicMessage::new(message.clone()));
        }
        std::future::ready(Ok(response))
    }
}

/// Every string literal of a valid JSON text, keys included, decoded. Read
/// from the text rather than from a parsed value, which keeps only the last
/// of duplicate keys (a template may repeat a key).
fn strings(json: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < json.len() {
        if json[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while json[i] != b'"' {
            i += if json[i] == b'\\' { 2 } else { 1 };
        }
        out.push(serde_json::from_slice(&json[start..=i]).expect("a JSON string literal"));
        i += 1;
    }
    out
}

/// Ids that stress a template: single characters JSON gives a meaning to
/// after a backslash or in a number, a literal, every allowed character.
const IDS: [&str; 7] = ["-", "0", "1e5", "true", "req-42", "Zz_.:-09", "bfnrtu"];

fn check(
    layer: &RedactLayer,
    source: &str,
    content_type: &HeaderValue,
    status: u16,
    id: Option<&str>,
    message: Option<&str>,
) {
    let mut service = layer.layer(Fail {
        message: message.map(str::to_owned),
    });
    let mut request = Request::new(());
    request
        .headers_mut()
        .insert("x-status", HeaderValue::from(status));
    if let Some(id) = id {
        request
            .headers_mut()
            .insert("x-request-id", HeaderValue::from_str(id).unwrap());
    }
    let response = ready(service.call(request)).unwrap();
    let expected_status = if status >= 600 { 500 } else { status };
    assert_eq!(response.status().as_u16(), expected_status);
    let headers = response.headers().clone();
    let body = ready_body(response.into_body()).unwrap();
    assert_eq!(headers.get("content-type"), Some(content_type));
    assert_eq!(
        headers.get("content-length").map(|v| v.as_bytes()),
        Some(body.len().to_string().as_bytes()),
        "content-length of a {status}"
    );
    let header_id = headers["x-request-id"].to_str().unwrap();
    match id {
        Some(id) => assert_eq!(header_id, id),
        None => assert!(is_generated_uuid(header_id)),
    }
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_else(|err| {
        panic!(
            "template {source:?} rendered invalid JSON for status {status}, id {header_id:?}: {err}\n{}",
            String::from_utf8_lossy(&body)
        )
    });
    let texts = strings(&body);
    assert!(
        texts.iter().any(|t| t.contains(header_id)),
        "id {header_id:?} not in the strings of {json}"
    );
    if let Some(message) = message {
        if source.contains("{{message}}") {
            assert!(
                texts.iter().any(|t| t.contains(message)),
                "message {message:?} not in the strings of {json}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(5, |&b| b == 0).map(String::from_utf8_lossy);
    let content_type = parts.next().unwrap_or_default().into_owned();
    let source = parts.next().unwrap_or_default().into_owned();
    let id = parts.next().map(|s| s.into_owned());
    let message = parts.next().map(|s| s.into_owned());
    let configured = parts.next().map(|s| s.into_owned());

    let mut builder =
        RedactLayer::builder().template(Template::custom(content_type.clone(), source.clone()));
    if let Some(configured) = &configured {
        builder = builder.message(StatusCode::SERVICE_UNAVAILABLE, configured.clone());
    }
    let Ok(layer) = builder.build() else {
        return;
    };
    let content_type = HeaderValue::from_str(&content_type).expect("accepted content type");
    assert!(source.contains("{{request_id}}"));

    let id = id.filter(|id| is_valid_request_id(id.as_bytes()));
    let mut ids: Vec<Option<&str>> = vec![None, id.as_deref()];
    ids.extend(IDS.iter().map(|id| Some(*id)));
    ids.dedup();
    assert!(ids
        .iter()
        .flatten()
        .all(|id| RequestId::parse(id.as_bytes()).is_ok()));

    for status in 400..=599u16 {
        let id = ids[usize::from(status) % ids.len()];
        let message = (status % 2 == 0).then_some(message.as_deref()).flatten();
        check(&layer, &source, &content_type, status, id, message);
    }
    for status in [500, 503, 404, 600, 999] {
        for id in &ids {
            check(
                &layer,
                &source,
                &content_type,
                status,
                *id,
                message.as_deref(),
            );
        }
    }
});
