// The case screen: everything an agent needs on one screen — header fields
// (inline editable), the thread, the composer, and a side panel with the
// contact, earlier cases, time spent and the history. Live: presence, change
// banners, optimistic-concurrency dialog (409 case-changed).

import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  ApiError,
  postKeepalive,
  query,
  CASE_STATUSES,
  PRIORITIES,
  TEAM_KINDS,
  type Attachment,
  type Case,
  type CaseDetail,
  type CaseStatus,
  type Delivery,
  type HistoryEntry,
  type Message,
  type Priority,
  type TeamKind,
  type TimeKind,
  type Viewer,
} from '../api';
import { formatDateTime, formatDuration, formatNumber, formatShort, hasMessage, t, type MsgKey } from '../i18n';
import { navigate, type Params } from '../router';
import { useSession } from '../session';
import { MaskCard } from '../components/CustomFields';
import { ErrorBox } from '../components/ErrorBox';
import { Link } from '../components/Link';
import { LocaleInput } from '../components/LocaleInput';
import { MailMarks, type InboundMail } from './Mailboxes';
import { ConfirmModal, Modal } from '../components/Modal';
import { Loading } from '../components/Page';
import { ChannelLabel, StatusBadge, isOverdue, useProjectData } from '../components/caseBits';
import { useLiveEvents } from '../components/events';
import { useShortcuts } from '../components/shortcuts';

type ComposeKind = 'outbound' | 'note';
interface Conflict {
  detail: string;
  retry: () => Promise<void>;
  what: 'save' | 'send';
}

const VISIBLE_MESSAGES = 6;

