//! Tiny axum 0.8 app whose only purpose is to emit axum's own rejection
//! bodies (benign client errors). Listens on 127.0.0.1:$PORT (default 3900).
use axum::{
    extract::{DefaultBodyLimit, Form, Path, Query},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;

#[allow(dead_code)]
#[derive(Deserialize)]
struct CreateUser {
    name: String,
    email: String,
    age: u32,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct Paging {
    page: u32,
    per_page: u8,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct Login {
    username: String,
    remember: bool,
}

async fn create_user(Json(_u): Json<CreateUser>) -> &'static str {
    "ok"
}
async fn list(Query(_p): Query<Paging>) -> &'static str {
    "ok"
}
async fn user(Path(_id): Path<u64>) -> &'static str {
    "ok"
}
async fn item(Path((_org, _n)): Path<(String, u32)>) -> &'static str {
    "ok"
}
async fn login(Form(_l): Form<Login>) -> &'static str {
    "ok"
}
async fn upload(_b: axum::body::Bytes) -> &'static str {
    "ok"
}
async fn text(_s: String) -> &'static str {
    "ok"
}

#[tokio::main]
async fn main() {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3900".into());
    let app = Router::new()
        .route("/users", post(create_user).get(list))
        .route("/users/{id}", get(user))
        .route("/orgs/{org}/items/{n}", get(item))
        .route("/login", post(login))
        .route("/upload", post(upload).layer(DefaultBodyLimit::max(1024)))
        .route("/text", post(text));
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}
