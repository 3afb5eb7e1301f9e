// A search snippet from the server marks its matches between « and »
// (FTS5's `snippet()`, cases::store::search, knowledge::store::search).
// Pure functions (no DOM), checked by node's test runner
// (test/snippet.test.ts); the component is components/Snippet.tsx.

/** A piece of a snippet: plain text, or a match. */
export interface SnippetPart {
  text: string;
  mark: boolean;
}

const OPEN = '«';
const CLOSE = '»';

/**
 * The snippet cut into plain and matched pieces, the markers removed: a
 * stray » outside a match is dropped, a « never closed marks to the end.
 * Empty pieces are left out; neighbours of the same kind are joined.
 */
export function snippetParts(text: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let inside = false;
  let current = '';
  const flush = () => {
    if (!current) return;
    const last = parts[parts.length - 1];
    if (last && last.mark === inside) last.text += current;
    else parts.push({ text: current, mark: inside });
    current = '';
  };
  for (const ch of text) {
    if (ch === OPEN || ch === CLOSE) {
      flush();
      inside = ch === OPEN;
    } else {
      current += ch;
    }
  }
  flush();
  return parts;
}

/** The snippet's text without its markers (for a title or a label). */
export function snippetText(text: string): string {
  return snippetParts(text)
    .map((p) => p.text)
    .join('');
}
