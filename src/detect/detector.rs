//! [`Detector`], its builder, and the scanning of one contiguous byte slice.

use super::catalogue::{Confirm, CATALOGUE, MAX_AFTER, MAX_BEFORE};
use super::category::Category;
use super::confirm;
use super::stream::StreamScanner;
use aho_corasick::{AhoCorasick, Input, MatchKind};
use regex::bytes::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock};

/// Longest literal accepted by [`DetectorBuilder::literal`] and
/// [`DetectorBuilder::allow`], in bytes.
pub(crate) const MAX_LITERAL: usize = 256;
/// Context needed before an anchor: the largest confirmation window, or the
/// longest allowed phrase.
pub(crate) const CTX_BEFORE: usize = max(MAX_BEFORE, MAX_LITERAL);
/// Context needed after an anchor's end.
pub(crate) const CTX_AFTER: usize = max(MAX_AFTER, MAX_LITERAL);
/// Anchors per Aho-Corasick automaton: at most 32, so each automaton gets the
/// "slim" SIMD (Teddy) prefilter with tight fingerprints: one automaton
/// over every anchor ran at 0.75 GiB/s, five at 1.87 (BENCHMARKS.md, "Leak
/// detector throughput").
const GROUP_MAX: usize = 32;
/// Compiled-size limit of every regex (built-in and custom).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// A signature's name: built-in names are static, custom ones shared.
#[derive(Clone)]
pub(crate) enum Name {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Name {
    fn as_str(&self) -> &str {
        match self {
            Name::Static(s) => s,
            Name::Shared(s) => s,
        }
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

/// One detected leak: which signature matched, its category, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    category: Category,
    signature: Name,
    offset: usize,
}

impl Finding {
    pub(crate) fn new(category: Category, signature: Name, offset: usize) -> Self {
        Finding {
            category,
            signature,
            offset,
        }
    }

    /// The category of the signature that matched.
    pub fn category(&self) -> Category {
        self.category
    }

    /// The stable name of the signature that matched, e.g.
    /// `"python_traceback"`; for builder-added signatures, the name given to
    /// the builder.
    pub fn signature(&self) -> &str {
        self.signature.as_str()
    }

    /// Byte offset of the match in the scanned input: the start of the
    /// confirming match (or of the anchor, for signatures confirmed by their
    /// anchor alone). For [`Detector::scan_chunks`] and [`StreamScanner`] it
    /// is an offset in the concatenation of all chunks.
    pub fn offset(&self) -> usize {
        self.offset
    }

    pub(crate) fn rebase(mut self, base: u64) -> Self {
        let absolute = base.saturating_add(self.offset as u64);
        self.offset = usize::try_from(absolute).unwrap_or(usize::MAX);
        self
    }
}

/// Why [`DetectorBuilder::build`] failed.
#[derive(Debug)]
pub struct DetectorError {
    signature: String,
    reason: String,
}

impl DetectorError {
    fn new(signature: impl Into<String>, reason: impl Into<String>) -> Self {
        DetectorError {
            signature: signature.into(),
            reason: reason.into(),
        }
    }

    /// The name of the signature (or allow-list phrase) that failed.
    pub fn signature(&self) -> &str {
        &self.signature
    }
}

impl fmt::Display for DetectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "leak detector signature `{}`: {}",
            self.signature, self.reason
        )
    }
}

impl std::error::Error for DetectorError {}

enum Check {
    Anchor,
    Regex(Regex),
    UrlUserinfo,
    PrivateIpv4,
    LoopbackName,
}

struct Rule {
    name: Name,
    category: Category,
    check: Check,
    before: usize,
    after: usize,
}

struct AnchorEntry {
    len: usize,
    /// Rules confirmed around this anchor, in catalogue order.
    rules: Vec<u32>,
    /// Anchors of the same automaton that are proper prefixes of this one,
    /// longest first. A leftmost-longest search reports only the longest
    /// anchor at a position; the prefixes match there too.
    prefixes: Vec<u32>,
}

struct Group {
    automaton: AhoCorasick,
    /// Pattern id in `automaton` → index into `Inner::anchors`.
    anchor_ids: Vec<u32>,
    max_len: usize,
}

