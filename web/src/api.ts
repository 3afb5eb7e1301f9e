// Minimal JSON client for the zezaro HTTP API (/api/v1).

import type { Locale } from './i18n';

export type Role = 'admin' | 'client-admin' | 'project-lead' | 'agent';
export type Tariff = 'basic' | 'pro';
export type TeamKind = 'client' | 'provider';
export type MemberRole = 'agent' | 'lead';

export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
  client_id: number | null;
  client_name: string | null;
  team_id: number | null;
  team_name: string | null;
  tariff: Tariff | null;
  locale: Locale | null;
  active: boolean;
  created_at: string;
  updated_at: string;
}

export interface Permissions {
  manage_clients: boolean;
  manage_projects: boolean;
  /** Add and remove project members (project leads: where they lead). */
  manage_members: boolean;
  manage_users: boolean;
  manage_teams: boolean;
  view_audit: boolean;
}

export interface MyProject {
  id: number;
  name: string;
  key: string;
  client_id: number;
  client_name: string;
  member_role: MemberRole | null;
}

export interface Me {
  user: User;
  client: { id: number; name: string } | null;
  projects: MyProject[];
  csrf_token: string | null;
  permissions: Permissions;
}

export interface Client {
  id: number;
  name: string;
  project_count: number;
  created_at: string;
  updated_at: string;
}

export interface Project {
  id: number;
  client_id: number;
  client_name: string;
  name: string;
  key: string;
  description: string | null;
  active: boolean;
  member_count: number;
  created_at: string;
  updated_at: string;
}

export interface Member {
  project_id: number;
  user_id: number;
  user_name: string;
  user_email: string;
  user_role: Role;
  team_kind: TeamKind | null;
  tariff: Tariff | null;
  member_role: MemberRole;
  created_at: string;
}

export interface Team {
  id: number;
  name: string;
  kind: TeamKind;
  client_id: number | null;
  client_name: string | null;
  /** Provider teams: Team Pro (exclusive to one client) or Basic; `null` for client teams. */
  tariff: Tariff | null;
  member_count: number;
  created_at: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor_id: number | null;
  actor_email: string | null;
  action: string;
  object_type: string;
  object_id: number | string | null;
  client_id: number | null;
  ip: string | null;
  details: unknown;
}

export interface AuditPage {
  items: AuditEntry[];
  next_before_id: number | null;
}

export interface ApiToken {
  id: number;
  name: string;
  created_at: string;
  last_used_at: string | null;
  /** null: never expires. */
  expires_at: string | null;
}

export interface NewApiToken {
  id: number;
  name: string;
  token: string;
  created_at: string;
  expires_at: string | null;
}

export interface List<T> {
  items: T[];
}

/** RFC 9457 problem details as sent by the server. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  field?: string;
  /** A finer, stable reason under `code` (e.g. `common-password` under `weak-password`). */
  reason?: string;
  /** On a server error (5xx): the id of the server's log line with the cause. */
  reference?: string;
}

export class ApiError extends Error {
  readonly problem: Problem;
  /** Seconds from a Retry-After header (429), if any. */
  readonly retryAfter: number | null;

  constructor(problem: Problem, retryAfter: number | null = null) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  get status(): number {
    return this.problem.status;
  }

  get code(): string | undefined {
    return this.problem.code;
  }
}

/** Thrown when fetch itself fails (server down, network gone). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super(String(cause));
    this.name = 'NetworkError';
  }
}

let csrfToken: string | null = null;
let unauthorizedHandler: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called on every 401 except from the login request itself. */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `file`: send these bytes as the body instead of JSON (uploads). */
export async function request<T>(method: Method, path: string, body?: unknown, file?: Blob): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (file) headers['Content-Type'] = file.type || 'application/octet-stream';
  else if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: file ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
  } catch (e) {
    throw new NetworkError(e);
  }

  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (res.ok) return data as T;

  const problem: Problem =
    data && typeof data === 'object'
      ? { ...(data as Problem), status: (data as Problem).status ?? res.status }
      : { status: res.status, title: res.statusText };
  if (res.status === 401 && path !== '/auth/login' && unauthorizedHandler) unauthorizedHandler();
  const retry = Number(res.headers.get('Retry-After'));
  throw new ApiError(problem, Number.isFinite(retry) && retry > 0 ? retry : null);
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: (path: string) => request<void>('DELETE', path),
  /** Uploads a file as the raw request body. */
  upload: <T>(path: string, file: File) => request<T>('POST', `${path}${path.includes('?') ? '&' : '?'}filename=${encodeURIComponent(file.name)}`, undefined, file),
};

