// One shared EventSource on /api/v1/events for the whole app. Pages subscribe
// to `case`, `presence`, `knowledge` and `notification` events; the connection opens with the first
// subscriber and closes shortly after the last one leaves.

import { useEffect, useRef } from 'preact/hooks';
import type { AgentStateEvent, CaseEvent, KnowledgeEvent, NotificationEvent, PresenceEvent } from '../api';

export type LiveEvent =
  | { kind: 'case'; data: CaseEvent }
  | { kind: 'presence'; data: PresenceEvent }
  /** Knowledge agents read beside their work (a text module, an instruction, a course, …) was published, changed or withdrawn. */
  | { kind: 'knowledge'; data: KnowledgeEvent }
  /** A rule sent the signed-in user a notification (only they receive it). */
  | { kind: 'notification'; data: NotificationEvent }
  /** The signed-in agent's own state changed (another tab, the monitor, a timeout). */
  | { kind: 'agent-state'; data: AgentStateEvent }
  /** The stream (re)connected after an interruption: events may have been missed. */
  | { kind: 'reconnect' };

type Listener = (e: LiveEvent) => void;

const listeners = new Set<Listener>();
let source: EventSource | null = null;
let closeTimer: ReturnType<typeof setTimeout> | null = null;
let hadError = false;

function emit(e: LiveEvent): void {
  listeners.forEach((l) => {
    try {
      l(e);
    } catch (err) {
      console.warn('event listener failed', err);
    }
  });
}

function parse<T>(ev: MessageEvent): T | null {
  try {
    return JSON.parse(ev.data as string) as T;
  } catch {
    return null;
  }
}

function open(): void {
  if (source || typeof EventSource === 'undefined') return;
  const es = new EventSource('/api/v1/events', { withCredentials: true });
  es.addEventListener('case', (ev) => {
    const data = parse<CaseEvent>(ev as MessageEvent);
    if (data) emit({ kind: 'case', data });
  });
  es.addEventListener('presence', (ev) => {
    const data = parse<PresenceEvent>(ev as MessageEvent);
    if (data) emit({ kind: 'presence', data });
  });
  es.addEventListener('knowledge', (ev) => {
    const data = parse<KnowledgeEvent>(ev as MessageEvent);
    if (data) emit({ kind: 'knowledge', data });
  });
  es.addEventListener('notification', (ev) => {
    const data = parse<NotificationEvent>(ev as MessageEvent);
    if (data) emit({ kind: 'notification', data });
  });
  es.addEventListener('agent-state', (ev) => {
    const data = parse<AgentStateEvent>(ev as MessageEvent);
    if (data) emit({ kind: 'agent-state', data });
  });
  es.addEventListener('open', () => {
    if (hadError) emit({ kind: 'reconnect' });
    hadError = false;
  });
  es.addEventListener('error', () => {
    hadError = true;
    // A closed stream (e.g. 401 after logout) is not retried by the browser; try again later.
    if (es.readyState === EventSource.CLOSED) {
      source = null;
      setTimeout(() => {
        if (listeners.size && !source) open();
      }, 5000);
    }
  });
  source = es;
}

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  if (closeTimer) {
    clearTimeout(closeTimer);
    closeTimer = null;
  }
  open();
  return () => {
    listeners.delete(listener);
    if (!listeners.size && !closeTimer) {
      closeTimer = setTimeout(() => {
        closeTimer = null;
        if (!listeners.size && source) {
          source.close();
          source = null;
        }
      }, 3000);
    }
  };
}

/** Subscribe for the lifetime of the component; the handler may change between renders. */
export function useLiveEvents(handler: Listener): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => subscribe((e) => ref.current(e)), []);
}

/** A debounced callback (trailing edge), stable across renders. */
export function useDebounced(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const ref = useRef(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      fnRef.current();
    }, ms);
  });
  return ref.current;
}
