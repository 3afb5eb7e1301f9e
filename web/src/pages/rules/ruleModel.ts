// The rule builder's pure model (no DOM, no API client): which fields a
// condition may read, the operators and value shapes that fit each field,
// the editable condition tree and its conversion to and from the API's
// `ConditionNode`, and the schedule's days/hours/minutes. Unit-tested in
// test/rules.test.ts.

/** How a field's value is entered. */
export type ValueKind =
  | 'status'
  | 'priority'
  | 'channel'
  | 'team'
  | 'topic'
  | 'assignee'
  | 'mailbox'
  | 'select'
  | 'multi'
  | 'string'
  | 'tags'
  | 'number'
  | 'date'
  | 'checkbox'
  | 'id'
  | 'fulltext'
  | 'hours';

/** The groups of the field picker. */
export type FieldGroup = 'case' | 'custom' | 'contact' | 'organization' | 'text' | 'hours';
export const FIELD_GROUPS: FieldGroup[] = ['case', 'custom', 'contact', 'organization', 'text', 'hours'];

export interface FieldDef {
  /** The API's field name, e.g. `priority`, `custom.vertragsnummer`, `contact.city`. */
  key: string;
  group: FieldGroup;
  kind: ValueKind;
  /** A custom field's own label (built-in fields are labelled by key). */
  label?: string;
  /** The choices of a select / multi-select custom field. */
  options?: string[];
}

/** The built-in fields, in picker order. */
export const BUILTIN_FIELDS: FieldDef[] = [
  { key: 'subject', group: 'case', kind: 'string' },
  { key: 'status', group: 'case', kind: 'status' },
  { key: 'priority', group: 'case', kind: 'priority' },
  { key: 'channel', group: 'case', kind: 'channel' },
  { key: 'topic_id', group: 'case', kind: 'topic' },
  { key: 'handling_team', group: 'case', kind: 'team' },
  { key: 'assignee_id', group: 'case', kind: 'assignee' },
  { key: 'mailbox_id', group: 'case', kind: 'mailbox' },
  { key: 'tags', group: 'case', kind: 'tags' },
  { key: 'contact_id', group: 'case', kind: 'id' },
  { key: 'organization_id', group: 'case', kind: 'id' },
  ...['name', 'email', 'phone', 'language', 'city', 'country', 'postal_code', 'customer_number'].map(
    (k): FieldDef => ({ key: `contact.${k}`, group: 'contact', kind: 'string' }),
  ),
  ...['name', 'customer_number', 'domain', 'city', 'country', 'postal_code'].map(
    (k): FieldDef => ({ key: `organization.${k}`, group: 'organization', kind: 'string' }),
  ),
  { key: 'text', group: 'text', kind: 'fulltext' },
  { key: 'business_hours', group: 'hours', kind: 'hours' },
];

/** A custom field definition's kind as the data masks name it. */
export type CustomKind = 'text' | 'number' | 'date' | 'select' | 'multi-select' | 'checkbox';

export function customKind(kind: CustomKind): ValueKind {
  switch (kind) {
    case 'number':
      return 'number';
    case 'date':
      return 'date';
    case 'select':
      return 'select';
    case 'multi-select':
      return 'multi';
    case 'checkbox':
      return 'checkbox';
    default:
      return 'string';
  }
}

const CHOICE_OPS = ['is', 'is-not', 'in', 'not-in', 'changed', 'changed-from', 'changed-to'];
const OPTIONAL_CHOICE_OPS = [...CHOICE_OPS, 'is-empty', 'is-set'];

