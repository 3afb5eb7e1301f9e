// The web UI's client for the zezaro HTTP API (/api/v1): the server's types,
// generated from its OpenAPI document (generated/openapi.ts; never edit by
// hand: `zezaro openapi > web/openapi.json && bash web/tools/openapi-types/gen.sh`),
// under the names the screens use, and a thin fetch wrapper with CSRF,
// problem details and 401 handling.

import type { components } from './generated/openapi';

type Schemas = components['schemas'];

export type Role = Schemas['Role'];
export type Tariff = Schemas['Tariff'];
export type TeamKind = Schemas['TeamKind'];
export type MemberRole = Schemas['MemberRole'];
export type User = Schemas['User'];
export type Permissions = Schemas['Permissions'];
export type ClientActions = Schemas['ClientActions'];
export type MyProject = Schemas['MyProject'];
export type Me = Schemas['Me'];
export type Client = Schemas['Client'];
export type Project = Schemas['Project'];
export type Member = Schemas['Member'];
export type Team = Schemas['Team'];
export type AuditEntry = Schemas['AuditEntry'];
export type AuditPage = Schemas['AuditPage'];
export type ApiToken = Schemas['TokenInfo'];
export type NewApiToken = Schemas['TokenCreated'];
export type Invitation = Schemas['Invitation'];
export type LatestInvitation = Schemas['LatestInvitation'];
export type PasswordLink = Schemas['PasswordLink'];
export type SenderState = Schemas['SenderState'];
export type PlatformSender = Schemas['PlatformSender'];
export type TestMailResult = Schemas['TestMailResult'];
export type MailSecurity = Schemas['Security'];

/** `{ "items": [...] }`, as every list endpoint answers. */
export interface List<T> {
  items: T[];
}

/**
 * RFC 9457 problem details as sent by the server (`ProblemBody`), with
 * `status` always set (from the HTTP status when the body has none).
 */
export type Problem = Partial<Schemas['ProblemBody']> & { status: number };

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

  throw failure(res, data, path);
}

/** The CSRF header a state-changing request needs (also for client.ts). */
export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { 'X-CSRF-Token': csrfToken } : {};
}

/**
 * The ApiError for a failed response with its parsed body (also for
 * client.ts); a 401 outside the login calls the unauthorized handler.
 */
