import { useState } from 'preact/hooks';
import { api, type ApiToken, type List, type NewApiToken } from '../api';
import { formatDateTime, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { ConfirmModal, FormModal, Modal } from '../components/Modal';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';

type Dialog = { kind: 'create' } | { kind: 'show'; token: NewApiToken } | { kind: 'revoke'; token: ApiToken } | null;

/** Offered lifetimes in days; 0: no expiry. */
const EXPIRY_DAYS = [30, 90, 365, 0] as const;

function expiry(tok: ApiToken) {
  if (!tok.expires_at) return <span class="muted">{t('tokens.never')}</span>;
  const expired = new Date(tok.expires_at).getTime() <= Date.now();
  return (
    <>
      {formatDateTime(tok.expires_at)}
      {expired && <span class="muted"> ({t('tokens.expired')})</span>}
    </>
  );
}

/** A list of tokens with a revoke button each. */
function TokenTable({ tokens, onRevoke }: { tokens: ApiToken[]; onRevoke: (tok: ApiToken) => void }) {
  return (
    <div class="table-wrap">
      <table class="table" data-testid="tokens-table">
        <thead>
          <tr>
            <th scope="col">{t('common.name')}</th>
            <th scope="col">{t('common.created')}</th>
            <th scope="col">{t('tokens.lastUsed')}</th>
            <th scope="col">{t('tokens.expires')}</th>
            <th scope="col" class="actions">
              <span class="sr-only">{t('common.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.length === 0 && <Empty colSpan={5} />}
          {tokens.map((tok) => (
            <tr key={tok.id}>
              <td>{tok.name}</td>
              <td>{formatDateTime(tok.created_at)}</td>
              <td>{tok.last_used_at ? formatDateTime(tok.last_used_at) : <span class="muted">{t('tokens.never')}</span>}</td>
              <td>{expiry(tok)}</td>
              <td class="actions">
                <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => onRevoke(tok)}>
                  {t('tokens.revoke')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** An admin's view of another user's tokens (platform admin: anyone; client admin: their client's users). */
export function UserTokensModal({ user, onClose }: { user: { id: number; name: string }; onClose: () => void }) {
  const list = useLoad(() => api.get<List<ApiToken>>(`/users/${user.id}/tokens`));
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  if (revoking) {
    return (
      <ConfirmModal
        title={t('tokens.revoke')}
        text={t('tokens.confirmRevoke', { name: revoking.name })}
        confirmLabel={t('tokens.revoke')}
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          await api.del(`/users/${user.id}/tokens/${revoking.id}`);
          await list.reload();
        }}
      />
    );
  }
  return (
    <Modal title={t('tokens.ofUser', { name: user.name })} onClose={onClose} testId="user-tokens">
      <p class="muted">{t('tokens.ofUserIntro')}</p>
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && <TokenTable tokens={list.data.items} onRevoke={setRevoking} />}
      <div class="form-actions">
        <button type="button" class="btn" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </Modal>
  );
}

export function TokensPage() {
  const list = useLoad(() => api.get<List<ApiToken>>('/me/tokens'));
  const [dialog, setDialog] = useState<Dialog>(null);
  const [name, setName] = useState('');
  const [days, setDays] = useState<number>(365);
  const close = () => setDialog(null);

  return (
    <Page
      title={t('tokens.title')}
      testId="tokens-page"
      actions={
        <button
          type="button"
          class="btn btn-primary"
          data-testid="new-token"
          onClick={() => {
            setName('');
            setDays(365);
            setDialog({ kind: 'create' });
          }}
        >
          {t('tokens.new')}
        </button>
      }
    >
      <p class="muted">{t('tokens.intro')}</p>
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && <TokenTable tokens={list.data.items} onRevoke={(token) => setDialog({ kind: 'revoke', token })} />}

      {dialog?.kind === 'create' && (
        <FormModal
          title={t('tokens.new')}
          submitLabel={t('common.create')}
          onClose={close}
          onSubmit={async () => {
            const token = await api.post<NewApiToken>('/me/tokens', { name: name.trim(), expires_in_days: days });
            await list.reload();
            // FormModal closes itself after success; open the one-time view right after.
            setTimeout(() => setDialog({ kind: 'show', token }), 0);
          }}
        >
          <Field label={t('common.name')}>
            <input required value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="token-name" />
          </Field>
          <Field label={t('tokens.expiry')}>
            <select value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))} data-testid="token-expiry">
              {EXPIRY_DAYS.map((d) => (
                <option key={d} value={String(d)}>
                  {t(`tokens.expiry.${d}`)}
                </option>
              ))}
            </select>
          </Field>
        </FormModal>
      )}
      {dialog?.kind === 'show' && <ShowToken token={dialog.token} onClose={close} />}
      {dialog?.kind === 'revoke' && (
        <ConfirmModal
          title={t('tokens.revoke')}
          text={t('tokens.confirmRevoke', { name: dialog.token.name })}
          confirmLabel={t('tokens.revoke')}
          onClose={close}
          onConfirm={async () => {
            await api.del(`/me/tokens/${dialog.token.id}`);
            await list.reload();
          }}
        />
      )}
    </Page>
  );
}

function ShowToken({ token, onClose }: { token: NewApiToken; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied(true);
    } catch {
      // The Clipboard API needs a secure context (HTTPS); fall back to selecting the text for Ctrl+C.
      const el = document.getElementById('new-token') as HTMLInputElement | null;
      el?.focus();
      el?.select();
    }
  };
  return (
    <Modal title={t('tokens.created')} onClose={onClose} testId="token-created">
      <p>{t('tokens.once')}</p>
      <div class="copy-row">
        <input id="new-token" class="mono" readOnly value={token.token} onFocus={(e) => e.currentTarget.select()} data-testid="token-value" />
        <button type="button" class="btn btn-primary" onClick={() => void copy()}>
          {copied ? t('tokens.copied') : t('tokens.copy')}
        </button>
      </div>
      <div class="form-actions">
        <button type="button" class="btn" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </Modal>
  );
}
