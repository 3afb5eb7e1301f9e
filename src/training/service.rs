//! The rules of training: courses are written by the knowledge editors
//! (client admin, project leads of the client), learnt by the agents they
//! are assigned to; the check is graded here and its right answers never
//! leave the server for an agent.

use chrono::{SecondsFormat, Utc};
use rusqlite::Connection;
use serde_json::json;

use super::error::TrainingError;
use super::model::{
    AgentStatus, CheckResult, CheckSubmission, Choice, Course, CourseArticle, CourseCandidate,
    CourseDraft, CourseSummary, Lesson, LessonArticle, LessonQuestion, MyCourse, NewAssignments,
    NewCourse, Progress, Question,
};
use super::store::{self, CourseRow, ResultRow};
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::auth::policy::{self, Denied, KnowledgeReader};
use crate::cases::events::{Announcements, Event, KnowledgeEvent};
use crate::ids::{ClientId, ProjectId, UserId};
use crate::knowledge::store::ReadScope;
use crate::validation::{Invalid, optional_text, required_text};

const MAX_ARTICLES: usize = 50;
const MAX_QUESTIONS: usize = 50;
const MAX_CHOICES: usize = 10;

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn today() -> String {
    Utc::now().format("%Y-%m-%d").to_string()
}

fn visible_client(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
) -> Result<KnowledgeReader, TrainingError> {
    let reader = policy::knowledge_reader(who, client_id)?;
    if who.is_admin() && crate::clients::store::get(conn, client_id)?.is_none() {
        return Err(Denied::NotFound.into());
    }
    Ok(reader)
}

