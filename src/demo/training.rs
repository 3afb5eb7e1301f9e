//! Demo work instructions and a training course for Acme (issue 14): one
//! open must-acknowledge instruction and one info instruction for every
//! Acme project, and a course of three published knowledge articles with a
//! three-question check, assigned to the agents of Acme.
//!
//! The demo knowledge base may be seeded elsewhere: published Acme articles
//! are looked up by title first, then any published ones are taken, and
//! only what is still missing is written here.

use chrono::{Duration, Utc};
use rusqlite::Transaction;

use super::{DemoError, err};
use crate::auth::Principal;
use crate::cases::events::Announcements;
use crate::instructions::model::{NewInstruction, Urgency};
use crate::knowledge::model::{Language, NewArticle};
use crate::training::model::{Choice, NewAssignments, NewCourse, NewQuestion};

/// Articles the course would like, by title (German), and the text written
/// when the knowledge base has no such article.
const ARTICLES: [(&str, &str); 3] = [
    (
        "Abschlag ändern",
        "Kundinnen und Kunden können ihren monatlichen Abschlag jederzeit anpassen.\n\n\
         1. Identität prüfen (Kundennummer **und** Geburtsdatum).\n\
         2. Neuen Betrag im Vertragssystem eintragen; er gilt ab dem nächsten Monatsersten.\n\
         3. Bestätigung per E-Mail zusagen.\n\n\
         Beträge unter 20 € nur nach Rücksprache mit der Teamleitung.",
    ),
    (
        "Messwerte erfassen",
        "Messwerte nehmen wir am Telefon, per Web-Formular oder per Foto an.\n\n\
         - Die Gerätenummer immer mit der Nummer im Vertrag abgleichen.\n\
         - Unplausible Werte (mehr als 50 % über Vorjahr) als Notiz vermerken.\n\
         - Das Ablesedatum eintragen, nicht das Datum des Anrufs.",
    ),
    (
        "Umzug melden",
        "Bei einem Umzug brauchen wir: neue Anschrift, Einzugsdatum, Messwerte am \
         alten und neuen Ort.\n\nDer Vertrag zieht mit, wenn die neue Adresse im \
         Netzgebiet liegt; sonst endet er zum Auszugsdatum (Sonderkündigungsrecht).",
    ),
];

/// Up to three published article ids of the client: by the titles above,
/// then any others.
fn published_articles(
    tx: &Transaction,
    client_id: crate::ids::ClientId,
) -> Result<Vec<i64>, DemoError> {
    let mut found: Vec<i64> = Vec::new();
    let mut by_title = tx
        .prepare(
            "SELECT a.id FROM kb_articles a JOIN kb_article_versions v ON v.article_id = a.id
             WHERE a.client_id = ?1 AND a.deleted_at IS NULL AND v.state = 'published' AND v.title = ?2
             LIMIT 1",
        )
        .map_err(err)?;
    for (title, _) in ARTICLES {
        if let Some(id) = by_title
            .query_map(rusqlite::params![client_id, title], |r| r.get::<_, i64>(0))
            .map_err(err)?
            .next()
        {
            found.push(id.map_err(err)?);
        }
    }
    let mut any = tx
        .prepare(
            "SELECT DISTINCT a.id FROM kb_articles a JOIN kb_article_versions v ON v.article_id = a.id
             WHERE a.client_id = ?1 AND a.deleted_at IS NULL AND a.limited = 0 AND v.state = 'published'
             ORDER BY a.id LIMIT 10",
        )
        .map_err(err)?;
    for id in any
        .query_map([client_id], |r| r.get::<_, i64>(0))
        .map_err(err)?
    {
        let id = id.map_err(err)?;
        if found.len() < 3 && !found.contains(&id) {
            found.push(id);
        }
    }
    Ok(found)
}

