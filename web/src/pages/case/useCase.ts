// The case screen's data: the case with its thread and history, the e-mail
// deliveries and inbound mails, who else is viewing it (presence), and live
// change banners; and its writes, guarded by optimistic concurrency (409
// case-changed opens the conflict dialog). The header's saves report to one
// SaveFeedback: "Saved", or the translated error with a retry.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Case, type CaseDetail, type Delivery, type InboundMail, type Viewer } from '../../api';
import { t } from '../../i18n';
import { useLiveEvents } from '../../components/events';
import { retryable, useSaveFeedback } from '../../components/SaveFeedback';

/** A write refused with `case-changed`; the dialog words it (the server's detail is English). */
export interface Conflict {
  retry: () => Promise<void>;
  what: 'save' | 'send';
}

export interface Banner {
  by: string;
  /** Reloaded by itself (no draft in the composer). */
  auto: boolean;
}

/**
 * Loads case `id` and keeps it live. `hasDraft` says whether the composer
 * holds text: then a change by someone else shows a banner instead of
 * reloading under the agent's hands.
 */
export function useCase(id: number, meId: number, hasDraft: () => boolean) {
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [banner, setBanner] = useState<Banner | null>(null);
  const [viewers, setViewers] = useState<Viewer[]>([]);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [mails, setMails] = useState<InboundMail[]>([]);
  const versionRef = useRef(0);
  versionRef.current = detail?.case.version ?? 0;
  const others = (list: Viewer[]) => list.filter((v) => v.user_id !== meId);

  // E-mail delivery of outbound messages: a badge per message.
  const loadDeliveries = () =>
    api.get<{ items: Delivery[] }>(`/cases/${id}/deliveries`).then((r) => setDeliveries(r.items), () => undefined);

  const reload = async () => {
    void loadDeliveries();
    // E-mails taken in: marks (auto-reply, bounce, flagged) and the raw download.
    void api.get<{ items: InboundMail[] }>(`/cases/${id}/mail`).then((r) => setMails(r.items), () => undefined);
    try {
      const d = await api.get<CaseDetail>(`/cases/${id}`);
      setDetail(d);
      setViewers(others(d.viewers));
      setError(null);
    } catch (e) {
      setError(e);
    }
  };

  useEffect(() => {
    setDetail(null);
    setBanner(null);
    setDeliveries([]);
    void reload();
  }, [id]);

  // Presence: tell the server every 20 s while the case is open and visible.
  useEffect(() => {
    let live = true;
    const ping = () => {
      if (document.visibilityState === 'hidden') return;
      api
        .post<{ viewers: Viewer[] }>(`/cases/${id}/presence`)
        .then((r) => live && setViewers(others(r?.viewers ?? [])))
        .catch(() => undefined);
    };
    ping();
    const iv = setInterval(ping, 20_000);
    document.addEventListener('visibilitychange', ping);
    return () => {
      live = false;
      clearInterval(iv);
      document.removeEventListener('visibilitychange', ping);
    };
  }, [id]);

  useLiveEvents((e) => {
    if (e.kind === 'presence' && e.data.case_id === id) setViewers(others(e.data.viewers));
    if (e.kind === 'reconnect') void reload();
    if (e.kind !== 'case' || e.data.case_id !== id) return;
    if (e.data.type === 'delivery' || e.data.type === 'message') void loadDeliveries();
    if (e.data.type === 'delivery') return;
    // An SLA warning or breach marked by the server: no new version, re-read quietly.
    if (e.data.type === 'sla') {
      void reload();
      return;
    }
    if (e.data.version && e.data.version <= versionRef.current) return; // our own change, or already seen
    if (e.data.by_user_id === meId) return; // echo of our own request
    const by = e.data.by_name ?? t('case.someone');
    if (!hasDraft()) {
      void reload();
      setBanner({ by, auto: true });
    } else setBanner({ by, auto: false });
  });

  return { detail, setDetail, error, banner, setBanner, viewers, deliveries, loadDeliveries, mails, versionRef, reload };
}

export type CaseState = ReturnType<typeof useCase>;

const isCaseChanged = (err: unknown): err is ApiError => err instanceof ApiError && err.status === 409 && err.code === 'case-changed';

/** The case's writes: PATCH, and any write run through `guarded`. */
export function useCaseWrites(id: number, state: CaseState, onSolved: () => void) {
  const { setDetail, versionRef, loadDeliveries } = state;
  const [actionError, setActionError] = useState<unknown>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const feedback = useSaveFeedback();
  /** Bumped when the user drops their unsaved choices (reload after a conflict). */
  const [discarded, setDiscarded] = useState(0);

  /** Run a write; on 409 case-changed offer reload or a forced retry. */
  const guarded = async (what: 'save' | 'send', run: (force: boolean) => Promise<void>) => {
    setActionError(null);
    try {
      await run(false);
    } catch (err) {
      if (isCaseChanged(err)) {
        setConflict({
          what,
          retry: async () => {
            await run(true);
          },
        });
      } else setActionError(err);
    }
  };

  const write = async (body: Record<string, unknown>, force: boolean) => {
    const updated = await api.patch<Case>(`/cases/${id}`, { ...body, expected_version: versionRef.current, ...(force ? { force: true } : {}) });
    setDetail((d) => (d ? { ...d, case: updated } : d));
    if (body.status === 'solved') onSolved();
    // History changed on the server; refresh it quietly.
    void api.get<CaseDetail>(`/cases/${id}`).then((d) => setDetail((cur) => (cur && cur.case.version <= d.case.version ? { ...d } : cur)), () => undefined);
  };

  /**
   * Save header fields; resolves true when saved. A failure shows in
   * `feedback` with a retry; a conflict also opens the dialog, and its
   * retry (here and there) saves anyway.
   */
  const patch = (body: Record<string, unknown>, force = false): Promise<boolean> =>
    feedback.run(
      () => write(body, force),
      (err) => {
        if (!isCaseChanged(err)) return retryable(err) ? { run: () => void patch(body, force) } : null;
        const anyway = () => patch(body, true);
        setConflict({ what: 'save', retry: async () => void (await anyway()) });
        return { run: () => void anyway(), label: t('conflict.saveAnyway') };
      },
    );

  /** Drop the unsaved choices and load the case as it is now. */
  const discard = () => {
    setConflict(null);
    feedback.clear();
    setDiscarded((n) => n + 1);
    void state.reload();
  };

  const saveCustom = async (custom: Record<string, unknown>) => {
    const updated = await api.patch<Case>(`/cases/${id}`, { custom, expected_version: versionRef.current });
    setDetail((d) => (d ? { ...d, case: updated } : d));
  };

  const retryDelivery = async (d: Delivery) => {
    setActionError(null);
    try {
      await api.post<Delivery>(`/cases/${id}/deliveries/${d.id}/retry`);
      await loadDeliveries();
    } catch (err) {
      setActionError(err);
    }
  };

  return { actionError, setActionError, conflict, setConflict, guarded, patch, feedback, discarded, discard, saveCustom, retryDelivery };
}
