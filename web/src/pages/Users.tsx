import { useState } from 'preact/hooks';
import { api, type List, type Role, type Tariff, type Team, type User } from '../api';
import { isLocale, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { ConfirmModal, FormModal } from '../components/Modal';
import { Badge, Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { useSession } from '../session';
import { useClientOptions } from './Projects';
import { UserTokensModal } from './Tokens';

type Dialog =
  | { kind: 'create' }
  | { kind: 'edit'; user: User }
  | { kind: 'deactivate'; user: User }
  | { kind: 'tokens'; user: User }
  | null;

const ALL_ROLES: Role[] = ['admin', 'client-admin', 'project-lead', 'agent'];

/** Roles the current user may hand out. */
function assignableRoles(myRole: Role): Role[] {
  return myRole === 'admin' ? ALL_ROLES : ['client-admin', 'agent'];
}

/** Teams a user with this role/client may belong to. */
function teamOptions(teams: Team[], role: Role, clientId: number | null): Team[] {
  if (role === 'admin') return [];
  if (clientId) return teams.filter((tm) => tm.kind === 'client' && tm.client_id === clientId);
  return teams.filter((tm) => tm.kind === 'provider');
}

/** Tariffs only apply to agents of a provider team. */
function needsTariff(role: Role, team: Team | undefined): boolean {
  return role === 'agent' && team?.kind === 'provider';
}

const dash = (v: string | null | undefined) => v || t('common.none');

export function UsersPage() {
  const { me } = useSession();
  // Mirrors auth::policy::manage_user_tokens.
  const managesTokens = (u: User) => me.user.role === 'admin' || (me.user.role === 'client-admin' && u.client_id != null && u.client_id === me.user.client_id);
  const list = useLoad(() => api.get<List<User>>('/users'));
  const teams = useLoad(() => api.get<List<Team>>('/teams'));
  const [dialog, setDialog] = useState<Dialog>(null);
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
                <tr key={u.id} class={u.active ? undefined : 'row-inactive'}>
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
                    <button type="button" class="btn btn-small" onClick={() => setDialog({ kind: 'edit', user: u })}>
                      {t('common.edit')}
                    </button>
                    {managesTokens(u) && (
                      <button type="button" class="btn btn-small" onClick={() => setDialog({ kind: 'tokens', user: u })} data-testid="user-tokens-button">
                        {t('users.tokens')}
                      </button>
                    )}
                    {u.active && (
                      <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setDialog({ kind: 'deactivate', user: u })}>
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

      {dialog?.kind === 'create' && <CreateUser teams={teamList} onClose={close} onDone={list.reload} />}
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

interface FormProps {
  teams: Team[];
  onClose: () => void;
  onDone: () => Promise<void>;
}

function CreateUser({ teams, onClose, onDone }: FormProps) {
  const { me } = useSession();
  const clients = useClientOptions();
  const roles = assignableRoles(me.user.role);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [clientId, setClientId] = useState(me.user.role === 'admin' ? '' : String(me.client?.id ?? ''));
  const [teamId, setTeamId] = useState('');
  const [password, setPassword] = useState('');
  const [locale, setLocaleValue] = useState('');

  const hasClient = role === 'client-admin' || role === 'agent';
  const client = hasClient && clientId ? Number(clientId) : null;
  const teamChoices = teamOptions(teams, role, client);
  const team = teamChoices.find((tm) => String(tm.id) === teamId);
  const showTariff = needsTariff(role, team);

  return (
    <FormModal
      title={t('users.new')}
      submitLabel={t('common.create')}
      onClose={onClose}
      testId="user-form"
      onSubmit={async () => {
        const body: Record<string, unknown> = { email: email.trim(), name: name.trim(), role, password };
        if (client) body.client_id = client;
        if (team) body.team_id = team.id;
        if (isLocale(locale)) body.locale = locale;
        await api.post<User>('/users', body);
        await onDone();
      }}
    >
      <Field label={t('common.email')}>
        <input type="email" required autoComplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="user-email" />
      </Field>
      <Field label={t('common.name')}>
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="user-name" />
      </Field>
      <Field label={t('common.role')}>
        <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role)} data-testid="user-role">
          {roles.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
      </Field>
      {hasClient && (
        <Field label={t('common.client')}>
          <select
            required={role === 'client-admin'}
            value={clientId}
            onChange={(e) => {
              setClientId(e.currentTarget.value);
              setTeamId('');
            }}
            data-testid="user-client"
          >
            <option value="">{role === 'agent' ? t('users.noClient') : t('common.choose')}</option>
            {(clients.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      {role !== 'admin' && (
        <Field label={t('common.team')}>
          <select value={teamId} onChange={(e) => setTeamId(e.currentTarget.value)} data-testid="user-team">
            <option value="">{t('users.noTeam')}</option>
            {teamChoices.map((tm) => (
              <option key={tm.id} value={tm.id}>
                {tm.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      {showTariff && <TeamTariff tariff={team?.tariff ?? null} />}
      <Field label={t('common.locale')}>
        <select value={locale} onChange={(e) => setLocaleValue(e.currentTarget.value)}>
          <option value="">{t('common.browserDefault')}</option>
          <option value="de">{t('lang.de')}</option>
          <option value="en">{t('lang.en')}</option>
        </select>
      </Field>
      <Field label={t('users.password')}>
        <input type="password" required autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="user-password" />
      </Field>
      <ErrorBox error={clients.error} />
    </FormModal>
  );
}

function EditUser({ user, teams, onClose, onDone }: FormProps & { user: User }) {
  const { me } = useSession();
  const roles = assignableRoles(me.user.role);
  const [name, setName] = useState(user.name);
  const [role, setRole] = useState<Role>(user.role);
  const [teamId, setTeamId] = useState(user.team_id ? String(user.team_id) : '');
  const [active, setActive] = useState(user.active);
  const [locale, setLocaleValue] = useState<string>(user.locale ?? '');
  const [password, setPassword] = useState('');

  const teamChoices = teamOptions(teams, role, user.client_id);
  const team = teamChoices.find((tm) => String(tm.id) === teamId);
  const showTariff = needsTariff(role, team);

  return (
    <FormModal
      title={t('users.edit')}
      submitLabel={t('common.save')}
      onClose={onClose}
      onSubmit={async () => {
        // Send only what changed.
        const body: Record<string, unknown> = {};
        const nextTeam = teamId ? Number(teamId) : null;
        const nextLocale = isLocale(locale) ? locale : null;
        if (name.trim() !== user.name) body.name = name.trim();
        if (role !== user.role) body.role = role;
        if (nextTeam !== user.team_id) body.team_id = nextTeam;
        if (active !== user.active) body.active = active;
        if (nextLocale !== user.locale) body.locale = nextLocale;
        if (password) body.password = password;
        if (Object.keys(body).length) await api.patch<User>(`/users/${user.id}`, body);
        await onDone();
      }}
    >
      <p class="muted">
        {user.email}
        {user.client_name ? ` · ${user.client_name}` : ''}
      </p>
      <Field label={t('common.name')}>
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field label={t('common.role')}>
        <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
          {(roles.includes(user.role) ? roles : [user.role, ...roles]).map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
      </Field>
      {role !== 'admin' && (
        <Field label={t('common.team')}>
          <select value={teamId} onChange={(e) => setTeamId(e.currentTarget.value)}>
            <option value="">{t('users.noTeam')}</option>
            {teamChoices.map((tm) => (
              <option key={tm.id} value={tm.id}>
                {tm.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      {showTariff && <TeamTariff tariff={team?.tariff ?? null} />}
      <Field label={t('common.locale')}>
        <select value={locale} onChange={(e) => setLocaleValue(e.currentTarget.value)}>
          <option value="">{t('common.browserDefault')}</option>
          <option value="de">{t('lang.de')}</option>
          <option value="en">{t('lang.en')}</option>
        </select>
      </Field>
      <Field label={t('common.active')} inline>
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
      </Field>
      <Field label={t('users.newPassword')} hint={t('users.newPasswordHint')}>
        <input type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </Field>
    </FormModal>
  );
}

/** A provider agent's tariff is their team's (Team Pro is the team's). */
function TeamTariff({ tariff }: { tariff: Tariff | null }) {
  return (
    <Field label={t('common.tariff')} hint={t('teams.tariffHint')}>
      <input readOnly value={tariff ? t(`tariff.${tariff}`) : t('users.noTariff')} data-testid="user-tariff" />
    </Field>
  );
}
