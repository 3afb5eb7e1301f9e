import { useEffect, useState } from 'preact/hooks';
import { api, query, type AuditEntry, type AuditPage as AuditPageData, type Client, type List } from '../api';
import { formatDateTime, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { useSession } from '../session';

const PAGE_SIZE = 50;
/** Suggestions for the filter; the server decides which types exist. */
const KNOWN_TYPES = ['api_token', 'client', 'project', 'team', 'user'];

export function AuditPage() {
  const { me } = useSession();
  // The log only carries client ids; show names where we may list clients.
  const clients = useLoad(async () =>
    me.permissions.manage_clients ? (await api.get<List<Client>>('/clients')).items : me.client ? [me.client] : [],
  );
  const clientName = (cid: number | null) =>
    cid === null ? t('common.none') : (clients.data?.find((c) => c.id === cid)?.name ?? `#${cid}`);
  const [filter, setFilter] = useState('');
  const [applied, setApplied] = useState('');
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  const load = async (objectType: string, beforeId: number | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api.get<AuditPageData>(
        '/audit' + query({ limit: PAGE_SIZE, before_id: beforeId, object_type: objectType }),
      );
      setItems((prev) => (beforeId ? [...prev, ...page.items] : page.items));
      setNext(page.next_before_id);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(applied, null);
  }, [applied]);

  const types = Array.from(new Set([...KNOWN_TYPES, ...items.map((i) => i.object_type)])).sort();

  return (
    <Page title={t('audit.title')} testId="audit-page">
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (filter.trim() === applied) void load(applied, null);
          else setApplied(filter.trim());
        }}
      >
        <Field label={t('audit.filter')}>
          <input list="audit-types" value={filter} placeholder={t('audit.filterAll')} onInput={(e) => setFilter(e.currentTarget.value)} data-testid="audit-filter" />
          <datalist id="audit-types">
            {types.map((ty) => (
              <option key={ty} value={ty} />
            ))}
          </datalist>
        </Field>
        <button type="submit" class="btn">
          {t('audit.apply')}
        </button>
      </form>
      <ErrorBox error={error} />
      <div class="table-wrap">
        <table class="table table-dense" data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">{t('audit.time')}</th>
              <th scope="col">{t('audit.actor')}</th>
              <th scope="col">{t('audit.action')}</th>
              <th scope="col">{t('audit.object')}</th>
              <th scope="col">{t('common.client')}</th>
              <th scope="col">{t('audit.address')}</th>
              <th scope="col">{t('audit.details')}</th>
            </tr>
          </thead>
          <tbody>
            {!loading && items.length === 0 && <Empty colSpan={7} />}
            {items.map((a) => (
              <tr key={a.id}>
                <td class="nowrap">{formatDateTime(a.at)}</td>
                <td>{a.actor_email ?? <span class="muted">{t('audit.system')}</span>}</td>
                <td>
                  <code>{a.action}</code>
                </td>
                <td class="nowrap">
                  {a.object_type}
                  {a.object_id !== null && a.object_id !== undefined ? ` #${a.object_id}` : ''}
                </td>
                <td>{clientName(a.client_id)}</td>
                <td class="nowrap">{a.ip ?? t('common.none')}</td>
                <td>
                  <Details value={a.details} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {loading && <Loading />}
      <div class="pager">
        {next !== null && !loading && (
          <button type="button" class="btn" onClick={() => void load(applied, next)} data-testid="audit-more">
            {t('audit.more')}
          </button>
        )}
        {next === null && !loading && items.length > 0 && <span class="muted">{t('audit.end')}</span>}
      </div>
    </Page>
  );
}

function Details({ value }: { value: unknown }) {
  if (value === null || value === undefined || (typeof value === 'object' && Object.keys(value as object).length === 0))
    return <span class="muted">{t('common.none')}</span>;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text.length <= 60) return <code class="details">{text}</code>;
  return (
    <details>
      <summary>
        <code class="details">{text.slice(0, 50)}…</code>
      </summary>
      <pre class="details-full">{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}
