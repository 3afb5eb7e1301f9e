import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

/**
 * Run an async loader on mount (and when deps change); expose data, error and
 * reload. When loads overlap, only the newest one's answer is kept: an older
 * answer arriving late would show data from before a change.
 */
export function useLoad<T>(loader: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const load = useCallback(loader, deps);
  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const value = await load();
      if (ticket !== latest.current) return;
      setData(value);
      setError(null);
    } catch (e) {
      if (ticket !== latest.current) return;
      setError(e);
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, [load]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload };
}
