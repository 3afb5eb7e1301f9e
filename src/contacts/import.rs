//! CSV import into a client's customer database.
//!
//! The file: UTF-8 (a BOM is skipped), a header row, `,` or `;` as
//! delimiter (whichever the header uses more). Columns (English or German
//! names, any order): name, email, phone, organization, customer_number,
//! language, street, postal_code, city, country, notes. Several addresses
//! or numbers in one cell are separated by `;` (or `,` when `;` is the
//! delimiter).
//!
//! Custom contact fields (the client's contact mask, see
//! `fields::service::contact_mask`): a column named after a field's key, or
//! `custom.<key>` (needed where a key is also a contact column's name).
//! Cells are converted by the field's kind (numbers also with a decimal
//! comma, checkboxes as true/false, yes/no, ja/nein, 1/0, x; multi-select
//! lists separated like addresses) and then checked by
//! `fields::validate`, exactly as the API checks `custom`: a new contact
//! needs its required fields, an update merges into the stored values.
//! Empty cells set nothing. A non-empty cell of a deactivated field is an
//! error of its row; other columns are listed in the report as unknown and
//! not imported.
//!
//! A row whose address belongs to a contact of the client updates that
//! contact (non-empty cells overwrite, addresses and numbers are added);
//! other rows create contacts. Organizations are found by name or created.
//! Invalid rows are reported by line and skipped; every check of a row runs
//! before anything of it is written. A dry run does all of it inside a
//! savepoint that is rolled back, so its counts are exact.

use crate::ids::{ClientId, OrganizationId};
use rusqlite::Connection;
use serde_json::{Map, Value, json};

use super::error::ContactError;
use super::model::{ContactFields, ImportReport, ImportRowError, custom_object};
use super::service::{check_fields, fields_of, insert, save_changes};
use super::store;
use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};
use crate::fields::{CustomField, Kind};
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

/// Where a header's cells go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Contact(Column),
    /// The n-th of `Parsed::extra_headers`: a custom field or unknown.
    Extra(usize),
    /// A header without a name (e.g. after a trailing delimiter).
    Nothing,
}

/// Where a header's cells go: `custom.<key>` always to the custom fields,
/// another name to its contact column if it is one, else to the custom
/// fields (or unknown; decided against the mask later).
fn slot_of(header: &str) -> Slot {
    let trimmed = header.trim();
    if trimmed.is_empty() {
        return Slot::Nothing;
    }
    let lower = trimmed.to_lowercase();
    if lower.starts_with("custom.") {
        return Slot::Extra(0);
    }
    match Column::from_header(trimmed) {
        Some(column) => Slot::Contact(column),
        None => Slot::Extra(0),
    }
}

/// The field key named by an extra header (lower case, `custom.` dropped).
fn extra_key(header: &str) -> String {
    let lower = header.trim().to_lowercase();
    match lower.strip_prefix("custom.") {
        Some(key) => key.trim().to_string(),
        None => lower,
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
    /// Cells of `Parsed::extra_headers`, in that order (missing ones empty).
    pub extra: Vec<String>,
}

/// Rows that could be read, and errors of rows that could not.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<Row>,
    pub errors: Vec<ImportRowError>,
    /// Headers that are not contact columns (as written): custom fields or
    /// unknown, decided against the client's mask.
    pub extra_headers: Vec<String>,
    /// Separates several values in one cell.
    pub list_separator: char,
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

/// The 1-based line a record starts on, counted from its byte offset: the
/// csv crate's own line count is one short for CRLF files (Excel's), whose
/// records it sees starting at the `\n` of the previous line's end.
fn line_at(text: &str, position: &csv::Position) -> u64 {
    let bytes = text.as_bytes();
    let mut start = usize::try_from(position.byte()).map_or(bytes.len(), |b| b.min(bytes.len()));
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    1 + bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64
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
    let mut parsed = Parsed {
        list_separator,
        ..Parsed::default()
    };
    let columns: Vec<Slot> = headers
        .iter()
        .map(|header| match slot_of(header) {
            Slot::Extra(_) => {
                parsed.extra_headers.push(header.trim().to_string());
                Slot::Extra(parsed.extra_headers.len() - 1)
            }
            slot => slot,
        })
        .collect();
    if !columns.contains(&Slot::Contact(Column::Name)) {
        return Err(ContactError::ImportInvalid(
            "the header row has no `name` column".into(),
        ));
    }
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, |p| line_at(text, p));
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
            line: record.position().map_or(0, |p| line_at(text, p)),
            extra: vec![String::new(); parsed.extra_headers.len()],
            ..Row::default()
        };
        let split = |cell: &str| -> Vec<String> {
            cell.split(list_separator)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect()
        };
        for (cell, slot) in record.iter().zip(&columns) {
            let column = match slot {
                Slot::Contact(column) => column,
                Slot::Extra(n) => {
                    row.extra[*n] = cell.to_string();
                    continue;
                }
                Slot::Nothing => continue,
            };
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

/// What the import does with an extra column.
#[derive(Debug, Clone)]
enum Extra<'a> {
    /// Values of this active field of the contact mask.
    Field(&'a CustomField),
    /// A deactivated field: a value in it is an error of its row.
    Inactive(String),
    Unknown,
}

/// Decides each extra header against the client's contact mask; a field
/// named by two columns makes the file unreadable.
fn resolve_extras<'a>(
    headers: &[String],
    mask: &'a [CustomField],
) -> Result<Vec<Extra<'a>>, ContactError> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(headers.len());
    for header in headers {
        let key = extra_key(header);
        let extra = match mask.iter().find(|f| f.key == key) {
            Some(field) if field.active => Extra::Field(field),
            Some(field) => Extra::Inactive(field.key.clone()),
            None => Extra::Unknown,
        };
        if !matches!(extra, Extra::Unknown) {
            if seen.contains(&key) {
                return Err(ContactError::ImportInvalid(format!(
                    "the field `{key}` has two columns"
                )));
            }
            seen.push(key);
        }
        out.push(extra);
    }
    Ok(out)
}

