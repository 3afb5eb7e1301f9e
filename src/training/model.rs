use crate::ids::{ClientId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One answer of a question, as its editors see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    #[schema(max_length = 500)]
    pub text: String,
    pub correct: bool,
}

/// A multiple-choice question with one or more right answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Question {
    pub id: i64,
    pub text: String,
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuestion {
    #[schema(max_length = 1000)]
    pub text: String,
    pub choices: Vec<Choice>,
}

/// An article of a course, in order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseArticle {
    pub article_id: i64,
    /// The published title (German first), `null` when nothing is published
    /// or the article was deleted.
    pub title: Option<String>,
}

/// A course as its editors see it, right answers included.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Course {
    pub id: i64,
    pub client_id: ClientId,
    pub title: String,
    pub description: String,
    /// Percent of questions answered right to pass.
    pub pass_mark: i64,
    pub articles: Vec<CourseArticle>,
    pub questions: Vec<Question>,
    pub assignments: Vec<Assignment>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseSummary {
    pub id: i64,
    pub client_id: ClientId,
    pub title: String,
    pub pass_mark: i64,
    pub article_count: i64,
    pub question_count: i64,
    /// Agents it is assigned to (directly or by team), and of them passed.
    pub agent_count: i64,
    pub passed_count: i64,
    pub updated_at: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCourse {
    pub client_id: ClientId,
    #[schema(max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    #[schema(minimum = 0, maximum = 100)]
    pub pass_mark: i64,
    /// Knowledge articles of the client, in order.
    pub article_ids: Vec<i64>,
    #[serde(default)]
    pub questions: Vec<NewQuestion>,
}

/// The whole course again; questions are replaced (results stay).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseDraft {
    #[schema(max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    #[schema(minimum = 0, maximum = 100)]
    pub pass_mark: i64,
    pub article_ids: Vec<i64>,
    #[serde(default)]
    pub questions: Vec<NewQuestion>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignment {
    pub id: i64,
    pub user_id: Option<UserId>,
    pub user_name: Option<String>,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_on: Option<String>,
    pub assigned_at: String,
}

/// Agents and teams the course is assigned to, with a due date. An agent
/// or team assigned already keeps one assignment, with the new due date.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssignments {
    /// Agents who work in a project of the course's client.
    #[serde(default)]
    pub user_ids: Vec<UserId>,
    /// The client's teams or the provider's (their agents who work for the
    /// client).
    #[serde(default)]
    pub team_ids: Vec<TeamId>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due_on: Option<String>,
}

/// Where an agent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Progress {
    NotStarted,
    InProgress,
    /// Every article read; the check is still to pass.
    Read,
    Passed,
    Failed,
}

/// One assigned agent's state, for the project lead and the client admin.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentStatus {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub due_on: Option<String>,
    pub overdue: bool,
    pub progress: Progress,
    pub started_at: Option<String>,
    pub articles_read: i64,
    pub article_count: i64,
    pub read_at: Option<String>,
    pub attempts: i64,
    /// Last check, percent.
    pub score: Option<i64>,
    pub last_attempt_at: Option<String>,
    pub passed_at: Option<String>,
}

/// A course assigned to the caller, for their list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyCourse {
    pub id: i64,
    pub client_id: ClientId,
    pub title: String,
    pub due_on: Option<String>,
    pub overdue: bool,
    pub progress: Progress,
    pub articles_read: i64,
    pub article_count: i64,
    pub score: Option<i64>,
    pub passed_at: Option<String>,
}

/// An article as the agent learns it: the published version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LessonArticle {
    pub article_id: i64,
    /// `null` with `available: false`: nothing published, deleted, or
    /// limited to projects the agent does not work in.
    pub title: Option<String>,
    pub body_html: Option<String>,
    pub language: Option<String>,
    pub available: bool,
    pub read_at: Option<String>,
}

/// A question as the agent sees it: no right answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LessonQuestion {
    pub id: i64,
    pub text: String,
    pub choices: Vec<String>,
}

/// The agent's course page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Lesson {
    pub id: i64,
    pub client_id: ClientId,
    pub title: String,
    pub description: String,
    pub pass_mark: i64,
    pub due_on: Option<String>,
    pub progress: Progress,
    pub started_at: Option<String>,
    pub attempts: i64,
    pub score: Option<i64>,
    pub passed_at: Option<String>,
    pub articles: Vec<LessonArticle>,
    pub questions: Vec<LessonQuestion>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GivenAnswer {
    pub question_id: i64,
    /// Indexes of the chosen answers (0-based).
    pub choices: Vec<u32>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckSubmission {
    pub answers: Vec<GivenAnswer>,
}

/// The graded check.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = CourseCheckResult)]
pub struct CheckResult {
    /// Percent of questions answered right (all right answers and no wrong
    /// one chosen).
    pub score: i64,
    pub pass_mark: i64,
    pub passed: bool,
    pub attempts: i64,
    /// The questions answered right.
    pub correct_question_ids: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CourseQuery {
    pub client_id: ClientId,
}

/// An agent a course can be assigned to: active, agent in a project of the
/// course's client.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseCandidate {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    /// Already assigned by name (not counting teams).
    pub assigned: bool,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CandidateQuery {
    /// Part of the name or e-mail address; empty: everybody (first 50).
    #[serde(default)]
    pub q: Option<String>,
}
