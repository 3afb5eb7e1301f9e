// State shared by the knowledge screens: the client whose knowledge is open
// (remembered), its categories as a tree.

import { useMemo, useState } from 'preact/hooks';
import { useSession } from '../../session';
import { useLoad } from '../../components/useLoad';
import { useLiveEvents } from '../../components/events';
import { kb, ownClients, type Category } from './kb';
import { buildTree } from './tree';

export { buildTree, categoryPath, flatten, type CategoryNode } from './tree';

const CLIENT_KEY = 'zezaro.knowledge.client';

/**
 * The clients the user can open and the one chosen (remembered in
 * localStorage; default: the client of the project chosen in the header).
 * Platform admins choose among all clients.
 */
export function useKnowledgeClient(): {
  clients: { id: number; name: string }[];
  clientId: number | null;
  setClientId: (id: number) => void;
} {
  const { me, projectId } = useSession();
  const clients = ownClients(me);
  const stored = (() => {
    try {
      return Number(localStorage.getItem(CLIENT_KEY)) || null;
    } catch {
      return null;
    }
  })();
  const fromProject = me.projects.find((p) => p.id === projectId)?.client_id ?? null;
  const [chosen, setChosen] = useState<number | null>(null);
  const pick = [chosen, stored, fromProject].find((id) => id !== null && clients.some((c) => c.id === id)) ?? clients[0]?.id ?? null;
  const setClientId = (id: number) => {
    setChosen(id);
    try {
      localStorage.setItem(CLIENT_KEY, String(id));
    } catch {
      /* storage may be disabled */
    }
  };
  return { clients, clientId: pick, setClientId };
}

export function useCategories(clientId: number | null) {
  const loaded = useLoad(() => (clientId ? kb.categories(clientId) : Promise.resolve([] as Category[])), [clientId]);
  const tree = useMemo(() => buildTree(loaded.data ?? []), [loaded.data]);
  return { ...loaded, categories: loaded.data ?? [], tree };
}

/**
 * Who edits a project's knowledge changed (live event `knowledge`, type
 * `editor`): the session's projects (`edits_knowledge`) are read again, and
 * `then` runs (a page reloads what its offers depend on).
 */
export function useGrantChanges(then?: () => void): void {
  const { refresh } = useSession();
  useLiveEvents((e) => {
    if (e.kind !== 'knowledge' || e.data.type !== 'editor') return;
    void refresh()
      .catch(() => undefined)
      .then(() => then?.());
  });
}
