//! Weekday and intraday profiles (docs/architecture.md, "Forecast and
//! staffing"): how a month's volume spreads over its days, and a day's over
//! its intervals. Learned from the times the project's cases came in (local
//! time), or the documented default.
//!
//! Curves are per quarter hour of the local clock (96). A real day
//! ([`super::day::LocalDay`]) may have 92 or 100 quarter hours: each takes
//! the weight of the clock quarter hour it shows (a repeated one twice, a
//! skipped one not at all) and the day's weights are scaled to sum to 1, so
//! a day's volume is neither lost nor doubled. Learning divides the cases
//! of a clock quarter hour by how often it really happened.
//!
//! Public holidays (of the project's business calendar) are kept out of
//! the weekday curves; they get their own share and curve when the window
//! holds any, else Sunday's.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use super::day::{LocalDay, local_day};

/// Quarter hours in a day by the clock.
pub const SLOTS: usize = 96;
/// Fewer cases than this in the learning window: the default profile.
pub const MIN_CASES: usize = 100;
/// A weekday (or the holidays) with fewer cases than this gets the
/// all-days intraday curve (the holidays: Sunday's).
pub const MIN_WEEKDAY_CASES: usize = 50;
/// Days looked back when learning.
pub const LOOKBACK_DAYS: i64 = 84;

/// A channel's shares: of the week per weekday (Monday first, sum 1) and of
/// each weekday per quarter hour (each sums to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub weekday: [f64; 7],
    pub intraday: Vec<[f64; SLOTS]>,
    /// A public holiday's weight on the weekday shares' scale (its mean
    /// volume over the sum of the weekdays' means), when the window held
    /// holidays; `None`: Sunday's.
    pub holiday: Option<f64>,
    /// A holiday's curve, when the holidays had enough cases; `None`:
    /// Sunday's.
    pub holiday_intraday: Option<[f64; SLOTS]>,
}

impl Profile {
    /// The weight a day gets when a month's volume is spread.
    pub fn day_weight(&self, date: NaiveDate, holiday: bool) -> f64 {
        if holiday {
            self.holiday.unwrap_or(self.weekday[6])
        } else {
            self.weekday[weekday(date)]
        }
    }

    /// The clock curve a day follows.
    pub fn day_curve(&self, date: NaiveDate, holiday: bool) -> &[f64; SLOTS] {
        let sunday = &self.intraday[6.min(self.intraday.len() - 1)];
        if holiday {
            self.holiday_intraday.as_ref().unwrap_or(sunday)
        } else {
            self.intraday.get(weekday(date)).unwrap_or(sunday)
        }
    }
}

fn weekday(date: NaiveDate) -> usize {
    date.weekday().num_days_from_monday() as usize
}

/// The default profile: Monday to Friday alike, nothing at the weekend
/// (nor on holidays, which take Sunday's), evenly over 08:00–18:00 local.
pub fn default_profile() -> Profile {
    let mut day = [0.0; SLOTS];
    for slot in day.iter_mut().take(72).skip(32) {
        *slot = 1.0 / 40.0;
    }
    Profile {
        weekday: [0.2, 0.2, 0.2, 0.2, 0.2, 0.0, 0.0],
        intraday: vec![day; 7],
        holiday: None,
        holiday_intraday: None,
    }
}

/// One case as learning sees it: its local date and quarter hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub date: NaiveDate,
    pub slot: usize,
}

/// Cases per quarter hour over the times that quarter hour happened,
/// scaled to sum 1.
fn curve(counts: &[f64; SLOTS], exposure: &[f64; SLOTS]) -> Option<[f64; SLOTS]> {
    let mut rate = [0.0; SLOTS];
    for ((r, c), e) in rate.iter_mut().zip(counts).zip(exposure) {
        if *e > 0.0 {
            *r = c / e;
        }
    }
    let total: f64 = rate.iter().sum();
    if total <= 0.0 {
        return None;
    }
    Some(rate.map(|r| r / total))
}

/// Counts of one kind of day: days, cases, cases and real occurrences per
/// clock quarter hour.
#[derive(Clone)]
struct Tally {
    days: u32,
    cases: usize,
    counts: [f64; SLOTS],
    exposure: [f64; SLOTS],
}

impl Tally {
    fn new() -> Self {
        Tally {
            days: 0,
            cases: 0,
            counts: [0.0; SLOTS],
            exposure: [0.0; SLOTS],
        }
    }

    fn day(&mut self, day: &LocalDay) {
        self.days += 1;
        for q in &day.quarters {
            self.exposure[q.slot] += 1.0;
        }
    }

    fn case(&mut self, slot: usize) {
        self.cases += 1;
        self.counts[slot] += 1.0;
    }

