// The case screen's composer, offering what the case's channel and contact
// allow: an e-mail reply when the contact has an address, a call (call
// back and log it, with its talk and after-work time) when the case came by
// phone or the contact has a number, and always an internal note. Reply
// and note take attachments and an optional status change; Ctrl+Enter
// sends. Text modules: `::` + letters or the picker button (TextModules.tsx).

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, CASE_STATUSES, type Attachment, type Case, type CaseDetail, type CaseStatus, type Message } from '../../api';
import { formatNumber, getLocale, t } from '../../i18n';
import { parseMinSec } from '../../components/caseBits';
import type { CaseState } from './useCase';
import { InsertNoteView, TextModuleDialog, renderModule, spliceRendered, useCaseTextModules, useShortcutPicker, type InsertNote } from './TextModules';
import type { TextModulePick } from '../../api';
import { originOf, staleModules, stillInDraft, type Insertion } from './moduleFiles';

export type ComposeKind = 'outbound' | 'call' | 'note';

/** What the composer offers on a case, in tab order: an e-mail reply needs
 * an address; a call needs a number (a phone case without one is logged
 * with a number typed in); a note is always possible. */
export function composeKinds(detail: CaseDetail | null): ComposeKind[] {
  const kinds: ComposeKind[] = [];
  if (detail?.contact?.emails.length) kinds.push('outbound');
  if (detail && (detail.case.channel === 'call' || detail.contact?.phones.length)) kinds.push('call');
  kinds.push('note');
  return kinds;
}

/** The tab a case opens with: a phone case calls back, others reply by e-mail when they can. */
export function defaultKind(detail: CaseDetail | null): ComposeKind {
  const kinds = composeKinds(detail);
  if (detail?.case.channel === 'call' && kinds.includes('call')) return 'call';
  return kinds[0];
}

/** The call being logged: direction, number and times as typed (minutes:seconds). */
interface CallDraft {
  direction: 'outbound' | 'inbound';
  phone: string;
  talk: string;
  afterWork: string;
}

const NO_CALL: CallDraft = { direction: 'outbound', phone: '', talk: '', afterWork: '' };

/**
 * The composer's state and its send. `guarded` runs the write with the
 * conflict dialog; `afterSend` is told what was sent (the timer switches to
 * after-work on a reply or solving).
 */