pub(super) fn seed(
    tx: &Transaction,
    op: &Principal,
    client_id: crate::ids::ClientId,
    teams: &[crate::ids::TeamId],
) -> Result<(), DemoError> {
    let now = Utc::now();
    let mut ignored = Announcements::default();
    let must = crate::instructions::service::create(
        tx,
        op,
        NewInstruction {
            client_id,
            title: "Ab sofort: Identität am Telefon doppelt prüfen".into(),
            body: "Wegen vermehrter Betrugsversuche gilt **ab heute** für jede Vertragsänderung am Telefon:\n\n\
                   1. Kundennummer erfragen,\n\
                   2. zusätzlich Geburtsdatum **oder** Zählernummer abgleichen,\n\
                   3. Bankverbindungen nie am Telefon ändern, sondern auf das Kundenportal verweisen.\n\n\
                   Bitte bestätigen Sie, dass Sie die Regel gelesen haben."
                .into(),
            urgency: Urgency::Acknowledge,
            valid_from: None,
            valid_to: None,
            remind_hours: Some(4),
            project_ids: vec![],
            team_ids: vec![],
        },
    )
    .map_err(err)?;
    crate::instructions::service::publish(tx, op, must.id, &mut ignored).map_err(err)?;
    let info = crate::instructions::service::create(
        tx,
        op,
        NewInstruction {
            client_id,
            title: "Wartung des Kundenportals am Samstag".into(),
            body: "Am Samstag zwischen 22 und 2 Uhr ist das Kundenportal nicht erreichbar. \
                   Anrufende bitte auf Montag vertrösten; Zählerstände nehmen wir telefonisch an."
                .into(),
            urgency: Urgency::Info,
            valid_from: None,
            valid_to: Some((now + Duration::days(7)).to_rfc3339()),
            remind_hours: None,
            project_ids: vec![],
            team_ids: vec![],
        },
    )
    .map_err(err)?;
    crate::instructions::service::publish(tx, op, info.id, &mut ignored).map_err(err)?;

    let mut articles = published_articles(tx, client_id)?;
    for (title, body) in ARTICLES {
        if articles.len() >= 3 {
            break;
        }
        let saved = crate::knowledge::service::create_article(
            tx,
            op,
            NewArticle {
                client_id,
                category_id: None,
                visibility: None,
                tags: vec!["einarbeitung".into()],
                project_ids: vec![],
                language: Language::De,
                title: title.into(),
                body: body.into(),
            },
        )
        .map_err(err)?;
        crate::knowledge::service::publish(tx, op, saved.article_id, saved.version.id)
            .map_err(err)?;
        articles.push(saved.article_id);
    }

    let choice = |text: &str, correct: bool| Choice {
        text: text.into(),
        correct,
    };
    let course = crate::training::service::create(
        tx,
        op,
        NewCourse {
            client_id,
            title: "Einarbeitung: Abschlag, Messwerte, Umzug".into(),
            description:
                "Die drei häufigsten Anliegen im Strom-Service. Lesen Sie die Artikel und \
                          beantworten Sie danach drei Fragen."
                    .into(),
            pass_mark: 67,
            article_ids: articles,
            questions: vec![
                NewQuestion {
                    text: "Ab wann gilt ein geänderter Abschlag?".into(),
                    choices: vec![
                        choice("Sofort", false),
                        choice("Ab dem nächsten Monatsersten", true),
                        choice("Ab der nächsten Jahresabrechnung", false),
                    ],
                },
                NewQuestion {
                    text: "Was prüfen Sie, bevor Sie einen Messwert erfassen?".into(),
                    choices: vec![
                        choice("Die Gerätenummer mit dem Vertrag", true),
                        choice("Ob der Stand plausibel ist", true),
                        choice("Die Bankverbindung", false),
                    ],
                },
                NewQuestion {
                    text: "Was brauchen wir bei einem Umzug?".into(),
                    choices: vec![
                        choice("Neue Anschrift und Einzugsdatum", true),
                        choice("Nur die neue Telefonnummer", false),
                    ],
                },
            ],
        },
    )
    .map_err(err)?;
    crate::training::service::assign(
        tx,
        op,
        course.id,
        NewAssignments {
            user_ids: vec![],
            team_ids: teams.to_vec(),
            due_on: Some((now + Duration::days(14)).format("%Y-%m-%d").to_string()),
        },
        // Nobody listens while the demo is written.
        &mut crate::cases::events::Announcements::default(),
    )
    .map_err(err)?;
    Ok(())
}
