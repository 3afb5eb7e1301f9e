//! The case history as people read it: values that are ids (an assignee,
//! a topic, a contact, …) named, within the case's client only.

use std::collections::HashMap;

use rusqlite::Connection;

use super::model::{HistoryEntry, RefKind, Referent};
use super::store;
use crate::db::StoreResult;
use crate::ids::ClientId;

/// Which side of a history row a value stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Old,
    New,
}

/// What a history field's values name by id, if anything.
pub fn refers_to(field: &str) -> Option<RefKind> {
    match field {
        "assignee_id" | "assignee" => Some(RefKind::User),
        "topic_id" | "topic" => Some(RefKind::Topic),
        "contact_id" | "contact" => Some(RefKind::Contact),
        // A rule's notification: the notified users before, the text after.
        "notify" => Some(RefKind::User),
        "webhook" => Some(RefKind::Webhook),
        "reply" => Some(RefKind::TextModule),
        // Unlinking records the other case's id; linking its number.
        "link" => Some(RefKind::Case),
        _ => None,
    }
}

/// The ids `value` names on `side` of a row of `field` (empty: the value
/// is no id, e.g. a notification's text or a linked case's number).
pub fn ids_in(field: &str, side: Side, value: &str) -> Vec<i64> {
    let value = value.trim();
    let list = match (field, side) {
        ("notify", Side::Old) => value,
        ("notify", Side::New) => return Vec::new(),
        // Written as "text module N" before the id alone.
        ("reply", Side::New) => value.strip_prefix("text module ").unwrap_or(value),
        _ => value,
    };
    let ids: Option<Vec<i64>> = list
        .split(',')
        .map(|part| part.trim().parse::<i64>().ok())
        .collect();
    ids.unwrap_or_default()
}

/// Names the ids in `entries` (a case's history) as of now: only records
/// of `client_id`, the case's client; another client's record or a
/// deleted one stays without a name.
pub fn resolve(
    conn: &Connection,
    client_id: ClientId,
    entries: Vec<HistoryEntry>,
) -> StoreResult<Vec<HistoryEntry>> {
    let mut names: HashMap<(RefKind, i64), Option<String>> = HashMap::new();
    let mut name = |kind: RefKind, id: i64| -> StoreResult<Referent> {
        let found = match names.get(&(kind, id)) {
            Some(found) => found.clone(),
            None => {
                let found = store::referent_name(conn, kind, id, client_id)?;
                names.insert((kind, id), found.clone());
                found
            }
        };
        Ok(Referent { id, name: found })
    };
    entries
        .into_iter()
        .map(|mut entry| {
            let Some(kind) = refers_to(&entry.field) else {
                return Ok(entry);
            };
            entry.refers_to = Some(kind);
            for (side, value) in [(Side::Old, &entry.old_value), (Side::New, &entry.new_value)] {
                let refs = match value {
                    Some(value) => ids_in(&entry.field, side, value)
                        .into_iter()
                        .map(|id| name(kind, id))
                        .collect::<StoreResult<Vec<_>>>()?,
                    None => Vec::new(),
                };
                match side {
                    Side::Old => entry.old_refs = refs,
                    Side::New => entry.new_refs = refs,
                }
            }
            Ok(entry)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rustfmt::skip]
    #[test]
    fn ids_by_field_and_side() {
        let table: &[(&str, Side, &str, &[i64])] = &[
            ("assignee_id", Side::New, "7",                &[7]),
            ("assignee_id", Side::Old, "5",                &[5]),
            ("topic_id",    Side::New, "12",               &[12]),
            ("notify",      Side::Old, "3,4, 9",           &[3, 4, 9]),
            ("notify",      Side::New, "42",               &[]),
            ("reply",       Side::New, "text module 8",    &[8]),
            ("reply",       Side::New, "8",                &[8]),
            ("link",        Side::New, "ACME-1000",        &[]),
            ("link",        Side::Old, "31",               &[31]),
            ("assignee_id", Side::New, "7x",               &[]),
        ];
        for (field, side, value, ids) in table {
            assert_eq!(ids_in(field, *side, value), *ids, "{field} {side:?} {value}");
        }
    }

    #[test]
    fn plain_fields_name_nothing() {
        for field in [
            "status",
            "priority",
            "subject",
            "created",
            "handling_team",
            "tags",
        ] {
            assert_eq!(refers_to(field), None, "{field}");
        }
        assert_eq!(refers_to("assignee_id"), Some(RefKind::User));
        assert_eq!(refers_to("topic_id"), Some(RefKind::Topic));
        assert_eq!(refers_to("contact_id"), Some(RefKind::Contact));
    }
}
