//! Comparison with OWASP ZAP's "Application Error Disclosure" patterns
//! (`../shared/reference/zap-application_errors.xml`, read at test time).
//!
//! For each of ZAP's specific patterns, a realistic error body containing it
//! must be detected by the default detector, with the finding within 300
//! bytes of where the pattern occurs (so it is the pattern's own error that
//! is found, not something elsewhere in the body). ZAP's generic entries are
//! deliberately not flagged; they are listed in `EXCLUDED` with the reason,
//! and a body holding only such a phrase must stay clean.

use std::path::Path;
use tower_redact::detect::Detector;

/// ZAP patterns we deliberately do not flag, and why.
const EXCLUDED: &[(&str, &str)] = &[
    ("Invalid parameter type", "validation wording; names nothing internal"),
    ("internal error", "generic words"),
    (
        "A syntax error has occurred",
        "generic parser wording also used for client input; Informix bodies carry driver tags ([Informix]), which are flagged",
    ),
    ("ASP.NET_SessionId", "a cookie name: tells the platform, not an error"),
    ("Custom Error Message", "generic words"),
    ("Error Message : Error loading required libraries.", "generic words"),
    ("Error Report", "generic page title"),
    ("Internal Server Error", "the status text itself"),
    ("Invalid Path Character", "input-validation wording"),
    (
        "Parent Directory",
        "a navigation label; directory listings are a different finding",
    ),
    ("Type mismatch", "generic words, common in validation messages"),
    (
        "Unterminated string constant",
        "parser wording, also for client-supplied expressions; script error pages are flagged by their VBScript/JScript header",
    ),
    ("invalid query", "generic words (GraphQL and search APIs use them)"),
    (
        "is not allowed to access",
        "authorization wording; PHP safe-mode errors are flagged by their path",
    ),
    (
        "SyntaxError: Unexpected token",
        "the JSON parser's message about the client's own body (Express body-parser); the development page with frames is flagged by the frames",
    ),
];

