// The names behind a rule's ids: the client's projects, and for the
// projects in the rule's scope their topics, members, mailboxes and case
// fields; the client's calendars, contact fields, text modules and
// webhooks. Loaded once per client and scope; a list the caller may not
// read (e.g. mailboxes for a project lead) stays empty.

import { useEffect, useState } from 'preact/hooks';
import { api, query, type BusinessCalendar, type CustomField, type List, type Mailbox, type Me, type Member, type TextModule, type Topic, type Webhook } from '../../api';
import { loadProjectData } from '../../components/caseBits';

export interface RuleProject {
  id: number;
  name: string;
  key: string;
}

export interface Refs {
  projects: RuleProject[];
  /** Topics of the projects in scope, with their project's name when several. */
  topics: (Topic & { projectName: string })[];
  /** Members of the projects in scope, each user once. */
  users: { id: number; name: string }[];
  mailboxes: (Mailbox & { projectName: string })[];
  caseFields: CustomField[];
  contactFields: CustomField[];
  calendars: BusinessCalendar[];
  textModules: TextModule[];
  webhooks: Webhook[];
  /** Whether every list is in (the scope's lists load after the client's). */
  ready: boolean;
}

const EMPTY: Refs = {
  projects: [],
  topics: [],
  users: [],
  mailboxes: [],
  caseFields: [],
  contactFields: [],
  calendars: [],
  textModules: [],
  webhooks: [],
  ready: false,
};

const quiet = <T,>(p: Promise<List<T>>): Promise<T[]> => p.then((r) => r.items, () => [] as T[]);

/** The client's projects as `me` knows them. */
export function clientProjects(me: Me, clientId: number | null): RuleProject[] {
  return me.projects
    .filter((p) => p.client_id === clientId)
    .map((p) => ({ id: p.id, name: p.name, key: p.key }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * References for a rule of `clientId` limited to `projectIds` (empty: all
 * of the client's projects). `manage`: the caller edits (loads the lists
 * only editors need: text modules, webhooks).
 */
export function useRuleRefs(me: Me, clientId: number | null, projectIds: number[], manage: boolean): Refs {
  const [refs, setRefs] = useState<Refs>(EMPTY);
  const projects = clientProjects(me, clientId);
  const scope = projectIds.length ? projects.filter((p) => projectIds.includes(p.id)) : projects;
  const scopeKey = scope.map((p) => p.id).join(',');
  useEffect(() => {
    let live = true;
    if (clientId === null) return;
    const several = scope.length > 1;
    const perProject = Promise.all(
      scope.map(async (p) => {
        const [data, fields, mailboxes] = await Promise.all([
          loadProjectData(p.id).catch(() => ({ topics: [] as Topic[], members: [] as Member[] })),
          quiet(api.get<List<CustomField>>(`/projects/${p.id}/fields${query({ entity: 'case' })}`)),
          quiet(api.get<List<Mailbox>>(`/projects/${p.id}/mailboxes`)),
        ]);
        const projectName = several ? p.name : '';
        return {
          topics: data.topics.map((tp) => ({ ...tp, projectName })),
          members: data.members,
          fields: fields.filter((f) => f.active),
          mailboxes: mailboxes.map((m) => ({ ...m, projectName })),
        };
      }),
    );
    const perClient = Promise.all([
      quiet(api.get<List<BusinessCalendar>>(`/calendars${query({ client_id: clientId })}`)),
      quiet(api.get<List<CustomField>>(`/clients/${clientId}/contact-fields`)),
      manage ? quiet(api.get<List<TextModule>>(`/text-modules${query({ client_id: clientId })}`)) : Promise.resolve([] as TextModule[]),
      manage ? quiet(api.get<List<Webhook>>(`/webhooks${query({ client_id: clientId })}`)) : Promise.resolve([] as Webhook[]),
    ]);
    void Promise.all([perProject, perClient]).then(([rows, [calendars, contactFields, textModules, webhooks]]) => {
      if (!live) return;
      const users = new Map<number, string>();
      const caseFields = new Map<string, CustomField>();
      for (const r of rows) {
        for (const m of r.members) users.set(m.user_id, m.user_name);
        for (const f of r.fields) if (!caseFields.has(f.key)) caseFields.set(f.key, f);
      }
      setRefs({
        projects,
        topics: rows.flatMap((r) => r.topics),
        users: [...users].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
        mailboxes: rows.flatMap((r) => r.mailboxes),
        caseFields: [...caseFields.values()],
        contactFields: contactFields.filter((f) => f.active),
        calendars,
        textModules: textModules.filter((m) => !m.deleted_at),
        webhooks,
        ready: true,
      });
    });
    return () => {
      live = false;
    };
  }, [clientId, scopeKey, manage]);
  return refs.ready ? refs : { ...EMPTY, projects };
}

/** A topic's label: its name, with the project's when the scope has several. */
export const topicLabel = (tp: { name: string; projectName: string }) => (tp.projectName ? `${tp.projectName} – ${tp.name}` : tp.name);
export const mailboxLabel = (m: { name: string; address: string; projectName: string }) =>
  `${m.projectName ? `${m.projectName} – ` : ''}${m.name || m.address}`;
