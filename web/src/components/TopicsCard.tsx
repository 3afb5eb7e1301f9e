// A project's topics (Themen): what a case is about, for routing, reports
// and prices. Listed for everyone who sees the project; added, renamed,
// reordered and switched off by whoever manages the project's set-up
// (`can.manage_settings` in /me). Topics are never deleted: cases and time
// records keep pointing at them.

import { useState } from 'preact/hooks';
import { api, type List, type Topic } from '../api';
import { t } from '../i18n';
import { ErrorBox } from './ErrorBox';
import { Badge, Loading } from './Page';
import { useLoad } from './useLoad';

const byPosition = (a: Topic, b: Topic) => a.position - b.position || a.name.localeCompare(b.name);

export function TopicsCard({ projectId, canEdit }: { projectId: number; canEdit: boolean }) {
  const topics = useLoad(() => api.get<List<Topic>>(`/projects/${projectId}/topics`), [projectId]);
  const [name, setName] = useState('');
  const [editing, setEditing] = useState<{ id: number; name: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const items = [...(topics.data?.items ?? [])].sort(byPosition);

  const run = async (work: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      await work();
      await topics.reload();
      setNotice(done);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const add = (e: Event) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    const position = items.length ? Math.max(...items.map((x) => x.position)) + 1 : 0;
    void run(async () => {
      await api.post(`/projects/${projectId}/topics`, { name: trimmed, position });
      setName('');
    }, t('topics.added', { name: trimmed }));
  };

  /** Swaps a topic with its neighbour (positions renumbered in list order). */
  const move = (index: number, by: -1 | 1) => {
    const order = [...items];
    const [moved] = order.splice(index, 1);
    order.splice(index + by, 0, moved);
    void run(async () => {
      for (const [i, topic] of order.entries()) if (topic.position !== i) await api.patch(`/topics/${topic.id}`, { position: i });
    }, t('topics.moved', { name: moved.name }));
  };

  return (
    <section class="card" aria-labelledby="topics-title" data-testid="topics-card">
      <h2 id="topics-title">{t('topics.title')}</h2>
      <p class="muted">{t('topics.intro')}</p>
      {topics.loading && !topics.data && <Loading />}
      <ErrorBox error={topics.error} />
      {items.length === 0 && topics.data && <p class="muted">{t('topics.none')}</p>}
      {items.length > 0 && (
        <ul class="plain-list topics-list">
          {items.map((topic, i) => (
            <li key={topic.id} class="topics-row" data-testid="topic-row">
              {editing?.id === topic.id ? (
                <form
                  class="inline-form"
                  onSubmit={(e) => {
                    e.preventDefault();
                    const next = editing.name.trim();
                    if (!next || next === topic.name) return setEditing(null);
                    void run(async () => {
                      await api.patch(`/topics/${topic.id}`, { name: next });
                      setEditing(null);
                    }, t('topics.renamed', { name: next }));
                  }}
                >
                  <input required maxLength={100} aria-label={t('topics.name')} value={editing.name} onInput={(e) => setEditing({ id: topic.id, name: e.currentTarget.value })} data-testid="topic-name-input" />
                  <button type="submit" class="btn btn-small btn-primary" disabled={busy}>
                    {t('common.save')}
                  </button>
                  <button type="button" class="btn btn-small" onClick={() => setEditing(null)}>
                    {t('common.cancel')}
                  </button>
                </form>
              ) : (
                <>
                  <span class={topic.active ? 'topics-name' : 'topics-name muted'} data-testid="topic-name">
                    {topic.name}
                  </span>{' '}
                  {!topic.active && <Badge on={false} />}
                  {canEdit && (
                    <span class="actions actions-wrap">
                      <button type="button" class="btn-icon btn-tiny" aria-label={t('topics.up', { name: topic.name })} disabled={busy || i === 0} onClick={() => move(i, -1)}>
                        ↑
                      </button>
                      <button type="button" class="btn-icon btn-tiny" aria-label={t('topics.down', { name: topic.name })} disabled={busy || i === items.length - 1} onClick={() => move(i, 1)}>
                        ↓
                      </button>
                      <button type="button" class="btn btn-small" onClick={() => setEditing({ id: topic.id, name: topic.name })} data-testid="topic-rename">
                        {t('topics.rename')}
                      </button>
                      <button
                        type="button"
                        class="btn btn-small"
                        disabled={busy}
                        onClick={() => void run(() => api.patch(`/topics/${topic.id}`, { active: !topic.active }), t(topic.active ? 'topics.deactivated' : 'topics.activated', { name: topic.name }))}
                        data-testid="topic-toggle"
                      >
                        {t(topic.active ? 'topics.deactivate' : 'topics.activate')}
                      </button>
                    </span>
                  )}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <form class="inline-form topics-add" onSubmit={add}>
          <label class="inline-label">
            <span>{t('topics.new')}</span>
            <input required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="topic-new-name" />
          </label>
          <button type="submit" class="btn btn-primary btn-small" disabled={busy} data-testid="topic-add">
            {t('topics.add')}
          </button>
        </form>
      )}
      <ErrorBox error={error} />
      {notice && (
        <p class="save-ok" role="status" data-testid="topics-notice">
          {notice}
        </p>
      )}
    </section>
  );
}
