import { useState } from 'preact/hooks';
import { api, type Client, type List, type Project } from '../api';
import { formatNumber, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { ConfirmModal, FormModal } from '../components/Modal';
import { Badge, Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { useSession } from '../session';

type Dialog = { kind: 'create' } | { kind: 'edit'; project: Project } | { kind: 'delete'; project: Project } | null;

/** Clients the current user may create projects for. */
export function useClientOptions() {
  const { me } = useSession();
  return useLoad<{ id: number; name: string }[]>(async () => {
    if (me.permissions.manage_clients) return (await api.get<List<Client>>('/clients')).items;
    return me.client ? [me.client] : [];
  });
}

export function ProjectsPage() {
  const { me, refresh } = useSession();
  const canManage = me.permissions.manage_projects;
  const list = useLoad(() => api.get<List<Project>>('/projects'));
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);
  const changed = async () => {
    await list.reload();
    await refresh().catch(() => undefined); // keep the header's project switcher current
  };

  return (
    <Page
      title={t('projects.title')}
      testId="projects-page"
      actions={
        canManage && (
          <button type="button" class="btn btn-primary" data-testid="new-project" onClick={() => setDialog({ kind: 'create' })}>
            {t('projects.new')}
          </button>
        )
      }
    >
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && (
        <div class="table-wrap">
          <table class="table" data-testid="projects-table">
            <thead>
              <tr>
                <th scope="col">{t('common.name')}</th>
                <th scope="col">{t('projects.key')}</th>
                <th scope="col">{t('common.client')}</th>
                <th scope="col">{t('projects.status')}</th>
                <th scope="col" class="num">
                  {t('projects.members')}
                </th>
                <th scope="col" class="actions">
                  <span class="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.length === 0 && <Empty colSpan={6} />}
              {list.data.items.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link href={`/admin/projects/${p.id}`} testId={`project-link-${p.key}`}>
                      {p.name}
                    </Link>
                  </td>
                  <td>
                    <code>{p.key}</code>
                  </td>
                  <td>{p.client_name}</td>
                  <td>
                    <Badge on={p.active} />
                  </td>
                  <td class="num">{formatNumber(p.member_count)}</td>
                  <td class="actions">
                    {canManage && (
                      <>
                        <button type="button" class="btn btn-small" onClick={() => setDialog({ kind: 'edit', project: p })}>
                          {t('common.edit')}
                        </button>
                        <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setDialog({ kind: 'delete', project: p })}>
                          {t('common.delete')}
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {dialog?.kind === 'create' && <CreateProject onClose={close} onDone={changed} />}
      {dialog?.kind === 'edit' && <EditProject project={dialog.project} onClose={close} onDone={changed} />}
      {dialog?.kind === 'delete' && (
        <ConfirmModal
          title={t('common.delete')}
          text={t('projects.confirmDelete', { name: dialog.project.name })}
          confirmLabel={t('common.delete')}
          onClose={close}
          onConfirm={async () => {
            await api.del(`/projects/${dialog.project.id}`);
            await changed();
          }}
        />
      )}
    </Page>
  );
}

function CreateProject({ onClose, onDone }: { onClose: () => void; onDone: () => Promise<void> }) {
  const clients = useClientOptions();
  const [clientId, setClientId] = useState('');
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [description, setDescription] = useState('');
  const options = clients.data ?? [];
  const chosen = clientId || (options.length === 1 ? String(options[0].id) : '');
  return (
    <FormModal
      title={t('projects.new')}
      submitLabel={t('common.create')}
      onClose={onClose}
      testId="project-form"
      onSubmit={async () => {
        const body: Record<string, unknown> = { client_id: Number(chosen), name: name.trim(), key };
        if (description.trim()) body.description = description.trim();
        await api.post<Project>('/projects', body);
        await onDone();
      }}
    >
      <ErrorBox error={clients.error} />
      <Field label={t('common.client')}>
        <select required value={chosen} onChange={(e) => setClientId(e.currentTarget.value)} data-testid="project-client">
          <option value="">{t('common.choose')}</option>
          {options.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('common.name')}>
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="project-name" />
      </Field>
      <Field label={t('projects.key')} hint={t('projects.keyHint')}>
        <input
          required
          value={key}
          pattern="[A-Z0-9]{2,10}"
          minLength={2}
          maxLength={10}
          autoCapitalize="characters"
          spellcheck={false}
          class="mono"
          onInput={(e) => setKey(e.currentTarget.value.toUpperCase().replace(/[^A-Z0-9]/g, ''))}
          data-testid="project-key"
        />
      </Field>
      <Field label={t('common.description')}>
        <textarea rows={3} value={description} onInput={(e) => setDescription(e.currentTarget.value)} data-testid="project-description" />
      </Field>
    </FormModal>
  );
}

export function EditProject({ project, onClose, onDone }: { project: Project; onClose: () => void; onDone: () => Promise<void> }) {
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description ?? '');
  const [active, setActive] = useState(project.active);
  return (
    <FormModal
      title={t('projects.edit')}
      submitLabel={t('common.save')}
      onClose={onClose}
      onSubmit={async () => {
        await api.patch(`/projects/${project.id}`, { name: name.trim(), description: description.trim(), active });
        await onDone();
      }}
    >
      <Field label={t('common.name')}>
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field label={t('common.description')}>
        <textarea rows={3} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </Field>
      <Field label={t('common.active')} inline>
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
      </Field>
    </FormModal>
  );
}
