// Webhooks (issue 15): the client admin's list of webhooks, an editor (name,
// URL, active, secret), the "send test event" action and the deliveries of
// a webhook with their state, attempts, last status and time, re-sendable.

import { useState } from 'preact/hooks';
import { api, query, type List, type Webhook, type WebhookDelivery, type WebhookInput, type WebhookWithSecret } from '../api';
import { formatDateTime, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { ConfirmModal } from '../components/Modal';
import { Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { clientsWhere, useSession } from '../session';

/** Whether the server lets `me` manage the webhooks of any client (`can.manage_webhooks` in /me). */

export function WebhooksPage() {
  const { me } = useSession();
  const clients = clientsWhere(me, 'manage_webhooks');
  const [picked, setPicked] = useState<number | null>(null);
  const clientId = picked ?? clients[0]?.id ?? null;
  const hooks = useLoad(() => (clientId ? api.get<List<Webhook>>(`/webhooks${query({ client_id: clientId })}`) : Promise.resolve({ items: [] as Webhook[] })), [clientId]);
  const [editing, setEditing] = useState<Webhook | 'new' | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [secret, setSecret] = useState<string | null>(null);

  return (
    <Page title={t('webhooks.title')} testId="webhooks-page" wide>
      <p class="muted">{t('webhooks.help')}</p>
      {clients.length > 1 && (
        <Field label={t('webhooks.client')}>
          <select value={clientId ?? ''} onChange={(e) => setPicked(Number(e.currentTarget.value))} data-testid="webhooks-client">
            {clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <ErrorBox error={hooks.error} />
      {hooks.loading && !hooks.data && <Loading />}
      {secret && (
        <div class="card webhook-secret" data-testid="webhook-secret">
          <p>{t('webhooks.secretShown')}</p>
          <code>{secret}</code>
        </div>
      )}
      {hooks.data && hooks.data.items.length === 0 && <p class="muted">{t('webhooks.none')}</p>}
      {hooks.data && hooks.data.items.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('webhooks.name')}</th>
                <th scope="col">{t('webhooks.url')}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {hooks.data.items.map((h) => (
                <tr key={h.id} data-testid="webhook-row" class={selected === h.id ? 'selected' : undefined}>
                  <td>
                    {h.name}
                    {!h.active && <span class="muted"> ({t('webhooks.inactive')})</span>}
                  </td>
                  <td class="webhook-url">{h.url}</td>
                  <td class="webhook-actions">
                    <button type="button" class="btn btn-small" onClick={() => setSelected(h.id)} data-testid="webhook-deliveries">
                      {t('webhooks.deliveries')}
                    </button>
                    <button
                      type="button"
                      class="btn btn-small"
                      onClick={() => {
                        setSecret(null);
                        setEditing(h);
                      }}
                    >
                      {t('webhooks.edit')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing === null && clientId !== null && (
        <button
          type="button"
          class="btn"
          onClick={() => {
            setSecret(null);
            setEditing('new');
          }}
          data-testid="webhook-new"
        >
          {t('webhooks.new')}
        </button>
      )}
      {editing !== null && clientId !== null && (
        <WebhookEditor
          key={editing === 'new' ? 'new' : editing.id}
          clientId={clientId}
          webhook={editing === 'new' ? null : editing}
          onDone={(shown, id) => {
            setEditing(null);
            setSecret(shown);
            if (id !== null) setSelected(id);
            void hooks.reload();
          }}
        />
      )}
      {selected !== null && hooks.data?.items.some((h) => h.id === selected) && <Deliveries key={selected} webhookId={selected} />}
    </Page>
  );
}

function WebhookEditor(props: { clientId: number; webhook: Webhook | null; onDone: (secret: string | null, id: number | null) => void }) {
  const w = props.webhook;
  const [name, setName] = useState(w?.name ?? '');
  const [url, setUrl] = useState(w?.url ?? 'https://');
  const [active, setActive] = useState(w?.active ?? true);
  const [secret, setSecret] = useState('');
  const [newSecret, setNewSecret] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [confirm, setConfirm] = useState(false);

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const body: WebhookInput = { client_id: props.clientId, name, url, active, secret: secret || undefined, new_secret: w ? newSecret && !secret : undefined };
    try {
      const saved = w ? await api.put<WebhookWithSecret>(`/webhooks/${w.id}`, body) : await api.post<WebhookWithSecret>('/webhooks', body);
      props.onDone(saved.secret ?? null, saved.id);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form class="card webhook-form" onSubmit={save} data-testid="webhook-form">
      <Field label={t('webhooks.name')}>
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={120} data-testid="webhook-name" />
      </Field>
      <Field label={t('webhooks.url')}>
        <input type="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} required maxLength={2000} data-testid="webhook-url" />
      </Field>
      <label class="checkbox">
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} /> {t('webhooks.active')}
      </label>
      <Field label={t('webhooks.secret')}>
        <input type="password" autocomplete="new-password" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} minLength={16} maxLength={200} />
      </Field>
      <p class="muted">{t('webhooks.secretHelp')}</p>
      {w && (
        <label class="checkbox">
          <input type="checkbox" checked={newSecret} onChange={(e) => setNewSecret(e.currentTarget.checked)} /> {t('webhooks.newSecret')}
        </label>
      )}
      <ErrorBox error={error} />
      <div class="actions">
        <button type="submit" class="btn btn-primary" data-testid="webhook-save">
          {t('webhooks.save')}
        </button>
        <button type="button" class="btn" onClick={() => props.onDone(null, null)}>
          {t('webhooks.cancel')}
        </button>
        {w && (
          <button type="button" class="btn btn-danger" onClick={() => setConfirm(true)}>
            {t('webhooks.delete')}
          </button>
        )}
      </div>
      {confirm && w && (
        <ConfirmModal
          title={t('webhooks.delete')}
          text={t('webhooks.confirmDelete', { name: w.name })}
          confirmLabel={t('webhooks.delete')}
          onClose={() => setConfirm(false)}
          onConfirm={async () => {
            await api.del(`/webhooks/${w.id}`);
            props.onDone(null, null);
          }}
        />
      )}
    </form>
  );
}

function Deliveries(props: { webhookId: number }) {
  const list = useLoad(() => api.get<List<WebhookDelivery>>(`/webhooks/${props.webhookId}/deliveries`), [props.webhookId]);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const act = async (path: string, done: string) => {
    setError(null);
    try {
      await api.post<WebhookDelivery>(path, {});
      setNote(done);
      await list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="webhook-deliveries" data-testid="webhook-delivery-list">
      <h2>{t('webhooks.deliveries')}</h2>
      <div class="actions">
        <button type="button" class="btn" onClick={() => void act(`/webhooks/${props.webhookId}/test`, t('webhooks.testQueued'))} data-testid="webhook-test">
          {t('webhooks.test')}
        </button>
        <button type="button" class="btn" onClick={() => void list.reload()} data-testid="webhook-refresh">
          {t('webhooks.refresh')}
        </button>
        {note && (
          <span class="muted" role="status">
            {note}
          </span>
        )}
      </div>
      <ErrorBox error={error ?? list.error} />
      {list.data && list.data.items.length === 0 && <p class="muted">{t('webhooks.noDeliveries')}</p>}
      {list.data && list.data.items.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('webhooks.created')}</th>
                <th scope="col">{t('webhooks.event')}</th>
                <th scope="col">{t('webhooks.state')}</th>
                <th scope="col">{t('webhooks.attempts')}</th>
                <th scope="col">{t('webhooks.lastStatus')}</th>
                <th scope="col">{t('webhooks.duration')}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((d) => (
                <tr key={d.id} data-testid="webhook-delivery-row" data-state={d.state}>
                  <td class="nowrap">{formatDateTime(d.created_at)}</td>
                  <td>{d.event}</td>
                  <td>
                    <span class={`webhook-state webhook-state-${d.state}`}>{t(`webhooks.state.${d.state}`)}</span>
                    {d.state === 'queued' && d.attempts > 0 && d.next_attempt_at && <div class="muted">{t('webhooks.nextAttempt', { at: formatDateTime(d.next_attempt_at) })}</div>}
                  </td>
                  <td>{d.attempts}</td>
                  <td>{d.last_error ?? (d.last_status !== undefined ? `HTTP ${d.last_status}` : '—')}</td>
                  <td class="nowrap">{d.last_millis !== undefined ? t('webhooks.millis', { n: d.last_millis }) : '—'}</td>
                  <td>
                    <button type="button" class="btn btn-small" onClick={() => void act(`/webhook-deliveries/${d.id}/resend`, t('webhooks.resent'))} data-testid="webhook-resend">
                      {t('webhooks.resend')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.loading && !list.data && <Loading />}
    </section>
  );
}