/// A live course of a client the caller sees; 404 otherwise.
fn visible(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<(CourseRow, KnowledgeReader), TrainingError> {
    let course = store::course(conn, id)?.ok_or(TrainingError::NotFound)?;
    match policy::knowledge_reader(who, course.client_id) {
        Ok(reader) => Ok((course, reader)),
        Err(_) => Err(TrainingError::NotFound),
    }
}

/// A course the caller edits: 404 foreign, 403 for the client's readers.
fn editable(conn: &Connection, who: &Principal, id: i64) -> Result<CourseRow, TrainingError> {
    let (course, reader) = visible(conn, who, id)?;
    match reader {
        KnowledgeReader::Editor => Ok(course),
        KnowledgeReader::Reader { .. } => Err(Denied::Forbidden.into()),
    }
}

/// A course assigned to the caller: 404 for a reader it is not assigned to
/// (they never learn it exists).
fn learnable(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<(CourseRow, UserId, Option<String>, Vec<ProjectId>), TrainingError> {
    let (course, reader) = visible(conn, who, id)?;
    let user_id = who.user_id.ok_or(TrainingError::NotFound)?;
    let assigned = store::assigned_agents(conn, id, Some(user_id))?
        .into_iter()
        .next();
    let projects = match &reader {
        KnowledgeReader::Reader { projects, .. } => projects.clone(),
        KnowledgeReader::Editor => Vec::new(),
    };
    match (assigned, reader) {
        (Some(a), _) => Ok((course, user_id, a.due_on, projects)),
        (None, KnowledgeReader::Editor) => Err(Denied::Forbidden.into()),
        (None, KnowledgeReader::Reader { .. }) => Err(TrainingError::NotFound),
    }
}

/// The live `knowledge` event of a course (`type: course`): its editors'
/// open status tables and its agents' course lists reload on it. Only ids
/// go out, to whoever works for the client (`policy::sees_projects_of`).
fn event(id: i64, client_id: ClientId, action: &'static str) -> Event {
    Event::Knowledge(KnowledgeEvent {
        kind: "course",
        id,
        action,
        client_id,
        project_ids: Vec::new(),
    })
}

struct Checked {
    title: String,
    description: String,
    pass_mark: i64,
    article_ids: Vec<i64>,
    questions: Vec<(String, Vec<Choice>)>,
}

fn check(
    conn: &Connection,
    client_id: ClientId,
    input: CourseDraft,
) -> Result<Checked, TrainingError> {
    let title = required_text("title", &input.title, 200)?;
    let description = optional_text("description", &input.description, 5000, true)?;
    if !(0..=100).contains(&input.pass_mark) {
        return Err(Invalid::new("pass_mark", "must be between 0 and 100").into());
    }
    let mut article_ids = Vec::new();
    for id in input.article_ids {
        if !article_ids.contains(&id) {
            article_ids.push(id);
        }
    }
    if article_ids.is_empty() || article_ids.len() > MAX_ARTICLES {
        return Err(Invalid::new("article_ids", format!("1 to {MAX_ARTICLES} articles")).into());
    }
    if store::client_articles(conn, client_id, &article_ids)? != article_ids.len() {
        return Err(Invalid::new("article_ids", "no such article at this client").into());
    }
    if input.questions.len() > MAX_QUESTIONS {
        return Err(Invalid::new("questions", format!("at most {MAX_QUESTIONS} questions")).into());
    }
    let mut questions = Vec::new();
    for (i, q) in input.questions.into_iter().enumerate() {
        let text = required_text("questions", &q.text, 1000)
            .map_err(|e| Invalid::new(format!("questions[{i}].text"), e.message))?;
        if q.choices.len() < 2 || q.choices.len() > MAX_CHOICES {
            return Err(Invalid::new(
                format!("questions[{i}].choices"),
                format!("2 to {MAX_CHOICES} answers"),
            )
            .into());
        }
        if !q.choices.iter().any(|c| c.correct) {
            return Err(Invalid::new(
                format!("questions[{i}].choices"),
                "at least one answer must be right",
            )
            .into());
        }
        let mut choices = Vec::new();
        for (j, c) in q.choices.into_iter().enumerate() {
            let text = required_text("choices", &c.text, 500).map_err(|e| {
                Invalid::new(format!("questions[{i}].choices[{j}].text"), e.message)
            })?;
            choices.push(Choice {
                text,
                correct: c.correct,
            });
        }
        questions.push((text, choices));
    }
    Ok(Checked {
        title,
        description,
        pass_mark: input.pass_mark,
        article_ids,
        questions,
    })
}

fn full(conn: &Connection, course: CourseRow) -> Result<Course, TrainingError> {
    let articles = store::articles(conn, course.id)?
        .into_iter()
        .map(|article_id| {
            let title = store::published_text(conn, article_id, "de")?.map(|(_, t, _)| t);
            Ok(CourseArticle { article_id, title })
        })
        .collect::<Result<Vec<_>, TrainingError>>()?;
    Ok(Course {
        id: course.id,
        client_id: course.client_id,
        title: course.title,
        description: course.description,
        pass_mark: course.pass_mark,
        articles,
        questions: store::questions(conn, course.id)?,
        assignments: store::assignments(conn, course.id)?,
        created_at: course.created_at,
        updated_at: course.updated_at,
    })
}

pub fn list(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
) -> Result<Vec<CourseSummary>, TrainingError> {
    visible_client(conn, who, client_id)?;
    policy::edit_knowledge(who, client_id)?;
    Ok(store::list(conn, client_id)?)
}

pub fn get(conn: &Connection, who: &Principal, id: i64) -> Result<Course, TrainingError> {
    let course = editable(conn, who, id)?;
    full(conn, course)
}

pub fn create(
    conn: &Connection,
    who: &Principal,
    input: NewCourse,
) -> Result<Course, TrainingError> {
    visible_client(conn, who, input.client_id)?;
    policy::edit_knowledge(who, input.client_id)?;
    let checked = check(
        conn,
        input.client_id,
        CourseDraft {
            title: input.title,
            description: input.description,
            pass_mark: input.pass_mark,
            article_ids: input.article_ids,
            questions: input.questions,
        },
    )?;
    let id = store::insert(
        conn,
        input.client_id,
        &checked.title,
        &checked.description,
        checked.pass_mark,
        who.user_id,
        &now(),
    )?;
    store::set_articles(conn, id, &checked.article_ids)?;
    store::set_questions(conn, id, &checked.questions)?;
    get(conn, who, id)
}

pub fn update(
    conn: &Connection,
    who: &Principal,
    id: i64,
    input: CourseDraft,
    announce: &mut Announcements,
) -> Result<Course, TrainingError> {
    let course = editable(conn, who, id)?;
    let checked = check(conn, course.client_id, input)?;
    store::update(
        conn,
        id,
        &checked.title,
        &checked.description,
        checked.pass_mark,
        &now(),
    )?;
    store::set_articles(conn, id, &checked.article_ids)?;
    store::set_questions(conn, id, &checked.questions)?;
    announce.push(event(id, course.client_id, "changed"));
    get(conn, who, id)
}

pub fn delete(
    conn: &Connection,
    who: &Principal,
    id: i64,
    announce: &mut Announcements,
) -> Result<(), TrainingError> {
    let course = editable(conn, who, id)?;
    store::delete(conn, id, who.user_id, &now())?;
    audit::record(
        conn,
        &Actor::from(who),
        "course.delete",
        "course",
        Some(id),
        Some(course.client_id),
        json!({ "title": course.title }),
    )?;
    announce.push(event(id, course.client_id, "withdrawn"));
    Ok(())
}

fn valid_date(field: &'static str, value: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| Some(d.format("%Y-%m-%d").to_string()))
        .map_err(|_| Invalid::new(field, "must be a date, YYYY-MM-DD"))
}

pub fn assign(
    conn: &Connection,
    who: &Principal,
    id: i64,
    input: NewAssignments,
    announce: &mut Announcements,
) -> Result<Course, TrainingError> {
    let course = editable(conn, who, id)?;
    let due_on = valid_date("due_on", input.due_on.as_deref())?;
    let mut users = input.user_ids;
    users.sort_unstable();
    users.dedup();
    let mut teams = input.team_ids;
    teams.sort_unstable();
    teams.dedup();
    if users.is_empty() && teams.is_empty() {
        return Err(Invalid::new("user_ids", "name agents or teams").into());
    }
    if users.len() > 500 || teams.len() > 100 {
        return Err(Invalid::new("user_ids", "at most 500 agents and 100 teams at once").into());
    }
    // Foreign agents and teams are answered like missing ones.
    if store::client_agents(conn, course.client_id, &users)? != users.len() {
        return Err(Invalid::new("user_ids", "no such agent in a project of this client").into());
    }
    if crate::instructions::store::usable_teams(conn, course.client_id, &teams)?.len()
        != teams.len()
    {
        return Err(
            Invalid::new("team_ids", "no such team of this client or of the provider").into(),
        );
    }
    let at = now();
    for u in &users {
        store::upsert_assignment(
            conn,
            id,
            Some(*u),
            None,
            due_on.as_deref(),
            who.user_id,
            &at,
        )?;
    }
    for t in &teams {
        store::upsert_assignment(
            conn,
            id,
            None,
            Some(*t),
            due_on.as_deref(),
            who.user_id,
            &at,
        )?;
    }
    audit::record(
        conn,
        &Actor::from(who),
        "course.assign",
        "course",
        Some(id),
        Some(course.client_id),
        json!({ "user_ids": users, "team_ids": teams, "due_on": due_on }),
    )?;
    announce.push(event(id, course.client_id, "changed"));
    get(conn, who, id)
}

pub fn unassign(
    conn: &Connection,
    who: &Principal,
    id: i64,
    assignment_id: i64,
    announce: &mut Announcements,
) -> Result<(), TrainingError> {
    let course = editable(conn, who, id)?;
    let Some(removed) = store::assignments(conn, id)?
        .into_iter()
        .find(|a| a.id == assignment_id)
    else {
        return Err(TrainingError::AssignmentNotFound);
    };
    if !store::delete_assignment(conn, id, assignment_id)? {
        return Err(TrainingError::AssignmentNotFound);
    }
    audit::record(
        conn,
        &Actor::from(who),
        "course.unassign",
        "course",
        Some(id),
        Some(course.client_id),
        json!({ "assignment_id": assignment_id, "user_id": removed.user_id,
                "team_id": removed.team_id, "due_on": removed.due_on }),
    )?;
    announce.push(event(id, course.client_id, "changed"));
    Ok(())
}

const MAX_CANDIDATES: i64 = 50;

/// `text` as the body of a `LIKE '%…%'` pattern with `\` as the escape.
fn like_body(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The agents the course can be assigned to by name (editors): active
/// agents of the client's projects, matching `q` in name or e-mail.
pub fn candidates(
    conn: &Connection,
    who: &Principal,
    id: i64,
    q: Option<&str>,
) -> Result<Vec<CourseCandidate>, TrainingError> {
    let course = editable(conn, who, id)?;
    let q = q.map(str::trim).unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(Invalid::new("q", "at most 100 characters").into());
    }
    Ok(store::candidates(
        conn,
        id,
        course.client_id,
        &like_body(q),
        MAX_CANDIDATES,
    )?)
}

fn progress(result: &ResultRow) -> Progress {
    if result.passed_at.is_some() {
        Progress::Passed
    } else if result.attempts > 0 {
        Progress::Failed
    } else if result.read_at.is_some() {
        Progress::Read
    } else if result.started_at.is_some() {
        Progress::InProgress
    } else {
        Progress::NotStarted
    }
}

fn overdue(due_on: &Option<String>, result: &ResultRow, today: &str) -> bool {
    result.passed_at.is_none() && due_on.as_deref().is_some_and(|d| d < today)
}

/// Every assigned agent's state, for the project lead and the client admin.
pub fn status(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<Vec<AgentStatus>, TrainingError> {
    editable(conn, who, id)?;
    let article_count = store::articles(conn, id)?.len() as i64;
    let today = today();
    store::assigned_agents(conn, id, None)?
        .into_iter()
        .map(|a| {
            let result = store::result(conn, id, a.user_id)?;
            let articles_read = store::reads(conn, id, a.user_id)?.len() as i64;
            Ok(AgentStatus {
                overdue: overdue(&a.due_on, &result, &today),
                progress: progress(&result),
                user_id: a.user_id,
                name: a.name,
                email: a.email,
                due_on: a.due_on,
                started_at: result.started_at,
                articles_read,
                article_count,
                read_at: result.read_at,
                attempts: result.attempts,
                score: result.score,
                last_attempt_at: result.last_attempt_at,
                passed_at: result.passed_at,
            })
        })
        .collect()
}

/// The courses assigned to the caller.
pub fn mine(conn: &Connection, who: &Principal) -> Result<Vec<MyCourse>, TrainingError> {
    let Some(user_id) = who.user_id else {
        return Ok(Vec::new());
    };
    let today = today();
    let mut out = Vec::new();
    for id in store::assigned_to(conn, user_id)? {
        let Some(course) = store::course(conn, id)? else {
            continue;
        };
        if policy::knowledge_reader(who, course.client_id).is_err() {
            continue;
        }
        let Some(a) = store::assigned_agents(conn, id, Some(user_id))?
            .into_iter()
            .next()
        else {
            continue;
        };
        let result = store::result(conn, id, user_id)?;
        out.push(MyCourse {
            id,
            client_id: course.client_id,
            title: course.title,
            overdue: overdue(&a.due_on, &result, &today),
            progress: progress(&result),
            due_on: a.due_on,
            articles_read: store::reads(conn, id, user_id)?.len() as i64,
            article_count: store::articles(conn, id)?.len() as i64,
            score: result.score,
            passed_at: result.passed_at,
        });
    }
    Ok(out)
}

/// The agent's course page: the published articles they may read (in
/// their language if written in it), the questions without the answers.
pub fn lesson(conn: &Connection, who: &Principal, id: i64) -> Result<Lesson, TrainingError> {
    let (course, user_id, due_on, projects) = learnable(conn, who, id)?;
    let language = store::user_locale(conn, user_id)?.unwrap_or_else(|| "de".into());
    let scope = if projects.is_empty() {
        ReadScope::All
    } else {
        ReadScope::Published {
            projects,
            edits: Vec::new(),
        }
    };
    let reads = store::reads(conn, id, user_id)?;
    let mut articles = Vec::new();
    for article_id in store::articles(conn, id)? {
        let readable = match crate::knowledge::store::article(conn, article_id)? {
            Some(a) => scope.admits(
                a.limited,
                &crate::knowledge::store::projects(conn, article_id)?,
            ),
            None => false,
        };
        let text = if readable {
            store::published_text(conn, article_id, &language)?
        } else {
            None
        };
        let read_at = reads
            .iter()
            .find(|(a, _)| *a == article_id)
            .map(|(_, at)| at.clone());
        articles.push(match text {
            Some((language, title, body_html)) => LessonArticle {
                article_id,
                title: Some(title),
                body_html: Some(body_html),
                language: Some(language),
                available: true,
                read_at,
            },
            None => LessonArticle {
                article_id,
                title: None,
                body_html: None,
                language: None,
                available: false,
                read_at,
            },
        });
    }
    let questions = store::questions(conn, id)?
        .into_iter()
        .map(|q| LessonQuestion {
            id: q.id,
            text: q.text,
            choices: q.choices.into_iter().map(|c| c.text).collect(),
        })
        .collect();
    let result = store::result(conn, id, user_id)?;
    Ok(Lesson {
        id,
        client_id: course.client_id,
        title: course.title,
        description: course.description,
        pass_mark: course.pass_mark,
        due_on,
        progress: progress(&result),
        started_at: result.started_at,
        attempts: result.attempts,
        score: result.score,
        passed_at: result.passed_at,
        articles,
        questions,
    })
}

pub fn start(
    conn: &Connection,
    who: &Principal,
    id: i64,
    announce: &mut Announcements,
) -> Result<Lesson, TrainingError> {
    let (course, user_id, _, _) = learnable(conn, who, id)?;
    if store::result(conn, id, user_id)?.started_at.is_none() {
        store::start(conn, id, user_id, &now())?;
        announce.push(event(id, course.client_id, "changed"));
    }
    lesson(conn, who, id)
}

/// Marks one article read; once all are, the course is read (and passed,
/// if it has no check).
pub fn read(
    conn: &Connection,
    who: &Principal,
    id: i64,
    article_id: i64,
    announce: &mut Announcements,
) -> Result<Lesson, TrainingError> {
    let (course, user_id, _, _) = learnable(conn, who, id)?;
    let articles = store::articles(conn, id)?;
    if !articles.contains(&article_id) {
        return Err(TrainingError::ArticleNotInCourse);
    }
    let at = now();
    store::start(conn, id, user_id, &at)?;
    store::mark_read(conn, id, user_id, article_id, &at)?;
    if store::reads(conn, id, user_id)?.len() >= articles.len() {
        store::set_read_at(conn, id, user_id, &at)?;
        if store::questions(conn, id)?.is_empty() {
            store::set_passed(conn, id, user_id, &at)?;
        }
    }
    announce.push(event(id, course.client_id, "changed"));
    lesson(conn, who, id)
}

/// Grades answers: a question counts when exactly its right answers were
/// chosen; score = right questions in percent, rounded down.
pub fn grade(
    questions: &[Question],
    submission: &CheckSubmission,
) -> Result<(i64, Vec<i64>), Invalid> {
    let mut correct = Vec::new();
    for (i, given) in submission.answers.iter().enumerate() {
        let Some(q) = questions.iter().find(|q| q.id == given.question_id) else {
            return Err(Invalid::new(
                format!("answers[{i}].question_id"),
                "no such question in this course",
            ));
        };
        if given.choices.iter().any(|&c| c as usize >= q.choices.len()) {
            return Err(Invalid::new(
                format!("answers[{i}].choices"),
                "no such answer",
            ));
        }
        if submission
            .answers
            .iter()
            .filter(|a| a.question_id == q.id)
            .count()
            > 1
        {
            return Err(Invalid::new(
                format!("answers[{i}].question_id"),
                "answered twice",
            ));
        }
    }
    for q in questions {
        let chosen: Vec<usize> = submission
            .answers
            .iter()
            .find(|a| a.question_id == q.id)
            .map(|a| {
                let mut c: Vec<usize> = a.choices.iter().map(|&c| c as usize).collect();
                c.sort_unstable();
                c.dedup();
                c
            })
            .unwrap_or_default();
        let right: Vec<usize> = q
            .choices
            .iter()
            .enumerate()
            .filter(|(_, c)| c.correct)
            .map(|(i, _)| i)
            .collect();
        if chosen == right {
            correct.push(q.id);
        }
    }
    let score = if questions.is_empty() {
        100
    } else {
        (correct.len() * 100 / questions.len()) as i64
    };
    Ok((score, correct))
}

pub fn submit(
    conn: &Connection,
    who: &Principal,
    id: i64,
    submission: CheckSubmission,
    announce: &mut Announcements,
) -> Result<CheckResult, TrainingError> {
    let (course, user_id, _, _) = learnable(conn, who, id)?;
    let questions = store::questions(conn, id)?;
    if questions.is_empty() {
        return Err(TrainingError::NoCheck);
    }
    let at = now();
    store::start(conn, id, user_id, &at)?;
    if store::result(conn, id, user_id)?.passed_at.is_some() {
        return Err(TrainingError::AlreadyPassed);
    }
    let (score, correct_question_ids) = grade(&questions, &submission)?;
    let passed = score >= course.pass_mark;
    let attempts = store::record_attempt(conn, id, user_id, score, passed, &at)?;
    audit::record(
        conn,
        &Actor::from(who),
        if passed {
            "course.passed"
        } else {
            "course.failed"
        },
        "course",
        Some(id),
        Some(course.client_id),
        json!({ "score": score, "pass_mark": course.pass_mark, "attempts": attempts }),
    )?;
    announce.push(event(id, course.client_id, "changed"));
    Ok(CheckResult {
        score,
        pass_mark: course.pass_mark,
        passed,
        attempts,
        correct_question_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::model::GivenAnswer;

    fn q(id: i64, right: &[bool]) -> Question {
        Question {
            id,
            text: format!("q{id}"),
            choices: right
                .iter()
                .map(|&correct| Choice {
                    text: "a".into(),
                    correct,
                })
                .collect(),
        }
    }

    fn answers(given: &[(i64, &[u32])]) -> CheckSubmission {
        CheckSubmission {
            answers: given
                .iter()
                .map(|(id, c)| GivenAnswer {
                    question_id: *id,
                    choices: c.to_vec(),
                })
                .collect(),
        }
    }

    #[test]
    fn search_text_is_taken_literally() {
        assert_eq!(like_body("50%_a\\b"), "50\\%\\_a\\\\b");
        assert_eq!(like_body("Anna"), "Anna");
    }

    #[test]
    fn exactly_the_right_answers_count() {
        let questions = [
            q(1, &[true, false, false]),
            q(2, &[true, true, false]),
            q(3, &[false, true]),
        ];
        assert_eq!(
            grade(&questions, &answers(&[(1, &[0]), (2, &[1, 0]), (3, &[1])])).unwrap(),
            (100, vec![1, 2, 3])
        );
        // One right answer of two is wrong; a missing question is wrong.
        assert_eq!(
            grade(&questions, &answers(&[(1, &[0]), (2, &[0])])).unwrap(),
            (33, vec![1])
        );
        // Choosing everything is wrong.
        assert_eq!(
            grade(&questions, &answers(&[(1, &[0, 1, 2])])).unwrap().0,
            0
        );
        assert!(grade(&questions, &answers(&[(9, &[0])])).is_err());
        assert!(grade(&questions, &answers(&[(1, &[3])])).is_err());
        assert!(grade(&questions, &answers(&[(1, &[0]), (1, &[0])])).is_err());
    }
}
