// A contact's master data and the client's contact fields, read first (a
// card of facts with "Edit"), then edited in one form with one save; their
// cases and GDPR.

import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, query, type CasePage, type Contact, type ContactFull, type ContactPage, type CustomField, type DuplicateGroup, type List, type Organization } from '../api';
import { formatDateTime, formatNumber, formatShort, t } from '../i18n';
import { navigate, type Params } from '../router';
import { CustomFieldsFacts, CustomFieldsForm, changedValues, fieldErrors, withoutError, type FieldErrors, type Values } from '../components/CustomFields';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { Empty, Loading, Page } from '../components/Page';
import { StatusBadge } from '../components/caseBits';
import { useLoad } from '../components/useLoad';
import { MergeDialog, type MergeCandidate } from '../components/MergeDialog';
import { canManageCustomers, splitList } from './customers/shared';
import { GdprContactCard } from '../components/GdprContactCard';
import { mayAtClient, useSession } from '../session';

const LANGUAGES = ['de', 'en', 'fr', 'it', 'nl', 'pl', 'tr'];

interface Form {
  name: string;
  emails: string;
  phones: string;
  organization_id: string;
  customer_number: string;
  language: string;
  street: string;
  postal_code: string;
  city: string;
  country: string;
  notes: string;
}

function toForm(c: Contact): Form {
  return {
    name: c.name,
    emails: c.emails.join('\n'),
    phones: c.phones.join('\n'),
    organization_id: c.organization_id ? String(c.organization_id) : '',
    customer_number: c.customer_number ?? '',
    language: c.language ?? '',
    street: c.street ?? '',
    postal_code: c.postal_code ?? '',
    city: c.city ?? '',
    country: c.country ?? '',
    notes: c.notes ?? '',
  };
}

