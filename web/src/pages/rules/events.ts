// The events that fire rules, in the order the editor offers them.

import type { components } from '../../generated/openapi';

export type RuleEvent = components['schemas']['RuleEvent'];

export const RULE_EVENTS: RuleEvent[] = ['case-created', 'case-updated', 'message-received', 'reply-sent', 'time-based', 'sla-warning', 'sla-breached'];
