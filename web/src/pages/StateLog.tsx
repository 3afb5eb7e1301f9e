// The raw state log (issue 18) for a span of days (at most 31): per agent
// the state changes with the time (in the UI language), from → to, the
// break reason, what caused it and who (the server names them). Leads and
// client admins see their projects' agents, an agent themselves. The
// server answers a window around the days (zones differ); the rows shown
// are those on the chosen days in the browser's zone.

import { useState } from 'preact/hooks';
import { api, type List, type LogEntry } from '../api';
import { formatDateTime, getLocale, t, type MsgKey } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { LocaleInput } from '../components/LocaleInput';
import { Loading } from '../components/Page';
import { useLoad } from '../components/useLoad';

const isoDay = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

function timeOf(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(getLocale(), { timeStyle: 'medium' }).format(d);
}

/** The longest span the server answers (`to` at most 31 days after `from`). */
const MAX_DAYS = 31;

const dayCount = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

export function StateLogView({ projectId }: { projectId: number | '' }) {
  const [from, setFrom] = useState<string | null>(isoDay(new Date()));
  const [to, setTo] = useState<string | null>(isoDay(new Date()));
  const [agent, setAgent] = useState<number | ''>('');
  const span = from && to ? dayCount(from, to) : -1;
  const valid = span >= 0 && span <= MAX_DAYS;
  const log = useLoad(() => {
    if (!valid) return Promise.resolve({ items: [] as LogEntry[] });
    return api.get<List<LogEntry>>(`/workforce/state-log?from=${from}&to=${to}${projectId ? `&project_id=${projectId}` : ''}`);
  }, [from, to, projectId]);
  const oneDay = span === 0;

  const rows = (log.data?.items ?? []).filter((e) => {
    const d = isoDay(new Date(e.at));
    return valid && from && to && d >= from && d <= to;
  });
  const agents = [...new Map(rows.map((e) => [e.user_id, e.user_name])).entries()].sort((a, b) => a[1].localeCompare(b[1], getLocale()));
  const shown = agents.filter(([id]) => agent === '' || agent === id);
  const by = (e: LogEntry) => (e.by_user_id == null ? t('wf.log.system') : (e.by_name ?? t('wf.log.someoneElse')));

  return (
    <div data-testid="state-log">
      <p class="muted">{t('wf.log.help')}</p>
      <div class="inline-form">
        <Field label={t('wf.from')}>
          <LocaleInput kind="date" value={from} onValue={setFrom} required data-testid="state-log-from" />
        </Field>
        <Field label={t('wf.to')}>
          <LocaleInput kind="date" value={to} onValue={setTo} required data-testid="state-log-to" />
        </Field>
        <Field label={t('wf.agent')}>
          <select value={agent} onChange={(e) => setAgent(e.currentTarget.value ? Number(e.currentTarget.value) : '')} data-testid="state-log-agent">
            <option value="">{t('wf.log.allAgents')}</option>
            {agents.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {from && to && !valid && (
        <p class="error" role="alert" data-testid="state-log-span">
          {t('wf.log.span', { n: MAX_DAYS })}
        </p>
      )}
      {log.error != null && <ErrorBox error={log.error} />}
      {!log.data ? (
        <Loading />
      ) : shown.length === 0 ? (
        <p class="muted">{t('wf.none')}</p>
      ) : (
        shown.map(([id, name]) => (
          <section key={id} data-testid="state-log-agent-section" data-agent={name}>
            <h2 class="log-agent">{name}</h2>
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">{oneDay ? t('wf.log.time') : t('wf.log.when')}</th>
                    <th scope="col">{t('wf.log.change')}</th>
                    <th scope="col">{t('wf.log.reason')}</th>
                    <th scope="col">{t('wf.log.source')}</th>
                    <th scope="col">{t('wf.log.by')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows
                    .filter((e) => e.user_id === id)
                    .map((e) => (
                      <tr key={e.id} data-testid="state-log-row">
                        <td>{oneDay ? timeOf(e.at) : formatDateTime(e.at)}</td>
                        <td>
                          {t(`wf.state.${e.from_state}` as MsgKey)} → {t(`wf.state.${e.to_state}` as MsgKey)}
                        </td>
                        <td>{e.reason ?? '–'}</td>
                        <td>{t(`wf.source.${e.source}` as MsgKey)}</td>
                        <td data-testid="state-log-by">{by(e)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          </section>
        ))
      )}
    </div>
  );
}
