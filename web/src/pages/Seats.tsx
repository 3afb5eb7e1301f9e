// Seats (issue 18, workforce): the seats the provider staffs in a project
// (Team Basic: service window and daily productive minutes; Team Pro:
// exclusive agents) and who fills them when. Client admins read; the
// project's lead and the platform admin change.

import { useState } from 'preact/hooks';
import { CHANNELS, api, type Channel, type ProjectSeats, type SeatTariff } from '../api';
import { formatDate, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { routingProjects } from '../access';
import { useSession } from '../session';

function NewSeat({ seats, onDone }: { seats: ProjectSeats; onDone: () => void }) {
  const [name, setName] = useState('');
  const [tariff, setTariff] = useState<SeatTariff>('team-basic');
  const [channel, setChannel] = useState<Channel | ''>('');
  const [calendar, setCalendar] = useState<string>(String(seats.calendars[0]?.id ?? ''));
  const [minutes, setMinutes] = useState('180');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      setError(null);
      const basic = tariff === 'team-basic';
      await api.post(`/projects/${seats.project_id}/seats`, {
        name,
        tariff,
        channel: channel || null,
        calendar_id: basic && calendar ? Number(calendar) : null,
        productive_minutes: basic ? Number(minutes) : null,
        valid_from: from,
        valid_to: to || null,
      });
      setName('');
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card" onSubmit={(e) => void submit(e)} data-testid="seat-form">
      <h2>{t('seats.add')}</h2>
      <Field label={t('seats.name')}>
        <input value={name} required maxLength={120} onInput={(e) => setName(e.currentTarget.value)} data-testid="seat-name" />
      </Field>
      <Field label={t('seats.tariff')}>
        <select value={tariff} onChange={(e) => setTariff(e.currentTarget.value as SeatTariff)} data-testid="seat-tariff">
          <option value="team-basic">{t('seats.tariff.team-basic')}</option>
          <option value="team-pro">{t('seats.tariff.team-pro')}</option>
        </select>
      </Field>
      <Field label={t('seats.channel')}>
        <select value={channel} onChange={(e) => setChannel(e.currentTarget.value as Channel | '')}>
          <option value="">{t('seats.allChannels')}</option>
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {t(`channel.${c}` as 'channel.email')}
            </option>
          ))}
        </select>
      </Field>
      {tariff === 'team-basic' && (
        <>
          <Field label={t('seats.window')}>
            <select value={calendar} onChange={(e) => setCalendar(e.currentTarget.value)}>
              {seats.calendars.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('seats.minutes')}>
            <input type="number" min={1} max={1440} value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} />
          </Field>
        </>
      )}
      <Field label={t('seats.validFrom')}>
        <input type="date" required value={from} onChange={(e) => setFrom(e.currentTarget.value)} data-testid="seat-from" />
      </Field>
      <Field label={t('seats.validTo')}>
        <input type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
      </Field>
      <button type="submit" class="btn" data-testid="seat-save">
        {t('seats.add')}
      </button>
      {error != null && <ErrorBox error={error} />}
    </form>
  );
}

function Assign({ seatId, seats, onDone }: { seatId: number; seats: ProjectSeats; onDone: () => void }) {
  const [user, setUser] = useState(String(seats.agents[0]?.user_id ?? ''));
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      setError(null);
      await api.post(`/seats/${seatId}/assignments`, { user_id: Number(user), valid_from: from, valid_to: to || null });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="inline-form" onSubmit={(e) => void submit(e)}>
      <select aria-label={t('seats.agent')} value={user} onChange={(e) => setUser(e.currentTarget.value)}>
        {seats.agents.map((a) => (
          <option key={a.user_id} value={a.user_id}>
            {a.name}
          </option>
        ))}
      </select>
      <input type="date" aria-label={t('seats.validFrom')} required value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
      <input type="date" aria-label={t('seats.validTo')} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
      <button type="submit" class="btn small">
        {t('seats.assign')}
      </button>
      {error != null && <ErrorBox error={error} />}
    </form>
  );
}

export function SeatsPage() {
  const { me } = useSession();
  const projects = routingProjects(me);
  const [projectId, setProjectId] = useState<number | null>(projects[0]?.id ?? null);
  const seats = useLoad(() => (projectId ? api.get<ProjectSeats>(`/projects/${projectId}/seats`) : Promise.resolve(null)), [projectId]);
  const [error, setError] = useState<unknown>(null);
  const period = (from: string, to: string | null | undefined) => `${formatDate(from)} – ${to ? formatDate(to) : t('seats.open')}`;
  const remove = async (path: string) => {
    try {
      await api.del(path);
      void seats.reload();
    } catch (e) {
      setError(e);
    }
  };
  const data = seats.data;
  return (
    <Page title={t('seats.title')} testId="seats-page" wide>
      <p class="muted">{t('seats.help')}</p>
      <Field label={t('wf.project')}>
        <select value={projectId ?? ''} onChange={(e) => setProjectId(Number(e.currentTarget.value))}>
          {projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.client_name} – {p.name}
            </option>
          ))}
        </select>
      </Field>
      {(seats.error ?? error) != null && <ErrorBox error={seats.error ?? error} />}
      {!data ? (
        <Loading />
      ) : (
        <>
          {data.seats.length === 0 ? (
            <p class="muted">{t('seats.none')}</p>
          ) : (
            <div class="table-wrap">
              <table class="table" data-testid="seats-table">
                <thead>
                  <tr>
                    <th>{t('seats.name')}</th>
                    <th>{t('seats.tariff')}</th>
                    <th>{t('seats.window')}</th>
                    <th>{t('seats.period')}</th>
                    <th>{t('seats.agents')}</th>
                    {data.editable && <th />}
                  </tr>
                </thead>
                <tbody>
                  {data.seats.map((s) => (
                    <tr key={s.id} data-testid="seat-row">
                      <td>
                        {s.name}
                        <div class="muted">{s.channel ? t(`channel.${s.channel}` as 'channel.email') : t('seats.allChannels')}</div>
                      </td>
                      <td>{t(`seats.tariff.${s.tariff}`)}</td>
                      <td>{s.tariff === 'team-basic' ? `${s.calendar_name ?? ''} · ${s.productive_minutes ?? ''} min` : '–'}</td>
                      <td>{period(s.valid_from, s.valid_to)}</td>
                      <td>
                        <ul class="plain">
                          {s.assignments.map((a) => (
                            <li key={a.id}>
                              {a.user_name} · {period(a.valid_from, a.valid_to)}{' '}
                              {data.editable && (
                                <button type="button" class="btn small link" onClick={() => void remove(`/seat-assignments/${a.id}`)}>
                                  {t('seats.remove')}
                                </button>
                              )}
                            </li>
                          ))}
                        </ul>
                        {data.editable && data.agents.length > 0 && <Assign seatId={s.id} seats={data} onDone={() => void seats.reload()} />}
                      </td>
                      {data.editable && (
                        <td>
                          <button type="button" class="btn small danger" onClick={() => void remove(`/seats/${s.id}`)}>
                            {t('seats.remove')}
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {data.editable && <NewSeat seats={data} onDone={() => void seats.reload()} />}
        </>
      )}
    </Page>
  );
}
