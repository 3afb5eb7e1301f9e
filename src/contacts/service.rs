use crate::ids::{ClientId, ContactId, OrganizationId};
use std::collections::BTreeMap;

use rusqlite::Connection;
use serde_json::json;

use super::error::ContactError;
use super::model::{
    Contact, ContactFields, ContactPage, ContactPatch, ContactQuery, DuplicateGroup,
    DuplicateReason, LookupQuery, NewContact, custom_object, merged_custom, normalised_name,
    optional_value, phone, phone_digits,
};
use super::store::{self, ListFilter, Match};
use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};
use crate::customers::{Search, fill_text, fill_value, merge_refusal};
use crate::organizations;
use crate::paging;
use crate::validation::{self, Invalid, optional_text, required_text};

/// Contacts of the visible clients, newest first.
pub fn list(
    conn: &Connection,
    who: &Principal,
    query: &ContactQuery,
) -> Result<ContactPage, ContactError> {
    if let Some(client_id) = query.client_id {
        policy::view_customers(who, client_id)?;
    }
    let limit = paging::limit(query.limit);
    let search = Search::of(query.q.as_deref());
    if search == Search::Nothing {
        return Ok(ContactPage::empty());
    }
    let fts = search.words(conn, store::SEARCH_TABLE)?;
    let filter = ListFilter {
        client_id: query.client_id,
        organization_id: query.organization_id,
        fts: fts.as_deref(),
        before_id: query.before_id,
    };
    let items = store::list(conn, &policy::customer_visibility(who), &filter, limit)?;
    Ok(ContactPage::of(items, limit))
}

/// A visible contact (merged ones too, so that old links resolve); foreign
/// ones do not exist.
pub fn get(conn: &Connection, who: &Principal, id: ContactId) -> Result<Contact, ContactError> {
    let contact = store::get(conn, id)?.ok_or(ContactError::NotFound)?;
    policy::view_customers(who, contact.client_id).map_err(|_| ContactError::NotFound)?;
    Ok(contact)
}

/// [`get`] for a person reading it: records the access (GDPR records of
/// processing) in the same transaction.
pub fn view(conn: &Connection, who: &Principal, id: ContactId) -> Result<Contact, ContactError> {
    let contact = get(conn, who, id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "contact.view",
        "contact",
        Some(id.get()),
        Some(contact.client_id),
        json!({}),
    )?;
    Ok(contact)
}

/// Contacts with this address, or this number (digits; without an exact
/// match, the last 8 digits).
pub fn lookup(
    conn: &Connection,
    who: &Principal,
    query: &LookupQuery,
) -> Result<Vec<Contact>, ContactError> {
    look_up(who, query, |visibility, client_id, by| {
        store::lookup(conn, visibility, client_id, by)
    })
}

/// The first contact [`lookup`] finds, by id alone (a case's inline
/// contact).
pub fn lookup_first(
    conn: &Connection,
    who: &Principal,
    query: &LookupQuery,
) -> Result<Option<ContactId>, ContactError> {
    let found = look_up(who, query, |visibility, client_id, by| {
        Ok(store::lookup_first(conn, visibility, client_id, by)?
            .into_iter()
            .collect())
    })?;
    Ok(found.into_iter().next())
}

/// A look-up by e-mail address or phone number: checked, then `find` by
/// the address, or by the number's digits and else its last digits.
fn look_up<T>(
    who: &Principal,
    query: &LookupQuery,
    find: impl Fn(&policy::Visibility, Option<ClientId>, Match) -> crate::db::StoreResult<Vec<T>>,
) -> Result<Vec<T>, ContactError> {
    if let Some(client_id) = query.client_id {
        policy::view_customers(who, client_id)?;
    }
    let visibility = policy::customer_visibility(who);
    match (&query.email, &query.phone) {
        (Some(email), None) => {
            let email = email.trim().to_lowercase();
            if email.is_empty() {
                return Err(Invalid::new("email", "must not be empty").into());
            }
            Ok(find(&visibility, query.client_id, Match::Email(&email))?)
        }
        (None, Some(number)) => {
            let digits = phone_digits(number);
            if digits.len() < 3 {
                return Err(Invalid::new("phone", "has too few digits").into());
            }
            let exact = find(&visibility, query.client_id, Match::Digits(&digits))?;
            if !exact.is_empty() || digits.len() < store::TAIL_DIGITS {
                return Ok(exact);
            }
            let suffix = &digits[digits.len() - store::TAIL_DIGITS..];
            Ok(find(&visibility, query.client_id, Match::Suffix(suffix))?)
        }
        _ => Err(Invalid::new("email", "give either email or phone").into()),
    }
}

