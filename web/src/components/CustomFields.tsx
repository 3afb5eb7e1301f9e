// Data masks in forms: renders a project's custom fields (grouped by
// section, half/full width, help, required marker) and saves their values.

import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type CustomField, type List } from '../api';
import { formatDate, formatNumber, t } from '../i18n';
import { ErrorBox } from './ErrorBox';
import { LocaleInput } from './LocaleInput';
import { useLoad } from './useLoad';

export type Values = Record<string, unknown>;
export type FieldErrors = Record<string, string>;

/** Per-field messages of a validation problem whose `field` is `custom.<key>`. */
export function fieldErrors(err: unknown): FieldErrors {
  if (err instanceof ApiError && err.problem.field?.startsWith('custom.')) {
    const key = err.problem.field.slice('custom.'.length);
    const detail = err.problem.detail ?? '';
    return { [key]: detail.replace(/^custom\.[a-z0-9_]+:\s*/, '') };
  }
  return {};
}

/** The errors without `key`'s (its value was changed): for a state setter. */
export const withoutError =
  (key: string) =>
  ({ [key]: _gone, ...rest }: FieldErrors): FieldErrors =>
    rest;

/** The value to send for a form value: empty means null (removes it). */
function wire(field: CustomField, v: unknown): unknown {
  if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) return null;
  if (field.kind === 'number' && typeof v === 'string') {
    const n = Number(v.replace(',', '.'));
    return Number.isFinite(n) ? n : v;
  }
  return v;
}

/** The changed values of active fields, ready for `custom` in a PATCH. */
export function changedValues(fields: CustomField[], before: Values, after: Values): Values {
  const out: Values = {};
  for (const f of fields) {
    if (!f.active) continue;
    const next = wire(f, after[f.key]);
    const prev = before[f.key] ?? null;
    if (JSON.stringify(next) !== JSON.stringify(prev)) out[f.key] = next;
  }
  return out;
}

/** All set values of active fields (for a create). */
export function filledValues(fields: CustomField[], values: Values): Values {
  const out: Values = {};
  for (const f of fields) {
    if (!f.active) continue;
    const v = wire(f, values[f.key]);
    if (v !== null) out[f.key] = v;
  }
  return out;
}

