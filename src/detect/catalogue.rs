//! The built-in signatures, by category.
//!
//! Every signature has a stable `name` (reported by
//! [`Finding::signature`](super::Finding::signature)), one or more *anchors*
//! and a *confirmation*:
//!
//! - An anchor is a short, distinctive, case-sensitive literal. All anchors of
//!   all signatures go into one Aho-Corasick prefilter; nothing else runs on a
//!   body in which no anchor occurs. Anchors are chosen for rarity in ordinary
//!   text (JSON, HTML, prose): a leading letter whose case varies is dropped
//!   (`yntax ` matches `syntax` and `Syntax`), and a shared fragment serves many
//!   signatures (`SQL` serves `SQLSTATE[`, `[SQL: `, `MySQL Error`, …).
//! - The confirmation runs only around an anchor hit: a regular expression
//!   searched in the window from `before` bytes before the anchor to `after`
//!   bytes after its end, or a small hand-written check, or nothing when the
//!   anchor alone is conclusive.
//!
//! Generic words (`error`, `exception`, `line`, `Internal Server Error`) are
//! never enough on their own: every anchor that occurs in ordinary error
//! messages has a confirmation that demands a runtime-, driver- or
//! framework-specific shape.

use super::category::Category;

/// Largest `before` window of any signature (bytes).
pub(crate) const MAX_BEFORE: usize = 256;
/// Largest `after` window of any signature (bytes).
pub(crate) const MAX_AFTER: usize = 384;

/// How an anchor hit is confirmed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Confirm {
    /// The anchor alone is conclusive.
    Anchor,
    /// A regular expression (compiled ASCII-only, over bytes) must match in
    /// the window around the anchor.
    Regex(&'static str),
    /// `scheme://user:password@host` around a `://` anchor (hand-written:
    /// URLs are common in benign bodies, so this check must be cheap).
    UrlUserinfo,
    /// A private, loopback or link-local dotted quad starting at the anchor,
    /// followed by a port (`:5432`, ` port 5432`, `', 5432`).
    PrivateIpv4,
    /// `localhost:PORT` or `[::1]:PORT` that is not the host of an `http://`
    /// URL.
    LoopbackName,
}

/// One built-in signature.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signature {
    pub(crate) name: &'static str,
    pub(crate) category: Category,
    pub(crate) anchors: &'static [&'static str],
    pub(crate) confirm: Confirm,
    pub(crate) before: u16,
    pub(crate) after: u16,
}

const fn sig(
    name: &'static str,
    category: Category,
    anchors: &'static [&'static str],
    confirm: Confirm,
    before: u16,
    after: u16,
) -> Signature {
    Signature {
        name,
        category,
        anchors,
        confirm,
        before,
        after,
    }
}

use Category::*;
use Confirm::{Anchor, LoopbackName, PrivateIpv4, Regex, UrlUserinfo};

