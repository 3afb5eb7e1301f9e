// The case screen's handling-time measurement.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, postKeepalive } from '../../api';

export type TimerKind = 'handling' | 'after-work';

export interface CaseTimer {
  /** Seconds posted since the case was opened (not yet in the case's total). */
  posted: number;
  /** When the running segment started (ms), or null. */
  since: number | null;
  kind: TimerKind;
  /** From now on the time counts as after-work (after a reply or solving). */
  afterWork: () => void;
}

/**
 * Measures the time spent on the case: "handling" from opening, "after-work"
 * after a reply or solving. A segment is posted when the agent leaves (route
 * change, tab hidden or closed — fetch keepalive, as sendBeacon cannot send
 * the CSRF header) or when the kind switches.
 */
export function useCaseTimer(caseId: number): CaseTimer {
  const seg = useRef<{ kind: 'handling' | 'after-work'; start: number } | null>(null);
  const kindRef = useRef<'handling' | 'after-work'>('handling');
  const [posted, setPosted] = useState(0);
  const [since, setSince] = useState<number | null>(null);

  const flush = (id: number, keepalive: boolean) => {
    const s = seg.current;
    seg.current = null;
    setSince(null);
    if (!s) return;
    const seconds = Math.round((Date.now() - s.start) / 1000);
    if (seconds < 1) return;
    const body = { kind: s.kind, seconds, started_at: new Date(s.start).toISOString() };
    if (keepalive) postKeepalive(`/cases/${id}/time`, body);
    else void api.post(`/cases/${id}/time`, body).catch(() => undefined);
    setPosted((p) => p + seconds);
  };
  const start = (kind: 'handling' | 'after-work') => {
    kindRef.current = kind;
    const now = Date.now();
    seg.current = { kind, start: now };
    setSince(now);
  };

  useEffect(() => {
    setPosted(0);
    kindRef.current = 'handling';
    if (document.visibilityState !== 'hidden') start('handling');
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') flush(caseId, true);
      else if (!seg.current) start(kindRef.current);
    };
    const onPageHide = () => flush(caseId, true);
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('pagehide', onPageHide);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('pagehide', onPageHide);
      flush(caseId, true);
    };
  }, [caseId]);

  return {
    posted,
    since,
    kind: kindRef.current,
    afterWork: () => {
      if (kindRef.current === 'after-work') return;
      flush(caseId, false);
      start('after-work');
    },
  };
}