/** Build a query string, leaving out empty values. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** POST with `keepalive`, for requests that must survive leaving the page (time records). */
export function postKeepalive(path: string, body: unknown): void {
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  try {
    void fetch(`/api/v1${path}`, {
      method: 'POST',
      headers,
      credentials: 'same-origin',
      keepalive: true,
      body: JSON.stringify(body),
    }).catch(() => undefined);
  } catch {
    /* best effort */
  }
}

// ---------- the agent workspace: cases, contacts, search ----------

export type CaseStatus = 'new' | 'open' | 'pending-customer' | 'pending-third-party' | 'solved' | 'closed';
export const CASE_STATUSES: CaseStatus[] = ['new', 'open', 'pending-customer', 'pending-third-party', 'solved', 'closed'];
export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export const PRIORITIES: Priority[] = ['low', 'normal', 'high', 'urgent'];
export type Channel = 'email' | 'call' | 'webform' | 'chat' | 'letter';
export const CHANNELS: Channel[] = ['email', 'call', 'webform', 'chat', 'letter'];
export const TEAM_KINDS: TeamKind[] = ['client', 'provider'];
export type MessageKind = 'inbound' | 'outbound' | 'note';
export type TimeKind = 'handling' | 'after-work' | 'call-wait' | 'call-talk' | 'manual';

