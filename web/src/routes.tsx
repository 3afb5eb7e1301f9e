// The route table. Each entry is a page and, optionally, a navigation entry.
// Later views (cases, mail, knowledge, …) plug in by adding rows here.

import type { FunctionComponent } from 'preact';
import type { Me } from './api';
import type { MsgKey } from './i18n';
import type { Params } from './router';
import { HomePage } from './pages/Home';
import { PasswordPage } from './pages/Password';
import { CasesPage } from './pages/Cases';
import { CaseDetailPage } from './pages/CaseDetail';
import { SearchPage } from './pages/Search';
import { ContactsPage } from './pages/Contacts';
import { canManageCustomers } from './pages/customers/shared';
import { ContactDetailPage } from './pages/ContactDetail';
import { OrganizationsPage } from './pages/Organizations';
import { OrganizationDetailPage } from './pages/OrganizationDetail';
import { KnowledgePage } from './pages/knowledge/KnowledgeHome';
import { ArticlePage } from './pages/knowledge/ArticlePage';
import { DeletedPage, ReviewPage } from './pages/knowledge/ReviewPage';
import { hasKnowledge } from './pages/knowledge/kb';
import { KnowledgeProjectPage, KnowledgeProjectsPage } from './pages/knowledge/ProjectsPage';
import { InstructionsPage, editsKnowledge } from './pages/Instructions';
import { CoursePage, TrainingPage } from './pages/Training';
import { TextModulesPage, editsAnyTextModules } from './pages/TextModules';
import { lazyPage } from './lazy';
import {
  exportsData,
  managesWebhooks,
  seesDistribution,
  seesForecast,
  seesMonitor,
  seesProductive,
  seesRouting,
  seesRules,
  seesSla,
  seesWorkforceSettings,
} from './access';

// Pages an agent rarely or never opens (set-up, administration, reports):
// each loaded on first use, not part of the bundle every sign-in loads.
const ClientsPage = lazyPage(() => import('./pages/Clients').then((m) => m.ClientsPage));
const ProjectsPage = lazyPage(() => import('./pages/Projects').then((m) => m.ProjectsPage));
const ProjectDetailPage = lazyPage(() => import('./pages/ProjectDetail').then((m) => m.ProjectDetailPage));
const UsersPage = lazyPage(() => import('./pages/users/UsersPage').then((m) => m.UsersPage));
const TeamsPage = lazyPage(() => import('./pages/Teams').then((m) => m.TeamsPage));
const AuditPage = lazyPage(() => import('./pages/Audit').then((m) => m.AuditPage));
const TokensPage = lazyPage(() => import('./pages/Tokens').then((m) => m.TokensPage));
const ContactImportPage = lazyPage(() => import('./pages/ContactImport').then((m) => m.ContactImportPage));
const ServicesPage = lazyPage(() => import('./pages/Services').then((m) => m.ServicesPage));
const BackupsPage = lazyPage(() => import('./pages/Backups').then((m) => m.BackupsPage));
const PlatformMailPage = lazyPage(() => import('./pages/accounts/PlatformMailPage').then((m) => m.PlatformMailPage));
const ExportsPage = lazyPage(() => import('./pages/Exports').then((m) => m.ExportsPage));
const HistoryPage = lazyPage(() => import('./pages/knowledge/HistoryPage').then((m) => m.HistoryPage));
const TextModuleHistoryPage = lazyPage(() => import('./pages/TextModuleHistory').then((m) => m.TextModuleHistoryPage));
const SlaSetupPage = lazyPage(() => import('./pages/SlaSetup').then((m) => m.SlaSetupPage));
const WebhooksPage = lazyPage(() => import('./pages/Webhooks').then((m) => m.WebhooksPage));
const DistributionPage = lazyPage(() => import('./pages/Distribution').then((m) => m.DistributionPage));
const RulesPage = lazyPage(() => import('./pages/rules/RulesPage').then((m) => m.RulesPage));
const RoutingPage = lazyPage(() => import('./pages/Routing').then((m) => m.RoutingPage));
const ForecastPage = lazyPage(() => import('./pages/forecast/ForecastPage').then((m) => m.ForecastPage));
const MonitorPage = lazyPage(() => import('./pages/Monitor').then((m) => m.MonitorPage));
const ProductiveTimePage = lazyPage(() => import('./pages/ProductiveTime').then((m) => m.ProductiveTimePage));
const SeatsPage = lazyPage(() => import('./pages/Seats').then((m) => m.SeatsPage));
const WorkforceSettingsPage = lazyPage(() => import('./pages/WorkforceSettings').then((m) => m.WorkforceSettingsPage));
const RuleEditPage = lazyPage(() => import('./pages/rules/RuleEditor').then((m) => m.RuleEditPage));
const RuleNewPage = lazyPage(() => import('./pages/rules/RuleEditor').then((m) => m.RuleNewPage));
const EditArticlePage = lazyPage(() => import('./pages/knowledge/ArticleEditor').then((m) => m.EditArticlePage));
const NewArticlePage = lazyPage(() => import('./pages/knowledge/ArticleEditor').then((m) => m.NewArticlePage));

