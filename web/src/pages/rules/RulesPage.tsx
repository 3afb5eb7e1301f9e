// Admin → Rules (issue 15): the client's rules in evaluation order with
// their event, projects and active switch; reorder (up/down, saved through
// PUT /rules/order), create, delete. Client admins edit; project leads read
// the rules of their projects.

import { useEffect, useState } from 'preact/hooks';
import { api, query, type List, type Me } from '../../api';
import { t, type MsgKey } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Field } from '../../components/Field';
import { Link } from '../../components/Link';
import { ConfirmModal } from '../../components/Modal';
import { Loading, Page } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import { navigate } from '../../router';
import { mayAtClient, useSession } from '../../session';
import type { components } from '../../generated/openapi';
import { clientProjects } from './refs';
import { moved } from './ruleModel';
import { ruleClients } from '../../access';

type Rule = components['schemas']['Rule'];

/** The clients whose rules the server lets `me` read (`can.view_rules` in /me). */


/** Whether the server lets `me` change the client's rules (`can.manage_rules` in /me). */
export const managesRules = (me: Me, clientId: number | null | undefined) => mayAtClient(me, clientId, 'manage_rules');

/** The projects of a rule in words: their names, or "all projects". */
export function projectNames(me: Me, clientId: number, ids: number[]): string {
  if (!ids.length) return t('rules.allProjects');
  const known = clientProjects(me, clientId);
  return ids.map((id) => known.find((p) => p.id === id)?.name ?? t('rules.unknownRef', { id })).join(', ');
}

const CLIENT_KEY = 'zezaro.rules.client';

