// The SLA timer of a case: its next running deadline and the time left,
// red once passed. One shared clock ticks every few seconds for all timers
// on the screen, so a list of 200 cases sets no 200 intervals.

import { useEffect, useState } from 'preact/hooks';
import type { CaseStatus } from '../api';
import { formatDateTime, formatSpan, hasMessage, t } from '../i18n';

const TICK_MS = 5_000;
const subscribers = new Set<(now: number) => void>();
let ticker: ReturnType<typeof setInterval> | null = null;

/** The current time, re-rendered every few seconds. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    subscribers.add(setNow);
    if (!ticker) ticker = setInterval(() => subscribers.forEach((s) => s(Date.now())), TICK_MS);
    return () => {
      subscribers.delete(setNow);
      if (subscribers.size === 0 && ticker) {
        clearInterval(ticker);
        ticker = null;
      }
    };
  }, []);
  return now;
}

export function targetLabel(target: string | null | undefined): string {
  const key = `sla.target.${target ?? ''}`;
  return hasMessage(key) ? t(key) : (target ?? '');
}

/** Time left to the case's next SLA deadline; nothing when no clock runs. */
export function SlaTimer({ due, target, status, long = false }: { due?: string | null; target?: string | null; status: CaseStatus; long?: boolean }) {
  const now = useNow();
  if (!due || status === 'solved' || status === 'closed') return null;
  const at = new Date(due).getTime();
  if (Number.isNaN(at)) return null;
  const left = at - now;
  const breached = left <= 0;
  const text = breached ? t('sla.overdue', { time: formatSpan(-left) }) : t('sla.left', { time: formatSpan(left) });
  return (
    <span
      class={breached ? 'sla-timer sla-breached' : 'sla-timer'}
      data-testid="sla-timer"
      data-breached={breached ? 'true' : 'false'}
      title={`${targetLabel(target)} · ${t('sla.dueAt', { at: formatDateTime(due) })}`}
    >
      {long && <span class="sla-target">{targetLabel(target)}: </span>}
      {text}
    </span>
  );
}
