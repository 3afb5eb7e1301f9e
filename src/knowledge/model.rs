use crate::ids::{CaseId, ClientId, ProjectId, UserId};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The languages an article is written in, side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = KnowledgeLanguage)]
pub enum Language {
    De,
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::De, Language::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Language::De => "de",
            Language::En => "en",
        }
    }

    pub fn parse(text: &str) -> Option<Language> {
        match text {
            "de" => Some(Language::De),
            "en" => Some(Language::En),
            _ => None,
        }
    }
}

/// Internal: the agents of the client's projects. Public: also the project's
/// help center (a later slice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = KnowledgeVisibility)]
pub enum Visibility {
    Internal,
    Public,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Internal => "internal",
            Visibility::Public => "public",
        }
    }

    pub fn parse(text: &str) -> Option<Visibility> {
        match text {
            "internal" => Some(Visibility::Internal),
            "public" => Some(Visibility::Public),
            _ => None,
        }
    }
}

/// `draft` → `review` → `published`; `archived`: no longer current (an
/// earlier draft overtaken by a later save, a published version replaced
/// or unpublished).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = ArticleVersionState)]
pub enum VersionState {
    Draft,
    Review,
    Published,
    Archived,
}

impl VersionState {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionState::Draft => "draft",
            VersionState::Review => "review",
            VersionState::Published => "published",
            VersionState::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<VersionState> {
        match text {
            "draft" => Some(VersionState::Draft),
            "review" => Some(VersionState::Review),
            "published" => Some(VersionState::Published),
            "archived" => Some(VersionState::Archived),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = KnowledgeCategory)]
pub struct Category {
    pub id: i64,
    pub client_id: ClientId,
    pub parent_id: Option<i64>,
    pub name: String,
    /// Order among its siblings (then by name).
    pub position: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewKnowledgeCategory)]
pub struct NewCategory {
    pub client_id: ClientId,
    pub parent_id: Option<i64>,
    #[schema(max_length = 120)]
    pub name: String,
    /// Absent: after the last sibling.
    pub position: Option<i64>,
}

/// Absent fields stay; `parent_id: null` moves the category to the top.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = KnowledgeCategoryPatch)]
pub struct CategoryPatch {
    #[schema(max_length = 120)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    /// Absent on a move to another parent: after its last child.
    pub position: Option<i64>,
}

/// One saved version of an article in one language.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ArticleVersion)]
pub struct Version {
    pub id: i64,
    pub article_id: i64,
    pub language: Language,
    /// 1, 2, … per article and language.
    pub number: i64,
    pub title: String,
    /// The Markdown as written.
    pub body_md: String,
    /// The Markdown rendered to sanitised HTML.
    pub body_html: String,
    pub state: VersionState,
    pub created_by: Option<UserId>,
    /// The name of `created_by` (`null`: no user, e.g. a system save).
    pub created_by_name: Option<String>,
    pub created_at: String,
    pub submitted_by: Option<i64>,
    pub submitted_by_name: Option<String>,
    pub submitted_at: Option<String>,
    pub published_by: Option<i64>,
    pub published_by_name: Option<String>,
    pub published_at: Option<String>,
    /// The version this one restores.
    pub restored_from: Option<i64>,
}

/// A version in the history list (without the bodies).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ArticleVersionSummary)]
pub struct VersionSummary {
    pub id: i64,
    pub language: Language,
    pub number: i64,
    pub title: String,
    pub state: VersionState,
    pub created_by: Option<UserId>,
    pub created_by_name: Option<String>,
    pub created_at: String,
    pub published_by: Option<i64>,
    pub published_by_name: Option<String>,
    pub published_at: Option<String>,
    pub restored_from: Option<i64>,
}

