// One paged, searchable list of a client's customers (contacts or
// organizations): the chosen client, the search typed and applied after a
// pause, pages loaded by `before_id`, and answers that arrive out of order
// dropped.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query } from '../../api';
import { useClientChoices } from './shared';

const PAGE_SIZE = 50;
const TYPING_PAUSE_MS = 300;

export interface CustomerList<T> {
  clients: { id: number; name: string }[];
  clientId: number | null;
  setClientId: (id: number | null) => void;
  q: string;
  setQ: (q: string) => void;
  /** Search now, without waiting for the pause. */
  apply: () => void;
  items: T[];
  /** The `before_id` of the next page; `null` at the end. */
  next: number | null;
  loading: boolean;
  error: unknown;
  loadMore: () => void;
}

/** `path` answers `{ items, next_before_id }` for `client_id`, `q`, `limit`, `before_id`. */
export function useCustomerList<T>(path: '/contacts' | '/organizations', onReload?: () => void): CustomerList<T> {
  const clients = useClientChoices();
  // `?client_id=` (e.g. back from an import into another client) picks the client.
  const wanted = Number(new URLSearchParams(window.location.search).get('client_id'));
  const [clientId, setClientId] = useState<number | null>(clients.find((c) => c.id === wanted)?.id ?? clients[0]?.id ?? null);
  const [q, setQ] = useState('');
  const [applied, setApplied] = useState('');
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const seq = useRef(0);

  useEffect(() => {
    if (clients.length && !clients.some((c) => c.id === clientId)) setClientId(clients[0].id);
  }, [clients.map((c) => c.id).join()]);

  const load = async (beforeId: number | null) => {
    const my = ++seq.current;
    setLoading(true);
    try {
      const page = await api.get<{ items: T[]; next_before_id?: number | null }>(
        path + query({ client_id: clientId, q: applied, limit: PAGE_SIZE, before_id: beforeId }),
      );
      if (my !== seq.current) return;
      setItems((prev) => (beforeId ? [...prev, ...page.items] : page.items));
      setNext(page.next_before_id ?? null);
      setError(null);
      if (!beforeId) onReload?.();
    } catch (e) {
      if (my === seq.current) setError(e);
    } finally {
      if (my === seq.current) setLoading(false);
    }
  };

  useEffect(() => {
    void load(null);
  }, [clientId, applied]);

  useEffect(() => {
    const timer = setTimeout(() => setApplied(q.trim()), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [q]);

  return {
    clients,
    clientId,
    setClientId,
    q,
    setQ,
    apply: () => setApplied(q.trim()),
    items,
    next,
    loading,
    error,
    loadMore: () => {
      if (next !== null) void load(next);
    },
  };
}
