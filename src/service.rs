//! [`RedactService`]: gives each request its id and span, and catches
//! panics in the inner `call`.

use crate::body::ResponseBody;
use crate::future::{RequestContext, ResponseFuture};
use crate::layer::{Config, RedactLayer};
use crate::log;
use crate::BoxError;
use bytes::Bytes;
use http::{Method, Request, Response};
use http_body::Body;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_service::Service;

/// The service [`RedactLayer`] wraps around an inner service.
///
/// See the [crate documentation](crate) for what it does to requests and
/// responses. `poll_ready` is the inner service's; errors of the inner
/// service pass through unchanged.
#[derive(Clone)]
pub struct RedactService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> RedactService<S> {
    /// Wraps `inner` with the default configuration; the same as
    /// `RedactLayer::default().layer(inner)`.
    pub fn new(inner: S) -> Self {
        RedactLayer::default().layer(inner)
    }

    pub(crate) fn with_config(inner: S, config: Arc<Config>) -> Self {
        RedactService { inner, config }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, ReqB, ResB> Service<Request<ReqB>> for RedactService<S>
where
    S: Service<Request<ReqB>, Response = Response<ResB>>,
    ResB: Body<Data = Bytes>,
    ResB::Error: Into<BoxError>,
{
    type Response = Response<ResponseBody<ResB>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResB>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqB>) -> Self::Future {
        let settings = &self.config.request_id;
        let resolved = settings.resolve(req.headers());
        let id = resolved.id;
        if !resolved.kept {
            req.headers_mut()
                .insert(&settings.header, id.header_value().clone());
        }
        req.extensions_mut().insert(id.clone());
        let span = tracing::info_span!(
            "request",
            request_id = %id,
            method = %req.method(),
            path = %req.uri().path(),
            trace_id = tracing::field::Empty,
        );
        if let Some(trace_id) = resolved.trace_id.as_ref().and_then(|t| t.to_str().ok()) {
            span.record("trace_id", tracing::field::display(trace_id));
        }
        let ctx = RequestContext {
            config: self.config.clone(),
            head: req.method() == Method::HEAD,
            grpc: crate::grpc::is_grpc(req.headers()),
            id,
            span,
        };
        let _entered = ctx.span.enter();
        let _current = ctx.id.enter();
        if let Some(rejection) = resolved.rejected {
            log::incoming_id_rejected(&ctx.id, rejection);
        }
        let inner = &mut self.inner;
        match catch_unwind(AssertUnwindSafe(|| inner.call(req))) {
            Ok(future) => {
                drop((_current, _entered));
                ResponseFuture::calling(future, ctx)
            }
            Err(payload) => {
                log::panic_caught(&ctx.id, log::PanicSite::Call, payload.as_ref());
                drop((_current, _entered));
                ResponseFuture::panicked(ctx)
            }
        }
    }
}

impl<S: std::fmt::Debug> std::fmt::Debug for RedactService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedactService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}
