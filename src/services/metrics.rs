//! Prometheus metrics at `/metrics` (text format 0.0.4): HTTP requests by
//! method, route pattern and status, a latency histogram per route, runs and
//! failures per background service, the store's and the attachments' size.
//!
//! Access: from the machine itself (a loopback peer without proxy headers),
//! or from anywhere with `Authorization: Bearer <metrics_token>` when the
//! config key `metrics_token` is set. A request that came through a reverse
//! proxy on the same host carries `X-Forwarded-For`/`Forwarded` and needs
//! the token, so the proxy does not publish the metrics by accident.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use super::model::ServiceStatus;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error(
        "metrics are served to the local machine, or with the metrics token (config key metrics_token)"
    )]
    Forbidden,
}

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Series {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<(String, String), Histogram>,
}

/// Request counters, shared by all workers.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<Series>,
}

impl Metrics {
    /// Counts one answered request. `route` is the matched pattern
    /// (`/api/v1/cases/{id}`), never the raw path, so labels stay few.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut s = self.series.lock().unwrap_or_else(|p| p.into_inner());
        *s.requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let h = s
            .latency
            .entry((method.to_string(), route.to_string()))
            .or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    pub fn render(
        &self,
        services: &[ServiceStatus],
        store_bytes: u64,
        attachments_bytes: u64,
    ) -> String {
        let mut out = String::new();
        let s = self.series.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP zezaro_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE zezaro_http_requests_total counter\n");
        for ((method, route, status), n) in &s.requests {
            let _ = writeln!(
                out,
                "zezaro_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            );
        }
        out.push_str("# HELP zezaro_http_request_duration_seconds Time to the response headers.\n");
        out.push_str("# TYPE zezaro_http_request_duration_seconds histogram\n");
        for ((method, route), h) in &s.latency {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "zezaro_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "zezaro_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "zezaro_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "zezaro_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        drop(s);
        let per_service = |out: &mut String,
                           name: &str,
                           help: &str,
                           kind: &str,
                           value: &dyn Fn(&ServiceStatus) -> String| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for svc in services {
                let _ = writeln!(
                    out,
                    "{name}{{service=\"{}\"}} {}",
                    escape(&svc.key),
                    value(svc)
                );
            }
        };
        per_service(
            &mut out,
            "zezaro_service_runs_total",
            "Runs of a background service since start.",
            "counter",
            &|s| s.runs.to_string(),
        );
        per_service(
            &mut out,
            "zezaro_service_failures_total",
            "Failed runs of a background service since start.",
            "counter",
            &|s| s.failures.to_string(),
        );
        per_service(
            &mut out,
            "zezaro_service_failed",
            "1 while the service is in state failed.",
            "gauge",
            &|s| u8::from(s.state == super::ServiceState::Failed).to_string(),
        );
        let _ = writeln!(
            out,
            "# HELP zezaro_store_size_bytes Size of the SQLite store (database and WAL file)."
        );
        let _ = writeln!(out, "# TYPE zezaro_store_size_bytes gauge");
        let _ = writeln!(out, "zezaro_store_size_bytes {store_bytes}");
        let _ = writeln!(
            out,
            "# HELP zezaro_attachments_size_bytes Size of the stored attachment contents."
        );
        let _ = writeln!(out, "# TYPE zezaro_attachments_size_bytes gauge");
        let _ = writeln!(out, "zezaro_attachments_size_bytes {attachments_bytes}");
        out
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Bytes of the store file and its WAL.
pub fn store_bytes(db_path: &std::path::Path) -> u64 {
    let wal = db_path.with_extension("db-wal");
    [db_path.to_path_buf(), wal]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

impl crate::problem::Problem for MetricsError {
    fn problem(&self) -> crate::problem::Answer {
        crate::problem::Answer::new(403, "metrics-forbidden", self)
    }
}

/// Replication (replication/litestream.rs): whether Litestream runs, and
/// the lag of the replica behind the store when known.
pub fn render_replication(status: &crate::replication::ReplicationStatus) -> String {
    let mut out = String::new();
    out.push_str("# HELP zezaro_replication_up Whether the Litestream child runs.\n");
    out.push_str("# TYPE zezaro_replication_up gauge\n");
    let _ = writeln!(
        out,
        "zezaro_replication_up{{target=\"{}\"}} {}",
        escape(&status.target),
        u8::from(status.running)
    );
    out.push_str(
        "# HELP zezaro_replication_starts_total Times the Litestream child was started.\n",
    );
    out.push_str("# TYPE zezaro_replication_starts_total counter\n");
    let _ = writeln!(out, "zezaro_replication_starts_total {}", status.starts);
    if let Some(lag) = status.lag_seconds {
        out.push_str(
            "# HELP zezaro_replication_lag_seconds How far the replica may be behind the store (upper bound).\n",
        );
        out.push_str("# TYPE zezaro_replication_lag_seconds gauge\n");
        let _ = writeln!(out, "zezaro_replication_lag_seconds {lag}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe("GET", "/api/v1/cases", 200, 0.003);
        m.observe("GET", "/api/v1/cases", 200, 0.2);
        m.observe("POST", "/api/v1/cases", 422, 0.01);
        let text = m.render(&[], 4096, 10);
        assert!(text.contains(
            "zezaro_http_requests_total{method=\"GET\",route=\"/api/v1/cases\",status=\"200\"} 2"
        ));
        assert!(
            text.contains("route=\"/api/v1/cases\",le=\"0.005\"} 1"),
            "{text}"
        );
        assert!(text.contains("route=\"/api/v1/cases\",le=\"0.25\"} 2"));
        assert!(text.contains("zezaro_store_size_bytes 4096"));
        assert!(text.contains("zezaro_attachments_size_bytes 10"));
    }
}