/** The operators that make sense per kind, the first being the default. */
export const OPS: Record<ValueKind, string[]> = {
  status: CHOICE_OPS,
  priority: CHOICE_OPS,
  channel: ['is', 'is-not', 'in', 'not-in'],
  team: ['is', 'is-not', 'changed', 'changed-to'],
  topic: OPTIONAL_CHOICE_OPS,
  assignee: OPTIONAL_CHOICE_OPS,
  mailbox: ['is', 'is-not', 'in', 'not-in', 'is-empty', 'is-set'],
  select: OPTIONAL_CHOICE_OPS,
  multi: ['contains', 'not-contains', 'is-empty', 'is-set', 'changed'],
  string: ['contains', 'not-contains', 'is', 'is-not', 'matches', 'is-empty', 'is-set', 'changed'],
  tags: ['contains', 'not-contains', 'is-empty', 'is-set', 'changed'],
  number: ['is', 'is-not', 'gt', 'lt', 'is-empty', 'is-set', 'changed'],
  date: ['is', 'gt', 'lt', 'is-empty', 'is-set', 'changed'],
  checkbox: ['is', 'changed'],
  id: ['is-set', 'is-empty', 'changed'],
  fulltext: ['contains', 'not-contains', 'matches'],
  hours: ['is-open', 'is-closed'],
};

/** What value an operator takes. */
export type ValueShape = 'none' | 'one' | 'list' | 'calendar';

export function valueShape(op: string): ValueShape {
  if (op === 'is-empty' || op === 'is-set' || op === 'changed') return 'none';
  if (op === 'in' || op === 'not-in') return 'list';
  if (op === 'is-open' || op === 'is-closed') return 'calendar';
  return 'one';
}

/** The value a fresh condition (or an operator change) starts with. */
export function defaultValue(kind: ValueKind, op: string, previous?: unknown): unknown {
  const shape = valueShape(op);
  if (shape === 'none') return null;
  if (shape === 'calendar') return typeof previous === 'number' ? previous : null;
  if (shape === 'list') {
    if (Array.isArray(previous)) return previous;
    return previous === null || previous === undefined || previous === '' ? [] : [previous];
  }
  if (Array.isArray(previous)) return previous[0] ?? defaultOne(kind);
  if (previous !== null && previous !== undefined) return previous;
  return defaultOne(kind);
}

function defaultOne(kind: ValueKind): unknown {
  switch (kind) {
    case 'status':
      return 'new';
    case 'priority':
      return 'high';
    case 'channel':
      return 'email';
    case 'team':
      return 'client';
    case 'checkbox':
      return true;
    case 'topic':
    case 'assignee':
    case 'mailbox':
    case 'number':
    case 'date':
      return null;
    default:
      return '';
  }
}

/** Whether a condition's value is complete enough to save. */
export function valueComplete(op: string, value: unknown): boolean {
  const shape = valueShape(op);
  if (shape === 'none') return true;
  if (shape === 'list') return Array.isArray(value) && value.length > 0;
  if (shape === 'calendar') return typeof value === 'number';
  return value !== null && value !== undefined && value !== '';
}

// ---------- the editable tree ----------

export type Mode = 'all' | 'any';

export type UiNode =
  | { id: number; kind: 'group'; mode: Mode; children: UiNode[] }
  | { id: number; kind: 'leaf'; field: string; op: string; value: unknown };

export type UiGroup = Extract<UiNode, { kind: 'group' }>;
export type UiLeaf = Extract<UiNode, { kind: 'leaf' }>;

/** The API's condition tree, as far as the builder needs to know it. */
export type ApiNode = { all: ApiNode[] } | { any: ApiNode[] } | { field: string; op: string; value?: unknown };

/** Groups nest at most this deep (the API's limit: the root is depth 0). */
export const MAX_DEPTH = 5;

let nextId = 1;
export const newId = () => nextId++;

export function fromApi(node: ApiNode | null | undefined): UiGroup {
  const walk = (n: ApiNode): UiNode => {
    if ('all' in n) return { id: newId(), kind: 'group', mode: 'all', children: n.all.map(walk) };
    if ('any' in n) return { id: newId(), kind: 'group', mode: 'any', children: n.any.map(walk) };
    return { id: newId(), kind: 'leaf', field: n.field, op: n.op, value: n.value ?? null };
  };
  const root = node ? walk(node) : null;
  if (root && root.kind === 'group') return root;
  return { id: newId(), kind: 'group', mode: 'all', children: root ? [root] : [] };
}

