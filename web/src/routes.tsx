// The route table. Each entry is a page and, optionally, a navigation entry.
// Later views (cases, mail, knowledge, …) plug in by adding rows here.

import type { FunctionComponent } from 'preact';
import type { Me } from './api';
import type { MsgKey } from './i18n';
import type { Params } from './router';
import { HomePage } from './pages/Home';
import { ClientsPage } from './pages/Clients';
import { ProjectsPage } from './pages/Projects';
import { ProjectDetailPage } from './pages/ProjectDetail';
import { UsersPage } from './pages/users/UsersPage';
import { TeamsPage } from './pages/Teams';
import { AuditPage } from './pages/Audit';
import { TokensPage } from './pages/Tokens';
import { PasswordPage } from './pages/Password';
import { CasesPage } from './pages/Cases';
import { CaseDetailPage } from './pages/CaseDetail';
import { SearchPage } from './pages/Search';
import { ContactsPage } from './pages/Contacts';
import { canManageCustomers } from './pages/customers/shared';
import { ContactImportPage } from './pages/ContactImport';
import { ContactDetailPage } from './pages/ContactDetail';
import { OrganizationsPage } from './pages/Organizations';
import { OrganizationDetailPage } from './pages/OrganizationDetail';
import { ServicesPage } from './pages/Services';
import { BackupsPage } from './pages/Backups';
import { PlatformMailPage } from './pages/accounts/PlatformMailPage';
import { ExportsPage } from './pages/Exports';
import { KnowledgePage } from './pages/knowledge/KnowledgeHome';
import { ArticlePage } from './pages/knowledge/ArticlePage';
import { EditArticlePage, NewArticlePage } from './pages/knowledge/ArticleEditor';
import { HistoryPage } from './pages/knowledge/HistoryPage';
import { DeletedPage, ReviewPage } from './pages/knowledge/ReviewPage';
import { hasKnowledge } from './pages/knowledge/kb';
import { KnowledgeProjectPage, KnowledgeProjectsPage } from './pages/knowledge/ProjectsPage';
import { InstructionsPage, editsKnowledge } from './pages/Instructions';
import { CoursePage, TrainingPage } from './pages/Training';
import { TextModulesPage, editsAnyTextModules } from './pages/TextModules';
import { TextModuleHistoryPage } from './pages/TextModuleHistory';
import { SlaSetupPage, seesSla } from './pages/SlaSetup';
import { WebhooksPage, managesWebhooks } from './pages/Webhooks';
import { DistributionPage, seesDistribution } from './pages/Distribution';
import { RulesPage, seesRules } from './pages/rules/RulesPage';
import { RuleEditPage, RuleNewPage } from './pages/rules/RuleEditor';
import { RoutingPage, seesRouting } from './pages/Routing';
import { ForecastPage, seesForecast } from './pages/forecast/ForecastPage';
import { MonitorPage, seesMonitor } from './pages/Monitor';
import { ProductiveTimePage, seesProductive } from './pages/ProductiveTime';
import { SeatsPage } from './pages/Seats';
import { WorkforceSettingsPage, seesWorkforceSettings } from './pages/WorkforceSettings';

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
    allowed: (me) => me.user.role === 'admin',
    nav: { label: 'nav.services', section: 'admin', testId: 'nav-services' },
  },
  {
    path: '/admin/backups',
    page: BackupsPage,
    allowed: (me) => me.user.role === 'admin',
    nav: { label: 'nav.backups', section: 'admin', testId: 'nav-backups' },
  },
  {
    path: '/admin/platform-mail',
    page: PlatformMailPage,
    allowed: (me) => me.user.role === 'admin',
    nav: { label: 'nav.platformMail', section: 'admin', testId: 'nav-platform-mail' },
  },
  {
    path: '/admin/exports',
    page: ExportsPage,
    allowed: (me) => me.user.role === 'admin' || me.user.role === 'client-admin',
    nav: { label: 'nav.exports', section: 'admin', testId: 'nav-exports' },
  },
  { path: '/settings/password', page: PasswordPage, nav: { label: 'nav.password', section: 'account', testId: 'nav-password' } },
  { path: '/settings/tokens', page: TokensPage, nav: { label: 'nav.tokens', section: 'account', testId: 'nav-tokens' } },
  { path: '/api/docs/', external: true, nav: { label: 'nav.apiDocs', section: 'account', testId: 'nav-api-docs' } },
];
