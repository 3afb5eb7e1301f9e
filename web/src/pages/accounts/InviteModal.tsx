// "Send invitation" on a user: the latest invitation and where its e-mail
// stands (queued, sent, failed with the reason), and sending a new one.

import { useEffect, useState } from 'preact/hooks';
import { api, type Invitation, type LatestInvitation, type User } from '../../api';
import { formatDateTime, hasMessage, t, type MsgKey } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Modal } from '../../components/Modal';

/** `send`: send one at once (right after creating the user). */
export function InviteModal({ user, send, onClose }: { user: User; send?: boolean; onClose: () => void }) {
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = async () => {
    try {
      setInvitation((await api.get<LatestInvitation>(`/users/${user.id}/invitation`)).invitation);
    } catch (e) {
      setError(e);
    } finally {
      setLoaded(true);
    }
  };

  const invite = async () => {
    setBusy(true);
    setError(null);
    try {
      setInvitation(await api.post<Invitation>(`/users/${user.id}/invitation`));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (send) void invite().then(() => setLoaded(true));
    else void load();
  }, []);

  // While the mail is on its way, its state is polled.
  const pending = invitation?.state === 'queued' || invitation?.state === 'retrying';
  useEffect(() => {
    if (!pending) return;
    const timer = window.setInterval(() => void load(), 1000);
    return () => window.clearInterval(timer);
  }, [pending]);

  return (
    <Modal title={t('invite.title', { name: user.name })} onClose={onClose} testId="invite-modal">
      <p class="muted">{t('invite.intro', { email: user.email })}</p>
      {loaded && !invitation && !error && <p data-testid="invite-none">{t('invite.none')}</p>}
      {invitation && <InvitationState invitation={invitation} />}
      <ErrorBox error={error} />
      <div class="form-actions">
        <button type="button" class="btn" onClick={onClose} data-testid="invite-close">
          {t('common.close')}
        </button>
        <button type="button" class="btn btn-primary" disabled={busy || pending} onClick={() => void invite()} data-testid="invite-send">
          {invitation ? t('invite.sendAgain') : t('invite.send')}
        </button>
      </div>
    </Modal>
  );
}

function InvitationState({ invitation: inv }: { invitation: Invitation }) {
  const reasonKey = `delivery.reason.${inv.error_code ?? 'other'}`;
  const reason = hasMessage(reasonKey) ? t(reasonKey as MsgKey) : t('delivery.reason.other');
  return (
    <div data-testid="invite-state" data-state={inv.state}>
      {inv.state === 'queued' && <p role="status">{t('invite.state.queued')}</p>}
      {inv.state === 'retrying' && (
        <p role="status">
          {t('invite.state.retrying', { at: formatDateTime(inv.next_attempt_at) })} {t('invite.reason', { reason })}
        </p>
      )}
      {inv.state === 'sent' && <p role="status">{t('invite.state.sent', { at: formatDateTime(inv.sent_at) })}</p>}
      {inv.state === 'failed' && (
        <p role="alert" class="alert alert-error">
          {t('invite.state.failed')} {t('invite.reason', { reason })}
        </p>
      )}
      {inv.used_at ? (
        <p class="muted">{t('invite.used', { at: formatDateTime(inv.used_at) })}</p>
      ) : (
        inv.state !== 'failed' && <p class="muted">{t('invite.expires', { at: formatDateTime(inv.expires_at) })}</p>
      )}
    </div>
  );
}
