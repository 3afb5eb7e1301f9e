// One article: German and English side by side (or one of them), each with
// its published version and, for editors, the newer draft or review
// version; a missing translation is shown as such, with an action to write
// it. Editors submit, publish, unpublish and delete here (an agent granted
// editing in the article's projects too, but deletes nothing); agents
// suggest a change. A live `knowledge` event of the article reloads it
// ("updated just now"); one that takes it away from the reader says so.

import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api';
import { useLiveEvents } from '../../components/events';
import { navigate, type Params } from '../../router';
import { formatShort, t } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Link } from '../../components/Link';
import { ConfirmModal } from '../../components/Modal';
import { Loading, Page } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import { useSession } from '../../session';
import { Stamps, StateBadge, SuggestedNotice, languageName } from './bits';
import { categoryPath, useCategories, useGrantChanges } from './hooks';
import { LANGUAGES, isEditor, kb, type Article, type Language, type Translation, type Version } from './kb';

type View = 'both' | Language;


export function ArticlePage({ params }: { params: Params }) {
  const id = Number(params.id);
  const { me } = useSession();
  const article = useLoad(() => kb.article(id), [id]);
  const a = article.data;
  const cats = useCategories(a?.client_id ?? null);
  const [view, setView] = useState<View>('both');
  const [confirm, setConfirm] = useState(false);
  const [live, setLive] = useState<'updated' | 'gone' | null>(null);
  // The live reload under way: the event's action (null: none).
  const pending = useRef<string | null>(null);
  // Set while this page deletes the article itself: its own event is no news.
  const leaving = useRef(false);
  useLiveEvents((e) => {
    if (leaving.current) return;
    const mine = e.kind === 'knowledge' && e.data.type === 'article' && e.data.id === id;
    if (!mine && e.kind !== 'reconnect') return;
    pending.current = e.kind === 'knowledge' ? e.data.action : 'reconnect';
    void article.reload();
  });
  useEffect(() => {
    if (article.loading || pending.current === null) return;
    const action = pending.current;
    pending.current = null;
    if (article.error instanceof ApiError && article.error.status === 404) setLive('gone');
    else if (!article.error && action !== 'reconnect') setLive('updated');
  }, [article.loading, article.error, article.data]);
  useEffect(() => setLive(null), [id]);
  // Granted or revoked meanwhile: what the page offers follows (can_edit).
  useGrantChanges(() => void article.reload());

  if (live === 'gone') {
    return (
      <Page title={a ? titleOf(a) : t('kb.title')} testId="kb-article">
        <p class="alert alert-error" role="alert" data-testid="kb-live-gone">
          {t('kb.live.gone')}
        </p>
        <p>
          <Link href="/knowledge">{t('kb.live.back')}</Link>
        </p>
      </Page>
    );
  }
  if (!a) {
    return (
      <Page title={t('kb.title')} testId="kb-article">
        <ErrorBox error={article.error} />
        {article.loading && <Loading />}
      </Page>
    );
  }
  // Delete and the client's frame: its editors; versions, publishing: whoever edits this article.
  const editor = isEditor(me, a.client_id);
  const writes = a.can_edit;
  const title = titleOf(a);
  const shown = a.translations.filter((tr) => view === 'both' || tr.language === view);

  const actions = (
    <>
      {writes && (
        <Link href={`/knowledge/articles/${a.id}/history`} class="btn" testId="kb-history">
          {t('kb.history')}
        </Link>
      )}
      {editor && (
        <button type="button" class="btn btn-danger-quiet" onClick={() => setConfirm(true)} data-testid="kb-delete">
          {t('common.delete')}
        </button>
      )}
    </>
  );

  return (
    <Page title={title} actions={actions} testId="kb-article" wide>
      <p class="breadcrumb">
        <Link href="/knowledge">{t('kb.title')}</Link>
        {a.category_id && <> › {categoryPath(cats.categories, a.category_id)}</>}
      </p>
      <div class="kb-facts">
        <span class="badge">{t(`kb.visibility.${a.visibility}`)}</span>
        {a.tags.map((tag) => (
          <span key={tag} class="kb-tag">
            {tag}
          </span>
        ))}
        {writes && a.limited && <span class="muted">{t('kb.limitedTo', { projects: projectNames(me.projects, a.project_ids) })}</span>}
        <span class="muted">{t('kb.updated', { at: formatShort(a.updated_at) })}</span>
        <div class="kb-view" role="group" aria-label={t('kb.view')}>
          {(['both', ...LANGUAGES] as View[]).map((v) => (
            <button key={v} type="button" class={view === v ? 'btn btn-small kb-view-on' : 'btn btn-small'} aria-pressed={view === v} onClick={() => setView(v)} data-testid={`kb-view-${v}`}>
              {v === 'both' ? t('kb.view.both') : languageName(v)}
            </button>
          ))}
        </div>
      </div>
      <SuggestedNotice />
      {live === 'updated' && (
        <p class="alert alert-ok" role="status" data-testid="kb-live-updated">
          {t('kb.live.updated')}
        </p>
      )}
      <ErrorBox error={article.error} />
      <div class={shown.length > 1 ? 'kb-columns' : 'kb-columns kb-columns-one'}>
        {shown.map((tr) => (
          <LanguageColumn key={tr.language} article={a} tr={tr} editor={writes} reload={article.reload} />
        ))}
      </div>
      {confirm && (
        <ConfirmModal
          title={t('kb.deleteTitle')}
          text={t('kb.deleteText', { title })}
          confirmLabel={t('common.delete')}
          onClose={() => setConfirm(false)}
          onConfirm={async () => {
            leaving.current = true;
            try {
              await kb.deleteArticle(a.id);
            } catch (e) {
              leaving.current = false;
              throw e;
            }
            navigate('/knowledge');
          }}
        />
      )}
    </Page>
  );
}

