// State shared by the knowledge screens: the client whose knowledge is open
// (remembered), its categories as a tree.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Client, type List } from '../../api';
import { useSession } from '../../session';
import { useLoad } from '../../components/useLoad';
import { kb, ownClients, type Category } from './kb';

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
  const [all, setAll] = useState<{ id: number; name: string }[] | null>(null);
  useEffect(() => {
    if (me.user.role !== 'admin') return;
    api
      .get<List<Client>>('/clients')
      .then((l) => setAll(l.items.map((c) => ({ id: c.id, name: c.name }))))
      .catch(() => setAll([]));
  }, [me.user.role]);
  const clients = all ?? ownClients(me);
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

export interface CategoryNode {
  category: Category;
  depth: number;
  children: CategoryNode[];
}

/** Categories as a tree: siblings by position, then name. */
export function buildTree(categories: Category[]): CategoryNode[] {
  const byParent = new Map<number | null, Category[]>();
  for (const c of categories) {
    const key = c.parent_id ?? null;
    byParent.set(key, [...(byParent.get(key) ?? []), c]);
  }
  const build = (parent: number | null, depth: number): CategoryNode[] =>
    (byParent.get(parent) ?? [])
      .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name))
      .map((category) => ({ category, depth, children: build(category.id, depth + 1) }));
  return build(null, 0);
}

/** The tree in reading order (for selects and keyboard movement). */
export function flatten(nodes: CategoryNode[]): CategoryNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

/** A category's path of names ("Abrechnung › Abschläge"). */
export function categoryPath(categories: Category[], id: number | null | undefined): string {
  const names: string[] = [];
  let current = categories.find((c) => c.id === id);
  const seen = new Set<number>();
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    names.unshift(current.name);
    current = categories.find((c) => c.id === current!.parent_id);
  }
  return names.join(' › ');
}

export function useCategories(clientId: number | null) {
  const loaded = useLoad(() => (clientId ? kb.categories(clientId) : Promise.resolve([] as Category[])), [clientId]);
  const tree = useMemo(() => buildTree(loaded.data ?? []), [loaded.data]);
  return { ...loaded, categories: loaded.data ?? [], tree };
}