/// A cell as the JSON value the API would take for the field. Text that
/// does not convert is passed on as text, so that `fields::validate`
/// refuses it with the API's message.
fn cell_value(field: &CustomField, cell: &str, list_separator: char) -> Value {
    let text = || Value::String(cell.to_string());
    match field.kind {
        Kind::Text | Kind::Date | Kind::Select => text(),
        Kind::Number => {
            if let Ok(n) = cell.parse::<i64>() {
                return Value::from(n);
            }
            // German files write 3,5.
            let dotted = if cell.contains('.') {
                cell.to_string()
            } else {
                cell.replacen(',', ".", 1)
            };
            dotted
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or_else(text, Value::Number)
        }
        Kind::Checkbox => match cell.to_lowercase().as_str() {
            "true" | "yes" | "ja" | "1" | "x" | "wahr" => Value::Bool(true),
            "false" | "no" | "nein" | "0" | "falsch" => Value::Bool(false),
            _ => text(),
        },
        Kind::MultiSelect => Value::Array(
            cell.split(list_separator)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| Value::String(v.to_string()))
                .collect(),
        ),
    }
}

/// The non-empty custom cells of a row as a `custom` object.
fn custom_values(
    row: &Row,
    extras: &[Extra],
    list_separator: char,
) -> Result<Map<String, Value>, Invalid> {
    let mut values = Map::new();
    for (cell, extra) in row.extra.iter().zip(extras) {
        if cell.is_empty() {
            continue;
        }
        match extra {
            Extra::Field(field) => {
                values.insert(field.key.clone(), cell_value(field, cell, list_separator));
            }
            Extra::Inactive(key) => {
                return Err(Invalid::new(
                    format!("custom.{key}"),
                    "the field is deactivated in the data mask; its values cannot be imported",
                ));
            }
            Extra::Unknown => {}
        }
    }
    Ok(values)
}

/// Imports `body` into the client's customer database.
pub fn run(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
    dry_run: bool,
    body: &[u8],
) -> Result<ImportReport, ContactError> {
    policy::manage_customers(who, client_id)?;
    let parsed = parse(body)?;
    let mask = crate::fields::service::contact_mask(conn, client_id)?;
    let extras = resolve_extras(&parsed.extra_headers, &mask)?;
    let mut report = ImportReport {
        dry_run,
        rows: parsed.rows.len() + parsed.errors.len(),
        created: 0,
        updated: 0,
        errors: parsed.errors,
        custom_columns: Vec::new(),
        unknown_columns: Vec::new(),
    };
    for (header, extra) in parsed.extra_headers.iter().zip(&extras) {
        match extra {
            Extra::Field(field) => report.custom_columns.push(field.key.clone()),
            Extra::Inactive(_) => {}
            Extra::Unknown => report.unknown_columns.push(header.clone()),
        }
    }
    let import = Import {
        conn,
        who,
        client_id,
        mask: &mask,
        extras: &extras,
        list_separator: parsed.list_separator,
    };
    conn.execute_batch("SAVEPOINT contact_import")?;
    let outcome = import.rows(&parsed.rows, &mut report);
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
            Some(client_id.get()),
            Some(client_id),
            json!({
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "errors": report.errors.len(),
                "custom_columns": report.custom_columns,
            }),
        )?;
    }
    Ok(report)
}

