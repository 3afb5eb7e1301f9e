//! The authorization rules that are no table: CSRF on cookie sessions,
//! anonymous callers, membership rules, foreign objects that look missing,
//! no privilege escalation, revocations at once.

use super::*;

// ---- sessions: CSRF ---------------------------------------------------------

/// A cookie session must send X-CSRF-Token on state-changing requests; a
/// bearer token needs none.
#[actix_web::test]
async fn session_requests_need_the_csrf_header() {
    let ts = common::demo_server().await;
    let session = ts.session_client(CA_ACME).await;
    let csrf = session.csrf.clone().expect("csrf token from login");
    let acme = ts.id_of(&p("/clients"), "name", ACME).await;
    let path = p(format!("/clients/{acme}"));
    // Same cookie jar, with no or a wrong header.
    let bare = Api {
        base: session.base.clone(),
        client: session.client.clone(),
        token: None,
        csrf: None,
    };
    let wrong = Api {
        csrf: Some("not-the-token".into()),
        base: session.base.clone(),
        client: session.client.clone(),
        token: None,
    };

    let (status, body) = bare.get(&path).await;
    assert_eq!(status, 200, "GET needs no CSRF header: {body}");

    for (api, what) in [(&bare, "without"), (&wrong, "with a wrong")] {
        let (status, body) = api.patch(&path, json!({ "name": ACME })).await;
        assert_eq!(status, 403, "PATCH {what} X-CSRF-Token: {body}");
        assert_eq!(body["code"], "csrf", "{body}");
        let (status, body) = api.post(&p("/me/tokens"), json!({ "name": "x" })).await;
        assert_eq!(status, 403, "POST {what} X-CSRF-Token: {body}");
        assert_eq!(body["code"], "csrf", "{body}");
        let (status, body) = api.call(Method::POST, &p("/auth/logout"), None).await;
        assert_eq!(status, 403, "logout {what} X-CSRF-Token: {body}");
        assert_eq!(body["code"], "csrf", "{body}");
    }

    let (status, body) = session.patch(&path, json!({ "name": ACME })).await;
    assert_eq!(status, 200, "PATCH with X-CSRF-Token: {body}");
    assert_eq!(session.csrf.as_deref(), Some(csrf.as_str()));
    let (status, body) = session.post(&p("/me/tokens"), json!({ "name": "x" })).await;
    assert_eq!(status, 201, "POST with X-CSRF-Token: {body}");
    // The CSRF check never replaces the policy: a foreign client is still 404.
    let nord = ts.id_of(&p("/clients"), "name", NORD).await;
    let (status, body) = session
        .patch(&p(format!("/clients/{nord}")), json!({ "name": NORD }))
        .await;
    assert_eq!(status, 404, "{body}");

    let (status, _) = session.call(Method::POST, &p("/auth/logout"), None).await;
    assert_eq!(status, 204);
    let (status, body) = bare.get(&p("/me")).await;
    assert_eq!(status, 401, "after logout: {body}");
    ts.server.stop().await;
}

// ---- anonymous --------------------------------------------------------------

/// Only the login answers without credentials; a bad bearer token is no
/// credential either.
#[actix_web::test]
async fn anonymous_callers_get_only_the_login() {
    let ts = common::demo_server().await;
    let anon = ts.anonymous();
    let (status, body) = anon
        .post(
            &p("/auth/login"),
            json!({ "email": ANNA, "password": "wrong password" }),
        )
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "invalid-credentials");
    let (status, body) = anon
        .post(
            &p("/auth/login"),
            json!({ "email": ANNA, "password": zezaro::demo::DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], ANNA);

    // Besides the login, only "forgot password" (the same answer for any
    // address) and a password through a one-time link take no sign-in
    // (platform_mail.rs tests them through).
    let (status, _) = anon
        .post(&p("/auth/password-reset"), json!({ "email": ANNA }))
        .await;
    assert_eq!(status, 202);
    let (status, body) = anon
        .post(
            &p("/auth/set-password"),
            json!({ "token": "guessed", "password": "a quite unguessable phrase 42" }),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (410, Some("token-invalid"))
    );

    let forged = Api::new(&ts.url, Some("zz_not-a-real-token".into()));
    for path in ["/me", "/clients", "/projects", "/users", "/teams", "/audit"] {
        let (status, body) = forged.get(&p(path)).await;
        assert_eq!(status, 401, "forged token on {path}: {body}");
        assert_eq!(body["code"], "unauthenticated");
    }
    ts.server.stop().await;
}

