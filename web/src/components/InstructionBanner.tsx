// Work instructions as banners on top of the workspace: loaded once, again
// on every live `knowledge` event of type `instruction` (no page reload),
// after a reconnect, and every few minutes (a put-off must-acknowledge
// instruction comes back after its hours; the server decides).

import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type List, type MyInstruction } from '../api';
import { formatDateTime, t } from '../i18n';
import { useLiveEvents } from './events';
import { errorMessage } from './errors';

const RECHECK_MS = 5 * 60 * 1000;

export function useMyInstructions() {
  const [items, setItems] = useState<MyInstruction[]>([]);
  const reload = useCallback(async () => {
    try {
      setItems((await api.get<List<MyInstruction>>('/instructions/mine')).items);
    } catch {
      /* the banner is best effort; the next event or tick retries */
    }
  }, []);
  useEffect(() => {
    void reload();
    const timer = setInterval(() => void reload(), RECHECK_MS);
    return () => clearInterval(timer);
  }, [reload]);
  useLiveEvents((e) => {
    if ((e.kind === 'knowledge' && e.data.type === 'instruction') || e.kind === 'reconnect') void reload();
  });
  return { items, setItems, reload };
}

export function InstructionBanner() {
  const { items, setItems } = useMyInstructions();
  const [error, setError] = useState<string | null>(null);
  const shown = items.filter((i) => i.banner);
  if (!shown.length) return null;

  const act = async (item: MyInstruction, action: 'acknowledge' | 'dismiss') => {
    try {
      const updated = await api.post<MyInstruction>(`/instructions/${item.id}/${action}`);
      setItems(items.map((i) => (i.id === item.id ? updated : i)));
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <section class="instruction-banners" aria-label={t('ins.banner.label')} data-testid="instruction-banners">
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {shown.map((item) => {
        const must = item.urgency === 'acknowledge';
        return (
          <article
            key={item.id}
            id={`instruction-${item.id}`}
            class={must ? 'instruction-banner instruction-must' : 'instruction-banner'}
            aria-live={must ? 'assertive' : 'polite'}
            data-testid="instruction-banner"
            data-id={item.id}
          >
            <div class="instruction-head">
              <strong>{item.title}</strong>
              {must && <span class="badge badge-warn">{t('ins.banner.mustAck')}</span>}
              {item.valid_to && <span class="muted">{t('ins.banner.validUntil', { at: formatDateTime(item.valid_to) })}</span>}
            </div>
            {/* Rendered and sanitised on the server (knowledge::render). */}
            <div class="instruction-body ins-prose" dangerouslySetInnerHTML={{ __html: item.body_html }} />
            <div class="instruction-actions">
              {must ? (
                <>
                  <button type="button" class="btn btn-primary btn-small" data-testid="instruction-acknowledge" onClick={() => void act(item, 'acknowledge')}>
                    {t('ins.banner.acknowledge')}
                  </button>
                  <button type="button" class="btn btn-small" data-testid="instruction-later" onClick={() => void act(item, 'dismiss')}>
                    {t('ins.banner.later')}
                  </button>
                </>
              ) : (
                <button type="button" class="btn btn-small" data-testid="instruction-dismiss" onClick={() => void act(item, 'dismiss')}>
                  {t('ins.banner.dismiss')}
                </button>
              )}
            </div>
          </article>
        );
      })}
    </section>
  );
}
