import { useState } from 'preact/hooks';
import { api, type ApiToken, type List, type NewApiToken } from '../api';
import { formatDateTime, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { ConfirmModal, FormModal, Modal } from '../components/Modal';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';

type Dialog = { kind: 'create' } | { kind: 'show'; token: NewApiToken } | { kind: 'revoke'; token: ApiToken } | null;

export function TokensPage() {
  const list = useLoad(() => api.get<List<ApiToken>>('/me/tokens'));
  const [dialog, setDialog] = useState<Dialog>(null);
  const [name, setName] = useState('');
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
      {list.data && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('common.name')}</th>
                <th scope="col">{t('common.created')}</th>
                <th scope="col">{t('tokens.lastUsed')}</th>
                <th scope="col" class="actions">
                  <span class="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.length === 0 && <Empty colSpan={4} />}
              {list.data.items.map((tok) => (
                <tr key={tok.id}>
                  <td>{tok.name}</td>
                  <td>{formatDateTime(tok.created_at)}</td>
                  <td>{tok.last_used_at ? formatDateTime(tok.last_used_at) : <span class="muted">{t('tokens.never')}</span>}</td>
                  <td class="actions">
                    <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setDialog({ kind: 'revoke', token: tok })}>
                      {t('tokens.revoke')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {dialog?.kind === 'create' && (
        <FormModal
          title={t('tokens.new')}
          submitLabel={t('common.create')}
          onClose={close}
          onSubmit={async () => {
            const token = await api.post<NewApiToken>('/me/tokens', { name: name.trim() });
            await list.reload();
            // FormModal closes itself after success; open the one-time view right after.
            setTimeout(() => setDialog({ kind: 'show', token }), 0);
          }}
        >
          <Field label={t('common.name')}>
            <input required value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="token-name" />
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
