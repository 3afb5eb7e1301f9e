//! Business-time arithmetic on a calendar: opening hours per weekday in the
//! calendar's time zone, the public holidays of a federal state and the
//! client's own closures. Pure: no store, no clock.
//!
//! A business minute is a real minute inside an open interval: an interval
//! 00:00–24:00 on the day clocks go forward is 23 hours long. Local times
//! that do not exist (02:30 on that day) move forward to the next that does;
//! ambiguous ones (the repeated hour in autumn) take the earlier instant.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

use super::holidays::{self, State};

/// How far arithmetic looks ahead before it gives up (a calendar whose
/// closures cover years): ten years of days.
const HORIZON_DAYS: i64 = 3660;

/// One open interval of a weekday, in minutes after local midnight
/// (`end` up to 1440, i.e. 24:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: u16,
    pub end: u16,
}

/// A closure of the client's own: from and to, both inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A calendar ready for arithmetic.
#[derive(Debug)]
pub struct BusinessCalendar {
    zone: Tz,
    /// Monday = 0 … Sunday = 6; each day's intervals sorted, not overlapping.
    week: [Vec<Interval>; 7],
    state: Option<State>,
    closures: Vec<Closure>,
    /// Holidays per year, computed when first asked for.
    holiday_years: Mutex<HashMap<i32, HashSet<NaiveDate>>>,
    /// Each local day's open intervals as instants, computed once: a
    /// recompute of 100,000 cases asks for the same few weeks again and
    /// again, and the zone conversion is the costly part.
    days: Mutex<HashMap<NaiveDate, Day>>,
}

