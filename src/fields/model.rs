//! Types and API shapes of the data masks.

use crate::ids::ProjectId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What a mask describes: cases of a project or contacts of its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    Case,
    Contact,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Case => "case",
            Entity::Contact => "contact",
        }
    }

    pub fn parse(s: &str) -> Option<Entity> {
        match s {
            "case" => Some(Entity::Case),
            "contact" => Some(Entity::Contact),
            _ => None,
        }
    }
}

/// The type of a field's values: `text` (string), `number` (JSON number),
/// `date` (`YYYY-MM-DD`), `select` (one of `options`), `multi-select` (an
/// array of `options`), `checkbox` (boolean).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Text,
    Number,
    Date,
    Select,
    MultiSelect,
    Checkbox,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Number => "number",
            Kind::Date => "date",
            Kind::Select => "select",
            Kind::MultiSelect => "multi-select",
            Kind::Checkbox => "checkbox",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "text" => Kind::Text,
            "number" => Kind::Number,
            "date" => Kind::Date,
            "select" => Kind::Select,
            "multi-select" => Kind::MultiSelect,
            "checkbox" => Kind::Checkbox,
            _ => return None,
        })
    }

    pub fn has_options(self) -> bool {
        matches!(self, Kind::Select | Kind::MultiSelect)
    }
}

/// Layout hint for the form: the whole row or half of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Width {
    Full,
    Half,
}

impl Width {
    pub fn as_str(self) -> &'static str {
        match self {
            Width::Full => "full",
            Width::Half => "half",
        }
    }
}

/// One field of a data mask. Fields are deactivated, never deleted, so the
/// values stored under their key are never lost.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CustomField {
    pub id: i64,
    pub project_id: ProjectId,
    pub entity: Entity,
    /// The key of the value in the `custom` object; never changes.
    pub key: String,
    pub label: String,
    pub kind: Kind,
    pub options: Vec<String>,
    pub required: bool,
    pub position: i64,
    pub help: String,
    pub width: Width,
    pub section: String,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewField {
    pub entity: Entity,
    /// `[a-z][a-z0-9_]{0,39}`, unique per project and entity; immutable.
    pub key: String,
    #[schema(max_length = 100)]
    pub label: String,
    pub kind: Kind,
    /// The choices of `select` and `multi-select` fields.
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
    /// Default: after the last field.
    pub position: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub help: String,
    pub width: Option<Width>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub section: String,
}

/// Changing `kind` or `options` never rewrites stored values.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldPatch {
    #[schema(max_length = 100)]
    pub label: Option<String>,
    pub kind: Option<Kind>,
    pub options: Option<Vec<String>>,
    pub required: Option<bool>,
    pub position: Option<i64>,
    #[schema(max_length = 500)]
    pub help: Option<String>,
    pub width: Option<Width>,
    #[schema(max_length = 100)]
    pub section: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FieldQuery {
    /// Only the mask of cases or of contacts.
    #[param(value_type = Option<Entity>)]
    pub entity: Option<Entity>,
}

crate::db::text_enum!(Entity, Kind);
