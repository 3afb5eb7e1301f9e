//! Staffing per interval (docs/architecture.md, "Forecast and staffing"):
//! calls by Erlang C or, with a patience, Erlang A ([`super::erlang`]);
//! written channels by their workload (volume × handling time incl.
//! after-work) done within the response time; then shrinkage to the staff
//! to schedule. Plain functions of the day's interval volumes.

use super::erlang::{self, CallMetrics, CallTarget};
use super::model::Model;
use crate::cases::Channel;

/// The project's figures staffing needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub interval_minutes: i64,
    pub target: CallTarget,
    /// Mean patience of callers, seconds; `None`: Erlang C.
    pub patience: Option<f64>,
    /// 0–1.
    pub shrinkage: f64,
    pub response_minutes: i64,
    pub fte_minutes: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IntervalResult {
    pub volume: f64,
    /// Agents on cases at once (calls: whole; written: the workload).
    pub agents: f64,
    /// Calls: what `agents` achieve.
    pub metrics: Option<CallMetrics>,
    /// Calls with a patience, in detail: what Erlang C would want.
    pub erlang_c_agents: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChannelResult {
    pub model: Model,
    pub intervals: Vec<IntervalResult>,
    pub productive_minutes: f64,
    pub required_fte: f64,
    pub required_seats: i64,
}

/// Staff to schedule for `agents` on cases: shrinkage added, rounded up
/// (a hair of rounding noise does not make one more person).
pub fn scheduled(agents: f64, shrinkage: f64) -> i64 {
    (erlang::scheduled(agents, shrinkage) - 1e-9)
        .ceil()
        .max(0.0) as i64
}

/// How a channel is staffed under these settings.
pub fn model_of(channel: Channel, params: &Params) -> Model {
    match (channel, params.patience) {
        (Channel::Call, Some(_)) => Model::ErlangA,
        (Channel::Call, None) => Model::ErlangC,
        _ => Model::Workload,
    }
}

fn call_interval(volume: f64, aht: f64, params: &Params, detail: bool) -> IntervalResult {
    let lambda = volume / (params.interval_minutes as f64 * 60.0);
    let metrics = match params.patience {
        Some(patience) => erlang::required_erlang_a(lambda, aht, patience, &params.target),
        None => erlang::required_erlang_c(lambda, aht, &params.target),
    };
    let erlang_c_agents = if detail && params.patience.is_some() {
        erlang::required_erlang_c(lambda, aht, &params.target).map(|m| m.agents)
    } else {
        None
    };
    IntervalResult {
        volume,
        agents: f64::from(metrics.map_or(erlang::MAX_AGENTS, |m| m.agents)),
        metrics,
        erlang_c_agents,
    }
}

/// Written work: what comes in during an interval is worked off evenly
/// over the working intervals from then on that the response time spans
/// (at least one), so every message is answered within it. Work that
/// would run past the day's last working interval wraps to its first
/// (yesterday's late mail is this morning's work), so the day's agent
/// minutes are exactly its workload. `working`: the intervals the
/// project works in (the profile has arrivals); none: all.
fn written(volumes: &[f64], aht: f64, working: &[bool], params: &Params) -> Vec<IntervalResult> {
    let len = volumes.len();
    let mut open: Vec<usize> = (0..len)
        .filter(|&i| working.get(i) == Some(&true))
        .collect();
    if open.is_empty() {
        open = (0..len).collect();
    }
    let span = ((params.response_minutes as f64 / params.interval_minutes as f64).floor() as usize)
        .clamp(1, open.len().max(1));
    let seconds = params.interval_minutes as f64 * 60.0;
    let mut agents = vec![0.0; len];
    for (i, &volume) in volumes.iter().enumerate() {
        if volume <= 0.0 {
            continue;
        }
        let per = volume * aht / seconds / span as f64;
        let start = open.iter().position(|&o| o >= i).unwrap_or(0);
        for k in 0..span {
            agents[open[(start + k) % open.len()]] += per;
        }
    }
    volumes
        .iter()
        .zip(agents)
        .map(|(&volume, agents)| IntervalResult {
            volume,
            agents,
            metrics: None,
            erlang_c_agents: None,
        })
        .collect()
}

/// A channel's day: `volumes` per interval from 00:00, handling time `aht`
/// seconds. `detail`: also Erlang C's agents where Erlang A decides.
pub fn staff_channel(
    channel: Channel,
    volumes: &[f64],
    aht: f64,
    working: &[bool],
    params: &Params,
    detail: bool,
) -> ChannelResult {
    let model = model_of(channel, params);
    let intervals: Vec<IntervalResult> = match model {
        Model::Workload => written(volumes, aht, working, params),
        Model::ErlangA | Model::ErlangC => volumes
            .iter()
            .map(|&v| call_interval(v, aht, params, detail))
            .collect(),
    };
    let productive_minutes: f64 = intervals
        .iter()
        .map(|i| i.agents * params.interval_minutes as f64)
        .sum();
    let required_seats = intervals
        .iter()
        .map(|i| scheduled(i.agents, params.shrinkage))
        .max()
        .unwrap_or(0);
    ChannelResult {
        model,
        intervals,
        required_fte: fte(productive_minutes, params),
        productive_minutes,
        required_seats,
    }
}

/// Full-time equivalents for agent minutes on cases.
pub fn fte(productive_minutes: f64, params: &Params) -> f64 {
    erlang::scheduled(productive_minutes, params.shrinkage) / params.fte_minutes as f64
}

/// Most staff needed at once over all channels of a day.
pub fn peak_seats(channels: &[ChannelResult], params: &Params) -> i64 {
    let len = channels
        .iter()
        .map(|c| c.intervals.len())
        .max()
        .unwrap_or(0);
    (0..len)
        .map(|i| {
            let agents: f64 = channels
                .iter()
                .filter_map(|c| c.intervals.get(i))
                .map(|r| r.agents)
                .sum();
            scheduled(agents, params.shrinkage)
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(patience: Option<f64>) -> Params {
        Params {
            interval_minutes: 30,
            target: CallTarget {
                service_level: 0.8,
                answer_seconds: 20.0,
                max_occupancy: 1.0,
            },
            patience,
            shrinkage: 0.3,
            response_minutes: 120,
            fte_minutes: 480,
        }
    }

    #[test]
    fn calls_per_interval_with_shrinkage() {
        let mut volumes = vec![0.0; 48];
        volumes[20] = 100.0; // 10:00–10:30: the textbook case
        let r = staff_channel(Channel::Call, &volumes, 180.0, &[], &params(None), true);
        assert_eq!(r.model, Model::ErlangC);
        assert_eq!(r.intervals[20].agents, 14.0);
        assert_eq!(r.intervals[19].agents, 0.0);
        assert_eq!(r.required_seats, 20); // 14 / 0.7
        assert!((r.productive_minutes - 14.0 * 30.0).abs() < 1e-9);
        assert!((r.required_fte - 420.0 / 0.7 / 480.0).abs() < 1e-9);
        let a = staff_channel(
            Channel::Call,
            &volumes,
            180.0,
            &[],
            &params(Some(120.0)),
            true,
        );
        assert_eq!(a.model, Model::ErlangA);
        assert_eq!(a.intervals[20].erlang_c_agents, Some(14));
        assert!(a.intervals[20].agents <= 14.0);
        assert!(a.intervals[20].metrics.expect("metrics").abandon_rate > 0.0);
    }

    #[test]
    fn written_work_spread_within_the_response_time() {
        // 48 mails at 08:00, 10 minutes each, answered within 2 hours (4
        // intervals): 480 minutes of work, 4 agents for four intervals.
        let mut volumes = vec![0.0; 48];
        volumes[16] = 48.0;
        let working: Vec<bool> = (0..48).map(|i| (16..36).contains(&i)).collect();
        let r = staff_channel(
            Channel::Email,
            &volumes,
            600.0,
            &working,
            &params(None),
            false,
        );
        assert_eq!(r.model, Model::Workload);
        for (i, x) in r.intervals.iter().enumerate().take(20).skip(16) {
            assert!((x.agents - 4.0).abs() < 1e-9, "{i}");
        }
        assert_eq!(r.intervals[20].agents, 0.0);
        assert!((r.productive_minutes - 480.0).abs() < 1e-9);
        // 4 agents / 0.7 → 6 to schedule.
        assert_eq!(r.required_seats, 6);
        // Late mail wraps to the next morning's first working intervals.
        let mut late = vec![0.0; 48];
        late[35] = 12.0;
        let r = staff_channel(Channel::Email, &late, 600.0, &working, &params(None), false);
        assert!((r.intervals[35].agents - 1.0).abs() < 1e-9);
        assert!((r.intervals[16].agents - 1.0).abs() < 1e-9);
        assert!((r.productive_minutes - 120.0).abs() < 1e-9);
    }

    #[test]
    fn peak_over_channels() {
        let mut calls = vec![0.0; 48];
        calls[20] = 100.0;
        let mut mails = vec![0.0; 48];
        mails[20] = 24.0;
        let p = params(None);
        let working = vec![true; 48];
        let c = staff_channel(Channel::Call, &calls, 180.0, &working, &p, false);
        let m = staff_channel(Channel::Email, &mails, 600.0, &working, &p, false);
        // 14 + 2 agents at 10:00 → 16 / 0.7 → 23.
        assert_eq!(peak_seats(&[c, m], &p), 23);
    }
}
