// Business calendars and SLA policies (issue 15): the client admin edits
// a calendar's hours per weekday, its federal state and closures, and a
// project's SLA policies; project leads read them.

import { useEffect, useState } from 'preact/hooks';
import {
  CHANNELS,
  GERMAN_STATES,
  PRIORITIES,
  api,
  query,
  type BusinessCalendar,
  type CalendarInput,
  type Channel,
  type GermanState,
  type List,
  type Me,
  type Priority,
  type PublicHoliday,
  type SlaPolicy,
  type SlaPolicyInput,
} from '../api';
import { formatDate, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { LocaleInput } from '../components/LocaleInput';
import { ConfirmModal } from '../components/Modal';
import { Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { mayAtClient, useSession } from '../session';
import { useProjectData } from '../components/caseBits';
import { slaClients } from '../access';

/** The clients whose calendars the server lets `me` read (`can.view_calendars` in /me). */


const WEEK = [0, 1, 2, 3, 4, 5, 6] as const;
const WRITTEN: Channel[] = CHANNELS.filter((c) => c !== 'call');

export function SlaSetupPage() {
  const { me } = useSession();
  const clients = slaClients(me);
  const [clientId, setClientId] = useState<number | null>(clients[0]?.id ?? me.user.client_id ?? null);
  const manage = mayAtClient(me, clientId, 'manage_sla');
  const calendars = useLoad(
    () => (clientId ? api.get<List<BusinessCalendar>>(`/calendars${query({ client_id: clientId })}`) : Promise.resolve({ items: [] })),
    [clientId],
  );
  const [editing, setEditing] = useState<BusinessCalendar | 'new' | null>(null);
  const projects = me.projects.filter((p) => p.client_id === clientId && p.can.view_sla);
  // After a calendar change the open cases' deadlines are recomputed in the
  // background; look again until none is pending.
  const recomputing = calendars.data?.items.some((c) => c.recompute_pending) ?? false;
  useEffect(() => {
    if (!recomputing) return;
    const timer = window.setTimeout(() => void calendars.reload(), 1000);
    return () => window.clearTimeout(timer);
  }, [recomputing, calendars.data]);

  return (
    <Page title={t('sla.title')} testId="sla-page" wide>
      <p class="muted">{t('sla.help')}</p>
      {clients.length > 1 && (
        <Field label={t('sla.client')}>
          <select value={clientId ?? ''} onChange={(e) => setClientId(Number(e.currentTarget.value))} data-testid="sla-client">
            {clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <div class="sla-setup">
        <section>
          <h2>{t('sla.calendars')}</h2>
          <ErrorBox error={calendars.error} />
          {calendars.loading && !calendars.data && <Loading />}
          {calendars.data && calendars.data.items.length === 0 && <p class="muted">{t('sla.noCalendars')}</p>}
          {calendars.data && calendars.data.items.length > 0 && (
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">{t('sla.name')}</th>
                    <th scope="col">{t('sla.timeZone')}</th>
                    <th scope="col">{t('sla.state')}</th>
                    <th scope="col" />
                  </tr>
                </thead>
                <tbody>
                  {calendars.data.items.map((c) => (
                    <tr key={c.id} data-testid="sla-calendar-row">
                      <td>
                        {c.name}
                        {c.recompute_pending && (
                          <span class="badge sla-recomputing" role="status" data-testid="sla-recomputing">
                            {t('sla.recomputing')}
                          </span>
                        )}
                      </td>
                      <td>{c.time_zone}</td>
                      <td>{c.state ? t(`state.${c.state}`) : t('sla.noState')}</td>
                      <td>
                        <button type="button" class="btn btn-small" onClick={() => setEditing(c)}>
                          {manage ? t('sla.edit') : t('sla.calendar')}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {manage && editing === null && (
            <button type="button" class="btn" onClick={() => setEditing('new')} data-testid="sla-new-calendar">
              {t('sla.newCalendar')}
            </button>
          )}
          {editing !== null && clientId !== null && (
            <CalendarEditor
              key={editing === 'new' ? 'new' : editing.id}
              clientId={clientId}
              calendar={editing === 'new' ? null : editing}
              readOnly={!manage}
              onDone={() => {
                setEditing(null);
                void calendars.reload();
              }}
            />
          )}
        </section>
        <PolicySection projects={projects} calendars={calendars.data?.items ?? []} manage={manage} />
      </div>
    </Page>
  );
}

interface Interval {
  weekday: number;
  start: string | null;
  end: string | null;
}

interface Closure {
  name: string;
  from: string | null;
  to: string | null;
}

/** `24:00` is shown and typed as `00:00` at the end of an interval. */
const endIn = (end: string) => (end === '24:00' ? '00:00' : end);
const endOut = (end: string) => (end === '00:00' ? '24:00' : end);

function CalendarEditor(props: { clientId: number; calendar: BusinessCalendar | null; readOnly: boolean; onDone: () => void }) {
  const c = props.calendar;
  const [name, setName] = useState(c?.name ?? '');
  const [zone, setZone] = useState(c?.time_zone ?? 'Europe/Berlin');
  const [state, setState] = useState<GermanState | ''>(c?.state ?? 'NW');
  const [hours, setHours] = useState<Interval[]>(
    c ? c.hours.map((h) => ({ weekday: h.weekday, start: h.start, end: endIn(h.end) })) : [0, 1, 2, 3, 4].map((d) => ({ weekday: d, start: '08:00', end: '17:00' })),
  );
  const [closures, setClosures] = useState<Closure[]>(c?.closures.map((x) => ({ ...x })) ?? []);
  const [error, setError] = useState<unknown>(null);
  const [confirm, setConfirm] = useState(false);
  const year = new Date().getFullYear();
  const holidays = useLoad(() => (c ? api.get<List<PublicHoliday>>(`/calendars/${c.id}/holidays${query({ year })}`) : Promise.resolve({ items: [] })), [c?.id, c?.version]);

  const setInterval_ = (i: number, patch: Partial<Interval>) => setHours(hours.map((h, j) => (j === i ? { ...h, ...patch } : h)));
  const save = async (e: Event) => {
    e.preventDefault();
    const body: CalendarInput = {
      client_id: props.clientId,
      name,
      time_zone: zone,
      state: state || null,
      hours: hours.filter((h) => h.start && h.end).map((h) => ({ weekday: h.weekday, start: h.start ?? '', end: endOut(h.end ?? '') })),
      closures: closures.filter((x) => x.from && x.to).map((x) => ({ name: x.name, from: x.from ?? '', to: x.to ?? '' })),
    };
    try {
      if (c) await api.put(`/calendars/${c.id}`, body);
      else await api.post('/calendars', body);
      props.onDone();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form class="card" onSubmit={save} data-testid="sla-calendar-form">
      <fieldset disabled={props.readOnly} class="plain">
        <Field label={t('sla.name')}>
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={120} data-testid="sla-calendar-name" />
        </Field>
        <Field label={t('sla.timeZone')}>
          <input value={zone} onInput={(e) => setZone(e.currentTarget.value)} maxLength={64} />
        </Field>
        <Field label={t('sla.state')}>
          <select value={state} onChange={(e) => setState(e.currentTarget.value as GermanState | '')} data-testid="sla-calendar-state">
            <option value="">{t('sla.noState')}</option>
            {GERMAN_STATES.map((s) => (
              <option key={s} value={s}>
                {t(`state.${s}`)}
              </option>
            ))}
          </select>
        </Field>
        <h3>{t('sla.hours')}</h3>
        <div class="sla-week">
          {WEEK.map((d) => (
            <div class="sla-day" key={d}>
              <span>{t(`weekday.${d}`)}</span>
              <div class="sla-intervals">
                {hours.every((h) => h.weekday !== d) && <span class="muted">{t('sla.closed')}</span>}
                {hours.map((h, i) =>
                  h.weekday !== d ? null : (
                    <span class="sla-interval" key={i}>
                      <LocaleInput kind="time" value={h.start} onValue={(v) => setInterval_(i, { start: v })} aria-label={`${t(`weekday.${d}`)} ${t('sla.from')}`} />
                      –
                      <LocaleInput kind="time" value={h.end} onValue={(v) => setInterval_(i, { end: v })} aria-label={`${t(`weekday.${d}`)} ${t('sla.to')}`} />
                      {!props.readOnly && (
                        <button type="button" class="btn btn-small" onClick={() => setHours(hours.filter((_, j) => j !== i))} aria-label={t('sla.remove')}>
                          ×
                        </button>
                      )}
                    </span>
                  ),
                )}
                {!props.readOnly && (
                  <button type="button" class="btn btn-small" onClick={() => setHours([...hours, { weekday: d, start: '08:00', end: '17:00' }])}>
                    {t('sla.addInterval')}
                  </button>
                )}
              </div>
            </div>
          ))}
        </div>
        <h3>{t('sla.closures')}</h3>
        {closures.map((x, i) => (
          <div class="sla-closure" key={i}>
            <Field label={t('sla.closureName')}>
              <input value={x.name} onInput={(e) => setClosures(closures.map((y, j) => (j === i ? { ...y, name: e.currentTarget.value } : y)))} required maxLength={120} />
            </Field>
            <Field label={t('sla.from')}>
              <LocaleInput kind="date" value={x.from} onValue={(v) => setClosures(closures.map((y, j) => (j === i ? { ...y, from: v } : y)))} />
            </Field>
            <Field label={t('sla.to')}>
              <LocaleInput kind="date" value={x.to} onValue={(v) => setClosures(closures.map((y, j) => (j === i ? { ...y, to: v } : y)))} />
            </Field>
            {!props.readOnly && (
              <button type="button" class="btn btn-small" onClick={() => setClosures(closures.filter((_, j) => j !== i))}>
                {t('sla.remove')}
              </button>
            )}
          </div>
        ))}
        {!props.readOnly && (
          <button type="button" class="btn btn-small" onClick={() => setClosures([...closures, { name: '', from: null, to: null }])}>
            {t('sla.addClosure')}
          </button>
        )}
      </fieldset>
      {c && holidays.data && holidays.data.items.length > 0 && (
        <details>
          <summary>{t('sla.holidays', { year: String(year) })}</summary>
          <ul>
            {holidays.data.items.map((h) => (
              <li key={h.date}>
                {formatDate(h.date)} – {h.name}
              </li>
            ))}
          </ul>
        </details>
      )}
      <ErrorBox error={error} />
      <div class="form-actions">
        {!props.readOnly && (
          <button type="submit" class="btn btn-primary" data-testid="sla-calendar-save">
            {t('sla.save')}
          </button>
        )}
        <button type="button" class="btn" onClick={props.onDone}>
          {t('sla.cancel')}
        </button>
        {c && !props.readOnly && (
          <button type="button" class="btn btn-danger" onClick={() => setConfirm(true)}>
            {t('sla.delete')}
          </button>
        )}
      </div>
      {confirm && c && (
        <ConfirmModal
          title={t('sla.delete')}
          text={t('sla.confirmDelete', { name: c.name })}
          confirmLabel={t('sla.delete')}
          onClose={() => setConfirm(false)}
          onConfirm={async () => {
            await api.del(`/calendars/${c.id}`);
            props.onDone();
          }}
        />
      )}
    </form>
  );
}

function PolicySection(props: { projects: Me['projects']; calendars: BusinessCalendar[]; manage: boolean }) {
  const [projectId, setProjectId] = useState<number | null>(props.projects[0]?.id ?? null);
  const current = props.projects.some((p) => p.id === projectId) ? projectId : (props.projects[0]?.id ?? null);
  const policies = useLoad(
    () => (current ? api.get<List<SlaPolicy>>(`/sla-policies${query({ project_id: current })}`) : Promise.resolve({ items: [] })),
    [current],
  );
  const [editing, setEditing] = useState<SlaPolicy | 'new' | null>(null);
  const minutes = (n: number | undefined) => (n === undefined ? '—' : t('sla.minutes', { n }));
  return (
    <section>
      <h2>{t('sla.policies')}</h2>
      <Field label={t('sla.project')}>
        <select value={current ?? ''} onChange={(e) => setProjectId(Number(e.currentTarget.value))} data-testid="sla-project">
          {props.projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </Field>
      <ErrorBox error={policies.error} />
      {policies.data && policies.data.items.length === 0 && <p class="muted">{t('sla.noPolicies')}</p>}
      {policies.data && policies.data.items.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('sla.position')}</th>
                <th scope="col">{t('sla.name')}</th>
                <th scope="col">{t('sla.conditions')}</th>
                <th scope="col">{t('sla.target.first-response')}</th>
                <th scope="col">{t('sla.target.next-response')}</th>
                <th scope="col">{t('sla.target.resolution')}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {policies.data.items.map((p) => (
                <tr key={p.id} data-testid="sla-policy-row">
                  <td>{p.position}</td>
                  <td>
                    {p.name}
                    {!p.active && <span class="muted"> ({t('sla.inactive')})</span>}
                  </td>
                  <td>
                    {[...p.priorities.map((x) => t(`priority.${x}`)), ...p.channels.map((x) => t(`channel.${x}`))].join(', ') || t('sla.any')}
                  </td>
                  <td class="nowrap">{minutes(p.first_response_minutes)}</td>
                  <td class="nowrap">{minutes(p.next_response_minutes)}</td>
                  <td class="nowrap">{minutes(p.resolution_minutes)}</td>
                  <td>
                    {props.manage && (
                      <button type="button" class="btn btn-small" onClick={() => setEditing(p)}>
                        {t('sla.edit')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.manage && current !== null && editing === null && props.calendars.length > 0 && (
        <button type="button" class="btn" onClick={() => setEditing('new')} data-testid="sla-new-policy">
          {t('sla.newPolicy')}
        </button>
      )}
      {editing !== null && current !== null && (
        <PolicyEditor
          key={editing === 'new' ? 'new' : editing.id}
          projectId={current}
          policy={editing === 'new' ? null : editing}
          calendars={props.calendars}
          onDone={() => {
            setEditing(null);
            void policies.reload();
          }}
        />
      )}
    </section>
  );
}

function PolicyEditor(props: { projectId: number; policy: SlaPolicy | null; calendars: BusinessCalendar[]; onDone: () => void }) {
  const p = props.policy;
  const [name, setName] = useState(p?.name ?? '');
  const [active, setActive] = useState(p?.active ?? true);
  const [position, setPosition] = useState<number | null>(p?.position ?? null);
  const [calendarId, setCalendarId] = useState<number>(p?.calendar_id ?? props.calendars[0]?.id ?? 0);
  const [priorities, setPriorities] = useState<Priority[]>(p?.priorities ?? []);
  const [channels, setChannels] = useState<Channel[]>(p?.channels ?? []);
  const [topicIds, setTopicIds] = useState<number[]>(p?.topic_ids ?? []);
  const { topics } = useProjectData(props.projectId);
  const [first, setFirst] = useState<number | null>(p?.first_response_minutes ?? 240);
  const [next, setNext] = useState<number | null>(p?.next_response_minutes ?? 480);
  const [resolution, setResolution] = useState<number | null>(p?.resolution_minutes ?? 2400);
  const [warn, setWarn] = useState<number | null>(p?.warn_percent ?? 80);
  const [error, setError] = useState<unknown>(null);
  const [confirm, setConfirm] = useState(false);
  const toggle = <T,>(list: T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  const save = async (e: Event) => {
    e.preventDefault();
    const body: SlaPolicyInput = {
      project_id: props.projectId,
      name,
      active,
      position: position ?? undefined,
      calendar_id: calendarId,
      priorities,
      channels,
      topic_ids: topicIds,
      organization_ids: p?.organization_ids ?? [],
      first_response_minutes: first ?? undefined,
      next_response_minutes: next ?? undefined,
      resolution_minutes: resolution ?? undefined,
      warn_percent: warn ?? 80,
    };
    try {
      if (p) await api.put(`/sla-policies/${p.id}`, body);
      else await api.post('/sla-policies', body);
      props.onDone();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form class="card" onSubmit={save} data-testid="sla-policy-form">
      <Field label={t('sla.name')}>
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={120} data-testid="sla-policy-name" />
      </Field>
      <Field label={t('sla.active')} inline>
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
      </Field>
      <Field label={t('sla.position')}>
        <LocaleInput kind="integer" value={position} onValue={setPosition} min={0} max={10000} />
      </Field>
      <Field label={t('sla.calendar')}>
        <select value={calendarId} onChange={(e) => setCalendarId(Number(e.currentTarget.value))} data-testid="sla-policy-calendar">
          {props.calendars.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </Field>
      <fieldset class="plain">
        <legend>{t('sla.priorities')}</legend>
        <div class="sla-checks">
          {PRIORITIES.map((x) => (
            <label key={x}>
              <input type="checkbox" checked={priorities.includes(x)} onChange={() => setPriorities(toggle(priorities, x))} /> {t(`priority.${x}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset class="plain">
        <legend>{t('sla.channels')}</legend>
        <div class="sla-checks">
          {WRITTEN.map((x) => (
            <label key={x}>
              <input type="checkbox" checked={channels.includes(x)} onChange={() => setChannels(toggle(channels, x))} /> {t(`channel.${x}`)}
            </label>
          ))}
        </div>
      </fieldset>
      {topics.length > 0 && (
        <fieldset class="plain">
          <legend>{t('sla.topics')}</legend>
          <div class="sla-checks">
            {topics.map((x) => (
              <label key={x.id}>
                <input type="checkbox" checked={topicIds.includes(x.id)} onChange={() => setTopicIds(toggle(topicIds, x.id))} /> {x.name}
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <h3>{t('sla.targets')}</h3>
      <Field label={t('sla.target.first-response')}>
        <LocaleInput kind="integer" value={first} onValue={setFirst} min={1} max={5256000} data-testid="sla-policy-first" />
      </Field>
      <Field label={t('sla.target.next-response')}>
        <LocaleInput kind="integer" value={next} onValue={setNext} min={1} max={5256000} />
      </Field>
      <Field label={t('sla.target.resolution')}>
        <LocaleInput kind="integer" value={resolution} onValue={setResolution} min={1} max={5256000} />
      </Field>
      <Field label={t('sla.warnPercent')}>
        <LocaleInput kind="integer" value={warn} onValue={setWarn} min={1} max={99} />
      </Field>
      <ErrorBox error={error} />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" data-testid="sla-policy-save">
          {t('sla.save')}
        </button>
        <button type="button" class="btn" onClick={props.onDone}>
          {t('sla.cancel')}
        </button>
        {p && (
          <button type="button" class="btn btn-danger" onClick={() => setConfirm(true)}>
            {t('sla.delete')}
          </button>
        )}
      </div>
      {confirm && p && (
        <ConfirmModal
          title={t('sla.delete')}
          text={t('sla.confirmDelete', { name: p.name })}
          confirmLabel={t('sla.delete')}
          onClose={() => setConfirm(false)}
          onConfirm={async () => {
            await api.del(`/sla-policies/${p.id}`);
            props.onDone();
          }}
        />
      )}
    </form>
  );
}
