// The knowledge settings per project (GET /knowledge/projects): which agents
// edit the articles limited to the project (granted and revoked here, by
// name, effective at once) and whether its public help center is on. For
// the client admin (every project) and project leads (the projects they
// lead); the help center is switched by the client admin only.

import { useState } from 'preact/hooks';
import type { Params } from '../../router';
import { formatDateTime, t } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Link } from '../../components/Link';
import { Loading, Page } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import { useSession } from '../../session';
import { ClientPicker, KbTabs } from './bits';
import { useKnowledgeClient } from './hooks';
import { isEditor, kb, type KnowledgeProject, type ProjectAgent } from './kb';

/** `/knowledge/projects`: the client's projects the user manages. */
export function KnowledgeProjectsPage() {
  const { me } = useSession();
  const { clients, clientId, setClientId } = useKnowledgeClient();
  const allowed = clientId !== null && isEditor(me, clientId);
  const list = useLoad(() => (clientId && allowed ? kb.projects(clientId) : Promise.resolve([])), [clientId, allowed]);

  return (
    <Page title={t('kb.projects.title')} actions={<ClientPicker clients={clients} clientId={clientId} onChange={setClientId} />} testId="kb-projects" wide>
      <KbTabs clientId={clientId} current="projects" />
      {!allowed && <p class="muted">{t('kb.projects.notEditor')}</p>}
      {allowed && <p class="muted">{t('kb.projects.intro')}</p>}
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading />}
      {allowed && list.data && !list.data.length && <p class="muted">{t('kb.projects.empty')}</p>}
      <ul class="kb-projects">
        {(list.data ?? []).map((p) => (
          <li key={p.id} class="card kb-project" data-testid={`kb-project-${p.key}`}>
            <h2 class="kb-project-name">
              <Link href={`/knowledge/projects/${p.id}`} testId={`kb-project-open-${p.key}`}>
                {p.name}
              </Link>{' '}
              <code>{p.key}</code> {!p.active && <span class="badge badge-off">{t('kb.projects.inactive')}</span>}
            </h2>
            <p class="kb-project-facts">
              <span>{t('kb.projects.agents', { n: p.agents })}</span>
              <span>{t('kb.projects.editors', { n: p.editors })}</span>
              <span>
                {t('kb.hc.title')}: <HelpCenterBadge project={p} />
              </span>
            </p>
          </li>
        ))}
      </ul>
    </Page>
  );
}

function HelpCenterBadge({ project }: { project: KnowledgeProject }) {
  const hc = project.help_center;
  return <span class={hc.reachable ? 'badge badge-on' : 'badge badge-off'}>{hc.enabled ? t('kb.hc.on') : t('kb.hc.off')}</span>;
}

/** `/knowledge/projects/:id`: one project's editors and help center. */
export function KnowledgeProjectPage({ params }: { params: Params }) {
  const id = Number(params.id);
  const detail = useLoad(() => kb.project(id), [id]);
  const d = detail.data;
  return (
    <Page title={d ? `${d.project.name} · ${t('kb.projects.open')}` : t('kb.projects.open')} testId="kb-project" wide>
      <KbTabs clientId={d?.project.client_id ?? null} current="projects" />
      <p class="breadcrumb">
        <Link href="/knowledge/projects">← {t('kb.projects.back')}</Link>
      </p>
      <ErrorBox error={detail.error} />
      {detail.loading && !d && <Loading />}
      {d && (
        <div class="kb-project-detail">
          <HelpCenterCard project={d.project} onChange={detail.reload} />
          <AgentsCard projectId={d.project.id} agents={d.agents} onChange={detail.reload} />
        </div>
      )}
    </Page>
  );
}

function HelpCenterCard({ project, onChange }: { project: KnowledgeProject; onChange: () => Promise<void> }) {
  const hc = project.help_center;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const toggle = async (enabled: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await kb.switchHelpCenter(project.id, enabled);
      await onChange();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  let note: string;
  if (!hc.enabled) note = t('kb.hc.offNote');
  else if (!project.active) note = t('kb.hc.inactive');
  else if (!hc.public_articles) note = t('kb.hc.noArticles');
  else note = t('kb.hc.reachable', { url: hc.url ?? '' });
  return (
    <section class="card kb-hc" aria-labelledby="kb-hc-title" data-testid="kb-hc">
      <h2 id="kb-hc-title">{t('kb.hc.title')}</h2>
      <label class="field-inline kb-switch">
        <input type="checkbox" role="switch" checked={hc.enabled} disabled={busy || !project.can_switch_help_center} onChange={(e) => void toggle(e.currentTarget.checked)} data-testid="kb-hc-switch" />{' '}
        {t('kb.hc.switch')}
      </label>
      <p class={hc.reachable ? '' : 'muted'} data-testid="kb-hc-state" data-reachable={hc.reachable ? 'yes' : 'no'}>
        {note}
      </p>
      <p class="muted">{t('kb.hc.publicArticles', { n: hc.public_articles })}</p>
      {hc.reachable && hc.url && (
        <p>
          <a href={`${hc.url}`} target="_blank" rel="noopener noreferrer" data-testid="kb-hc-open">
            {t('kb.hc.open')}
          </a>
        </p>
      )}
      {hc.changed_at && (
        <p class="muted">
          {hc.changed_by_name ? t('kb.hc.changed', { who: hc.changed_by_name, at: formatDateTime(hc.changed_at) }) : t('kb.hc.changedAt', { at: formatDateTime(hc.changed_at) })}
        </p>
      )}
      {!project.can_switch_help_center && <p class="muted">{t('kb.hc.onlyAdmin')}</p>}
      <ErrorBox error={error} />
    </section>
  );
}

function AgentsCard({ projectId, agents, onChange }: { projectId: number; agents: ProjectAgent[]; onChange: () => Promise<void> }) {
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const toggle = async (agent: ProjectAgent, grant: boolean) => {
    setBusy(agent.user_id);
    setError(null);
    setDone(null);
    try {
      if (grant) await kb.grant(projectId, agent.user_id);
      else await kb.revoke(projectId, agent.user_id);
      await onChange();
      setDone(t(grant ? 'kb.projects.granted' : 'kb.projects.revoked', { name: agent.name }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <section class="card kb-agents" aria-labelledby="kb-agents-title" data-testid="kb-agents">
      <h2 id="kb-agents-title">{t('kb.projects.agentsTitle')}</h2>
      <p class="muted">{t('kb.projects.agentsHint')}</p>
      {done && (
        <p class="alert alert-ok" role="status" data-testid="kb-agents-done">
          {done}
        </p>
      )}
      <ErrorBox error={error} />
      {!agents.length && <p class="muted">{t('kb.projects.noAgents')}</p>}
      <ul class="kb-agent-list">
        {agents.map((a) => (
          <li key={a.user_id} class="kb-agent" data-testid="kb-agent">
            <label class="field-inline">
              <input
                type="checkbox"
                checked={a.edits_knowledge}
                disabled={busy === a.user_id}
                onChange={(e) => void toggle(a, e.currentTarget.checked)}
                aria-describedby={`kb-agent-${a.user_id}`}
                data-testid={`kb-agent-edits-${a.email}`}
              />{' '}
              <span class="kb-agent-name">{a.name}</span>
            </label>
            <span id={`kb-agent-${a.user_id}`} class="muted kb-agent-meta">
              {a.email}
              {a.edits_knowledge && a.granted_at && <> · {t('kb.projects.editsKnowledge')}, {t('kb.projects.grantedBy', { at: formatDateTime(a.granted_at), who: a.granted_by_name ?? t('kb.someone') })}</>}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
