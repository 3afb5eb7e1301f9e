// The customer database: organizations (companies) of the client of the
// current project. Same structure as the contact list.

import { useState } from 'preact/hooks';
import { api, type OrganizationFull } from '../api';
import { formatNumber, t } from '../i18n';
import { navigate } from '../router';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { FormModal } from '../components/Modal';
import { Empty, Page } from '../components/Page';
import { CustomerFilter, CustomerPager } from './customers/CustomerListParts';
import { useCustomerList } from './customers/useCustomerList';

export function OrganizationsPage() {
  const [creating, setCreating] = useState(false);
  const list = useCustomerList<OrganizationFull>('/organizations');
  const { clientId, items, loading } = list;

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
      <CustomerFilter list={list} searchHint={t('orgs.searchHint')} testIdPrefix="organizations" />
      <ErrorBox error={list.error} />
      <div class="table-wrap">
        <table class="table table-dense table-cards" data-testid="organizations-table">
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
                <td data-label={t('contacts.customerNumber')}>{o.customer_number ?? ''}</td>
                <td>{o.domain ?? ''}</td>
                <td class="nowrap">{o.phone ?? ''}</td>
                <td>{o.city}</td>
                <td class="num" data-label={t('orgs.contacts')}>
                  {formatNumber(o.contact_count ?? 0)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <CustomerPager list={list} />
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
