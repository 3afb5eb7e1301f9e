// Admin: a project's data masks (custom fields of cases and contacts).

import { useState } from 'preact/hooks';
import { api, FIELD_KINDS, type CustomField, type FieldEntity, type FieldKind, type FieldWidth, type List } from '../api';
import { t } from '../i18n';
import { ErrorBox } from './ErrorBox';
import { Field } from './Field';
import { FormModal } from './Modal';
import { Loading } from './Page';
import { useLoad } from './useLoad';

const ENTITIES: FieldEntity[] = ['case', 'contact'];

/** A key suggested from a label: "Zählernummer (alt)" → "zaehlernummer_alt". */
export function suggestKey(label: string): string {
  const key = label
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .replace(/_+$/, '')
    .slice(0, 40)
    .replace(/_+$/, '');
  return key;
}

export function DataMasks({ projectId, canEdit }: { projectId: number; canEdit: boolean }) {
  const [entity, setEntity] = useState<FieldEntity>('case');
  const fields = useLoad(() => api.get<List<CustomField>>(`/projects/${projectId}/fields`), [projectId]);
  const [editing, setEditing] = useState<CustomField | 'new' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const list = (fields.data?.items ?? []).filter((f) => f.entity === entity);

  const change = async (run: () => Promise<unknown>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await run();
      await fields.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  /** Swaps a field with its neighbour; positions are renumbered 0, 1, 2 … */
  const move = (index: number, by: -1 | 1) =>
    change(async () => {
      const order = [...list];
      const [f] = order.splice(index, 1);
      order.splice(index + by, 0, f);
      for (const [i, g] of order.entries()) {
        if (g.position !== i) await api.patch(`/fields/${g.id}`, { position: i });
      }
    });

  const onTabKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    e.preventDefault();
    const next = entity === 'case' ? 'contact' : 'case';
    setEntity(next);
    document.getElementById(`mask-tab-${next}`)?.focus();
  };

  return (
    <section class="card" aria-labelledby="masks-title" data-testid="data-masks">
      <h2 id="masks-title">{t('fields.title')}</h2>
      <p class="muted">{t('fields.intro')}</p>
      <div class="tabs" role="tablist" aria-label={t('fields.title')}>
        {ENTITIES.map((e) => (
          <button
            key={e}
            type="button"
            role="tab"
            id={`mask-tab-${e}`}
            aria-selected={entity === e}
            aria-controls="mask-panel"
            tabIndex={entity === e ? 0 : -1}
            class="tab"
            onClick={() => setEntity(e)}
            onKeyDown={onTabKey}
            data-testid={`mask-tab-${e}`}
          >
            {t(e === 'case' ? 'fields.tabCase' : 'fields.tabContact')}
          </button>
        ))}
      </div>
      <div id="mask-panel" role="tabpanel" aria-labelledby={`mask-tab-${entity}`}>
        {canEdit && (
          <p>
            <button type="button" class="btn btn-primary" onClick={() => setEditing('new')} data-testid="new-field">
              {t('fields.new')}
            </button>
          </p>
        )}
        <ErrorBox error={error ?? fields.error} />
        {fields.loading && !fields.data && <Loading />}
        {fields.data && list.length === 0 && <p class="muted">{t('fields.empty')}</p>}
        {list.length > 0 && (
          <div class="table-wrap">
            <table class="table mask-table" data-testid="fields-table">
              <thead>
                <tr>
                  <th scope="col">{t('fields.label')}</th>
                  <th scope="col">{t('fields.key')}</th>
                  <th scope="col">{t('fields.kind')}</th>
                  <th scope="col">{t('fields.section')}</th>
                  <th scope="col">{t('fields.required')}</th>
                  <th scope="col">{t('projects.status')}</th>
                  <th scope="col" class="actions">
                    <span class="sr-only">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((f, i) => (
                  <tr key={f.id} class={f.active ? '' : 'muted-row'} data-testid="field-row" data-key={f.key}>
                    <td>
                      {f.label}
                      {f.help && <div class="muted small">{f.help}</div>}
                    </td>
                    <td>
                      <code>{f.key}</code>
                    </td>
                    <td>
                      {t(`fieldKind.${f.kind}`)}
                      {f.options.length > 0 && (f.kind === 'select' || f.kind === 'multi-select') && (
                        <div class="muted options-list">{f.options.join(' · ')}</div>
                      )}
                    </td>
                    <td>{f.section || t('common.none')}</td>
                    <td>{f.required ? t('common.yes') : t('common.no')}</td>
                    <td>{f.active ? t('common.active') : t('common.inactive')}</td>
                    <td class="actions">
                      {canEdit && (
                        <>
                          <button
                            type="button"
                            class="btn btn-small"
                            aria-label={`${t('fields.moveUp')}: ${f.label}`}
                            title={t('fields.moveUp')}
                            disabled={busy || i === 0}
                            onClick={() => void move(i, -1)}
                            data-testid="field-up"
                          >
                            ↑
                          </button>{' '}
                          <button
                            type="button"
                            class="btn btn-small"
                            aria-label={`${t('fields.moveDown')}: ${f.label}`}
                            title={t('fields.moveDown')}
                            disabled={busy || i === list.length - 1}
                            onClick={() => void move(i, 1)}
                            data-testid="field-down"
                          >
                            ↓
                          </button>{' '}
                          <button type="button" class="btn btn-small" onClick={() => setEditing(f)} aria-label={`${t('common.edit')}: ${f.label}`} data-testid="field-edit">
                            {t('common.edit')}
                          </button>{' '}
                          <button
                            type="button"
                            class="btn btn-small btn-danger-quiet"
                            disabled={busy}
                            onClick={() => void change(() => api.patch(`/fields/${f.id}`, { active: !f.active }))}
                            data-testid="field-toggle"
                          >
                            {f.active ? t('fields.deactivate') : t('fields.reactivate')}
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
      </div>
      {editing && (
        <FieldDialog
          projectId={projectId}
          entity={entity}
          field={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onDone={() => void fields.reload()}
        />
      )}
    </section>
  );
}

function FieldDialog({
  projectId,
  entity,
  field,
  onClose,
  onDone,
}: {
  projectId: number;
  entity: FieldEntity;
  field: CustomField | null;
  onClose: () => void;
  onDone: () => void;
}) {
  const [label, setLabel] = useState(field?.label ?? '');
  const [key, setKey] = useState(field?.key ?? '');
  const [keyTouched, setKeyTouched] = useState(false);
  const [kind, setKind] = useState<FieldKind>(field?.kind ?? 'text');
  const [options, setOptions] = useState((field?.options ?? []).join('\n'));
  const [required, setRequired] = useState(field?.required ?? false);
  const [help, setHelp] = useState(field?.help ?? '');
  const [width, setWidth] = useState<FieldWidth>(field?.width ?? 'full');
  const [section, setSection] = useState(field?.section ?? '');
  const hasOptions = kind === 'select' || kind === 'multi-select';

  return (
    <FormModal
      title={field ? t('fields.edit') : t('fields.new')}
      submitLabel={field ? t('common.save') : t('common.create')}
      onClose={onClose}
      testId="field-form"
      onSubmit={async () => {
        const body: Record<string, unknown> = {
          label: label.trim(),
          kind,
          options: hasOptions
            ? options
                .split('\n')
                .map((o) => o.trim())
                .filter(Boolean)
            : field?.options ?? [],
          required,
          help: help.trim(),
          width,
          section: section.trim(),
        };
        if (field) await api.patch(`/fields/${field.id}`, body);
        else await api.post(`/projects/${projectId}/fields`, { ...body, entity, key: key.trim() });
        onDone();
      }}
    >
      <Field label={t('fields.label')}>
        <input
          required
          maxLength={100}
          value={label}
          onInput={(e) => {
            const v = e.currentTarget.value;
            setLabel(v);
            if (!field && !keyTouched) setKey(suggestKey(v));
          }}
          data-testid="field-label"
        />
      </Field>
      <Field label={t('fields.key')} hint={t('fields.keyHint')}>
        <input
          required
          pattern="[a-z][a-z0-9_]{0,39}"
          maxLength={40}
          value={key}
          readOnly={!!field}
          disabled={!!field}
          onInput={(e) => {
            setKeyTouched(true);
            setKey(e.currentTarget.value);
          }}
          data-testid="field-key"
        />
      </Field>
      <div class="form-row">
        <Field label={t('fields.kind')}>
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as FieldKind)} data-testid="field-kind">
            {FIELD_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`fieldKind.${k}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('fields.width')}>
          <select value={width} onChange={(e) => setWidth(e.currentTarget.value as FieldWidth)} data-testid="field-width">
            <option value="full">{t('width.full')}</option>
            <option value="half">{t('width.half')}</option>
          </select>
        </Field>
      </div>
      {hasOptions && (
        <Field label={t('fields.options')} hint={t('fields.optionsHint')}>
          <textarea required rows={4} value={options} onInput={(e) => setOptions(e.currentTarget.value)} data-testid="field-options" />
        </Field>
      )}
      <Field label={t('fields.section')}>
        <input maxLength={100} value={section} onInput={(e) => setSection(e.currentTarget.value)} data-testid="field-section" />
      </Field>
      <Field label={t('fields.help')}>
        <input maxLength={500} value={help} onInput={(e) => setHelp(e.currentTarget.value)} data-testid="field-help" />
      </Field>
      <Field label={t('fields.required')} inline>
        <input type="checkbox" checked={required} onChange={(e) => setRequired(e.currentTarget.checked)} data-testid="field-required" />
      </Field>
    </FormModal>
  );
}
