// A one-shot notice carried across a navigation: an action on one page
// (erasing a contact) confirms itself on the page it leads to.

import { useState } from 'preact/hooks';

let pending: string | null = null;

/** Leave `text` for the next page that shows flashes. */
export function setFlash(text: string): void {
  pending = text;
}

/** The notice left for this page (once: a later visit shows nothing). */
export function useFlash(): string | null {
  const [text] = useState(() => {
    const t = pending;
    pending = null;
    return t;
  });
  return text;
}
