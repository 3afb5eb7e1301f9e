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
        crate::webforms::handlers::get_one,
        crate::webforms::handlers::update,
        crate::webforms::handlers::rotate,
        crate::webforms::handlers::public_info,
        crate::webforms::handlers::public_submit,
        super::server::health,
    ),
    components(schemas(super::ProblemBody)),
    modifiers(&SecuritySchemes),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "auth", description = "Sign-in, sessions, API tokens"),
        (name = "clients", description = "Client companies"),
        (name = "projects", description = "Client projects and their members"),
        (name = "users", description = "Users and roles"),
        (name = "teams", description = "Client and provider teams"),
        (name = "audit", description = "The audit log"),
        (name = "customers", description = "The customer database: contacts and organizations"),
        (name = "cases", description = "Cases, threads, history, time, live events"),
        (name = "webforms", description = "Public web forms per project: set-up, and the public submission endpoints (no sign-in)"),
        (name = "system", description = "Health"),
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
