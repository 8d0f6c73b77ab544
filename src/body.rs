//! The response body: the inner body passed through (with panics caught), or
//! the rendered template.

use crate::grpc;
use crate::inspect::ends;
use crate::layer::Config;
use crate::log::{self, PanicSite};
use crate::request_id::RequestId;
use crate::BoxError;
use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tracing::Span;

pin_project! {
    /// The body of a response that went through [`RedactService`](crate::RedactService).
    ///
    /// Either the inner body, streamed frame by frame without buffering or
    /// boxing; or the chunks of an inspected body replayed as they were read
    /// (followed, for a body inspected only in part, by the rest of it); or
    /// the bytes of a rewritten response. A panic while the inner
    /// body is polled ends the body with a [`BodyPanicked`] error, which makes
    /// the server abort the response instead of ending it cleanly: a client
    /// never mistakes a truncated body for a complete one.
    pub struct ResponseBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Pass {
            #[pin]
            inner: B,
            watch: Watch,
        },
        Replay {
            chunks: std::vec::IntoIter<Bytes>,
            trailers: Option<Box<HeaderMap>>,
            // The unread rest of a body inspected only in part. Boxed because
            // it was polled, pinned, before this body existed.
            rest: Option<Pin<Box<B>>>,
            watch: Watch,
        },
        // A passed-through body polled once before its head was released:
        // what that poll gave (data or trailers), then the rest, unless the
        // poll found the end. Boxed because it was polled, pinned, in the
        // future.
        Peeked {
            first: Option<Bytes>,
            trailers: Option<Box<HeaderMap>>,
            rest: Option<Pin<Box<B>>>,
            watch: Watch,
        },
        Full {
            data: Option<Bytes>,
        },
    }
}

/// What a passed-through body needs to report a panic: the request id and
/// span, and whether it has already failed.
struct Watch {
    id: RequestId,
    span: Span,
    failed: bool,
    /// For gRPC responses: the configuration to redact `grpc-message` in
    /// the trailers with.
    grpc: Option<Arc<Config>>,
}

impl Watch {
    fn new(id: RequestId, span: Span) -> Self {
        Watch {
            id,
            span,
            failed: false,
            grpc: None,
        }
    }
}

impl<B> ResponseBody<B> {
    pub(crate) fn pass(inner: B, id: RequestId, span: Span) -> Self {
        ResponseBody {
            kind: Kind::Pass {
                inner,
                watch: Watch::new(id, span),
            },
        }
    }

    pub(crate) fn replay(
        chunks: Vec<Bytes>,
        trailers: Option<Box<HeaderMap>>,
        rest: Option<Pin<Box<B>>>,
        id: RequestId,
        span: Span,
    ) -> Self {
        ResponseBody {
            kind: Kind::Replay {
                chunks: chunks.into_iter(),
                trailers,
                rest,
                watch: Watch::new(id, span),
            },
        }
    }

    pub(crate) fn peeked(
        first: Option<Bytes>,
        trailers: Option<Box<HeaderMap>>,
        rest: Option<Pin<Box<B>>>,
        id: RequestId,
        span: Span,
    ) -> Self {
        ResponseBody {
            kind: Kind::Peeked {
                first,
                trailers,
                rest,
                watch: Watch::new(id, span),
            },
        }
    }

    /// Redacts `grpc-message` in the trailers of a passed-through body.
    pub(crate) fn redacting_grpc_trailers(mut self, config: Arc<Config>) -> Self {
        match &mut self.kind {
            Kind::Pass { watch, .. } | Kind::Replay { watch, .. } | Kind::Peeked { watch, .. } => {
                watch.grpc = Some(config)
            }
            Kind::Full { .. } => {}
        }
        self
    }

    pub(crate) fn full(data: Bytes) -> Self {
        ResponseBody {
            kind: Kind::Full {
                data: (!data.is_empty()).then_some(data),
            },
        }
    }

    pub(crate) fn empty() -> Self {
        ResponseBody {
            kind: Kind::Full { data: None },
        }
    }
}

