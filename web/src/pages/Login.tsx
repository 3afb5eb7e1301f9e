import { useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken, type Me } from '../api';
import { setLocale, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { onLinkClick } from '../router';

export function LoginPage({ onLogin }: { onLogin: (me: Me) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    document.title = `${t('login.title')} · ${t('app.name')}`;
  });

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api.post<Me>('/auth/login', { email: email.trim(), password });
      setCsrfToken(me.csrf_token);
      onLogin(me);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <main class="login" id="main">
      <div class="login-lang">
        <LanguageSwitch onChange={(l) => setLocale(l)} />
      </div>
      <form class="login-card form" onSubmit={submit} data-testid="login-form">
        <div class="login-brand">{t('app.name')}</div>
        <p class="muted login-subtitle">{t('login.subtitle')}</p>
        <h1>{t('login.title')}</h1>
        <Field label={t('login.email')}>
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            data-testid="login-email"
          />
        </Field>
        <Field label={t('login.password')}>
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            data-testid="login-password"
          />
        </Field>
        <ErrorBox error={error} />
        <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="login-submit">
          {busy ? t('login.busy') : t('login.submit')}
        </button>
        <p class="login-forgot">
          <a href="/forgot-password" onClick={onLinkClick} data-testid="login-forgot">
            {t('login.forgot')}
          </a>
        </p>
      </form>
    </main>
  );
}
