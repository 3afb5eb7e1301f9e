//! `serve --demo`: a realistic demo, seeded once into an empty store.
//! Everything goes through the domain services, as an operator would.

mod forecast;
pub mod generate;
mod knowledge;
mod training;

use crate::ids::{ClientId, ContactId, OrganizationId, ProjectId, TeamId, UserId};
use rusqlite::OptionalExtension;

use crate::auth::{MemberRole, Principal, Role};
use crate::clients::{self, ClientInput};
use crate::db::{Db, StoreError};
use crate::projects::{self, MemberInput, NewProject};
use crate::teams::{self, NewTeam, TeamKind};
use crate::users::{self, NewUser, Tariff};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Hafenkran-Sonnenblume-7";

#[derive(Debug, thiserror::Error)]
#[error("demo data: {0}")]
pub struct DemoError(String);

impl From<StoreError> for DemoError {
    fn from(err: StoreError) -> Self {
        DemoError(err.to_string())
    }
}

fn err(e: impl std::fmt::Display) -> DemoError {
    DemoError(e.to_string())
}

/// One demo login, as printed at start.
pub struct DemoLogin {
    pub email: &'static str,
    pub what: &'static str,
}

pub const LOGINS: &[DemoLogin] = &[
    DemoLogin {
        email: "admin@zezaro.example",
        what: "platform admin",
    },
    DemoLogin {
        email: "kadmin@acme-energie.example",
        what: "client admin, Acme Energie GmbH",
    },
    DemoLogin {
        email: "kadmin@nordlicht.example",
        what: "client admin, Nordlicht Versand AG",
    },
    DemoLogin {
        email: "lead@zezaro.example",
        what: "project lead (provider)",
    },
    DemoLogin {
        email: "anna.schmidt@acme-energie.example",
        what: "agent, Acme's own team",
    },
    DemoLogin {
        email: "basic.agent@zezaro.example",
        what: "provider agent, Team Basic",
    },
    DemoLogin {
        email: "pro.agent@zezaro.example",
        what: "provider agent, Team Pro (Acme only)",
    },
];

/// Seeds the demo unless it is there already or the store holds real data.
/// Returns whether the demo is (now) present.
pub fn seed(db: &Db) -> Result<bool, DemoError> {
    let (seeded, clients): (bool, i64) = db.read_blocking(|conn| {
        let seeded = conn
            .query_row(
                "SELECT 1 FROM settings WHERE key = 'demo_seeded'",
                [],
                |_| Ok(()),
            )
            .optional()
            .map_err(StoreError::from)?
            .is_some();
        let clients = conn
            .query_row("SELECT COUNT(*) FROM clients", [], |row| row.get(0))
            .map_err(StoreError::from)?;
        Ok::<_, DemoError>((seeded, clients))
    })?;
    if seeded {
        return Ok(true);
    }
    if clients > 0 {
        return Ok(false);
    }
    // Hash once per account up front, in parallel: PBKDF2 is slow on purpose.
    let people = people();
    let prepared: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = people
            .iter()
            .map(|p| {
                scope.spawn(move || users::service::prepare(&Principal::operator(), p.new_user()))
            })
            .collect();
        handles.into_iter().map(|h| h.join().ok()).collect()
    });
    db.write_blocking(|tx| {
        let op = Principal::operator();
        let acme = clients::service::create(
            tx,
            &op,
            ClientInput {
                name: "Acme Energie GmbH".into(),
            },
        )
        .map_err(err)?;
        let nord = clients::service::create(
            tx,
            &op,
            ClientInput {
                name: "Nordlicht Versand AG".into(),
            },
        )
        .map_err(err)?;
        let berg = clients::service::create(
            tx,
            &op,
            ClientInput {
                name: "Bergblick Telekom".into(),
            },
        )
        .map_err(err)?;
        let project = |client_id: ClientId, name: &str, key: &str, description: &str| {
            projects::service::create(
                tx,
                &op,
                NewProject {
                    client_id,
                    name: name.into(),
                    key: key.into(),
                    description: Some(description.into()),
                },
            )
            .map_err(err)
        };
        let strom = project(
            acme.id,
            "Kundenservice Strom",
            "ACME",
            "Inbound e-mail and calls for electricity customers",
        )?;
        let gas = project(
            acme.id,
            "Gasvertrieb",
            "ACMEGAS",
            "Sales hotline for gas contracts",
        )?;
        let orders = project(
            nord.id,
            "Bestellservice",
            "NORD",
            "Orders, returns and delivery questions",
        )?;
        let support = project(
            berg.id,
            "Technischer Support",
            "BERG",
            "Technical advice for routers and lines",
        )?;
        let team = |name: &str, tariff: Tariff| {
            teams::service::create(
                tx,
                &op,
                NewTeam {
                    name: name.into(),
                    kind: TeamKind::Provider,
                    client_id: None,
                    tariff: Some(tariff),
                },
            )
            .map_err(err)
        };
        let basic = team("zezaro Services – Team Basic", Tariff::Basic)?;
        let pro = team("zezaro Services – Team Pro", Tariff::Pro)?;
        let client_team = |client_id: ClientId| -> Result<TeamId, DemoError> {
            teams::store::list(
                tx,
                &crate::auth::policy::Visibility::Clients(vec![client_id]),
                false,
            )?
            .first()
            .map(|t| t.id)
            .ok_or_else(|| err("client team missing"))
        };
        let mut ids = Vec::new();
        for (person, hashed) in people.iter().zip(prepared) {
            let mut user = hashed.ok_or_else(|| err("hashing failed"))?.map_err(err)?;
            user.client_id = match person.client {
                "acme" => Some(acme.id),
                "nord" => Some(nord.id),
                _ => None,
            };
            user.team_id = match (person.role, person.tariff, user.client_id) {
                (Role::Agent, Some(Tariff::Basic), _) => Some(basic.id),
                (Role::Agent, Some(Tariff::Pro), _) => Some(pro.id),
                (Role::Agent | Role::ClientAdmin, None, Some(client)) => Some(client_team(client)?),
                _ => None,
            };
            ids.push(users::service::create(tx, &op, user).map_err(err)?.id);
        }
        let member = |project_id: ProjectId, who: usize, role: MemberRole| {
            projects::service::put_member(tx, &op, project_id, ids[who], MemberInput { role })
                .map_err(err)
        };
        // Indexes into people().
        for project_id in [strom.id, gas.id, orders.id] {
            member(project_id, 3, MemberRole::Lead)?;
        }
        member(strom.id, 4, MemberRole::Agent)?;
        member(gas.id, 4, MemberRole::Agent)?;
        member(orders.id, 5, MemberRole::Agent)?;
        member(strom.id, 6, MemberRole::Agent)?;
        member(orders.id, 6, MemberRole::Agent)?;
        member(strom.id, 7, MemberRole::Agent)?;
        member(gas.id, 7, MemberRole::Agent)?;
        member(support.id, 8, MemberRole::Agent)?;
        seed_customers(tx, &op, acme.id, nord.id, berg.id)?;
        // Before the cases, so that their SLA clocks start with them.
        seed_sla(tx, &op, acme.id, strom.id)?;
        seed_rules(tx, &op, acme.id, strom.id)?;
        seed_cases(tx, &op, &[strom.id, gas.id, orders.id, support.id], &ids)?;
        // After the cases (a plan applies to new cases; the demo's stay).
        seed_distribution(tx, &op, acme.id, gas.id)?;
        seed_routing(tx, strom.id, &ids)?;
        {
            use crate::cases::Channel::{Call, Chat, Email, Webform};
            forecast::seed(
                tx,
                &[
                    (strom.id, &[(Call, 9000), (Email, 6000), (Webform, 1500)]),
                    (gas.id, &[(Call, 3000), (Email, 1200)]),
                    (orders.id, &[(Email, 8000), (Chat, 2500), (Call, 4000)]),
                ],
            )?;
        }
        seed_workforce(tx, &op, [acme.id, nord.id], strom.id, &ids)?;
        // Anna (an agent of Acme) suggests a change to an article.
        let anna = Principal {
            user_id: Some(ids[4]),
            email: people[4].email.into(),
            name: people[4].name.into(),
            role: people[4].role,
            client_id: Some(acme.id),
            memberships: crate::auth::store::memberships(tx, ids[4]).map_err(err)?,
            session: None,
            ip: None,
        };
        knowledge::seed(tx, &op, &anna, acme.id, gas.id)?;
        training::seed(tx, &op, acme.id, &[client_team(acme.id)?, basic.id, pro.id])?;
        seed_text_modules(tx, &op, acme.id, strom.id, gas.id, nord.id)?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('demo_seeded', ?1)",
            [crate::db::now()],
        )
        .map_err(StoreError::from)?;
        Ok::<_, DemoError>(())
    })?;
    Ok(true)
}

