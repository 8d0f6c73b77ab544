//! Hand-written confirmations for anchors that occur often in benign bodies
//! (URLs, dotted numbers), where a byte loop is cheaper than a regex.

/// `scheme://user:password@host` whose `://` (or PHP-escaped `:\/\/`) anchor
/// starts at `p` and is `len` bytes long. Returns the offset of the scheme.
///
/// The password must be non-empty and the userinfo must end in `@` followed
/// by a host character within 256 bytes; a `/`, `?`, `#`, quote, angle
/// bracket, backslash or whitespace before the `@` means there is no userinfo.
pub(crate) fn url_userinfo(hay: &[u8], p: usize, len: usize) -> Option<usize> {
    let mut s = p;
    while s > 0 && p - s < 32 && is_scheme_byte(hay[s - 1]) {
        s -= 1;
    }
    while s < p && !hay[s].is_ascii_alphabetic() {
        s += 1;
    }
    if p - s < 2 {
        return None;
    }
    let start = p + len;
    let end = hay.len().min(start + 256);
    let mut colon = None;
    let mut i = start;
    loop {
        let b = *hay.get(i).filter(|_| i < end)?;
        match b {
            b'@' => break,
            b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`' => return None,
            b if b.is_ascii_whitespace() => return None,
            b':' if colon.is_none() => colon = Some(i),
            _ => {}
        }
        i += 1;
    }
    let colon = colon?;
    if i - colon < 2 {
        return None;
    }
    let host = *hay.get(i + 1)?;
    (host.is_ascii_alphanumeric() || host == b'[').then_some(s)
}

fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-')
}

/// A private (10/8, 172.16/12, 192.168/16), link-local (169.254/16) or
/// loopback (127/8) dotted quad starting at `p`, followed by a port:
/// `:5432`, ` port 5432` (curl), `", port 5432` and `(10.0.3.12), port
/// 5432` (libpq), `', 5432` / `", 5432` (Python address tuples). Loopback is not flagged as the host of a URL
/// (`http://127.0.0.1:8000/`), where it usually is the client's own
/// development origin. Returns `p`.
pub(crate) fn private_ipv4(hay: &[u8], p: usize) -> Option<usize> {
    if p > 0 {
        let b = hay[p - 1];
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
            return None;
        }
    }
    let mut octets = [0u16; 4];
    let mut i = p;
    for (n, octet) in octets.iter_mut().enumerate() {
        let digits_start = i;
        let mut value: u16 = 0;
        while i < hay.len() && hay[i].is_ascii_digit() && i - digits_start < 3 {
            value = value * 10 + u16::from(hay[i] - b'0');
            i += 1;
        }
        if i == digits_start || value > 255 {
            return None;
        }
        *octet = value;
        if n < 3 {
            if hay.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
    }
    // `10.1.2.3.4` or `10.1.2.3456` is not an address.
    match hay.get(i) {
        Some(b) if b.is_ascii_digit() => return None,
        Some(b'.') if hay.get(i + 1).is_some_and(u8::is_ascii_digit) => return None,
        _ => {}
    }
    let [a, b, _, _] = octets;
    let loopback = a == 127;
    let private = a == 10
        || (a == 172 && (16..=31).contains(&b))
        || (a == 192 && b == 168)
        || (a == 169 && b == 254)
        || loopback;
    if !private {
        return None;
    }
    if loopback && p >= 2 && &hay[p - 2..p] == b"//" {
        return None;
    }
    let rest = &hay[i..];
    let port_at = if rest.starts_with(b":") {
        1
    } else if rest.starts_with(b" port ") {
        6
    } else if rest.starts_with(b"\", port ") {
        8
    } else if rest.starts_with(b"\\\", port ") {
        9
    } else if rest.starts_with(b"), port ") {
        8
    } else if rest.starts_with(b"', ") || rest.starts_with(b"\", ") {
        3
    } else if rest.starts_with(b"\\\", ") {
        4
    } else {
        return None;
    };
    is_port(&rest[port_at.min(rest.len())..]).then_some(p)
}

/// `localhost:PORT` or `[::1]:PORT` that is not the host of a URL and not
/// part of a longer host name. The anchor is `[::1]:` or `lhost:` (the tail
/// of `localhost:`, whose `loca` would make a poor prefilter fingerprint);
/// returns the offset where the host name starts.
pub(crate) fn loopback_name(hay: &[u8], anchor: usize, len: usize) -> Option<usize> {
    let p = if hay.get(anchor) == Some(&b'[') {
        anchor
    } else {
        let start = anchor.checked_sub(4)?;
        if hay.get(start..anchor)? != b"loca" {
            return None;
        }
        start
    };
    if p >= 2 && &hay[p - 2..p] == b"//" {
        return None;
    }
    if p >= 1 {
        let b = hay[p - 1];
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_' {
            return None;
        }
    }
    is_port(hay.get(anchor + len..)?).then_some(p)
}

/// 1–5 digits with a value ≤ 65535, not followed by another digit.
fn is_port(s: &[u8]) -> bool {
    let digits = s.iter().take(6).take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 5 {
        return false;
    }
    let value = s[..digits]
        .iter()
        .fold(0u32, |v, b| v * 10 + u32::from(b - b'0'));
    value <= 65535
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> bool {
        let p = s.find("://").or_else(|| s.find(r":\/\/"));
        let len = if s.contains(r":\/\/") { 5 } else { 3 };
        p.and_then(|p| url_userinfo(s.as_bytes(), p, len)).is_some()
    }

    #[test]
    fn urls_with_credentials() {
        assert!(url("postgres://app:hunter2@db:5432/shop"));
        assert!(url("connect to redis://:s3cret@cache:6379 failed"));
        assert!(url(
            "mongodb+srv://admin:pw@cluster0.abcde.mongodb.net/test"
        ));
        assert!(url(r#"{"url":"mysql:\/\/root:pw@10.0.0.5\/shop"}"#));
        assert!(!url("https://example.com/users/42"));
        assert!(!url("https://user@example.com/"));
        assert!(!url("https://example.com/a@b"));
        assert!(!url("ftp://:@host"));
        assert!(!url("see https://example.com:8080/x"));
    }

    fn ip(s: &str, at: &str) -> bool {
        let p = s.find(at).unwrap_or(0);
        private_ipv4(s.as_bytes(), p).is_some()
    }

    #[test]
    fn private_addresses_need_a_port() {
        assert!(ip("connect ECONNREFUSED 10.0.3.7:5432", "10."));
        assert!(ip(
            "dial tcp 172.18.0.4:6379: connect: connection refused",
            "172."
        ));
        assert!(ip("Failed to connect to 192.168.1.20 port 3306", "192."));
        assert!(ip("connection refused ('10.1.2.3', 5432)", "10."));
        assert!(ip("connect ECONNREFUSED 127.0.0.1:5432", "127."));
        assert!(ip("upstream http://10.0.0.5:8080/api failed", "10."));
        assert!(ip(
            r#"connection to server at "10.0.3.12", port 5432 failed"#,
            "10."
        ));
        assert!(ip(
            r#"{"cause":"connection to server at \"10.0.3.12\", port 5432"}"#,
            "10."
        ));
        assert!(!ip("open http://127.0.0.1:8000/docs", "127."));
        assert!(!ip("version 10.2.3.4 released", "10."));
        assert!(!ip("released 10.2.3.4: fixes", "10."));
        assert!(!ip("public 8.8.8.8:53", "8."));
        assert!(!ip("172.32.0.1:80", "172."));
        assert!(!ip("10.1.2.3.4:80", "10."));
        assert!(!ip("110.1.2.3:80", "10."));
        assert!(!ip("10.1.2.300:80", "10."));
        assert!(!ip("10.1.2:80", "10."));
        assert!(!ip("10.0.0.1:999999", "10."));
    }

    #[test]
    fn loopback_names() {
        let hit = |s: &str, a: &str| {
            let p = s.find(a).unwrap_or(0);
            loopback_name(s.as_bytes(), p, a.len()).is_some()
        };
        let hit = |s: &str, a: &str| {
            let a = if a == "localhost:" { "lhost:" } else { a };
            hit(s, a)
        };
        assert!(hit("connect ECONNREFUSED localhost:6379", "localhost:"));
        assert!(hit(
            "dial tcp [::1]:5432: connect: connection refused",
            "[::1]:"
        ));
        assert!(!hit(
            "Origin http://localhost:3000 is not allowed",
            "localhost:"
        ));
        assert!(!hit("db.localhost:5432", "localhost:"));
        assert!(!hit("localhost: the machine you are on", "localhost:"));
    }
}
