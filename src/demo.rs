//! `serve --demo`: a realistic demo, seeded once into an empty store.
//! Everything goes through the domain services, as an operator would.

use rusqlite::OptionalExtension;

use crate::auth::{MemberRole, Principal, Role};
use crate::clients::{self, ClientInput};
use crate::db::{Db, StoreError};
use crate::projects::{self, MemberInput, NewProject};
use crate::teams::{self, NewTeam, TeamKind};
use crate::users::{self, NewUser, Tariff};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "zezaro-demo";

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
        let project = |client_id: i64, name: &str, key: &str, description: &str| {
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
        let team = |name: &str| {
            teams::service::create(
                tx,
                &op,
                NewTeam {
                    name: name.into(),
                    kind: TeamKind::Provider,
                    client_id: None,
                },
            )
            .map_err(err)
        };
        let basic = team("zezaro Services – Team Basic")?;
        let pro = team("zezaro Services – Team Pro")?;
        let client_team = |client_id: i64| -> Result<i64, DemoError> {
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
        let member = |project_id: i64, who: usize, role: MemberRole| {
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
            password: DEMO_PASSWORD.into(),
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
