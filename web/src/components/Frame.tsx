import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type User } from '../api';
import { setLocale, t, type Locale } from '../i18n';
import { matchPath } from '../router';
import { NAV_SECTIONS, routes, type RouteDef } from '../routes';
import { useSession } from '../session';
import { InstructionBanner } from './InstructionBanner';
import { StateSwitch, takesCases } from './StateSwitch';
import { LanguageSwitch } from './LanguageSwitch';
import { NotificationBell } from './NotificationBell';
import { Link } from './Link';
import { ShortcutLayer } from './shortcuts';
import { ForbiddenPage, NotFoundPage } from '../pages/NotFound';

/** The logged-in frame: header, navigation and the current page. */
export function Frame({ path }: { path: string }) {
  const { me } = useSession();
  const [navOpen, setNavOpen] = useState(false);

  let content = <NotFoundPage />;
  for (const r of routes) {
    if (!r.page) continue;
    const params = matchPath(r.path, path);
    if (!params) continue;
    const Page = r.page;
    content = !r.allowed || r.allowed(me) ? <Page params={params} /> : <ForbiddenPage />;
    break;
  }

  // Move focus to the main region after in-app navigation (for screen readers / keyboard users).
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
    setNavOpen(false);
  }, [path]);

  return (
    <div class="frame">
      <a class="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <Header navOpen={navOpen} onToggleNav={() => setNavOpen(!navOpen)} />
      <div class="frame-body">
        <Nav path={path} open={navOpen} />
        <main id="main" class="main" tabIndex={-1} ref={mainRef}>
          {me.projects.length > 0 && <InstructionBanner />}
          {content}
        </main>
      </div>
      <ShortcutLayer />
    </div>
  );
}

function Header({ navOpen, onToggleNav }: { navOpen: boolean; onToggleNav: () => void }) {
  const { me, setMe, projectId, setProjectId } = useSession();
  const changeLocale = async (l: Locale) => {
    setLocale(l);
    try {
      const user = await api.patch<User>('/me', { locale: l });
      setMe({ ...me, user });
    } catch {
      /* the UI language already changed; saving is best effort */
    }
  };
  return (
    <header class="header">
      <button type="button" class="btn-icon nav-toggle" aria-expanded={navOpen} aria-controls="main-nav" onClick={onToggleNav} data-testid="nav-toggle">
        <span aria-hidden="true">☰</span>
        <span class="sr-only">{t('app.menu')}</span>
      </button>
      <Link href="/" class="brand">
        {t('app.name')}
      </Link>
      <div class="header-tools">
        {me.projects.length > 0 && (
          <label class="project-switch select-compact">
            <span class="sr-only">{t('app.project')}</span>
            <span class="select-compact-value" aria-hidden="true" data-testid="project-key">
              {me.projects.find((p) => p.id === projectId)?.key ?? '—'}
            </span>
            <select
              data-testid="project-switch"
              value={projectId ?? ''}
              onChange={(e) => setProjectId(Number(e.currentTarget.value) || null)}
            >
              {me.projects.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.key} · {p.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {takesCases(me) && <StateSwitch />}
        <LanguageSwitch onChange={changeLocale} />
        <NotificationBell />
        <UserMenu />
      </div>
    </header>
  );
}

function UserMenu() {
  const { me, logout } = useSession();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        ref.current?.querySelector<HTMLElement>('button')?.focus();
      }
    };
    const onClick = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);
  const initials = me.user.name
    .split(/\s+/)
    .map((w) => w[0])
    .slice(0, 2)
    .join('')
    .toUpperCase();
  return (
    <div class="user-menu" ref={ref}>
      <button type="button" class="user-button" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="user-menu">
        <span class="avatar" aria-hidden="true">
          {initials}
        </span>
        <span class="user-name">{me.user.name}</span>
        <span class="sr-only">{t('app.userMenu')}</span>
      </button>
      {open && (
        <div class="user-popup">
          <div class="user-popup-info">
            <strong>{me.user.name}</strong>
            <span class="muted">{me.user.email}</span>
            <span class="muted">{t(`role.${me.user.role}`)}</span>
          </div>
          <Link href="/settings/password" class="menu-item" onNavigate={() => setOpen(false)}>
            {t('nav.password')}
          </Link>
          <Link href="/settings/tokens" class="menu-item" onNavigate={() => setOpen(false)}>
            {t('nav.tokens')}
          </Link>
          <button type="button" class="menu-item" onClick={() => void logout()} data-testid="logout">
            {t('app.logout')}
          </button>
        </div>
      )}
    </div>
  );
}

function isActive(r: RouteDef, path: string): boolean {
  if (r.path === '/') return path === '/';
  return path === r.path || path.startsWith(r.path + '/');
}

function Nav({ path, open }: { path: string; open: boolean }) {
  const { me } = useSession();
  const visible = routes.filter((r) => r.nav && (!r.allowed || r.allowed(me)));
  return (
    <nav id="main-nav" class={open ? 'nav nav-open' : 'nav'} aria-label={t('app.mainNav')}>
      {NAV_SECTIONS.map((section) => {
        const items = visible.filter((r) => r.nav!.section === section.id);
        if (!items.length) return null;
        return (
          <div class="nav-section" key={section.id}>
            {section.label && <div class="nav-heading">{t(section.label)}</div>}
            <ul>
              {items.map((r) => (
                <li key={r.path}>
                  {r.external ? (
                    <a href={r.path} class="nav-link" data-testid={r.nav!.testId}>
                      {t(r.nav!.label)} <span aria-hidden="true">↗</span>
                    </a>
                  ) : (
                    <Link href={r.path} class="nav-link" testId={r.nav!.testId} current={isActive(r, path)}>
                      {t(r.nav!.label)}
                    </Link>
                  )}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </nav>
  );
}