export interface Case {
  id: number;
  project_id: number;
  project_key: string;
  number: number;
  ref: string;
  subject: string;
  channel: Channel;
  topic_id: number | null;
  topic_name: string | null;
  status: CaseStatus;
  priority: Priority;
  handling_team: TeamKind;
  assignee_id: number | null;
  assignee_name: string | null;
  contact_id: number | null;
  contact_name: string | null;
  organization_id: number | null;
  organization_name: string | null;
  tags: string[];
  due_at: string | null;
  custom: Record<string, unknown>;
  merged_into_id: number | null;
  version: number;
  message_count: number;
  last_message_at: string | null;
  first_response_at: string | null;
  solved_at: string | null;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface CasePage {
  items: Case[];
  next_cursor: string | null;
}

export interface CaseCounts {
  mine: number;
  unassigned: number;
  open: number;
  overdue: number;
  due_soon: number;
  by_team: Record<TeamKind, number>;
  by_topic: { topic_id: number; name: string; count: number }[];
  by_channel: Record<Channel, number>;
}

export interface Attachment {
  id: number;
  filename: string;
  content_type: string;
  size: number;
  url: string;
}

export interface Message {
  id: number;
  kind: MessageKind;
  channel: Channel | null;
  author_user_id: number | null;
  author_name: string | null;
  author_contact_id: number | null;
  from_address: string | null;
  to_address: string | null;
  subject: string | null;
  body_text: string | null;
  body_html: string | null;
  created_at: string;
  attachments: Attachment[];
}

/** The e-mail delivery of an outbound message (GET /cases/{id}/deliveries). */
export type DeliveryState = 'queued' | 'retrying' | 'sent' | 'failed' | 'no-mailbox' | 'no-recipient';
export interface Delivery {
  id: number;
  case_id: number;
  message_id: number | null;
  kind: 'reply' | 'auto-ack' | 'webform-confirmation';
  state: DeliveryState;
  to_address: string;
  from_address: string;
  subject: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface HistoryEntry {
  id: number;
  user_id: number | null;
  user_name: string | null;
  at: string;
  field: string;
  old_value: string | null;
  new_value: string | null;
}

export interface Viewer {
  user_id: number;
  name: string;
}

export interface TimeSummary {
  total_seconds: number;
  by_kind: Partial<Record<TimeKind, number>>;
}

export interface CaseDetail {
  case: Case;
  messages: Message[];
  history: HistoryEntry[];
  contact: Contact | null;
  contact_cases: Case[];
  /** Related cases (links). */
  links: Case[];
  time: TimeSummary;
  viewers: Viewer[];
}

export interface Topic {
  id: number;
  project_id: number;
  name: string;
  active: boolean;
  position: number;
}

/** A project's public web form (GET/PUT /projects/{id}/webform). */
export interface WebForm {
  project_id: number;
  public_id: string | null;
  /** `/f/{public_id}` */
  public_path: string | null;
  enabled: boolean;
  title: string;
  intro: string;
  confirmation: string;
  topic_id: number | null;
  /** Mail the sender a confirmation (case number and the confirmation text only). */
  send_confirmation: boolean;
  /** Proof-of-work difficulty (leading zero bits, 0–24; 0 = off). */
  pow_bits: number;
  /** Submissions held for review (the form was over its hourly limit). */
  held: number;
  updated_at: string | null;
  /** Submissions caught as spam since the server started. */
  spam_caught: number;
}

/** A web-form submission held for review (GET /projects/{id}/webform/held). */
export interface HeldSubmission {
  id: number;
  project_id: number;
  name: string;
  email: string;
  subject: string;
  message: string;
  received_at: string;
}

export interface Contact {
  id: number;
  client_id: number;
  organization_id: number | null;
  organization_name: string | null;
  name: string;
  emails: string[];
  phones: string[];
  customer_number: string | null;
  language: string | null;
  street: string;
  postal_code: string;
  city: string;
  country: string;
  notes: string;
  custom: Record<string, unknown>;
  case_count: number;
  created_at: string;
  updated_at: string;
}

export interface ContactPage {
  items: Contact[];
  next_before_id: number | null;
}

export interface Organization {
  id: number;
  client_id: number;
  name: string;
  customer_number: string | null;
  domain: string | null;
  phone: string | null;
  street: string;
  postal_code: string;
  city: string;
  country: string;
  notes: string;
}

/** An organization as GET /organizations and /organizations/{id} answer it. */
export interface OrganizationFull extends Organization {
  custom: Record<string, unknown>;
  /** Contacts (not merged away) of the organization. */
  contact_count: number;
  /** Set when this organization was merged into another one. */
  merged_into_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface OrganizationPage {
  items: OrganizationFull[];
  next_before_id: number | null;
}

/** A contact as GET /contacts/{id} answers it (merged ones too). */
export interface ContactFull extends Contact {
  /** Set when this contact was merged into another one. */
  merged_into_id: number | null;
}

/** GET /contacts/duplicates?client_id= */
export interface DuplicateGroup {
  reason: 'email' | 'phone' | 'name';
  value: string;
  contact_ids: number[];
}

/** A line of a contact CSV import that was skipped. */
export interface ImportRowError {
  /** Line in the file; 1 is the header. */
  line: number;
  /** The column, where the error is about one; custom fields as `custom.<key>`. */
  field: string | null;
  message: string;
}

/** POST /contacts/import: what was (or, in a dry run, would be) done. */
export interface ImportReport {
  dry_run: boolean;
  /** Data rows read (empty lines not counted). */
  rows: number;
  created: number;
  updated: number;
  errors: ImportRowError[];
  /** Keys of the custom fields the file fills. */
  custom_columns: string[];
  /** Columns (as written) that are not imported. */
  unknown_columns: string[];
}

/**
 * Imports a contact CSV into a client's customer database; `dryRun` checks
 * and counts only. Sent as `text/csv` whatever type the browser guessed for
 * the file (often none or `application/vnd.ms-excel`), and not through
 * `api.upload`, whose `filename` parameter the endpoint refuses.
 */
export function importContacts(clientId: number, csv: Blob, dryRun: boolean): Promise<ImportReport> {
  const body = new Blob([csv], { type: 'text/csv' });
  return request<ImportReport>('POST', '/contacts/import' + query({ client_id: clientId, dry_run: dryRun ? 'true' : null }), undefined, body);
}

/** The filters of the case list; also the `query` of a saved view. */
export interface CaseFilters {
  view?: 'mine' | 'unassigned' | 'open' | 'all';
  status?: string;
  assignee_id?: number;
  team?: TeamKind;
  topic_id?: number;
  channel?: Channel;
  tag?: string;
  due?: 'overdue' | 'soon';
  sort?: CaseSort;
}

export type CaseSort = '-updated_at' | 'updated_at' | '-created_at' | 'created_at' | 'due_at' | '-priority';

export interface SavedView {
  id: number;
  name: string;
  query: CaseFilters;
}

export interface SearchResults {
  cases: (Case & { snippet?: string | null })[];
  contacts: Contact[];
  organizations: Organization[];
}

/** Payload of the `case` server-sent event. */
export interface CaseEvent {
  type: 'created' | 'updated' | 'message' | 'delivery';
  case_id: number;
  project_id: number;
  version: number;
  by_user_id: number | null;
  by_name: string | null;
}

/** Payload of the `presence` server-sent event. */
export interface PresenceEvent {
  case_id: number;
  viewers: Viewer[];
}

// Data masks (custom fields of cases and contacts).
export type FieldEntity = 'case' | 'contact';
export type FieldKind = 'text' | 'number' | 'date' | 'select' | 'multi-select' | 'checkbox';
export const FIELD_KINDS: FieldKind[] = ['text', 'number', 'date', 'select', 'multi-select', 'checkbox'];
export type FieldWidth = 'full' | 'half';

export interface CustomField {
  id: number;
  project_id: number;
  entity: FieldEntity;
  key: string;
  label: string;
  kind: FieldKind;
  options: string[];
  required: boolean;
  position: number;
  help: string;
  width: FieldWidth;
  section: string;
  active: boolean;
  created_at: string;
  updated_at: string;
}

// ---------- the appliance: background services, backups ----------

export type ServiceState = 'running' | 'paused' | 'failed' | 'stopped';
export type ServiceAction = 'start' | 'stop' | 'pause' | 'resume' | 'restart' | 'run';

export interface ServiceStatus {
  key: string;
  label: string;
  schedule: string;
  state: ServiceState;
  desired: 'running' | 'paused' | 'stopped';
  busy: boolean;
  last_run_at: string | null;
  last_success_at: string | null;
  last_duration_ms: number | null;
  next_run_at: string | null;
  runs: number;
  failures: number;
  consecutive_failures: number;
  last_error: string | null;
  last_message: string | null;
}

export interface BackupSnapshot {
  max_case_id: number;
  cases: number;
  clients: number;
  users: number;
  max_audit_id: number;
  schema_version: number;
}

export interface BackupInfo {
  name: string;
  size_bytes: number;
  created_at: string;
  encrypted: boolean;
  verified: boolean;
  trigger: 'manual' | 'scheduled' | null;
  snapshot: BackupSnapshot | null;
}

export interface BackupJob {
  id: number;
  trigger: 'manual' | 'scheduled';
  state: 'queued' | 'running' | 'done' | 'failed';
  phase: string;
  progress: number;
  started_at: string;
  finished_at: string | null;
  file_name: string | null;
  error: string | null;
}

export interface BackupOverview {
  settings: {
    directory: string;
    schedule: string;
    encrypted: boolean;
    compressed: boolean;
    keep_daily: number;
    keep_weekly: number;
    keep_monthly: number;
  };
  job: BackupJob | null;
  items: BackupInfo[];
}

/** A full client export job (GET /clients/{id}/exports/{job}). */
export interface ExportJob {
  id: string;
  client_id: number;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  rows_written: number;
  rows_total: number;
  bytes: number | null;
  file_name: string;
  created_at: string;
  finished_at: string | null;
  error: string | null;
  download_url: string | null;
}

export type ErasureMode = 'anonymize' | 'delete';

/** The record of a GDPR erasure (never the erased data). */
export interface Erasure {
  id: number;
  at: string;
  actor_id: number | null;
  actor_email: string | null;
  client_id: number;
  contact_id: number;
  mode: ErasureMode;
  contacts_erased: number;
  cases_affected: number;
  messages_affected: number;
  attachments_removed: number;
  blobs_removed: number;
}

export interface RetentionRule {
  project_id: number;
  months: number;
  action: ErasureMode;
  enabled: boolean;
  updated_at: string;
  last_run_at: string | null;
}

export interface RetentionOutcome {
  project_id: number;
  project_key: string;
  months: number;
  action: ErasureMode;
  cutoff: string;
  cases: number;
  messages: number;
  attachments: number;
  sample: string[];
}
