//! Weekday and intraday profiles (docs/architecture.md, "Forecast and
//! staffing"): how a month's volume spreads over its days, and a day's over
//! its intervals. Learned from the times the project's cases came in (local
//! time), or the documented default.
//!
//! Slots are quarter hours of the local clock (96 a day; a day with a
//! daylight-saving change keeps 96 slots by clock time). A 30-minute
//! interval is two slots.

use chrono::{Datelike, NaiveDate};

/// Quarter hours in a day.
pub const SLOTS: usize = 96;
/// Fewer cases than this in the learning window: the default profile.
pub const MIN_CASES: usize = 100;
/// A weekday with fewer cases than this gets the all-days intraday curve.
pub const MIN_WEEKDAY_CASES: usize = 50;
/// Days looked back when learning.
pub const LOOKBACK_DAYS: i64 = 84;

/// A channel's shares: of the week per weekday (Monday first, sum 1) and of
/// each weekday per quarter hour (each sums to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub weekday: [f64; 7],
    pub intraday: Vec<[f64; SLOTS]>,
}

/// The default profile: Monday to Friday alike, nothing at the weekend,
/// evenly over 08:00–18:00 local.
pub fn default_profile() -> Profile {
    let mut day = [0.0; SLOTS];
    for slot in day.iter_mut().take(72).skip(32) {
        *slot = 1.0 / 40.0;
    }
    Profile {
        weekday: [0.2, 0.2, 0.2, 0.2, 0.2, 0.0, 0.0],
        intraday: vec![day; 7],
    }
}

/// One case as learning sees it: its local date and quarter hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub date: NaiveDate,
    pub slot: usize,
}

fn normalized(counts: &[f64; SLOTS]) -> Option<[f64; SLOTS]> {
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut out = [0.0; SLOTS];
    for (o, c) in out.iter_mut().zip(counts) {
        *o = c / total;
    }
    Some(out)
}

/// Learns a profile from the arrivals between `from` and `to` (local days,
/// inclusive). `None`: fewer than [`MIN_CASES`].
///
/// A weekday's share is its mean volume per day of that weekday in the
/// window (a window need not hold each weekday equally often), over the
/// sum of those means.
pub fn learn(arrivals: &[Arrival], from: NaiveDate, to: NaiveDate) -> Option<Profile> {
    if arrivals.len() < MIN_CASES || to < from {
        return None;
    }
    let mut days_of = [0u32; 7];
    let mut d = from;
    while d <= to {
        days_of[d.weekday().num_days_from_monday() as usize] += 1;
        d = d.succ_opt()?;
    }
    let mut per_weekday = [0usize; 7];
    let mut slots = vec![[0.0f64; SLOTS]; 7];
    let mut pooled = [0.0f64; SLOTS];
    for a in arrivals {
        if a.date < from || a.date > to || a.slot >= SLOTS {
            continue;
        }
        let w = a.date.weekday().num_days_from_monday() as usize;
        per_weekday[w] += 1;
        slots[w][a.slot] += 1.0;
        pooled[a.slot] += 1.0;
    }
    let mut means = [0.0; 7];
    for ((mean, &n), &days) in means.iter_mut().zip(&per_weekday).zip(&days_of) {
        if days > 0 {
            *mean = n as f64 / f64::from(days);
        }
    }
    let total: f64 = means.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let pooled = normalized(&pooled)?;
    let weekday = means.map(|m| m / total);
    let intraday = slots
        .iter()
        .zip(per_weekday)
        .map(|(counts, n)| {
            let own = if n >= MIN_WEEKDAY_CASES {
                normalized(counts)
            } else {
                None
            };
            own.unwrap_or(pooled)
        })
        .collect();
    Some(Profile { weekday, intraday })
}

/// The days of a month with their share of the month's volume: each day's
/// weekday share over the sum of them across the month (evenly when that
/// sum is 0).
pub fn month_days(profile: &Profile, first: NaiveDate) -> Vec<(NaiveDate, f64)> {
    let mut days = Vec::new();
    let mut d = first;
    while d.month() == first.month() {
        days.push(d);
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    let weights: Vec<f64> = days
        .iter()
        .map(|d| profile.weekday[d.weekday().num_days_from_monday() as usize])
        .collect();
    let total: f64 = weights.iter().sum();
    days.iter()
        .zip(weights)
        .map(|(d, w)| {
            let share = if total > 0.0 {
                w / total
            } else {
                1.0 / days.len() as f64
            };
            (*d, share)
        })
        .collect()
}

/// A weekday's intraday shares at `interval_minutes` (15 or 30).
pub fn intervals(profile: &Profile, weekday: usize, interval_minutes: i64) -> Vec<f64> {
    let per = (interval_minutes / 15).max(1) as usize;
    profile.intraday[weekday.min(6)]
        .chunks(per)
        .map(|c| c.iter().sum())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn default_is_weekdays_eight_to_six() {
        let p = default_profile();
        assert!((p.weekday.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let day = intervals(&p, 0, 30);
        assert_eq!(day.len(), 48);
        assert_eq!(day[15], 0.0); // 07:30
        assert!((day[16] - 0.05).abs() < 1e-12); // 08:00
        assert!((day[35] - 0.05).abs() < 1e-12); // 17:30
        assert_eq!(day[36], 0.0); // 18:00
    }

    #[test]
    fn too_few_cases_learn_nothing() {
        let a = vec![
            Arrival {
                date: date("2026-03-02"),
                slot: 40
            };
            MIN_CASES - 1
        ];
        assert_eq!(learn(&a, date("2026-03-01"), date("2026-03-31")), None);
    }

    #[test]
    fn learns_weekday_means_and_curves() {
        // Two weeks (Mon 2 – Sun 15 March 2026): Mondays 60 cases at 09:00,
        // Saturdays 20 at 12:00, nothing else.
        let mut a = Vec::new();
        for day in ["2026-03-02", "2026-03-09"] {
            a.extend(std::iter::repeat_n(
                Arrival {
                    date: date(day),
                    slot: 36,
                },
                60,
            ));
        }
        for day in ["2026-03-07", "2026-03-14"] {
            a.extend(std::iter::repeat_n(
                Arrival {
                    date: date(day),
                    slot: 48,
                },
                20,
            ));
        }
        let p = learn(&a, date("2026-03-02"), date("2026-03-15")).expect("learned");
        assert!((p.weekday[0] - 0.75).abs() < 1e-12, "{:?}", p.weekday);
        assert!((p.weekday[5] - 0.25).abs() < 1e-12);
        assert_eq!(p.weekday[2], 0.0);
        // Monday has enough cases for its own curve; Saturday (40) takes
        // the pooled one: 120 at 09:00, 40 at 12:00.
        assert_eq!(p.intraday[0][36], 1.0);
        assert!((p.intraday[5][36] - 0.75).abs() < 1e-12);
        assert!((p.intraday[5][48] - 0.25).abs() < 1e-12);
    }

    #[test]
    fn month_spreads_by_weekday() {
        // March 2026: 22 weekdays, 9 weekend days.
        let days = month_days(&default_profile(), date("2026-03-01"));
        assert_eq!(days.len(), 31);
        let sum: f64 = days.iter().map(|d| d.1).sum();
        assert!((sum - 1.0).abs() < 1e-12);
        assert_eq!(days[0].1, 0.0); // Sunday
        assert!((days[1].1 - 1.0 / 22.0).abs() < 1e-12); // Monday
    }
}
