// An audit entry in words: the action, the object by name, the change as
// "field: old → new" lines. Names come from the server (read inside the
// entry's client); what has none is named by type and number.

import type { AuditEntry } from '../../api';
import { hasMessage, t, type MsgKey } from '../../i18n';

export function actionText(action: string): string {
  const key = `audit.act.${action}`;
  return hasMessage(key) ? t(key) : t('audit.unknownAction', { action });
}

export function typeText(objectType: string): string {
  const key = `audit.type.${objectType}`;
  return hasMessage(key) ? t(key) : objectType;
}

/** "Endkunde „Erika Muster“ #12", "Endkunde #12", "Plattform". */
export function objectText(a: AuditEntry): string {
  const type = typeText(a.object_type);
  if (a.object_name) return t('audit.objectNamed', { type, name: a.object_name }) + (a.object_id !== null ? ` #${a.object_id}` : '');
  return a.object_id !== null ? t('audit.objectNumbered', { type, id: a.object_id }) : type;
}

function fieldText(name: string): string {
  const key = `audit.field.${name}`;
  return hasMessage(key) ? t(key) : name;
}

function valueText(v: unknown): string {
  if (v === null || v === undefined || v === '') return t('audit.emptyValue');
  if (typeof v === 'boolean') return v ? t('audit.yes') : t('audit.no');
  if (Array.isArray(v)) return v.map(valueText).join(', ');
  if (typeof v === 'object') {
    const parts = Object.entries(v as Record<string, unknown>).map(([k, inner]) => `${fieldText(k)}: ${valueText(inner)}`);
    return `(${parts.join(', ')})`;
  }
  return String(v);
}

/** A change's two sides, whichever names the server used. */
function sides(v: unknown): [unknown, unknown] | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  for (const [before, after] of [
    ['old', 'new'],
    ['from', 'to'],
    ['before', 'after'],
  ] as const) {
    if (before in o && after in o) return [o[before], o[after]];
  }
  return null;
}

/** One line per detail: "Name: Alt → Neu", "Geändert: Name, E-Mail", "Rolle: agent". */
export function changeLines(details: unknown): string[] {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return details == null ? [] : [valueText(details)];
  const lines: string[] = [];
  const top = sides(details);
  if (top) return [`${valueText(top[0])} → ${valueText(top[1])}`];
  for (const [name, v] of Object.entries(details as Record<string, unknown>)) {
    const pair = sides(v);
    if (pair) lines.push(`${fieldText(name)}: ${valueText(pair[0])} → ${valueText(pair[1])}`);
    else if ((name === 'fields' || name === 'changed') && Array.isArray(v)) lines.push(t('audit.changedFields', { fields: v.map((f) => fieldText(String(f))).join(', ') }));
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      for (const [inner, iv] of Object.entries(v as Record<string, unknown>)) {
        const p = sides(iv);
        lines.push(p ? `${fieldText(inner)}: ${valueText(p[0])} → ${valueText(p[1])}` : `${fieldText(inner)}: ${valueText(iv)}`);
      }
    } else if (name === 'service' && typeof v === 'string' && hasMessage(`services.name.${v}`)) {
      // A service by its name, as the services page shows it.
      lines.push(`${fieldText(name)}: ${t(`services.name.${v}` as MsgKey)}`);
    } else lines.push(`${fieldText(name)}: ${valueText(v)}`);
  }
  return lines;
}

/** Local midnight of a `YYYY-MM-DD` day as a UTC instant; `plusDays` moves it. */
export function dayStart(day: string, plusDays = 0): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays).toISOString();
}
