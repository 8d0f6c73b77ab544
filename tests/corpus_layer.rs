//! The labelled corpus (tests/corpus) through the layer over a real socket:
//! every leaky body, served as a 400, comes back as the template; every
//! benign one comes back byte for byte.

mod common;

use axum::{extract::Path, http::StatusCode, routing::get, Router};
use common::*;
use std::sync::Arc;
use tower_redact::RedactLayer;

struct Case {
    path: String,
    leaky: bool,
    body: Vec<u8>,
}

fn corpus() -> Vec<Case> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let manifest = std::fs::read_to_string(root.join("manifest.tsv")).unwrap();
    manifest
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Case {
                path: cols[0].to_string(),
                leaky: cols[1] == "leaky",
                body: std::fs::read(root.join(cols[0])).unwrap(),
            }
        })
        .collect()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("json") => "application/json",
        Some("html") => "text/html; charset=utf-8",
        Some("png") => "image/png",
        Some("gz") => "application/octet-stream",
        _ => "text/plain; charset=utf-8",
    }
}

#[tokio::test]
async fn every_corpus_body_through_the_layer() {
    let cases = Arc::new(corpus());
    assert!(cases.len() > 200, "the corpus is missing");
    let served = cases.clone();
    let app = Router::new()
        .route(
            "/case/{index}",
            get(move |Path(index): Path<usize>| {
                let served = served.clone();
                async move {
                    let case = &served[index];
                    (
                        StatusCode::BAD_REQUEST,
                        [("content-type", content_type(&case.path))],
                        case.body.clone(),
                    )
                }
            }),
        )
        .layer(RedactLayer::default());
    let addr = serve(app).await;
    let mut wrong = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let reply = fetch(addr, &format!("/case/{index}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", case.path);
        let rewritten = reply.header("content-type") == Some("application/problem+json")
            && reply.body.as_ref() != case.body.as_slice();
        if case.leaky != rewritten {
            wrong.push(format!(
                "{} ({})",
                case.path,
                if case.leaky {
                    "leaked through"
                } else {
                    "benign but rewritten"
                }
            ));
        }
        if !case.leaky {
            assert_eq!(reply.body.as_ref(), case.body.as_slice(), "{}", case.path);
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} wrong:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}
