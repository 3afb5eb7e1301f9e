// The agent's availability in the workspace header (issue 15, routing):
// available / away / offline. Input pings the server at most once a
// minute, so that an available agent is not marked away when idle and one
// the idle job marked away becomes available again; a minute's poll shows
// what the idle job did meanwhile.

import { useEffect, useRef, useState } from 'preact/hooks';
import { AVAILABILITIES, api, type Availability, type Me, type MyAvailability } from '../api';
import { t } from '../i18n';

const PING_MS = 60_000;
const POLL_MS = 60_000;
const INPUT_EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;

/** Whether `me` takes cases: an agent in at least one project. */
export const takesCases = (me: Me) => me.user.role === 'agent' || me.projects.some((p) => p.member_role === 'agent');

export function AvailabilitySwitch() {
  const [mine, setMine] = useState<MyAvailability | null>(null);
  const [failed, setFailed] = useState(false);
  const lastPing = useRef(0);

  useEffect(() => {
    let alive = true;
    const load = () =>
      api
        .get<MyAvailability>('/routing/me')
        .then((m) => alive && (setMine(m), setFailed(false)))
        .catch(() => alive && setFailed(true));
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    const onInput = () => {
      const now = Date.now();
      if (now - lastPing.current < PING_MS) return;
      lastPing.current = now;
      api
        .post<MyAvailability>('/routing/me/activity')
        .then((m) => alive && setMine(m))
        .catch(() => undefined);
    };
    INPUT_EVENTS.forEach((e) => window.addEventListener(e, onInput, { passive: true }));
    return () => {
      alive = false;
      clearInterval(timer);
      INPUT_EVENTS.forEach((e) => window.removeEventListener(e, onInput));
    };
  }, []);

  const change = async (state: Availability) => {
    try {
      setMine(await api.put<MyAvailability>('/routing/me', { state }));
      lastPing.current = Date.now();
      setFailed(false);
    } catch {
      setFailed(true);
    }
  };

  const state = mine?.state ?? 'offline';
  return (
    <label class={`availability availability-${state}`} title={mine?.auto_away ? t('avail.autoAway', { n: mine.away_after_minutes }) : undefined}>
      <span class="availability-dot" aria-hidden="true" />
      <span class="sr-only">{t('avail.label')}</span>
      <select
        value={state}
        disabled={!mine}
        aria-invalid={failed || undefined}
        onChange={(e) => void change(e.currentTarget.value as Availability)}
        data-testid="availability"
      >
        {AVAILABILITIES.map((a) => (
          <option key={a} value={a}>
            {t(`avail.${a}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