pub fn create(
    conn: &Connection,
    who: &Principal,
    input: NewContact,
) -> Result<Contact, ContactError> {
    create_checked(conn, who, input, true)
}

/// A contact created on the way (by a case from an e-mail or a call): its
/// `custom` values are checked against the client's contact mask, but
/// required fields are left for the agent to fill in.
pub fn create_incoming(
    conn: &Connection,
    who: &Principal,
    input: NewContact,
) -> Result<Contact, ContactError> {
    create_checked(conn, who, input, false)
}

/// The `custom` object to store: `values` checked against the contact mask
/// of the client (the contact fields of all its projects) and merged into
/// `existing` on update.
fn masked_custom(
    conn: &Connection,
    client_id: ClientId,
    values: serde_json::Value,
    existing: Option<&serde_json::Value>,
    require_fields: bool,
) -> Result<String, ContactError> {
    let mask = crate::fields::service::contact_mask(conn, client_id)?;
    let checked = if require_fields || existing.is_some() {
        crate::fields::validate(&mask, &values, existing)?
    } else {
        crate::fields::validate_incoming(&mask, &values)?
    };
    Ok(custom_object(Some(checked))?)
}

fn create_checked(
    conn: &Connection,
    who: &Principal,
    input: NewContact,
    require_fields: bool,
) -> Result<Contact, ContactError> {
    policy::edit_customers(who, input.client_id)?;
    if crate::clients::store::get(conn, input.client_id)?.is_none() {
        return Err(Invalid::new("client_id", "no such client").into());
    }
    let custom = masked_custom(
        conn,
        input.client_id,
        input.custom.unwrap_or_else(|| json!({})),
        None,
        require_fields,
    )?;
    let fields = validate(
        conn,
        input.client_id,
        ContactFields {
            name: input.name,
            emails: input.emails,
            phones: input.phones,
            organization_id: input.organization_id,
            customer_number: input.customer_number,
            language: input.language,
            street: input.street.unwrap_or_default(),
            postal_code: input.postal_code.unwrap_or_default(),
            city: input.city.unwrap_or_default(),
            country: input.country.unwrap_or_default(),
            notes: input.notes.unwrap_or_default(),
            custom,
        },
    )?;
    let id = insert(conn, who, input.client_id, &fields, "api")?;
    store::get(conn, id)?.ok_or(ContactError::NotFound)
}

pub(super) fn insert(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
    fields: &ContactFields,
    via: &str,
) -> Result<ContactId, ContactError> {
    let id = store::insert(conn, client_id, fields)?;
    // No personal data in the append-only log: it must be erasable.
    audit::record(
        conn,
        &Actor::from(who),
        "contact.create",
        "contact",
        Some(id.get()),
        Some(client_id),
        json!({ "via": via }),
    )?;
    Ok(id)
}

pub(super) fn fields_of(c: &Contact) -> ContactFields {
    ContactFields {
        name: c.name.clone(),
        emails: c.emails.clone(),
        phones: c.phones.clone(),
        organization_id: c.organization_id,
        customer_number: c.customer_number.clone(),
        language: c.language.clone(),
        street: c.street.clone(),
        postal_code: c.postal_code.clone(),
        city: c.city.clone(),
        country: c.country.clone(),
        notes: c.notes.clone(),
        custom: c.custom.to_string(),
    }
}

pub fn update(
    conn: &Connection,
    who: &Principal,
    id: ContactId,
    patch: ContactPatch,
) -> Result<Contact, ContactError> {
    let before = get(conn, who, id)?;
    policy::edit_customers(who, before.client_id)?;
    if before.merged_into_id.is_some() {
        return Err(ContactError::MergeInvalid(
            "this contact was merged into another one; change that one",
        ));
    }
    let old = fields_of(&before);
    let custom = match patch.custom {
        Some(value) => masked_custom(conn, before.client_id, value, Some(&before.custom), true)?,
        None => old.custom.clone(),
    };
    let new = validate(
        conn,
        before.client_id,
        ContactFields {
            name: patch.name.unwrap_or_else(|| old.name.clone()),
            emails: patch.emails.unwrap_or_else(|| old.emails.clone()),
            phones: patch.phones.unwrap_or_else(|| old.phones.clone()),
            organization_id: patch.organization_id.unwrap_or(old.organization_id),
            customer_number: patch
                .customer_number
                .unwrap_or_else(|| old.customer_number.clone()),
            language: patch.language.unwrap_or_else(|| old.language.clone()),
            street: patch.street.unwrap_or_else(|| old.street.clone()),
            postal_code: patch.postal_code.unwrap_or_else(|| old.postal_code.clone()),
            city: patch.city.unwrap_or_else(|| old.city.clone()),
            country: patch.country.unwrap_or_else(|| old.country.clone()),
            notes: patch.notes.unwrap_or_else(|| old.notes.clone()),
            custom,
        },
    )?;
    save_changes(conn, who, &before, &old, &new, json!({ "via": "api" }))?;
    store::get(conn, id)?.ok_or(ContactError::NotFound)
}

