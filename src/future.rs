//! The response future: catches panics while the inner future runs, decides
//! what each response becomes, and reads the bodies that must be read before
//! the head can be sent (a 5xx for the log, a 4xx or opted-in 2xx to scan).

use crate::body::ResponseBody;
use crate::detect::Finding;
use crate::grpc;
use crate::inspect::{ends, CollectEnd, Collected, Deadline};
use crate::layer::{Config, Fallback};
use crate::log::{self, Original, PanicSite};
use crate::request_id::RequestId;
use crate::response_headers::{carries_text, mark_error};
use crate::template::{json_escape, PublicMessage};
use crate::BoxError;
use bytes::Bytes;
use http::header::{self, HeaderMap};
use http::response::Parts;
use http::{Response, StatusCode};
use http_body::Body;
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tracing::Span;

/// What the layer knows about the request a response answers.
pub(crate) struct RequestContext {
    pub(crate) config: Arc<Config>,
    pub(crate) id: RequestId,
    pub(crate) span: Span,
    pub(crate) head: bool,
    /// The request is a gRPC call.
    pub(crate) grpc: bool,
}

pin_project! {
    /// The future of [`RedactService`](crate::RedactService).
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
        ctx: RequestContext,
    }
}

pin_project! {
    #[project = StateProj]
    #[project_replace = StateReplace]
    enum State<F, B> {
        /// The inner future is running.
        Calling {
            #[pin]
            future: F,
        },
        /// A body is read before the head is decided; the body is dropped
        /// or replayed in full afterwards, so it can stay pinned here.
        Reading {
            #[pin]
            body: B,
            deadline: Deadline,
            job: Box<Job>,
        },
        /// A body is read only in part (the rest may be streamed on), so it
        /// is boxed: what was polled pinned can then move into the response.
        ReadingPart {
            body: Pin<Box<B>>,
            deadline: Deadline,
            job: Box<Job>,
        },
        /// The inner `call` panicked.
        Panicked,
        /// The response was returned.
        Done,
    }
}

/// Why a body is being read, and what was read. Boxed in the future's
/// state: it is large, and only the responses that are read need it, while
/// every response's future is moved around at its full size.
struct Job {
    parts: Option<Parts>,
    collected: Collected,
    purpose: Purpose,
    limit: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// A 5xx: read for the log, then replaced whatever it says.
    LogServerError,
    /// A 4xx, or a 2xx when success bodies are scanned: scanned for leaks.
    Scan,
}

impl<F, B> ResponseFuture<F, B> {
    pub(crate) fn calling(future: F, ctx: RequestContext) -> Self {
        ResponseFuture {
            state: State::Calling { future },
            ctx,
        }
    }

    pub(crate) fn panicked(ctx: RequestContext) -> Self {
        ResponseFuture {
            state: State::Panicked,
            ctx,
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let ctx: &RequestContext = this.ctx;
        let _entered = ctx.span.enter();
        let _current = ctx.id.enter();
        loop {
            match this.state.as_mut().project() {
                StateProj::Calling { future } => {
                    let output = match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                        Ok(Poll::Pending) => return Poll::Pending,
                        Ok(Poll::Ready(output)) => output,
                        Err(payload) => {
                            this.state.set(State::Done);
                            log::panic_caught(&ctx.id, PanicSite::Future, payload.as_ref());
                            return Poll::Ready(Ok(ctx.panic_response()));
                        }
                    };
                    let response = match output {
                        Ok(response) => response,
                        Err(err) => {
                            this.state.set(State::Done);
                            return Poll::Ready(Err(err));
                        }
                    };
                    match ctx.decide(response) {
                        Decision::Respond(response) => {
                            this.state.set(State::Done);
                            return Poll::Ready(Ok(response));
                        }
                        Decision::Pass(response) => {
                            this.state.set(State::Done);
                            return Poll::Ready(Ok(ctx.peek(response, cx)));
                        }
                        Decision::Read { body, job } => this.state.set(State::Reading {
                            body,
                            deadline: Deadline::after(ctx.config.inspect.timeout),
                            job,
                        }),
                        Decision::ReadPart { body, job } => this.state.set(State::ReadingPart {
                            body,
                            deadline: Deadline::after(ctx.config.inspect.timeout),
                            job,
                        }),
                    }
                }
                StateProj::Reading {
                    body,
                    deadline,
                    job,
                } => {
                    let end = match job.collected.poll_body(body, cx, job.limit) {
                        Poll::Ready(end) => end,
                        Poll::Pending if deadline.expired(cx) => CollectEnd::TimedOut,
                        Poll::Pending => return Poll::Pending,
                    };
                    let response = ctx.conclude(job, end, None);
                    this.state.set(State::Done);
                    return Poll::Ready(Ok(response));
                }
                StateProj::ReadingPart {
                    body,
                    deadline,
                    job,
                } => {
                    let end = match job.collected.poll_body(body.as_mut(), cx, job.limit) {
                        Poll::Ready(end) => end,
                        Poll::Pending if deadline.expired(cx) => CollectEnd::TimedOut,
                        Poll::Pending => return Poll::Pending,
                    };
                    let response = match this.state.as_mut().project_replace(State::Done) {
                        StateReplace::ReadingPart { body, mut job, .. } => {
                            ctx.conclude(&mut job, end, Some(body))
                        }
                        _ => ctx.panic_response(),
                    };
                    return Poll::Ready(Ok(response));
                }
                StateProj::Panicked => {
                    this.state.set(State::Done);
                    return Poll::Ready(Ok(ctx.panic_response()));
                }
                // Polled again after completion, against the `Future`
                // contract. Answer with the 500 template again rather than
                // panic on a request path.
                StateProj::Done => return Poll::Ready(Ok(ctx.panic_response())),
            }
        }
    }
}

