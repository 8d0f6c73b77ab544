"""Benign bodies: legitimate client-facing errors that must pass through unchanged.

Most are application-style bodies built by this script (json.dumps with fixed
content / random.Random(seed) data); GraphQL errors are produced by really
running graphql-core; a few copy documented examples and say so in `source`.
Run: python3 benign_gen.py (venv with graphql-core)."""
import gzip
import json
import os
import random
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpuslib import write  # noqa: E402

HOW = "generate/benign_gen.py"
SYN = "synthetic app body (python json.dumps)"


def B(name, data, source=SYN):
    write("benign/" + name, data, "benign", "-", source, HOW)


def J(obj, **kw):
    return json.dumps(obj, **kw)


def main():
    # ---------- GraphQL (real graphql-core) ----------
    import graphql
    from graphql import build_schema, graphql_sync
    schema = build_schema("""
        type User { id: ID!, email: String!, name: String }
        type Query { user(id: ID!): User, users(first: Int): [User!]! }
    """)
    gv = f"graphql-core {graphql.__version__} (result.formatted)"
    for name, q, variables in [
        ("graphql_unknown_field.json", "{\n  user(id: \"1\") {\n    id\n    emial\n  }\n}", None),
        ("graphql_syntax_error.json", "{\n  users(first: 10) {\n    id\n", None),
        ("graphql_variable_type_error.json", "query Q($n: Int) { users(first: $n) { id } }", {"n": "ten"}),
        ("graphql_missing_argument.json", "{ user { id name } }", None),
    ]:
        res = graphql_sync(schema, q, variable_values=variables)
        B(name, J({"errors": res.formatted["errors"]}), gv)

    # ---------- RFC 9457 problem+json ----------
    B("problem_json_validation_rfc9457.json", J({
        "type": "https://example.net/validation-error", "title": "Your request is not valid.",
        "errors": [{"detail": "must be a positive integer", "pointer": "#/age"},
                   {"detail": "must be 'green', 'red' or 'blue'", "pointer": "#/profile/color"}]}, indent=2),
      "hand-written from documented format (RFC 9457 section 3 example)")
    B("problem_json_out_of_credit_rfc9457.json", J({
        "type": "https://example.com/probs/out-of-credit", "title": "You do not have enough credit.",
        "detail": "Your current balance is 30, but that costs 50.", "instance": "/account/12345/msgs/abc",
        "balance": 30, "accounts": ["/account/12345", "/account/67890"]}, indent=2),
      "hand-written from documented format (RFC 9457 section 3 example)")
    B("problem_json_not_found.json", J({"type": "about:blank", "title": "Not Found", "status": 404,
                                        "detail": "Order 8812 was not found.", "instance": "/orders/8812"}))
    B("jsonapi_errors_source_pointer.json", J({"errors": [
        {"status": "422", "source": {"pointer": "/data/attributes/email"}, "title": "Invalid Attribute",
         "detail": "Email must contain an @ character."},
        {"status": "422", "source": {"pointer": "/data/attributes/password"}, "title": "Invalid Attribute",
         "detail": "Password must be at least 12 characters long."}]}), SYN + ", JSON:API error format")

    # ---------- OAuth2 (RFC 6749 / 6750 error format) ----------
    B("oauth2_invalid_grant.json", J({"error": "invalid_grant", "error_description": "The provided authorization code is invalid, expired, or revoked."}), SYN + ", RFC 6749 error format")
    B("oauth2_invalid_token.json", J({"error": "invalid_token", "error_description": "The access token expired"}), SYN + ", RFC 6750 error format")
    B("oauth2_invalid_client.json", J({"error": "invalid_client", "error_description": "Client authentication failed (unknown client or unsupported authentication method)."}), SYN + ", RFC 6749 error format")
    B("oauth2_invalid_scope.json", J({"error": "invalid_scope", "error_description": "The requested scope is invalid, unknown, or malformed: admin:org", "error_uri": "https://auth.example.com/docs/errors#invalid_scope"}), SYN + ", RFC 6749 error format")

    # ---------- rate limiting ----------
    B("rate_limit_429.json", J({"error": "rate_limited", "message": "Too many requests. Please retry after 30 seconds.", "retry_after": 30, "limit": 100, "remaining": 0, "reset": 1717203600}))
    B("rate_limit_429.txt", "Too Many Requests: rate limit of 60 requests per minute exceeded for this API key. Try again in 12 seconds.\n")
    B("rate_limit_429_ip.json", J({"error": "too_many_requests", "message": "Your IP address 203.0.113.45 has made too many requests. Please slow down."}))

    # ---------- ordinary user-facing messages with trigger words ----------
    B("email_already_registered.json", J({"error": "conflict", "message": "The email address is already registered."}))
    B("csv_upload_line_error.json", J({"error": "invalid_upload", "message": "Invalid value at line 3 of your CSV upload: column 'price' must be a number.",
                                       "line": 3, "column": "price"}))
    B("csv_upload_errors_list.json", J({"message": "Import failed. Fix the rows below and upload the file again.", "errors": [
        {"row": 4, "column": 2, "message": "Date '31/02/2024' does not exist."},
        {"row": 9, "column": 5, "message": "Quantity must be between 1 and 999."},
        {"row": 17, "column": 1, "message": "SKU 'AB-00X' was not found in your catalog."}]}, indent=2))
    B("internal_error_reference.json", J({"error": "internal_error", "message": "An internal error occurred. Please try again later.", "reference": "ERR-7F3A9C21"}))
    B("internal_error_trace_id.json", J({"error": "internal_error", "message": "Something went wrong on our side.", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "request_id": "req_01HZX3K8Q2M9V7"}))
    B("database_unavailable_user_message.json", J({"error": "service_unavailable", "message": "Our database is temporarily unavailable for maintenance. Please retry in a few minutes."}))
    B("exception_word_in_sentence.txt", "The export failed: an exception was raised while generating your report. Our team has been notified. Reference 55120.\n")
    B("payment_declined.json", J({"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                                            "message": "Your card has insufficient funds.", "doc_url": "https://stripe.com/docs/error-codes/card-declined"}}), SYN + ", Stripe-style error shape")
    B("api_version_required.json", J({"error": "unsupported_version", "message": "This endpoint requires API version 2.1 or later; you sent 1.9.", "docs": "https://example.com/docs/errors#E123"}))
    B("docs_url_error.txt", "Error E123: the 'currency' parameter is required. See https://example.com/docs/errors#E123 for details.\n")
    B("invalid_email_echo.json", J({"error": "validation_failed", "message": "'bob@@example..com' is not a valid email address.", "field": "email"}))
    B("invalid_credentials.json", J({"error": "unauthorized", "message": "Invalid username or password."}))
    B("forbidden_project.json", J({"error": "forbidden", "message": "You do not have permission to delete this project."}))
    B("api_key_revoked.json", J({"error": "unauthorized", "message": "Your API key is invalid or has been revoked. Create a new key in the dashboard."}))
    B("masked_api_key.json", J({"error": "forbidden", "message": "The API key sk_live_****************4242 does not have the 'refunds:write' permission."}))
    B("password_policy.json", J({"errors": {"password": ["must be at least 12 characters", "must contain a digit"], "password_confirmation": ["doesn't match Password"]}}))
    B("field_named_stack.json", J({"errors": {"stack": ["can't be blank"], "trace": ["is not a valid option"], "path": ["must start with a slash"]}}), SYN + " (field names stack/trace/path)")
    B("route_path_in_message.json", J({"error": "not_found", "message": "No route matches GET /api/v3/widgets/{id}/variants", "documentation_url": "https://developer.example.com/rest"}))
    B("conflict_etag.json", J({"error": "precondition_failed", "message": "The resource was modified since you last fetched it.", "current_etag": "W/\"a1b2c3d4\""}))
    B("gone_410.txt", "This invitation link has expired. Ask the project owner to send a new one.\n")
    B("cursor_base64.json", J({"error": "invalid_cursor", "message": "The pagination cursor is malformed.", "cursor": "eyJvZmZzZXQiOjEwMH0="}), SYN + " (base64 cursor starting eyJ, not a JWT)")
    B("k8s_status_not_found.json", J({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "pods \"web-7d4b9c-x2\" not found", "reason": "NotFound", "details": {"name": "web-7d4b9c-x2", "kind": "pods"}, "code": 404}), SYN + ", Kubernetes Status shape")
    B("s3_nosuchkey.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>photos/2024/cat.jpg</Key><RequestId>4442587FB7D0A2F9</RequestId><HostId>TWFrZVVwVGhpc0hvc3RJZFRvby1qdXN0LWEtdGVzdC12YWx1ZQ==</HostId></Error>', SYN + ", S3 XML error shape")
    B("yaml_line_column_user_input.json", J({"error": "invalid_config", "message": "Your workflow file is invalid: mapping values are not allowed here at line 7, column 12."}))
    B("japanese_message.json", J({"error": "conflict", "message": "このメールアドレスは既に登録されています。"}, ensure_ascii=False))
    B("upload_too_large.txt", "Upload failed: the file is 14.2 MB, which exceeds the 10 MB limit.\n")
    B("semver_in_text.json", J({"error": "incompatible_client", "message": "Client 3.4.0 is no longer supported. Please upgrade to version 4.2.1 or newer."}))
    B("maintenance_503.json", J({"error": "maintenance", "message": "We are performing scheduled maintenance until 14:00 UTC.", "status_page": "https://status.example.com"}))

    # ---------- hand-designed HTML pages ----------
    B("site_404_page.html", """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Page not found · Acme Store</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;color:#222}a{color:#0a58ca}</style></head>
<body><h1>We can't find that page</h1>
<p>The page you were looking for may have moved, or the link may be wrong.</p>
<p><a href="/">Go to the homepage</a> or <a href="/search">search the store</a>.</p>
<footer><small>Error 404</small></footer></body></html>
""", "hand-written (plain site-style 404 page)")
    B("site_500_page.html", """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Something went wrong · Acme Store</title></head>
<body><main><h1>Sorry, something went wrong.</h1>
<p>We hit an unexpected error while loading this page. Please try again in a moment.</p>
<p>If the problem continues, contact support and mention reference <code>c7e1-55aa</code>.</p></main></body></html>
""", "hand-written (plain site-style 500 page)")

    # ---------- size: ~1 KiB and ~64 KiB JSON, ~64 KiB HTML ----------
    rnd = random.Random(1234)
    words = ("oak walnut steel linen wool ceramic glass modern classic compact sturdy lightweight handmade "
             "desk chair lamp shelf table rug mirror cabinet stool bench vase basket").split()

    def sentence(n):
        return " ".join(rnd.choice(words) for _ in range(n)).capitalize() + "."

    def product(i):
        return {"id": i, "sku": "SKU-%05d" % i, "name": " ".join(rnd.choice(words) for _ in range(3)).title(),
                "price": round(rnd.uniform(5, 900), 2), "in_stock": rnd.random() > 0.3,
                "description": " ".join(sentence(rnd.randint(8, 14)) for _ in range(2))}
    small = {"error": "validation_failed", "message": "Some items in your cart are no longer available.",
             "items": [product(i) for i in range(1, 4)]}
    s = J(small)
    while len(s) < 1000:
        small["items"].append(product(len(small["items"]) + 1)); s = J(small)
    B("json_about_1kib.json", s)
    big = {"error": "partial_failure", "message": "Some products could not be updated; the current catalog page is included.", "products": []}
    i = 0
    while len(J(big)) < 64 * 1024 - 400:
        i += 1; big["products"].append(product(i))
    B("json_about_64kib.json", J(big))
    parts = ["<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>API reference – Errors</title></head><body>",
             "<h1>API reference: error handling</h1><p>The requested page was not found in this version of the documentation. Related sections are listed below.</p>"]
    sec = 0
    while sum(len(p) for p in parts) < 64 * 1024 - 600:
        sec += 1
        parts.append("<section id=\"s%d\"><h2>%d. %s</h2><p>%s</p><p>%s</p><pre><code>GET /v2/items?page=%d HTTP/1.1\nAccept: application/json</code></pre></section>"
                     % (sec, sec, sentence(4), " ".join(sentence(12) for _ in range(4)), " ".join(sentence(10) for _ in range(3)), sec))
    parts.append("</body></html>")
    B("html_docs_about_64kib.html", "".join(parts), SYN + " (random.Random(1234) documentation page)")

    # ---------- non-UTF-8 / binary ----------
    def png(w, h):
        raw = b"".join(b"\x00" + b"".join(bytes((x * 16 % 256, y * 16 % 256, 128)) for x in range(w)) for y in range(h))
        def chunk(t, d):
            return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    B("binary_png_16x16.png", png(16, 16), "python zlib/struct PNG (placeholder image body of a 404)")
    B("binary_gzip_json_error.gz", gzip.compress(J({"error": "not_found", "message": "Image not found."}).encode(), mtime=0),
      "python gzip.compress(mtime=0) of a JSON error (body stored compressed)")
    B("latin1_not_found.txt", "Kunde nicht gefunden: Müller, Jürgen (Nr. 4711)\n".encode("latin-1"), "python str.encode('latin-1') (non-UTF-8 text)")
    B("binary_protobuf_like.bin", bytes([0x08, 0x05, 0x12, 0x14]) + b"resource not found: 7" + bytes(rnd.randrange(256) for _ in range(24)),
      "python bytes (gRPC-status-like protobuf framing + random tail, random.Random(1234))")


if __name__ == "__main__":
    main()
