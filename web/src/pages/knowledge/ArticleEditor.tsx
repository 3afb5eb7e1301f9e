// The article editor: title and Markdown body with the server's preview,
// and for editors the frame (category, tags, visibility, project limits).
// Every save is a new version: a draft from an editor, a suggestion (in
// review at once) from an agent. An agent granted editing in some projects
// writes like an editor, limited to those projects. Ctrl+S / ⌘S saves.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type List, type Project } from '../../api';
import { navigate, type Params } from '../../router';
import { getLocale, t } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Field } from '../../components/Field';
import { Loading, Page } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import { useSession } from '../../session';
import { languageName } from './bits';
import { flatten, useCategories, useGrantChanges, useKnowledgeClient } from './hooks';
import { LANGUAGES, grantedProjects, isEditor, kb, type Article, type Language, type Visibility } from './kb';

/** `/knowledge/new`: a new article (its first language). */
export function NewArticlePage() {
  const { clientId } = useKnowledgeClient();
  const category = Number(new URLSearchParams(window.location.search).get('category')) || null;
  if (!clientId) return <Loading />;
  return <Editor clientId={clientId} article={null} language={getLocale()} initialCategory={category} />;
}

/** `/knowledge/articles/:id/edit/:lang`: a new version in one language. */
export function EditArticlePage({ params }: { params: Params }) {
  const id = Number(params.id);
  const language: Language = params.lang === 'en' ? 'en' : 'de';
  const article = useLoad(() => kb.article(id), [id]);
  if (!article.data) {
    return (
      <Page title={t('kb.edit')} testId="kb-editor">
        <ErrorBox error={article.error} />
        {article.loading && <Loading />}
      </Page>
    );
  }
  return <Editor key={`${id}-${language}`} clientId={article.data.client_id} article={article.data} language={language} initialCategory={article.data.category_id ?? null} />;
}

interface EditorProps {
  clientId: number;
  article: Article | null;
  language: Language;
  initialCategory: number | null;
}

