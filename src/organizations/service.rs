use crate::ids::{ClientId, OrganizationId};
use rusqlite::Connection;
use serde_json::json;

use super::error::OrganizationError;
use super::model::{
    NewOrganization, Organization, OrganizationFields, OrganizationPage, OrganizationPatch,
    OrganizationQuery,
};
use super::store;
use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};
use crate::contacts::model::{Contact, custom_object, merged_custom, optional_value};
use crate::customers::{Search, fill_text, fill_value, merge_refusal};
use crate::paging;
use crate::validation::{Invalid, optional_text, required_text};

/// Visible organizations, newest first.
pub fn list(
    conn: &Connection,
    who: &Principal,
    query: &OrganizationQuery,
) -> Result<OrganizationPage, OrganizationError> {
    if let Some(client_id) = query.client_id {
        policy::view_customers(who, client_id)?;
    }
    let limit = paging::limit(query.limit);
    let search = Search::of(query.q.as_deref());
    if search == Search::Nothing {
        return Ok(OrganizationPage::empty());
    }
    let fts = search.words(conn, store::SEARCH_TABLE)?;
    let items = store::list(
        conn,
        &policy::customer_visibility(who),
        query.client_id,
        fts.as_deref(),
        query.before_id,
        limit,
    )?;
    Ok(OrganizationPage::of(items, limit))
}

/// A visible organization; foreign ones do not exist.
pub fn get(
    conn: &Connection,
    who: &Principal,
    id: OrganizationId,
) -> Result<Organization, OrganizationError> {
    let org = store::get(conn, id)?.ok_or(OrganizationError::NotFound)?;
    policy::view_customers(who, org.client_id).map_err(|_| OrganizationError::NotFound)?;
    Ok(org)
}

/// The organization's contacts (not merged away), newest first.
pub fn contacts(
    conn: &Connection,
    who: &Principal,
    id: OrganizationId,
) -> Result<Vec<Contact>, OrganizationError> {
    let org = get(conn, who, id)?;
    Ok(crate::contacts::store::list(
        conn,
        &crate::auth::policy::Visibility::All,
        &crate::contacts::store::ListFilter {
            client_id: Some(org.client_id),
            organization_id: Some(org.id),
            ..Default::default()
        },
        1000,
    )?)
}

pub fn create(
    conn: &Connection,
    who: &Principal,
    input: NewOrganization,
) -> Result<Organization, OrganizationError> {
    policy::edit_customers(who, input.client_id)?;
    if crate::clients::store::get(conn, input.client_id)?.is_none() {
        return Err(Invalid::new("client_id", "no such client").into());
    }
    let fields = validate(OrganizationFields {
        name: input.name,
        customer_number: input.customer_number,
        domain: input.domain,
        phone: input.phone,
        street: input.street.unwrap_or_default(),
        postal_code: input.postal_code.unwrap_or_default(),
        city: input.city.unwrap_or_default(),
        country: input.country.unwrap_or_default(),
        notes: input.notes.unwrap_or_default(),
        custom: custom_object(input.custom)?,
    })?;
    let id = insert(conn, who, input.client_id, &fields, "api")?;
    store::get(conn, id)?.ok_or(OrganizationError::NotFound)
}

/// Inserts checked fields with its audit entry (also used by the import).
pub fn insert(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
    fields: &OrganizationFields,
    via: &str,
) -> Result<OrganizationId, OrganizationError> {
    let id = store::insert(conn, client_id, fields)?;
    audit::record(
        conn,
        &Actor::from(who),
        "organization.create",
        "organization",
        Some(id.get()),
        Some(client_id),
        json!({ "name": fields.name, "via": via }),
    )?;
    Ok(id)
}

pub fn update(
    conn: &Connection,
    who: &Principal,
    id: OrganizationId,
    patch: OrganizationPatch,
) -> Result<Organization, OrganizationError> {
    let before = get(conn, who, id)?;
    policy::edit_customers(who, before.client_id)?;
    let old = OrganizationFields {
        name: before.name.clone(),
        customer_number: before.customer_number.clone(),
        domain: before.domain.clone(),
        phone: before.phone.clone(),
        street: before.street.clone(),
        postal_code: before.postal_code.clone(),
        city: before.city.clone(),
        country: before.country.clone(),
        notes: before.notes.clone(),
        custom: before.custom.to_string(),
    };
    let custom = match patch.custom {
        Some(value) => custom_object(Some(value))?,
        None => old.custom.clone(),
    };
    let new = validate(OrganizationFields {
        name: patch.name.unwrap_or_else(|| old.name.clone()),
        customer_number: patch
            .customer_number
            .unwrap_or_else(|| old.customer_number.clone()),
        domain: patch.domain.unwrap_or_else(|| old.domain.clone()),
        phone: patch.phone.unwrap_or_else(|| old.phone.clone()),
        street: patch.street.unwrap_or_else(|| old.street.clone()),
        postal_code: patch.postal_code.unwrap_or_else(|| old.postal_code.clone()),
        city: patch.city.unwrap_or_else(|| old.city.clone()),
        country: patch.country.unwrap_or_else(|| old.country.clone()),
        notes: patch.notes.unwrap_or_else(|| old.notes.clone()),
        custom,
    })?;
    let changed = changed_fields(&old, &new);
    if !changed.is_empty() {
        store::update(conn, id, &new)?;
        if old.name != new.name {
            // The contacts' search rows carry the organization's name.
            for contact in store::contact_ids(conn, id)? {
                crate::contacts::store::sync_search(conn, contact)?;
            }
        }
        audit::record(
            conn,
            &Actor::from(who),
            "organization.update",
            "organization",
            Some(id.get()),
            Some(before.client_id),
            json!({ "fields": changed }),
        )?;
    }
    store::get(conn, id)?.ok_or(OrganizationError::NotFound)
}