/// Which hits a scan of a slice decides (see `StreamScanner` for why).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Accept {
    /// Anchor (or custom-regex match) starts must be in `lo..hi`.
    pub(crate) lo: usize,
    pub(crate) hi: usize,
    /// An anchor hit at `p` of length `len` is only considered when
    /// `p + len + CTX_AFTER > min_end`; a custom-regex match only when it
    /// ends after `min_end`. Zero when every hit in range counts.
    pub(crate) min_end: usize,
}

impl Accept {
    pub(crate) fn all(len: usize) -> Self {
        Accept::range(0, len)
    }

    pub(crate) fn range(lo: usize, hi: usize) -> Self {
        Accept { lo, hi, min_end: 0 }
    }
}

pub(crate) struct Inner {
    groups: Vec<Group>,
    anchors: Vec<AnchorEntry>,
    rules: Vec<Rule>,
    /// Custom regex rules: searched over the whole input (no anchor).
    unanchored: Vec<u32>,
    allow: Option<AhoCorasick>,
    allow_max: usize,
    allow_count: usize,
    enabled: u16,
}

/// The leak detector: a compiled catalogue of signatures.
///
/// Cheap to clone (an [`Arc`] inside), `Send + Sync`; build it once and
/// share it. See the [module documentation](super) for what it detects and
/// how.
#[derive(Clone)]
pub struct Detector {
    inner: Arc<Inner>,
}

impl Default for Detector {
    /// The built-in catalogue with every category enabled.
    ///
    /// Compiled once per process and shared: every
    /// `RedactLayer::builder()` starts from it, and compiling the catalogue
    /// (five automata, a regex per signature) is the slow part of a build.
    fn default() -> Self {
        static BUILT: LazyLock<Detector> = LazyLock::new(Detector::compile_default);
        BUILT.clone()
    }
}

impl Detector {
    fn compile_default() -> Self {
        match DetectorBuilder::default().build() {
            Ok(detector) => detector,
            Err(error) => {
                // Unreachable: the unit tests build the default catalogue.
                // Never panic in a server: fall back to no detection.
                debug_assert!(false, "built-in catalogue failed to build: {error}");
                Detector {
                    inner: Arc::new(Inner::empty()),
                }
            }
        }
    }
}

impl fmt::Debug for Detector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let enabled: Vec<&str> = Category::ALL
            .iter()
            .filter(|c| inner.enabled & (1 << c.index()) != 0)
            .map(|c| c.as_str())
            .collect();
        f.debug_struct("Detector")
            .field("signatures", &inner.rules.len())
            .field("anchors", &inner.anchors.len())
            .field("automata", &inner.groups.len())
            .field("allowed_phrases", &inner.allow_count)
            .field("categories", &enabled)
            .finish()
    }
}

impl Detector {
    /// The built-in catalogue with every category enabled (same as
    /// [`Detector::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder to disable categories, add signatures and allow phrases.
    pub fn builder() -> DetectorBuilder {
        DetectorBuilder::default()
    }

    /// Scans one contiguous body and returns the first finding (the one whose
    /// anchor comes first), or `None` when the body looks clean.
    ///
    /// Linear in the input; allocates nothing.
    pub fn scan(&self, haystack: &[u8]) -> Option<Finding> {
        self.inner
            .scan_slice(haystack, Accept::all(haystack.len()))
            .map(|(_, finding)| finding)
    }