/// An article in one language.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ArticleTranslation)]
pub struct Translation {
    pub language: Language,
    /// The published version; `null`: not published in this language (a
    /// missing translation).
    pub published: Option<Version>,
    /// Editors only: the newest version when it is a draft or in review.
    pub head: Option<Version>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Article {
    pub id: i64,
    pub client_id: ClientId,
    pub category_id: Option<i64>,
    pub visibility: Visibility,
    /// Editors only: the article is limited to `project_ids` (when they
    /// were all deleted, to no project); otherwise it serves all projects
    /// of the client.
    pub limited: bool,
    pub tags: Vec<String>,
    /// Editors only: the projects the article is limited to.
    pub project_ids: Vec<ProjectId>,
    pub created_at: String,
    pub updated_at: String,
    /// One per language, German first.
    pub translations: Vec<Translation>,
    /// Whether the caller edits and publishes this article (an editor of
    /// the client, or an agent granted editing in all of its projects).
    pub can_edit: bool,
}

/// An article's title and state in one language, for lists.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ArticleTitle)]
pub struct TitleInLanguage {
    pub language: Language,
    pub title: String,
    /// Whether a version is published in this language.
    pub published: bool,
    /// Editors only: the state of a newer draft or review version.
    pub pending: Option<VersionState>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleSummary {
    pub id: i64,
    pub client_id: ClientId,
    pub category_id: Option<i64>,
    pub visibility: Visibility,
    pub tags: Vec<String>,
    pub updated_at: String,
    /// The languages the reader can see the article in.
    pub titles: Vec<TitleInLanguage>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArticle {
    pub client_id: ClientId,
    pub category_id: Option<i64>,
    /// Default `internal`.
    pub visibility: Option<Visibility>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Limit to these projects of the client; empty: all.
    #[serde(default)]
    pub project_ids: Vec<ProjectId>,
    pub language: Language,
    #[schema(max_length = 200)]
    pub title: String,
    /// Markdown.
    pub body: String,
}

/// Absent fields stay; `category_id: null` takes the article out of its
/// category; `tags` and `project_ids` replace the lists.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticlePatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub category_id: Option<Option<i64>>,
    pub visibility: Option<Visibility>,
    pub tags: Option<Vec<String>>,
    pub project_ids: Option<Vec<ProjectId>>,
}

/// A save: a new version. From an editor a draft, from an agent a
/// suggestion (in review at once).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewArticleVersion)]
pub struct NewVersion {
    pub language: Language,
    #[schema(max_length = 200)]
    pub title: String,
    /// Markdown.
    pub body: String,
    /// The version the change was made on (the newest in this language
    /// when the editor started); a newer one answers 409
    /// `version-conflict`. Absent: no check.
    pub based_on: Option<i64>,
}

/// Markdown to render as an article body would be, without saving it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = KnowledgePreviewInput)]
pub struct PreviewInput {
    pub client_id: ClientId,
    /// Markdown (at most 200,000 characters, like a saved body).
    pub body: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = KnowledgePreview)]
pub struct Preview {
    /// The Markdown rendered and sanitised exactly as at a save.
    pub html: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UnpublishArticle)]
