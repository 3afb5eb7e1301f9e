import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type BackupInfo, type BackupJob, type BackupOverview } from '../api';
import { formatBytes, formatDateTime, formatPercent, t, type MsgKey } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { ConfirmModal } from '../components/Modal';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';

/** Backups (platform admins): the archives, "back up now" with progress, download, delete. */
export function BackupsPage() {
  const overview = useLoad(() => api.get<BackupOverview>('/backups'));
  const [job, setJob] = useState<BackupJob | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [doomed, setDoomed] = useState<BackupInfo | null>(null);

  useEffect(() => {
    if (overview.data?.job) setJob(overview.data.job);
  }, [overview.data]);

  const active = job !== null && (job.state === 'queued' || job.state === 'running');
  // While a backup runs, its progress is polled; when it ends, the list reloads.
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(async () => {
      try {
        const next = await api.get<BackupJob>('/backups/job');
        setJob(next);
        if (next.state === 'done' || next.state === 'failed') await overview.reload();
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) setError(e);
      }
    }, 500);
    return () => window.clearInterval(timer);
  }, [active]);

  const start = async () => {
    setError(null);
    try {
      setJob(await api.post<BackupJob>('/backups'));
    } catch (e) {
      setError(e);
    }
  };

  const settings = overview.data?.settings;
  return (
    <Page
      title={t('backups.title')}
      testId="backups-page"
      wide
      actions={
        <button type="button" class="btn btn-primary" disabled={active} data-testid="backup-now" onClick={() => void start()}>
          {t('backups.now')}
        </button>
      }
    >
      <p class="muted">{t('backups.intro')}</p>
      {settings && (
        <p class="muted" data-testid="backup-settings">
          {t('backups.settings', {
            schedule: settings.schedule,
            dir: settings.directory,
            daily: String(settings.keep_daily),
            weekly: String(settings.keep_weekly),
            monthly: String(settings.keep_monthly),
          })}{' '}
          {settings.encrypted ? t('backups.encryptedOn') : t('backups.encryptedOff')}
        </p>
      )}
      {job && (
        <div class={job.state === 'failed' ? 'alert alert-error' : 'alert'} role="status" data-testid="backup-job">
          <strong>{t(`backups.job.${job.state}` as MsgKey)}</strong>{' '}
          {active && (
            <>
              {t(`backups.phase.${job.phase === 'queued' ? 'store' : job.phase}` as MsgKey)} —{' '}
              <progress max={1} value={job.progress} aria-label={t('backups.progress')} /> {formatPercent(job.progress)}
            </>
          )}
          {job.state === 'done' && job.file_name && <span class="mono"> {job.file_name}</span>}
          {job.error && <div>{job.error}</div>}
        </div>
      )}
      <ErrorBox error={error ?? overview.error} />
      {overview.loading && !overview.data && <Loading />}
      {overview.data && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('backups.file')}</th>
                <th scope="col">{t('common.created')}</th>
                <th scope="col">{t('backups.size')}</th>
                <th scope="col">{t('backups.verified')}</th>
                <th scope="col">{t('backups.cases')}</th>
                <th scope="col" class="actions">
                  <span class="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {overview.data.items.length === 0 && <Empty colSpan={6} />}
              {overview.data.items.map((b) => (
                <tr key={b.name} data-testid="backup-row">
                  <td class="mono">
                    {b.name}
                    {b.encrypted && <span class="badge badge-on"> {t('backups.encrypted')}</span>}
                  </td>
                  <td>
                    {formatDateTime(b.created_at)}
                    {b.trigger && <div class="muted">{t(`backups.trigger.${b.trigger}` as MsgKey)}</div>}
                  </td>
                  <td>{formatBytes(b.size_bytes)}</td>
                  <td>
                    <span class={b.verified ? 'badge badge-on' : 'badge badge-off'}>{b.verified ? t('backups.isVerified') : t('backups.notVerified')}</span>
                  </td>
                  <td>{b.snapshot ? b.snapshot.cases : '—'}</td>
                  <td class="actions">
                    <a class="btn btn-small" href={`/api/v1/backups/${encodeURIComponent(b.name)}`} download={b.name}>
                      {t('backups.download')}
                    </a>
                    <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setDoomed(b)}>
                      {t('common.delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {doomed && (
        <ConfirmModal
          title={t('common.delete')}
          text={t('backups.confirmDelete', { name: doomed.name })}
          confirmLabel={t('common.delete')}
          onClose={() => setDoomed(null)}
          onConfirm={async () => {
            await api.del(`/backups/${encodeURIComponent(doomed.name)}`);
            await overview.reload();
          }}
        />
      )}
    </Page>
  );
}
