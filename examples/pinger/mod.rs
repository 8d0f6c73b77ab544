//! A small gRPC service, `test.Pinger`, written out by hand as `tonic-build`
//! would generate it from
//!
//! ```text
//! service Pinger { rpc Ping(Ping) returns (Ping); rpc Pings(Ping) returns (stream Ping); }
//! message Ping { string text = 1; }
//! ```
//!
//! so that the example and the tests need no `protoc`. The request's text
//! picks the outcome: `panic`, `internal`, `unknown`, `leaky`, `clean`,
//! `unavailable`, anything else succeeds. Shared by `examples/tonic.rs` and
//! `tests/grpc.rs`.
#![allow(dead_code)]

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tonic::{Request, Response, Status};
use tonic_prost::ProstCodec;

#[derive(Clone, PartialEq, prost::Message)]
pub struct Ping {
    #[prost(string, tag = "1")]
    pub text: String,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
pub type PingStream = Pin<Box<dyn futures_util::Stream<Item = Result<Ping, Status>> + Send>>;

pub const DSN: &str = "postgres://app:hunter2@10.0.0.7:5432/orders";

/// What `tonic-build` would generate for
/// `service Pinger { rpc Ping(Ping) returns (Ping); rpc Pings(Ping) returns (stream Ping); }`,
/// written by hand so the tests need no `protoc`.
#[derive(Clone)]
pub struct PingerServer;

impl tonic::server::NamedService for PingerServer {
    const NAME: &'static str = "test.Pinger";
}

impl tower::Service<http::Request<tonic::body::Body>> for PingerServer {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(ProstCodec::<Ping, Ping>::default());
            Ok(match req.uri().path() {
                "/test.Pinger/Ping" => grpc.unary(Unary, req).await,
                _ => grpc.server_streaming(Streaming, req).await,
            })
        })
    }
}

/// The handler: each request text picks an outcome.
pub async fn answer(text: String) -> Result<Ping, Status> {
    match text.as_str() {
        "panic" => panic!("ping handler exploded: dsn {DSN}"),
        "internal" => Err(Status::internal(format!("pool timed out connecting to {DSN}"))),
        "unknown" => Err(Status::unknown("sqlx::Error: Database(PgDatabaseError)")),
        "leaky" => Err(Status::invalid_argument(
            "Traceback (most recent call last):\n  File \"/srv/app/pinger/views.py\", line 42, in ping\nKeyError: 'text'",
        )),
        "clean" => Err(Status::invalid_argument("text must not be empty")),
        "unavailable" => Err(Status::unavailable("try again in 30 s")),
        _ => Ok(Ping {
            text: format!("pong: {text}"),
        }),
    }
}

#[derive(Clone)]
struct Unary;

impl tonic::server::UnaryService<Ping> for Unary {
    type Response = Ping;
    type Future = BoxFuture<Result<Response<Ping>, Status>>;

    fn call(&mut self, request: Request<Ping>) -> Self::Future {
        Box::pin(async move { answer(request.into_inner().text).await.map(Response::new) })
    }
}

#[derive(Clone)]
struct Streaming;

impl tonic::server::ServerStreamingService<Ping> for Streaming {
    type Response = Ping;
    type ResponseStream = PingStream;
    type Future = BoxFuture<Result<Response<PingStream>, Status>>;

    /// Two good messages, then the outcome of `answer`: a failure arrives
    /// in the trailers.
    fn call(&mut self, request: Request<Ping>) -> Self::Future {
        let text = request.into_inner().text;
        Box::pin(async move {
            let stream = futures_util::stream::unfold(0, move |n| {
                let text = text.clone();
                async move {
                    match n {
                        0 | 1 => Some((
                            Ok(Ping {
                                text: format!("item {n}"),
                            }),
                            n + 1,
                        )),
                        2 => Some((answer(text).await, n + 1)),
                        _ => None,
                    }
                }
            });
            Ok(Response::new(Box::pin(stream) as PingStream))
        })
    }
}
