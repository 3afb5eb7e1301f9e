// The logged-in session (GET /api/v1/me) shared through a context.

import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ClientActions, Me, MyProject } from './api';

export interface Session {
  me: Me;
  /** Replace the session data, e.g. after PATCH /me or a change that affects /me. */
  setMe: (me: Me) => void;
  /** Re-read /me (e.g. after creating a project so the switcher knows it). */
  refresh: () => Promise<void>;
  /** Project chosen in the header switcher (remembered in localStorage). */
  projectId: number | null;
  setProjectId: (id: number | null) => void;
  logout: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside of a logged-in frame');
  return s;
}

const PROJECT_KEY = 'zezaro.project';

export function loadProjectId(me: Me): number | null {
  let stored: number | null = null;
  try {
    stored = Number(localStorage.getItem(PROJECT_KEY)) || null;
  } catch {
    /* ignore */
  }
  if (stored && me.projects.some((p) => p.id === stored)) return stored;
  return me.projects[0]?.id ?? null;
}

export function saveProjectId(id: number | null): void {
  try {
    if (id) localStorage.setItem(PROJECT_KEY, String(id));
    else localStorage.removeItem(PROJECT_KEY);
  } catch {
    /* ignore */
  }
}

// What the user may do comes from the server (`can` in /me, asked of the
// same policy the handlers ask); screens read it through these, never from
// the user's role.

type ProjectFlag = { [K in keyof MyProject['can']]: MyProject['can'][K] extends boolean ? K : never }[keyof MyProject['can']];

/** The clients at which the server lets the user do `what`. */
export function clientsWhere(me: Me, what: keyof ClientActions): { id: number; name: string }[] {
  return me.clients.filter((c) => c.can[what]).map((c) => ({ id: c.id, name: c.name }));
}

/** Whether the server lets the user do `what` at client `clientId`. */
export function mayAtClient(me: Me, clientId: number | null | undefined, what: keyof ClientActions): boolean {
  return me.clients.some((c) => c.id === clientId && c.can[what]);
}

/** The projects in which the server lets the user do `what`. */
export function projectsWhere(me: Me, what: ProjectFlag): MyProject[] {
  return me.projects.filter((p) => p.can[what]);
}
