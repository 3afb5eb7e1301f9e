// The builder's editing types of the rule actions added with the notifications
// and time-based rules (issue 15): the server's shapes (see `Action` and
// `Schedule` in web/src/generated/openapi.ts), except that a form may hold an
// unchosen text module or webhook (`null`) until it is saved. Replacing them
// with the generated types is a follow-up (docs/workflows.md).

import type { components } from '../../generated/openapi';

type Schemas = components['schemas'];
type ApiAction = Schemas['Action'];

/** When a time-based rule fires: `minutes` after `since` (business minutes on `calendar_id`, else wall-clock). */
export interface Schedule {
  since: ScheduleSince;
  minutes: number;
  calendar_id: number | null;
}
export type ScheduleSince = 'status-changed' | 'created' | 'last-message' | 'updated';
export const SCHEDULE_SINCE: ScheduleSince[] = ['status-changed', 'created', 'last-message', 'updated'];

export type NotifyTeam = 'client' | 'provider' | 'leads';
export const NOTIFY_TEAMS: NotifyTeam[] = ['client', 'provider', 'leads'];

/** The actions whose forms hold editing state the generated types do not allow. */
export type PendingAction =
  | { type: 'reply-with-text-module'; module_id: number | null }
  | { type: 'notify-team'; team: NotifyTeam; text: string; email?: boolean }
  | { type: 'call-webhook'; webhook_id: number | null }
  | { type: 'mark-spam' }
  | { type: 'route' };

/** `notify-users` with `email` (sent only when true). */
export type NotifyUsersAction = Extract<ApiAction, { type: 'notify-users' }> & { email?: boolean };

/** Every action the builder edits. */
export type AnyAction = Exclude<ApiAction, { type: 'notify-users' }> | NotifyUsersAction | PendingAction;
export type ActionType = AnyAction['type'];

export const PENDING_ACTION_TYPES: ActionType[] = ['reply-with-text-module', 'notify-team', 'call-webhook', 'mark-spam', 'route'];

/** A rule and a version as the server sends them (with the schedule of time-based rules). */
export type RuleWithSchedule = Omit<Schemas['Rule'], 'actions'> & { actions: AnyAction[]; schedule?: Schedule | null };
export type RuleVersionWithSchedule = Omit<Schemas['RuleVersion'], 'actions'> & { actions: AnyAction[]; schedule?: Schedule | null };

/** What the builder sends: the schedule only for time-based rules. */
export type RuleInputWithSchedule = Omit<Schemas['RuleInput'], 'actions'> & { actions: AnyAction[]; schedule?: Schedule };
