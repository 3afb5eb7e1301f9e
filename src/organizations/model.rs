use crate::ids::{ClientId, OrganizationId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::contacts::model::nullable;
use crate::paging::Page;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    pub id: OrganizationId,
    pub client_id: ClientId,
    pub name: String,
    pub customer_number: Option<String>,
    /// E-mail domain, e.g. `stadtwerke-example.de`.
    pub domain: Option<String>,
    pub phone: Option<String>,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub notes: String,
    /// Custom field values (data masks), as stored.
    #[schema(value_type = Object)]
    pub custom: serde_json::Value,
    /// Contacts (not merged away) of the organization.
    pub contact_count: i64,
    pub merged_into_id: Option<OrganizationId>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    pub client_id: ClientId,
    #[schema(max_length = 200)]
    pub name: String,
    pub customer_number: Option<String>,
    pub domain: Option<String>,
    pub phone: Option<String>,
    #[schema(max_length = 200)]
    pub street: Option<String>,
    #[schema(max_length = 20)]
    pub postal_code: Option<String>,
    #[schema(max_length = 120)]
    pub city: Option<String>,
    #[schema(max_length = 120)]
    pub country: Option<String>,
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// A JSON object of custom field values.
    #[schema(value_type = Option<Object>)]
    pub custom: Option<serde_json::Value>,
}

/// Absent fields stay as they are; `null` or `""` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub customer_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub domain: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[schema(max_length = 200)]
    pub street: Option<String>,
    #[schema(max_length = 20)]
    pub postal_code: Option<String>,
    #[schema(max_length = 120)]
    pub city: Option<String>,
    #[schema(max_length = 120)]
    pub country: Option<String>,
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrganizationQuery {
    /// Only this client's organizations.
    pub client_id: Option<ClientId>,
    /// Prefix search over name, customer number, domain and city.
    pub q: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    pub before_id: Option<i64>,
}

/// Organizations, newest first.
pub type OrganizationPage = Page<Organization>;
crate::page_schema!(
    Organization,
    "OrganizationPage",
    items = "Newest first.",
    next = "Pass as `before_id` for the next page; `null` at the end."
);

crate::customer_record!(
    Organization,
    id: OrganizationId,
    itself: "an organization cannot be merged into itself",
    other_client: "organizations of different clients cannot be merged",
    merged_already: "one of the organizations was merged into another one already",
);

/// Checked values of an organization, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationFields {
    pub name: String,
    pub customer_number: Option<String>,
    pub domain: Option<String>,
    pub phone: Option<String>,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub notes: String,
    /// JSON object text.
    pub custom: String,
}
