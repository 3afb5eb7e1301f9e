// The case list's data: a page of cases for the filters (more on request),
// the counts of the views column and the saved views, all kept live by the
// case events (a debounced refresh that marks new rows as fresh).

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query, type Case, type CaseCounts, type CaseFilters, type CasePage, type List, type SavedView } from '../../api';
import { useDebounced, useLiveEvents } from '../../components/events';

const PAGE_SIZE = 50;
const MAX_REFRESH = 200;

function listQuery(projectId: number | null, f: CaseFilters, limit: number, cursor: string | null): string {
  return query({
    project_id: projectId,
    view: f.view ?? 'open',
    status: f.status,
    assignee_id: f.assignee_id,
    team: f.team,
    topic_id: f.topic_id,
    channel: f.channel,
    tag: f.tag,
    due: f.due,
    sort: f.sort ?? '-updated_at',
    limit,
    cursor,
  });
}

/** `onReset` runs when a new list (not a refresh or a further page) arrives. */
export function useCaseList(projectId: number | null, filters: CaseFilters, onReset: () => void) {
  const [items, setItems] = useState<Case[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [counts, setCounts] = useState<CaseCounts | null>(null);
  const [views, setViews] = useState<SavedView[]>([]);
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  const seq = useRef(0);
  const itemsRef = useRef(items);
  itemsRef.current = items;

  const load = async (mode: 'reset' | 'more' | 'refresh') => {
    const my = ++seq.current;
    if (mode !== 'refresh') setLoading(true);
    try {
      const limit = mode === 'refresh' ? Math.min(MAX_REFRESH, Math.max(PAGE_SIZE, itemsRef.current.length)) : PAGE_SIZE;
      const page = await api.get<CasePage>('/cases' + listQuery(projectId, filters, limit, mode === 'more' ? next : null));
      if (my !== seq.current) return;
      if (mode === 'refresh') {
        const known = new Set(itemsRef.current.map((c) => c.id));
        const added = page.items.filter((c) => !known.has(c.id)).map((c) => c.id);
        if (added.length) {
          setFresh(new Set(added));
          setTimeout(() => setFresh(new Set()), 4000);
        }
      }
      setItems((prev) => (mode === 'more' ? [...prev, ...page.items] : page.items));
      setNext(page.next_cursor);
      setError(null);
      if (mode === 'reset') onReset();
    } catch (e) {
      if (my === seq.current) setError(e);
    } finally {
      if (my === seq.current) setLoading(false);
    }
  };

  const loadCounts = async () => {
    try {
      setCounts(await api.get<CaseCounts>('/cases/counts' + query({ project_id: projectId })));
    } catch {
      /* counts are decoration; the list shows errors */
    }
  };

  const loadViews = async () => {
    try {
      setViews((await api.get<List<SavedView>>('/views')).items);
    } catch {
      setViews([]);
    }
  };

  useEffect(() => {
    void load('reset');
  }, [projectId, JSON.stringify(filters)]);
  useEffect(() => {
    void loadCounts();
  }, [projectId]);
  useEffect(() => {
    void loadViews();
  }, []);

  const refresh = useDebounced(() => {
    void load('refresh');
    void loadCounts();
  }, 300);
  useLiveEvents((e) => {
    if (e.kind === 'reconnect') refresh();
    else if (e.kind === 'case' && (projectId === null || e.data.project_id === projectId)) refresh();
  });

  return { items, next, loading, error, setError, counts, views, fresh, load, loadCounts, loadViews };
}
