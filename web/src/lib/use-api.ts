/** Load one API resource for a page: data, error, loading, and reload() after a change. */
import { useCallback, useEffect, useState } from 'react';
import { api } from './api.js';

export interface Resource<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(path: string | null): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setLoading(true);
    api.get<T>(path, { signal: ctl.signal }).then(
      (d) => {
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (ctl.signal.aborted) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => ctl.abort();
  }, [path, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, error, loading, reload };
}

/** Read a resource again whenever `signal` moves past 0 (a card told by the live timeline that its part changed). */
export function useReloadOn(signal: number, reload: () => void): void {
  useEffect(() => {
    if (signal > 0) reload();
  }, [signal, reload]);
}
