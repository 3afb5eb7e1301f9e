//! CSV import into a client's customer database.
//!
//! The file: UTF-8 (a BOM is skipped), a header row, `,` or `;` as
//! delimiter (whichever the header uses more). Columns (English or German
//! names, any order, unknown ones ignored): name, email, phone,
//! organization, customer_number, language, street, postal_code, city,
//! country, notes. Several addresses or numbers in one cell are separated
//! by `;` (or `,` when `;` is the delimiter).
//!
//! A row whose address belongs to a contact of the client updates that
//! contact (non-empty cells overwrite, addresses and numbers are added);
//! other rows create contacts. Organizations are found by name or created.
//! Invalid rows are reported by line and skipped. A dry run does all of it
//! inside a savepoint that is rolled back, so its counts are exact.

use rusqlite::Connection;
use serde_json::json;

use super::error::ContactError;
use super::model::{ContactFields, ImportReport, ImportRowError};
use super::service::{check_fields, fields_of, insert, save_changes};
use super::store;
use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};
use crate::organizations::{self, model::OrganizationFields};
use crate::validation::Invalid;

/// Columns the import knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Email,
    Phone,
    Organization,
    CustomerNumber,
    Language,
    Street,
    PostalCode,
    City,
    Country,
    Notes,
}

impl Column {
    fn from_header(header: &str) -> Option<Column> {
        let key: String = header
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        Some(match key.as_str() {
            "name" | "fullname" => Column::Name,
            "email" | "emails" | "mail" | "emailaddress" | "emailadresse" => Column::Email,
            "phone" | "phones" | "telephone" | "telefon" | "tel" | "phonenumber" => Column::Phone,
            "organization" | "organisation" | "company" | "firma" | "unternehmen" => {
                Column::Organization
            }
            "customernumber" | "kundennummer" | "kdnr" => Column::CustomerNumber,
            "language" | "sprache" => Column::Language,
            "street" | "strasse" | "straße" | "address" | "adresse" => Column::Street,
            "postalcode" | "zip" | "zipcode" | "postcode" | "plz" | "postleitzahl" => {
                Column::PostalCode
            }
            "city" | "ort" | "stadt" | "town" => Column::City,
            "country" | "land" => Column::Country,
            "notes" | "note" | "notizen" | "notiz" | "bemerkung" => Column::Notes,
            _ => return None,
        })
    }
}

/// One data row as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    pub line: u64,
    pub name: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub organization: String,
    pub customer_number: String,
    pub language: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub notes: String,
}

/// Rows that could be read, and errors of rows that could not.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<Row>,
    pub errors: Vec<ImportRowError>,
}

/// Which of `,` and `;` the header line uses more.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// Reads the file; `ImportInvalid` when it cannot be read as a whole.
pub fn parse(body: &[u8]) -> Result<Parsed, ContactError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body)
        .map_err(|_| ContactError::ImportInvalid("the file is not UTF-8 text".into()))?;
    if text.trim().is_empty() {
        return Err(ContactError::ImportInvalid("the file is empty".into()));
    }
    let delimiter = delimiter(text);
    let list_separator = if delimiter == b';' { ',' } else { ';' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|err| {
            ContactError::ImportInvalid(format!("the header row cannot be read: {err}"))
        })?
        .clone();
    let columns: Vec<Option<Column>> = headers.iter().map(Column::from_header).collect();
    if !columns.contains(&Some(Column::Name)) {
        return Err(ContactError::ImportInvalid(
            "the header row has no `name` column".into(),
        ));
    }
    let mut parsed = Parsed::default();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map(|p| p.line()).unwrap_or(0);
                parsed.errors.push(ImportRowError {
                    line,
                    field: None,
                    message: format!("the row cannot be read: {err}"),
                });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut row = Row {
            line: record.position().map(|p| p.line()).unwrap_or(0),
            ..Row::default()
        };
        let split = |cell: &str| -> Vec<String> {
            cell.split(list_separator)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect()
        };
        for (cell, column) in record.iter().zip(&columns) {
            let Some(column) = column else { continue };
            let cell = cell.to_string();
            match column {
                Column::Name => row.name = cell,
                Column::Email => row.emails.extend(split(&cell)),
                Column::Phone => row.phones.extend(split(&cell)),
                Column::Organization => row.organization = cell,
                Column::CustomerNumber => row.customer_number = cell,
                Column::Language => row.language = cell,
                Column::Street => row.street = cell,
                Column::PostalCode => row.postal_code = cell,
                Column::City => row.city = cell,
                Column::Country => row.country = cell,
                Column::Notes => row.notes = cell,
            }
        }
        parsed.rows.push(row);
    }
    Ok(parsed)
}

/// The JSON field names of `Invalid` → the column names of the file.
fn column_of(field: &str) -> &str {
    match field {
        "emails" => "email",
        "phones" => "phone",
        "organization_id" => "organization",
        other => other,
    }
}

