// A piece of UI state the user chose (a column set, a collapsed sidebar),
// remembered in localStorage under `key`. `read` validates what was stored
// and returns null for anything it does not accept, so an old or edited
// value falls back to the default instead of breaking the page.

import { useEffect, useState } from 'preact/hooks';

function load<T>(key: string, read: (raw: unknown) => T | null, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    if (raw === null) return fallback;
    return read(JSON.parse(raw)) ?? fallback;
  } catch {
    return fallback;
  }
}

export function useStoredState<T>(key: string, read: (raw: unknown) => T | null, fallback: T): [T, (v: T) => void] {
  const [value, setValue] = useState<T>(() => load(key, read, fallback));
  // Another user logging in on this browser has another key.
  useEffect(() => setValue(load(key, read, fallback)), [key]);
  const set = (v: T) => {
    setValue(v);
    try {
      localStorage.setItem(key, JSON.stringify(v));
    } catch {
      /* private mode: the choice lasts for this page only */
    }
  };
  return [value, set];
}