/// Deletes the organization; its contacts and cases stay, unlinked.
pub fn delete(
    conn: &Connection,
    who: &Principal,
    id: OrganizationId,
) -> Result<(), OrganizationError> {
    let org = get(conn, who, id)?;
    policy::manage_customers(who, org.client_id)?;
    let contacts = store::contact_ids(conn, id)?;
    let cases_unlinked = store::delete(conn, id)?;
    for contact in &contacts {
        crate::contacts::store::sync_search(conn, *contact)?;
    }
    audit::record(
        conn,
        &Actor::from(who),
        "organization.delete",
        "organization",
        Some(id.get()),
        Some(org.client_id),
        json!({ "name": org.name, "contacts_unlinked": contacts.len(), "cases_unlinked": cases_unlinked }),
    )?;
    Ok(())
}

/// Checks and normalises all fields.
pub fn validate(f: OrganizationFields) -> Result<OrganizationFields, Invalid> {
    let domain = match optional_value("domain", f.domain.as_deref(), 253)? {
        Some(d) => {
            let d = d.trim_start_matches('@').to_lowercase();
            let ok = d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && d.chars()
                    .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
            if !ok {
                return Err(Invalid::new("domain", "is not a valid domain name"));
            }
            Some(d)
        }
        None => None,
    };
    Ok(OrganizationFields {
        name: required_text("name", &f.name, 200)?,
        customer_number: optional_value("customer_number", f.customer_number.as_deref(), 60)?,
        domain,
        phone: optional_value("phone", f.phone.as_deref(), 40)?,
        street: optional_text("street", &f.street, 200, false)?,
        postal_code: optional_text("postal_code", &f.postal_code, 20, false)?,
        city: optional_text("city", &f.city, 120, false)?,
        country: optional_text("country", &f.country, 120, false)?,
        notes: optional_text("notes", &f.notes, 10_000, true)?,
        custom: f.custom,
    })
}

fn changed_fields(old: &OrganizationFields, new: &OrganizationFields) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let mut check = |name: &'static str, differs: bool| {
        if differs {
            changed.push(name);
        }
    };
    check("name", old.name != new.name);
    check(
        "customer_number",
        old.customer_number != new.customer_number,
    );
    check("domain", old.domain != new.domain);
    check("phone", old.phone != new.phone);
    check("street", old.street != new.street);
    check("postal_code", old.postal_code != new.postal_code);
    check("city", old.city != new.city);
    check("country", old.country != new.country);
    check("notes", old.notes != new.notes);
    check("custom", old.custom != new.custom);
    changed
}

/// Merges organization `id` into `into_id` (same client): contacts and
/// cases move, empty fields of the target are filled from the source, the
/// source is kept with `merged_into_id` set. Returns the target.
pub fn merge(
    conn: &Connection,
    who: &Principal,
    id: OrganizationId,
    into_id: OrganizationId,
) -> Result<Organization, OrganizationError> {
    let source = get(conn, who, id)?;
    policy::manage_customers(who, source.client_id)?;
    let target = get(conn, who, into_id)?;
    if let Some(why) = merge_refusal(&source, &target) {
        return Err(OrganizationError::MergeInvalid(why));
    }
    let moved = store::merge(conn, source.id, target.id)?;
    let old = fields_of(&target);
    let new = merged_fields(&old, &fields_of(&source));
    let filled = changed_fields(&old, &new);
    if !filled.is_empty() {
        store::update(conn, target.id, &new)?;
    }
    // The contacts' search rows carry the organization's name.
    for contact in &moved {
        crate::contacts::store::sync_search(conn, *contact)?;
    }
    audit::record(
        conn,
        &Actor::from(who),
        "organization.merge",
        "organization",
        Some(source.id.get()),
        Some(source.client_id),
        json!({ "into_id": target.id, "contacts_moved": moved.len(), "fields_filled": filled }),
    )?;
    store::get(conn, target.id)?.ok_or(OrganizationError::NotFound)
}

fn fields_of(org: &Organization) -> OrganizationFields {
    OrganizationFields {
        name: org.name.clone(),
        customer_number: org.customer_number.clone(),
        domain: org.domain.clone(),
        phone: org.phone.clone(),
        street: org.street.clone(),
        postal_code: org.postal_code.clone(),
        city: org.city.clone(),
        country: org.country.clone(),
        notes: org.notes.clone(),
        custom: org.custom.to_string(),
    }
}

/// The target's fields, its empty ones filled from the source; custom
/// values added where the target has none.
fn merged_fields(target: &OrganizationFields, source: &OrganizationFields) -> OrganizationFields {
    let mut out = target.clone();
    fill_value(&mut out.customer_number, &source.customer_number);
    fill_value(&mut out.domain, &source.domain);
    fill_value(&mut out.phone, &source.phone);
    fill_text(&mut out.street, &source.street);
    fill_text(&mut out.postal_code, &source.postal_code);
    fill_text(&mut out.city, &source.city);
    fill_text(&mut out.country, &source.country);
    fill_text(&mut out.notes, &source.notes);
    out.custom = merged_custom(&out.custom, &source.custom);
    out
}
