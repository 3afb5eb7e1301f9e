// The bell in the header: the caller's rule notifications (issue 15) with
// the unread count, a dropdown list linking to the cases, "mark read".
// Live: the `notification` event reloads it; a reconnect reloads too.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, query, type Notification, type NotificationPage } from '../api';
import { formatShort, t } from '../i18n';
import { useLiveEvents } from './events';
import { Link } from './Link';

export function NotificationBell() {
  const [page, setPage] = useState<NotificationPage | null>(null);
  const [older, setOlder] = useState<Notification[]>([]);
  const [cursor, setCursor] = useState<number | null>(null);
  const [open, setOpen] = useState(false);
  const [failed, setFailed] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  const load = useCallback(async () => {
    try {
      const first = await api.get<NotificationPage>(`/notifications${query({ limit: 20 })}`);
      setPage(first);
      setOlder([]);
      setCursor(first.next_before ?? null);
      setFailed(false);
    } catch {
      setFailed(true);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  useLiveEvents((e) => {
    if (e.kind === 'notification' || e.kind === 'reconnect') void load();
  });

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

  const markRead = async (n: Notification) => {
    if (n.read_at) return;
    try {
      await api.post(`/notifications/${n.id}/read`);
    } finally {
      void load();
    }
  };
  const readAll = async () => {
    try {
      await api.post('/notifications/read-all');
    } finally {
      void load();
    }
  };
  const more = async () => {
    if (cursor == null) return;
    try {
      const next = await api.get<NotificationPage>(`/notifications${query({ limit: 20, before: cursor })}`);
      setOlder([...older, ...next.items]);
      setCursor(next.next_before ?? null);
    } catch {
      setFailed(true);
    }
  };

  const unread = page?.unread ?? 0;
  const items = [...(page?.items ?? []), ...older];
  return (
    <div class="bell" ref={ref}>
      <button
        type="button"
        class="btn-icon bell-button"
        aria-expanded={open}
        aria-label={unread ? `${t('notifications.bell')}: ${t('notifications.unread', { n: unread })}` : t('notifications.bell')}
        onClick={() => setOpen(!open)}
        data-testid="notification-bell"
      >
        <span aria-hidden="true">🔔</span>
        {unread > 0 && (
          <span class="bell-count" data-testid="notification-count">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div class="bell-popup" role="dialog" aria-label={t('notifications.title')} data-testid="notification-list">
          <div class="bell-head">
            <strong>{t('notifications.title')}</strong>
            {unread > 0 && (
              <button type="button" class="btn-link" onClick={() => void readAll()} data-testid="notifications-read-all">
                {t('notifications.readAll')}
              </button>
            )}
          </div>
          {failed && <p class="muted">{t('notifications.failed')}</p>}
          {!failed && items.length === 0 && <p class="muted">{t('notifications.none')}</p>}
          <ul class="bell-items">
            {items.map((n) => (
              <li key={n.id} class={n.read_at ? 'bell-item' : 'bell-item bell-unread'}>
                <Link
                  href={`/cases/${n.case_id}`}
                  class="bell-link"
                  onNavigate={() => {
                    setOpen(false);
                    void markRead(n);
                  }}
                >
                  <span class="bell-ref">{n.case_reference}</span> {n.case_subject}
                  <span class="bell-text">{n.text}</span>
                  <span class="muted bell-meta">
                    {formatShort(n.created_at)}
                    {n.rule_name ? ` · ${t('notifications.byRule', { rule: n.rule_name })}` : ''}
                  </span>
                </Link>
                {!n.read_at && (
                  <button type="button" class="btn-link bell-mark" onClick={() => void markRead(n)}>
                    {t('notifications.markRead')}
                  </button>
                )}
              </li>
            ))}
          </ul>
          {cursor != null && (
            <button type="button" class="btn-link" onClick={() => void more()}>
              {t('notifications.more')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