/// What to do with the response the inner service produced.
// Returned once and consumed at once, never stored: boxing the common
// `Respond` variant would cost an allocation per response for nothing.
#[allow(clippy::large_enum_variant)]
enum Decision<B> {
    Respond(Response<ResponseBody<B>>),
    /// Passed through, after one look at the body (see `peek`).
    Pass(Response<B>),
    Read {
        body: B,
        job: Box<Job>,
    },
    ReadPart {
        body: Pin<Box<B>>,
        job: Box<Job>,
    },
}

/// 5xx, and the non-standard 600 to 999 that `http` admits.
fn is_server_error(status: StatusCode) -> bool {
    status.as_u16() >= 500
}

/// Whether the body is compressed or otherwise encoded, so that its bytes
/// cannot be scanned as they are.
fn is_encoded(parts: &Parts) -> bool {
    parts
        .headers
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .any(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"))
}

/// Streams that must not be held back: server-sent events and gRPC.
fn is_stream_protocol(parts: &Parts) -> bool {
    grpc::is_grpc(&parts.headers)
        || parts
            .headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|ct| ct.as_bytes().starts_with(b"text/event-stream"))
}

impl RequestContext {
    /// Classifies the response head once.
    fn decide<B>(&self, mut response: Response<B>) -> Decision<B>
    where
        B: Body<Data = Bytes>,
    {
        // gRPC answers on HTTP 200, its errors in `grpc-status`. An HTTP
        // error status on a gRPC response (a proxy's, or a handler's) is an
        // HTTP error like any other: gRPC clients map it from the HTTP status
        // and ignore the body, and the promise that no 5xx leaks holds (found
        // by `fuzz/` `service`). Its `grpc-message` is still redacted, for
        // a 4xx that passes.
        let status = response.status();
        let http_error = status.is_client_error() || is_server_error(status);
        let grpc = self.grpc && grpc::is_grpc(response.headers());
        if grpc && http_error {
            grpc::redact_status(response.headers_mut(), &self.id, &self.config);
        }
        if grpc && !http_error {
            let (mut parts, body) = response.into_parts();
            grpc::redact_status(&mut parts.headers, &self.id, &self.config);
            self.finish_head(&mut parts);
            let body = ResponseBody::pass(body, self.id.clone(), self.body_span())
                .redacting_grpc_trailers(self.config.clone());
            return Decision::Respond(Response::from_parts(parts, body));
        }
        let inspect = &self.config.inspect;
        if is_server_error(status) {
            let (parts, body) = response.into_parts();
            let limit = self.config.log_body_limit;
            if limit == 0 || self.head || ends(&body) || !log::server_errors_logged() {
                let original = Original {
                    bytes: &[],
                    truncated: !self.head && limit == 0 && !ends(&body),
                    failure: None,
                };
                return Decision::Respond(self.rewrite_server_error(parts, original));
            }
            return Decision::Read {
                body,
                job: Job::new(parts, Purpose::LogServerError, limit),
            };
        }
        if status.is_client_error() && inspect.client_errors {
            let (parts, body) = response.into_parts();
            if let Some(finding) = self.scan_headers(&parts.headers) {
                log::leak_rewritten(&self.id, parts.status, &finding, b"", "a header");
                return Decision::Respond(self.rewrite(parts));
            }
            if self.head || ends(&body) {
                return Decision::Respond(self.pass(Response::from_parts(parts, body)));
            }
            if is_encoded(&parts) {
                return match inspect.if_encoded {
                    Fallback::Rewrite => {
                        log::uninspectable(&self.id, parts.status, "the body is encoded");
                        Decision::Respond(self.rewrite(parts))
                    }
                    Fallback::Pass => Decision::Pass(Response::from_parts(parts, body)),
                };
            }
            // Guarded like `ends`: a panicking `size_hint` once escaped
            // here (found by `fuzz/` `service`).
            let too_large = crate::body::hint(&body).lower() > inspect.limit as u64;
            if too_large && inspect.if_too_large == Fallback::Rewrite {
                log::uninspectable(
                    &self.id,
                    status,
                    "the body is larger than the inspection limit",
                );
                return Decision::Respond(self.rewrite(parts));
            }
            let job = Job::new(parts, Purpose::Scan, inspect.limit);
            return match inspect.if_too_large {
                Fallback::Rewrite => Decision::Read { body, job },
                Fallback::Pass => Decision::ReadPart {
                    body: Box::pin(body),
                    job,
                },
            };
        }
        if inspect.success_bodies
            && status.is_success()
            && status != StatusCode::NO_CONTENT
            && !self.head
            && !ends(response.body())
        {
            let (parts, body) = response.into_parts();
            if is_encoded(&parts) || is_stream_protocol(&parts) {
                return Decision::Pass(Response::from_parts(parts, body));
            }
            return Decision::ReadPart {
                body: Box::pin(body),
                job: Job::new(parts, Purpose::Scan, inspect.limit),
            };
        }
        Decision::Pass(response)
    }

