//! Reading a response body into memory, up to a bound, before its head is
//! sent: to scan a 4xx (or an opted-in 2xx) for leaks, or to log a 5xx.

use crate::BoxError;
use bytes::Bytes;
use http::HeaderMap;
use http_body::Body;
use std::any::Any;
use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

/// What was read of a body: its data chunks as they came (not concatenated,
/// so a clean body is replayed without a copy) and its trailers.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub(crate) chunks: Vec<Bytes>,
    pub(crate) len: usize,
    pub(crate) trailers: Option<HeaderMap>,
}

/// How reading ended.
pub(crate) enum CollectEnd {
    /// The body ended; everything is in [`Collected`].
    Complete,
    /// The limit was reached and more may follow. The chunk that crossed the
    /// limit is kept whole, so what was read can still be replayed.
    Overflow,
    /// The body returned an error.
    Failed(BoxError),
    /// Polling the body panicked.
    Panicked(Box<dyn Any + Send>),
    /// The body did not end, nor reach the limit, within the time bound.
    TimedOut,
}

/// The time bound on reading one body. The timer starts the first time
/// the body is not ready: a body that is ready at once (most error bodies)
/// never needs one, and the timer is boxed so that the futures that carry a
/// `Deadline` stay small. Unbounded when no timeout is configured, or when
/// the body is not polled inside a tokio runtime with timers.
#[cfg(feature = "tokio")]
pub(crate) struct Deadline {
    timeout: Option<std::time::Duration>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

#[cfg(feature = "tokio")]
thread_local! {
    /// Set once this thread's runtime was found to have no timers, so the
    /// failed attempt (a caught panic) is not repeated for every body.
    static NO_TIMERS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(feature = "tokio")]
impl Deadline {
    pub(crate) fn after(timeout: Option<std::time::Duration>) -> Self {
        Deadline {
            timeout,
            sleep: None,
        }
    }

    /// Whether the bound has passed; starts the timer on first use.
    pub(crate) fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        use std::future::Future;
        if self.sleep.is_none() {
            let Some(timeout) = self.timeout.take() else {
                return false;
            };
            if NO_TIMERS.get() || tokio::runtime::Handle::try_current().is_err() {
                return false;
            }
            // `sleep` panics in a runtime built without timers.
            match catch_unwind(|| Box::pin(tokio::time::sleep(timeout))) {
                Ok(sleep) => self.sleep = Some(sleep),
                Err(_) => {
                    NO_TIMERS.set(true);
                    return false;
                }
            }
        }
        match &mut self.sleep {
            Some(sleep) => sleep.as_mut().poll(cx).is_ready(),
            None => false,
        }
    }
}

/// Without the `tokio` feature, only the byte limits bound a read.
#[cfg(not(feature = "tokio"))]
pub(crate) struct Deadline;

#[cfg(not(feature = "tokio"))]
impl Deadline {
    pub(crate) fn after(_timeout: Option<std::time::Duration>) -> Self {
        Deadline
    }

    pub(crate) fn expired(&mut self, _cx: &mut Context<'_>) -> bool {
        false
    }
}

