//! What contacts and organizations (the customer records of a client)
//! share: the rules of a merge and the search of their lists. Each domain
//! keeps its own fields; the rules are here once.

use rusqlite::Connection;

use crate::contacts::model::fts_prefix_query;
use crate::db::StoreResult;
use crate::ids::ClientId;

/// The refusals of a merge, in a record type's own words.
pub struct MergeWords {
    pub itself: &'static str,
    pub other_client: &'static str,
    pub merged_already: &'static str,
}

/// A customer record that can be merged into another of its kind: the
/// merged one stays with `merged_into_id` set (so old links resolve) and is
/// hidden from lists.
pub trait Mergeable {
    /// The record type's own id (`ContactId`, `OrganizationId`).
    type Id: Copy + PartialEq;
    const WORDS: MergeWords;
    fn id(&self) -> Self::Id;
    fn client_id(&self) -> ClientId;
    fn merged_into_id(&self) -> Option<Self::Id>;
}

/// Makes a record type with the fields `id` (of type `$id`), `client_id`
/// and `merged_into_id` a customer record: paged by its id, merged with
/// these refusals.
#[macro_export]
macro_rules! customer_record {
    ($record:ty, id: $id:ty, itself: $itself:literal, other_client: $other:literal,
        merged_already: $merged:literal $(,)?) => {
        impl $crate::paging::Keyed for $record {
            type Id = $id;
            fn key(&self) -> $id {
                self.id
            }
        }
        impl $crate::customers::Mergeable for $record {
            type Id = $id;
            const WORDS: $crate::customers::MergeWords = $crate::customers::MergeWords {
                itself: $itself,
                other_client: $other,
                merged_already: $merged,
            };
            fn id(&self) -> $id {
                self.id
            }
            fn client_id(&self) -> $crate::ids::ClientId {
                self.client_id
            }
            fn merged_into_id(&self) -> Option<$id> {
                self.merged_into_id
            }
        }
    };
}

/// Why `source` cannot be merged into `target`, or `None` when it can:
/// never into itself, only within one client, and neither may have been
/// merged away already.
pub fn merge_refusal<T: Mergeable>(source: &T, target: &T) -> Option<&'static str> {
    if source.id() == target.id() {
        Some(T::WORDS.itself)
    } else if source.client_id() != target.client_id() {
        Some(T::WORDS.other_client)
    } else if source.merged_into_id().is_some() || target.merged_into_id().is_some() {
        Some(T::WORDS.merged_already)
    } else {
        None
    }
}

/// A merge keeps the target's text and fills it from the source where empty.
pub fn fill_text(field: &mut String, from: &str) {
    if field.is_empty() {
        *field = from.to_string();
    }
}

/// A merge keeps the target's value and takes the source's where it has none.
pub fn fill_value<T: Clone>(field: &mut Option<T>, from: &Option<T>) {
    if field.is_none() {
        field.clone_from(from);
    }
}

/// What a list's `q` asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Search {
    /// No `q` (or only blanks): every row.
    All,
    /// The full-text prefix query of `q`'s words (see
    /// [`fts_prefix_query`]).
    Words(String),
    /// Only punctuation: nothing can match.
    Nothing,
}

impl Search {
    pub fn of(q: Option<&str>) -> Search {
        match q.map(str::trim).filter(|q| !q.is_empty()) {
            None => Search::All,
            Some(q) => fts_prefix_query(q).map_or(Search::Nothing, Search::Words),
        }
    }

    /// The prefix query with German spellings folded in `table`'s index
    /// (`search::fold`: "Mueller" finds "Müller"), for a list that is not
    /// [`Search::Nothing`]. `table`: one of the store's FTS5 tables.
    pub fn words(&self, conn: &Connection, table: &'static str) -> StoreResult<Option<String>> {
        let Search::Words(words) = self else {
            return Ok(None);
        };
        let terms: Vec<String> = words.split(' ').map(str::to_string).collect();
        Ok(crate::search::fold::expression(conn, table, &terms)?.map(|(fts, _)| fts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Record {
        id: i64,
        client_id: ClientId,
        merged_into_id: Option<i64>,
    }

    impl Mergeable for Record {
        type Id = i64;
        const WORDS: MergeWords = MergeWords {
            itself: "itself",
            other_client: "other client",
            merged_already: "merged already",
        };
        fn id(&self) -> i64 {
            self.id
        }
        fn client_id(&self) -> ClientId {
            self.client_id
        }
        fn merged_into_id(&self) -> Option<i64> {
            self.merged_into_id
        }
    }

    fn record(id: i64, client_id: i64, merged_into_id: Option<i64>) -> Record {
        Record {
            id,
            client_id: ClientId(client_id),
            merged_into_id,
        }
    }

    #[test]
    fn merges_are_refused_in_order() {
        assert_eq!(
            merge_refusal(&record(1, 1, None), &record(2, 1, None)),
            None
        );
        assert_eq!(
            merge_refusal(&record(1, 1, None), &record(1, 1, None)),
            Some("itself")
        );
        assert_eq!(
            merge_refusal(&record(1, 1, None), &record(2, 2, None)),
            Some("other client")
        );
        assert_eq!(
            merge_refusal(&record(1, 1, Some(3)), &record(2, 1, None)),
            Some("merged already")
        );
        assert_eq!(
            merge_refusal(&record(1, 1, None), &record(2, 1, Some(3))),
            Some("merged already")
        );
    }

    #[test]
    fn fills_only_what_is_empty() {
        let mut text = String::new();
        fill_text(&mut text, "Kiel");
        assert_eq!(text, "Kiel");
        fill_text(&mut text, "Bonn");
        assert_eq!(text, "Kiel");
        let mut value = None;
        fill_value(&mut value, &Some(1));
        assert_eq!(value, Some(1));
        fill_value(&mut value, &Some(2));
        assert_eq!(value, Some(1));
    }

    #[test]
    fn search_of_q() {
        assert_eq!(Search::of(None), Search::All);
        assert_eq!(Search::of(Some("  ")), Search::All);
        assert_eq!(Search::of(Some("--")), Search::Nothing);
        assert!(matches!(Search::of(Some("Anna")), Search::Words(_)));
    }
}