/** The agent workspace is for everyone working in at least one project. */
const inProjects = (me: Me) => me.projects.length > 0;

export type NavSection = 'main' | 'admin' | 'account';
export const NAV_SECTIONS: { id: NavSection; label: MsgKey | null }[] = [
  { id: 'main', label: null },
  { id: 'admin', label: 'nav.admin' },
  { id: 'account', label: 'nav.account' },
];

export interface RouteDef {
  /** Path pattern, `:name` marks a parameter. For external links: the href. */
  path: string;
  /** Rendered inside the app frame; absent for external links. */
  page?: FunctionComponent<{ params: Params }>;
  /** Who may see the page and its nav entry; default: every logged-in user. */
  allowed?: (me: Me) => boolean;
  /** Navigation entry; routes without it are reachable by links only. */
  nav?: { label: MsgKey; section: NavSection; testId?: string };
  /** A plain link served by the backend (full page load). */
  external?: boolean;
}

export const routes: RouteDef[] = [
  { path: '/', page: HomePage, nav: { label: 'nav.home', section: 'main', testId: 'nav-home' } },
  { path: '/cases', page: CasesPage, allowed: inProjects, nav: { label: 'nav.cases', section: 'main', testId: 'nav-cases' } },
  { path: '/cases/:id', page: CaseDetailPage, allowed: inProjects },
  { path: '/search', page: SearchPage, allowed: inProjects, nav: { label: 'nav.search', section: 'main', testId: 'nav-search' } },
  { path: '/contacts', page: ContactsPage, allowed: inProjects, nav: { label: 'nav.contacts', section: 'main', testId: 'nav-contacts' } },
  // Before `/contacts/:id`, which would match it too.
  {
    path: '/contacts/import',
    page: ContactImportPage,
    allowed: (me) => me.projects.some((p) => canManageCustomers(me, p.client_id)),
  },
  { path: '/contacts/:id', page: ContactDetailPage, allowed: inProjects },
  {
    path: '/organizations',
    page: OrganizationsPage,
    allowed: inProjects,
    nav: { label: 'nav.organizations', section: 'main', testId: 'nav-organizations' },
  },
  { path: '/organizations/:id', page: OrganizationDetailPage, allowed: inProjects },
  { path: '/knowledge', page: KnowledgePage, allowed: hasKnowledge, nav: { label: 'nav.knowledge', section: 'main', testId: 'nav-knowledge' } },
  { path: '/knowledge/new', page: NewArticlePage, allowed: hasKnowledge },
  { path: '/knowledge/review', page: ReviewPage, allowed: hasKnowledge },
  { path: '/knowledge/deleted', page: DeletedPage, allowed: hasKnowledge },
  { path: '/knowledge/projects', page: KnowledgeProjectsPage, allowed: hasKnowledge },
  { path: '/knowledge/projects/:id', page: KnowledgeProjectPage, allowed: hasKnowledge },
  { path: '/knowledge/articles/:id', page: ArticlePage, allowed: hasKnowledge },
  { path: '/knowledge/articles/:id/history', page: HistoryPage, allowed: hasKnowledge },
  { path: '/knowledge/articles/:id/edit/:lang', page: EditArticlePage, allowed: hasKnowledge },
  {
    path: '/instructions',
    page: InstructionsPage,
    allowed: editsKnowledge,
    nav: { label: 'nav.instructions', section: 'main', testId: 'nav-instructions' },
  },
  {
    path: '/training',
    page: TrainingPage,
    allowed: (me) => inProjects(me) || editsKnowledge(me),
    nav: { label: 'nav.training', section: 'main', testId: 'nav-training' },
  },
  { path: '/training/:id', page: CoursePage, allowed: inProjects },
  {
    path: '/knowledge/text-modules',
    page: TextModulesPage,
    allowed: editsAnyTextModules,
    nav: { label: 'nav.textModules', section: 'main', testId: 'nav-text-modules' },
  },
  { path: '/knowledge/text-modules/:id/history', page: TextModuleHistoryPage, allowed: editsAnyTextModules },
  {
    path: '/admin/sla',
    page: SlaSetupPage,
    allowed: seesSla,
    nav: { label: 'nav.sla', section: 'admin', testId: 'nav-sla' },
  },
  {
    path: '/admin/webhooks',
    page: WebhooksPage,
    allowed: managesWebhooks,
    nav: { label: 'nav.webhooks', section: 'admin', testId: 'nav-webhooks' },
  },
  {
    path: '/admin/distribution',
    page: DistributionPage,
    allowed: seesDistribution,
    nav: { label: 'nav.distribution', section: 'admin', testId: 'nav-distribution' },
  },
  {
    path: '/admin/forecast',
    page: ForecastPage,
    allowed: seesForecast,
    nav: { label: 'nav.forecast', section: 'admin', testId: 'nav-forecast' },
  },
  {
    path: '/admin/rules',
    page: RulesPage,
    allowed: seesRules,
    nav: { label: 'nav.rules', section: 'admin', testId: 'nav-rules' },
  },
  { path: '/admin/rules/new/:client', page: RuleNewPage, allowed: seesRules },
  { path: '/admin/rules/:id', page: RuleEditPage, allowed: seesRules },
  {
    path: '/workforce/monitor',
    page: MonitorPage,
    allowed: seesMonitor,
    nav: { label: 'nav.monitor', section: 'admin', testId: 'nav-monitor' },
  },
  {
    path: '/workforce/productive-time',
    page: ProductiveTimePage,
    allowed: seesProductive,
    nav: { label: 'nav.productive', section: 'main', testId: 'nav-productive' },
  },
  {
    path: '/admin/seats',
    page: SeatsPage,
    allowed: seesMonitor,
    nav: { label: 'nav.seats', section: 'admin', testId: 'nav-seats' },
  },
  {
    path: '/admin/workforce-settings',
    page: WorkforceSettingsPage,
    allowed: seesWorkforceSettings,
    nav: { label: 'nav.workforceSettings', section: 'admin', testId: 'nav-workforce-settings' },
  },
  {
    path: '/admin/routing',
    page: RoutingPage,
    allowed: seesRouting,
    nav: { label: 'nav.routing', section: 'admin', testId: 'nav-routing' },
  },
  {
    path: '/admin/clients',
    page: ClientsPage,
    allowed: (me) => me.permissions.manage_clients,
    nav: { label: 'nav.clients', section: 'admin', testId: 'nav-clients' },
  },
  {
    path: '/admin/projects',
    page: ProjectsPage,
    allowed: (me) => me.permissions.manage_projects || me.permissions.manage_members,
    nav: { label: 'nav.projects', section: 'admin', testId: 'nav-projects' },
  },
  {
    path: '/admin/projects/:id',
    page: ProjectDetailPage,
    allowed: (me) => me.permissions.manage_projects || me.permissions.manage_members,
  },
  {
    path: '/admin/users',
    page: UsersPage,
    allowed: (me) => me.permissions.manage_users,
    nav: { label: 'nav.users', section: 'admin', testId: 'nav-users' },
  },
  {
    path: '/admin/teams',
    page: TeamsPage,
    allowed: (me) => me.permissions.manage_teams,
    nav: { label: 'nav.teams', section: 'admin', testId: 'nav-teams' },
  },
  {
    path: '/admin/audit',
    page: AuditPage,
    allowed: (me) => me.permissions.view_audit,
    nav: { label: 'nav.audit', section: 'admin', testId: 'nav-audit' },
  },
  {
    path: '/admin/services',
    page: ServicesPage,
    allowed: (me) => me.permissions.manage_services,
    nav: { label: 'nav.services', section: 'admin', testId: 'nav-services' },
  },
  {
    path: '/admin/backups',
    page: BackupsPage,
    allowed: (me) => me.permissions.manage_backups,
    nav: { label: 'nav.backups', section: 'admin', testId: 'nav-backups' },
  },
  {
    path: '/admin/platform-mail',
    page: PlatformMailPage,
    allowed: (me) => me.permissions.manage_platform_mail,
    nav: { label: 'nav.platformMail', section: 'admin', testId: 'nav-platform-mail' },
  },
  {
    path: '/admin/exports',
    page: ExportsPage,
    allowed: exportsData,
    nav: { label: 'nav.exports', section: 'admin', testId: 'nav-exports' },
  },
  { path: '/settings/password', page: PasswordPage, nav: { label: 'nav.password', section: 'account', testId: 'nav-password' } },
  { path: '/settings/tokens', page: TokensPage, nav: { label: 'nav.tokens', section: 'account', testId: 'nav-tokens' } },
  { path: '/api/docs/', external: true, nav: { label: 'nav.apiDocs', section: 'account', testId: 'nav-api-docs' } },
];
