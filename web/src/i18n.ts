// Tiny i18n: two dictionaries with the same keys, a current locale and t().

export type Locale = 'de' | 'en';
export const LOCALES: Locale[] = ['de', 'en'];

const en = {
  'app.name': 'zezaro',
  'app.skip': 'Skip to content',
  'app.loading': 'Loading…',
  'app.menu': 'Menu',
  'app.mainNav': 'Main navigation',
  'app.language': 'Language',
  'app.project': 'Project',
  'app.noProject': '— no project —',
  'app.userMenu': 'User menu',
  'app.logout': 'Log out',
  'lang.de': 'Deutsch',
  'lang.en': 'English',

  'nav.home': 'Home',
  'nav.admin': 'Administration',
  'nav.account': 'Account',
  'nav.clients': 'Clients',
  'nav.projects': 'Projects',
  'nav.users': 'Users',
  'nav.teams': 'Teams',
  'nav.audit': 'Audit log',
  'nav.tokens': 'API tokens',
  'nav.apiDocs': 'API documentation',

  'login.title': 'Sign in',
  'login.subtitle': 'Customer service platform',
  'login.email': 'E-mail address',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in…',

  'common.name': 'Name',
  'common.email': 'E-mail',
  'common.role': 'Role',
  'common.client': 'Client',
  'common.team': 'Team',
  'common.tariff': 'Tariff',
  'common.active': 'Active',
  'common.inactive': 'Inactive',
  'common.yes': 'Yes',
  'common.no': 'No',
  'common.none': '—',
  'common.created': 'Created',
  'common.actions': 'Actions',
  'common.edit': 'Edit',
  'common.rename': 'Rename',
  'common.delete': 'Delete',
  'common.save': 'Save',
  'common.create': 'Create',
  'common.cancel': 'Cancel',
  'common.close': 'Close',
  'common.confirm': 'Confirm',
  'common.empty': 'Nothing here yet.',
  'common.saving': 'Saving…',
  'common.locale': 'Language',
  'common.browserDefault': 'Browser default',
  'common.description': 'Description',
  'common.choose': '— please choose —',
  'common.saved': 'Saved.',

  'role.admin': 'Platform admin',
  'role.client-admin': 'Client admin',
  'role.project-lead': 'Project lead',
  'role.agent': 'Agent',
  'tariff.basic': 'Team Basic',
  'tariff.pro': 'Team Pro',
  'kind.client': 'Client team',
  'kind.provider': 'Provider team',
  'memberRole.agent': 'Agent',
  'memberRole.lead': 'Lead',

  'home.title': 'Overview',
  'home.welcome': 'Welcome, {name}',
  'home.me': 'My account',
  'home.myProjects': 'My projects',
  'home.noProjects': 'You are not assigned to any project yet.',
  'home.memberRole': 'My role',
  'home.provider': 'Service provider',

  'clients.title': 'Clients',
  'clients.new': 'New client',
  'clients.projects': 'Projects',
  'clients.rename': 'Rename client',
  'clients.confirmDelete': 'Delete client “{name}”? This cannot be undone.',

  'projects.title': 'Projects',
  'projects.new': 'New project',
  'projects.edit': 'Edit project',
  'projects.key': 'Key',
  'projects.keyHint': '2–10 capital letters or digits, e.g. ACME',
  'projects.members': 'Members',
  'projects.confirmDelete': 'Delete project “{name}”? This cannot be undone.',
  'projects.back': 'All projects',
  'projects.status': 'Status',

  'members.title': 'Members',
  'members.add': 'Add member',
  'members.user': 'User',
  'members.memberRole': 'Member role',
  'members.teamKind': 'Team kind',
  'members.remove': 'Remove',
  'members.confirmRemove': 'Remove {name} from this project?',
  'members.noCandidates': 'No further agents or project leads available.',
  'members.roleChanged': 'Member role changed.',

  'users.title': 'Users',
  'users.new': 'New user',
  'users.edit': 'Edit user',
  'users.password': 'Initial password',
  'users.newPassword': 'New password',
  'users.newPasswordHint': 'Leave empty to keep the current password.',
  'users.noClient': '— none (service provider) —',
  'users.noTeam': '— no team —',
  'users.noTariff': '— no tariff —',
  'users.deactivate': 'Deactivate',
  'users.confirmDeactivate': 'Deactivate user {name}? They can no longer sign in.',

  'teams.title': 'Teams',
  'teams.new': 'New team',
  'teams.rename': 'Rename team',
  'teams.kind': 'Kind',
  'teams.members': 'Members',
  'teams.confirmDelete': 'Delete team “{name}”?',

  'audit.title': 'Audit log',
  'audit.time': 'Time',
  'audit.actor': 'Actor',
  'audit.action': 'Action',
  'audit.object': 'Object',
  'audit.address': 'Address',
  'audit.details': 'Details',
  'audit.filter': 'Object type',
  'audit.filterAll': 'All object types',
  'audit.apply': 'Filter',
  'audit.more': 'Load more',
  'audit.end': 'End of the log.',
  'audit.system': 'system',

  'tokens.title': 'API tokens',
  'tokens.intro': 'Personal tokens let scripts use the API on your behalf. Send them as “Authorization: Bearer <token>”.',
  'tokens.new': 'New token',
  'tokens.lastUsed': 'Last used',
  'tokens.never': 'never',
  'tokens.revoke': 'Revoke',
  'tokens.confirmRevoke': 'Revoke token “{name}”? Scripts using it will stop working.',
  'tokens.created': 'Token created',
  'tokens.once': 'Copy the token now. It will not be shown again.',
  'tokens.copy': 'Copy',
  'tokens.copied': 'Copied',

  'notFound.title': 'Page not found',
  'notFound.text': 'There is nothing at this address.',
  'forbidden.title': 'No access',
  'forbidden.text': 'You are not allowed to see this page.',

  'error.generic': 'Something went wrong ({status}).',
  'error.network': 'The server cannot be reached. Please check the connection.',
  'error.field': '{field}: {detail}',
  'error.retryAfter': 'Please try again in {seconds} seconds.',
  'error.invalid-credentials': 'E-mail address or password is wrong.',
  'error.unauthenticated': 'Your session has expired. Please sign in again.',
  'error.forbidden': 'You are not allowed to do this.',
  'error.not-found': 'This item no longer exists.',
  'error.too-many-attempts': 'Too many attempts. Please wait a moment and try again.',
  'error.conflict': 'This conflicts with existing data.',
  'error.duplicate': 'An entry with this value already exists.',
  'error.pro-agent-exclusive': 'Team Pro agents work exclusively for one client and are already assigned to another client’s project.',
  'error.membership-invalid': 'This user cannot become a member of this project.',
  'error.client-not-empty': 'This client still has projects, users or teams. Remove them first.',
  'error.team-not-empty': 'This team still has members. Move them to another team first.',
  'error.csrf': 'Security token expired. Please reload the page.',
  'error.malformed-json': 'The request could not be read.',
  'error.unknown-field': 'The request contained an unknown field.',
  'error.missing-field': 'A required field is missing.',
  'error.case-changed': 'This case was changed meanwhile by someone else.',
  'error.validation': 'Please check your input.',
  'nav.cases': 'Cases',
  'nav.search': 'Search',
  'nav.contacts': 'Contacts',

  'status.new': 'New',
  'status.open': 'Open',
  'status.pending-customer': 'Waiting for customer',
  'status.pending-third-party': 'Waiting for third party',
  'status.solved': 'Solved',
  'status.closed': 'Closed',
  'priority.low': 'Low',
  'priority.normal': 'Normal',
  'priority.high': 'High',
  'priority.urgent': 'Urgent',
  'channel.email': 'E-mail',
  'channel.call': 'Call',
  'channel.webform': 'Web form',
  'channel.chat': 'Chat',
  'channel.letter': 'Letter',
  'message.kind.inbound': 'Incoming',
  'message.kind.outbound': 'Reply',
  'message.kind.note': 'Internal note',

  'cases.title': 'Cases',
  'cases.new': 'New case',
  'cases.back': 'Cases',
  'cases.empty': 'No cases in this view.',
  'cases.firstMessage': 'First message',
  'cases.keysHint': 'Keyboard: j / k move, Enter opens, x selects, a assigns to me, ? shows all shortcuts.',

  'views.title': 'Views',
  'views.mine': 'My cases',
  'views.unassigned': 'Unassigned',
  'views.open': 'All open',
  'views.all': 'All cases',
  'views.dueSoon': 'Due soon',
  'views.overdue': 'Overdue',
  'views.byTeam': 'By team',
  'views.byTopic': 'By topic',
  'views.byChannel': 'By channel',
  'views.saved': 'My views',
  'views.custom': 'Filtered',
  'views.save': 'Save view',
  'views.saveHint': 'Saves the current filters and sort order as a view of your own.',
  'views.delete': 'Delete view',
  'views.deleteNamed': 'Delete view “{name}”',
  'views.confirmDelete': 'Delete the view “{name}”?',
  'filters.anyStatus': 'Any status',
  'filters.tag': 'Tag…',

  'bulk.title': 'Bulk actions',
  'bulk.selected': '{n} selected',
  'bulk.select': 'Select {ref}',
  'bulk.selectAll': 'Select all shown cases',
  'bulk.assignMe': 'Assign to me',
  'bulk.assignTo': 'Assign to…',
  'bulk.setStatus': 'Set status…',
  'bulk.setTopic': 'Set topic…',
  'bulk.addTag': 'Add tag',
  'bulk.add': 'Add',
  'bulk.clear': 'Clear selection',
  'bulk.done': '{n} cases updated.',

  'case.ref': 'Ref',
  'case.subject': 'Subject',
  'case.contact': 'Contact',
  'case.status': 'Status',
  'case.priority': 'Priority',
  'case.assignee': 'Assignee',
  'case.team': 'Handling team',
  'case.topic': 'Topic',
  'case.channel': 'Channel',
  'case.updated': 'Updated',
  'case.due': 'Due',
  'case.tags': 'Tags',
  'case.noTopic': '— no topic —',
  'case.unassigned': 'Unassigned',
  'case.takeIt': 'Take it',
  'case.overdue': 'overdue',
  'case.clearDue': 'Clear',
  'case.addTag': 'Add tag…',
  'case.removeTag': 'Remove tag {tag}',
  'case.editSubject': 'Edit subject',
  'case.alsoViewing': 'Also viewing: {names}',
  'case.updatedBy': 'This case was updated by {name}.',
  'case.updatedAuto': 'Updated by {name} — the case has been refreshed.',
  'case.reload': 'Reload',
  'case.someone': 'someone',
  'case.thread': 'Conversation',
  'case.noMessages': 'No messages yet.',
  'case.showEarlier': 'Show {n} earlier messages',
  'case.side': 'Case details',
  'case.noContact': 'No contact linked.',
  'case.earlier': 'Earlier cases of the contact',
  'case.noEarlier': 'No earlier cases.',
  'case.firstResponse': 'First response',
  'case.history': 'History ({n})',

  'composer.title': 'Write',
  'composer.reply': 'Reply',
  'composer.note': 'Internal note',
  'composer.replyPlaceholder': 'Write a reply to the customer…',
  'composer.notePlaceholder': 'Note for colleagues — the customer does not see it…',
  'composer.to': 'To: {to}',
  'composer.andSet': 'and set status',
  'composer.keepStatus': '— keep —',
  'composer.ctrlEnter': 'Ctrl+Enter sends',
  'composer.sendReply': 'Send reply',
  'composer.addNote': 'Add note',

  'conflict.title': 'Case changed meanwhile',
  'conflict.text': 'This case was changed by someone else while you were working on it. Reload to see the changes, or apply yours anyway.',
  'conflict.sendAnyway': 'Send anyway',
  'conflict.saveAnyway': 'Save anyway',

  'time.title': 'Time spent',
  'time.handling': 'Handling',
  'time.after-work': 'After-work',
  'time.call-wait': 'Call waiting',
  'time.call-talk': 'Call talking',
  'time.manual': 'Recorded manually',
  'time.nowHandling': 'this visit',
  'time.nowAfterWork': 'after-work now',

  'call.log': 'Log call',
  'call.title': 'Log a phone call',
  'call.save': 'Save call',
  'call.direction': 'Direction',
  'call.inbound': 'Incoming',
  'call.outbound': 'Outgoing',
  'call.phone': 'Caller number',
  'call.contactName': 'Name of the new contact',
  'call.notes': 'Notes',
  'call.wait': 'Waiting',
  'call.talk': 'Talking',
  'call.afterWork': 'After-work',
  'call.durationHint': 'minutes:seconds',
  'call.badDuration': 'Please enter durations as minutes:seconds, e.g. 4:30.',

  'search.title': 'Search',
  'search.placeholder': 'Search cases, contacts, organizations…',
  'search.submit': 'Search',
  'search.syntax': 'Search syntax',
  'search.hintStatus': 'cases with this status (new, open, solved, …)',
  'search.hintTopic': 'cases with this topic',
  'search.hintFrom': 'messages from this address',
  'search.hintPhrase': 'exactly this phrase',
  'search.hintPrefix': 'words starting with “pref”',
  'search.none': 'Nothing found for “{q}”.',
  'search.cases': 'Cases ({n})',
  'search.contacts': 'Contacts ({n})',
  'search.organizations': 'Organizations ({n})',

  'contacts.title': 'Contacts',
  'contacts.back': 'Contacts',
  'contacts.new': 'New contact',
  'contacts.search': 'Search',
  'contacts.searchHint': 'Name, e-mail, phone, customer number…',
  'contacts.masterData': 'Master data',
  'contacts.organization': 'Organization',
  'contacts.noOrganization': '— no organization —',
  'contacts.customerNumber': 'Customer number',
  'contacts.emails': 'E-mail addresses',
  'contacts.phone': 'Phone',
  'contacts.phones': 'Phone numbers',
  'contacts.onePerLine': 'One per line.',
  'contacts.address': 'Address',
  'contacts.street': 'Street',
  'contacts.postalCode': 'Postal code',
  'contacts.city': 'City',
  'contacts.country': 'Country',
  'contacts.notes': 'Notes',
  'contacts.cases': 'Cases',
  'contacts.looking': 'Looking up…',
  'contacts.existing': 'Known contact: {name}',
  'contacts.willCreate': 'Not known yet — a new contact will be created.',
  'contacts.newContact': 'New contact',

  'keys.title': 'Keyboard shortcuts',
  'keys.intro': 'Shortcuts work when the cursor is not in a text field.',
  'keys.help': 'Show this list',
  'keys.search': 'Search',
  'keys.gotoCases': 'Go to cases',
  'keys.gotoContacts': 'Go to contacts',
  'keys.next': 'Next row',
  'keys.prev': 'Previous row',
  'keys.select': 'Select row',
  'keys.open': 'Open row',
  'keys.reply': 'Reply (in a case)',
  'keys.note': 'Internal note (in a case)',
  'keys.assignMe': 'Assign to me',
  'keys.status': 'Focus the status (in a case)',
  'keys.send': 'Send (in the composer)',
  'keys.escape': 'Close dialog / back to the list',
};

