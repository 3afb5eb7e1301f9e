// The value input of a condition (and of the "set custom field" action):
// a select of names for statuses, priorities, channels, teams, topics,
// users, mailboxes and a custom field's options; checkboxes for lists;
// the locale input for numbers and dates; text and tags otherwise.

import { useState } from 'preact/hooks';
import { CASE_STATUSES, CHANNELS, PRIORITIES, TEAM_KINDS } from '../../api';
import { t } from '../../i18n';
import { LocaleInput } from '../../components/LocaleInput';
import { mailboxLabel, topicLabel, type Refs } from './refs';
import { valueShape, type ValueKind } from './ruleModel';

export interface Choice {
  value: string | number | boolean;
  label: string;
}

/** The choices of a kind chosen from a list; null: a free value. */
export function choicesOf(kind: ValueKind, refs: Refs, options?: string[]): Choice[] | null {
  switch (kind) {
    case 'status':
      return CASE_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }));
    case 'priority':
      return PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }));
    case 'channel':
      return CHANNELS.map((c) => ({ value: c, label: t(`channel.${c}`) }));
    case 'team':
      return TEAM_KINDS.map((k) => ({ value: k, label: t(`kind.${k}`) }));
    case 'topic':
      return refs.topics.map((tp) => ({ value: tp.id, label: topicLabel(tp) }));
    case 'assignee':
      return refs.users.map((u) => ({ value: u.id, label: u.name }));
    case 'mailbox':
      return refs.mailboxes.map((m) => ({ value: m.id, label: mailboxLabel(m) }));
    case 'select':
      return (options ?? []).map((o) => ({ value: o, label: o }));
    case 'checkbox':
      return [
        { value: true, label: t('common.yes') },
        { value: false, label: t('common.no') },
      ];
    default:
      return null;
  }
}

/** The label of a chosen value (a name, never a bare id where one is known). */
export function choiceLabel(choices: Choice[], value: unknown): string {
  const hit = choices.find((c) => c.value === value || String(c.value) === String(value));
  if (hit) return hit.label;
  return typeof value === 'number' ? t('rules.unknownRef', { id: value }) : String(value ?? '');
}

const encode = (v: unknown) => JSON.stringify(v ?? null);

export function ChoiceSelect(props: {
  choices: Choice[];
  value: unknown;
  onChange: (v: unknown) => void;
  disabled?: boolean;
  allowNone?: string;
  testId?: string;
  label: string;
}) {
  const known = props.choices.some((c) => encode(c.value) === encode(props.value));
  const missing = props.value !== null && props.value !== undefined && props.value !== '' && !known;
  return (
    <select
      value={props.value === null || props.value === undefined ? '' : encode(props.value)}
      onChange={(e) => {
        const raw = e.currentTarget.value;
        props.onChange(raw === '' ? null : JSON.parse(raw));
      }}
      disabled={props.disabled}
      aria-label={props.label}
      data-testid={props.testId}
      required={!props.allowNone}
    >
      <option value="">{props.allowNone ?? t('rules.choose')}</option>
      {missing && <option value={encode(props.value)}>{choiceLabel(props.choices, props.value)}</option>}
      {props.choices.map((c) => (
        <option key={encode(c.value)} value={encode(c.value)}>
          {c.label}
        </option>
      ))}
    </select>
  );
}

/** Several values from a list, as checkboxes (they wrap on a phone). */
function ChoiceList(props: { choices: Choice[]; value: unknown; onChange: (v: unknown[]) => void; disabled?: boolean; label: string; testId?: string }) {
  const picked = Array.isArray(props.value) ? props.value : [];
  const has = (v: unknown) => picked.some((p) => encode(p) === encode(v));
  return (
    <fieldset class="rule-choice-list" aria-label={props.label} data-testid={props.testId}>
      {props.choices.length === 0 && <span class="muted">{t('rules.noChoices')}</span>}
      {props.choices.map((c) => (
        <label key={encode(c.value)} class="checkbox">
          <input
            type="checkbox"
            checked={has(c.value)}
            disabled={props.disabled}
            onChange={(e) => props.onChange(e.currentTarget.checked ? [...picked, c.value] : picked.filter((p) => encode(p) !== encode(c.value)))}
          />{' '}
          {c.label}
        </label>
      ))}
    </fieldset>
  );
}

