// The project's GDPR retention rule (client admins, platform admins): closed
// cases older than N months are anonymized or deleted by the daily job; the
// dry run shows what the next run would do.

import { useEffect, useState } from 'preact/hooks';
import { api, type ErasureMode, type RetentionOutcome, type RetentionRule } from '../api';
import { formatDateTime, t } from '../i18n';
import { ErrorBox } from './ErrorBox';
import { Field } from './Field';
import { LocaleInput } from './LocaleInput';
import { Loading } from './Page';
import { useLoad } from './useLoad';

export function RetentionCard({ projectId }: { projectId: number }) {
  // `null` when the project has no rule yet.
  const rule = useLoad(() => api.get<RetentionRule | null>(`/projects/${projectId}/retention`), [projectId]);
  const [months, setMonths] = useState<number | null>(24);
  const [action, setAction] = useState<ErasureMode>('anonymize');
  const [enabled, setEnabled] = useState(true);
  const [preview, setPreview] = useState<RetentionOutcome | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (rule.data) {
      setMonths(rule.data.months);
      setAction(rule.data.action);
      setEnabled(rule.data.enabled);
    }
  }, [rule.data]);

  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const save = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api.put<RetentionRule>(`/projects/${projectId}/retention`, { months, action, enabled });
      setPreview(null);
      await rule.reload();
    });
  };

  return (
    <section class="card" aria-labelledby="retention-title" data-testid="retention-card">
      <h2 id="retention-title">{t('retention.title')}</h2>
      <p class="muted">{t('retention.intro')}</p>
      {rule.loading && rule.data === undefined && <Loading />}
      <form class="form" onSubmit={save}>
        <div class="form-row">
          <Field label={t('retention.months')}>
            <LocaleInput kind="integer" min={1} max={1200} required value={months} onValue={setMonths} data-testid="retention-months" />
          </Field>
          <Field label={t('retention.action')}>
            <select value={action} onChange={(e) => setAction(e.currentTarget.value as ErasureMode)} data-testid="retention-action">
              <option value="anonymize">{t('gdpr.mode.anonymize')}</option>
              <option value="delete">{t('gdpr.mode.delete')}</option>
            </select>
          </Field>
        </div>
        <label class="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> {t('retention.enabled')}
        </label>
        {rule.data?.last_run_at && <p class="muted">{t('retention.lastRun', { at: formatDateTime(rule.data.last_run_at) })}</p>}
        <ErrorBox error={error ?? rule.error} />
        <div class="form-actions">
          {rule.data && (
            <button
              type="button"
              class="btn"
              disabled={busy}
              data-testid="retention-preview"
              onClick={() => void run(async () => setPreview(await api.get<RetentionOutcome>(`/projects/${projectId}/retention/preview`)))}
            >
              {t('retention.preview')}
            </button>
          )}
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="retention-save">
            {t('common.save')}
          </button>
        </div>
      </form>
      {preview && (
        <div class="alert" role="status" data-testid="retention-preview-result">
          {t('retention.previewResult', {
            n: preview.cases,
            messages: preview.messages,
            attachments: preview.attachments,
            cutoff: formatDateTime(preview.cutoff),
          })}
          {preview.sample.length > 0 && <div class="mono">{preview.sample.join(', ')}</div>}
        </div>
      )}
    </section>
  );
}
