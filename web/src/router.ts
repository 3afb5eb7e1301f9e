// A very small History-API router.

import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();

function notify(): void {
  listeners.forEach((l) => l());
}

window.addEventListener('popstate', notify);

export function currentPath(): string {
  return window.location.pathname;
}

export function navigate(to: string, replace = false): void {
  const here = window.location.pathname + window.location.search;
  if (to === here) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

/** Re-render on every navigation; returns the current pathname. */
export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const l = () => setPath(currentPath());
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return path;
}

export type Params = Record<string, string>;

/** Match `/admin/projects/:id` style patterns. Returns params or null. */
export function matchPath(pattern: string, path: string): Params | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Params = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

/** Click handler for in-app <a href> links: plain left clicks navigate without reload. */
export function onLinkClick(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.currentTarget as HTMLAnchorElement;
  if (a.target && a.target !== '_self') return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}
