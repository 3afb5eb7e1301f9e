//! A local day as it really is (docs/architecture.md, "Forecast and
//! staffing"): the span from one local midnight to the next in the
//! project's zone, cut into real quarter hours. A day the clocks go forward
//! is shorter (Europe/Berlin's last Sunday of March: 92 quarter hours,
//! 02:00–03:00 does not exist), one they go back is longer (last Sunday of
//! October: 100, 02:00–03:00 happens twice). Every quarter hour is a real
//! UTC span and knows the quarter hour of the clock it shows, so profiles
//! (by clock time) can weigh it. Pure: no store, no clock.

use chrono::{
    DateTime, Duration, LocalResult, NaiveDate, NaiveTime, Offset, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

use super::profile::SLOTS;

/// One real quarter hour of a local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quarter {
    pub start: DateTime<Utc>,
    /// The quarter hour of the local clock it starts at (0 = 00:00, …, 95).
    pub slot: usize,
    /// The zone's offset from UTC then, minutes.
    pub offset_minutes: i32,
}

/// A local day: its quarter hours from local midnight (or the first instant
/// after, when midnight falls into a gap) to the next day's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalDay {
    pub date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub quarters: Vec<Quarter>,
}

/// Where a local time that happens twice in a day stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// The earlier one, before the clocks go back (summer time).
    First,
    /// The later one, after (standard time).
    Second,
}

/// An interval of a day: consecutive quarter hours, a real UTC span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    /// Local start as the clock shows it, `HH:MM`.
    pub label: String,
    pub offset_minutes: i32,
    /// Set when the day shows this local start twice.
    pub repeat: Option<Repeat>,
    /// Indexes into [`LocalDay::quarters`].
    pub quarters: std::ops::Range<usize>,
}

/// The UTC instant a local day starts (the first instant after a gap).
pub fn day_start(tz: &Tz, day: NaiveDate) -> DateTime<Utc> {
    let mut t = day.and_time(NaiveTime::MIN);
    // Gaps are at most a few hours; walk forward in quarter hours.
    for _ in 0..=24 * 4 {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(at) => return at.with_timezone(&Utc),
            LocalResult::Ambiguous(earlier, _) => return earlier.with_timezone(&Utc),
            LocalResult::None => t += Duration::minutes(15),
        }
    }
    Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))
}

/// The day's real quarter hours. Zones change their clocks by whole
/// quarter hours (Lord Howe by 30 minutes); a day of another length (local
/// mean time before 1900) ends with a short last quarter.
pub fn local_day(tz: &Tz, date: NaiveDate) -> LocalDay {
    let start = day_start(tz, date);
    let end = date
        .succ_opt()
        .map_or(start + Duration::days(1), |next| day_start(tz, next));
    let minutes = (end - start).num_minutes().max(15);
    let n = ((minutes + 14) / 15) as usize;
    let quarters = (0..n)
        .map(|k| {
            let at = start + Duration::minutes(15 * k as i64);
            let local = at.with_timezone(tz);
            Quarter {
                start: at,
                slot: ((local.hour() * 60 + local.minute()) / 15) as usize % SLOTS,
                offset_minutes: local.offset().fix().local_minus_utc() / 60,
            }
        })
        .collect();
    LocalDay {
        date,
        start,
        end,
        quarters,
    }
}

