//! [`ForwardRequestIdLayer`]: the request id on outgoing requests, so that it
//! follows a request from service to service.

use crate::request_id::RequestId;
use http::header::HeaderName;
use http::Request;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_service::Service;

/// A layer for *client* services (a hyper-util `Client`, a tower HTTP
/// client) that adds the current request's id to every outgoing request
/// that has none, so the next service logs under the same id.
///
/// The id is [`RequestId::current`]: the request that
/// [`RedactLayer`](crate::RedactLayer) is serving on this thread. Outside
/// one, requests go out unchanged.
///
/// ```
/// use tower::ServiceBuilder;
/// use tower_redact::ForwardRequestIdLayer;
///
/// # fn wrap<C>(client: C) -> tower_redact::ForwardRequestId<C> {
/// ServiceBuilder::new()
///     .layer(ForwardRequestIdLayer::new())
///     .service(client)
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ForwardRequestIdLayer {
    header: HeaderName,
}

impl ForwardRequestIdLayer {
    /// Forwards in `x-request-id`.
    pub fn new() -> Self {
        Self::with_header(HeaderName::from_static("x-request-id"))
    }

    /// Forwards in another header (use the same name as the layer's
    /// `request_id_header`).
    pub fn with_header(header: HeaderName) -> Self {
        ForwardRequestIdLayer { header }
    }
}

impl Default for ForwardRequestIdLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> Layer<S> for ForwardRequestIdLayer {
    type Service = ForwardRequestId<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ForwardRequestId {
            inner,
            header: self.header.clone(),
        }
    }
}

/// The service [`ForwardRequestIdLayer`] makes.
#[derive(Debug, Clone)]
pub struct ForwardRequestId<S> {
    inner: S,
    header: HeaderName,
}

impl<S, B> Service<Request<B>> for ForwardRequestId<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        if !req.headers().contains_key(&self.header) {
            if let Some(id) = RequestId::current() {
                req.headers_mut()
                    .insert(&self.header, id.header_value().clone());
            }
        }
        self.inner.call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use tower::ServiceExt;

    fn echo_header() -> impl Service<
        Request<()>,
        Response = Option<String>,
        Error = Infallible,
        Future = std::future::Ready<Result<Option<String>, Infallible>>,
    > + Clone {
        tower::service_fn(|req: Request<()>| {
            let value = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            std::future::ready(Ok(value))
        })
    }

    #[tokio::test]
    async fn adds_the_current_id_only_inside_a_request() {
        let client = ForwardRequestIdLayer::new().layer(echo_header());
        let outside = client.clone().oneshot(Request::new(())).await.unwrap();
        assert_eq!(outside, None);

        // `call` reads the current id; inside a handler it runs while the
        // layer polls, here inside a scope.
        let id = RequestId::parse(b"req-7").unwrap();
        let mut svc = client.clone();
        let future = id.scope(|| svc.call(Request::new(())));
        assert_eq!(future.await.unwrap().as_deref(), Some("req-7"));

        let mut explicit = Request::new(());
        explicit
            .headers_mut()
            .insert("x-request-id", http::HeaderValue::from_static("mine"));
        let future = id.scope(|| svc.call(explicit));
        assert_eq!(future.await.unwrap().as_deref(), Some("mine"));
    }
}
