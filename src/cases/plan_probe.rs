//! A measurement, not a check: the list plans the chooser takes on a real
//! store, and what they cost, without HTTP (issue 16). Run against a copy of
//! a generated store:
//!
//! ```text
//! ZEZARO_PLAN_DIR=/tmp/s1m ZEZARO_PLAN_QUERIES=queries.txt \
//!   cargo test --release --lib cases::plan_probe -- --ignored --nocapture
//! ```
//!
//! `queries.txt`: one request per line, `user e-mail<TAB>query string` (the
//! query string of `GET /api/v1/cases`, e.g. `status=new&sort=-created_at`).
//! Prints per request the median and worst of 7 runs (plan choice included),
//! the plan's steps, and the page's size.

#[cfg(test)]
mod tests {
    use crate::auth::Principal;
    use crate::cases::{CaseQuery, service, store};
    use crate::db::Db;
    use std::time::Instant;

    fn principal(conn: &rusqlite::Connection, email: &str) -> Principal {
        let (user_id, name, role, client_id): (i64, String, String, Option<i64>) = conn
            .query_row(
                "SELECT id, name, role, client_id FROM users WHERE email = ?1",
                [email],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("no such user");
        let user_id = crate::ids::UserId::from(user_id);
        Principal {
            user_id: Some(user_id),
            email: email.into(),
            name,
            role: crate::auth::Role::parse(&role).expect("role"),
            client_id: client_id.map(crate::ids::ClientId::from),
            memberships: crate::auth::store::memberships(conn, user_id).expect("memberships"),
            session: None,
            ip: None,
        }
    }

    #[test]
    #[ignore = "a measurement on a store given by ZEZARO_PLAN_DIR"]
    fn list_plans_on_a_store() {
        let (Ok(dir), Ok(queries)) = (
            std::env::var("ZEZARO_PLAN_DIR"),
            std::env::var("ZEZARO_PLAN_QUERIES"),
        ) else {
            panic!("set ZEZARO_PLAN_DIR and ZEZARO_PLAN_QUERIES");
        };
        let (db, _) = Db::open(std::path::Path::new(&dir)).expect("store");
        let queries = std::fs::read_to_string(queries).expect("queries");
        db.read_blocking(|conn| -> Result<(), crate::db::StoreError> {
            for line in queries.lines().filter(|l| !l.trim().is_empty()) {
                let (email, qs) = line.split_once('\t').expect("e-mail<TAB>query");
                let who = principal(conn, email);
                let query: CaseQuery = serde_urlencoded::from_str(qs).expect("query string");
                let sort = store::Sort::parse(query.sort.as_deref()).expect("sort");
                let mut times = Vec::new();
                let mut n = 0;
                for _ in 0..7 {
                    let t = Instant::now();
                    n = service::list(conn, &who, &query).expect("list").items.len();
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                times.sort_by(|a, b| a.total_cmp(b));
                let filter = service::filter_for(&who, &query).expect("filter");
                let plan = store::explain_list(conn, filter, sort, None, 50)?;
                println!(
                    "{:7.2} {:7.2} ms {n:3} rows  {email} {qs}\n        {}",
                    times[3],
                    times[6],
                    plan.join(" | ")
                );
            }
            Ok(())
        })
        .expect("read");
    }
}