export function CaseDetailPage({ params }: { params: Params }) {
  const id = Number(params.id);
  const { me } = useSession();
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [banner, setBanner] = useState<{ by: string; auto: boolean } | null>(null);
  const [viewers, setViewers] = useState<Viewer[]>([]);
  const [composeKind, setComposeKind] = useState<ComposeKind>('outbound');
  const [text, setText] = useState('');
  const [files, setFiles] = useState<Attachment[]>([]);
  const [uploading, setUploading] = useState(false);
  const [setStatus, setSetStatus] = useState<CaseStatus | ''>('');
  const [sending, setSending] = useState(false);
  const [showAll, setShowAll] = useState(false);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [mails, setMails] = useState<InboundMail[]>([]);
  const composerRef = useRef<HTMLTextAreaElement>(null);
  const statusRef = useRef<HTMLSelectElement>(null);
  const versionRef = useRef(0);
  const textRef = useRef(text);
  textRef.current = text;
  const timer = useCaseTimer(id);
  const c = detail?.case ?? null;
  versionRef.current = c?.version ?? 0;
  const { topics, members } = useProjectData(c?.project_id);

  // E-mail delivery of outbound messages: a badge per message.
  const loadDeliveries = () =>
    api.get<{ items: Delivery[] }>(`/cases/${id}/deliveries`).then((r) => setDeliveries(r.items), () => undefined);
  const retryDelivery = async (d: Delivery) => {
    setActionError(null);
    try {
      await api.post<Delivery>(`/cases/${id}/deliveries/${d.id}/retry`);
      await loadDeliveries();
    } catch (err) {
      setActionError(err);
    }
  };

  const reload = async () => {
    void loadDeliveries();
    // E-mails taken in: marks (auto-reply, bounce, flagged) and the raw download.
    void api.get<{ items: InboundMail[] }>(`/cases/${id}/mail`).then((r) => setMails(r.items), () => undefined);
    try {
      const d = await api.get<CaseDetail>(`/cases/${id}`);
      setDetail(d);
      setViewers(d.viewers.filter((v) => v.user_id !== me.user.id));
      setError(null);
    } catch (e) {
      setError(e);
    }
  };

  useEffect(() => {
    setDetail(null);
    setBanner(null);
    setText('');
    setShowAll(false);
    setDeliveries([]);
    void reload();
  }, [id]);

  useEffect(() => {
    if (c) document.title = `${c.ref} · ${c.subject} · ${t('app.name')}`;
  }, [c?.ref, c?.subject]);

  // Presence: tell the server every 20 s while the case is open and visible.
  useEffect(() => {
    let live = true;
    const ping = () => {
      if (document.visibilityState === 'hidden') return;
      api
        .post<{ viewers: Viewer[] }>(`/cases/${id}/presence`)
        .then((r) => live && setViewers((r?.viewers ?? []).filter((v) => v.user_id !== me.user.id)))
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
    if (e.kind === 'presence' && e.data.case_id === id) setViewers(e.data.viewers.filter((v) => v.user_id !== me.user.id));
    if (e.kind === 'reconnect') void reload();
    if (e.kind !== 'case' || e.data.case_id !== id) return;
    if (e.data.type === 'delivery' || e.data.type === 'message') void loadDeliveries();
    if (e.data.type === 'delivery') return;
    if (e.data.version && e.data.version <= versionRef.current) return; // our own change, or already seen
    if (e.data.by_user_id === me.user.id) return; // echo of our own request
    const by = e.data.by_name ?? t('case.someone');
    if (!textRef.current.trim()) {
      void reload();
      setBanner({ by, auto: true });
    } else setBanner({ by, auto: false });
  });

  /** Run a write; on 409 case-changed offer reload or a forced retry. */
  const guarded = async (what: 'save' | 'send', run: (force: boolean) => Promise<void>) => {
    setActionError(null);
    try {
      await run(false);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.code === 'case-changed') {
        setConflict({
          what,
          detail: err.problem.detail ?? '',
          retry: async () => {
            await run(true);
          },
        });
      } else setActionError(err);
    }
  };

  const patch = (body: Record<string, unknown>) =>
    guarded('save', async (force) => {
      const updated = await api.patch<Case>(`/cases/${id}`, { ...body, expected_version: versionRef.current, ...(force ? { force: true } : {}) });
      setDetail((d) => (d ? { ...d, case: updated } : d));
      if (body.status === 'solved') timer.afterWork();
      // History changed on the server; refresh it quietly.
      void api.get<CaseDetail>(`/cases/${id}`).then((d) => setDetail((cur) => (cur && cur.case.version <= d.case.version ? { ...d } : cur)), () => undefined);
    });

  const send = () => {
    const body = text;
    if (!body.trim() || sending) return;
    setSending(true);
    const kind = composeKind;
    const status = setStatus;
    void guarded('send', async (force) => {
      const req: Record<string, unknown> = { kind, body_text: body, expected_version: versionRef.current };
      if (status) req.set_status = status;
      if (force) req.force = true;
      if (files.length) req.attachment_ids = files.map((f) => f.id);
      const r = await api.post<{ message: Message; case: Case }>(`/cases/${id}/messages`, req);
      setDetail((d) => (d ? { ...d, case: r.case, messages: [...d.messages, r.message] } : d));
      if (kind === 'outbound') void loadDeliveries();
      setText('');
      setFiles([]);
      setSetStatus('');
      setBanner(null);
      if (kind === 'outbound' || status === 'solved') timer.afterWork();
    }).finally(() => setSending(false));
  };

  const attach = async (list: FileList | null) => {
    if (!list?.length) return;
    setUploading(true);
    setActionError(null);
    try {
      for (const file of Array.from(list)) {
        const stored = await api.upload<Attachment>(`/cases/${id}/attachments`, file);
        setFiles((cur) => [...cur, stored]);
      }
    } catch (err) {
      setActionError(err);
    } finally {
      setUploading(false);
    }
  };

  const focusComposer = (kind: ComposeKind) => {
    setComposeKind(kind);
    setTimeout(() => composerRef.current?.focus(), 0);
  };

  useShortcuts({
    r: () => focusComposer('outbound'),
    n: () => focusComposer('note'),
    a: () => c && c.assignee_id !== me.user.id && void patch({ assignee_id: me.user.id }),
    s: () => statusRef.current?.focus(),
    Escape: () => navigate('/cases'),
  });

  if (error && !detail)
    return (
      <section class="page">
        <p class="breadcrumb">
          <Link href="/cases">← {t('cases.back')}</Link>
        </p>
        <ErrorBox error={error} />
      </section>
    );
  if (!detail || !c) return <Loading />;

  const messages = detail.messages;
  const hidden = showAll ? 0 : Math.max(0, messages.length - VISIBLE_MESSAGES);
  const assigneeOptions = members.map((m) => ({ id: m.user_id, name: m.user_name }));
  if (c.assignee_id && !assigneeOptions.some((o) => o.id === c.assignee_id)) assigneeOptions.push({ id: c.assignee_id, name: c.assignee_name ?? `#${c.assignee_id}` });
  const earlier = detail.contact_cases.filter((x) => x.id !== c.id);

  return (
    <section class="page page-wide case-page" data-testid="case-page" data-case-version={c.version}>
      <p class="breadcrumb">
        <Link href="/cases">← {t('cases.back')}</Link>
      </p>

      {banner && (
        <div class={banner.auto ? 'alert alert-info banner' : 'alert alert-warn banner'} role="status" data-testid="case-banner">
          <span>{t(banner.auto ? 'case.updatedAuto' : 'case.updatedBy', { name: banner.by })}</span>
          {!banner.auto && (
            <button
              type="button"
              class="btn btn-small"
              onClick={() => {
                setBanner(null);
                void reload();
              }}
            >
              {t('case.reload')}
            </button>
          )}
          <button type="button" class="btn-icon btn-tiny" aria-label={t('common.close')} onClick={() => setBanner(null)}>
            ×
          </button>
        </div>
      )}

      <header class="case-head">
        <div class="case-title">
          <span class="case-ref-big" data-testid="case-ref">
            {c.ref}
          </span>
          <SubjectEditor subject={c.subject} onSave={(s) => patch({ subject: s })} />
        </div>
        {viewers.length > 0 && (
          <p class="presence" data-testid="presence">
            <span class="presence-dot" aria-hidden="true" />
            {t('case.alsoViewing', { names: viewers.map((v) => v.name).join(', ') })}
          </p>
        )}
        <div class="case-fields">
          <label class="case-field">
            <span class="field-label">{t('case.status')}</span>
            <select ref={statusRef} value={c.status} onChange={(e) => void patch({ status: e.currentTarget.value })} data-testid="case-status">
              {CASE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`status.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <label class="case-field">
            <span class="field-label">{t('case.priority')}</span>
            <select value={c.priority} onChange={(e) => void patch({ priority: e.currentTarget.value as Priority })} data-testid="case-priority">
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {t(`priority.${p}`)}
                </option>
              ))}
            </select>
          </label>
          <div class="case-field case-field-assignee">
            <label class="field-label" for="case-assignee">
              {t('case.assignee')}
            </label>
            <div class="field-with-action">
              <select
                id="case-assignee"
                value={c.assignee_id ?? ''}
                onChange={(e) => void patch({ assignee_id: Number(e.currentTarget.value) || null })}
                data-testid="case-assignee"
              >
                <option value="">{t('case.unassigned')}</option>
                {assigneeOptions.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
              {c.assignee_id !== me.user.id && (
                <button type="button" class="btn btn-small" onClick={() => void patch({ assignee_id: me.user.id })} data-testid="assign-me">
                  {t('case.takeIt')}
                </button>
              )}
            </div>
          </div>
          <label class="case-field">
            <span class="field-label">{t('case.team')}</span>
            <select value={c.handling_team} onChange={(e) => void patch({ handling_team: e.currentTarget.value as TeamKind })}>
              {TEAM_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`kind.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <label class="case-field">
            <span class="field-label">{t('case.topic')}</span>
            <select value={c.topic_id ?? ''} onChange={(e) => void patch({ topic_id: Number(e.currentTarget.value) || null })}>
              <option value="">{t('case.noTopic')}</option>
              {c.topic_id && !topics.some((tp) => tp.id === c.topic_id) && <option value={c.topic_id}>{c.topic_name}</option>}
              {topics.map((tp) => (
                <option key={tp.id} value={tp.id}>
                  {tp.name}
                </option>
              ))}
            </select>
          </label>
          <DueEditor due={c.due_at} overdue={isOverdue(c.due_at, c.status)} onSave={(v) => patch({ due_at: v })} />
          <TagsEditor tags={c.tags} onSave={(tags) => patch({ tags })} />
        </div>
        <ErrorBox error={actionError} />
      </header>

      <div class="case-layout">
        <div class="case-main">
          <section class="thread" aria-label={t('case.thread')} data-testid="thread">
            {messages.length === 0 && <p class="muted">{t('case.noMessages')}</p>}
            {hidden > 0 && (
              <button type="button" class="btn btn-small thread-more" onClick={() => setShowAll(true)}>
                {t('case.showEarlier', { n: hidden })}
              </button>
            )}
            {messages.slice(hidden).map((m) => (
              <MessageView key={m.id} m={m} contactName={c.contact_name} delivery={deliveries.find((d) => d.message_id === m.id)} onRetry={retryDelivery} mail={mails.find((x) => x.thread_message_id === m.id)} />
            ))}
          </section>

          <section class={composeKind === 'note' ? 'composer composer-note' : 'composer'} aria-label={t('composer.title')} data-testid="composer">
            <div class="tabs" role="tablist" aria-label={t('composer.title')}>
              {(['outbound', 'note'] as ComposeKind[]).map((k) => (
                <button
                  key={k}
                  type="button"
                  role="tab"
                  id={`tab-${k}`}
                  aria-selected={composeKind === k}
                  aria-controls="composer-panel"
                  class="tab"
                  onClick={() => focusComposer(k)}
                  data-testid={`tab-${k}`}
                >
                  {t(k === 'outbound' ? 'composer.reply' : 'composer.note')}
                </button>
              ))}
            </div>
            <div id="composer-panel" role="tabpanel" aria-labelledby={`tab-${composeKind}`}>
              {composeKind === 'outbound' && detail.contact?.emails[0] && <p class="muted composer-to">{t('composer.to', { to: detail.contact.emails[0] })}</p>}
              <textarea
                ref={composerRef}
                rows={5}
                aria-label={t(composeKind === 'outbound' ? 'composer.reply' : 'composer.note')}
                placeholder={t(composeKind === 'outbound' ? 'composer.replyPlaceholder' : 'composer.notePlaceholder')}
                value={text}
                onInput={(e) => setText(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                    e.preventDefault();
                    send();
                  }
                }}
                data-testid="composer-text"
              />
              {files.length > 0 && (
                <ul class="attachments composer-files" data-testid="composer-files">
                  {files.map((f) => (
                    <li key={f.id}>
                      {f.filename} <span class="muted small">({formatNumber(Math.ceil(f.size / 1024))} KB)</span>{' '}
                      <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setFiles((cur) => cur.filter((x) => x.id !== f.id))}>
                        {t('composer.removeFile')}
                      </button>
                    </li>
                  ))}
                </ul>
              )}
              <div class="composer-actions">
                <label class="inline-label">
                  <span>{t('composer.andSet')}</span>
                  <select class="select-small" value={setStatus} onChange={(e) => setSetStatus(e.currentTarget.value as CaseStatus | '')} data-testid="composer-status">
                    <option value="">{t('composer.keepStatus')}</option>
                    {CASE_STATUSES.filter((s) => s !== 'new').map((s) => (
                      <option key={s} value={s}>
                        {t(`status.${s}`)}
                      </option>
                    ))}
                  </select>
                </label>
                <label class="btn btn-small file-button">
                  {uploading ? t('composer.uploading') : t('composer.attach')}
                  <input type="file" multiple class="sr-only" onChange={(e) => void attach(e.currentTarget.files)} data-testid="composer-file" />
                </label>
                <span class="muted hint-keys">{t('composer.ctrlEnter')}</span>
                <button type="button" class="btn btn-primary" disabled={sending || !text.trim()} onClick={send} data-testid="composer-send">
                  {t(composeKind === 'outbound' ? 'composer.sendReply' : 'composer.addNote')}
                </button>
              </div>
            </div>
          </section>
        </div>

        <aside class="case-side" aria-label={t('case.side')}>
          <section class="card side-card" data-testid="contact-card">
            <h2>{t('case.contact')}</h2>
            {detail.contact ? (
              <dl class="facts facts-compact">
                <dt>{t('common.name')}</dt>
                <dd>
                  <Link href={`/contacts/${detail.contact.id}`}>{detail.contact.name}</Link>
                </dd>
                {detail.contact.organization_name && (
                  <>
                    <dt>{t('contacts.organization')}</dt>
                    <dd>{detail.contact.organization_name}</dd>
                  </>
                )}
                {detail.contact.customer_number && (
                  <>
                    <dt>{t('contacts.customerNumber')}</dt>
                    <dd>{detail.contact.customer_number}</dd>
                  </>
                )}
                {detail.contact.emails.length > 0 && (
                  <>
                    <dt>{t('common.email')}</dt>
                    <dd>
                      {detail.contact.emails.map((em) => (
                        <div key={em}>{em}</div>
                      ))}
                    </dd>
                  </>
                )}
                {detail.contact.phones.length > 0 && (
                  <>
                    <dt>{t('contacts.phones')}</dt>
                    <dd>
                      {detail.contact.phones.map((p) => (
                        <div key={p}>
                          <a href={`tel:${p.replace(/[^\d+]/g, '')}`}>{p}</a>
                        </div>
                      ))}
                    </dd>
                  </>
                )}
                {(detail.contact.street || detail.contact.city) && (
                  <>
                    <dt>{t('contacts.address')}</dt>
                    <dd>
                      {detail.contact.street && <div>{detail.contact.street}</div>}
                      <div>{[detail.contact.postal_code, detail.contact.city].filter(Boolean).join(' ')}</div>
                      {detail.contact.country && <div>{detail.contact.country}</div>}
                    </dd>
                  </>
                )}
                {detail.contact.notes && (
                  <>
                    <dt>{t('contacts.notes')}</dt>
                    <dd class="pre">{detail.contact.notes}</dd>
                  </>
                )}
              </dl>
            ) : (
              <p class="muted">{c.contact_name ?? t('case.noContact')}</p>
            )}
          </section>

          <MaskCard
            fieldsUrl={`/projects/${c.project_id}/fields?entity=case`}
            values={c.custom}
            idPrefix={`case-${c.id}-custom`}
            testId="fields-card"
            cardClass="card side-card"
            onSave={async (custom) => {
              const updated = await api.patch<Case>(`/cases/${id}`, { custom, expected_version: versionRef.current });
              setDetail((d) => (d ? { ...d, case: updated } : d));
            }}
          />

          <section class="card side-card">
            <h2>{t('case.earlier')}</h2>
            {earlier.length === 0 ? (
              <p class="muted">{t('case.noEarlier')}</p>
            ) : (
              <ul class="plain-list">
                {earlier.slice(0, 10).map((x) => (
                  <li key={x.id}>
                    <Link href={`/cases/${x.id}`}>{x.ref}</Link> <StatusBadge status={x.status} />
                    <div class="muted small">
                      {x.subject} · {formatShort(x.created_at)}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </section>

          <RelatedCases caseId={c.id} links={detail.links} onChange={() => void reload()} />

          <section class="card side-card" data-testid="time-card">
            <h2>{t('time.title')}</h2>
            <TimeSpent total={detail.time.total_seconds + timer.posted} since={timer.since} kind={timer.kind} />
            <dl class="facts facts-compact">
              {(Object.entries(detail.time.by_kind) as [TimeKind, number][])
                .filter(([, v]) => v > 0)
                .map(([k, v]) => (
                  <Fragment key={k}>
                    <dt>{hasMessage(`time.${k}`) ? t(`time.${k}` as MsgKey) : k}</dt>
                    <dd>{formatDuration(v)}</dd>
                  </Fragment>
                ))}
            </dl>
          </section>

          <section class="card side-card">
            <dl class="facts facts-compact">
              <dt>{t('case.channel')}</dt>
              <dd>
                <ChannelLabel channel={c.channel} />
              </dd>
              <dt>{t('common.created')}</dt>
              <dd>{formatDateTime(c.created_at)}</dd>
              <dt>{t('case.firstResponse')}</dt>
              <dd>{formatDateTime(c.first_response_at)}</dd>
              <dt>{t('case.updated')}</dt>
              <dd>{formatDateTime(c.updated_at)}</dd>
            </dl>
          </section>

          <section class="card side-card">
            <details data-testid="history">
              <summary>
                <h2 class="inline-h2">{t('case.history', { n: formatNumber(detail.history.length) })}</h2>
              </summary>
              <ol class="history">
                {[...detail.history].reverse().map((h) => (
                  <HistoryItem key={h.id} h={h} />
                ))}
              </ol>
            </details>
          </section>
        </aside>
      </div>

      {conflict && (
        <Modal title={t('conflict.title')} onClose={() => setConflict(null)} testId="conflict">
          <p>{t('conflict.text')}</p>
          {conflict.detail && <p class="muted">{conflict.detail}</p>}
          <div class="form-actions">
            <button
              type="button"
              class="btn"
              onClick={() => {
                setConflict(null);
                void reload();
              }}
              data-testid="conflict-reload"
            >
              {t('case.reload')}
            </button>
            <button
              type="button"
              class="btn btn-primary"
              onClick={() => {
                const retry = conflict.retry;
                setConflict(null);
                void retry().catch((e) => setActionError(e));
              }}
              data-testid="conflict-force"
            >
              {t(conflict.what === 'send' ? 'conflict.sendAnyway' : 'conflict.saveAnyway')}
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}

// ---------- handling time ----------

/**
 * Measures the time spent on the case: "handling" from opening, "after-work"
 * after a reply or solving. A segment is posted when the agent leaves (route
 * change, tab hidden or closed — fetch keepalive, as sendBeacon cannot send
 * the CSRF header) or when the kind switches.
 */
function useCaseTimer(caseId: number) {
  const seg = useRef<{ kind: 'handling' | 'after-work'; start: number } | null>(null);
  const kindRef = useRef<'handling' | 'after-work'>('handling');
  const [posted, setPosted] = useState(0);
  const [since, setSince] = useState<number | null>(null);

  const flush = (id: number, keepalive: boolean) => {
    const s = seg.current;
    seg.current = null;
    setSince(null);
    if (!s) return;
    const seconds = Math.round((Date.now() - s.start) / 1000);
    if (seconds < 1) return;
    const body = { kind: s.kind, seconds, started_at: new Date(s.start).toISOString() };
    if (keepalive) postKeepalive(`/cases/${id}/time`, body);
    else void api.post(`/cases/${id}/time`, body).catch(() => undefined);
    setPosted((p) => p + seconds);
  };
  const start = (kind: 'handling' | 'after-work') => {
    kindRef.current = kind;
    const now = Date.now();
    seg.current = { kind, start: now };
    setSince(now);
  };

  useEffect(() => {
    setPosted(0);
    kindRef.current = 'handling';
    if (document.visibilityState !== 'hidden') start('handling');
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') flush(caseId, true);
      else if (!seg.current) start(kindRef.current);
    };
    const onPageHide = () => flush(caseId, true);
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('pagehide', onPageHide);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('pagehide', onPageHide);
      flush(caseId, true);
    };
  }, [caseId]);

  return {
    posted,
    since,
    kind: kindRef.current,
    /** From now on the time counts as after-work (after a reply or solving). */
    afterWork: () => {
      if (kindRef.current === 'after-work') return;
      flush(caseId, false);
      start('after-work');
    },
  };
}

function TimeSpent({ total, since, kind }: { total: number; since: number | null; kind: 'handling' | 'after-work' }) {
  const [, tick] = useState(0);
  useEffect(() => {
    if (since === null) return;
    const iv = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(iv);
  }, [since]);
  const running = since === null ? 0 : Math.max(0, Math.floor((Date.now() - since) / 1000));
  return (
    <p class="time-total">
      <strong data-testid="time-total">{formatDuration(total + running)}</strong>
      {since !== null && (
        <span class="muted small">
          {' '}
          · {t(kind === 'after-work' ? 'time.nowAfterWork' : 'time.nowHandling')} {formatDuration(running)}
        </span>
      )}
    </p>
  );
}

// ---------- header editors ----------

function SubjectEditor({ subject, onSave }: { subject: string; onSave: (s: string) => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(subject);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!editing) setValue(subject);
  }, [subject, editing]);
  useEffect(() => {
    if (editing) inputRef.current?.select();
  }, [editing]);
  if (!editing)
    return (
      <h1 class="case-subject">
        <span data-testid="case-subject">{subject}</span>
        <button type="button" class="btn-icon btn-tiny edit-pencil" aria-label={t('case.editSubject')} onClick={() => setEditing(true)}>
          ✎
        </button>
      </h1>
    );
  return (
    <form
      class="subject-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (value.trim() && value.trim() !== subject) await onSave(value.trim());
        setEditing(false);
      }}
    >
      <input
        ref={inputRef}
        required
        maxLength={300}
        aria-label={t('case.subject')}
        value={value}
        onInput={(e) => setValue(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            setEditing(false);
          }
        }}
        data-testid="case-subject-input"
      />
      <button type="submit" class="btn btn-primary btn-small">
        {t('common.save')}
      </button>
      <button type="button" class="btn btn-small" onClick={() => setEditing(false)}>
        {t('common.cancel')}
      </button>
    </form>
  );
}

