//! Heap allocations and bytes per request: the bare handler vs `RedactLayer`
//! vs the tower-http composition (see `benches/common/mod.rs`), each scenario
//! without and with a tracing subscriber, printed as Markdown tables.
//!
//! ```text
//! cargo bench --bench allocations
//! ALLOC_N=100000 cargo bench --bench allocations
//! ALLOC_ONLY=redact/pass_200_generated_id/no_subscriber cargo bench --bench allocations
//! ```
//!
//! A counting `#[global_allocator]` wraps the system allocator. Each stack ×
//! scenario runs `ALLOC_WARMUP` requests (default 1,000), then `ALLOC_N`
//! (default 10,000) counted ones; requests are built before counting starts,
//! so the counts are what the stack (and the handler, and collecting the
//! body) allocate. A reallocation counts as one allocation of its new size.
//!
//! `ALLOC_ONLY=<stack>/<scenario>/<subscriber>` (each part may be `*`) runs a
//! subset, which makes this binary the driver for profilers too (callgrind).
//! `ALLOC_TRACE=1` also prints, on stderr, the call site of every allocation
//! of one request per cell (build with line tables for file:line, e.g.
//! `CARGO_PROFILE_BENCH_DEBUG=line-tables-only`).

mod common;

use common::{Req, Scenario, Stack};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::convert::Infallible;
use std::fmt::Debug;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use tower::Service;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
/// `ALLOC_TRACE=1`: print where each allocation of one request comes from.
static TRACE: AtomicBool = AtomicBool::new(false);

thread_local! {
    static IN_TRACE: Cell<bool> = const { Cell::new(false) };
}

/// Prints the allocation's call site: the first frames outside the
/// allocator and the standard library. Capturing allocates; `IN_TRACE`
/// keeps that from recursing.
fn trace(kind: &str, size: usize) {
    if !TRACE.load(Relaxed) || IN_TRACE.with(Cell::get) {
        return;
    }
    IN_TRACE.with(|t| t.set(true));
    let backtrace = std::backtrace::Backtrace::force_capture().to_string();
    let mut frames = Vec::new();
    let mut lines = backtrace.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((_, function)) = line.trim_start().split_once(": ") else {
            continue;
        };
        let path = match lines.peek() {
            Some(next) if next.trim_start().starts_with("at ") => {
                lines.next().unwrap_or_default().trim_start()[3..].to_owned()
            }
            _ => String::new(),
        };
        // The allocator, the standard library and the runtime's frames.
        if path.is_empty()
            || path.contains("/rustc/")
            || path.contains("/library/")
            || path.ends_with(".rs") && path.contains("benches/allocations.rs")
            || path.contains("benches/allocations.rs:")
        {
            continue;
        }
        let short: Vec<&str> = path.rsplit('/').take(3).collect();
        let short: Vec<&str> = short.into_iter().rev().collect();
        frames.push(format!("{function} ({})", short.join("/")));
        if frames.len() == 5 {
            break;
        }
    }
    eprintln!("{kind} {size:>5} B  {}", frames.join("  <-  "));
    IN_TRACE.with(|t| t.set(false));
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged; the counters are plain atomics and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        trace("alloc", layout.size());
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        trace("zeroed", layout.size());
        // SAFETY: forwarded as is; the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is; `ptr` came from `System` via this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size as u64, Relaxed);
        trace("realloc", new_size);
        // SAFETY: forwarded as is; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Debug, Clone, Copy, Default)]
