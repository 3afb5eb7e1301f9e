// The forecast's settings (client admins edit, leads read) and the learned
// profiles with their source, relearnable on demand.

import { useState } from 'preact/hooks';
import { CHANNELS, api, type Channel, type ForecastProfiles, type ForecastSettings, type ForecastSettingsInput } from '../../api';
import { formatDateTime, formatNumber, t, type MsgKey } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Field } from '../../components/Field';
import { LocaleInput } from '../../components/LocaleInput';
import { Loading } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import { formatLocalDate } from './format';

type NumberKey = Exclude<keyof ForecastSettingsInput, 'aht_overrides' | 'patience_seconds' | 'interval_minutes'>;

const NUMBERS: { key: NumberKey; label: MsgKey; min: number; max: number }[] = [
  { key: 'deadline_day', label: 'fc.set.deadlineDay', min: 1, max: 28 },
  { key: 'horizon_months', label: 'fc.set.horizon', min: 1, max: 24 },
  { key: 'normal_percent', label: 'fc.set.normal', min: 1, max: 100 },
  { key: 'limit_percent', label: 'fc.set.limit', min: 1, max: 200 },
  { key: 'service_level_percent', label: 'fc.set.serviceLevel', min: 1, max: 99 },
  { key: 'answer_seconds', label: 'fc.set.answer', min: 1, max: 3600 },
  { key: 'max_occupancy_percent', label: 'fc.set.occupancy', min: 50, max: 100 },
  { key: 'shrinkage_percent', label: 'fc.set.shrinkage', min: 0, max: 80 },
  { key: 'response_minutes', label: 'fc.set.response', min: 15, max: 10080 },
  { key: 'fte_minutes', label: 'fc.set.fte', min: 60, max: 720 },
];

function inputOf(s: ForecastSettings): ForecastSettingsInput {
  const { project_id: _p, time_zone: _z, version: _v, calendar_name: _c, holiday_state: _h, ...input } = s;
  return input;
}

export function SettingsView(props: { projectId: number; manage: boolean }) {
  const settings = useLoad(() => api.get<ForecastSettings>(`/projects/${props.projectId}/forecast/settings`), [props.projectId]);
  const profiles = useLoad(() => api.get<ForecastProfiles>(`/projects/${props.projectId}/forecast/profiles`), [props.projectId]);
  if (!settings.data || !profiles.data) return <>{settings.error || profiles.error ? <ErrorBox error={settings.error ?? profiles.error} /> : <Loading />}</>;
  return (
    <>
      <SettingsForm
        key={settings.data.version}
        projectId={props.projectId}
        settings={settings.data}
        profiles={profiles.data}
        manage={props.manage}
        onSaved={() => {
          void settings.reload();
          void profiles.reload();
        }}
      />
      <Profiles projectId={props.projectId} profiles={profiles.data} settings={settings.data} manage={props.manage} onLearned={() => void profiles.reload()} />
    </>
  );
}

