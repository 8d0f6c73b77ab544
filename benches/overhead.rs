//! Time per request, in process: the bare handler vs `RedactLayer` vs the
//! tower-http composition for the same job, in six scenarios, without and
//! with a tracing subscriber. See `benches/common/mod.rs` for the stacks and
//! BENCHMARKS.md for the results.
//!
//! ```text
//! cargo bench --bench overhead
//! cargo bench --bench overhead -- --warm-up-time 1 --measurement-time 3
//! cargo bench --bench overhead -- pass_200          # a subset
//! python3 scripts/criterion_table.py                # the Markdown table
//! ```
//!
//! Each group is one scenario (`<scenario>/<no_subscriber|subscriber>`),
//! each bench in it one stack, so the report reads as a table. A sample
//! drives requests on a current-thread tokio runtime through
//! `ServiceExt::ready` + `call`, collects the whole body and drops the
//! response; the requests are built before the clock starts, in chunks.

mod common;

use common::{Req, Scenario, Stack};
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use std::convert::Infallible;
use std::fmt::Debug;
use std::hint::black_box;
use std::time::{Duration, Instant};
use tower::Service;

/// Requests built ahead of each timed chunk.
const CHUNK: u64 = 256;

fn bench_stack<S, B>(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &tokio::runtime::Runtime,
    stack: Stack,
    scenario: Scenario,
    service: S,
) where
    S: Service<Req, Response = http::Response<B>, Error = Infallible> + Clone,
    B: http_body::Body<Data = bytes::Bytes>,
    B::Error: Debug,
{
    common::check(rt, stack, scenario, service.clone());
    group.bench_function(stack.name(), |b| {
        b.to_async(rt).iter_custom(|iters| {
            let mut service = service.clone();
            async move {
                let mut elapsed = Duration::ZERO;
                let mut left = iters;
                let mut requests = Vec::with_capacity(CHUNK as usize);
                while left > 0 {
                    let n = left.min(CHUNK);
                    requests.extend((0..n).map(|_| common::request(scenario)));
                    let start = Instant::now();
                    for request in requests.drain(..) {
                        black_box(common::drive(&mut service, black_box(request)).await);
                    }
                    elapsed += start.elapsed();
                    left -= n;
                }
                elapsed
            }
        })
    });
}

fn scenarios(c: &mut Criterion, subscriber: bool) {
    let rt = common::runtime();
    let label = if subscriber {
        "subscriber"
    } else {
        "no_subscriber"
    };
    // Installed as this thread's default for these groups only; the
    // current-thread runtime polls every future on this thread.
    let _guard = subscriber.then(|| tracing::subscriber::set_default(common::sink_subscriber()));
    for scenario in Scenario::ALL {
        let mut group = c.benchmark_group(format!("{}/{label}", scenario.name()));
        bench_stack(
            &mut group,
            &rt,
            Stack::Bare,
            scenario,
            common::bare(scenario),
        );
        bench_stack(
            &mut group,
            &rt,
            Stack::Redact,
            scenario,
            common::redact(scenario),
        );
        bench_stack(
            &mut group,
            &rt,
            Stack::TowerHttp,
            scenario,
            common::tower_http(scenario),
        );
        group.finish();
    }
}

fn overhead(c: &mut Criterion) {
    common::silence_panics();
    // Without a subscriber first: once a subscriber has registered, tracing's
    // callsite cache and max level no longer describe "no subscriber ever".
    scenarios(c, false);
    scenarios(c, true);
}

criterion_group!(benches, overhead);
criterion_main!(benches);
