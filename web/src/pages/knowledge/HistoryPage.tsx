// An article's versions per language, a side-by-side diff between any two
// (title and Markdown, lines then words, by jsdiff), and "restore this
// version as a new draft". Editors only (the API answers 403 otherwise).

import { useEffect, useMemo, useState } from 'preact/hooks';
import { navigate, type Params } from '../../router';
import { formatDateTime, t } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Link } from '../../components/Link';
import { Loading, Page } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import { StateBadge, languageName } from './bits';
import { SideBySideDiff } from '../../components/SideBySideDiff';
import { titleOf } from './ArticlePage';
import { LANGUAGES, kb, type Language, type Version } from './kb';

export function HistoryPage({ params }: { params: Params }) {
  const id = Number(params.id);
  const article = useLoad(() => kb.article(id), [id]);
  const versions = useLoad(() => kb.versions(id), [id]);
  const [language, setLanguage] = useState<Language>('de');
  const [older, setOlder] = useState<number | null>(null);
  const [newer, setNewer] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  const mine = useMemo(() => (versions.data ?? []).filter((v) => v.language === language).sort((a, b) => b.number - a.number), [versions.data, language]);
  // Default: the newest against the one before it.
  useEffect(() => {
    setNewer(mine[0]?.id ?? null);
    setOlder(mine[1]?.id ?? mine[0]?.id ?? null);
  }, [mine]);

  const restore = async (versionId: number) => {
    setError(null);
    try {
      await kb.restore(id, versionId);
      navigate(`/knowledge/articles/${id}`);
    } catch (e) {
      setError(e);
    }
  };

  const title = article.data ? t('kb.historyOf', { title: titleOf(article.data) }) : t('kb.history');
  return (
    <Page title={title} testId="kb-history-page" wide>
      <p class="breadcrumb">
        <Link href="/knowledge">{t('kb.title')}</Link> › <Link href={`/knowledge/articles/${id}`}>{article.data ? titleOf(article.data) : `#${id}`}</Link>
      </p>
      <div class="kb-view" role="group" aria-label={t('kb.language')}>
        {LANGUAGES.map((l) => (
          <button key={l} type="button" class={language === l ? 'btn btn-small kb-view-on' : 'btn btn-small'} aria-pressed={language === l} onClick={() => setLanguage(l)} data-testid={`kb-history-lang-${l}`}>
            {languageName(l)}
          </button>
        ))}
      </div>
      <ErrorBox error={versions.error ?? article.error} />
      <ErrorBox error={error} />
      {versions.loading && !versions.data && <Loading />}
      {versions.data && !mine.length && <p class="muted">{t(`kb.missing.${language}`)}</p>}
      {mine.length > 0 && (
        <div class="table-wrap">
          <table class="table table-dense kb-versions" data-testid="kb-versions">
            <thead>
              <tr>
                <th scope="col">{t('kb.diff.older')}</th>
                <th scope="col">{t('kb.diff.newer')}</th>
                <th scope="col">{t('kb.version')}</th>
                <th scope="col">{t('kb.titleField')}</th>
                <th scope="col">{t('kb.stateField')}</th>
                <th scope="col">{t('kb.savedBy')}</th>
                <th scope="col">
                  <span class="sr-only">{t('kb.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {mine.map((v) => (
                <tr key={v.id} data-testid={`kb-version-${v.number}`}>
                  <td>
                    <input type="radio" name="kb-older" checked={older === v.id} onChange={() => setOlder(v.id)} aria-label={t('kb.diff.olderPick', { n: v.number })} data-testid={`kb-older-${v.number}`} />
                  </td>
                  <td>
                    <input type="radio" name="kb-newer" checked={newer === v.id} onChange={() => setNewer(v.id)} aria-label={t('kb.diff.newerPick', { n: v.number })} data-testid={`kb-newer-${v.number}`} />
                  </td>
                  <td class="nowrap">
                    {v.number}
                    {v.restored_from && <span class="muted"> ({t('kb.restoredFrom', { n: mine.find((x) => x.id === v.restored_from)?.number ?? '?' })})</span>}
                  </td>
                  <td>{v.title}</td>
                  <td>
                    <StateBadge state={v.state} />
                  </td>
                  <td class="nowrap">
                    {v.created_by_name ?? t('kb.someone')}, {formatDateTime(v.created_at)}
                  </td>
                  <td>
                    <button type="button" class="btn btn-small" onClick={() => void restore(v.id)} title={t('kb.restoreLong', { n: v.number })} aria-label={t('kb.restoreLong', { n: v.number })} data-testid={`kb-restore-${v.number}`}>
                      {t('kb.restore')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {older !== null && newer !== null && <Diff articleId={id} olderId={older} newerId={newer} />}
    </Page>
  );
}

function Diff({ articleId, olderId, newerId }: { articleId: number; olderId: number; newerId: number }) {
  const pair = useLoad(() => Promise.all([kb.version(articleId, olderId), kb.version(articleId, newerId)]), [articleId, olderId, newerId]);
  if (!pair.data) return pair.error ? <ErrorBox error={pair.error} /> : <Loading />;
  const [a, b] = pair.data;
  return <DiffView a={a} b={b} />;
}

function DiffView({ a, b }: { a: Version; b: Version }) {
  return (
    <SideBySideDiff
      label={t('kb.diff.title')}
      heading={t('kb.diff.between', { a: a.number, b: b.number })}
      left={t('kb.diff.side', { n: a.number, at: formatDateTime(a.created_at) })}
      right={t('kb.diff.side', { n: b.number, at: formatDateTime(b.created_at) })}
      sameText={t('kb.diff.same')}
      parts={[
        { older: a.title, newer: b.title },
        { older: a.body_md, newer: b.body_md },
      ]}
      testId="kb-diff"
    />
  );
}
