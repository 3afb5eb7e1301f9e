// The actions of a rule, in order: per type its form (selects of names for
// topic, priority, status, team, assignee; tags; a custom field and its
// value; a note; users or a team to notify; a text module; a webhook).

import { CASE_STATUSES, PRIORITIES, TEAM_KINDS } from '../../api';
import { t, type MsgKey } from '../../i18n';
import { ChoiceSelect, TagInput, ValueInput } from './ValueInput';
import { NOTIFY_TEAMS, PENDING_ACTION_TYPES, type ActionType, type AnyAction, type NotifyTeam } from './pendingActions';
import { topicLabel, type Refs } from './refs';
import { customKind, moved } from './ruleModel';

export const ACTION_TYPES: ActionType[] = [
  'set-priority',
  'set-status',
  'set-topic',
  'add-tags',
  'remove-tags',
  'set-handling-team',
  'set-assignee',
  'set-custom',
  'add-note',
  'notify-users',
  ...PENDING_ACTION_TYPES,
];

export function newAction(type: ActionType): AnyAction {
  switch (type) {
    case 'set-topic':
      return { type, topic_id: null };
    case 'set-priority':
      return { type, priority: 'high' };
    case 'set-status':
      return { type, status: 'open' };
    case 'add-tags':
    case 'remove-tags':
      return { type, tags: [] };
    case 'set-handling-team':
      return { type, team: 'provider' };
    case 'set-assignee':
      return { type, user_id: null };
    case 'set-custom':
      return { type, key: '', value: '' as unknown as Record<string, unknown> };
    case 'add-note':
      return { type, text: '' };
    case 'notify-users':
      return { type, user_ids: [], text: '' };
    case 'reply-with-text-module':
      return { type, module_id: null };
    case 'notify-team':
      return { type, team: 'client', text: '', email: false };
    case 'call-webhook':
      return { type, webhook_id: null };
    case 'mark-spam':
      return { type };
    case 'route':
      return { type };
  }
}

/** What is missing for an action to be saved (a message key), or null. */
export function actionProblem(a: AnyAction): MsgKey | null {
  switch (a.type) {
    case 'add-tags':
    case 'remove-tags':
      return a.tags.length ? null : 'rules.need.tags';
    case 'set-custom':
      return a.key ? null : 'rules.need.field';
    case 'add-note':
      return a.text.trim() ? null : 'rules.need.text';
    case 'notify-users':
      return !a.user_ids.length ? 'rules.need.users' : a.text.trim() ? null : 'rules.need.text';
    case 'notify-team':
      return a.text.trim() ? null : 'rules.need.text';
    case 'reply-with-text-module':
      return a.module_id ? null : 'rules.need.module';
    case 'call-webhook':
      return a.webhook_id ? null : 'rules.need.webhook';
    default:
      return null;
  }
}

export function ActionsEditor(props: { actions: AnyAction[]; onChange: (a: AnyAction[]) => void; refs: Refs; readOnly: boolean; showProblems: boolean }) {
  const { actions, onChange, readOnly } = props;
  const set = (i: number, a: AnyAction) => onChange(actions.map((x, j) => (j === i ? a : x)));
  return (
    <div class="rule-actions" data-testid="rule-actions">
      {actions.length === 0 && <p class="muted small">{t('rules.noActions')}</p>}
      <ol class="rule-action-list">
        {actions.map((a, i) => {
          const problem = props.showProblems ? actionProblem(a) : null;
          return (
            <li key={i} class={`rule-action${problem ? ' rule-incomplete' : ''}`} data-testid="rule-action">
              <div class="rule-action-head">
                <select value={a.type} disabled={readOnly} aria-label={t('rules.actionType')} data-testid="rule-action-type" onChange={(e) => set(i, newAction(e.currentTarget.value as ActionType))}>
                  {ACTION_TYPES.map((type) => (
                    <option key={type} value={type}>
                      {t(`rules.action.${type}` as MsgKey)}
                    </option>
                  ))}
                </select>
                {!readOnly && (
                  <span class="rule-action-buttons">
                    <button type="button" class="btn btn-small" disabled={i === 0} onClick={() => onChange(moved(actions, i, -1))} aria-label={t('rules.actionUp', { n: i + 1 })}>
                      ↑
                    </button>
                    <button type="button" class="btn btn-small" disabled={i === actions.length - 1} onClick={() => onChange(moved(actions, i, 1))} aria-label={t('rules.actionDown', { n: i + 1 })}>
                      ↓
                    </button>
                    <button type="button" class="btn-icon rule-remove" onClick={() => onChange(actions.filter((_, j) => j !== i))} aria-label={t('rules.removeAction')} title={t('rules.removeAction')} data-testid="rule-action-remove">
                      ×
                    </button>
                  </span>
                )}
              </div>
              <ActionForm action={a} onChange={(x) => set(i, x)} refs={props.refs} readOnly={readOnly} />
              {problem && <span class="field-error">{t(problem)}</span>}
            </li>
          );
        })}
      </ol>
      {!readOnly && (
        <button type="button" class="btn btn-small" onClick={() => onChange([...actions, newAction('set-priority')])} data-testid="rule-add-action">
          + {t('rules.addAction')}
        </button>
      )}
    </div>
  );
}

