// English messages: rule notifications, the bell in the header (issue 15).
// The key set of this area: i18n/de/notifications.ts must have exactly these keys.

import type { Messages } from '../messages';

export const notifications = {
  'notifications.bell': 'Notifications',
  'notifications.unread': { one: '{n} unread notification', other: '{n} unread notifications' },
  'notifications.title': 'Notifications',
  'notifications.none': 'No notifications.',
  'notifications.readAll': 'Mark all as read',
  'notifications.markRead': 'Mark as read',
  'notifications.byRule': 'Rule “{rule}”',
  'notifications.more': 'Show older',
  'notifications.failed': 'Notifications could not be loaded.',
} satisfies Messages;
