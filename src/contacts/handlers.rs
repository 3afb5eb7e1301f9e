use actix_web::{HttpResponse, delete, get, patch, post, web};

use super::model::{
    Contact, ContactPage, ContactPatch, ContactQuery, DuplicateGroup, DuplicatesQuery, ImportQuery,
    ImportReport, LookupQuery, MergeInput, NewContact,
};
use super::{import, service};
use crate::auth::Principal;
use crate::http::{ApiError, CsvBody, ItemList, ProblemBody, ValidJson};
use crate::ids::ContactId;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The fixed paths before `/contacts/{id}`.
    cfg.service(lookup)
        .service(duplicates)
        .service(import_csv)
        .service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(merge);
}

/// Contacts of the visible clients, newest first; `q` searches name,
/// e-mails, phones, organization, customer number and city by prefix.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "customers", params(ContactQuery),
    responses((status = 200, body = ContactPage), (status = 404, body = ProblemBody)))]
#[get("/contacts")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<ContactQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = state
        .db
        .read(move |conn| service::list(conn, &who, &query))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(post, path = "/api/v1/contacts", tag = "customers", request_body = NewContact,
    responses((status = 201, body = Contact), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/contacts")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<NewContact>,
) -> Result<HttpResponse, ApiError> {
    let contact = state
        .db
        .write(move |tx| service::create(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(contact))
}

/// One contact; the access is recorded in the audit log (`contact.viewed`,
/// at most once per user and contact per hour; see `gdpr::access`).
/// A merged contact is answered with `merged_into_id` set.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "customers",
    params(("id" = i64, Path)),
    responses((status = 200, body = Contact), (status = 404, body = ProblemBody)))]
#[get("/contacts/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ContactId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let reader = who.clone();
    let contact = state
        .db
        .read(move |conn| service::get(conn, &reader, id))
        .await?;
    crate::gdpr::access::viewed(
        &state.db,
        &state.contact_views,
        &who,
        contact.id,
        contact.client_id,
    )
    .await?;
    Ok(HttpResponse::Ok().json(contact))
}

#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "customers", request_body = ContactPatch,
    params(("id" = i64, Path)),
    responses((status = 200, body = Contact), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[patch("/contacts/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ContactId>,
    body: ValidJson<ContactPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let contact = state
        .db
        .write(move |tx| service::update(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(contact))
}

/// Deletes the contact and the contacts merged into it; their cases stay,
/// without contact.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "customers",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/contacts/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ContactId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| service::delete(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Merges the contact into `into_id` (same client): addresses, numbers and
/// cases move, empty fields of the target are filled; the merged contact
/// stays with `merged_into_id` set and is hidden from lists. Answers the
/// target.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", tag = "customers", request_body = MergeInput,
    params(("id" = i64, Path)),
    responses((status = 200, body = Contact), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/contacts/{id}/merge")]
pub async fn merge(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ContactId>,
    body: ValidJson<MergeInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let into_id = body.into_inner().into_id;
    let contact = state
        .db
        .write(move |tx| service::merge(tx, &who, id, into_id))
        .await?;
    Ok(HttpResponse::Ok().json(contact))
}

/// Contacts with this e-mail address or phone number (for callers and
/// incoming mail). Phones match on digits, else on the last 8 digits.
#[utoipa::path(get, path = "/api/v1/contacts/lookup", tag = "customers", params(LookupQuery),
    responses((status = 200, body = ItemList<Contact>), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[get("/contacts/lookup")]
pub async fn lookup(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<LookupQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let items = state
        .db
        .read(move |conn| service::lookup(conn, &who, &query))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Groups of likely duplicates: the same e-mail, the same phone digits, or
/// the same name in the same city or organization.
#[utoipa::path(get, path = "/api/v1/contacts/duplicates", tag = "customers", params(DuplicatesQuery),
    responses((status = 200, body = ItemList<DuplicateGroup>), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody, description = "no client given and none of one's own")))]
#[get("/contacts/duplicates")]
pub async fn duplicates(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<DuplicatesQuery>,
) -> Result<HttpResponse, ApiError> {
    let client_id = query
        .into_inner()
        .client_id
        .or(who.client_id)
        .ok_or_else(|| {
            super::ContactError::from(crate::validation::Invalid::new(
                "client_id",
                "which client's contacts",
            ))
        })?;
    let items = state
        .db
        .read(move |conn| service::duplicates(conn, &who, client_id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Imports contacts from CSV (`text/csv`; header row; `,` or `;`; UTF-8).
/// Columns: name, email, phone, organization, customer_number, language,
/// street, postal_code, city, country, notes; and the custom contact fields
/// of the client's data mask, by key (`tariff` or `custom.tariff`), checked
/// like `custom` in the API (dates `YYYY-MM-DD`, numbers, checkboxes
/// `true`/`false`/`yes`/`no`/`ja`/`nein`/`1`/`0`, multi-select values
/// separated like addresses; a new contact needs the required fields).
/// A value for a deactivated field is an error of its row; other columns
/// are listed in `unknown_columns`. A row whose e-mail matches a contact of
/// the client updates it; invalid rows are reported and skipped, nothing of
/// them written. `dry_run=true` writes nothing.
#[utoipa::path(post, path = "/api/v1/contacts/import", tag = "customers", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 413, body = ProblemBody), (status = 415, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/contacts/import")]
pub async fn import_csv(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<ImportQuery>,
    body: CsvBody,
) -> Result<HttpResponse, ApiError> {
    let ImportQuery { client_id, dry_run } = query.into_inner();
    let body = body.into_inner();
    let report = state
        .db
        .write(move |tx| import::run(tx, &who, client_id, dry_run, &body))
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
