// Work instructions for their editors (client admins, project leads): write
// a draft, publish it to projects and teams, withdraw it, and see who of
// the agents it applies to acknowledged and who has not yet.

import { useState } from 'preact/hooks';
import { api, query, type Acknowledgments, type Instruction, type InstructionSettings, type List, type Me, type Team, type Urgency } from '../api';
import { formatDateTime, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { LocaleInput } from '../components/LocaleInput';
import { ConfirmModal } from '../components/Modal';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { useLiveEvents } from '../components/events';
import { clientsWhere, mayAtClient, useSession } from '../session';

/** The clients whose knowledge the server lets `me` edit (`can.edit_knowledge` in /me). */
export const editableClients = (me: Me) => clientsWhere(me, 'edit_knowledge');

export const editsKnowledge = (me: Me) => editableClients(me).length > 0;

/**
 * The projects of `clientId` a new instruction may target, and whether it
 * may target every project (no project ticked): from `can.manage_instructions`
 * of the client and of each project in /me.
 */
function instructionTargets(me: Me, clientId: number) {
  const wholeClient = mayAtClient(me, clientId, 'manage_instructions');
  const projects = me.projects.filter((p) => p.client_id === clientId && (wholeClient || p.can.manage_instructions));
  return { wholeClient, projects };
}

export function InstructionsPage() {
  const { me } = useSession();
  const clients = editableClients(me);
  const [clientId, setClientId] = useState<number | null>(clients[0]?.id ?? null);
  const list = useLoad(
    () => (clientId ? api.get<List<Instruction>>(`/instructions${query({ client_id: clientId })}`) : Promise.resolve({ items: [] })),
    [clientId],
  );
  const [selected, setSelected] = useState<number | null>(null);
  const current = list.data?.items.find((i) => i.id === selected) ?? null;

  return (
    <Page title={t('ins.title')} testId="instructions-page" wide>
      <p class="muted">{t('ins.help')}</p>
      {clients.length > 1 && (
        <Field label={t('ins.client')}>
          <select value={clientId ?? ''} onChange={(e) => setClientId(Number(e.currentTarget.value))} data-testid="ins-client">
            {clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <ErrorBox error={list.error} />
      {clientId && <ClientDefaults key={clientId} clientId={clientId} />}
      <div class="ins-layout">
        <div class="ins-card">
          <h2>{t('ins.title')}</h2>
          {list.loading && !list.data && <Loading />}
          {list.data && (
            <div class="table-wrap">
              <table class="table" data-testid="ins-table">
                <thead>
                  <tr>
                    <th scope="col">{t('ins.titleField')}</th>
                    <th scope="col">{t('ins.state')}</th>
                    <th scope="col">{t('ins.acks')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.length === 0 && <Empty colSpan={3} />}
                  {list.data.items.map((i) => (
                    <tr key={i.id} class={i.id === selected ? 'row-selected' : undefined}>
                      <td>
                        <button type="button" class="ins-link" onClick={() => setSelected(i.id)} data-testid="ins-open">
                          {i.title}
                        </button>
                        {i.urgency === 'acknowledge' && <span class="badge badge-warn">{t('ins.urgency.acknowledge')}</span>}
                      </td>
                      <td>{t(`ins.state.${i.state}`)}</td>
                      <td>{i.state === 'draft' || i.urgency === 'info' ? '—' : t('ins.ackCount', { acked: i.acknowledged_count, total: i.agent_count })}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
        {current ? (
          <InstructionDetail key={current.id} instruction={current} onChanged={list.reload} onDeleted={() => { setSelected(null); void list.reload(); }} />
        ) : (
          clientId &&
          (instructionTargets(me, clientId).wholeClient || instructionTargets(me, clientId).projects.length > 0) && (
            <NewInstruction clientId={clientId} onCreated={(id) => { setSelected(id); void list.reload(); }} />
          )
        )}
      </div>
      {current && (
        <p>
          <button type="button" class="btn" onClick={() => setSelected(null)} data-testid="ins-new">
            {t('ins.new')}
          </button>
        </p>
      )}
    </Page>
  );
}

function NewInstruction({ clientId, onCreated, draft, onCancel }: { clientId: number; onCreated: (id: number) => void; draft?: Instruction; onCancel?: () => void }) {
  const { me } = useSession();
  const { wholeClient, projects } = instructionTargets(me, clientId);
  const teams = useLoad(() => api.get<List<Team>>('/teams'), []);
  const usableTeams = (teams.data?.items ?? []).filter((tm) => tm.client_id === clientId || tm.kind === 'provider');
  const [title, setTitle] = useState(draft?.title ?? '');
  const [body, setBody] = useState(draft?.body ?? '');
  const [urgency, setUrgency] = useState<Urgency>(draft?.urgency ?? 'acknowledge');
  const [validFrom, setValidFrom] = useState<string | null>(draft?.valid_from ?? null);
  const [validTo, setValidTo] = useState<string | null>(draft?.valid_to ?? null);
  // Empty: the instruction follows the client's default.
  const [remind, setRemind] = useState<number | null>(draft ? draft.remind_hours_own : null);
  const defaults = useLoad(() => api.get<InstructionSettings>(`/clients/${clientId}/instruction-settings`), [clientId]);
  const [projectIds, setProjectIds] = useState<number[]>(draft?.project_ids ?? []);
  const [teamIds, setTeamIds] = useState<number[]>(draft?.team_ids ?? []);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const toggle = (ids: number[], id: number) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]);
  // No project ticked means every project: only for who may write for the whole client.
  const noTarget = !wholeClient && projectIds.length === 0;

  const save = async (publish: boolean) => {
    setBusy(true);
    try {
      const fields = {
        title,
        body,
        urgency,
        valid_from: validFrom,
        valid_to: validTo,
        remind_hours: remind,
        project_ids: projectIds,
        team_ids: teamIds,
      };
      const created = draft
        ? await api.put<Instruction>(`/instructions/${draft.id}`, fields)
        : await api.post<Instruction>('/instructions', { client_id: clientId, ...fields });
      if (publish) await api.post(`/instructions/${created.id}/publish`);
      setError(null);
      onCreated(created.id);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="ins-card form" onSubmit={(e) => { e.preventDefault(); void save(true); }} data-testid="ins-form">
      <h2>{draft ? draft.title : t('ins.new')}</h2>
      <ErrorBox error={error} />
      <Field label={t('ins.titleField')}>
        <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} required maxLength={200} data-testid="ins-title" />
      </Field>
      <Field label={t('ins.body')}>
        <textarea value={body} onInput={(e) => setBody(e.currentTarget.value)} required data-testid="ins-body" />
      </Field>
      <Field label={t('ins.urgency')}>
        <select value={urgency} onChange={(e) => setUrgency(e.currentTarget.value as Urgency)} data-testid="ins-urgency">
          <option value="acknowledge">{t('ins.urgency.acknowledge')}</option>
          <option value="info">{t('ins.urgency.info')}</option>
        </select>
      </Field>
      <Field label={t('ins.validFrom')}>
        <LocaleInput kind="datetime" value={validFrom} onValue={setValidFrom} data-testid="ins-valid-from" />
      </Field>
      <Field label={t('ins.validTo')}>
        <LocaleInput kind="datetime" value={validTo} onValue={setValidTo} data-testid="ins-valid-to" />
      </Field>
      {urgency === 'acknowledge' && (
        <Field label={t('ins.remindHours')} hint={defaults.data ? t('ins.remindOwnHint', { n: defaults.data.effective_remind_hours }) : undefined}>
          <LocaleInput kind="integer" value={remind} onValue={setRemind} min={1} max={168} data-testid="ins-remind" />
        </Field>
      )}
      <fieldset>
        <legend>{wholeClient ? t('ins.projects') : t('ins.projectsLed')}</legend>
        <div class="ins-checks">
          {projects.map((p) => (
            <label key={p.id}>
              <input type="checkbox" checked={projectIds.includes(p.id)} onChange={() => setProjectIds(toggle(projectIds, p.id))} data-testid={`ins-project-${p.key}`} />{' '}
              {p.key} · {p.name}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('ins.teams')}</legend>
        <div class="ins-checks">
          {usableTeams.map((tm) => (
            <label key={tm.id}>
              <input type="checkbox" checked={teamIds.includes(tm.id)} onChange={() => setTeamIds(toggle(teamIds, tm.id))} /> {tm.name}
            </label>
          ))}
        </div>
      </fieldset>
      <div class="form-actions">
        {onCancel && (
          <button type="button" class="btn" onClick={onCancel}>
            {t('ins.cancel')}
          </button>
        )}
        <button type="button" class="btn" disabled={busy || noTarget} onClick={() => void save(false)} data-testid="ins-save-draft">
          {t('ins.saveDraft')}
        </button>
        <button type="submit" class="btn btn-primary" disabled={busy || noTarget} data-testid="ins-publish">
          {t('ins.publish')}
        </button>
      </div>
    </form>
  );
}

function InstructionDetail({ instruction: i, onChanged, onDeleted }: { instruction: Instruction; onChanged: () => void; onDeleted: () => void }) {
  const acks = useLoad(() => api.get<Acknowledgments>(`/instructions/${i.id}/acknowledgments`), [i.id, i.state]);
  const [error, setError] = useState<unknown>(null);
  const [confirm, setConfirm] = useState<'withdraw' | 'delete' | null>(null);
  const [editing, setEditing] = useState(false);
  // Acknowledgments come in while the page is open: reload on the live event.
  useLiveEvents((e) => {
    if (e.kind === 'knowledge' && e.data.type === 'instruction' && e.data.id === i.id) void acks.reload();
  });
  const run = async (what: () => Promise<unknown>, after: () => void) => {
    try {
      await what();
      setError(null);
      after();
    } catch (e) {
      setError(e);
    }
  };
  const pending = acks.data?.pending ?? [];
  if (editing) {
    return (
      <NewInstruction
        clientId={i.client_id}
        draft={i}
        onCancel={() => setEditing(false)}
        onCreated={() => {
          setEditing(false);
          onChanged();
        }}
      />
    );
  }
  return (
    <div class="ins-card" data-testid="ins-detail">
      <h2>{i.title}</h2>
      <ErrorBox error={error ?? acks.error} />
      <p>
        <span class="badge">{t(`ins.state.${i.state}`)}</span> <span class="badge">{t(`ins.urgency.${i.urgency}`)}</span>{' '}
        {i.published_at && <span class="muted">{t('ins.publishedAt', { at: formatDateTime(i.published_at) })}</span>}
      </p>
      {(i.valid_from || i.valid_to) && (
        <p class="muted">
          {t('ins.validFrom')}: {formatDateTime(i.valid_from)} · {t('ins.validTo')}: {formatDateTime(i.valid_to)}
        </p>
      )}
      <div class="ins-prose" dangerouslySetInnerHTML={{ __html: i.body_html }} />
      {i.urgency === 'acknowledge' && (
        <p class="muted" data-testid="ins-remind-shown">
          {i.remind_hours_own === null ? t('ins.remindShownDefault', { n: i.remind_hours }) : t('ins.remindShown', { n: i.remind_hours })}
        </p>
      )}
      {i.can?.manage && (
        <div class="form-actions">
          {i.state === 'draft' && (
            <button type="button" class="btn" data-testid="ins-edit" onClick={() => setEditing(true)}>
              {t('ins.edit')}
            </button>
          )}
          {i.state === 'draft' && (
            <button type="button" class="btn btn-primary" data-testid="ins-detail-publish" onClick={() => void run(() => api.post(`/instructions/${i.id}/publish`), onChanged)}>
              {t('ins.publish')}
            </button>
          )}
          {i.state === 'published' && (
            <button type="button" class="btn" data-testid="ins-withdraw" onClick={() => setConfirm('withdraw')}>
              {t('ins.withdraw')}
            </button>
          )}
          <button type="button" class="btn btn-danger-quiet" onClick={() => setConfirm('delete')} data-testid="ins-delete">
            {t('common.delete')}
          </button>
        </div>
      )}
      {i.state !== 'draft' && i.urgency === 'acknowledge' && acks.data && (
        <>
          <h3>{t('ins.acknowledged')}</h3>
          <ul class="ins-list" data-testid="ins-acked">
            {acks.data.acknowledged.map((a) => (
              <li key={a.user_id}>
                {a.name} <span class="muted">· {formatDateTime(a.at)}</span>
              </li>
            ))}
          </ul>
          <h3>{pending.length ? t('ins.pending', { n: pending.length }) : t('ins.nobodyPending')}</h3>
          <ul class="ins-list" data-testid="ins-pending">
            {pending.map((a) => (
              <li key={a.user_id}>
                {a.name} <span class="muted">· {a.email}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {confirm && (
        <ConfirmModal
          title={confirm === 'withdraw' ? t('ins.withdraw') : t('common.delete')}
          text={confirm === 'withdraw' ? t('ins.confirmWithdraw', { title: i.title }) : t('ins.confirmDelete', { title: i.title })}
          confirmLabel={confirm === 'withdraw' ? t('ins.withdraw') : t('common.delete')}
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            if (confirm === 'withdraw') await api.post(`/instructions/${i.id}/withdraw`);
            else await api.del(`/instructions/${i.id}`);
            setConfirm(null);
            if (confirm === 'withdraw') onChanged();
            else onDeleted();
          }}
        />
      )}
    </div>
  );
}

/** The client's defaults: the remind hours for instructions without their own (set by the client admin). */
function ClientDefaults({ clientId }: { clientId: number }) {
  const { me } = useSession();
  const settings = useLoad(() => api.get<InstructionSettings>(`/clients/${clientId}/instruction-settings`), [clientId]);
  const mayChange = mayAtClient(me, clientId, 'set_defaults');
  const [hours, setHours] = useState<number | null>(null);
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const s = settings.data;
  if (!s) return <ErrorBox error={settings.error} />;
  const value = touched ? hours : s.remind_hours;
  const save = async () => {
    try {
      await api.put<InstructionSettings>(`/clients/${clientId}/instruction-settings`, { remind_hours: value });
      setError(null);
      setSaved(true);
      setTouched(false);
      await settings.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="ins-card ins-defaults" data-testid="ins-defaults">
      <h2>{t('ins.defaults')}</h2>
      {mayChange ? (
        <form class="form" onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <ErrorBox error={error} />
          <Field label={t('ins.defaultRemind')} hint={t('ins.defaultRemindHint', { n: s.default_remind_hours })}>
            <LocaleInput
              kind="integer"
              value={value}
              onValue={(v) => {
                setHours(v);
                setTouched(true);
                setSaved(false);
              }}
              min={1}
              max={168}
              data-testid="ins-default-remind"
            />
          </Field>
          <div class="form-actions">
            <button type="submit" class="btn" data-testid="ins-default-save">
              {t('ins.defaultSave')}
            </button>
            {saved && (
              <span role="status" class="muted">
                {t('ins.defaultSaved')}
              </span>
            )}
          </div>
        </form>
      ) : null}
      <p class="muted" data-testid="ins-default-now">
        {t('ins.defaultNow', { n: s.effective_remind_hours })}
        {s.updated_at && s.updated_by_name && ` · ${t('ins.defaultChangedBy', { at: formatDateTime(s.updated_at), name: s.updated_by_name })}`}
      </p>
    </section>
  );
}