struct Person {
    email: &'static str,
    name: &'static str,
    role: Role,
    client: &'static str,
    tariff: Option<Tariff>,
    locale: users::Locale,
}

impl Person {
    fn new_user(&self) -> NewUser {
        NewUser {
            email: self.email.into(),
            name: self.name.into(),
            role: self.role,
            client_id: None,
            team_id: None,
            tariff: self.tariff,
            password: Some(DEMO_PASSWORD.into()),
            locale: Some(self.locale),
        }
    }
}

fn people() -> Vec<Person> {
    use users::Locale::{De, En};
    let p = |email, name, role, client, tariff, locale| Person {
        email,
        name,
        role,
        client,
        tariff,
        locale,
    };
    vec![
        p(
            "admin@zezaro.example",
            "Paula Admin",
            Role::Admin,
            "",
            None,
            En,
        ),
        p(
            "kadmin@acme-energie.example",
            "Katrin Adler",
            Role::ClientAdmin,
            "acme",
            None,
            De,
        ),
        p(
            "kadmin@nordlicht.example",
            "Nils Ohlsen",
            Role::ClientAdmin,
            "nord",
            None,
            De,
        ),
        p(
            "lead@zezaro.example",
            "Lena Petersen",
            Role::ProjectLead,
            "",
            None,
            De,
        ),
        p(
            "anna.schmidt@acme-energie.example",
            "Anna Schmidt",
            Role::Agent,
            "acme",
            None,
            De,
        ),
        p(
            "jonas.weber@nordlicht.example",
            "Jonas Weber",
            Role::Agent,
            "nord",
            None,
            De,
        ),
        p(
            "basic.agent@zezaro.example",
            "Mehmet Yilmaz",
            Role::Agent,
            "",
            Some(Tariff::Basic),
            De,
        ),
        p(
            "pro.agent@zezaro.example",
            "Sophie Wagner",
            Role::Agent,
            "",
            Some(Tariff::Pro),
            En,
        ),
        p(
            "tom.berger@zezaro.example",
            "Tom Berger",
            Role::Agent,
            "",
            Some(Tariff::Basic),
            De,
        ),
    ]
}

/// A small data mask for the ACME project: case fields and one contact
/// field.
fn seed_fields(
    tx: &rusqlite::Transaction,
    op: &Principal,
    project_id: ProjectId,
) -> Result<(), DemoError> {
    use crate::fields::{Entity, Kind, NewField, Width};
    let field = |entity, key: &str, label: &str, kind, options: &[&str], section: &str| NewField {
        entity,
        key: key.into(),
        label: label.into(),
        kind,
        options: options.iter().map(|o| o.to_string()).collect(),
        required: false,
        position: None,
        help: String::new(),
        width: Some(Width::Half),
        section: section.into(),
    };
    let meter = NewField {
        help: "Steht auf dem Zähler, z. B. 1EMH0012345678".into(),
        ..field(
            Entity::Case,
            "meter_number",
            "Zählernummer",
            Kind::Text,
            &[],
            "Zähler",
        )
    };
    let fields = [
        meter,
        field(
            Entity::Case,
            "reading_date",
            "Ablesedatum",
            Kind::Date,
            &[],
            "Zähler",
        ),
        field(
            Entity::Case,
            "tariff",
            "Tarif",
            Kind::Select,
            &["Basis", "Öko", "Fix24"],
            "Vertrag",
        ),
        field(
            Entity::Case,
            "callback",
            "Rückruf gewünscht",
            Kind::Checkbox,
            &[],
            "Vertrag",
        ),
        field(
            Entity::Contact,
            "customer_since",
            "Kunde seit",
            Kind::Date,
            &[],
            "",
        ),
    ];
    for input in fields {
        crate::fields::service::create(tx, op, project_id, input).map_err(err)?;
    }
    Ok(())
}