    /// Scans the headers that will reach the client; the stripped ones
    /// (version banners) are removed anyway, so they do not condemn the
    /// response.
    fn scan_headers(&self, headers: &HeaderMap) -> Option<Finding> {
        let detector = &self.config.inspect.detector;
        let stripped = &self.config.headers.stripped;
        headers
            .iter()
            .filter(|(name, _)| carries_text(name) && !stripped.contains(name))
            .find_map(|(name, value)| detector.scan_header(name, value))
    }

    /// Decides a response whose body was read (in full, or up to the limit
    /// with `rest` the part not read).
    fn conclude<B>(
        &self,
        job: &mut Job,
        end: CollectEnd,
        rest: Option<Pin<Box<B>>>,
    ) -> Response<ResponseBody<B>>
    where
        B: Body<Data = Bytes>,
    {
        let Some(mut parts) = job.parts.take() else {
            return self.panic_response();
        };
        let collected = std::mem::take(&mut job.collected);
        let log_limit = self.config.log_body_limit;
        let (overflow, timed_out) = match end {
            CollectEnd::Complete => (false, false),
            CollectEnd::Overflow => (true, false),
            CollectEnd::TimedOut => (true, true),
            CollectEnd::Panicked(payload) => {
                log::panic_caught(&self.id, PanicSite::BodyBeforeHead, payload.as_ref());
                return self.panic_response();
            }
            CollectEnd::Failed(err) => {
                if job.purpose == Purpose::Scan {
                    // The body broke while it was inspected: what it would
                    // have said is unknown, and the client cannot get it
                    // whole anyway.
                    parts.status = StatusCode::INTERNAL_SERVER_ERROR;
                }
                return self.body_failed(parts, &collected.prefix(log_limit), err);
            }
        };
        if job.purpose == Purpose::LogServerError {
            let read = collected.prefix(log_limit);
            let original = Original {
                bytes: &read,
                truncated: overflow || collected.len > log_limit,
                failure: None,
            };
            return self.rewrite_server_error(parts, original);
        }
        // A body that ended is not polled again: some bodies panic if they
        // are polled after their end.
        let rest = if overflow { rest } else { None };
        if overflow && rest.is_none() {
            let why = if timed_out {
                "the body did not arrive within the inspection time bound"
            } else {
                "the body ran past the inspection limit"
            };
            log::uninspectable(&self.id, parts.status, why);
            return self.rewrite(parts);
        }
        // Trailers read with the body are replayed too, so they are checked
        // like headers (a leak in them once passed; found by `fuzz/`
        // `service`).
        let finding = self
            .config
            .inspect
            .detector
            .scan_chunks(&collected.chunks)
            .map(|finding| (finding, "the body"))
            .or_else(|| {
                let trailers = collected.trailers.as_ref()?;
                Some((self.scan_headers(trailers)?, "the trailers"))
            });
        if let Some((finding, place)) = finding {
            let read = collected.prefix(log_limit);
            log::leak_rewritten(&self.id, parts.status, &finding, &read, place);
            if !parts.status.is_client_error() {
                // A success body that carries an error: answer as the
                // server error it is.
                parts.status = StatusCode::INTERNAL_SERVER_ERROR;
            }
            return self.rewrite(parts);
        }
        self.release_head(&mut parts);
        let trailers = self.held_trailers(&parts, collected.trailers);
        let body = ResponseBody::replay(
            collected.chunks,
            trailers,
            rest,
            self.id.clone(),
            self.body_span(),
        );
        let body = self.grpc_trailers(&parts, body);
        Response::from_parts(parts, body)
    }

