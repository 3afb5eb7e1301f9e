// One search box over cases, contacts and organizations (GET /api/v1/search).

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query, type SearchResults } from '../api';
import { formatShort, t } from '../i18n';
import { navigate } from '../router';
import { useSession } from '../session';
import { ErrorBox } from '../components/ErrorBox';
import { Link } from '../components/Link';
import { Loading, Page } from '../components/Page';
import { StatusBadge } from '../components/caseBits';
import { Snippet } from '../components/Snippet';

function initialQuery(): string {
  return new URLSearchParams(window.location.search).get('q') ?? '';
}

export function SearchPage() {
  const { projectId } = useSession();
  const [q, setQ] = useState(initialQuery);
  const [results, setResults] = useState<SearchResults | null>(null);
  const [searched, setSearched] = useState('');
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const seq = useRef(0);

  const run = async (text: string) => {
    const v = text.trim();
    const my = ++seq.current;
    navigate('/search' + query({ q: v }), true);
    if (!v) {
      setResults(null);
      setSearched('');
      return;
    }
    setLoading(true);
    try {
      const r = await api.get<SearchResults>('/search' + query({ q: v, project_id: projectId, limit: 25 }));
      if (my !== seq.current) return;
      setResults(r);
      setSearched(v);
      setError(null);
    } catch (e) {
      if (my === seq.current) setError(e);
    } finally {
      if (my === seq.current) setLoading(false);
    }
  };

  useEffect(() => {
    inputRef.current?.focus();
    if (q.trim()) void run(q);
  }, [projectId]);

  // Search as you type, calmly.
  useEffect(() => {
    if (q.trim() === searched) return;
    const timer = setTimeout(() => {
      if (q.trim().length >= 2 || !q.trim()) void run(q);
    }, 350);
    return () => clearTimeout(timer);
  }, [q]);

  const total = results ? results.cases.length + results.contacts.length + results.organizations.length : 0;

  return (
    <Page title={t('search.title')} testId="search-page">
      <form
        class="search-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void run(q);
        }}
      >
        <label class="search-label">
          <span class="sr-only">{t('search.title')}</span>
          <input
            ref={inputRef}
            type="search"
            data-search-box
            value={q}
            placeholder={t('search.placeholder')}
            onInput={(e) => setQ(e.currentTarget.value)}
            data-testid="search-input"
          />
        </label>
        <button type="submit" class="btn btn-primary">
          {t('search.submit')}
        </button>
      </form>
      <details class="search-hint">
        <summary>{t('search.syntax')}</summary>
        <p>
          <code>status:open topic:billing from:anna@example.com "exact phrase" pref*</code>
        </p>
        <ul>
          <li>
            <code>status:</code> {t('search.hintStatus')}
          </li>
          <li>
            <code>topic:</code> {t('search.hintTopic')}
          </li>
          <li>
            <code>from:</code> {t('search.hintFrom')}
          </li>
          <li>
            <code>"…"</code> {t('search.hintPhrase')}
          </li>
          <li>
            <code>pref*</code> {t('search.hintPrefix')}
          </li>
        </ul>
      </details>
      <ErrorBox error={error} />
      {loading && <Loading />}
      {results && !loading && (
        <div class="search-results" aria-live="polite">
          {total === 0 && <p class="muted">{t('search.none', { q: searched })}</p>}
          {results.cases.length > 0 && (
            <section class="card" data-testid="search-cases">
              <h2>{t('search.cases', { n: results.cases.length })}</h2>
              <ul class="result-list">
                {results.cases.map((c) => (
                  <li key={c.id}>
                    <div class="result-head">
                      <Link href={`/cases/${c.id}`} class="case-ref">
                        {c.ref}
                      </Link>
                      <strong>{c.subject}</strong>
                      <StatusBadge status={c.status} />
                      <span class="muted small">{formatShort(c.updated_at)}</span>
                    </div>
                    {c.snippet && <Snippet text={c.snippet} />}
                    {c.contact_name && <p class="muted small">{c.contact_name}</p>}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {results.contacts.length > 0 && (
            <section class="card" data-testid="search-contacts">
              <h2>{t('search.contacts', { n: results.contacts.length })}</h2>
              <ul class="result-list">
                {results.contacts.map((c) => (
                  <li key={c.id}>
                    <div class="result-head">
                      <Link href={`/contacts/${c.id}`}>{c.name}</Link>
                      {c.organization_name && <span class="muted">{c.organization_name}</span>}
                    </div>
                    <p class="muted small">{[c.customer_number, ...c.emails, ...c.phones].filter(Boolean).join(' · ')}</p>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {results.organizations.length > 0 && (
            <section class="card" data-testid="search-organizations">
              <h2>{t('search.organizations', { n: results.organizations.length })}</h2>
              <ul class="result-list">
                {results.organizations.map((o) => (
                  <li key={o.id}>
                    <div class="result-head">
                      <strong>{o.name}</strong>
                      {o.customer_number && <span class="muted">{o.customer_number}</span>}
                    </div>
                    <p class="muted small">{[o.domain, o.phone, [o.postal_code, o.city].filter(Boolean).join(' ')].filter(Boolean).join(' · ')}</p>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </div>
      )}
    </Page>
  );
}