// ---- membership rules ---------------------------------------------------------

async fn id_in(ts: &TestServer, list: &str, field: &str, value: &str) -> i64 {
    ts.id_of(&p(list), field, value).await
}

async fn put_member(api: &Api, project: i64, user: i64, role: &str) -> (StatusCode, Value) {
    api.put(
        &p(format!("/projects/{project}/members/{user}")),
        json!({ "role": role }),
    )
    .await
}

/// Who may work where: a client's own agents only in that client's
/// projects; Team Pro agents exclusively for one client; Team Basic agents
/// for several clients.
#[actix_web::test]
async fn membership_rules_through_the_api() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let lead = ts.token_client(LEAD);
    let ca_nord = ts.token_client(CA_NORD);
    let ca_acme = ts.token_client(CA_ACME);
    let project = |key: &'static str| id_in(&ts, "/projects", "key", key);
    let user = |email: &'static str| id_in(&ts, "/users", "email", email);
    let (acme_p, gas_p, nord_p, berg_p) = (
        project("ACME").await,
        project("ACMEGAS").await,
        project("NORD").await,
        project("BERG").await,
    );
    let (anna, jonas, pro, basic) = (
        user(ANNA).await,
        user(JONAS).await,
        user(PRO).await,
        user(BASIC).await,
    );

    // A client's own agent cannot join another client's project, whoever asks.
    for (api, who) in [(&admin, "admin"), (&lead, "lead")] {
        let (status, body) = put_member(api, nord_p, anna, "agent").await;
        assert_eq!(status, 422, "{who}: Anna into NORD: {body}");
        assert_eq!(body["code"], "membership-invalid", "{body}");
    }
    let (status, body) = put_member(&admin, acme_p, jonas, "agent").await;
    assert_eq!(status, 422, "Jonas into ACME: {body}");
    assert_eq!(body["code"], "membership-invalid", "{body}");
    // The other client's admin does not even see the foreign agent.
    let (status, body) = put_member(&ca_nord, nord_p, anna, "agent").await;
    assert_eq!(status, 404, "ca-nord adds Anna: {body}");
    let (status, body) = put_member(&ca_acme, acme_p, jonas, "agent").await;
    assert_eq!(status, 404, "ca-acme adds Jonas: {body}");

    // The Team Pro agent works for Acme: more Acme projects yes, Nordlicht or
    // Bergblick no.
    for (api, who) in [(&admin, "admin"), (&lead, "lead")] {
        let (status, body) = put_member(api, nord_p, pro, "agent").await;
        assert_eq!(status, 409, "{who}: Pro into NORD: {body}");
        assert_eq!(body["code"], "pro-agent-exclusive", "{body}");
    }
    let (status, body) = put_member(&admin, berg_p, pro, "agent").await;
    assert_eq!(status, 409, "Pro into BERG: {body}");
    assert_eq!(body["code"], "pro-agent-exclusive", "{body}");
    let (status, members) = admin.get(&p(format!("/projects/{nord_p}/members"))).await;
    assert_eq!(status, 200);
    assert!(
        items(&members).iter().all(|m| m["user_id"] != pro),
        "the refused Pro agent is in NORD: {members}"
    );

    // A Team Basic agent works for several clients: a fresh one joins Acme
    // and Nordlicht projects (and Bergblick's).
    let basic_team = ts.id_of(&p("/teams"), "name", TEAM_BASIC).await;
    let (status, fresh) = admin
        .post(
            &p("/users"),
            json!({ "email": "fresh.basic@zezaro.example", "name": "Fresh Basic", "role": "agent",
                    "team_id": basic_team, "tariff": "basic", "password": "matrix-password-1" }),
        )
        .await;
    assert_eq!(status, 201, "{fresh}");
    let fresh_id = fresh["id"].as_i64().expect("id");
    let (status, body) = put_member(&lead, acme_p, fresh_id, "agent").await;
    assert_eq!(status, 200, "lead adds the Basic agent to ACME: {body}");
    let (status, body) = put_member(&lead, nord_p, fresh_id, "agent").await;
    assert_eq!(status, 200, "lead adds the Basic agent to NORD: {body}");
    let (status, body) = put_member(&admin, berg_p, fresh_id, "agent").await;
    assert_eq!(status, 200, "admin adds the Basic agent to BERG: {body}");
    let (status, me) = ts
        .token_client("fresh.basic@zezaro.example")
        .get(&p("/me"))
        .await;
    assert_eq!(status, 200);
    let clients: BTreeSet<String> = me["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| p["client_name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        clients,
        BTreeSet::from([ACME.to_string(), NORD.to_string(), BERG.to_string()])
    );
    // The demo's Basic agent is in ACME and NORD already; ACMEGAS too is fine.
    let (status, body) = put_member(&admin, gas_p, basic, "agent").await;
    assert_eq!(status, 200, "{body}");

    // A Basic agent working for two clients cannot become Team Pro.
    let pro_team = ts.id_of(&p("/teams"), "name", TEAM_PRO).await;
    let (status, body) = admin
        .patch(
            &p(format!("/users/{basic}")),
            json!({ "tariff": "pro", "team_id": pro_team }),
        )
        .await;
    assert_eq!(status, 409, "Basic → Pro while in two clients: {body}");
    assert_eq!(body["code"], "pro-agent-exclusive", "{body}");

    // Only project leads lead; client admins are no project members.
    let (status, body) = put_member(&admin, acme_p, anna, "lead").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "membership-invalid");
    let ca_acme_id = user(CA_ACME).await;
    let (status, body) = put_member(&admin, acme_p, ca_acme_id, "agent").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "membership-invalid");
    ts.server.stop().await;
}

