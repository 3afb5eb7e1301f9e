//! The handlers of a plain resource, written once: clients and teams are
//! both a list, a create, a read, a rename and a delete over a service with
//! the functions `list`, `create`, `get`, `rename` and `delete`. Each
//! resource names its routes, tag, types and documented answers; the
//! handler bodies (parse, call the service, map) are the ones below.

/// Defines `configure` and the handlers `list`, `create`, `get_one`,
/// `rename` and `remove` in the calling module, each with its route and
/// OpenAPI operation. Types are given as names in scope where it is called.
#[macro_export]
macro_rules! resource_handlers {
    (
        service: $service:ident,
        tag: $tag:tt,
        model: $model:ident,
        collection: $collection_route:tt => $collection_path:tt,
        item: $item_route:tt => $item_path:tt,
        create: $new:ident => ($($create_responses:tt)*),
        get: ($($get_responses:tt)*),
        $(#[$rename_meta:meta])*
        rename: $patch:ident => ($($rename_responses:tt)*),
        delete: ($($delete_responses:tt)*) $(,)?
    ) => {
        pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
            cfg.service(list)
                .service(create)
                .service(get_one)
                .service(rename)
                .service(remove);
        }

        #[utoipa::path(get, path = $collection_path, tag = $tag,
            responses((status = 200, body = ItemList<$model>)))]
        #[actix_web::get($collection_route)]
        pub async fn list(
            state: actix_web::web::Data<$crate::state::AppState>,
            who: $crate::auth::Principal,
        ) -> Result<actix_web::HttpResponse, $crate::http::ApiError> {
            let items = state.db.read(move |conn| $service::list(conn, &who)).await?;
            Ok(actix_web::HttpResponse::Ok().json($crate::http::ItemList { items }))
        }

        #[utoipa::path(post, path = $collection_path, tag = $tag, request_body = $new,
            responses($($create_responses)*))]
        #[actix_web::post($collection_route)]
        pub async fn create(
            state: actix_web::web::Data<$crate::state::AppState>,
            who: $crate::auth::Principal,
            body: $crate::http::ValidJson<$new>,
        ) -> Result<actix_web::HttpResponse, $crate::http::ApiError> {
            let created = state
                .db
                .write(move |tx| $service::create(tx, &who, body.into_inner()))
                .await?;
            Ok(actix_web::HttpResponse::Created().json(created))
        }

        #[utoipa::path(get, path = $item_path, tag = $tag,
            responses($($get_responses)*))]
        #[actix_web::get($item_route)]
        pub async fn get_one(
            state: actix_web::web::Data<$crate::state::AppState>,
            who: $crate::auth::Principal,
            id: actix_web::web::Path<i64>,
        ) -> Result<actix_web::HttpResponse, $crate::http::ApiError> {
            let id = id.into_inner().into();
            let found = state
                .db
                .read(move |conn| $service::get(conn, &who, id))
                .await?;
            Ok(actix_web::HttpResponse::Ok().json(found))
        }

        $(#[$rename_meta])*
        #[utoipa::path(patch, path = $item_path, tag = $tag, request_body = $patch,
            responses($($rename_responses)*))]
        #[actix_web::patch($item_route)]
        pub async fn rename(
            state: actix_web::web::Data<$crate::state::AppState>,
            who: $crate::auth::Principal,
            id: actix_web::web::Path<i64>,
            body: $crate::http::ValidJson<$patch>,
        ) -> Result<actix_web::HttpResponse, $crate::http::ApiError> {
            let id = id.into_inner().into();
            let renamed = state
                .db
                .write(move |tx| $service::rename(tx, &who, id, body.into_inner()))
                .await?;
            Ok(actix_web::HttpResponse::Ok().json(renamed))
        }

        #[utoipa::path(delete, path = $item_path, tag = $tag,
            responses($($delete_responses)*))]
        #[actix_web::delete($item_route)]
        pub async fn remove(
            state: actix_web::web::Data<$crate::state::AppState>,
            who: $crate::auth::Principal,
            id: actix_web::web::Path<i64>,
        ) -> Result<actix_web::HttpResponse, $crate::http::ApiError> {
            let id = id.into_inner().into();
            state
                .db
                .write(move |tx| $service::delete(tx, &who, id))
                .await?;
            Ok(actix_web::HttpResponse::NoContent().finish())
        }
    };
}
