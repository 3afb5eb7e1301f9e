// The fields of the user forms, and the rules behind their choices
// (mirroring auth::policy on the server).

import { type Role, type Tariff, type Team } from '../../api';
import { t } from '../../i18n';
import { Field } from '../../components/Field';

const ALL_ROLES: Role[] = ['admin', 'client-admin', 'project-lead', 'agent'];

/** Roles the current user may hand out. */
export function assignableRoles(myRole: Role): Role[] {
  return myRole === 'admin' ? ALL_ROLES : ['client-admin', 'agent'];
}

/** Teams a user with this role/client may belong to. */
export function teamOptions(teams: Team[], role: Role, clientId: number | null): Team[] {
  if (role === 'admin') return [];
  if (clientId) return teams.filter((tm) => tm.kind === 'client' && tm.client_id === clientId);
  return teams.filter((tm) => tm.kind === 'provider');
}

/** Tariffs only apply to agents of a provider team. */
export function needsTariff(role: Role, team: Team | undefined): boolean {
  return role === 'agent' && team?.kind === 'provider';
}

/** The role choice; `current` stays listed even where it may not be handed out. */
export function RoleSelect({ value, onChange, roles, testId }: { value: Role; onChange: (r: Role) => void; roles: Role[]; testId?: string }) {
  return (
    <Field label={t('common.role')}>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value as Role)} data-testid={testId}>
        {roles.map((r) => (
          <option key={r} value={r}>
            {t(`role.${r}`)}
          </option>
        ))}
      </select>
    </Field>
  );
}

export function TeamSelect({ value, onChange, teams, testId }: { value: string; onChange: (id: string) => void; teams: Team[]; testId?: string }) {
  return (
    <Field label={t('common.team')}>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)} data-testid={testId}>
        <option value="">{t('users.noTeam')}</option>
        {teams.map((tm) => (
          <option key={tm.id} value={tm.id}>
            {tm.name}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** The UI language of the user; empty: the browser's. */
export function LocaleSelect({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <Field label={t('common.locale')}>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{t('common.browserDefault')}</option>
        <option value="de">{t('lang.de')}</option>
        <option value="en">{t('lang.en')}</option>
      </select>
    </Field>
  );
}

/** A provider agent's tariff is their team's (Team Pro is the team's). */
export function TeamTariff({ tariff }: { tariff: Tariff | null }) {
  return (
    <Field label={t('common.tariff')} hint={t('teams.tariffHint')}>
      <input readOnly value={tariff ? t(`tariff.${tariff}`) : t('users.noTariff')} data-testid="user-tariff" />
    </Field>
  );
}
