import { useState } from 'preact/hooks';
import { api, type List, type Member, type MemberRole, type Project, type User } from '../api';
import { formatDateTime, t } from '../i18n';
import { DataMasks } from '../components/DataMasks';
import { TopicsCard } from '../components/TopicsCard';
import { WebFormCard } from '../components/WebFormCard';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { ConfirmModal } from '../components/Modal';
import { Badge, Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import type { Params } from '../router';
import { useSession } from '../session';
import { EditProject } from './Projects';
import { MailboxesCard } from './Mailboxes';
import { RetentionCard } from '../components/RetentionCard';

export function ProjectDetailPage({ params }: { params: Params }) {
  const id = Number(params.id);
  const { me, refresh } = useSession();
  // What the server lets this user do in the project (/me's can, from the policy).
  const can = me.projects.find((mp) => mp.id === id)?.can;
  const canEdit = can?.manage_settings ?? false;
  const canManageMembers = can?.manage_members ?? false;
  const project = useLoad(() => api.get<Project>(`/projects/${id}`), [id]);
  const [editing, setEditing] = useState(false);
  const p = project.data;

  return (
    <Page
      title={p ? `${p.name}` : t('projects.title')}
      testId="project-detail"
      actions={
        p &&
        canEdit && (
          <button type="button" class="btn" onClick={() => setEditing(true)}>
            {t('common.edit')}
          </button>
        )
      }
    >
      <p class="breadcrumb">
        <Link href="/admin/projects">← {t('projects.back')}</Link>
      </p>
      <ErrorBox error={project.error} />
      {project.loading && !p && <Loading />}
      {p && (
        <>
          <section class="card">
            <dl class="facts">
              <dt>{t('projects.key')}</dt>
              <dd>
                <code>{p.key}</code>
              </dd>
              <dt>{t('common.client')}</dt>
              <dd>{p.client_name}</dd>
              <dt>{t('projects.status')}</dt>
              <dd>
                <Badge on={p.active} />
              </dd>
              <dt>{t('common.description')}</dt>
              <dd>{p.description || t('common.none')}</dd>
              <dt>{t('common.created')}</dt>
              <dd>{formatDateTime(p.created_at)}</dd>
            </dl>
          </section>
          <Members projectId={id} canManage={canManageMembers} onChange={() => void project.reload()} />
          {canManageMembers && (
            <p>
              <Link href={`/knowledge/projects/${id}`} testId="project-knowledge-link">
                {t('kb.projectLink')} →
              </Link>
            </p>
          )}
          <TopicsCard projectId={id} canEdit={canEdit} />
          <DataMasks projectId={id} canEdit={canEdit} />
          <WebFormCard projectId={id} canEdit={canEdit} />
          {canEdit && <MailboxesCard projectId={id} />}
          {canEdit && <RetentionCard projectId={id} />}
        </>
      )}
      {editing && p && (
        <EditProject
          project={p}
          onClose={() => setEditing(false)}
          onDone={async () => {
            await project.reload();
            await refresh().catch(() => undefined);
          }}
        />
      )}
    </Page>
  );
}

function Members({ projectId, canManage, onChange }: { projectId: number; canManage: boolean; onChange: () => void }) {
  const members = useLoad(() => api.get<List<Member>>(`/projects/${projectId}/members`), [projectId]);
  const users = useLoad(() => (canManage ? api.get<List<User>>('/users') : Promise.resolve({ items: [] as User[] })), [canManage]);
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<MemberRole>('agent');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [removing, setRemoving] = useState<Member | null>(null);

  const memberIds = new Set((members.data?.items ?? []).map((m) => m.user_id));
  const candidates = (users.data?.items ?? []).filter(
    (u) => u.active && (u.role === 'agent' || u.role === 'project-lead') && !memberIds.has(u.id),
  );

  const changed = async () => {
    await members.reload();
    onChange();
  };

  const add = async (e: Event) => {
    e.preventDefault();
    if (!userId) return;
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      await api.put(`/projects/${projectId}/members/${userId}`, { role });
      setUserId('');
      await changed();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const changeRole = async (m: Member, next: MemberRole) => {
    setError(null);
    setNotice('');
    try {
      await api.put(`/projects/${projectId}/members/${m.user_id}`, { role: next });
      await members.reload();
      setNotice(t('members.roleChanged'));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section class="card" aria-labelledby="members-title" data-testid="members">
      <h2 id="members-title">{t('members.title')}</h2>

      {canManage && (
      <form class="inline-form" onSubmit={add} data-testid="add-member-form">
        <Field label={t('members.user')}>
          <select required value={userId} onChange={(e) => setUserId(e.currentTarget.value)} data-testid="member-user">
            <option value="">{candidates.length ? t('common.choose') : t('members.noCandidates')}</option>
            {candidates.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} · {u.email}
                {u.tariff ? ` · ${t(`tariff.${u.tariff}`)}` : ''}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('members.memberRole')}>
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as MemberRole)} data-testid="member-role">
            <option value="agent">{t('memberRole.agent')}</option>
            <option value="lead">{t('memberRole.lead')}</option>
          </select>
        </Field>
        <button type="submit" class="btn btn-primary" disabled={busy || !userId} data-testid="add-member">
          {t('members.add')}
        </button>
      </form>
      )}
      <ErrorBox error={error ?? users.error} />
      {notice && (
        <div class="alert alert-ok" role="status">
          {notice}
        </div>
      )}

      <ErrorBox error={members.error} />
      {members.loading && !members.data && <Loading />}
      {members.data && (
        <div class="table-wrap">
          <table class="table" data-testid="members-table">
            <thead>
              <tr>
                <th scope="col">{t('common.name')}</th>
                <th scope="col">{t('common.email')}</th>
                <th scope="col">{t('common.role')}</th>
                <th scope="col">{t('members.teamKind')}</th>
                <th scope="col">{t('common.tariff')}</th>
                <th scope="col">{t('members.memberRole')}</th>
                <th scope="col" class="actions">
                  <span class="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.data.items.length === 0 && <Empty colSpan={7} />}
              {members.data.items.map((m) => (
                <tr key={m.user_id} data-testid="member-row">
                  <td>{m.user_name}</td>
                  <td>{m.user_email}</td>
                  <td>{t(`role.${m.user_role}`)}</td>
                  <td>{m.team_kind ? t(`kind.${m.team_kind}`) : t('common.none')}</td>
                  <td>{m.tariff ? t(`tariff.${m.tariff}`) : t('common.none')}</td>
                  <td>
                    {canManage ? (
                    <select
                      class="select-small"
                      aria-label={`${t('members.memberRole')}: ${m.user_name}`}
                      value={m.member_role}
                      onChange={(e) => void changeRole(m, e.currentTarget.value as MemberRole)}
                    >
                      <option value="agent">{t('memberRole.agent')}</option>
                      <option value="lead">{t('memberRole.lead')}</option>
                    </select>
                    ) : (
                      t(`memberRole.${m.member_role}`)
                    )}
                  </td>
                  <td class="actions">
                    {canManage && (
                      <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setRemoving(m)}>
                        {t('members.remove')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {removing && (
        <ConfirmModal
          title={t('members.remove')}
          text={t('members.confirmRemove', { name: removing.user_name })}
          confirmLabel={t('members.remove')}
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api.del(`/projects/${projectId}/members/${removing.user_id}`);
            await changed();
          }}
        />
      )}
    </section>
  );
}
