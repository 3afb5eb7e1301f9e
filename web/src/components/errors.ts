import { ApiError, NetworkError } from '../api';
import { getLocale, hasMessage, t, type MsgKey } from '../i18n';

/** Translated labels of the fields a validation error may name. */
export type FieldLabels = Record<string, string>;

/**
 * Human-readable, translated message for anything thrown by the API client.
 * A validation error naming one of `fields` speaks of that field by its
 * label (the server's detail is English, so only English screens show it).
 */
export function errorMessage(err: unknown, fields?: FieldLabels): string {
  if (err instanceof NetworkError) return t('error.network');
  if (err instanceof ApiError) {
    const { code, detail, field, status } = err.problem;
    let msg: string;
    if (code === 'weak-password') {
      const reason = `password.weak.${err.problem.reason ?? 'too-guessable'}`;
      msg = t('password.weak', { reason: hasMessage(reason) ? t(reason) : t('password.weak.too-guessable') });
    } else if (code === 'wrong-password') {
      msg = t('error.wrong-password');
    } else if (code && code !== 'validation' && hasMessage(`error.${code}`)) {
      // A known code says it best (a duplicate name names its field too).
      msg = t(`error.${code}` as MsgKey);
    } else if (code === 'validation' || (field && detail)) {
      // The field by the form's label, else by the catalogue's name for it
      // (`questions[2].text` is a question); the server's detail is
      // English, so only English screens show it.
      const label = field ? (fields?.[field] ?? fieldName(field)) : null;
      if (label) msg = t('error.invalidField', { field: label, detail: detail ?? '' });
      else if (getLocale() === 'en') msg = field ? t('error.field', { field, detail: detail ?? '' }) : (detail ?? t('error.generic', { status }));
      else msg = t('error.invalidValue');
    } else if (code && hasMessage(`error.${code}`)) {
      msg = t(`error.${code}` as MsgKey);
    } else {
      msg = untranslated(status, detail ?? err.problem.title);
    }
    if (err.retryAfter) msg += ' ' + t('error.retryAfter', { n: err.retryAfter });
    if (err.problem.reference) msg += ' ' + t('error.referenceId', { reference: err.problem.reference });
    return msg;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The catalogue's name of a field a problem names (`skills.level` and `questions[1].text` by their first part). */
function fieldName(field: string): string | null {
  const key = `field.${field.split(/[.[]/)[0]}`;
  return hasMessage(key) ? t(key as MsgKey) : null;
}

/**
 * A problem whose code the catalogue does not know: the server's detail is
 * English, so only English screens show it; others say what the status
 * means in their language.
 */
function untranslated(status: number, detail: string | undefined): string {
  if (detail && getLocale() === 'en') return detail;
  if (status === 409) return t('error.conflict');
  if (status === 404) return t('error.not-found');
  if (status === 403) return t('error.forbidden');
  return t('error.generic', { status });
}
