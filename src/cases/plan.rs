//! The case list's plan, chosen per request from the store's own numbers
//! (issue 16, docs/perf16.md "Design: choosing the plan from statistics").
//!
//! Two strategies answer every list:
//!
//! - **walk**: an index in the sort's order (the project as its prefix when
//!   one is given and such an index exists), every other filter and the
//!   visibility checked per row. It passes about `limit / F` rows, `F` being
//!   the share of the walked range that matches.
//! - **seek and sort**: the index of one filter (its equality prefix), the
//!   matches sorted after. It reads that filter's matching rows; when the
//!   index's next column is the sort key (an index "in order"), SQLite needs
//!   no sort and stops after the page, so it reads at most the rows a walk
//!   of that range passes.
//!
//! The estimates of the filters come from the store (bounded probes of
//! their own index, see `store::estimate`), never from a list of known
//! requests; this file holds only the arithmetic, so it is tested without a
//! store. Ties and unknowns walk: the page comes in order and a cursor's
//! deep page costs what the first one does.

/// One filter the list could read by its own index.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Rows of its index range, counted up to the probe's bound.
    pub rows: u64,
    /// The probe stopped at its bound: `rows` is a lower bound only, and
    /// seeking it is never chosen (it could be the whole store), unless
    /// its pilot tells what an in-order read of it passes.
    pub at_bound: bool,
    /// The index's column after the equality prefix is the sort key, so a
    /// read of it comes in the list's order; or it is read in windows of
    /// its newest updates for a list newest created first
    /// (`store::UpdateWindows`), which come about in that order.
    pub in_order: bool,
    /// The first rows of its range, checked against the whole filter
    /// (visibility and every other condition): how many were read, how
    /// many matched. This catches filters that go together (an agent's
    /// cases are all in their client's projects), which shares multiplied
    /// as if independent do not.
    pub sampled: u64,
    pub matched: u64,
    /// The sample is the first rows of this read in the list's order (a
    /// pilot of the read itself), so an in-order read passes about
    /// `limit × sampled / matched` rows, however the matches are spread
    /// over the rest of the range and however many rows it has.
    pub pilot: bool,
    /// The index holds every sort key and filtered column (migration
    /// 0051): its matches are tested and sorted from the entries, and only
    /// the page's rows are looked up.
    pub covers: bool,
}

/// What the chooser knows of the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    pub limit: u64,
    /// Rows of the walked range: the project's when the walk index has the
    /// project as its prefix, else the store's.
    pub walk_range: u64,
    /// A walk index exists for this sort (else SQLite plans alone).
    pub walk_exists: bool,
    /// The walk index holds every filtered column (migration 0040): the
    /// rows it passes are tested in the index, not looked up.
    pub walk_covers: bool,
    pub candidates: Vec<Candidate>,
    /// The rows matching the whole filter when the store's kept counts
    /// tell them (`cases::counts`), instead of the candidates' samples.
    pub counted_matches: Option<f64>,
    /// The walk's first entries tested against the whole filter, when
    /// taken: they replace the estimate of what the walk passes, which
    /// takes the matches as spread evenly over the range (they seldom are:
    /// new cases are open, unassigned, without a due date or a tag).
    pub walk_pilot: Option<Pilot>,
}

/// The first entries of a walk (from its start or the cursor) and how many
/// of them matched the whole filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pilot {
    pub passed: u64,
    pub matched: u64,
    /// The walk's range ended within the pilot: it is the whole walk.
    pub whole: bool,
}

/// Entries a pilot of a walk reads: tested in the index, about a
/// millisecond at most.
pub const PILOT: u64 = 2_048;

impl Pilot {
    /// Entries the walk passes before `limit` matches, at the pilot's
    /// density (one match assumed where it found none: the walk passes at
    /// least `limit` pilots' worth).
    fn walked(self, limit: u64) -> f64 {
        if self.whole {
            self.passed as f64
        } else {
            limit as f64 * self.passed.max(1) as f64 / self.matched.max(1) as f64
        }
    }
}

