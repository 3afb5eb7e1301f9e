// Text modules (Textbausteine) for their editors — client admins, project
// leads and platform admins: list with usage, create and edit with
// placeholder help, publish and withdraw, delete and (client admins)
// restore, attachments. Changes from another browser arrive live.

import { useRef, useState } from 'preact/hooks';
import { api, type List, type Me, type Project, type TextModule, type TextModuleUsage } from '../api';
import { formatDate, formatNumber, t, type MsgKey } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { ConfirmModal, FormModal, Modal } from '../components/Modal';
import { Empty, Loading, Page } from '../components/Page';
import { useDebounced, useLiveEvents } from '../components/events';
import { useLoad } from '../components/useLoad';
import { clientsWhere, mayAtClient, useSession } from '../session';

/** Who edits a client's text modules: the server's `can.edit_knowledge` in /me. */
export function canEditTextModules(me: Me, clientId: number): boolean {
  return mayAtClient(me, clientId, 'edit_knowledge');
}

/** Whether the navigation shows the page. */
export function editsAnyTextModules(me: Me): boolean {
  return clientsWhere(me, 'edit_knowledge').length > 0;
}

const PLACEHOLDERS: { name: string; help: MsgKey }[] = [
  { name: 'contact.first_name', help: 'tm.ph.contact.first_name' },
  { name: 'contact.name', help: 'tm.ph.contact.name' },
  { name: 'case.ref', help: 'tm.ph.case.ref' },
  { name: 'case.subject', help: 'tm.ph.case.subject' },
  { name: 'agent.name', help: 'tm.ph.agent.name' },
  { name: 'project.name', help: 'tm.ph.project.name' },
  { name: 'case.custom.KEY', help: 'tm.ph.case.custom' },
  { name: 'contact.custom.KEY', help: 'tm.ph.contact.custom' },
];

type Dialog =
  | { kind: 'edit'; module: TextModule | null }
  | { kind: 'delete'; module: TextModule }
  | { kind: 'usage'; module: TextModule }
  | null;

