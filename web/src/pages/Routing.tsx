// Routing to agents (issue 15): per project and channel whether agents
// pull cases or cases are pushed (round-robin, least-loaded); the
// project's agents with live availability, skills and capacities; the
// cases waiting for an agent. Client admins and the project's leads.

import { useEffect, useState } from 'preact/hooks';
import {
  CHANNELS,
  ROUTING_MODES,
  api,
  type AgentCapacity,
  type AgentRouting,
  type AgentSkill,
  type Channel,
  type List,
  type ProjectRouting,
  type QueuedCase,
  type RoutingMode,
} from '../api';
import { formatDateTime, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { LocaleInput } from '../components/LocaleInput';
import { Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { useDebounced, useLiveEvents } from '../components/events';
import { useProjectData } from '../components/caseBits';
import { useSession } from '../session';
import { routingProjects } from '../access';

const REFRESH_MS = 30_000;

/** Projects whose routing the server lets `me` manage (`can.manage_routing` in /me). */


export function RoutingPage() {
  const { me } = useSession();
  const projects = routingProjects(me);
  const [projectId, setProjectId] = useState<number | null>(projects[0]?.id ?? null);
  const [editing, setEditing] = useState<number | null>(null);
  const routing = useLoad(
    () => (projectId ? api.get<ProjectRouting>(`/projects/${projectId}/routing`) : Promise.resolve(null)),
    [projectId],
  );
  const queue = useLoad(
    () => (projectId ? api.get<List<QueuedCase>>(`/projects/${projectId}/routing/queue`) : Promise.resolve({ items: [] as QueuedCase[] })),
    [projectId],
  );
  const editingAgent = routing.data?.agents.find((a) => a.user_id === editing);
  const refresh = useDebounced(() => void Promise.all([routing.reload(), queue.reload()]), 300);
  useLiveEvents((e) => {
    if ((e.kind === 'case' && e.data.project_id === projectId) || e.kind === 'reconnect') refresh();
  });
  useEffect(() => {
    const timer = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  return (
    <Page title={t('routing.title')} testId="routing-page" wide>
      <p class="muted">{t('routing.help')}</p>
      <Field label={t('routing.project')}>
        <select
          value={projectId ?? ''}
          onChange={(e) => {
            setProjectId(Number(e.currentTarget.value));
            setEditing(null);
          }}
          data-testid="routing-project"
        >
          {projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.client_name} – {p.name}
            </option>
          ))}
        </select>
      </Field>
      <ErrorBox error={routing.error} />
      {routing.loading && !routing.data && <Loading />}
      {routing.data && projectId && (
        <>
          <Modes projectId={projectId} routing={routing.data} onSaved={refresh} />
          <h2>{t('routing.agents')}</h2>
          {routing.data.agents.length === 0 ? (
            <p class="muted">{t('routing.noAgents')}</p>
          ) : (
            <div class="table-wrap">
              <table class="table routing-agents" data-testid="routing-agents">
                <thead>
                  <tr>
                    <th scope="col">{t('routing.agent')}</th>
                    <th scope="col">{t('routing.availability')}</th>
                    <th scope="col">{t('routing.skills')}</th>
                    <th scope="col">{t('routing.load')}</th>
                    <th scope="col" />
                  </tr>
                </thead>
                <tbody>
                  {routing.data.agents.map((a) => (
                    <AgentRow key={a.user_id} agent={a} editing={editing === a.user_id} onEdit={() => setEditing(editing === a.user_id ? null : a.user_id)} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {editingAgent && (
            <AgentEditor
              key={editingAgent.user_id}
              agent={editingAgent}
              projectId={projectId}
              onCancel={() => setEditing(null)}
              onSaved={() => {
                setEditing(null);
                refresh();
              }}
            />
          )}
          <h2>{t('routing.queue', { n: routing.data.queued })}</h2>
          <Queue items={queue.data?.items ?? []} />
        </>
      )}
    </Page>
  );
}

function Modes(props: { projectId: number; routing: ProjectRouting; onSaved: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<Channel | null>(null);
  const set = async (channel: Channel, mode: RoutingMode) => {
    setBusy(channel);
    setError(null);
    try {
      await api.put(`/projects/${props.projectId}/routing/${channel}`, { mode });
      props.onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <section>
      <h2>{t('routing.modes')}</h2>
      <p class="muted">{t('routing.modesHelp')}</p>
      <ul class="routing-modes" data-testid="routing-modes">
        {props.routing.modes.map((m) => (
          <li key={m.channel}>
            <label>
              <span>{t(`channel.${m.channel}`)}</span>
              <select
                value={m.mode}
                disabled={busy !== null}
                onChange={(e) => void set(m.channel, e.currentTarget.value as RoutingMode)}
                data-testid={`routing-mode-${m.channel}`}
              >
                {ROUTING_MODES.map((mode) => (
                  <option key={mode} value={mode}>
                    {t(`routing.mode.${mode}`)}
                  </option>
                ))}
              </select>
            </label>
          </li>
        ))}
      </ul>
      <ErrorBox error={error} />
    </section>
  );
}

function skillText(s: AgentSkill): string {
  const what = s.kind === 'language' ? (s.language ?? '').toUpperCase() : (s.topic_name ?? `#${s.topic_id}`);
  return `${what} (${s.level})`;
}

function AgentRow(props: { agent: AgentRouting; editing: boolean; onEdit: () => void }) {
  const a = props.agent;
  const load = CHANNELS.map((c) => {
    const open = a.open.find((o) => o.channel === c)?.count ?? 0;
    const max = a.capacity.find((x) => x.channel === c)?.max_open ?? 0;
    return { c, open, max };
  }).filter((l) => l.open > 0 || l.c === 'email' || l.c === 'call');
  return (
    <tr data-testid="routing-agent">
        <td>{a.name}</td>
        <td>
          <span class={`availability-badge availability-${a.availability}`} data-testid="routing-agent-state">
            {t(`avail.${a.availability}`)}
          </span>
          {a.since && <div class="muted small">{t('routing.since', { at: formatDateTime(a.since) })}</div>}
        </td>
        <td>{a.skills.length === 0 ? <span class="muted">{t('routing.noSkills')}</span> : a.skills.map(skillText).join(', ')}</td>
        <td>
          {load.map((l) => (
            <div key={l.c} class={l.open >= l.max ? 'routing-full' : undefined}>
              {t('routing.loadLine', { channel: t(`channel.${l.c}`), open: l.open, max: l.max })}
            </div>
          ))}
        </td>
        <td>
          {a.editable && (
            <button type="button" class="btn btn-small" onClick={props.onEdit} aria-expanded={props.editing} data-testid="routing-agent-edit">
              {t('routing.edit')}
            </button>
          )}
        </td>
    </tr>
  );
}

function AgentEditor(props: { agent: AgentRouting; projectId: number; onCancel: () => void; onSaved: () => void }) {
  const { topics } = useProjectData(props.projectId);
  const [skills, setSkills] = useState<AgentSkill[]>(props.agent.skills);
  const [capacity, setCapacity] = useState<AgentCapacity[]>(props.agent.capacity);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const setSkill = (i: number, patch: Partial<AgentSkill>) => setSkills(skills.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.put<AgentRouting>(`/routing/agents/${props.agent.user_id}`, {
        skills: skills.map((s) => (s.kind === 'language' ? { kind: s.kind, language: s.language, level: s.level } : { kind: s.kind, topic_id: s.topic_id, level: s.level })),
        capacity,
      });
      props.onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="routing-editor" data-testid="routing-editor">
      <h2>{t('routing.editing', { name: props.agent.name })}</h2>
      <h3>{t('routing.skills')}</h3>
      <p class="muted">{t('routing.skillsHelp')}</p>
      <ul class="routing-skills">
        {skills.map((s, i) => (
          <li key={i}>
            <select
              value={s.kind}
              aria-label={t('routing.skillKind')}
              onChange={(e) => {
                const kind = e.currentTarget.value;
                setSkill(i, kind === 'language' ? { kind, language: 'de', topic_id: undefined, topic_name: undefined } : { kind, language: undefined, topic_id: topics[0]?.id });
              }}
            >
              <option value="language">{t('routing.kind.language')}</option>
              <option value="topic">{t('routing.kind.topic')}</option>
            </select>
            {s.kind === 'language' ? (
              <input
                type="text"
                value={s.language ?? ''}
                maxLength={8}
                size={4}
                aria-label={t('routing.language')}
                onInput={(e) => setSkill(i, { language: e.currentTarget.value })}
              />
            ) : (
              <select value={s.topic_id ?? ''} aria-label={t('routing.topic')} onChange={(e) => setSkill(i, { topic_id: Number(e.currentTarget.value) })}>
                {s.topic_id != null && !topics.some((x) => x.id === s.topic_id) && <option value={s.topic_id}>{s.topic_name ?? `#${s.topic_id}`}</option>}
                {topics.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
              </select>
            )}
            <select value={s.level} aria-label={t('routing.level')} onChange={(e) => setSkill(i, { level: Number(e.currentTarget.value) })}>
              {[1, 2, 3].map((l) => (
                <option key={l} value={l}>
                  {t(`routing.level.${l}` as 'routing.level.1')}
                </option>
              ))}
            </select>
            <button type="button" class="btn btn-small" onClick={() => setSkills(skills.filter((_, j) => j !== i))}>
              {t('routing.remove')}
            </button>
          </li>
        ))}
      </ul>
      <button type="button" class="btn" onClick={() => setSkills([...skills, { kind: 'language', language: 'de', level: 2 }])} data-testid="routing-add-skill">
        {t('routing.addSkill')}
      </button>
      <h3>{t('routing.capacity')}</h3>
      <p class="muted">{t('routing.capacityHelp')}</p>
      <div class="routing-capacity">
        {capacity.map((c) => (
          <Field key={c.channel} label={t(`channel.${c.channel}`)}>
            <LocaleInput
              kind="integer"
              value={c.max_open}
              min={0}
              max={100}
              data-testid={`routing-capacity-${c.channel}`}
              onValue={(v) => setCapacity(capacity.map((x) => (x.channel === c.channel ? { ...x, max_open: v ?? 0 } : x)))}
            />
          </Field>
        ))}
      </div>
      <ErrorBox error={error} />
      <div class="routing-actions">
        <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void save()} data-testid="routing-agent-save">
          {t('routing.save')}
        </button>
        <button type="button" class="btn" onClick={props.onCancel}>
          {t('routing.cancel')}
        </button>
      </div>
    </section>
  );
}

function Queue(props: { items: QueuedCase[] }) {
  if (props.items.length === 0) return <p class="muted">{t('routing.queueEmpty')}</p>;
  return (
    <div class="table-wrap">
      <table class="table" data-testid="routing-queue">
        <thead>
          <tr>
            <th scope="col">{t('routing.case')}</th>
            <th scope="col">{t('routing.channel')}</th>
            <th scope="col">{t('routing.waitingSince')}</th>
            <th scope="col">{t('routing.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((q) => (
            <tr key={q.case_id}>
              <td>
                <Link href={`/cases/${q.case_id}`}>
                  {q.ref} · {q.subject}
                </Link>
              </td>
              <td>{t(`channel.${q.channel}`)}</td>
              <td>{formatDateTime(q.queued_at)}</td>
              <td>{t(`routing.reason.${q.reason}`)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
