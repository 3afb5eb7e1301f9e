// Formatting for the forecast screens: local calendar days and months
// (`YYYY-MM-DD`, `YYYY-MM` of the project's time zone, shown as they are,
// never shifted by the browser's zone) and numbers in the UI language.

import { getLocale, t } from '../../i18n';

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function dateFormat(kind: 'day' | 'month' | 'date'): Intl.DateTimeFormat {
  const key = `${getLocale()}:${kind}`;
  let f = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'day'
        ? { weekday: 'short', day: '2-digit', month: '2-digit', timeZone: 'UTC' }
        : kind === 'month'
          ? { month: 'long', year: 'numeric', timeZone: 'UTC' }
          : { dateStyle: 'medium', timeZone: 'UTC' };
    f = new Intl.DateTimeFormat(getLocale(), options);
    cache.set(key, f);
  }
  return f;
}

function utc(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

/** A local day with its weekday, e.g. `Mo., 02.03.` / `Mon, 03/02`. */
export const formatDay = (day: string) => dateFormat('day').format(utc(day));
/** A local day, e.g. `20.06.2026` / `Jun 20, 2026`. */
export const formatLocalDate = (day: string) => dateFormat('date').format(utc(day));
/** A month `YYYY-MM`, e.g. `Juli 2026` / `July 2026`. */
export const formatMonth = (month: string) => dateFormat('month').format(utc(`${month}-01`));

/** What a day's row says under its date: a public holiday's name, or the
 * length of a daylight-saving day (23 or 25 hours); null for an ordinary
 * day. */
export function dayNote(d: { holiday?: string | null; day_minutes?: number }): string | null {
  if (d.holiday) return t('fc.holiday', { name: d.holiday });
  if (d.day_minutes !== undefined && d.day_minutes !== 1440) return t('fc.dayHours', { hours: formatFixed(d.day_minutes / 60, 1) });
  return null;
}

/** A number with at most `digits` decimals. */
export function formatFixed(n: number, digits = 1): string {
  const key = `${getLocale()}:n${digits}`;
  let f = cache.get(key) as Intl.NumberFormat | undefined;
  if (!f) {
    f = new Intl.NumberFormat(getLocale(), { maximumFractionDigits: digits });
    cache.set(key, f);
  }
  return f.format(n);
}

/** A deviation in percent with its sign, e.g. `+12,5 %` / `+12.5%`. */
export function formatDeviation(percent: number): string {
  const key = `${getLocale()}:dev`;
  let f = cache.get(key) as Intl.NumberFormat | undefined;
  if (!f) {
    f = new Intl.NumberFormat(getLocale(), { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });
    cache.set(key, f);
  }
  return f.format(percent / 100);
}
