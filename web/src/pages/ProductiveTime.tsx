// Productive time (issue 18, workforce): per agent, project and day from the
// state log and the handling time recorded on cases, exact to the second,
// with the project lead's corrections (recorded with a reason; the log is
// never changed). Agents see their own, leads and client admins their
// projects'.

import { useState } from 'preact/hooks';
import { api, type ProductiveReport, type ProductiveRow } from '../api';
import { formatDate, formatDuration, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { useSession } from '../session';
import { StateLogView } from './StateLog';
import type { MsgKey } from '../i18n';

const TABS = ['time', 'log'] as const;
type Tab = (typeof TABS)[number];


const isoDay = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

function CorrectionForm({ row, onDone }: { row: ProductiveRow; onDone: () => void }) {
  const [minutes, setMinutes] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await api.post('/workforce/productive-time/corrections', {
        user_id: row.user_id,
        project_id: row.project_id,
        day: row.day,
        seconds: Math.round(Number(minutes.replace(',', '.')) * 60),
        reason,
      });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="inline-form" onSubmit={(e) => void submit(e)} data-testid="correction-form">
      <Field label={t('productive.seconds')} inline>
        <input inputMode="decimal" value={minutes} required onInput={(e) => setMinutes(e.currentTarget.value)} size={6} />
      </Field>
      <Field label={t('productive.reason')} inline>
        <input value={reason} required maxLength={500} onInput={(e) => setReason(e.currentTarget.value)} />
      </Field>
      <button type="submit" class="btn small">
        {t('productive.save')}
      </button>
      {error != null && <ErrorBox error={error} />}
    </form>
  );
}

export function ProductiveTimePage() {
  const { me } = useSession();
  const today = isoDay(new Date());
  const [from, setFrom] = useState(isoDay(new Date(Date.now() - 6 * 86_400_000)));
  const [to, setTo] = useState(today);
  const [projectId, setProjectId] = useState<number | ''>('');
  const [correcting, setCorrecting] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('time');
  const report = useLoad(
    () => api.get<ProductiveReport>(`/workforce/productive-time?from=${from}&to=${to}${projectId ? `&project_id=${projectId}` : ''}`),
    [from, to, projectId],
  );
  const key = (r: ProductiveRow) => `${r.user_id}-${r.project_id}-${r.day}`;
  return (
    <Page title={t('productive.title')} testId="productive-page" wide>
      <div class="tabs productive-tabs" role="tablist" aria-label={t('productive.title')}>
        {TABS.map((x) => (
          <button
            key={x}
            type="button"
            role="tab"
            id={`productive-tab-${x}`}
            class="tab"
            aria-selected={tab === x}
            aria-controls="productive-panel"
            onClick={() => setTab(x)}
            data-testid={`productive-tab-${x}`}
          >
            {t(`productive.tab.${x}` as MsgKey)}
          </button>
        ))}
      </div>
      <div id="productive-panel" role="tabpanel" aria-labelledby={`productive-tab-${tab}`}>
        {tab === 'log' ? (
          <>
            <div class="inline-form">
              <Field label={t('wf.project')}>
                <select value={projectId} onChange={(e) => setProjectId(e.currentTarget.value ? Number(e.currentTarget.value) : '')}>
                  <option value="">–</option>
                  {me.projects.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.client_name} – {p.name}
                    </option>
                  ))}
                </select>
              </Field>
            </div>
            <StateLogView projectId={projectId} />
          </>
        ) : (
          <>
            <p class="muted">{t('productive.help')}</p>
            <div class="inline-form">
              <Field label={t('wf.from')}>
                <input type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
              </Field>
              <Field label={t('wf.to')}>
                <input type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
              </Field>
              <Field label={t('wf.project')}>
                <select value={projectId} onChange={(e) => setProjectId(e.currentTarget.value ? Number(e.currentTarget.value) : '')}>
                  <option value="">–</option>
                  {me.projects.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.client_name} – {p.name}
                    </option>
                  ))}
                </select>
              </Field>
            </div>
            {report.error != null && <ErrorBox error={report.error} />}
            {!report.data ? (
              <Loading />
            ) : report.data.rows.length === 0 ? (
              <p class="muted">{t('wf.none')}</p>
            ) : (
              <div class="table-wrap">
                <table class="table" data-testid="productive-table">
                  <thead>
                    <tr>
                      <th>{t('wf.agent')}</th>
                      <th>{t('wf.project')}</th>
                      <th>{t('wf.day')}</th>
                      <th>{t('productive.states')}</th>
                      <th class="num">{t('productive.handling')}</th>
                      <th class="num">{t('productive.productive')}</th>
                      <th class="num">{t('productive.correction')}</th>
                      <th class="num">{t('productive.total')}</th>
                      {report.data.may_correct && <th />}
                    </tr>
                  </thead>
                  <tbody>
                    {report.data.rows.map((r) => (
                      <tr key={key(r)} data-testid="productive-row">
                        <td>{r.user_name}</td>
                        <td>{r.project_name}</td>
                        <td>{formatDate(r.day)}</td>
                        <td class="muted">{r.states.map((s) => `${t(`wf.state.${s.state}`)} ${formatDuration(s.seconds)}`).join(' · ')}</td>
                        <td class="num">{formatDuration(r.handling_seconds)}</td>
                        <td class="num">{formatDuration(r.productive_seconds)}</td>
                        <td class="num" title={r.corrections.map((c) => `${c.created_by_name ?? ''}: ${c.reason}`).join('\n')}>
                          {r.correction_seconds ? `${r.correction_seconds > 0 ? '+' : '−'}${formatDuration(Math.abs(r.correction_seconds))}` : '–'}
                        </td>
                        <td class="num">
                          <strong>{formatDuration(r.total_seconds)}</strong>
                        </td>
                        {report.data!.may_correct && (
                          <td>
                            {correcting === key(r) ? (
                              <CorrectionForm
                                row={r}
                                onDone={() => {
                                  setCorrecting(null);
                                  void report.reload();
                                }}
                              />
                            ) : (
                              <button type="button" class="btn small" onClick={() => setCorrecting(key(r))}>
                                {t('productive.correct')}
                              </button>
                            )}
                          </td>
                        )}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </div>
    </Page>
  );
}