/// One import's context.
struct Import<'a> {
    conn: &'a Connection,
    who: &'a Principal,
    client_id: ClientId,
    mask: &'a [CustomField],
    extras: &'a [Extra<'a>],
    list_separator: char,
}

/// A row that passed every check, ready to be written.
enum Planned {
    Create(ContactFields),
    Update {
        existing: Box<super::model::Contact>,
        new: ContactFields,
    },
}

impl Import<'_> {
    fn rows(&self, rows: &[Row], report: &mut ImportReport) -> Result<(), ContactError> {
        for row in rows {
            let (planned, org_fields) = match self.check_row(row)? {
                Ok(checked) => checked,
                Err(invalid) => {
                    report.errors.push(ImportRowError {
                        line: row.line,
                        field: invalid.field,
                        message: invalid.message,
                    });
                    continue;
                }
            };
            // Only now, with the whole row checked, is anything written.
            let organization_id = match org_fields {
                None => None,
                Some(org_fields) => Some(self.organization(&org_fields)?),
            };
            match planned {
                Planned::Create(fields) => {
                    let fields = ContactFields {
                        organization_id,
                        ..fields
                    };
                    insert(self.conn, self.who, self.client_id, &fields, "import")?;
                    report.created += 1;
                }
                Planned::Update { existing, mut new } => {
                    new.organization_id = organization_id.or(new.organization_id);
                    let old = fields_of(&existing);
                    save_changes(
                        self.conn,
                        self.who,
                        &existing,
                        &old,
                        &new,
                        json!({ "via": "import" }),
                    )?;
                    report.updated += 1;
                }
            }
        }
        Ok(())
    }

    /// The organization of the client with this name, created if missing.
    fn organization(&self, fields: &OrganizationFields) -> Result<OrganizationId, ContactError> {
        Ok(
            match organizations::store::by_name(self.conn, self.client_id, &fields.name)? {
                Some(org) => org.id,
                None => organizations::service::insert(
                    self.conn,
                    self.who,
                    self.client_id,
                    fields,
                    "import",
                )?,
            },
        )
    }

    /// Every check of a row, reading only: the outer error is the store's,
    /// the inner one the row's.
    fn check_row(&self, row: &Row) -> Result<Checked, ContactError> {
        let reject = |invalid: Invalid| -> Result<Checked, ContactError> {
            Ok(Err(RowInvalid {
                field: Some(column_of(&invalid.field).to_string()),
                message: invalid.message,
            }))
        };
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
            Err(invalid) => return reject(invalid),
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
                Err(invalid) => return reject(Invalid::new("organization", invalid.message)),
            }
        };
        let values = match custom_values(row, self.extras, self.list_separator) {
            Ok(values) => Value::Object(values),
            Err(invalid) => return reject(invalid),
        };
        let planned = match store::by_any_email(self.conn, self.client_id, &fields.emails)? {
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
                new.customer_number = fields.customer_number.or(new.customer_number);
                new.language = fields.language.or(new.language);
                keep(&mut new.street, fields.street);
                keep(&mut new.postal_code, fields.postal_code);
                keep(&mut new.city, fields.city);
                keep(&mut new.country, fields.country);
                keep(&mut new.notes, fields.notes);
                if new.emails.len() > 20 || new.phones.len() > 20 {
                    return Ok(Err(RowInvalid {
                        field: None,
                        message: "the contact would have more than 20 addresses or numbers".into(),
                    }));
                }
                // As a PATCH of `custom`: merged into the stored values.
                if values.as_object().is_some_and(|v| !v.is_empty()) {
                    let checked =
                        crate::fields::validate(self.mask, &values, Some(&existing.custom))
                            .and_then(|v| custom_object(Some(v)));
                    match checked {
                        Ok(custom) => new.custom = custom,
                        Err(invalid) => return reject(invalid),
                    }
                }
                Planned::Update {
                    existing: Box::new(existing),
                    new,
                }
            }
            None => {
                // As a POST: required fields of the mask need a value.
                let checked = crate::fields::validate(self.mask, &values, None)
                    .and_then(|v| custom_object(Some(v)));
                match checked {
                    Ok(custom) => Planned::Create(ContactFields { custom, ..fields }),
                    Err(invalid) => return reject(invalid),
                }
            }
        };
        Ok(Ok((planned, organization)))
    }
}

