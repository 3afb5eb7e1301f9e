// The live monitor of a project (issue 18, workforce): agents with their
// state and time in it, waiting cases per channel and topic, SLA today,
// handled today, the distribution plan in force; interventions (state,
// project, reassigning a case, a message to the agents). The client's admin,
// the project's lead, the platform admin. Snapshots arrive on the project's
// own event stream (`/events?monitor=…`), computed once on the server for
// every open monitor.

import { useEffect, useState } from 'preact/hooks';
import { CHOSEN_STATES, api, query, type BusinessCalendar, type List, type MonitorAgent, type MonitorSnapshot, type WorkState } from '../api';
import { formatDateTime, formatDuration, formatPercent, formatSpan, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { Loading, Page } from '../components/Page';
import { routingProjects } from '../access';
import { PlanEditor } from './Distribution';
import { useLoad } from '../components/useLoad';
import { useSession } from '../session';


/** The snapshot of a project, live. */
function useMonitor(projectId: number | null) {
  const [snapshot, setSnapshot] = useState<MonitorSnapshot | null>(null);
  const [error, setError] = useState<unknown>(null);
  // False while the stream is down (refused at the stream limit, server
  // restarting): the page says so and tries again, it never shows stale
  // figures as live.
  const [live, setLive] = useState(true);
  useEffect(() => {
    setSnapshot(null);
    setLive(true);
    if (!projectId) return;
    let alive = true;
    let source: EventSource | null = null;
    let retry: number | undefined;
    api
      .get<MonitorSnapshot>(`/projects/${projectId}/monitor`)
      .then((s) => alive && setSnapshot((now) => now ?? s))
      .catch((e) => alive && setError(e));
    const connect = () => {
      source = new EventSource(`/api/v1/events?monitor=${projectId}`, { withCredentials: true });
      source.addEventListener('open', () => alive && setLive(true));
      source.addEventListener('monitor', (ev) => {
        try {
          const s = JSON.parse((ev as MessageEvent).data as string) as MonitorSnapshot;
          if (alive) setSnapshot(s);
        } catch {
          /* a broken frame: the next one replaces it */
        }
      });
      source.addEventListener('error', () => {
        if (!alive || !source || source.readyState !== EventSource.CLOSED) return;
        // The browser gives up on a refused stream (e.g. 429): try again.
        setLive(false);
        retry = window.setTimeout(() => alive && connect(), 3000);
      });
    };
    connect();
    return () => {
      alive = false;
      window.clearTimeout(retry);
      source?.close();
    };
  }, [projectId]);
  return { snapshot, error, live };
}

/** Re-renders every second (time in state). */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function AgentRow({ a, projectId, now, others }: { a: MonitorAgent; projectId: number; now: number; others: { id: number; name: string }[] }) {
  const [state, setState] = useState<WorkState>('available');
  const [target, setTarget] = useState<number>(projectId);
  const [error, setError] = useState<unknown>(null);
  const apply = async () => {
    try {
      setError(null);
      await api.put(`/projects/${projectId}/monitor/agents/${a.user_id}`, { state, project_id: target });
    } catch (e) {
      setError(e);
    }
  };
  const since = a.since ? formatDuration(Math.max(0, Math.floor((now - Date.parse(a.since)) / 1000))) : '–';
  return (
    <tr data-testid="monitor-agent" data-agent={a.name} data-state={a.state ?? 'elsewhere'}>
      <td>
        {a.name} <span class="muted">{t(`monitor.team.${a.team}` as 'monitor.team.client')}</span>
      </td>
      <td>
        {a.elsewhere ? (
          <span class="muted">{t('monitor.elsewhere')}</span>
        ) : (
          <span class={`availability-badge availability-${a.state ?? 'offline'}`} title={a.overrun ? t('wf.overrun') : undefined}>
            {/* No state row: offline, as routing reads it. */}
            {t(`wf.state.${a.state ?? 'offline'}`)}
            {a.reason ? ` · ${a.reason}` : ''}
            {a.overrun ? ' ⚠' : ''}
            {a.other_project_id ? ` · ${t('monitor.otherProject')}` : ''}
          </span>
        )}
      </td>
      <td data-testid="monitor-since">{a.elsewhere ? '–' : since}</td>
      <td>{a.case_id ? <Link href={`/cases/${a.case_id}`}>{a.case_ref}</Link> : '–'}</td>
      <td class="num">{a.open_cases}</td>
      <td>
        {!a.elsewhere && (
          <span class="inline-form">
            <select aria-label={t('monitor.setState')} value={state} onChange={(e) => setState(e.currentTarget.value as WorkState)} data-testid="monitor-set-state">
              {CHOSEN_STATES.filter((s) => s !== 'break').map((s) => (
                <option key={s} value={s}>
                  {t(`wf.state.${s}`)}
                </option>
              ))}
            </select>
            {others.length > 1 && (
              <select aria-label={t('monitor.moveTo')} value={target} onChange={(e) => setTarget(Number(e.currentTarget.value))}>
                {others.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            )}
            <button type="button" class="btn small" onClick={() => void apply()} data-testid="monitor-apply">
              {t('monitor.apply')}
            </button>
          </span>
        )}
        {error != null && <ErrorBox error={error} />}
      </td>
    </tr>
  );
}

function Reassign({ snapshot }: { snapshot: MonitorSnapshot }) {
  const [caseId, setCaseId] = useState('');
  const [to, setTo] = useState<string>('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      setError(null);
      setDone(false);
      await api.post(`/projects/${snapshot.project_id}/monitor/reassign`, { case_id: Number(caseId), assignee_id: to ? Number(to) : null });
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };
  const cases = [
    ...snapshot.agents.filter((a) => a.case_id).map((a) => ({ id: a.case_id!, ref: a.case_ref ?? String(a.case_id) })),
    ...snapshot.sla.near_breach.map((n) => ({ id: n.case_id, ref: `${n.ref} · ${n.subject}` })),
  ];
  return (
    <form class="card" onSubmit={(e) => void submit(e)} data-testid="monitor-reassign">
      <h2>{t('monitor.reassign')}</h2>
      <Field label={t('monitor.caseId')}>
        <select value={caseId} onChange={(e) => setCaseId(e.currentTarget.value)} required data-testid="monitor-reassign-case">
          <option value="" />
          {cases.map((c) => (
            <option key={`${c.id}-${c.ref}`} value={c.id}>
              {c.ref}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('monitor.to')}>
        <select value={to} onChange={(e) => setTo(e.currentTarget.value)} data-testid="monitor-reassign-to">
          <option value="">{t('monitor.queue')}</option>
          {snapshot.agents.map((a) => (
            <option key={a.user_id} value={a.user_id}>
              {a.name}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" class="btn" data-testid="monitor-reassign-submit">
        {t('monitor.apply')}
      </button>
      {done && <p role="status">{t('monitor.reassigned')}</p>}
      {error != null && <ErrorBox error={error} />}
    </form>
  );
}

function Broadcast({ projectId }: { projectId: number }) {
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [acknowledge, setAcknowledge] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      setError(null);
      await api.post(`/projects/${projectId}/monitor/broadcast`, { title, body, acknowledge });
      setDone(true);
      setTitle('');
      setBody('');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card" onSubmit={(e) => void submit(e)}>
      <h2>{t('monitor.broadcast')}</h2>
      <p class="muted">{t('monitor.broadcastHelp')}</p>
      <Field label={t('monitor.msgTitle')}>
        <input value={title} maxLength={200} required onInput={(e) => setTitle(e.currentTarget.value)} />
      </Field>
      <Field label={t('monitor.msgBody')}>
        <textarea value={body} maxLength={5000} required rows={3} onInput={(e) => setBody(e.currentTarget.value)} />
      </Field>
      <label class="checkbox">
        <input type="checkbox" checked={acknowledge} onChange={(e) => setAcknowledge(e.currentTarget.checked)} /> {t('monitor.acknowledge')}
      </label>
      <button type="submit" class="btn">
        {t('monitor.send')}
      </button>
      {done && <p role="status">{t('monitor.sent')}</p>}
      {error != null && <ErrorBox error={error} />}
    </form>
  );
}

/** The plan in force; who may change it (the client's admin, the platform admin) edits it here, without leaving the monitor. */
function PlanCard({ snapshot, mayChange, clientId }: { snapshot: MonitorSnapshot; mayChange: boolean; clientId: number | undefined }) {
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const calendars = useLoad(
    () => (editing && clientId ? api.get<List<BusinessCalendar>>(`/calendars${query({ client_id: clientId })}`) : Promise.resolve({ items: [] as BusinessCalendar[] })),
    [editing, clientId],
  );
  useEffect(() => {
    setEditing(false);
    setSaved(false);
  }, [snapshot.project_id]);
  const plan = snapshot.plan;
  return (
    <section class="card monitor-plan" data-testid="monitor-plan">
      <h2>{t('monitor.plan')}</h2>
      <PlanEditor
        key={`${snapshot.project_id}-${plan.version}-${editing}`}
        projectId={snapshot.project_id}
        plan={plan}
        calendars={calendars.data?.items ?? []}
        manage={editing}
        onSaved={() => {
          setEditing(false);
          setSaved(true);
        }}
      />
      {saved && !editing && (
        <p role="status" class="muted" data-testid="monitor-plan-saved">
          {t('monitor.planSaved')}
        </p>
      )}
      {mayChange && !editing && (
        <button type="button" class="btn" onClick={() => { setEditing(true); setSaved(false); }} data-testid="monitor-change-plan">
          {t('monitor.changePlan')}
        </button>
      )}
      {editing && (
        <button type="button" class="btn" onClick={() => setEditing(false)} data-testid="monitor-plan-cancel">
          {t('monitor.cancel')}
        </button>
      )}
    </section>
  );
}

export function MonitorPage() {
  const { me } = useSession();
  const projects = routingProjects(me);
  // `?project=` opens one project's monitor directly (a link from elsewhere).
  const wanted = Number(new URLSearchParams(window.location.search).get('project'));
  const [projectId, setProjectId] = useState<number | null>(projects.find((p) => p.id === wanted)?.id ?? projects[0]?.id ?? null);
  const { snapshot, error, live } = useMonitor(projectId);
  const now = useNow();
  const others = projects
    .filter((p) => p.client_id === projects.find((x) => x.id === projectId)?.client_id)
    .map((p) => ({ id: p.id, name: p.name }));
  const mayChangePlan = projects.find((p) => p.id === projectId)?.can.manage_distribution ?? false;
  return (
    <Page title={t('monitor.title')} testId="monitor-page" wide>
      <div class="monitor">
      <p class="muted">{t('monitor.help')}</p>
      <Field label={t('wf.project')}>
        <select value={projectId ?? ''} onChange={(e) => setProjectId(Number(e.currentTarget.value))} data-testid="monitor-project">
          {projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.client_name} – {p.name}
            </option>
          ))}
        </select>
      </Field>
      {error != null && <ErrorBox error={error} />}
      {!snapshot ? (
        <Loading />
      ) : (
        <>
          <p class={live ? 'muted' : 'error'} role={live ? undefined : 'alert'} data-testid="monitor-at" data-at={snapshot.at} data-live={live ? 'yes' : 'no'}>
            {live ? `● ${t('monitor.live')}` : `○ ${t('monitor.notLive')}`} · {formatDateTime(snapshot.at)}
          </p>
          <div class="table-wrap">
            <table class="table" data-testid="monitor-agents">
              <caption>{t('monitor.agents')}</caption>
              <thead>
                <tr>
                  <th>{t('wf.agent')}</th>
                  <th>{t('wf.state')}</th>
                  <th>{t('monitor.since')}</th>
                  <th>{t('monitor.case')}</th>
                  <th class="num">{t('monitor.open')}</th>
                  <th>{t('monitor.setState')}</th>
                </tr>
              </thead>
              <tbody>
                {snapshot.agents.map((a) => (
                  <AgentRow key={a.user_id} a={a} projectId={snapshot.project_id} now={now} others={others} />
                ))}
              </tbody>
            </table>
          </div>
          <div class="grid-2">
            <section class="card">
              <h2>{t('monitor.queues')}</h2>
              {snapshot.queues.length === 0 ? (
                <p class="muted">{t('monitor.noQueue')}</p>
              ) : (
                <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th>{t('monitor.channel')}</th>
                      <th>{t('monitor.topic')}</th>
                      <th class="num">{t('monitor.size')}</th>
                      <th>{t('monitor.oldest')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {snapshot.queues.map((q) => (
                      <tr key={`${q.channel}-${q.topic_id}`}>
                        <td>{t(`channel.${q.channel}` as 'channel.email')}</td>
                        <td>{q.topic_name ?? t('monitor.noTopic')}</td>
                        <td class="num">{q.size}</td>
                        <td>{formatSpan(now - Date.parse(q.oldest_at))}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                </div>
              )}
            </section>
            <section class="card" data-testid="monitor-sla">
              <h2>{t('monitor.sla')}</h2>
              <p>
                {t('monitor.withinTarget')}: <strong>{snapshot.sla.within_target_share == null ? '–' : formatPercent(snapshot.sla.within_target_share)}</strong> · {t('monitor.achieved')}{' '}
                {snapshot.sla.achieved_today} · {t('monitor.breached')} {snapshot.sla.breached_today}
              </p>
              <h3>{t('monitor.nearBreach')}</h3>
              {snapshot.sla.near_breach.length === 0 ? (
                <p class="muted">{t('monitor.noNear')}</p>
              ) : (
                <ul>
                  {snapshot.sla.near_breach.map((n) => (
                    <li key={`${n.case_id}-${n.target}`}>
                      <Link href={`/cases/${n.case_id}`}>{n.ref}</Link> {n.subject} · {t('monitor.due')} {formatDateTime(n.due_at)}
                    </li>
                  ))}
                </ul>
              )}
              <h3>{t('monitor.handled')}</h3>
              <ul>
                {snapshot.handled_today.map((h) => (
                  <li key={h.team}>
                    {t(`monitor.team.${h.team}` as 'monitor.team.client')}: {h.count}
                  </li>
                ))}
              </ul>
            </section>
            <PlanCard snapshot={snapshot} mayChange={mayChangePlan} clientId={projects.find((p) => p.id === projectId)?.client_id} />
            <Reassign snapshot={snapshot} />
            {projectId && <Broadcast projectId={projectId} />}
          </div>
        </>
      )}
      </div>
    </Page>
  );
}