function DueEditor({ due, overdue, onSave }: { due: string | null; overdue: boolean; onSave: (v: string | null) => Promise<void> }) {
  const [value, setValue] = useState<string | null>(due);
  useEffect(() => setValue(due), [due]);
  const commit = (iso: string | null) => {
    if ((iso ?? '') === (due ? new Date(due).toISOString() : '')) return;
    void onSave(iso);
  };
  return (
    <div class="case-field">
      <label class="field-label" for="case-due">
        {t('case.due')}
        {overdue && <span class="badge badge-danger"> {t('case.overdue')}</span>}
      </label>
      <div class="field-with-action">
        <LocaleInput kind="datetime" id="case-due" value={value} onValue={setValue} onCommit={commit} data-testid="case-due" />
        {due && (
          <button type="button" class="btn btn-small" onClick={() => void onSave(null)}>
            {t('case.clearDue')}
          </button>
        )}
      </div>
    </div>
  );
}

function TagsEditor({ tags, onSave }: { tags: string[]; onSave: (tags: string[]) => Promise<void> }) {
  const [value, setValue] = useState('');
  return (
    <div class="case-field case-field-wide">
      <span class="field-label" id="tags-label">
        {t('case.tags')}
      </span>
      <div class="tags-edit" role="group" aria-labelledby="tags-label">
        {tags.map((tag) => (
          <span key={tag} class="tag">
            {tag}
            <button type="button" class="tag-remove" aria-label={t('case.removeTag', { tag })} onClick={() => void onSave(tags.filter((x) => x !== tag))}>
              ×
            </button>
          </span>
        ))}
        <form
          class="tag-add"
          onSubmit={(e) => {
            e.preventDefault();
            const v = value.trim();
            if (v && !tags.includes(v)) void onSave([...tags, v]);
            setValue('');
          }}
        >
          <input class="input-small" aria-label={t('case.addTag')} placeholder={t('case.addTag')} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </form>
      </div>
    </div>
  );
}