/** Tags (or other short words): chips with a remove button, typed in and added with Enter or a comma. */
export function TagInput(props: { value: string[]; onChange: (v: string[]) => void; disabled?: boolean; label: string; testId?: string }) {
  const [text, setText] = useState('');
  const add = (raw: string) => {
    const words = raw
      .split(',')
      .map((w) => w.trim().toLowerCase())
      .filter((w) => w && !props.value.includes(w));
    if (words.length) props.onChange([...props.value, ...words]);
    setText('');
  };
  return (
    <div class="rule-tags" data-testid={props.testId}>
      {props.value.map((tag) => (
        <span key={tag} class="rule-tag">
          {tag}
          {!props.disabled && (
            <button type="button" class="btn-icon" aria-label={t('rules.removeTag', { tag })} onClick={() => props.onChange(props.value.filter((x) => x !== tag))}>
              ×
            </button>
          )}
        </span>
      ))}
      {!props.disabled && (
        <input
          value={text}
          aria-label={props.label}
          placeholder={t('rules.tagPlaceholder')}
          data-testid={props.testId ? `${props.testId}-input` : undefined}
          onInput={(e) => {
            const v = e.currentTarget.value;
            if (v.includes(',')) add(v);
            else setText(v);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add(text);
            }
          }}
          onBlur={() => text.trim() && add(text)}
        />
      )}
    </div>
  );
}

/** The value of one condition, fitting its field's kind and the operator. */
export function ValueInput(props: {
  kind: ValueKind;
  op: string;
  value: unknown;
  onChange: (v: unknown) => void;
  refs: Refs;
  options?: string[];
  disabled?: boolean;
  testId?: string;
}) {
  const { kind, op, value, onChange, refs, disabled, testId } = props;
  const shape = valueShape(op);
  const label = t('rules.value');
  if (shape === 'none') return null;
  if (shape === 'calendar') {
    return (
      <ChoiceSelect
        choices={refs.calendars.map((c) => ({ value: c.id, label: c.name }))}
        value={value}
        onChange={onChange}
        disabled={disabled}
        label={t('rules.calendar')}
        testId={testId}
      />
    );
  }
  const choices = choicesOf(kind, refs, props.options);
  if (shape === 'list') {
    if (choices) return <ChoiceList choices={choices} value={value} onChange={onChange} disabled={disabled} label={label} testId={testId} />;
    const list = Array.isArray(value) ? value.map(String) : [];
    return <TagInput value={list} onChange={(v) => onChange(kind === 'number' ? v.map(Number).filter(Number.isFinite) : v)} disabled={disabled} label={label} testId={testId} />;
  }
  if (kind === 'multi' && props.options?.length) {
    return <ChoiceSelect choices={props.options.map((o) => ({ value: o, label: o }))} value={value} onChange={onChange} disabled={disabled} label={label} testId={testId} />;
  }
  if (choices) return <ChoiceSelect choices={choices} value={value} onChange={onChange} disabled={disabled} label={label} testId={testId} />;
  if (kind === 'number') {
    return <LocaleInput kind="number" value={typeof value === 'number' ? value : null} onValue={(v) => onChange(v)} disabled={disabled} aria-label={label} required data-testid={testId} />;
  }
  if (kind === 'date') {
    return <LocaleInput kind="date" value={typeof value === 'string' && value ? value : null} onValue={(v) => onChange(v)} disabled={disabled} aria-label={label} required data-testid={testId} />;
  }
  return (
    <input
      value={typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value)}
      onInput={(e) => onChange(e.currentTarget.value)}
      disabled={disabled}
      aria-label={op === 'matches' ? t('rules.pattern') : label}
      placeholder={op === 'matches' ? t('rules.patternPlaceholder') : kind === 'tags' ? t('rules.oneTag') : undefined}
      maxLength={op === 'matches' ? 500 : 1000}
      required
      data-testid={testId}
    />
  );
}
