// Fuzzy matching for the text-module picker (`::` in the composer): the
// whole list is in the browser, filtered as the agent types. Pure functions
// (no DOM), checked by node's test runner (test/fuzzy.test.ts).

/** What is matched: a shortcut and a title. */
export interface Matchable {
  shortcut: string;
  title: string;
}

/**
 * Lower case, umlauts and accents folded (ä → a, ß → ss), and the German
 * spellings ae/oe/ue made a/o/u as the server's search folds them
 * (src/search/fold.rs, Lucene's German normalization: not "ue" after a
 * vowel or q), so "kuendigung", "Kündigung" and "kundigung" are equal.
 */
export function fold(text: string): string {
  const plain = text
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
  // States: N ordinary, V after a vowel that starts no umlaut, U after a,
  // o or a u that may be an umlaut (an e there is dropped).
  let out = '';
  let state: 'N' | 'V' | 'U' = 'N';
  for (const c of plain) {
    if (c === 'a' || c === 'o') state = 'U';
    else if (c === 'u') state = state === 'N' ? 'U' : 'V';
    else if (c === 'e') {
      const drop = state === 'U';
      state = 'V';
      if (drop) continue;
    } else if (c === 'i' || c === 'q' || c === 'y') state = 'V';
    else state = 'N';
    out += c;
  }
  return out;
}

/**
 * How well `query` (folded) matches `text` (folded): higher is better, 0 is
 * no match. Whole-text prefix beats word prefix beats substring beats the
 * letters in order (with a bonus for letters next to each other).
 */
export function score(query: string, text: string): number {
  if (!query) return 1;
  if (text.startsWith(query)) return 1000 - text.length;
  const at = text.indexOf(query);
  if (at > 0) {
    const wordStart = /[\s\-_.]/.test(text[at - 1]);
    return (wordStart ? 800 : 600) - at;
  }
  // Letters in order.
  let ti = 0;
  let run = 0;
  let bonus = 0;
  for (const ch of query) {
    const found = text.indexOf(ch, ti);
    if (found < 0) return 0;
    run = found === ti ? run + 1 : 0;
    bonus += run;
    ti = found + 1;
  }
  return 100 + bonus * 10 - ti;
}

/**
 * The items matching `query`, best first, at most `limit`. The shortcut
 * counts more than the title; ties keep the list's order (by shortcut).
 */
/** Folded shortcut and title per item, computed once per loaded list. */
const folded = new WeakMap<Matchable, [string, string]>();

function foldedOf(item: Matchable): [string, string] {
  let f = folded.get(item);
  if (!f) {
    f = [fold(item.shortcut), fold(item.title)];
    folded.set(item, f);
  }
  return f;
}

export function fuzzyFilter<T extends Matchable>(items: readonly T[], query: string, limit = 50): T[] {
  const q = fold(query.trim());
  if (!q) return items.slice(0, limit);
  const scored: { item: T; s: number; i: number }[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const [shortcut, title] = foldedOf(item);
    const s = Math.max(score(q, shortcut) * 2, score(q, title));
    if (s > 0) scored.push({ item, s, i });
  }
  scored.sort((a, b) => b.s - a.s || a.i - b.i);
  return scored.slice(0, limit).map((x) => x.item);
}

/**
 * The `::query` being typed just before the caret, if any: the query and
 * where its `::` starts. Only letters, digits, `-`, `_`, `.` belong to it;
 * `::` must start the text or follow whitespace.
 */
export function shortcutAtCaret(text: string, caret: number): { query: string; start: number } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)::([\p{L}\p{N}\-_.]{0,40})$/u.exec(before);
  if (!m) return null;
  return { query: m[2], start: caret - m[2].length - 2 };
}
