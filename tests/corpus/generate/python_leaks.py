"""Leaky bodies produced by really running Python code and drivers.

Each case runs real code, catches the real exception and puts its text into a
body the way a careless handler would (plain text, or inside JSON).

Needs (see services.sh): PostgreSQL on 127.0.0.1:55432 (role corpus/corpus,
db shop, table customers(email unique)), MariaDB on 127.0.0.1:53306 (user
shop/shop-pass, db shop, table customers(email unique)), Redis on
127.0.0.1:56379 with requirepass r3d1s-Pa55, a closed port 9, openssl, and the
demo module /srv/app/shop/orders.py (created by services.sh).

Run: python3 python_leaks.py   (inside a venv with flask django sqlalchemy
psycopg2-binary pymysql redis pymongo requests pyjwt installed)
"""
import json
import os
import random
import sqlite3
import subprocess
import sys
import traceback

sys.path.insert(0, "/srv/app")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpuslib import write  # noqa: E402

PYV = "python%d.%d" % sys.version_info[:2]
HOW = "generate/python_leaks.py"
CLOSED = 9
PG = dict(host="127.0.0.1", port=55432, user="corpus", password="corpus", dbname="shop")


def tb(e):
    return "".join(traceback.format_exception(e))


def catch(fn, *args, **kwargs):
    # the try/except lives in /srv/app/shop/api.py so tracebacks show only
    # "server-side" frames; pass callables + args (no lambdas) for the same reason
    from shop.api import run
    return run(fn, *args, **kwargs)


def L(rel, data, cat, source):
    write("leaky/%s/%s" % (cat, rel), data, "leaky", cat, source, HOW)


