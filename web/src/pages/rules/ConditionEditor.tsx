// The condition tree of a rule: nested "all" / "any" groups of conditions.
// Each condition picks a field (grouped: case, custom fields, contact,
// organization, text, business hours), an operator that fits the field and
// a value input that fits both. On a phone the parts stack (rules.css).

import { hasMessage, t, type MsgKey } from '../../i18n';
import { ValueInput } from './ValueInput';
import type { Refs } from './refs';
import {
  BUILTIN_FIELDS,
  FIELD_GROUPS,
  MAX_DEPTH,
  OPS,
  addChild,
  customKind,
  defaultValue,
  newId,
  removeNode,
  updateNode,
  valueComplete,
  type FieldDef,
  type FieldGroup,
  type UiGroup,
  type UiLeaf,
  type UiNode,
  type ValueKind,
} from './ruleModel';

/** Every field the picker offers for the rule's scope, plus `extra` keys already in the tree. */
export function fieldDefs(refs: Refs, extra: string[] = []): FieldDef[] {
  const defs: FieldDef[] = [
    ...BUILTIN_FIELDS,
    ...refs.caseFields.map((f): FieldDef => ({ key: `custom.${f.key}`, group: 'custom', kind: customKind(f.kind), label: f.label, options: f.options })),
    ...refs.contactFields.map((f): FieldDef => ({ key: `contact.custom.${f.key}`, group: 'contact', kind: customKind(f.kind), label: f.label, options: f.options })),
  ];
  for (const key of extra) {
    if (defs.some((d) => d.key === key)) continue;
    const group: FieldGroup = key.startsWith('contact.') ? 'contact' : key.startsWith('organization.') ? 'organization' : 'custom';
    defs.push({ key, group, kind: 'string', label: key });
  }
  return defs;
}

export function fieldLabel(def: FieldDef | undefined, key: string): string {
  if (def?.label) return def.label;
  const k = `rules.field.${key}`;
  return hasMessage(k) ? t(k) : key;
}

export function opLabel(kind: ValueKind, op: string): string {
  if (kind === 'date' && (op === 'gt' || op === 'lt')) return t(op === 'gt' ? 'rules.op.after' : 'rules.op.before');
  if ((kind === 'tags' || kind === 'multi') && (op === 'contains' || op === 'not-contains')) return t(op === 'contains' ? 'rules.op.hasTag' : 'rules.op.hasNoTag');
  const k = `rules.op.${op}`;
  return hasMessage(k) ? t(k) : op;
}

function leafKeys(n: UiNode): string[] {
  return n.kind === 'leaf' ? [n.field] : n.children.flatMap(leafKeys);
}

export function ConditionEditor(props: { root: UiGroup; onChange: (root: UiGroup) => void; refs: Refs; readOnly: boolean; showIncomplete: boolean }) {
  const defs = fieldDefs(props.refs, leafKeys(props.root));
  return (
    <div class="rule-conditions" data-testid="rule-conditions">
      <Group node={props.root} depth={0} defs={defs} {...props} />
    </div>
  );
}

interface Ctx {
  root: UiGroup;
  onChange: (root: UiGroup) => void;
  refs: Refs;
  readOnly: boolean;
  showIncomplete: boolean;
  defs: FieldDef[];
}