fn some(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

/// Imports `body` into the client's customer database.
pub fn run(
    conn: &Connection,
    who: &Principal,
    client_id: i64,
    dry_run: bool,
    body: &[u8],
) -> Result<ImportReport, ContactError> {
    policy::manage_customers(who, client_id)?;
    let parsed = parse(body)?;
    let mut report = ImportReport {
        dry_run,
        rows: parsed.rows.len() + parsed.errors.len(),
        created: 0,
        updated: 0,
        errors: parsed.errors,
    };
    conn.execute_batch("SAVEPOINT contact_import")?;
    let outcome = import_rows(conn, who, client_id, &parsed.rows, &mut report);
    let finish = match (&outcome, dry_run) {
        (Ok(()), false) => "RELEASE contact_import",
        _ => "ROLLBACK TO contact_import; RELEASE contact_import",
    };
    conn.execute_batch(finish)?;
    outcome?;
    report.errors.sort_by_key(|e| e.line);
    if !dry_run {
        audit::record(
            conn,
            &Actor::from(who),
            "contact.import",
            "client",
            Some(client_id),
            Some(client_id),
            json!({
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "errors": report.errors.len(),
            }),
        )?;
    }
    Ok(report)
}

fn import_rows(
    conn: &Connection,
    who: &Principal,
    client_id: i64,
    rows: &[Row],
    report: &mut ImportReport,
) -> Result<(), ContactError> {
    for row in rows {
        let reject = |invalid: Invalid| ImportRowError {
            line: row.line,
            field: Some(column_of(&invalid.field).to_string()),
            message: invalid.message,
        };
        // Everything is checked before anything of the row is written.
        let fields = match check_fields(ContactFields {
            name: row.name.clone(),
            emails: row.emails.clone(),
            phones: row.phones.clone(),
            organization_id: None,
            customer_number: some(&row.customer_number),
            language: some(&row.language),
            street: row.street.clone(),
            postal_code: row.postal_code.clone(),
            city: row.city.clone(),
            country: row.country.clone(),
            notes: row.notes.clone(),
            custom: "{}".into(),
        }) {
            Ok(fields) => fields,
            Err(invalid) => {
                report.errors.push(reject(invalid));
                continue;
            }
        };
        let organization = if row.organization.is_empty() {
            None
        } else {
            let org_fields = OrganizationFields {
                name: row.organization.clone(),
                customer_number: None,
                domain: None,
                phone: None,
                street: String::new(),
                postal_code: String::new(),
                city: String::new(),
                country: String::new(),
                notes: String::new(),
                custom: "{}".into(),
            };
            match organizations::service::validate(org_fields) {
                Ok(org_fields) => Some(org_fields),
                Err(invalid) => {
                    report.errors.push(ImportRowError {
                        line: row.line,
                        field: Some("organization".into()),
                        message: invalid.message,
                    });
                    continue;
                }
            }
        };
        let organization_id = match organization {
            None => None,
            Some(org_fields) => {
                match organizations::store::by_name(conn, client_id, &org_fields.name)? {
                    Some(org) => Some(org.id),
                    None => Some(organizations::service::insert(
                        conn,
                        who,
                        client_id,
                        &org_fields,
                        "import",
                    )?),
                }
            }
        };
        match store::by_any_email(conn, client_id, &fields.emails)? {
            Some(existing) => {
                let old = fields_of(&existing);
                let mut new = old.clone();
                new.name = fields.name;
                for email in fields.emails {
                    if !new.emails.contains(&email) {
                        new.emails.push(email);
                    }
                }
                for number in fields.phones {
                    let digits = super::model::phone_digits(&number);
                    if !new
                        .phones
                        .iter()
                        .any(|p| super::model::phone_digits(p) == digits)
                    {
                        new.phones.push(number);
                    }
                }
                let keep = |new: &mut String, cell: String| {
                    if !cell.is_empty() {
                        *new = cell;
                    }
                };
                new.organization_id = organization_id.or(new.organization_id);
                new.customer_number = fields.customer_number.or(new.customer_number);
                new.language = fields.language.or(new.language);
                keep(&mut new.street, fields.street);
                keep(&mut new.postal_code, fields.postal_code);
                keep(&mut new.city, fields.city);
                keep(&mut new.country, fields.country);
                keep(&mut new.notes, fields.notes);
                if new.emails.len() > 20 || new.phones.len() > 20 {
                    report.errors.push(ImportRowError {
                        line: row.line,
                        field: None,
                        message: "the contact would have more than 20 addresses or numbers".into(),
                    });
                    continue;
                }
                save_changes(conn, who, &existing, &old, &new, json!({ "via": "import" }))?;
                report.updated += 1;
            }
            None => {
                let fields = ContactFields {
                    organization_id,
                    ..fields
                };
                insert(conn, who, client_id, &fields, "import")?;
                report.created += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_semicolons_bom_and_lists() {
        let file = "\u{feff}Name;E-Mail;Telefon;PLZ;Ort\n\"Müller; Hans\";a@example.de, b@example.de;030 1234;10115;Berlin\n;;;;\n";
        let parsed = parse(file.as_bytes()).unwrap();
        assert!(parsed.errors.is_empty());
        assert_eq!(parsed.rows.len(), 1);
        let row = &parsed.rows[0];
        assert_eq!(row.line, 2);
        assert_eq!(row.name, "Müller; Hans");
        assert_eq!(row.emails, ["a@example.de", "b@example.de"]);
        assert_eq!(row.phones, ["030 1234"]);
        assert_eq!(
            (row.postal_code.as_str(), row.city.as_str()),
            ("10115", "Berlin")
        );
    }

    #[test]
    fn reads_commas_and_needs_a_name_column() {
        let parsed = parse(b"name,email,phone\nAnna,a@example.com;b@example.com,+49 1\n").unwrap();
        assert_eq!(parsed.rows[0].emails.len(), 2);
        assert!(matches!(
            parse(b"email\na@example.com\n"),
            Err(ContactError::ImportInvalid(_))
        ));
        assert!(matches!(parse(b""), Err(ContactError::ImportInvalid(_))));
        assert!(matches!(
            parse(b"name\n\xff\xfe\n"),
            Err(ContactError::ImportInvalid(_))
        ));
    }
}
