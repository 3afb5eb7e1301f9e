//! /api/v1/teams: a plain resource (see `crate::http::resource`).

use super::model::{NewTeam, Team, TeamPatch};
use super::service;
use crate::http::{ItemList, ProblemBody};

crate::resource_handlers! {
    service: service,
    tag: "teams",
    model: Team,
    collection: "/teams" => "/api/v1/teams",
    item: "/teams/{id}" => "/api/v1/teams/{id}",
    create: NewTeam => ((status = 201, body = Team), (status = 403, body = ProblemBody),
        (status = 409, body = ProblemBody)),
    get: ((status = 200, body = Team), (status = 404, body = ProblemBody)),
    /// Renames a team; sets a provider team's tariff (Team Pro / Basic).
    rename: TeamPatch => ((status = 200, body = Team), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "pro-agent-exclusive"),
        (status = 422, body = ProblemBody)),
    delete: ((status = 204), (status = 409, body = ProblemBody)),
}