type Day = Arc<[(DateTime<Utc>, DateTime<Utc>)]>;

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl BusinessCalendar {
    /// `week`: (weekday, interval) pairs in any order; overlapping or
    /// touching intervals of one day are merged.
    pub fn new(
        zone: Tz,
        week: impl IntoIterator<Item = (Weekday, Interval)>,
        state: Option<State>,
        closures: Vec<Closure>,
    ) -> Self {
        let mut days: [Vec<Interval>; 7] = Default::default();
        for (day, interval) in week {
            if interval.start < interval.end && interval.end <= 1440 {
                days[day.num_days_from_monday() as usize].push(interval);
            }
        }
        for day in &mut days {
            day.sort_by_key(|i| i.start);
            let mut merged: Vec<Interval> = Vec::with_capacity(day.len());
            for i in day.drain(..) {
                match merged.last_mut() {
                    Some(last) if i.start <= last.end => last.end = last.end.max(i.end),
                    _ => merged.push(i),
                }
            }
            *day = merged;
        }
        BusinessCalendar {
            zone,
            week: days,
            state,
            closures,
            holiday_years: Mutex::new(HashMap::new()),
            days: Mutex::new(HashMap::new()),
        }
    }

    /// Open every minute of every day: the clock runs like a wall clock.
    pub fn always_open(zone: Tz) -> Self {
        let all = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ]
        .map(|d| {
            (
                d,
                Interval {
                    start: 0,
                    end: 1440,
                },
            )
        });
        BusinessCalendar::new(zone, all, None, Vec::new())
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Whether the whole local day is closed: a holiday of the state or a
    /// closure of the client's.
    pub fn is_closed(&self, date: NaiveDate) -> bool {
        if self.closures.iter().any(|c| c.from <= date && date <= c.to) {
            return true;
        }
        let Some(state) = self.state else {
            return false;
        };
        let mut years = locked(&self.holiday_years);
        years
            .entry(date.year())
            .or_insert_with(|| {
                holidays::holidays(date.year(), state)
                    .into_iter()
                    .map(|h| h.date)
                    .collect()
            })
            .contains(&date)
    }

    /// The open intervals of a local day as UTC instants, in order.
    fn open_on(&self, date: NaiveDate) -> Day {
        if let Some(day) = locked(&self.days).get(&date) {
            return day.clone();
        }
        let intervals = &self.week[date.weekday().num_days_from_monday() as usize];
        let day: Day = if intervals.is_empty() || self.is_closed(date) {
            Arc::from(Vec::new())
        } else {
            intervals
                .iter()
                .map(|i| (self.instant(date, i.start), self.instant(date, i.end)))
                .filter(|(s, e)| s < e)
                .collect::<Vec<_>>()
                .into()
        };
        locked(&self.days).insert(date, day.clone());
        day
    }

    /// The instant of `minute` minutes after local midnight of `date`
    /// (1440: the next midnight).
    fn instant(&self, date: NaiveDate, minute: u16) -> DateTime<Utc> {
        let (date, minute) = if minute >= 1440 {
            (date + Duration::days(1), 0)
        } else {
            (date, minute)
        };
        let time = NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)
            .unwrap_or(NaiveTime::MIN);
        let mut local = date.and_time(time);
        // A gap (clocks forward) is at most a few hours; walk forward to the
        // first local time that exists.
        for _ in 0..=24 * 4 {
            match self.zone.from_local_datetime(&local) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(earlier, _) => return earlier.with_timezone(&Utc),
                LocalResult::None => local += Duration::minutes(15),
            }
        }
        Utc.from_utc_datetime(&local)
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// The instant `minutes` business minutes after `start`; `None` when the
    /// calendar has no open time within ten years.
    pub fn add(&self, start: DateTime<Utc>, minutes: i64) -> Option<DateTime<Utc>> {
        let mut left = Duration::minutes(minutes.max(0));
        // The day before too: its interval may end at 24:00, after `start`.
        let mut date = self.local_date(start) - Duration::days(1);
        for _ in 0..HORIZON_DAYS {
            for &(s, e) in self.open_on(date).iter() {
                if e <= start {
                    continue;
                }
                let from = s.max(start);
                let open = e - from;
                if left <= open {
                    // Zero minutes at an open instant is that instant; at a
                    // closed one, the next opening (the loop got here).
                    return Some(from + left);
                }
                left -= open;
            }
            date += Duration::days(1);
        }
        None
    }

    /// Business time between `from` and `to` (zero when `to` is not later).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let mut total = Duration::zero();
        if to <= from {
            return total;
        }
        let mut date = self.local_date(from) - Duration::days(1);
        let last = self.local_date(to);
        while date <= last {
            for &(s, e) in self.open_on(date).iter() {
                let a = s.max(from);
                let b = e.min(to);
                if a < b {
                    total += b - a;
                }
            }
            date += Duration::days(1);
        }
        total
    }

    /// Whole business minutes between two instants.
    pub fn minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        self.between(from, to).num_minutes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Berlin;

    fn office(state: Option<State>) -> BusinessCalendar {
        // Mon–Fri 08:00–12:00 and 13:00–17:00 (8 hours), Sat 09:00–13:00.
        let mut week = Vec::new();
        for d in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ] {
            week.push((
                d,
                Interval {
                    start: 480,
                    end: 720,
                },
            ));
            week.push((
                d,
                Interval {
                    start: 780,
                    end: 1020,
                },
            ));
        }
        week.push((
            Weekday::Sat,
            Interval {
                start: 540,
                end: 780,
            },
        ));
        BusinessCalendar::new(Berlin, week, state, Vec::new())
    }

    /// A local Berlin time as UTC.
    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Berlin
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn within_one_day_and_across_lunch() {
        let cal = office(None);
        // Tue 3 Nov 2026 10:00 + 60 min = 11:00 (CET, UTC+1).
        assert_eq!(
            cal.add(at(2026, 11, 3, 10, 0), 60),
            Some(at(2026, 11, 3, 11, 0))
        );
        // 11:30 + 60: 30 min to 12:00, lunch closed, 30 more from 13:00 → 13:30.
        assert_eq!(
            cal.add(at(2026, 11, 3, 11, 30), 60),
            Some(at(2026, 11, 3, 13, 30))
        );
        assert_eq!(
            cal.minutes_between(at(2026, 11, 3, 11, 30), at(2026, 11, 3, 13, 30)),
            60
        );
        // Asked at night (03:00), 0 minutes: the next opening, 08:00.
        assert_eq!(
            cal.add(at(2026, 11, 3, 3, 0), 0),
            Some(at(2026, 11, 3, 8, 0))
        );
        // Ending exactly at closing: 16:00 + 60 = 17:00, not next morning.
        assert_eq!(
            cal.add(at(2026, 11, 3, 16, 0), 60),
            Some(at(2026, 11, 3, 17, 0))
        );
    }

    #[test]
    fn across_a_weekend() {
        let cal = office(None);
        // Fri 6 Nov 2026 16:00 + 8 h (480 min): 60 min Fri to 17:00, Sat
        // 09:00–13:00 gives 240 (300 so far), Sunday closed, Mon 9 Nov
        // 08:00 + 180 min: 08:00–11:00 → Mon 11:00.
        assert_eq!(
            cal.add(at(2026, 11, 6, 16, 0), 480),
            Some(at(2026, 11, 9, 11, 0))
        );
        assert_eq!(
            cal.minutes_between(at(2026, 11, 6, 16, 0), at(2026, 11, 9, 11, 0)),
            480
        );
    }

    #[test]
    fn holidays_differ_by_state() {
        // Wed 4 June 2026 is Fronleichnam in NW, not in Berlin.
        let start = at(2026, 6, 3, 16, 0); // Wednesday 3 June, 16:00 (CEST)
        // Berlin: 60 min to 17:00, Thu 4 June 08:00 + 60 → 09:00.
        assert_eq!(
            office(Some(State::BE)).add(start, 120),
            Some(at(2026, 6, 4, 9, 0))
        );
        // NW: Thursday closed; Fri 5 June 09:00.
        assert_eq!(
            office(Some(State::NW)).add(start, 120),
            Some(at(2026, 6, 5, 9, 0))
        );
        // Sachsen: Wed 18 Nov 2026 is Buß- und Bettag; Bavaria works.
        let tue = at(2026, 11, 17, 17, 0);
        assert_eq!(
            office(Some(State::SN)).add(tue, 30),
            Some(at(2026, 11, 19, 8, 30))
        );
        assert_eq!(
            office(Some(State::BY)).add(tue, 30),
            Some(at(2026, 11, 18, 8, 30))
        );
        // Berlin, Frauentag: Mon 8 Mar 2027 closed, Hessen open.
        let fri = at(2027, 3, 5, 17, 0);
        // Berlin: Sat 6 Mar 09:00–13:00 gives 240; the Monday is closed; Tue
        // 9 Mar 08:00 + 60 → 09:00.
        assert_eq!(
            office(Some(State::BE)).add(fri, 300),
            Some(at(2027, 3, 9, 9, 0))
        );
        // Hessen: 240 Saturday, Mon 8 Mar 08:00 + 60 → 09:00.
        assert_eq!(
            office(Some(State::HE)).add(fri, 300),
            Some(at(2027, 3, 8, 9, 0))
        );
    }

    #[test]
    fn easter_and_christmas_blocks() {
        let cal = office(Some(State::NW));
        // Thu 2 Apr 2026 16:30 + 60: 30 min Thu; Fri 3 Apr Karfreitag, Sat
        // 4 Apr 09:00–09:30 → Sat 09:30.
        assert_eq!(
            cal.add(at(2026, 4, 2, 16, 30), 60),
            Some(at(2026, 4, 4, 9, 30))
        );
        // Wed 23 Dec 2026 17:00 + 60: Thu 24 Dec is no public holiday (08:00
        // + 60 → 09:00).
        assert_eq!(
            cal.add(at(2026, 12, 23, 17, 0), 60),
            Some(at(2026, 12, 24, 9, 0))
        );
        // Thu 24 Dec 16:00 + 120: 60 on the 24th; Fri 25 and Sat 26 closed
        // (holidays), Sun closed, Mon 28 Dec 08:00 + 60 → 09:00.
        assert_eq!(
            cal.add(at(2026, 12, 24, 16, 0), 120),
            Some(at(2026, 12, 28, 9, 0))
        );
    }

    #[test]
    fn closures_of_the_client() {
        let mut cal = office(None);
        cal.closures.push(Closure {
            from: NaiveDate::from_ymd_opt(2026, 12, 24).unwrap_or_default(),
            to: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default(),
        });
        // Wed 23 Dec 16:00 + 120: 60 that day; 24–31 Dec closed; Fri 1 Jan
        // 2027 Neujahr? No state set, so open: 08:00 + 60 → 09:00.
        assert_eq!(
            cal.add(at(2026, 12, 23, 16, 0), 120),
            Some(at(2027, 1, 1, 9, 0))
        );
    }

    #[test]
    fn across_dst_changes() {
        // Open around the clock: business minutes are real minutes.
        let cal = BusinessCalendar::always_open(Berlin);
        // Sat 28 Mar 2026 12:00 CET (11:00 UTC) + 24 h of real time: clocks
        // go forward on Sunday 29 Mar at 02:00 → Sun 13:00 CEST (11:00 UTC).
        let sat = at(2026, 3, 28, 12, 0);
        assert_eq!(sat, utc(2026, 3, 28, 11, 0));
        assert_eq!(cal.add(sat, 24 * 60), Some(utc(2026, 3, 29, 11, 0)));
        assert_eq!(cal.add(sat, 24 * 60), Some(at(2026, 3, 29, 13, 0)));
        // Sunday 29 March is a 23-hour day.
        assert_eq!(
            cal.minutes_between(at(2026, 3, 29, 0, 0), at(2026, 3, 30, 0, 0)),
            23 * 60
        );
        // Sunday 25 Oct 2026 is a 25-hour day (02:00–03:00 twice).
        assert_eq!(
            cal.minutes_between(at(2026, 10, 25, 0, 0), at(2026, 10, 26, 0, 0)),
            25 * 60
        );

        // Office hours: Fri 23 Oct 2026 16:00 CEST (14:00 UTC) + 120 min: 60
        // Fri; Sat 24 Oct 09:00 CEST + 60 → 10:00 CEST = 08:00 UTC.
        let cal = office(None);
        assert_eq!(
            cal.add(at(2026, 10, 23, 16, 0), 120),
            Some(utc(2026, 10, 24, 8, 0))
        );
        // Sat 24 Oct 12:00 CEST + 120: 60 to 13:00; Sunday (DST ends)
        // closed; Mon 26 Oct 08:00 CET (07:00 UTC) + 60 → 08:00 UTC.
        assert_eq!(
            cal.add(at(2026, 10, 24, 12, 0), 120),
            Some(utc(2026, 10, 26, 8, 0))
        );
        assert_eq!(
            cal.minutes_between(utc(2026, 10, 24, 10, 0), utc(2026, 10, 26, 8, 0)),
            120
        );
    }

    #[test]
    fn a_nonexistent_local_opening_moves_forward() {
        // Open on Sundays 02:30–04:00: on 29 Mar 2026 02:30 does not exist;
        // the interval starts at 03:00 CEST (01:00 UTC) and lasts 60 min.
        let cal = BusinessCalendar::new(
            Berlin,
            [(
                Weekday::Sun,
                Interval {
                    start: 150,
                    end: 240,
                },
            )],
            None,
            Vec::new(),
        );
        assert_eq!(
            cal.add(utc(2026, 3, 28, 12, 0), 0),
            Some(utc(2026, 3, 29, 1, 0))
        );
        assert_eq!(
            cal.add(utc(2026, 3, 28, 12, 0), 60),
            Some(utc(2026, 3, 29, 2, 0))
        );
        // The next Sunday is normal: 02:30 CEST = 00:30 UTC, 90 minutes.
        assert_eq!(
            cal.add(utc(2026, 3, 28, 12, 0), 61),
            Some(utc(2026, 4, 5, 0, 31))
        );
    }

    #[test]
    fn a_calendar_never_open_gives_none() {
        let cal = BusinessCalendar::new(Berlin, [], Some(State::BY), Vec::new());
        assert_eq!(cal.add(utc(2026, 1, 1, 0, 0), 1), None);
        assert_eq!(
            cal.minutes_between(utc(2026, 1, 1, 0, 0), utc(2026, 2, 1, 0, 0)),
            0
        );
    }

    #[test]
    fn add_and_between_agree() {
        let cal = office(Some(State::SN));
        let start = at(2026, 11, 13, 10, 17);
        for minutes in [0, 1, 59, 60, 239, 240, 480, 481, 2000, 10_000] {
            let Some(end) = cal.add(start, minutes) else {
                panic!("no end for {minutes}");
            };
            assert_eq!(cal.minutes_between(start, end), minutes, "{minutes}");
        }
    }

    #[test]
    fn overlapping_intervals_are_merged() {
        let cal = BusinessCalendar::new(
            Berlin,
            [
                (
                    Weekday::Mon,
                    Interval {
                        start: 480,
                        end: 720,
                    },
                ),
                (
                    Weekday::Mon,
                    Interval {
                        start: 600,
                        end: 780,
                    },
                ),
            ],
            None,
            Vec::new(),
        );
        // Mon 2 Nov 2026 08:00–13:00 is 300 minutes, not 420.
        assert_eq!(
            cal.minutes_between(at(2026, 11, 2, 0, 0), at(2026, 11, 3, 0, 0)),
            300
        );
    }
}
