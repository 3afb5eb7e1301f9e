// Knowledge home: the category tree, the articles of the chosen category,
// and the search (the case search's language: words, pre*, "phrase", tag:)
// with ranked hits and snippets, filtered by category, tag and language.
// A live `knowledge` event of an article reloads the list (or the hits).

import { useEffect, useState } from 'preact/hooks';
import { formatShort, getLocale, t } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Link } from '../../components/Link';
import { Loading, Page } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import { Snippet } from '../../components/Snippet';
import { useSession } from '../../session';
import { useDebounced, useLiveEvents } from '../../components/events';
import { CategoryTree } from './CategoryTree';
import { ClientPicker, KbTabs, StateBadge, SuggestedNotice, languageName } from './bits';
import { categoryPath, flatten, useCategories, useGrantChanges, useKnowledgeClient } from './hooks';
import { LANGUAGES, grantedProjects, isEditor, kb, type ArticleSummary, type Category, type Hit, type Language } from './kb';

/** Articles per page of the list. */
const PAGE = 100;

export function KnowledgePage() {
  const { me } = useSession();
  const { clients, clientId, setClientId } = useKnowledgeClient();
  const cats = useCategories(clientId);
  const [category, setCategory] = useState<number | null>(null);
  const [tag, setTag] = useState('');
  const [language, setLanguage] = useState<Language | ''>('');
  const [draft, setDraft] = useState('');
  const [q, setQ] = useState('');
  const editor = clientId !== null && isEditor(me, clientId);

  const list = useLoad(
    () => (clientId && !q ? kb.articles({ client_id: clientId, category_id: category, tag: tag.trim() || null, limit: PAGE }) : Promise.resolve(null)),
    [clientId, category, tag, q],
  );
  // Further pages (older articles), appended below the first.
  const [more, setMore] = useState<{ items: ArticleSummary[]; done: boolean; error: unknown }>({ items: [], done: false, error: null });
  useEffect(() => setMore({ items: [], done: false, error: null }), [list.data]);
  const shownArticles = [...(list.data ?? []), ...more.items];
  const canLoadMore = !more.done && (more.items.length ? more.items.length % PAGE === 0 : (list.data?.length ?? 0) === PAGE);
  const loadMore = async () => {
    if (!clientId) return;
    const last = shownArticles[shownArticles.length - 1];
    try {
      const page = await kb.articles({ client_id: clientId, category_id: category, tag: tag.trim() || null, limit: PAGE, before_id: last?.id });
      setMore({ items: [...more.items, ...page], done: page.length < PAGE, error: null });
    } catch (e) {
      setMore({ ...more, error: e });
    }
  };
  const hits = useLoad(
    () =>
      clientId && q ? kb.search({ client_id: clientId, q, category_id: category, tag: tag.trim() || null, language: language || null }) : Promise.resolve(null),
    [clientId, q, category, tag, language],
  );

  // Published, withdrawn, deleted elsewhere: the list follows at once.
  const refresh = useDebounced(() => {
    if (q) void hits.reload();
    else void list.reload();
  }, 150);
  useLiveEvents((e) => {
    if ((e.kind === 'knowledge' && e.data.type === 'article') || e.kind === 'reconnect') refresh();
  });
  useGrantChanges();
  const writes = editor || (clientId !== null && grantedProjects(me, clientId).length > 0);

  if (!clientId) {
    return (
      <Page title={t('kb.title')} testId="kb-home">
        <p class="muted">{t('kb.noClient')}</p>
      </Page>
    );
  }

  const actions = (
    <>
      <ClientPicker clients={clients} clientId={clientId} onChange={(id) => (setClientId(id), setCategory(null))} />
      <Link href={`/knowledge/new${category ? `?category=${category}` : ''}`} class="btn btn-primary" testId="kb-new">
        {writes ? t('kb.new') : t('kb.suggestNew')}
      </Link>
    </>
  );

  return (
    <Page title={t('kb.title')} actions={actions} testId="kb-home" wide>
      <KbTabs clientId={clientId} current="home" />
      <SuggestedNotice />
      <form
        class="kb-search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQ(draft.trim());
        }}
      >
        <label class="kb-search-box">
          <span class="sr-only">{t('kb.search')}</span>
          <input type="search" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} placeholder={t('kb.searchHint')} data-testid="kb-search" />
        </label>
        <button type="submit" class="btn" data-testid="kb-search-go">
          {t('kb.search')}
        </button>
        <label class="kb-filter">
          <span class="field-label">{t('kb.filter.category')}</span>
          <select value={category ?? ''} onChange={(e) => setCategory(Number(e.currentTarget.value) || null)} data-testid="kb-filter-category">
            <option value="">{t('kb.allCategories')}</option>
            {flatten(cats.tree).map((n) => (
              <option key={n.category.id} value={n.category.id}>
                {'\u00a0\u00a0'.repeat(n.depth) + n.category.name}
              </option>
            ))}
          </select>
        </label>
        <label class="kb-filter">
          <span class="field-label">{t('kb.filter.tag')}</span>
          <input value={tag} onChange={(e) => setTag(e.currentTarget.value)} size={12} data-testid="kb-filter-tag" />
        </label>
        <label class="kb-filter">
          <span class="field-label">{t('kb.filter.language')}</span>
          <select value={language} onChange={(e) => setLanguage(e.currentTarget.value as Language | '')} data-testid="kb-filter-language" disabled={!q}>
            <option value="">{t('kb.allLanguages')}</option>
            {LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {languageName(l)}
              </option>
            ))}
          </select>
        </label>
      </form>
      <div class="kb-layout">
        <aside class="kb-side">
          <ErrorBox error={cats.error} />
          <CategoryTree
            clientId={clientId}
            tree={cats.tree}
            categories={cats.categories}
            selected={category}
            onSelect={setCategory}
            editor={editor}
            reload={cats.reload}
          />
        </aside>
        <section class="kb-main" aria-live="polite">
          {q ? (
            <>
              <div class="kb-list-head">
                <h2>{t('kb.results', { q })}</h2>
                <button type="button" class="btn btn-small" onClick={() => (setQ(''), setDraft(''))} data-testid="kb-search-clear">
                  {t('kb.clearSearch')}
                </button>
              </div>
              <ErrorBox error={hits.error} />
              {hits.loading && !hits.data ? <Loading /> : <Hits hits={hits.data ?? []} categories={cats.categories} />}
            </>
          ) : (
            <>
              <div class="kb-list-head">
                <h2>{category ? categoryPath(cats.categories, category) : t('kb.allArticles')}</h2>
              </div>
              <ErrorBox error={list.error} />
              {list.loading && !list.data ? <Loading /> : <Articles items={shownArticles} editor={editor} />}
              <ErrorBox error={more.error} />
              {canLoadMore && (
                <button type="button" class="btn" onClick={() => void loadMore()} data-testid="kb-more">
                  {t('kb.more')}
                </button>
              )}
            </>
          )}
        </section>
      </div>
    </Page>
  );
}

