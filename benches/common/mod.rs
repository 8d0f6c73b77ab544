//! What `benches/overhead.rs` and `benches/allocations.rs` share: the
//! scenarios, the trivial handler, the three stacks around it, and one
//! request driven through a `tower::Service` in process (no sockets).
//!
//! The stacks:
//! - `bare`: the handler alone;
//! - `redact`: the handler behind `RedactLayer::default()`;
//! - `tower-http`: what a user would assemble from tower-http for the same
//!   job (outermost first): `SetRequestIdLayer::x_request_id(MakeRequestUuid)`,
//!   `TraceLayer::new_for_http()` with an INFO span that records the id,
//!   `PropagateRequestIdLayer::x_request_id()`,
//!   `SetResponseHeaderLayer::overriding(cache-control: no-store)` (on every
//!   response, where `RedactLayer` marks only 4xx/5xx), a `map_response` that
//!   replaces every 5xx body with one fixed JSON body (without the id, which
//!   `RedactLayer` renders in), and `CatchPanicLayer`.
#![allow(dead_code)]

use bytes::Bytes;
use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use http::{Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full};
use std::convert::Infallible;
use std::fmt::Debug;
use std::sync::OnceLock;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};
use tower_http::body::UnsyncBoxBody;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_redact::RedactLayer;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub type Req = Request<Full<Bytes>>;

/// What the handler does, and what the request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// 200 "hello", no incoming id: the layer generates one.
    PassGenerated,
    /// 200 "hello", a valid incoming `x-request-id`.
    PassIncoming,
    /// 500 with a leaky body: replaced by the template.
    Rewrite500,
    /// The handler's future panics.
    Panic,
    /// 400 with a benign 1 KiB JSON validation error.
    Client4xxBenign,
    /// 400 with a ~1 KiB Python traceback.
    Client4xxLeaky,
}

impl Scenario {
    pub const ALL: [Scenario; 6] = [
        Scenario::PassGenerated,
        Scenario::PassIncoming,
        Scenario::Rewrite500,
        Scenario::Panic,
        Scenario::Client4xxBenign,
        Scenario::Client4xxLeaky,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::PassGenerated => "pass_200_generated_id",
            Scenario::PassIncoming => "pass_200_incoming_id",
            Scenario::Rewrite500 => "rewrite_500",
            Scenario::Panic => "panic",
            Scenario::Client4xxBenign => "4xx_benign_1k_json",
            Scenario::Client4xxLeaky => "4xx_leaky_1k_traceback",
        }
    }
}

/// The stacks compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    Bare,
    Redact,
    TowerHttp,
}

impl Stack {
    pub const ALL: [Stack; 3] = [Stack::Bare, Stack::Redact, Stack::TowerHttp];

    pub fn name(self) -> &'static str {
        match self {
            Stack::Bare => "bare",
            Stack::Redact => "redact",
            Stack::TowerHttp => "tower-http",
        }
    }
}

pub const INCOMING_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

const LEAKY_500: &str = "Database(PgDatabaseError { severity: Error, code: \"28P01\", message: \
    \"password authentication failed for user \\\"orders\\\"\" }) while connecting to \
    postgres://orders:Tr0ub4dor&3@10.0.3.12:5432/orders (src/db/pool.rs:88:14)";

/// The fixed body the tower-http stack's `map_response` puts on 5xx.
pub const FIXED_5XX_JSON: &str = r#"{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"An internal error occurred.","code":"INTERNAL_ERROR"}"#;

/// A benign 1 KiB JSON validation error (a 400 a well-behaved API sends).
pub fn benign_4xx() -> &'static [u8] {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        let mut s = String::from(r#"{"error":"validation_failed","errors":["#);
        let mut i = 0;
        while s.len() < 960 {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format!(
                r#"{{"field":"items[{i}].quantity","code":"out_of_range","message":"must be between 1 and 99"}}"#
            ));
            i += 1;
        }
        s.push_str("]}");
        s.into_bytes()
    })
}