    /// Scans a body given as a sequence of chunks (for example the frames of
    /// an HTTP body) without concatenating them; finds signatures split
    /// across chunk boundaries. Offsets are in the concatenation.
    ///
    /// The result is the same as [`scan`](Self::scan) of the concatenation,
    /// wherever the boundaries fall: a hit is decided once its whole context
    /// (640 bytes after it) has arrived, or at the end of the input. Stops
    /// consuming chunks at the first finding.
    pub fn scan_chunks<I, T>(&self, chunks: I) -> Option<Finding>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let mut chunks = chunks.into_iter();
        let first = chunks.next()?;
        // One chunk, the usual case for a buffered error body: no boundary
        // to carry, and `scan` is what the stream must equal anyway.
        let Some(second) = chunks.next() else {
            return self.scan(first.as_ref());
        };
        let mut scanner = StreamScanner::exact(self);
        for chunk in [first, second].into_iter().chain(chunks) {
            if let Some(finding) = scanner.feed(chunk.as_ref()) {
                return Some(finding);
            }
        }
        scanner.finish()
    }

    /// A streaming scanner: feed it chunks as they arrive. Its memory is a
    /// fixed buffer of a few KiB, whatever the body size.
    pub fn stream(&self) -> StreamScanner<'_> {
        StreamScanner::new(self)
    }

    /// Checks one response header.
    ///
    /// The name alone is a finding when it announces debug output:
    /// `x-debug*` ([`Category::DebugPage`], e.g. Symfony's `X-Debug-Token`),
    /// `x-exception*`, `x-stack*` and `x-trace*` ([`Category::StackTrace`];
    /// except the correlation-id headers `x-trace-id`, `x-traceid` and
    /// `x-trace-context`; W3C `traceparent` does not match), and `x-sql*`
    /// ([`Category::Database`]). Otherwise the value is scanned like a body,
    /// so `X-Powered-By: PHP/8.2.7` yields a [`Category::VersionBanner`]
    /// finding; callers that only want to strip such headers can match on
    /// the category. Offsets are in the value.
    pub fn scan_header(
        &self,
        name: &http::HeaderName,
        value: &http::HeaderValue,
    ) -> Option<Finding> {
        let n = name.as_str();
        let by_name = if n.starts_with("x-debug") {
            Some((Category::DebugPage, "debug_header"))
        } else if n.starts_with("x-exception") {
            Some((Category::StackTrace, "exception_header"))
        } else if n.starts_with("x-stack") {
            Some((Category::StackTrace, "stack_header"))
        } else if n.starts_with("x-trace")
            && !matches!(n, "x-trace-id" | "x-traceid" | "x-trace-context")
        {
            Some((Category::StackTrace, "trace_header"))
        } else if n.starts_with("x-sql") {
            Some((Category::Database, "sql_header"))
        } else {
            None
        };
        if let Some((category, signature)) = by_name {
            if self.inner.enabled & (1 << category.index()) != 0 {
                return Some(Finding::new(category, Name::Static(signature), 0));
            }
        }
        self.scan(value.as_bytes())
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }
}

impl Inner {
    fn empty() -> Self {
        Inner {
            groups: Vec::new(),
            anchors: Vec::new(),
            rules: Vec::new(),
            unanchored: Vec::new(),
            allow: None,
            allow_max: 0,
            allow_count: 0,
            enabled: 0,
        }
    }

    /// The first finding in `hay` among the hits `accept` admits, with the
    /// position of the hit (anchor start or custom-regex match start); both
    /// relative to `hay`.
    pub(crate) fn scan_slice(&self, hay: &[u8], accept: Accept) -> Option<(usize, Finding)> {
        // The position of the best anchor hit so far; later automata only
        // look before it.
        let mut best: Option<(usize, Finding)> = None;
        for group in &self.groups {
            let limit = best.as_ref().map_or(accept.hi, |(p, _)| *p);
            let end = hay.len().min(limit.saturating_add(group.max_len));
            let mut pos = accept.lo;
            while pos < limit && pos < end {
                let Some(m) = group.automaton.find(Input::new(hay).span(pos..end)) else {
                    break;
                };
                let p = m.start();
                if p >= limit {
                    break;
                }
                pos = p + 1;
                let id = group.anchor_ids[m.pattern().as_usize()];
                if let Some(finding) = self.check_hit(hay, p, id, accept.min_end) {
                    best = Some((p, finding));
                    break;
                }
            }
        }
        for &rule_id in &self.unanchored {
            let Some(rule) = self.rules.get(rule_id as usize) else {
                continue;
            };
            let Check::Regex(re) = &rule.check else {
                continue;
            };
            let limit = best.as_ref().map_or(accept.hi, |(p, _)| *p);
            let mut at = accept.lo;
            while at < limit && at <= hay.len() {
                let Some(m) = re.find_at(hay, at) else {
                    break;
                };
                if m.start() >= limit {
                    break;
                }
                at = m.start() + 1;
                if m.end() > accept.min_end && !self.allowed(hay, m.start(), m.end()) {
                    best = Some((
                        m.start(),
                        Finding::new(rule.category, rule.name.clone(), m.start()),
                    ));
                    break;
                }
            }
        }
        best
    }