export type MsgKey = keyof typeof en;

const de: Record<MsgKey, string> = {
  'app.name': 'zezaro',
  'app.skip': 'Zum Inhalt springen',
  'app.loading': 'Wird geladen…',
  'app.menu': 'Menü',
  'app.mainNav': 'Hauptnavigation',
  'app.language': 'Sprache',
  'app.project': 'Projekt',
  'app.noProject': '— kein Projekt —',
  'app.userMenu': 'Benutzermenü',
  'app.logout': 'Abmelden',
  'lang.de': 'Deutsch',
  'lang.en': 'English',

  'nav.home': 'Startseite',
  'nav.admin': 'Verwaltung',
  'nav.account': 'Konto',
  'nav.clients': 'Kunden',
  'nav.projects': 'Projekte',
  'nav.users': 'Benutzer',
  'nav.teams': 'Teams',
  'nav.audit': 'Protokoll',
  'nav.tokens': 'API-Tokens',
  'nav.apiDocs': 'API-Dokumentation',

  'login.title': 'Anmelden',
  'login.subtitle': 'Kundenservice-Plattform',
  'login.email': 'E-Mail-Adresse',
  'login.password': 'Passwort',
  'login.submit': 'Anmelden',
  'login.busy': 'Anmeldung läuft…',

  'common.name': 'Name',
  'common.email': 'E-Mail',
  'common.role': 'Rolle',
  'common.client': 'Kunde',
  'common.team': 'Team',
  'common.tariff': 'Tarif',
  'common.active': 'Aktiv',
  'common.inactive': 'Inaktiv',
  'common.yes': 'Ja',
  'common.no': 'Nein',
  'common.none': '—',
  'common.created': 'Angelegt',
  'common.actions': 'Aktionen',
  'common.edit': 'Bearbeiten',
  'common.rename': 'Umbenennen',
  'common.delete': 'Löschen',
  'common.save': 'Speichern',
  'common.create': 'Anlegen',
  'common.cancel': 'Abbrechen',
  'common.close': 'Schließen',
  'common.confirm': 'Bestätigen',
  'common.empty': 'Noch keine Einträge.',
  'common.saving': 'Wird gespeichert…',
  'common.locale': 'Sprache',
  'common.browserDefault': 'Browser-Einstellung',
  'common.description': 'Beschreibung',
  'common.choose': '— bitte wählen —',
  'common.saved': 'Gespeichert.',

  'role.admin': 'Administrator',
  'role.client-admin': 'Kunden-Administrator',
  'role.project-lead': 'Projektleiter',
  'role.agent': 'Agent',
  'tariff.basic': 'Team Basic',
  'tariff.pro': 'Team Pro',
  'kind.client': 'Kunden-Team',
  'kind.provider': 'Dienstleister-Team',
  'memberRole.agent': 'Agent',
  'memberRole.lead': 'Projektleitung',

  'home.title': 'Übersicht',
  'home.welcome': 'Willkommen, {name}',
  'home.me': 'Mein Konto',
  'home.myProjects': 'Meine Projekte',
  'home.noProjects': 'Sie sind noch keinem Projekt zugeordnet.',
  'home.memberRole': 'Meine Rolle',
  'home.provider': 'Dienstleister',

  'clients.title': 'Kunden',
  'clients.new': 'Neuer Kunde',
  'clients.projects': 'Projekte',
  'clients.rename': 'Kunde umbenennen',
  'clients.confirmDelete': 'Kunde „{name}“ löschen? Das kann nicht rückgängig gemacht werden.',

  'projects.title': 'Projekte',
  'projects.new': 'Neues Projekt',
  'projects.edit': 'Projekt bearbeiten',
  'projects.key': 'Kürzel',
  'projects.keyHint': '2–10 Großbuchstaben oder Ziffern, z. B. ACME',
  'projects.members': 'Mitglieder',
  'projects.confirmDelete': 'Projekt „{name}“ löschen? Das kann nicht rückgängig gemacht werden.',
  'projects.back': 'Alle Projekte',
  'projects.status': 'Status',

  'members.title': 'Mitglieder',
  'members.add': 'Mitglied hinzufügen',
  'members.user': 'Benutzer',
  'members.memberRole': 'Rolle im Projekt',
  'members.teamKind': 'Team-Art',
  'members.remove': 'Entfernen',
  'members.confirmRemove': '{name} aus diesem Projekt entfernen?',
  'members.noCandidates': 'Keine weiteren Agenten oder Projektleiter verfügbar.',
  'members.roleChanged': 'Rolle im Projekt geändert.',

  'users.title': 'Benutzer',
  'users.new': 'Neuer Benutzer',
  'users.edit': 'Benutzer bearbeiten',
  'users.password': 'Start-Passwort',
  'users.newPassword': 'Neues Passwort',
  'users.newPasswordHint': 'Leer lassen, um das aktuelle Passwort zu behalten.',
  'users.noClient': '— keiner (Dienstleister) —',
  'users.noTeam': '— kein Team —',
  'users.noTariff': '— kein Tarif —',
  'users.deactivate': 'Deaktivieren',
  'users.confirmDeactivate': 'Benutzer {name} deaktivieren? Eine Anmeldung ist dann nicht mehr möglich.',

  'teams.title': 'Teams',
  'teams.new': 'Neues Team',
  'teams.rename': 'Team umbenennen',
  'teams.kind': 'Art',
  'teams.members': 'Mitglieder',
  'teams.confirmDelete': 'Team „{name}“ löschen?',

  'audit.title': 'Protokoll',
  'audit.time': 'Zeit',
  'audit.actor': 'Benutzer',
  'audit.action': 'Aktion',
  'audit.object': 'Objekt',
  'audit.address': 'Adresse',
  'audit.details': 'Details',
  'audit.filter': 'Objekttyp',
  'audit.filterAll': 'Alle Objekttypen',
  'audit.apply': 'Filtern',
  'audit.more': 'Weitere laden',
  'audit.end': 'Ende des Protokolls.',
  'audit.system': 'System',

  'tokens.title': 'API-Tokens',
  'tokens.intro': 'Mit persönlichen Tokens können Skripte die API in Ihrem Namen nutzen. Senden Sie sie als „Authorization: Bearer <Token>“.',
  'tokens.new': 'Neues Token',
  'tokens.lastUsed': 'Zuletzt benutzt',
  'tokens.never': 'nie',
  'tokens.revoke': 'Widerrufen',
  'tokens.confirmRevoke': 'Token „{name}“ widerrufen? Skripte, die es nutzen, funktionieren dann nicht mehr.',
  'tokens.created': 'Token angelegt',
  'tokens.once': 'Kopieren Sie das Token jetzt. Es wird nicht noch einmal angezeigt.',
  'tokens.copy': 'Kopieren',
  'tokens.copied': 'Kopiert',

  'notFound.title': 'Seite nicht gefunden',
  'notFound.text': 'Unter dieser Adresse gibt es nichts.',
  'forbidden.title': 'Kein Zugriff',
  'forbidden.text': 'Sie dürfen diese Seite nicht sehen.',

  'error.generic': 'Etwas ist schiefgegangen ({status}).',
  'error.network': 'Der Server ist nicht erreichbar. Bitte prüfen Sie die Verbindung.',
  'error.field': '{field}: {detail}',
  'error.retryAfter': 'Bitte versuchen Sie es in {seconds} Sekunden erneut.',
  'error.invalid-credentials': 'E-Mail-Adresse oder Passwort ist falsch.',
  'error.unauthenticated': 'Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.',
  'error.forbidden': 'Dazu sind Sie nicht berechtigt.',
  'error.not-found': 'Dieser Eintrag existiert nicht mehr.',
  'error.too-many-attempts': 'Zu viele Versuche. Bitte warten Sie einen Moment und versuchen Sie es dann erneut.',
  'error.conflict': 'Das steht im Widerspruch zu vorhandenen Daten.',
  'error.duplicate': 'Ein Eintrag mit diesem Wert existiert bereits.',
  'error.pro-agent-exclusive': 'Agenten im Team Pro arbeiten exklusiv für einen Kunden und sind bereits einem Projekt eines anderen Kunden zugeordnet.',
  'error.membership-invalid': 'Dieser Benutzer kann nicht Mitglied dieses Projekts werden.',
  'error.client-not-empty': 'Dieser Kunde hat noch Projekte, Benutzer oder Teams. Entfernen Sie diese zuerst.',
  'error.team-not-empty': 'Dieses Team hat noch Mitglieder. Ordnen Sie diese zuerst einem anderen Team zu.',
  'error.csrf': 'Das Sicherheits-Token ist abgelaufen. Bitte laden Sie die Seite neu.',
  'error.malformed-json': 'Die Anfrage konnte nicht gelesen werden.',
  'error.unknown-field': 'Die Anfrage enthielt ein unbekanntes Feld.',
  'error.missing-field': 'Ein Pflichtfeld fehlt.',
  'error.case-changed': 'Dieser Fall wurde zwischenzeitlich von jemand anderem geändert.',
  'error.validation': 'Bitte prüfen Sie Ihre Eingaben.',
  'nav.cases': 'Fälle',
  'nav.search': 'Suche',
  'nav.contacts': 'Kontakte',

  'status.new': 'Neu',
  'status.open': 'Offen',
  'status.pending-customer': 'Wartet auf Kunden',
  'status.pending-third-party': 'Wartet auf Dritte',
  'status.solved': 'Gelöst',
  'status.closed': 'Geschlossen',
  'priority.low': 'Niedrig',
  'priority.normal': 'Normal',
  'priority.high': 'Hoch',
  'priority.urgent': 'Dringend',
  'channel.email': 'E-Mail',
  'channel.call': 'Anruf',
  'channel.webform': 'Webformular',
  'channel.chat': 'Chat',
  'channel.letter': 'Brief',
  'message.kind.inbound': 'Eingang',
  'message.kind.outbound': 'Antwort',
  'message.kind.note': 'Interne Notiz',

  'cases.title': 'Fälle',
  'cases.new': 'Neuer Fall',
  'cases.back': 'Fälle',
  'cases.empty': 'Keine Fälle in dieser Ansicht.',
  'cases.firstMessage': 'Erste Nachricht',
  'cases.keysHint': 'Tastatur: j / k bewegen, Enter öffnet, x wählt aus, a weist mir zu, ? zeigt alle Tastenkürzel.',

  'views.title': 'Ansichten',
  'views.mine': 'Meine Fälle',
  'views.unassigned': 'Nicht zugewiesen',
  'views.open': 'Alle offenen',
  'views.all': 'Alle Fälle',
  'views.dueSoon': 'Bald fällig',
  'views.overdue': 'Überfällig',
  'views.byTeam': 'Nach Team',
  'views.byTopic': 'Nach Thema',
  'views.byChannel': 'Nach Kanal',
  'views.saved': 'Meine Ansichten',
  'views.custom': 'Gefiltert',
  'views.save': 'Ansicht speichern',
  'views.saveHint': 'Speichert die aktuellen Filter und die Sortierung als eigene Ansicht.',
  'views.delete': 'Ansicht löschen',
  'views.deleteNamed': 'Ansicht „{name}“ löschen',
  'views.confirmDelete': 'Die Ansicht „{name}“ löschen?',
  'filters.anyStatus': 'Jeder Status',
  'filters.tag': 'Schlagwort…',

  'bulk.title': 'Sammelaktionen',
  'bulk.selected': '{n} ausgewählt',
  'bulk.select': '{ref} auswählen',
  'bulk.selectAll': 'Alle angezeigten Fälle auswählen',
  'bulk.assignMe': 'Mir zuweisen',
  'bulk.assignTo': 'Zuweisen an…',
  'bulk.setStatus': 'Status setzen…',
  'bulk.setTopic': 'Thema setzen…',
  'bulk.addTag': 'Schlagwort hinzufügen',
  'bulk.add': 'Hinzufügen',
  'bulk.clear': 'Auswahl aufheben',
  'bulk.done': '{n} Fälle geändert.',

  'case.ref': 'Nr.',
  'case.subject': 'Betreff',
  'case.contact': 'Kontakt',
  'case.status': 'Status',
  'case.priority': 'Priorität',
  'case.assignee': 'Bearbeiter',
  'case.team': 'Bearbeitendes Team',
  'case.topic': 'Thema',
  'case.channel': 'Kanal',
  'case.updated': 'Geändert',
  'case.due': 'Fällig',
  'case.tags': 'Schlagwörter',
  'case.noTopic': '— kein Thema —',
  'case.unassigned': 'Nicht zugewiesen',
  'case.takeIt': 'Übernehmen',
  'case.overdue': 'überfällig',
  'case.clearDue': 'Leeren',
  'case.addTag': 'Schlagwort…',
  'case.removeTag': 'Schlagwort {tag} entfernen',
  'case.editSubject': 'Betreff bearbeiten',
  'case.alsoViewing': 'Sieht sich den Fall ebenfalls an: {names}',
  'case.updatedBy': 'Dieser Fall wurde von {name} geändert.',
  'case.updatedAuto': 'Von {name} geändert — der Fall wurde aktualisiert.',
  'case.reload': 'Neu laden',
  'case.someone': 'jemandem',
  'case.thread': 'Verlauf',
  'case.noMessages': 'Noch keine Nachrichten.',
  'case.showEarlier': '{n} frühere Nachrichten anzeigen',
  'case.side': 'Falldetails',
  'case.noContact': 'Kein Kontakt verknüpft.',
  'case.earlier': 'Frühere Fälle des Kontakts',
  'case.noEarlier': 'Keine früheren Fälle.',
  'case.firstResponse': 'Erste Antwort',
  'case.history': 'Änderungen ({n})',

  'composer.title': 'Schreiben',
  'composer.reply': 'Antwort',
  'composer.note': 'Interne Notiz',
  'composer.replyPlaceholder': 'Antwort an den Kunden schreiben…',
  'composer.notePlaceholder': 'Notiz für Kollegen — der Kunde sieht sie nicht…',
  'composer.to': 'An: {to}',
  'composer.andSet': 'und Status setzen',
  'composer.keepStatus': '— beibehalten —',
  'composer.ctrlEnter': 'Strg+Enter sendet',
  'composer.sendReply': 'Antwort senden',
  'composer.addNote': 'Notiz speichern',

  'conflict.title': 'Fall wurde zwischenzeitlich geändert',
  'conflict.text': 'Jemand anderes hat diesen Fall geändert, während Sie daran gearbeitet haben. Laden Sie neu, um die Änderungen zu sehen, oder übernehmen Sie Ihre trotzdem.',
  'conflict.sendAnyway': 'Trotzdem senden',
  'conflict.saveAnyway': 'Trotzdem speichern',

  'time.title': 'Aufgewendete Zeit',
  'time.handling': 'Bearbeitung',
  'time.after-work': 'Nachbearbeitung',
  'time.call-wait': 'Wartezeit Anruf',
  'time.call-talk': 'Gesprächszeit',
  'time.manual': 'Manuell erfasst',
  'time.nowHandling': 'dieser Besuch',
  'time.nowAfterWork': 'jetzt Nachbearbeitung',

  'call.log': 'Anruf erfassen',
  'call.title': 'Telefonat erfassen',
  'call.save': 'Anruf speichern',
  'call.direction': 'Richtung',
  'call.inbound': 'Eingehend',
  'call.outbound': 'Ausgehend',
  'call.phone': 'Rufnummer',
  'call.contactName': 'Name des neuen Kontakts',
  'call.notes': 'Notizen',
  'call.wait': 'Wartezeit',
  'call.talk': 'Gesprächszeit',
  'call.afterWork': 'Nachbearbeitung',
  'call.durationHint': 'Minuten:Sekunden',
  'call.badDuration': 'Bitte Zeiten als Minuten:Sekunden eingeben, z. B. 4:30.',

  'search.title': 'Suche',
  'search.placeholder': 'Fälle, Kontakte, Organisationen durchsuchen…',
  'search.submit': 'Suchen',
  'search.syntax': 'Suchsyntax',
  'search.hintStatus': 'Fälle mit diesem Status (new, open, solved, …)',
  'search.hintTopic': 'Fälle mit diesem Thema',
  'search.hintFrom': 'Nachrichten von dieser Adresse',
  'search.hintPhrase': 'genau diese Wortfolge',
  'search.hintPrefix': 'Wörter, die mit „pref“ beginnen',
  'search.none': 'Nichts gefunden für „{q}“.',
  'search.cases': 'Fälle ({n})',
  'search.contacts': 'Kontakte ({n})',
  'search.organizations': 'Organisationen ({n})',

  'contacts.title': 'Kontakte',
  'contacts.back': 'Kontakte',
  'contacts.new': 'Neuer Kontakt',
  'contacts.search': 'Suche',
  'contacts.searchHint': 'Name, E-Mail, Telefon, Kundennummer…',
  'contacts.masterData': 'Stammdaten',
  'contacts.organization': 'Organisation',
  'contacts.noOrganization': '— keine Organisation —',
  'contacts.customerNumber': 'Kundennummer',
  'contacts.emails': 'E-Mail-Adressen',
  'contacts.phone': 'Telefon',
  'contacts.phones': 'Telefonnummern',
  'contacts.onePerLine': 'Eine pro Zeile.',
  'contacts.address': 'Anschrift',
  'contacts.street': 'Straße',
  'contacts.postalCode': 'PLZ',
  'contacts.city': 'Ort',
  'contacts.country': 'Land',
  'contacts.notes': 'Notizen',
  'contacts.cases': 'Fälle',
  'contacts.looking': 'Wird gesucht…',
  'contacts.existing': 'Bekannter Kontakt: {name}',
  'contacts.willCreate': 'Noch nicht bekannt — ein neuer Kontakt wird angelegt.',
  'contacts.newContact': 'Neuer Kontakt',

  'keys.title': 'Tastenkürzel',
  'keys.intro': 'Die Kürzel wirken, wenn der Cursor nicht in einem Textfeld steht.',
  'keys.help': 'Diese Liste anzeigen',
  'keys.search': 'Suche',
  'keys.gotoCases': 'Zu den Fällen',
  'keys.gotoContacts': 'Zu den Kontakten',
  'keys.next': 'Nächste Zeile',
  'keys.prev': 'Vorherige Zeile',
  'keys.select': 'Zeile auswählen',
  'keys.open': 'Zeile öffnen',
  'keys.reply': 'Antworten (im Fall)',
  'keys.note': 'Interne Notiz (im Fall)',
  'keys.assignMe': 'Mir zuweisen',
  'keys.status': 'Status fokussieren (im Fall)',
  'keys.send': 'Senden (im Eingabefeld)',
  'keys.escape': 'Dialog schließen / zurück zur Liste',
};

