// The case screen's knowledge suggestions (issue 14): up to five published
// articles ranked by the case's subject and first message; "insert link"
// (public articles: their help-center page) or "insert text" (the article's
// Markdown) into the reply composer. Each insert is recorded for reports.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { components } from '../../generated/openapi';
import { t } from '../../i18n';

type Suggestion = components['schemas']['KnowledgeSuggestion'];
type Article = components['schemas']['Article'];

export function KnowledgePanel({ caseId, onInsert }: { caseId: number; onInsert: (text: string) => void }) {
  const [items, setItems] = useState<Suggestion[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState<number | null>(null);

  useEffect(() => {
    let live = true;
    setItems(null);
    setFailed(false);
    api
      .get<{ items: Suggestion[] }>(`/cases/${caseId}/knowledge-suggestions`)
      .then((r) => live && setItems(r.items))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [caseId]);

  const record = (s: Suggestion, how: 'link' | 'text') =>
    api.post(`/cases/${caseId}/knowledge-uses`, { article_id: s.article_id, language: s.language, how }).catch(() => undefined);

  const insertLink = (s: Suggestion) => {
    if (!s.public_url) return;
    onInsert(`${s.title}: ${window.location.origin}${s.public_url}`);
    void record(s, 'link');
  };

  const insertText = async (s: Suggestion) => {
    setBusy(s.article_id);
    try {
      const article = await api.get<Article>(`/knowledge/articles/${s.article_id}`);
      const body = article.translations.find((tr) => tr.language === s.language)?.published?.body_md;
      if (body) {
        onInsert(body);
        void record(s, 'text');
      }
    } catch {
      setFailed(true);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section class="card side-card" data-testid="knowledge-card">
      <h2>{t('case.kb.title')}</h2>
      {failed && <p class="muted">{t('case.kb.failed')}</p>}
      {items === null && !failed && <p class="muted">{t('app.loading')}</p>}
      {items?.length === 0 && <p class="muted">{t('case.kb.none')}</p>}
      {items && items.length > 0 && (
        <ul class="kb-suggestions">
          {items.map((s) => (
            <li key={s.article_id} lang={s.language}>
              <strong>{s.title}</strong>
              <div class="kb-actions">
                {s.public_url && (
                  <button type="button" class="btn btn-small" onClick={() => insertLink(s)}>
                    {t('case.kb.insertLink')}
                  </button>
                )}
                <button type="button" class="btn btn-small" disabled={busy === s.article_id} onClick={() => void insertText(s)}>
                  {t('case.kb.insertText')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
