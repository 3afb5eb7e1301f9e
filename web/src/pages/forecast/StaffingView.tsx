// Staffing: per day of a month the required FTE and seats per channel
// against the planned seats (a shortfall highlighted), and for a chosen
// day the intervals with volume, agents, staff to schedule and, for
// calls, service level, ASA, occupancy and abandonment.

import { useState } from 'preact/hooks';
import { api, type ForecastSettings, type ForecastStaffing, type ForecastStaffingIntervals } from '../../api';
import { formatNumber, formatPercent, t } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Loading } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import { dayNote, formatDay, formatFixed, formatLocalDate } from './format';
import { MonthPicker } from './MonthPicker';
import { shownMonth, useForecast } from './useForecast';

export function StaffingView(props: { projectId: number; month: string | null; onMonth: (m: string) => void }) {
  const { current } = useForecast(props.projectId);
  const month = shownMonth(current.data, props.month);
  const [day, setDay] = useState<string | null>(null);
  const staffing = useLoad(
    () => (month ? api.get<ForecastStaffing>(`/projects/${props.projectId}/forecast/staffing?month=${month}`) : Promise.resolve(null)),
    [props.projectId, month],
  );
  const settings = useLoad(() => api.get<ForecastSettings>(`/projects/${props.projectId}/forecast/settings`), [props.projectId]);
  if (!current.data || !month) return current.error ? <ErrorBox error={current.error} /> : <Loading />;
  const s = staffing.data;
  const channels = s?.days[0]?.channels.map((c) => c.channel) ?? [];
  return (
    <div class="fc-staffing">
      <MonthPicker
        current={current.data}
        month={month}
        onMonth={(m) => {
          setDay(null);
          props.onMonth(m);
        }}
      />
      {settings.data && (
        <p class="muted">{t('fc.staffingHelp', { shrinkage: settings.data.shrinkage_percent, fte: formatNumber(settings.data.fte_minutes) })}</p>
      )}
      <ErrorBox error={staffing.error} />
      {!s && <Loading />}
      {s && channels.length === 0 && <p class="muted">{t('fc.noStaffing')}</p>}
      {s && channels.length > 0 && (
        <>
          <p data-testid="fc-month-fte">{t('fc.monthFte', { fte: formatFixed(s.required_fte, 1), version: s.forecast_version })}</p>
          <div class="table-wrap">
            <table class="table fc-staffing-table" data-testid="fc-staffing">
              <thead>
                <tr>
                  <th scope="col">{t('fc.date')}</th>
                  {channels.map((c) => (
                    <th scope="col" key={c} class="num">
                      {t(`channel.${c}`)}
                      <br />
                      <span class="muted">
                        {t('fc.requiredFte')} / {t('fc.requiredSeats')}
                      </span>
                    </th>
                  ))}
                  <th scope="col" class="num">
                    {t('fc.requiredFte')}
                  </th>
                  <th scope="col" class="num">
                    {t('fc.requiredSeats')}
                  </th>
                  <th scope="col" class="num">
                    {t('fc.plannedSeats')}
                  </th>
                  <th scope="col" class="num">
                    {t('fc.gap')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.days.map((d) => {
                  const note = dayNote(d);
                  return (
                    <tr key={d.date} data-testid={`fc-staff-${d.date}`} class={[day === d.date ? 'fc-chosen' : '', d.holiday ? 'fc-holiday' : ''].join(' ').trim() || undefined}>
                      <th scope="row">
                        <button
                          type="button"
                          class="btn-link"
                          onClick={() => setDay(d.date)}
                          aria-label={t('fc.showDay', { date: formatLocalDate(d.date) })}
                          data-testid={`fc-day-${d.date}`}
                        >
                          {formatDay(d.date)}
                        </button>
                        {note && (
                          <span class="fc-day-note" data-testid={`fc-note-${d.date}`}>
                            {note}
                          </span>
                        )}
                      </th>
                      {d.channels.map((c) => (
                        <td key={c.channel} class="num">
                          {formatFixed(c.required_fte, 1)} / {formatNumber(c.required_seats)}
                        </td>
                      ))}
                      <td class="num" data-testid={`fc-fte-${d.date}`}>
                        {formatFixed(d.required_fte, 1)}
                      </td>
                      <td class="num" data-testid={`fc-seats-${d.date}`}>
                        {formatNumber(d.required_seats)}
                      </td>
                      <td class="num">{formatNumber(d.planned_seats)}</td>
                      <td class={d.seat_gap < 0 ? 'num fc-short' : 'num'} data-testid={`fc-gap-${d.date}`}>
                        {formatNumber(d.seat_gap)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {day && <DayIntervals projectId={props.projectId} date={day} />}
        </>
      )}
    </div>
  );
}

function DayIntervals(props: { projectId: number; date: string }) {
  const day = useLoad(
    () => api.get<ForecastStaffingIntervals>(`/projects/${props.projectId}/forecast/staffing/day?date=${props.date}`),
    [props.projectId, props.date],
  );
  const d = day.data;
  return (
    <section class="fc-day" data-testid="fc-intervals">
      <h2>{t('fc.dayTitle', { date: formatLocalDate(props.date) })}</h2>
      {d && (d.holiday || d.day_minutes !== 1440) && (
        <p class="muted" data-testid="fc-day-explain">
          {d.holiday && t('fc.dayHoliday', { name: d.holiday })}
          {d.holiday && d.day_minutes !== 1440 && ' '}
          {d.day_minutes !== 1440 && t(d.day_minutes < 1440 ? 'fc.dayShort' : 'fc.dayLong', { hours: formatFixed(d.day_minutes / 60, 1) })}
        </p>
      )}
      <ErrorBox error={day.error} />
      {!d && <Loading />}
      {d &&
        d.channels.map((c) => {
          const rows = c.intervals.filter((i) => i.volume > 0 || i.agents > 0);
          return (
            <div key={c.channel} class="fc-day-channel">
              <h3>
                {t(`channel.${c.channel}`)} · {t(`fc.model.${c.model}`)} · {t('fc.aht', { seconds: formatNumber(c.aht_seconds) })}
              </h3>
              {rows.length === 0 ? (
                <p class="muted">{t('fc.noIntervals')}</p>
              ) : (
                <div class="table-wrap">
                  <table class="table fc-interval-table" data-testid={`fc-intervals-${c.channel}`}>
                    <thead>
                      <tr>
                        <th scope="col">{t('fc.interval')}</th>
                        <th scope="col" class="num">{t('fc.volume')}</th>
                        <th scope="col" class="num">{t('fc.agents')}</th>
                        <th scope="col" class="num">{t('fc.scheduled')}</th>
                        {c.model !== 'workload' && (
                          <>
                            <th scope="col" class="num">{t('fc.serviceLevel')}</th>
                            <th scope="col" class="num">{t('fc.asa')}</th>
                            <th scope="col" class="num">{t('fc.occupancy')}</th>
                          </>
                        )}
                        {c.model === 'erlang-a' && (
                          <>
                            <th scope="col" class="num">{t('fc.abandon')}</th>
                            <th scope="col" class="num">{t('fc.erlangC')}</th>
                          </>
                        )}
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((i) => (
                        <tr key={i.starts_at} data-testid={`fc-interval-${c.channel}-${i.start}${i.repeat === 'second' ? '-2' : ''}`}>
                          <th scope="row">{i.repeat ? t(`fc.repeat.${i.repeat}`, { time: i.start }) : i.start}</th>
                          <td class="num">{formatFixed(i.volume, 1)}</td>
                          <td class="num">{formatFixed(i.agents, 1)}</td>
                          <td class="num">{formatNumber(i.scheduled)}</td>
                          {c.model !== 'workload' && (
                            <>
                              <td class="num">{i.service_level == null ? '–' : formatPercent(i.service_level)}</td>
                              <td class="num">{i.asa_seconds == null ? '–' : formatFixed(i.asa_seconds, 1)}</td>
                              <td class="num">{i.occupancy == null ? '–' : formatPercent(i.occupancy)}</td>
                            </>
                          )}
                          {c.model === 'erlang-a' && (
                            <>
                              <td class="num">{i.abandon_rate == null ? '–' : formatPercent(i.abandon_rate)}</td>
                              <td class="num">{i.erlang_c_agents == null ? '–' : formatNumber(i.erlang_c_agents)}</td>
                            </>
                          )}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </div>
          );
        })}
    </section>
  );
}
