// The versions waiting in review (agents' suggestions, submitted drafts),
// oldest first, for the client's editors; and the deleted articles, for
// the client admin to restore.

import { useState } from 'preact/hooks';
import { formatDateTime, formatShort, t } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Link } from '../../components/Link';
import { Loading, Page } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import { useSession } from '../../session';
import { ClientPicker, KbTabs, languageName } from './bits';
import { useKnowledgeClient } from './hooks';
import { preferredTitle } from './KnowledgeHome';
import { canRestore, isEditor, kb } from './kb';

export function ReviewPage() {
  const { me } = useSession();
  const { clients, clientId, setClientId } = useKnowledgeClient();
  const allowed = clientId !== null && isEditor(me, clientId);
  const queue = useLoad(() => (clientId && allowed ? kb.review(clientId) : Promise.resolve([])), [clientId, allowed]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<number | null>(null);

  const publish = async (articleId: number, versionId: number) => {
    setBusy(versionId);
    setError(null);
    try {
      await kb.publish(articleId, versionId);
      await queue.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Page title={t('kb.review.title')} actions={<ClientPicker clients={clients} clientId={clientId} onChange={setClientId} />} testId="kb-review" wide>
      <KbTabs clientId={clientId} current="review" />
      {!allowed && <p class="muted">{t('kb.review.notEditor')}</p>}
      <ErrorBox error={queue.error} />
      <ErrorBox error={error} />
      {queue.loading && !queue.data && <Loading />}
      {allowed && queue.data && !queue.data.length && <p class="muted">{t('kb.review.empty')}</p>}
      {allowed && queue.data && queue.data.length > 0 && (
        <div class="table-wrap">
          <table class="table" data-testid="kb-review-table">
            <thead>
              <tr>
                <th scope="col">{t('kb.titleField')}</th>
                <th scope="col">{t('kb.language')}</th>
                <th scope="col">{t('kb.review.by')}</th>
                <th scope="col">{t('kb.review.since')}</th>
                <th scope="col">
                  <span class="sr-only">{t('kb.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {queue.data.map((v) => (
                <tr key={v.id}>
                  <td>
                    <Link href={`/knowledge/articles/${v.article_id}`}>{v.title}</Link>
                  </td>
                  <td>{languageName(v.language)}</td>
                  <td>{v.submitted_by_name ?? v.created_by_name ?? t('kb.someone')}</td>
                  <td class="nowrap">{formatDateTime(v.submitted_at ?? v.created_at)}</td>
                  <td class="nowrap">
                    <Link href={`/knowledge/articles/${v.article_id}/history`} class="btn btn-small">
                      {t('kb.review.compare')}
                    </Link>{' '}
                    <button type="button" class="btn btn-small btn-primary" disabled={busy === v.id} onClick={() => void publish(v.article_id, v.id)} data-testid="kb-review-publish">
                      {t('kb.publish')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}

export function DeletedPage() {
  const { me } = useSession();
  const { clients, clientId, setClientId } = useKnowledgeClient();
  const allowed = clientId !== null && canRestore(me, clientId);
  const list = useLoad(() => (clientId && allowed ? kb.articles({ client_id: clientId, deleted: true }) : Promise.resolve([])), [clientId, allowed]);
  const [error, setError] = useState<unknown>(null);

  const undelete = async (id: number) => {
    setError(null);
    try {
      await kb.undelete(id);
      await list.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Page title={t('kb.deleted.title')} actions={<ClientPicker clients={clients} clientId={clientId} onChange={setClientId} />} testId="kb-deleted" wide>
      <KbTabs clientId={clientId} current="deleted" />
      {!allowed && <p class="muted">{t('kb.deleted.notAdmin')}</p>}
      <ErrorBox error={list.error} />
      <ErrorBox error={error} />
      {list.loading && !list.data && <Loading />}
      {allowed && list.data && !list.data.length && <p class="muted">{t('kb.deleted.empty')}</p>}
      {allowed && list.data && list.data.length > 0 && (
        <div class="table-wrap">
          <table class="table" data-testid="kb-deleted-table">
            <thead>
              <tr>
                <th scope="col">{t('kb.titleField')}</th>
                <th scope="col">{t('kb.updatedField')}</th>
                <th scope="col">
                  <span class="sr-only">{t('kb.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((a) => (
                <tr key={a.id}>
                  <td>{preferredTitle(a)}</td>
                  <td class="nowrap">{formatShort(a.updated_at)}</td>
                  <td>
                    <button type="button" class="btn btn-small" onClick={() => void undelete(a.id)} data-testid="kb-undelete">
                      {t('kb.deleted.restore')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