    /// Headers every response gets: the id, and no version banners.
    fn finish_head(&self, parts: &mut Parts) {
        self.config.headers.strip(&mut parts.headers);
        self.config
            .headers
            .mark_any(parts.status, &mut parts.headers);
        parts.headers.insert(
            &self.config.request_id.header,
            self.id.header_value().clone(),
        );
        parts.extensions.insert(self.id.clone());
    }

    fn body_span(&self) -> Span {
        if self.span.is_disabled() {
            Span::none()
        } else {
            self.span.clone()
        }
    }

    /// Passes a response through after polling its body once, without
    /// waiting. Once the head is released a failing body can only abort the
    /// response (HTTP/1.1 servers then close the connection without a word
    /// when nothing was written yet); a body that fails at once — an error
    /// or a panic before its first frame — still gets the 500 template this
    /// way. A body that is not ready is released as it is: nothing is held.
    /// The look costs one allocation: the polled body is pinned, so it moves
    /// into the response boxed.
    fn peek<B>(&self, response: Response<B>, cx: &mut Context<'_>) -> Response<ResponseBody<B>>
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let status = response.status();
        if self.head
            || status.is_informational()
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::NOT_MODIFIED
            || ends(response.body())
        {
            return self.pass(response);
        }
        let (mut parts, body) = response.into_parts();
        let mut body = Box::pin(body);
        let (first, trailers, rest) =
            match catch_unwind(AssertUnwindSafe(|| body.as_mut().poll_frame(cx))) {
                Ok(Poll::Pending) => (None, None, Some(body)),
                Ok(Poll::Ready(Some(Ok(frame)))) => match frame.into_data() {
                    Ok(data) => (Some(data), None, Some(body)),
                    // Trailers should end a body, but the body says so, not
                    // the layer: it is polled on as it would have been.
                    Err(frame) => (None, frame.into_trailers().ok(), Some(body)),
                },
                Ok(Poll::Ready(None)) => (None, None, None),
                Ok(Poll::Ready(Some(Err(err)))) => {
                    parts.status = StatusCode::INTERNAL_SERVER_ERROR;
                    return self.body_failed(parts, &[], err.into());
                }
                Err(payload) => {
                    log::panic_caught(&self.id, PanicSite::BodyBeforeHead, payload.as_ref());
                    return self.panic_response();
                }
            };
        self.release_head(&mut parts);
        let trailers = self.held_trailers(&parts, trailers);
        let body = ResponseBody::peeked(first, trailers, rest, self.id.clone(), self.body_span());
        let body = self.grpc_trailers(&parts, body);
        Response::from_parts(parts, body)
    }

    fn pass<B>(&self, response: Response<B>) -> Response<ResponseBody<B>> {
        let (mut parts, body) = response.into_parts();
        self.release_head(&mut parts);
        let body = self.grpc_trailers(
            &parts,
            ResponseBody::pass(body, self.id.clone(), self.body_span()),
        );
        Response::from_parts(parts, body)
    }

