//! Unit tests of the built-in catalogue: every regex compiles, and each
//! category finds real-looking leaks and leaves real-looking clean bodies.

use super::catalogue::{Confirm, CATALOGUE, MAX_AFTER, MAX_BEFORE};
use super::detector::{compile, MAX_LITERAL};
use super::{Category, Detector};
use std::sync::LazyLock;

static DETECTOR: LazyLock<Detector> = LazyLock::new(Detector::new);

/// Each body is detected by the default detector (in whatever category comes
/// first in the body), and by a detector with only `category` enabled; both
/// whole and chunked at every 7 bytes.
#[track_caller]
fn leaks(category: Category, bodies: &[&str]) {
    let mut only = Detector::builder();
    for c in Category::ALL {
        if c != category {
            only = only.disable(c);
        }
    }
    let only = only.build().unwrap_or_else(|e| panic!("{e}"));
    for body in bodies {
        assert!(
            DETECTOR.scan(body.as_bytes()).is_some(),
            "not detected: {body:?}"
        );
        match only.scan(body.as_bytes()) {
            Some(f) => assert_eq!(f.category(), category, "{}", f.signature()),
            None => panic!("not detected as {category}: {body:?}"),
        }
        let chunks: Vec<&[u8]> = body.as_bytes().chunks(7).collect();
        assert!(
            only.scan_chunks(&chunks).is_some(),
            "not detected in chunks: {body:?}"
        );
    }
}

#[track_caller]
fn clean(bodies: &[&str]) {
    for body in bodies {
        if let Some(f) = DETECTOR.scan(body.as_bytes()) {
            panic!(
                "false positive {} ({}) at {} in {body:?}",
                f.signature(),
                f.category(),
                f.offset()
            );
        }
    }
}

#[test]
fn every_builtin_regex_compiles_and_windows_are_bounded() {
    let mut names = std::collections::HashSet::new();
    for sig in CATALOGUE {
        assert!(names.insert(sig.name), "duplicate name {}", sig.name);
        assert!(!sig.anchors.is_empty(), "{} has no anchor", sig.name);
        for anchor in sig.anchors {
            assert!(
                !anchor.is_empty() && anchor.len() <= MAX_LITERAL,
                "{}: anchor {anchor:?}",
                sig.name
            );
        }
        assert!(usize::from(sig.before) <= MAX_BEFORE, "{}", sig.name);
        assert!(usize::from(sig.after) <= MAX_AFTER, "{}", sig.name);
        if let Confirm::Regex(pattern) = sig.confirm {
            if let Err(e) = compile(pattern, false) {
                panic!("{}: {e}", sig.name);
            }
        }
    }
    // The default detector keeps every signature.
    let debug = format!("{:?}", *DETECTOR);
    assert!(
        debug.contains(&format!("signatures: {}", CATALOGUE.len())),
        "{debug}"
    );
}

#[test]
fn every_category_has_signatures() {
    for category in Category::ALL {
        if category == Category::Custom {
            continue;
        }
        let n = CATALOGUE.iter().filter(|s| s.category == category).count();
        assert!(n >= 3, "{category}: {n} signatures");
    }
}

