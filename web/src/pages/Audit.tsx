import { useEffect, useState } from 'preact/hooks';
import { api, query, type AuditEntry, type AuditPage as AuditPageData, type Client, type List, type User } from '../api';
import { formatDateTime, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { LocaleInput } from '../components/LocaleInput';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { useSession } from '../session';
import { AUDIT_ACTIONS, AUDIT_TYPES } from './audit/actions';
import { actionText, changeLines, dayStart, objectText, typeText } from './audit/words';

const PAGE_SIZE = 50;

/** The filters as chosen; days are `YYYY-MM-DD` in the user's zone. */
interface Filters {
  actor: string;
  action: string;
  objectType: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { actor: '', action: '', objectType: '', from: '', to: '' };

/** The log's pages for the filters, newest first; `more` loads the next older page. */
function useAuditLog(filters: Filters) {
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  const load = async (beforeId: number | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api.get<AuditPageData>(
        '/audit' +
          query({
            limit: PAGE_SIZE,
            before_id: beforeId,
            actor_id: filters.actor,
            action: filters.action,
            object_type: filters.objectType,
            from: dayStart(filters.from),
            // "To" includes its day: up to the next local midnight.
            to: dayStart(filters.to, 1),
          }),
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
    void load(null);
  }, [filters]);

  return { items, next, loading, error, more: () => next !== null && void load(next) };
}

/** Who did what to which object, when: platform admins see all, client admins their client's entries. */
export function AuditPage() {
  const { me } = useSession();
  // The log only carries client ids; show names where we may list clients.
  const clients = useLoad(async () =>
    me.permissions.manage_clients ? (await api.get<List<Client>>('/clients')).items : me.client ? [me.client] : [],
  );
  const people = useLoad(async () => (await api.get<List<User>>('/users')).items);
  const clientName = (cid: number | null) =>
    cid === null ? t('common.none') : (clients.data?.find((c) => c.id === cid)?.name ?? `#${cid}`);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const log = useAuditLog(filters);
  const set = (key: keyof Filters) => (e: Event) => setFilters({ ...filters, [key]: (e.currentTarget as HTMLInputElement).value });
  const actions = [...AUDIT_ACTIONS].map((a) => ({ a, text: actionText(a) })).sort((x, y) => x.text.localeCompare(y.text));
  const types = [...AUDIT_TYPES].map((ty) => ({ ty, text: typeText(ty) })).sort((x, y) => x.text.localeCompare(y.text));

  return (
    <Page title={t('audit.title')} testId="audit-page">
      <form class="inline-form audit-filters" onSubmit={(e) => e.preventDefault()}>
        <Field label={t('audit.person')}>
          <select value={filters.actor} onChange={set('actor')} data-testid="audit-filter-person">
            <option value="">{t('audit.allPeople')}</option>
            {(people.data ?? []).map((u) => (
              <option key={u.id} value={String(u.id)}>
                {u.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('audit.action')}>
          <select value={filters.action} onChange={set('action')} data-testid="audit-filter-action">
            <option value="">{t('audit.allActions')}</option>
            {actions.map(({ a, text }) => (
              <option key={a} value={a}>
                {text}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('audit.filter')}>
          <select value={filters.objectType} onChange={set('objectType')} data-testid="audit-filter">
            <option value="">{t('audit.allTypes')}</option>
            {types.map(({ ty, text }) => (
              <option key={ty} value={ty}>
                {text}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('audit.from')}>
          <LocaleInput kind="date" value={filters.from || null} onValue={() => {}} onCommit={(v) => setFilters({ ...filters, from: v ?? '' })} data-testid="audit-filter-from" />
        </Field>
        <Field label={t('audit.to')}>
          <LocaleInput kind="date" value={filters.to || null} onValue={() => {}} onCommit={(v) => setFilters({ ...filters, to: v ?? '' })} data-testid="audit-filter-to" />
        </Field>
        <button type="button" class="btn" onClick={() => setFilters(NO_FILTERS)} disabled={filters === NO_FILTERS} data-testid="audit-reset">
          {t('audit.reset')}
        </button>
      </form>
      <ErrorBox error={log.error ?? people.error} />
      <div class="table-wrap">
        <table class="table table-dense" data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">{t('audit.time')}</th>
              <th scope="col">{t('audit.who')}</th>
              <th scope="col">{t('audit.what')}</th>
              <th scope="col">{t('audit.object')}</th>
              <th scope="col">{t('common.client')}</th>
              <th scope="col">{t('audit.address')}</th>
              <th scope="col">{t('audit.change')}</th>
            </tr>
          </thead>
          <tbody>
            {!log.loading && log.items.length === 0 && <Empty colSpan={7} />}
            {log.items.map((a) => (
              <tr key={a.id} data-testid="audit-row">
                <td class="nowrap">{formatDateTime(a.at)}</td>
                <td data-testid="audit-who">
                  {a.actor_name ?? a.actor_email ?? <span class="muted">{t('audit.system')}</span>}
                  {a.actor_name && a.actor_email && <div class="muted small">{a.actor_email}</div>}
                </td>
                <td data-testid="audit-what" data-action={a.action}>
                  {actionText(a.action)}
                </td>
                <td data-testid="audit-object">{objectText(a)}</td>
                <td>{clientName(a.client_id)}</td>
                <td class="nowrap">{a.ip ?? t('common.none')}</td>
                <td data-testid="audit-change">
                  <Change details={a.details} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {log.loading && <Loading />}
      <div class="pager">
        {log.next !== null && !log.loading && (
          <button type="button" class="btn" onClick={log.more} data-testid="audit-more">
            {t('audit.more')}
          </button>
        )}
        {log.next === null && !log.loading && log.items.length > 0 && <span class="muted">{t('audit.end')}</span>}
      </div>
    </Page>
  );
}

function Change({ details }: { details: unknown }) {
  const lines = changeLines(details);
  if (lines.length === 0) return <span class="muted">{t('common.none')}</span>;
  return (
    <ul class="audit-change">
      {lines.map((line, i) => (
        <li key={i}>{line}</li>
      ))}
    </ul>
  );
}