/// Realistic bodies per ZAP pattern (the pattern exactly as in the XML,
/// entities decoded). Several bodies for a regex with alternatives.
const SAMPLES: &[(&str, &[&str])] = &[
    ("Microsoft OLE DB Provider for ODBC Drivers", &["<font face=\"Arial\" size=2>Microsoft OLE DB Provider for ODBC Drivers</font> <font face=\"Arial\" size=2>error '80004005'</font>\n<p><font face=\"Arial\" size=2>[Microsoft][ODBC SQL Server Driver][SQL Server]Login failed for user 'web'.</font>"]),
    ("Microsoft OLE DB Provider for SQL Server", &["Microsoft OLE DB Provider for SQL Server error '80040e14'\n\nUnclosed quotation mark after the character string ''.\n\n/products.asp, line 33"]),
    ("ODBC Microsoft Access Driver", &["[Microsoft][ODBC Microsoft Access Driver] Syntax error (missing operator) in query expression 'id = 1''."]),
    ("ODBC SQL Server Driver", &["[Microsoft][ODBC SQL Server Driver][SQL Server]Invalid column name 'usr'."]),
    ("supplied argument is not a valid MySQL result", &["<br />\n<b>Warning</b>:  mysql_fetch_array(): supplied argument is not a valid MySQL result resource in <b>/var/www/html/news.php</b> on line <b>21</b><br />"]),
    ("You have an error in your SQL syntax", &["You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '''' at line 1"]),
    ("Incorrect column name", &["Error 1166: Incorrect column name 'total '"]),
    ("Can't find record in", &["SQLSTATE[HY000]: General error: 1032 Can't find record in 'orders'"]),
    ("Unknown table", &["Unknown table 'tmp_orders' in MULTI DELETE"]),
    ("Incorrect column specifier for column", &["Incorrect column specifier for column 'id'"]),
    ("Column count doesn't match value count at row", &["Column count doesn't match value count at row 1"]),
    ("Unclosed quotation mark before the character string", &["Unclosed quotation mark before the character string 'abc'."]),
    ("java.lang.NumberFormatException: For input string:", &["java.lang.NumberFormatException: For input string: \"abc\""]),
    ("): encountered SQLException [", &["Error Executing Database Query. (java.sql.SQLException): encountered SQLException [ORA-00942: table or view does not exist]"]),
    ("Unexpected end of command in statement [", &["java.sql.SQLException: Unexpected end of command in statement [SELECT * FROM users WHERE]"]),
    ("Invalid SQL:", &["Invalid SQL: SELECT * FROM users WHERE id="]),
    ("ERROR: parser: parse error at or near", &["Warning: PostgreSQL query failed: ERROR: parser: parse error at or near \"'\" in /var/www/html/item.php on line 8"]),
    ("[ODBC Informix driver][Informix]", &["[ODBC Informix driver][Informix]A syntax error has occurred."]),
    ("[Microsoft][ODBC Microsoft Access 97 Driver]", &["[Microsoft][ODBC Microsoft Access 97 Driver] Syntax error in query expression 'x'."]),
    ("[SQL Server Driver][SQL Server]Line 1: Incorrect syntax near", &["[Microsoft][SQL Server Driver][SQL Server]Line 1: Incorrect syntax near 'x'."]),
    ("SQL command not properly ended", &["ORA-00933: SQL command not properly ended"]),
    ("unexpected end of SQL command", &["ERROR:  unexpected end of SQL command"]),
    ("Supplied argument is not a valid PostgreSQL result", &["Warning: pg_fetch_row(): Supplied argument is not a valid PostgreSQL result resource in /var/www/html/x.php on line 4"]),
    ("internal error [IBM][CLI Driver][DB2/6000]", &["SQL0204N \"DB2INST1.USERS\" is an undefined name. SQLSTATE=42704 internal error [IBM][CLI Driver][DB2/6000]"]),
    ("Error Occurred While Processing Request", &["<html><head><title>Error Occurred While Processing Request</title></head><body><h1>Error Occurred While Processing Request</h1><p>The error occurred in <b>D:\\inetpub\\wwwroot\\index.cfm: line 12</b><br></p>"]),
    ("ADODB.Field error", &["ADODB.Field error '800a0bcd'\n\nEither BOF or EOF is True, or the current record has been deleted."]),
    ("ASP.NET is configured to show verbose error messages", &["<b> Details:</b> To enable the details of this specific error message to be viewable on remote machines, please create a &lt;customErrors&gt; tag. ASP.NET is configured to show verbose error messages only to local users."]),
    ("Active Server Pages error", &["Active Server Pages error 'ASP 0126'\n\nInclude file not found\n\n/index.asp, line 3"]),
    ("An illegal character has been found in the statement", &["[Informix][Informix ODBC Driver][Informix]An illegal character has been found in the statement."]),
    ("An unexpected token \"END-OF-STATEMENT\" was found", &["[IBM][CLI Driver][DB2/LINUXX8664] SQL0104N  An unexpected token \"END-OF-STATEMENT\" was found following \"WHERE id =\".  SQLSTATE=42601"]),
    ("Can't connect to local", &["Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (2)"]),
    ("DB2 Driver", &["[IBM][DB2 Driver] CLI0108E Communication link failure."]),
    ("DB2 Error", &["DB2 Error: SQL0803N One or more values in the INSERT statement are not valid"]),
    ("DB2 ODBC", &["[IBM][DB2 ODBC] SQL0911N The current transaction has been rolled back"]),
    ("Disallowed Parent Path", &["Active Server Pages error 'ASP 0131'\n\nDisallowed Parent Path\n\n/admin/default.asp, line 2"]),
    ("Error Diagnostic Information", &["<h2>Error Diagnostic Information</h2>\n<p>ODBC Error Code = S0002 (Base table not found)</p>"]),
    ("Error converting data type varchar to numeric", &["Microsoft.Data.SqlClient.SqlException (0x80131904): Error converting data type varchar to numeric."]),
    ("Invalid procedure call or argument", &["Microsoft VBScript runtime error '800a0005'\n\nInvalid procedure call or argument: 'Mid'\n\n/default.asp, line 12"]),
    ("Invision Power Board Database Error", &["Invision Power Board Database Error\nmySQL query error: SELECT * FROM ibf_members WHERE id=1'"]),
    ("JDBC Driver", &["[Macromedia][SQLServer JDBC Driver][SQLServer]Invalid object name 'users'."]),
    ("JDBC Error", &["JDBC Error: Communications link failure"]),
    ("JDBC MySQL", &["JDBC MySQL driver: Communications link failure"]),
    ("JDBC Oracle", &["JDBC Oracle driver: ORA-01017: invalid username/password"]),
    ("JDBC SQL", &["JDBC SQL error: Table 'shop.x' doesn't exist"]),
    ("Microsoft VBScript compilation error", &["Microsoft VBScript compilation error '800a03ea'\n\nSyntax error\n\n/index.asp, line 5"]),
    ("Microsoft VBScript error", &["Microsoft VBScript error '800a0009'\n\nSubscript out of range"]),
    ("MySQL Driver", &["MySQL Driver error: Unknown column 'x' in 'field list'"]),
    ("MySQL Error", &["MySQL Error: 1146 (Table 'shop.x' doesn't exist)"]),
    ("MySQL ODBC", &["[MySQL][MySQL ODBC 8.0 Unicode Driver][mysqld-8.0.33]Table 'x' doesn't exist"]),
    ("ODBC DB2", &["ODBC DB2 driver: SQL0911N deadlock"]),
    ("ODBC Driver", &["[Microsoft][ODBC Driver 17 for SQL Server][SQL Server]Invalid object name 'x'."]),
    ("ODBC Error", &["ODBC Error Code = 37000 (Syntax error or access violation)"]),
    ("ODBC Oracle", &["ODBC Oracle Driver error: ORA-00942"]),
    ("OLE/DB provider returned message", &["OLE/DB provider returned message: Unspecified error"]),
    ("Oracle DB2", &["Oracle DB2 gateway error: SQL0204N"]),
    ("Oracle Driver", &["Oracle Driver: ORA-12541: TNS:no listener"]),
    ("Oracle Error", &["Oracle Error: ORA-01400: cannot insert NULL"]),
    ("Oracle ODBC", &["[Oracle][ODBC][Ora]ORA-00942 Oracle ODBC driver error"]),
    ("PHP Error", &["A PHP Error was encountered\nSeverity: Notice\nMessage: Undefined index: id\nFilename: controllers/Users.php\nLine Number: 12"]),
    ("PHP Parse error", &["PHP Parse error:  syntax error, unexpected '}' in /var/www/html/index.php on line 14"]),
    ("PHP Warning", &["PHP Warning:  Undefined variable $user in /var/www/html/profile.php on line 12"]),
    ("Permission denied: 'GetObject'", &["Microsoft VBScript runtime error '800a0046'\n\nPermission denied: 'GetObject'\n\n/sync.asp, line 7"]),
    ("PostgreSQL query failed: ERROR: parser: parse error", &["Warning: PostgreSQL query failed: ERROR: parser: parse error at end of input in /var/www/html/x.php on line 3"]),
    ("The script whose uid is", &["Warning: SAFE MODE Restriction in effect. The script whose uid is 500 is not allowed to access /etc/passwd owned by uid 0 in /var/www/html/read.php on line 3"]),
    ("Unable to jump to row", &["Warning: mysql_result(): Unable to jump to row 0 on MySQL result index 4 in /var/www/html/x.php on line 9"]),
    ("Warning: Cannot modify header information - headers already sent", &["Warning: Cannot modify header information - headers already sent by (output started at /var/www/html/header.php:12) in /var/www/html/login.php on line 40"]),
    ("Warning: Supplied argument is not a valid File-Handle resource in", &["Warning: Supplied argument is not a valid File-Handle resource in /var/www/html/upload.php on line 17"]),
    ("Warning: mysql_query()", &["Warning: mysql_query(): Access denied for user 'www-data'@'localhost' (using password: NO) in /var/www/html/db.php on line 5"]),
    ("Warning: pg_connect(): Unable to connect to PostgreSQL server: FATAL", &["Warning: pg_connect(): Unable to connect to PostgreSQL server: FATAL:  password authentication failed for user \"web\" in /var/www/html/db.php on line 2"]),
    ("data source=", &["Format of the initialization string does not conform to specification: data source=db01;initial catalog=shop;user id=web;password=W3b!"]),
    ("mySQL error with query", &["mySQL error with query SELECT * FROM users WHERE id=1': You have an error in your SQL syntax"]),
    ("on MySQL result index", &["Warning: mysql_result(): Unable to jump to row 0 on MySQL result index 4 in /var/www/html/x.php on line 9"]),
    ("server object error", &["server object error 'ASP 0177 : 800401f3'\n\nServer.CreateObject Failed\n\n/default.asp, line 12"]),
    (r"(?i)Line\s\d+:\sIncorrect\ssyntax\snear\s'[^']*'", &["[Microsoft][ODBC SQL Server Driver][SQL Server]Line 1: Incorrect syntax near 'x'."]),
    (r"(?i)pg_query\(\)[:]*\squery\sfailed:\serror:\s", &["Warning: pg_query(): Query failed: ERROR:  relation \"users\" does not exist in /var/www/html/list.php on line 8"]),
    (r"(?i)'[^']*'\sis\snull\sor\snot\san\sobject", &["Microsoft JScript runtime error '800a138f'\n\n'document.forms.0' is null or not an object\n\n/checkout.asp, line 51"]),
    (r"(?i)ORA\-\d{4,5}:\s", &["ORA-00942: table or view does not exist"]),
    (r"(?i)Microsoft\sJET\sDatabase\sEngine\s\([^\)]*\)<br>Syntax\serror(.*)\sin\squery\sexpression\s'.*\.<br><b>.*,\sline\s\d+</b><br>", &["Microsoft JET Database Engine (0x80040E14)<br>Syntax error (missing operator) in query expression 'id = 1'.<br><b>/products.asp, line 23</b><br>"]),
    (r"(?i)<h2>\s<i>Syntax\serror\s(\([^\)]*\))?(in\sstring)?\sin\squery\sexpression\s'[^\.]*\.</i>\s</h2></span>", &["<span><h2> <i>Syntax error (missing operator) in query expression 'name = 'O'Brien''.</i> </h2></span>"]),
    (r#"(?i)<font\sface=\"Arial\"\ssize=2>Syntax\serror\s(.*)?in\squery\sexpression\s'(.*)\.</font>"#, &["<font face=\"Arial\" size=2>Syntax error (missing operator) in query expression 'x = 1'.</font>"]),
    (r"(?i)<b>Warning</b>:\s\spg_exec\(\)\s\[\<a\shref='function.pg\-exec\'\>function\.pg-exec\</a>\]\:\sQuery failed:\sERROR:\s\ssyntax error at or near \&quot\;\\\&quot; at character \d+ in\s<b>.*</b>", &["<b>Warning</b>:  pg_exec() [<a href='function.pg-exec'>function.pg-exec</a>]: Query failed: ERROR:  syntax error at or near &quot;\\&quot; at character 56 in <b>/var/www/html/search.php</b> on line <b>12</b><br />"]),
    (r"(?i)System\.Data\.OleDb\.OleDbException\:\sSyntax\serror\s\([^)]*?\)\sin\squery\sexpression\s.*", &["System.Data.OleDb.OleDbException: Syntax error (missing operator) in query expression 'ID = '."]),
    (r"(?i)System\.Data\.OleDb\.OleDbException\:\sSyntax\serror\sin\sstring\sin\squery\sexpression\s", &["System.Data.OleDb.OleDbException: Syntax error in string in query expression 'name = 'x'."]),
    (r#"<font style="COLOR: black; FONT: 8pt/11pt verdana">\s+(\[Macromedia\]\[SQLServer\sJDBC\sDriver\]\[SQLServer\]|Syntax\serror\sin\sstring\sin\squery\sexpression\s)"#, &["<font style=\"COLOR: black; FONT: 8pt/11pt verdana\">\n[Macromedia][SQLServer JDBC Driver][SQLServer]Invalid object name 'users'."]),
    (r"(?i)The Error Occurred in <b>(.*): line.*<\/b><br>", &["The Error Occurred in <b>D:\\inetpub\\wwwroot\\product.cfm: line 12</b><br>"]),
    (r"(?i)The error occurred while processing.*Template: (.*) <br>.", &["The error occurred while processing an element with a general identifier of (CFQUERY), occupying document position (12:1) to (12:42).<br><br>Template: D:\\inetpub\\wwwroot\\product.cfm <br>."]),
    (r"(?i)The error occurred while processing.*in the template file (.*)\.<\/p><br>", &["<p>The error occurred while processing an element with a general identifier of (CFQUERY), occupying document position (3:1) to (3:40), in the template file D:\\inetpub\\wwwroot\\list.cfm.</p><br>"]),
    (r"(?i)<span><H1>Server\sError\sin\s'[^']*'\sApplication\.<hr\swidth=100%\ssize=1\scolor=silver></H1>", &["<span><H1>Server Error in '/' Application.<hr width=100% size=1 color=silver></H1>"]),
    (r"(?i)<title>Invalid\sfile\sname\sfor\smonitoring:\s'([^']*)'\.\sFile\snames\sfor\smonitoring\smust\shave\sabsolute\spaths\,\sand\sno\swildcards\.</title>", &["<title>Invalid file name for monitoring: 'C:\\inetpub\\wwwroot\\App_Data'. File names for monitoring must have absolute paths, and no wildcards.</title>"]),
    (r"(?i)<b>(Warning|Fatal\serror|Parse\serror)</b>:\s+.*?\sin\s<b>.*?</b>\son\sline\s<b>\d*?</b><br\s/>", &["<b>Fatal error</b>:  Call to undefined function foo() in <b>/var/www/html/index.php</b> on line <b>3</b><br />"]),
    (r"(?:Unknown database '.*?')|(?:No database selected)|(?:Table '.*?' doesn't exist)|(?:You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '.*?' at line .*?)", &[
        "Unknown database 'shop_prod'",
        "No database selected",
        "Table 'shop.users' doesn't exist",
        "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'FROM' at line 1",
    ]),
    (r"Exception report.*message.*description.*exception.*note.*", &["<h3>type</h3> Exception report <h3>message</h3> <u></u> <h3>description</h3> <u>The server encountered an internal error that prevented it from fulfilling this request.</u> <h3>exception</h3> <pre>javax.servlet.ServletException: boom</pre> <h3>note</h3> <u>The full stack trace of the root cause is available in the logs.</u>"]),
    (r"(?i)<head><title>JRun Servlet Error</title></head>", &["<html><head><title>JRun Servlet Error</title></head><body><h1>500 Internal Server Error</h1></body></html>"]),
    (r"(?i)<h1>Servlet\sError:\s\w+?</h1>", &["<h1>Servlet Error: NullPointerException</h1>"]),
    (r"(?i)Servlet\sError</title>", &["<html><head><title>Servlet Error</title></head>"]),
];

fn unescape_xml(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Java treats `\<`, `\>`, `\'`, `\:` … as literals; the regex crate gives
/// some of them other meanings (`\<` is a word-start assertion) or rejects
/// them. Drop the backslash before punctuation that needs no escaping.
fn java_to_rust_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&next) = chars.peek() {
                if !next.is_ascii_alphanumeric() && !r"\.+*?()|[]{}^$-".contains(next) {
                    out.push(next);
                    chars.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

#[test]
fn zap_application_error_patterns() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/zap-application_errors.xml");
    let Ok(xml) = std::fs::read_to_string(&path) else {
        println!("note: {} not found; ZAP comparison skipped", path.display());
        return;
    };
    let detector = Detector::new();
    let pattern_re =
        regex::Regex::new(r#"<Pattern type="(string|regex)">(.*?)</Pattern>"#).expect("valid");
    let (mut detected, mut excluded, mut failures) = (0, 0, Vec::new());
    let mut total = 0;
    for caps in pattern_re.captures_iter(&xml) {
        total += 1;
        let kind = &caps[1];
        let pattern = unescape_xml(&caps[2]);
        if let Some((_, why)) = EXCLUDED.iter().find(|(p, _)| *p == pattern) {
            excluded += 1;
            for body in [pattern.clone(), format!("{{\"error\":\"{pattern}\"}}")] {
                if let Some(f) = detector.scan(body.as_bytes()) {
                    failures.push(format!(
                        "excluded ({why}) but flagged as {}: {body:?}",
                        f.signature()
                    ));
                }
            }
            continue;
        }
        let Some((_, bodies)) = SAMPLES.iter().find(|(p, _)| *p == pattern) else {
            failures.push(format!(
                "no sample and no exclusion for ZAP pattern {pattern:?}"
            ));
            continue;
        };
        let zap_re = if kind == "regex" {
            regex::RegexBuilder::new(&java_to_rust_regex(&pattern))
                .dot_matches_new_line(false)
                .build()
                .ok()
        } else {
            None
        };
        let mut ok = true;
        for body in *bodies {
            // Where ZAP's pattern matches the sample.
            let at = if kind == "string" {
                body.find(pattern.as_str())
            } else {
                match &zap_re {
                    Some(re) => re.find(body).map(|m| m.start()),
                    None => {
                        println!(
                            "note: ZAP regex not compilable here, position unchecked: {pattern}"
                        );
                        Some(0)
                    }
                }
            };
            let Some(at) = at else {
                failures.push(format!(
                    "sample does not contain ZAP pattern {pattern:?}: {body:?}"
                ));
                ok = false;
                continue;
            };
            match detector.scan(body.as_bytes()) {
                Some(f)
                    if f.offset() + 300 >= at && f.offset() <= at + pattern.len().max(40) + 300 => {
                }
                Some(f) => {
                    failures.push(format!(
                        "{pattern:?}: finding {} at {} is far from the pattern at {at}: {body:?}",
                        f.signature(),
                        f.offset()
                    ));
                    ok = false;
                }
                None => {
                    failures.push(format!("{pattern:?}: not detected: {body:?}"));
                    ok = false;
                }
            }
        }
        if ok {
            detected += 1;
        }
    }
    println!("ZAP application error patterns: {total}; detected {detected}; deliberately excluded {excluded}");
    for (pattern, why) in EXCLUDED {
        println!("  excluded {pattern:?}: {why}");
    }
    for failure in &failures {
        println!("FAIL {failure}");
    }
    assert_eq!(total, 110, "the reference file changed");
    assert!(
        failures.is_empty(),
        "{} failures (see output)",
        failures.len()
    );
}
