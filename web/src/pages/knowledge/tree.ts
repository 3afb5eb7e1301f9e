// The category tree from the flat list the API sends: nesting, order,
// reading order and paths. Pure (no DOM), so node's test runner checks it
// (test/kbtree.test.ts).

/** What the tree needs of a category (the API's KnowledgeCategory has more). */
export interface TreeCategory {
  id: number;
  parent_id?: number | null;
  name: string;
  position: number;
}

export interface CategoryNode<C extends TreeCategory = TreeCategory> {
  category: C;
  depth: number;
  children: CategoryNode<C>[];
}

/** Categories as a tree: siblings by position, then name. */
export function buildTree<C extends TreeCategory>(categories: C[]): CategoryNode<C>[] {
  const byParent = new Map<number | null, C[]>();
  for (const c of categories) {
    const key = c.parent_id ?? null;
    const siblings = byParent.get(key);
    if (siblings) siblings.push(c);
    else byParent.set(key, [c]);
  }
  const build = (parent: number | null, depth: number): CategoryNode<C>[] =>
    (byParent.get(parent) ?? [])
      .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name))
      .map((category) => ({ category, depth, children: build(category.id, depth + 1) }));
  return build(null, 0);
}

/** The tree in reading order (for selects and keyboard movement). */
export function flatten<C extends TreeCategory>(nodes: CategoryNode<C>[]): CategoryNode<C>[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

/** A category's path of names ("Abrechnung › Abschläge"). */
export function categoryPath(categories: TreeCategory[], id: number | null | undefined): string {
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