/// A ~1 KiB Python traceback, as a debug-mode Flask/Django app returns it.
pub fn leaky_4xx() -> &'static [u8] {
    concat!(
        "Traceback (most recent call last):\n",
        "  File \"/srv/app/venv/lib/python3.11/site-packages/flask/app.py\", line 1484, in full_dispatch_request\n",
        "    rv = self.dispatch_request()\n",
        "  File \"/srv/app/venv/lib/python3.11/site-packages/flask/app.py\", line 1469, in dispatch_request\n",
        "    return self.ensure_sync(self.view_functions[rule.endpoint])(**view_args)\n",
        "  File \"/srv/app/orders/views.py\", line 88, in create_order\n",
        "    payload = OrderSchema().load(request.get_json())\n",
        "  File \"/srv/app/venv/lib/python3.11/site-packages/marshmallow/schema.py\", line 722, in load\n",
        "    return self._do_load(\n",
        "  File \"/srv/app/venv/lib/python3.11/site-packages/marshmallow/schema.py\", line 909, in _do_load\n",
        "    raise exc\n",
        "  File \"/srv/app/orders/db.py\", line 41, in connect\n",
        "    conn = psycopg2.connect(\"postgresql://orders:Tr0ub4dor&3@10.0.3.12:5432/orders\")\n",
        "marshmallow.exceptions.ValidationError: {'quantity': ['Not a valid integer.'], ",
        "'sku': ['Missing data for required field.'], 'customer_id': ['Unknown field.']}\n",
    )
    .as_bytes()
}

fn text_response(
    status: StatusCode,
    content_type: &'static str,
    body: &'static [u8],
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The trivial handler: a `service_fn` whose response depends only on the
/// scenario. Its bodies are static: the handler allocates only the response
/// header map. With `panics == false` (the bare stack, which cannot survive
/// a panic) the panic scenario answers the plain empty 500 the panic should
/// have become instead: "what the client gets at no middleware cost".
pub fn handler(
    scenario: Scenario,
    panics: bool,
) -> impl Service<Req, Response = Response<Full<Bytes>>, Error = Infallible, Future: Send> + Clone + Send
{
    let benign = benign_4xx();
    tower::service_fn(move |_req: Req| async move {
        let response = match scenario {
            Scenario::PassGenerated | Scenario::PassIncoming => {
                text_response(StatusCode::OK, "text/plain; charset=utf-8", b"hello")
            }
            Scenario::Rewrite500 => text_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                LEAKY_500.as_bytes(),
            ),
            Scenario::Panic if panics => {
                panic!("index out of bounds: the len is 0 but the index is 0")
            }
            Scenario::Panic => text_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                b"",
            ),
            Scenario::Client4xxBenign => {
                text_response(StatusCode::BAD_REQUEST, "application/json", benign)
            }
            Scenario::Client4xxLeaky => text_response(
                StatusCode::BAD_REQUEST,
                "text/plain; charset=utf-8",
                leaky_4xx(),
            ),
        };
        Ok::<_, Infallible>(response)
    })
}

pub fn bare(
    scenario: Scenario,
) -> impl Service<Req, Response = Response<Full<Bytes>>, Error = Infallible, Future: Send> + Clone + Send
{
    handler(scenario, false)
}

/// A request as a client (curl) sends it: a few headers, an empty body, and
/// for `PassIncoming` a valid `x-request-id`.
pub fn request(scenario: Scenario) -> Req {
    let mut request = Request::new(Full::new(Bytes::new()));
    *request.uri_mut() = http::Uri::from_static("/orders");
    let headers = request.headers_mut();
    headers.insert(
        http::header::HOST,
        HeaderValue::from_static("localhost:3000"),
    );
    headers.insert(
        http::header::USER_AGENT,
        HeaderValue::from_static("curl/8.5.0"),
    );
    headers.insert(http::header::ACCEPT, HeaderValue::from_static("*/*"));
    if scenario == Scenario::PassIncoming {
        headers.insert("x-request-id", HeaderValue::from_static(INCOMING_ID));
    }
    request
}

/// The span the tower-http stack's `TraceLayer` opens: INFO, like
/// `RedactLayer`'s, with the id `SetRequestIdLayer` set.
pub fn make_span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}