const dictionaries: Record<Locale, Record<MsgKey, string>> = { en, de };
const STORAGE_KEY = 'zezaro.locale';

export function isLocale(v: unknown): v is Locale {
  return v === 'de' || v === 'en';
}

/** Browser language: any 'de*' → de, else en. */
export function browserLocale(): Locale {
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language];
  return langs[0]?.toLowerCase().startsWith('de') ? 'de' : 'en';
}

function storedLocale(): Locale | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return isLocale(v) ? v : null;
  } catch {
    return null;
  }
}

let current: Locale = storedLocale() ?? browserLocale();
const listeners = new Set<() => void>();
document.documentElement.lang = current;

export function getLocale(): Locale {
  return current;
}

export function setLocale(locale: Locale, remember = true): void {
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      /* storage may be disabled */
    }
  }
  if (locale === current) return;
  current = locale;
  document.documentElement.lang = locale;
  listeners.forEach((l) => l());
}

export function onLocaleChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function hasMessage(key: string): key is MsgKey {
  return key in en;
}

/** Translate `key`, replacing `{name}` placeholders from `vars`. */
export function t(key: MsgKey, vars?: Record<string, string | number>): string {
  const text = dictionaries[current][key] ?? en[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Format an RFC 3339 UTC timestamp in the current locale and the browser's time zone. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  let f = formatters.get(current);
  if (!f) {
    f = new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' });
    formatters.set(current, f);
  }
  return f.format(d);
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** A whole number in the current locale (1.234 / 1,234). */
export function formatNumber(n: number): string {
  let f = numberFormats.get(current);
  if (!f) {
    f = new Intl.NumberFormat(current);
    numberFormats.set(current, f);
  }
  return f.format(n);
}

const shortFormats = new Map<string, Intl.DateTimeFormat>();
function shortFormat(kind: 'time' | 'date' | 'datetime'): Intl.DateTimeFormat {
  const key = `${current}:${kind}`;
  let f = shortFormats.get(key);
  if (!f) {
    f =
      kind === 'time'
        ? new Intl.DateTimeFormat(current, { timeStyle: 'short' })
        : kind === 'date'
          ? new Intl.DateTimeFormat(current, { dateStyle: 'medium' })
          : new Intl.DateTimeFormat(current, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
    shortFormats.set(key, f);
  }
  return f;
}

/** Compact timestamp for dense tables: the time today, else day, month and time. */
export function formatShort(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return shortFormat('time').format(d);
  return shortFormat('datetime').format(d);
}

/** A calendar date in the current locale. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : shortFormat('date').format(d);
}

/** Seconds as h:mm:ss (or m:ss below an hour). */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}
