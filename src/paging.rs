//! Keyset paging, newest first, for every list that pages by id
//! (contacts, organizations, the audit log): `?limit=` (1–500, default 50)
//! and `?before_id=`, answered as a [`Page`].

use serde::Serialize;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, Ref, RefOr};

/// Rows per page when the caller names none.
pub const DEFAULT_LIMIT: u32 = 50;
/// The most rows one page holds.
pub const MAX_LIMIT: u32 = 500;

/// The page size for a requested `limit`.
pub fn limit(requested: Option<u32>) -> u32 {
    requested.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// A row that pages by its id (typed: a contact's is a `ContactId`).
pub trait Keyed {
    type Id: Copy + Into<i64>;
    fn key(&self) -> Self::Id;
}

/// One page of a list, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `before_id` for the next page; `null` at the end.
    pub next_before_id: Option<i64>,
}

impl<T: Keyed> Page<T> {
    /// The page of `items` read with `limit`: a full page may have a next
    /// one, which starts below its last id.
    pub fn of(items: Vec<T>, limit: u32) -> Page<T> {
        let next_before_id = if items.len() == limit as usize {
            items.last().map(|item| item.key().into())
        } else {
            None
        };
        Page {
            items,
            next_before_id,
        }
    }
}

impl<T> Page<T> {
    pub fn empty() -> Page<T> {
        Page {
            items: Vec::new(),
            next_before_id: None,
        }
    }
}

/// The OpenAPI schema of a page of `item` (a schema name), with the
/// descriptions of its two fields.
pub fn schema(item: &str, items_doc: Option<&str>, next_doc: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .property(
            "items",
            ArrayBuilder::new()
                .items(Ref::from_schema_name(item))
                .description(items_doc),
        )
        .required("items")
        .property(
            "next_before_id",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                    Type::Integer,
                    Type::Null,
                ]))
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .description(Some(next_doc)),
        )
        .into()
}

/// Names `Page<$item>` in the OpenAPI document (`ContactPage`, …), so the
/// document keeps one schema per page type.
#[macro_export]
macro_rules! page_schema {
    ($item:ty, $name:literal, items = $items_doc:literal, next = $next_doc:literal) => {
        $crate::page_schema!(@impl $item, $name, Some($items_doc), $next_doc);
    };
    ($item:ty, $name:literal, next = $next_doc:literal) => {
        $crate::page_schema!(@impl $item, $name, None, $next_doc);
    };
    (@impl $item:ty, $name:literal, $items_doc:expr, $next_doc:literal) => {
        impl utoipa::PartialSchema for $crate::paging::Page<$item> {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::paging::schema(
                    &<$item as utoipa::ToSchema>::name(),
                    $items_doc,
                    $next_doc,
                )
            }
        }
        impl utoipa::ToSchema for $crate::paging::Page<$item> {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }
            fn schemas(
                schemas: &mut Vec<(
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
                )>,
            ) {
                schemas.push((
                    <$item as utoipa::ToSchema>::name().into(),
                    <$item as utoipa::PartialSchema>::schema(),
                ));
                <$item as utoipa::ToSchema>::schemas(schemas);
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(i64);
    impl Keyed for Row {
        type Id = i64;
        fn key(&self) -> i64 {
            self.0
        }
    }

    #[test]
    fn limits_are_clamped() {
        assert_eq!(limit(None), 50);
        assert_eq!(limit(Some(0)), 1);
        assert_eq!(limit(Some(7)), 7);
        assert_eq!(limit(Some(100_000)), 500);
    }

    #[test]
    fn only_a_full_page_points_to_a_next_one() {
        let full = Page::of(vec![Row(9), Row(8), Row(7)], 3);
        assert_eq!(full.next_before_id, Some(7));
        let short = Page::of(vec![Row(9), Row(8)], 3);
        assert_eq!(short.next_before_id, None);
        let none: Page<Row> = Page::of(Vec::new(), 3);
        assert_eq!(none.next_before_id, None);
    }
}