/// The plan: walk the sort's index, or seek the candidate at this position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Walk,
    Seek(usize),
    /// No walk index for this sort and no candidate worth seeking: leave
    /// the plan to SQLite (and its ANALYZE statistics).
    Sqlite,
}

/// A seek reads rows by an index and then looks each up and sorts it; a
/// walk looks up each row passed. Per row they cost about the same; the
/// sort's n log n is small below the probe bound (20,000 rows).
const SORT_WEIGHT: f64 = 1.2;

/// A walk that tests its filters in the index entries reads a row only for
/// the entries that pass: per entry passed it costs about a fifteenth of a
/// row look-up. Measured on a 200k-case store (100k of them newer than
/// every match): a walk past ~100,000 entries took 7.5 ms, reading an
/// assignee's 18,479 rows and sorting them 26 ms. (A quarter while the
/// visibility's subquery was tested before the plain comparisons:
/// `Filter::where_sql` puts it last.)
const INDEX_ONLY_WEIGHT: f64 = 0.07;

/// A seek whose index holds the sort key and the filtered columns (a
/// candidate that `covers`) tests its entries as an index-only walk does
/// and sorts the matching ones; per match sorted, about a third of a row
/// look-up. Measured at 1.1M cases (session 18): ACME's 5,749 cases
/// waiting for a third party read and sorted by creation in 3.2 ms; its
/// 23,468 open cases read for a topic and a team (a few thousand sorted)
/// in 3.0 ms; before migration 0051, 13.5 and 14.7 ms.
const SORTED_ENTRY_WEIGHT: f64 = 0.35;

/// The estimated rows matching the whole filter: from the candidate with
/// the fewest rows (its sample covers the largest part of it), its rows
/// times the share of its sample that matched. None without candidates.
pub fn matches(inputs: &Inputs) -> Option<f64> {
    if let Some(m) = inputs.counted_matches {
        return Some(m);
    }
    let c = inputs.candidates.iter().min_by_key(|c| c.rows)?;
    if c.sampled == 0 {
        return Some(0.0);
    }
    Some(c.rows as f64 * c.matched as f64 / c.sampled as f64)
}

/// Rows a walk of a range passes before `limit` matches, `matches` of its
/// `range` rows matching, spread evenly.
fn walked(limit: u64, range: u64, matches: f64) -> f64 {
    if matches <= limit as f64 {
        range as f64
    } else {
        limit as f64 * range as f64 / matches
    }
}

/// The estimated cost (rows read) of each strategy; the cheapest wins, the
/// walk on a tie or when nothing is known.
pub fn choose(inputs: &Inputs) -> Choice {
    match costs(inputs) {
        Some(costs) => costs.choice(),
        None if inputs.walk_exists => Choice::Walk,
        None => Choice::Sqlite,
    }
}

/// The walk's cost (when a walk index exists) and the cheapest seek's.
struct Costs {
    walk: Option<f64>,
    /// The candidate's position and its cost.
    seek: Option<(usize, f64)>,
}

impl Costs {
    fn choice(&self) -> Choice {
        match (self.walk, self.seek) {
            (Some(w), Some((i, s))) if s < w => Choice::Seek(i),
            (Some(_), _) => Choice::Walk,
            (None, Some((i, _))) => Choice::Seek(i),
            (None, None) => Choice::Sqlite,
        }
    }
}