export function TextModulesPage() {
  const { me } = useSession();
  const editable = clientsWhere(me, 'edit_knowledge');
  const [clientId, setClientId] = useState<number | null>(editable[0]?.id ?? null);
  const [deleted, setDeleted] = useState(false);
  const [filter, setFilter] = useState('');
  const [dialog, setDialog] = useState<Dialog>(null);
  const [error, setError] = useState<unknown>(null);
  const list = useLoad(
    () => (clientId ? api.get<List<TextModule>>(`/text-modules?client_id=${clientId}${deleted ? '&deleted=true' : ''}`) : Promise.resolve({ items: [] as TextModule[] })),
    [clientId, deleted],
  );
  const projects = useLoad(() => api.get<List<Project>>('/projects'));
  const clientProjects = (projects.data?.items ?? []).filter((p) => p.client_id === clientId);
  const projectName = (id: number) => clientProjects.find((p) => p.id === id)?.name ?? `#${id}`;
  const mayRestore = mayAtClient(me, clientId, 'restore_knowledge');

  // Another editor's change shows here too.
  const refresh = useDebounced(() => void list.reload(), 200);
  useLiveEvents((e) => {
    if ((e.kind === 'knowledge' && e.data.type === 'text-module') || e.kind === 'reconnect') refresh();
  });

  const act = async (run: () => Promise<unknown>) => {
    setError(null);
    try {
      await run();
      await list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const q = filter.trim().toLowerCase();
  const shown = (list.data?.items ?? []).filter((m) => !q || m.shortcut.includes(q) || m.title.toLowerCase().includes(q));

  return (
    <Page
      title={t('tm.title')}
      testId="text-modules-page"
      wide
      actions={
        !deleted && clientId ? (
          <button type="button" class="btn btn-primary" data-testid="tm-new" onClick={() => setDialog({ kind: 'edit', module: null })}>
            {t('tm.new')}
          </button>
        ) : undefined
      }
    >
      <p class="muted">{t('tm.intro')}</p>
      <div class="tm-toolbar">
        {editable.length > 1 && (
          <Field label={t('tm.client')} inline>
            <select value={String(clientId ?? '')} onChange={(e) => setClientId(Number(e.currentTarget.value))} data-testid="tm-client">
              {editable.map((c) => (
                <option key={c.id} value={String(c.id)}>
                  {c.name}
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field label={t('tm.filter')} inline>
          <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} data-testid="tm-filter" />
        </Field>
        {mayRestore && (
          <button type="button" class="btn btn-small" onClick={() => setDeleted(!deleted)} data-testid="tm-toggle-deleted">
            {deleted ? t('tm.showLive') : t('tm.showDeleted')}
          </button>
        )}
      </div>
      <ErrorBox error={error ?? list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && (
        <div class="table-wrap">
          <table class="table tm-table" data-testid="tm-table">
            <thead>
              <tr>
                <th scope="col">{t('tm.shortcut')}</th>
                <th scope="col">{t('tm.titleField')}</th>
                <th scope="col">{t('tm.language')}</th>
                <th scope="col">{t('tm.state')}</th>
                <th scope="col">{t('tm.projects')}</th>
                <th scope="col">{t('tm.usage')}</th>
                <th scope="col" class="actions">
                  <span class="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.length === 0 && <Empty colSpan={7} />}
              {shown.map((m) => (
                <tr key={m.id} data-testid="tm-row" data-shortcut={m.shortcut}>
                  <td class="mono">::{m.shortcut}</td>
                  <td>
                    {m.title}
                    {m.attachments.length > 0 && <span class="muted small"> · {t('tm.files', { n: m.attachments.length })}</span>}
                    {m.unknown_placeholders.length > 0 && (
                      <div class="tm-warn small">{t('tm.unknownInBody', { names: m.unknown_placeholders.map((n) => `{{${n}}}`).join(', ') })}</div>
                    )}
                  </td>
                  <td>{t(m.language === 'de' ? 'tm.lang.de' : 'tm.lang.en')}</td>
                  <td>
                    <span class={m.state === 'published' ? 'badge badge-on' : 'badge'} data-testid="tm-state">
                      {t(m.state === 'published' ? 'tm.state.published' : 'tm.state.draft')}
                    </span>
                  </td>
                  <td class="small">
                    {!m.limited ? t('tm.allProjects') : m.project_ids.length ? m.project_ids.map(projectName).join(', ') : t('tm.noProjectLeft')}
                  </td>
                  <td class="small">
                    <button type="button" class="btn-link" onClick={() => setDialog({ kind: 'usage', module: m })} data-testid="tm-usage">
                      {t('tm.uses', { n: m.usage.total })}
                    </button>
                    <div class="muted">
                      {t('tm.usage30', { n: formatNumber(m.usage.last_30_days) })} ·{' '}
                      {m.usage.last_used_on ? t('tm.lastUsed', { date: formatDate(m.usage.last_used_on) }) : t('tm.neverUsed')}
                    </div>
                  </td>
                  <td class="actions tm-actions">
                    {deleted ? (
                      <button type="button" class="btn btn-small" onClick={() => void act(() => api.post(`/text-modules/${m.id}/undelete`))} data-testid="tm-restore">
                        {t('tm.restore')}
                      </button>
                    ) : (
                      <>
                        <button type="button" class="btn btn-small" onClick={() => setDialog({ kind: 'edit', module: m })} data-testid="tm-edit">
                          {t('common.edit')}
                        </button>
                        <Link class="btn btn-small" href={`/knowledge/text-modules/${m.id}/history`} testId="tm-history">
                          {t('tm.history')}
                        </Link>
                        {m.state === 'published' ? (
                          <button type="button" class="btn btn-small" onClick={() => void act(() => api.post(`/text-modules/${m.id}/unpublish`))} data-testid="tm-unpublish">
                            {t('tm.unpublish')}
                          </button>
                        ) : (
                          <button type="button" class="btn btn-small btn-primary" onClick={() => void act(() => api.post(`/text-modules/${m.id}/publish`))} data-testid="tm-publish">
                            {t('tm.publish')}
                          </button>
                        )}
                        <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setDialog({ kind: 'delete', module: m })} data-testid="tm-delete">
                          {t('tm.delete')}
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
      {dialog?.kind === 'edit' && clientId && (
        <EditModule
          clientId={clientId}
          module={dialog.module}
          projects={clientProjects}
          onClose={() => setDialog(null)}
          onSaved={() => void list.reload()}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmModal
          title={t('tm.delete')}
          text={t('tm.confirmDelete', { shortcut: dialog.module.shortcut })}
          confirmLabel={t('tm.delete')}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api.del(`/text-modules/${dialog.module.id}`);
            await list.reload();
          }}
        />
      )}
      {dialog?.kind === 'usage' && <UsageModal module={dialog.module} onClose={() => setDialog(null)} />}
    </Page>
  );
}

function EditModule(props: { clientId: number; module: TextModule | null; projects: Project[]; onClose: () => void; onSaved: () => void }) {
  const m = props.module;
  const [current, setCurrent] = useState<TextModule | null>(m);
  const [shortcut, setShortcut] = useState(m?.shortcut ?? '');
  const [language, setLanguage] = useState<'de' | 'en'>(m?.language ?? 'de');
  const [title, setTitle] = useState(m?.title ?? '');
  const [body, setBody] = useState(m?.body ?? '');
  const [projectIds, setProjectIds] = useState<number[]>(m?.project_ids ?? []);
  const [fileError, setFileError] = useState<unknown>(null);
  const bodyRef = useRef<HTMLTextAreaElement>(null);

  const insertPlaceholder = (name: string) => {
    const el = bodyRef.current;
    const text = `{{${name}}}`;
    const start = el?.selectionStart ?? body.length;
    const end = el?.selectionEnd ?? body.length;
    const next = body.slice(0, start) + text + body.slice(end);
    setBody(next);
    setTimeout(() => {
      if (!el) return;
      el.focus();
      // Select KEY of a custom field so that typing replaces it.
      const key = text.indexOf('KEY');
      if (key >= 0) el.setSelectionRange(start + key, start + key + 3);
      else el.setSelectionRange(start + text.length, start + text.length);
    }, 0);
  };

  const upload = async (files: FileList | null) => {
    if (!files?.length || !current) return;
    setFileError(null);
    try {
      let latest = current;
      for (const file of Array.from(files)) latest = await api.upload<TextModule>(`/text-modules/${current.id}/attachments`, file);
      setCurrent(latest);
      props.onSaved();
    } catch (err) {
      setFileError(err);
    }
  };
  const removeFile = async (id: number) => {
    if (!current) return;
    setFileError(null);
    try {
      setCurrent(await api.del(`/text-modules/${current.id}/attachments/${id}`).then(() => api.get<TextModule>(`/text-modules/${current.id}`)));
      props.onSaved();
    } catch (err) {
      setFileError(err);
    }
  };

  return (
    <FormModal
      title={m ? t('tm.edit') : t('tm.new')}
      submitLabel={t('common.save')}
      testId="tm-edit-dialog"
      onClose={props.onClose}
      onSubmit={async () => {
        const fields = { shortcut: shortcut.trim(), language, title: title.trim(), body, project_ids: projectIds };
        if (m) await api.patch<TextModule>(`/text-modules/${m.id}`, fields);
        else await api.post<TextModule>('/text-modules', { client_id: props.clientId, ...fields });
        props.onSaved();
      }}
    >
      <div class="tm-form-row">
        <Field label={t('tm.shortcut')} hint={t('tm.shortcutHelp')}>
          <input required maxLength={40} pattern="[^\s]+" value={shortcut} onInput={(e) => setShortcut(e.currentTarget.value)} data-testid="tm-shortcut" />
        </Field>
        <Field label={t('tm.language')}>
          <select value={language} onChange={(e) => setLanguage(e.currentTarget.value as 'de' | 'en')} data-testid="tm-language">
            <option value="de">{t('tm.lang.de')}</option>
            <option value="en">{t('tm.lang.en')}</option>
          </select>
        </Field>
      </div>
      <Field label={t('tm.titleField')}>
        <input required maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} data-testid="tm-title" />
      </Field>
      <Field label={t('tm.body')}>
        <textarea ref={bodyRef} required rows={8} value={body} onInput={(e) => setBody(e.currentTarget.value)} data-testid="tm-body" />
      </Field>
      <fieldset class="tm-placeholders">
        <legend>{t('tm.placeholders')}</legend>
        <p class="muted small">{t('tm.placeholdersHelp')}</p>
        <ul>
          {PLACEHOLDERS.map((p) => (
            <li key={p.name}>
              <button type="button" class="btn-link mono" onClick={() => insertPlaceholder(p.name)} data-testid="tm-placeholder">
                {`{{${p.name}}}`}
              </button>{' '}
              <span class="muted small">{t(p.help)}</span>
            </li>
          ))}
        </ul>
      </fieldset>
      <fieldset class="tm-projects">
        <legend>{t('tm.projects')}</legend>
        <p class="muted small">{projectIds.length === 0 ? t('tm.allProjects') : ''}</p>
        {props.projects.map((p) => (
          <label key={p.id} class="checkbox">
            <input
              type="checkbox"
              checked={projectIds.includes(p.id)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setProjectIds((cur) => (on ? [...cur, p.id] : cur.filter((x) => x !== p.id)));
              }}
            />{' '}
            {p.name} <span class="muted small">({p.key})</span>
          </label>
        ))}
      </fieldset>
      <fieldset class="tm-files">
        <legend>{t('tm.attachments')}</legend>
        <p class="muted small">{t('tm.attachHint')}</p>
        {current && (
          <>
            <ul class="attachments">
              {current.attachments.map((f) => (
                <li key={f.id}>
                  <a href={`/api/v1/text-modules/${current.id}/attachments/${f.id}`}>{f.filename}</a>{' '}
                  <span class="muted small">({formatNumber(Math.ceil(f.size / 1024))} KB)</span>{' '}
                  <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => void removeFile(f.id)}>
                    {t('tm.removeFile')}
                  </button>
                </li>
              ))}
            </ul>
            <label class="btn btn-small file-button">
              {t('tm.addFile')}
              <input type="file" multiple class="sr-only" onChange={(e) => void upload(e.currentTarget.files)} data-testid="tm-file" />
            </label>
          </>
        )}
        <ErrorBox error={fileError} />
      </fieldset>
    </FormModal>
  );
}

function UsageModal({ module, onClose }: { module: TextModule; onClose: () => void }) {
  const usage = useLoad(() => api.get<List<TextModuleUsage>>(`/text-modules/${module.id}/usage`));
  return (
    <Modal title={t('tm.usageOf', { shortcut: module.shortcut })} onClose={onClose} testId="tm-usage-dialog">
      <ErrorBox error={usage.error} />
      {usage.loading && !usage.data && <Loading />}
      {usage.data && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('tm.usageDay')}</th>
                <th scope="col">{t('tm.usageAgent')}</th>
                <th scope="col" class="num">
                  {t('tm.usageCount')}
                </th>
              </tr>
            </thead>
            <tbody>
              {usage.data.items.length === 0 && <Empty colSpan={3} />}
              {usage.data.items.map((u) => (
                <tr key={`${u.day}-${u.user_id}`}>
                  <td>{formatDate(u.day)}</td>
                  <td>{u.user_name}</td>
                  <td class="num">{formatNumber(u.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="form-actions">
        <button type="button" class="btn" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </Modal>
  );
}