    fn check_hit(&self, hay: &[u8], p: usize, id: u32, min_end: usize) -> Option<Finding> {
        let entry = self.anchors.get(id as usize)?;
        std::iter::once(id)
            .chain(entry.prefixes.iter().copied())
            .find_map(|a| {
                let anchor = self.anchors.get(a as usize)?;
                if p + anchor.len + CTX_AFTER <= min_end || self.allowed(hay, p, p + anchor.len) {
                    return None;
                }
                anchor.rules.iter().find_map(|&r| {
                    let rule = self.rules.get(r as usize)?;
                    let offset = confirm_rule(rule, hay, p, anchor.len)?;
                    Some(Finding::new(rule.category, rule.name.clone(), offset))
                })
            })
    }

    /// Whether `start..end` lies inside an occurrence of an allowed phrase.
    fn allowed(&self, hay: &[u8], start: usize, end: usize) -> bool {
        let Some(allow) = &self.allow else {
            return false;
        };
        let from = end.saturating_sub(self.allow_max);
        let to = hay.len().min(start.saturating_add(self.allow_max));
        if from >= to {
            return false;
        }
        allow
            .find_overlapping_iter(Input::new(hay).span(from..to))
            .any(|m| m.start() <= start && m.end() >= end)
    }
}

fn confirm_rule(rule: &Rule, hay: &[u8], p: usize, len: usize) -> Option<usize> {
    match &rule.check {
        Check::Anchor => Some(p),
        Check::Regex(re) => {
            let from = p.saturating_sub(rule.before);
            let to = hay.len().min(p + len + rule.after);
            re.find(hay.get(from..to)?).map(|m| from + m.start())
        }
        Check::UrlUserinfo => confirm::url_userinfo(hay, p, len),
        Check::PrivateIpv4 => confirm::private_ipv4(hay, p),
        Check::LoopbackName => confirm::loopback_name(hay, p, len),
    }
}

/// Builds a [`Detector`]: choose categories, add your own signatures and
/// allow-list phrases.
///
/// ```
/// use tower_redact::detect::{Category, Detector};
///
/// let detector = Detector::builder()
///     .disable(Category::VersionBanner)
///     .literal("internal_ticket", "JIRA-INTERNAL-")
///     .regex("customer_ref", r"CUST-\d{8}")
///     .allow("Traceback (most recent call last) is shown in our public tutorial")
///     .build()?;
/// let finding = detector.scan(b"lookup failed for CUST-00012345").unwrap();
/// assert_eq!(finding.category(), Category::Custom);
/// assert_eq!(finding.signature(), "customer_ref");
/// assert!(detector.scan(b"Server: nginx/1.25.3").is_none());
/// # Ok::<(), tower_redact::detect::DetectorError>(())
/// ```
#[must_use]
#[derive(Debug, Clone, Default)]
pub struct DetectorBuilder {
    disabled: u16,
    literals: Vec<(String, String)>,
    regexes: Vec<(String, String)>,
    allow: Vec<String>,
}

impl DetectorBuilder {
    /// Switches a category off: none of its signatures (and, for
    /// [`Category::Custom`], none of the builder-added signatures) will be
    /// reported.
    pub fn disable(mut self, category: Category) -> Self {
        self.disabled |= 1 << category.index();
        self
    }

    /// Switches a category back on (all are on by default).
    pub fn enable(mut self, category: Category) -> Self {
        self.disabled &= !(1 << category.index());
        self
    }

    /// Adds a [`Category::Custom`] signature that matches `literal`
    /// byte for byte (case-sensitive substring). The literal must be 1 to
    /// 256 bytes long. It joins the built-in anchors in the prefilter, so it
    /// costs next to nothing.
    pub fn literal(mut self, name: impl Into<String>, literal: impl Into<String>) -> Self {
        self.literals.push((name.into(), literal.into()));
        self
    }

