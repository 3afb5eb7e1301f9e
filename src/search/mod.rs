//! One search over cases, contacts and organizations, always within the
//! searcher's permissions.

pub mod handlers;
pub mod query;

use rusqlite::Connection;
use rusqlite::types::Value;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Principal, policy};
use crate::cases::{self, Case, CaseError};
use crate::contacts::Contact;
use crate::organizations::Organization;
use query::{Field, SearchQuery};

pub use handlers::configure;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseHit {
    #[serde(flatten)]
    pub case: Case,
    /// The matching text; matches between « and ».
    pub snippet: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    pub cases: Vec<CaseHit>,
    pub contacts: Vec<Contact>,
    pub organizations: Vec<Organization>,
}

pub fn search(
    conn: &Connection,
    who: &Principal,
    input: &str,
    project_id: Option<i64>,
    limit: u32,
) -> Result<SearchResults, CaseError> {
    let query = query::parse(input);
    let filter = case_filter(who, &query, project_id);
    let cases = match &query.text {
        Some(fts) => cases::store::search(conn, filter, fts, limit)?
            .into_iter()
            .map(|(case, snippet)| CaseHit { case, snippet })
            .collect(),
        // Only field filters: the newest matching cases.
        None if !query.filters.is_empty() => {
            cases::store::list(conn, filter, cases::store::Sort::UpdatedDesc, None, limit)?
                .into_iter()
                .map(|case| CaseHit {
                    case,
                    snippet: String::new(),
                })
                .collect()
        }
        None => Vec::new(),
    };
    // The directory is searched by the free text alone.
    let (contacts, organizations) = if query.plain.trim().is_empty() || !query.filters.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let contacts = crate::contacts::service::list(
            conn,
            who,
            &crate::contacts::model::ContactQuery {
                client_id: None,
                q: Some(query.plain.clone()),
                organization_id: None,
                limit: Some(limit.min(20)),
                before_id: None,
            },
        )
        .map(|page| page.items)
        .unwrap_or_default();
        let organizations = crate::organizations::service::list(
            conn,
            who,
            &crate::organizations::model::OrganizationQuery {
                client_id: None,
                q: Some(query.plain.clone()),
                limit: Some(limit.min(20)),
                before_id: None,
            },
        )
        .map(|page| page.items)
        .unwrap_or_default();
        (contacts, organizations)
    };
    Ok(SearchResults {
        cases,
        contacts,
        organizations,
    })
}

fn case_filter(
    who: &Principal,
    query: &SearchQuery,
    project_id: Option<i64>,
) -> cases::store::Filter {
    let mut filter = cases::store::Filter::default();
    filter.visibility(&policy::project_visibility(who));
    if let Some(project_id) = project_id {
        filter.push("c.project_id = ?", vec![Value::Integer(project_id)]);
    }
    for (field, value) in &query.filters {
        let value = Value::Text(value.clone());
        match field {
            Field::Status => filter.push("c.status = ?", vec![value]),
            Field::Channel => filter.push("c.channel = ?", vec![value]),
            Field::Topic => filter.push(
                "c.topic_id IN (SELECT id FROM topics WHERE name = ? COLLATE NOCASE)",
                vec![value],
            ),
            Field::From => filter.push(
                "c.contact_id IN (SELECT contact_id FROM contact_emails WHERE email = ?)",
                vec![value],
            ),
            Field::Tag => filter.push(
                "EXISTS (SELECT 1 FROM case_tags g WHERE g.case_id = c.id AND g.tag = ?)",
                vec![value],
            ),
            Field::Project => filter.push("p.key = upper(?)", vec![value]),
            Field::Assignee if matches!(&value, Value::Text(v) if v == "me") => {
                filter.push("c.assignee_id = ?", vec![Value::Integer(who.user_id)])
            }
            Field::Assignee => filter.push(
                "c.assignee_id IN (SELECT id FROM users WHERE email = ?)",
                vec![value],
            ),
        }
    }
    filter
}
