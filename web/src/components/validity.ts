// The app's own words for the browser's form checks (required, e-mail,
// pattern, length, range), in the UI's language: every form gets them, not
// the browser's English. A control that says more itself (LocaleInput sets
// its own custom validity) keeps its message. Installed once (main.tsx).

import { formatNumber, t } from '../i18n';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** The message for a control's failed built-in check; '' when it passes. */
export function validityMessage(el: Control): string {
  const v = el.validity;
  if (v.valid || v.customError) return '';
  const input = el instanceof HTMLInputElement ? el : null;
  if (v.valueMissing) {
    if (el instanceof HTMLSelectElement) return t('input.choose');
    if (input && (input.type === 'checkbox' || input.type === 'radio')) return t('input.check');
    return t('input.required');
  }
  if (v.typeMismatch) return t(input?.type === 'email' ? 'input.email' : input?.type === 'url' ? 'input.url' : 'input.badValue');
  if (v.patternMismatch) return el.title ? t('input.patternHint', { hint: el.title }) : t('input.pattern');
  if (v.tooShort) return t('input.tooShort', { n: formatNumber((el as HTMLInputElement).minLength) });
  if (v.tooLong) return t('input.tooLong', { n: formatNumber((el as HTMLInputElement).maxLength) });
  if (v.rangeUnderflow && input) return t('input.min', { limit: formatNumber(Number(input.min)) });
  if (v.rangeOverflow && input) return t('input.max', { limit: formatNumber(Number(input.max)) });
  return t('input.badValue');
}

function isControl(target: EventTarget | null): target is Control {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
}

/** Words every failed check in the UI's language, from the first `invalid` on. */
export function installValidityMessages(doc: Document = document): void {
  // Ours: set by this listener, cleared again on the next edit (a control's
  // own custom message, as LocaleInput's, is left alone).
  const ours = new WeakSet<Control>();
  doc.addEventListener(
    'invalid',
    (e) => {
      const el = e.target;
      if (!isControl(el)) return;
      if (el.validity.customError && !ours.has(el)) return;
      el.setCustomValidity('');
      const message = validityMessage(el);
      if (!message) return;
      el.setCustomValidity(message);
      ours.add(el);
    },
    true,
  );
  const clear = (e: Event) => {
    const el = e.target;
    if (isControl(el) && ours.has(el)) {
      el.setCustomValidity('');
      ours.delete(el);
    }
  };
  doc.addEventListener('input', clear, true);
  doc.addEventListener('change', clear, true);
}
