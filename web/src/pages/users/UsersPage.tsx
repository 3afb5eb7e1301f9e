// The users of the platform (admins) or of the own client (client admins).

import { useState } from 'preact/hooks';
import { api, type List, type Team, type User } from '../../api';
import { t } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { ConfirmModal } from '../../components/Modal';
import { Badge, Empty, Loading, Page } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import { UserTokensModal } from '../Tokens';
import { CreateUser, EditUser } from './UserForms';
import { InviteModal } from '../accounts/InviteModal';

type Dialog =
  | { kind: 'create' }
  | { kind: 'edit'; user: User }
  | { kind: 'deactivate'; user: User }
  | { kind: 'tokens'; user: User }
  | null;

const dash = (v: string | null | undefined) => v || t('common.none');

export function UsersPage() {
  const list = useLoad(() => api.get<List<User>>('/users'));
  const teams = useLoad(() => api.get<List<Team>>('/teams'));
  const [dialog, setDialog] = useState<Dialog>(null);
  // Its own state: it opens as the create dialog closes.
  const [invite, setInvite] = useState<{ user: User; send: boolean } | null>(null);
  const close = () => setDialog(null);
  const teamList = teams.data?.items ?? [];

  return (
    <Page
      title={t('users.title')}
      testId="users-page"
      actions={
        <button type="button" class="btn btn-primary" data-testid="new-user" onClick={() => setDialog({ kind: 'create' })}>
          {t('users.new')}
        </button>
      }
    >
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && (
        <div class="table-wrap">
          <table class="table" data-testid="users-table">
            <thead>
              <tr>
                <th scope="col">{t('common.name')}</th>
                <th scope="col">{t('common.email')}</th>
                <th scope="col">{t('common.role')}</th>
                <th scope="col">{t('common.client')}</th>
                <th scope="col">{t('common.team')}</th>
                <th scope="col">{t('common.tariff')}</th>
                <th scope="col">{t('projects.status')}</th>
                <th scope="col" class="actions">
                  <span class="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.length === 0 && <Empty colSpan={8} />}
              {list.data.items.map((u) => (
                <tr key={u.id} class={u.active ? undefined : 'row-inactive'} data-testid="user-row">
                  <td>{u.name}</td>
                  <td>{u.email}</td>
                  <td>{t(`role.${u.role}`)}</td>
                  <td>{dash(u.client_name)}</td>
                  <td>{dash(u.team_name)}</td>
                  <td>{u.tariff ? t(`tariff.${u.tariff}`) : t('common.none')}</td>
                  <td>
                    <Badge on={u.active} />
                  </td>
                  <td class="actions actions-wrap">
                    {/* Only what the server allows on this user (its `can`, from the policy). */}
                    {u.can?.edit && (
                      <button type="button" class="btn btn-small" onClick={() => setDialog({ kind: 'edit', user: u })} data-testid="user-edit-button">
                        {t('common.edit')}
                      </button>
                    )}
                    {u.can?.tokens && (
                      <button type="button" class="btn btn-small" onClick={() => setDialog({ kind: 'tokens', user: u })} data-testid="user-tokens-button">
                        {t('users.tokens')}
                      </button>
                    )}
                    {u.active && u.can?.invite && (
                      <button type="button" class="btn btn-small" onClick={() => setInvite({ user: u, send: false })} data-testid="user-invite-button">
                        {t('invite.action')}
                      </button>
                    )}
                    {u.active && u.can?.deactivate && (
                      <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setDialog({ kind: 'deactivate', user: u })} data-testid="user-deactivate-button">
                        {t('users.deactivate')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {dialog?.kind === 'create' && (
        <CreateUser
          teams={teamList}
          onClose={close}
          onDone={list.reload}
          // A user created without a password gets their invitation at once.
          onInvite={(user) => setInvite({ user, send: true })}
        />
      )}
      {invite && <InviteModal user={invite.user} send={invite.send} onClose={() => setInvite(null)} />}
      {dialog?.kind === 'edit' && <EditUser user={dialog.user} teams={teamList} onClose={close} onDone={list.reload} />}
      {dialog?.kind === 'tokens' && <UserTokensModal user={dialog.user} onClose={close} />}
      {dialog?.kind === 'deactivate' && (
        <ConfirmModal
          title={t('users.deactivate')}
          text={t('users.confirmDeactivate', { name: dialog.user.name })}
          confirmLabel={t('users.deactivate')}
          onClose={close}
          onConfirm={async () => {
            await api.del(`/users/${dialog.user.id}`);
            await list.reload();
          }}
        />
      )}
    </Page>
  );
}
