// The raw state log (issue 18) for one day: per agent the state changes
// with the time (in the UI language), from → to, the break reason, what
// caused it and who. Leads and client admins see their projects' agents,
// an agent themselves. The server answers a window around the day (zones
// differ); the rows shown are those on the chosen day in the browser's zone.

import { useState } from 'preact/hooks';
import { api, type List, type LogEntry, type User } from '../api';
import { getLocale, t, type MsgKey } from '../i18n';
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

export function StateLogView({ projectId }: { projectId: number | '' }) {
  const [day, setDay] = useState<string | null>(isoDay(new Date()));
  const [agent, setAgent] = useState<number | ''>('');
  const log = useLoad(() => {
    if (!day) return Promise.resolve({ items: [] as LogEntry[] });
    return api.get<List<LogEntry>>(`/workforce/state-log?from=${day}&to=${day}${projectId ? `&project_id=${projectId}` : ''}`);
  }, [day, projectId]);
  // Names of whoever set a state for someone else (a lead, an admin): the
  // users the caller may list; failing that, the log's own names.
  const users = useLoad(() => api.get<List<User>>('/users').catch(() => ({ items: [] as User[] })));
  const names = new Map<number, string>();
  for (const u of users.data?.items ?? []) names.set(u.id, u.name);
  for (const e of log.data?.items ?? []) names.set(e.user_id, e.user_name);

  const rows = (log.data?.items ?? []).filter((e) => day && isoDay(new Date(e.at)) === day);
  const agents = [...new Map(rows.map((e) => [e.user_id, e.user_name])).entries()].sort((a, b) => a[1].localeCompare(b[1], getLocale()));
  const shown = agents.filter(([id]) => agent === '' || agent === id);
  const by = (e: LogEntry) => (e.by_user_id == null ? t('wf.log.system') : (names.get(e.by_user_id) ?? t('wf.log.someoneElse')));

  return (
    <div data-testid="state-log">
      <p class="muted">{t('wf.log.help')}</p>
      <div class="inline-form">
        <Field label={t('wf.day')}>
          <LocaleInput kind="date" value={day} onValue={setDay} required data-testid="state-log-day" />
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
                    <th scope="col">{t('wf.log.time')}</th>
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
                        <td>{timeOf(e.at)}</td>
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
