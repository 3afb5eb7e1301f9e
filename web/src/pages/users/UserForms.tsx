// Creating and changing a user.

import { useState } from 'preact/hooks';
import { api, type Role, type Team, type User } from '../../api';
import { isLocale, t } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Field } from '../../components/Field';
import { FormModal } from '../../components/Modal';
import { useSession } from '../../session';
import { useClientOptions } from '../Projects';
import { LocaleSelect, RoleSelect, TeamSelect, TeamTariff, assignableRoles, needsTariff, teamOptions } from './fields';

export interface FormProps {
  teams: Team[];
  onClose: () => void;
  onDone: () => Promise<void>;
}

export function CreateUser({ teams, onClose, onDone, onInvite }: FormProps & { onInvite: (user: User) => void }) {
  const { me } = useSession();
  const clients = useClientOptions();
  const roles = assignableRoles(me.user.role);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [clientId, setClientId] = useState(me.user.role === 'admin' ? '' : String(me.client?.id ?? ''));
  const [teamId, setTeamId] = useState('');
  const [password, setPassword] = useState('');
  const [invite, setInvite] = useState(true);
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
        const body: Record<string, unknown> = { email: email.trim(), name: name.trim(), role };
        if (!invite) body.password = password;
        if (client) body.client_id = client;
        if (team) body.team_id = team.id;
        if (isLocale(locale)) body.locale = locale;
        const user = await api.post<User>('/users', body);
        await onDone();
        if (invite) onInvite(user);
      }}
    >
      <Field label={t('common.email')}>
        <input type="email" required autoComplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="user-email" />
      </Field>
      <Field label={t('common.name')}>
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="user-name" />
      </Field>
      <RoleSelect value={role} onChange={setRole} roles={roles} testId="user-role" />
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
        <TeamSelect value={teamId} onChange={setTeamId} teams={teamChoices} testId="user-team" />
      )}
      {showTariff && <TeamTariff tariff={team?.tariff ?? null} />}
      <LocaleSelect value={locale} onChange={setLocaleValue} />
      <fieldset class="field">
        <legend class="field-label">{t('users.passwordMode')}</legend>
        <label class="field-inline">
          <input type="radio" name="password-mode" checked={invite} onChange={() => setInvite(true)} data-testid="user-password-invite" />
          {t('users.passwordInvite')}
        </label>
        <label class="field-inline">
          <input type="radio" name="password-mode" checked={!invite} onChange={() => setInvite(false)} data-testid="user-password-set" />
          {t('users.passwordSet')}
        </label>
      </fieldset>
      {!invite && (
        <Field label={t('users.password')}>
          <input type="password" required autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="user-password" />
        </Field>
      )}
      <ErrorBox error={clients.error} />
    </FormModal>
  );
}

export function EditUser({ user, teams, onClose, onDone }: FormProps & { user: User }) {
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
      <RoleSelect value={role} onChange={setRole} roles={roles.includes(user.role) ? roles : [user.role, ...roles]} />
      {role !== 'admin' && (
        <TeamSelect value={teamId} onChange={setTeamId} teams={teamChoices} />
      )}
      {showTariff && <TeamTariff tariff={team?.tariff ?? null} />}
      <LocaleSelect value={locale} onChange={setLocaleValue} />
      <Field label={t('common.active')} inline>
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
      </Field>
      <Field label={t('users.newPassword')} hint={t('users.newPasswordHint')}>
        <input type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </Field>
    </FormModal>
  );
}
