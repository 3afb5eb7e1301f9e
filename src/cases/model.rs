use crate::ids::{CaseId, ContactId, OrganizationId, ProjectId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Defines a closed set of lower-case/kebab-case names with `as_str` and
/// `parse`, used for the text columns with CHECK constraints.
macro_rules! names {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        // The names are the variants in kebab case; said for the document
        // too, which does not see the `rename`s a macro passes on.
        #[serde(rename_all = "kebab-case")]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

names!(
    /// How the customer reached us.
    Channel { Email = "email", Call = "call", Webform = "webform", Chat = "chat", Letter = "letter" }
);
names!(
    Status {
        New = "new",
        Open = "open",
        PendingCustomer = "pending-customer",
        PendingThirdParty = "pending-third-party",
        Solved = "solved",
        Closed = "closed",
    }
);
names!(Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" });
names!(
    /// Which team handles a case: the client's own or the provider's.
    HandlingTeam { Client = "client", Provider = "provider" }
);
names!(MessageKind { Inbound = "inbound", Outbound = "outbound", Note = "note" });

impl Channel {
    /// The channel a written reply to a case of this channel goes out on:
    /// a phone call cannot carry one, it is answered by e-mail (to the
    /// contact's address); the other channels answer on themselves.
    pub fn reply_channel(self) -> Channel {
        match self {
            Channel::Call => Channel::Email,
            other => other,
        }
    }
}
names!(
    /// The case list's `view`.
    ListView { All = "all", Open = "open", Mine = "mine", Unassigned = "unassigned" }
);
names!(
    /// The case list's `due`: overdue, or due within 24 hours.
    Due { Overdue = "overdue", Soon = "soon" }
);
names!(
    TimeKind {
        Handling = "handling",
        AfterWork = "after-work",
        CallWait = "call-wait",
        CallTalk = "call-talk",
        Manual = "manual",
    }
);

impl Status {
    /// Solved and closed cases are done; everything else is open work.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Solved | Status::Closed)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Case {
    pub id: CaseId,
    pub project_id: ProjectId,
    pub project_key: String,
    pub number: i64,
    /// People-readable number, e.g. `ACME-1000`.
    #[serde(rename = "ref")]
    pub reference: String,
    pub subject: String,
    pub channel: Channel,
    pub topic_id: Option<i64>,
    pub topic_name: Option<String>,
    pub status: Status,
    pub priority: Priority,
    pub handling_team: HandlingTeam,
    pub assignee_id: Option<UserId>,
    pub assignee_name: Option<String>,
    pub contact_id: Option<ContactId>,
    pub contact_name: Option<String>,
    pub organization_id: Option<OrganizationId>,
    pub organization_name: Option<String>,
    pub tags: Vec<String>,
    pub due_at: Option<String>,
    #[schema(value_type = Object)]
    pub custom: serde_json::Value,
    pub merged_into_id: Option<CaseId>,
    /// Changes with every change to the case or its thread.
    pub version: i64,
    pub message_count: i64,
    pub last_message_at: Option<String>,
    pub first_response_at: Option<String>,
    pub solved_at: Option<String>,
    pub closed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The next running SLA deadline (issue 15; `sla::clock`): past means
    /// breached. Null: no running SLA clock (none applies, paused, done).
    pub sla_due_at: Option<String>,
    /// Which target `sla_due_at` is: `first-response`, `next-response`,
    /// `resolution`.
    pub sla_target: Option<String>,
    /// Which of the provider's teams handles a provider case (`basic`,
    /// `pro`; issue 15's distribution); null: the own team, or any
    /// provider team.
    pub handling_tariff: Option<crate::users::Tariff>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirstMessage {
    /// `inbound` (from the customer) or `note`.
    pub kind: MessageKind,
    pub body_text: String,
    /// Set by the e-mail channel, never by the API.
    #[serde(skip)]
    pub mail: Option<MessageMail>,
}

/// The call a message records (`NewMessage::call`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageCall {
    /// The number called (or calling), as typed.
    pub phone: String,
    #[serde(default)]
    pub wait_seconds: i64,
    #[serde(default)]
    pub talk_seconds: i64,
    #[serde(default)]
    pub after_work_seconds: i64,
    /// The language of the message's first line (the UI's language);
    /// default: the caller's profile language, else German.
    pub language: Option<crate::users::Locale>,
}

/// The e-mail columns of a thread message that came in by mail, written
/// with the message itself (one insert, not an insert and an update).
#[derive(Debug, Clone, Default)]
pub struct MessageMail {
    pub from_address: Option<String>,
    pub to_address: Option<String>,
    pub subject: Option<String>,
    pub body_html: Option<String>,
    /// The sender's contact, when it is not the case's contact.
    pub author_contact_id: Option<ContactId>,
    /// The mailbox it came in by (the rules' `mailbox_id` condition on
    /// the event of this very message; not stored with the message).
    pub mailbox_id: Option<i64>,
    /// An automatic mail (auto-reply, bulk, bounce): rules do not answer it.
    pub automatic: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub project_id: ProjectId,
    #[schema(max_length = 300)]
    pub subject: String,
    pub channel: Channel,
    pub topic_id: Option<i64>,
    pub priority: Option<Priority>,
    pub handling_team: Option<HandlingTeam>,
    pub assignee_id: Option<UserId>,
    pub contact_id: Option<ContactId>,
    /// Without `contact_id`: the contact by e-mail or phone, created when
    /// there is none yet.
    pub contact: Option<InlineContact>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub due_at: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<serde_json::Value>,
    pub message: Option<FirstMessage>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InlineContact {
    #[serde(default)]
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// `null` and absent differ for the nullable fields: absent keeps, `null`
/// clears.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    /// The `version` the change was made on; a newer case answers 409
    /// `case-changed` unless `force` is set.
    pub expected_version: Option<i64>,
    #[serde(default)]
    pub force: bool,
    #[schema(max_length = 300)]
    pub subject: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub topic_id: Option<Option<i64>>,
    pub handling_team: Option<HandlingTeam>,
    /// Which provider team handles the case (`basic`, `pro`; `null`: any
    /// provider team). Only with the provider as handling team; a change to
    /// the own team clears it. A provider agent limited to one team's share
    /// may not give a case to the other provider team (403
    /// `tariff-not-allowed`).
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<crate::users::Tariff>)]
    pub handling_tariff: Option<Option<crate::users::Tariff>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<UserId>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub contact_id: Option<Option<ContactId>>,
    pub tags: Option<Vec<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub due_at: Option<Option<String>>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<serde_json::Value>,
}

/// Tells a field set to `null` apart from an absent one.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// Download address.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Message {
    pub id: i64,
    pub case_id: CaseId,
    pub kind: MessageKind,
    pub channel: Channel,
    pub author_user_id: Option<UserId>,
    pub author_name: Option<String>,
    pub author_contact_id: Option<ContactId>,
    pub from_address: Option<String>,
    pub to_address: Option<String>,
    pub subject: Option<String>,
    pub body_text: String,
    pub body_html: Option<String>,
    pub created_at: String,
    pub attachments: Vec<Attachment>,
    /// For a logged call's message: its wait, talk and after-work time,
    /// from the time records that belong to it.
    pub call: Option<CallTimes>,
}

/// The times of a logged call, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallTimes {
    pub wait_seconds: i64,
    pub talk_seconds: i64,
    pub after_work_seconds: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// `outbound` (a reply to the customer), `note` (internal) or `inbound`
    /// (recorded from the customer, e.g. a letter).
    pub kind: MessageKind,
    pub body_text: String,
    pub expected_version: Option<i64>,
    #[serde(default)]
    pub force: bool,
    /// Status to set with the message, e.g. `pending-customer` or `solved`.
    pub set_status: Option<Status>,
    /// Files uploaded to the case beforehand, sent with this message.
    #[serde(default)]
    pub attachment_ids: Vec<i64>,
    /// Set by the e-mail channel, never by the API.
    #[serde(skip)]
    pub mail: Option<MessageMail>,
    /// A phone call on the case (with `outbound`: the agent called back;
    /// with `inbound`: the customer called again): recorded as a call
    /// message with its times, sent nowhere. `body_text` holds the notes
    /// and may be empty.
    #[serde(default)]
    pub call: Option<MessageCall>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageCreated {
    pub message: Message,
    pub case: Case,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub id: i64,
    pub user_id: Option<UserId>,
    pub user_name: Option<String>,
    pub at: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// Set when a rule made the change ("set by rule 'NAME'"; issue 15).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub rule_name: Option<String>,
    /// What the values name when they are ids (an assignee, a topic, …);
    /// `null` when they are plain values.
    pub refers_to: Option<RefKind>,
    /// The records `old_value` names, with their names as of now.
    pub old_refs: Vec<Referent>,
    /// The records `new_value` names, with their names as of now.
    pub new_refs: Vec<Referent>,
}

/// The kind of record a history value names by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RefKind {
    User,
    Topic,
    Contact,
    Webhook,
    TextModule,
    Case,
}

