// Pure helpers of the course editor (Training.tsx), unit-tested in
// test/training.test.ts.

/** The knowledge search's query for what is typed: every plain word as a prefix. */
export function articleQuery(text: string): string {
  return text
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => (/[*":]/.test(w) ? w : `${w}*`))
    .join(' ');
}

/** Moves item `i` of `list` by `by` places (kept inside the list). */
export function moved<T>(list: T[], i: number, by: number): T[] {
  const j = i + by;
  if (j < 0 || j >= list.length) return list;
  const out = [...list];
  const [item] = out.splice(i, 1);
  out.splice(j, 0, item as T);
  return out;
}