    /// Adds a [`Category::Custom`] signature given as a regular expression
    /// (the `regex` crate's syntax, searched over bytes; Unicode-aware).
    ///
    /// Such a signature has no anchor: its regex is searched over every
    /// scanned body, so prefer [`literal`](Self::literal) when you can, and
    /// start the pattern with a literal so the regex engine's own prefilter
    /// applies. When scanning chunks, a match is found across a chunk
    /// boundary if it is at most 384 bytes long. An invalid pattern (or one
    /// larger than 1 MiB compiled) makes [`build`](Self::build) fail.
    pub fn regex(mut self, name: impl Into<String>, pattern: impl Into<String>) -> Self {
        self.regexes.push((name.into(), pattern.into()));
        self
    }

    /// Adds an allow-listed phrase (case-sensitive, 1 to 256 bytes).
    ///
    /// A finding is dropped when the text that triggered it lies entirely
    /// inside an occurrence of an allowed phrase. The triggering text is the
    /// signature's *anchor*: for built-in signatures the distinctive literal
    /// the prefilter looks for (`Traceback (most recent call last)`,
    /// `panicked at`, `SQL`, `://`, …; see the catalogue), for
    /// [`literal`](Self::literal) signatures the literal, for
    /// [`regex`](Self::regex) signatures the whole match. Other occurrences
    /// of the same signature elsewhere in the body are still reported. Use it
    /// for sentences your application emits on purpose, e.g. a public help
    /// text that quotes an error message.
    pub fn allow(mut self, phrase: impl Into<String>) -> Self {
        self.allow.push(phrase.into());
        self
    }

    /// Compiles the detector: all regexes, the prefilter automata and the
    /// allow list. Everything a scan needs is prepared here.
    ///
    /// # Errors
    ///
    /// A custom regex that does not compile (or exceeds the size limit), an
    /// empty or over-long custom literal, or an empty or over-long allowed
    /// phrase; the error names the signature and the reason.
    pub fn build(self) -> Result<Detector, DetectorError> {
        let enabled = !self.disabled & ((1u16 << Category::ALL.len()) - 1);
        let is_on = |c: Category| enabled & (1 << c.index()) != 0;
        let mut rules: Vec<Rule> = Vec::new();
        // (anchor literal, rule id) in rule order.
        let mut anchored: Vec<(Vec<u8>, u32)> = Vec::new();
        let mut unanchored = Vec::new();

        for sig in CATALOGUE.iter().filter(|s| is_on(s.category)) {
            let check = match sig.confirm {
                Confirm::Anchor => Check::Anchor,
                Confirm::Regex(pattern) => match compile(pattern, false) {
                    Ok(re) => Check::Regex(re),
                    Err(reason) => {
                        // Unreachable: every built-in regex is compiled by a
                        // unit test. Skip rather than fail a server.
                        debug_assert!(false, "{}: {reason}", sig.name);
                        continue;
                    }
                },
                Confirm::UrlUserinfo => Check::UrlUserinfo,
                Confirm::PrivateIpv4 => Check::PrivateIpv4,
                Confirm::LoopbackName => Check::LoopbackName,
            };
            let id = rule_id(rules.len());
            rules.push(Rule {
                name: Name::Static(sig.name),
                category: sig.category,
                check,
                before: usize::from(sig.before),
                after: usize::from(sig.after),
            });
            anchored.extend(sig.anchors.iter().map(|a| (a.as_bytes().to_vec(), id)));
        }

        if is_on(Category::Custom) {
            for (name, literal) in self.literals {
                if literal.is_empty() || literal.len() > MAX_LITERAL {
                    return Err(DetectorError::new(
                        name,
                        format!(
                            "a literal must be 1 to {MAX_LITERAL} bytes long, not {}",
                            literal.len()
                        ),
                    ));
                }
                let id = rule_id(rules.len());
                rules.push(Rule {
                    name: Name::Shared(name.into()),
                    category: Category::Custom,
                    check: Check::Anchor,
                    before: 0,
                    after: 0,
                });
                anchored.push((literal.into_bytes(), id));
            }
            for (name, pattern) in self.regexes {
                let re = compile(&pattern, true).map_err(|reason| {
                    DetectorError::new(name.clone(), format!("invalid regex: {reason}"))
                })?;
                unanchored.push(rule_id(rules.len()));
                rules.push(Rule {
                    name: Name::Shared(name.into()),
                    category: Category::Custom,
                    check: Check::Regex(re),
                    before: 0,
                    after: 0,
                });
            }
        }

        let (anchors, groups) = build_prefilter(anchored)?;

        let mut allow_max = 0;
        for phrase in &self.allow {
            if phrase.is_empty() || phrase.len() > MAX_LITERAL {
                return Err(DetectorError::new(
                    format!("allow({phrase:?})"),
                    format!("an allowed phrase must be 1 to {MAX_LITERAL} bytes long"),
                ));
            }
            allow_max = allow_max.max(phrase.len());
        }
        let allow = if self.allow.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&self.allow)
                    .map_err(|e| DetectorError::new("allow list", e.to_string()))?,
            )
        };

        Ok(Detector {
            inner: Arc::new(Inner {
                groups,
                anchors,
                rules,
                unanchored,
                allow,
                allow_max,
                allow_count: self.allow.len(),
                enabled,
            }),
        })
    }
}