/// A checked row and its organization (to be found or created), or why
/// the row is skipped.
type Checked = Result<(Planned, Option<OrganizationFields>), RowInvalid>;

/// Why a row is skipped.
struct RowInvalid {
    field: Option<String>,
    message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Errors name the same lines whatever the line endings (Excel writes
    /// CRLF).
    #[test]
    fn line_numbers_do_not_depend_on_line_endings() {
        let lines = |body: &str| -> Vec<u64> {
            parse(body.as_bytes())
                .unwrap()
                .rows
                .iter()
                .map(|r| r.line)
                .collect()
        };
        assert_eq!(lines("name,email\nx1,a@b.de\nx2,c@d.de\n"), vec![2, 3]);
        assert_eq!(
            lines("name,email\r\nx1,a@b.de\r\nx2,c@d.de\r\n"),
            vec![2, 3]
        );
        assert_eq!(lines("name,email\r\nx1,a@b.de\nx2,c@d.de\r\n"), vec![2, 3]);
    }

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
    fn other_headers_are_kept_for_the_mask() {
        let file = "name;custom.city;tarif;;Land\nAnna;Ort;Öko;;DE\nBen\n";
        let parsed = parse(file.as_bytes()).unwrap();
        assert_eq!(parsed.extra_headers, ["custom.city", "tarif"]);
        assert_eq!(parsed.list_separator, ',');
        assert_eq!(parsed.rows[0].extra, ["Ort", "Öko"]);
        assert_eq!(parsed.rows[0].country, "DE");
        // Short rows have empty cells.
        assert_eq!(parsed.rows[1].extra, ["", ""]);
        assert_eq!(extra_key(" Custom.City "), "city");
        assert_eq!(extra_key("Tarif"), "tarif");
    }

    fn field(key: &str, kind: Kind, active: bool) -> CustomField {
        CustomField {
            id: 1,
            project_id: crate::ids::ProjectId(1),
            entity: crate::fields::Entity::Contact,
            key: key.into(),
            label: key.into(),
            kind,
            options: vec!["Strom".into(), "Gas".into()],
            required: false,
            position: 0,
            help: String::new(),
            width: crate::fields::Width::Full,
            section: String::new(),
            active,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn cells_convert_by_kind() {
        let number = field("n", Kind::Number, true);
        assert_eq!(cell_value(&number, "42", ';'), json!(42));
        assert_eq!(cell_value(&number, "3,5", ';'), json!(3.5));
        assert_eq!(cell_value(&number, "3.5", ';'), json!(3.5));
        assert_eq!(cell_value(&number, "1.000,5", ';'), json!("1.000,5"));
        assert_eq!(cell_value(&number, "NaN", ';'), json!("NaN"));
        let check = field("c", Kind::Checkbox, true);
        assert_eq!(cell_value(&check, "Ja", ';'), json!(true));
        assert_eq!(cell_value(&check, "0", ';'), json!(false));
        assert_eq!(cell_value(&check, "vielleicht", ';'), json!("vielleicht"));
        let multi = field("m", Kind::MultiSelect, true);
        assert_eq!(
            cell_value(&multi, "Strom, Gas", ','),
            json!(["Strom", "Gas"])
        );
        let date = field("d", Kind::Date, true);
        assert_eq!(cell_value(&date, "2024-01-31", ';'), json!("2024-01-31"));
    }

    #[test]
    fn extra_columns_are_fields_inactive_or_unknown() {
        let mask = vec![
            field("tarif", Kind::Text, true),
            field("alt", Kind::Text, false),
        ];
        let headers = ["Tarif".to_string(), "alt".into(), "Farbe".into()];
        let extras = resolve_extras(&headers, &mask).unwrap();
        assert!(matches!(&extras[0], Extra::Field(f) if f.key == "tarif"));
        assert!(matches!(&extras[1], Extra::Inactive(k) if k == "alt"));
        assert!(matches!(&extras[2], Extra::Unknown));
        let twice = ["tarif".to_string(), "custom.tarif".into()];
        assert!(matches!(
            resolve_extras(&twice, &mask),
            Err(ContactError::ImportInvalid(_))
        ));
        let row = Row {
            extra: vec!["Öko".into(), String::new(), "blau".into()],
            ..Row::default()
        };
        let values = custom_values(&row, &extras, ',').unwrap();
        assert_eq!(Value::Object(values), json!({ "tarif": "Öko" }));
        let row = Row {
            extra: vec![String::new(), "x".into(), String::new()],
            ..Row::default()
        };
        let invalid = custom_values(&row, &extras, ',').unwrap_err();
        assert_eq!(invalid.field, "custom.alt");
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