def main():
    from shop import orders

    Gateway = orders.Gateway

    # ---------------- stack_trace ----------------
    e = catch(orders.order_total, '{"items": [{"sku": "SKU-9999", "qty": 2}]}')
    L("python_traceback_keyerror.txt", tb(e), "stack_trace", f"{PYV} traceback")
    e = catch(orders.apply_discount, 10, 100)
    L("python_traceback_zerodivision_json.json",
      json.dumps({"error": "internal server error", "exception": repr(e), "traceback": tb(e)}),
      "stack_trace", f"{PYV} traceback in JSON")
    e = catch(orders.charge, 4411, Gateway())
    L("python_traceback_chained_cause.txt", tb(e), "stack_trace", f"{PYV} chained traceback (raise from)")
    e = catch(orders.retry_charge, 4411, Gateway())
    L("python_traceback_during_handling.txt", tb(e), "stack_trace", f"{PYV} chained traceback (during handling)")
    e = catch(orders.order_total, '{"items": [{"sku": "SKU-1001", "qty": 2},]}')
    L("python_traceback_json_decode_stdlib.txt", tb(e), "stack_trace", f"{PYV} traceback through stdlib json")
    e = catch(orders.order_total, '{"items": [{"sku": "SKU-1001", "qty": 2},]}')
    L("python_traceback_lines_list_json.json",
      json.dumps({"message": str(e), "trace": traceback.format_exception(e)}, indent=2),
      "stack_trace", f"{PYV} traceback as JSON list")
    # only the last frame summary (what some handlers log)
    fs = traceback.extract_tb(e.__traceback__)[-1]
    L("python_last_frame_only.txt", f"{type(e).__name__}: {e} ({fs.filename}:{fs.lineno} in {fs.name})",
      "file_path", f"{PYV} traceback.extract_tb last frame")

    # ---------------- file_path ----------------
    e = catch(orders.load_invoice_template, "monthly")
    L("python_filenotfound_template.txt", f"Could not render invoice: {e}", "file_path", f"{PYV} FileNotFoundError str()")
    e = catch(open, "/srv/app/config/secrets.json")
    L("python_filenotfound_secrets_json.json", json.dumps({"error": str(e)}), "file_path", f"{PYV} FileNotFoundError str() in JSON")
    e = catch(open, "/usr/lib/python3/dist-packages")
    L("python_isadirectory.txt", f"{type(e).__name__}: {e}", "file_path", f"{PYV} IsADirectoryError")

    # ---------------- database: sqlite ----------------
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)")
    con.execute("INSERT INTO users (email) VALUES ('a@example.com')")
    e = catch(con.execute, "INSERT INTO users (email) VALUES ('a@example.com')")
    L("sqlite_unique_constraint.txt", f"{type(e).__module__}.{type(e).__name__}: {e}", "database", f"{PYV} sqlite3 {sqlite3.sqlite_version}")
    e = catch(con.execute, "SELECT * FROM orders")
    L("sqlite_no_such_table_json.json", json.dumps({"error": str(e), "type": type(e).__name__}), "database", f"{PYV} sqlite3 {sqlite3.sqlite_version}")
    e = catch(con.execute, "SELECT id, emial FROM users")
    L("sqlite_no_such_column_traceback.txt", tb(e), "database", f"{PYV} sqlite3 traceback")

    # ---------------- database: psycopg2 ----------------
    import psycopg2
    pgv = "postgresql 15 via psycopg2 " + psycopg2.__version__.split()[0]
    c = psycopg2.connect(**PG)
    c.autocommit = True
    cur = c.cursor()
    e = catch(cur.execute, "INSERT INTO customers (email) VALUES (%s)", ("dup@example.com",))
    L("postgres_unique_violation.txt", str(e), "database", pgv)
    e = catch(cur.execute, "SELEC id FROM customers")
    L("postgres_syntax_error.txt", str(e), "database", pgv)
    e = catch(cur.execute, "SELECT id, emial FROM customers WHERE id = 1")
    L("postgres_undefined_column_hint_json.json", json.dumps({"error": str(e), "pgcode": e.pgcode}), "database", pgv)
    e = catch(cur.execute, "INSERT INTO orders (customer_id, total) VALUES (999, 10)")
    L("postgres_fk_violation_traceback.txt", tb(e), "database", pgv + " traceback")
    e = catch(cur.execute, "INSERT INTO orders (customer_id, total) VALUES (1, -5)")
    L("postgres_check_violation.txt", f"{type(e).__name__}: {e}", "database", pgv)
    e = catch(psycopg2.connect, host="127.0.0.1", port=55432, user="corpus", password="wrong", dbname="shop")
    L("postgres_password_auth_failed.txt", str(e), "database", pgv)
    e = catch(psycopg2.connect, host="127.0.0.1", port=CLOSED, user="shop_rw", password="s3cr3t-Pa55", dbname="shop", connect_timeout=2)
    L("postgres_connection_refused_loopback.txt", str(e), "database", pgv)
    L("postgres_connection_refused_10_0_3_12.json",
      json.dumps({"error": "service unavailable", "cause": str(e).replace('"127.0.0.1", port 9', '"10.0.3.12", port 5432')}),
      "private_address", pgv + "; 127.0.0.1:9 substituted with 10.0.3.12:5432")

    # ---------------- database: SQLAlchemy ----------------
    import sqlalchemy
    from sqlalchemy import create_engine, text
    sav = f"SQLAlchemy {sqlalchemy.__version__} + psycopg2 / postgresql 15"
    eng = create_engine("postgresql+psycopg2://corpus:corpus@127.0.0.1:55432/shop")
    conn = eng.connect()
    e = catch(conn.execute, text("INSERT INTO customers (email, name) VALUES (:email, :name)"), {"email": "dup@example.com", "name": "Dup"})
    conn.rollback()
    L("sqlalchemy_integrity_error.txt", str(e), "database", sav)
    sel_args = (text("SELECT * FROM invoices WHERE customer_id = :cid"), {"cid": 7})
    e = catch(conn.execute, *sel_args)
    conn.rollback()
    L("sqlalchemy_undefined_table_json.json", json.dumps({"detail": str(e)}), "database", sav)
    e = catch(conn.execute, *sel_args)
    conn.rollback()
    L("sqlalchemy_undefined_table_traceback.txt", tb(e)[-6000:], "stack_trace", sav + " traceback (tail 6000 chars)")
    eng_bad = create_engine("postgresql+psycopg2://shop_rw:s3cr3t-Pa55@127.0.0.1:%d/shop" % CLOSED)
    e = catch(eng_bad.connect)
    L("sqlalchemy_operational_error_connect.txt", str(e), "database", sav)
    dsn = "postgres//shop_rw:s3cr3t-Pa55@db-primary.internal:5432/shop"
    e = catch(create_engine, dsn)
    L("sqlalchemy_could_not_parse_url.txt", f"invalid DATABASE_URL {dsn!r}: {type(e).__name__}: {e}", "connection_string", f"SQLAlchemy {sqlalchemy.__version__} create_engine ArgumentError")
    url = "postgresql+psycopg2://shop_rw:s3cr3t-Pa55@127.0.0.1:%d/shop" % CLOSED
    e = catch(create_engine(url).connect)
    L("sqlalchemy_handler_logs_dsn.json",
      json.dumps({"error": f"could not connect to {url}", "reason": str(e.orig).strip()}),
      "connection_string", sav + "; handler echoes DATABASE_URL")
    sl = create_engine("sqlite:///:memory:")
    slc = sl.connect()
    slc.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)"))
    slc.execute(text("INSERT INTO users (email) VALUES ('x@example.com')"))
    e = catch(slc.execute, text("INSERT INTO users (email) VALUES (:e)"), {"e": "x@example.com"})
    L("sqlalchemy_sqlite_unique.txt", str(e), "database", f"SQLAlchemy {sqlalchemy.__version__} + sqlite3")

    # ---------------- database: MariaDB via pymysql ----------------
    import pymysql
    import importlib.metadata as md
    myv = f"mariadb 10.11 via pymysql {md.version('pymysql')}"
    mc = pymysql.connect(host="127.0.0.1", port=53306, user="shop", password="shop-pass", database="shop", autocommit=True)
    mcur = mc.cursor()
    e = catch(mcur.execute, "SELECT id, email FORM customers")
    L("mysql_syntax_error.txt", str(e), "database", myv)
    e = catch(mcur.execute, "INSERT INTO customers (email) VALUES ('dup@example.com')")
    L("mysql_duplicate_entry_json.json", json.dumps({"error": {"code": e.args[0], "message": e.args[1]}}), "database", myv)
    e = catch(mcur.execute, "SELECT * FROM invoices")
    L("mysql_table_doesnt_exist.txt", f"pymysql.err.{type(e).__name__}: {e}", "database", myv)
    e = catch(pymysql.connect, host="127.0.0.1", port=53306, user="shop", password="nope", database="shop")
    L("mysql_access_denied.txt", str(e), "database", myv)
    e = catch(pymysql.connect, host="127.0.0.1", port=CLOSED, user="shop", password="shop-pass", database="shop", connect_timeout=2)
    L("mysql_cant_connect_traceback.txt", tb(e), "stack_trace", myv + " traceback")

    # ---------------- database: Redis ----------------
    import redis
    rv = f"redis 7.0 via redis-py {redis.__version__}"
    r_noauth = redis.Redis(host="127.0.0.1", port=56379)
    e = catch(r_noauth.get, "session:42")
    L("redis_noauth.txt", f"redis.exceptions.{type(e).__name__}: {e}", "database", rv)
    r = redis.Redis(host="127.0.0.1", port=56379, password="r3d1s-Pa55")
    r.set("cart:42", "x")
    e = catch(r.lpush, "cart:42", "SKU-1")
    L("redis_wrongtype_json.json", json.dumps({"error": str(e)}), "database", rv)
    r.delete("cart:42")
    e = catch(redis.Redis(host="127.0.0.1", port=CLOSED).ping)
    L("redis_connection_refused.txt", str(e), "database", rv)
    L("redis_connection_refused_192_168.txt",
      str(e).replace("127.0.0.1:9", "192.168.10.21:6379"),
      "private_address", rv + "; 127.0.0.1:9 substituted with 192.168.10.21:6379")
    rurl = "redis://:r3d1s-Pa55@127.0.0.1:%d/0" % CLOSED
    e = catch(redis.Redis.from_url(rurl).ping)
    L("redis_url_with_password.txt", f"cache backend {rurl} unavailable: {e}", "connection_string", rv + "; handler echoes REDIS_URL")

    # ---------------- database: MongoDB (no server; closed port) ----------------
    import pymongo
    murl = "mongodb://orders_app:m0ng0-Pa55@127.0.0.1:%d/orders?authSource=admin" % CLOSED
    e = catch(pymongo.MongoClient(murl, serverSelectionTimeoutMS=300, connectTimeoutMS=300).orders.list_collection_names)
    L("mongodb_server_selection_timeout.txt", f"{type(e).__name__}: {e}", "database", f"pymongo {pymongo.version} (closed port, no server)")
    L("mongodb_uri_in_error_json.json", json.dumps({"error": "database unavailable", "uri": murl, "reason": str(e)[:200]}),
      "connection_string", f"pymongo {pymongo.version}; handler echoes MONGO_URL")

    # ---------------- private_address via requests ----------------
    import requests
    e = catch(requests.post, "http://127.0.0.1:%d/v1/charges" % CLOSED, json={"amount": 100}, timeout=2)
    L("requests_connection_refused_loopback.txt", str(e), "private_address", f"requests {requests.__version__}")
    L("requests_connection_refused_172_16.json",
      json.dumps({"error": "upstream error", "detail": str(e).replace("127.0.0.1", "172.16.4.20").replace("port=9", "port=8443")}),
      "private_address", f"requests {requests.__version__}; 127.0.0.1:9 substituted with 172.16.4.20:8443")
    import socket
    e = catch(socket.create_connection, ("127.0.0.1", CLOSED), timeout=2)
    L("python_connection_refused_errno111.txt", f"cannot reach payments at 10.20.0.15:8080: {e}", "private_address",
      f"{PYV} socket ConnectionRefusedError (real against 127.0.0.1:9), host text 10.20.0.15:8080 written by the handler")

    # ---------------- environment_dump ----------------
    rnd = random.Random(20240601)
    def rs(alphabet, n):
        return "".join(rnd.choice(alphabet) for _ in range(n))
    up, low, dig = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789"
    aws_id = "AKIA" + rs(up + "234567", 16)
    aws_secret = rs(up + low + dig + "/+", 40)
    fake_env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/home/app", "HOSTNAME": "api-7f9c6d5b8-x2kqp",
        "LANG": "C.UTF-8", "PYTHONPATH": "/srv/app", "APP_ENV": "production",
        "DATABASE_URL": "postgres://shop_rw:s3cr3t-Pa55@10.0.3.12:5432/shop",
        "REDIS_URL": "redis://:r3d1s-Pa55@10.0.3.20:6379/0",
        "AWS_ACCESS_KEY_ID": aws_id, "AWS_SECRET_ACCESS_KEY": aws_secret, "AWS_DEFAULT_REGION": "eu-west-1",
        "SECRET_KEY": rs(low + dig + "!@#$%^&*(-_=+)", 50),
        "STRIPE_SECRET_KEY": "sk_live_" + rs(up + low + dig, 24),
        "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443",
    }
    out = subprocess.run([sys.executable, "-c", "import os, json; print(json.dumps(dict(os.environ), indent=2))"],
                         env=fake_env, capture_output=True, text=True, check=True).stdout
    L("python_os_environ_json.json", out, "environment_dump", f"{PYV} json.dumps(dict(os.environ)) in a child with a fixed fake env")
    out = subprocess.run(["env"], env=fake_env, capture_output=True, text=True, check=True).stdout
    L("shell_env_output.txt", "debug info\n" + out, "environment_dump", "coreutils env (fixed fake env)")

    # ---------------- secret ----------------
    key = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
                         capture_output=True, text=True, check=True).stdout
    L("pem_rsa_private_key.txt", "failed to load TLS config, key was:\n" + key, "secret", "openssl genpkey RSA 1024 (fresh random key)")
    eckey = subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
                           capture_output=True, text=True, check=True).stdout
    L("pem_ec_private_key_json.json", json.dumps({"error": "signing failed", "signer": {"kid": "k1", "pem": eckey}}),
      "secret", "openssl genpkey EC P-256 (fresh random key) in JSON")
    L("aws_credentials_json.json", json.dumps({"error": "S3 upload failed: AccessDenied", "credentials": {
        "aws_access_key_id": aws_id, "aws_secret_access_key": aws_secret, "region": "eu-west-1"}}),
      "secret", "random.Random(20240601) fake AWS key pair")
    L("aws_credentials_ini.txt", "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (aws_id, aws_secret),
      "secret", "random.Random(20240601) fake AWS key pair, ~/.aws/credentials format")
    gh = "ghp_" + rs(up + low + dig, 36)
    L("github_token.json", json.dumps({"message": "git push failed", "remote": "https://x-access-token:%s@github.com/acme/shop.git" % gh}),
      "secret", "random.Random(20240601) fake ghp_ token")
    L("github_token_plain.txt", "clone failed with token %s: authentication required" % gh, "secret", "random.Random(20240601) fake ghp_ token")
    slack = "xoxb-%s-%s-%s" % (rs(dig, 12), rs(dig, 13), rs(up + low + dig, 24))
    L("slack_bot_token.txt", "notify(): slack client error invalid_auth for token %s" % slack, "secret", "random.Random(20240601) fake xoxb- token")
    stripe = "sk_live_" + rs(up + low + dig, 24)
    L("stripe_live_key_json.json", json.dumps({"error": {"type": "api_error", "message": "charge failed", "api_key": stripe}}), "secret",
      "random.Random(20240601) fake sk_live_ key")
    gkey = "AIza" + rs(up + low + dig + "-_", 35)
    L("google_api_key.txt", "Geocoding failed: https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=%s returned REQUEST_DENIED" % gkey,
      "secret", "random.Random(20240601) fake AIza key")
    import jwt
    hs = rs(up + low + dig, 32)
    tok = jwt.encode({"sub": "user-1842", "role": "admin", "iat": 1717200000, "exp": 1717203600}, hs, algorithm="HS256")
    L("jwt_and_signing_secret_json.json", json.dumps({"error": "token verification failed", "token": tok, "jwt_secret": hs}),
      "secret", f"PyJWT {jwt.__version__} HS256 with random secret")
    L("jwt_bearer_echo.txt", "Unauthorized request with header Authorization: Bearer %s (expected issuer https://auth.internal)" % tok,
      "secret", f"PyJWT {jwt.__version__} HS256")
    L("django_secret_key_in_error.txt", "ImproperlyConfigured: SECRET_KEY %r is too short for signing backend" % fake_env["SECRET_KEY"][:20],
      "secret", "random.Random(20240601) fake Django SECRET_KEY")

    # ---------------- connection_string ----------------
    cfg = {"service": "orders", "database": {"url": "postgresql://orders:0rd3rs-Pa55@db-primary.internal:5432/orders", "pool_size": 10},
           "cache": {"url": "redis://:r3d1s-Pa55@cache.internal:6379/2"},
           "broker": "amqp://orders:r4bb1t-Pa55@rabbitmq.internal:5672/%2Forders"}
    L("config_echo_json.json", json.dumps({"error": "configuration invalid: pool_size must be <= 5", "config": cfg}, indent=2),
      "connection_string", f"{PYV} json.dumps of a config dict")
    e = catch(pymysql.connect, host="127.0.0.1", port=CLOSED, user="shop", password="shop-pass", database="shop", connect_timeout=2)
    L("mysql_url_in_error.txt", "mysql://shop:shop-pass@127.0.0.1:%d/shop -> %s" % (CLOSED, e), "connection_string",
      myv + "; handler echoes the URL")


if __name__ == "__main__":
    main()
