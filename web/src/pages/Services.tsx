import { useEffect, useState } from 'preact/hooks';
import { api, type List, type ReplicationStatus, type RunMessage, type ServiceAction, type ServiceState, type ServiceStatus } from '../api';
import { formatBytes, formatDateTime, formatNumber, hasMessage, t, type MsgKey, type Vars } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { describeSchedule } from '../components/Schedule';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';

const STATE_CLASS: Record<ServiceState, string> = {
  running: 'badge badge-on',
  paused: 'badge badge-off',
  stopped: 'badge badge-off',
  failed: 'badge badge-danger',
};

/** Which buttons a service in this state offers. */
function actionsFor(s: ServiceStatus): ServiceAction[] {
  switch (s.desired) {
    case 'running':
      return ['run', 'pause', 'stop', 'restart'];
    case 'paused':
      return ['run', 'resume', 'stop'];
    case 'stopped':
      return ['run', 'start'];
  }
}

/** A service's name in the reader's language, by its key (`mail.fetch.3` is a mail fetcher). */
function serviceName(s: ServiceStatus): string {
  const key = `services.name.${s.key}`;
  if (hasMessage(key)) return t(key);
  if (s.key.startsWith('mail.fetch.')) return t('services.name.mail.fetch', { subject: s.subject ?? s.key });
  return s.label;
}

/** What a run reported, in words, by its code. */
export function runMessage(m: RunMessage): string {
  const vars: Vars = {};
  for (const [name, value] of Object.entries(m.params)) vars[name] = value;
  if (m.code === 'backup.written' && typeof m.params.bytes === 'number') vars.size = formatBytes(m.params.bytes);
  const key = `services.result.${m.code}`;
  return hasMessage(key) ? t(key, vars) : t('services.result.unknown', { code: m.code });
}

/** A service failure's code in words: its own message, a mail failure's, or the general one. */
function serviceError(code: string | null | undefined): string {
  if (code && hasMessage(`services.error.${code}`)) return t(`services.error.${code}` as MsgKey);
  if (code && hasMessage(`delivery.reason.${code}`)) return t(`delivery.reason.${code}` as MsgKey);
  return t('services.error.other');
}

/** Background services (platform admins): state, schedule, runs, errors; control them live. */
export function ServicesPage() {
  const list = useLoad(() => api.get<List<ServiceStatus>>('/services'));
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<string | null>(null);

  // Replication's lag and position, from /healthz (only when replication is on).
  const [replication, setReplication] = useState<ReplicationStatus | null>(null);
  const replicating = list.data?.items.some((s) => s.key === 'replication') ?? false;
  useEffect(() => {
    if (!replicating) return;
    const load = async () => {
      try {
        const body = (await (await fetch('/healthz')).json()) as { replication?: ReplicationStatus };
        setReplication(body.replication ?? null);
      } catch {
        setReplication(null);
      }
    };
    void load();
    const timer = window.setInterval(() => void load(), 3000);
    return () => window.clearInterval(timer);
  }, [replicating]);

  // The page follows the services live: a refresh every few seconds.
  useEffect(() => {
    const timer = window.setInterval(() => void list.reload(), 3000);
    return () => window.clearInterval(timer);
  }, [list.reload]);

  const act = async (s: ServiceStatus, action: ServiceAction) => {
    setPending(`${s.key}/${action}`);
    setError(null);
    try {
      await api.post<ServiceStatus>(`/services/${encodeURIComponent(s.key)}/${action}`);
      await list.reload();
    } catch (e) {
      setError(e);
    } finally {
      setPending(null);
    }
  };

  return (
    <Page title={t('services.title')} testId="services-page" wide>
      <p class="muted">{t('services.intro')}</p>
      <ErrorBox error={error ?? list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && (
        <div class="table-wrap">
          <table class="table table-cards">
            <thead>
              <tr>
                <th scope="col">{t('services.service')}</th>
                <th scope="col">{t('services.state')}</th>
                <th scope="col">{t('services.schedule')}</th>
                <th scope="col">{t('services.lastRun')}</th>
                <th scope="col">{t('services.nextRun')}</th>
                <th scope="col">{t('services.lastError')}</th>
                <th scope="col" class="actions">
                  <span class="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.length === 0 && <Empty colSpan={7} />}
              {list.data.items.map((s) => (
                <tr key={s.key} data-testid={`service-${s.key}`}>
                  <td data-label={t('services.service')}>
                    <span data-testid="service-name">{serviceName(s)}</span>
                    <div class="muted mono">{s.key}</div>
                  </td>
                  <td data-label={t('services.state')}>
                    <span class={STATE_CLASS[s.state]} data-testid="service-state">
                      {t(`services.state.${s.state}` as MsgKey)}
                    </span>
                    {s.busy && <div class="muted">{t('services.busy')}</div>}
                  </td>
                  <td data-label={t('services.schedule')} data-testid="service-schedule">
                    {describeSchedule(s.schedule)}
                  </td>
                  <td data-label={t('services.lastRun')}>
                    {s.last_run_at ? formatDateTime(s.last_run_at) : '—'}
                    {s.last_duration_ms !== null && <div class="muted">{t('services.durationMs', { ms: s.last_duration_ms })}</div>}
                    {/* The run count under the last run: one column fewer, so the
                        buttons stay on screen at 1366 px in German. */}
                    <div class="muted" data-testid="service-runs">
                      {t('services.runs')}: {formatNumber(s.runs)}
                      {s.failures > 0 && <> · {t('services.failures', { n: s.failures })}</>}
                    </div>
                    {s.key === 'replication' && replication ? (
                      <ReplicationLine status={replication} />
                    ) : (
                      s.last_message && (
                        <div class="muted" data-testid="service-message">
                          {runMessage(s.last_message)}
                        </div>
                      )
                    )}
                  </td>
                  <td data-label={t('services.nextRun')}>{s.next_run_at ? formatDateTime(s.next_run_at) : '—'}</td>
                  <td data-label={t('services.lastError')}>
                    {s.last_error ? (
                      // The reason by its code in the reader's language; the error's own
                      // words (a server's answer, a path) on hover.
                      <span class="badge badge-danger" title={s.last_error} data-testid="service-error" data-code={s.error_code ?? 'other'}>
                        {serviceError(s.error_code)}
                      </span>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td class="actions actions-wrap">
                    {actionsFor(s).map((action) => (
                      <button
                        key={action}
                        type="button"
                        class={action === 'stop' ? 'btn btn-small btn-danger-quiet' : 'btn btn-small'}
                        disabled={pending !== null || (action === 'run' && s.busy)}
                        data-testid={`service-${action}`}
                        onClick={() => void act(s, action)}
                      >
                        {t(`services.action.${action}` as MsgKey)}
                      </button>
                    ))}
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

/** Lag, replicated transaction and time of the Litestream replica. */
function ReplicationLine({ status }: { status: ReplicationStatus }) {
  const lag = status.lag_seconds;
  return (
    <div class="muted" data-testid="replication-status">
      {lag === undefined
        ? t('services.replication.lagUnknown')
        : t('services.replication.lag', { lag: formatNumber(Math.round(lag * 10) / 10) })}
      {status.replicated_at && <div>{t('services.replication.at', { at: formatDateTime(status.replicated_at) })}</div>}
      {status.position && <div class="mono">{t('services.replication.position', { txid: status.position })}</div>}
    </div>
  );
}
