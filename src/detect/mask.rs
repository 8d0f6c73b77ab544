//! Masking of credentials in text that is about to be logged.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// The rules. Each names the capture groups around the secret: what comes
/// before it (the key name, the scheme and user, the PEM header) and after it
/// (the `@` of a URL, the PEM footer) stays, so a masked log line tells a
/// reader *what* was there; the secret becomes `***`.
///
/// Every rule is searched in the original text and the union of the secrets
/// is masked. Rewriting the text rule after rule let one rule destroy the
/// context another needs: the `key=value` rule took `Bearer` for the value
/// of `x-auth-token: Bearer abc…` and left the credential, and, run the
/// other way round, the scheme rule took `password=` for the credential of
/// `token password=abc…` (both found by `fuzz/` `detector`).
///
/// Each rule is a separate search: every one of them starts with, or
/// contains, a literal the regex engine looks for first, so a text without
/// credentials costs a few fast passes. (A `RegexSet` of all of them, once
/// used as a single pre-check, cannot use the lazy DFA when `\b` meets
/// non-ASCII text and fell back to a slow engine: 1 MB/s on accented or
/// binary-turned-lossy text; also found by `fuzz/` `detector`.)
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    // (pattern, group ending what is kept before the secret (0: none),
    // group starting what is kept after it (0: none)).
    let rules: [(&str, usize, usize); 5] = [
        // PEM private keys. A key cut off by a log bound has no END line,
        // so the match may run to the end of the text.
        (
            r"(?s)(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----).*?(?:(-----END [A-Z0-9 ]*PRIVATE KEY-----)|\z)",
            1,
            2,
        ),
        // URL userinfo: scheme://user:password@host. The password may be cut
        // by the log bound before its `@`, hence `\z`.
        (
            r"([A-Za-z][A-Za-z0-9+.\-]*://[^:/?#\s@]*:)[^@/?#\s]+(@|\z)",
            1,
            2,
        ),
        // key=value, key: value, "key":"value", key='value' for names that hold
        // secrets, including prefixed names such as DB_PASSWORD or x-api-key.
        (
            r#"(?i)([A-Za-z0-9_.\-]*(?:password|passwd|pwd|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|credentials?|session[_\-]?id)[A-Za-z0-9_.\-]*["']?\s*[:=]\s*["']?)[^\s"'&;,<>]+"#,
            1,
            0,
        ),
        // HTTP authorization schemes.
        (
            r"(?i)\b((?:bearer|basic|token)\s+)[A-Za-z0-9._~+/\-]{8,}=*",
            1,
            0,
        ),
        // Self-identifying token formats: AWS access key ids (long-term and
        // temporary), GitHub (classic and fine-grained), Slack, Stripe and
        // Google API keys, JSON Web Tokens.
        (
            r"\b(?:A(?:KI|SI)A[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|xox[abprs]-[A-Za-z0-9\-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_\-]{35}|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*)",
            0,
            0,
        ),
    ];
    // The patterns are constants covered by the tests below; a pattern that
    // failed to compile would be skipped rather than panic on a request path.
    rules
        .into_iter()
        .filter_map(|(pattern, before, after)| {
            Regex::new(pattern)
                .ok()
                .map(|re| Rule { re, before, after })
        })
        .collect()
});

struct Rule {
    re: Regex,
    /// The secret starts where this group ends (0: at the match).
    before: usize,
    /// The secret ends where this group starts, when it took part (0: at
    /// the end of the match).
    after: usize,
}

