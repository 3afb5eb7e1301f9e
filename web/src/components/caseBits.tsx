// Small shared pieces of the agent workspace: labels, badges, per-project
// reference data (topics, members) with a short-lived cache.

import { useEffect, useState } from 'preact/hooks';
import { api, type CaseStatus, type Channel, type List, type Member, type Priority, type Topic } from '../api';
import { t } from '../i18n';

export function StatusBadge({ status }: { status: CaseStatus }) {
  return <span class={`badge status status-${status}`}>{t(`status.${status}`)}</span>;
}

export function PriorityLabel({ priority }: { priority: Priority }) {
  return <span class={`prio prio-${priority}`}>{t(`priority.${priority}`)}</span>;
}

export function ChannelLabel({ channel }: { channel: Channel }) {
  return <span class="channel">{t(`channel.${channel}`)}</span>;
}

export function isOverdue(due: string | null, status: CaseStatus): boolean {
  if (!due || status === 'solved' || status === 'closed') return false;
  return new Date(due).getTime() < Date.now();
}

// ---------- per-project reference data ----------

interface ProjectData {
  topics: Topic[];
  members: Member[];
}

const cache = new Map<number, { at: number; promise: Promise<ProjectData> }>();
const TTL = 60_000;

export function loadProjectData(projectId: number): Promise<ProjectData> {
  const hit = cache.get(projectId);
  if (hit && Date.now() - hit.at < TTL) return hit.promise;
  const promise = Promise.all([
    api.get<List<Topic>>(`/projects/${projectId}/topics`).then((r) => r.items, () => [] as Topic[]),
    api.get<List<Member>>(`/projects/${projectId}/members`).then((r) => r.items, () => [] as Member[]),
  ]).then(([topics, members]) => ({
    topics: topics.filter((tp) => tp.active).sort((a, b) => a.position - b.position || a.name.localeCompare(b.name)),
    members: members.sort((a, b) => a.user_name.localeCompare(b.user_name)),
  }));
  cache.set(projectId, { at: Date.now(), promise });
  promise.catch(() => cache.delete(projectId));
  return promise;
}

/** Topics and members of a project (empty while loading or without a project). */
export function useProjectData(projectId: number | null | undefined): ProjectData {
  const [data, setData] = useState<ProjectData>({ topics: [], members: [] });
  useEffect(() => {
    let live = true;
    if (!projectId) {
      setData({ topics: [], members: [] });
      return;
    }
    loadProjectData(projectId).then((d) => live && setData(d), () => undefined);
    return () => {
      live = false;
    };
  }, [projectId]);
  return data;
}

/** Parse "m:ss", "mm:ss" or plain minutes into seconds; null if invalid. */
export function parseMinSec(v: string): number | null {
  const s = v.trim();
  if (!s) return 0;
  const m = /^(\d{1,3})(?::([0-5]?\d))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 60 + (m[2] ? Number(m[2]) : 0);
}