// ---------- thread and history ----------

function htmlToText(html: string): string {
  // DOMParser documents are inert: no scripts run, nothing is fetched.
  return new DOMParser().parseFromString(html, 'text/html').body.textContent ?? '';
}

function formatBytes(n: number): string {
  if (n < 1024) return `${formatNumber(n)} B`;
  if (n < 1024 * 1024) return `${formatNumber(Math.round(n / 102.4) / 10)} KB`;
  return `${formatNumber(Math.round(n / (1024 * 102.4)) / 10)} MB`;
}

function DeliveryBadge({ d, onRetry }: { d: Delivery; onRetry: (d: Delivery) => void }) {
  const detail = [
    d.to_address ? t('delivery.to', { to: d.to_address }) : '',
    d.state === 'retrying' && d.next_attempt_at ? t('delivery.nextAttempt', { at: formatDateTime(d.next_attempt_at) }) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <div class={`msg-delivery delivery-${d.state}`} data-testid="delivery" data-state={d.state}>
      <span class={`badge ${d.state === 'sent' ? 'badge-on' : d.state === 'queued' ? 'badge-off' : 'badge-danger'}`}>{t(`delivery.${d.state}` as MsgKey)}</span>
      {detail && <span class="muted small"> {detail}</span>}
      {d.last_error && d.state !== 'sent' && <span class="small delivery-error"> {d.last_error}</span>}
      {d.state !== 'sent' && d.state !== 'queued' && (
        <button type="button" class="btn btn-small" onClick={() => onRetry(d)}>
          {t('delivery.retryNow')}
        </button>
      )}
    </div>
  );
}

