// The customer database: organizations (companies) of the client of the
// current project. Same structure as the contact list.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query, type OrganizationFull, type OrganizationPage } from '../api';
import { formatNumber, t } from '../i18n';
import { navigate } from '../router';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { FormModal } from '../components/Modal';
import { Empty, Loading, Page } from '../components/Page';
import { useClientChoices } from './Contacts';

const PAGE_SIZE = 50;

export function OrganizationsPage() {
  const clients = useClientChoices();
  const [clientId, setClientId] = useState<number | null>(clients[0]?.id ?? null);
  const [q, setQ] = useState('');
  const [applied, setApplied] = useState('');
  const [items, setItems] = useState<OrganizationFull[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    if (clients.length && !clients.some((c) => c.id === clientId)) setClientId(clients[0].id);
  }, [clients.map((c) => c.id).join()]);

  const load = async (beforeId: number | null) => {
    const my = ++seq.current;
    setLoading(true);
    try {
      const page = await api.get<OrganizationPage>('/organizations' + query({ client_id: clientId, q: applied, limit: PAGE_SIZE, before_id: beforeId }));
      if (my !== seq.current) return;
      setItems((prev) => (beforeId ? [...prev, ...page.items] : page.items));
      setNext(page.next_before_id ?? null);
      setError(null);
    } catch (e) {
      if (my === seq.current) setError(e);
    } finally {
      if (my === seq.current) setLoading(false);
    }
  };

  useEffect(() => {
    void load(null);
  }, [clientId, applied]);

  useEffect(() => {
    const timer = setTimeout(() => setApplied(q.trim()), 300);
    return () => clearTimeout(timer);
  }, [q]);

  return (
    <Page
      title={t('orgs.title')}
      testId="organizations-page"
      actions={
        <button type="button" class="btn btn-primary" onClick={() => setCreating(true)} disabled={!clientId} data-testid="new-organization">
          {t('orgs.new')}
        </button>
      }
    >
      <form
        class="inline-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(q.trim());
        }}
      >
        {clients.length > 1 && (
          <Field label={t('common.client')}>
            <select value={clientId ?? ''} onChange={(e) => setClientId(Number(e.currentTarget.value) || null)} data-testid="organizations-client">
              {clients.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field label={t('contacts.search')}>
          <input type="search" value={q} placeholder={t('orgs.searchHint')} onInput={(e) => setQ(e.currentTarget.value)} data-testid="organizations-q" />
        </Field>
      </form>
      <ErrorBox error={error} />
      <div class="table-wrap">
        <table class="table table-dense" data-testid="organizations-table">
          <thead>
            <tr>
              <th scope="col">{t('common.name')}</th>
              <th scope="col">{t('contacts.customerNumber')}</th>
              <th scope="col">{t('orgs.domain')}</th>
              <th scope="col">{t('contacts.phone')}</th>
              <th scope="col">{t('contacts.city')}</th>
              <th scope="col" class="num">
                {t('orgs.contacts')}
              </th>
            </tr>
          </thead>
          <tbody>
            {!loading && items.length === 0 && <Empty colSpan={6} />}
            {items.map((o) => (
              <tr key={o.id} data-testid="organization-row">
                <td>
                  <Link href={`/organizations/${o.id}`}>{o.name}</Link>
                </td>
                <td>{o.customer_number ?? ''}</td>
                <td>{o.domain ?? ''}</td>
                <td class="nowrap">{o.phone ?? ''}</td>
                <td>{o.city}</td>
                <td class="num">{formatNumber(o.contact_count ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {loading && <Loading />}
      <div class="pager">
        {next !== null && !loading && (
          <button type="button" class="btn" onClick={() => void load(next)}>
            {t('audit.more')}
          </button>
        )}
      </div>
      {creating && clientId && (
        <NewOrganizationDialog clientId={clientId} onClose={() => setCreating(false)} onCreated={(o) => navigate(`/organizations/${o.id}`)} />
      )}
    </Page>
  );
}

function NewOrganizationDialog({ clientId, onClose, onCreated }: { clientId: number; onClose: () => void; onCreated: (o: OrganizationFull) => void }) {
  const [name, setName] = useState('');
  const [number, setNumber] = useState('');
  const [domain, setDomain] = useState('');
  const [city, setCity] = useState('');
  return (
    <FormModal
      title={t('orgs.new')}
      submitLabel={t('common.create')}
      onClose={onClose}
      testId="organization-form"
      onSubmit={async () => {
        const body: Record<string, unknown> = { client_id: clientId, name: name.trim(), city: city.trim() };
        if (number.trim()) body.customer_number = number.trim();
        if (domain.trim()) body.domain = domain.trim();
        onCreated(await api.post<OrganizationFull>('/organizations', body));
      }}
    >
      <Field label={t('common.name')}>
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="organization-name" />
      </Field>
      <Field label={t('contacts.customerNumber')}>
        <input value={number} onInput={(e) => setNumber(e.currentTarget.value)} />
      </Field>
      <Field label={t('orgs.domain')}>
        <input value={domain} placeholder="example.com" onInput={(e) => setDomain(e.currentTarget.value)} />
      </Field>
      <Field label={t('contacts.city')}>
        <input value={city} onInput={(e) => setCity(e.currentTarget.value)} data-testid="organization-city" />
      </Field>
    </FormModal>
  );
}