/// The strategies' costs; `None` when no estimate of the matches exists.
fn costs(inputs: &Inputs) -> Option<Costs> {
    let m = matches(inputs)?;
    let per_entry = if inputs.walk_covers {
        INDEX_ONLY_WEIGHT
    } else {
        1.0
    };
    let walk = inputs.walk_exists.then(|| {
        let passed = match inputs.walk_pilot {
            Some(pilot) => pilot.walked(inputs.limit),
            None => walked(inputs.limit, inputs.walk_range.max(1), m),
        };
        passed * per_entry
    });
    let mut seek: Option<(usize, f64)> = None;
    for (i, c) in inputs.candidates.iter().enumerate() {
        let piloted = c.in_order && c.pilot;
        if c.at_bound && !piloted {
            continue;
        }
        let cost = if piloted {
            piloted_cost(inputs.limit, c)
        } else if c.in_order {
            let passed = walked(inputs.limit, c.rows, m.min(c.rows as f64));
            if c.covers {
                passed * INDEX_ONLY_WEIGHT
            } else {
                passed
            }
        } else if c.covers {
            c.rows as f64 * INDEX_ONLY_WEIGHT + m.min(c.rows as f64) * SORTED_ENTRY_WEIGHT
        } else {
            c.rows as f64 * SORT_WEIGHT
        };
        if seek.is_none_or(|(_, b)| cost < b) {
            seek = Some((i, cost));
        }
    }
    Some(Costs { walk, seek })
}

/// Whether a pilot of the walk could change this choice: the walk won and
/// a candidate could be sought instead, or a seek won that costs more than
/// the pilot itself (the matches may lie denser at the walk's start than
/// their even spread says, as a status's open cases among the earliest due
/// dates do).
pub fn worth_a_pilot(inputs: &Inputs) -> bool {
    if inputs.walk_pilot.is_some() || !inputs.walk_exists {
        return false;
    }
    // Without an estimate there are no candidates to seek.
    let Some(costs) = costs(inputs) else {
        return false;
    };
    match (costs.choice(), costs.seek) {
        (Choice::Walk, _) => inputs
            .candidates
            .iter()
            .any(|c| !c.at_bound || (c.in_order && c.pilot)),
        (Choice::Seek(_), Some((_, seek))) => seek > PILOT as f64 * INDEX_ONLY_WEIGHT,
        _ => false,
    }
}

/// Rows an in-order read passes, from its pilot: at the density of its
/// first rows, or its whole range when those hold no match (a range at its
/// bound counts as the bound: at least that).
fn piloted_cost(limit: u64, c: &Candidate) -> f64 {
    let all = c.rows as f64;
    if c.matched == 0 {
        return all;
    }
    let at_density = limit as f64 * c.sampled as f64 / c.matched as f64;
    if c.at_bound {
        at_density
    } else {
        at_density.min(all)
    }
}

/// Whether a page read from a window of the newest updates (the cases
/// updated at or after `from`, in the list's order, newest created or
/// newest updated first) is the page the whole seek gives. A case is
/// created before it is updated, so every case outside the window was
/// created and updated before `from`: when the page is full and the sort
/// key of its last case (`last_key`) is at or after `from`, none of them
/// belongs on it. Otherwise a larger window, or the whole seek, is read.
pub fn bounded_page_is_whole(rows: usize, limit: u32, last_key: Option<&str>, from: &str) -> bool {
    rows >= limit as usize && last_key.is_some_and(|k| k >= from)
}