#[test]
fn stack_traces() {
    leaks(
        Category::StackTrace,
        &[
            "thread 'tokio-runtime-worker' panicked at src/handlers/users.rs:42:18:\ncalled `Option::unwrap()` on a `None` value",
            "thread 'main' panicked at 'index out of bounds: the len is 3 but the index is 7', src/main.rs:12:5",
            "stack backtrace:\n   0: rust_begin_unwind\n             at /rustc/82e1608dfa6e0b5569232559e3d385fea5a93112/library/std/src/panicking.rs:645:5",
            r#"{"error":"Os { code: 2, kind: NotFound, message: \"No such file or directory\" }"}"#,
            r#"failed: Custom { kind: InvalidData, error: "stream did not contain valid UTF-8" }"#,
            r#"upstream: reqwest::Error { kind: Request, url: "http://billing/v1", source: hyper::Error(Connect) }"#,
            "java.lang.IllegalStateException: boom\n\tat com.example.orders.OrderService.place(OrderService.java:88)\n\tat com.example.orders.OrderController.create(OrderController.java:41)",
            "org.springframework.web.util.NestedServletException: Request processing failed\nCaused by: java.lang.NullPointerException: Cannot invoke \"String.length()\"",
            "Exception in thread \"main\" java.lang.RuntimeException: boom",
            "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 27, in create\n    user = User.objects.get(pk=pk)\nKeyError: 'pk'",
            r#"{"detail":"  File \"/usr/local/lib/python3.11/site-packages/starlette/routing.py\", line 677, in __call__"}"#,
            "AttributeError: 'NoneType' object has no attribute 'email'",
            "ConnectionRefusedError: [Errno 111] Connection refused",
            "TypeError: Cannot read properties of undefined (reading 'id')\n    at getUser (/app/src/users.js:14:22)\n    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)",
            r#"{"message":"boom","stack":"Error: boom\n    at Object.<anonymous> (/app/index.js:3:9)\n    at Module._compile (node:internal/modules/cjs/loader:1256:14)"}"#,
            r#"{"stack":"Error: boom\n    at <anonymous>"}"#,
            "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a2b3c]\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d",
            "goroutine 34 [running]:\nnet/http.(*conn).serve.func1()\n\t/usr/local/go/src/net/http/server.go:1868 +0x8e",
            "System.NullReferenceException: Object reference not set to an instance of an object.\n   at Api.Controllers.UsersController.Get(Int32 id) in C:\\src\\Api\\Controllers\\UsersController.cs:line 42",
            "   at Api.Services.Db.Query()\n--- End of stack trace from previous location ---\n   at Api.Program.Main()",
            "<br />\n<b>Fatal error</b>:  Uncaught Error: Call to undefined function foo() in /var/www/html/index.php:3\nStack trace:\n#0 {main}\n  thrown in <b>/var/www/html/index.php</b> on line <b>3</b><br />",
            "PHP Warning:  Undefined variable $user in /var/www/html/profile.php on line 12",
            "NoMethodError (undefined method `name' for nil:NilClass):\n  app/controllers/users_controller.rb:12:in `show'",
            "/usr/local/bundle/gems/actionpack-7.1.2/lib/action_controller/metal.rb:227:in 'dispatch'",
            "java.lang.OutOfMemoryError: Java heap space",
        ],
    );
}

#[test]
fn stack_trace_look_alikes_are_clean() {
    clean(&[
        "Failed to deserialize the JSON body into the target type: missing field `name` at line 1 column 12",
        "Failed to parse the request body as JSON: expected value at line 1 column 1",
        "Expected request with `Content-Type: application/json`",
        r#"{"errors":[{"message":"Cannot query field \"nme\" on type \"User\".","locations":[{"line":1,"column":9}]}]}"#,
        r#"{"detail":[{"loc":["body","email"],"msg":"value is not a valid email address","type":"value_error.email"}]}"#,
        r#"{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","status":403,"detail":"Your current balance is 30, but that costs 50.","instance":"/account/12345/msgs/abc"}"#,
        "<!DOCTYPE html><html><head><title>Error</title></head><body><pre>Cannot GET /api/v2/userz</pre></body></html>",
        "An exception occurred while processing your request. Please try again at 10:30.",
        "Internal Server Error",
        "Invalid input: the field `stack` must be one of: rust, go, java.",
        r#"{"error":"validation failed","fields":{"kind":"must be one of: a, b"}}"#,
        "Download our app at https://example.com/app.js or read the docs.",
        "Type mismatch: expected a number for `limit`.",
        "Unknown field 'colour' at line 3 of your CSV upload.",
    ]);
}

#[test]
fn database_errors() {
    leaks(
        Category::Database,
        &[
            "ERROR:  duplicate key value violates unique constraint \"users_email_key\"\nDETAIL:  Key (email)=(a@b.c) already exists.",
            r#"{"error":"error returned from database: relation \"userz\" does not exist"}"#,
            "pq: column \"emial\" of relation \"users\" does not exist",
            "ERROR: syntax error at or near \"SELEC\"\nLINE 1: SELEC * FROM users",
            "SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry 'a@b.c' for key 'users.email'",
            "ERROR: relation \"orders\" does not exist (SQLSTATE 42P01)",
            "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'FROM' at line 1",
            r#"{"code":"ER_NO_SUCH_TABLE","errno":1146,"sqlMessage":"Table 'shop.userz' doesn't exist","sql":"SELECT * FROM userz"}"#,
            "Unknown column 'nme' in 'field list'",
            "sqlite3.OperationalError: no such table: users",
            "UNIQUE constraint failed: users.email",
            "Unclosed quotation mark after the character string ''.",
            "Msg 102, Level 15, State 1, Line 1\nIncorrect syntax near 'FROM'.",
            "ORA-00942: table or view does not exist",
            "MongoServerError: E11000 duplicate key error collection: shop.users index: email_1 dup key: { email: \"a@b.c\" }",
            "WRONGTYPE Operation against a key holding the wrong kind of value",
            "NOAUTH Authentication required.",
            r#"Database(PgDatabaseError { severity: Error, code: "23505", message: "duplicate key value violates unique constraint" })"#,
            r#"DatabaseError(UniqueViolation, "duplicate key value violates unique constraint \"users_email_key\"")"#,
            "(psycopg2.errors.UndefinedTable) relation \"x\" does not exist\n[SQL: SELECT * FROM x]\n(Background on this error at: https://sqlalche.me/e/20/f405)",
            "(sqlite3.IntegrityError) UNIQUE constraint failed: user.email",
            "ActiveRecord::RecordNotUnique",
            "PrismaClientKnownRequestError: \nInvalid `prisma.user.create()` invocation:\n\nUnique constraint failed on the fields: (`email`)",
            "FATAL:  password authentication failed for user \"app\"",
            "Access denied for user 'root'@'172.18.0.3' (using password: YES)",
            "[Microsoft][ODBC SQL Server Driver][SQL Server]Invalid object name 'users'.",
        ],
    );
}

