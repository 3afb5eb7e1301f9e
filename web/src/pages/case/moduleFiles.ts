// Files that text modules attached to a reply draft. Inserting a module
// again names the same attachments (the server reuses the agent's unsent
// ones), so a draft holds each file once. Removing a module's text never
// removes its files silently — as in Zendesk's macros or Freshdesk's canned
// responses, the files stay in the draft's list, where the agent sees and
// removes them — but once none of the module's text is left in the draft,
// the composer says so and offers to remove them in one click.
// Pure (no DOM), so node's test runner checks it (test/modulefiles.test.ts).

/** One insertion of a module into the draft. */
export interface Insertion {
  moduleId: number;
  shortcut: string;
  /** The text as inserted (placeholders filled). */
  text: string;
  /** The attachments it named. */
  fileIds: number[];
}

/** A module whose text is gone while files it attached are still in the draft. */
export interface StaleModule {
  moduleId: number;
  shortcut: string;
  fileIds: number[];
}

/** The lines that identify an inserted text: the non-blank ones, trimmed. */
function marks(text: string): string[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.length ? lines : [text.trim()].filter((l) => l.length > 0);
}

/**
 * Whether any of the insertion is still in the draft: one of its lines, as
 * inserted. An agent who edits a line and keeps another keeps the module;
 * one who deleted every line of it does not.
 */
export function stillInDraft(draft: string, insertion: Insertion): boolean {
  return marks(insertion.text).some((line) => draft.includes(line));
}

/** The attachments an insertion named that the draft still has. */
export function attachedOf(insertion: Insertion, attachedIds: number[]): number[] {
  return insertion.fileIds.filter((id) => attachedIds.includes(id));
}

/**
 * The modules to warn about: none of their insertions is still in the
 * draft, yet files they attached are. A file another module still in the
 * draft also attached is that module's, so it is not named.
 */
export function staleModules(draft: string, insertions: Insertion[], attachedIds: number[], dismissed: number[] = []): StaleModule[] {
  const present = insertions.filter((i) => stillInDraft(draft, i));
  const kept = new Set(present.flatMap((i) => i.fileIds));
  const presentModules = new Set(present.map((i) => i.moduleId));
  const out = new Map<number, StaleModule>();
  for (const i of insertions) {
    if (presentModules.has(i.moduleId) || dismissed.includes(i.moduleId)) continue;
    const files = attachedOf(i, attachedIds).filter((id) => !kept.has(id));
    if (!files.length) continue;
    const entry = out.get(i.moduleId) ?? { moduleId: i.moduleId, shortcut: i.shortcut, fileIds: [] };
    for (const id of files) if (!entry.fileIds.includes(id)) entry.fileIds.push(id);
    out.set(i.moduleId, entry);
  }
  return [...out.values()];
}

/** Which module a draft's attachment came from (the newest insertion naming it). */
export function originOf(fileId: number, insertions: Insertion[]): Insertion | undefined {
  for (let k = insertions.length - 1; k >= 0; k--) if (insertions[k].fileIds.includes(fileId)) return insertions[k];
  return undefined;
}
