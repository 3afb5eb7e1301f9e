import { useState } from 'preact/hooks';
import { api } from '../api';
import { t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Page } from '../components/Page';

/** Self-service password change: the current password is required; the server revokes every other session and all API tokens. */
export function PasswordPage() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setDone(false);
    if (next !== repeat) {
      setError(new Error(t('password.mismatch')));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post('/me/password', { current_password: current, new_password: next });
      setCurrent('');
      setNext('');
      setRepeat('');
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={t('password.title')} testId="password-page">
      <p class="muted">{t('password.intro')}</p>
      <form class="form" onSubmit={submit} data-testid="password-form">
        <ErrorBox error={error} />
        {done && (
          <p role="status" data-testid="password-done">
            {t('password.done')}
          </p>
        )}
        <Field label={t('password.current')}>
          <input type="password" required autoComplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} data-testid="password-current" />
        </Field>
        <Field label={t('password.new')} hint={t('password.hint')}>
          <input type="password" required minLength={10} maxLength={256} autoComplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} data-testid="password-new" />
        </Field>
        <Field label={t('password.repeat')}>
          <input type="password" required autoComplete="new-password" value={repeat} onInput={(e) => setRepeat(e.currentTarget.value)} data-testid="password-repeat" />
        </Field>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="password-submit">
            {t('password.submit')}
          </button>
        </div>
      </form>
    </Page>
  );
}
