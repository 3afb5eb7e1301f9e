import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, onUnauthorized, setCsrfToken, type Me } from './api';
import { getLocale, onLocaleChange, setLocale, t } from './i18n';
import { navigate, usePath } from './router';
import { SessionContext, loadProjectId, saveProjectId, type Session } from './session';
import { Frame } from './components/Frame';
import { ErrorBox } from './components/ErrorBox';
import { LoginPage } from './pages/Login';
import { PublicPage, isPublicPath } from './pages/accounts/PublicPages';

export function App() {
  const path = usePath();
  // undefined = still asking the server, null = not logged in
  const [me, setMeState] = useState<Me | null | undefined>(undefined);
  const [bootError, setBootError] = useState<unknown>(null);
  const [projectId, setProjectIdState] = useState<number | null>(null);
  const [, setLocaleTick] = useState(getLocale());

  useEffect(() => onLocaleChange(() => setLocaleTick(getLocale())), []);

  const setMe = (next: Me | null) => {
    setCsrfToken(next?.csrf_token ?? null);
    setMeState(next);
    if (next) {
      if (next.user.locale) setLocale(next.user.locale);
      setProjectIdState(loadProjectId(next));
    }
  };

  const toLogin = () => {
    // "Forgot password" and the e-mail's link work without a session.
    if (isPublicPath(window.location.pathname)) return;
    const here = window.location.pathname + window.location.search;
    navigate(here === '/' || here.startsWith('/login') ? '/login' : `/login?next=${encodeURIComponent(here)}`, true);
  };

  useEffect(() => {
    onUnauthorized(() => {
      setCsrfToken(null);
      setMeState(null);
      toLogin();
    });
    api
      .get<Me>('/me')
      .then(setMe)
      .catch((e) => {
        if (e instanceof ApiError && e.status === 401) setMeState(null);
        else setBootError(e);
      });
  }, []);

  // Redirects between the login page and the app frame.
  useEffect(() => {
    if (me === null && path !== '/login' && !isPublicPath(path)) toLogin();
    if (me && path === '/login') navigate(safeNext(), true);
  }, [me, path]);

  if (isPublicPath(path)) return <PublicPage path={path} />;
  if (bootError)
    return (
      <main class="boot">
        <ErrorBox error={bootError} />
      </main>
    );
  if (me === undefined)
    return (
      <main class="boot">
        <p role="status">{t('app.loading')}</p>
      </main>
    );
  if (me === null) return path === '/login' ? <LoginPage onLogin={setMe} /> : null;
  if (path === '/login') return null; // redirecting to the app

  const session: Session = {
    me,
    setMe,
    refresh: async () => setMe(await api.get<Me>('/me')),
    projectId,
    setProjectId: (id) => {
      saveProjectId(id);
      setProjectIdState(id);
    },
    logout: async () => {
      try {
        await api.post('/auth/logout');
      } finally {
        setCsrfToken(null);
        navigate('/login', true);
        setMeState(null);
      }
    },
  };
  return (
    <SessionContext.Provider value={session}>
      <Frame path={path} />
    </SessionContext.Provider>
  );
}

/** The `next` query parameter if it is a local path, else `/`. */
function safeNext(): string {
  const next = new URLSearchParams(window.location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/';
}