    fn mean(&self) -> f64 {
        if self.days == 0 {
            0.0
        } else {
            self.cases as f64 / f64::from(self.days)
        }
    }
}

/// Learns a profile from the arrivals between `from` and `to` (local days
/// in `tz`, inclusive), `holidays` kept apart. `None`: fewer than
/// [`MIN_CASES`].
///
/// A weekday's share is its mean volume per day of that weekday in the
/// window (a window need not hold each weekday equally often), over the
/// sum of those means; holidays count for no weekday.
pub fn learn(
    arrivals: &[Arrival],
    from: NaiveDate,
    to: NaiveDate,
    tz: &Tz,
    holidays: &BTreeSet<NaiveDate>,
) -> Option<Profile> {
    if arrivals.len() < MIN_CASES || to < from {
        return None;
    }
    let mut weekdays = vec![Tally::new(); 7];
    let mut pooled = Tally::new();
    let mut holiday = Tally::new();
    let mut d = from;
    while d <= to {
        let day = local_day(tz, d);
        if holidays.contains(&d) {
            holiday.day(&day);
        } else {
            weekdays[weekday(d)].day(&day);
            pooled.day(&day);
        }
        d = d.succ_opt()?;
    }
    for a in arrivals {
        if a.date < from || a.date > to || a.slot >= SLOTS {
            continue;
        }
        if holidays.contains(&a.date) {
            holiday.case(a.slot);
        } else {
            weekdays[weekday(a.date)].case(a.slot);
            pooled.case(a.slot);
        }
    }
    let means: Vec<f64> = weekdays.iter().map(Tally::mean).collect();
    let total: f64 = means.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let all_days = curve(&pooled.counts, &pooled.exposure)?;
    let mut weekday = [0.0; 7];
    for (w, m) in weekday.iter_mut().zip(&means) {
        *w = m / total;
    }
    let intraday = weekdays
        .iter()
        .map(|t| {
            let own = if t.cases >= MIN_WEEKDAY_CASES {
                curve(&t.counts, &t.exposure)
            } else {
                None
            };
            own.unwrap_or(all_days)
        })
        .collect();
    Some(Profile {
        weekday,
        intraday,
        holiday: (holiday.days > 0).then(|| holiday.mean() / total),
        holiday_intraday: if holiday.cases >= MIN_WEEKDAY_CASES {
            curve(&holiday.counts, &holiday.exposure)
        } else {
            None
        },
    })
}

