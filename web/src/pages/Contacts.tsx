// The customer database: contacts of the client of the current project.

import { useRef, useState } from 'preact/hooks';
import { api, type Contact } from '../api';
import { formatNumber, t } from '../i18n';
import { navigate } from '../router';
import { useSession } from '../session';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { FormModal } from '../components/Modal';
import { Empty, Page } from '../components/Page';
import { useShortcuts } from '../components/shortcuts';
import { useFlash } from '../components/flash';
import { canManageCustomers, splitList } from './customers/shared';
import { CustomerFilter, CustomerPager } from './customers/CustomerListParts';
import { useCustomerList } from './customers/useCustomerList';

export function ContactsPage() {
  const { me } = useSession();
  const [creating, setCreating] = useState(false);
  const [cursor, setCursor] = useState(-1);
  const tableRef = useRef<HTMLTableElement>(null);
  const list = useCustomerList<Contact>('/contacts', () => setCursor(-1));
  const { clientId, items, loading } = list;
  const flash = useFlash();

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
      {flash && (
        <div class="alert alert-ok" role="status" data-testid="flash">
          {flash}
        </div>
      )}
      <CustomerFilter list={list} searchHint={t('contacts.searchHint')} testIdPrefix="contacts" />
      <ErrorBox error={list.error} />
      <div class="table-wrap">
        <table class="table table-dense table-cards" data-testid="contacts-table" ref={tableRef}>
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
                <td data-label={t('contacts.customerNumber')}>{c.customer_number ?? ''}</td>
                <td>{c.emails[0] ?? ''}</td>
                <td class="nowrap">{c.phones[0] ?? ''}</td>
                <td>{c.city}</td>
                <td class="num" data-label={t('contacts.cases')}>
                  {formatNumber(c.case_count ?? 0)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <CustomerPager list={list} />
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
