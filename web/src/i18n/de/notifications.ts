// German messages: rule notifications, the bell in the header (issue 15).

import type { AreaMessages } from '../messages';
import type { notifications as en } from '../en/notifications';

export const notifications: AreaMessages<typeof en> = {
  'notifications.bell': 'Benachrichtigungen',
  'notifications.unread': { one: '{n} ungelesene Benachrichtigung', other: '{n} ungelesene Benachrichtigungen' },
  'notifications.title': 'Benachrichtigungen',
  'notifications.none': 'Keine Benachrichtigungen.',
  'notifications.readAll': 'Alle als gelesen markieren',
  'notifications.markRead': 'Als gelesen markieren',
  'notifications.byRule': 'Regel „{rule}“',
  'notifications.more': 'Ältere anzeigen',
  'notifications.failed': 'Benachrichtigungen konnten nicht geladen werden.',
};