export function ContactDetailPage({ params }: { params: Params }) {
  const id = Number(params.id);
  const { me } = useSession();
  const contact = useLoad(() => api.get<ContactFull>(`/contacts/${id}`), [id]);
  const c = contact.data;
  const orgs = useLoad(
    () => (c ? api.get<List<Organization>>('/organizations' + query({ client_id: c.client_id, limit: 200 })).then((r) => r.items) : Promise.resolve([] as Organization[])),
    [c?.client_id],
  );
  const cases = useLoad(() => api.get<CasePage>('/cases' + query({ contact_id: id, view: 'all', limit: 50 })), [id]);
  // The client's contact mask: read with the master data, edited in the same form.
  const mask = useLoad(
    () => (c ? api.get<List<CustomField>>(`/clients/${c.client_id}/contact-fields`).then((r) => r.items.filter((f) => f.active)) : Promise.resolve([] as CustomField[])),
    [c?.client_id],
  );
  const fields = mask.data ?? [];
  const [custom, setCustom] = useState<Values>({});
  const [customErrors, setCustomErrors] = useState<FieldErrors>({});
  const [form, setForm] = useState<Form | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [merging, setMerging] = useState(false);
  const [editing, setEditing] = useState(false);

  useEffect(() => {
    if (c) setForm(toForm(c));
  }, [c]);
  // Another contact opened: its read view.
  useEffect(() => setEditing(false), [id]);

  const set = (k: keyof Form) => (e: Event) => {
    setSaved(false);
    setForm((f) => (f ? { ...f, [k]: (e.currentTarget as HTMLInputElement).value } : f));
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (!form || !c || busy) return;
    setBusy(true);
    setError(null);
    setCustomErrors({});
    setSaved(false);
    const changed = changedValues(fields, (c.custom ?? {}) as Values, custom);
    try {
      // Master data and custom fields in one request: both saved or neither.
      await api.patch<Contact>(`/contacts/${id}`, {
        ...(Object.keys(changed).length ? { custom: changed } : {}),
        name: form.name.trim(),
        emails: splitList(form.emails),
        phones: splitList(form.phones),
        organization_id: form.organization_id ? Number(form.organization_id) : null,
        customer_number: form.customer_number.trim() || null,
        language: form.language || null,
        street: form.street.trim(),
        postal_code: form.postal_code.trim(),
        city: form.city.trim(),
        country: form.country.trim(),
        notes: form.notes,
      });
      await contact.reload();
      setSaved(true);
      setEditing(false);
    } catch (err) {
      const perField = fieldErrors(err);
      if (Object.keys(perField).length) setCustomErrors(perField);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  const orgOptions = [...(orgs.data ?? [])];
  if (c?.organization_id && !orgOptions.some((o) => o.id === c.organization_id))
    orgOptions.unshift({ id: c.organization_id, name: c.organization_name ?? `#${c.organization_id}` } as Organization);

  return (
    <Page
      title={c ? c.name : t('contacts.title')}
      testId="contact-detail"
      actions={
        c &&
        !c.merged_into_id &&
        canManageCustomers(me, c.client_id) && (
          <button type="button" class="btn" onClick={() => setMerging(true)} data-testid="contact-merge">
            {t('merge.action')}
          </button>
        )
      }
    >
      <p class="breadcrumb">
        <Link href="/contacts">← {t('contacts.back')}</Link>
      </p>
      <ErrorBox error={contact.error} />
      {c?.merged_into_id && (
        <div class="alert alert-info" role="status" data-testid="contact-merged">
          {t('contacts.merged')} <Link href={`/contacts/${c.merged_into_id}`}>{t('merge.openTarget')}</Link>
        </div>
      )}
      {merging && c && (
        <MergeDialog
          testId="contact-merge-dialog"
          source={c}
          initialQuery={c.name}
          search={async (q) => {
            const page = await api.get<ContactPage>('/contacts' + query({ client_id: c.client_id, q, limit: 20 }));
            return page.items.map(contactCandidate);
          }}
          suggestions={() => duplicateSuggestions(c)}
          consequences={(target) => t('merge.contactText', { source: c.name, target: target.name, cases: formatNumber(c.case_count) })}
          merge={async (intoId) => {
            const target = await api.post<Contact>(`/contacts/${c.id}/merge`, { into_id: intoId });
            navigate(`/contacts/${target.id}`);
          }}
          onClose={() => setMerging(false)}
        />
      )}
      {contact.loading && !c && <Loading />}
      {c && form && (
        <div class="contact-layout">
          {!editing && (
            <section class="card" data-testid="contact-edit" aria-labelledby="contact-facts-title">
              <div class="card-head">
                <h2 id="contact-facts-title">{t('contacts.masterData')}</h2>
                {!c.merged_into_id && (
                  <button
                    type="button"
                    class="btn btn-small"
                    onClick={() => {
                      setForm(toForm(c));
                      setCustom({ ...((c.custom ?? {}) as Values) });
                      setCustomErrors({});
                      setError(null);
                      setSaved(false);
                      setEditing(true);
                    }}
                    data-testid="contact-edit-button"
                  >
                    {t('common.edit')}
                  </button>
                )}
              </div>
              <ContactFacts c={c} />
              {fields.length > 0 && (
                <div data-testid="contact-fields-card">
                  <h3>{t('fields.card')}</h3>
                  <CustomFieldsFacts fields={fields} values={(c.custom ?? {}) as Values} testId="contact-fields-facts" />
                </div>
              )}
              <ErrorBox error={mask.error} />
              {saved && (
                <p class="save-ok" role="status" data-testid="contact-saved">
                  {t('common.saved')}
                </p>
              )}
            </section>
          )}
          {editing && (
          <form class="card form" onSubmit={save} data-testid="contact-edit">
            <h2>{t('contacts.masterData')}</h2>
            <Field label={t('common.name')}>
              <input required value={form.name} onInput={set('name')} data-testid="contact-name" />
            </Field>
            <div class="form-row">
              <Field label={t('contacts.emails')} hint={t('contacts.onePerLine')}>
                <textarea rows={2} value={form.emails} onInput={set('emails')} data-testid="contact-emails" />
              </Field>
              <Field label={t('contacts.phones')} hint={t('contacts.onePerLine')}>
                <textarea rows={2} value={form.phones} onInput={set('phones')} data-testid="contact-phones" />
              </Field>
            </div>
            <div class="form-row">
              <Field label={t('contacts.organization')}>
                <select value={form.organization_id} onChange={set('organization_id')}>
                  <option value="">{t('contacts.noOrganization')}</option>
                  {orgOptions.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                    </option>
                  ))}
                </select>
                {c.organization_id && (
                  <Link href={`/organizations/${c.organization_id}`} class="small" testId="contact-org-link">
                    {t('orgs.open')}
                  </Link>
                )}
              </Field>
              <Field label={t('contacts.customerNumber')}>
                <input value={form.customer_number} onInput={set('customer_number')} />
              </Field>
            </div>
            <div class="form-row">
              <Field label={t('common.locale')}>
                <select value={form.language} onChange={set('language')}>
                  <option value="">{t('common.none')}</option>
                  {form.language && !LANGUAGES.includes(form.language) && <option value={form.language}>{form.language}</option>}
                  {LANGUAGES.map((l) => (
                    <option key={l} value={l}>
                      {languageName(l)}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label={t('contacts.country')}>
                <input value={form.country} onInput={set('country')} autoComplete="off" />
              </Field>
            </div>
            <Field label={t('contacts.street')}>
              <input value={form.street} onInput={set('street')} autoComplete="off" />
            </Field>
            <div class="form-row">
              <Field label={t('contacts.postalCode')}>
                <input value={form.postal_code} onInput={set('postal_code')} autoComplete="off" />
              </Field>
              <Field label={t('contacts.city')}>
                <input value={form.city} onInput={set('city')} autoComplete="off" data-testid="contact-city" />
              </Field>
            </div>
            <Field label={t('contacts.notes')}>
              <textarea rows={3} value={form.notes} onInput={set('notes')} />
            </Field>
            {fields.length > 0 && (
              <fieldset class="fieldset" data-testid="contact-fields-card">
                <legend>{t('fields.card')}</legend>
                <CustomFieldsForm
                  fields={fields}
                  values={custom}
                  errors={customErrors}
                  idPrefix={`contact-${c.id}-custom`}
                  onChange={(key, v) => {
                    setSaved(false);
                    setCustomErrors(withoutError(key));
                    setCustom((x) => ({ ...x, [key]: v }));
                  }}
                />
              </fieldset>
            )}
            <ErrorBox error={error ?? orgs.error} />
            <div class="form-actions">
              <span class="muted small form-meta">
                {t('common.created')}: {formatDateTime(c.created_at)}
              </span>
              <button type="button" class="btn" onClick={() => setEditing(false)} data-testid="contact-cancel">
                {t('common.cancel')}
              </button>
              <button type="submit" class="btn btn-primary" disabled={busy} data-testid="contact-save">
                {busy ? t('common.saving') : t('common.save')}
              </button>
            </div>
          </form>
          )}

          <section class="card" data-testid="contact-cases">
            <h2>{t('contacts.cases')}</h2>
            <ErrorBox error={cases.error} />
            {cases.loading && !cases.data && <Loading />}
            {cases.data && (
              <div class="table-wrap">
                <table class="table table-dense">
                  <thead>
                    <tr>
                      <th scope="col">{t('case.ref')}</th>
                      <th scope="col">{t('case.subject')}</th>
                      <th scope="col">{t('case.status')}</th>
                      <th scope="col">{t('case.updated')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {cases.data.items.length === 0 && <Empty colSpan={4} />}
                    {cases.data.items.map((x) => (
                      <tr key={x.id}>
                        <td class="nowrap">
                          <Link href={`/cases/${x.id}`}>{x.ref}</Link>
                        </td>
                        <td>{x.subject}</td>
                        <td>
                          <StatusBadge status={x.status} />
                        </td>
                        <td class="nowrap">{formatShort(x.updated_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>

          {mayAtClient(me, c.client_id, 'gdpr_requests') && (
            <GdprContactCard contactId={c.id} name={c.name} />
          )}
        </div>
      )}
    </Page>
  );
}

/** The read view of a contact's master data: only what is filled in, "—" for a missing name of a field worth knowing. */
function ContactFacts({ c }: { c: Contact }) {
  const address = [c.street, [c.postal_code, c.city].filter(Boolean).join(' '), c.country].filter(Boolean);
  const rows: [string, ComponentChildren, string][] = [
    [t('common.name'), c.name, 'name'],
    [
      t('contacts.emails'),
      c.emails.length
        ? c.emails.map((e) => (
            <div key={e} class="one-line" title={e}>
              <a href={`mailto:${e}`}>{e}</a>
            </div>
          ))
        : t('common.none'),
      'emails',
    ],
    [
      t('contacts.phones'),
      c.phones.length
        ? c.phones.map((p) => (
            <div key={p}>
              <a href={`tel:${p.replace(/[^\d+]/g, '')}`}>{p}</a>
            </div>
          ))
        : t('common.none'),
      'phones',
    ],
    [t('contacts.organization'), c.organization_id ? <Link href={`/organizations/${c.organization_id}`}>{c.organization_name ?? t('common.none')}</Link> : t('contacts.noOrganization'), 'organization'],
    [t('contacts.customerNumber'), c.customer_number || t('common.none'), 'customer-number'],
    [t('common.locale'), c.language ? languageName(c.language) : t('common.none'), 'language'],
    [t('contacts.address'), address.length ? address.map((line) => <div key={line}>{line}</div>) : t('common.none'), 'address'],
  ];
  return (
    <dl class="facts" data-testid="contact-facts">
      {rows.map(([label, value, key]) => (
        <Fragment key={key}>
          <dt>{label}</dt>
          <dd data-testid={`contact-read-${key}`}>{value}</dd>
        </Fragment>
      ))}
      {c.notes && (
        <>
          <dt>{t('contacts.notes')}</dt>
          <dd class="pre" data-testid="contact-read-notes">
            {c.notes}
          </dd>
        </>
      )}
    </dl>
  );
}

/** A contact as a merge target: name and what tells namesakes apart. */
function contactCandidate(x: Contact): MergeCandidate {
  return { id: x.id, name: x.name, detail: [x.emails[0], x.phones[0], x.city, x.customer_number].filter(Boolean).join(' · ') };
}

/**
 * The server's likely duplicates of `c` (same e-mail, phone digits, or name),
 * resolved to contacts by look-up and search rather than by reading each
 * contact, which would be recorded as a view.
 */
async function duplicateSuggestions(c: Contact): Promise<(MergeCandidate & { reason: string })[]> {
  const groups = (await api.get<List<DuplicateGroup>>('/contacts/duplicates' + query({ client_id: c.client_id }))).items.filter((g) =>
    g.contact_ids.includes(c.id),
  );
  const reasons = { email: t('merge.reason.email'), phone: t('merge.reason.phone'), name: t('merge.reason.name') };
  const out = new Map<number, MergeCandidate & { reason: string }>();
  for (const g of groups) {
    const found =
      g.reason === 'name'
        ? (await api.get<ContactPage>('/contacts' + query({ client_id: c.client_id, q: c.name, limit: 50 }))).items
        : (await api.get<List<Contact>>('/contacts/lookup' + query({ client_id: c.client_id, [g.reason]: g.value }))).items;
    for (const x of found) {
      if (x.id !== c.id && g.contact_ids.includes(x.id) && !out.has(x.id)) out.set(x.id, { ...contactCandidate(x), reason: reasons[g.reason] });
    }
  }
  return [...out.values()];
}

function languageName(code: string): string {
  try {
    const dn = new Intl.DisplayNames([document.documentElement.lang || 'en'], { type: 'language' });
    return dn.of(code) ?? code;
  } catch {
    return code;
  }
}