/// Stores `new` if it differs from `old`, with an audit entry naming the
/// changed fields (not their values). Returns whether anything changed.
pub(super) fn save_changes(
    conn: &Connection,
    who: &Principal,
    contact: &Contact,
    old: &ContactFields,
    new: &ContactFields,
    mut details: serde_json::Value,
) -> Result<bool, ContactError> {
    let changed = changed_fields(old, new);
    if changed.is_empty() {
        return Ok(false);
    }
    store::update(conn, contact.id, new)?;
    details["fields"] = json!(changed);
    audit::record(
        conn,
        &Actor::from(who),
        "contact.update",
        "contact",
        Some(contact.id.get()),
        Some(contact.client_id),
        details,
    )?;
    Ok(true)
}

/// Deletes the contact (and contacts merged into it); their cases stay,
/// without contact.
pub fn delete(conn: &Connection, who: &Principal, id: ContactId) -> Result<(), ContactError> {
    let contact = get(conn, who, id)?;
    policy::manage_customers(who, contact.client_id)?;
    let (deleted, cases_unlinked) = store::delete(conn, id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "contact.delete",
        "contact",
        Some(id.get()),
        Some(contact.client_id),
        json!({ "contacts_deleted": deleted, "cases_unlinked": cases_unlinked }),
    )?;
    Ok(())
}

/// Merges contact `id` into `into_id`: addresses, numbers and cases move,
/// empty fields of the target are filled from the source, the source is
/// kept with `merged_into_id` set and hidden from lists. Returns the target.
pub fn merge(
    conn: &Connection,
    who: &Principal,
    id: ContactId,
    into_id: ContactId,
) -> Result<Contact, ContactError> {
    let source = get(conn, who, id)?;
    policy::manage_customers(who, source.client_id)?;
    let target = get(conn, who, into_id)?;
    if let Some(why) = merge_refusal(&source, &target) {
        return Err(ContactError::MergeInvalid(why));
    }
    let old = fields_of(&target);
    let new = merged_fields(&old, &fields_of(&source));
    let cases_moved = store::merge(conn, source.id, target.id)?;
    // The target's addresses are rewritten (with the source's) here, after
    // the source's were released.
    let details = json!({ "merged_from": source.id });
    if !save_changes(conn, who, &target, &old, &new, details)? {
        store::sync_search(conn, target.id)?;
    }
    audit::record(
        conn,
        &Actor::from(who),
        "contact.merge",
        "contact",
        Some(source.id.get()),
        Some(source.client_id),
        json!({ "into_id": target.id, "cases_moved": cases_moved }),
    )?;
    store::get(conn, target.id)?.ok_or(ContactError::NotFound)
}

/// The target's fields, its empty ones filled from the source, addresses
/// and numbers joined (same digits count once), custom values added where
/// the target has none.
pub fn merged_fields(target: &ContactFields, source: &ContactFields) -> ContactFields {
    let mut out = target.clone();
    for email in &source.emails {
        if !out.emails.contains(email) {
            out.emails.push(email.clone());
        }
    }
    for number in &source.phones {
        let digits = phone_digits(number);
        if !out.phones.iter().any(|p| phone_digits(p) == digits) {
            out.phones.push(number.clone());
        }
    }
    fill_value(&mut out.organization_id, &source.organization_id);
    fill_value(&mut out.customer_number, &source.customer_number);
    fill_value(&mut out.language, &source.language);
    fill_text(&mut out.street, &source.street);
    fill_text(&mut out.postal_code, &source.postal_code);
    fill_text(&mut out.city, &source.city);
    fill_text(&mut out.country, &source.country);
    fill_text(&mut out.notes, &source.notes);
    out.custom = merged_custom(&out.custom, &source.custom);
    out
}

