//! The rules of data masks: who defines them, and what values they accept.

use crate::ids::{ClientId, ProjectId};
use std::collections::HashSet;
use std::sync::Arc;

use rusqlite::Connection;
use serde_json::{Map, Value, json};

use super::model::{CustomField, Entity, FieldPatch, Kind, NewField, Width};
use super::store;
use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};
use crate::db::config_cache::ConfigCache;
use crate::projects::ProjectError;
use crate::validation::{Invalid, optional_text, required_text};

pub const MAX_TEXT_CHARS: usize = 10_000;
const MAX_OPTIONS: usize = 100;

pub fn list(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
    entity: Option<Entity>,
) -> Result<Vec<CustomField>, ProjectError> {
    crate::projects::service::get(conn, who, project_id)?;
    Ok(store::list(conn, project_id, entity)?)
}

/// The contact mask of a client, for whoever sees its customer database.
pub fn client_contact_mask(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
) -> Result<Vec<CustomField>, ProjectError> {
    policy::view_customers(who, client_id)?;
    Ok(contact_mask(conn, client_id)?)
}

/// A key: `[a-z][a-z0-9_]{0,39}`.
fn check_key(key: &str) -> Result<(), Invalid> {
    let mut chars = key.chars();
    let valid = key.len() <= 40
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(Invalid::new(
            "key",
            "must start with a-z and have at most 40 of a-z, 0-9 and _",
        ))
    }
}

