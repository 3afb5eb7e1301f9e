// Text modules in the composer: the case's published modules, loaded once
// and kept current by the live `knowledge` events; `::` + letters in the
// reply opens a fuzzy-matched list (arrows, Enter, Esc, or the mouse); a
// button opens a searchable picker. Inserting fills the placeholders on the
// server, attaches the module's files and shows what stayed unfilled.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Attachment, type List, type RenderedTextModule, type TextModulePick } from '../../api';
import { t } from '../../i18n';
import { fuzzyFilter, shortcutAtCaret } from '../../components/fuzzy';
import { Modal } from '../../components/Modal';
import { useLiveEvents } from '../../components/events';

/** The case's modules, reloaded when one is published, changed or withdrawn. */
export function useCaseTextModules(caseId: number) {
  const [modules, setModules] = useState<TextModulePick[]>([]);
  const seq = useRef(0);
  const load = () => {
    const mine = ++seq.current;
    api
      .get<List<TextModulePick>>(`/cases/${caseId}/text-modules`)
      .then((list) => {
        if (mine === seq.current) setModules(list.items);
      })
      .catch(() => undefined);
  };
  useEffect(load, [caseId]);
  useLiveEvents((e) => {
    if ((e.kind === 'knowledge' && e.data.type === 'text-module') || e.kind === 'reconnect') load();
  });
  return modules;
}

/** What the last insertion left to the agent. */
export interface InsertNote {
  unknown: string[];
  empty: string[];
  /** Files this insertion attached. */
  files: number;
  /** Files of the module the draft had already (inserted before). */
  already: number;
}

/** Fills a module for the case (counted as used). */
export function renderModule(caseId: number, moduleId: number): Promise<RenderedTextModule> {
  return api.post<RenderedTextModule>(`/cases/${caseId}/text-modules/${moduleId}/render`);
}

interface TriggerState {
  query: string;
  start: number;
  end: number;
}

/**
 * The `::` list under a textarea. Returns the key handler the textarea must
 * call first (it answers true when it used the key), a handler for caret
 * moves, and the list to render.
 */
export function useShortcutPicker(opts: {
  modules: TextModulePick[];
  textRef: { current: HTMLTextAreaElement | null };
  insert: (module: TextModulePick, from: number, to: number) => void;
}) {
  const [trigger, setTrigger] = useState<TriggerState | null>(null);
  const [index, setIndex] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const matches = trigger ? fuzzyFilter(opts.modules, trigger.query, 8) : [];
  const open = trigger !== null && dismissedAt !== trigger.start && opts.modules.length > 0;

  const update = () => {
    const el = opts.textRef.current;
    if (!el) return;
    const caret = el.selectionStart ?? el.value.length;
    const found = el.selectionStart === el.selectionEnd ? shortcutAtCaret(el.value, caret) : null;
    if (!found) {
      setTrigger(null);
      setDismissedAt(null);
      return;
    }
    setTrigger((cur) => {
      if (!cur || cur.query !== found.query || cur.start !== found.start) setIndex(0);
      return { query: found.query, start: found.start, end: caret };
    });
  };

  const choose = (module: TextModulePick | undefined) => {
    if (!module || !trigger) return;
    opts.insert(module, trigger.start, trigger.end);
    setTrigger(null);
  };

  /** True when the key was the picker's. */
  const onKeyDown = (e: KeyboardEvent): boolean => {
    if (!open || e.ctrlKey || e.metaKey || e.altKey) return false;
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setDismissedAt(trigger?.start ?? null);
      return true;
    }
    if (!matches.length) return false;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setIndex((i) => (i + 1) % matches.length);
      return true;
    }
    if (e.key === 'ArrowUp') {
      e.preventDefault();
      setIndex((i) => (i - 1 + matches.length) % matches.length);
      return true;
    }
    if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      choose(matches[Math.min(index, matches.length - 1)]);
      return true;
    }
    return false;
  };

  const list = open ? (
    <ul class="tm-picker" role="listbox" id="tm-picker" aria-label={t('tm.listLabel')} data-testid="tm-picker">
      {matches.length === 0 && <li class="muted">{t('tm.noMatch')}</li>}
      {matches.map((m, i) => (
        <li
          key={m.id}
          role="option"
          id={`tm-opt-${m.id}`}
          aria-selected={i === index}
          data-testid="tm-option"
          data-shortcut={m.shortcut}
          // Keep the focus in the textarea.
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => choose(m)}
          onMouseEnter={() => setIndex(i)}
        >
          <span class="tm-pick-shortcut">::{m.shortcut}</span>
          <span class="tm-pick-title">{m.title}</span>
          {m.language !== 'de' && <span class="muted small">{m.language.toUpperCase()}</span>}
        </li>
      ))}
      <li class="tm-pick-hint muted" aria-hidden="true">
        {t('tm.pickHint')}
      </li>
    </ul>
  ) : null;
  const activeId = open && matches.length ? `tm-opt-${matches[Math.min(index, matches.length - 1)].id}` : undefined;
  return { onKeyDown, update, list, open, activeId };
}

