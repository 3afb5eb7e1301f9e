// Rule actions and the time-based schedule that the server is getting at
// the same time as this UI (issue 15, "new rule actions, time-based
// rules"): local types until web/src/generated/openapi.ts has them. When
// it does, replace these with the generated ones (`Action`, `RuleInput`,
// `Rule`, `RuleVersion`) and delete this file; nothing else defines them.

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

/** The actions the server does not know yet. */
export type PendingAction =
  | { type: 'reply-with-text-module'; module_id: number | null }
  | { type: 'notify-team'; team: NotifyTeam; text: string; email?: boolean }
  | { type: 'call-webhook'; webhook_id: number | null }
  | { type: 'mark-spam' }
  | { type: 'route' };

/** `notify-users` gains `email` (sent only when true, so today's server keeps accepting it). */
export type NotifyUsersAction = Extract<ApiAction, { type: 'notify-users' }> & { email?: boolean };

/** Every action the builder edits. */
export type AnyAction = Exclude<ApiAction, { type: 'notify-users' }> | NotifyUsersAction | PendingAction;
export type ActionType = AnyAction['type'];

export const PENDING_ACTION_TYPES: ActionType[] = ['reply-with-text-module', 'notify-team', 'call-webhook', 'mark-spam', 'route'];

/** A rule and a version as the server will send them (with the schedule of time-based rules). */
export type RuleWithSchedule = Omit<Schemas['Rule'], 'actions'> & { actions: AnyAction[]; schedule?: Schedule | null };
export type RuleVersionWithSchedule = Omit<Schemas['RuleVersion'], 'actions'> & { actions: AnyAction[]; schedule?: Schedule | null };

/** What the builder sends: the schedule only for time-based rules. */
export type RuleInputWithSchedule = Omit<Schemas['RuleInput'], 'actions'> & { actions: AnyAction[]; schedule?: Schedule };