function TextArea(props: { value: string; onChange: (v: string) => void; readOnly: boolean; label: string; testId?: string }) {
  return (
    <label class="field">
      <span class="field-label">{props.label}</span>
      <textarea rows={3} maxLength={10000} value={props.value} disabled={props.readOnly} onInput={(e) => props.onChange(e.currentTarget.value)} required data-testid={props.testId} />
    </label>
  );
}

function EmailBox(props: { checked: boolean; onChange: (v: boolean) => void; readOnly: boolean }) {
  return (
    <label class="checkbox">
      <input type="checkbox" checked={props.checked} disabled={props.readOnly} onChange={(e) => props.onChange(e.currentTarget.checked)} /> {t('rules.alsoEmail')}
    </label>
  );
}

function ActionForm(props: { action: AnyAction; onChange: (a: AnyAction) => void; refs: Refs; readOnly: boolean }) {
  const { action: a, onChange, refs, readOnly } = props;
  const label = t('rules.value');
  switch (a.type) {
    case 'set-topic':
      return (
        <ChoiceSelect
          choices={refs.topics.map((tp) => ({ value: tp.id, label: topicLabel(tp) }))}
          value={a.topic_id ?? null}
          onChange={(v) => onChange({ ...a, topic_id: (v as number | null) ?? null })}
          allowNone={t('rules.noTopic')}
          disabled={readOnly}
          label={t('rules.field.topic_id')}
          testId="rule-action-topic"
        />
      );
    case 'set-priority':
      return (
        <ChoiceSelect
          choices={PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))}
          value={a.priority}
          onChange={(v) => v && onChange({ ...a, priority: v as typeof a.priority })}
          disabled={readOnly}
          label={t('rules.field.priority')}
          testId="rule-action-priority"
        />
      );
    case 'set-status':
      return (
        <ChoiceSelect
          choices={CASE_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
          value={a.status}
          onChange={(v) => v && onChange({ ...a, status: v as typeof a.status })}
          disabled={readOnly}
          label={t('rules.field.status')}
          testId="rule-action-status"
        />
      );
    case 'add-tags':
    case 'remove-tags':
      return <TagInput value={a.tags} onChange={(tags) => onChange({ ...a, tags })} disabled={readOnly} label={t('rules.field.tags')} testId="rule-action-tags" />;
    case 'set-handling-team':
      return (
        <ChoiceSelect
          choices={TEAM_KINDS.map((k) => ({ value: k, label: t(`kind.${k}`) }))}
          value={a.team}
          onChange={(v) => v && onChange({ ...a, team: v as typeof a.team })}
          disabled={readOnly}
          label={t('rules.field.handling_team')}
          testId="rule-action-team"
        />
      );
    case 'set-assignee':
      return (
        <ChoiceSelect
          choices={refs.users.map((u) => ({ value: u.id, label: u.name }))}
          value={a.user_id ?? null}
          onChange={(v) => onChange({ ...a, user_id: (v as number | null) ?? null })}
          allowNone={t('rules.nobody')}
          disabled={readOnly}
          label={t('rules.field.assignee_id')}
          testId="rule-action-assignee"
        />
      );
    case 'set-custom': {
      const field = refs.caseFields.find((f) => f.key === a.key);
      const kind = field ? customKind(field.kind) : 'string';
      return (
        <div class="rule-action-pair">
          <ChoiceSelect
            choices={[
              ...refs.caseFields.map((f) => ({ value: f.key, label: f.label })),
              ...(a.key && !field ? [{ value: a.key, label: a.key }] : []),
            ]}
            value={a.key || null}
            onChange={(v) => onChange({ ...a, key: String(v ?? ''), value: '' as unknown as Record<string, unknown> })}
            disabled={readOnly}
            label={t('rules.customField')}
            testId="rule-action-custom-key"
          />
          {a.key && (
            <ValueInput
              kind={kind}
              op={kind === 'multi' ? 'in' : 'is'}
              value={a.value}
              onChange={(v) => onChange({ ...a, value: v as Record<string, unknown> })}
              refs={refs}
              options={field?.options}
              disabled={readOnly}
              testId="rule-action-custom-value"
            />
          )}
        </div>
      );
    }
    case 'add-note':
      return <TextArea value={a.text} onChange={(text) => onChange({ ...a, text })} readOnly={readOnly} label={t('rules.noteText')} testId="rule-action-text" />;
    case 'notify-users':
      return (
        <div class="rule-action-stack">
          <fieldset class="rule-choice-list" aria-label={t('rules.users')} data-testid="rule-action-users">
            <legend class="field-label">{t('rules.users')}</legend>
            {refs.users.map((u) => (
              <label key={u.id} class="checkbox">
                <input
                  type="checkbox"
                  checked={a.user_ids.includes(u.id)}
                  disabled={readOnly}
                  onChange={(e) => onChange({ ...a, user_ids: e.currentTarget.checked ? [...a.user_ids, u.id] : a.user_ids.filter((x) => x !== u.id) })}
                />{' '}
                {u.name}
              </label>
            ))}
            {a.user_ids
              .filter((id) => !refs.users.some((u) => u.id === id))
              .map((id) => (
                <span key={id} class="muted">
                  {t('rules.unknownRef', { id })}
                </span>
              ))}
          </fieldset>
          <TextArea value={a.text} onChange={(text) => onChange({ ...a, text })} readOnly={readOnly} label={t('rules.notifyText')} testId="rule-action-text" />
          <EmailBox checked={a.email === true} onChange={(email) => onChange({ ...a, email })} readOnly={readOnly} />
        </div>
      );
    case 'notify-team':
      return (
        <div class="rule-action-stack">
          <ChoiceSelect
            choices={NOTIFY_TEAMS.map((x) => ({ value: x, label: t(`rules.notifyTeam.${x}` as MsgKey) }))}
            value={a.team}
            onChange={(v) => v && onChange({ ...a, team: v as NotifyTeam })}
            disabled={readOnly}
            label={t('rules.team')}
            testId="rule-action-notify-team"
          />
          <TextArea value={a.text} onChange={(text) => onChange({ ...a, text })} readOnly={readOnly} label={t('rules.notifyText')} testId="rule-action-text" />
          <EmailBox checked={a.email === true} onChange={(email) => onChange({ ...a, email })} readOnly={readOnly} />
        </div>
      );
    case 'reply-with-text-module':
      return (
        <ChoiceSelect
          choices={refs.textModules.map((m) => ({ value: m.id, label: m.title }))}
          value={a.module_id}
          onChange={(v) => onChange({ ...a, module_id: (v as number | null) ?? null })}
          disabled={readOnly}
          label={t('rules.textModule')}
          testId="rule-action-module"
        />
      );
    case 'call-webhook':
      return (
        <ChoiceSelect
          choices={refs.webhooks.map((w) => ({ value: w.id, label: w.name }))}
          value={a.webhook_id}
          onChange={(v) => onChange({ ...a, webhook_id: (v as number | null) ?? null })}
          disabled={readOnly}
          label={t('rules.webhook')}
          testId="rule-action-webhook"
        />
      );
    case 'mark-spam':
      return <p class="muted small">{t('rules.markSpamHelp')}</p>;
    case 'route':
      return <p class="muted small">{t('rules.routeHelp')}</p>;
    default:
      return <span class="muted">{label}</span>;
  }
}
