import { useState } from 'preact/hooks';
import { api, type Client, type List } from '../api';
import { formatDateTime, formatNumber, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { ConfirmModal, FormModal } from '../components/Modal';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';

type Dialog = { kind: 'create' } | { kind: 'rename'; client: Client } | { kind: 'delete'; client: Client } | null;

export function ClientsPage() {
  const list = useLoad(() => api.get<List<Client>>('/clients'));
  const [dialog, setDialog] = useState<Dialog>(null);
  const [name, setName] = useState('');
  const close = () => setDialog(null);

  return (
    <Page
      title={t('clients.title')}
      testId="clients-page"
      actions={
        <button
          type="button"
          class="btn btn-primary"
          data-testid="new-client"
          onClick={() => {
            setName('');
            setDialog({ kind: 'create' });
          }}
        >
          {t('clients.new')}
        </button>
      }
    >
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('common.name')}</th>
                <th scope="col" class="num">
                  {t('clients.projects')}
                </th>
                <th scope="col">{t('common.created')}</th>
                <th scope="col" class="actions">
                  <span class="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.length === 0 && <Empty colSpan={4} />}
              {list.data.items.map((c) => (
                <tr key={c.id}>
                  <td>{c.name}</td>
                  <td class="num">{formatNumber(c.project_count)}</td>
                  <td>{formatDateTime(c.created_at)}</td>
                  <td class="actions">
                    <button
                      type="button"
                      class="btn btn-small"
                      onClick={() => {
                        setName(c.name);
                        setDialog({ kind: 'rename', client: c });
                      }}
                    >
                      {t('common.rename')}
                    </button>
                    <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setDialog({ kind: 'delete', client: c })}>
                      {t('common.delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {(dialog?.kind === 'create' || dialog?.kind === 'rename') && (
        <FormModal
          title={dialog.kind === 'create' ? t('clients.new') : t('clients.rename')}
          submitLabel={dialog.kind === 'create' ? t('common.create') : t('common.save')}
          onClose={close}
          onSubmit={async () => {
            if (dialog.kind === 'create') await api.post('/clients', { name: name.trim() });
            else await api.patch(`/clients/${dialog.client.id}`, { name: name.trim() });
            await list.reload();
          }}
        >
          <Field label={t('common.name')}>
            <input required value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="client-name" />
          </Field>
        </FormModal>
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmModal
          title={t('common.delete')}
          text={t('clients.confirmDelete', { name: dialog.client.name })}
          confirmLabel={t('common.delete')}
          onClose={close}
          onConfirm={async () => {
            await api.del(`/clients/${dialog.client.id}`);
            await list.reload();
          }}
        />
      )}
    </Page>
  );
}
