// What the customer screens (contacts, organizations, the import) share:
// the clients to choose from, who may manage them, and list input.

import type { Me } from '../../api';
import { useSession } from '../../session';

/** Distinct clients of the user's projects; the current project's first. */
export function useClientChoices(): { id: number; name: string }[] {
  const { me, projectId } = useSession();
  const seen = new Map<number, string>();
  const current = me.projects.find((p) => p.id === projectId);
  if (current) seen.set(current.client_id, current.client_name);
  for (const p of me.projects) if (!seen.has(p.client_id)) seen.set(p.client_id, p.client_name);
  return [...seen].map(([id, name]) => ({ id, name }));
}

/**
 * Whether the user may merge, delete and import the client's contacts and
 * organizations: as `policy::manage_customers` on the server (admins, the
 * client's admins, leads of one of the client's projects).
 */
export function canManageCustomers(me: Me, clientId: number): boolean {
  switch (me.user.role) {
    case 'admin':
      return true;
    case 'client-admin':
      return me.user.client_id === clientId;
    case 'project-lead':
      return me.projects.some((p) => p.client_id === clientId && p.member_role === 'lead');
    default:
      return false;
  }
}

/** Split a free-text list (commas, semicolons, new lines) into trimmed entries. */
export function splitList(v: string): string[] {
  return v
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