/// Team Pro is keyed on the team, not on an agent's tariff: moving agents
/// between teams cannot make a Pro team work for a second client.
#[actix_web::test]
async fn team_pro_exclusivity_survives_team_changes() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let acme_p = id_in(&ts, "/projects", "key", "ACME").await;
    let nord_p = id_in(&ts, "/projects", "key", "NORD").await;
    let basic = id_in(&ts, "/users", "email", BASIC).await;
    let pro = id_in(&ts, "/users", "email", PRO).await;
    let pro_team = id_in(&ts, "/teams", "name", TEAM_PRO).await;
    let basic_team = id_in(&ts, "/teams", "name", TEAM_BASIC).await;
    let (_, team) = admin.get(&p(format!("/teams/{pro_team}"))).await;
    assert_eq!(team["tariff"], "pro", "{team}");

    // The Basic agent (ACME and NORD) moved into Team Pro, no tariff named.
    let (status, body) = admin
        .patch(
            &p(format!("/users/{basic}")),
            json!({ "team_id": pro_team }),
        )
        .await;
    assert_eq!(
        status, 409,
        "Basic agent of two clients into Team Pro: {body}"
    );
    assert_eq!(body["code"], "pro-agent-exclusive", "{body}");
    let (_, user) = admin.get(&p(format!("/users/{basic}"))).await;
    assert_eq!(user["team_id"], basic_team, "{user}");

    // A fresh agent without projects moves in: Pro now, Acme only.
    let (status, fresh) = admin
        .post(
            &p("/users"),
            json!({ "email": "mover@zezaro.example", "name": "Mover", "role": "agent",
                    "team_id": basic_team, "password": "matrix-password-1" }),
        )
        .await;
    assert_eq!(status, 201, "{fresh}");
    assert_eq!(fresh["tariff"], "basic", "the team's tariff: {fresh}");
    let mover = fresh["id"].as_i64().expect("id");
    let (status, user) = admin
        .patch(
            &p(format!("/users/{mover}")),
            json!({ "team_id": pro_team }),
        )
        .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["tariff"], "pro", "{user}");
    let (status, body) = put_member(&admin, nord_p, mover, "agent").await;
    assert_eq!(status, 409, "Team Pro agent into NORD: {body}");
    assert_eq!(body["code"], "pro-agent-exclusive", "{body}");
    let (status, body) = put_member(&admin, acme_p, mover, "agent").await;
    assert_eq!(status, 200, "Team Pro agent into ACME: {body}");
    // A tariff against the team's is refused.
    let (status, body) = admin
        .patch(&p(format!("/users/{mover}")), json!({ "tariff": "basic" }))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "tariff", "{body}");

    // Out and back: the Pro agent leaves for Team Basic, joins NORD, and
    // cannot return to Team Pro with it.
    let (status, user) = admin
        .patch(
            &p(format!("/users/{pro}")),
            json!({ "team_id": basic_team }),
        )
        .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["tariff"], "basic", "{user}");
    let (status, body) = put_member(&admin, nord_p, pro, "agent").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = admin
        .patch(
            &p(format!("/users/{pro}")),
            json!({ "team_id": pro_team, "tariff": "pro" }),
        )
        .await;
    assert_eq!(status, 409, "back into Team Pro from NORD: {body}");
    assert_eq!(body["code"], "pro-agent-exclusive", "{body}");

    // A team whose agents work for several clients cannot become Team Pro;
    // Team Pro itself (Acme only) may become Basic and back.
    let (status, body) = admin
        .patch(
            &p(format!("/teams/{basic_team}")),
            json!({ "tariff": "pro" }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "pro-agent-exclusive", "{body}");
    for tariff in ["basic", "pro"] {
        let (status, team) = admin
            .patch(
                &p(format!("/teams/{pro_team}")),
                json!({ "tariff": tariff }),
            )
            .await;
        assert_eq!(status, 200, "{team}");
        assert_eq!(team["tariff"], tariff, "{team}");
        let (_, user) = admin.get(&p(format!("/users/{mover}"))).await;
        assert_eq!(
            user["tariff"], tariff,
            "the agents follow their team: {user}"
        );
    }
    ts.server.stop().await;
}

