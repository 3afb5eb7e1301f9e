// The shape of a message and its formatting: placeholders and plurals.
// Pure functions (no DOM), so node's test runner checks them directly.

/**
 * Plural forms of a message, chosen by `Intl.PluralRules` on the number in
 * `{n}` (`one: '1 case updated'`, `other: '{n} cases updated'`). `other` is
 * always required; a language adds the categories it needs.
 */
export type Plural = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** A text with `{name}` placeholders, or its plural forms. */
export type Message = string | Plural;

/** One area's messages in the language that defines the key set (English). */
export type Messages = Record<string, Message>;

/**
 * The same area in another language: exactly the keys of `E` (a missing or
 * an extra key is a type error), plural where `E` is plural.
 */
export type AreaMessages<E extends Messages> = { [K in keyof E]: E[K] extends string ? string : Plural };

export type Vars = Record<string, string | number>;

const numberFormats = new Map<string, Intl.NumberFormat>();
const pluralRules = new Map<string, Intl.PluralRules>();

function numberFormat(locale: string): Intl.NumberFormat {
  let f = numberFormats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale);
    numberFormats.set(locale, f);
  }
  return f;
}

function pluralRule(locale: string): Intl.PluralRules {
  let r = pluralRules.get(locale);
  if (!r) {
    r = new Intl.PluralRules(locale);
    pluralRules.set(locale, r);
  }
  return r;
}

/**
 * Renders `message` in `locale`: picks the plural form for `vars.n`, then
 * fills `{name}` placeholders; numbers through `Intl.NumberFormat`
 * (`1.234` / `1,234`), strings as they are. Unknown placeholders stay.
 */
export function formatMessage(locale: string, message: Message, vars?: Vars): string {
  let text: string;
  if (typeof message === 'string') {
    text = message;
  } else {
    const n = typeof vars?.n === 'number' ? vars.n : Number(vars?.n);
    const category = Number.isFinite(n) ? pluralRule(locale).select(n) : 'other';
    text = message[category] ?? message.other;
  }
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => {
    if (!(name in vars)) return m;
    const v = vars[name];
    return typeof v === 'number' ? numberFormat(locale).format(v) : v;
  });
}
