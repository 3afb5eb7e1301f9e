// The one input for dates, times, date-times and numbers: written and read
// the way the UI language writes them (German `03.12.2026`, `1.234,50`;
// English `12/03/2026`, `1,234.50`), never the browser's locale, with the
// app's own validation messages in both languages. A text field underneath
// (the browser's date and number widgets follow the browser's locale); the
// parsing lives in i18n/input.ts.

import { useEffect, useRef, useState } from 'preact/hooks';
import { getLocale, t } from '../i18n';
import { formatInput, parseInput, type InputError, type InputKind } from '../i18n/input';

/** The value of each kind: numbers, `YYYY-MM-DD`, `HH:MM`, an RFC 3339 UTC instant. */
type ValueOf<K extends InputKind> = K extends 'number' | 'integer' ? number : string;

export interface LocaleInputProps<K extends InputKind> {
  kind: K;
  value: ValueOf<K> | null;
  /** Every change that reads as a value (`null`: empty). Invalid text is not passed on. */
  onValue: (value: ValueOf<K> | null) => void;
  /** When the field is left (blur or Enter) with a valid, changed value. */
  onCommit?: (value: ValueOf<K> | null) => void;
  min?: number;
  max?: number;
  /** Thousands groups when showing a number (default on; off for ports). */
  grouping?: boolean;
  required?: boolean;
  id?: string;
  disabled?: boolean;
  /** Further ids for aria-describedby (help texts). */
  describedBy?: string;
  /** A server-side message to show (e.g. from a 422). */
  error?: string;
  'data-testid'?: string;
  'aria-label'?: string;
}

let nextId = 0;

/** The message for an input error, in the UI language. */
export function inputMessage(kind: InputKind, error: InputError): string {
  switch (error.code) {
    case 'required':
      return t('input.required');
    case 'min':
      return t('input.min', { limit: error.limit });
    case 'max':
      return t('input.max', { limit: error.limit });
    case 'invalid':
      return t(`input.${kind}`, { example: error.example });
  }
}

export function LocaleInput<K extends InputKind>(props: LocaleInputProps<K>) {
  const { kind, value, min, max, grouping, required } = props;
  const locale = getLocale();
  const rules = { min, max, grouping, required };
  const show = (v: ValueOf<K> | null) => formatInput(kind, v, locale, rules);
  const [text, setText] = useState(() => show(value));
  // Show a message only once the field was left (or the form submitted).
  const [touched, setTouched] = useState(false);
  const shown = useRef({ value, locale });
  const committed = useRef(value);
  const input = useRef<HTMLInputElement>(null);
  const [fallbackId] = useState(() => `locale-input-${++nextId}`);
  const id = props.id ?? fallbackId;

  // A new value from outside, or a new language: show it afresh.
  useEffect(() => {
    const before = shown.current;
    if (before.value === value && before.locale === locale) return;
    const typed = parseInput(kind, text, before.locale, rules);
    shown.current = { value, locale };
    committed.current = value;
    if (locale !== before.locale || !typed.ok || typed.value !== value) setText(show(value));
  }, [value, locale]);

  // Checked on every render, so an empty required field has the app's
  // message before anything was typed.
  const parsed = parseInput(kind, text, locale, rules);
  const error: InputError | null = parsed.ok ? null : parsed.error;
  const message = error ? inputMessage(kind, error) : (props.error ?? '');

  // The app's message, not the browser's, when a form is submitted.
  useEffect(() => {
    input.current?.setCustomValidity(error ? inputMessage(kind, error) : '');
  }, [error?.code, message, locale, kind]);

  const onInput = (raw: string) => {
    setText(raw);
    const next = parseInput(kind, raw, locale, rules);
    if (next.ok) {
      const v = next.value as ValueOf<K> | null;
      shown.current = { value: v, locale };
      props.onValue(v);
    }
  };

  const commit = () => {
    setTouched(true);
    if (!parsed.ok) return;
    const v = parsed.value as ValueOf<K> | null;
    // Tidy what was typed into the language's own way (1234,5 → 1.234,5).
    setText(show(v));
    if (props.onCommit && v !== committed.current) {
      committed.current = v;
      props.onCommit(v);
    }
  };

  const messageId = `${id}-message`;
  const describedBy = [props.describedBy, message && (touched || props.error) ? messageId : ''].filter(Boolean).join(' ') || undefined;
  const inputMode = kind === 'integer' ? 'numeric' : kind === 'number' ? 'decimal' : undefined;
  const placeholder = kind === 'number' || kind === 'integer' ? undefined : show(kind === 'date' ? ('2026-12-03' as ValueOf<K>) : kind === 'time' ? ('14:30' as ValueOf<K>) : (new Date(2026, 11, 3, 14, 30).toISOString() as ValueOf<K>));

  return (
    <span class="locale-input">
      <input
        ref={input}
        id={id}
        type="text"
        inputMode={inputMode}
        class={`locale-input-${kind}`}
        value={text}
        placeholder={placeholder}
        aria-required={required || undefined}
        disabled={props.disabled}
        aria-label={props['aria-label']}
        aria-invalid={(error && touched) || props.error ? true : undefined}
        aria-describedby={describedBy}
        data-testid={props['data-testid']}
        onInput={(e) => onInput(e.currentTarget.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
        onInvalid={() => setTouched(true)}
      />
      {message && (touched || props.error) && (
        <span id={messageId} class="field-error" role="alert" data-testid={props['data-testid'] ? `${props['data-testid']}-error` : undefined}>
          {message}
        </span>
      )}
    </span>
  );
}