export function RulesPage() {
  const { me } = useSession();
  const choices = ruleClients(me);
  const [picked, setPicked] = useState<number | null>(() => {
    const stored = Number(sessionStorage.getItem(CLIENT_KEY));
    return Number.isFinite(stored) && stored > 0 ? stored : null;
  });
  const clientId = choices.find((c) => c.id === picked)?.id ?? choices[0]?.id ?? null;
  const manage = managesRules(me, clientId);
  const rules = useLoad(() => (clientId ? api.get<List<Rule>>(`/rules${query({ client_id: clientId })}`) : Promise.resolve({ items: [] as Rule[] })), [clientId]);
  const [order, setOrder] = useState<Rule[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [switching, setSwitching] = useState<Rule | null>(null);
  const [deleting, setDeleting] = useState<Rule | null>(null);
  const [focus, setFocus] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => setOrder(rules.data?.items ?? []), [rules.data]);
  // Keyboard users keep their place: after a move, focus follows the moved rule's button.
  useEffect(() => {
    if (!focus) return;
    const el = document.querySelector<HTMLButtonElement>(`[data-focus-key="${focus}"]`);
    if (el && !el.disabled) el.focus();
    else document.querySelector<HTMLButtonElement>(`[data-focus-key="${focus.replace(/-(up|down)$/, (_, d: string) => (d === 'up' ? '-down' : '-up'))}"]`)?.focus();
    setFocus(null);
  }, [order]);

  const move = async (index: number, by: -1 | 1) => {
    const next = moved(order, index, by);
    if (next === order || !clientId) return;
    const rule = order[index];
    setOrder(next);
    setFocus(`${rule.id}-${by < 0 ? 'up' : 'down'}`);
    setError(null);
    try {
      const saved = await api.put<List<Rule>>(`/rules/order${query({ client_id: clientId })}`, { rule_ids: next.map((r) => r.id) });
      setOrder(saved.items);
      setNote(t('rules.orderSaved', { name: rule.name, n: next.indexOf(rule) + 1 }));
    } catch (err) {
      setError(err);
      void rules.reload();
    }
  };

  return (
    <Page title={t('rules.title')} testId="rules-page" wide>
      <p class="muted">{t(manage ? 'rules.help' : 'rules.helpReadOnly')}</p>
      {choices.length > 1 && (
        <Field label={t('rules.client')}>
          <select
            value={clientId ?? ''}
            onChange={(e) => {
              setPicked(Number(e.currentTarget.value));
              sessionStorage.setItem(CLIENT_KEY, e.currentTarget.value);
            }}
            data-testid="rules-client"
          >
            {choices.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <ErrorBox error={error ?? rules.error} />
      {note && (
        <p class="muted small" role="status" data-testid="rules-note">
          {note}
        </p>
      )}
      {rules.loading && !rules.data && <Loading />}
      {rules.data && order.length === 0 && <p class="muted">{t('rules.none')}</p>}
      {clientId !== null && order.length > 0 && (
        <div class="table-wrap">
          <table class="table rules-table" data-testid="rules-table">
            <caption class="sr-only">{t('rules.orderCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('rules.position')}</th>
                <th scope="col">{t('rules.name')}</th>
                <th scope="col">{t('rules.event')}</th>
                <th scope="col">{t('rules.projects')}</th>
                <th scope="col">{t('rules.active')}</th>
                {manage && <th scope="col">{t('rules.actionsCol')}</th>}
              </tr>
            </thead>
            <tbody>
              {order.map((r, i) => (
                <tr key={r.id} data-testid="rule-row" data-rule-id={r.id}>
                  <td data-label={t('rules.position')}>{i + 1}</td>
                  <td data-label={t('rules.name')}>
                    <Link href={`/admin/rules/${r.id}`} testId="rule-open">
                      {r.name}
                    </Link>
                  </td>
                  <td data-label={t('rules.event')}>{t(`rules.event.${r.event}` as MsgKey)}</td>
                  <td data-label={t('rules.projects')}>{projectNames(me, clientId, r.project_ids)}</td>
                  <td data-label={t('rules.active')}>
                    {manage ? (
                      <label class="rule-switch">
                        <input type="checkbox" role="switch" checked={r.active} onClick={(e) => { e.preventDefault(); setSwitching(r); }} data-testid="rule-active" aria-label={t('rules.activeOf', { name: r.name })} />
                        <span>{t(r.active ? 'rules.on' : 'rules.off')}</span>
                      </label>
                    ) : (
                      <span data-testid="rule-active-text">{t(r.active ? 'rules.on' : 'rules.off')}</span>
                    )}
                  </td>
                  {manage && (
                    <td class="actions actions-wrap" data-label={t('rules.actionsCol')}>
                      <button type="button" class="btn btn-small" disabled={i === 0} onClick={() => void move(i, -1)} aria-label={t('rules.moveUp', { name: r.name })} data-focus-key={`${r.id}-up`} data-testid="rule-up">
                        ↑
                      </button>
                      <button type="button" class="btn btn-small" disabled={i === order.length - 1} onClick={() => void move(i, 1)} aria-label={t('rules.moveDown', { name: r.name })} data-focus-key={`${r.id}-down`} data-testid="rule-down">
                        ↓
                      </button>
                      <button type="button" class="btn btn-small btn-danger" onClick={() => setDeleting(r)} data-testid="rule-delete">
                        {t('rules.delete')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {manage && clientId !== null && (
        <p class="rules-new">
          <button type="button" class="btn btn-primary" onClick={() => navigate(`/admin/rules/new/${clientId}`)} data-testid="rule-new">
            {t('rules.new')}
          </button>
        </p>
      )}
      {clientId !== null && order.length > 0 && <p class="muted small">{t('rules.orderHelp')}</p>}
      {switching && (
        <ActiveConfirm
          rule={switching}
          onClose={() => setSwitching(null)}
          onDone={(saved) => {
            setOrder((o) => o.map((x) => (x.id === saved.id ? saved : x)));
          }}
        />
      )}
      {deleting && (
        <ConfirmModal
          title={t('rules.delete')}
          text={t('rules.confirmDelete', { name: deleting.name })}
          confirmLabel={t('rules.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.del(`/rules/${deleting.id}`);
            setOrder((o) => o.filter((x) => x.id !== deleting.id));
          }}
        />
      )}
    </Page>
  );
}

/** Activating or deactivating a rule, after saying what that means. */
export function ActiveConfirm(props: { rule: { id: number; name: string; active: boolean }; onClose: () => void; onDone: (rule: Rule) => void }) {
  const on = !props.rule.active;
  return (
    <ConfirmModal
      title={t(on ? 'rules.activate' : 'rules.deactivate')}
      text={t(on ? 'rules.confirmActivate' : 'rules.confirmDeactivate', { name: props.rule.name })}
      confirmLabel={t(on ? 'rules.activate' : 'rules.deactivate')}
      onClose={props.onClose}
      onConfirm={async () => {
        props.onDone(await api.post<Rule>(`/rules/${props.rule.id}/${on ? 'activate' : 'deactivate'}`, {}));
      }}
    />
  );
}