/// Masks credentials in `text`: URL userinfo passwords, `password=`-,
/// `secret=`-, `token=`- and `api_key=`-style pairs (also as JSON members and
/// with prefixed names such as `DB_PASSWORD`), bearer and basic credentials,
/// PEM private keys and self-identifying token formats (AWS access key ids,
/// GitHub, Slack, Stripe, Google API keys, JSON Web Tokens).
///
/// Returns the text unchanged, without allocating, when there is nothing to
/// mask. The layer runs everything it logs through this function; use it for
/// your own logs too.
///
/// ```
/// use tower_redact::detect::mask_secrets;
///
/// let masked = mask_secrets("connect postgres://app:hunter2@db:5432/users failed");
/// assert_eq!(masked, "connect postgres://app:***@db:5432/users failed");
/// assert!(!mask_secrets(r#"{"password":"hunter2"}"#).contains("hunter2"));
/// ```
pub fn mask_secrets(text: &str) -> Cow<'_, str> {
    let mut secrets: Vec<(usize, usize)> = Vec::new();
    for rule in RULES.iter() {
        for caps in rule.re.captures_iter(text) {
            let Some(whole) = caps.get(0) else {
                continue;
            };
            let start = match rule.before {
                0 => whole.start(),
                group => caps.get(group).map_or(whole.start(), |g| g.end()),
            };
            let end = match rule.after {
                0 => whole.end(),
                group => caps.get(group).map_or(whole.end(), |g| g.start()),
            };
            if start < end {
                secrets.push((start, end));
            }
        }
    }
    if secrets.is_empty() {
        return Cow::Borrowed(text);
    }
    // Overlapping or touching secrets become one `***`.
    secrets.sort_unstable();
    let mut out = String::with_capacity(text.len());
    // The end of the last `***`; the text before it is written.
    let mut kept: Option<usize> = None;
    for (start, end) in secrets {
        match kept {
            Some(k) if start <= k => kept = Some(k.max(end)),
            _ => {
                out.push_str(&text[kept.unwrap_or(0)..start]);
                out.push_str("***");
                kept = Some(end);
            }
        }
    }
    out.push_str(&text[kept.unwrap_or(0)..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_compiles() {
        assert_eq!(RULES.len(), 5);
    }

    /// Regression (fuzz/ `detector`): with the scheme rule run first on the
    /// text, `token password=…` lost `password=` to it as the "credential"
    /// and the key=value rule no longer saw its key.
    #[test]
    fn a_scheme_word_before_a_secret_key() {
        let input = "with token  password=S3cr3tPl4nted ghp_x";
        let masked = mask_secrets(input);
        assert!(!masked.contains("S3cr3tPl4nted"), "{masked}");
        assert_eq!(masked, "with token  *** ghp_x");
    }

    /// Regression (fuzz/ `detector`, timeout): a `RegexSet` pre-check over
    /// all rules ran at about 1 MB/s on non-ASCII text, so 229 KiB of
    /// lossy-decoded binary took over 2 s in the fuzzer; the rules alone
    /// take milliseconds.
    #[test]
    fn non_ascii_text_is_masked_fast() {
        let text = "\u{FFFD}\n".repeat(32 * 1024);
        let start = std::time::Instant::now();
        assert!(matches!(mask_secrets(&text), Cow::Borrowed(_)));
        let planted = format!("{text} {{\"api_key\":\"S3cr3tPl4nted\"}} {text}");
        assert!(!mask_secrets(&planted).contains("S3cr3tPl4nted"));
        let elapsed = start.elapsed();
        assert!(
            elapsed < std::time::Duration::from_secs(2),
            "masking 384 KiB of non-ASCII text took {elapsed:?}"
        );
    }

    #[test]
    fn clean_text_is_borrowed() {
        let text = "user 42 not found at line 3";
        assert!(matches!(mask_secrets(text), Cow::Borrowed(_)));
    }

    #[test]
    fn url_userinfo() {
        assert_eq!(
            mask_secrets("mysql://root:Sup3r-s3cret@10.0.0.5:3306/shop"),
            "mysql://root:***@10.0.0.5:3306/shop"
        );
        assert_eq!(
            mask_secrets("redis://:pa55word@cache:6379"),
            "redis://:***@cache:6379"
        );
        // Cut off by a log bound before the `@`.
        assert_eq!(mask_secrets("postgres://app:hunt"), "postgres://app:***");
    }

    #[test]
    fn key_value_pairs() {
        for (input, secret) in [
            ("password=hunter2&user=bob", "hunter2"),
            ("DB_PASSWORD='hunter2'", "hunter2"),
            (r#"{"client_secret": "abc123xyz"}"#, "abc123xyz"),
            ("x-api-key: k-99887766", "k-99887766"),
            (
                "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG",
                "wJalrXUtnFEMI",
            ),
            ("access_token=ya29.a0AfH6SMB", "ya29"),
            ("sessionid=abcdef0123", "abcdef0123"),
        ] {
            let masked = mask_secrets(input);
            assert!(!masked.contains(secret), "{input} -> {masked}");
            assert!(masked.contains("***"), "{input} -> {masked}");
        }
        assert_eq!(
            mask_secrets("password=hunter2&user=bob"),
            "password=***&user=bob"
        );
    }

    #[test]
    fn authorization_schemes() {
        assert_eq!(
            mask_secrets("Authorization: Bearer abcdefghijklmnop.qrs"),
            "Authorization: Bearer ***"
        );
        assert_eq!(
            mask_secrets("authorization: Basic dXNlcjpwYXNzd29yZA=="),
            "authorization: Basic ***"
        );
    }

    /// Regression (fuzz/ `detector`): the key=value rule ran first, masked
    /// the scheme word as the value and left the credential behind it.
    #[test]
    fn authorization_schemes_after_a_secret_key() {
        for (input, secret) in [
            ("password= Bearer S3cr3tPl4nted", "S3cr3tPl4nted"),
            ("x-auth-token: Bearer 8f3a9c0d1e2b4f5a", "8f3a9c0d1e2b4f5a"),
            (
                r#"{"access_token": "Bearer abcdefgh12345"}"#,
                "abcdefgh12345",
            ),
            ("api_key = Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"),
        ] {
            let masked = mask_secrets(input);
            assert!(!masked.contains(secret), "{input} -> {masked}");
        }
        assert_eq!(
            mask_secrets("x-auth-token: Bearer 8f3a9c0d1e2b4f5a"),
            "x-auth-token: *** ***"
        );
    }

    #[test]
    fn pem_private_keys() {
        let pem = "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn\n-----END RSA PRIVATE KEY-----\ndone";
        let masked = mask_secrets(pem);
        assert!(
            !masked.contains("MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn"),
            "{masked}"
        );
        assert!(masked.ends_with("done"), "{masked}");
        let cut = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC";
        assert!(!mask_secrets(cut).contains("MIIEvQIBADAN"));
    }

    #[test]
    fn token_formats() {
        for token in [
            "AKIAIOSFODNN7EXAMPLE",
            "ASIAY34FZKBOKMUTVV7A",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "xoxb-123456789012-abcdefghijkl",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "AIzaSyA-1234567890abcdefghijklmnopqrstu",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ] {
            let text = format!("leaked {token} here");
            assert_eq!(mask_secrets(&text), "leaked *** here", "{token}");
        }
    }
}
