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
    /// Matching rows, counted up to the probe's bound.
    pub rows: u64,
    /// The probe stopped at its bound: `rows` is a lower bound only, and
    /// seeking it is never chosen (it could be the whole store).
    pub at_bound: bool,
    /// Counted within the given project (team, topic, channel, status):
    /// its share is of the project's rows, not of the store's.
    pub within_project: bool,
    /// The index's column after the equality prefix is the sort key, so a
    /// read of it comes in the list's order.
    pub in_order: bool,
    /// It is the project filter itself (its share is the project's of the
    /// store).
    pub is_project: bool,
}

/// What the chooser knows of the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    pub limit: u64,
    /// Rows of the store (cases).
    pub total: u64,
    /// Rows of the project filtered by, when one is (estimated).
    pub project_rows: Option<u64>,
    /// The walk index exists and has the project as its prefix.
    pub walk_has_project_prefix: bool,
    /// A walk index exists for this sort (else SQLite plans alone).
    pub walk_exists: bool,
    pub candidates: Vec<Candidate>,
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

/// The share of its base a candidate selects (0 < share <= 1).
fn share(c: &Candidate, inputs: &Inputs) -> f64 {
    let base = if c.within_project {
        inputs.project_rows.unwrap_or(inputs.total)
    } else {
        inputs.total
    };
    (c.rows.max(1) as f64 / base.max(1) as f64).min(1.0)
}

/// Rows a walk of a range passes before `limit` matches, when `others` is
/// the share of the range that matches (independent filters multiply).
fn walked(limit: u64, range: u64, others: f64) -> f64 {
    let matches = range as f64 * others;
    if matches <= limit as f64 {
        range as f64
    } else {
        limit as f64 / others
    }
}

/// The estimated cost (rows read) of each strategy; the cheapest wins, the
/// walk on a tie.
pub fn choose(inputs: &Inputs) -> Choice {
    let total = inputs.total.max(1);
    let walk = inputs.walk_exists.then(|| {
        let (range, skip_project) = match (inputs.walk_has_project_prefix, inputs.project_rows) {
            (true, Some(rows)) => (rows, true),
            _ => (total, false),
        };
        let others: f64 = inputs
            .candidates
            .iter()
            .filter(|c| !(skip_project && c.is_project))
            .map(|c| share(c, inputs))
            .product();
        walked(inputs.limit, range, others)
    });
    let mut best: Option<(usize, f64)> = None;
    for (i, c) in inputs.candidates.iter().enumerate() {
        if c.at_bound {
            continue;
        }
        let cost = if c.in_order {
            let others: f64 = inputs
                .candidates
                .iter()
                .enumerate()
                .filter(|(j, o)| *j != i && !(c.within_project && o.is_project))
                .map(|(_, o)| share(o, inputs))
                .product();
            walked(inputs.limit, c.rows, others)
        } else {
            c.rows as f64 * SORT_WEIGHT
        };
        if best.is_none_or(|(_, b)| cost < b) {
            best = Some((i, cost));
        }
    }
    match (walk, best) {
        (Some(w), Some((i, s))) if s < w => Choice::Seek(i),
        (Some(_), _) => Choice::Walk,
        (None, Some((i, _))) => Choice::Seek(i),
        (None, None) => Choice::Sqlite,
    }
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

    fn cand(rows: u64) -> Candidate {
        Candidate {
            rows,
            at_bound: false,
            within_project: false,
            in_order: false,
            is_project: false,
        }
    }

    fn inputs(candidates: Vec<Candidate>) -> Inputs {
        Inputs {
            limit: 50,
            total: 200_000,
            project_rows: None,
            walk_has_project_prefix: false,
            walk_exists: true,
            candidates,
        }
    }

    #[test]
    fn nothing_to_seek_walks() {
        assert_eq!(choose(&inputs(vec![])), Choice::Walk);
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
    fn filters_together_make_the_walk_longer() {
        // Two filters of 5,000 each (2.5 % of the store): together 1 in
        // 1,600 rows match, a walk passes 80,000; seeking one reads 5,000.
        assert_eq!(choose(&inputs(vec![cand(5_000), cand(5_000)])), Choice::Seek(0));
        assert_eq!(choose(&inputs(vec![cand(9_000), cand(4_000)])), Choice::Seek(1));
    }

    #[test]
    fn a_small_project_is_sought_when_the_walk_has_no_project_prefix() {
        let mut project = cand(300);
        project.is_project = true;
        let mut i = inputs(vec![project.clone()]);
        i.project_rows = Some(300);
        assert_eq!(choose(&i), Choice::Seek(0));
        // With the project as the walk's prefix, the walk is the project's
        // range in order: walk.
        i.walk_has_project_prefix = true;
        assert_eq!(choose(&i), Choice::Walk);
        // A big project without a prefixed index: walk the store's order.
        let mut big = cand(20_000);
        big.is_project = true;
        big.at_bound = true;
        let mut i = inputs(vec![big]);
        i.project_rows = Some(80_000);
        assert_eq!(choose(&i), Choice::Walk);
    }

    #[test]
    fn a_contact_wins_over_the_project_walk() {
        // Kind 3: a project of 80,000 rows and a contact with 12 cases.
        let mut project = cand(20_000);
        project.is_project = true;
        project.at_bound = true;
        let mut i = inputs(vec![project, cand(12)]);
        i.project_rows = Some(80_000);
        i.walk_has_project_prefix = true;
        assert_eq!(choose(&i), Choice::Seek(1));
    }

    #[test]
    fn an_index_in_order_costs_only_its_walk() {
        // A team of a project in updated order: 40,000 of the project's
        // 80,000 rows; read in order it stops after ~100 rows.
        let mut project = cand(20_000);
        project.is_project = true;
        project.at_bound = true;
        let mut team = cand(20_000);
        team.within_project = true;
        team.in_order = true;
        let mut i = inputs(vec![project, team]);
        i.project_rows = Some(80_000);
        i.walk_has_project_prefix = true;
        // The project's walk checks the team per row: ~200 rows.
        assert_eq!(choose(&i), Choice::Seek(1));
        // Without a walk index the in-order index is taken too.
        i.walk_exists = false;
        assert_eq!(choose(&i), Choice::Seek(1));
    }

    #[test]
    fn no_walk_index_and_nothing_to_seek_leaves_it_to_sqlite() {
        let mut i = inputs(vec![]);
        i.walk_exists = false;
        assert_eq!(choose(&i), Choice::Sqlite);
    }

    #[test]
    fn a_filter_matching_fewer_than_a_page_reads_the_whole_range() {
        // 10 matches in a range of 200,000: a walk passes all of it.
        assert!((walked(50, 200_000, 10.0 / 200_000.0) - 200_000.0).abs() < 1.0);
        assert_eq!(choose(&inputs(vec![cand(10)])), Choice::Seek(0));
    }
}
