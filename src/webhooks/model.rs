//! Webhooks and their deliveries: types, API shapes, and the bodies that
//! are posted (one schema per event kind, in the OpenAPI document).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ids::{CaseId, ClientId, ProjectId};

/// A client's webhook. The secret is never shown again after it was set.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub client_id: ClientId,
    pub name: String,
    pub url: String,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// A webhook as saved: with the secret when this answer set it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret, only in the answer that set it (create; update
    /// with `secret` or `new_secret`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub secret: Option<String>,
}

/// A new webhook, or the whole of a changed one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// The platform admin names the client; a client admin's own otherwise.
    #[serde(default)]
    pub client_id: Option<ClientId>,
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// `https://…`; `http://` only to hosts the platform admin allowed.
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    #[serde(default = "yes")]
    pub active: bool,
    /// The signing secret (16 to 200 characters). On create: absent
    /// generates one; on update: absent keeps the current one.
    #[serde(default)]
    #[schema(min_length = 16, max_length = 200)]
    pub secret: Option<String>,
    /// On update: replace the secret by a generated one (shown once).
    #[serde(default)]
    pub new_secret: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebhookQuery {
    /// The platform admin's filter; everyone else sees their own client.
    pub client_id: Option<ClientId>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Queued,
    /// An attempt is under way.
    Sending,
    /// The target answered 2xx.
    Delivered,
    /// Given up: a permanent refusal or too many attempts.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sending => "sending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        Some(match s {
            "queued" => DeliveryState::Queued,
            "sending" => DeliveryState::Sending,
            "delivered" => DeliveryState::Delivered,
            "failed" => DeliveryState::Failed,
            _ => return None,
        })
    }
}

/// One delivery of a webhook: state, attempts, the last status and time.
/// Never the answer's body.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = WebhookDelivery)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    /// The event kind (`test`, `rule.fired`).
    pub event: String,
    pub state: DeliveryState,
    pub attempts: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_attempt_at: Option<String>,
    /// The HTTP status of the last attempt, if one came.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_status: Option<i64>,
    /// How long the last attempt took, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_millis: Option<i64>,
    /// Why the last attempt failed, in our words.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_error: Option<String>,
    /// The delivery this one re-sends.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub resend_of: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub rule_run_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub delivered_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// At most this many, newest first (default 50, at most 200).
    pub limit: Option<u32>,
}

/// A test event's request.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestEventInput {
    /// A note carried in the test body (at most 500 characters).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub message: Option<String>,
}

// ---- what is posted ------------------------------------------------------------

/// The JSON body of every delivery. Headers: `X-Zezaro-Signature: t=<unix>,
/// v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (the webhook's secret),
/// `X-Zezaro-Event` (the kind), `X-Zezaro-Delivery` (the delivery's id).
/// A re-send posts the same body (same `id`): receivers can drop doubles.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookBody {
    /// The event's id, unique.
    pub id: String,
    /// When the event happened (UTC, RFC 3339).
    pub created_at: String,
    pub client_id: ClientId,
    pub webhook_id: i64,
    #[serde(flatten)]
    pub event: WebhookEvent,
}

/// The event: its kind in `event`, its data in `data` (one schema per kind).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "event", content = "data")]
pub enum WebhookEvent {
    /// Sent by the "send test event" action.
    #[serde(rename = "test")]
    Test(TestData),
    /// A rule's "call webhook" action fired on a case.
    #[serde(rename = "rule.fired")]
    RuleFired(Box<RuleFiredData>),
}

impl WebhookEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            WebhookEvent::Test(_) => "test",
            WebhookEvent::RuleFired(_) => "rule.fired",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = WebhookTestData)]
pub struct TestData {
    pub message: String,
    /// Who sent the test (display name).
    pub by: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = WebhookRuleFiredData)]
pub struct RuleFiredData {
    pub rule_id: i64,
    pub rule_name: String,
    /// The rule event that fired it (`case-created`, `case-updated`,
    /// `message-received`, `reply-sent`, `time-based`, `sla-warning`,
    /// `sla-breached`).
    #[serde(default)]
    pub trigger: String,
    /// The case after the rule's changes.
    pub case: WebhookCase,
    /// What the rule changed (and what it skipped, with the reason).
    #[serde(default)]
    pub changes: Vec<crate::rules::model::Change>,
}

/// The case as a webhook carries it: no messages, no contact data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookCase {
    pub id: CaseId,
    pub reference: String,
    pub project_id: ProjectId,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub channel: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub topic_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}
