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
