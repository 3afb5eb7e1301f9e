// Feedback for saves that happen in place (a field changed, no form to
// submit): a short "Saved" in a polite live region, or the translated error
// with a retry; and the user's choice held on screen until the server has
// taken it, so a failed save does not silently put the old value back.

import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { t } from '../i18n';
import { errorMessage, type FieldLabels } from './errors';

export interface Retry {
  run: () => void;
  label?: string;
}

export type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'failed'; error: unknown; retry: Retry | null };

/**
 * Whether the same save may succeed when tried again: yes after a network
 * failure, a server error or a rate limit; not after a refusal of the value
 * itself (422, 403 …), which the user has to change first.
 */
export function retryable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true;
  return err.status >= 500 || err.status === 408 || err.status === 429;
}

/** How long "Saved" stays on screen. */
const SAVED_FOR_MS = 4000;

export function useSaveFeedback() {
  const [state, setState] = useState<SaveState>({ kind: 'idle' });
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const show = (next: SaveState) => {
    clearTimeout(timer.current);
    setState(next);
    if (next.kind === 'saved') timer.current = setTimeout(() => setState({ kind: 'idle' }), SAVED_FOR_MS);
  };
  /**
   * Runs `save`; resolves true when it went through. A failure stays on
   * screen until the next save, offering `retryFor(err)` (by default the
   * same save again, when that can help).
   */
  const run = async (save: () => Promise<void>, retryFor?: (err: unknown) => Retry | null): Promise<boolean> => {
    show({ kind: 'saving' });
    try {
      await save();
      show({ kind: 'saved' });
      return true;
    } catch (err) {
      show({ kind: 'failed', error: err, retry: retryFor ? retryFor(err) : retryable(err) ? { run: () => void run(save) } : null });
      return false;
    }
  };
  return { state, run, clear: () => show({ kind: 'idle' }) };
}

export type SaveFeedback = ReturnType<typeof useSaveFeedback>;

/**
 * The live region of a save: "Saved" for a few seconds, or the error. The
 * status element is always present, so screen readers announce its change.
 * `fields` names the fields a validation error may point at.
 */
export function SaveStatus({ state, fields, testId = 'save-status' }: { state: SaveState; fields?: FieldLabels; testId?: string }) {
  return (
    <div class="save-status">
      <span role="status" aria-live="polite" class="save-ok" data-testid={testId}>
        {state.kind === 'saved' ? t('common.saved') : ''}
      </span>
      {state.kind === 'failed' && (
        <div class="alert alert-error save-error" role="alert" data-testid={`${testId}-error`}>
          <span>{errorMessage(state.error, fields)}</span>
          {state.retry && (
            <button type="button" class="btn btn-small" onClick={state.retry.run} data-testid={`${testId}-retry`}>
              {state.retry.label ?? t('common.retry')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/**
 * A field's value on screen: the user's choice while its save is under way
 * or has failed, else the server's. The choice is let go when the save
 * succeeds, when the server's value comes to equal it (a forced retry), or
 * when `resetKey` changes (the user chose to reload).
 */
export function useHeldValue<T>(server: T, resetKey: unknown) {
  const [held, setHeld] = useState<{ value: T } | null>(null);
  useEffect(() => {
    if (held && held.value === server) setHeld(null);
  }, [server]);
  useEffect(() => setHeld(null), [resetKey]);
  const save = async (value: T, run: (value: T) => Promise<boolean>) => {
    setHeld({ value });
    if (await run(value)) setHeld(null);
  };
  return { value: held ? held.value : server, held: held !== null, save };
}