/// Likely duplicates among the client's contacts: the same e-mail address,
/// the same phone digits, or the same normalised name in the same city or
/// organization.
pub fn duplicates(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
) -> Result<Vec<DuplicateGroup>, ContactError> {
    policy::view_customers(who, client_id)?;
    let ids = |text: &str| -> Vec<ContactId> {
        let mut ids: Vec<ContactId> = serde_json::from_str(text).unwrap_or_default();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let mut groups = Vec::new();
    for (email, members) in store::shared_emails(conn, client_id)? {
        groups.push(DuplicateGroup {
            reason: DuplicateReason::Email,
            value: email,
            contact_ids: ids(&members),
        });
    }
    for (digits, members) in store::shared_phones(conn, client_id)? {
        groups.push(DuplicateGroup {
            reason: DuplicateReason::Phone,
            value: digits,
            contact_ids: ids(&members),
        });
    }
    let mut by_city: BTreeMap<(String, String), Vec<ContactId>> = BTreeMap::new();
    let mut by_org: BTreeMap<(String, OrganizationId), Vec<ContactId>> = BTreeMap::new();
    for row in store::names(conn, client_id)? {
        let name = normalised_name(&row.name);
        if name.is_empty() {
            continue;
        }
        let city = normalised_name(&row.city);
        if !city.is_empty() {
            by_city
                .entry((name.clone(), city))
                .or_default()
                .push(row.id);
        }
        if let Some(org) = row.organization_id {
            by_org.entry((name, org)).or_default().push(row.id);
        }
    }
    let mut seen: Vec<Vec<ContactId>> = Vec::new();
    let name_groups = by_city
        .into_iter()
        .map(|((name, _), ids)| (name, ids))
        .chain(by_org.into_iter().map(|((name, _), ids)| (name, ids)));
    for (name, ids) in name_groups {
        if ids.len() > 1 && !seen.contains(&ids) {
            seen.push(ids.clone());
            groups.push(DuplicateGroup {
                reason: DuplicateReason::Name,
                value: name,
                contact_ids: ids,
            });
        }
    }
    Ok(groups)
}

/// Checks and normalises all fields; the organization must belong to the
/// same client.
pub fn validate(
    conn: &Connection,
    client_id: ClientId,
    f: ContactFields,
) -> Result<ContactFields, ContactError> {
    let checked = check_fields(f)?;
    if let Some(org) = checked.organization_id {
        match organizations::store::get(conn, org)? {
            Some(o) if o.client_id == client_id => {}
            _ => {
                return Err(Invalid::new("organization_id", "no such organization").into());
            }
        }
    }
    Ok(checked)
}

/// The checks that need no store.
pub fn check_fields(f: ContactFields) -> Result<ContactFields, Invalid> {
    if f.emails.len() > 20 {
        return Err(Invalid::new("emails", "at most 20 addresses"));
    }
    if f.phones.len() > 20 {
        return Err(Invalid::new("phones", "at most 20 numbers"));
    }
    let mut emails: Vec<String> = Vec::with_capacity(f.emails.len());
    for email in &f.emails {
        let email = validation::email("emails", email)?;
        if !emails.contains(&email) {
            emails.push(email);
        }
    }
    let mut phones: Vec<String> = Vec::with_capacity(f.phones.len());
    for number in &f.phones {
        let number = phone("phones", number)?;
        let digits = phone_digits(&number);
        if !phones.iter().any(|p| phone_digits(p) == digits) {
            phones.push(number);
        }
    }
    let language = match optional_value("language", f.language.as_deref(), 2)? {
        None => None,
        Some(l) => match l.to_lowercase().as_str() {
            "de" => Some("de".to_string()),
            "en" => Some("en".to_string()),
            _ => return Err(Invalid::new("language", "must be de or en")),
        },
    };
    Ok(ContactFields {
        name: required_text("name", &f.name, 200)?,
        emails,
        phones,
        organization_id: f.organization_id,
        customer_number: optional_value("customer_number", f.customer_number.as_deref(), 60)?,
        language,
        street: optional_text("street", &f.street, 200, false)?,
        postal_code: optional_text("postal_code", &f.postal_code, 20, false)?,
        city: optional_text("city", &f.city, 120, false)?,
        country: optional_text("country", &f.country, 120, false)?,
        notes: optional_text("notes", &f.notes, 10_000, true)?,
        custom: f.custom,
    })
}

fn changed_fields(old: &ContactFields, new: &ContactFields) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let mut check = |name: &'static str, differs: bool| {
        if differs {
            changed.push(name);
        }
    };
    check("name", old.name != new.name);
    check("emails", old.emails != new.emails);
    check("phones", old.phones != new.phones);
    check(
        "organization_id",
        old.organization_id != new.organization_id,
    );
    check(
        "customer_number",
        old.customer_number != new.customer_number,
    );
    check("language", old.language != new.language);
    check("street", old.street != new.street);
    check("postal_code", old.postal_code != new.postal_code);
    check("city", old.city != new.city);
    check("country", old.country != new.country);
    check("notes", old.notes != new.notes);
    check("custom", old.custom != new.custom);
    changed
}
