//! Request-id validation and resolution.
//!
//! - `RequestId::parse` never panics, accepts exactly what an independent
//!   predicate (1 to 128 bytes of `A-Z a-z 0-9 - _ . :`) accepts, and an
//!   accepted id round-trips;
//! - through the layer, with fuzzed `x-request-id` and `traceparent`
//!   headers (trace context on and off, incoming ids trusted or not): no
//!   panic, and the id the handler sees (extension and header) and the
//!   response header are the one the README's rules choose: a single valid
//!   trusted id, else the trace-id of a single valid `traceparent` when
//!   trace context is on and no id header came, else a fresh UUID.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use http::{HeaderValue, Request, Response};
use libfuzzer_sys::fuzz_target;
use std::convert::Infallible;
use std::future::Ready;
use std::sync::LazyLock;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_redact::{RedactLayer, RequestId, MAX_REQUEST_ID_LEN};
use tower_redact_fuzz::{is_generated_uuid, is_valid_request_id, ready, ready_body, w3c_trace_id};
use tower_service::Service;

#[derive(Arbitrary, Debug)]
struct Headers<'a> {
    trust: bool,
    trace_context: bool,
    ids: Vec<&'a [u8]>,
    traceparents: Vec<&'a [u8]>,
}

/// Answers 200 with what it saw: the id extension and the id header(s).
#[derive(Clone)]
struct Echo;

impl Service<Request<()>> for Echo {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<()>) -> Self::Future {
        let ext = req
            .extensions()
            .get::<RequestId>()
            .expect("no RequestId extension")
            .clone();
        let headers: Vec<HeaderValue> = req
            .headers()
            .get_all("x-request-id")
            .iter()
            .cloned()
            .collect();
        assert_eq!(
            headers.len(),
            1,
            "the request must carry exactly one id header"
        );
        assert_eq!(
            headers[0],
            ext.as_str(),
            "request header and extension differ"
        );
        assert_eq!(
            RequestId::current().as_ref(),
            Some(&ext),
            "RequestId::current() in call"
        );
        std::future::ready(Ok(Response::new(ext.as_str().to_owned())))
    }
}

static LAYERS: LazyLock<Vec<RedactLayer>> = LazyLock::new(|| {
    let mut layers = Vec::new();
    for trust in [false, true] {
        for trace in [false, true] {
            let layer = RedactLayer::builder()
                .trust_incoming_ids(trust)
                .trace_context(trace)
                .build()
                .unwrap();
            layers.push(layer);
        }
    }
    layers
});

fn check_parse(data: &[u8]) {
    let expected = is_valid_request_id(data);
    match RequestId::parse(data) {
        Ok(id) => {
            assert!(expected, "accepted an invalid id {data:?}");
            assert_eq!(id.as_str().as_bytes(), data);
            assert_eq!(id.header_value().as_bytes(), data);
            assert_eq!(id.to_string().as_bytes(), data);
            assert!(data.len() <= MAX_REQUEST_ID_LEN);
            // Safe in JSON and logs without escaping.
            assert_eq!(
                serde_json::to_string(id.as_str()).unwrap().len(),
                data.len() + 2
            );
        }
        Err(err) => {
            assert!(!expected, "rejected a valid id {data:?}");
            assert_eq!(err.len(), data.len());
            assert_eq!(err.is_empty(), data.is_empty());
            let _ = err.to_string();
        }
    }
}

fn check_layer(input: Headers<'_>) {
    let ids: Vec<HeaderValue> = input
        .ids
        .iter()
        .filter_map(|v| HeaderValue::from_bytes(v).ok())
        .collect();
    let parents: Vec<HeaderValue> = input
        .traceparents
        .iter()
        .filter_map(|v| HeaderValue::from_bytes(v).ok())
        .collect();
    let mut request = Request::new(());
    for id in &ids {
        request.headers_mut().append("x-request-id", id.clone());
    }
    for parent in &parents {
        request.headers_mut().append("traceparent", parent.clone());
    }

    // The README's rules, written out.
    let expected: Option<Vec<u8>> = if !input.trust {
        None
    } else if ids.len() == 1 {
        is_valid_request_id(ids[0].as_bytes()).then(|| ids[0].as_bytes().to_vec())
    } else if ids.is_empty() && input.trace_context && parents.len() == 1 {
        w3c_trace_id(parents[0].as_bytes()).map(<[u8]>::to_vec)
    } else {
        None
    };

    let layer = &LAYERS[usize::from(input.trust) * 2 + usize::from(input.trace_context)];
    let mut service = layer.layer(Echo);
    let response = ready(service.call(request)).unwrap();
    let header = response
        .headers()
        .get("x-request-id")
        .expect("no x-request-id")
        .clone();
    assert_eq!(response.headers().get_all("x-request-id").iter().count(), 1);
    let seen = ready_body(response.into_body()).unwrap();
    assert_eq!(
        seen,
        header.as_bytes(),
        "response header differs from the handler's id"
    );
    match expected {
        Some(id) => assert_eq!(header.as_bytes(), &id[..]),
        None => assert!(
            is_generated_uuid(header.to_str().unwrap()),
            "expected a fresh UUID, got {header:?}"
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    check_parse(data);
    if let Ok(headers) = Headers::arbitrary_take_rest(Unstructured::new(data)) {
        check_layer(headers);
    }
    // The same bytes as a single id header and as a single traceparent.
    if let Ok(value) = HeaderValue::from_bytes(data) {
        check_layer(Headers {
            trust: true,
            trace_context: true,
            ids: vec![],
            traceparents: vec![value.as_bytes()],
        });
        check_layer(Headers {
            trust: true,
            trace_context: false,
            ids: vec![value.as_bytes()],
            traceparents: vec![],
        });
    }
});