// ---- foreign objects look exactly like missing ones ----------------------------

const MISSING: i64 = 987_654;

/// The parts of an answer a caller could tell apart.
fn shape(status: StatusCode, body: &Value) -> (u16, Value, Value, Value) {
    (
        status.as_u16(),
        body["code"].clone(),
        body["detail"].clone(),
        body["field"].clone(),
    )
}

/// For every caller but the admin, a request about a foreign object (of
/// Bergblick, which none of them works for, or the platform admin's
/// account) answers exactly as the same request about an id that does not
/// exist: same status, code, detail and field. Otherwise the answers would
/// tell what exists at another client.
#[actix_web::test]
async fn foreign_objects_are_indistinguishable_from_missing_ones() {
    let ctx = Ctx::new().await;
    let fx = &ctx.fx;
    let berg_client = fx.client("berg");
    let berg_project = fx.project("BERG");
    let berg_team = fx.team("berg").0;
    let nord_team = fx.team("nord").0;
    let admin_user = fx.user(ADMIN);
    let admin_token = ctx.new_token(&ctx.setup).await;
    let berg_module = ctx.scratch_module("berg").await;
    let berg_case = ctx.scratch_case("berg").await;
    let mut failures = Vec::new();
    for (role, api) in ctx.apis.iter().enumerate().take(ANON).skip(1) {
        let own_client = fx.client(SEES_CLIENTS[role][0]);
        let own_team = fx.team(SEES_CLIENTS[role][0]).0;
        // (method, path with {} for the id, body with "ID" for the id, foreign id)
        let mut probes: Vec<(Method, String, Option<Value>, i64)> = vec![
            (Method::GET, "/clients/{}".into(), None, berg_client),
            (
                Method::PATCH,
                "/clients/{}".into(),
                Some(json!({ "name": "Probe" })),
                berg_client,
            ),
            (Method::DELETE, "/clients/{}".into(), None, berg_client),
            (Method::GET, "/projects/{}".into(), None, berg_project),
            (
                Method::PATCH,
                "/projects/{}".into(),
                Some(json!({ "active": true })),
                berg_project,
            ),
            (Method::DELETE, "/projects/{}".into(), None, berg_project),
            (
                Method::GET,
                "/projects/{}/members".into(),
                None,
                berg_project,
            ),
            (
                Method::PUT,
                format!("/projects/{{}}/members/{}", fx.user(TOM)),
                Some(json!({ "role": "agent" })),
                berg_project,
            ),
            (
                Method::DELETE,
                format!("/projects/{{}}/members/{}", fx.user(TOM)),
                None,
                berg_project,
            ),
            (Method::GET, "/users/{}".into(), None, admin_user),
            (
                Method::PATCH,
                "/users/{}".into(),
                Some(json!({ "name": "Probe" })),
                admin_user,
            ),
            (Method::DELETE, "/users/{}".into(), None, admin_user),
            (Method::GET, "/teams/{}".into(), None, berg_team),
            (
                Method::PATCH,
                "/teams/{}".into(),
                Some(json!({ "name": "Probe" })),
                berg_team,
            ),
            (Method::DELETE, "/teams/{}".into(), None, berg_team),
            (Method::DELETE, "/me/tokens/{}".into(), None, admin_token),
            (
                Method::POST,
                "/projects".into(),
                Some(json!({ "client_id": "ID", "name": "Probe", "key": "PROBE" })),
                berg_client,
            ),
            (
                Method::POST,
                "/teams".into(),
                Some(json!({ "name": "Probe", "kind": "client", "client_id": "ID" })),
                berg_client,
            ),
            (
                Method::POST,
                "/users".into(),
                Some(
                    json!({ "email": "probe@example.com", "name": "Probe", "role": "agent",
                             "client_id": "ID", "team_id": berg_team, "password": "matrix-password-1" }),
                ),
                berg_client,
            ),
        ];
        // Text modules: Bergblick's, and a case of Bergblick's.
        for (method, path, body) in [
            (Method::GET, "/text-modules/{}", None),
            (
                Method::PATCH,
                "/text-modules/{}",
                Some(json!({ "title": "Probe" })),
            ),
            (Method::DELETE, "/text-modules/{}", None),
            (Method::POST, "/text-modules/{}/publish", None),
            (Method::POST, "/text-modules/{}/unpublish", None),
            (Method::POST, "/text-modules/{}/undelete", None),
            (Method::GET, "/text-modules/{}/usage", None),
            (Method::GET, "/text-modules/{}/versions", None),
            (Method::GET, "/text-modules/{}/versions/1", None),
            (Method::POST, "/text-modules/{}/versions/1/restore", None),
        ] {
            probes.push((method, path.into(), body, berg_module));
        }
        probes.push((
            Method::GET,
            "/text-modules?client_id={}".into(),
            None,
            berg_client,
        ));
        probes.push((
            Method::POST,
            "/text-modules".into(),
            Some(json!({ "client_id": "ID", "shortcut": "probe", "language": "de", "title": "Probe", "body": "Probe" })),
            berg_client,
        ));
        probes.push((
            Method::GET,
            "/cases/{}/text-modules".into(),
            None,
            berg_case,
        ));
        probes.push((
            Method::POST,
            format!("/cases/{{}}/text-modules/{berg_module}/render"),
            None,
            berg_case,
        ));
        if role == 1 || role == 2 {
            // A team id of another client, inside an otherwise allowed
            // request about the client admin's own client (only client
            // admins get this far; the others are refused before).
            let foreign_team = if own_team == nord_team {
                fx.team("acme").0
            } else {
                nord_team
            };
            let own_agent = fx.user(if role == 1 { ANNA } else { JONAS });
            probes.push((
                Method::POST,
                "/users".into(),
                Some(json!({ "email": "probe@example.com", "name": "Probe", "role": "agent",
                             "client_id": own_client, "team_id": "ID", "password": "matrix-password-1" })),
                foreign_team,
            ));
            probes.push((
                Method::PATCH,
                format!("/users/{own_agent}"),
                Some(json!({ "team_id": "ID" })),
                foreign_team,
            ));
        }
        for (method, path, body, foreign) in probes {
            let fill = |id: i64| {
                let path = p(path.replace("{}", &id.to_string()));
                let body = body.as_ref().map(|b| {
                    let text = b.to_string().replace("\"ID\"", &id.to_string());
                    serde_json::from_str::<Value>(&text).expect("json")
                });
                (path, body)
            };
            let (foreign_path, foreign_body) = fill(foreign);
            let (missing_path, missing_body) = fill(MISSING);
            let (status, a) = api
                .call(method.clone(), &foreign_path, foreign_body.clone())
                .await;
            let seen = shape(status, &a);
            let (status, b) = api.call(method.clone(), &missing_path, missing_body).await;
            let missing = shape(status, &b);
            if seen != missing || seen.0 / 100 == 2 {
                failures.push(format!(
                    "{}: {method} {foreign_path} {}\n    foreign: {a}\n    missing: {b}",
                    label(role),
                    foreign_body.map(|b| b.to_string()).unwrap_or_default()
                ));
            }
        }
    }
    ctx.ts.server.stop().await;
    assert!(
        failures.is_empty(),
        "foreign objects distinguishable from missing ones:\n{}",
        failures.join("\n")
    );
}