pub struct Unpublish {
    pub language: Language,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ClientParams {
    /// The client; a client's own users may leave it out (their client).
    pub client_id: Option<ClientId>,
}

impl ClientParams {
    /// The client named, or the caller's own; a caller of no client (the
    /// platform admin, the provider's users) must name one.
    pub fn client(
        &self,
        who: &crate::auth::Principal,
    ) -> Result<ClientId, crate::validation::Invalid> {
        self.client_id
            .or(who.client_id)
            .ok_or_else(|| crate::validation::Invalid::new("client_id", "which client's knowledge"))
    }
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ArticleQuery {
    pub client_id: ClientId,
    pub category_id: Option<i64>,
    pub tag: Option<String>,
    /// 1–200, default 100.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Articles with a smaller id (the next page).
    pub before_id: Option<i64>,
    /// `true`: the deleted articles instead (client admins; restorable).
    pub deleted: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeSearch {
    pub client_id: ClientId,
    /// Words (`pref*` for prefixes), "phrases", `tag:` filters; the case
    /// search's language.
    pub q: String,
    pub category_id: Option<i64>,
    pub tag: Option<String>,
    pub language: Option<Language>,
    /// 1–100, default 25.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ArticleHit)]
pub struct SearchHit {
    pub article_id: i64,
    pub version_id: i64,
    pub category_id: Option<i64>,
    pub language: Language,
    pub title: String,
    pub tags: Vec<String>,
    /// The matching text; matches between « and ».
    pub snippet: String,
}

/// For `Option<Option<T>>` patch fields: absent → `None`, `null` →
/// `Some(None)`.
fn nullable<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

// ---- attachments, editing grants, suggestions, uses (slice 2) -------------

/// A file of an article: an inline image or a download.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = KnowledgeAttachment)]
pub struct Attachment {
    pub id: i64,
    pub article_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// `/api/v1/knowledge/attachments/{id}`: use it as an image's source in
    /// the article's Markdown (`![text](/api/v1/knowledge/attachments/7)`).
    pub url: String,
    pub created_by: Option<UserId>,
    pub created_at: String,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AttachmentUpload {
    /// The file's name.
    pub filename: String,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AttachmentDownload {
    /// Show plain images in the browser instead of downloading (images in
    /// articles are always shown).
    pub inline: Option<bool>,
}

/// An agent granted editing of the articles limited to a project.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = KnowledgeEditor)]
pub struct Editor {
    pub project_id: ProjectId,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub granted_by: Option<UserId>,
    pub granted_at: String,
}

/// An article suggested for a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = KnowledgeSuggestion)]
pub struct Suggestion {
    pub article_id: i64,
    pub version_id: i64,
    pub language: Language,
    pub title: String,
    pub tags: Vec<String>,
    /// The matching text; matches between « and ».
    pub snippet: String,
    /// Where a customer reads it (relative, in the project's help center):
    /// only for public articles.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub public_url: Option<String>,
}

/// How an article was used in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = ArticleUseHow)]
pub enum UseHow {
    /// A link to it put into a reply.
    Link,
    /// Its text put into a reply.
    Text,
}

impl UseHow {
    pub fn as_str(self) -> &'static str {
        match self {
            UseHow::Link => "link",
            UseHow::Text => "text",
        }
    }

    pub fn parse(text: &str) -> Option<UseHow> {
        match text {
            "link" => Some(UseHow::Link),
            "text" => Some(UseHow::Text),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewArticleUse)]
pub struct NewUse {
    pub article_id: i64,
    /// The language of the version used.
    pub language: Language,
    pub how: UseHow,
}

/// An article used in a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ArticleUse)]
pub struct Use {
    pub id: i64,
    pub article_id: i64,
    pub version_id: Option<i64>,
    pub case_id: CaseId,
    pub user_id: Option<UserId>,
    pub at: String,
    pub how: UseHow,
}
crate::db::text_enum!(Language, Visibility, VersionState);

/// A project's help center: the switch and whether it can be reached.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = KnowledgeHelpCenter)]
pub struct HelpCenterState {
    /// Switched on by the client admin (new projects start off).
    pub enabled: bool,
    /// Public published articles the help center shows.
    pub public_articles: u32,
    /// On, the project active and at least one public article: then
    /// `/help/{key}` answers and the web form links it.
    pub reachable: bool,
    /// The help center's address (path) when reachable.
    pub url: Option<String>,
    /// Who switched it last (`null`: the migration, or never switched).
    pub changed_by_name: Option<String>,
    pub changed_at: Option<String>,
}

/// A project's knowledge settings, for whoever grants editing there.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KnowledgeProject {
    pub id: ProjectId,
    pub client_id: ClientId,
    pub key: String,
    pub name: String,
    pub active: bool,
    /// The project's agents (active users).
    pub agents: u32,
    /// Of them, the ones granted editing.
    pub editors: u32,
    pub help_center: HelpCenterState,
    /// Whether the caller may switch the help center (client admin,
    /// platform admin; not a project lead).
    pub can_switch_help_center: bool,
}

/// An agent of the project and whether they edit its knowledge.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = KnowledgeProjectAgent)]
pub struct ProjectAgent {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub edits_knowledge: bool,
    pub granted_at: Option<String>,
    pub granted_by_name: Option<String>,
}

/// One project's knowledge settings with its agents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KnowledgeProjectDetail {
    pub project: KnowledgeProject,
    pub agents: Vec<ProjectAgent>,
}

/// `PUT /knowledge/projects/{id}/help-center`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HelpCenterSwitch {
    pub enabled: bool,
}