impl LocalDay {
    /// Minutes the day really lasts (1380 on a 23-hour day).
    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }

    /// The day cut into intervals of `interval_minutes` (15 or 30) from its
    /// start, each a run of real quarter hours.
    pub fn spans(&self, interval_minutes: i64) -> Vec<Span> {
        let per = (interval_minutes / 15).max(1) as usize;
        let n = self.quarters.len();
        let mut spans: Vec<Span> = (0..n.div_ceil(per))
            .map(|i| {
                let q = self.quarters[i * per];
                let slot = q.slot;
                Span {
                    start: q.start,
                    label: format!("{:02}:{:02}", slot / 4, slot % 4 * 15),
                    offset_minutes: q.offset_minutes,
                    repeat: None,
                    quarters: i * per..((i + 1) * per).min(n),
                }
            })
            .collect();
        // A start seen twice: the earlier is before the clocks went back.
        let mut first_at = [usize::MAX; SLOTS];
        for i in 0..spans.len() {
            let slot = self.quarters[spans[i].quarters.start].slot;
            match first_at[slot] {
                usize::MAX => first_at[slot] = i,
                j => {
                    spans[j].repeat = Some(Repeat::First);
                    spans[i].repeat = Some(Repeat::Second);
                }
            }
        }
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn zone(name: &str) -> Tz {
        name.parse().expect("zone")
    }

    #[test]
    fn berlin_days_around_the_changes() {
        let berlin = zone("Europe/Berlin");
        let normal = local_day(&berlin, d("2026-03-28"));
        assert_eq!(normal.quarters.len(), 96);
        assert_eq!(normal.minutes(), 1440);
        // 29 March 2026: 02:00 CET becomes 03:00 CEST.
        let march = local_day(&berlin, d("2026-03-29"));
        assert_eq!(march.quarters.len(), 92);
        assert_eq!(march.minutes(), 23 * 60);
        assert_eq!(march.start.to_rfc3339(), "2026-03-28T23:00:00+00:00");
        assert_eq!(march.end.to_rfc3339(), "2026-03-29T22:00:00+00:00");
        assert!(march.quarters.iter().all(|q| !(8..12).contains(&q.slot)));
        assert_eq!(march.quarters[8].slot, 12); // 03:00 follows 01:45
        // 25 October 2026: 03:00 CEST becomes 02:00 CET.
        let october = local_day(&berlin, d("2026-10-25"));
        assert_eq!(october.quarters.len(), 100);
        assert_eq!(october.minutes(), 25 * 60);
        let twos: Vec<&Quarter> = october.quarters.iter().filter(|q| q.slot == 8).collect();
        assert_eq!(twos.len(), 2);
        assert_eq!(twos[0].offset_minutes, 120);
        assert_eq!(twos[1].offset_minutes, 60);
        assert_eq!(twos[1].start - twos[0].start, Duration::hours(1));
        // Every quarter hour a real, gapless UTC span.
        for day in [&march, &october] {
            for w in day.quarters.windows(2) {
                assert_eq!(w[1].start - w[0].start, Duration::minutes(15));
            }
        }
    }

    #[test]
    fn the_repeated_hour_is_labelled() {
        let october = local_day(&zone("Europe/Berlin"), d("2026-10-25"));
        let spans = october.spans(30);
        assert_eq!(spans.len(), 50);
        let at_two: Vec<&Span> = spans.iter().filter(|s| s.label == "02:00").collect();
        assert_eq!(at_two.len(), 2);
        assert_eq!(at_two[0].repeat, Some(Repeat::First));
        assert_eq!(at_two[1].repeat, Some(Repeat::Second));
        assert_eq!(at_two[0].offset_minutes, 120);
        assert_eq!(spans.iter().filter(|s| s.repeat.is_some()).count(), 4);
        assert_eq!(spans[3].label, "01:30");
        let march = local_day(&zone("Europe/Berlin"), d("2026-03-29")).spans(15);
        assert_eq!(march.len(), 92);
        assert_eq!(march[8].label, "03:00");
        assert!(march.iter().all(|s| s.repeat.is_none()));
    }

    #[test]
    fn lord_howe_shifts_by_half_an_hour() {
        // Australia/Lord_Howe: +10:30 in winter, +11 in summer; the clocks
        // go from 02:00 to 02:30 on the first Sunday of October and from
        // 02:00 back to 01:30 on the first Sunday of April.
        let lh = zone("Australia/Lord_Howe");
        let spring = local_day(&lh, d("2026-10-04"));
        assert_eq!(spring.minutes(), 23 * 60 + 30);
        assert_eq!(spring.quarters.len(), 94);
        assert_eq!(spring.spans(30).len(), 47);
        let autumn = local_day(&lh, d("2026-04-05"));
        assert_eq!(autumn.quarters.len(), 98);
        let spans = autumn.spans(30);
        assert_eq!(spans.len(), 49);
        let repeated: Vec<&str> = spans
            .iter()
            .filter(|s| s.repeat == Some(Repeat::Second))
            .map(|s| s.label.as_str())
            .collect();
        assert_eq!(repeated, ["01:30"]);
    }

    #[test]
    fn a_day_starting_after_a_gap_at_midnight() {
        // America/Santiago goes from 24:00 to 01:00 on 6 September 2026:
        // that day starts at 01:00 local and has 23 hours.
        let santiago = zone("America/Santiago");
        let day = local_day(&santiago, d("2026-09-06"));
        assert_eq!(day.minutes(), 23 * 60);
        assert_eq!(day.quarters[0].slot, 4);
        assert_eq!(day.spans(15)[0].label, "01:00");
    }
}