/** The searchable picker behind the composer's button. */
export function TextModuleDialog(props: { modules: TextModulePick[]; onPick: (m: TextModulePick) => void; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const matches = fuzzyFilter(props.modules, query, 100);
  const pick = (m: TextModulePick | undefined) => {
    if (!m) return;
    props.onClose();
    props.onPick(m);
  };
  return (
    <Modal title={t('tm.pickTitle')} onClose={props.onClose} testId="tm-dialog">
      <input
        type="search"
        autofocus
        placeholder={t('tm.search')}
        aria-label={t('tm.search')}
        value={query}
        onInput={(e) => {
          setQuery(e.currentTarget.value);
          setIndex(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setIndex((i) => Math.min(i + 1, matches.length - 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setIndex((i) => Math.max(i - 1, 0));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            pick(matches[index]);
          }
        }}
        data-testid="tm-dialog-search"
      />
      <ul class="tm-dialog-list" role="listbox" aria-label={t('tm.listLabel')}>
        {matches.length === 0 && <li class="muted">{t('tm.noMatch')}</li>}
        {matches.map((m, i) => (
          <li key={m.id} role="option" aria-selected={i === index} onClick={() => pick(m)} data-testid="tm-dialog-option">
            <strong class="mono">::{m.shortcut}</strong> {m.title}
            {m.attachments > 0 && <span class="muted small"> · {t('tm.files', { n: m.attachments })}</span>}
            <div class="muted small">{m.preview}</div>
          </li>
        ))}
      </ul>
    </Modal>
  );
}

/** The warnings after an insertion. */
export function InsertNoteView({ note }: { note: InsertNote | null }) {
  if (!note) return null;
  return (
    <div class="tm-insert-note" data-testid="tm-note">
      {note.unknown.length > 0 && (
        <div class="alert alert-error" role="alert" data-testid="tm-unknown">
          {t('tm.unknownWarning', { names: note.unknown.map((n) => `{{${n}}}`).join(', ') })}
        </div>
      )}
      {note.empty.length > 0 && (
        <div class="alert alert-warn" role="status" data-testid="tm-empty">
          {t('tm.emptyWarning', { names: note.empty.map((n) => `{{${n}}}`).join(', ') })}
        </div>
      )}
      {note.files > 0 && (
        <p class="muted small" role="status">
          {t('tm.attached', { n: note.files })}
        </p>
      )}
      {note.already > 0 && (
        <p class="muted small" role="status" data-testid="tm-already">
          {t('tm.alreadyAttached', { n: note.already })}
        </p>
      )}
    </div>
  );
}

/** Splices the rendered text in place of `from..to` and moves the caret after it. */
export function spliceRendered(
  text: string,
  from: number,
  to: number,
  rendered: string,
): { text: string; caret: number } {
  return { text: text.slice(0, from) + rendered + text.slice(to), caret: from + rendered.length };
}

export type { Attachment };