#[test]
fn database_look_alikes_are_clean() {
    clean(&[
        "Your password must contain at least one digit.",
        "The requested user does not exist.",
        r#"{"error":"A user with this email already exists."}"#,
        "Duplicate request: an order with this idempotency key already exists.",
        "Syntax help: use key=value pairs.",
        "Order violates our terms of service and was rejected.",
        "This username is not available; no such luck.",
        "The constraint `max_items` failed: at most 10 items per order.",
        "We store your data in PostgreSQL databases in the EU.",
        "ERROR: invalid input",
        "MongoDB Atlas is our database provider.",
        "USER_NOT_FOUND",
        "ORDER_STATUS_INVALID",
        "Data source: Eurostat, 2023.",
        "Our PostgreSQL server is being upgraded tonight; the MySQL server too.",
        "Unknown column 'colour' in your CSV upload.",
        "I got a MySQL error yesterday, but the MySQL query works now.",
    ]);
}

#[test]
fn file_paths() {
    leaks(
        Category::FilePath,
        &[
            "error at /home/deploy/api/src/db.rs:88:14",
            "open /srv/app/config/settings.yaml: no such file or directory",
            "ENOENT: no such file or directory, open '/app/config/local.json'",
            "Could not load /var/www/html/config/database.php",
            "File D:\\a\\1\\s\\Api\\Program.cs missing",
            "template not found: C:\\inetpub\\wwwroot\\views\\home.cshtml",
            "assertion failed at lib/billing/invoice.go:214",
        ],
    );
}

#[test]
fn file_path_look_alikes_are_clean() {
    clean(&[
        "See https://example.com/home/index.html for details.",
        "<script src=\"/static/app.js\"></script>",
        "Upload a .py or .rs file, max 1 MB.",
        "The route /users/:id expects a number.",
        "Files under /uploads/ are public.",
        "No such file: report-2024.csv was never uploaded.",
    ]);
}

#[test]
fn connection_strings() {
    leaks(
        Category::ConnectionString,
        &[
            "could not connect: postgres://app:hunter2@db.internal:5432/shop",
            r#"{"url":"mongodb+srv://admin:S3cr3t@cluster0.abcde.mongodb.net/prod"}"#,
            "jdbc:mysql://db.prod.internal:3306/shop?user=app&password=x",
            "Server=sql01;Database=Shop;User Id=sa;Password=P@ssw0rd;",
            "Data Source=10.0.0.5;Initial Catalog=Shop;Integrated Security=True",
            "host=db port=5432 user=app password=hunter2 dbname=shop",
        ],
    );
}

#[test]
fn connection_string_look_alikes_are_clean() {
    clean(&[
        "Visit https://example.com/docs?id=1 or mailto:help@example.com",
        "https://user@example.com/ is not a valid redirect",
        "The password= parameter is deprecated; use a token.",
        r#"{"source":"web","server":"eu-1"}"#,
        "?utm_source=newsletter&utm_medium=email",
    ]);
}

