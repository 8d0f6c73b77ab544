//! The response future: catches panics while the inner future runs, decides
//! what each response becomes, and reads what a rewrite logs.

use crate::body::ResponseBody;
use crate::layer::Config;
use crate::log::{self, Original, PanicSite};
use crate::request_id::RequestId;
use crate::response_headers::mark_error;
use crate::template::{json_escape, PublicMessage};
use crate::BoxError;
use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::response::Parts;
use http::{Response, StatusCode};
use http_body::Body;
use pin_project_lite::pin_project;
use std::any::Any;
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
    enum State<F, B> {
        /// The inner future is running.
        Calling {
            #[pin]
            future: F,
        },
        /// An error response is being read for the log before its rewrite.
        Reading {
            #[pin]
            body: B,
            parts: Option<Parts>,
            read: Vec<u8>,
        },
        /// The inner `call` panicked.
        Panicked,
        /// The response was returned.
        Done,
    }
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
                    if !is_server_error(response.status()) {
                        this.state.set(State::Done);
                        return Poll::Ready(Ok(ctx.pass(response)));
                    }
                    let (parts, body) = response.into_parts();
                    let empty = ends(&body);
                    if ctx.config.log_body_limit == 0 || ctx.head || empty {
                        this.state.set(State::Done);
                        let original = Original {
                            bytes: &[],
                            truncated: !empty && !ctx.head,
                            failure: None,
                        };
                        return Poll::Ready(Ok(ctx.rewrite_server_error(parts, original)));
                    }
                    this.state.set(State::Reading {
                        body,
                        parts: Some(parts),
                        read: Vec::new(),
                    });
                }
                StateProj::Reading {
                    mut body,
                    parts,
                    read,
                } => {
                    let end = match poll_read(body.as_mut(), cx, read, ctx.config.log_body_limit) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(end) => end,
                    };
                    let read = std::mem::take(read);
                    let parts = parts.take();
                    this.state.set(State::Done);
                    let response = match (parts, end) {
                        (Some(parts), ReadEnd::Complete) => {
                            let original = Original {
                                bytes: &read,
                                truncated: false,
                                failure: None,
                            };
                            ctx.rewrite_server_error(parts, original)
                        }
                        (Some(parts), ReadEnd::Truncated) => {
                            let original = Original {
                                bytes: &read,
                                truncated: true,
                                failure: None,
                            };
                            ctx.rewrite_server_error(parts, original)
                        }
                        (Some(parts), ReadEnd::Failed(err)) => {
                            let failure = Some(format!("body error: {err}"));
                            let original = Original {
                                bytes: &read,
                                truncated: false,
                                failure,
                            };
                            ctx.rewrite_server_error(parts, original)
                        }
                        (_, ReadEnd::Panicked(payload)) => {
                            log::panic_caught(&ctx.id, PanicSite::BodyBeforeHead, payload.as_ref());
                            ctx.panic_response()
                        }
                        (None, _) => ctx.panic_response(),
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

/// How reading a body for the log ended.
enum ReadEnd {
    /// The body ended within the limit.
    Complete,
    /// The limit was reached; more may follow.
    Truncated,
    Failed(BoxError),
    Panicked(Box<dyn Any + Send>),
}

/// Reads `body` into `read` until it ends, fails, panics or `limit` bytes
/// were read. Trailers are ignored.
fn poll_read<B>(
    mut body: Pin<&mut B>,
    cx: &mut Context<'_>,
    read: &mut Vec<u8>,
    limit: usize,
) -> Poll<ReadEnd>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    loop {
        let frame = match catch_unwind(AssertUnwindSafe(|| body.as_mut().poll_frame(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(None)) => return Poll::Ready(ReadEnd::Complete),
            Ok(Poll::Ready(Some(Ok(frame)))) => frame,
            Ok(Poll::Ready(Some(Err(err)))) => return Poll::Ready(ReadEnd::Failed(err.into())),
            Err(payload) => return Poll::Ready(ReadEnd::Panicked(payload)),
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let room = limit.saturating_sub(read.len());
        read.extend_from_slice(&data[..data.len().min(room)]);
        if data.len() >= room {
            let more = data.len() > room || !ends(&*body);
            return Poll::Ready(if more {
                ReadEnd::Truncated
            } else {
                ReadEnd::Complete
            });
        }
    }
}

/// `is_end_stream`, with a panic taken as "not known to end".
fn ends<B: Body>(body: &B) -> bool {
    catch_unwind(AssertUnwindSafe(|| body.is_end_stream())).unwrap_or(false)
}

/// 5xx, and the non-standard 600 to 999 that `http` admits.
fn is_server_error(status: StatusCode) -> bool {
    status.as_u16() >= 500
}

impl RequestContext {
    /// Headers every response gets: the id, and no version banners.
    fn finish_head(&self, parts: &mut Parts) {
        self.config.headers.strip(&mut parts.headers);
        parts.headers.insert(
            &self.config.request_id.header,
            self.id.header_value().clone(),
        );
        parts.extensions.insert(self.id.clone());
    }

    fn pass<B>(&self, response: Response<B>) -> Response<ResponseBody<B>> {
        let (mut parts, body) = response.into_parts();
        self.finish_head(&mut parts);
        if parts.status.is_client_error() {
            mark_error(&mut parts.headers);
        }
        let span = if self.span.is_disabled() {
            Span::none()
        } else {
            self.span.clone()
        };
        Response::from_parts(parts, ResponseBody::pass(body, self.id.clone(), span))
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
    pub(crate) fn rewrite<B>(&self, mut parts: Parts) -> Response<ResponseBody<B>> {
        let (status, template) = self.config.template.for_status(parts.status);
        parts.status = status;
        parts.headers = self
            .config
            .headers
            .rewritten(std::mem::take(&mut parts.headers));
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
            .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        Response::from_parts(parts, ResponseBody::full(body))
    }

    pub(crate) fn panic_response<B>(&self) -> Response<ResponseBody<B>> {
        let mut response = Response::new(());
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        let (parts, ()) = response.into_parts();
        self.rewrite(parts)
    }
}

pub(crate) fn log_call_panic(ctx: &RequestContext, payload: &(dyn Any + Send)) {
    log::panic_caught(&ctx.id, PanicSite::Call, payload);
}

impl<F, B> fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("request_id", &self.ctx.id)
            .finish_non_exhaustive()
    }
}