/// The days of a month with their share of the month's volume: each day's
/// weight (its weekday's share, a holiday's [`Profile::day_weight`]) over
/// the sum of them across the month (evenly when that sum is 0).
pub fn month_days(
    profile: &Profile,
    first: NaiveDate,
    holidays: &BTreeSet<NaiveDate>,
) -> Vec<(NaiveDate, f64)> {
    let days = days_of_month(first);
    let weights: Vec<f64> = days
        .iter()
        .map(|d| profile.day_weight(*d, holidays.contains(d)))
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

/// The calendar days of the month `first` starts.
pub fn days_of_month(first: NaiveDate) -> Vec<NaiveDate> {
    let mut days = Vec::with_capacity(31);
    let mut d = first;
    while d.month() == first.month() {
        days.push(d);
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    days
}

/// A real day's share of its volume per interval of `interval_minutes`
/// ([`LocalDay::spans`]): each quarter hour weighs what the day's curve
/// gives its clock quarter hour, scaled so the day sums to 1 (evenly when
/// the curve has nothing on the day's clock times).
pub fn day_shares(
    profile: &Profile,
    day: &LocalDay,
    holiday: bool,
    interval_minutes: i64,
) -> Vec<f64> {
    let curve = profile.day_curve(day.date, holiday);
    let weights: Vec<f64> = day.quarters.iter().map(|q| curve[q.slot]).collect();
    let total: f64 = weights.iter().sum();
    let even = 1.0 / weights.len().max(1) as f64;
    let per = (interval_minutes / 15).max(1) as usize;
    weights
        .chunks(per)
        .map(|c| {
            if total > 0.0 {
                c.iter().sum::<f64>() / total
            } else {
                even * c.len() as f64
            }
        })
        .collect()
}

/// A clock curve's shares at `interval_minutes` (15 or 30): the profile as
/// an ordinary 24-hour day shows it.
pub fn clock_intervals(curve: &[f64; SLOTS], interval_minutes: i64) -> Vec<f64> {
    let per = (interval_minutes / 15).max(1) as usize;
    curve.chunks(per).map(|c| c.iter().sum()).collect()
}

/// A weekday's intraday shares at `interval_minutes` (15 or 30).
pub fn intervals(profile: &Profile, weekday: usize, interval_minutes: i64) -> Vec<f64> {
    clock_intervals(&profile.intraday[weekday.min(6)], interval_minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn berlin() -> Tz {
        chrono_tz::Europe::Berlin
    }

    /// Around the clock alike: every quarter hour 1/96.
    fn flat() -> Profile {
        Profile {
            weekday: [1.0 / 7.0; 7],
            intraday: vec![[1.0 / 96.0; SLOTS]; 7],
            holiday: None,
            holiday_intraday: None,
        }
    }

    /// One case in every real quarter hour of each day in `[from, to]`.
    fn every_quarter(tz: &Tz, from: &str, to: &str) -> Vec<Arrival> {
        let mut out = Vec::new();
        let mut d = date(from);
        while d <= date(to) {
            for q in local_day(tz, d).quarters {
                out.push(Arrival {
                    date: d,
                    slot: q.slot,
                });
            }
            d = d.succ_opt().expect("day");
        }
        out
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
        assert_eq!(
            learn(
                &a,
                date("2026-03-01"),
                date("2026-03-31"),
                &berlin(),
                &BTreeSet::new()
            ),
            None
        );
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
        let p = learn(
            &a,
            date("2026-03-02"),
            date("2026-03-15"),
            &berlin(),
            &BTreeSet::new(),
        )
        .expect("learned");
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
        let days = month_days(&default_profile(), date("2026-03-01"), &BTreeSet::new());
        assert_eq!(days.len(), 31);
        let sum: f64 = days.iter().map(|d| d.1).sum();
        assert!((sum - 1.0).abs() < 1e-12);
        assert_eq!(days[0].1, 0.0); // Sunday
        assert!((days[1].1 - 1.0 / 22.0).abs() < 1e-12); // Monday
    }

    #[test]
    fn change_days_keep_their_volume() {
        // Berlin 2026: 29 March has 92 real quarter hours, 25 October 100.
        for (day, quarters) in [("2026-03-29", 92), ("2026-10-25", 100), ("2026-10-26", 96)] {
            let local = local_day(&berlin(), date(day));
            for minutes in [15, 30] {
                let shares = day_shares(&flat(), &local, false, minutes);
                assert_eq!(shares.len(), quarters * 15 / minutes as usize, "{day}");
                let volume = 4321.0;
                let sum: f64 = shares.iter().map(|s| s * volume).sum();
                assert!((sum - volume).abs() < 1e-9, "{day} {minutes}: {sum}");
            }
            // Around the clock alike: each real quarter hour the same.
            let shares = day_shares(&flat(), &local, false, 15);
            assert!(
                shares
                    .iter()
                    .all(|s| (s - 1.0 / quarters as f64).abs() < 1e-12)
            );
        }
        // A curve with night work: the hour that does not exist in March
        // gives its weight to the rest of the day; in October 02:00–03:00
        // carries its weight twice, once per real hour.
        let mut night = flat();
        for slot in 0..SLOTS {
            night.intraday[6][slot] = if (8..12).contains(&slot) {
                0.05
            } else {
                0.8 / 92.0
            };
        }
        let march = day_shares(&night, &local_day(&berlin(), date("2026-03-29")), false, 15);
        assert!((march.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((march[8] - (0.8 / 92.0) / 0.8).abs() < 1e-12); // 03:00
        let october = day_shares(&night, &local_day(&berlin(), date("2026-10-25")), false, 15);
        assert!((october.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((october[8] - october[12]).abs() < 1e-12); // 02:00 twice
        assert!((october[8] - 0.05 / 1.2).abs() < 1e-12);
    }

    #[test]
    fn learning_counts_each_real_quarter_hour_once() {
        // A week with the October change (Mon 19 – Sun 25 Oct 2026), one
        // case in every real quarter hour: Sunday has 100 cases, but its
        // curve is flat, 02:00 weighs no more than 01:00.
        let a = every_quarter(&berlin(), "2026-10-19", "2026-10-25");
        assert_eq!(a.len(), 6 * 96 + 100);
        let p = learn(
            &a,
            date("2026-10-19"),
            date("2026-10-25"),
            &berlin(),
            &BTreeSet::new(),
        )
        .expect("learned");
        for slot in 0..SLOTS {
            assert!((p.intraday[6][slot] - 1.0 / 96.0).abs() < 1e-12, "{slot}");
        }
        assert!((p.weekday[6] - 100.0 / 676.0).abs() < 1e-12);
        // March, two weeks: the missing hour is not read as a quiet one
        // (Sunday 02:00 happened once, and had its one case).
        let a = every_quarter(&berlin(), "2026-03-16", "2026-03-29");
        assert_eq!(a.len(), 13 * 96 + 92);
        let p = learn(
            &a,
            date("2026-03-16"),
            date("2026-03-29"),
            &berlin(),
            &BTreeSet::new(),
        )
        .expect("learned");
        assert!((p.intraday[6][8] - 1.0 / 96.0).abs() < 1e-12);
    }

    #[test]
    fn holidays_stay_out_of_the_weekdays() {
        // April 2026 in Berlin (BE): Good Friday 3 April, Easter Monday 6
        // April. Mondays have 60 cases at 09:00, Fridays 40, other days
        // none; on both holidays nobody writes in.
        let holidays: BTreeSet<NaiveDate> = [date("2026-04-03"), date("2026-04-06")].into();
        let mut a = Vec::new();
        let mut d = date("2026-03-30");
        while d <= date("2026-04-26") {
            let n = match d.weekday().num_days_from_monday() {
                0 => 60,
                4 => 40,
                _ => 0,
            };
            if !holidays.contains(&d) {
                a.extend(std::iter::repeat_n(Arrival { date: d, slot: 36 }, n));
            }
            d = d.succ_opt().expect("day");
        }
        let p = learn(
            &a,
            date("2026-03-30"),
            date("2026-04-26"),
            &berlin(),
            &holidays,
        )
        .expect("learned");
        // Mondays 60 a day (the quiet Easter Monday does not pull them to
        // 45), Fridays 40.
        assert!((p.weekday[0] - 0.6).abs() < 1e-12, "{:?}", p.weekday);
        assert!((p.weekday[4] - 0.4).abs() < 1e-12);
        // The holidays' own pattern: nothing.
        assert_eq!(p.holiday, Some(0.0));
        assert_eq!(p.holiday_intraday, None);
        // Spreading May 2026 (Labour Day Fri 1 May, Ascension Thu 14 May,
        // Whit Monday 25 May): the holidays get nothing, the other three
        // Mondays weigh 0.6 and four Fridays 0.4 each.
        let may: BTreeSet<NaiveDate> =
            [date("2026-05-01"), date("2026-05-14"), date("2026-05-25")].into();
        let days = month_days(&p, date("2026-05-01"), &may);
        assert_eq!(days[0].1, 0.0);
        assert_eq!(days[24].1, 0.0);
        assert!((days.iter().map(|d| d.1).sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((days[3].1 - 0.6 / 3.4).abs() < 1e-12); // Mon 4 May
        assert!((days[7].1 - 0.4 / 3.4).abs() < 1e-12); // Fri 8 May
    }

    #[test]
    fn holidays_follow_their_own_pattern_or_sundays() {
        // A holiday with 80 cases at 10:00 in a week of 100 a weekday at
        // 09:00 and Sundays of 20 at 12:00.
        let holidays: BTreeSet<NaiveDate> = [date("2026-05-14")].into();
        let mut a = Vec::new();
        let mut d = date("2026-05-11");
        while d <= date("2026-05-24") {
            let (n, slot) = match (holidays.contains(&d), d.weekday().num_days_from_monday()) {
                (true, _) => (80, 40),
                (false, 6) => (20, 48),
                (false, 5) => (0, 0),
                _ => (100, 36),
            };
            a.extend(std::iter::repeat_n(Arrival { date: d, slot }, n));
            d = d.succ_opt().expect("day");
        }
        let p = learn(
            &a,
            date("2026-05-11"),
            date("2026-05-24"),
            &berlin(),
            &holidays,
        )
        .expect("learned");
        let total = 5.0 * 100.0 + 20.0;
        assert!((p.weekday[3] - 100.0 / total).abs() < 1e-12);
        assert!((p.holiday.expect("holiday") - 80.0 / total).abs() < 1e-12);
        let holiday = date("2026-05-14");
        assert_eq!(p.day_curve(holiday, true)[40], 1.0);
        assert_eq!(p.day_curve(holiday, false)[36], 1.0);
        // No holidays in the window: a holiday is a Sunday.
        let p = learn(
            &a,
            date("2026-05-11"),
            date("2026-05-24"),
            &berlin(),
            &BTreeSet::new(),
        )
        .expect("learned");
        assert_eq!(p.holiday, None);
        assert_eq!(p.day_weight(holiday, true), p.weekday[6]);
        assert_eq!(p.day_curve(holiday, true), &p.intraday[6]);
        // The default profile: nothing on a holiday.
        let days = month_days(&default_profile(), date("2026-05-01"), &[holiday].into());
        assert_eq!(days[13].1, 0.0);
        assert!((days[12].1 - 1.0 / 20.0).abs() < 1e-12); // 21 weekdays, one off
    }
}
