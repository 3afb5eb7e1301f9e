//! Forecast staffing (issue 18): one month (31 days) at 15-minute
//! intervals for 4 channels: March 2026 in Europe/Berlin, whose 29th has
//! 23 hours, so (30 × 96 + 92) × 4 = 11,888 interval computations.
//! Run: `cargo bench --bench forecast` (release).
//!
//! `forecast::service::bench_month` runs the same code as
//! `GET /projects/{id}/forecast/staffing` from the month's volumes (spread
//! by the default weekday and intraday profiles, 30 % shrinkage, 80 % in
//! 20 s) without the store. Two cases:
//! - the staffing as a project would have it: calls by Erlang C, e-mail,
//!   web form and chat by workload (one call channel of four);
//! - the worst case: calls by Erlang A (each interval a bisection over the
//!   agents with incomplete-gamma series), again with three written
//!   channels; and, to stress the math, four call channels' worth of
//!   Erlang A intervals (4 × 2,972).
//!
//! Volumes are large (120,000 calls a month: about 90 agents at the
//! daily peak). Reports the median and p95 over FORECAST_BENCH_RUNS runs
//! (default 21).

use std::time::Instant;

use chrono::NaiveDate;
use zezaro::cases::Channel;
use zezaro::forecast::service::bench_month;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn measure(name: &str, runs: usize, mut f: impl FnMut() -> (f64, usize)) {
    let mut times = Vec::with_capacity(runs);
    let mut last = (0.0, 0);
    for _ in 0..runs {
        let start = Instant::now();
        last = std::hint::black_box(f());
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{name}: {} intervals, {:.1} FTE-days; median {:.2} ms, p95 {:.2} ms, min {:.2} ms ({runs} runs)",
        last.1,
        last.0,
        percentile(&times, 50.0),
        percentile(&times, 95.0),
        times[0]
    );
}

fn main() {
    let runs = env("FORECAST_BENCH_RUNS", 21);
    let march = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    let volumes = [
        (Channel::Call, 120_000),
        (Channel::Email, 60_000),
        (Channel::Webform, 15_000),
        (Channel::Chat, 30_000),
    ];
    measure("month, 15 min, 4 channels, calls by Erlang C", runs, || {
        bench_month(march, &volumes, 15, None)
    });
    measure(
        "month, 15 min, 4 channels, calls by Erlang A (patience 90 s)",
        runs,
        || bench_month(march, &volumes, 15, Some(90)),
    );
    measure(
        "4 × a month of Erlang A call intervals (11,888 Erlang A searches)",
        runs,
        || {
            let mut total = (0.0, 0);
            for volume in [120_000, 90_000, 60_000, 30_000] {
                let r = bench_month(march, &[(Channel::Call, volume)], 15, Some(90));
                total = (total.0 + r.0, total.1 + r.1);
            }
            total
        },
    );
}