impl<B> Body for ResponseBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.project().kind.project() {
            KindProj::Full { data } => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            KindProj::Pass { inner, watch } => watch.poll(inner, cx),
            KindProj::Replay {
                chunks,
                trailers,
                rest,
                watch,
            } => {
                if let Some(chunk) = chunks.next() {
                    return Poll::Ready(Some(Ok(Frame::data(chunk))));
                }
                match rest {
                    Some(rest) => watch.poll(rest.as_mut(), cx),
                    None => Poll::Ready(trailers.take().map(|t| Ok(Frame::trailers(*t)))),
                }
            }
            KindProj::Peeked {
                first,
                trailers,
                rest,
                watch,
            } => {
                if let Some(data) = first.take() {
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                if let Some(trailers) = trailers.take() {
                    return Poll::Ready(Some(Ok(Frame::trailers(*trailers))));
                }
                match rest {
                    Some(rest) => watch.poll(rest.as_mut(), cx),
                    None => Poll::Ready(None),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full { data } => data.is_none(),
            Kind::Pass { inner, watch } => watch.failed || ends(inner),
            Kind::Replay {
                chunks,
                trailers,
                rest,
                watch,
            } => {
                chunks.len() == 0
                    && match rest {
                        Some(rest) => watch.failed || ends(rest),
                        None => trailers.is_none(),
                    }
            }
            Kind::Peeked {
                first,
                trailers,
                rest,
                watch,
            } => {
                first.is_none()
                    && trailers.is_none()
                    && rest.as_ref().is_none_or(|rest| watch.failed || ends(rest))
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full { data } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
            Kind::Pass { inner, .. } => hint(inner),
            Kind::Replay { chunks, rest, .. } => {
                let buffered = chunks.as_slice().iter().map(|c| c.len() as u64).sum();
                buffered_then(buffered, rest.as_ref())
            }
            Kind::Peeked { first, rest, .. } => {
                buffered_then(first.as_ref().map_or(0, |d| d.len() as u64), rest.as_ref())
            }
        }
    }
}

/// The size of `buffered` bytes followed by what is left of `rest`.
fn buffered_then<B: Body>(buffered: u64, rest: Option<&Pin<Box<B>>>) -> SizeHint {
    let Some(rest) = rest else {
        return SizeHint::with_exact(buffered);
    };
    let rest = hint(rest);
    let mut total = SizeHint::new();
    total.set_lower(buffered.saturating_add(rest.lower()));
    if let Some(upper) = rest.upper() {
        total.set_upper(buffered.saturating_add(upper));
    }
    total
}

impl Watch {
    /// Polls the inner body inside the request span, turning a panic into a
    /// [`BodyPanicked`] error once, and the end of the body after it.
    fn poll<B>(
        &mut self,
        inner: Pin<&mut B>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>>
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        if self.failed {
            return Poll::Ready(None);
        }
        let _entered = self.span.enter();
        let _current = self.id.enter();
        match catch_unwind(AssertUnwindSafe(|| inner.poll_frame(cx))) {
            Ok(Poll::Ready(Some(Ok(frame)))) if frame.is_trailers() && self.grpc.is_some() => {
                let frame = match (frame.into_trailers(), &self.grpc) {
                    (Ok(mut trailers), Some(config)) => {
                        grpc::redact_status(&mut trailers, &self.id, config);
                        Frame::trailers(trailers)
                    }
                    (Ok(trailers), None) => Frame::trailers(trailers),
                    (Err(frame), _) => frame,
                };
                Poll::Ready(Some(Ok(frame)))
            }
            Ok(poll) => poll.map(|frame| frame.map(|f| f.map_err(Into::into))),
            Err(payload) => {
                self.failed = true;
                log::panic_caught(&self.id, PanicSite::BodyAfterHead, payload.as_ref());
                Poll::Ready(Some(Err(Box::new(BodyPanicked))))
            }
        }
    }
}

/// `size_hint`, with a panic taken as "nothing known".
pub(crate) fn hint<B: Body>(body: &B) -> SizeHint {
    catch_unwind(AssertUnwindSafe(|| body.size_hint())).unwrap_or_default()
}

impl<B> fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Pass { watch, .. } => f
                .debug_struct("ResponseBody::Pass")
                .field("request_id", &watch.id)
                .finish_non_exhaustive(),
            Kind::Replay { watch, rest, .. } => f
                .debug_struct("ResponseBody::Replay")
                .field("request_id", &watch.id)
                .field("partial", &rest.is_some())
                .finish_non_exhaustive(),
            Kind::Peeked { watch, .. } => f
                .debug_struct("ResponseBody::Peeked")
                .field("request_id", &watch.id)
                .finish_non_exhaustive(),
            Kind::Full { data } => f
                .debug_struct("ResponseBody::Full")
                .field("len", &data.as_ref().map_or(0, Bytes::len))
                .finish(),
        }
    }
}

/// The error a [`ResponseBody`] ends with when the inner body panicked after
/// the response head was sent. It carries no panic text: the panic is logged
/// with the request id, and the server aborts the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyPanicked;

impl fmt::Display for BodyPanicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the response body panicked")
    }
}

impl std::error::Error for BodyPanicked {}