/// How far a probe counts: past about `sqrt(limit × total)` matching rows a
/// walk passes fewer rows than the seek reads (`limit × total / m < m`), so
/// counting further cannot change the choice. Twice that for margin, within
/// [500, 20,000] so that one probe stays near a millisecond.
pub fn probe_bound(limit: u64, total: u64) -> u64 {
    let b = 2.0 * ((limit.max(1) * total.max(1)) as f64).sqrt();
    (b as u64).clamp(500, 20_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A candidate of `rows`, every sampled row matching.
    fn cand(rows: u64) -> Candidate {
        Candidate {
            rows,
            at_bound: false,
            in_order: false,
            sampled: rows.min(256),
            matched: rows.min(256),
            pilot: false,
            covers: false,
        }
    }

    fn inputs(candidates: Vec<Candidate>) -> Inputs {
        Inputs {
            limit: 50,
            walk_range: 200_000,
            walk_exists: true,
            walk_covers: false,
            candidates,
            counted_matches: None,
            walk_pilot: None,
        }
    }

    #[test]
    fn nothing_to_seek_walks() {
        assert_eq!(choose(&inputs(vec![])), Choice::Walk);
        let mut i = inputs(vec![]);
        i.walk_exists = false;
        assert_eq!(choose(&i), Choice::Sqlite);
    }

    #[test]
    fn a_narrow_filter_is_sought_a_wide_one_walked() {
        // An assignee with 20 cases: read them and sort.
        assert_eq!(choose(&inputs(vec![cand(20)])), Choice::Seek(0));
        // One with 10,000 of 200,000: a walk passes ~1,000 rows.
        assert_eq!(choose(&inputs(vec![cand(10_000)])), Choice::Walk);
        // A probe that stopped at its bound is never sought.
        let mut big = cand(5_000);
        big.at_bound = true;
        assert_eq!(choose(&inputs(vec![big])), Choice::Walk);
    }

    #[test]
    fn the_break_even_is_near_the_square_root() {
        // limit × total / m = m  at m = sqrt(50 × 200,000) ≈ 3,162.
        assert_eq!(choose(&inputs(vec![cand(2_000)])), Choice::Seek(0));
        assert_eq!(choose(&inputs(vec![cand(4_500)])), Choice::Walk);
        assert!(probe_bound(50, 200_000) > 4_500);
        assert_eq!(probe_bound(50, 10), 500);
        assert_eq!(probe_bound(200, 100_000_000), 20_000);
    }

    #[test]
    fn filters_that_go_together_are_seen_in_the_sample() {
        // An assignee with 18,000 cases, none of them in the caller's
        // projects (they work for another client): a walk would pass the
        // whole store; reading the assignee's rows is cheaper.
        let mut other = cand(18_000);
        other.matched = 0;
        assert_eq!(choose(&inputs(vec![other.clone()])), Choice::Seek(0));
        // The same with the probe at its bound: nothing better is known.
        other.at_bound = true;
        assert_eq!(choose(&inputs(vec![other])), Choice::Walk);
        // Two filters of 5,000 rows each, 1 in 64 of the first's rows
        // matching the other: ~80 matches, a walk passes 125,000 rows.
        let mut a = cand(5_000);
        a.matched = 4;
        assert_eq!(choose(&inputs(vec![a, cand(9_000)])), Choice::Seek(0));
    }

    #[test]
    fn a_small_project_is_sought_when_the_walk_has_no_project_prefix() {
        assert_eq!(choose(&inputs(vec![cand(300)])), Choice::Seek(0));
        // With the project as the walk's prefix, the walk's range is the
        // project: it passes at most its 300 rows, in order.
        let mut i = inputs(vec![cand(300)]);
        i.walk_range = 300;
        assert_eq!(choose(&i), Choice::Walk);
    }

    #[test]
    fn a_contact_wins_over_the_project_walk() {
        // Kind 3: a project of 80,000 rows (probe at its bound) and a
        // contact with 12 cases.
        let mut project = cand(20_000);
        project.at_bound = true;
        let mut i = inputs(vec![project, cand(12)]);
        i.walk_range = 80_000;
        assert_eq!(choose(&i), Choice::Seek(1));
    }

    #[test]
    fn an_index_in_order_costs_only_its_walk() {
        // A team of a project in updated order: 20,000 rows, half of its
        // sample matching the rest of the filter: ~100 rows passed.
        let mut team = cand(20_000);
        team.in_order = true;
        team.matched = team.sampled / 2;
        let mut i = inputs(vec![team]);
        i.walk_range = 80_000;
        assert_eq!(choose(&i), Choice::Seek(0));
        i.walk_exists = false;
        assert_eq!(choose(&i), Choice::Seek(0));
    }

    #[test]
    fn a_walk_testing_its_index_entries_is_preferred_sooner() {
        // 1,500 matching rows of 200,000: a walk passes ~6,670 rows, each
        // looked up; seeking the filter reads 1,500 rows and sorts them.
        assert_eq!(choose(&inputs(vec![cand(1_500)])), Choice::Seek(0));
        // Tested in the index, the walk's 6,670 entries cost about as much
        // as 470 look-ups: the same filter is now walked.
        let mut i = inputs(vec![cand(1_500)]);
        i.walk_covers = true;
        assert_eq!(choose(&i), Choice::Walk);
        // A filter of 300 rows is still sought: a walk would pass ~33,000
        // entries (2,300 look-ups' worth).
        let mut i = inputs(vec![cand(300)]);
        i.walk_covers = true;
        assert_eq!(choose(&i), Choice::Seek(0));
    }

    #[test]
    fn a_seek_read_from_its_index_costs_entries_not_rows() {
        // 1,500 matching rows of 200,000, the walk tested in the index: it
        // passes ~6,670 entries (470 look-ups' worth), cheaper than reading
        // and sorting 1,500 rows...
        let mut i = inputs(vec![cand(1_500)]);
        i.walk_covers = true;
        assert_eq!(choose(&i), Choice::Walk);
        // ...and still cheaper than reading and sorting 1,500 entries of
        // an index that holds the sort key (~630 look-ups' worth). In a
        // range of 1,000,000 the walk passes ~33,000 entries (2,330): the
        // entries are read and sorted.
        i.candidates[0].covers = true;
        assert_eq!(choose(&i), Choice::Walk);
        i.walk_range = 1_000_000;
        assert_eq!(choose(&i), Choice::Seek(0));
        // A wide filter (a status of half the store) is still walked: its
        // entries cost more to read and sort than the walk passes.
        let mut i = inputs(vec![cand(100_000)]);
        i.walk_covers = true;
        i.candidates[0].covers = true;
        assert_eq!(choose(&i), Choice::Walk);
    }

    #[test]
    fn a_seek_that_won_on_the_even_spread_is_checked_by_the_walks_pilot() {
        // Measured at 1.1M cases: an agent's open cases of a topic and a
        // team in due order. The counts say 1,079 of 1,119,730 match: the
        // walk would pass ~52,000 entries, more than reading the status's
        // 40,896 entries and sorting the matches.
        let mut i = inputs(vec![cand(40_896), cand(280_150), cand(63_206)]);
        for c in &mut i.candidates {
            c.covers = true;
        }
        i.walk_covers = true;
        i.walk_range = 1_119_730;
        i.counted_matches = Some(1_078.5);
        assert_eq!(choose(&i), Choice::Seek(0));
        assert!(worth_a_pilot(&i));
        // The walk's first 2,048 entries hold 9 matches (the earliest due
        // dates are those of open cases): it passes ~11,400 entries (it
        // passed 14,573: 2.3 ms, the seek 7.8 ms).
        i.walk_pilot = Some(Pilot {
            passed: 2_048,
            matched: 9,
            whole: false,
        });
        assert_eq!(choose(&i), Choice::Walk);
        // A seek cheaper than the pilot itself is taken without one.
        let mut i = inputs(vec![cand(40)]);
        i.walk_covers = true;
        i.candidates[0].covers = true;
        assert_eq!(choose(&i), Choice::Seek(0));
        assert!(!worth_a_pilot(&i));
    }

    #[test]
    fn counted_matches_replace_the_samples() {
        // Two filters of 60,000 and 8,000 rows whose samples would say
        // every row matches; the counts say 1,800 rows match both: a walk
        // tested in the index passes ~5,600 entries, cheaper than sorting
        // 8,000 rows.
        let mut i = inputs(vec![cand(60_000), cand(8_000)]);
        i.walk_covers = true;
        i.counted_matches = Some(1_800.0);
        assert_eq!(matches(&i), Some(1_800.0));
        assert_eq!(choose(&i), Choice::Walk);
        // 40 matching rows: the walk would pass the whole store; the
        // narrower filter's 8,000 rows are read and sorted.
        i.counted_matches = Some(40.0);
        assert_eq!(choose(&i), Choice::Seek(1));
    }

    #[test]
    fn a_piloted_read_in_order_is_judged_by_its_first_rows() {
        // A tag on 36,000 of 1,000,000 cases (its probe at the bound), the
        // walk of all cases in the sort's order: the sample of its oldest
        // rows says a walk passes ~1,400 rows, but the newest 100,000 cases
        // lack the tag. The tag's own index in the sort's order, its first
        // 256 entries all matching, passes about a page.
        let mut tag = cand(20_000);
        tag.at_bound = true;
        tag.in_order = true;
        tag.pilot = true;
        let mut i = inputs(vec![tag.clone()]);
        i.walk_range = 1_000_000;
        assert_eq!(choose(&i), Choice::Seek(0));
        // One in 64 of its first entries matching the rest of the filter:
        // ~3,200 rows passed, still less than the walk's ~1,400 × 64.
        tag.matched = 4;
        let mut i = inputs(vec![tag.clone()]);
        i.walk_range = 1_000_000;
        assert_eq!(choose(&i), Choice::Seek(0));
        // No match among them: at least its bound of rows, against a walk
        // whose estimate knows no better; the walk is kept.
        tag.matched = 0;
        let mut i = inputs(vec![tag.clone()]);
        i.walk_range = 100_000;
        i.counted_matches = Some(50_000.0);
        assert_eq!(choose(&i), Choice::Walk);
        // Without the pilot, a probe at its bound is never read.
        tag.matched = 256;
        tag.pilot = false;
        let mut i = inputs(vec![tag]);
        i.walk_range = 1_000_000;
        assert_eq!(choose(&i), Choice::Walk);
    }

    #[test]
    fn the_walks_pilot_replaces_its_even_spread() {
        // A status on 5,000 of 300,000 cases, its rows read and sorted
        // (6,000 look-ups' worth), against a walk the counts put at ~3,000
        // entries tested in the index (210). The newest 100,000 cases are
        // all of another status.
        let mut i = inputs(vec![cand(5_000)]);
        i.walk_range = 300_000;
        i.walk_covers = true;
        i.counted_matches = Some(5_000.0);
        assert_eq!(choose(&i), Choice::Walk);
        assert!(worth_a_pilot(&i));
        // The pilot's 2,048 entries hold no match: the walk is judged to
        // pass ~100,000 entries (7,200 look-ups' worth): seek.
        i.walk_pilot = Some(Pilot {
            passed: PILOT,
            matched: 0,
            whole: false,
        });
        assert!(!worth_a_pilot(&i));
        assert_eq!(choose(&i), Choice::Seek(0));
        // 40 of them match: ~2,560 entries, the walk again.
        i.walk_pilot = Some(Pilot {
            passed: PILOT,
            matched: 40,
            whole: false,
        });
        assert_eq!(choose(&i), Choice::Walk);
        // The range ended within the pilot: the walk is that short.
        i.walk_pilot = Some(Pilot {
            passed: 700,
            matched: 0,
            whole: true,
        });
        assert_eq!(choose(&i), Choice::Walk);
        // Nothing to seek instead: no pilot is taken.
        let mut alone = inputs(vec![]);
        alone.counted_matches = Some(10.0);
        assert!(!worth_a_pilot(&alone));
    }

    #[test]
    fn a_filter_matching_fewer_than_a_page_reads_the_whole_range() {
        assert!((walked(50, 200_000, 10.0) - 200_000.0).abs() < 1.0);
        assert_eq!(choose(&inputs(vec![cand(10)])), Choice::Seek(0));
    }
}
