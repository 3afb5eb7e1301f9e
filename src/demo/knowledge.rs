//! The demo's knowledge base: Acme Energie's articles for its agents and
//! its help center (German, some in English too), created through the
//! knowledge service as an editor would.

use rusqlite::Connection;

use crate::auth::Principal;
use crate::knowledge::model::{Language, NewArticle, NewCategory, NewVersion, Visibility};
use crate::knowledge::service;

use super::{DemoError, err};

struct Demo {
    category: usize,
    title: &'static str,
    body: &'static str,
    tags: &'static [&'static str],
    public: bool,
    /// Only for the gas project.
    gas_only: bool,
    english: Option<(&'static str, &'static str)>,
}

const CATEGORIES: &[&str] = &["Abrechnung", "Zählerstand", "Umzug", "Tarife", "Vertrag"];

const ARTICLES: &[Demo] = &[
    Demo {
        category: 0,
        title: "Jahresabrechnung erklären",
        body: "Die Jahresabrechnung fasst den Verbrauch eines Abrechnungsjahres zusammen.\n\n\
## Aufbau\n\n\
1. **Verbrauch** in kWh (Zählerstand alt und neu)\n\
2. **Arbeitspreis** × Verbrauch\n\
3. **Grundpreis** pro Tag\n\
4. Abzüglich der gezahlten **Abschläge**\n\n\
Ergibt sich ein Guthaben, wird es innerhalb von 14 Tagen erstattet; eine Nachzahlung \
wird mit dem nächsten Abschlag eingezogen.",
        tags: &["jahresabrechnung", "nachzahlung", "guthaben"],
        public: true,
        gas_only: false,
        english: Some((
            "Your annual bill explained",
            "The annual bill sums up the consumption of one billing year.\n\n\
1. **Consumption** in kWh (old and new meter reading)\n\
2. **Unit price** × consumption\n\
3. **Standing charge** per day\n\
4. Minus the **instalments** paid\n\n\
A credit is refunded within 14 days; an additional payment is collected with the next instalment.",
        )),
    },
    Demo {
        category: 0,
        title: "Abschlag anpassen",
        body: "Kundinnen und Kunden können ihren monatlichen Abschlag jederzeit anpassen.\n\n\
- Im **Kundenportal** unter *Verträge → Abschlag*\n\
- telefonisch: Abschlag im Vertrag ändern, neuer Betrag gilt ab dem nächsten Monat\n\n\
Mindestabschlag: 10 € pro Monat. Bei großen Abweichungen vom erwarteten Verbrauch \
(mehr als 30 %) bitte auf die Nachzahlung hinweisen.",
        tags: &["abschlag", "kundenportal"],
        public: true,
        gas_only: false,
        english: Some((
            "Changing the monthly instalment",
            "Customers can change their monthly instalment at any time in the **customer portal** \
under *Contracts → Instalment*. The minimum is €10 per month.",
        )),
    },
    Demo {
        category: 0,
        title: "Zahlungserinnerung und Mahnung",
        body: "Nach einer versäumten Zahlung verschicken wir:\n\n\
| Stufe | nach | Gebühr |\n|---|---|---|\n\
| Zahlungserinnerung | 7 Tagen | keine |\n| 1. Mahnung | 21 Tagen | 2,50 € |\n\
| 2. Mahnung | 35 Tagen | 5,00 € |\n\n\
Eine **Ratenzahlung** kann bis zur 2. Mahnung vereinbart werden (Teamleitung informieren).",
        tags: &["mahnung", "ratenzahlung"],
        public: false,
        gas_only: false,
        english: None,
    },
    Demo {
        category: 0,
        title: "SEPA-Lastschrift einrichten",
        body: "Für ein SEPA-Lastschriftmandat brauchen wir IBAN, Kontoinhaber und die Zustimmung. \
Das Mandat kann im Kundenportal erteilt werden; telefonisch nur mit Rückruf an die \
hinterlegte Nummer.",
        tags: &["sepa", "lastschrift", "iban"],
        public: false,
        gas_only: false,
        english: None,
    },
    Demo {
        category: 1,
        title: "Zählerstand melden",
        body: "Den Zählerstand können Kundinnen und Kunden auf drei Wegen melden:\n\n\
1. Im **Kundenportal** (mit Foto des Zählers)\n\
2. Über das **Webformular** ohne Anmeldung (Zählernummer nötig)\n\
3. Telefonisch\n\n\
Gemeldet wird die Zahl **vor** dem Komma. Bei Zweitarifzählern (HT/NT) beide Stände.",
        tags: &["zählerstand", "ablesung"],
        public: true,
        gas_only: false,
        english: Some((
            "Submitting a meter reading",
            "Customers submit their meter reading in the **customer portal** (with a photo), \
through the **web form** (meter number needed) or by phone. Only the digits **before** the \
decimal point count; dual-rate meters need both readings.",
        )),
    },
    Demo {
        category: 1,
        title: "Zählerstand unplausibel",
        body: "Weicht ein gemeldeter Zählerstand stark vom erwarteten Verbrauch ab, prüft das \
System ihn als *unplausibel*.\n\n\
- Foto des Zählers anfordern\n\
- Zählernummer vergleichen (Verwechslung mit dem Nachbarzähler?)\n\
- Ggf. Zwischenablesung durch den Messstellenbetreiber beauftragen",
        tags: &["zählerstand", "plausibilität"],
        public: false,
        gas_only: false,
        english: None,
    },
    Demo {
        category: 1,
        title: "Gaszähler: Umrechnung m³ in kWh",
        body: "Gaszähler messen Kubikmeter. Abgerechnet wird in kWh:\n\n\
`kWh = m³ × Zustandszahl × Brennwert`\n\n\
Zustandszahl und Brennwert stehen auf der Rechnung und ändern sich je Abrechnungszeitraum.",
        tags: &["gas", "brennwert"],
        public: false,
        gas_only: true,
        english: None,
    },
    Demo {
        category: 2,
        title: "Umzug melden",
        body: "Bei einem Umzug brauchen wir:\n\n\
- Auszugsdatum und **Zählerstand** am Auszugstag\n\
- neue Anschrift (für die Schlussrechnung)\n\
- Einzugsdatum und Zählernummer an der neuen Adresse, wenn der Vertrag mitgenommen wird\n\n\
Der Vertrag kann innerhalb Deutschlands mitgenommen werden; ein Sonderkündigungsrecht besteht \
nur, wenn wir an der neuen Adresse nicht liefern.",
        tags: &["umzug", "schlussrechnung"],
        public: true,
        gas_only: false,
        english: None,
    },
    Demo {
        category: 2,
        title: "Schlussrechnung nach Auszug",
        body: "Die Schlussrechnung kommt spätestens sechs Wochen nach dem Auszug. \
Fehlt der Zählerstand, schätzen wir ihn; die Kundin oder der Kunde kann ihn nachreichen.",
        tags: &["umzug", "schlussrechnung"],
        public: false,
        gas_only: false,
        english: None,
    },
    Demo {
        category: 3,
        title: "Tarifwechsel",
        body: "Ein Wechsel in einen anderen Tarif ist zum Monatsende möglich. \
Bei Tarifen mit Preisgarantie erst nach Ablauf der Garantie.\n\n\
**Ökostrom Plus** und **Gas Klima** sind zu 100 % aus erneuerbaren Quellen bzw. kompensiert.",
        tags: &["tarif", "wechsel"],
        public: false,
        gas_only: false,
        english: None,
    },
    Demo {
        category: 3,
        title: "Preisanpassung: Sonderkündigungsrecht",
        body: "Bei einer Preiserhöhung informieren wir mindestens sechs Wochen vorher. \
Kundinnen und Kunden können bis zum Inkrafttreten ohne Frist kündigen.",
        tags: &["preisanpassung", "kündigung"],
        public: false,
        gas_only: false,
        english: None,
    },
    Demo {
        category: 4,
        title: "Kündigung bestätigen",
        body: "Kündigungen bestätigen wir schriftlich innerhalb einer Woche. Kündigungsfrist: \
ein Monat zum Monatsende, nach der Mindestlaufzeit.\n\n\
Vor der Bestätigung: Rückgewinnungsangebot nur anbieten, wenn die Kundin oder der Kunde \
danach fragt.",
        tags: &["kündigung", "vertrag"],
        public: false,
        gas_only: false,
        english: None,
    },
];

