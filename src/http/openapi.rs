//! The OpenAPI 3 document, generated from the handlers' annotations.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "zezaro API", description = "Self-hosted customer-service platform. Authenticate with `Authorization: Bearer <token>` or the session cookie from `/api/v1/auth/login` (then send `X-CSRF-Token` on state-changing requests). Errors are `application/problem+json` with a stable `code`."),
    paths(
        crate::auth::handlers::login,
        crate::auth::handlers::logout,
        crate::auth::handlers::me,
        crate::auth::handlers::update_me,
        crate::auth::handlers::list_tokens,
        crate::auth::handlers::create_token,
        crate::auth::handlers::revoke_token,
        crate::auth::handlers::change_password,
        crate::auth::handlers::list_user_tokens,
        crate::auth::handlers::revoke_user_token,
        crate::platform_mail::handlers::get_sender,
        crate::platform_mail::handlers::save_sender,
        crate::platform_mail::handlers::test_sender,
        crate::platform_mail::handlers::invite,
        crate::platform_mail::handlers::invitation,
        crate::platform_mail::handlers::request_reset,
        crate::platform_mail::handlers::check_link,
        crate::platform_mail::handlers::set_password,
        crate::clients::handlers::list,
        crate::clients::handlers::create,
        crate::clients::handlers::get_one,
        crate::clients::handlers::rename,
        crate::clients::handlers::remove,
        crate::projects::handlers::list,
        crate::projects::handlers::create,
        crate::projects::handlers::get_one,
        crate::projects::handlers::update,
        crate::projects::handlers::remove,
        crate::projects::handlers::members,
        crate::projects::handlers::put_member,
        crate::projects::handlers::remove_member,
        crate::users::handlers::list,
        crate::users::handlers::create,
        crate::users::handlers::get_one,
        crate::users::handlers::update,
        crate::users::handlers::deactivate,
        crate::teams::handlers::list,
        crate::teams::handlers::create,
        crate::teams::handlers::get_one,
        crate::teams::handlers::rename,
        crate::teams::handlers::remove,
        crate::audit::handlers::list,
        crate::contacts::handlers::list,
        crate::contacts::handlers::create,
        crate::contacts::handlers::get_one,
        crate::contacts::handlers::update,
        crate::contacts::handlers::remove,
        crate::contacts::handlers::merge,
        crate::contacts::handlers::lookup,
        crate::contacts::handlers::duplicates,
        crate::contacts::handlers::import_csv,
        crate::organizations::handlers::list,
        crate::organizations::handlers::create,
        crate::organizations::handlers::get_one,
        crate::organizations::handlers::update,
        crate::organizations::handlers::remove,
        crate::organizations::handlers::contacts,
        crate::organizations::handlers::merge,
        crate::search::handlers::search,
        crate::topics::handlers::list,
        crate::topics::handlers::create,
        crate::topics::handlers::update,
        crate::fields::handlers::list,
        crate::fields::handlers::create,
        crate::fields::handlers::update,
        crate::fields::handlers::contact_mask,
        crate::cases::handlers::list,
        crate::cases::handlers::counts,
        crate::cases::handlers::my_figures,
        crate::cases::handlers::create,
        crate::cases::handlers::bulk,
        crate::cases::handlers::get_one,
        crate::cases::handlers::update,
        crate::cases::handlers::add_message,
        crate::cases::handlers::add_time,
        crate::cases::handlers::presence,
        crate::cases::handlers::events,
        crate::cases::handlers::log_call,
        crate::cases::handlers::upload,
        crate::cases::handlers::download,
        crate::cases::handlers::merge,
        crate::cases::handlers::link,
        crate::cases::handlers::unlink,
        crate::cases::handlers::list_views,
        crate::cases::handlers::create_view,
        crate::cases::handlers::delete_view,
        crate::mail::outbound::handlers::list,
        crate::mail::outbound::handlers::retry,
        crate::webforms::handlers::get_one,
        crate::webforms::handlers::update,
        crate::webforms::handlers::rotate,
        crate::webforms::handlers::held,
        crate::webforms::handlers::release,
        crate::webforms::handlers::discard,
        crate::webforms::handlers::public_info,
        crate::webforms::handlers::public_submit,
        super::server::health,
        crate::services::handlers::metrics,
        crate::services::handlers::list,
        crate::services::handlers::control,
        crate::backup::handlers::list,
        crate::backup::handlers::start,
        crate::backup::handlers::job_status,
        crate::backup::handlers::download,
        crate::backup::handlers::remove,
        crate::export::handlers::start,
        crate::export::handlers::list,
        crate::export::handlers::get_one,
        crate::export::handlers::download,
        crate::export::handlers::remove,
        crate::gdpr::handlers::subject_export,
        crate::gdpr::handlers::erase_contact,
        crate::gdpr::handlers::erasures,
        crate::gdpr::handlers::get_retention,
        crate::gdpr::handlers::put_retention,
        crate::gdpr::handlers::delete_retention,
        crate::gdpr::handlers::retention_preview,
        crate::knowledge::handlers::list_categories,
        crate::knowledge::handlers::create_category,
        crate::knowledge::handlers::update_category,
        crate::knowledge::handlers::delete_category,
        crate::knowledge::handlers::search_articles,
        crate::knowledge::handlers::list_articles,
        crate::knowledge::handlers::create_article,
        crate::knowledge::handlers::get_article,
        crate::knowledge::handlers::update_article,
        crate::knowledge::handlers::delete_article,
        crate::knowledge::handlers::list_versions,
        crate::knowledge::handlers::save_version,
        crate::knowledge::handlers::get_version,
        crate::knowledge::handlers::submit_version,
        crate::knowledge::handlers::publish_version,
        crate::knowledge::handlers::restore_version,
        crate::knowledge::handlers::unpublish,
        crate::knowledge::handlers::undelete_article,
        crate::knowledge::handlers::review_queue,
        crate::knowledge::handlers::preview,
        crate::instructions::handlers::mine,
        crate::instructions::handlers::list,
        crate::instructions::handlers::create,
        crate::instructions::handlers::get_one,
        crate::instructions::handlers::update,
        crate::instructions::handlers::remove,
        crate::instructions::handlers::publish,
        crate::instructions::handlers::withdraw,
        crate::instructions::handlers::acknowledgments,
        crate::instructions::handlers::acknowledge,
        crate::instructions::handlers::dismiss,
        crate::instructions::handlers::settings,
        crate::instructions::handlers::set_settings,
        crate::training::handlers::mine,
        crate::training::handlers::list,
        crate::training::handlers::create,
        crate::training::handlers::get_one,
        crate::training::handlers::update,
        crate::training::handlers::remove,
        crate::training::handlers::assign,
        crate::training::handlers::unassign,
        crate::training::handlers::candidates,
        crate::training::handlers::status,
        crate::training::handlers::lesson,
        crate::training::handlers::start,
        crate::training::handlers::read,
        crate::training::handlers::check,
        crate::text_modules::handlers::list,
        crate::text_modules::handlers::create,
        crate::text_modules::handlers::get_one,
        crate::text_modules::handlers::update,
        crate::text_modules::handlers::remove,
        crate::text_modules::handlers::publish,
        crate::text_modules::handlers::unpublish,
        crate::text_modules::handlers::undelete,
        crate::text_modules::handlers::usage,
        crate::text_modules::handlers::versions,
        crate::text_modules::handlers::version,
        crate::text_modules::handlers::restore,
        crate::text_modules::handlers::upload_attachment,
        crate::text_modules::handlers::download_attachment,
        crate::text_modules::handlers::remove_attachment,
        crate::text_modules::handlers::case_picks,
        crate::text_modules::handlers::render,
        crate::knowledge::handlers::upload_attachment,
        crate::knowledge::handlers::list_attachments,
        crate::knowledge::handlers::download_attachment,
        crate::knowledge::handlers::delete_attachment,
        crate::knowledge::handlers::list_knowledge_projects,
        crate::knowledge::handlers::knowledge_project,
        crate::knowledge::handlers::switch_help_center,
        crate::knowledge::handlers::list_editors,
        crate::knowledge::handlers::grant_editor,
        crate::knowledge::handlers::revoke_editor,
        crate::knowledge::handlers::case_suggestions,
        crate::knowledge::handlers::record_use,
        crate::knowledge::handlers::case_uses,
        crate::mail::handlers::list,
        crate::mail::handlers::create,
        crate::mail::handlers::get_one,
        crate::mail::handlers::update,
        crate::mail::handlers::remove,
        crate::mail::handlers::check,
        crate::mail::handlers::check_settings,
        crate::mail::handlers::pause,
        crate::mail::handlers::resume,
        crate::mail::handlers::fetch_now,
        crate::mail::handlers::inbound,
        crate::mail::handlers::case_mail,
        crate::mail::handlers::raw_message,
        crate::sla::handlers::list_calendars,
        crate::sla::handlers::create_calendar,
        crate::sla::handlers::get_calendar,
        crate::sla::handlers::update_calendar,
        crate::sla::handlers::delete_calendar,
        crate::sla::handlers::calendar_holidays,
        crate::sla::handlers::list_policies,
        crate::sla::handlers::create_policy,
        crate::sla::handlers::get_policy,
        crate::sla::handlers::update_policy,
        crate::sla::handlers::delete_policy,
        crate::sla::handlers::case_sla,
        crate::rules::handlers::list_rules,
        crate::rules::handlers::create_rule,
        crate::rules::handlers::reorder_rules,
        crate::rules::handlers::dry_run,
        crate::rules::handlers::get_rule,
        crate::rules::handlers::update_rule,
        crate::rules::handlers::delete_rule,
        crate::rules::handlers::rule_versions,
        crate::rules::handlers::restore_rule_version,
        crate::rules::handlers::activate_rule,
        crate::rules::handlers::deactivate_rule,
        crate::rules::handlers::case_rule_runs,
        crate::rules::handlers::list_notifications,
        crate::rules::handlers::read_notification,
        crate::rules::handlers::read_all_notifications,
        crate::webhooks::handlers::list_webhooks,
        crate::webhooks::handlers::create_webhook,
        crate::webhooks::handlers::get_webhook,
        crate::webhooks::handlers::update_webhook,
        crate::webhooks::handlers::delete_webhook,
        crate::webhooks::handlers::test_webhook,
        crate::webhooks::handlers::list_deliveries,
        crate::webhooks::handlers::resend_delivery,
        crate::distribution::handlers::get_plan,
        crate::distribution::handlers::save_plan,
        crate::distribution::handlers::remove_plan,
        crate::distribution::handlers::plan_versions,
        crate::routing::handlers::project_routing,
        crate::routing::handlers::set_mode,
        crate::routing::handlers::queue,
        crate::routing::handlers::get_agent,
        crate::routing::handlers::set_agent,
        crate::routing::handlers::get_me,
        crate::routing::handlers::set_me,
        crate::routing::handlers::activity,
        crate::routing::handlers::get_settings,
        crate::routing::handlers::set_settings,
        crate::forecast::handlers::get_forecast,
        crate::forecast::handlers::save_forecast,
        crate::forecast::handlers::forecast_versions,
        crate::forecast::handlers::get_settings,
        crate::forecast::handlers::save_settings,
        crate::forecast::handlers::get_profiles,
        crate::forecast::handlers::learn_profiles,
        crate::forecast::handlers::get_actuals,
        crate::forecast::handlers::get_deviations,
        crate::forecast::handlers::get_staffing,
        crate::forecast::handlers::get_staffing_day,
        crate::workforce::handlers::get_me,
        crate::workforce::handlers::set_me,
        crate::workforce::handlers::heartbeat,
        crate::workforce::handlers::get_settings,
        crate::workforce::handlers::set_settings,
        crate::workforce::handlers::state_log,
        crate::workforce::handlers::productive_time,
        crate::workforce::handlers::add_correction,
        crate::workforce::handlers::list_seats,
        crate::workforce::handlers::create_seat,
        crate::workforce::handlers::update_seat,
        crate::workforce::handlers::delete_seat,
        crate::workforce::handlers::assign_seat,
        crate::workforce::handlers::unassign_seat,
        crate::workforce::handlers::get_monitor,
        crate::workforce::handlers::reassign,
        crate::workforce::handlers::move_agent,
        crate::workforce::handlers::broadcast,
    ),
    components(schemas(
        super::ProblemBody,
        crate::cases::events::CaseEvent,
        crate::cases::events::PresenceEvent,
        crate::cases::events::KnowledgeEvent,
        crate::cases::events::NotificationEvent,
        crate::workforce::model::AgentStateEvent,
        crate::webhooks::model::WebhookBody
    )),
    modifiers(&SecuritySchemes, &ProblemResponses),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "auth", description = "Sign-in, sessions, API tokens"),
        (name = "clients", description = "Client companies"),
        (name = "projects", description = "Client projects and their members"),
        (name = "users", description = "Users and roles"),
        (name = "platform-mail", description = "The platform sender: the SMTP account of the platform's own mail (invitations, password resets)"),
        (name = "teams", description = "Client and provider teams"),
        (name = "audit", description = "The audit log"),
        (name = "customers", description = "The customer database: contacts and organizations"),
        (name = "cases", description = "Cases, threads, history, time, live events"),
        (name = "webforms", description = "Public web forms per project: set-up, and the public submission endpoints (no sign-in)"),
        (name = "system", description = "Health"),
        (name = "export", description = "Full data export of a client (tar.gz of documented JSON Lines and CSV)"),
        (name = "mail", description = "Mailboxes (IMAP in, SMTP out), the fetcher's state, inbound mail and raw messages"),
        (name = "gdpr", description = "GDPR: data subject export (Art. 15/20), erasure (Art. 17), retention rules"),
        (name = "knowledge", description = "Knowledge base: categories, articles with versions per language, search; work instructions and their acknowledgments"),
        (name = "training", description = "Training: courses of knowledge articles with a check, assignments, each agent's progress"),
        (name = "knowledge", description = "Knowledge base: categories, articles with versions per language, search; text modules (Textbausteine) with placeholders"),
        (name = "calendars", description = "Business calendars: opening hours, time zone, German public holidays per federal state, closures"),
        (name = "sla", description = "SLA policies per project and the SLA clocks of a case"),
        (name = "rules", description = "Rules (triggers and automations) per client: versions, activation, order, dry run, the runs on a case"),
        (name = "webhooks", description = "Webhooks of a client: signed HTTPS POSTs (body: the WebhookBody schema), deliveries with retries, re-send"),
        (name = "distribution", description = "Distribution of new cases between the client's own team and the provider's teams: plans per project, shares, overflow"),
        (name = "routing", description = "Routing to agents: pull, round-robin or least-loaded per project and channel; availability, skills and capacity per agent; the queue of waiting cases"),
        (name = "forecast", description = "Forecast and staffing per project: the client's monthly planned volumes per channel (versions, deadlines), learned profiles, actual against forecast with corridors, staffing per day and interval (Erlang C/A, workload) against the planned seats"),
        (name = "workforce", description = "Workforce: agent states and their log, productive time per agent, project and day with corrections, seats, the live monitor of a project and interventions from it"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// Documents, in one place for every operation, the problem answers the
/// shared layers give (so no handler has to list them, and an operation
/// added later has them too): 400 for a malformed request, 401/403 for
/// authentication and CSRF, 404 for a missing or hidden object, 409 for a
/// write that conflicts, 413/415/422 for bodies, 429 and 503 for throttling
/// and a busy store, 500. All as `application/problem+json`. String query
/// parameters refuse NUL (`^[^\x00]*$`), which no store or index takes.
/// The same pass makes operation ids unique and marks the nullable fields
/// of answers required (both below), so generated clients (the web UI's
/// types) read the document as the server behaves.
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        close_tagged_variants(openapi);
        any_json_values(openapi);
        let Ok(mut doc) = serde_json::to_value(&*openapi) else {
            return;
        };
        add_problem_responses(&mut doc);
        unique_operation_ids(&mut doc);
        nullable_answers_required(&mut doc);
        match serde_json::from_value(doc) {
            Ok(done) => *openapi = done,
            Err(err) => tracing::error!(error = %err, "cannot document the problem answers"),
        }
    }
}

