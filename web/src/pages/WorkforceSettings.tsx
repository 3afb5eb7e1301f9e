// A client's workforce settings (issue 18): the longest after-work and what
// follows it, which states count as productive time, the zone whose days
// cut it, and the break reasons. Client admins edit their own client,
// platform admins pick one; the server says whether the caller may change
// them (`editable`). A reason left out is only deactivated on the server
// (the state log keeps its name), so the list offers "active" instead of
// deleting saved reasons; unsaved new ones can be removed.

import { useState } from 'preact/hooks';
import { api, WORK_STATES, type BreakReason, type RoutingSettings, type StateSettings, type StateSettingsInput, type WorkState } from '../api';
import { t, type MsgKey } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { LocaleInput } from '../components/LocaleInput';
import { Loading, Page } from '../components/Page';
import { SaveStatus, useSaveFeedback } from '../components/SaveFeedback';
import { useLoad } from '../components/useLoad';
import { clientsWhere, useSession } from '../session';


/** The IANA zones the browser knows; the current one is always offered. */
function timeZones(current: string): string[] {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = ['Europe/Berlin', 'Europe/Vienna', 'Europe/Zurich', 'Europe/London', 'UTC'];
  }
  if (!zones.includes('UTC')) zones = [...zones, 'UTC'];
  return zones.includes(current) ? zones : [current, ...zones];
}

/** A reason being edited; `key` tells rows apart before they have an id. */
type Row = BreakReason & { key: string };

let nextKey = 0;
const rowOf = (r: BreakReason): Row => ({ ...r, key: `r${++nextKey}` });