// ---- no privilege escalation --------------------------------------------------

/// Client admins manage their client's users but create or make nobody a
/// platform admin or project lead; nobody else manages users at all.
#[actix_web::test]
async fn no_privilege_escalation_through_users() {
    let ctx = Ctx::new().await;
    let fx = &ctx.fx;
    let ca_acme = &ctx.apis[1];
    let acme = fx.client("acme");
    let acme_team = fx.team("acme").0;
    let anna = fx.user(ANNA);
    let new_user = |email: &str, role: &str, client: Option<i64>, team: Option<i64>| {
        json!({ "email": email, "name": "New", "role": role, "client_id": client, "team_id": team,
                "password": "matrix-password-1" })
    };
    let cases: Vec<(&Api, &str, Method, String, Value, u16)> = vec![
        (
            ca_acme,
            "ca-acme",
            Method::POST,
            p("/users"),
            new_user("x1@example.com", "admin", None, None),
            403,
        ),
        (
            ca_acme,
            "ca-acme",
            Method::POST,
            p("/users"),
            new_user("x2@example.com", "admin", Some(acme), None),
            403,
        ),
        (
            ca_acme,
            "ca-acme",
            Method::POST,
            p("/users"),
            new_user("x3@example.com", "project-lead", None, None),
            403,
        ),
        (
            ca_acme,
            "ca-acme",
            Method::POST,
            p("/users"),
            new_user("x4@example.com", "project-lead", Some(acme), None),
            403,
        ),
        (
            ca_acme,
            "ca-acme",
            Method::POST,
            p("/users"),
            new_user(
                "x5@example.com",
                "client-admin",
                Some(acme),
                Some(acme_team),
            ),
            201,
        ),
        (
            ca_acme,
            "ca-acme",
            Method::PATCH,
            p(format!("/users/{anna}")),
            json!({ "role": "admin" }),
            403,
        ),
        (
            ca_acme,
            "ca-acme",
            Method::PATCH,
            p(format!("/users/{anna}")),
            json!({ "role": "project-lead" }),
            403,
        ),
        (
            ca_acme,
            "ca-acme",
            Method::PATCH,
            p(format!("/users/{}", fx.user(CA_ACME))),
            json!({ "role": "admin" }),
            403,
        ),
        (
            ca_acme,
            "ca-acme",
            Method::PATCH,
            p(format!("/users/{anna}")),
            json!({ "role": "client-admin" }),
            200,
        ),
        (
            ca_acme,
            "ca-acme",
            Method::PATCH,
            p(format!("/users/{anna}")),
            json!({ "role": "agent" }),
            200,
        ),
        (
            &ctx.apis[3],
            "lead",
            Method::PATCH,
            p(format!("/users/{}", fx.user(LEAD))),
            json!({ "role": "admin" }),
            403,
        ),
        (
            &ctx.apis[3],
            "lead",
            Method::PATCH,
            p(format!("/users/{anna}")),
            json!({ "role": "client-admin" }),
            403,
        ),
        (
            &ctx.apis[4],
            "ag-acme",
            Method::PATCH,
            p(format!("/users/{anna}")),
            json!({ "role": "client-admin" }),
            403,
        ),
        (
            &ctx.apis[6],
            "basic",
            Method::PATCH,
            p(format!("/users/{}", fx.user(BASIC))),
            json!({ "tariff": "pro" }),
            403,
        ),
    ];
    let mut failures = Vec::new();
    for (api, who, method, path, body, expected) in cases {
        let (status, reply) = api.call(method.clone(), &path, Some(body.clone())).await;
        if status.as_u16() != expected {
            failures.push(format!(
                "{who}: {method} {path} {body}: expected {expected}, got {status} {reply}"
            ));
        }
    }
    // Nothing changed where refused.
    let (_, user) = ctx.setup.get(&p(format!("/users/{anna}"))).await;
    assert_eq!(user["role"], "agent", "{user}");
    let (_, user) = ctx
        .setup
        .get(&p(format!("/users/{}", fx.user(CA_ACME))))
        .await;
    assert_eq!(user["role"], "client-admin", "{user}");
    assert!(!ctx.listed("/users", "email", "x1@example.com").await);
    ctx.ts.server.stop().await;
    assert!(failures.is_empty(), "escalations:\n{}", failures.join("\n"));
}

