//! Prints an nginx configuration that puts nginx in front of the demo
//! (`examples/axum.rs`) and answers its own errors (backend down: 502, too
//! slow: 504, body too large: 413, ...) with the demo layer's template, the
//! same request id and the same headers: `tower_redact::nginx::Snippet`,
//! rendered from the layer configuration the demo runs with
//! (`examples/demo_layer/mod.rs`).
//!
//! ```text
//! cargo run --example nginx -- --upstream 127.0.0.1:3000 --listen 127.0.0.1:8080 > redact.conf
//! # include redact.conf in nginx's http context, then:
//! curl -i 127.0.0.1:8080/panic       # the demo's own 500 template, through nginx
//! # stop the demo:
//! curl -i 127.0.0.1:8080/            # nginx's 502, the same template
//! ```
//!
//! Options (all optional):
//!
//! - `--upstream HOST:PORT` (default `127.0.0.1:3000`), `--listen ADDR`
//!   (default `127.0.0.1:8080`), `--server-name NAME` (repeatable);
//! - `--connect-timeout T`, `--send-timeout T`, `--read-timeout T`, as `5s`
//!   or `500ms` (defaults 5s, 60s, 60s);
//! - `--client-max-body-size BYTES` (default: nginx's, 1 MiB);
//! - `--no-headers-more`: leave out `more_clear_headers Server` (nginx then
//!   sends `Server: nginx`), for an nginx without the headers-more module;
//! - `--message STATUS=TEXT` (repeatable): a public message on top of the
//!   demo's configuration.
//!
//! `--render STATUS --request-id ID` prints instead the body the layer sends
//! for that status and id (no newline after it), and `--content-type` its
//! content type: `scripts/e2e-nginx.sh` compares nginx's answers with them,
//! byte for byte.

use axum::http::StatusCode;
use std::time::Duration;
use tower_redact::{nginx::Snippet, RequestId};

mod demo_layer;

const USAGE: &str = "usage: nginx [--upstream HOST:PORT] [--listen ADDR] [--server-name NAME]...
             [--connect-timeout T] [--send-timeout T] [--read-timeout T]
             [--client-max-body-size BYTES] [--no-headers-more] [--message STATUS=TEXT]...
       nginx --render STATUS --request-id ID [--message STATUS=TEXT]...
       nginx --content-type
T is a duration such as 5s or 500ms.";

fn main() {
    if let Err(err) = run(std::env::args().skip(1).collect()) {
        eprintln!("nginx: {err}\n{USAGE}");
        std::process::exit(2);
    }
}

fn run(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = demo_layer::builder();
    let mut upstream = "127.0.0.1:3000".to_string();
    let mut listen = "127.0.0.1:8080".to_string();
    let mut server_names = Vec::new();
    let mut timeouts: [Option<Duration>; 3] = [None; 3];
    let mut body_size = None;
    let mut headers_more = true;
    let mut render: Option<StatusCode> = None;
    let mut request_id = None;
    let mut content_type = false;

    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--upstream" => upstream = value()?,
            "--listen" => listen = value()?,
            "--server-name" => server_names.push(value()?),
            "--connect-timeout" => timeouts[0] = Some(duration(&value()?)?),
            "--send-timeout" => timeouts[1] = Some(duration(&value()?)?),
            "--read-timeout" => timeouts[2] = Some(duration(&value()?)?),
            "--client-max-body-size" => body_size = Some(value()?.parse::<u64>()?),
            "--no-headers-more" => headers_more = false,
            "--message" => {
                let spec = value()?;
                let (status, text) = spec
                    .split_once('=')
                    .ok_or_else(|| format!("--message {spec:?}: expected STATUS=TEXT"))?;
                builder = builder.message(StatusCode::from_u16(status.parse()?)?, text.to_string());
            }
            "--render" => render = Some(StatusCode::from_u16(value()?.parse()?)?),
            "--request-id" => request_id = Some(value()?),
            "--content-type" => content_type = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let layer = builder.build()?;

    if content_type {
        let template = layer.error_template(StatusCode::INTERNAL_SERVER_ERROR);
        println!("{}", template.content_type().to_str()?);
        return Ok(());
    }
    if let Some(status) = render {
        let id = request_id.ok_or("--render needs --request-id")?;
        let id = RequestId::parse(id.as_bytes())?;
        let body = layer.error_template(status).render(&id);
        print!("{}", String::from_utf8_lossy(&body));
        return Ok(());
    }

    let mut snippet = Snippet::new(&layer)
        .upstream(upstream)
        .listen(listen)
        .headers_more(headers_more);
    for name in server_names {
        snippet = snippet.server_name(name);
    }
    if let Some(t) = timeouts[0] {
        snippet = snippet.connect_timeout(t);
    }
    if let Some(t) = timeouts[1] {
        snippet = snippet.send_timeout(t);
    }
    if let Some(t) = timeouts[2] {
        snippet = snippet.read_timeout(t);
    }
    if let Some(bytes) = body_size {
        snippet = snippet.client_max_body_size(bytes);
    }
    print!("{}", snippet.render()?);
    Ok(())
}

/// `5s`, `500ms`, `2m`.
fn duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {text:?}: expected e.g. 5s or 500ms");
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map(|i| text.split_at(i))
        .ok_or_else(bad)?;
    let n: u64 = number.parse().map_err(|_| bad())?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(bad()),
    }
}