function MessageView({ m, contactName, delivery, onRetry, mail }: { m: Message; contactName: string | null; delivery?: Delivery; onRetry: (d: Delivery) => void; mail?: InboundMail }) {
  const author = m.author_name ?? (m.kind === 'inbound' ? (contactName ?? m.from_address) : m.from_address) ?? t('case.someone');
  const body = m.body_text ?? (m.body_html ? htmlToText(m.body_html) : '');
  return (
    <article class={`msg msg-${m.kind}`} data-testid="message" data-kind={m.kind}>
      <header class="msg-head">
        <strong class="msg-author">{author}</strong>
        <span class={`msg-kind msg-kind-${m.kind}`}>{t(`message.kind.${m.kind}`)}</span>
        {m.from_address && m.author_name && m.kind === 'inbound' && <span class="muted small">{m.from_address}</span>}
        {mail && <MailMarks mail={mail} />}
        <time class="muted small msg-time" dateTime={m.created_at}>
          {formatDateTime(m.created_at)}
        </time>
      </header>
      {m.subject && m.kind !== 'note' && <div class="msg-subject">{m.subject}</div>}
      <div class="msg-body">{body}</div>
      {delivery && <DeliveryBadge d={delivery} onRetry={onRetry} />}
      {m.attachments.length > 0 && (
        <ul class="attachments">
          {m.attachments.map((a) => (
            <li key={a.id}>
              <a href={a.url} download={a.filename}>
                📎 {a.filename}
              </a>{' '}
              <span class="muted small">{formatBytes(a.size)}</span>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

const FIELD_LABELS: Record<string, MsgKey> = {
  subject: 'case.subject',
  status: 'case.status',
  priority: 'case.priority',
  assignee_id: 'case.assignee',
  assignee: 'case.assignee',
  handling_team: 'case.team',
  topic_id: 'case.topic',
  topic: 'case.topic',
  tags: 'case.tags',
  due_at: 'case.due',
  contact_id: 'case.contact',
  contact: 'case.contact',
  channel: 'case.channel',
};

function historyValue(field: string, v: string | null): string {
  if (v === null || v === '') return t('common.none');
  for (const prefix of ['status', 'priority', 'channel'] as const) {
    const key = `${prefix}.${v}`;
    if (field === prefix && hasMessage(key)) return t(key);
  }
  if (field === 'handling_team' && hasMessage(`kind.${v}`)) return t(`kind.${v}` as MsgKey);
  if (field === 'due_at' && !Number.isNaN(new Date(v).getTime())) return formatDateTime(v);
  return v;
}

function HistoryItem({ h }: { h: HistoryEntry }) {
  const label = FIELD_LABELS[h.field];
  return (
    <li>
      <div>
        <strong>{h.user_name ?? t('audit.system')}</strong> · {label ? t(label) : h.field}
      </div>
      <div class="history-change">
        <span class="old">{historyValue(h.field, h.old_value)}</span> → <span>{historyValue(h.field, h.new_value)}</span>
      </div>
      <time class="muted small" dateTime={h.at}>
        {formatDateTime(h.at)}
      </time>
    </li>
  );
}

/** Linked cases, and linking or merging by case number (e.g. ACME-1042). */
function RelatedCases({ caseId, links, onChange }: { caseId: number; links: Case[]; onChange: () => void }) {
  const [reference, setReference] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [confirmMerge, setConfirmMerge] = useState<Case | null>(null);

  const find = async (): Promise<Case | null> => {
    setError(null);
    const page = await api.get<{ items: Case[] }>(`/cases${query({ ref: reference.trim(), view: 'all', limit: 1 })}`);
    if (!page.items.length) {
      setError(new Error(t('related.notFound', { ref: reference.trim() })));
      return null;
    }
    return page.items[0];
  };
  const run = (action: (other: Case) => Promise<void>) => async (e: Event) => {
    e.preventDefault();
    try {
      const other = await find();
      if (other) await action(other);
    } catch (err) {
      setError(err);
    }
  };
  const link = run(async (other) => {
    await api.post(`/cases/${caseId}/links`, { case_id: other.id });
    setReference('');
    onChange();
  });
  const merge = run(async (other) => setConfirmMerge(other));

  return (
    <section class="card side-card" data-testid="related-card">
      <h2>{t('related.title')}</h2>
      {links.length === 0 ? (
        <p class="muted">{t('related.none')}</p>
      ) : (
        <ul class="plain-list">
          {links.map((x) => (
            <li key={x.id}>
              <Link href={`/cases/${x.id}`}>{x.ref}</Link> <StatusBadge status={x.status} />{' '}
              <button
                type="button"
                class="btn btn-small btn-danger-quiet"
                onClick={() => void api.del(`/cases/${caseId}/links/${x.id}`).then(onChange, setError)}
              >
                {t('related.unlink')}
              </button>
              <div class="muted small">{x.subject}</div>
            </li>
          ))}
        </ul>
      )}
      <form class="related-form" onSubmit={link}>
        <label class="field-label" for="related-ref">
          {t('related.ref')}
        </label>
        <input
          id="related-ref"
          value={reference}
          placeholder="ACME-1042"
          onInput={(e) => setReference(e.currentTarget.value)}
          data-testid="related-ref"
        />
        <div class="related-actions">
          <button type="submit" class="btn btn-small" disabled={!reference.trim()} data-testid="related-link">
            {t('related.link')}
          </button>
          <button type="button" class="btn btn-small" disabled={!reference.trim()} onClick={merge} data-testid="related-merge">
            {t('related.merge')}
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {confirmMerge && (
        <ConfirmModal
          title={t('related.merge')}
          text={t('related.confirmMerge', { ref: confirmMerge.ref })}
          confirmLabel={t('related.merge')}
          onClose={() => setConfirmMerge(null)}
          onConfirm={async () => {
            const target = await api.post<Case>(`/cases/${caseId}/merge`, { into_id: confirmMerge.id });
            navigate(`/cases/${target.id}`);
          }}
        />
      )}
    </section>
  );
}