function SettingsForm({ settings }: { settings: StateSettings }) {
  const [minutes, setMinutes] = useState<number | null>(settings.after_work_max_seconds / 60);
  const [expiry, setExpiry] = useState(settings.after_work_expiry);
  const [productive, setProductive] = useState<WorkState[]>(settings.productive_states);
  const [zone, setZone] = useState(settings.time_zone);
  const [signIn, setSignIn] = useState<WorkState>(settings.sign_in_state);
  const [reasons, setReasons] = useState<Row[]>(settings.break_reasons.map(rowOf));
  const [newReason, setNewReason] = useState('');
  const feedback = useSaveFeedback();
  const readOnly = !settings.editable;

  const toggleState = (s: WorkState, on: boolean) => setProductive(on ? WORK_STATES.filter((x) => x === s || productive.includes(x)) : productive.filter((x) => x !== s));
  const patchReason = (key: string, patch: Partial<BreakReason>) => setReasons(reasons.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  /** Moves a reason up (-1) or down (+1): the switcher offers them in this order. */
  const moveReason = (index: number, by: -1 | 1) => {
    const to = index + by;
    if (to < 0 || to >= reasons.length) return;
    const next = [...reasons];
    [next[index], next[to]] = [next[to], next[index]];
    setReasons(next);
  };
  const addReason = () => {
    const name = newReason.trim();
    if (!name) return;
    setReasons([...reasons, rowOf({ name, active: true })]);
    setNewReason('');
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const body: StateSettingsInput = {
      after_work_max_seconds: Math.round((minutes ?? 0) * 60),
      after_work_expiry: expiry,
      productive_states: productive,
      time_zone: zone,
      sign_in_state: signIn,
      break_reasons: reasons.map((r) => ({ id: r.id ?? null, name: r.name, active: r.active })),
    };
    await feedback.run(async () => {
      const saved = await api.put<StateSettings>(`/clients/${settings.client_id}/workforce-settings`, body);
      // The server's answer: new reasons now have ids, names are trimmed.
      setMinutes(saved.after_work_max_seconds / 60);
      setExpiry(saved.after_work_expiry);
      setProductive(saved.productive_states);
      setZone(saved.time_zone);
      setSignIn(saved.sign_in_state);
      setReasons(saved.break_reasons.map(rowOf));
    });
  };

  const fields = {
    after_work_max_seconds: t('wfs.afterWorkMax'),
    after_work_expiry: t('wfs.expiry'),
    productive_states: t('wfs.productive'),
    time_zone: t('wfs.timeZone'),
    sign_in_state: t('wfs.signIn'),
    break_reasons: t('wfs.reasons'),
    'break_reasons.name': t('wfs.reasonName'),
    'break_reasons.id': t('wfs.reasons'),
  };

  return (
    <form class="card wfs-form" onSubmit={(e) => void save(e)} data-testid="wfs-form">
      <fieldset disabled={readOnly} class="wfs-fieldset form">
        <Field label={t('wfs.afterWorkMax')} hint={t('wfs.afterWorkHint')}>
          <LocaleInput kind="number" value={minutes} onValue={setMinutes} min={0} max={120} required data-testid="wfs-after-work" />
        </Field>
        <Field label={t('wfs.expiry')}>
          <select value={expiry} onChange={(e) => setExpiry(e.currentTarget.value as StateSettings['after_work_expiry'])} data-testid="wfs-expiry">
            <option value="available">{t('wfs.expiry.available')}</option>
            <option value="flag">{t('wfs.expiry.flag')}</option>
          </select>
        </Field>
        <Field label={t('wfs.signIn')} hint={t('wfs.signInHint')}>
          <select value={signIn} onChange={(e) => setSignIn(e.currentTarget.value as WorkState)} data-testid="wfs-sign-in">
            <option value="away">{t('wf.state.away')}</option>
            <option value="available">{t('wf.state.available')}</option>
          </select>
        </Field>
        <fieldset class="wfs-fieldset">
          <legend class="field-label">{t('wfs.productive')}</legend>
          <p class="muted">{t('wfs.productiveHint')}</p>
          <div class="wfs-checks">
            {WORK_STATES.filter((s) => s !== 'offline').map((s) => (
              <label key={s} class="check">
                <input type="checkbox" checked={productive.includes(s)} onChange={(e) => toggleState(s, e.currentTarget.checked)} data-testid={`wfs-state-${s}`} />
                {t(`wf.state.${s}` as MsgKey)}
              </label>
            ))}
          </div>
        </fieldset>
        <Field label={t('wfs.timeZone')} hint={t('wfs.timeZoneHint')}>
          <select value={zone} onChange={(e) => setZone(e.currentTarget.value)} data-testid="wfs-zone">
            {timeZones(zone).map((z) => (
              <option key={z} value={z}>
                {z.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </Field>
        <fieldset class="wfs-fieldset">
          <legend class="field-label">{t('wfs.reasons')}</legend>
          <p class="muted">{t('wfs.reasonsHint')}</p>
          {reasons.length === 0 ? (
            <p class="muted">{t('wfs.noReasons')}</p>
          ) : (
            <ul class="wfs-reasons" data-testid="wfs-reasons">
              {reasons.map((r, i) => (
                <li key={r.key} data-testid="wfs-reason" class={r.active ? '' : 'muted'}>
                  <span class="wfs-order">
                    <button type="button" class="btn btn-small" disabled={i === 0} onClick={() => moveReason(i, -1)} aria-label={t('wfs.moveUp', { name: r.name })} data-testid="wfs-reason-up">
                      ↑
                    </button>
                    <button type="button" class="btn btn-small" disabled={i === reasons.length - 1} onClick={() => moveReason(i, 1)} aria-label={t('wfs.moveDown', { name: r.name })} data-testid="wfs-reason-down">
                      ↓
                    </button>
                  </span>
                  <input
                    value={r.name}
                    required
                    maxLength={80}
                    aria-label={t('wfs.reasonName')}
                    onInput={(e) => patchReason(r.key, { name: e.currentTarget.value })}
                    data-testid="wfs-reason-name"
                  />
                  <label class="check">
                    <input type="checkbox" checked={r.active} onChange={(e) => patchReason(r.key, { active: e.currentTarget.checked })} data-testid="wfs-reason-active" />
                    {t('common.active')}
                  </label>
                  {r.id == null && (
                    <button type="button" class="btn btn-small" onClick={() => setReasons(reasons.filter((x) => x.key !== r.key))}>
                      {t('wfs.removeReason')}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          <div class="inline-form">
            <Field label={t('wfs.newReason')}>
              <input
                value={newReason}
                maxLength={80}
                onInput={(e) => setNewReason(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    e.preventDefault();
                    addReason();
                  }
                }}
                data-testid="wfs-new-reason"
              />
            </Field>
            <button type="button" class="btn btn-small" onClick={addReason} disabled={!newReason.trim()} data-testid="wfs-add-reason">
              {t('wfs.addReason')}
            </button>
          </div>
        </fieldset>
        {!readOnly && (
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={feedback.state.kind === 'saving'} data-testid="wfs-save">
              {t('common.save')}
            </button>
          </div>
        )}
      </fieldset>
      <SaveStatus state={feedback.state} fields={fields} testId="wfs-status" />
    </form>
  );
}

/** The platform's presence timeouts (platform admins): idle → away, silent workspace → offline. */
function PresenceForm() {
  const loaded = useLoad(() => api.get<RoutingSettings>('/routing/settings'));
  if (loaded.error != null) return <ErrorBox error={loaded.error} />;
  if (!loaded.data) return <Loading />;
  return <PresenceFields settings={loaded.data} />;
}

function PresenceFields({ settings }: { settings: RoutingSettings }) {
  const [away, setAway] = useState<number | null>(settings.away_after_minutes);
  const [offline, setOffline] = useState<number | null>((settings.offline_after_seconds ?? 120) / 60);
  const feedback = useSaveFeedback();
  const save = async (e: Event) => {
    e.preventDefault();
    await feedback.run(async () => {
      const saved = await api.put<RoutingSettings>('/routing/settings', {
        away_after_minutes: away ?? 0,
        offline_after_seconds: Math.round((offline ?? 0) * 60),
      });
      setAway(saved.away_after_minutes);
      setOffline((saved.offline_after_seconds ?? 120) / 60);
    });
  };
  return (
    <form class="card wfs-form" onSubmit={(e) => void save(e)} data-testid="presence-form">
      <h2>{t('wfs.presence')}</h2>
      <p class="muted">{t('wfs.presenceHelp')}</p>
      <div class="form">
        <Field label={t('wfs.awayAfter')} hint={t('wfs.awayAfterHint')}>
          <LocaleInput kind="integer" value={away} onValue={setAway} min={1} max={1440} required data-testid="presence-away" />
        </Field>
        <Field label={t('wfs.offlineAfter')} hint={t('wfs.offlineAfterHint')}>
          <LocaleInput kind="number" value={offline} onValue={setOffline} min={1} max={1440} required data-testid="presence-offline" />
        </Field>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={feedback.state.kind === 'saving'} data-testid="presence-save">
            {t('common.save')}
          </button>
        </div>
      </div>
      <SaveStatus
        state={feedback.state}
        fields={{ away_after_minutes: t('wfs.awayAfter'), offline_after_seconds: t('wfs.offlineAfter') }}
        testId="presence-status"
      />
    </form>
  );
}

export function WorkforceSettingsPage() {
  const { me } = useSession();
  // The clients whose settings the server lets the user read (it says per
  // client whether they may change them: `editable`).
  const clients = clientsWhere(me, 'view_calendars');
  const [clientId, setClientId] = useState<number | null>(me.client?.id ?? me.user.client_id ?? clients[0]?.id ?? null);
  const settings = useLoad(() => (clientId ? api.get<StateSettings>(`/clients/${clientId}/workforce-settings`) : Promise.resolve(null)), [clientId]);

  return (
    <Page title={t('wfs.title')} testId="wfs-page">
      <p class="muted">{t('wfs.help')}</p>
      {clients.length > 1 && (
        <div class="inline-form">
          <Field label={t('wfs.client')}>
            <select value={clientId ?? ''} onChange={(e) => setClientId(e.currentTarget.value ? Number(e.currentTarget.value) : null)} data-testid="wfs-client">
              {clients.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
      )}
      {settings.error != null && <ErrorBox error={settings.error} />}
      {!settings.data ? (
        clientId ? <Loading /> : null
      ) : (
        <SettingsForm key={settings.data.client_id} settings={settings.data} />
      )}
      {me.permissions.manage_services && <PresenceForm />}
    </Page>
  );
}