function Group(props: Ctx & { node: UiGroup; depth: number }) {
  const { node, depth, root, onChange, readOnly } = props;
  const first = props.defs[0];
  const addLeaf = () => {
    const op = OPS[first.kind][0];
    onChange(addChild(root, node.id, { id: newId(), kind: 'leaf', field: first.key, op, value: defaultValue(first.kind, op) }));
  };
  const addGroup = () => onChange(addChild(root, node.id, { id: newId(), kind: 'group', mode: node.mode === 'all' ? 'any' : 'all', children: [] }));
  return (
    <div class={`rule-group rule-group-${node.mode}${depth === 0 ? ' rule-group-root' : ''}`} data-testid="rule-group" role="group" aria-label={t(node.mode === 'all' ? 'rules.mode.all' : 'rules.mode.any')}>
      <div class="rule-group-head">
        <select
          value={node.mode}
          disabled={readOnly}
          aria-label={t('rules.groupMode')}
          data-testid="rule-group-mode"
          onChange={(e) => onChange(updateNode(root, node.id, (n) => (n.kind === 'group' ? { ...n, mode: e.currentTarget.value as 'all' | 'any' } : n)))}
        >
          <option value="all">{t('rules.mode.all')}</option>
          <option value="any">{t('rules.mode.any')}</option>
        </select>
        {depth > 0 && !readOnly && (
          <button type="button" class="btn btn-small" onClick={() => onChange(removeNode(root, node.id))} data-testid="rule-group-remove">
            {t('rules.removeGroup')}
          </button>
        )}
      </div>
      {node.children.length === 0 && <p class="muted small">{depth === 0 ? t('rules.noConditions') : t('rules.emptyGroup')}</p>}
      {node.children.length > 0 && (
        <ul class="rule-group-items">
          {node.children.map((c) => (
            <li key={c.id}>{c.kind === 'group' ? <Group {...props} node={c} depth={depth + 1} /> : <Leaf {...props} leaf={c} />}</li>
          ))}
        </ul>
      )}
      {!readOnly && (
        <div class="rule-group-add">
          <button type="button" class="btn btn-small" onClick={addLeaf} data-testid="rule-add-condition">
            + {t('rules.addCondition')}
          </button>
          {depth < MAX_DEPTH - 1 && (
            <button type="button" class="btn btn-small" onClick={addGroup} data-testid="rule-add-group">
              + {t('rules.addGroup')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function Leaf(props: Ctx & { leaf: UiLeaf }) {
  const { leaf, root, onChange, refs, readOnly, defs } = props;
  const def = defs.find((d) => d.key === leaf.field);
  const kind: ValueKind = def?.kind ?? 'string';
  const ops = OPS[kind].includes(leaf.op) ? OPS[kind] : [...OPS[kind], leaf.op];
  const set = (patch: Partial<UiLeaf>) => onChange(updateNode(root, leaf.id, (n) => (n.kind === 'leaf' ? { ...n, ...patch } : n)));
  const incomplete = props.showIncomplete && !valueComplete(leaf.op, leaf.value);
  return (
    <div class={`rule-cond${incomplete ? ' rule-incomplete' : ''}`} data-testid="rule-condition">
      <select
        value={leaf.field}
        disabled={readOnly}
        aria-label={t('rules.field')}
        data-testid="rule-cond-field"
        onChange={(e) => {
          const next = defs.find((d) => d.key === e.currentTarget.value);
          if (!next) return;
          const op = OPS[next.kind].includes(leaf.op) && next.kind === kind ? leaf.op : OPS[next.kind][0];
          set({ field: next.key, op, value: defaultValue(next.kind, op, next.kind === kind ? leaf.value : undefined) });
        }}
      >
        {FIELD_GROUPS.map((g) => {
          const inGroup = defs.filter((d) => d.group === g);
          if (!inGroup.length) return null;
          return (
            <optgroup key={g} label={t(`rules.group.${g}` as MsgKey)}>
              {inGroup.map((d) => (
                <option key={d.key} value={d.key}>
                  {fieldLabel(d, d.key)}
                </option>
              ))}
            </optgroup>
          );
        })}
      </select>
      <select value={leaf.op} disabled={readOnly} aria-label={t('rules.operator')} data-testid="rule-cond-op" onChange={(e) => set({ op: e.currentTarget.value, value: defaultValue(kind, e.currentTarget.value, leaf.value) })}>
        {ops.map((op) => (
          <option key={op} value={op}>
            {opLabel(kind, op)}
          </option>
        ))}
      </select>
      <div class="rule-cond-value">
        <ValueInput kind={kind} op={leaf.op} value={leaf.value} onChange={(value) => set({ value })} refs={refs} options={def?.options} disabled={readOnly} testId="rule-cond-value" />
        {incomplete && <span class="field-error">{t('rules.valueMissing')}</span>}
      </div>
      {!readOnly && (
        <button type="button" class="btn-icon rule-remove" aria-label={t('rules.removeCondition')} title={t('rules.removeCondition')} onClick={() => onChange(removeNode(root, leaf.id))} data-testid="rule-cond-remove">
          ×
        </button>
      )}
    </div>
  );
}