function SettingsForm(props: { projectId: number; settings: ForecastSettings; profiles: ForecastProfiles; manage: boolean; onSaved: () => void }) {
  const [input, setInput] = useState<ForecastSettingsInput>(() => inputOf(props.settings));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const ro = !props.manage;
  const set = (patch: Partial<ForecastSettingsInput>) => {
    setInput({ ...input, ...patch });
    setSaved(false);
  };
  const override = (c: Channel) => input.aht_overrides?.find((o) => o.channel === c)?.seconds ?? null;
  const setOverride = (c: Channel, seconds: number | null) =>
    set({
      aht_overrides: [...(input.aht_overrides ?? []).filter((o) => o.channel !== c), ...(seconds ? [{ channel: c, seconds }] : [])],
    });
  const save = async () => {
    setError(null);
    try {
      await api.put<ForecastSettings>(`/projects/${props.projectId}/forecast/settings`, input);
      setSaved(true);
      props.onSaved();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="fc-settings" data-testid="fc-settings">
      <div class="fc-settings-grid">
        <Field label={t('fc.set.interval')}>
          <select
            value={input.interval_minutes}
            disabled={ro}
            onChange={(e) => set({ interval_minutes: Number(e.currentTarget.value) })}
            data-testid="fc-set-interval"
          >
            <option value={15}>15</option>
            <option value={30}>30</option>
          </select>
        </Field>
        {NUMBERS.map((n) => (
          <Field key={n.key} label={t(n.label)}>
            <LocaleInput
              kind="integer"
              value={input[n.key]}
              min={n.min}
              max={n.max}
              required
              disabled={ro}
              data-testid={`fc-set-${n.key}`}
              onValue={(v) => v !== null && set({ [n.key]: v } as Partial<ForecastSettingsInput>)}
            />
          </Field>
        ))}
        <Field label={t('fc.set.patience')}>
          <LocaleInput
            kind="integer"
            value={input.patience_seconds ?? null}
            min={1}
            max={3600}
            disabled={ro}
            data-testid="fc-set-patience"
            onValue={(v) => set({ patience_seconds: v })}
          />
        </Field>
      </div>
      <h3>{t('fc.set.aht')}</h3>
      <div class="fc-settings-grid">
        {CHANNELS.map((c) => {
          const p = props.profiles.channels.find((x) => x.channel === c);
          const learned = p?.learned_aht_seconds != null ? t('fc.set.learned', { seconds: formatNumber(p.learned_aht_seconds), n: p.aht_cases }) : t('fc.set.notLearned');
          return (
            <Field key={c} label={t(`channel.${c}`)} hint={t('fc.set.ahtHelp', { learned })}>
              <LocaleInput kind="integer" value={override(c)} min={1} max={86400} disabled={ro} data-testid={`fc-set-aht-${c}`} onValue={(v) => setOverride(c, v)} />
            </Field>
          );
        })}
      </div>
      {!ro && (
        <div class="form-actions">
          <ErrorBox error={error} />
          <button type="button" class="btn btn-primary" onClick={() => void save()} data-testid="fc-set-save">
            {t('fc.set.save')}
          </button>
          {saved && (
            <span class="muted" role="status">
              {t('fc.set.saved')}
            </span>
          )}
        </div>
      )}
    </section>
  );
}

/** Where holidays come from and how they and daylight-saving days count. */
function CalendarHelp(props: { settings: ForecastSettings }) {
  const s = props.settings;
  return (
    <>
      <p class="muted" data-testid="fc-holidays-help">
        {s.calendar_name == null
          ? t('fc.noCalendarHelp')
          : s.holiday_state == null
            ? t('fc.noHolidaysHelp', { calendar: s.calendar_name })
            : t('fc.holidaysHelp', { calendar: s.calendar_name, state: t(`state.${s.holiday_state}`) })}
      </p>
      <p class="muted">{t('fc.dstHelp', { zone: s.time_zone })}</p>
    </>
  );
}

function Profiles(props: { projectId: number; profiles: ForecastProfiles; settings: ForecastSettings; manage: boolean; onLearned: () => void }) {
  const p = props.profiles;
  const [error, setError] = useState<unknown>(null);
  const learn = async () => {
    setError(null);
    try {
      await api.post(`/projects/${props.projectId}/forecast/profiles/learn`, {});
      props.onLearned();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="fc-profiles" data-testid="fc-profiles">
      <h2>{t('fc.profiles')}</h2>
      <p class="muted">
        {p.learned_at && p.from_day && p.to_day
          ? t('fc.learnedAt', { at: formatDateTime(p.learned_at), from: formatLocalDate(p.from_day), to: formatLocalDate(p.to_day) })
          : t('fc.neverLearned')}
      </p>
      <ul>
        {p.channels.map((c) => (
          <li key={c.channel} data-testid={`fc-profile-${c.channel}`}>
            {t('fc.profileLine', {
              channel: t(`channel.${c.channel}`),
              source: c.source === 'learned' ? t('fc.source.learned', { n: formatNumber(c.cases) }) : t(`fc.source.${c.source}`, { n: 0 }),
            })}
            {' · '}
            {t(`fc.holidayProfile.${c.holiday_source}`)}
            {' · '}
            {t('fc.aht', { seconds: formatNumber(c.aht_seconds) })}
          </li>
        ))}
      </ul>
      <CalendarHelp settings={props.settings} />
      <ErrorBox error={error} />
      {props.manage && (
        <button type="button" class="btn" onClick={() => void learn()} data-testid="fc-learn">
          {t('fc.learn')}
        </button>
      )}
    </section>
  );
}