const PROBLEM_TYPE: &str = "application/problem+json";

fn add_problem_responses(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let problem_ref = json!({"$ref": "#/components/schemas/ProblemBody"});
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let system = path == "/healthz" || path == "/metrics";
        for (method, operation) in item.iter_mut() {
            let write = matches!(method.as_str(), "post" | "put" | "patch" | "delete");
            if !matches!(method.as_str(), "get" | "head") && !write {
                continue;
            }
            let Some(operation) = operation.as_object_mut() else {
                continue;
            };
            let public = operation
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|reqs| {
                    reqs.iter()
                        .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
                });
            let has_body = operation.contains_key("requestBody");
            let has_params = operation
                .get("parameters")
                .and_then(Value::as_array)
                .is_some_and(|p| !p.is_empty());
            if let Some(params) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            {
                for param in params {
                    if param["in"] != "query" {
                        continue;
                    }
                    if let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut)
                        && is_plain_string(schema)
                    {
                        schema.insert("pattern".into(), json!("^[^\\x00]*$"));
                    }
                }
            }
            let responses = operation
                .entry("responses")
                .or_insert_with(|| json!({}))
                .as_object_mut();
            let Some(responses) = responses else {
                continue;
            };
            // Problem bodies the handlers named are problem+json.
            for response in responses.values_mut() {
                if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
                    && content
                        .get("application/json")
                        .is_some_and(|c| c["schema"] == problem_ref)
                    && let Some(json_body) = content.remove("application/json")
                {
                    content.insert(PROBLEM_TYPE.into(), json_body);
                }
            }
            let mut add = |status: &str, description: &str| {
                responses.entry(status.to_string()).or_insert_with(|| {
                    json!({
                        "description": description,
                        "content": {PROBLEM_TYPE: {"schema": problem_ref.clone()}}
                    })
                });
            };
            if system {
                continue;
            }
            if has_params || has_body {
                add(
                    "400",
                    "Malformed request: bad JSON, unknown, missing or mistyped field, or a query parameter outside its limits (`field` names it)",
                );
            }
            if !public {
                add(
                    "401",
                    "Not signed in, or the token or session is no longer valid",
                );
                add(
                    "403",
                    "Not allowed for this role, or the CSRF token is missing",
                );
            }
            add("404", "No such object, or one the caller may not see");
            if write {
                add(
                    "409",
                    "The change conflicts with the stored state (`code` says how)",
                );
            }
            if has_body {
                add("413", "The request body is larger than `max_body_bytes`");
                add("415", "The request body is not JSON");
                add("422", "A value breaks a rule (`field` names it)");
            }
            add("429", "Too many requests; see `Retry-After`");
            add("500", "Internal error; the server log has the details");
            add("503", "The store is busy; see `Retry-After`");
        }
    }
}

