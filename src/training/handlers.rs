use actix_web::{HttpResponse, delete, get, post, put, web};

use super::model::{
    AgentStatus, CandidateQuery, CheckResult, CheckSubmission, Course, CourseCandidate,
    CourseDraft, CourseQuery, CourseSummary, Lesson, MyCourse, NewAssignments, NewCourse,
};
use super::service;
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `mine` before `{id}`.
    cfg.service(mine)
        .service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(assign)
        .service(unassign)
        .service(candidates)
        .service(status)
        .service(lesson)
        .service(start)
        .service(read)
        .service(check);
}

/// The courses assigned to the caller, with where they stand.
#[utoipa::path(get, path = "/api/v1/courses/mine", tag = "training",
    responses((status = 200, body = ItemList<MyCourse>)))]
#[get("/courses/mine")]
pub async fn mine(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let items = state.db.read(move |conn| service::mine(conn, &who)).await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// A client's courses (editors: client admins and project leads).
#[utoipa::path(get, path = "/api/v1/courses", tag = "training", params(CourseQuery),
    responses((status = 200, body = ItemList<CourseSummary>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/courses")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<CourseQuery>,
) -> Result<HttpResponse, ApiError> {
    let client_id = params.client_id;
    let items = state
        .db
        .read(move |conn| service::list(conn, &who, client_id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

#[utoipa::path(post, path = "/api/v1/courses", tag = "training", request_body = NewCourse,
    responses((status = 201, body = Course), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/courses")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<NewCourse>,
) -> Result<HttpResponse, ApiError> {
    let course = state
        .db
        .write(move |tx| service::create(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(course))
}

/// A course with its right answers and assignments (editors).
#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "training",
    responses((status = 200, body = Course), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/courses/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let course = state
        .db
        .read(move |conn| service::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(course))
}

#[utoipa::path(put, path = "/api/v1/courses/{id}", tag = "training", request_body = CourseDraft,
    responses((status = 200, body = Course), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[put("/courses/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<CourseDraft>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let course = state
        .cases
        .write(&state.db, move |tx, announce| {
            service::update(tx, &who, id, body.into_inner(), announce)
        })
        .await?;
    Ok(HttpResponse::Ok().json(course))
}

#[utoipa::path(delete, path = "/api/v1/courses/{id}", tag = "training",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/courses/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .cases
        .write(&state.db, move |tx, announce| {
            service::delete(tx, &who, id, announce)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Assigns the course to agents and teams, with a due date.
#[utoipa::path(post, path = "/api/v1/courses/{id}/assignments", tag = "training", request_body = NewAssignments,
    responses((status = 200, body = Course), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/courses/{id}/assignments")]
pub async fn assign(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<NewAssignments>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let course = state
        .cases
        .write(&state.db, move |tx, announce| {
            service::assign(tx, &who, id, body.into_inner(), announce)
        })
        .await?;
    Ok(HttpResponse::Ok().json(course))
}

#[utoipa::path(delete, path = "/api/v1/courses/{id}/assignments/{assignment_id}", tag = "training",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/courses/{id}/assignments/{assignment_id}")]
pub async fn unassign(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, assignment_id) = path.into_inner();
    state
        .cases
        .write(&state.db, move |tx, announce| {
            service::unassign(tx, &who, id, assignment_id, announce)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The agents the course can be assigned to by name (editors): active
/// agents of the client's projects whose name or e-mail contains `q`, by
/// name, at most 50.
#[utoipa::path(get, path = "/api/v1/courses/{id}/candidates", tag = "training", params(CandidateQuery),
    responses((status = 200, body = ItemList<CourseCandidate>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[get("/courses/{id}/candidates")]
pub async fn candidates(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    params: web::Query<CandidateQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let q = params.into_inner().q;
    let items = state
        .db
        .read(move |conn| service::candidates(conn, &who, id, q.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Where each assigned agent stands (editors).
#[utoipa::path(get, path = "/api/v1/courses/{id}/status", tag = "training",
    responses((status = 200, body = ItemList<AgentStatus>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/courses/{id}/status")]
pub async fn status(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::status(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// The course page of an agent it is assigned to: the articles and the
/// check's questions without their answers.
#[utoipa::path(get, path = "/api/v1/courses/{id}/lesson", tag = "training",
    responses((status = 200, body = Lesson), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/courses/{id}/lesson")]
pub async fn lesson(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let page = state
        .db
        .read(move |conn| service::lesson(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(post, path = "/api/v1/courses/{id}/start", tag = "training",
    responses((status = 200, body = Lesson), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/courses/{id}/start")]
pub async fn start(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let page = state
        .cases
        .write(&state.db, move |tx, announce| {
            service::start(tx, &who, id, announce)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(post, path = "/api/v1/courses/{id}/articles/{article_id}/read", tag = "training",
    responses((status = 200, body = Lesson), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/courses/{id}/articles/{article_id}/read")]
pub async fn read(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, article_id) = path.into_inner();
    let page = state
        .cases
        .write(&state.db, move |tx, announce| {
            service::read(tx, &who, id, article_id, announce)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Submits the check; graded on the server.
#[utoipa::path(post, path = "/api/v1/courses/{id}/check", tag = "training", request_body = CheckSubmission,
    responses((status = 200, body = CheckResult), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "course-without-check, course-passed"), (status = 422, body = ProblemBody)))]
#[post("/courses/{id}/check")]
pub async fn check(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<CheckSubmission>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let result = state
        .cases
        .write(&state.db, move |tx, announce| {
            service::submit(tx, &who, id, body.into_inner(), announce)
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
