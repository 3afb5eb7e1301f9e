// Full data export of a client (client admins: their own client; platform
// admins: any): start, watch the progress, download, delete.

import { useEffect, useState } from 'preact/hooks';
import { api, type ExportJob, type List } from '../api';
import { formatBytes, formatDateTime, t, type MsgKey } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { clientsWhere, useSession } from '../session';

/** Whether the server lets `me` export any client's data (`can.export` in /me). */

export function ExportsPage() {
  const { me } = useSession();
  const clients = clientsWhere(me, 'export');
  const [clientId, setClientId] = useState<number | null>(clients[0]?.id ?? null);
  const [error, setError] = useState<unknown>(null);
  const jobs = useLoad(
    () => (clientId ? api.get<List<ExportJob>>(`/clients/${clientId}/exports`) : Promise.resolve({ items: [] as ExportJob[] })),
    [clientId],
  );

  const running = jobs.data?.items.some((j) => j.state === 'running') ?? false;
  // While an export runs, its progress is polled.
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => void jobs.reload(), 700);
    return () => window.clearInterval(timer);
  }, [running, clientId]);

  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      await jobs.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Page
      title={t('exports.title')}
      testId="exports-page"
      actions={
        <button
          type="button"
          class="btn btn-primary"
          disabled={!clientId || running}
          data-testid="export-start"
          onClick={() => void act(() => api.post<ExportJob>(`/clients/${clientId}/exports`))}
        >
          {t('exports.start')}
        </button>
      }
    >
      <p class="muted">{t('exports.intro')}</p>
      {clients.length > 1 && (
        <Field label={t('exports.client')}>
          <select value={clientId ?? ''} onChange={(e) => setClientId(Number(e.currentTarget.value))} data-testid="export-client">
            {clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <ErrorBox error={error ?? jobs.error} />
      {jobs.loading && !jobs.data && <Loading />}
      {jobs.data && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('exports.file')}</th>
                <th scope="col">{t('common.created')}</th>
                <th scope="col">{t('exports.state')}</th>
                <th scope="col">{t('exports.progress')}</th>
                <th scope="col" class="actions">
                  <span class="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.items.length === 0 && <Empty colSpan={5} />}
              {jobs.data.items.map((j) => (
                <tr key={j.id} data-testid="export-row">
                  <td class="mono">{j.file_name}</td>
                  <td>{formatDateTime(j.created_at)}</td>
                  <td>
                    {t(`exports.state.${j.state}` as MsgKey)}
                    {j.error && <div class="muted">{j.error}</div>}
                    {j.removed_reason && (
                      <div class="muted cell-note" data-testid="export-removed">
                        {t(`exports.removed.${j.removed_reason}` as MsgKey, { at: formatDateTime(j.expires_at ?? '') })}
                      </div>
                    )}
                    {j.state === 'done' && j.expires_at && (
                      <div class="muted">{t('exports.expires', { at: formatDateTime(j.expires_at) })}</div>
                    )}
                  </td>
                  <td>
                    {j.state === 'running' ? (
                      <>
                        <progress max={Math.max(j.rows_total, 1)} value={j.rows_written} aria-label={t('exports.progress')} />{' '}
                        {t('exports.rows', { written: j.rows_written, total: j.rows_total })}
                      </>
                    ) : (
                      <>
                        {t('exports.rows', { written: j.rows_written, total: j.rows_total })}
                        {j.bytes !== null && ` · ${formatBytes(j.bytes)}`}
                      </>
                    )}
                  </td>
                  <td class="actions">
                    {j.download_url && (
                      <a class="btn btn-small" href={j.download_url} download={j.file_name} data-testid="export-download">
                        {t('exports.download')}
                      </a>
                    )}
                    <button
                      type="button"
                      class="btn btn-small btn-danger-quiet"
                      onClick={() => void act(() => api.del(`/clients/${j.client_id}/exports/${j.id}`))}
                    >
                      {j.state === 'running' ? t('common.cancel') : t('common.delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
