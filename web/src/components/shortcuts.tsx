// Keyboard shortcuts. One document listener (mounted by the frame) dispatches
// to the handlers of the innermost page that registered them; global keys
// (`?`, `/`, `g c`, `g k`) live here. Keys are ignored while typing in a field,
// with a modifier held, or while a dialog is open.

import { useEffect, useRef, useState } from 'preact/hooks';
import { t, type MsgKey } from '../i18n';
import { navigate } from '../router';
import { Modal } from './Modal';

export type ShortcutMap = Partial<Record<string, (e: KeyboardEvent) => void>>;

const stack: { current: ShortcutMap }[] = [];

/** Register page shortcuts (key → handler) while the component is mounted. */
export function useShortcuts(map: ShortcutMap): void {
  const entry = useRef({ current: map });
  entry.current.current = map;
  useEffect(() => {
    const e = entry.current;
    stack.push(e);
    return () => {
      const i = stack.indexOf(e);
      if (i >= 0) stack.splice(i, 1);
    };
  }, []);
}

export function isTypingTarget(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (el as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
  }
  return false;
}

/** The help table: key, description. */
const HELP: { keys: string[]; label: MsgKey }[] = [
  { keys: ['?'], label: 'keys.help' },
  { keys: ['/'], label: 'keys.search' },
  { keys: ['g', 'c'], label: 'keys.gotoCases' },
  { keys: ['g', 'k'], label: 'keys.gotoContacts' },
  { keys: ['j'], label: 'keys.next' },
  { keys: ['k'], label: 'keys.prev' },
  { keys: ['x'], label: 'keys.select' },
  { keys: ['Enter'], label: 'keys.open' },
  { keys: ['r'], label: 'keys.reply' },
  { keys: ['n'], label: 'keys.note' },
  { keys: ['a'], label: 'keys.assignMe' },
  { keys: ['s'], label: 'keys.status' },
  { keys: ['Ctrl', 'Enter'], label: 'keys.send' },
  { keys: ['Esc'], label: 'keys.escape' },
];

/** Mounted once in the frame: global keys and the `?` help dialog. */
export function ShortcutLayer() {
  const [help, setHelp] = useState(false);
  useEffect(() => {
    let pendingG = 0;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTypingTarget(e.target)) return;
      if (document.querySelector('dialog[open]')) return; // dialogs handle their own keys (Esc)
      const key = e.key;
      if (pendingG && Date.now() - pendingG < 1200) {
        pendingG = 0;
        if (key === 'c') {
          e.preventDefault();
          navigate('/cases');
          return;
        }
        if (key === 'k') {
          e.preventDefault();
          navigate('/contacts');
          return;
        }
      }
      pendingG = 0;
      if (key === '?') {
        e.preventDefault();
        setHelp(true);
        return;
      }
      if (key === '/') {
        e.preventDefault();
        const box = document.querySelector<HTMLInputElement>('[data-search-box]');
        if (box) box.focus();
        else navigate('/search');
        return;
      }
      if (key === 'g') {
        pendingG = Date.now();
        return;
      }
      // Enter on a link or button keeps its native meaning.
      if (key === 'Enter' && e.target instanceof HTMLElement && e.target.closest('a, button, summary')) return;
      const top = stack[stack.length - 1]?.current;
      const handler = top?.[key === 'Escape' ? 'Escape' : key];
      if (handler) {
        e.preventDefault();
        handler(e);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  if (!help) return null;
  return (
    <Modal title={t('keys.title')} onClose={() => setHelp(false)} testId="shortcut-help">
      <p class="muted">{t('keys.intro')}</p>
      <table class="table table-dense keys-table">
        <tbody>
          {HELP.map((h) => (
            <tr key={h.label}>
              <td class="nowrap">
                {h.keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 && (h.keys[0] === 'Ctrl' ? ' + ' : ' ')}
                    <kbd>{k}</kbd>
                  </span>
                ))}
              </td>
              <td>{t(h.label)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="form-actions">
        <button type="button" class="btn btn-primary" onClick={() => setHelp(false)}>
          {t('common.close')}
        </button>
      </div>
    </Modal>
  );
}