#[test]
fn secrets() {
    leaks(
        Category::Secret,
        &[
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA",
            "credentials: AKIAIOSFODNN7EXAMPLE",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "token ghp_0123456789abcdefghijABCDEFGHIJ012345 rejected",
            "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx",
            "stripe key sk_live_4eC39HqLyjWDarjtT1zdp7dc invalid",
            "key=AIzaSyA-1234567890abcdefghijklmnopqrstu",
            "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ],
    );
}

#[test]
fn secret_look_alikes_are_clean() {
    clean(&[
        "The public key could not be parsed.",
        "ASIAN markets closed.",
        "Your access key has expired; create a new one in the console.",
        "github.com/org/repo is private",
        "sk_test_ keys are not accepted in production",
        "Invalid token.",
    ]);
}

#[test]
fn version_banners() {
    leaks(
        Category::VersionBanner,
        &[
            "<address>Apache/2.4.57 (Debian) Server at example.com Port 80</address>",
            "<hr><center>nginx/1.22.1</center>",
            "Server: Microsoft-IIS/10.0",
            "X-Powered-By: PHP/8.2.7",
            "Werkzeug/3.0.1 Python/3.11.7",
            "<h3>Apache Tomcat/9.0.83</h3>",
            "Powered by Jetty:// 9.4.51.v20230217",
            "Version Information: Microsoft .NET Framework Version:4.0.30319; ASP.NET Version:4.8.4465.0",
        ],
    );
}

#[test]
fn banner_look_alikes_are_clean() {
    clean(&[
        "X-Powered-By: Express",
        "<hr><center>nginx</center>",
        "Requires PHP 8.1 or later.",
        "We run Apache Kafka 3.6 for events.",
        "Version 10.2.3 is out.",
        "Jetty is a Java web server.",
    ]);
}

#[test]
fn debug_pages() {
    leaks(
        Category::DebugPage,
        &[
            "<title>KeyError: 'user' // Werkzeug Debugger</title>",
            "<p>The debugger caught an exception in your WSGI application.</p><div class=\"footer\">Brought to you by <strong class=\"arthur\">DON'T PANIC</strong>, your friendly Werkzeug powered traceback interpreter.</div>",
            "You're seeing this error because you have <code>DEBUG = True</code> in your Django settings file.",
            "<tr><th scope=\"row\">Django Version:</th><td>4.2.7</td></tr>",
            "<title>Action Controller: Exception caught</title>",
            "Whoops! There was an error.",
            "<h1>Server Error in '/' Application.<hr width=100% size=1 color=silver></h1>",
            "<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error</p>",
            "<pre>Error: boom<br> &nbsp; &nbsp;at /app/routes/index.js:5:9<br> &nbsp; &nbsp;at Layer.handle</pre>",
            "Microsoft VBScript runtime error '800a000d'",
            "Illuminate\\Database\\QueryException",
        ],
    );
}

#[test]
fn debug_page_look_alikes_are_clean() {
    clean(&[
        "Whoops! Something went wrong. Please try again.",
        "We use Django and Rails.",
        "Server error. Please contact support.",
        "DEBUG mode is off.",
        "<p>Price:&nbsp;10&nbsp;EUR</p>",
        "Microsoft Teams integration is unavailable.",
    ]);
}

#[test]
fn environment_dumps() {
    leaks(
        Category::EnvironmentDump,
        &[
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOSTNAME=a1b2c3",
            "HOME=/root\nTERM=xterm",
            "DB_PASSWORD=hunter2\nREDIS_URL=redis://cache:6379",
            r#"{"env":{"NODE_ENV":"production","JWT_SECRET":"abc123"}}"#,
            "<title>PHP 8.2.7 - phpinfo()</title><h1 class=\"p\">PHP Version 8.2.7</h1>",
            "ReferenceError: process.env is not iterable",
        ],
    );
}

#[test]
fn environment_look_alikes_are_clean() {
    clean(&[
        "PATH must be absolute.",
        "Set TOKEN in the request header.",
        "Your PASSWORD is too short.",
        "HOME is where the heart is.",
        r#"{"SECRET":"must not be empty"}"#,
        r#"{"errors":{"API_KEY":"required","DB_HOST":"required"}}"#,
        "Missing settings:\nDB_PASSWORD=\nREDIS_URL=",
    ]);
}

#[test]
fn private_addresses() {
    leaks(
        Category::PrivateAddress,
        &[
            "connect ECONNREFUSED 10.0.3.7:5432",
            "dial tcp 172.18.0.4:6379: connect: connection refused",
            "Failed to connect to 192.168.1.20 port 3306: Connection refused",
            "Error: connect ECONNREFUSED 127.0.0.1:6379",
            "Error: getaddrinfo ENOTFOUND postgres",
            "connection to localhost:5432 refused",
        ],
    );
}

#[test]
fn private_address_look_alikes_are_clean() {
    clean(&[
        "Release 10.2.3.4 fixes the login bug.",
        "Origin http://localhost:3000 is not allowed by CORS policy.",
        "Open http://127.0.0.1:8000/docs for the API docs.",
        "Public DNS 8.8.8.8:53 is unreachable.",
        "Prices rose 10.5% in 172 stores.",
    ]);
}

#[test]
fn custom_literals_regexes_allow_and_disable() {
    let detector = Detector::builder()
        .literal("ticket", "INTERNAL-TICKET-")
        .regex("customer", r"CUST-\d{6}")
        .allow("see Traceback (most recent call last) in the tutorial")
        .disable(Category::VersionBanner)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let f = detector.scan(b"ref INTERNAL-TICKET-42").unwrap();
    assert_eq!(
        (f.category(), f.signature(), f.offset()),
        (Category::Custom, "ticket", 4)
    );
    let f = detector.scan(b"order for CUST-123456 failed").unwrap();
    assert_eq!((f.signature(), f.offset()), ("customer", 10));
    assert!(detector.scan(b"nginx/1.25.3").is_none());
    assert!(detector
        .scan(b"Help: see Traceback (most recent call last) in the tutorial.")
        .is_none());
    assert!(detector
        .scan(b"Traceback (most recent call last):\n  File \"x.py\", line 1")
        .is_some());
    // Disabling Custom disables builder signatures.
    let detector = Detector::builder()
        .literal("ticket", "INTERNAL-TICKET-")
        .disable(Category::Custom)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(detector.scan(b"ref INTERNAL-TICKET-42").is_none());
    // Re-enabling works.
    let detector = Detector::builder()
        .disable(Category::StackTrace)
        .enable(Category::StackTrace)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(detector
        .scan(b"Traceback (most recent call last):")
        .is_some());
}

#[test]
fn builder_errors_name_the_signature() {
    let err = Detector::builder()
        .regex("broken", "(unclosed")
        .build()
        .unwrap_err();
    assert_eq!(err.signature(), "broken");
    assert!(err.to_string().contains("broken"), "{err}");
    assert!(err.to_string().contains("regex"), "{err}");
    let err = Detector::builder()
        .literal("empty", "")
        .build()
        .unwrap_err();
    assert_eq!(err.signature(), "empty");
    let err = Detector::builder()
        .literal("long", "x".repeat(300))
        .build()
        .unwrap_err();
    assert_eq!(err.signature(), "long");
    assert!(Detector::builder().allow("").build().is_err());
    let err = Detector::builder()
        .regex("huge", r"\w{1000}\w{1000}\w{1000}")
        .build();
    assert!(err.is_err());
}

#[test]
fn headers() {
    use http::{HeaderName, HeaderValue};
    let check = |n: &'static str, v: &'static str| {
        DETECTOR.scan_header(&HeaderName::from_static(n), &HeaderValue::from_static(v))
    };
    assert_eq!(
        check("x-debug-token", "abc").unwrap().category(),
        Category::DebugPage
    );
    assert_eq!(
        check("x-exception", "boom").unwrap().category(),
        Category::StackTrace
    );
    assert_eq!(
        check("x-stacktrace", "x").unwrap().category(),
        Category::StackTrace
    );
    assert_eq!(
        check("x-trace", "y").unwrap().category(),
        Category::StackTrace
    );
    assert_eq!(
        check("x-sql-query", "z").unwrap().category(),
        Category::Database
    );
    assert_eq!(
        check("x-powered-by", "PHP/8.2.7").unwrap().category(),
        Category::VersionBanner
    );
    assert_eq!(
        check("x-error", "java.lang.NullPointerException")
            .unwrap()
            .category(),
        Category::StackTrace
    );
    assert!(check(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    )
    .is_none());
    assert!(check("x-trace-id", "4bf92f3577b34da6").is_none());
    assert!(check("x-request-id", "4bf92f3577b34da6").is_none());
    assert!(check("x-powered-by", "Express").is_none());
    assert!(check("content-type", "application/problem+json").is_none());
}

#[test]
fn arbitrary_bytes_do_not_panic() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet: &[u8] =
        b"0123456789.:/\\@'\"<>{}()[] \n\tSQLExceptionPHPkind: at .rs:.js:\xff\xfe\x00\xc3";
    for len in [0usize, 1, 2, 3, 5, 17, 100, 1000, 5000] {
        for _ in 0..50 {
            let body: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let whole = DETECTOR.scan(&body);
            let chunked = DETECTOR.scan_chunks(body.chunks(1 + (next() % 64) as usize));
            assert!(whole.is_none() || chunked.is_some(), "{body:?}");
        }
    }
    let huge = vec![0xffu8; 4 << 20];
    assert!(DETECTOR.scan(&huge).is_none());
}
