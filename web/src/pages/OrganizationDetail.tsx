// An organization's master data (editable), its contacts, and "Merge into…".

import { useEffect, useState } from 'preact/hooks';
import { api, query, type Contact, type List, type OrganizationFull, type OrganizationPage } from '../api';
import { formatDateTime, formatNumber, t } from '../i18n';
import { navigate, type Params } from '../router';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { MergeDialog, type MergeCandidate } from '../components/MergeDialog';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { useSession } from '../session';
import { canManageCustomers } from './customers/shared';

interface Form {
  name: string;
  customer_number: string;
  domain: string;
  phone: string;
  street: string;
  postal_code: string;
  city: string;
  country: string;
  notes: string;
}

function toForm(o: OrganizationFull): Form {
  return {
    name: o.name,
    customer_number: o.customer_number ?? '',
    domain: o.domain ?? '',
    phone: o.phone ?? '',
    street: o.street ?? '',
    postal_code: o.postal_code ?? '',
    city: o.city ?? '',
    country: o.country ?? '',
    notes: o.notes ?? '',
  };
}

/** An organization as a merge target: name and what tells namesakes apart. */
function orgCandidate(o: OrganizationFull): MergeCandidate {
  const detail = [o.city, o.customer_number, o.domain, t('merge.contactCount', { n: o.contact_count })].filter(Boolean).join(' · ');
  return { id: o.id, name: o.name, detail };
}

/** The first word of a name long enough to find namesakes ("Stadtwerke" of "Stadtwerke Kessel GmbH"). */
function firstWord(name: string): string {
  return name.split(/[^\p{L}\p{N}]+/u).find((w) => w.length >= 3) ?? '';
}

export function OrganizationDetailPage({ params }: { params: Params }) {
  const id = Number(params.id);
  const { me } = useSession();
  const org = useLoad(() => api.get<OrganizationFull>(`/organizations/${id}`), [id]);
  const o = org.data;
  const contacts = useLoad(() => api.get<List<Contact>>(`/organizations/${id}/contacts`), [id]);
  const [form, setForm] = useState<Form | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [merging, setMerging] = useState(false);

  useEffect(() => {
    if (o) setForm(toForm(o));
  }, [o]);

  const set = (k: keyof Form) => (e: Event) => {
    setSaved(false);
    setForm((f) => (f ? { ...f, [k]: (e.currentTarget as HTMLInputElement).value } : f));
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (!form || busy) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await api.patch<OrganizationFull>(`/organizations/${id}`, {
        name: form.name.trim(),
        customer_number: form.customer_number.trim() || null,
        domain: form.domain.trim() || null,
        phone: form.phone.trim() || null,
        street: form.street.trim(),
        postal_code: form.postal_code.trim(),
        city: form.city.trim(),
        country: form.country.trim(),
        notes: form.notes,
      });
      await org.reload();
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const mayMerge = !!o && !o.merged_into_id && canManageCustomers(me, o.client_id);

  return (
    <Page
      title={o ? o.name : t('orgs.title')}
      testId="organization-detail"
      actions={
        mayMerge && (
          <button type="button" class="btn" onClick={() => setMerging(true)} data-testid="org-merge">
            {t('merge.action')}
          </button>
        )
      }
    >
      <p class="breadcrumb">
        <Link href="/organizations">← {t('orgs.back')}</Link>
      </p>
      <ErrorBox error={org.error} />
      {org.loading && !o && <Loading />}
      {o?.merged_into_id && (
        <div class="alert alert-info" role="status" data-testid="org-merged">
          {t('orgs.merged')}{' '}
          <Link href={`/organizations/${o.merged_into_id}`} testId="org-merged-target">
            {t('merge.openTarget')}
          </Link>
        </div>
      )}
      {o && form && (
        <div class="contact-layout">
          <form class="card form" onSubmit={save} data-testid="org-edit">
            <h2>{t('contacts.masterData')}</h2>
            <Field label={t('common.name')}>
              <input required value={form.name} onInput={set('name')} data-testid="org-name" />
            </Field>
            <div class="form-row">
              <Field label={t('contacts.customerNumber')}>
                <input value={form.customer_number} onInput={set('customer_number')} data-testid="org-customer-number" />
              </Field>
              <Field label={t('orgs.domain')}>
                <input value={form.domain} placeholder="example.com" onInput={set('domain')} autoComplete="off" />
              </Field>
            </div>
            <div class="form-row">
              <Field label={t('contacts.phone')}>
                <input type="tel" value={form.phone} onInput={set('phone')} autoComplete="off" />
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
                <input value={form.city} onInput={set('city')} autoComplete="off" data-testid="org-city" />
              </Field>
            </div>
            <Field label={t('contacts.notes')}>
              <textarea rows={3} value={form.notes} onInput={set('notes')} />
            </Field>
            <ErrorBox error={error} />
            {saved && (
              <div class="alert alert-ok" role="status">
                {t('common.saved')}
              </div>
            )}
            <div class="form-actions">
              <span class="muted small form-meta">
                {t('common.created')}: {formatDateTime(o.created_at)}
              </span>
              <button type="submit" class="btn btn-primary" disabled={busy || !!o.merged_into_id} data-testid="org-save">
                {busy ? t('common.saving') : t('common.save')}
              </button>
            </div>
          </form>

          <section class="card" data-testid="org-contacts">
            <h2>{t('orgs.contacts')}</h2>
            <ErrorBox error={contacts.error} />
            {contacts.loading && !contacts.data && <Loading />}
            {contacts.data && (
              <div class="table-wrap">
                <table class="table table-dense">
                  <thead>
                    <tr>
                      <th scope="col">{t('common.name')}</th>
                      <th scope="col">{t('common.email')}</th>
                      <th scope="col" class="num">
                        {t('contacts.cases')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {contacts.data.items.length === 0 && <Empty colSpan={3} />}
                    {contacts.data.items.map((c) => (
                      <tr key={c.id} data-testid="org-contact-row">
                        <td>
                          <Link href={`/contacts/${c.id}`}>{c.name}</Link>
                        </td>
                        <td>{c.emails[0] ?? ''}</td>
                        <td class="num">{formatNumber(c.case_count ?? 0)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </div>
      )}
      {merging && o && (
        <MergeDialog
          testId="org-merge-dialog"
          source={o}
          initialQuery={firstWord(o.name)}
          search={async (q) => {
            const page = await api.get<OrganizationPage>('/organizations' + query({ client_id: o.client_id, q, limit: 20 }));
            return page.items.map(orgCandidate);
          }}
          consequences={(target) => t('merge.orgText', { source: o.name, target: target.name, contacts: formatNumber(o.contact_count) })}
          merge={async (intoId) => {
            const target = await api.post<OrganizationFull>(`/organizations/${o.id}/merge`, { into_id: intoId });
            navigate(`/organizations/${target.id}`);
          }}
          onClose={() => setMerging(false)}
        />
      )}
    </Page>
  );
}
