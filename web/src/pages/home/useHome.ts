// The start page's data: the signed-in user's open cases and the unassigned
// cases of their projects (both by due time, from the case list API), the
// open-case counts and their own figures of today, kept live by the case
// events (one debounced refresh for all blocks).

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, query, type Case, type CaseCounts, type CasePage, type MyFigures } from '../../api';
import { useDebounced, useLiveEvents } from '../../components/events';

/** How many cases each list shows; the case list has the rest. */
export const HOME_LIMIT = 10;

export interface HomeData {
  mine: Case[];
  unassigned: Case[];
  counts: CaseCounts | null;
  figures: MyFigures | null;
}

/** The browser's time zone: the user's "today" and the zone dates are shown in. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const cases = (view: 'mine' | 'unassigned') => api.get<CasePage>('/cases' + query({ view, sort: 'due_at', limit: HOME_LIMIT })).then((p) => p.items);

export function useHome(meId: number) {
  const [data, setData] = useState<HomeData>({ mine: [], unassigned: [], counts: null, figures: null });
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);

  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    try {
      const [mine, unassigned, counts, figures] = await Promise.all([
        cases('mine'),
        cases('unassigned'),
        api.get<CaseCounts>('/cases/counts'),
        api.get<MyFigures>('/me/figures' + query({ tz: browserZone() })),
      ]);
      if (ticket !== latest.current) return;
      setData({ mine, unassigned, counts, figures });
      setError(null);
    } catch (e) {
      if (ticket === latest.current) setError(e);
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const refresh = useDebounced(() => void reload(), 500);
  useLiveEvents((e) => {
    if (e.kind === 'case' || e.kind === 'reconnect') refresh();
  });

  /**
   * Assigns `c` to the user on the version shown; `'changed'` when somebody
   * changed it meanwhile (the lists are read afresh either way).
   */
  const take = async (c: Case): Promise<'taken' | 'changed'> => {
    try {
      await api.patch<Case>(`/cases/${c.id}`, { assignee_id: meId, expected_version: c.version });
      return 'taken';
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.code === 'case-changed') return 'changed';
      throw e;
    } finally {
      await reload();
    }
  };

  return { data, error, loading, reload, take };
}
