//! Produces the text that a careless Rust handler would put into a 500 body:
//! `format!("{e:?}")` / `format!("{e:#?}")` / `e.to_string()` of real error
//! values. Each case is written to $OUT/<name>.txt (raw text, the handler body).
//! Needs: a PostgreSQL server at $PG_URL (e.g. postgres://corpus:corpus@127.0.0.1:55432/shop)
//! and a closed local port $CLOSED_PORT (default 9).
use std::io::Write;

fn put(out: &str, name: &str, body: &str) {
    let mut f = std::fs::File::create(format!("{out}/{name}")).unwrap();
    f.write_all(body.as_bytes()).unwrap();
    eprintln!("wrote {name}");
}

fn json_body(msg: &str) -> String {
    serde_json::json!({ "error": "internal server error", "detail": msg }).to_string()
}

#[derive(serde::Deserialize, Debug)]
#[allow(dead_code)]
struct Config {
    database_url: String,
    listen: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let out = std::env::var("OUT").unwrap_or_else(|_| "out".into());
    std::fs::create_dir_all(&out)?;
    let pg_url = std::env::var("PG_URL")
        .unwrap_or_else(|_| "postgres://corpus:corpus@127.0.0.1:55432/shop".into());
    let closed = std::env::var("CLOSED_PORT").unwrap_or_else(|_| "9".into());

    // std::io::Error Debug (file open of a server-side path)
    let path = "/home/app/src/config/settings.toml";
    let e = std::fs::File::open(path).unwrap_err();
    put(&out, "rust_io_error_debug.txt", &format!("failed to load {path}: {e:?}"));

    // serde_json::Error Debug inside a handler that parses an upstream response
    let e = serde_json::from_str::<serde_json::Value>("{\"id\": 12, \"price\": }").unwrap_err();
    put(&out, "rust_serde_json_error_debug.txt", &format!("upstream inventory response invalid: {e:?}"));

    // anyhow chain with context, {:?} -> "Caused by:" + backtrace (RUST_BACKTRACE=1)
    let r: anyhow::Result<()> = (|| {
        use anyhow::Context;
        let _cfg = std::fs::read_to_string("/etc/shop/credentials.json")
            .context("reading credentials file /etc/shop/credentials.json")?;
        Ok(())
    })();
    let e = r.unwrap_err().context("failed to initialise payment client");
    put(&out, "rust_anyhow_chain_backtrace.txt", &format!("{e:?}"));
    put(&out, "rust_anyhow_chain_alternate.txt", &format!("{e:#}"));

    // toml::de::Error Display: shows the offending config line (with a DSN)
    let cfg = "listen = \"0.0.0.0:8080\"\ndatabase_url = postgres://shop_rw:s3cr3t-Pa55@db-primary.internal:5432/shop\n";
    let e = toml::from_str::<Config>(cfg).unwrap_err();
    put(&out, "rust_toml_config_error_dsn.txt", &format!("config error: {e}"));

    // sqlx sqlite
    let db = format!("sqlite:///tmp/corpus-work/sqlx_{}.db?mode=rwc", std::process::id());
    let pool = sqlx::SqlitePool::connect(&db).await?;
    sqlx::query("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)").execute(&pool).await?;
    sqlx::query("INSERT INTO users (email) VALUES ('a@example.com')").execute(&pool).await?;
    let e = sqlx::query("INSERT INTO users (email) VALUES ('a@example.com')").execute(&pool).await.unwrap_err();
    put(&out, "rust_sqlx_sqlite_unique_debug.txt", &format!("{e:?}"));
    put(&out, "rust_sqlx_sqlite_unique_json.json", &json_body(&format!("{e}")));
    let e = sqlx::query("SELECT * FROM orders WHERE id = ?").bind(1).execute(&pool).await.unwrap_err();
    put(&out, "rust_sqlx_sqlite_no_such_table_debug.txt", &format!("{e:?}"));
    #[derive(sqlx::FromRow, Debug)]
    #[allow(dead_code)]
    struct U { id: i64, name: String }
    let e = sqlx::query_as::<_, U>("SELECT id, email FROM users").fetch_one(&pool).await.unwrap_err();
    put(&out, "rust_sqlx_column_not_found_debug.txt", &format!("{e:?}"));

    // sqlx postgres
    let pg = sqlx::PgPool::connect(&pg_url).await?;
    let e = sqlx::query("INSERT INTO customers (email) VALUES ('dup@example.com')").execute(&pg).await.unwrap_err();
    put(&out, "rust_sqlx_pg_unique_debug.txt", &format!("{e:?}"));
    let e = sqlx::query("SELEC id FROM customers").execute(&pg).await.unwrap_err();
    put(&out, "rust_sqlx_pg_syntax_json.json", &json_body(&format!("{e}")));
    let e = sqlx::query("SELECT * FROM invoices").execute(&pg).await.unwrap_err();
    let pretty = format!("{e:#?}");
    put(&out, "rust_sqlx_pg_undefined_table_pretty_debug.txt", &pretty);
    let bad = pg_url.replacen("corpus:corpus", "corpus:wrong-Pa55", 1);
    let e = sqlx::PgPool::connect(&bad).await.unwrap_err();
    put(&out, "rust_sqlx_pg_auth_failed.txt", &format!("could not connect to {bad}: {e}"));
    let refused = format!("postgres://shop_rw:s3cr3t-Pa55@127.0.0.1:{closed}/shop");
    let e = sqlx::PgPool::connect(&refused).await.unwrap_err();
    put(&out, "rust_sqlx_pg_connect_refused_raw.txt", &format!("database unavailable ({refused}): {e:?}"));

    // tokio-postgres
    let (client, conn) = tokio_postgres::connect(&pg_url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    let e = client.execute("SELECT nonexistent_col FROM customers", &[]).await.unwrap_err();
    put(&out, "rust_tokio_postgres_undefined_column_debug.txt", &format!("{e:?}"));
    let e = client.execute("INSERT INTO customers (email) VALUES ('dup@example.com')", &[]).await.unwrap_err();
    put(&out, "rust_tokio_postgres_unique_json.json",
        &serde_json::json!({"error": format!("{e}"), "debug": format!("{e:?}")}).to_string());
    let e = tokio_postgres::connect(&format!("host=127.0.0.1 port={closed} user=shop_rw password=s3cr3t-Pa55 dbname=shop"), tokio_postgres::NoTls).await.err().unwrap();
    put(&out, "rust_tokio_postgres_connect_refused_raw.txt", &format!("{e:?}"));

    // reqwest connect error (to a closed local port; the private-address variant is substituted by the script)
    let e = reqwest::get(format!("http://127.0.0.1:{closed}/internal/v1/inventory?sku=AB-1")).await.unwrap_err();
    put(&out, "rust_reqwest_connect_refused_raw.txt", &format!("{e:?}"));

    // tokio JoinError from a panicking task
    let e = tokio::spawn(async {
        let v: Vec<u32> = Vec::new();
        v[3]
    }).await.unwrap_err();
    put(&out, "rust_tokio_join_error_panic.txt", &format!("{e:?}"));
    Ok(())
}
