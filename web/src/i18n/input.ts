// Parsing and formatting of what people type into date, time and number
// fields, in the UI language (German `03.12.2026`, `1.234,50`; English
// `12/03/2026`, `1,234.50`), never the browser's locale. Pure functions
// without imports or DOM, so node's test runner checks them directly
// (web/test/input.test.ts); the component is components/LocaleInput.tsx.

export type InputKind = 'number' | 'integer' | 'date' | 'time' | 'datetime';

/** Why a text is not a value; the component turns it into a message. */
export type InputError =
  | { code: 'required' }
  | { code: 'invalid'; example: string }
  | { code: 'min'; limit: string }
  | { code: 'max'; limit: string };

export type Parsed<T> = { ok: true; value: T | null } | { ok: false; error: InputError };

export interface NumberRules {
  min?: number;
  max?: number;
  /** Group thousands when formatting (default true; off for ports and the like). */
  grouping?: boolean;
  required?: boolean;
}

interface Symbols {
  group: string;
  decimal: string;
}

const symbolCache = new Map<string, Symbols>();

/** The locale's group and decimal separators, from Intl. */
export function numberSymbols(locale: string): Symbols {
  let s = symbolCache.get(locale);
  if (!s) {
    const parts = new Intl.NumberFormat(locale).formatToParts(12345.6);
    s = {
      group: parts.find((p) => p.type === 'group')?.value ?? ',',
      decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
    };
    symbolCache.set(locale, s);
  }
  return s;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A number as the locale writes it (`1.234,5` / `1,234.5`). */
export function formatNumberInput(value: number | null | undefined, locale: string, rules: NumberRules = {}): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '';
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 10, useGrouping: rules.grouping ?? true }).format(value);
}

/**
 * Reads a number written the locale's way: its decimal separator, and
 * thousands groups either everywhere or nowhere (German `1.234,50` and
 * `1234,5`; `1.5` is no German number, and no silent 15).
 */
export function parseNumberInput(text: string, locale: string, integer: boolean, rules: NumberRules = {}): Parsed<number> {
  const trimmed = text.trim().replace(/\u2212/g, '-');
  const example = formatNumberInput(integer ? 1234 : 1234.5, locale, rules);
  if (!trimmed) return rules.required ? { ok: false, error: { code: 'required' } } : { ok: true, value: null };
  const { group, decimal } = numberSymbols(locale);
  const g = escape(group === '\u00a0' || group === '\u202f' ? ' ' : group);
  const d = escape(decimal);
  const normalized = trimmed.replace(/[\u00a0\u202f]/g, ' ');
  const fraction = integer ? '' : `(?:${d}\\d+)?`;
  const plain = new RegExp(`^-?\\d+${fraction}$`);
  const grouped = new RegExp(`^-?\\d{1,3}(?:${g}\\d{3})+${fraction}$`);
  if (!plain.test(normalized) && !grouped.test(normalized)) return { ok: false, error: { code: 'invalid', example } };
  const canonical = normalized.split(group === '\u00a0' || group === '\u202f' ? ' ' : group).join('').replace(decimal, '.');
  const value = Number(canonical);
  if (!Number.isFinite(value)) return { ok: false, error: { code: 'invalid', example } };
  if (rules.min !== undefined && value < rules.min) return { ok: false, error: { code: 'min', limit: formatNumberInput(rules.min, locale, rules) } };
  if (rules.max !== undefined && value > rules.max) return { ok: false, error: { code: 'max', limit: formatNumberInput(rules.max, locale, rules) } };
  return { ok: true, value };
}

type DatePart = 'day' | 'month' | 'year';

interface DatePattern {
  order: DatePart[];
  separator: string;
}

const datePatterns = new Map<string, DatePattern>();

