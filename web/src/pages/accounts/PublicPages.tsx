// The pages anyone reaches without signing in: "forgot password" and
// setting a password through the one-time link of an e-mail.

import { useEffect, useState } from 'preact/hooks';
import { api, type PasswordLink } from '../../api';
import { formatDateTime, setLocale, t } from '../../i18n';
import { navigate, onLinkClick } from '../../router';
import { ErrorBox } from '../../components/ErrorBox';
import { Field } from '../../components/Field';
import { LanguageSwitch } from '../../components/LanguageSwitch';

/** Paths served outside the sign-in. */
export const PUBLIC_PATHS = ['/forgot-password', '/set-password'];

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.includes(path);
}

export function PublicPage({ path }: { path: string }) {
  return path === '/set-password' ? <SetPasswordPage /> : <ForgotPasswordPage />;
}

function Card({ title, testId, children }: { title: string; testId: string; children: preact.ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  });
  return (
    <main class="login" id="main">
      <div class="login-lang">
        <LanguageSwitch onChange={(l) => setLocale(l)} />
      </div>
      <div class="login-card form" data-testid={testId}>
        <div class="login-brand">{t('app.name')}</div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/** "Forgot password": the same answer whether or not the address is known. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post('/auth/password-reset', { email: email.trim() });
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('forgot.title')} testId="forgot-page">
      {done ? (
        <p role="status" data-testid="forgot-done">
          {t('forgot.done')}
        </p>
      ) : (
        <form onSubmit={submit} class="form" data-testid="forgot-form">
          <p class="muted">{t('forgot.intro')}</p>
          <Field label={t('login.email')}>
            <input type="email" name="email" autoComplete="username" required autoFocus value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="forgot-email" />
          </Field>
          <ErrorBox error={error} />
          <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="forgot-submit">
            {busy ? t('forgot.busy') : t('forgot.submit')}
          </button>
        </form>
      )}
      <p>
        <a href="/login" onClick={onLinkClick} data-testid="forgot-back">
          {t('forgot.back')}
        </a>
      </p>
    </Card>
  );
}

/** A new password through the link's token (`?token=`). */
export function SetPasswordPage() {
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Whom the link is for; a link that no longer works says so at once.
  const [link, setLink] = useState<PasswordLink | null>(null);
  const [linkError, setLinkError] = useState<unknown>(null);

  useEffect(() => {
    if (!token) return;
    api
      .post<PasswordLink>('/auth/password-link', { token })
      .then(setLink)
      .catch(setLinkError);
  }, [token]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (next !== repeat) {
      setError(new Error(t('password.mismatch')));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post('/auth/set-password', { token, password: next });
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (linkError)
    return (
      <Card title={t('setPassword.title')} testId="set-password-page">
        <ErrorBox error={linkError} />
        <a href="/forgot-password" onClick={onLinkClick} data-testid="set-password-new-link">
          {t('setPassword.newLink')}
        </a>
      </Card>
    );
  if (!token)
    return (
      <Card title={t('setPassword.title')} testId="set-password-page">
        <p role="alert">{t('setPassword.noToken')}</p>
        <a href="/forgot-password" onClick={onLinkClick}>
          {t('setPassword.newLink')}
        </a>
      </Card>
    );
  return (
    <Card title={t('setPassword.title')} testId="set-password-page">
      {done ? (
        <>
          <p role="status" data-testid="set-password-done">
            {t('setPassword.done')}
          </p>
          <button type="button" class="btn btn-primary btn-block" onClick={() => navigate('/login', true)} data-testid="set-password-login">
            {t('setPassword.toLogin')}
          </button>
        </>
      ) : (
        <form onSubmit={submit} class="form" data-testid="set-password-form">
          {link && (
            <p data-testid="set-password-for">
              {t('setPassword.for', { email: link.email, at: formatDateTime(link.expires_at) })}
            </p>
          )}
          <p class="muted">{t('setPassword.intro')}</p>
          <Field label={t('setPassword.new')} hint={t('password.hint')}>
            <input type="password" required minLength={10} maxLength={256} autoComplete="new-password" autoFocus value={next} onInput={(e) => setNext(e.currentTarget.value)} data-testid="set-password-new" />
          </Field>
          <Field label={t('setPassword.repeat')}>
            <input type="password" required autoComplete="new-password" value={repeat} onInput={(e) => setRepeat(e.currentTarget.value)} data-testid="set-password-repeat" />
          </Field>
          <ErrorBox error={error} />
          <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="set-password-submit">
            {busy ? t('setPassword.busy') : t('setPassword.submit')}
          </button>
          <a href="/forgot-password" onClick={onLinkClick}>
            {t('setPassword.newLink')}
          </a>
        </form>
      )}
    </Card>
  );
}
