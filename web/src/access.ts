// Who sees which administration page, from the permissions `/me` gives
// (auth::policy on the server). Kept apart from the pages so that the route
// table can decide without loading them: the pages themselves are loaded
// on first use (routes.tsx, `lazyPage`).

import type { Me } from './api';
import { clientsWhere, projectsWhere } from './session';

/** Projects whose routing (and live monitor, seats) the user steers. */
export const routingProjects = (me: Me) => projectsWhere(me, 'manage_routing');
export const seesRouting = (me: Me) => routingProjects(me).length > 0;
export const seesMonitor = seesRouting;

/** Projects whose distribution plan the user sees. */
export const distributionProjects = (me: Me) => projectsWhere(me, 'view_distribution');
export const seesDistribution = (me: Me) => distributionProjects(me).length > 0;

/** Projects whose forecast and staffing the user sees. */
export const forecastProjects = (me: Me) => projectsWhere(me, 'view_forecast');
export const seesForecast = (me: Me) => forecastProjects(me).length > 0;

/** Clients whose calendars and SLA policies the user sees. */
export const slaClients = (me: Me) => clientsWhere(me, 'view_calendars');
export const seesSla = (me: Me) => slaClients(me).length > 0;

/** Clients whose rules the user sees. */
export const ruleClients = (me: Me) => clientsWhere(me, 'view_rules');
export const seesRules = (me: Me) => ruleClients(me).length > 0;

export const managesWebhooks = (me: Me) => clientsWhere(me, 'manage_webhooks').length > 0;
export const exportsData = (me: Me) => clientsWhere(me, 'export').length > 0;
export const seesWorkforceSettings = (me: Me) => clientsWhere(me, 'manage_sla').length > 0;
/** Productive time: everyone who works in a project or looks after a client
 * (the report answers each with the agents they may see, an agent with
 * themselves). */
export const seesProductive = (me: Me) => me.projects.length > 0 || me.clients.length > 0;
