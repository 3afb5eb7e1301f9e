import { useState } from 'preact/hooks';
import { api, type List, type Tariff, type Team, type TeamKind } from '../api';
import { formatNumber, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { ConfirmModal, FormModal } from '../components/Modal';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { clientsWhere, mayAtClient, useSession } from '../session';

type Dialog = { kind: 'create' } | { kind: 'rename'; team: Team } | { kind: 'delete'; team: Team } | null;

export function TeamsPage() {
  const { me } = useSession();
  // The server's answers in /me: the provider's teams, and each client's.
  const manages = (tm: Team) => (tm.client_id == null ? me.permissions.manage_provider_teams : mayAtClient(me, tm.client_id, 'manage_teams'));
  const list = useLoad(() => api.get<List<Team>>('/teams'));
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);

  return (
    <Page
      title={t('teams.title')}
      testId="teams-page"
      actions={
        <button type="button" class="btn btn-primary" data-testid="new-team" onClick={() => setDialog({ kind: 'create' })}>
          {t('teams.new')}
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
                <th scope="col">{t('teams.kind')}</th>
                <th scope="col">{t('common.client')}</th>
                <th scope="col" class="num">
                  {t('teams.members')}
                </th>
                <th scope="col" class="actions">
                  <span class="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.length === 0 && <Empty colSpan={5} />}
              {list.data.items.map((tm) => (
                <tr key={tm.id} data-testid="team-row">
                  <td>{tm.name}</td>
                  <td>
                    <span class={`badge badge-${tm.kind}`}>{t(`kind.${tm.kind}`)}</span>
                    {tm.tariff && <span class="badge">{t(`tariff.${tm.tariff}`)}</span>}
                  </td>
                  <td>{tm.client_name ?? t('common.none')}</td>
                  <td class="num">{formatNumber(tm.member_count)}</td>
                  <td class="actions">
                    {manages(tm) && (
                      <>
                        <button type="button" class="btn btn-small" onClick={() => setDialog({ kind: 'rename', team: tm })} data-testid="team-rename">
                          {t('common.rename')}
                        </button>
                        <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setDialog({ kind: 'delete', team: tm })} data-testid="team-delete">
                          {t('common.delete')}
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {dialog?.kind === 'create' && <CreateTeam onClose={close} onDone={list.reload} />}
      {dialog?.kind === 'rename' && <RenameTeam team={dialog.team} onClose={close} onDone={list.reload} />}
      {dialog?.kind === 'delete' && (
        <ConfirmModal
          title={t('common.delete')}
          text={t('teams.confirmDelete', { name: dialog.team.name })}
          confirmLabel={t('common.delete')}
          onClose={close}
          onConfirm={async () => {
            await api.del(`/teams/${dialog.team.id}`);
            await list.reload();
          }}
        />
      )}
    </Page>
  );
}

function CreateTeam({ onClose, onDone }: { onClose: () => void; onDone: () => Promise<void> }) {
  const { me } = useSession();
  const clients = clientsWhere(me, 'manage_teams');
  const provider = me.permissions.manage_provider_teams;
  const [name, setName] = useState('');
  const [kind, setKind] = useState<TeamKind>(provider ? 'provider' : 'client');
  const [clientId, setClientId] = useState(provider || clients.length !== 1 ? '' : String(clients[0].id));
  const [tariff, setTariff] = useState<Tariff>('basic');
  return (
    <FormModal
      title={t('teams.new')}
      submitLabel={t('common.create')}
      onClose={onClose}
      onSubmit={async () => {
        const body: Record<string, unknown> = { name: name.trim(), kind };
        if (kind === 'client') body.client_id = Number(clientId);
        else body.tariff = tariff;
        await api.post<Team>('/teams', body);
        await onDone();
      }}
    >
      <Field label={t('common.name')}>
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="team-name" />
      </Field>
      <Field label={t('teams.kind')}>
        <select value={kind} onChange={(e) => setKind(e.currentTarget.value as TeamKind)} disabled={!provider || clients.length === 0} data-testid="team-kind">
          <option value="client">{t('kind.client')}</option>
          <option value="provider">{t('kind.provider')}</option>
        </select>
      </Field>
      {kind === 'provider' && (
        <Field label={t('teams.tariff')} hint={t('teams.tariffHint')}>
          <select value={tariff} onChange={(e) => setTariff(e.currentTarget.value as Tariff)} data-testid="team-tariff">
            <option value="basic">{t('tariff.basic')}</option>
            <option value="pro">{t('tariff.pro')}</option>
          </select>
        </Field>
      )}
      {kind === 'client' && (
        <Field label={t('common.client')}>
          <select required value={clientId} onChange={(e) => setClientId(e.currentTarget.value)} data-testid="team-client">
            <option value="">{t('common.choose')}</option>
            {clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      )}
    </FormModal>
  );
}

function RenameTeam({ team, onClose, onDone }: { team: Team; onClose: () => void; onDone: () => Promise<void> }) {
  const [name, setName] = useState(team.name);
  const [tariff, setTariff] = useState<Tariff | null>(team.tariff);
  return (
    <FormModal
      title={t('teams.rename')}
      submitLabel={t('common.save')}
      onClose={onClose}
      onSubmit={async () => {
        await api.patch(`/teams/${team.id}`, tariff ? { name: name.trim(), tariff } : { name: name.trim() });
        await onDone();
      }}
    >
      <Field label={t('common.name')}>
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      {tariff && (
        <Field label={t('teams.tariff')} hint={t('teams.tariffHint')}>
          <select value={tariff} onChange={(e) => setTariff(e.currentTarget.value as Tariff)} data-testid="team-tariff">
            <option value="basic">{t('tariff.basic')}</option>
            <option value="pro">{t('tariff.pro')}</option>
          </select>
        </Field>
      )}
    </FormModal>
  );
}
