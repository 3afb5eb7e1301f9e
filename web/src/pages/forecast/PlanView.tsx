// The planning grid: months × channels. Months before their deadline take
// input (numbers the UI language's way); the others show their values. On
// a phone each month is a card (`.table-cards`), a line per channel.

import { useEffect, useState } from 'preact/hooks';
import { api, type Channel, type ForecastCurrent, type ForecastEntry } from '../../api';
import { formatDateTime, formatNumber, t } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Field } from '../../components/Field';
import { LocaleInput } from '../../components/LocaleInput';
import { Loading } from '../../components/Page';
import { formatLocalDate, formatMonth } from './format';
import { useForecast } from './useForecast';

const key = (month: string, channel: Channel) => `${month}|${channel}`;

function cellsOf(current: ForecastCurrent): Record<string, number | null> {
  const cells: Record<string, number | null> = {};
  for (const m of current.months) for (const v of m.volumes) cells[key(m.month, v.channel)] = v.volume;
  return cells;
}

export function PlanView(props: { projectId: number; manage: boolean }) {
  const { current, versions } = useForecast(props.projectId);
  const [saved, setSaved] = useState<number | null>(null);
  if (!current.data) return current.error ? <ErrorBox error={current.error} /> : <Loading />;
  return (
    <>
      <PlanGrid
        key={current.data.version}
        current={current.data}
        projectId={props.projectId}
        manage={props.manage}
        onSaved={(version) => {
          setSaved(version);
          void current.reload();
          void versions.reload();
        }}
      />
      {saved !== null && (
        <p class="muted" role="status" data-testid="fc-saved">
          {t('fc.saved', { version: saved })}
        </p>
      )}
      {versions.data && versions.data.items.length > 0 && (
        <section class="fc-versions">
          <h2>{t('fc.versions')}</h2>
          <ul data-testid="fc-versions">
            {versions.data.items.map((v) => (
              <li key={v.version}>
                {t('fc.versionLine', { version: v.version, who: v.created_by_name, at: formatDateTime(v.created_at) })}
                {' · '}
                {t('fc.versionCells', { n: v.entries.length })}
                {v.note && <span class="muted"> · {v.note}</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

function PlanGrid(props: { projectId: number; current: ForecastCurrent; manage: boolean; onSaved: (version: number) => void }) {
  const { current } = props;
  const [cells, setCells] = useState(() => cellsOf(current));
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setError(null), [cells]);
  const open = current.months.filter((m) => m.editable);
  const edit = props.manage && open.length > 0;

  const save = async () => {
    setBusy(true);
    setError(null);
    const entries: ForecastEntry[] = [];
    for (const m of open)
      for (const channel of current.channels) {
        const v = cells[key(m.month, channel)];
        if (v !== null && v !== undefined) entries.push({ month: m.month, channel, volume: v });
      }
    try {
      const result = await api.put<ForecastCurrent>(`/projects/${props.projectId}/forecast`, {
        expected_version: current.version,
        note,
        entries,
      });
      props.onSaved(result.version);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="fc-plan">
      <p class="muted" data-testid="fc-version">
        {current.version === 0
          ? t('fc.noVersion')
          : t('fc.current', { version: current.version, who: current.changed_by_name ?? '', at: formatDateTime(current.changed_at) })}{' '}
        {t('fc.zone', { zone: current.time_zone })}
      </p>
      {!props.manage && <p class="muted">{t('fc.readOnly')}</p>}
      {props.manage && open.length === 0 && <p class="muted">{t('fc.nothingOpen')}</p>}
      <div class="table-wrap">
        <table class="table table-cards fc-grid" data-testid="fc-grid">
          <thead>
            <tr>
              <th scope="col">{t('fc.month')}</th>
              {current.channels.map((c) => (
                <th scope="col" key={c} class="num">
                  {t(`channel.${c}`)}
                </th>
              ))}
              <th scope="col">{t('fc.deadline')}</th>
            </tr>
          </thead>
          <tbody>
            {current.months.map((m) => (
              <tr key={m.month} data-testid={`fc-row-${m.month}`} class={m.editable ? 'fc-open' : 'fc-locked'}>
                <th scope="row">{formatMonth(m.month)}</th>
                {current.channels.map((c) => {
                  const v = cells[key(m.month, c)] ?? null;
                  return (
                    <td key={c} class="num" data-label={t(`channel.${c}`)}>
                      {props.manage && m.editable ? (
                        <LocaleInput
                          kind="integer"
                          value={v}
                          min={0}
                          max={10000000}
                          aria-label={`${formatMonth(m.month)} – ${t(`channel.${c}`)}`}
                          data-testid={`fc-cell-${m.month}-${c}`}
                          onValue={(x) => setCells({ ...cells, [key(m.month, c)]: x })}
                        />
                      ) : (
                        <span data-testid={`fc-value-${m.month}-${c}`}>{v === null ? '–' : formatNumber(v)}</span>
                      )}
                    </td>
                  );
                })}
                <td class="fc-deadline" data-label={t('fc.deadline')}>
                  {m.editable ? t('fc.deadlineUntil', { date: formatLocalDate(m.deadline) }) : <span class="muted">{t('fc.locked')}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {edit && (
        <div class="fc-save">
          <Field label={t('fc.note')}>
            <input type="text" maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="fc-note" />
          </Field>
          <ErrorBox error={error} />
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void save()} data-testid="fc-save">
            {t('fc.save')}
          </button>
        </div>
      )}
    </div>
  );
}
