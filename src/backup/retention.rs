//! Which backups to keep: the newest backup of each of the last `daily`
//! days, `weekly` ISO weeks and `monthly` months that have one
//! (grandfather-father-son). Everything else written by the schedule or the
//! "back up now" button goes.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub daily: usize,
    pub weekly: usize,
    pub monthly: usize,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            daily: 7,
            weekly: 4,
            monthly: 12,
        }
    }
}

/// Indexes (into `times`) of the backups to keep.
pub fn keep(times: &[DateTime<Utc>], policy: Retention) -> BTreeSet<usize> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    // Newest first.
    order.sort_by(|a, b| times[*b].cmp(&times[*a]));
    let mut kept = BTreeSet::new();
    let mut pick = |bucket: &dyn Fn(&DateTime<Utc>) -> (i32, u32), limit: usize| {
        let mut seen = BTreeSet::new();
        for &i in &order {
            if seen.len() >= limit {
                break;
            }
            if seen.insert(bucket(&times[i])) {
                kept.insert(i);
            }
        }
    };
    pick(&|t| (t.year(), t.ordinal()), policy.daily);
    pick(
        &|t| (t.iso_week().year(), t.iso_week().week()),
        policy.weekly,
    );
    pick(&|t| (t.year(), t.month()), policy.monthly);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_newest_per_day_week_and_month() {
        let start = DateTime::parse_from_rfc3339("2026-01-01T02:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        // Two backups a day for 120 days.
        let times: Vec<DateTime<Utc>> = (0..240)
            .map(|i| start + chrono::Duration::hours(12 * i))
            .collect();
        let kept = keep(&times, Retention::default());
        // 7 days + up to 4 weeks + the months (120 days: January to April).
        assert!(kept.len() <= 7 + 4 + 12);
        assert!(kept.contains(&239), "the newest is kept");
        assert!(!kept.contains(&238), "the older one of the newest day goes");
        assert!(!kept.contains(&0) || kept.len() > 7);
        let months: BTreeSet<u32> = kept.iter().map(|&i| times[i].month()).collect();
        assert_eq!(months.len(), 4, "Jan to Apr: {months:?}");
        // The newest of January (Jan 31, 12:00) stands for the month.
        let jan_last = times.iter().rposition(|t| t.month() == 1).unwrap();
        assert!(kept.contains(&jan_last));
        assert!(!kept.contains(&(jan_last - 1)));
        let none = keep(
            &times,
            Retention {
                daily: 0,
                weekly: 0,
                monthly: 0,
            },
        );
        assert!(none.is_empty());
    }
}