/** The order of day, month and year and their separator in the locale, from Intl. */
export function datePattern(locale: string): DatePattern {
  let p = datePatterns.get(locale);
  if (!p) {
    const parts = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'UTC' }).formatToParts(new Date(Date.UTC(2026, 11, 3)));
    const order = parts.filter((x) => x.type === 'day' || x.type === 'month' || x.type === 'year').map((x) => x.type as DatePart);
    const separator = parts.find((x) => x.type === 'literal')?.value.trim() || '/';
    p = { order: order.length === 3 ? order : ['month', 'day', 'year'], separator };
    datePatterns.set(locale, p);
  }
  return p;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-12-03` as the locale writes it: `03.12.2026` / `12/03/2026`. */
export function formatDateInput(iso: string | null | undefined, locale: string): string {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})/.exec(iso) : null;
  if (!m) return '';
  const values: Record<DatePart, string> = { year: m[1], month: m[2], day: m[3] };
  const { order, separator } = datePattern(locale);
  return order.map((part) => values[part]).join(separator);
}

function dateExample(locale: string): string {
  return formatDateInput('2026-12-03', locale);
}

function readDate(text: string, locale: string): string | null {
  const { order, separator } = datePattern(locale);
  const fields = text.split(separator).map((s) => s.trim());
  if (fields.length !== 3 || !fields.every((f) => /^\d+$/.test(f))) return null;
  const v: Record<DatePart, number> = { day: 0, month: 0, year: 0 };
  order.forEach((part, i) => (v[part] = Number(fields[i])));
  const yearText = fields[order.indexOf('year')];
  if (yearText.length !== 4) return null;
  const date = new Date(Date.UTC(v.year, v.month - 1, v.day));
  if (date.getUTCFullYear() !== v.year || date.getUTCMonth() !== v.month - 1 || date.getUTCDate() !== v.day) return null;
  return `${pad(v.year, 4)}-${pad(v.month)}-${pad(v.day)}`;
}

/** Reads a calendar date written the locale's way into `YYYY-MM-DD` (no 31.02.). */
export function parseDateInput(text: string, locale: string, required = false): Parsed<string> {
  const trimmed = text.trim();
  if (!trimmed) return required ? { ok: false, error: { code: 'required' } } : { ok: true, value: null };
  const iso = readDate(trimmed, locale);
  return iso ? { ok: true, value: iso } : { ok: false, error: { code: 'invalid', example: dateExample(locale) } };
}

function uses12Hours(locale: string): boolean {
  return new Intl.DateTimeFormat(locale, { hour: 'numeric' }).resolvedOptions().hour12 === true;
}

/** `14:30` as the locale writes it: `14:30` / `2:30 PM`. */
export function formatTimeInput(hhmm: string | null | undefined, locale: string): string {
  const m = hhmm ? /^(\d{2}):(\d{2})/.exec(hhmm) : null;
  if (!m) return '';
  const h = Number(m[1]);
  if (!uses12Hours(locale)) return `${m[1]}:${m[2]}`;
  return `${h % 12 === 0 ? 12 : h % 12}:${m[2]} ${h < 12 ? 'AM' : 'PM'}`;
}

function readTime(text: string): string | null {
  const m = /^(\d{1,2})(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?$/i.exec(text.trim());
  if (!m || (m[2] === undefined && !m[3])) return null;
  let h = Number(m[1]);
  const min = Number(m[2] ?? '0');
  if (m[3]) {
    if (h < 1 || h > 12) return null;
    const pm = m[3].toLowerCase().startsWith('p');
    h = (h % 12) + (pm ? 12 : 0);
  }
  if (h > 23 || min > 59) return null;
  return `${pad(h)}:${pad(min)}`;
}

/** Reads a time of day (`14:30`; in English also `2:30 PM`) into `HH:MM`. */
export function parseTimeInput(text: string, locale: string, required = false): Parsed<string> {
  const trimmed = text.trim();
  if (!trimmed) return required ? { ok: false, error: { code: 'required' } } : { ok: true, value: null };
  const hhmm = readTime(trimmed);
  return hhmm ? { ok: true, value: hhmm } : { ok: false, error: { code: 'invalid', example: formatTimeInput('14:30', locale) } };
}

/**
 * A UTC instant as the locale writes date and time in `timeZone` (default:
 * the browser's zone): `03.12.2026 14:30` / `12/03/2026 2:30 PM`.
 */
export function formatDateTimeInput(iso: string | null | undefined, locale: string, timeZone?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${formatDateInput(`${get('year')}-${get('month')}-${get('day')}`, locale)} ${formatTimeInput(`${get('hour')}:${get('minute')}`, locale)}`;
}

/** Offset of `timeZone` from UTC at the instant `utcMillis`, in minutes. */
function zoneOffset(utcMillis: number, timeZone?: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(utcMillis));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - utcMillis) / 60000);
}

/**
 * Reads date and time written the locale's way, in `timeZone` (default: the
 * browser's zone), into an RFC 3339 UTC instant.
 */
export function parseDateTimeInput(text: string, locale: string, required = false, timeZone?: string): Parsed<string> {
  const trimmed = text.trim();
  if (!trimmed) return required ? { ok: false, error: { code: 'required' } } : { ok: true, value: null };
  const invalid: Parsed<string> = { ok: false, error: { code: 'invalid', example: formatDateTimeInput('2026-12-03T14:30:00Z', locale, 'UTC') } };
  const m = /^([^\s,]+)[\s,]+(.+)$/.exec(trimmed);
  if (!m) return invalid;
  const date = readDate(m[1], locale);
  const time = readTime(m[2]);
  if (!date || !time) return invalid;
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // The wall-clock time in the zone: subtract the zone's offset (twice, for
  // the hours around a daylight-saving change).
  let utc = wall - zoneOffset(wall, timeZone) * 60000;
  utc = wall - zoneOffset(utc, timeZone) * 60000;
  return { ok: true, value: new Date(utc).toISOString() };
}

/** Parses `text` for an input of `kind`; numbers to `number`, the rest to ISO strings. */
export function parseInput(kind: InputKind, text: string, locale: string, rules: NumberRules = {}, timeZone?: string): Parsed<number | string> {
  switch (kind) {
    case 'number':
      return parseNumberInput(text, locale, false, rules);
    case 'integer':
      return parseNumberInput(text, locale, true, rules);
    case 'date':
      return parseDateInput(text, locale, rules.required);
    case 'time':
      return parseTimeInput(text, locale, rules.required);
    case 'datetime':
      return parseDateTimeInput(text, locale, rules.required, timeZone);
  }
}

/** Formats a value for an input of `kind`. */
export function formatInput(kind: InputKind, value: number | string | null | undefined, locale: string, rules: NumberRules = {}, timeZone?: string): string {
  if (value === null || value === undefined) return '';
  switch (kind) {
    case 'number':
    case 'integer':
      return formatNumberInput(typeof value === 'number' ? value : Number(value), locale, rules);
    case 'date':
      return formatDateInput(String(value), locale);
    case 'time':
      return formatTimeInput(String(value), locale);
    case 'datetime':
      return formatDateTimeInput(String(value), locale, timeZone);
  }
}