/// The catalogue. Within one anchor, signatures are tried in this order, so
/// the more specific category comes first (a Python frame is a stack trace
/// before it is a file path).
pub(crate) static CATALOGUE: &[Signature] = &[
    // ───────────────────────────── stack traces ─────────────────────────────
    // Rust ≥ 1.73: `thread 'main' panicked at src/main.rs:4:5:`; older:
    // `thread 'main' panicked at 'boom', src/main.rs:4:5`.
    sig(
        "rust_panic",
        StackTrace,
        &["panicked at"],
        Regex(r#"panicked at (?:'[^\n]{0,200}', )?[^\s:'"]{1,200}\.rs:\d+:\d+"#),
        0,
        300,
    ),
    // RUST_BACKTRACE=1 frame location lines: `             at ./src/main.rs:5:5`
    // or `at /rustc/<hash>/library/std/src/panicking.rs:665:5`.
    sig(
        "rust_backtrace_frame",
        StackTrace,
        &[".rs:"],
        Regex(r"\bat (?:\./|/)?[\w./@+-]{0,200}\.rs:\d+:\d+"),
        220,
        24,
    ),
    // The header line std prints before the frames: `stack backtrace:` then
    // `   0: rust_begin_unwind`.
    sig(
        "rust_backtrace_header",
        StackTrace,
        &["tack"],
        Regex(r"[Ss]tack backtrace:(?:\s|\\n)+0: "),
        1,
        40,
    ),
    // `Debug` output of error values, e.g. `format!("{e:?}")` on std::io::Error
    // (`Os { code: 2, kind: NotFound, message: "No such file or directory" }`,
    // `Custom { kind: InvalidData, error: .. }`, `Error { kind: UnexpectedEof,
    // message: .. }`) or reqwest (`reqwest::Error { kind: Request, url: .. }`).
    sig(
        "rust_debug_error_kind",
        StackTrace,
        &["{ kind: ", ", kind: "],
        Regex(r"\b[A-Z]\w* \{ (?:code: -?\d+, )?kind: [A-Z]\w*"),
        40,
        32,
    ),
    // JVM frames: `\tat com.example.Svc.find(Svc.java:42)`, Java 9+ module
    // frames `at java.base/java.lang.Thread.run(Thread.java:833)`, Kotlin.
    sig(
        "jvm_frame",
        StackTrace,
        &[".java:"],
        Regex(r"\bat [\w$.<>/-]{1,200}\([\w$-]{1,100}\.(?:java|kt|scala|groovy):\d+\)"),
        240,
        16,
    ),
    // JVM exception chains: `Caused by: java.net.ConnectException: ..`.
    sig(
        "jvm_caused_by",
        StackTrace,
        &["Caused by: "],
        Regex(r"Caused by: [a-zA-Z_$][\w$]*(?:\.[\w$]+)+"),
        0,
        200,
    ),
    // Qualified exception class names (JVM, .NET, PHP namespaces excluded):
    // `java.lang.NullPointerException`, `System.InvalidOperationException`,
    // `org.hibernate.exception.ConstraintViolationException`; well-known
    // unqualified driver/runtime exceptions (`SQLException`, `PDOException`,
    // `NullReferenceException`); `Exception in thread "main"`; Tomcat's
    // `Exception report` page; Django's technical 500 `Exception Value:`.
    sig(
        "qualified_exception",
        StackTrace,
        &["Exception"],
        Regex(concat!(
            r#"\b[a-zA-Z_$][\w$]*(?:\.[\w$]+)+Exception\b"#,
            r#"|\b(?:NullPointer|NumberFormat|ClassCast|ArrayIndexOutOfBounds|StringIndexOutOfBounds"#,
            r#"|IndexOutOfBounds|IllegalState|ConcurrentModification|UnsupportedOperation|SQL|Sql|PSQL"#,
            r#"|SQLSyntaxError|SQLIntegrityConstraintViolation|OleDb|Odbc|PDO|NullReference|InvalidCast"#,
            r#"|ArgumentNull|ArgumentOutOfRange|ObjectDisposed|DbUpdate|KeyNotFound|NoSuchElement"#,
            r#"|DataIntegrityViolation|BadSqlGrammar|LazyInitialization|Mongo|Jdbc|Hibernate)Exception\b"#,
            r#"|Exception in thread "|Exception report|Exception (?:Value|Location|Type):"#,
        )),
        200,
        40,
    ),
    // `java.lang.OutOfMemoryError`, `java.lang.StackOverflowError`.
    sig(
        "jvm_error_class",
        StackTrace,
        &[".lang."],
        Regex(r"java\.lang\.[A-Z]\w*(?:Error|Exception)\b"),
        4,
        60,
    ),
    // CPython: `Traceback (most recent call last):`.
    sig(
        "python_traceback",
        StackTrace,
        &["Traceback (most recent call last)"],
        Anchor,
        0,
        0,
    ),
    // CPython frames `  File "/app/main.py", line 12, in handler`, also
    // JSON-escaped (`File \"/app/main.py\", line 12`).
    sig(
        "python_frame",
        StackTrace,
        &["File \"", "File \\\""],
        Regex(r#"File \\?"[^"\n]{1,240}?\\?", line \d+"#),
        0,
        300,
    ),
    // `AttributeError: 'NoneType' object has no attribute 'id'`,
    // `module 'os' has no attribute 'x'`.
    sig(
        "python_attribute_error",
        StackTrace,
        &["' object has", "NoneType"],
        Regex(r"'[\w.]+' object has no attribute '|'NoneType' object"),
        100,
        40,
    ),
    // OSError text: `[Errno 111] Connection refused`, `[Errno 2] No such file`.
    sig(
        "python_errno",
        StackTrace,
        &["[Errno "],
        Regex(r"\[Errno -?\d+\] [A-Za-z]"),
        0,
        24,
    ),
    // Node.js frames `    at handler (/app/src/index.js:12:5)`,
    // `    at /app/index.js:5:9`, TypeScript via source maps.
    sig(
        "node_frame",
        StackTrace,
        &[".js:", ".ts:"],
        Regex(r"(?:\(|\bat )(?:file://)?[^\s()'\x22]{0,240}\.(?:[cm]?js|jsx|tsx?):\d+:\d+"),
        250,
        24,
    ),
    // Node.js core frames `at node:internal/modules/cjs/loader:1256:14`.
    sig(
        "node_internal_frame",
        StackTrace,
        &["node:internal"],
        Regex(r"node:internal/[\w/.-]{1,120}:\d+"),
        0,
        140,
    ),
    // Go goroutine dumps and panics: frames `\t/app/main.go:42 +0x1d`
    // under `goroutine 1 [running]:`.
    sig(
        "go_stack_frame",
        StackTrace,
        &["+0x"],
        Regex(r"\.go:\d+ \+0x[0-9a-f]+"),
        16,
        24,
    ),
    // Go runtime panics without the dump: `runtime error: invalid memory
    // address or nil pointer dereference`, `index out of range [5] ..`.
    sig(
        "go_runtime_error",
        StackTrace,
        &["runtime error: "],
        Regex(concat!(
            r"runtime error: (?:invalid memory address|index out of range|slice bounds out of range",
            r"|integer divide by zero|assignment to entry in nil map|makeslice|hash of unhashable)",
        )),
        0,
        60,
    ),
    // .NET frames with symbols `at Api.Controllers.UsersController.Get(Int32 id)
    // in C:\src\Api\Controllers\UsersController.cs:line 42`.
    sig(
        "dotnet_frame",
        StackTrace,
        &[":line "],
        Regex(r"\.(?:cs|vb|fs):line \d+"),
        4,
        16,
    ),
    // .NET async/inner-exception separators.
    sig(
        "dotnet_stack_separator",
        StackTrace,
        &["--- End of "],
        Regex(r"--- End of (?:stack trace from previous location|inner exception stack trace)"),
        0,
        60,
    ),
    // PHP error locations: `in /var/www/html/index.php on line 12`, HTML form
    // `in <b>/var/www/x.php</b> on line <b>3</b>`, `/var/www/x.php:12`,
    // stack frames `#0 /var/www/x.php(12): PDO->query()`, and Laravel's debug
    // JSON `"file":"/var/www/app/X.php","line":20`.
    sig(
        "php_error_location",
        StackTrace,
        &[".php"],
        Regex(concat!(
            r"\.(?:php|inc|phtml)(?:</b>)? on line (?:<b>)?\d+",
            r"|\.php:\d+",
            r"|#\d+ [^\s()]{1,200}\.php\(\d+\): ",
            r#"|\.php\\?"\s*,\s*\\?"line\\?"\s*:\s*\d+"#,
        )),
        210,
        40,
    ),
    // PHP's `Stack trace:` followed by frame `#0`.
    sig(
        "php_stack_trace",
        StackTrace,
        &["tack"],
        Regex(r"[Ss]tack trace:(?:\s|<br\s*/?>|\\n)*#0 "),
        1,
        40,
    ),
    // PHP error prefixes as in its log and display output: `PHP Fatal error:`,
    // `PHP Warning:`, CodeIgniter's `A PHP Error was encountered`.
    sig(
        "php_error_prefix",
        StackTrace,
        &["PHP "],
        Regex(
            r"PHP (?:Fatal error|Parse error|Warning|Notice|Deprecated|Error)\b|A PHP Error was encountered",
        ),
        2,
        40,
    ),
    // Ruby frames `from /app/lib/x.rb:12:in 'block in <main>'` (and backtick).
    sig(
        "ruby_frame",
        StackTrace,
        &[".rb:"],
        Regex(r"\.rb:\d+:in [`']"),
        0,
        24,
    ),
    // Stack traces inside JSON strings: `"stack":"Error: x\n    at f (..)"`
    // (the `\n` is the two bytes backslash and n), `"stackTrace":["at ..."]`.
    sig(
        "json_stack_field",
        StackTrace,
        &["tack"],
        Regex(concat!(
            r#""stack(?:_?[Tt]race)?\\?"\s*:\s*(?:\\?"[^"]{0,320}?\\n\s*(?:at |File |#\d|from )"#,
            r#"|\[\s*"?\s*(?:at |File ))"#,
        )),
        2,
        384,
    ),
    // serde_json errors in `Debug` output: `Error("expected value", line: 1,
    // column: 21)` (the `Display` form, `expected value at line 1 column 21`,
    // is a legitimate client-facing message and is not flagged).
    sig(
        "rust_debug_serde_error",
        StackTrace,
        &[", line: "],
        Regex(r#"Error\("[^"\n]{0,200}", line: \d+, column: \d+\)"#),
        220,
        40,
    ),
    // tokio `JoinError::Panic(Id(16), "…", ..)` / `JoinError::Cancelled`.
    sig(
        "tokio_join_error",
        StackTrace,
        &["JoinError::"],
        Anchor,
        0,
        0,
    ),
    // ─────────────────────────── database errors ────────────────────────────
    // Constraint violations: PostgreSQL `duplicate key value violates unique
    // constraint "users_email_key"`, SQLite `UNIQUE constraint failed:
    // users.email`, Prisma `Unique constraint failed on the fields: (`email`)`,
    // Spring `constraint [users_email_key]`, PDO `Integrity constraint
    // violation`.
    sig(
        "sql_constraint_violation",
        Database,
        &["onstraint"],
        Regex(concat!(
            r"violates (?:unique|foreign key|not-null|check|exclusion) constraint",
            r"|(?:UNIQUE|NOT NULL|CHECK|FOREIGN KEY|PRIMARY KEY) constraint failed",
            r"|[Uu]nique constraint failed on the (?:fields|constraint)",
            r"|[Ff]oreign key constraint (?:failed|violated) on the",
            r"|; constraint \[[\w.]+\]",
            r"|Integrity constraint violation",
        )),
        48,
        40,
    ),
    // PostgreSQL undefined objects: `relation "users" does not exist`,
    // `column "x" of relation "y" does not exist` (also JSON-escaped).
    sig(
        "postgres_undefined_object",
        Database,
        &["does not exist"],
        Regex(concat!(
            r#"\b(?:column|relation|database|role|schema|function|type|operator|sequence|index|table"#,
            r#"|constraint|extension|view) \\?"[^"\n]{1,128}\\?"(?: of relation \\?"[^"\n]{1,128}\\?")?"#,
            r#" does not exist"#,
        )),
        256,
        16,
    ),
    // MySQL: `Table 'shop.userz' doesn't exist`.
    sig(
        "mysql_missing_table",
        Database,
        &["doesn't exist"],
        Regex(r"Table '[^'\n]{1,128}' doesn't exist"),
        140,
        16,
    ),
    // SQL syntax errors: PostgreSQL `syntax error at or near "SELEC"`,
    // `at end of input` and `invalid input syntax for type integer: "abc"`,
    // MySQL `You have an error in your SQL syntax`, SQL Server `Incorrect
    // syntax near`, Access/JET `Syntax error (missing operator) in query
    // expression`.
    sig(
        "sql_syntax_error",
        Database,
        &["yntax"],
        Regex(concat!(
            r"syntax error at (?:or near|end of input)|invalid input syntax for (?:type )?\w+: ",
            r"|error in your SQL syntax|check the manual that corresponds to your (?:MySQL|MariaDB) server",
            r"|Incorrect syntax near",
            r"|[Ss]yntax error (?:\([^)\n]{0,60}\) )?in (?:string in )?query expression",
        )),
        40,
        60,
    ),
    // Everything that says SQL in a driver-specific way: PDO `SQLSTATE[23000]`,
    // pgx `(SQLSTATE 42P01)`, JDBC `SQLState: 23505`, SQLAlchemy `[SQL: ..]`,
    // Oracle `SQL command not properly ended`, `unexpected end of SQL
    // command`, `Invalid SQL:`, SQLite result codes `SQLITE_CONSTRAINT`,
    // legacy driver names (`MySQL Error`, `[SQL Server]`, `PostgreSQL query
    // failed`, `mySQL error with query`, `not a valid MySQL result`).
    sig(
        "sql_driver_error",
        Database,
        &["SQL"],
        Regex(concat!(
            r#"SQLSTATE\[?\s*[0-9A-Z]{5}|SQLState\\?"?\s*[:=]?\s*\\?"?[0-9A-Z]{5}"#,
            r"|\[SQL: |Invalid SQL:|SQL command not properly ended|end of SQL command",
            r"|SQLITE_[A-Z]{3,}|SQL(?:Syntax|IntegrityConstraintViolation|NonTransient|Transient)\w*Exception",
            r"|MySQL (?:Driver|Error|ODBC)\b|mySQL (?:error with query|query error)",
            r"|(?:MySQL|PostgreSQL) (?:result|query failed)|connect to (?:local )?(?:MySQL|PostgreSQL) server",
            r"|MySQL server version for the right syntax",
            r"|\[SQL Server(?: Driver)?\]|SQL Server Driver|JDBC SQL|ODBC SQL",
        )),
        24,
        60,
    ),
    // mysql/mysql2 for Node.js error codes: `"code":"ER_DUP_ENTRY"`.
    sig(
        "mysql_error_code",
        Database,
        &["\"ER_", "'ER_", " ER_", "(ER_"],
        Regex(r"\bER_[A-Z][A-Z0-9_]{2,}"),
        1,
        40,
    ),
    // MySQL: `Duplicate entry 'a@b.c' for key 'users.email'`.
    sig(
        "mysql_duplicate_entry",
        Database,
        &["Duplicate entry"],
        Regex(r"Duplicate entry '[^'\n]{0,200}' for key"),
        0,
        240,
    ),
    // MySQL: `Unknown column 'x' in 'field list'` (the clause is required: an
    // application's own `Unknown column 'x'` about an upload is not a leak),
    // `Unknown table 'x'`, `Unknown database 'shop'`.
    sig(
        "mysql_unknown_object",
        Database,
        &["Unknown "],
        Regex(
            r"Unknown column '[^'\n]{1,128}' in '[a-z ]{1,40}'|Unknown (?:table|database) '[^'\n]{1,128}'",
        ),
        0,
        160,
    ),
    // Further MySQL server messages (ZAP's MySQL list): `No database selected`,
    // `Column count doesn't match value count at row 1`, `Incorrect column
    // name`, `Access denied for user
    // 'root'@'localhost'`; PostgreSQL `password authentication failed for
    // user`, SQL Server `Login failed for user 'sa'`.
    sig(
        "sql_server_message",
        Database,
        &[
            "No database selected",
            "Column",
            "Incorrect column",
            "for user ",
        ],
        Regex(concat!(
            r"No database selected|Column count doesn't match value count",
            r"|Incorrect column (?:name|specifier)",
            r"|password authentication failed for user|Login failed for user '",
            r"|Access denied for user '[^'\n]{0,64}'@'",
        )),
        40,
        80,
    ),
    // SQLite: `no such table: users`, `no such column: x`.
    sig(
        "sqlite_missing_object",
        Database,
        &["o such "],
        Regex(r"no such (?:table|column|function|index|collation|savepoint): "),
        1,
        24,
    ),
    // SQL Server: `Unclosed quotation mark after the character string`.
    sig(
        "mssql_unclosed_quotation",
        Database,
        &["Unclosed quotation mark"],
        Anchor,
        0,
        0,
    ),
    // SQL Server: `Msg 102, Level 15, State 1, Line 1`.
    sig(
        "mssql_message_header",
        Database,
        &[", Level "],
        Regex(r"Msg \d+, Level \d+, State \d+"),
        12,
        24,
    ),
    // ODBC/OLE DB driver chains: `[Microsoft][ODBC SQL Server Driver][SQL
    // Server]`, `ODBC Microsoft Access Driver`, `[Informix][Informix ODBC
    // Driver]`, `ODBC Error`, `Microsoft OLE DB Provider for SQL Server`,
    // `OLE/DB provider returned message`, `Microsoft JET Database Engine`.
    sig(
        "odbc_oledb_error",
        Database,
        &["ODBC", "OLE DB", "OLE/DB", "[Microsoft]["],
        Regex(concat!(
            r"\[(?:Microsoft|ODBC|Informix|DataDirect|unixODBC|MySQL|IBM)\]\[",
            r"|ODBC (?:Microsoft Access |SQL Server |Informix |Oracle |DB2 )?(?:[Dd]river|Error)",
            r"|ODBC (?:DB2|Oracle)|(?:MySQL|DB2) ODBC|Microsoft Access Driver",
            r"|OLE DB Provider for|OLE/DB provider returned message|OLE DB provider \x22",
            r"|Microsoft JET Database Engine|Microsoft\.(?:Data\.SqlClient|EntityFrameworkCore)\.",
        )),
        24,
        60,
    ),
    // Oracle: `ORA-00942: table or view does not exist`.
    sig(
        "oracle_error_code",
        Database,
        &["ORA-"],
        Regex(r"\bORA-\d{4,5}\b"),
        1,
        8,
    ),
    // Oracle/DB2/JDBC driver names (ZAP's list): `Oracle Error`, `DB2 SQL
    // error: SQLCODE=-204`, `[IBM][CLI Driver][DB2/6000]`, `JDBC Driver`.
    sig(
        "legacy_driver_name",
        Database,
        &["Oracle ", "DB2", "JDBC"],
        Regex(concat!(
            r"Oracle (?:DB2|Driver|Error|ODBC)\b|\bDB2 (?:Driver|Error|ODBC|SQL [Ee]rror)",
            r"|\[DB2/\w+\]|(?:ODBC|Oracle) DB2|JDBC (?:Driver|Error|MySQL|Oracle|SQL)|\[[\w ]{0,40}JDBC Driver\]",
        )),
        24,
        40,
    ),
    // Classic ASP ADO objects: `ADODB.Field error '800a0bcd'`.
    sig(
        "adodb_error",
        Database,
        &["ADODB."],
        Regex(r"ADODB\.[A-Z]\w+"),
        0,
        24,
    ),
    // PHP's database functions in warnings: `mysql_query():`, `pg_exec()
    // query failed:`, `PostgreSQL query failed: ERROR:`.
    sig(
        "php_db_query_failed",
        Database,
        &["(): "],
        Regex(r"\b(?:mysqli?|pg|oci|sqlsrv|mssql|sqlite|odbc|ibase|db2)_\w+\(\): "),
        40,
        4,
    ),
    // MongoDB drivers: `MongoServerError: E11000 duplicate key error
    // collection: shop.users index: email_1`, `MongoNetworkError`.
    sig(
        "mongodb_error",
        Database,
        &["Mongo", "E11000"],
        Regex(r"Mongo\w{0,30}(?:Error|Exception)\b|E11000 duplicate key"),
        0,
        40,
    ),
    // Redis replies: `WRONGTYPE Operation against a key holding the wrong kind
    // of value`, `NOAUTH Authentication required.`, `ERR unknown command`.
    sig(
        "redis_error_reply",
        Database,
        &["WRONGTYPE", "NOAUTH", "ERR ", "redis.exceptions."],
        Regex(concat!(
            r"WRONGTYPE Operation|\bNOAUTH |redis\.exceptions\.[A-Z]\w+",
            r"|\bERR (?:unknown command|wrong number of arguments|syntax error|value is not an integer",
            r"|invalid password|Client sent AUTH|max number of clients|DB index is out of range|invalid DB index)",
        )),
        1,
        48,
    ),
    // Rust sqlx and diesel `Debug` output: `Database(PgDatabaseError {
    // severity: Error, code: "23505", ..`, `DatabaseError(UniqueViolation, ..)`.
    sig(
        "rust_db_error_debug",
        Database,
        &["DatabaseError"],
        Regex(r"(?:Pg|MySql|Sqlite|Mssql|Any)?DatabaseError\s*[{(]"),
        8,
        4,
    ),
    // Python drivers and SQLAlchemy: `psycopg2.errors.UniqueViolation`,
    // `(sqlite3.IntegrityError) UNIQUE ..`, `(pymysql.err.OperationalError)`.
    sig(
        "python_db_driver_error",
        Database,
        &["psycopg", "Error) "],
        Regex(r"psycopg2?\.(?:errors\.\w+|[A-Z]\w+)|\((?:[a-z_]\w*\.)+[A-Z]\w*Error\) "),
        80,
        40,
    ),
    // Rails: `ActiveRecord::RecordNotUnique`, `PG::UniqueViolation`.
    sig(
        "ruby_db_error",
        Database,
        &["ActiveRecord::", "PG::"],
        Regex(r"(?:ActiveRecord|\bPG)::[A-Z]\w+"),
        0,
        48,
    ),
    // Prisma: `PrismaClientKnownRequestError`, ``Invalid `prisma.user.create()`
    // invocation``.
    sig(
        "prisma_error",
        Database,
        &["Prisma", "`prisma."],
        Regex(r"PrismaClient\w*Error|Invalid `prisma\.\w+\.\w+\(\)` invocation"),
        9,
        48,
    ),
    // The failing statement echoed as JSON (mysql for Node.js): `"sql":"SELECT
    // * FROM userz"`.
    sig(
        "sql_statement_json",
        Database,
        &["sql\""],
        Regex(
            r#""sql"\s*:\s*"\s*(?i:select|insert|update|delete|with|create|alter|drop|replace)\b"#,
        ),
        0,
        48,
    ),
    // sqlx::Error variants in `Debug` output: `ColumnNotFound("name")`,
    // `RowNotFound`, `PoolTimedOut`, `ColumnDecode { index: .. }`.
    sig(
        "sqlx_error_debug",
        Database,
        &["NotFound", "Pool", "Column"],
        Regex(concat!(
            r"\b(?:ColumnNotFound|TypeNotFound|ColumnDecode|ColumnIndexOutOfBounds)\s*[({]",
            r"|\b(?:RowNotFound|PoolTimedOut|PoolClosed)\b",
        )),
        24,
        8,
    ),
    // ────────────────────────────── file paths ──────────────────────────────
    // A source file with a line number: `src/handlers/user.rs:42:9`,
    // `/app/main.go:42`, `/srv/app/views.py", line 12`, `/var/www/x.php on
    // line 3`, `C:\src\Api\X.cs:line 42`, `/app/tests/test_x.py:12:`.
    sig(
        "source_path_with_line",
        FilePath,
        &[
            ".rs:",
            ".js:",
            ".ts:",
            ".go:",
            ".rb:",
            ".py:",
            ".java:",
            ".php",
            "File \"",
            "File \\\"",
            ":line ",
        ],
        Regex(concat!(
            r"(?:[A-Za-z]:)?(?:[\w.@+~-]+[/\\]+)+[\w.@+~-]+\.(?:rs|py|[cm]?js|jsx|tsx?|go|rb|php|java|kt|cs|vb|cfm)",
            r#"(?::\d+|\\?", line \d+|(?:</b>)? on line (?:<b>)?\d+|\(\d+\)|:line \d+)"#,
        )),
        250,
        24,
    ),
    // A source or configuration file under a home, web-root or service
    // directory, even without a line number: `/home/deploy/app/settings.py`,
    // `/var/www/html/config.php`, `/srv/api/.env`, `/root/app/main.go`.
    sig(
        "server_source_path",
        FilePath,
        &["/home/", "/var/www/", "/srv/", "/root/"],
        Regex(concat!(
            r"(?:/home/[\w.-]+|/root|/var/www|/srv)/[^\s\x22'<>()\[\]{}|,;:=]{0,200}?",
            r"\.(?:rs|py|[cm]?js|jsx|tsx?|go|rb|php|java|kt|cs|ex|exs|erl|pl|pm|lua|c|cc|cpp|h|hpp|scala|inc",
            r"|sh|env|ya?ml|toml|ini|conf|cfg|json|sqlite3?|db|pem|crt|key|sql)\b",
        )),
        0,
        230,
    ),
    // Windows paths of sources, binaries and configuration, also JSON-escaped:
    // `C:\inetpub\wwwroot\web.config`, `D:\a\1\s\Api\Program.cs`.
    sig(
        "windows_source_path",
        FilePath,
        &["C:\\", "D:\\"],
        Regex(concat!(
            r"[A-Z]:\\\\?(?:inetpub|Users|Windows\\\\?Microsoft\.NET|Program Files|src|Projects|home|www)\\",
            r#"|[A-Z]:\\\\?(?:[^\\\s\x22'<>|:*?]{1,100}\\\\?)+[^\\\s\x22'<>|:*?]{1,100}"#,
            r"\.(?:cs|vb|fs|cshtml|vbhtml|aspx|ascx|asax|config|dll|pdb|php|py|js|ts|java|rb|go|rs|cfm|inc|asp)\b",
        )),
        1,
        300,
    ),
    // File-system errors naming a path: Go `open /srv/app/config.yaml: no
    // such file or directory`, Node `ENOENT: no such file or directory, open
    // '/app/x.json'`, Python `No such file or directory: '/srv/data.csv'`.
    sig(
        "fs_error_path",
        FilePath,
        &["o such ", "ENOENT", "EACCES"],
        Regex(concat!(
            r"[Nn]o such file or directory @ \w+ - (?:[A-Za-z]:)?[/\\]|",
            r"(?:ENOENT|EACCES)[^\n]{0,200}?[\s'\x22:](?:[A-Za-z]:)?[/\\][\w.@-]+[/\\]|",
            r"(?:[A-Za-z]:)?[/\\][^\s:'\x22]{1,200}: [Nn]o such file or directory",
            r"|[Nn]o such file or directory(?::|,)? (?:open |stat |lstat |scandir )?'?(?:[A-Za-z]:)?[/\\]",
        )),
        220,
        230,
    ),
    // ────────────────────────── connection strings ──────────────────────────
    // `postgres://app:hunter2@db:5432/shop`, `mongodb+srv://u:p@cluster0`,
    // `redis://:secret@cache:6379`, also with PHP's escaped slashes (`:\/\/`).
    sig(
        "url_credentials",
        ConnectionString,
        &["://", ":\\/\\/"],
        UrlUserinfo,
        32,
        260,
    ),
    // JDBC URLs name internal hosts and often carry `password=`:
    // `jdbc:postgresql://db.internal:5432/shop?user=app&password=x`.
    sig(
        "jdbc_url",
        ConnectionString,
        &["jdbc:"],
        Regex(r"jdbc:[a-z][a-z0-9]*:[^\s\x22'<>]{3,}"),
        0,
        200,
    ),
    // ADO.NET and libpq key/value strings: `Server=db01;Database=shop;User
    // Id=sa;Password=x;`, `Data Source=10.0.0.5;Initial Catalog=shop`,
    // `host=db port=5432 user=app password=secret`.
    sig(
        "key_value_connection_string",
        ConnectionString,
        &["ource=", "assword="],
        Regex(concat!(
            r"(?i)(?:data source|server|address|addr)\s*=\s*[^;\x22'<>\s]{1,128}\s*;[^\x22'<>\n]{0,256}?",
            r"(?:password|pwd|user id|uid|initial catalog|database|integrated security|trusted_connection)\s*=",
            r"|(?:user id|uid)\s*=\s*[^;\x22'<>\n]{1,64};\s*(?:password|pwd)\s*=\s*[^;\x22'<>\s]",
            r"|\b(?:host|hostaddr)=[\w.-]+\s[^\n\x22]{0,128}?\bpassword=[^\s\x22']",
        )),
        256,
        300,
    ),
    // Credentials after `//` in a setting that failed to parse: `invalid
    // DATABASE_URL 'postgres//app:s3cret@db:5432/shop'`.
    sig(
        "url_setting_credentials",
        ConnectionString,
        &["_URL", "_URI"],
        Regex(r"_(?:URL|URI)\b\W{0,8}[\w+.-]*:?//[^\s/:@'\x22]{0,64}:[^\s/@'\x22]{1,128}@[\w\[]"),
        0,
        240,
    ),
    // ──────────────────────────────── secrets ───────────────────────────────
    // PEM/OpenSSH/PGP private keys.
    sig(
        "private_key_pem",
        Secret,
        &["PRIVATE KEY"],
        Regex(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
        40,
        20,
    ),
    // AWS access key ids (long-term `AKIA…`, temporary `ASIA…`).
    sig(
        "aws_access_key_id",
        Secret,
        &["AKIA", "ASIA"],
        Regex(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        1,
        24,
    ),
    // AWS secret access key assignments: `aws_secret_access_key = wJalr…`,
    // `"SecretAccessKey":"…"`.
    sig(
        "aws_secret_access_key",
        Secret,
        &["_access_key", "SECRET", "AccessKey"],
        Regex(r#"(?i)secret_?access_?key\\?["']?\s*[:=]\s*\\?["']?[A-Za-z0-9/+]{40}"#),
        24,
        70,
    ),
    // GitHub tokens: classic `ghp_…`, fine-grained `github_pat_…`.
    sig(
        "github_token",
        Secret,
        &["ghp_", "github_pat_"],
        Regex(r"\b(?:ghp_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})"),
        1,
        100,
    ),
    // Slack tokens `xoxb-…`, `xoxp-…`.
    sig(
        "slack_token",
        Secret,
        &["xox"],
        Regex(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
        1,
        80,
    ),
    // Stripe live secret and restricted keys `sk_live_…`, `rk_live_…`.
    sig(
        "stripe_live_key",
        Secret,
        &["k_live_"],
        Regex(r"\b[rs]k_live_[A-Za-z0-9]{16,}"),
        2,
        120,
    ),
    // Google API keys `AIza…` (39 characters).
    sig(
        "google_api_key",
        Secret,
        &["AIza"],
        Regex(r"\bAIza[0-9A-Za-z_-]{35}"),
        1,
        40,
    ),
    // JSON Web Tokens (header `{"alg"`, `{"typ"` or `{"kid"`, then a payload).
    sig(
        "json_web_token",
        Secret,
        &["eyJ"],
        Regex(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}"),
        1,
        384,
    ),
    // Django's `SECRET_KEY` quoted in a settings error: `SECRET_KEY
    // 'uf1o8&pr..' is too short`, `SECRET_KEY = "..."`.
    sig(
        "framework_secret_key",
        Secret,
        &["SECRET"],
        Regex(r#"SECRET_KEY\\?["']?\s*[:=]?\s*\\?["'][^"'\s]{8,}"#),
        0,
        200,
    ),
    // ─────────────────────────────── banners ────────────────────────────────
    // Apache httpd `Apache/2.4.57 (Debian) Server at example.com Port 80`,
    // `Apache/2.4.57`, Tomcat `Apache Tomcat/9.0.83`.
    sig(
        "apache_banner",
        VersionBanner,
        &["Apache/", "Apache Tomcat/", "Apache Server at"],
        Regex(concat!(
            r"Apache/\d+\.\d+|Apache Tomcat/\d+",
            r"|Apache(?: \([^)\n]{1,40}\))?(?: [\w/.-]+){0,8} Server at [\w.-]+ Port \d+",
        )),
        0,
        300,
    ),
    // nginx error pages `<center>nginx/1.22.1</center>`.
    sig(
        "nginx_banner",
        VersionBanner,
        &["nginx/"],
        Regex(r"nginx/\d+\.\d+"),
        0,
        12,
    ),
    // IIS `Microsoft-IIS/10.0`.
    sig(
        "iis_banner",
        VersionBanner,
        &["Microsoft-IIS/"],
        Regex(r"Microsoft-IIS/\d+\.\d+"),
        0,
        16,
    ),
    // PHP `PHP/8.2.7` (X-Powered-By, Apache signatures).
    sig(
        "php_banner",
        VersionBanner,
        &["PHP/", "PHP "],
        Regex(r"PHP/\d+\.\d+|PHP \d+\.\d+\.\d+ Development Server"),
        0,
        40,
    ),
    // Werkzeug `Werkzeug/3.0.1 Python/3.11.7` (its development server).
    sig(
        "werkzeug_banner",
        VersionBanner,
        &["Werkzeug"],
        Regex(r"Werkzeug/\d+\.\d+"),
        0,
        16,
    ),
    // Jetty `Powered by Jetty:// 9.4.51`, `Jetty(9.4.51.v20230217)`.
    sig(
        "jetty_banner",
        VersionBanner,
        &["Jetty"],
        Regex(r"Jetty\(\d+\.\d+|Jetty:// ?\d+\.\d+|Jetty/\d+\.\d+"),
        0,
        24,
    ),
    // Header dumps: `X-Powered-By: PHP/8.2.7`, `X-AspNet-Version: 4.0.30319`
    // (but not `X-Powered-By: Express`, which names no version).
    sig(
        "powered_by_version",
        VersionBanner,
        &["X-Powered-By", "X-AspNet"],
        Regex(r"X-Powered-By:\s*[\w .-]{0,30}/\d+\.\d+|X-AspNet(?:Mvc)?-Version:\s*\d"),
        0,
        60,
    ),
    // ASP.NET yellow-screen footer `ASP.NET Version:4.8.4465.0`.
    sig(
        "aspnet_version",
        VersionBanner,
        &["ASP.NET"],
        Regex(r"ASP\.NET Version: ?\d+\.\d+"),
        0,
        24,
    ),
    // JVM version strings: `OpenJDK 64-Bit Server VM 17.0.15+6-Debian`,
    // `Java HotSpot(TM) 64-Bit Server VM 21.0.2+13`.
    sig(
        "jvm_version",
        VersionBanner,
        &["OpenJDK", "HotSpot"],
        Regex(
            r"(?:OpenJDK|HotSpot\(TM\)) (?:64-Bit )?(?:Server|Client) VM[ (,]{0,3}\d+\.\d+|OpenJDK Runtime Environment[^\n]{0,40}\d+\.\d+",
        ),
        0,
        80,
    ),
    // ────────────────────────────── debug pages ─────────────────────────────
    // Werkzeug debugger: `The debugger caught an exception in your WSGI
    // application`, `<title>… // Werkzeug Debugger</title>`.
    sig(
        "werkzeug_debugger",
        DebugPage,
        &["Werkzeug"],
        Regex(r"Werkzeug Debugger|Werkzeug powered traceback"),
        0,
        20,
    ),
    // Django with DEBUG on: `You're seeing this error because you have
    // <code>DEBUG = True</code>`, the technical 500 table `Django Version:`,
    // the 404 page `Django tried these URL patterns`. The production pages'
    // `More information is available with DEBUG=True.` is not flagged.
    sig(
        "django_debug_true",
        DebugPage,
        &["DEBUG"],
        Regex(r"<code>DEBUG\s*=\s*True\s*</code>|because you have DEBUG\s*=\s*True"),
        16,
        24,
    ),
    sig(
        "django_technical_page",
        DebugPage,
        &["Django"],
        Regex(r"Django Version:|Django tried these URL patterns"),
        0,
        40,
    ),
    // Rails development error page `Action Controller: Exception caught` and
    // exception class names `ActionController::RoutingError`.
    sig(
        "rails_error_page",
        DebugPage,
        &["Action"],
        Regex(r"Action Controller: Exception caught|ActionController::[A-Z]\w+"),
        0,
        48,
    ),
    // Whoops (PHP, Laravel ≤ 5): `Whoops! There was an error.`.
    sig(
        "whoops_page",
        DebugPage,
        &["Whoops! There was an error"],
        Anchor,
        0,
        0,
    ),
    // Laravel/Symfony class names in debug output: `Illuminate\Database\
    // QueryException`, `Symfony\Component\HttpKernel\…`.
    sig(
        "php_framework_internals",
        DebugPage,
        &["Illuminate\\", "Symfony\\Component\\"],
        Anchor,
        0,
        0,
    ),
    // ASP.NET yellow screen: `Server Error in '/' Application.`, verbose
    // error configuration hints.
    sig(
        "aspnet_error_page",
        DebugPage,
        &["Server Error in '", "ASP.NET"],
        Regex(
            r"Server Error in '[^'\n]{0,200}' Application|ASP\.NET is configured to show verbose error messages",
        ),
        0,
        240,
    ),
    // Spring Boot `Whitelabel Error Page`.
    sig(
        "spring_whitelabel",
        DebugPage,
        &["Whitelabel Error Page"],
        Anchor,
        0,
        0,
    ),
    // Express's development error handler renders the stack as
    // `<pre>Error: boom<br> &nbsp; &nbsp;at f (/app/x.js:1:2)<br>…`.
    sig(
        "express_dev_error",
        DebugPage,
        &[";at "],
        Regex(r"&nbsp; &nbsp;at [^<\n]{1,200}"),
        16,
        220,
    ),
    // Classic ASP and IIS script errors: `Microsoft VBScript runtime error
    // '800a000d'`, `Microsoft JScript compilation error`, `Active Server Pages
    // error 'ASP 0126'`, `Server object error 'ASP 0177 : 800401f3'`.
    sig(
        "classic_asp_error",
        DebugPage,
        &["VBScript", "JScript", "'ASP "],
        Regex(
            r"(?:VBScript|JScript) (?:runtime |compilation )?error|'ASP \d{4}(?: : [0-9a-fA-F]{8})?'",
        ),
        0,
        48,
    ),
    // ColdFusion: `The error occurred in <b>D:\site\x.cfm: line 12</b>`,
    // `… in the template file /x.cfm.`, `Error Occurred While Processing
    // Request`, `Error Diagnostic Information`.
    sig(
        "coldfusion_error",
        DebugPage,
        &[".cfm"],
        Regex(concat!(
            r"(?i:the error occurred in <b>|in the template file |Template: )[^<\n]{0,200}\.cfm",
            r"|\.cfm: line \d+|Error Occurred While Processing Request|Error Diagnostic Information",
        )),
        256,
        24,
    ),
    // Servlet containers: `<title>JRun Servlet Error</title>`, `<h1>Servlet
    // Error: …</h1>`, `Servlet.service() for servlet [x] threw exception`.
    sig(
        "servlet_error",
        DebugPage,
        &["Servlet"],
        Regex(r"Servlet Error|Servlet\.service\(\) for servlet"),
        0,
        24,
    ),
    // ─────────────────────────── environment dumps ──────────────────────────
    // `PATH=/usr/local/sbin:/usr/local/bin:…` in `env` output, JSON
    // (`"PATH":"/usr/local/bin:…"`) and Python reprs (`'PATH': '/usr/…'`).
    sig(
        "env_path_variable",
        EnvironmentDump,
        &["PATH"],
        Regex(
            r#"\bPATH(?:=|\\?["']\s*:\s*\\?["'])/(?:usr/|bin|sbin|opt/|root/|home/)[^\s"']{0,200}:/"#,
        ),
        1,
        230,
    ),
    // `HOME=/root`, `HOME=/home/deploy`.
    sig(
        "env_home_variable",
        EnvironmentDump,
        &["HOME="],
        Regex(r"\bHOME=/(?:root|home/[\w.-]+)\b"),
        1,
        40,
    ),
    // Two or more `KEY=value` lines (or JSON members) where one name looks
    // like it holds a secret: `DB_PASSWORD=…\nREDIS_URL=…`.
    sig(
        "env_secret_variables",
        EnvironmentDump,
        &["PASSWORD", "SECRET", "TOKEN", "API_KEY"],
        // A secret value has a digit or is at least 12 characters long; that
        // keeps validation bodies such as `{"API_KEY":"required",..}` clean.
        Regex(concat!(
            r"[A-Z][A-Z0-9_]{0,40}(?:PASSWORD|SECRET|TOKEN|API_KEY)[A-Z0-9_]{0,40}=(?:[^\s\\]{0,100}\d[^\s\\]{0,100}|[^\s\\]{12,200})(?:\s|\\n)+[A-Z][A-Z0-9_]{1,60}=",
            r"|(?:\n|\\n)[A-Z][A-Z0-9_]{1,60}=[^\n\\]{0,200}(?:\n|\\n)[A-Z][A-Z0-9_]{0,40}(?:PASSWORD|SECRET|TOKEN|API_KEY)[A-Z0-9_]{0,40}=(?:[^\s\\]{0,100}\d|[^\s\\]{12})",
            r#"|\\?["'][A-Z][A-Z0-9_]{0,40}(?:PASSWORD|SECRET|TOKEN|API_KEY)[A-Z0-9_]{0,40}\\?["']\s*:\s*\\?["'](?:[^"'\\\s]{0,100}\d[^"'\\\s]{0,100}|[^"'\\\s]{12,200})\\?["']\s*,\s*\\?["'][A-Z][A-Z0-9_]{1,60}\\?["']\s*:"#,
            r#"|\\?["'][A-Z][A-Z0-9_]{1,60}\\?["']\s*:\s*\\?["'][^"'\\]{0,200}\\?["']\s*,\s*\\?["'][A-Z][A-Z0-9_]{0,40}(?:PASSWORD|SECRET|TOKEN|API_KEY)[A-Z0-9_]{0,40}\\?["']\s*:\s*\\?["'](?:[^"'\\\s]{0,100}\d|[^"'\\\s]{12})"#,
        )),
        256,
        384,
    ),
    // Node.js code or dumps that mention `process.env`.
    sig(
        "node_process_env",
        EnvironmentDump,
        &["ss.env"],
        Regex(r"process\.env\b"),
        5,
        8,
    ),
    // phpinfo(): `<title>PHP 8.2.7 - phpinfo()</title>`, `PHP Version 8.2.7`.
    sig(
        "phpinfo_page",
        EnvironmentDump,
        &["PHP "],
        Regex(r"PHP Version \d+\.\d+|PHP \d+\.\d+\.\d+ - phpinfo\(\)"),
        0,
        40,
    ),
    // ─────────────────────────── private addresses ──────────────────────────
    // `connect ECONNREFUSED 10.0.3.7:5432`, `dial tcp 172.18.0.4:6379`,
    // `Failed to connect to 192.168.1.20 port 3306`, `("10.0.0.5", 5432)`;
    // loopback too (`connect ECONNREFUSED 127.0.0.1:5432`), except as the host
    // of a URL. A bare address without a port (`10.2.3.4`, a version number in
    // prose) is not flagged.
    sig(
        "private_ipv4_with_port",
        PrivateAddress,
        &["10.", "172.", "192.168.", "127.", "169.254."],
        PrivateIpv4,
        1,
        24,
    ),
    // `localhost:5432`, `[::1]:6379` outside URLs.
    sig(
        "loopback_name_with_port",
        PrivateAddress,
        &["lhost:", "[::1]:"],
        LoopbackName,
        8,
        8,
    ),
    // Node.js resolver failures name internal hosts: `getaddrinfo ENOTFOUND
    // postgres`, `getaddrinfo EAI_AGAIN redis-master`.
    sig(
        "resolver_error_host",
        PrivateAddress,
        &["getaddrinfo"],
        Regex(r"getaddrinfo (?:ENOTFOUND|EAI_AGAIN) [\w.-]+"),
        0,
        80,
    ),
];
