// The agent's state in the workspace header (issue 18, workforce): available,
// a break with one of the client's reasons, training, meeting, back office,
// offline; on-case and after-work are set by the case screen
// (`useWorkingOn`). A heartbeat keeps the state while the tab is open (a
// closed or crashed browser ends offline on the server); input pings
// routing's activity at most once a minute, so that idle detection can mark
// the agent away and bring them back. Productive time today beside it.

import { useEffect, useRef, useState } from 'preact/hooks';
import { CHOSEN_STATES, api, type Me, type MyState, type WorkState } from '../api';
import { formatDuration, t } from '../i18n';
import { useLiveEvents } from './events';

const PING_MS = 60_000;
const POLL_MS = 60_000;
const INPUT_EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;

/** Whether `me` takes cases: an agent in at least one project. */
export const takesCases = (me: Me) => me.user.role === 'agent' || me.projects.some((p) => p.member_role === 'agent');

/** The select's value: the state, or `break:<reason id>`. */
const valueOf = (s: MyState) => (s.state === 'break' && s.reason_id ? `break:${s.reason_id}` : s.state);

export function StateSwitch() {
  const [mine, setMine] = useState<MyState | null>(null);
  const [failed, setFailed] = useState(false);
  const lastPing = useRef(0);

  const load = () =>
    api
      .get<MyState>('/workforce/me')
      .then((m) => (setMine(m), setFailed(false)))
      .catch(() => setFailed(true));

  useEffect(() => {
    let alive = true;
    void load();
    const timer = setInterval(() => alive && void load(), POLL_MS);
    const onInput = () => {
      const now = Date.now();
      if (now - lastPing.current < PING_MS) return;
      lastPing.current = now;
      api
        .post('/routing/me/activity')
        .then(() => alive && void load())
        .catch(() => undefined);
    };
    INPUT_EVENTS.forEach((e) => window.addEventListener(e, onInput, { passive: true }));
    return () => {
      alive = false;
      clearInterval(timer);
      INPUT_EVENTS.forEach((e) => window.removeEventListener(e, onInput));
    };
  }, []);

  // The heartbeat, as often as the server asks.
  const every = (mine?.heartbeat_seconds ?? 30) * 1000;
  useEffect(() => {
    const beat = () => void api.post('/workforce/me/heartbeat').catch(() => undefined);
    beat();
    const timer = setInterval(beat, every);
    return () => clearInterval(timer);
  }, [every]);

  useLiveEvents((e) => {
    if (e.kind === 'agent-state' || e.kind === 'reconnect') void load();
  });

  const change = async (value: string) => {
    const [state, reason] = value.split(':');
    try {
      setMine(await api.put<MyState>('/workforce/me', { state: state as WorkState, reason_id: reason ? Number(reason) : undefined }));
      lastPing.current = Date.now();
      setFailed(false);
    } catch {
      setFailed(true);
    }
  };

  const state = mine?.state ?? 'offline';
  const reasons = mine?.reasons ?? [];
  const chosen = CHOSEN_STATES.includes(state) ? [] : [state];
  return (
    <span class="state-switch">
      <label class={`availability availability-${state}`} title={mine?.overrun ? t('wf.overrun') : undefined}>
        <span class="availability-dot" aria-hidden="true" />
        <span class="sr-only">{t('wf.state')}</span>
        <select value={mine ? valueOf(mine) : 'offline'} disabled={!mine} aria-invalid={failed || undefined} onChange={(e) => void change(e.currentTarget.value)} data-testid="availability">
          {chosen.map((s) => (
            <option key={s} value={s} disabled>
              {t(`wf.state.${s}`)}
            </option>
          ))}
          {CHOSEN_STATES.flatMap((s) =>
            s === 'break' && reasons.length
              ? reasons.map((r) => (
                  <option key={`break:${r.id}`} value={`break:${r.id}`}>
                    {t('wf.breakWith', { reason: r.name })}
                  </option>
                ))
              : [
                  <option key={s} value={s}>
                    {t(`wf.state.${s}`)}
                  </option>,
                ],
          )}
        </select>
      </label>
      {mine && (
        <span class="muted state-today" data-testid="productive-today" title={t('wf.todayHelp')}>
          {t('wf.today', { time: formatDuration(mine.productive_today_seconds) })}
        </span>
      )}
    </span>
  );
}

/**
 * The case screen: while a case is open, an agent who is available (or on
 * another case, or in after-work) is on this case; leaving it starts
 * after-work, which the server ends at the client's maximum.
 */
export function useWorkingOn(caseId: number | null, active: boolean): void {
  useEffect(() => {
    if (!active || !caseId) return;
    let left = false;
    let started = false;
    void api
      .get<MyState>('/workforce/me')
      .then((m) => {
        if (left || !['available', 'on-case', 'after-work'].includes(m.state)) return;
        started = true;
        return api.put('/workforce/me', { state: 'on-case', case_id: caseId });
      })
      .catch(() => undefined);
    return () => {
      left = true;
      if (started) void api.put('/workforce/me', { state: 'after-work', case_id: caseId }).catch(() => undefined);
    };
  }, [caseId, active]);
}