/// The tower-http stack's `map_response`: every 5xx body becomes one fixed
/// JSON body.
pub fn replace_5xx(
    response: Response<UnsyncBoxBody<Bytes, BoxError>>,
) -> Response<UnsyncBoxBody<Bytes, BoxError>> {
    if !response.status().is_server_error() {
        return response;
    }
    let (mut parts, _body) = response.into_parts();
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(CONTENT_LENGTH);
    let body = Full::new(Bytes::from_static(FIXED_5XX_JSON.as_bytes())).map_err(|e| match e {});
    Response::from_parts(parts, UnsyncBoxBody::new(body))
}

pub fn redact(
    scenario: Scenario,
) -> impl Service<
    Req,
    Response = Response<impl Body<Data = Bytes, Error: Debug> + Send>,
    Error = Infallible,
    Future: Send,
> + Clone
       + Send {
    RedactLayer::default().layer(handler(scenario, true))
}

pub fn tower_http(
    scenario: Scenario,
) -> impl Service<
    Req,
    Response = Response<impl Body<Data = Bytes, Error: Debug> + Send>,
    Error = Infallible,
    Future: Send,
> + Clone
       + Send {
    ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(make_span::<Full<Bytes>>))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .map_response(replace_5xx)
        .layer(CatchPanicLayer::new())
        .service(handler(scenario, true))
}

/// One request through `service`: ready, call, the whole body collected, the
/// response dropped. Returns the body length (feed it to `black_box`).
pub async fn drive<S, B>(service: &mut S, request: Req) -> usize
where
    S: Service<Req, Response = Response<B>, Error = Infallible>,
    B: Body<Data = Bytes>,
    B::Error: Debug,
{
    let response = match service.ready().await {
        Ok(ready) => ready.call(request).await,
        Err(never) => match never {},
    };
    let Ok(response) = response;
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    let len = bytes.len() + parts.headers.len();
    drop(parts);
    len
}

/// Panics print nothing: the default hook's stderr write would dwarf what
/// the middleware costs, and a production server usually replaces it too.
pub fn silence_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// The subscriber of the "with subscriber" groups: fmt at INFO into a sink.
pub fn sink_subscriber() -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::sink)
        .finish()
}

/// A current-thread tokio runtime, as the benches drive requests on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

/// Sanity check of one stack in one scenario, run once before measuring so
/// that a bench never times a broken stack.
pub fn check<S, B>(rt: &tokio::runtime::Runtime, stack: Stack, scenario: Scenario, mut service: S)
where
    S: Service<Req, Response = Response<B>, Error = Infallible>,
    B: Body<Data = Bytes>,
    B::Error: Debug,
{
    let response = rt.block_on(async {
        let ready = service.ready().await.unwrap_or_else(|e| match e {});
        let Ok(response) = ready.call(request(scenario)).await;
        response
    });
    let status = response.status();
    let headers = response.headers().clone();
    let body = rt
        .block_on(response.into_body().collect())
        .expect("body")
        .to_bytes();
    let expected = match scenario {
        Scenario::PassGenerated | Scenario::PassIncoming => StatusCode::OK,
        Scenario::Rewrite500 | Scenario::Panic => StatusCode::INTERNAL_SERVER_ERROR,
        Scenario::Client4xxBenign | Scenario::Client4xxLeaky => StatusCode::BAD_REQUEST,
    };
    assert_eq!(status, expected, "{} {}", stack.name(), scenario.name());
    if stack != Stack::Bare {
        assert!(
            headers.contains_key("x-request-id"),
            "{} {}: no x-request-id",
            stack.name(),
            scenario.name()
        );
        if scenario == Scenario::PassIncoming {
            assert_eq!(headers["x-request-id"], INCOMING_ID);
        }
        if status.is_server_error() {
            assert!(
                !body.windows(8).any(|w| w == b"Tr0ub4do"),
                "{} {}: leaked",
                stack.name(),
                scenario.name()
            );
            assert!(
                body.starts_with(b"{"),
                "{} {}",
                stack.name(),
                scenario.name()
            );
        }
    }
}