export function titleOf(a: Article): string {
  for (const tr of a.translations) {
    const v = tr.published ?? tr.head;
    if (v) return v.title;
  }
  return `#${a.id}`;
}

function projectNames(projects: { id: number; key: string }[], ids: number[]): string {
  if (!ids.length) return t('kb.noProject');
  return ids.map((id) => projects.find((p) => p.id === id)?.key ?? `#${id}`).join(', ');
}

function LanguageColumn({ article, tr, editor, reload }: { article: Article; tr: Translation; editor: boolean; reload: () => Promise<void> }) {
  const [showHead, setShowHead] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const lang = tr.language;
  const act = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
      await reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const head = tr.head;
  const published = tr.published;
  const shown: Version | null | undefined = showHead && head ? head : (published ?? (editor ? head : null));
  const editHref = `/knowledge/articles/${article.id}/edit/${lang}`;

  return (
    <article class="kb-column" lang={lang} data-testid={`kb-col-${lang}`}>
      <header class="kb-column-head">
        <h2>{languageName(lang)}</h2>
        {published && <StateBadge state="published" />}
        {editor && head && <StateBadge state={head.state} />}
      </header>
      {!published && !head && (
        <div class="kb-missing" data-testid={`kb-missing-${lang}`}>
          <p>{t(`kb.missing.${lang}`)}</p>
          <Link href={editHref} class="btn btn-small" testId={`kb-write-${lang}`}>
            {editor ? t(`kb.write.${lang}`) : t(`kb.suggestWrite.${lang}`)}
          </Link>
        </div>
      )}
      {!published && head && <p class="kb-missing">{t(`kb.notPublished.${lang}`)}</p>}
      {editor && head && published && (
        <p>
          <button type="button" class="btn btn-small" aria-pressed={showHead} onClick={() => setShowHead(!showHead)} data-testid={`kb-toggle-head-${lang}`}>
            {showHead ? t('kb.showPublished') : t('kb.showHead', { state: t(`kb.state.${head.state}`) })}
          </button>
        </p>
      )}
      {shown && (
        <>
          <h3 class="kb-version-title" data-testid={`kb-title-${lang}`}>
            {shown.title}
          </h3>
          <Stamps version={shown} />
          {/* The server renders the Markdown and sanitises the HTML (pulldown-cmark + ammonia, src/knowledge/render.rs): that is why, and only why, it may be inserted as HTML here. */}
          <div class="kb-body" data-testid={`kb-body-${lang}`} dangerouslySetInnerHTML={{ __html: shown.body_html }} />
        </>
      )}
      <ErrorBox error={error} />
      {(published || head) && (
        <div class="kb-column-actions">
          <Link href={editHref} class="btn btn-small" testId={`kb-edit-${lang}`}>
            {editor ? t('common.edit') : t('kb.suggest')}
          </Link>
          {editor && head?.state === 'draft' && (
            <button type="button" class="btn btn-small" disabled={busy} onClick={() => void act(() => kb.submit(article.id, head.id))} data-testid={`kb-submit-${lang}`}>
              {t('kb.submit')}
            </button>
          )}
          {editor && head && (
            <button type="button" class="btn btn-small btn-primary" disabled={busy} onClick={() => void act(() => kb.publish(article.id, head.id))} data-testid={`kb-publish-${lang}`}>
              {t('kb.publish')}
            </button>
          )}
          {editor && published && (
            <button type="button" class="btn btn-small btn-danger-quiet" disabled={busy} onClick={() => void act(() => kb.unpublish(article.id, lang))} data-testid={`kb-unpublish-${lang}`}>
              {t('kb.unpublish')}
            </button>
          )}
        </div>
      )}
    </article>
  );
}