    /// The head of a response that passes (as it came, or replayed): the
    /// headers of every response, and of every error.
    fn release_head(&self, parts: &mut Parts) {
        self.finish_head(parts);
        if parts.status.is_client_error() {
            mark_error(&mut parts.headers);
        }
    }

    /// Whether a response answers a gRPC call in gRPC's own framing.
    fn grpc_response(&self, parts: &Parts) -> bool {
        self.grpc && grpc::is_grpc(&parts.headers)
    }

    /// Trailers the layer read ahead of the client, gRPC status redacted.
    fn held_trailers(&self, parts: &Parts, trailers: Option<HeaderMap>) -> Option<Box<HeaderMap>> {
        let mut trailers = trailers?;
        if self.grpc_response(parts) {
            grpc::redact_status(&mut trailers, &self.id, &self.config);
        }
        Some(Box::new(trailers))
    }

    /// A gRPC response that passes with an HTTP error status still gets
    /// its trailers' `grpc-message` redacted (HTTP 200 ones go through the
    /// gRPC path in `decide`).
    fn grpc_trailers<B>(&self, parts: &Parts, body: ResponseBody<B>) -> ResponseBody<B> {
        if self.grpc_response(parts) {
            body.redacting_grpc_trailers(self.config.clone())
        } else {
            body
        }
    }

    /// The template for a response whose body failed before its head was
    /// released; the error is logged with what was read.
    fn body_failed<B>(
        &self,
        parts: Parts,
        read: &[u8],
        err: BoxError,
    ) -> Response<ResponseBody<B>> {
        let original = Original {
            bytes: read,
            truncated: false,
            failure: Some(format!("body error: {err}")),
        };
        self.rewrite_server_error(parts, original)
    }

    fn rewrite_server_error<B>(
        &self,
        parts: Parts,
        original: Original<'_>,
    ) -> Response<ResponseBody<B>> {
        log::server_error_rewritten(&self.id, parts.status, original);
        self.rewrite(parts)
    }

    /// The template for the response's status, with the preserved headers.
    fn rewrite<B>(&self, mut parts: Parts) -> Response<ResponseBody<B>> {
        let (status, template) = self.config.template.for_status(parts.status);
        parts.status = status;
        self.config
            .headers
            .keep_preserved(&mut parts.headers, &self.config.inspect.detector);
        self.finish_head(&mut parts);
        mark_error(&mut parts.headers);
        if self.head {
            return Response::from_parts(parts, ResponseBody::empty());
        }
        let message = parts
            .extensions
            .get::<PublicMessage>()
            .map(|m| json_escape(m.as_str()));
        let body = template.render(&self.id, message.as_deref());
        parts.headers.insert(
            header::CONTENT_TYPE,
            self.config.template.content_type.clone(),
        );
        parts
            .headers
            .insert(header::CONTENT_LENGTH, template.content_length(body.len()));
        Response::from_parts(parts, ResponseBody::full(body))
    }

    pub(crate) fn panic_response<B>(&self) -> Response<ResponseBody<B>> {
        if self.grpc {
            let mut parts = grpc::panic_parts(&self.id);
            self.finish_head(&mut parts);
            return Response::from_parts(parts, ResponseBody::empty());
        }
        let (mut parts, ()) = Response::new(()).into_parts();
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        self.rewrite(parts)
    }
}

impl Job {
    fn new(parts: Parts, purpose: Purpose, limit: usize) -> Box<Self> {
        Box::new(Job {
            parts: Some(parts),
            collected: Collected::default(),
            purpose,
            limit,
        })
    }
}

impl<F, B> fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("request_id", &self.ctx.id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    /// Every response's future and body are moved at their full size; the
    /// state only the read responses need is boxed to keep them small.
    #[test]
    fn futures_and_bodies_stay_small() {
        type Body = http_body_util::Full<bytes::Bytes>;
        type Inner = std::future::Ready<Result<http::Response<Body>, ()>>;
        let future = std::mem::size_of::<super::ResponseFuture<Inner, Body>>();
        let body = std::mem::size_of::<crate::ResponseBody<Body>>();
        eprintln!("ResponseFuture: {future} bytes, ResponseBody: {body} bytes");
        assert!(future <= 256, "ResponseFuture is {future} bytes");
        assert!(body <= 160, "ResponseBody is {body} bytes");
    }
}
