//! Ids as types: a case id is a [`CaseId`], a client id a [`ClientId`], so
//! a function that takes two of them cannot be called with the two swapped
//! (`check_contact(conn, client_id, contact_id)` was one swap away from
//! reading another client's contact).
//!
//! Each id is an `i64` in the store (`ToSql`/`FromSql` on the same INTEGER
//! column), in JSON (`#[serde(transparent)]`) and in the OpenAPI document (a
//! plain `integer`/`int64`: `build.rs` names every id as an alias of `i64`
//! for utoipa's derives, so the document keeps its shape). `From<i64>`,
//! `.get()` and the public `.0` convert at the edges (tests, code that still
//! holds plain ids).
//!
//! A swapped pair does not compile:
//!
//! ```compile_fail,E0308
//! use zezaro::ids::{ClientId, ContactId};
//! fn check_contact(client_id: ClientId, contact_id: ContactId) {}
//! let (client_id, contact_id) = (ClientId(1), ContactId(2));
//! check_contact(contact_id, client_id);
//! ```
//!
//! while the right order does:
//!
//! ```
//! use zezaro::ids::{ClientId, ContactId};
//! fn check_contact(_client_id: ClientId, _contact_id: ContactId) {}
//! let (client_id, contact_id) = (ClientId(1), ContactId(2));
//! check_contact(client_id, contact_id);
//! ```

use std::fmt;

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr};

/// Defines id newtypes over `i64` with everything an id needs. The names
/// must also be listed in `build.rs` (`ID_TYPES`), which tells utoipa's
/// derives to document them as `i64`.
macro_rules! ids {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize,
            Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub const fn new(id: i64) -> $name {
                $name(id)
            }

            /// The plain number (for SQL built by hand, logs, other code
            /// that still holds `i64`).
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> $name {
                $name(id)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<$name, Self::Err> {
                s.parse().map($name)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0))
            }
        }

        impl From<$name> for rusqlite::types::Value {
            fn from(id: $name) -> rusqlite::types::Value {
                rusqlite::types::Value::from(id.0)
            }
        }

        /// Compared with a plain number (a test's literal, an id read
        /// from JSON); never with another kind of id.
        impl PartialEq<i64> for $name {
            fn eq(&self, other: &i64) -> bool {
                self.0 == *other
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<$name> {
                i64::column_result(value).map($name)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                integer_schema()
            }
        }

        impl utoipa::ToSchema for $name {}
    )+};
}

/// What an id is in the OpenAPI document: what `i64` is.
fn integer_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .into()
}

ids!(
    /// A case (`cases.id`).
    CaseId,
    /// A project (`projects.id`).
    ProjectId,
    /// A client company (`clients.id`).
    ClientId,
    /// A user (`users.id`).
    UserId,
    /// A contact, a customer person of a client (`contacts.id`).
    ContactId,
    /// An organization, a customer company of a client (`organizations.id`).
    OrganizationId,
    /// A team (`teams.id`).
    TeamId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_integers_in_json() {
        assert_eq!(serde_json::to_string(&CaseId(7)).unwrap(), "7");
        let id: ClientId = serde_json::from_str("42").unwrap();
        assert_eq!(id, ClientId(42));
        assert!(serde_json::from_str::<ClientId>("\"42\"").is_err());
        assert_eq!(
            serde_json::to_string(&Some(UserId(3))).unwrap(),
            serde_json::to_string(&Some(3_i64)).unwrap()
        );
    }

    #[test]
    fn ids_are_integers_in_the_store() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER, name TEXT)")
            .unwrap();
        conn.execute("INSERT INTO t VALUES (?1, 'x')", [ContactId(5)])
            .unwrap();
        let typ: String = conn
            .query_row("SELECT typeof(id) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(typ, "integer");
        let back: ContactId = conn
            .query_row("SELECT id FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(back, ContactId(5));
        // Text is not an id: reading it fails instead of guessing.
        assert!(
            conn.query_row("SELECT name FROM t", [], |r| r.get::<_, ContactId>(0))
                .is_err()
        );
    }

    #[test]
    fn ids_print_and_parse_as_numbers() {
        assert_eq!(TeamId(12).to_string(), "12");
        assert_eq!("12".parse::<TeamId>().unwrap(), TeamId(12));
        assert_eq!(i64::from(OrganizationId(9)), 9);
        assert_eq!(ProjectId::from(4).get(), 4);
    }

    #[test]
    fn ids_are_integers_in_the_document() {
        let schema = serde_json::to_value(<CaseId as utoipa::PartialSchema>::schema()).unwrap();
        let plain = serde_json::to_value(<i64 as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema, plain);
    }
}
