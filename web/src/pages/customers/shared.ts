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
 * Whether the user may delete, merge and import the client's contacts and
 * organizations: the server's answer per project (`can.manage_customers`
 * in /me, from `policy::manage_customers`), for any project of the client.
 */
export function canManageCustomers(me: Me, clientId: number): boolean {
  return me.projects.some((p) => p.client_id === clientId && p.can.manage_customers);
}

/** Split a free-text list (commas, semicolons, new lines) into trimmed entries. */
export function splitList(v: string): string[] {
  return v
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