fn rule_id(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Compiles one confirmation regex. Built-in patterns are ASCII-only (faster
/// and smaller automata); custom ones keep the regex crate's Unicode default.
pub(crate) fn compile(pattern: &str, unicode: bool) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .unicode(unicode)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

/// Deduplicates anchors and splits them into leftmost-longest automata of at
/// most `GROUP_MAX` literals each. Anchors shorter than 4 bytes get automata
/// of their own, so the others keep 4-byte SIMD fingerprints.
fn build_prefilter(
    anchored: Vec<(Vec<u8>, u32)>,
) -> Result<(Vec<AnchorEntry>, Vec<Group>), DetectorError> {
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut literals: Vec<Vec<u8>> = Vec::new();
    let mut anchors: Vec<AnchorEntry> = Vec::new();
    for (literal, rule) in anchored {
        let id = *index.entry(literal.clone()).or_insert_with(|| {
            anchors.push(AnchorEntry {
                len: literal.len(),
                rules: Vec::new(),
                prefixes: Vec::new(),
            });
            literals.push(literal);
            anchors.len() - 1
        });
        anchors[id].rules.push(rule);
    }

    // Short and digit-led anchors (`SQL`, `://`, `10.`, `192.168.`) go
    // together: their automaton has 3-byte fingerprints, the others 4-byte
    // ones. The rest are sorted so that each automaton holds anchors with
    // similar first bytes, and split into equal parts.
    let is_short = |l: &[u8]| l.len() < 4 || l.first().is_some_and(u8::is_ascii_digit);
    let mut order: Vec<usize> = (0..literals.len()).collect();
    order.sort_by_key(|&i| (!is_short(&literals[i]), literals[i].clone()));
    let short = order.iter().filter(|&&i| is_short(&literals[i])).count();
    let (short_ids, long_ids) = order.split_at(short);
    let parts = long_ids.len().div_ceil(GROUP_MAX).max(1);
    let per_part = long_ids.len().div_ceil(parts).max(1);
    let mut groups = Vec::new();
    for chunk in short_ids.chunks(GROUP_MAX).chain(long_ids.chunks(per_part)) {
        let patterns: Vec<&[u8]> = chunk.iter().map(|&i| literals[i].as_slice()).collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|e| DetectorError::new("prefilter", e.to_string()))?;
        for &a in chunk {
            let mut prefixes: Vec<usize> = chunk
                .iter()
                .copied()
                .filter(|&b| b != a && literals[a].starts_with(&literals[b]))
                .collect();
            prefixes.sort_by_key(|&b| std::cmp::Reverse(literals[b].len()));
            anchors[a].prefixes = prefixes.into_iter().map(rule_id).collect();
        }
        groups.push(Group {
            automaton,
            anchor_ids: chunk.iter().map(|&i| rule_id(i)).collect(),
            max_len: patterns.iter().map(|p| p.len()).max().unwrap_or(0),
        });
    }
    Ok((anchors, groups))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detector_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Detector>();
        let a = Detector::new();
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.inner, &b.inner));
        // The built-in catalogue is compiled once and shared (fuzz/
        // `template` builds a layer per input).
        assert!(Arc::ptr_eq(&a.inner, &Detector::default().inner));
        let debug = format!("{a:?}");
        assert!(debug.contains("automata: 5"), "{debug}");
    }
}
