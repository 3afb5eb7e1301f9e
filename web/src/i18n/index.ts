// Messages in German and English, a current locale, t() and the Intl
// formatters. The messages live per area and language in en/*.ts and
// de/*.ts; English defines the key set, and German must have exactly the
// same keys (a missing one is a type error).

import { formatMessage, type Message, type Vars } from './messages';
import { admin as enAdmin } from './en/admin';
import { app as enApp } from './en/app';
import { cases as enCases } from './en/cases';
import { customers as enCustomers } from './en/customers';
import { forms as enForms } from './en/forms';
import { knowledge as enKnowledge } from './en/knowledge';
import { instructions as enInstructions } from './en/instructions';
import { mail as enMail } from './en/mail';
import { sla as enSla } from './en/sla';
import { webhooks as enWebhooks } from './en/webhooks';
import { distribution as enDistribution } from './en/distribution';
import { rules as enRules } from './en/rules';
import { routing as enRouting } from './en/routing';
import { forecast as enForecast } from './en/forecast';
import { system as enSystem } from './en/system';
import { textmodules as enTextModules } from './en/textmodules';
import { notifications as enNotifications } from './en/notifications';
import { workforce as enWorkforce } from './en/workforce';
import { accounts as enAccounts } from './en/accounts';
import { admin as deAdmin } from './de/admin';
import { app as deApp } from './de/app';
import { cases as deCases } from './de/cases';
import { customers as deCustomers } from './de/customers';
import { forms as deForms } from './de/forms';
import { knowledge as deKnowledge } from './de/knowledge';
import { instructions as deInstructions } from './de/instructions';
import { mail as deMail } from './de/mail';
import { sla as deSla } from './de/sla';
import { webhooks as deWebhooks } from './de/webhooks';
import { distribution as deDistribution } from './de/distribution';
import { rules as deRules } from './de/rules';
import { routing as deRouting } from './de/routing';
import { forecast as deForecast } from './de/forecast';
import { system as deSystem } from './de/system';
import { textmodules as deTextModules } from './de/textmodules';
import { notifications as deNotifications } from './de/notifications';
import { workforce as deWorkforce } from './de/workforce';
import { accounts as deAccounts } from './de/accounts';

export type { Message, Plural, Vars } from './messages';

export type Locale = 'de' | 'en';
export const LOCALES: Locale[] = ['de', 'en'];

const en = { ...enApp, ...enAdmin, ...enSystem, ...enCases, ...enCustomers, ...enForms, ...enMail, ...enKnowledge, ...enInstructions, ...enTextModules, ...enSla, ...enWebhooks, ...enDistribution, ...enNotifications, ...enRules, ...enRouting, ...enForecast, ...enWorkforce, ...enAccounts };

export type MsgKey = keyof typeof en;

const de: Record<MsgKey, Message> = { ...deApp, ...deAdmin, ...deSystem, ...deCases, ...deCustomers, ...deForms, ...deMail, ...deKnowledge, ...deInstructions, ...deTextModules, ...deSla, ...deWebhooks, ...deDistribution, ...deNotifications, ...deRules, ...deRouting, ...deForecast, ...deWorkforce, ...deAccounts };

const dictionaries: Record<Locale, Record<MsgKey, Message>> = { en, de };
const STORAGE_KEY = 'zezaro.locale';

export function isLocale(v: unknown): v is Locale {
  return v === 'de' || v === 'en';
}

/** Browser language: any 'de*' → de, else en. */
export function browserLocale(): Locale {
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language];
  return langs[0]?.toLowerCase().startsWith('de') ? 'de' : 'en';
}

function storedLocale(): Locale | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return isLocale(v) ? v : null;
  } catch {
    return null;
  }
}

let current: Locale = storedLocale() ?? browserLocale();
const listeners = new Set<() => void>();
document.documentElement.lang = current;

export function getLocale(): Locale {
  return current;
}

export function setLocale(locale: Locale, remember = true): void {
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      /* storage may be disabled */
    }
  }
  if (locale === current) return;
  current = locale;
  document.documentElement.lang = locale;
  listeners.forEach((l) => l());
}

export function onLocaleChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function hasMessage(key: string): key is MsgKey {
  return key in en;
}

/**
 * Translate `key`: the plural form for `vars.n` (`Intl.PluralRules`), then
 * `{name}` placeholders from `vars`, numbers formatted for the locale.
 */
export function t(key: MsgKey, vars?: Vars): string {
  const message = dictionaries[current][key] ?? en[key];
  return message === undefined ? key : formatMessage(current, message, vars);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Format an RFC 3339 UTC timestamp in the current locale and the browser's time zone. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  let f = formatters.get(current);
  if (!f) {
    f = new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' });
    formatters.set(current, f);
  }
  return f.format(d);
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** A whole number in the current locale (1.234 / 1,234). */
export function formatNumber(n: number): string {
  let f = numberFormats.get(current);
  if (!f) {
    f = new Intl.NumberFormat(current);
    numberFormats.set(current, f);
  }
  return f.format(n);
}

const shortFormats = new Map<string, Intl.DateTimeFormat>();
function shortFormat(kind: 'time' | 'date' | 'datetime'): Intl.DateTimeFormat {
  const key = `${current}:${kind}`;
  let f = shortFormats.get(key);
  if (!f) {
    f =
      kind === 'time'
        ? new Intl.DateTimeFormat(current, { timeStyle: 'short' })
        : kind === 'date'
          ? new Intl.DateTimeFormat(current, { dateStyle: 'medium' })
          : new Intl.DateTimeFormat(current, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
    shortFormats.set(key, f);
  }
  return f;
}

/** Compact timestamp for dense tables: the time today, else day, month and time. */
export function formatShort(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return shortFormat('time').format(d);
  return shortFormat('datetime').format(d);
}

/** A calendar date in the current locale. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : shortFormat('date').format(d);
}

/** A share (0–1) as a whole percentage in the current locale (`42 %` / `42%`). */
export function formatPercent(share: number): string {
  return new Intl.NumberFormat(current, { style: 'percent', maximumFractionDigits: 0 }).format(share);
}

/**
 * A size in bytes as B, KB, MB, GB or TB (steps of 1024), the number written
 * the locale's way (`1,5 MB` / `1.5 MB`).
 */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${new Intl.NumberFormat(current, { maximumFractionDigits: i === 0 || v >= 10 ? 0 : 1 }).format(v)} ${units[i]}`;
}

/** Seconds as h:mm:ss (or m:ss below an hour). */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

const spanFormats = new Map<string, Intl.NumberFormat>();
function unit(u: 'day' | 'hour' | 'minute'): Intl.NumberFormat {
  const key = `${current}:${u}`;
  let f = spanFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(current, { style: 'unit', unit: u, unitDisplay: 'narrow' });
    spanFormats.set(key, f);
  }
  return f;
}

/** A span of time, the two largest units (`2 T 3 Std.` / `2d 3h`, `45 Min.` / `45m`). */
export function formatSpan(ms: number): string {
  // Whole minutes, rounded up: 59 seconds left read as 1 minute, not 0.
  const minutes = Math.ceil(Math.abs(ms) / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return h > 0 ? `${unit('day').format(d)} ${unit('hour').format(h)}` : unit('day').format(d);
  if (h > 0) return m > 0 ? `${unit('hour').format(h)} ${unit('minute').format(m)}` : unit('hour').format(h);
  return unit('minute').format(m);
}
