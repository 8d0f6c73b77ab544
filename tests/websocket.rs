//! Issue 5, point 3: WebSocket upgrades pass through the layer untouched
//! except for the id header, and a real client (tokio-tungstenite) exchanges
//! messages with an axum `WebSocketUpgrade` handler behind `RedactLayer`.

mod common;

use axum::{
    extract::ws::{Message, WebSocket, WebSocketUpgrade},
    response::Response,
    routing::get,
    Extension, Router,
};
use common::*;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};
use tower_redact::{RedactLayer, RequestId};

/// Sends the request id the handler saw, then echoes every message.
async fn echo(ws: WebSocketUpgrade, id: Option<Extension<RequestId>>) -> Response {
    let id = id.map_or_else(|| "<none>".to_owned(), |Extension(id)| id.to_string());
    ws.on_upgrade(move |socket| session(socket, id))
}

async fn session(mut socket: WebSocket, id: String) {
    if socket.send(Message::Text(id.into())).await.is_err() {
        return;
    }
    while let Some(Ok(msg)) = socket.recv().await {
        let reply = match msg {
            Message::Text(text) => Message::Text(text),
            Message::Binary(bytes) => Message::Binary(bytes),
            // tungstenite queued the answering close frame: flush it.
            Message::Close(_) => {
                let _ = SinkExt::close(&mut socket).await;
                return;
            }
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        if socket.send(reply).await.is_err() {
            return;
        }
    }
}

fn app() -> Router {
    Router::new().route("/ws", get(echo))
}

type Client =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(
    addr: SocketAddr,
    id: Option<&str>,
) -> (Client, tungstenite::handshake::client::Response) {
    let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
    if let Some(id) = id {
        req.headers_mut()
            .insert("x-request-id", id.parse().unwrap());
    }
    tokio::time::timeout(
        Duration::from_secs(30),
        tokio_tungstenite::connect_async(req),
    )
    .await
    .expect("handshake hung")
    .unwrap()
}

async fn next_text(client: &mut Client) -> String {
    let msg = tokio::time::timeout(Duration::from_secs(30), client.next())
        .await
        .expect("no message")
        .expect("stream ended")
        .unwrap();
    match msg {
        tungstenite::Message::Text(text) => text.as_str().to_owned(),
        other => panic!("expected text, got {other:?}"),
    }
}

/// Exchanges a few messages and closes cleanly; returns the id the handler
/// saw (its first message).
async fn converse(client: &mut Client) -> String {
    let seen = next_text(client).await;
    for i in 0..5 {
        let text = format!("message {i} {}", "x".repeat(i * 1000));
        client
            .send(tungstenite::Message::text(text.clone()))
            .await
            .unwrap();
        assert_eq!(next_text(client).await, text);
    }
    let binary: Vec<u8> = (0..=255u8).collect();
    client
        .send(tungstenite::Message::binary(binary.clone()))
        .await
        .unwrap();
    match client.next().await.unwrap().unwrap() {
        tungstenite::Message::Binary(bytes) => assert_eq!(bytes.as_ref(), binary.as_slice()),
        other => panic!("expected binary, got {other:?}"),
    }
    client.close(None).await.unwrap();
    // The server answers the close; then the stream ends.
    while let Some(msg) = client.next().await {
        match msg {
            Ok(tungstenite::Message::Close(_)) => {}
            Ok(other) => panic!("after close: {other:?}"),
            Err(tungstenite::Error::ConnectionClosed) => break,
            Err(err) => panic!("{err}"),
        }
    }
    seen
}

/// The 101 head's headers, without the ones that differ per connection.
fn stable_headers(res: &tungstenite::handshake::client::Response) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "date" | "sec-websocket-accept" | "x-request-id"
            )
        })
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    headers
}

#[tokio::test]
async fn messages_pass_through_and_the_101_only_gains_the_id() {
    let bare = serve(app()).await;
    let addr = serve(app().layer(RedactLayer::default())).await;

    let (mut client, res) = connect(addr, None).await;
    assert_eq!(res.status(), http::StatusCode::SWITCHING_PROTOCOLS);
    let id = res
        .headers()
        .get("x-request-id")
        .expect("no x-request-id on the 101")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(is_uuid_v4(&id), "{id}");
    assert!(res.headers().contains_key("sec-websocket-accept"));
    for added in [
        "content-type",
        "content-length",
        "transfer-encoding",
        "cache-control",
        "x-content-type-options",
    ] {
        assert!(
            !res.headers().contains_key(added),
            "{added} on the 101: {:?}",
            res.headers()
        );
    }
    assert!(res.body().is_none());

    // Header for header what the same app answers without the layer.
    let (mut bare_client, bare_res) = connect(bare, None).await;
    assert_eq!(bare_res.status(), http::StatusCode::SWITCHING_PROTOCOLS);
    assert!(!bare_res.headers().contains_key("x-request-id"));
    assert_eq!(stable_headers(&res), stable_headers(&bare_res));
    assert_eq!(converse(&mut bare_client).await, "<none>");

    // The handler saw the same id, as the `RequestId` extension, and the
    // socket carries messages both ways.
    assert_eq!(converse(&mut client).await, id);
}

#[tokio::test]
async fn a_valid_incoming_id_is_kept_and_an_invalid_one_replaced() {
    let addr = serve(app().layer(RedactLayer::default())).await;

    let (mut client, res) = connect(addr, Some("ws-session-42")).await;
    assert_eq!(res.status(), http::StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(res.headers()["x-request-id"], "ws-session-42");
    assert_eq!(converse(&mut client).await, "ws-session-42");

    let (mut client, res) = connect(addr, Some("not valid!")).await;
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(is_uuid_v4(&id), "{id}");
    assert_eq!(converse(&mut client).await, id);
}