export function useComposer(
  caseId: number,
  state: CaseState,
  guarded: (what: 'save' | 'send', run: (force: boolean) => Promise<void>) => Promise<void>,
  onError: (err: unknown) => void,
  afterSend: (kind: ComposeKind, status: CaseStatus | '') => void,
) {
  // The user's choice of tab; what the case allows decides otherwise.
  const [chosen, setChosen] = useState<ComposeKind | null>(null);
  const kinds = composeKinds(state.detail);
  const kind: ComposeKind = chosen && kinds.includes(chosen) ? chosen : defaultKind(state.detail);
  const [call, setCall] = useState<CallDraft>(NO_CALL);
  const [text, setText] = useState('');
  const [files, setFiles] = useState<Attachment[]>([]);
  const [uploading, setUploading] = useState(false);
  const [setStatus, setSetStatus] = useState<CaseStatus | ''>('');
  const [sending, setSending] = useState(false);
  // What text modules put into this draft (moduleFiles.ts).
  const [insertions, setInsertions] = useState<Insertion[]>([]);
  const [keptModules, setKeptModules] = useState<number[]>([]);
  const textRef = useRef<HTMLTextAreaElement>(null);
  const draft = useRef(text);
  draft.current = text;

  const phones = state.detail?.contact?.phones ?? [];
  const callPhone = call.phone || phones[0] || '';

  const send = () => {
    const body = text;
    if ((!body.trim() && kind !== 'call') || sending) return;
    const sentKind = kind;
    const status = setStatus;
    const req: Record<string, unknown> = { kind: sentKind, body_text: body, expected_version: state.versionRef.current };
    if (sentKind === 'call') {
      const talk = parseMinSec(call.talk);
      const afterWork = parseMinSec(call.afterWork);
      if (talk === null || afterWork === null) {
        onError(new Error(t('call.badDuration')));
        return;
      }
      if (!callPhone.trim()) {
        onError(new Error(t('composer.callNoPhone')));
        return;
      }
      // A call is a message of its direction; the server words its first
      // line in the UI's language and sends it nowhere.
      req.kind = call.direction;
      req.call = { phone: callPhone.trim(), talk_seconds: talk, after_work_seconds: afterWork, language: getLocale() };
    }
    onError(null);
    setSending(true);
    void guarded('send', async (force) => {
      if (status) req.set_status = status;
      if (force) req.force = true;
      if (files.length) req.attachment_ids = files.map((f) => f.id);
      const r = await api.post<{ message: Message; case: Case }>(`/cases/${caseId}/messages`, req);
      state.setDetail((d) => (d ? { ...d, case: r.case, messages: [...d.messages, r.message] } : d));
      if (sentKind === 'outbound') void state.loadDeliveries();
      if (sentKind === 'call') setCall(NO_CALL);
      setText('');
      setFiles([]);
      setInsertions([]);
      setKeptModules([]);
      setSetStatus('');
      state.setBanner(null);
      afterSend(sentKind, status);
    }).finally(() => setSending(false));
  };

  const attach = async (list: FileList | null) => {
    if (!list?.length) return;
    setUploading(true);
    onError(null);
    try {
      for (const file of Array.from(list)) {
        const stored = await api.upload<Attachment>(`/cases/${caseId}/attachments`, file);
        setFiles((cur) => [...cur, stored]);
      }
    } catch (err) {
      onError(err);
    } finally {
      setUploading(false);
    }
  };

  /** Opens tab `k` (the case's first tab when it does not allow `k`) and focuses the text. */
  const focus = (k: ComposeKind) => {
    setChosen(k);
    setTimeout(() => textRef.current?.focus(), 0);
  };

  /** Empties the composer (another case was opened). */
  const reset = () => {
    setText('');
    setInsertions([]);
    setKeptModules([]);
    setChosen(null);
    setCall(NO_CALL);
  };

  return { caseId, onError, kind, kinds, call, setCall, phones, callPhone, text, setText, files, setFiles, insertions, setInsertions, keptModules, setKeptModules, uploading, setStatus, setSetStatus, sending, textRef, send, attach, focus, reset, hasDraft: () => draft.current.trim() !== '' };
}

export type ComposerState = ReturnType<typeof useComposer>;

const TAB_LABEL: Record<ComposeKind, 'composer.reply' | 'composer.call' | 'composer.note'> = {
  outbound: 'composer.reply',
  call: 'composer.call',
  note: 'composer.note',
};