struct PerRequest {
    allocations: f64,
    bytes: f64,
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn count<S, B>(
    rt: &tokio::runtime::Runtime,
    stack: Stack,
    scenario: Scenario,
    mut service: S,
) -> PerRequest
where
    S: Service<Req, Response = http::Response<B>, Error = Infallible> + Clone,
    B: http_body::Body<Data = bytes::Bytes>,
    B::Error: Debug,
{
    let warmup = env_u64("ALLOC_WARMUP", 1_000);
    let n = env_u64("ALLOC_N", 10_000).max(1);
    common::check(rt, stack, scenario, service.clone());
    rt.block_on(async {
        for _ in 0..warmup {
            black_box(common::drive(&mut service, common::request(scenario)).await);
        }
    });
    if std::env::var_os("ALLOC_TRACE").is_some() {
        let request = common::request(scenario);
        eprintln!(
            "--- allocations of one request: {} / {}",
            stack.name(),
            scenario.name()
        );
        TRACE.store(true, Relaxed);
        rt.block_on(async {
            black_box(common::drive(&mut service, request).await);
        });
        TRACE.store(false, Relaxed);
    }
    let requests: Vec<Req> = (0..n).map(|_| common::request(scenario)).collect();
    let (a0, b0) = (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed));
    rt.block_on(async {
        for request in requests {
            black_box(common::drive(&mut service, request).await);
        }
    });
    let (a1, b1) = (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed));
    PerRequest {
        allocations: (a1 - a0) as f64 / n as f64,
        bytes: (b1 - b0) as f64 / n as f64,
    }
}

fn selected(only: &Option<Vec<String>>, stack: Stack, scenario: Scenario, label: &str) -> bool {
    let Some(parts) = only else { return true };
    let want = [stack.name(), scenario.name(), label];
    parts
        .iter()
        .zip(want)
        .all(|(pattern, name)| pattern == "*" || pattern == name)
}

fn main() {
    // Arguments (`cargo bench` passes `--bench`) are ignored.
    common::silence_panics();
    let only: Option<Vec<String>> = std::env::var("ALLOC_ONLY")
        .ok()
        .map(|v| v.split('/').map(str::to_owned).collect());
    let rt = common::runtime();
    for subscriber in [false, true] {
        let label = if subscriber {
            "subscriber"
        } else {
            "no_subscriber"
        };
        let _guard =
            subscriber.then(|| tracing::subscriber::set_default(common::sink_subscriber()));
        let mut rows = Vec::new();
        for scenario in Scenario::ALL {
            let mut row = [None; 3];
            for (i, stack) in Stack::ALL.into_iter().enumerate() {
                if !selected(&only, stack, scenario, label) {
                    continue;
                }
                row[i] = Some(match stack {
                    Stack::Bare => count(&rt, stack, scenario, common::bare(scenario)),
                    Stack::Redact => count(&rt, stack, scenario, common::redact(scenario)),
                    Stack::TowerHttp => count(&rt, stack, scenario, common::tower_http(scenario)),
                });
            }
            if row.iter().any(Option::is_some) {
                rows.push((scenario, row));
            }
        }
        if rows.is_empty() {
            continue;
        }
        print_table(label, &rows);
    }
}

fn print_table(label: &str, rows: &[(Scenario, [Option<PerRequest>; 3])]) {
    let n = env_u64("ALLOC_N", 10_000).max(1);
    println!("\n### Allocations per request, {label} ({n} requests per cell)\n");
    println!(
        "| scenario | bare allocs | redact allocs | tower-http allocs | redact − bare | tower-http − bare | bare bytes | redact bytes | tower-http bytes |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let cell = |v: Option<f64>, digits: usize| match v {
        Some(v) => format!("{v:.digits$}"),
        None => "–".to_owned(),
    };
    for (scenario, [bare, redact, tower]) in rows {
        let allocs = |p: &Option<PerRequest>| p.map(|p| p.allocations);
        let bytes = |p: &Option<PerRequest>| p.map(|p| p.bytes);
        let over = |p: &Option<PerRequest>| match (p, bare) {
            (Some(p), Some(b)) => Some(p.allocations - b.allocations),
            _ => None,
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            scenario.name(),
            cell(allocs(bare), 2),
            cell(allocs(redact), 2),
            cell(allocs(tower), 2),
            cell(over(redact), 2),
            cell(over(tower), 2),
            cell(bytes(bare), 0),
            cell(bytes(redact), 0),
            cell(bytes(tower), 0),
        );
    }
}
