import { LOCALES, getLocale, isLocale, t, type Locale } from '../i18n';

/** A <select> for the UI language; `onChange` does the saving. */
export function LanguageSwitch({ onChange }: { onChange: (l: Locale) => void }) {
  return (
    <label class="lang-switch select-compact">
      <span class="sr-only">{t('app.language')}</span>
      <span class="select-compact-value" aria-hidden="true">
        {getLocale().toUpperCase()}
      </span>
      <select
        data-testid="lang-switch"
        value={getLocale()}
        onChange={(e) => {
          const v = e.currentTarget.value;
          if (isLocale(v)) onChange(v);
        }}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {l.toUpperCase()} · {t(`lang.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
