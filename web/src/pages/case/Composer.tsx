// The case screen's composer: a reply (sent as e-mail) or an internal note,
// with attachments and an optional status change; Ctrl+Enter sends.
// Text modules: `::` + letters or the picker button (TextModules.tsx).

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, CASE_STATUSES, type Attachment, type Case, type CaseStatus, type Message } from '../../api';
import { formatNumber, t } from '../../i18n';
import type { CaseState } from './useCase';
import { InsertNoteView, TextModuleDialog, renderModule, spliceRendered, useCaseTextModules, useShortcutPicker, type InsertNote } from './TextModules';
import type { TextModulePick } from '../../api';
import { originOf, staleModules, stillInDraft, type Insertion } from './moduleFiles';

export type ComposeKind = 'outbound' | 'note';

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
  const [kind, setKind] = useState<ComposeKind>('outbound');
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

  const send = () => {
    const body = text;
    if (!body.trim() || sending) return;
    setSending(true);
    const sentKind = kind;
    const status = setStatus;
    void guarded('send', async (force) => {
      const req: Record<string, unknown> = { kind: sentKind, body_text: body, expected_version: state.versionRef.current };
      if (status) req.set_status = status;
      if (force) req.force = true;
      if (files.length) req.attachment_ids = files.map((f) => f.id);
      const r = await api.post<{ message: Message; case: Case }>(`/cases/${caseId}/messages`, req);
      state.setDetail((d) => (d ? { ...d, case: r.case, messages: [...d.messages, r.message] } : d));
      if (sentKind === 'outbound') void state.loadDeliveries();
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

  const focus = (k: ComposeKind) => {
    setKind(k);
    setTimeout(() => textRef.current?.focus(), 0);
  };

  /** Empties the composer (another case was opened). */
  const reset = () => {
    setText('');
    setInsertions([]);
    setKeptModules([]);
  };

  return { caseId, onError, kind, text, setText, files, setFiles, insertions, setInsertions, keptModules, setKeptModules, uploading, setStatus, setSetStatus, sending, textRef, send, attach, focus, reset, hasDraft: () => draft.current.trim() !== '' };
}

export type ComposerState = ReturnType<typeof useComposer>;

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
        {(['outbound', 'note'] as ComposeKind[]).map((k) => (
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
            {t(k === 'outbound' ? 'composer.reply' : 'composer.note')}
          </button>
        ))}
      </div>
      <div id="composer-panel" role="tabpanel" aria-labelledby={`tab-${composer.kind}`}>
        {composer.kind === 'outbound' && to && <p class="muted composer-to">{t('composer.to', { to })}</p>}
        <div class="composer-textwrap">
          {picker.list}
          <textarea
            ref={composer.textRef}
            rows={5}
            aria-label={t(composer.kind === 'outbound' ? 'composer.reply' : 'composer.note')}
            placeholder={t(composer.kind === 'outbound' ? 'composer.replyPlaceholder' : 'composer.notePlaceholder')}
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
          <button type="button" class="btn btn-primary" disabled={composer.sending || !composer.text.trim()} onClick={composer.send} data-testid="composer-send">
            {t(composer.kind === 'outbound' ? 'composer.sendReply' : 'composer.addNote')}
          </button>
        </div>
      </div>
      {dialog && <TextModuleDialog modules={modules} onPick={insertAtCaret} onClose={() => setDialog(false)} />}
    </section>
  );
}