// ---- revocations take effect at once --------------------------------------------

/// Losing a membership, a role, an account or a token takes effect on the
/// caller's very next request, even one right after a request that
/// succeeded (a cached principal must not outlive the change).
#[actix_web::test]
async fn revocations_take_effect_on_the_next_request() {
    let ctx = Ctx::new().await;
    let fx = &ctx.fx;
    let (ca_acme, lead, anna_api) = (&ctx.apis[1], &ctx.apis[3], &ctx.apis[4]);
    let anna = fx.user(ANNA);
    let acme_p = fx.project("ACME");
    let project = p(format!("/projects/{acme_p}"));
    let membership = p(format!("/projects/{acme_p}/members/{anna}"));

    // Membership removed: the project vanishes for Anna at once.
    assert_eq!(anna_api.get(&project).await.0, 200);
    assert_eq!(ctx.setup.delete(&membership).await.0, 204);
    let (status, body) = anna_api.get(&project).await;
    assert_eq!(status, 404, "Anna still sees ACME after leaving it: {body}");
    let (_, me) = anna_api.get(&p("/me")).await;
    assert!(
        me["projects"]
            .as_array()
            .expect("projects")
            .iter()
            .all(|p| p["key"] != "ACME"),
        "{me}"
    );
    assert_eq!(
        ctx.setup
            .put(&membership, json!({ "role": "agent" }))
            .await
            .0,
        200
    );
    assert_eq!(anna_api.get(&project).await.0, 200, "Anna back in ACME");

    // Lead demoted to agent in ACME: no more member management there.
    let lead_in_acme = p(format!("/projects/{acme_p}/members/{}", fx.user(LEAD)));
    assert_eq!(
        lead.put(&membership, json!({ "role": "agent" })).await.0,
        200
    );
    assert_eq!(
        ctx.setup
            .put(&lead_in_acme, json!({ "role": "agent" }))
            .await
            .0,
        200
    );
    let (status, body) = lead.put(&membership, json!({ "role": "agent" })).await;
    assert_eq!(status, 403, "demoted lead still manages ACME: {body}");
    assert_eq!(
        ctx.setup
            .put(&lead_in_acme, json!({ "role": "lead" }))
            .await
            .0,
        200
    );
    assert_eq!(
        lead.put(&membership, json!({ "role": "agent" })).await.0,
        200
    );

    // Role change: Anna made client admin and back.
    assert_eq!(anna_api.get(&p("/audit")).await.0, 403);
    let anna_path = p(format!("/users/{anna}"));
    assert_eq!(
        ca_acme
            .patch(&anna_path, json!({ "role": "client-admin" }))
            .await
            .0,
        200
    );
    assert_eq!(
        anna_api.get(&p("/audit")).await.0,
        200,
        "promotion applies at once"
    );
    assert_eq!(
        ca_acme
            .patch(&anna_path, json!({ "role": "agent" }))
            .await
            .0,
        200
    );
    let (status, body) = anna_api.get(&p("/audit")).await;
    assert_eq!(
        status, 403,
        "demoted Anna still reads the audit log: {body}"
    );

    // Deactivation by her client admin: token and session die at once.
    let session = ctx.ts.session_client(ANNA).await;
    assert_eq!(session.get(&p("/me")).await.0, 200);
    assert_eq!(anna_api.get(&p("/me")).await.0, 200);
    assert_eq!(ca_acme.delete(&anna_path).await.0, 204);
    let (status, body) = anna_api.get(&p("/me")).await;
    assert_eq!(status, 401, "deactivated Anna's token still works: {body}");
    let (status, body) = session.get(&p("/me")).await;
    assert_eq!(
        status, 401,
        "deactivated Anna's session still works: {body}"
    );
    assert_eq!(
        ca_acme.patch(&anna_path, json!({ "active": true })).await.0,
        200
    );
    let (status, body) = anna_api.get(&p("/me")).await;
    assert_eq!(
        status, 401,
        "a token revoked at deactivation came back with the reactivation: {body}"
    );
    let anna_api = &ctx.ts.token_client(ANNA);

    // A revoked token.
    let (status, created) = anna_api
        .post(&p("/me/tokens"), json!({ "name": "short-lived" }))
        .await;
    assert_eq!(status, 201, "{created}");
    let short = Api::new(&ctx.ts.url, created["token"].as_str().map(str::to_string));
    assert_eq!(short.get(&p("/me")).await.0, 200);
    assert_eq!(
        anna_api
            .delete(&p(format!("/me/tokens/{}", created["id"])))
            .await
            .0,
        204
    );
    let (status, body) = short.get(&p("/me")).await;
    assert_eq!(status, 401, "revoked token still works: {body}");
    ctx.ts.server.stop().await;
}