function Editor({ clientId, article, language: initialLanguage, initialCategory }: EditorProps) {
  const { me } = useSession();
  useGrantChanges();
  // The client's editors choose any projects; a granted agent only among
  // the projects they edit, and always limits (policy::edit_knowledge_article).
  const full = isEditor(me, clientId);
  const granted = grantedProjects(me, clientId);
  const editor = article ? article.can_edit : full || granted.length > 0;
  const tr = article?.translations.find((x) => x.language === initialLanguage);
  const start = tr?.head ?? tr?.published ?? null;
  const [language, setLanguage] = useState<Language>(initialLanguage);
  const [title, setTitle] = useState(start?.title ?? '');
  const [body, setBody] = useState(start?.body_md ?? '');
  const [category, setCategory] = useState<number | null>(initialCategory);
  const [tags, setTags] = useState((article?.tags ?? []).join(', '));
  const [visibility, setVisibility] = useState<Visibility>(article?.visibility ?? 'internal');
  const [limited, setLimited] = useState(article?.limited ?? !full);
  const [projectIds, setProjectIds] = useState<number[]>(article?.project_ids ?? (full ? [] : granted.map((p) => p.id)));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const cats = useCategories(clientId);
  const projects = useLoad<{ id: number; key: string; name: string }[]>(
    () => (editor && full ? api.get<List<Project>>('/projects').then((l) => l.items.filter((p) => p.client_id === clientId)) : Promise.resolve(editor ? granted : [])),
    [clientId, editor, full],
  );
  // The version the change is made on: a newer save meanwhile answers 409.
  // Agents cannot see drafts, so their suggestions carry no check.
  const history = useLoad(() => (editor && article ? kb.versions(article.id) : Promise.resolve([])), [article?.id, editor]);
  const basedOn = useMemo(() => {
    if (!editor || !article) return undefined;
    const newest = (history.data ?? []).filter((v) => v.language === language).sort((a, b) => b.number - a.number)[0];
    return newest?.id;
  }, [history.data, language, editor, article]);

  const preview = usePreview(clientId, body);

  const tagList = () =>
    tags
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);

  const save = async (then?: 'submit' | 'publish') => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      let articleId: number;
      let versionId: number;
      if (!article) {
        const saved = await kb.createArticle({
          client_id: clientId,
          category_id: category,
          tags: tagList(),
          visibility: editor ? visibility : undefined,
          project_ids: editor && limited ? projectIds : [],
          language,
          title,
          body,
        });
        articleId = saved.article_id;
        versionId = saved.version.id;
      } else {
        if (editor) {
          const tagsNow = tagList();
          const changed =
            (article.category_id ?? null) !== category ||
            article.visibility !== visibility ||
            article.tags.join(',') !== tagsNow.map((x) => x.toLowerCase()).join(',') ||
            article.limited !== limited ||
            (limited && article.project_ids.join(',') !== projectIds.join(','));
          if (changed) {
            // Unlimiting sends an empty list: the article serves every project again.
            await kb.updateArticle(article.id, { category_id: category, visibility, tags: tagsNow, project_ids: limited ? projectIds : [] });
          }
        }
        const saved = await kb.save(article.id, { language, title, body, based_on: basedOn });
        articleId = article.id;
        versionId = saved.version.id;
      }
      if (then === 'submit') await kb.submit(articleId, versionId);
      if (then === 'publish') await kb.publish(articleId, versionId);
      // An agent's suggestion waits in review: they cannot open a new
      // article before it is published, so they go back to the list.
      if (!editor) navigate(article ? `/knowledge/articles/${articleId}?suggested=1` : '/knowledge?suggested=1');
      else navigate(`/knowledge/articles/${articleId}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  // Ctrl+S / ⌘S saves from anywhere in the editor.
  const saveRef = useRef(save);
  saveRef.current = save;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void saveRef.current();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const heading = !article ? (editor ? t('kb.new') : t('kb.suggestNew')) : editor ? t('kb.editIn', { lang: languageName(language) }) : t('kb.suggestIn', { lang: languageName(language) });

  return (
    <Page title={heading} testId="kb-editor" wide>
      {!editor && <p class="alert alert-ok">{t('kb.suggestNote')}</p>}
      <form
        class="form kb-editor"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div class="kb-editor-frame">
          {!article && (
            <Field label={t('kb.language')}>
              <select value={language} onChange={(e) => setLanguage(e.currentTarget.value as Language)} data-testid="kb-language">
                {LANGUAGES.map((l) => (
                  <option key={l} value={l}>
                    {languageName(l)}
                  </option>
                ))}
              </select>
            </Field>
          )}
          {(editor || !article) && (
            <>
              <Field label={t('kb.filter.category')}>
                <select value={category ?? ''} onChange={(e) => setCategory(Number(e.currentTarget.value) || null)} data-testid="kb-category">
                  <option value="">{t('kb.uncategorised')}</option>
                  {flatten(cats.tree).map((n) => (
                    <option key={n.category.id} value={n.category.id}>
                      {'\u00a0\u00a0'.repeat(n.depth) + n.category.name}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label={t('kb.tags')} hint={t('kb.tagsHint')}>
                <input value={tags} onInput={(e) => setTags(e.currentTarget.value)} data-testid="kb-tags" />
              </Field>
            </>
          )}
          {editor && (
            <>
              <fieldset class="kb-fieldset">
                <legend class="field-label">{t('kb.visibility')}</legend>
                {(['internal', 'public'] as Visibility[]).map((v) => (
                  <label key={v} class="field-inline">
                    <input type="radio" name="kb-visibility" checked={visibility === v} onChange={() => setVisibility(v)} data-testid={`kb-visibility-${v}`} /> {t(`kb.visibility.${v}`)}
                  </label>
                ))}
              </fieldset>
              <fieldset class="kb-fieldset">
                <legend class="field-label">{t('kb.projects')}</legend>
                {full ? (
                  <label class="field-inline">
                    <input type="checkbox" checked={limited} onChange={(e) => setLimited(e.currentTarget.checked)} data-testid="kb-limited" /> {t('kb.limit')}
                  </label>
                ) : (
                  <p class="field-hint" data-testid="kb-granted-note">
                    {t('kb.grantedNote', { projects: granted.map((p) => p.key).join(', ') })}
                  </p>
                )}
                {limited &&
                  (projects.data ?? []).map((p) => (
                    <label key={p.id} class="field-inline">
                      <input
                        type="checkbox"
                        checked={projectIds.includes(p.id)}
                        onChange={(e) => setProjectIds(e.currentTarget.checked ? [...projectIds, p.id].sort((a, b) => a - b) : projectIds.filter((x) => x !== p.id))}
                        data-testid={`kb-project-${p.key}`}
                      />{' '}
                      {p.key} · {p.name}
                    </label>
                  ))}
                {limited && !projectIds.length && <span class="field-hint">{t('kb.limitNone')}</span>}
              </fieldset>
            </>
          )}
        </div>
        <Field label={t('kb.titleField')}>
          <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} maxLength={200} required data-testid="kb-title" />
        </Field>
        <div class="kb-write">
          <label class="field kb-write-source">
            <span class="field-label">{t('kb.body')}</span>
            <textarea value={body} onInput={(e) => setBody(e.currentTarget.value)} rows={14} spellcheck lang={language} data-testid="kb-body" />
            <span class="field-hint">{t('kb.markdownHint')}</span>
          </label>
          <section class="kb-write-preview" aria-label={t('kb.preview')}>
            <span class="field-label">{t('kb.preview')}</span>
            <ErrorBox error={preview.error} />
            {/* Rendered and sanitised by the server (POST /knowledge/preview, src/knowledge/render.rs), so it may be inserted as HTML. */}
            <div class="kb-body kb-preview" lang={language} data-testid="kb-preview" dangerouslySetInnerHTML={{ __html: preview.html }} />
          </section>
        </div>
        <ErrorBox error={error} />
        <div class="form-actions">
          <button type="button" class="btn" onClick={() => (article ? navigate(`/knowledge/articles/${article.id}`) : navigate('/knowledge'))}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="kb-save">
            {editor ? t('kb.saveDraft') : t('kb.sendSuggestion')}
          </button>
          {editor && (
            <>
              <button type="button" class="btn" disabled={busy} onClick={() => void save('submit')} data-testid="kb-save-submit">
                {t('kb.saveSubmit')}
              </button>
              <button type="button" class="btn" disabled={busy} onClick={() => void save('publish')} data-testid="kb-save-publish">
                {t('kb.savePublish')}
              </button>
            </>
          )}
        </div>
      </form>
    </Page>
  );
}

/** The server's rendering of the body, asked for 400 ms after the last keystroke. */
function usePreview(clientId: number, body: string): { html: string; error: unknown } {
  const [html, setHtml] = useState('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      if (!body.trim()) {
        setHtml('');
        return;
      }
      kb.preview(clientId, body)
        .then((h) => live && (setHtml(h), setError(null)))
        .catch((e) => live && setError(e));
    }, 400);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [clientId, body]);
  return { html, error };
}