/** A custom field's value as a person reads it: in the UI's locale, a checkbox as yes/no, "—" when empty. */
export function customValue(field: Pick<CustomField, 'kind'> | undefined, v: unknown): string {
  if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) return t('common.none');
  if (Array.isArray(v)) return v.map((x) => customValue(field, x)).join(', ');
  if (typeof v === 'boolean') return t(v ? 'common.yes' : 'common.no');
  if (typeof v === 'number') return formatNumber(v);
  if (field?.kind === 'date' && typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return formatDate(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The read view of a mask: each active field's label and value. */
export function CustomFieldsFacts({ fields, values, testId }: { fields: CustomField[]; values: Values; testId: string }) {
  return (
    <dl class="facts" data-testid={testId}>
      {fields
        .filter((f) => f.active)
        .map((f) => (
          <Fragment key={f.key}>
            <dt>{f.label}</dt>
            <dd data-testid={`custom-read-${f.key}`}>{customValue(f, values[f.key])}</dd>
          </Fragment>
        ))}
    </dl>
  );
}

function FieldInput({ field, value, onChange, id, error }: { field: CustomField; value: unknown; onChange: (v: unknown) => void; id: string; error?: string }) {
  const described = [field.help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-describedby': described, 'aria-invalid': error ? true : undefined, 'data-testid': `custom-${field.key}` };
  switch (field.kind) {
    case 'number':
      return (
        <LocaleInput
          kind="number"
          id={id}
          describedBy={described}
          data-testid={common['data-testid']}
          required={field.required}
          value={typeof value === 'number' ? value : null}
          onValue={onChange}
        />
      );
    case 'date':
      return (
        <LocaleInput
          kind="date"
          id={id}
          describedBy={described}
          data-testid={common['data-testid']}
          required={field.required}
          value={typeof value === 'string' ? value : null}
          onValue={onChange}
        />
      );
    case 'select': {
      const current = typeof value === 'string' ? value : '';
      const options = current && !field.options.includes(current) ? [current, ...field.options] : field.options;
      return (
        <select {...common} required={field.required} value={current} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">{t('common.choose')}</option>
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
    }
    case 'multi-select': {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      const options = [...field.options, ...chosen.filter((c) => !field.options.includes(c))];
      return (
        <div class="check-list" role="group" aria-labelledby={`${id}-label`} aria-describedby={described} data-testid={`custom-${field.key}`}>
          {options.map((o) => (
            <label key={o} class="check">
              <input
                type="checkbox"
                checked={chosen.includes(o)}
                onChange={(e) => onChange(e.currentTarget.checked ? [...chosen, o] : chosen.filter((c) => c !== o))}
              />
              {o}
            </label>
          ))}
        </div>
      );
    }
    case 'checkbox':
      return (
        <label class="check">
          <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />
          {field.label}
        </label>
      );
    default:
      return (
        <input
          {...common}
          type="text"
          required={field.required}
          maxLength={10000}
          value={typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value)}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      );
  }
}

/** The form of a mask: active fields only, grouped by section. */
export function CustomFieldsForm({
  fields,
  values,
  onChange,
  errors,
  idPrefix,
}: {
  fields: CustomField[];
  values: Values;
  onChange: (key: string, v: unknown) => void;
  errors: FieldErrors;
  idPrefix: string;
}) {
  const active = fields.filter((f) => f.active);
  const sections: { name: string; fields: CustomField[] }[] = [];
  for (const f of active) {
    const s = sections.find((x) => x.name === f.section);
    if (s) s.fields.push(f);
    else sections.push({ name: f.section, fields: [f] });
  }
  return (
    <div class="mask">
      {sections.map((s) => {
        const grid = (
          <div class="mask-grid">
            {s.fields.map((f) => {
              const id = `${idPrefix}-${f.key}`;
              return (
                <div key={f.key} class={f.width === 'half' ? 'mask-field mask-half' : 'mask-field'} data-testid="mask-field">
                  {f.kind !== 'checkbox' || f.required ? (
                    <span class="field-label" id={`${id}-label`}>
                      {f.kind === 'multi-select' ? f.label : <label for={id}>{f.label}</label>}
                      {f.required && (
                        <span class="required-mark" title={t('fields.requiredMark')}>
                          {' *'}
                          <span class="sr-only">({t('fields.requiredMark')})</span>
                        </span>
                      )}
                    </span>
                  ) : null}
                  <FieldInput field={f} value={values[f.key]} onChange={(v) => onChange(f.key, v)} id={id} error={errors[f.key]} />
                  {f.help && (
                    <span class="field-hint" id={`${id}-help`}>
                      {f.help}
                    </span>
                  )}
                  {errors[f.key] && (
                    <span class="field-error" id={`${id}-error`} role="alert">
                      {errors[f.key]}
                    </span>
                  )}
                </div>
              );
            })}
          </div>
        );
        return s.name ? (
          <fieldset key={s.name} class="fieldset">
            <legend>{s.name}</legend>
            {grid}
          </fieldset>
        ) : (
          <Fragment key="">{grid}</Fragment>
        );
      })}
    </div>
  );
}

/** A card with a mask's form and a save button; `onSave` gets the changed values. */
export function CustomFieldsCard({
  fields,
  values,
  onSave,
  idPrefix,
  testId,
  cardClass = 'card',
}: {
  fields: CustomField[] | null;
  values: Values;
  onSave: (changed: Values) => Promise<void>;
  idPrefix: string;
  testId: string;
  cardClass?: string;
}) {
  const [form, setForm] = useState<Values>(values);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const stored = JSON.stringify(values);
  useEffect(() => setForm(values), [stored]);

  if (!fields || !fields.some((f) => f.active)) return null;
  const changed = changedValues(fields, values, form);
  const dirty = Object.keys(changed).length > 0;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy || !dirty) return;
    setBusy(true);
    setError(null);
    setErrors({});
    setSaved(false);
    try {
      await onSave(changed);
      setSaved(true);
    } catch (err) {
      const perField = fieldErrors(err);
      if (Object.keys(perField).length) setErrors(perField);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class={cardClass} aria-labelledby={`${idPrefix}-title`} data-testid={testId}>
      <h2 id={`${idPrefix}-title`}>{t('fields.card')}</h2>
      <form class="form" onSubmit={submit}>
        <CustomFieldsForm
          fields={fields}
          values={form}
          errors={errors}
          idPrefix={idPrefix}
          onChange={(key, v) => {
            setSaved(false);
            setErrors(withoutError(key));
            setForm((f) => ({ ...f, [key]: v }));
          }}
        />
        <ErrorBox error={error} />
        {saved && !dirty && (
          <div class="alert alert-ok" role="status">
            {t('fields.saved')}
          </div>
        )}
        <div class="form-actions">
          {dirty && (
            <button type="button" class="btn" onClick={() => setForm(values)}>
              {t('common.cancel')}
            </button>
          )}
          <button type="submit" class="btn btn-primary" disabled={busy || !dirty} data-testid="save-fields">
            {busy ? t('common.saving') : t('common.save')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** A mask card that loads its fields from `fieldsUrl` (a list of custom fields). */
export function MaskCard(props: {
  fieldsUrl: string;
  values: Values;
  onSave: (changed: Values) => Promise<void>;
  idPrefix: string;
  testId: string;
  cardClass?: string;
}) {
  const fields = useLoad(() => api.get<List<CustomField>>(props.fieldsUrl), [props.fieldsUrl]);
  if (fields.error) return <ErrorBox error={fields.error} />;
  return (
    <CustomFieldsCard
      fields={fields.data?.items ?? null}
      values={props.values}
      onSave={props.onSave}
      idPrefix={props.idPrefix}
      testId={props.testId}
      cardClass={props.cardClass}
    />
  );
}
