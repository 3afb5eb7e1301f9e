// The case screen's header: reference, subject, channel and the next SLA
// deadline in one line, and the inline-editable key fields (status,
// priority, assignee, team, topic, due date) in one row on a laptop screen.
// Tags and the SLA's clocks sit in the side panel. Each save reports to one
// live region (SaveStatus); a field holds the user's choice until the
// server has taken it.

import type { ComponentChildren, Ref } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { CASE_STATUSES, PRIORITIES, type Case, type Member, type Priority, type Topic, type Viewer } from '../../api';
import { t } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { LocaleInput } from '../../components/LocaleInput';
import { ChannelLabel, isOverdue } from '../../components/caseBits';
import { SaveStatus, useHeldValue, type SaveState } from '../../components/SaveFeedback';
import { SlaTimer } from '../../components/SlaTimer';

/** The handling team as the picker offers it: the own team or one of the
 * provider's teams ("provider" alone: any provider team, a case from
 * before plans; shown only while the case has it). */
type HandlingChoice = 'client' | 'provider' | 'provider-basic' | 'provider-pro';
const HANDLING_CHOICES: HandlingChoice[] = ['client', 'provider-basic', 'provider-pro', 'provider'];

function handlingValue(c: Case): HandlingChoice {
  if (c.handling_team === 'client') return 'client';
  return c.handling_tariff ? `provider-${c.handling_tariff}` : 'provider';
}

function handlingPatch(choice: HandlingChoice): Record<string, unknown> {
  switch (choice) {
    case 'client':
      return { handling_team: 'client' };
    case 'provider':
      return { handling_team: 'provider', handling_tariff: null };
    case 'provider-basic':
      return { handling_team: 'provider', handling_tariff: 'basic' };
    case 'provider-pro':
      return { handling_team: 'provider', handling_tariff: 'pro' };
  }
}

export function CaseHeader(props: {
  c: Case;
  meId: number;
  viewers: Viewer[];
  topics: Topic[];
  members: Member[];
  patch: (body: Record<string, unknown>) => Promise<boolean>;
  feedback: SaveState;
  /** Changes when the user drops unsaved choices. */
  resetKey: unknown;
  actionError: unknown;
  statusRef: Ref<HTMLSelectElement>;
  /** The handling choices the user may give in the case's project. */
  handling: string[];
}) {
  const { c, meId, viewers, topics, members, patch, resetKey } = props;
  const fieldLabels = {
    subject: t('case.subject'),
    status: t('case.status'),
    priority: t('case.priority'),
    assignee_id: t('case.assignee'),
    handling_team: t('case.team'),
    handling_tariff: t('case.team'),
    topic_id: t('case.topic'),
    due_at: t('case.due'),
    tags: t('case.tags'),
  };
  // The handling teams the server lets this user give (their project's
  // `can.handling` in /me); the case's own stays shown.
  const allowedHandling = props.handling;
  const assigneeOptions = members.map((m) => ({ id: m.user_id, name: m.user_name }));
  if (c.assignee_id && !assigneeOptions.some((o) => o.id === c.assignee_id)) assigneeOptions.push({ id: c.assignee_id, name: c.assignee_name ?? `#${c.assignee_id}` });
  return (
    <header class="case-head">
      <div class="case-title">
        <span class="case-ref-big" data-testid="case-ref">
          {c.ref}
        </span>
        <SubjectEditor subject={c.subject} onSave={(s) => patch({ subject: s })} />
        <span class="case-title-meta">
          <span class="case-channel" data-testid="case-channel" title={t('case.channel')}>
            <ChannelLabel channel={c.channel} />
          </span>
          <SlaTimer due={c.sla_due_at} target={c.sla_target} status={c.status} />
        </span>
      </div>
      {viewers.length > 0 && (
        <p class="presence" data-testid="presence">
          <span class="presence-dot" aria-hidden="true" />
          {t('case.alsoViewing', { names: viewers.map((v) => v.name).join(', ') })}
        </p>
      )}
      <div class="case-fields">
        <label class="case-field case-field-keep">
          <span class="field-label">{t('case.status')}</span>
          <HeldSelect selectRef={props.statusRef} server={c.status} resetKey={resetKey} onSave={(v) => patch({ status: v })} testId="case-status">
            {CASE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </HeldSelect>
        </label>
        <label class="case-field case-field-keep">
          <span class="field-label">{t('case.priority')}</span>
          <HeldSelect server={c.priority} resetKey={resetKey} onSave={(v) => patch({ priority: v as Priority })} testId="case-priority">
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(`priority.${p}`)}
              </option>
            ))}
          </HeldSelect>
        </label>
        <div class="case-field case-field-assignee case-field-keep">
          <label class="field-label" for="case-assignee">
            {t('case.assignee')}
          </label>
          <div class="field-with-action">
            <HeldSelect
              id="case-assignee"
              server={String(c.assignee_id ?? '')}
              resetKey={resetKey}
              onSave={(v) => patch({ assignee_id: Number(v) || null })}
              testId="case-assignee"
            >
              <option value="">{t('case.unassigned')}</option>
              {assigneeOptions.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </HeldSelect>
            {c.assignee_id !== meId && (
              <button type="button" class="btn btn-small" onClick={() => void patch({ assignee_id: meId })} data-testid="assign-me">
                {t('case.takeIt')}
              </button>
            )}
          </div>
        </div>
        <label class="case-field case-field-yield">
          <span class="field-label">{t('case.team')}</span>
          <HeldSelect server={handlingValue(c)} resetKey={resetKey} onSave={(v) => patch(handlingPatch(v as HandlingChoice))} testId="case-handling">
            {HANDLING_CHOICES.filter((k) => k === handlingValue(c) || (k !== 'provider' && allowedHandling.includes(k))).map((k) => (
              <option key={k} value={k}>
                {t(`dist.handling.${k}`)}
              </option>
            ))}
          </HeldSelect>
        </label>
        <label class="case-field case-field-yield">
          <span class="field-label">{t('case.topic')}</span>
          <HeldSelect server={String(c.topic_id ?? '')} resetKey={resetKey} onSave={(v) => patch({ topic_id: Number(v) || null })} testId="case-topic">
            <option value="">{t('case.noTopic')}</option>
            {c.topic_id && !topics.some((tp) => tp.id === c.topic_id) && <option value={c.topic_id}>{c.topic_name}</option>}
            {topics.map((tp) => (
              <option key={tp.id} value={tp.id}>
                {tp.name}
              </option>
            ))}
          </HeldSelect>
        </label>
        <DueEditor due={c.due_at} overdue={isOverdue(c.due_at, c.status)} onSave={(v) => patch({ due_at: v })} />
      </div>
      <SaveStatus state={props.feedback} fields={fieldLabels} />
      <ErrorBox error={props.actionError} />
    </header>
  );
}