fn check_options(kind: Kind, options: &[String]) -> Result<Vec<String>, Invalid> {
    if options.len() > MAX_OPTIONS {
        return Err(Invalid::new(
            "options",
            format!("at most {MAX_OPTIONS} options"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(options.len());
    for option in options {
        let option = required_text("options", option, 100)?;
        if out.contains(&option) {
            return Err(Invalid::new(
                "options",
                format!("\"{option}\" is listed twice"),
            ));
        }
        out.push(option);
    }
    if kind.has_options() && out.is_empty() {
        return Err(Invalid::new(
            "options",
            "a select field needs at least one option",
        ));
    }
    Ok(out)
}

/// Checks label, help, section and options of a field definition.
fn check_definition(field: &mut CustomField) -> Result<(), Invalid> {
    field.label = required_text("label", &field.label, 100)?;
    field.help = optional_text("help", &field.help, 500, false)?;
    field.section = optional_text("section", &field.section, 100, false)?;
    field.options = check_options(field.kind, &field.options)?;
    Ok(())
}

/// Data masks are part of a project's set-up: whoever manages the
/// project's settings defines them.
pub fn create(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
    input: NewField,
) -> Result<CustomField, ProjectError> {
    let project = crate::projects::service::get(conn, who, project_id)?;
    policy::manage_projects_of(who, project.client_id)?;
    let key = input.key.trim().to_string();
    check_key(&key)?;
    let mut field = CustomField {
        id: 0,
        project_id,
        entity: input.entity,
        key,
        label: input.label,
        kind: input.kind,
        options: input.options,
        required: input.required,
        position: 0,
        help: input.help,
        width: input.width.unwrap_or(Width::Full),
        section: input.section,
        active: true,
        created_at: String::new(),
        updated_at: String::new(),
    };
    check_definition(&mut field)?;
    if store::key_taken(conn, project_id, field.entity, &field.key)? {
        return Err(ProjectError::KeyTaken);
    }
    field.position = match input.position {
        Some(position) => position,
        None => store::next_position(conn, project_id, field.entity)?,
    };
    let id = store::insert(conn, &field)?;
    audit::record(
        conn,
        &Actor::from(who),
        "field.create",
        "custom_field",
        Some(id),
        Some(project.client_id),
        json!({
            "project_id": project_id,
            "entity": field.entity.as_str(),
            "key": field.key,
            "kind": field.kind.as_str(),
        }),
    )?;
    store::get(conn, id)?.ok_or(ProjectError::NotFound)
}

pub fn update(
    conn: &Connection,
    who: &Principal,
    id: i64,
    patch: FieldPatch,
) -> Result<CustomField, ProjectError> {
    let before = store::get(conn, id)?.ok_or(ProjectError::NotFound)?;
    let project = crate::projects::service::get(conn, who, before.project_id)?;
    policy::manage_projects_of(who, project.client_id)?;
    let mut field = before.clone();
    if let Some(label) = patch.label {
        field.label = label;
    }
    if let Some(kind) = patch.kind {
        field.kind = kind;
    }
    if let Some(options) = patch.options {
        field.options = options;
    }
    if let Some(required) = patch.required {
        field.required = required;
    }
    if let Some(position) = patch.position {
        field.position = position;
    }
    if let Some(help) = patch.help {
        field.help = help;
    }
    if let Some(width) = patch.width {
        field.width = width;
    }
    if let Some(section) = patch.section {
        field.section = section;
    }
    if let Some(active) = patch.active {
        field.active = active;
    }
    check_definition(&mut field)?;
    if field == before {
        return Ok(field);
    }
    store::update(conn, &field)?;
    let mut changed = Vec::new();
    for (name, differs) in [
        ("label", field.label != before.label),
        ("kind", field.kind != before.kind),
        ("options", field.options != before.options),
        ("required", field.required != before.required),
        ("position", field.position != before.position),
        ("help", field.help != before.help),
        ("width", field.width != before.width),
        ("section", field.section != before.section),
        ("active", field.active != before.active),
    ] {
        if differs {
            changed.push(name);
        }
    }
    audit::record(
        conn,
        &Actor::from(who),
        "field.update",
        "custom_field",
        Some(id),
        Some(project.client_id),
        json!({
            "project_id": field.project_id,
            "entity": field.entity.as_str(),
            "key": field.key,
            "fields": changed,
            "kind": field.kind.as_str(),
            "active": field.active,
        }),
    )?;
    store::get(conn, id)?.ok_or(ProjectError::NotFound)
}

/// The case mask of a project; kept while the configuration is unchanged
/// (`db::config_cache`): every case write checks its values against it.
pub fn case_mask(
    conn: &Connection,
    project_id: ProjectId,
) -> Result<Arc<Vec<CustomField>>, crate::db::StoreError> {
    static MASKS: ConfigCache<ProjectId, Arc<Vec<CustomField>>> = ConfigCache::new();
    MASKS.get_or_load(conn, project_id, |conn| {
        Ok(Arc::new(store::list(conn, project_id, Some(Entity::Case))?))
    })
}

/// The contact mask of a client: the contact fields of all its projects.
/// Where projects define the same key, an active definition wins over an
/// inactive one, then the older project's.
pub fn contact_mask(
    conn: &Connection,
    client_id: ClientId,
) -> Result<Vec<CustomField>, crate::db::StoreError> {
    let mut all = store::list_of_client(conn, client_id, Entity::Contact)?;
    // Stable: keeps project and form order within active and inactive.
    all.sort_by_key(|f| !f.active);
    let mut seen = HashSet::new();
    all.retain(|f| seen.insert(f.key.clone()));
    all.sort_by_key(|f| (f.project_id, f.position, f.id));
    Ok(all)
}

/// Checks `values` (a JSON object of field values by key) against a mask
/// and returns the object to store.
///
/// On create (`existing` is `None`) every active required field must have a
/// value. On update the values are merged into `existing`: a key set to
/// `null` (or an empty text/list) is removed unless its field is required.
/// Keys already stored but no longer in the mask, and values of inactive
/// fields, are kept as they are; other unknown keys are refused. Changing a
/// field's kind or options never rewrites stored values: only values sent
/// are checked.
pub fn validate(
    fields: &[CustomField],
    values: &Value,
    existing: Option<&Value>,
) -> Result<Value, Invalid> {
    apply(fields, values, existing, existing.is_none())
}

/// Like `validate` on create, but without insisting on required fields:
/// for cases and contacts that arrive by a channel (a logged call, an
/// e-mail, a web form) and are completed by an agent later.
pub fn validate_incoming(fields: &[CustomField], values: &Value) -> Result<Value, Invalid> {
    apply(fields, values, None, false)
}

fn path(key: &str) -> String {
    format!("custom.{key}")
}

fn apply(
    fields: &[CustomField],
    values: &Value,
    existing: Option<&Value>,
    require_all: bool,
) -> Result<Value, Invalid> {
    let Value::Object(values) = values else {
        return Err(Invalid::new("custom", "must be an object of field values"));
    };
    let mut out: Map<String, Value> = match existing {
        Some(Value::Object(stored)) => stored.clone(),
        _ => Map::new(),
    };
    let field_of = |key: &str| fields.iter().find(|f| f.key == key);
    for (key, value) in values {
        let field = match field_of(key) {
            Some(field) if field.active => field,
            // Inactive fields and stored keys without a field: kept as
            // they are, whatever was sent.
            Some(_) | None if out.contains_key(key) => continue,
            Some(_) => return Err(Invalid::new(path(key), "the field is inactive")),
            None => return Err(Invalid::new(path(key), "no such field in the data mask")),
        };
        match normalize(field, value)? {
            Some(value) => {
                out.insert(key.clone(), value);
            }
            None if field.required => {
                return Err(Invalid::new(path(key), "is required"));
            }
            None => {
                out.remove(key);
            }
        }
    }
    if require_all {
        for field in fields.iter().filter(|f| f.active && f.required) {
            if !out.contains_key(&field.key) {
                return Err(Invalid::new(path(&field.key), "is required"));
            }
        }
    }
    Ok(Value::Object(out))
}

/// The value to store for `value`, `None` for an empty one (null, blank
/// text, empty list).
fn normalize(field: &CustomField, value: &Value) -> Result<Option<Value>, Invalid> {
    let key = &field.key;
    let wrong = |message: &str| Err(Invalid::new(path(key), message.to_string()));
    match (field.kind, value) {
        (_, Value::Null) => Ok(None),
        (Kind::Text, Value::String(text)) => {
            let text = text.trim();
            if text.chars().count() > MAX_TEXT_CHARS {
                return wrong("must be at most 10000 characters");
            }
            if text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            {
                return wrong("must not contain control characters");
            }
            Ok((!text.is_empty()).then(|| Value::String(text.to_string())))
        }
        (Kind::Text, _) => wrong("must be a text"),
        (Kind::Number, Value::Number(_)) => Ok(Some(value.clone())),
        (Kind::Number, _) => wrong("must be a number"),
        (Kind::Date, Value::String(text)) if text.trim().is_empty() => Ok(None),
        (Kind::Date, Value::String(text)) => {
            let text = text.trim();
            if text.len() == 10 && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
                Ok(Some(Value::String(text.to_string())))
            } else {
                wrong("must be a date as YYYY-MM-DD")
            }
        }
        (Kind::Date, _) => wrong("must be a date as YYYY-MM-DD"),
        (Kind::Select, Value::String(text)) if text.is_empty() => Ok(None),
        (Kind::Select, Value::String(text)) if field.options.contains(text) => {
            Ok(Some(value.clone()))
        }
        (Kind::Select, _) => wrong("must be one of the field's options"),
        (Kind::MultiSelect, Value::Array(items)) => {
            let mut chosen: Vec<Value> = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(text) if field.options.contains(text) => {
                        if !chosen.contains(item) {
                            chosen.push(item.clone());
                        }
                    }
                    _ => return wrong("must be a list of the field's options"),
                }
            }
            Ok((!chosen.is_empty()).then_some(Value::Array(chosen)))
        }
        (Kind::MultiSelect, _) => wrong("must be a list of the field's options"),
        (Kind::Checkbox, Value::Bool(_)) => Ok(Some(value.clone())),
        (Kind::Checkbox, _) => wrong("must be true or false"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, kind: Kind) -> CustomField {
        CustomField {
            id: 1,
            project_id: ProjectId(1),
            entity: Entity::Case,
            key: key.into(),
            label: key.into(),
            kind,
            options: if kind.has_options() {
                vec!["Basis".into(), "Öko".into(), "Fix24".into()]
            } else {
                vec![]
            },
            required: false,
            position: 0,
            help: String::new(),
            width: Width::Full,
            section: String::new(),
            active: true,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn mask() -> Vec<CustomField> {
        vec![
            field("meter", Kind::Text),
            field("count", Kind::Number),
            field("day", Kind::Date),
            field("tariff", Kind::Select),
            field("extras", Kind::MultiSelect),
            field("callback", Kind::Checkbox),
        ]
    }

    fn err_field(result: Result<Value, Invalid>) -> String {
        result.unwrap_err().field.into_owned()
    }

    #[test]
    fn accepts_every_kind() {
        let out = validate(
            &mask(),
            &json!({"meter": " 42-A ", "count": 3.5, "day": "2026-02-28", "tariff": "Öko",
                    "extras": ["Fix24", "Basis", "Fix24"], "callback": false}),
            None,
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"meter": "42-A", "count": 3.5, "day": "2026-02-28", "tariff": "Öko",
                   "extras": ["Fix24", "Basis"], "callback": false})
        );
    }

    #[test]
    fn refuses_wrong_types_naming_the_key() {
        for (values, key) in [
            (json!({"meter": 5}), "custom.meter"),
            (json!({"meter": "x".repeat(10_001)}), "custom.meter"),
            (json!({"count": "5"}), "custom.count"),
            (json!({"day": "2026-02-30"}), "custom.day"),
            (json!({"day": "1.2.2026"}), "custom.day"),
            (json!({"tariff": "Gold"}), "custom.tariff"),
            (json!({"tariff": ["Basis"]}), "custom.tariff"),
            (json!({"extras": "Basis"}), "custom.extras"),
            (json!({"extras": ["Basis", "Gold"]}), "custom.extras"),
            (json!({"callback": "yes"}), "custom.callback"),
        ] {
            assert_eq!(err_field(validate(&mask(), &values, None)), key, "{values}");
        }
        assert_eq!(err_field(validate(&mask(), &json!([1]), None)), "custom");
    }

    #[test]
    fn unknown_keys_are_refused_unless_stored() {
        assert_eq!(
            err_field(validate(&mask(), &json!({"colour": "red"}), None)),
            "custom.colour"
        );
        let stored = json!({"colour": "red", "meter": "1"});
        let out = validate(
            &mask(),
            &json!({"colour": "blue", "meter": "2"}),
            Some(&stored),
        );
        assert_eq!(out.unwrap(), json!({"colour": "red", "meter": "2"}));
    }

    #[test]
    fn required_fields_on_create_and_update() {
        let mut fields = mask();
        fields[3].required = true;
        assert_eq!(
            err_field(validate(&fields, &json!({}), None)),
            "custom.tariff"
        );
        assert_eq!(
            err_field(validate(&fields, &json!({"tariff": ""}), None)),
            "custom.tariff"
        );
        assert!(validate(&fields, &json!({"tariff": "Fix24"}), None).is_ok());
        // Not demanded of channels, nor of updates that leave it alone.
        assert!(validate_incoming(&fields, &json!({})).is_ok());
        let stored = json!({"meter": "1"});
        assert!(validate(&fields, &json!({"meter": "2"}), Some(&stored)).is_ok());
        // But cannot be cleared.
        let stored = json!({"tariff": "Basis"});
        for cleared in [json!({"tariff": null}), json!({"tariff": ""})] {
            assert_eq!(
                err_field(validate(&fields, &cleared, Some(&stored))),
                "custom.tariff"
            );
        }
    }

    #[test]
    fn updates_merge_and_null_removes() {
        let stored = json!({"meter": "1", "count": 2, "extras": ["Basis"]});
        let out = validate(
            &mask(),
            &json!({"meter": null, "extras": [], "callback": true}),
            Some(&stored),
        )
        .unwrap();
        assert_eq!(out, json!({"count": 2, "callback": true}));
    }

    #[test]
    fn inactive_fields_keep_their_values() {
        let mut fields = mask();
        fields[0].active = false;
        fields[0].required = true;
        let stored = json!({"meter": "old"});
        // Not required while inactive; sent values do not change it.
        let out = validate(&fields, &json!({"meter": "new", "count": 1}), Some(&stored));
        assert_eq!(out.unwrap(), json!({"meter": "old", "count": 1}));
        let out = validate(&fields, &json!({"meter": null}), Some(&stored));
        assert_eq!(out.unwrap(), json!({"meter": "old"}));
        assert!(validate(&fields, &json!({}), None).is_ok());
        // A new value for an inactive field is refused.
        assert_eq!(
            err_field(validate(&fields, &json!({"meter": "x"}), None)),
            "custom.meter"
        );
    }

    #[test]
    fn changed_options_keep_stored_values() {
        let mut fields = mask();
        fields[3].options = vec!["Neu".into()];
        let stored = json!({"tariff": "Basis"});
        let out = validate(&fields, &json!({"count": 1}), Some(&stored));
        assert_eq!(out.unwrap(), json!({"tariff": "Basis", "count": 1}));
    }

    #[test]
    fn keys_are_checked() {
        assert!(check_key("meter_number").is_ok());
        assert!(check_key("a").is_ok());
        for bad in ["", "1a", "_a", "Meter", "a-b", "ä", &"a".repeat(41)] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }
}
