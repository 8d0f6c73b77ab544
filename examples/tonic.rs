//! `RedactLayer` on a tonic gRPC server, and what a tonic client sees.
//!
//! ```text
//! cargo run --example tonic
//! ```
//!
//! Starts the `test.Pinger` service (see `examples/pinger/mod.rs`) behind
//! `Server::builder().layer(RedactLayer::default())` on 127.0.0.1 (set
//! `DEMO_ADDR` to choose the address), calls it once per outcome with a
//! tonic client, prints what the client got, and exits; the server log
//! (stderr) shows what was logged under each request id. gRPC reports errors
//! on HTTP 200 in `grpc-status`/`grpc-message`: server faults (INTERNAL,
//! UNKNOWN, DATA_LOSS) get a generic message with the request id, other
//! codes keep their message unless it leaks internals, and a panic becomes
//! an INTERNAL status instead of an HTTP 500.

mod pinger;

use http::uri::PathAndQuery;
use pinger::{Ping, PingerServer};
use tonic::transport::{server::TcpIncoming, Channel, Server};
use tonic_prost::ProstCodec;
use tower_redact::RedactLayer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    // The layer logs caught panics with the request id; the default hook
    // would print them a second time without it.
    std::panic::set_hook(Box::new(|_| {}));

    let addr = std::env::var("DEMO_ADDR").unwrap_or_else(|_| "127.0.0.1:0".to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(
        Server::builder()
            .layer(RedactLayer::default())
            .add_service(PingerServer)
            .serve_with_incoming(TcpIncoming::from(listener)),
    );
    println!("gRPC server on {addr}, service test.Pinger\n");

    let channel = Channel::from_shared(format!("http://{addr}"))?
        .connect()
        .await?;
    for text in ["hello", "clean", "leaky", "internal", "panic"] {
        let mut client = tonic::client::Grpc::new(channel.clone());
        client.ready().await?;
        let mut request = tonic::Request::new(Ping {
            text: text.to_string(),
        });
        request
            .metadata_mut()
            .insert("x-request-id", format!("demo-{text}").parse()?);
        let path = PathAndQuery::from_static("/test.Pinger/Ping");
        match client
            .unary(request, path, ProstCodec::<Ping, Ping>::default())
            .await
        {
            Ok(response) => println!("{text:>9}: OK {:?}", response.into_inner().text),
            Err(status) => println!(
                "{text:>9}: {:?} {:?} (x-request-id {:?})",
                status.code(),
                status.message(),
                status.metadata().get("x-request-id"),
            ),
        }
    }
    Ok(())
}
