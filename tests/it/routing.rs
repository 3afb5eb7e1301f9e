//! Routing to agents (issue 15) through the API of a real server with the
//! demo data: round-robin order, least-loaded, skills, capacity under
//! parallel requests with the queue draining when capacity frees,
//! availability and auto-away, isolation between clients and provider
//! teams, authorization, validation and audit.

use std::collections::{HashMap, HashSet};

use crate::common::{self, Api, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ADMIN: &str = "admin@zezaro.example";
const CA_ACME: &str = "kadmin@acme-energie.example";
const CA_NORD: &str = "kadmin@nordlicht.example";
const ANNA: &str = "anna.schmidt@acme-energie.example";
const BASIC: &str = "basic.agent@zezaro.example";
const PRO: &str = "pro.agent@zezaro.example";

struct Agent {
    id: i64,
    api: Api,
}

/// A fresh Acme project with `n` new agents of Acme's own team (offline).
async fn project_with_agents(ts: &TestServer, key: &str, n: usize) -> (i64, Vec<Agent>) {
    let admin = ts.token_client(ADMIN);
    let ca = ts.token_client(CA_ACME);
    let acme = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let (status, project) = admin
        .post(
            "/api/v1/projects",
            json!({"client_id": acme, "name": format!("Routing {key}"), "key": key}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    let project = project["id"].as_i64().expect("project id");
    let (_, teams) = ca.get("/api/v1/teams").await;
    let team = teams["items"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["client_id"] == acme)
        .expect("Acme's team")["id"]
        .as_i64()
        .expect("team id");
    let mut agents = Vec::new();
    for i in 0..n {
        let email = format!("route-{}-{i}@acme-energie.example", key.to_lowercase());
        let (status, user) = ca
            .post(
                "/api/v1/users",
                json!({"email": email, "name": format!("Agent {key} {i}"), "role": "agent",
                       "client_id": acme, "team_id": team, "password": "routing-password-1"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        let id = user["id"].as_i64().expect("user id");
        member(&ca, project, id).await;
        agents.push(Agent {
            id,
            api: ts.token_client(&email),
        });
    }
    (project, agents)
}

async fn member(api: &Api, project: i64, user: i64) {
    let (status, body) = api
        .put(
            &format!("/api/v1/projects/{project}/members/{user}"),
            json!({"role": "agent"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn set_mode(api: &Api, project: i64, channel: &str, mode: &str) {
    let (status, body) = api
        .put(
            &format!("/api/v1/projects/{project}/routing/{channel}"),
            json!({ "mode": mode }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn set_state(api: &Api, state: &str) {
    let (status, body) = api
        .put("/api/v1/routing/me", json!({ "state": state }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], state);
}

async fn new_case(api: &Api, project: i64, channel: &str, extra: Value) -> Value {
    let mut body = json!({"project_id": project, "subject": "Frage zur Abrechnung",
                          "channel": channel,
                          "message": {"kind": "inbound", "body_text": "Guten Tag, bitte rufen Sie zurück."}});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let (status, case) = api.post("/api/v1/cases", body).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case
}

fn assignee(case: &Value) -> Option<i64> {
    case["assignee_id"].as_i64()
}

async fn queue(api: &Api, project: i64) -> Vec<Value> {
    let (status, body) = api
        .get(&format!("/api/v1/projects/{project}/routing/queue"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

/// (case id, assignee) of the project's cases, straight from the store.
fn assignments(ts: &TestServer, project: i64) -> Vec<(i64, Option<i64>)> {
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            let mut stmt = tx.prepare("SELECT id, assignee_id FROM cases WHERE project_id = ?1")?;
            let rows = stmt.query_map([project], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok::<_, zezaro::db::StoreError>(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .expect("read")
}

/// Cases with more than one "routed" history row.
fn routed_twice(ts: &TestServer, project: i64) -> i64 {
    ts.server
        .state
        .db
        .write_blocking(move |tx| {
            Ok::<_, zezaro::db::StoreError>(tx.query_row(
                "SELECT count(*) FROM (SELECT h.case_id FROM case_history h
                   JOIN cases c ON c.id = h.case_id
                  WHERE c.project_id = ?1 AND h.field = 'routed'
                  GROUP BY h.case_id HAVING count(*) > 1)",
                [project],
                |r| r.get(0),
            )?)
        })
        .expect("read")
}

#[actix_web::test]
async fn round_robin_gives_cases_in_turn_and_the_history_says_routing() {
    let ts = common::demo_server().await;
    let ca = ts.token_client(CA_ACME);
    let (project, agents) = project_with_agents(&ts, "RRA", 3).await;
    set_mode(&ca, project, "email", "round-robin").await;
    for a in &agents {
        set_state(&a.api, "available").await;
    }
    let mut got = Vec::new();
    for _ in 0..6 {
        got.push(assignee(&new_case(&ca, project, "email", json!({})).await));
    }
    let ids: Vec<Option<i64>> = agents.iter().map(|a| Some(a.id)).collect();
    let expected: Vec<Option<i64>> = ids.iter().chain(ids.iter()).copied().collect();
    assert_eq!(got, expected, "in turn, by user id, wrapping");
    // Calls stay pulled: the mode is per channel.
    let call = new_case(&ca, project, "call", json!({})).await;
    assert_eq!(assignee(&call), None);
    assert_eq!(call["status"], "new");
    // The history says routing assigned it; the case is open.
    let (_, cases) = ca
        .get(&format!("/api/v1/cases?project_id={project}&channel=email"))
        .await;
    let first = cases["items"].as_array().expect("items")[0]["id"]
        .as_i64()
        .expect("id");
    let (_, detail) = ca.get(&format!("/api/v1/cases/{first}")).await;
    assert_eq!(detail["case"]["status"], "open", "{detail}");
    let history = detail["history"].as_array().expect("history");
    assert!(
        history
            .iter()
            .any(|h| h["field"] == "routed" && h["new_value"] == "round-robin"),
        "{history:?}"
    );
    // An away agent is skipped; the turn goes on with the others.
    set_state(&agents[0].api, "away").await;
    let next: Vec<Option<i64>> = [
        assignee(&new_case(&ca, project, "email", json!({})).await),
        assignee(&new_case(&ca, project, "email", json!({})).await),
    ]
    .into();
    assert_eq!(next, vec![Some(agents[1].id), Some(agents[2].id)]);
    assert_eq!(routed_twice(&ts, project), 0);
}

#[actix_web::test]
async fn least_loaded_gives_the_fewest_open_cases_then_the_longest_idle() {
    let ts = common::demo_server().await;
    let ca = ts.token_client(CA_ACME);
    let (project, agents) = project_with_agents(&ts, "LLA", 3).await;
    // Agent 0 already has two open e-mail cases, agent 1 one.
    for (who, n) in [(0usize, 2), (1, 1)] {
        for _ in 0..n {
            new_case(
                &ca,
                project,
                "email",
                json!({"assignee_id": agents[who].id}),
            )
            .await;
        }
    }
    set_mode(&ca, project, "email", "least-loaded").await;
    for a in &agents {
        set_state(&a.api, "available").await;
    }
    // Loads 2/1/0: agent 2; then 2/1/1: agent 1 (never routed before
    // agent 2, who just got one); then 2/2/1: agent 2.
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(assignee(&new_case(&ca, project, "email", json!({})).await));
    }
    assert_eq!(
        got,
        vec![Some(agents[2].id), Some(agents[1].id), Some(agents[2].id)]
    );
    // The project's routing shows the loads.
    let (status, routing) = ca.get(&format!("/api/v1/projects/{project}/routing")).await;
    assert_eq!(status, StatusCode::OK, "{routing}");
    let open_email = |id: i64| {
        routing["agents"]
            .as_array()
            .expect("agents")
            .iter()
            .find(|a| a["user_id"] == id)
            .expect("agent")["open"]
            .as_array()
            .expect("open")
            .iter()
            .find(|o| o["channel"] == "email")
            .expect("email")["count"]
            .as_i64()
    };
    assert_eq!(
        agents.iter().map(|a| open_email(a.id)).collect::<Vec<_>>(),
        vec![Some(2), Some(2), Some(2)]
    );
    // Each agent's routing card reads the kept loads (migration 0053): the
    // same as a count of the open cases; a case solved leaves it.
    let (_, theirs) = ca
        .get(&format!(
            "/api/v1/cases?project_id={project}&assignee_id={}&limit=5",
            agents[0].id
        ))
        .await;
    let first = theirs["items"][0]["id"]
        .as_i64()
        .expect("a case of agent 0");
    let (status, body) = ca
        .patch(
            &format!("/api/v1/cases/{first}"),
            json!({"status": "solved"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for (a, expected) in agents.iter().zip([1, 2, 2]) {
        let (status, card) = ca.get(&format!("/api/v1/routing/agents/{}", a.id)).await;
        assert_eq!(status, StatusCode::OK, "{card}");
        let id = a.id;
        let counted: i64 = ts
            .server
            .state
            .db
            .write_blocking(move |tx| {
                Ok::<_, zezaro::db::StoreError>(tx.query_row(
                    "SELECT count(*) FROM cases WHERE assignee_id = ?1 AND channel = 'email'
                       AND status NOT IN ('solved', 'closed')",
                    [id],
                    |r| r.get(0),
                )?)
            })
            .expect("count");
        assert_eq!(counted, expected);
        for open in card["open"].as_array().expect("open") {
            let want = if open["channel"] == "email" {
                expected
            } else {
                0
            };
            assert_eq!(open["count"], want, "{card}");
        }
    }
    let email_mode = routing["modes"]
        .as_array()
        .expect("modes")
        .iter()
        .find(|m| m["channel"] == "email")
        .expect("email mode")["mode"]
        .clone();
    assert_eq!(email_mode, "least-loaded");
}

#[actix_web::test]
async fn skills_send_english_contacts_and_topics_to_who_has_them() {
    let ts = common::demo_server().await;
    let ca = ts.token_client(CA_ACME);
    let acme = ts
        .id_of("/api/v1/clients", "name", "Acme Energie GmbH")
        .await;
    let (project, agents) = project_with_agents(&ts, "SKA", 3).await;
    let (status, topic) = ca
        .post(
            &format!("/api/v1/projects/{project}/topics"),
            json!({"name": "Netzanschluss"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{topic}");
    let topic = topic["id"].as_i64().expect("topic id");
    set_mode(&ca, project, "email", "round-robin").await;
    for a in &agents {
        set_state(&a.api, "available").await;
    }
    // No skills configured: everyone matches (round-robin over all three).
    let mut got = HashSet::new();
    for _ in 0..3 {
        got.insert(assignee(&new_case(&ca, project, "email", json!({})).await));
    }
    assert_eq!(got.len(), 3);
    // Agent 1 speaks English (level 2), agent 2 too (level 3); agent 0 knows
    // the topic.
    for (who, skills) in [
        (
            1usize,
            json!([{"kind": "language", "language": "en", "level": 2}]),
        ),
        (
            2,
            json!([{"kind": "language", "language": "EN", "level": 3}]),
        ),
        (0, json!([{"kind": "topic", "topic_id": topic, "level": 1}])),
    ] {
        let (status, body) = ca
            .put(
                &format!("/api/v1/routing/agents/{}", agents[who].id),
                json!({"skills": skills, "capacity": []}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, contact) = ca
        .post(
            "/api/v1/contacts",
            json!({"client_id": acme, "name": "John Miller", "emails": ["john.miller@example.com"],
                   "language": "en"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    let contact = contact["id"].as_i64().expect("contact id");
    // English: the expert first, while they have capacity.
    for _ in 0..3 {
        let case = new_case(&ca, project, "email", json!({"contact_id": contact})).await;
        assert_eq!(assignee(&case), Some(agents[2].id));
    }
    // The topic: only agent 0.
    for _ in 0..2 {
        let case = new_case(&ca, project, "email", json!({"topic_id": topic})).await;
        assert_eq!(assignee(&case), Some(agents[0].id));
    }
    // English and the topic: nobody has both; it waits, with the reason.
    let both = new_case(
        &ca,
        project,
        "email",
        json!({"topic_id": topic, "contact_id": contact}),
    )
    .await;
    assert_eq!(assignee(&both), None);
    let waiting = queue(&ca, project).await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["case_id"], both["id"]);
    assert_eq!(waiting[0]["reason"], "no-skill-match");
    // Giving agent 2 the topic routes the waiting case to them.
    let (status, body) = ca
        .put(
            &format!("/api/v1/routing/agents/{}", agents[2].id),
            json!({"skills": [{"kind": "language", "language": "en", "level": 3},
                              {"kind": "topic", "topic_id": topic, "level": 2}],
                   "capacity": [{"channel": "email", "max_open": 10}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["skills"].as_array().map(Vec::len), Some(2));
    let (_, detail) = ca.get(&format!("/api/v1/cases/{}", both["id"])).await;
    assert_eq!(detail["case"]["assignee_id"], agents[2].id);
    assert!(queue(&ca, project).await.is_empty());
    // Audited.
    let (_, audit) = ca
        .get(&format!(
            "/api/v1/audit?object_type=user&object_id={}",
            agents[2].id
        ))
        .await;
    assert!(
        audit["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|e| e["action"] == "routing.agent")),
        "{audit}"
    );
}

#[actix_web::test]
async fn capacity_holds_under_parallel_creation_and_freed_capacity_drains_the_queue() {
    let ts = common::demo_server().await;
    let ca = ts.token_client(CA_ACME);
    let (project, agents) = project_with_agents(&ts, "CAP", 10).await;
    set_mode(&ca, project, "email", "round-robin").await;
    for a in &agents {
        set_state(&a.api, "available").await;
    }
    // 200 cases by 8 parallel tasks.
    let mut tasks = Vec::new();
    for t in 0..8 {
        let api = ts.token_client(CA_ACME);
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let (status, case) = api
                    .post(
                        "/api/v1/cases",
                        json!({"project_id": project, "subject": format!("Parallel {t}/{i}"),
                               "channel": "email"}),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{case}");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let rows = assignments(&ts, project);
    assert_eq!(rows.len(), 200);
    let mut per_agent: HashMap<i64, usize> = HashMap::new();
    for (_, a) in &rows {
        if let Some(a) = a {
            *per_agent.entry(*a).or_default() += 1;
        }
    }
    assert_eq!(per_agent.len(), 10, "{per_agent:?}");
    assert!(per_agent.values().all(|&n| n == 5), "{per_agent:?}");
    assert_eq!(routed_twice(&ts, project), 0);
    let waiting = queue(&ca, project).await;
    assert_eq!(waiting.len(), 150);
    assert!(waiting.iter().all(|w| w["reason"] == "at-capacity"));
    // Agent 0 solves two of theirs: the two oldest waiting cases go to them.
    let oldest: Vec<Value> = waiting[..2].iter().map(|w| w["case_id"].clone()).collect();
    let mine: Vec<i64> = rows
        .iter()
        .filter(|r| r.1 == Some(agents[0].id))
        .map(|r| r.0)
        .take(2)
        .collect();
    for id in mine {
        let (status, body) = agents[0]
            .api
            .patch(&format!("/api/v1/cases/{id}"), json!({"status": "solved"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for id in &oldest {
        let (_, detail) = ca.get(&format!("/api/v1/cases/{id}")).await;
        assert_eq!(detail["case"]["assignee_id"], agents[0].id, "{detail}");
    }
    assert_eq!(queue(&ca, project).await.len(), 148);
    // Agent 1 hands a case back (unassigns it): capacity frees for them,
    // the oldest waiting case is theirs, and the handed-back case is routed
    // again (the queue holds it now: everybody is full).
    let theirs = rows
        .iter()
        .find(|r| r.1 == Some(agents[1].id))
        .expect("a case of agent 1")
        .0;
    let next_oldest = queue(&ca, project).await[0]["case_id"].clone();
    let (status, body) = agents[1]
        .api
        .patch(
            &format!("/api/v1/cases/{theirs}"),
            json!({"assignee_id": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, detail) = ca.get(&format!("/api/v1/cases/{next_oldest}")).await;
    assert_eq!(detail["case"]["assignee_id"], agents[1].id);
    let waiting = queue(&ca, project).await;
    assert_eq!(waiting.len(), 148);
    assert!(waiting.iter().any(|w| w["case_id"] == theirs));
    // A raised capacity takes more at once.
    let (status, body) = ca
        .put(
            &format!("/api/v1/routing/agents/{}", agents[3].id),
            json!({"skills": [], "capacity": [{"channel": "email", "max_open": 9}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(queue(&ca, project).await.len(), 144);
    let per_agent_after = assignments(&ts, project)
        .into_iter()
        .filter(|r| r.1 == Some(agents[3].id))
        .count();
    assert_eq!(per_agent_after, 9);
    assert_eq!(routed_twice(&ts, project), 0);
    // Switching to pull empties the queue.
    set_mode(&ca, project, "email", "pull").await;
    assert!(queue(&ca, project).await.is_empty());
}

#[actix_web::test]
async fn isolation_no_other_team_or_client_gets_a_case() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let ca = ts.token_client(CA_ACME);
    let basic = ts.token_client(BASIC);
    let pro = ts.token_client(PRO);
    let anna = ts.token_client(ANNA);
    let basic_id = ts.id_of("/api/v1/users", "email", BASIC).await;
    let pro_id = ts.id_of("/api/v1/users", "email", PRO).await;
    let anna_id = ts.id_of("/api/v1/users", "email", ANNA).await;
    let (project, _) = project_with_agents(&ts, "ISO", 0).await;
    for id in [basic_id, pro_id, anna_id] {
        member(&admin, project, id).await;
    }
    // Team Pro takes every e-mail of this project.
    let (status, body) = ca
        .put(
            &format!("/api/v1/projects/{project}/distribution"),
            json!({"entries": [{"topic_id": null, "channel": "email", "team": "provider-pro",
                                "share_percent": 100}],
                   "overflow": [], "open_cases": "leave", "expected_version": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    set_mode(&ca, project, "email", "round-robin").await;
    set_mode(&ca, project, "call", "round-robin").await;
    set_state(&basic, "available").await;
    set_state(&anna, "available").await;
    // Room for exactly one more call for Anna (the demo gave her some).
    let (_, now) = ca.get(&format!("/api/v1/routing/agents/{anna_id}")).await;
    let open_calls = now["open"]
        .as_array()
        .expect("open")
        .iter()
        .find(|o| o["channel"] == "call")
        .expect("call")["count"]
        .as_i64()
        .expect("n");
    let (status, body) = ca
        .put(
            &format!("/api/v1/routing/agents/{anna_id}"),
            json!({"skills": [], "capacity": [{"channel": "call", "max_open": open_calls + 1}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The Pro agent is offline: a Pro case waits; Basic and Anna never get it.
    let case = new_case(&ca, project, "email", json!({})).await;
    assert_eq!(case["handling_tariff"], "pro");
    assert_eq!(assignee(&case), None);
    assert_eq!(queue(&ca, project).await[0]["reason"], "nobody-available");
    // A call is the own team's (no row for calls): Anna, not the provider.
    let call = new_case(&ca, project, "call", json!({})).await;
    assert_eq!(assignee(&call), Some(anna_id));
    // A second call: Anna is at her call capacity (1); Basic is available
    // but not on the own team.
    let call = new_case(&ca, project, "call", json!({})).await;
    assert_eq!(assignee(&call), None);
    // The Pro agent comes: the waiting Pro case is theirs.
    set_state(&pro, "available").await;
    let (_, detail) = ca.get(&format!("/api/v1/cases/{}", case["id"])).await;
    assert_eq!(detail["case"]["assignee_id"], pro_id);
    // Another client sees nothing of it: 404 on the project's routing, its
    // queue and its agents' settings; 403 for agents in their project.
    let nord = ts.token_client(CA_NORD);
    for path in [
        format!("/api/v1/projects/{project}/routing"),
        format!("/api/v1/projects/{project}/routing/queue"),
        format!("/api/v1/routing/agents/{anna_id}"),
    ] {
        assert_eq!(nord.get(&path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = nord
        .put(
            &format!("/api/v1/projects/{project}/routing/email"),
            json!({"mode": "pull"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = anna
        .put(
            &format!("/api/v1/projects/{project}/routing/email"),
            json!({"mode": "pull"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The client admin reads the provider agent's settings but cannot
    // change them; the agent reads their own.
    assert_eq!(
        ca.get(&format!("/api/v1/routing/agents/{pro_id}")).await.0,
        StatusCode::OK
    );
    let (status, _) = ca
        .put(
            &format!("/api/v1/routing/agents/{pro_id}"),
            json!({"skills": [], "capacity": []}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        anna.get(&format!("/api/v1/routing/agents/{anna_id}"))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        anna.get(&format!("/api/v1/routing/agents/{pro_id}"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Without a distribution plan the provider's agents work every case of
    // the project (as they see them): Basic takes the own team's case.
    let (plain, _) = project_with_agents(&ts, "ISP", 0).await;
    member(&admin, plain, basic_id).await;
    let (status, body) = admin
        .put(
            &format!("/api/v1/routing/agents/{basic_id}"),
            json!({"skills": [], "capacity": [{"channel": "email", "max_open": 100}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    set_mode(&ca, plain, "email", "round-robin").await;
    let case = new_case(&ca, plain, "email", json!({})).await;
    assert_eq!(case["handling_team"], "client");
    assert_eq!(assignee(&case), Some(basic_id));
}

#[actix_web::test]
async fn auto_away_after_idle_and_activity_brings_one_back() {
    let ts = common::demo_server().await;
    let admin = ts.token_client(ADMIN);
    let anna = ts.token_client(ANNA);
    let anna_id = ts.id_of("/api/v1/users", "email", ANNA).await;
    let (status, body) = admin
        .put("/api/v1/routing/settings", json!({"away_after_minutes": 5}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        anna.put("/api/v1/routing/settings", json!({"away_after_minutes": 5}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, me) = anna.get("/api/v1/routing/me").await;
    assert_eq!(me["state"], "offline");
    set_state(&anna, "available").await;
    let db = ts.server.state.db.clone();
    let now = chrono::Utc::now();
    // Active 3 minutes ago: stays.
    let marked = db
        .write_blocking(move |tx| {
            tx.execute(
                "UPDATE agent_availability SET last_activity_at = ?2 WHERE user_id = ?1",
                rusqlite::params![
                    anna_id,
                    (now - chrono::Duration::minutes(3))
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                ],
            )?;
            zezaro::routing::job::mark_away(tx, now)
        })
        .expect("job");
    assert_eq!(marked, 0);
    // Idle 6 minutes: away, marked as automatic.
    let marked = db
        .write_blocking(move |tx| {
            tx.execute(
                "UPDATE agent_availability SET last_activity_at = ?2 WHERE user_id = ?1",
                rusqlite::params![
                    anna_id,
                    (now - chrono::Duration::minutes(6))
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                ],
            )?;
            zezaro::routing::job::mark_away(tx, now)
        })
        .expect("job");
    assert_eq!(marked, 1);
    let (_, me) = anna.get("/api/v1/routing/me").await;
    assert_eq!(me["state"], "away");
    assert_eq!(me["auto_away"], true);
    assert_eq!(me["away_after_minutes"], 5);
    // Activity: available again.
    let (status, me) = anna.post("/api/v1/routing/me/activity", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["state"], "available");
    // A chosen away stays away on activity.
    set_state(&anna, "away").await;
    let (_, me) = anna.post("/api/v1/routing/me/activity", json!({})).await;
    assert_eq!(me["state"], "away");
    assert_eq!(me["auto_away"], false);
}

#[actix_web::test]
async fn bad_input_is_refused_with_the_field() {
    let ts = common::demo_server().await;
    let ca = ts.token_client(CA_ACME);
    let (project, agents) = project_with_agents(&ts, "BAD", 1).await;
    let agent = agents[0].id;
    let cases = [
        (
            json!({"skills": [{"kind": "language", "language": "e1", "level": 2}], "capacity": []}),
            "skills.language",
        ),
        (
            json!({"skills": [{"kind": "topic", "topic_id": 999999, "level": 2}], "capacity": []}),
            "skills.topic_id",
        ),
        (
            json!({"skills": [{"kind": "language", "language": "de", "level": 1},
                              {"kind": "language", "language": "DE", "level": 2}], "capacity": []}),
            "skills",
        ),
        (
            json!({"skills": [], "capacity": [{"channel": "email", "max_open": 3},
                                             {"channel": "email", "max_open": 4}]}),
            "capacity.channel",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = ca
            .put(&format!("/api/v1/routing/agents/{agent}"), body)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["field"], field, "{problem}");
    }
    // Out of range by the schema.
    let (status, _) = ca
        .put(
            &format!("/api/v1/routing/agents/{agent}"),
            json!({"skills": [{"kind": "language", "language": "de", "level": 4}], "capacity": []}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = ca
        .put(
            &format!("/api/v1/projects/{project}/routing/email"),
            json!({"mode": "fastest"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an unknown mode");
    // A client admin is no agent: no skills.
    let me = ts.id_of("/api/v1/users", "email", CA_ACME).await;
    let (status, problem) = ca
        .put(
            &format!("/api/v1/routing/agents/{me}"),
            json!({"skills": [], "capacity": []}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "not-an-agent");
    // The mode change is audited.
    set_mode(&ca, project, "call", "least-loaded").await;
    let (_, audit) = ca
        .get(&format!(
            "/api/v1/audit?object_type=project&object_id={project}"
        ))
        .await;
    assert!(
        audit["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|e| e["action"] == "routing.mode")),
        "{audit}"
    );
}

/// The rules' `route` action: a rule that takes a case from its agent and
/// hands it to routing gives it to the next agent in turn; on a case that
/// has an assignee the action is skipped with its reason.
#[actix_web::test]
async fn a_rules_route_action_hands_the_case_to_the_next_agent() {
    let ts = common::demo_server().await;
    let ca = ts.token_client(CA_ACME);
    let (project, agents) = project_with_agents(&ts, "RRX", 2).await;
    set_mode(&ca, project, "email", "round-robin").await;
    for a in &agents {
        set_state(&a.api, "available").await;
    }
    let (status, rule) = ca
        .post(
            "/api/v1/rules",
            json!({"name": "Neu verteilen", "event": "case-updated", "project_ids": [project],
                   "conditions": {"field": "tags", "op": "contains", "value": "neu-verteilen"},
                   "actions": [{"type": "set-assignee", "user_id": null}, {"type": "route"},
                               {"type": "remove-tags", "tags": ["neu-verteilen"]}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rule}");
    let rule_id = rule["id"].as_i64().expect("rule id");
    let (status, body) = ca
        .post(&format!("/api/v1/rules/{rule_id}/activate"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let case = new_case(&ca, project, "email", json!({})).await;
    assert_eq!(assignee(&case), Some(agents[0].id));
    let id = case["id"].as_i64().expect("case id");
    let (status, body) = ca
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"tags": ["neu-verteilen"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, detail) = ca.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(
        assignee(&detail["case"]),
        Some(agents[1].id),
        "routed to the next in turn: {detail}"
    );
    let (_, runs) = ca.get(&format!("/api/v1/cases/{id}/rule-runs")).await;
    let changes = runs["items"][0]["changes"].as_array().expect("changes");
    assert!(
        changes
            .iter()
            .any(|c| c["action"] == "route" && c["skipped"].is_null()),
        "{runs}"
    );
}