/** A header select that saves on change and holds the user's choice until the save went through. */
function HeldSelect(props: {
  server: string;
  resetKey: unknown;
  onSave: (value: string) => Promise<boolean>;
  testId: string;
  id?: string;
  selectRef?: Ref<HTMLSelectElement>;
  children: ComponentChildren;
}) {
  const field = useHeldValue(props.server, props.resetKey);
  return (
    <select
      ref={props.selectRef}
      id={props.id}
      value={field.value}
      onChange={(e) => void field.save(e.currentTarget.value, props.onSave)}
      data-testid={props.testId}
    >
      {props.children}
    </select>
  );
}

function SubjectEditor({ subject, onSave }: { subject: string; onSave: (s: string) => Promise<boolean> }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(subject);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!editing) setValue(subject);
  }, [subject, editing]);
  useEffect(() => {
    if (editing) inputRef.current?.select();
  }, [editing]);
  if (!editing)
    return (
      <h1 class="case-subject">
        <span data-testid="case-subject">{subject}</span>
        <button type="button" class="btn-icon btn-tiny edit-pencil" aria-label={t('case.editSubject')} onClick={() => setEditing(true)}>
          ✎
        </button>
      </h1>
    );
  return (
    <form
      class="subject-form"
      onSubmit={async (e) => {
        e.preventDefault();
        // A failed save keeps the editor open with the user's text.
        if (value.trim() && value.trim() !== subject && !(await onSave(value.trim()))) return;
        setEditing(false);
      }}
    >
      <input
        ref={inputRef}
        required
        maxLength={300}
        aria-label={t('case.subject')}
        value={value}
        onInput={(e) => setValue(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            setEditing(false);
          }
        }}
        data-testid="case-subject-input"
      />
      <button type="submit" class="btn btn-primary btn-small">
        {t('common.save')}
      </button>
      <button type="button" class="btn btn-small" onClick={() => setEditing(false)}>
        {t('common.cancel')}
      </button>
    </form>
  );
}

// The input's own value stays as typed until the server's due date changes,
// so a failed save leaves the user's date for a retry.
function DueEditor({ due, overdue, onSave }: { due: string | null; overdue: boolean; onSave: (v: string | null) => Promise<boolean> }) {
  const [value, setValue] = useState<string | null>(due);
  useEffect(() => setValue(due), [due]);
  const commit = (iso: string | null) => {
    if ((iso ?? '') === (due ? new Date(due).toISOString() : '')) return;
    void onSave(iso);
  };
  return (
    <div class="case-field">
      <label class="field-label" for="case-due">
        {t('case.due')}
        {overdue && <span class="badge badge-danger"> {t('case.overdue')}</span>}
      </label>
      <div class="field-with-action">
        <LocaleInput kind="datetime" id="case-due" value={value} onValue={setValue} onCommit={commit} data-testid="case-due" />
        {due && (
          <button type="button" class="btn btn-small btn-square" aria-label={t('case.clearDue')} title={t('case.clearDue')} onClick={() => void onSave(null)} data-testid="case-due-clear">
            ×
          </button>
        )}
      </div>
    </div>
  );
}

/** The case's tags: chips with a remove button and an input that adds one on Enter. */
export function TagsEditor({ tags, onSave }: { tags: string[]; onSave: (tags: string[]) => Promise<boolean> }) {
  const [value, setValue] = useState('');
  return (
    <section class="card side-card" data-testid="tags-card">
      <h2 id="tags-label">{t('case.tags')}</h2>
      <div class="tags-edit" role="group" aria-labelledby="tags-label">
        {tags.map((tag) => (
          <span key={tag} class="tag">
            {tag}
            <button type="button" class="tag-remove" aria-label={t('case.removeTag', { tag })} onClick={() => void onSave(tags.filter((x) => x !== tag))}>
              ×
            </button>
          </span>
        ))}
        <form
          class="tag-add"
          onSubmit={async (e) => {
            e.preventDefault();
            const v = value.trim();
            // The typed tag stays in the input when the save fails.
            if (v && !tags.includes(v) && !(await onSave([...tags, v]))) return;
            setValue('');
          }}
        >
          <input class="input-small" data-testid="case-tag-input" aria-label={t('case.addTag')} placeholder={t('case.addTag')} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </form>
      </div>
    </section>
  );
}