/// Topics for every project and a handful of cases in various states, so
/// that the workspace has something to show.
/// Acme's office in Nordrhein-Westfalen (public holidays of NW, company
/// holidays between the years) and the SLAs of "Kundenservice Strom":
/// urgent and high written cases faster, everything else standard.
/// A distribution plan on Acme's gas project (issue 15): the provider's
/// Team Pro takes new cases, except Verträge (the own team) and 40 % of the
/// e-mails on Rechnung; what the plan gives the own team goes to Team Pro
/// outside the service hours of "Kundenservice Köln".
fn seed_distribution(
    tx: &rusqlite::Transaction,
    op: &Principal,
    acme: ClientId,
    gas: ProjectId,
) -> Result<(), DemoError> {
    use crate::cases::Channel;
    use crate::distribution::model::{Entry, OpenCases, Overflow, OverflowKind, PlanInput, Team};
    let topic = |name: &str| -> Result<i64, DemoError> {
        tx.query_row(
            "SELECT id FROM topics WHERE project_id = ?1 AND name = ?2",
            rusqlite::params![gas, name],
            |r| r.get(0),
        )
        .map_err(err)
    };
    let calendar: i64 = tx
        .query_row(
            "SELECT id FROM business_calendars WHERE client_id = ?1 ORDER BY id LIMIT 1",
            [acme],
            |r| r.get(0),
        )
        .map_err(err)?;
    let entry = |topic_id, channel, team, share_percent| Entry {
        topic_id,
        channel,
        team,
        share_percent,
    };
    let rechnung = topic("Rechnung")?;
    let input = PlanInput {
        entries: vec![
            entry(Some(rechnung), Some(Channel::Email), Team::ProviderPro, 60),
            entry(Some(rechnung), Some(Channel::Email), Team::Client, 40),
            entry(Some(topic("Vertrag")?), None, Team::Client, 100),
            entry(None, None, Team::ProviderPro, 100),
        ],
        overflow: vec![Overflow {
            kind: OverflowKind::OutsideHours,
            threshold: None,
            calendar_id: Some(calendar),
            to_team: Team::ProviderPro,
        }],
        open_cases: OpenCases::Leave,
        expected_version: 0,
    };
    crate::distribution::service::save(tx, op, gas, input).map_err(err)?;
    Ok(())
}

/// Routing to agents (issue 15): round-robin for the e-mails of Acme's
/// power project (set in the store: the demo's open cases stay with the
/// views, only new ones are routed), skills and capacities of the agents,
/// Tom (Bergblick, no push mode there) available; nobody of Acme is, so the
/// demo's new Acme e-mails wait in the queue until an agent says so.
fn seed_routing(
    tx: &rusqlite::Transaction,
    strom: ProjectId,
    ids: &[UserId],
) -> Result<(), DemoError> {
    use crate::cases::Channel;
    use crate::routing::model::{Capacity, Mode, Skill};
    use crate::routing::store;
    store::set_mode(tx, strom, Channel::Email, Mode::RoundRobin, None).map_err(err)?;
    let rechnung: i64 = tx
        .query_row(
            "SELECT id FROM topics WHERE project_id = ?1 AND name = 'Rechnung'",
            [strom],
            |r| r.get(0),
        )
        .map_err(err)?;
    let language = |code: &str, level| Skill {
        kind: "language".into(),
        language: Some(code.into()),
        topic_id: None,
        topic_name: None,
        level,
    };
    let topic = |topic_id, level| Skill {
        kind: "topic".into(),
        language: None,
        topic_id: Some(topic_id),
        topic_name: None,
        level,
    };
    let capacity = |channel, max_open| Capacity { channel, max_open };
    // Indexes into people(): Anna (Acme), Team Basic, Team Pro, Tom.
    let agents = [
        (
            4,
            vec![language("de", 3), language("en", 2)],
            vec![capacity(Channel::Email, 8), capacity(Channel::Call, 1)],
        ),
        (
            6,
            vec![language("de", 2)],
            vec![capacity(Channel::Email, 5)],
        ),
        (
            7,
            vec![language("de", 3), topic(rechnung, 3)],
            vec![capacity(Channel::Email, 6), capacity(Channel::Chat, 2)],
        ),
        (8, vec![language("de", 2)], Vec::new()),
    ];
    for (who, skills, capacities) in agents {
        store::set_skills(tx, ids[who], &skills).map_err(err)?;
        store::set_capacities(tx, ids[who], &capacities).map_err(err)?;
    }
    let at = crate::db::now();
    crate::workforce::states::transition(
        tx,
        ids[8],
        crate::workforce::states::Change::to(crate::workforce::model::WorkState::Available),
        crate::workforce::model::StateSource::Agent,
        Some(ids[8]),
        &at,
    )
    .map_err(err)?;
    Ok(())
}