impl Collected {
    /// Polls `body` until it ends, fails, panics, or more than `limit` bytes
    /// have arrived. At most `limit` bytes plus one chunk are held.
    pub(crate) fn poll_body<B>(
        &mut self,
        mut body: Pin<&mut B>,
        cx: &mut Context<'_>,
        limit: usize,
    ) -> Poll<CollectEnd>
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        loop {
            let frame = match catch_unwind(AssertUnwindSafe(|| body.as_mut().poll_frame(cx))) {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(None)) => return Poll::Ready(CollectEnd::Complete),
                Ok(Poll::Ready(Some(Ok(frame)))) => frame,
                Ok(Poll::Ready(Some(Err(err)))) => {
                    return Poll::Ready(CollectEnd::Failed(err.into()))
                }
                Err(payload) => return Poll::Ready(CollectEnd::Panicked(payload)),
            };
            let data = match frame.into_data() {
                Ok(data) => data,
                Err(frame) => {
                    if let Ok(trailers) = frame.into_trailers() {
                        match &mut self.trailers {
                            Some(existing) => existing.extend(trailers),
                            None => self.trailers = Some(trailers),
                        }
                    }
                    continue;
                }
            };
            if data.is_empty() {
                continue;
            }
            self.len += data.len();
            self.chunks.push(data);
            // At exactly `limit` bytes, one more poll tells whether the body
            // ends there (Complete) or goes on (Overflow).
            if self.len > limit {
                return Poll::Ready(CollectEnd::Overflow);
            }
        }
    }

    /// The first `limit` bytes, contiguous (copied only when they span
    /// several chunks).
    pub(crate) fn prefix(&self, limit: usize) -> Cow<'_, [u8]> {
        match self.chunks.as_slice() {
            [] => Cow::Borrowed(&[]),
            [one] => Cow::Borrowed(&one[..one.len().min(limit)]),
            many => {
                let mut out = Vec::with_capacity(self.len.min(limit));
                for chunk in many {
                    let room = limit - out.len();
                    out.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if out.len() == limit {
                        break;
                    }
                }
                Cow::Owned(out)
            }
        }
    }
}

/// `is_end_stream`, with a panic taken as "not known to end".
pub(crate) fn ends<B: Body>(body: &B) -> bool {
    catch_unwind(AssertUnwindSafe(|| body.is_end_stream())).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, StreamBody};
    use std::convert::Infallible;
    use std::task::Waker;

    fn collect<B>(body: B, limit: usize) -> (Collected, CollectEnd)
    where
        B: Body<Data = Bytes> + Unpin,
        B::Error: Into<BoxError>,
    {
        let mut body = body;
        let mut collected = Collected::default();
        let mut cx = Context::from_waker(Waker::noop());
        match collected.poll_body(Pin::new(&mut body), &mut cx, limit) {
            Poll::Ready(end) => (collected, end),
            Poll::Pending => panic!("a ready body was pending"),
        }
    }

    fn chunks(parts: &[&'static str]) -> impl Body<Data = Bytes, Error = Infallible> + Unpin {
        let frames = parts
            .iter()
            .map(|p| Ok::<_, Infallible>(http_body::Frame::data(Bytes::from_static(p.as_bytes()))))
            .collect::<Vec<_>>();
        StreamBody::new(futures_util::stream::iter(frames))
    }

    #[test]
    fn complete_within_the_limit() {
        let (c, end) = collect(chunks(&["ab", "", "cd"]), 4);
        assert!(matches!(end, CollectEnd::Complete));
        assert_eq!(c.len, 4);
        assert_eq!(c.chunks.len(), 2);
        assert_eq!(c.prefix(3).as_ref(), b"abc");
        assert_eq!(c.prefix(99).as_ref(), b"abcd");
    }

    #[test]
    fn overflow_keeps_the_crossing_chunk() {
        let (c, end) = collect(chunks(&["ab", "cdef", "gh"]), 3);
        assert!(matches!(end, CollectEnd::Overflow));
        assert_eq!(c.len, 6);
        assert_eq!(c.prefix(3).as_ref(), b"abc");
    }

    #[test]
    fn exact_limit_of_a_full_body_is_complete() {
        let body = http_body_util::Full::new(Bytes::from_static(b"abcd"));
        let (c, end) = collect(body, 4);
        assert!(matches!(end, CollectEnd::Complete));
        assert_eq!(c.len, 4);
    }

    #[test]
    fn errors_and_trailers() {
        let frames = vec![
            Ok(http_body::Frame::data(Bytes::from_static(b"x"))),
            Err(std::io::Error::other("reset")),
        ];
        let (_, end) = collect(StreamBody::new(futures_util::stream::iter(frames)), 10);
        assert!(matches!(end, CollectEnd::Failed(e) if e.to_string() == "reset"));

        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
        let body = http_body_util::Full::new(Bytes::from_static(b"x"))
            .with_trailers(std::future::ready(Some(Ok::<_, Infallible>(trailers))));
        let (c, end) = collect(body, 10);
        assert!(matches!(end, CollectEnd::Complete));
        assert_eq!(c.trailers.unwrap()["grpc-status"], "0");
    }
}
