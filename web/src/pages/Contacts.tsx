// The customer database: contacts of the client of the current project.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query, type Contact, type ContactPage, type Me } from '../api';
import { formatNumber, t } from '../i18n';
import { navigate } from '../router';
import { useSession } from '../session';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { FormModal } from '../components/Modal';
import { Empty, Loading, Page } from '../components/Page';
import { useShortcuts } from '../components/shortcuts';

const PAGE_SIZE = 50;

/** Distinct clients of the user's projects; the current project's first. */
export function useClientChoices(): { id: number; name: string }[] {
  const { me, projectId } = useSession();
  const seen = new Map<number, string>();
  const current = me.projects.find((p) => p.id === projectId);
  if (current) seen.set(current.client_id, current.client_name);
  for (const p of me.projects) if (!seen.has(p.client_id)) seen.set(p.client_id, p.client_name);
  return [...seen].map(([id, name]) => ({ id, name }));
}

/**
 * Whether the user may merge, delete and import the client's contacts and
 * organizations: as `policy::manage_customers` on the server (admins, the
 * client's admins, leads of one of the client's projects).
 */
export function canManageCustomers(me: Me, clientId: number): boolean {
  switch (me.user.role) {
    case 'admin':
      return true;
    case 'client-admin':
      return me.user.client_id === clientId;
    case 'project-lead':
      return me.projects.some((p) => p.client_id === clientId && p.member_role === 'lead');
    default:
      return false;
  }
}

/** Split a free-text list (commas, semicolons, new lines) into trimmed entries. */
export function splitList(v: string): string[] {
  return v
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function ContactsPage() {
  const { me } = useSession();
  const clients = useClientChoices();
  // `?client_id=` (e.g. back from an import into another client) picks the client.
  const wanted = Number(new URLSearchParams(window.location.search).get('client_id'));
  const [clientId, setClientId] = useState<number | null>(
    clients.find((c) => c.id === wanted)?.id ?? clients[0]?.id ?? null,
  );
  const [q, setQ] = useState('');
  const [applied, setApplied] = useState('');
  const [items, setItems] = useState<Contact[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [cursor, setCursor] = useState(-1);
  const tableRef = useRef<HTMLTableElement>(null);
  const seq = useRef(0);

  useEffect(() => {
    if (clients.length && !clients.some((c) => c.id === clientId)) setClientId(clients[0].id);
  }, [clients.map((c) => c.id).join()]);

  const load = async (beforeId: number | null) => {
    const my = ++seq.current;
    setLoading(true);
    try {
      const page = await api.get<ContactPage>('/contacts' + query({ client_id: clientId, q: applied, limit: PAGE_SIZE, before_id: beforeId }));
      if (my !== seq.current) return;
      setItems((prev) => (beforeId ? [...prev, ...page.items] : page.items));
      setNext(page.next_before_id ?? null);
      setError(null);
      if (!beforeId) setCursor(-1);
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

  const move = (d: number) => {
    if (!items.length) return;
    const i = Math.max(0, Math.min(items.length - 1, cursor < 0 ? 0 : cursor + d));
    setCursor(i);
    tableRef.current?.querySelectorAll<HTMLAnchorElement>('tbody tr td:first-child a')[i]?.focus();
  };
  useShortcuts({ j: () => move(1), k: () => move(-1) });

  return (
    <Page
      title={t('contacts.title')}
      testId="contacts-page"
      actions={
        <>
          {clientId && canManageCustomers(me, clientId) && (
            <Link href={`/contacts/import?client_id=${clientId}`} class="btn" testId="contacts-import">
              {t('contacts.import')}
            </Link>
          )}
          <button type="button" class="btn btn-primary" onClick={() => setCreating(true)} disabled={!clientId} data-testid="new-contact">
            {t('contacts.new')}
          </button>
        </>
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
            <select value={clientId ?? ''} onChange={(e) => setClientId(Number(e.currentTarget.value) || null)} data-testid="contacts-client">
              {clients.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field label={t('contacts.search')}>
          <input type="search" value={q} placeholder={t('contacts.searchHint')} onInput={(e) => setQ(e.currentTarget.value)} data-testid="contacts-q" />
        </Field>
      </form>
      <ErrorBox error={error} />
      <div class="table-wrap">
        <table class="table table-dense" data-testid="contacts-table" ref={tableRef}>
          <thead>
            <tr>
              <th scope="col">{t('common.name')}</th>
              <th scope="col">{t('contacts.organization')}</th>
              <th scope="col">{t('contacts.customerNumber')}</th>
              <th scope="col">{t('common.email')}</th>
              <th scope="col">{t('contacts.phones')}</th>
              <th scope="col">{t('contacts.city')}</th>
              <th scope="col" class="num">
                {t('contacts.cases')}
              </th>
            </tr>
          </thead>
          <tbody>
            {!loading && items.length === 0 && <Empty colSpan={7} />}
            {items.map((c, i) => (
              <tr key={c.id} class={i === cursor ? 'row-cursor' : undefined} data-testid="contact-row">
                <td>
                  <Link href={`/contacts/${c.id}`}>{c.name}</Link>
                </td>
                <td>{c.organization_name ?? ''}</td>
                <td>{c.customer_number ?? ''}</td>
                <td>{c.emails[0] ?? ''}</td>
                <td class="nowrap">{c.phones[0] ?? ''}</td>
                <td>{c.city}</td>
                <td class="num">{formatNumber(c.case_count ?? 0)}</td>
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
      {creating && clientId && <NewContactDialog clientId={clientId} onClose={() => setCreating(false)} onCreated={(c) => navigate(`/contacts/${c.id}`)} />}
    </Page>
  );
}

function NewContactDialog({ clientId, onClose, onCreated }: { clientId: number; onClose: () => void; onCreated: (c: Contact) => void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [number, setNumber] = useState('');
  return (
    <FormModal
      title={t('contacts.new')}
      submitLabel={t('common.create')}
      onClose={onClose}
      testId="contact-form"
      onSubmit={async () => {
        const body: Record<string, unknown> = { client_id: clientId, name: name.trim(), emails: splitList(email), phones: splitList(phone) };
        if (number.trim()) body.customer_number = number.trim();
        onCreated(await api.post<Contact>('/contacts', body));
      }}
    >
      <Field label={t('common.name')}>
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="contact-name" />
      </Field>
      <Field label={t('common.email')}>
        <input type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="contact-email" />
      </Field>
      <Field label={t('contacts.phone')}>
        <input type="tel" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
      </Field>
      <Field label={t('contacts.customerNumber')}>
        <input value={number} onInput={(e) => setNumber(e.currentTarget.value)} />
      </Field>
    </FormModal>
  );
}