export function failure(res: Response, data: unknown, path: string): ApiError {
  const problem: Problem =
    data && typeof data === 'object'
      ? { ...(data as Problem), status: (data as Problem).status ?? res.status }
      : { status: res.status, title: res.statusText };
  if (res.status === 401 && path !== '/auth/login' && unauthorizedHandler) unauthorizedHandler();
  const retry = Number(res.headers.get('Retry-After'));
  return new ApiError(problem, Number.isFinite(retry) && retry > 0 ? retry : null);
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

export type CaseStatus = Schemas['Status'];
export const CASE_STATUSES: CaseStatus[] = ['new', 'open', 'pending-customer', 'pending-third-party', 'solved', 'closed'];
export type Priority = Schemas['Priority'];
export const PRIORITIES: Priority[] = ['low', 'normal', 'high', 'urgent'];
export type Channel = Schemas['Channel'];
export const CHANNELS: Channel[] = ['email', 'call', 'webform', 'chat', 'letter'];
export const TEAM_KINDS: TeamKind[] = ['client', 'provider'];
export type MessageKind = Schemas['MessageKind'];
export type TimeKind = Schemas['TimeKind'];

export type Case = Schemas['Case'];
export type CasePage = Schemas['CasePage'];
export type CaseCounts = Schemas['CaseCounts'];
export type MyFigures = Schemas['MyFigures'];
export type Attachment = Schemas['Attachment'];
export type Message = Schemas['Message'];
export type CallTimes = Schemas['CallTimes'];
export type RefKind = Schemas['RefKind'];
export type Referent = Schemas['Referent'];
export type Delivery = Schemas['Delivery'];
export type DeliveryState = Delivery['state'];
export type HistoryEntry = Schemas['HistoryEntry'];
export type Viewer = Schemas['Viewer'];
export type TimeSummary = Schemas['TimeSummary'];
export type CaseDetail = Schemas['CaseDetail'];
export type Topic = Schemas['Topic'];
export type WebForm = Schemas['WebForm'];
export type HeldSubmission = Schemas['HeldSubmission'];
export type Contact = Schemas['Contact'];
export type ContactFull = Contact;
export type ContactPage = Schemas['ContactPage'];
export type Organization = Schemas['Organization'];
export type OrganizationFull = Organization;
export type OrganizationPage = Schemas['OrganizationPage'];
export type DuplicateGroup = Schemas['DuplicateGroup'];
export type ImportRowError = Schemas['ImportRowError'];
export type ImportReport = Schemas['ImportReport'];
export type SavedView = Schemas['SavedView'];
export type SearchResults = Schemas['SearchResults'];

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

export type CaseSort = '-updated_at' | 'updated_at' | '-created_at' | 'created_at' | 'due_at' | 'sla_due_at' | '-priority';

/** Data of the `case` and `presence` server-sent events (/events). */
export type CaseEvent = Schemas['CaseEvent'];
export type PresenceEvent = Schemas['PresenceEvent'];
export type KnowledgeEvent = Schemas['KnowledgeEvent'];
export type NotificationEvent = Schemas['NotificationEvent'];
export type Notification = Schemas['Notification'];
export type NotificationPage = Schemas['NotificationPage'];
export type Instruction = Schemas['Instruction'];
export type MyInstruction = Schemas['MyInstruction'];
export type Acknowledgments = Schemas['Acknowledgments'];
export type Urgency = Schemas['Urgency'];
export type CourseSummary = Schemas['CourseSummary'];
export type MyCourse = Schemas['MyCourse'];
export type Lesson = Schemas['Lesson'];
export type AgentStatus = Schemas['AgentStatus'];
export type CourseCheckResult = Schemas['CourseCheckResult'];
export type Progress = Schemas['Progress'];
export type Course = Schemas['Course'];
export type CourseAssignment = Schemas['Assignment'];
export type CourseCandidate = Schemas['CourseCandidate'];
export type ArticleHit = Schemas['ArticleHit'];
export type InstructionSettings = Schemas['InstructionSettings'];
// Knowledge articles as listed (the course form picks them).
export type ArticleSummary = Schemas['ArticleSummary'];

// Data masks (custom fields of cases and contacts).
export type FieldEntity = Schemas['Entity'];
export type FieldKind = Schemas['Kind'];
export const FIELD_KINDS: FieldKind[] = ['text', 'number', 'date', 'select', 'multi-select', 'checkbox'];
export type FieldWidth = Schemas['Width'];
export type CustomField = Schemas['CustomField'];

// ---------- the appliance: background services, backups ----------

export type ServiceState = Schemas['ServiceState'];
export type ServiceAction = 'start' | 'stop' | 'pause' | 'resume' | 'restart' | 'run';
export type ServiceStatus = Schemas['ServiceStatus'];
export type ServiceSchedule = Schemas['ServiceSchedule'];
export type RunMessage = Schemas['RunMessage'];
export type ReplicationStatus = Schemas['ReplicationStatus'];
export type BackupSnapshot = Schemas['Snapshot'];
export type BackupInfo = Schemas['BackupInfo'];
export type BackupJob = Schemas['BackupJob'];
export type BackupOverview = Schemas['BackupOverview'];
export type ExportJob = Schemas['ExportJob'];
export type ErasureMode = Schemas['Mode'];
export type Erasure = Schemas['Erasure'];
export type RetentionRule = Schemas['RetentionRule'];
export type RetentionOutcome = Schemas['RetentionOutcome'];

// ---------- mail ----------

export type Security = Schemas['Security'];
export type AfterFetch = Schemas['AfterFetch'];
export type FetcherState = Schemas['FetcherState'];
export type Mailbox = Schemas['Mailbox'];
export type AutoAck = Schemas['AutoAck'];
export type MailFlag = Schemas['MailFlag'];
export type InboundMail = Schemas['InboundMail'];
export type CheckResult = Schemas['CheckResult'];
export type ConnectionCheck = Schemas['ConnectionCheck'];
export type RunReport = Schemas['RunReport'];

// ---------- webhooks ----------

export type Webhook = Schemas['Webhook'];
export type WebhookWithSecret = Schemas['WebhookWithSecret'];
export type WebhookInput = Schemas['WebhookInput'];
export type WebhookDelivery = Schemas['WebhookDelivery'];

// ---------- business calendars and SLAs ----------

export type BusinessCalendar = Schemas['BusinessCalendar'];
export type CalendarInput = Schemas['CalendarInput'];
export type GermanState = Schemas['GermanState'];
export type PublicHoliday = Schemas['PublicHoliday'];
export type SlaPolicy = Schemas['SlaPolicy'];
export type SlaPolicyInput = Schemas['SlaPolicyInput'];
export type SlaClock = Schemas['SlaClock'];
export type CaseSla = Schemas['CaseSla'];

// ---------- distribution between own team and provider ----------

export type DistributionTeam = Schemas['DistributionTeam'];
export type DistributionEntry = Schemas['DistributionEntry'];
export type DistributionOverflow = Schemas['DistributionOverflow'];
export type DistributionPlan = Schemas['DistributionPlan'];
export type DistributionPlanVersion = Schemas['DistributionPlanVersion'];
export type OpenCasesChoice = Schemas['DistributionOpenCases'];
export type PlanSaved = Schemas['DistributionPlanSaved'];

// ---------- routing to agents ----------

export type RoutingMode = Schemas['RoutingMode'];
export const ROUTING_MODES: RoutingMode[] = ['pull', 'round-robin', 'least-loaded'];
export type Availability = Schemas['Availability'];
export type ProjectRouting = Schemas['ProjectRouting'];
export type AgentRouting = Schemas['AgentRouting'];
export type AgentSkill = Schemas['Skill'];
export type AgentCapacity = Schemas['Capacity'];
export type QueuedCase = Schemas['QueuedCase'];
export type ChannelMode = Schemas['ChannelMode'];
export const GERMAN_STATES: GermanState[] = ['BW', 'BY', 'BE', 'BB', 'HB', 'HH', 'HE', 'MV', 'NI', 'NW', 'RP', 'SL', 'SN', 'ST', 'SH', 'TH'];

// ---------- forecast and staffing ----------

export type ForecastCurrent = Schemas['ForecastCurrent'];
export type ForecastMonth = Schemas['ForecastMonth'];
export type ForecastEntry = Schemas['ForecastEntry'];
export type ForecastVersion = Schemas['ForecastVersion'];
export type ForecastSettings = Schemas['ForecastSettings'];
export type ForecastSettingsInput = Schemas['ForecastSettingsInput'];
export type ForecastProfiles = Schemas['ForecastProfiles'];
export type ForecastActuals = Schemas['ForecastActuals'];
export type ForecastComparison = Schemas['ForecastComparison'];
export type ForecastCorridor = Schemas['ForecastCorridor'];
export type ForecastStaffing = Schemas['ForecastStaffing'];
export type ForecastStaffingDay = Schemas['ForecastStaffingDay'];
export type ForecastStaffingIntervals = Schemas['ForecastStaffingIntervals'];

// ---------- text modules (Textbausteine) ----------

export type TextModule = Schemas['TextModule'];
export type TextModulePick = Schemas['TextModulePick'];
export type TextModuleUsage = Schemas['TextModuleUsage'];
export type TextModuleVersion = Schemas['TextModuleVersion'];
export type TextModuleVersionSummary = Schemas['TextModuleVersionSummary'];
export type RenderedTextModule = Schemas['RenderedTextModule'];

// ---------- workforce (issue 18) ----------

export type WorkState = Schemas['WorkState'];
/** The states an agent picks in the switcher (on-case and after-work come from the workspace). */
export const CHOSEN_STATES: WorkState[] = ['available', 'break', 'training', 'meeting', 'back-office', 'offline'];
export const WORK_STATES: WorkState[] = ['available', 'on-case', 'after-work', 'break', 'training', 'meeting', 'back-office', 'away', 'offline'];
export type MyState = Schemas['MyState'];
export type AgentState = Schemas['AgentState'];
export type AgentStateEvent = Schemas['AgentStateEvent'];
export type BreakReason = Schemas['BreakReason'];
export type MonitorSnapshot = Schemas['MonitorSnapshot'];
export type MonitorAgent = Schemas['MonitorAgent'];
export type ProductiveReport = Schemas['ProductiveReport'];
export type ProductiveRow = Schemas['ProductiveRow'];
export type ProjectSeats = Schemas['ProjectSeats'];
export type Seat = Schemas['Seat'];
export type SeatTariff = Schemas['SeatTariff'];
export type StateSettings = Schemas['StateSettings'];
export type RoutingSettings = Schemas['RoutingSettings'];
export type StateSettingsInput = Schemas['StateSettingsInput'];
export type LogEntry = Schemas['LogEntry'];
export type StateSource = Schemas['StateSource'];