/// A record named by id in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Referent {
    pub id: i64,
    /// Its name (for a case: its number); `null` when it was deleted or
    /// belongs to another client than the case.
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TimeSummary {
    pub total_seconds: i64,
    pub by_kind: std::collections::BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Viewer {
    pub user_id: UserId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactCard {
    pub id: ContactId,
    pub name: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub organization_id: Option<OrganizationId>,
    pub organization_name: Option<String>,
    pub customer_number: Option<String>,
    pub language: Option<String>,
    pub city: String,
    pub notes: String,
}

/// Everything the case screen shows, in one answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseDetail {
    pub case: Case,
    pub messages: Vec<Message>,
    pub history: Vec<HistoryEntry>,
    pub contact: Option<ContactCard>,
    /// The contact's other cases, newest first (at most 20).
    pub contact_cases: Vec<Case>,
    /// Related cases (links).
    pub links: Vec<Case>,
    pub time: TimeSummary,
    pub viewers: Vec<Viewer>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    pub project_id: Option<ProjectId>,
    /// `mine`, `unassigned`, `open` or `all` (default).
    pub view: Option<String>,
    /// Comma-separated statuses.
    pub status: Option<String>,
    pub assignee_id: Option<UserId>,
    pub team: Option<HandlingTeam>,
    pub topic_id: Option<i64>,
    pub channel: Option<Channel>,
    pub tag: Option<String>,
    pub contact_id: Option<ContactId>,
    /// A case number such as `ACME-1042`.
    #[serde(rename = "ref")]
    #[param(rename = "ref")]
    pub reference: Option<String>,
    /// `overdue` or `soon` (due within 24 hours).
    pub due: Option<String>,
    /// `-updated_at` (default), `updated_at`, `-created_at`, `created_at`,
    /// `due_at`, `sla_due_at` (next SLA deadline), `-priority`.
    pub sort: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<Case>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TopicCount {
    pub topic_id: i64,
    pub name: String,
    pub count: i64,
}

/// Counts of open cases for the workspace's views.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CaseCounts {
    pub mine: i64,
    pub unassigned: i64,
    pub open: i64,
    pub overdue: i64,
    pub due_soon: i64,
    pub by_team: std::collections::BTreeMap<String, i64>,
    pub by_topic: Vec<TopicCount>,
    pub by_channel: std::collections::BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CountsQuery {
    pub project_id: Option<ProjectId>,
}

/// Which local day `GET /api/v1/me/figures` counts.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FiguresQuery {
    /// IANA time zone whose day is counted (the browser's); default `UTC`.
    #[param(example = "Europe/Berlin")]
    pub tz: Option<String>,
    /// The local day, `YYYY-MM-DD`; default: today in `tz`.
    pub date: Option<String>,
}

/// The caller's own work on one local day (the start page's "my figures
/// today"): stored times are UTC, the day runs from local midnight to
/// local midnight in `time_zone`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MyFigures {
    pub date: String,
    pub time_zone: String,
    /// The day's first instant, UTC.
    pub from: String,
    /// The next day's first instant, UTC (exclusive).
    pub to: String,
    /// Cases the caller set to solved that day (each case once).
    pub solved: i64,
    /// Replies (outbound messages) the caller sent that day.
    pub replies: i64,
    /// The caller's recorded time (all kinds) begun that day, in seconds.
    pub handled_seconds: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkUpdate {
    pub case_ids: Vec<CaseId>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<UserId>>,
    pub status: Option<Status>,
    pub topic_id: Option<i64>,
    #[serde(default)]
    pub add_tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulkResult {
    pub updated: usize,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTimeEntry {
    pub kind: TimeKind,
    pub seconds: i64,
    /// When the work began; default: now minus `seconds`.
    pub started_at: Option<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimeEntry {
    pub id: i64,
    pub case_id: CaseId,
    pub user_id: UserId,
    pub kind: TimeKind,
    pub started_at: String,
    pub seconds: i64,
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The case that receives this case's thread.
    pub into_id: CaseId,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    pub case_id: CaseId,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Presence {
    pub viewers: Vec<Viewer>,
}

crate::db::text_enum!(
    Channel,
    Status,
    Priority,
    HandlingTeam,
    MessageKind,
    TimeKind
);