fn is_plain_string(schema: &serde_json::Map<String, serde_json::Value>) -> bool {
    let string = match schema.get("type") {
        Some(serde_json::Value::String(t)) => t == "string",
        Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    string
        && !["pattern", "enum", "format", "$ref"]
            .iter()
            .any(|k| schema.contains_key(*k))
}

/// Makes every `operationId` unique, as OpenAPI requires (utoipa takes the
/// handler's name, so `list`, `get_one`, `merge`… repeat across domains, and
/// generated clients cannot tell them apart). A name used once stays; a
/// repeated one gets the words of its path (`list` on `/projects/{id}/topics`
/// becomes `list_projects_topics`), and the method too if that still repeats.
fn unique_operation_ids(doc: &mut serde_json::Value) {
    use serde_json::Value;
    use std::collections::BTreeMap;
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for item in paths.values() {
        for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                *uses.entry(id.to_string()).or_default() += 1;
            }
        }
    }
    let mut renamed: BTreeMap<String, usize> = BTreeMap::new();
    let mut plan = Vec::new();
    for (path, item) in paths.iter() {
        let words: Vec<&str> = path
            .trim_start_matches("/api/v1")
            .split('/')
            .filter(|w| !w.is_empty() && !w.starts_with('{'))
            .collect();
        for (method, operation) in item.as_object().into_iter().flatten() {
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            if uses.get(id).copied().unwrap_or(0) < 2 {
                continue;
            }
            let name = format!("{id}_{}", words.join("_").replace('-', "_"));
            *renamed.entry(name.clone()).or_default() += 1;
            plan.push((path.clone(), method.clone(), name));
        }
    }
    for (path, method, name) in plan {
        let unique = if renamed.get(&name).copied().unwrap_or(0) > 1 {
            format!("{name}_{method}")
        } else {
            name
        };
        paths[&path][&method]["operationId"] = Value::String(unique);
    }
}