export function toApi(node: UiNode): ApiNode {
  if (node.kind === 'group') {
    const children = node.children.map(toApi);
    return node.mode === 'all' ? { all: children } : { any: children };
  }
  return valueShape(node.op) === 'none' ? { field: node.field, op: node.op } : { field: node.field, op: node.op, value: node.value };
}

/** A copy of the tree with node `id` replaced by `fn(node)`. */
export function updateNode(root: UiGroup, id: number, fn: (n: UiNode) => UiNode): UiGroup {
  const walk = (n: UiNode): UiNode => {
    if (n.id === id) return fn(n);
    if (n.kind === 'group') return { ...n, children: n.children.map(walk) };
    return n;
  };
  return walk(root) as UiGroup;
}

/** A copy of the tree without node `id` (the root stays). */
export function removeNode(root: UiGroup, id: number): UiGroup {
  const walk = (n: UiGroup): UiGroup => ({
    ...n,
    children: n.children.filter((c) => c.id !== id).map((c) => (c.kind === 'group' ? walk(c) : c)),
  });
  return walk(root);
}

/** A copy of the tree with `child` appended to group `groupId`. */
export function addChild(root: UiGroup, groupId: number, child: UiNode): UiGroup {
  return updateNode(root, groupId, (n) => (n.kind === 'group' ? { ...n, children: [...n.children, child] } : n));
}

/** The number of conditions (leaves) in the tree. */
export function countLeaves(n: UiNode): number {
  return n.kind === 'leaf' ? 1 : n.children.reduce((sum, c) => sum + countLeaves(c), 0);
}

/** The leaves whose value is missing (to be filled before saving). */
export function incompleteLeaves(n: UiNode): UiLeaf[] {
  if (n.kind === 'leaf') return valueComplete(n.op, n.value) ? [] : [n];
  return n.children.flatMap(incompleteLeaves);
}

// ---------- order ----------

/** A copy of `items` with the item at `index` moved one place up (-1) or down (+1). */
export function moved<T>(items: T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (index < 0 || index >= items.length || to < 0 || to >= items.length) return items;
  const next = items.slice();
  [next[index], next[to]] = [next[to], next[index]];
  return next;
}

// ---------- the schedule of time-based rules ----------

export interface Interval {
  weekday: number;
  start: string;
  end: string;
}

const minuteOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h || 0) * 60 + (m || 0);
};

/**
 * The minutes of a business day of a calendar: the open minutes of the
 * most common open weekday length (Mon–Fri 8–17 → 540). A calendar without
 * hours counts whole days (1440).
 */
export function businessDayMinutes(hours: Interval[]): number {
  const perDay = new Map<number, number>();
  for (const h of hours) perDay.set(h.weekday, (perDay.get(h.weekday) ?? 0) + Math.max(0, minuteOf(h.end) - minuteOf(h.start)));
  const counts = new Map<number, number>();
  for (const m of perDay.values()) if (m > 0) counts.set(m, (counts.get(m) ?? 0) + 1);
  let best = 0;
  let bestCount = 0;
  for (const [m, c] of counts) if (c > bestCount || (c === bestCount && m > best)) [best, bestCount] = [m, c];
  return best > 0 ? best : 1440;
}

export interface Span {
  days: number;
  hours: number;
  minutes: number;
}

/** Minutes as days (of `perDay` minutes), hours and minutes. */
export function splitMinutes(total: number, perDay: number): Span {
  const t = Math.max(0, Math.round(total));
  const days = Math.floor(t / perDay);
  const rest = t - days * perDay;
  return { days, hours: Math.floor(rest / 60), minutes: rest % 60 };
}

export function joinMinutes(span: Span, perDay: number): number {
  return Math.max(0, span.days) * perDay + Math.max(0, span.hours) * 60 + Math.max(0, span.minutes);
}
