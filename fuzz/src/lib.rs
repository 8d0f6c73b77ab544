//! What the fuzz targets share: independent predicates for the values the
//! crate validates, a panic hook that keeps injected panics quiet, a log
//! capture, and polling helpers.

use bytes::Bytes;
use http_body::Body;
use regex::bytes::Regex;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::future::Future;
use std::pin::pin;
use std::sync::{LazyLock, Once};
use std::task::{Context, Poll, Waker};

/// Every panic the harness injects carries this marker; the panic hook
/// stays silent for them and aborts (a crash) for every other panic, also
/// for those the layer catches: a panic in the crate's own code is a bug
/// even when the layer turns it into a 500.
pub const INJECTED: &str = "fuzz-injected panic";

/// The secret the harness plants; it must never reach a 5xx response or a
/// log line.
pub const PLANTED_PASSWORD: &str = "S3cr3tPl4nted";
/// The secret in the form the harness plants it.
pub const PLANTED_URL: &str = "postgres://u:S3cr3tPl4nted@10.0.0.1/db";

/// Installs the panic hook once (libfuzzer-sys's own hook aborts on every
/// panic, caught or not).
pub fn quiet_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("");
            if text.contains(INJECTED) {
                return;
            }
            default(info);
            std::process::abort();
        }));
    });
}

/// An injected panic, with `extra` in its message.
pub fn inject_panic(extra: &str) -> ! {
    std::panic::panic_any(format!("{INJECTED} {extra}"))
}

/// `A-Z a-z 0-9 - _ . :`, 1 to 128 bytes: the README's rule, written as a
/// regular expression rather than the crate's lookup table.
pub fn is_valid_request_id(bytes: &[u8]) -> bool {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?-u)\A[A-Za-z0-9_.:\-]{1,128}\z").unwrap());
    RE.is_match(bytes)
}

/// A lower-case hyphenated UUID of version 4 or 7.
pub fn is_generated_uuid(text: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\z")
            .unwrap()
    });
    RE.is_match(text.as_bytes())
}

/// The trace-id of a W3C `traceparent` value, by the specification's
/// rules: `version-traceid-parentid-flags` in lower-case hex, version
/// `ff` invalid, all-zero ids invalid, version `00` exactly four fields,
/// later versions may append `-` and anything.
pub fn w3c_trace_id(value: &[u8]) -> Option<&[u8]> {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?s-u)\A([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?\z")
            .unwrap()
    });
    let caps = RE.captures(value)?;
    let version = caps.get(1)?.as_bytes();
    let trace = caps.get(2)?.as_bytes();
    let parent = caps.get(3)?.as_bytes();
    let zero = |s: &[u8]| s.iter().all(|&b| b == b'0');
    if version == b"ff" || zero(trace) || zero(parent) {
        return None;
    }
    if version == b"00" && caps.get(5).is_some() {
        return None;
    }
    Some(trace)
}

/// Polls a future that must be ready at once (no I/O, no timers).
pub fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a future that should be ready was pending"),
    }
}

/// The data of a body that is ready at once; `Err` when the body failed.
pub fn ready_body<B>(body: B) -> Result<Vec<u8>, String>
where
    B: Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let mut body = pin!(body);
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    loop {
        match body.as_mut().poll_frame(&mut cx) {
            Poll::Ready(None) => return Ok(out),
            Poll::Ready(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    out.extend_from_slice(&data);
                }
            }
            Poll::Ready(Some(Err(err))) => return Err(err.to_string()),
            Poll::Pending => panic!("a body that should be ready was pending"),
        }
    }
}

thread_local! {
    static LOG: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Installs (once) a subscriber that records every event's fields, all
/// levels, into a thread-local buffer read by [`take_log`].
pub fn capture_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::registry().with(Capture);
        tracing::subscriber::set_global_default(subscriber).unwrap();
    });
}

/// What was logged on this thread since the last call.
pub fn take_log() -> String {
    LOG.with(|log| std::mem::take(&mut *log.borrow_mut()))
}

struct Capture;

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        LOG.with(|log| {
            let mut log = log.borrow_mut();
            // Bounded: one input's events only.
            if log.len() < 1 << 20 {
                event.record(&mut Fields(&mut log));
                log.push('\n');
            }
        });
    }
}