/// Names of the component schemas that `value` refers to, transitively.
fn referenced(
    doc: &serde_json::Value,
    value: &serde_json::Value,
    found: &mut std::collections::BTreeSet<String>,
) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                && found.insert(name.to_string())
            {
                referenced(doc, &doc["components"]["schemas"][name], found);
            }
            for item in map.values() {
                referenced(doc, item, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| referenced(doc, item, found)),
        _ => {}
    }
}

/// Internally tagged enums that deny unknown fields (`#[serde(tag = "type",
/// deny_unknown_fields)]`): utoipa documents each variant as an open
/// object, so a client (or the fuzzer) may think extra fields are accepted.
/// Each variant is closed here, as serde reads it.
const CLOSED_TAGGED_ENUMS: &[&str] = &["Action"];

fn close_tagged_variants(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{AdditionalProperties, Schema};
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    for name in CLOSED_TAGGED_ENUMS {
        let Some(RefOr::T(Schema::OneOf(one_of))) = components.schemas.get_mut(*name) else {
            continue;
        };
        for variant in &mut one_of.items {
            if let RefOr::T(Schema::Object(object)) = variant {
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

/// Fields that take any JSON value (a rule condition's value, a custom
/// value a rule sets): utoipa can only say "object" for `serde_json::Value`
/// and writes `{}` for "any", which it cannot read back; so every JSON type
/// is listed.
const ANY_JSON_FIELDS: &[(&str, Option<&str>, &str)] = &[
    ("Condition", None, "value"),
    ("Action", Some("set-custom"), "value"),
];

fn any_json_values(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{Object, Schema, SchemaType, Type};
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    let any = || {
        let mut object = Object::new();
        object.schema_type = SchemaType::from_iter([
            Type::String,
            Type::Number,
            Type::Boolean,
            Type::Array,
            Type::Object,
            Type::Null,
        ]);
        RefOr::T(Schema::Object(object))
    };
    for (name, variant, field) in ANY_JSON_FIELDS {
        let objects: Vec<&mut Object> = match components.schemas.get_mut(*name) {
            Some(RefOr::T(Schema::Object(object))) => vec![object],
            Some(RefOr::T(Schema::OneOf(one_of))) => one_of
                .items
                .iter_mut()
                .filter_map(|item| match item {
                    RefOr::T(Schema::Object(object)) => Some(object),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for object in objects {
            let tagged = variant.is_none_or(|tag| {
                serde_json::to_string(&object.properties.get("type"))
                    .is_ok_and(|t| t.contains(&format!("\"{tag}\"")))
            });
            if tagged && object.properties.contains_key(*field) {
                object.properties.insert((*field).to_string(), any());
            }
        }
    }
}

/// The server sends an `Option` field of an answer as `null`, never leaves
/// it out (no answer type skips a field; `ProblemBody`'s two optional
/// fields are not nullable). utoipa documents every `Option` as optional,
/// so a client reads `field?: T | null`. In the schemas that only answers
/// use, a nullable property is therefore required. Schemas of request
/// bodies keep it optional: there, leaving a field out means "unchanged".
fn nullable_answers_required(doc: &mut serde_json::Value) {
    use std::collections::BTreeSet;
    let mut requests = BTreeSet::new();
    let mut answers = BTreeSet::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
            referenced(doc, &operation["requestBody"], &mut requests);
            referenced(doc, &operation["responses"], &mut answers);
        }
    }
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            for operation in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                if let Some(responses) = operation.get_mut("responses") {
                    require_nullable(responses);
                }
            }
        }
    }
    // `ItemList<T>` (every list answer) inlines T: T is an answer schema too.
    let listed: Vec<String> = answers
        .iter()
        .filter_map(|name| name.strip_prefix("ItemList_"))
        .map(str::to_string)
        .collect();
    answers.extend(listed);
    // The data of the live events (`/api/v1/events`) is sent, never read.
    answers.extend(
        [
            "CaseEvent",
            "PresenceEvent",
            "KnowledgeEvent",
            "NotificationEvent",
        ]
        .map(String::from),
    );
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    for name in answers.difference(&requests) {
        if let Some(schema) = schemas.get_mut(name) {
            require_nullable(schema);
        }
    }
}

/// Marks the nullable properties of every object schema inside `value`
/// required (inline schemas only; a `$ref` is a component of its own).
fn require_nullable(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let nullable: Vec<Value> = map
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter(|(_, p)| is_nullable(p))
                .map(|(k, _)| Value::String(k.clone()))
                .collect();
            if !nullable.is_empty()
                && let Some(required) = map
                    .entry("required")
                    .or_insert_with(|| Value::Array(Vec::new()))
                    .as_array_mut()
            {
                for name in nullable {
                    if !required.contains(&name) {
                        required.push(name);
                    }
                }
            }
            for item in map.values_mut() {
                require_nullable(item);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(require_nullable),
        _ => {}
    }
}

fn is_nullable(schema: &serde_json::Value) -> bool {
    use serde_json::Value;
    let null_type = |s: &Value| match &s["type"] {
        Value::String(t) => t == "null",
        Value::Array(ts) => ts.iter().any(|t| t == "null"),
        _ => false,
    };
    null_type(schema)
        || ["oneOf", "anyOf"].iter().any(|k| {
            schema[*k]
                .as_array()
                .is_some_and(|options| options.iter().any(null_type))
        })
}