/// Workforce (issue 18): break reasons of Acme and Nordlicht, two seats of
/// Acme's electricity project (Team Basic with the basic agent, Team Pro
/// with the Pro agent) and yesterday's state log of both agents there.
fn seed_workforce(
    tx: &rusqlite::Transaction,
    op: &Principal,
    clients: [ClientId; 2],
    strom: ProjectId,
    ids: &[UserId],
) -> Result<(), DemoError> {
    use crate::workforce::model::{
        AfterWorkExpiry, AssignmentInput, BreakReason, SeatInput, SeatTariff, StateSettingsInput,
        WorkState,
    };
    let reason = |name: &str| BreakReason {
        id: None,
        name: name.into(),
        active: true,
    };
    for client in clients {
        crate::workforce::settings::set(
            tx,
            op,
            client,
            StateSettingsInput {
                after_work_max_seconds: 120,
                after_work_expiry: AfterWorkExpiry::Available,
                productive_states: crate::workforce::model::DEFAULT_PRODUCTIVE.to_vec(),
                time_zone: "Europe/Berlin".into(),
                sign_in_state: crate::workforce::model::DEFAULT_SIGN_IN_STATE,
                break_reasons: vec![
                    reason("Mittagspause"),
                    reason("Kurze Pause"),
                    reason("Bildschirmpause"),
                ],
            },
        )
        .map_err(err)?;
    }
    let calendar: i64 = tx
        .query_row(
            "SELECT id FROM business_calendars WHERE client_id = ?1 ORDER BY id LIMIT 1",
            [clients[0]],
            |r| r.get(0),
        )
        .map_err(err)?;
    let seats = [
        (
            SeatTariff::TeamBasic,
            "Team Basic 1",
            Some(calendar),
            Some(180),
            ids[6],
        ),
        (SeatTariff::TeamPro, "Team Pro 1", None, None, ids[7]),
    ];
    for (tariff, name, calendar_id, productive_minutes, agent) in seats {
        let seat = crate::workforce::seats::create(
            tx,
            op,
            strom,
            SeatInput {
                name: name.into(),
                tariff,
                channel: None,
                calendar_id,
                productive_minutes,
                valid_from: "2026-01-01".into(),
                valid_to: None,
                expected_version: None,
            },
        )
        .map_err(err)?;
        crate::workforce::seats::assign(
            tx,
            op,
            seat.id,
            AssignmentInput {
                user_id: agent,
                valid_from: "2026-01-01".into(),
                valid_to: None,
            },
        )
        .map_err(err)?;
    }
    let lunch: i64 = tx
        .query_row(
            "SELECT id FROM break_reasons WHERE client_id = ?1 AND name = 'Mittagspause'",
            [clients[0]],
            |r| r.get(0),
        )
        .map_err(err)?;
    let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let at = |h: u32, m: u32| {
        yesterday
            .and_hms_opt(h, m, 0)
            .unwrap_or_default()
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    for (offset, agent) in [(0, ids[6]), (15, ids[7])] {
        let day = [
            (7, offset, WorkState::Available, None),
            (9, offset, WorkState::BackOffice, None),
            (10, offset, WorkState::Available, None),
            (11, 30, WorkState::Break, Some(lunch)),
            (12, 0, WorkState::Training, None),
            (13, 0, WorkState::Available, None),
            (15, offset, WorkState::Offline, None),
        ];
        // Written to the log alone (the day ended offline, as the agents
        // are now): a transition would also route waiting cases to them.
        let mut from = WorkState::Offline;
        for (h, m, state, reason_id) in day {
            crate::workforce::store::append(
                tx,
                &crate::workforce::store::NewLogRow {
                    user_id: agent,
                    at: &at(h, m),
                    from,
                    to: state,
                    reason_id,
                    reason: reason_id.map(|_| "Mittagspause"),
                    project_id: Some(strom),
                    client_id: Some(clients[0]),
                    case_id: None,
                    source: crate::workforce::model::StateSource::Agent,
                    by: Some(agent),
                },
            )
            .map_err(err)?;
            from = state;
        }
    }
    Ok(())
}

fn seed_sla(
    tx: &rusqlite::Transaction,
    op: &Principal,
    acme: ClientId,
    strom: ProjectId,
) -> Result<(), DemoError> {
    use crate::cases::{Channel, Priority};
    use crate::sla::model::{CalendarClosure, CalendarInput, OpeningInterval, PolicyInput};
    let mut hours: Vec<OpeningInterval> = (0..5)
        .map(|weekday| OpeningInterval {
            weekday,
            start: "08:00".into(),
            end: "18:00".into(),
        })
        .collect();
    hours.push(OpeningInterval {
        weekday: 5,
        start: "09:00".into(),
        end: "13:00".into(),
    });
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let calendar = crate::sla::service::create_calendar(
        tx,
        op,
        CalendarInput {
            client_id: Some(acme),
            name: "Kundenservice Köln".into(),
            time_zone: "Europe/Berlin".into(),
            state: Some(crate::sla::holidays::State::NW),
            hours,
            closures: vec![CalendarClosure {
                name: "Betriebsferien zwischen den Jahren".into(),
                from: format!("{year}-12-28"),
                to: format!("{year}-12-30"),
            }],
        },
    )
    .map_err(err)?;
    let policy = |name: &str, priorities: Vec<Priority>, first: i64, next: i64, resolution: i64| {
        crate::sla::service::create_policy(
            tx,
            op,
            PolicyInput {
                project_id: strom,
                name: name.into(),
                position: None,
                active: true,
                calendar_id: calendar.id,
                priorities,
                channels: vec![
                    Channel::Email,
                    Channel::Webform,
                    Channel::Chat,
                    Channel::Letter,
                ],
                topic_ids: Vec::new(),
                organization_ids: Vec::new(),
                first_response_minutes: Some(first),
                next_response_minutes: Some(next),
                resolution_minutes: Some(resolution),
                warn_percent: 80,
            },
        )
        .map_err(err)
    };
    // Business minutes: 1 h / 2 h / 1 day (10 h); 4 h / 8 h / 5 days.
    policy(
        "Dringend schriftlich",
        vec![Priority::Urgent, Priority::High],
        60,
        120,
        600,
    )?;
    policy("Standard schriftlich", Vec::new(), 240, 480, 3000)?;
    Ok(())
}

/// Two rules of Acme's to look at and dry-run, inactive (active demo rules
/// would change every case the demo and the tests create).
fn seed_rules(
    tx: &rusqlite::Transaction,
    op: &Principal,
    acme: ClientId,
    strom: ProjectId,
) -> Result<(), DemoError> {
    use crate::rules::model::RuleInput;
    let rules = [
        serde_json::json!({
            "name": "Rechnungsfragen an den Dienstleister",
            "project_ids": [strom],
            "event": "case-created",
            "conditions": {"all": [
                {"field": "text", "op": "matches", "value": "rechnung|abschlag|gutschrift"},
                {"field": "channel", "op": "in", "value": ["email", "webform"]}]},
            "actions": [
                {"type": "set-handling-team", "team": "provider"},
                {"type": "add-tags", "tags": ["abrechnung"]},
                {"type": "add-note", "text": "Abrechnungsfrage: vom Dienstleister zu bearbeiten."}]
        }),
        serde_json::json!({
            "name": "Kündigungen dringend",
            "event": "message-received",
            "conditions": {"any": [
                {"field": "text", "op": "contains", "value": "kündigen"},
                {"field": "text", "op": "contains", "value": "kündigung"}]},
            "actions": [
                {"type": "set-priority", "priority": "urgent"},
                {"type": "add-tags", "tags": ["kündigung"]},
                {"type": "notify-team", "team": "leads",
                 "text": "Ein Kunde möchte kündigen: bitte heute noch zurückrufen.", "email": false}]
        }),
        serde_json::json!({
            "name": "Warten auf Kunden: nach 3 Werktagen erinnern",
            "project_ids": [strom],
            "event": "time-based",
            "schedule": {"since": "status-changed", "minutes": 3 * 8 * 60, "calendar_id": null},
            "conditions": {"field": "status", "op": "is", "value": "pending-customer"},
            "actions": [
                {"type": "add-note", "text": "Seit drei Werktagen keine Antwort des Kunden: bitte nachfassen oder schließen."},
                {"type": "notify-team", "team": "client", "text": "Kunde antwortet seit drei Werktagen nicht."}]
        }),
        serde_json::json!({
            "name": "Werbung als Spam schließen",
            "event": "case-created",
            "conditions": {"any": [
                {"field": "text", "op": "contains", "value": "casino"},
                {"field": "text", "op": "matches", "value": "gewinnspiel|krypto-bonus"}]},
            "actions": [{"type": "mark-spam"}]
        }),
    ];
    for rule in rules {
        let mut input: RuleInput = serde_json::from_value(rule).map_err(err)?;
        input.client_id = Some(acme);
        crate::rules::service::create(tx, op, input).map_err(err)?;
    }
    Ok(())
}

fn seed_cases(
    tx: &rusqlite::Transaction,
    op: &Principal,
    projects: &[ProjectId],
    users: &[UserId],
) -> Result<(), DemoError> {
    use crate::cases::{
        self, CasePatch, Channel, FirstMessage, MessageKind, NewCase, NewMessage, Priority, Status,
    };
    // Each client's own business: an electricity and gas supplier, a mail-
    // order house, a telecoms provider. Per project its topics and six
    // cases (topic, subject, first message); every third a call, the sixth
    // urgent.
    type Seed = (
        &'static [&'static str],
        [(&'static str, &'static str, &'static str); 6],
    );
    const STROM: Seed = (
        &[
            "Rechnung",
            "Vertrag",
            "Umzug",
            "Zählerstand",
            "Störung",
            "Sonstiges",
        ],
        [
            (
                "Rechnung",
                "Abschlagszahlung zu hoch?",
                "Guten Tag, mein Abschlag wurde auf 180 € erhöht. Das kann nicht stimmen, bitte prüfen Sie das.",
            ),
            (
                "Umzug",
                "Umzug zum 1. Januar",
                "Hallo, wir ziehen um und möchten den Vertrag mitnehmen. Was brauchen Sie von uns?",
            ),
            (
                "Rechnung",
                "Invoice in English please",
                "Hello, could you send my last invoice in English? Thanks, Mark",
            ),
            (
                "Zählerstand",
                "Zählerstand übermitteln",
                "Mein Zählerstand am 30.11. war 45 213 kWh.",
            ),
            (
                "Rechnung",
                "Jahresabrechnung: Verbrauch viel zu hoch",
                "Hallo, in meiner Jahresabrechnung stehen 5.800 kWh, sonst waren es immer rund 3.200 kWh. Bitte prüfen Sie den Zählerstand.",
            ),
            (
                "Störung",
                "Stromausfall in der Goethestraße",
                "Kundin ruft an: seit 7 Uhr kein Strom im ganzen Haus, die Nachbarn sind auch betroffen.",
            ),
        ],
    );
    const GAS: Seed = (
        &[
            "Angebot",
            "Tarifwechsel",
            "Vertrag",
            "Rechnung",
            "Umzug",
            "Sonstiges",
        ],
        [
            (
                "Angebot",
                "Angebot für Gastarif Fix 24",
                "Guten Tag, wir heizen ein Einfamilienhaus mit Gas, etwa 18.000 kWh im Jahr. Bitte schicken Sie uns ein Angebot für den Tarif Fix 24.",
            ),
            (
                "Tarifwechsel",
                "Wechsel von den Stadtwerken",
                "Hallo, ich möchte zu Ihnen wechseln. Kündigen Sie für mich bei meinem bisherigen Versorger?",
            ),
            (
                "Vertrag",
                "Preisgarantie bis wann?",
                "Anrufer fragt, bis wann die Preisgarantie seines Gasvertrags gilt.",
            ),
            (
                "Rechnung",
                "Gas bill in English",
                "Hello, I moved to Germany recently. Could you explain the items on my gas bill in English? Thanks, Sarah",
            ),
            (
                "Umzug",
                "Gasvertrag beim Umzug mitnehmen",
                "Wir ziehen im Februar nach Bonn. Kann der Gasvertrag mit, und was brauchen Sie dafür?",
            ),
            (
                "Vertrag",
                "Neubau: ab wann beliefern Sie uns?",
                "Bauherr ruft an: der Hausanschluss ist gelegt, die Heizung soll nächste Woche in Betrieb gehen. Ab wann kann die Lieferung beginnen?",
            ),
        ],
    );
    const VERSAND: Seed = (
        &[
            "Bestellung",
            "Lieferung",
            "Retoure",
            "Rechnung",
            "Reklamation",
            "Sonstiges",
        ],
        [
            (
                "Lieferung",
                "Lieferung nicht angekommen",
                "Meine Bestellung 4711 ist seit zwei Wochen unterwegs. Wo ist sie?",
            ),
            (
                "Retoure",
                "Retourenschein fehlt",
                "Hallo, im Paket lag kein Retourenschein. Wie schicke ich die Schuhe zurück?",
            ),
            (
                "Bestellung",
                "Größe in Bestellung 52814 ändern",
                "Kundin möchte bei Bestellung 52814 die Jacke in L statt M.",
            ),
            (
                "Rechnung",
                "Betrag doppelt abgebucht",
                "Guten Tag, 89,90 € wurden zweimal von meinem Konto abgebucht. Bitte erstatten Sie einen Betrag.",
            ),
            (
                "Reklamation",
                "Falscher Artikel geliefert",
                "Ich habe einen blauen Pullover bestellt, geliefert wurde ein grüner.",
            ),
            (
                "Reklamation",
                "Paket beschädigt angekommen",
                "Kunde ruft an: Karton aufgerissen, die Glasvase ist zerbrochen. Fotos schickt er per E-Mail.",
            ),
        ],
    );
    const TELEKOM: Seed = (
        &[
            "Störung",
            "Router & WLAN",
            "Anschluss",
            "Vertrag",
            "Rechnung",
            "Sonstiges",
        ],
        [
            (
                "Störung",
                "Kein Internet seit gestern",
                "Seit gestern Abend keine Verbindung, obwohl alle Lampen am Router grün leuchten.",
            ),
            (
                "Router & WLAN",
                "WLAN bricht ständig ab",
                "Im Obergeschoss bricht das WLAN alle paar Minuten ab. Hilft ein Repeater?",
            ),
            (
                "Anschluss",
                "Termin für den Glasfaseranschluss",
                "Anrufer fragt nach einem neuen Termin: der Techniker ist heute nicht gekommen.",
            ),
            (
                "Vertrag",
                "Keep my phone number",
                "Hello, I am switching to you from another provider. Can I keep my landline number?",
            ),
            (
                "Rechnung",
                "Rechnung höher als vereinbart",
                "Im Vertrag stehen 39,99 € im Monat, abgebucht wurden 49,99 €. Bitte korrigieren Sie das.",
            ),
            (
                "Störung",
                "Router blinkt rot",
                "Seit heute Morgen kein Internet, die DSL-Lampe blinkt rot.",
            ),
        ],
    );
    for &project_id in projects {
        let key = crate::projects::store::get(tx, project_id)?.map(|p| p.key);
        let (topics, seeds) = match key.as_deref() {
            Some("ACME") => STROM,
            Some("ACMEGAS") => GAS,
            Some("NORD") => VERSAND,
            _ => TELEKOM,
        };
        if key.as_deref() == Some("ACME") {
            seed_fields(tx, op, project_id)?;
        }
        let mut topic_ids = std::collections::HashMap::new();
        for (position, name) in topics.iter().enumerate() {
            let id = crate::topics::store::insert(tx, project_id, name, position as i64)?;
            topic_ids.insert(*name, id);
        }
        // The client's customers write in, round-robin.
        let contacts: Vec<ContactId> = tx
            .prepare(
                "SELECT id FROM contacts WHERE merged_into_id IS NULL
                   AND client_id = (SELECT client_id FROM projects WHERE id = ?1) ORDER BY id",
            )
            .and_then(|mut stmt| stmt.query_map([project_id], |row| row.get(0))?.collect())
            .map_err(crate::db::StoreError::from)?;
        for (i, (topic, subject, body)) in seeds.iter().enumerate() {
            let case = cases::service::create(
                tx,
                op,
                NewCase {
                    project_id,
                    subject: (*subject).into(),
                    channel: if i % 3 == 2 {
                        Channel::Call
                    } else {
                        Channel::Email
                    },
                    topic_id: topic_ids.get(topic).copied(),
                    priority: Some(if i == 5 {
                        Priority::High
                    } else {
                        Priority::Normal
                    }),
                    handling_team: None,
                    assignee_id: None,
                    contact_id: (!contacts.is_empty()).then(|| contacts[i % contacts.len()]),
                    contact: None,
                    tags: vec![],
                    due_at: None,
                    custom: None,
                    message: Some(FirstMessage {
                        kind: MessageKind::Inbound,
                        body_text: (*body).into(),
                        mail: None,
                    }),
                },
            )
            .map_err(err)?;
            // Some are being worked on: assigned and answered.
            if i % 2 == 1 {
                let member = crate::projects::store::members(tx, project_id)?
                    .into_iter()
                    .find(|m| users.contains(&m.user_id) && m.member_role == MemberRole::Agent);
                if let Some(member) = member {
                    // The reply is the assigned agent's own.
                    let agent = Principal {
                        user_id: Some(member.user_id),
                        email: member.user_email.clone(),
                        name: member.user_name.clone(),
                        ..op.clone()
                    };
                    cases::service::update(
                        tx,
                        op,
                        case.id,
                        CasePatch {
                            assignee_id: Some(Some(member.user_id)),
                            ..CasePatch::default()
                        },
                    )
                    .map_err(err)?;
                    cases::service::add_message(
                        tx,
                        &agent,
                        case.id,
                        NewMessage {
                            kind: MessageKind::Outbound,
                            body_text: "Vielen Dank für Ihre Nachricht, wir kümmern uns darum."
                                .into(),
                            expected_version: None,
                            force: false,
                            set_status: Some(Status::PendingCustomer),
                            attachment_ids: vec![],
                            mail: None,
                            call: None,
                        },
                    )
                    .map_err(err)?;
                    crate::channels::dispatch(tx).map_err(err)?;
                }
            }
        }
    }
    Ok(())
}

/// A few organizations and contacts per client (customer database), with
/// one likely duplicate at Acme to show the duplicate check.
fn seed_customers(
    tx: &rusqlite::Transaction,
    op: &Principal,
    acme: ClientId,
    nord: ClientId,
    berg: ClientId,
) -> Result<(), DemoError> {
    use crate::contacts::{self, NewContact};
    use crate::organizations::{self, NewOrganization};
    let org = |client_id: ClientId, name: &str, number: &str, city: &str, phone: &str| {
        organizations::service::create(
            tx,
            op,
            NewOrganization {
                client_id,
                name: name.into(),
                customer_number: Some(number.into()),
                domain: None,
                phone: Some(phone.into()),
                street: None,
                postal_code: None,
                city: Some(city.into()),
                country: Some("Deutschland".into()),
                notes: None,
                custom: None,
            },
        )
        .map(|o| o.id)
        .map_err(err)
    };
    #[allow(clippy::too_many_arguments)]
    let contact = |client_id: ClientId,
                   name: &str,
                   email: &str,
                   phone: &str,
                   organization_id: Option<OrganizationId>,
                   language: &str,
                   (street, postal_code, city, country): (&str, &str, &str, &str),
                   number: Option<&str>| {
        contacts::service::create(
            tx,
            op,
            NewContact {
                client_id,
                name: name.into(),
                emails: vec![email.into()],
                phones: vec![phone.into()],
                organization_id,
                customer_number: number.map(str::to_string),
                language: Some(language.into()),
                street: Some(street.into()),
                postal_code: Some(postal_code.into()),
                city: Some(city.into()),
                country: Some(country.into()),
                notes: None,
                custom: None,
            },
        )
        .map_err(err)
    };
    let de = "Deutschland";
    let baeckerei = org(
        acme,
        "Bäckerei Schulze OHG",
        "G-20017",
        "München",
        "+49 89 4411 230",
    )?;
    contact(
        acme,
        "Hans Müller",
        "hans.mueller@example.de",
        "+49 30 12345678",
        None,
        "de",
        ("Hauptstraße 5", "10115", "Berlin", de),
        Some("ST-100234"),
    )?;
    contact(
        acme,
        "Hans Mueller",
        "h.mueller@example.de",
        "030 98765432",
        None,
        "de",
        ("Hauptstr. 5", "10115", "Berlin", de),
        None,
    )?;
    contact(
        acme,
        "Maria Schneider",
        "maria.schneider@example.de",
        "+49 89 7654321",
        Some(baeckerei),
        "de",
        ("Leopoldstraße 12", "80802", "München", de),
        Some("ST-100871"),
    )?;
    contact(
        acme,
        "Petra Wagner",
        "petra.wagner@example.de",
        "0171 2345678",
        Some(baeckerei),
        "de",
        ("Leopoldstraße 12", "80802", "München", de),
        None,
    )?;
    contact(
        acme,
        "Mark Thompson",
        "mark.thompson@example.com",
        "+44 20 7946 0958",
        None,
        "en",
        ("221 Baker Street", "NW1 6XE", "London", "United Kingdom"),
        Some("ST-101502"),
    )?;
    let kontor = org(
        nord,
        "Hansekontor Logistik GmbH",
        "N-5001",
        "Hamburg",
        "+49 40 3344 550",
    )?;
    contact(
        nord,
        "Jens Hansen",
        "jens.hansen@example.de",
        "+49 40 5566778",
        None,
        "de",
        ("Elbchaussee 101", "22763", "Hamburg", de),
        Some("K-770012"),
    )?;
    contact(
        nord,
        "Frauke Petersen",
        "f.petersen@example.de",
        "0431 998877",
        Some(kontor),
        "de",
        ("Holstenstraße 3", "24103", "Kiel", de),
        None,
    )?;
    contact(
        nord,
        "Emily Clarke",
        "emily.clarke@example.com",
        "+44 161 496 0000",
        None,
        "en",
        ("12 Oxford Road", "M1 5QA", "Manchester", "United Kingdom"),
        Some("K-770388"),
    )?;
    let hotel = org(
        berg,
        "Alpenhof Hotel KG",
        "B-0815",
        "Garmisch-Partenkirchen",
        "+49 8821 7070",
    )?;
    contact(
        berg,
        "Sebastian Huber",
        "sebastian.huber@example.de",
        "+49 8821 123456",
        None,
        "de",
        ("Zugspitzstraße 8", "82467", "Garmisch-Partenkirchen", de),
        Some("BB-31337"),
    )?;
    contact(
        berg,
        "Laura Gruber",
        "rezeption@example.de",
        "08821 7070",
        Some(hotel),
        "de",
        ("Partnachweg 2", "82467", "Garmisch-Partenkirchen", de),
        None,
    )?;
    contact(
        berg,
        "David Miller",
        "david.miller@example.com",
        "+1 212 555 0147",
        None,
        "en",
        ("350 Fifth Avenue", "10118", "New York", "USA"),
        None,
    )?;
    Ok(())
}

/// Text modules (Textbausteine) for Acme, mostly German, with placeholders,
/// published; one draft; one limited to the gas project; a couple for
/// Nordlicht so that isolation is visible.
fn seed_text_modules(
    tx: &rusqlite::Transaction,
    op: &Principal,
    acme: ClientId,
    strom: ProjectId,
    gas: ProjectId,
    nord: ClientId,
) -> Result<(), DemoError> {
    use crate::text_modules::model::{Language, NewTextModule};
    use crate::text_modules::service;
    /// Client, shortcut, language, title, body, projects (none: all), published.
    type Seed<'a> = (
        ClientId,
        &'a str,
        Language,
        &'a str,
        &'a str,
        &'a [ProjectId],
        bool,
    );
    let modules: &[Seed] = &[
        (
            acme,
            "danke",
            Language::De,
            "Dank für die Nachricht",
            "Hallo {{contact.first_name}},\n\nvielen Dank für Ihre Nachricht zu Ihrem Anliegen „{{case.subject}}“. Wir kümmern uns darum und melden uns spätestens in zwei Werktagen bei Ihnen.\n\nViele Grüße\n{{agent.name}}\n{{project.name}} – Acme Energie GmbH",
            &[],
            true,
        ),
        (
            acme,
            "zaehlerstand",
            Language::De,
            "Zählerstand erhalten",
            "Hallo {{contact.first_name}},\n\nvielen Dank, wir haben Ihren Zählerstand für den Zähler {{case.custom.meter_number}} zum {{case.custom.reading_date}} erfasst. Ihre nächste Abrechnung berücksichtigt ihn automatisch.\n\nMit freundlichen Grüßen\n{{agent.name}}",
            &[],
            true,
        ),
        (
            acme,
            "abschlag",
            Language::De,
            "Abschlag anpassen",
            "Guten Tag {{contact.name}},\n\nIhren monatlichen Abschlag passen wir gern an. Bitte nennen Sie uns den gewünschten Betrag; er gilt ab der nächsten Fälligkeit. Ihr aktueller Tarif: {{case.custom.tariff}}.\n\nFreundliche Grüße\n{{agent.name}}",
            &[],
            true,
        ),
        (
            acme,
            "umzug",
            Language::De,
            "Umzug melden",
            "Hallo {{contact.first_name}},\n\nschön, dass Sie Ihren Strom auch in der neuen Wohnung von uns beziehen möchten. Bitte senden Sie uns Ihre neue Anschrift, das Einzugsdatum und den Zählerstand am Auszugstag. Ihre Vorgangsnummer lautet {{case.ref}}.\n\nViele Grüße\n{{agent.name}}",
            &[],
            true,
        ),
        (
            acme,
            "rueckruf",
            Language::De,
            "Rückruf vereinbart",
            "Hallo {{contact.first_name}},\n\nwie besprochen rufen wir Sie zurück. Falls sich Ihre Erreichbarkeit ändert, antworten Sie einfach auf diese E-Mail und nennen Sie die Vorgangsnummer {{case.ref}}.\n\nBis bald\n{{agent.name}}",
            &[],
            true,
        ),
        (
            acme,
            "kuendigung",
            Language::De,
            "Kündigung bestätigen",
            "Guten Tag {{contact.name}},\n\nhiermit bestätigen wir den Eingang Ihrer Kündigung. Sie erhalten Ihre Schlussrechnung innerhalb von sechs Wochen nach dem Lieferende. Wir bedauern, Sie als Kundin bzw. Kunden zu verlieren, und freuen uns, wenn Sie wiederkommen.\n\nMit freundlichen Grüßen\n{{agent.name}}\nAcme Energie GmbH",
            &[],
            true,
        ),
        (
            acme,
            "bankdaten",
            Language::De,
            "Bankverbindung ändern",
            "Hallo {{contact.first_name}},\n\naus Sicherheitsgründen ändern wir Bankverbindungen nur mit einem unterschriebenen SEPA-Lastschriftmandat. Das Formular finden Sie im Kundenportal unter „Meine Daten“. Schicken Sie es uns bitte unterschrieben zurück.\n\nViele Grüße\n{{agent.name}}",
            &[],
            true,
        ),
        (
            acme,
            "abrechnung",
            Language::De,
            "Abrechnung erklären",
            "Hallo {{contact.first_name}},\n\nIhre Jahresabrechnung setzt sich aus dem Grundpreis, dem Arbeitspreis je Kilowattstunde und den bereits gezahlten Abschlägen zusammen. Eine Erklärung Punkt für Punkt finden Sie im Kundenportal. Bei Fragen zu einzelnen Posten antworten Sie gern auf diese Nachricht ({{case.ref}}).\n\nFreundliche Grüße\n{{agent.name}}",
            &[],
            true,
        ),
        (
            acme,
            "stoerung",
            Language::De,
            "Stromausfall – Netzbetreiber",
            "Hallo {{contact.first_name}},\n\nbei einem Stromausfall ist Ihr örtlicher Netzbetreiber der richtige Ansprechpartner; seine Störungsnummer steht auf Ihrer Rechnung. Wir als Lieferant können die Störung leider nicht selbst beheben.\n\nViele Grüße\n{{agent.name}}",
            &[],
            true,
        ),
        (
            acme,
            "gas-tarif",
            Language::De,
            "Gastarif-Angebot",
            "Guten Tag {{contact.name}},\n\nvielen Dank für Ihr Interesse an unseren Gastarifen. Gern senden wir Ihnen ein persönliches Angebot zu; dafür benötigen wir Ihre Postleitzahl und Ihren Jahresverbrauch in Kilowattstunden.\n\nMit freundlichen Grüßen\n{{agent.name}}\n{{project.name}}",
            &[gas],
            true,
        ),
        (
            acme,
            "kunde-seit",
            Language::De,
            "Treue-Dank",
            "Hallo {{contact.first_name}},\n\nSie sind seit {{contact.custom.customer_since}} Kundin bzw. Kunde bei uns – danke für Ihre Treue! Als kleines Dankeschön schreiben wir Ihnen 20 € auf der nächsten Rechnung gut.\n\nHerzliche Grüße\n{{agent.name}}",
            &[strom],
            false,
        ),
        (
            acme,
            "thanks",
            Language::En,
            "Thank you for your message",
            "Hello {{contact.first_name}},\n\nthank you for your message about \"{{case.subject}}\". We are looking into it and will get back to you within two working days.\n\nKind regards\n{{agent.name}}\n{{project.name}} – Acme Energie GmbH",
            &[],
            true,
        ),
        (
            acme,
            "meter-reading",
            Language::En,
            "Meter reading received",
            "Hello {{contact.first_name}},\n\nthank you, we have recorded your meter reading for meter {{case.custom.meter_number}}. Your next bill will take it into account automatically.\n\nKind regards\n{{agent.name}}",
            &[],
            true,
        ),
        (
            nord,
            "danke",
            Language::De,
            "Danke für Ihre Bestellung",
            "Hallo {{contact.first_name}},\n\nvielen Dank für Ihre Nachricht zu Ihrer Bestellung. Wir prüfen den Versandstatus und melden uns heute noch.\n\nIhr Nordlicht-Team\n{{agent.name}}",
            &[],
            true,
        ),
        (
            nord,
            "retoure",
            Language::De,
            "Retourenschein",
            "Hallo {{contact.first_name}},\n\nIhren Retourenschein finden Sie im Anhang Ihres Kundenkontos. Die Erstattung erfolgt innerhalb von 14 Tagen nach Eingang der Ware.\n\nIhr Nordlicht-Team",
            &[],
            true,
        ),
    ];
    // An earlier wording, saved first, so that the module's history has a
    // change to show (Textbausteine → Verlauf).
    let earlier: &[(&str, &str)] = &[(
        "abschlag",
        "Guten Tag {{contact.name}},\n\nIhren monatlichen Abschlag passen wir gern an. Bitte nennen Sie uns den gewünschten Betrag.\n\nFreundliche Grüße\n{{agent.name}}",
    )];
    let mut events = crate::cases::events::Announcements::default();
    for (client_id, shortcut, language, title, body, projects, publish) in modules {
        let first = earlier
            .iter()
            .find(|(s, _)| *client_id == acme && s == shortcut)
            .map(|(_, text)| *text);
        let module = service::create(
            tx,
            op,
            NewTextModule {
                client_id: *client_id,
                shortcut: (*shortcut).into(),
                language: *language,
                title: (*title).into(),
                body: first.unwrap_or(body).into(),
                project_ids: projects.to_vec(),
            },
        )
        .map_err(err)?;
        if first.is_some() {
            service::update(
                tx,
                op,
                module.id,
                crate::text_modules::model::TextModulePatch {
                    body: Some((*body).into()),
                    ..Default::default()
                },
                &mut events,
            )
            .map_err(err)?;
        }
        if *publish {
            service::publish(tx, op, module.id, &mut events).map_err(err)?;
        }
    }
    // Nobody listens while the demo is seeded.
    drop(events);
    Ok(())
}
