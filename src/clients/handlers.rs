//! /api/v1/clients: a plain resource (see `crate::http::resource`).

use super::model::{Client, ClientInput};
use super::service;
use crate::http::{ItemList, ProblemBody};

crate::resource_handlers! {
    service: service,
    tag: "clients",
    model: Client,
    collection: "/clients" => "/api/v1/clients",
    item: "/clients/{id}" => "/api/v1/clients/{id}",
    create: ClientInput => ((status = 201, body = Client), (status = 403, body = ProblemBody),
        (status = 409, body = ProblemBody)),
    get: ((status = 200, body = Client), (status = 404, body = ProblemBody)),
    rename: ClientInput => ((status = 200, body = Client), (status = 404, body = ProblemBody)),
    delete: ((status = 204), (status = 409, body = ProblemBody)),
}