export function Composer({ composer, to }: { composer: ComposerState; to: string | null | undefined }) {
  const modules = useCaseTextModules(composer.caseId);
  const [note, setNote] = useState<InsertNote | null>(null);
  const [dialog, setDialog] = useState(false);
  // The last insertion's note goes with its text.
  useEffect(() => {
    const last = composer.insertions[composer.insertions.length - 1];
    if (!composer.text || (last && !stillInDraft(composer.text, last))) setNote(null);
  }, [composer.text]);
  const insert = (module: TextModulePick, from: number, to: number) => {
    composer.onError(null);
    renderModule(composer.caseId, module.id)
      .then((r) => {
        const el = composer.textRef.current;
        const spliced = spliceRendered(el?.value ?? composer.text, from, to, r.text);
        composer.setText(spliced.text);
        // Inserted again: the server names the same unsent attachments.
        const had = new Set(composer.files.map((f) => f.id));
        const added = r.attachments.filter((a) => !had.has(a.id));
        if (added.length) composer.setFiles((cur) => [...cur, ...added.filter((a) => !cur.some((f) => f.id === a.id))]);
        composer.setInsertions((cur) => [...cur, { moduleId: r.module_id, shortcut: r.shortcut, text: r.text, fileIds: r.attachments.map((a) => a.id) }]);
        composer.setKeptModules((cur) => cur.filter((id) => id !== r.module_id));
        setNote({ unknown: r.unknown, empty: r.empty, files: added.length, already: r.attachments.length - added.length });
        setTimeout(() => {
          el?.focus();
          el?.setSelectionRange(spliced.caret, spliced.caret);
        }, 0);
      })
      .catch((err) => composer.onError(err));
  };
  const picker = useShortcutPicker({ modules, textRef: composer.textRef, insert });
  const stale = staleModules(
    composer.text,
    composer.insertions,
    composer.files.map((f) => f.id),
    composer.keptModules,
  );
  const insertAtCaret = (module: TextModulePick) => {
    const el = composer.textRef.current;
    const at = el ? (el.selectionStart ?? el.value.length) : composer.text.length;
    const end = el ? (el.selectionEnd ?? at) : at;
    insert(module, at, end);
  };
  return (
    <section class={composer.kind === 'note' ? 'composer composer-note' : 'composer'} aria-label={t('composer.title')} data-testid="composer">
      <div class="tabs" role="tablist" aria-label={t('composer.title')}>
        {composer.kinds.map((k) => (
          <button
            key={k}
            type="button"
            role="tab"
            id={`tab-${k}`}
            aria-selected={composer.kind === k}
            aria-controls="composer-panel"
            class="tab"
            onClick={() => composer.focus(k)}
            data-testid={`tab-${k}`}
          >
            {t(TAB_LABEL[k])}
          </button>
        ))}
        {!composer.kinds.includes('outbound') && (
          <span class="muted small composer-no-mail" data-testid="composer-no-mail">
            {t('composer.noEmail')}
          </span>
        )}
      </div>
      <div id="composer-panel" role="tabpanel" aria-labelledby={`tab-${composer.kind}`}>
        {composer.kind === 'outbound' && to && <p class="muted composer-to">{t('composer.to', { to })}</p>}
        {composer.kind === 'call' && <CallFields composer={composer} />}
        <div class="composer-textwrap">
          {picker.list}
          <textarea
            ref={composer.textRef}
            rows={5}
            aria-label={t(composer.kind === 'call' ? 'call.notes' : TAB_LABEL[composer.kind])}
            placeholder={t(composer.kind === 'outbound' ? 'composer.replyPlaceholder' : composer.kind === 'call' ? 'composer.callPlaceholder' : 'composer.notePlaceholder')}
            value={composer.text}
            aria-expanded={picker.open ? true : undefined}
            aria-controls={picker.open ? 'tm-picker' : undefined}
            aria-activedescendant={picker.activeId}
            onInput={(e) => {
              composer.setText(e.currentTarget.value);
              picker.update();
            }}
            onKeyDown={(e) => {
              if (picker.onKeyDown(e)) return;
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                composer.send();
              }
            }}
            onKeyUp={(e) => {
              if (e.key.startsWith('Arrow') && !picker.open) picker.update();
            }}
            onClick={picker.update}
            data-testid="composer-text"
          />
        </div>
        <InsertNoteView note={note} />
        {stale.map((m) => (
          <div key={m.moduleId} class="alert alert-warn tm-stale" role="status" data-testid="tm-stale">
            <p>{t('tm.staleFiles', { n: m.fileIds.length, shortcut: m.shortcut, names: composer.files.filter((f) => m.fileIds.includes(f.id)).map((f) => f.filename).join(', ') })}</p>
            <div class="tm-stale-actions">
              <button type="button" class="btn btn-small" onClick={() => composer.setFiles((cur) => cur.filter((f) => !m.fileIds.includes(f.id)))} data-testid="tm-stale-remove">
                {t('tm.removeStale', { n: m.fileIds.length })}
              </button>
              <button type="button" class="btn btn-small" onClick={() => composer.setKeptModules((cur) => [...cur, m.moduleId])} data-testid="tm-stale-keep">
                {t('tm.keepStale')}
              </button>
            </div>
          </div>
        ))}
        {composer.files.length > 0 && (
          <ul class="attachments composer-files" data-testid="composer-files">
            {composer.files.map((f) => (
              <li key={f.id} data-testid="composer-file-item">
                {f.filename} <span class="muted small">({formatNumber(Math.ceil(f.size / 1024))} KB)</span>{' '}
                {originOf(f.id, composer.insertions) && <span class="muted small tm-file-from">{t('tm.fileFrom', { shortcut: originOf(f.id, composer.insertions)?.shortcut ?? '' })}</span>}{' '}
                <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => composer.setFiles((cur) => cur.filter((x) => x.id !== f.id))}>
                  {t('composer.removeFile')}
                </button>
              </li>
            ))}
          </ul>
        )}
        <div class="composer-actions">
          <label class="inline-label">
            <span>{t('composer.andSet')}</span>
            <select class="select-small" value={composer.setStatus} onChange={(e) => composer.setSetStatus(e.currentTarget.value as CaseStatus | '')} data-testid="composer-status">
              <option value="">{t('composer.keepStatus')}</option>
              {CASE_STATUSES.filter((s) => s !== 'new').map((s) => (
                <option key={s} value={s}>
                  {t(`status.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" class="btn btn-small" onClick={() => setDialog(true)} disabled={!modules.length} data-testid="tm-open-picker">
            {t('tm.pick')}
          </button>
          <label class="btn btn-small file-button">
            {composer.uploading ? t('composer.uploading') : t('composer.attach')}
            <input type="file" multiple class="sr-only" onChange={(e) => void composer.attach(e.currentTarget.files)} data-testid="composer-file" />
          </label>
          <span class="muted hint-keys">{t('composer.ctrlEnter')}</span>
          <button type="button" class="btn btn-primary" disabled={composer.sending || (composer.kind !== 'call' && !composer.text.trim())} onClick={composer.send} data-testid="composer-send">
            {t(composer.kind === 'outbound' ? 'composer.sendReply' : composer.kind === 'call' ? 'composer.logCall' : 'composer.addNote')}
          </button>
        </div>
      </div>
      {dialog && <TextModuleDialog modules={modules} onPick={insertAtCaret} onClose={() => setDialog(false)} />}
    </section>
  );
}

/** The call tab's fields: direction, the number (a link that dials it) and the times. */
function CallFields({ composer }: { composer: ComposerState }) {
  const { call, setCall, phones, callPhone } = composer;
  const set = (patch: Partial<typeof call>) => setCall({ ...call, ...patch });
  return (
    <div class="composer-call" data-testid="composer-call">
      <label class="inline-label">
        <span>{t('call.direction')}</span>
        <select class="select-small" value={call.direction} onChange={(e) => set({ direction: e.currentTarget.value as 'outbound' | 'inbound' })} data-testid="composer-call-direction">
          <option value="outbound">{t('composer.callBack')}</option>
          <option value="inbound">{t('composer.callIn')}</option>
        </select>
      </label>
      <label class="inline-label">
        <span>{t('call.phone')}</span>
        {phones.length > 1 ? (
          <select class="select-small" value={callPhone} onChange={(e) => set({ phone: e.currentTarget.value })} data-testid="composer-call-phone">
            {phones.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        ) : phones.length === 1 ? (
          <a href={`tel:${callPhone.replace(/[^\d+]/g, '')}`} data-testid="composer-call-dial">
            {callPhone}
          </a>
        ) : (
          <input type="tel" class="input-small" value={call.phone} onInput={(e) => set({ phone: e.currentTarget.value })} data-testid="composer-call-phone" />
        )}
      </label>
      <label class="inline-label">
        <span>{t('call.talk')}</span>
        <input class="input-small input-duration" inputMode="numeric" placeholder="0:00" value={call.talk} onInput={(e) => set({ talk: e.currentTarget.value })} data-testid="composer-call-talk" />
      </label>
      <label class="inline-label">
        <span>{t('call.afterWork')}</span>
        <input class="input-small input-duration" inputMode="numeric" placeholder="0:00" value={call.afterWork} onInput={(e) => set({ afterWork: e.currentTarget.value })} data-testid="composer-call-after" />
      </label>
    </div>
  );
}
