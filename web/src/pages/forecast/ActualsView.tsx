// Actual against forecast per day and channel of a month, each deviation
// in its corridor (normal, past normal, past the agreed limit), and the
// deviations the nightly job recorded for billing.

import { api, type ForecastActuals, type ForecastComparison } from '../../api';
import { formatNumber, t } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Loading } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import { dayNote, formatDay, formatDeviation, formatFixed } from './format';
import { MonthPicker } from './MonthPicker';
import { shownMonth, useForecast } from './useForecast';

function Cell(props: { c: ForecastComparison | undefined; normal: number; limit: number; testId?: string }) {
  const c = props.c;
  if (!c) return <td class="num">–</td>;
  const label =
    c.corridor === 'none'
      ? ''
      : t(`fc.corridor.${c.corridor}`, { n: c.corridor === 'normal' || c.corridor === 'attention' ? props.normal : props.limit });
  return (
    <td class={`num fc-corridor-${c.corridor}`} title={label || undefined} data-testid={props.testId} data-corridor={c.corridor}>
      <span>{c.forecast == null ? formatNumber(c.actual) : t('fc.actualOf', { actual: formatNumber(c.actual), forecast: formatFixed(c.forecast, 0) })}</span>
      {c.deviation_percent != null && <span class="fc-dev"> {formatDeviation(c.deviation_percent)}</span>}
      {c.forecast == null && <span class="muted"> ({t('fc.noForecast')})</span>}
    </td>
  );
}

export function ActualsView(props: { projectId: number; month: string | null; onMonth: (m: string) => void }) {
  const { current } = useForecast(props.projectId);
  const month = shownMonth(current.data, props.month);
  const actuals = useLoad(
    () => (month ? api.get<ForecastActuals>(`/projects/${props.projectId}/forecast/actuals?month=${month}`) : Promise.resolve(null)),
    [props.projectId, month],
  );
  if (!current.data || !month) return current.error ? <ErrorBox error={current.error} /> : <Loading />;
  const a = actuals.data;
  const channels = a?.totals.map((x) => x.channel) ?? [];
  return (
    <div class="fc-actuals">
      <MonthPicker current={current.data} month={month} onMonth={props.onMonth} />
      <ErrorBox error={actuals.error} />
      {!a && <Loading />}
      {a && (
        <>
          <p class="muted">{t('fc.legend', { normal: a.normal_percent, limit: a.limit_percent })}</p>
          {channels.length === 0 ? (
            <p class="muted">{t('fc.noChannels')}</p>
          ) : (
            <div class="table-wrap">
              <table class="table fc-actuals-table" data-testid="fc-actuals">
                <thead>
                  <tr>
                    <th scope="col">{t('fc.date')}</th>
                    {channels.map((c) => (
                      <th scope="col" key={c} class="num">
                        {t(`channel.${c}`)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  <tr class="fc-total" data-testid="fc-actuals-total">
                    <th scope="row">{t('fc.total')}</th>
                    {channels.map((c) => (
                      <Cell key={c} c={a.totals.find((x) => x.channel === c)} normal={a.normal_percent} limit={a.limit_percent} testId={`fc-total-${c}`} />
                    ))}
                  </tr>
                  {a.days.map((d) => {
                    const note = dayNote(d);
                    return (
                      <tr key={d.date} class={[d.open ? 'fc-open-day' : '', d.holiday ? 'fc-holiday' : ''].join(' ').trim() || undefined}>
                        <th scope="row" data-testid={`fc-actual-day-${d.date}`}>
                          {formatDay(d.date)}
                          {note && <span class="fc-day-note">{note}</span>}
                        </th>
                        {channels.map((c) => (
                          <Cell key={c} c={d.channels.find((x) => x.channel === c)} normal={a.normal_percent} limit={a.limit_percent} testId={`fc-day-${d.date}-${c}`} />
                        ))}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          <section class="fc-recorded">
            <h2>{t('fc.recorded')}</h2>
            <p class="muted">{t('fc.recordedHelp')}</p>
            {a.recorded.length === 0 ? (
              <p class="muted" data-testid="fc-no-recorded">
                {t('fc.noRecorded')}
              </p>
            ) : (
              <ul data-testid="fc-recorded">
                {a.recorded.map((r) => (
                  <li key={r.channel}>
                    {t('fc.recordedLine', {
                      channel: t(`channel.${r.channel}`),
                      actual: formatNumber(r.actual_volume),
                      forecast: formatNumber(r.forecast_volume),
                      deviation: r.deviation_percent == null ? '–' : formatDeviation(r.deviation_percent),
                    })}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </div>
  );
}