/// A suggestion from an agent, waiting in review.
const IN_REVIEW: (&str, &str) = (
    "Abschlag anpassen",
    "Kundinnen und Kunden können ihren monatlichen Abschlag jederzeit anpassen, im \
**Kundenportal** oder telefonisch. Neu: auch per App unter *Vertrag → Abschlag*.",
);

/// Seeds the knowledge base of Acme (`strom` and `gas` its projects); the
/// agent `suggester` suggests one change, left in review.
pub fn seed(
    conn: &Connection,
    op: &Principal,
    suggester: &Principal,
    client_id: crate::ids::ClientId,
    gas: crate::ids::ProjectId,
) -> Result<(), DemoError> {
    let mut categories = Vec::new();
    for (position, name) in CATEGORIES.iter().enumerate() {
        let category = service::create_category(
            conn,
            op,
            NewCategory {
                client_id,
                parent_id: None,
                name: (*name).into(),
                position: Some(position as i64),
            },
        )
        .map_err(err)?;
        categories.push(category.id);
    }
    let mut suggest_on = None;
    for demo in ARTICLES {
        let saved = service::create_article(
            conn,
            op,
            NewArticle {
                client_id,
                category_id: Some(categories[demo.category]),
                visibility: Some(if demo.public {
                    Visibility::Public
                } else {
                    Visibility::Internal
                }),
                tags: demo.tags.iter().map(|t| t.to_string()).collect(),
                project_ids: if demo.gas_only { vec![gas] } else { Vec::new() },
                language: Language::De,
                title: demo.title.into(),
                body: demo.body.into(),
            },
        )
        .map_err(err)?;
        let id = saved.article_id;
        service::publish(conn, op, id, saved.version.id).map_err(err)?;
        if let Some((title, body)) = demo.english {
            let english = service::save_version(
                conn,
                op,
                id,
                NewVersion {
                    language: Language::En,
                    title: title.into(),
                    body: body.into(),
                    based_on: None,
                },
            )
            .map_err(err)?;
            service::publish(conn, op, id, english.version.id).map_err(err)?;
        }
        if demo.title == IN_REVIEW.0 {
            suggest_on = Some(id);
        }
    }
    if let Some(id) = suggest_on {
        service::save_version(
            conn,
            suggester,
            id,
            NewVersion {
                language: Language::De,
                title: IN_REVIEW.0.into(),
                body: IN_REVIEW.1.into(),
                based_on: None,
            },
        )
        .map_err(err)?;
    }
    // The help centers are on where there is something public to show (a
    // project's help center starts off, migration 0024).
    let projects = crate::projects::store::list(
        conn,
        &crate::auth::policy::Visibility::Clients(vec![client_id]),
    )
    .map_err(err)?;
    for project in projects {
        if crate::knowledge::store::public_article_count(conn, client_id, project.id)
            .map_err(err)?
            > 0
        {
            crate::knowledge::projects::switch_help_center(conn, op, project.id, true)
                .map_err(err)?;
        }
    }
    Ok(())
}
