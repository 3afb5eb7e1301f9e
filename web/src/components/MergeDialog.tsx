// "Merge into…" for contacts and organizations: pick the record that stays
// (suggestions, search), read what will happen, confirm.

import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { ErrorBox } from './ErrorBox';
import { Field } from './Field';
import { Modal } from './Modal';

export interface MergeCandidate {
  id: number;
  name: string;
  /** One line that tells namesakes apart (address, city, number, …). */
  detail: string;
}

interface Props {
  /** The record that is merged away. */
  source: { id: number; name: string };
  /** Prefilled search text. */
  initialQuery: string;
  /** Candidates of the same client for a search text. */
  search: (q: string) => Promise<MergeCandidate[]>;
  /** Likely duplicates, shown before the search results. */
  suggestions?: () => Promise<(MergeCandidate & { reason: string })[]>;
  /** What the merge into `target` does, in words. */
  consequences: (target: MergeCandidate) => string;
  /** Merges into the target (and navigates there); throw to show the error. */
  merge: (targetId: number) => Promise<void>;
  onClose: () => void;
  testId: string;
}

export function MergeDialog({ source, initialQuery, search, suggestions, consequences, merge, onClose, testId }: Props) {
  const [q, setQ] = useState(initialQuery);
  const [results, setResults] = useState<MergeCandidate[] | null>(null);
  const [suggested, setSuggested] = useState<(MergeCandidate & { reason: string })[]>([]);
  const [chosen, setChosen] = useState<MergeCandidate | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const seq = useRef(0);

  useEffect(() => {
    if (!suggestions) return;
    suggestions().then(
      (list) => setSuggested(list.filter((c) => c.id !== source.id)),
      () => setSuggested([]),
    );
  }, [source.id]);

  useEffect(() => {
    const my = ++seq.current;
    const timer = setTimeout(() => {
      search(q.trim()).then(
        (list) => {
          if (my !== seq.current) return;
          setResults(list.filter((c) => c.id !== source.id));
          setError(null);
        },
        (e) => my === seq.current && setError(e),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [q]);

  const option = (c: MergeCandidate, extra?: string) => (
    <label key={c.id} data-testid="merge-candidate" data-id={c.id}>
      <input type="radio" name="merge-target" checked={chosen?.id === c.id} onChange={() => setChosen(c)} />
      <span>
        <strong>{c.name}</strong>
        {c.detail && <span class="muted small"> · {c.detail}</span>}
        {extra && <span class="badge badge-off"> {extra}</span>}
      </span>
    </label>
  );

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!chosen || busy) return;
    if (!confirming) {
      setConfirming(true);
      setError(null);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await merge(chosen.id);
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const others = (results ?? []).filter((c) => !suggested.some((s) => s.id === c.id));
  return (
    <Modal title={t('merge.title', { name: source.name })} onClose={onClose} testId={testId}>
      <form class="form" onSubmit={submit}>
        {!confirming ? (
          <>
            <Field label={t('merge.search')}>
              <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} data-testid="merge-search" />
            </Field>
            <div style={{ maxHeight: '18rem', overflowY: 'auto' }}>
              {suggested.length > 0 && (
                <fieldset class="fieldset" data-testid="merge-suggestions">
                  <legend>{t('merge.suggested')}</legend>
                  <div class="radio-list">{suggested.map((c) => option(c, c.reason))}</div>
                </fieldset>
              )}
              <fieldset class="fieldset" data-testid="merge-results">
                <legend>{t('merge.results')}</legend>
                {results && others.length === 0 && <p class="muted">{t('merge.noResults')}</p>}
                <div class="radio-list">{others.map((c) => option(c))}</div>
              </fieldset>
            </div>
          </>
        ) : (
          chosen && (
            <div class="alert alert-warn" data-testid="merge-consequences">
              {consequences(chosen)}
            </div>
          )
        )}
        <ErrorBox error={error} />
        <div class="form-actions">
          {confirming ? (
            <button type="button" class="btn" onClick={() => setConfirming(false)} disabled={busy} data-testid="merge-back">
              {t('merge.back')}
            </button>
          ) : (
            <button type="button" class="btn" onClick={onClose}>
              {t('common.cancel')}
            </button>
          )}
          {confirming ? (
            <button type="submit" class="btn btn-danger" disabled={busy} data-testid="merge-submit">
              {busy ? t('common.saving') : t('merge.confirm')}
            </button>
          ) : (
            <button type="submit" class="btn btn-primary" disabled={!chosen} data-testid="merge-next">
              {t('merge.next')}
            </button>
          )}
        </div>
      </form>
    </Modal>
  );
}
