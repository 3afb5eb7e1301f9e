// The parts the contact and organization lists share: the filter line
// (client, search) and the pager.

import { t } from '../../i18n';
import { Field } from '../../components/Field';
import { Loading } from '../../components/Page';
import type { CustomerList } from './useCustomerList';

/** `testIdPrefix`: `contacts` or `organizations` (`…-client`, `…-q`). */
export function CustomerFilter<T>({ list, searchHint, testIdPrefix }: { list: CustomerList<T>; searchHint: string; testIdPrefix: string }) {
  return (
    <form
      class="inline-form"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        list.apply();
      }}
    >
      {list.clients.length > 1 && (
        <Field label={t('common.client')}>
          <select value={list.clientId ?? ''} onChange={(e) => list.setClientId(Number(e.currentTarget.value) || null)} data-testid={`${testIdPrefix}-client`}>
            {list.clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <Field label={t('contacts.search')}>
        <input type="search" value={list.q} placeholder={searchHint} onInput={(e) => list.setQ(e.currentTarget.value)} data-testid={`${testIdPrefix}-q`} />
      </Field>
    </form>
  );
}

export function CustomerPager<T>({ list }: { list: CustomerList<T> }) {
  return (
    <>
      {list.loading && <Loading />}
      <div class="pager">
        {list.next !== null && !list.loading && (
          <button type="button" class="btn" onClick={list.loadMore}>
            {t('audit.more')}
          </button>
        )}
      </div>
    </>
  );
}