/** The title in the UI's language if there is one, else the other. */
export function preferredTitle(a: ArticleSummary): string {
  const mine = a.titles.find((x) => x.language === getLocale()) ?? a.titles[0];
  return mine?.title ?? `#${a.id}`;
}

function Articles({ items, editor }: { items: ArticleSummary[]; editor: boolean }) {
  if (!items.length) return <p class="muted kb-empty">{t('kb.noArticles')}</p>;
  return (
    <ul class="kb-articles" data-testid="kb-articles">
      {items.map((a) => (
        <li key={a.id} class="kb-article-row">
          <Link href={`/knowledge/articles/${a.id}`} class="kb-article-link" testId="kb-article-link">
            {preferredTitle(a)}
          </Link>
          <div class="kb-article-meta">
            {LANGUAGES.map((l) => {
              const x = a.titles.find((title) => title.language === l);
              return (
                <span key={l} class={x?.published ? 'kb-lang kb-lang-on' : 'kb-lang kb-lang-off'} title={x?.published ? t('kb.langPublished', { lang: languageName(l) }) : t('kb.langMissing', { lang: languageName(l) })}>
                  {l.toUpperCase()}
                </span>
              );
            })}
            {editor && a.titles.map((x) => x.pending && <StateBadge key={x.language} state={x.pending} />)}
            {a.visibility === 'public' && <span class="badge">{t('kb.visibility.public')}</span>}
            {a.tags.map((tag) => (
              <span key={tag} class="kb-tag">
                {tag}
              </span>
            ))}
            <span class="muted">{formatShort(a.updated_at)}</span>
          </div>
        </li>
      ))}
    </ul>
  );
}

function Hits({ hits, categories }: { hits: Hit[]; categories: Category[] }) {
  if (!hits.length) return <p class="muted kb-empty">{t('kb.noHits')}</p>;
  return (
    <ol class="kb-hits" data-testid="kb-hits">
      {hits.map((h) => (
        <li key={h.version_id} class="kb-hit">
          <Link href={`/knowledge/articles/${h.article_id}`} class="kb-article-link" testId="kb-hit">
            {h.title}
          </Link>
          <span class="kb-lang kb-lang-on">{h.language.toUpperCase()}</span>
          {h.category_id && <span class="muted"> · {categoryPath(categories, h.category_id)}</span>}
          <Snippet text={h.snippet} class="kb-snippet" />
          {h.tags.map((tag) => (
            <span key={tag} class="kb-tag">
              {tag}
            </span>
          ))}
        </li>
      ))}
    </ol>
  );
}
