// A search snippet with its matches as <mark> elements: the text is split
// (components/snippet.ts) and rendered as text nodes, never as HTML.

import { snippetParts } from './snippet';

export function Snippet({ text, class: className }: { text: string; class?: string }) {
  return (
    <p class={className ?? 'snippet'} data-testid="snippet">
      {snippetParts(text).map((part, i) => (part.mark ? <mark key={i}>{part.text}</mark> : part.text))}
    </p>
  );
}
