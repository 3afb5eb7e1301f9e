// A text module's history for its editors: every save is a version (who,
// when); any two side by side (shortcut, language, projects and files, then
// title and text; lines, then words); an old version restored as a new one
// (audited on the server; a published module's change is live at once).

import { useEffect, useState } from 'preact/hooks';
import { api, type List, type Project, type TextModule, type TextModuleVersion, type TextModuleVersionSummary } from '../api';
import { formatDateTime, t } from '../i18n';
import { type Params } from '../router';
import { ErrorBox } from '../components/ErrorBox';
import { Link } from '../components/Link';
import { ConfirmModal } from '../components/Modal';
import { Loading, Page } from '../components/Page';
import { SideBySideDiff } from '../components/SideBySideDiff';
import { useDebounced, useLiveEvents } from '../components/events';
import { useLoad } from '../components/useLoad';

/** The facts of a version as lines, so that the diff shows what changed. */
export function versionFacts(v: TextModuleVersion, projectName: (id: number) => string): string {
  const lines = [
    `${t('tm.shortcut')}: ::${v.shortcut}`,
    `${t('tm.language')}: ${t(v.language === 'de' ? 'tm.lang.de' : 'tm.lang.en')}`,
    `${t('tm.projects')}: ${!v.limited ? t('tm.allProjects') : v.project_ids.length ? v.project_ids.map(projectName).join(', ') : t('tm.noProjectLeft')}`,
    `${t('tm.attachments')}: ${v.attachments.length ? v.attachments.map((f) => f.filename).join(', ') : '—'}`,
  ];
  return lines.join('\n');
}

export function TextModuleHistoryPage({ params }: { params: Params }) {
  const id = Number(params.id);
  const module = useLoad(() => api.get<TextModule>(`/text-modules/${id}`), [id]);
  const versions = useLoad(() => api.get<List<TextModuleVersionSummary>>(`/text-modules/${id}/versions`), [id]);
  const projects = useLoad(() => api.get<List<Project>>('/projects'));
  const [older, setOlder] = useState<number | null>(null);
  const [newer, setNewer] = useState<number | null>(null);
  const [restoring, setRestoring] = useState<TextModuleVersionSummary | null>(null);
  const [done, setDone] = useState<string | null>(null);

  // Another editor's change of a published module arrives live (drafts
  // send no event; the page shows them after a reload).
  const refresh = useDebounced(() => void Promise.all([versions.reload(), module.reload()]), 200);
  useLiveEvents((e) => {
    if ((e.kind === 'knowledge' && e.data.type === 'text-module' && e.data.id === id) || e.kind === 'reconnect') refresh();
  });

  const list = versions.data?.items ?? [];
  // Default: the newest against the one before it.
  useEffect(() => {
    setNewer(list[0]?.number ?? null);
    setOlder(list[1]?.number ?? list[0]?.number ?? null);
  }, [versions.data]);
  const projectName = (pid: number) => projects.data?.items.find((p) => p.id === pid)?.name ?? `#${pid}`;
  const shortcut = module.data?.shortcut ?? list[0]?.shortcut;

  return (
    <Page title={shortcut ? t('tm.historyOf', { shortcut }) : t('tm.history')} testId="tm-history-page" wide>
      <p class="breadcrumb">
        <Link href="/knowledge/text-modules">{t('tm.title')}</Link> › {module.data ? `::${module.data.shortcut}` : `#${id}`}
      </p>
      <p class="muted">{t('tm.historyIntro')}</p>
      <ErrorBox error={versions.error ?? module.error} />
      {done && (
        <p class="alert alert-ok" role="status" data-testid="tm-restored">
          {done}
        </p>
      )}
      {versions.loading && !versions.data && <Loading />}
      {list.length > 0 && (
        <div class="table-wrap">
          <table class="table table-dense tm-versions" data-testid="tm-versions">
            <thead>
              <tr>
                <th scope="col">{t('tm.diffLeft')}</th>
                <th scope="col">{t('tm.diffRight')}</th>
                <th scope="col">{t('tm.version')}</th>
                <th scope="col">{t('tm.titleField')}</th>
                <th scope="col">{t('tm.savedBy')}</th>
                <th scope="col" class="actions">
                  <span class="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((v) => (
                <tr key={v.number} data-testid={`tm-version-${v.number}`}>
                  <td class="tm-pick-side">
                    <label>
                      <input type="radio" name="tm-older" checked={older === v.number} onChange={() => setOlder(v.number)} data-testid={`tm-older-${v.number}`} />
                      <span class="tm-narrow-label">{t('tm.diffLeft')}</span>
                      <span class="sr-only">{t('tm.versionN', { n: v.number })}</span>
                    </label>
                  </td>
                  <td class="tm-pick-side">
                    <label>
                      <input type="radio" name="tm-newer" checked={newer === v.number} onChange={() => setNewer(v.number)} data-testid={`tm-newer-${v.number}`} />
                      <span class="tm-narrow-label">{t('tm.diffRight')}</span>
                      <span class="sr-only">{t('tm.versionN', { n: v.number })}</span>
                    </label>
                  </td>
                  <td class="nowrap">
                    {t('tm.versionN', { n: v.number })}
                    {v.current && <span class="badge badge-on tm-current">{t('tm.current')}</span>}
                    {v.restored_from !== null && v.restored_from !== undefined && <div class="muted small">{t('tm.restoredFrom', { n: v.restored_from })}</div>}
                  </td>
                  <td>
                    ::{v.shortcut} · {v.title}
                    {v.files > 0 && <span class="muted small"> · {t('tm.files', { n: v.files })}</span>}
                  </td>
                  <td class="small">
                    {v.saved_by_name ?? t('tm.someone')}, {formatDateTime(v.saved_at)}
                  </td>
                  <td class="actions">
                    {!v.current && (
                      <button type="button" class="btn btn-small" onClick={() => setRestoring(v)} aria-label={t('tm.restoreVersion', { n: v.number })} data-testid={`tm-restore-${v.number}`}>
                        {t('tm.restoreShort')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {older !== null && newer !== null && <Diff id={id} older={older} newer={newer} projectName={projectName} />}
      {restoring && (
        <ConfirmModal
          title={t('tm.restoreVersion', { n: restoring.number })}
          text={module.data?.state === 'published' ? t('tm.restoreLive', { n: restoring.number }) : t('tm.restoreDraft', { n: restoring.number })}
          confirmLabel={t('tm.restoreShort')}
          onClose={() => setRestoring(null)}
          onConfirm={async () => {
            const number = restoring.number;
            await api.post<TextModule>(`/text-modules/${id}/versions/${number}/restore`);
            setDone(t('tm.restoredAs', { n: number }));
            await Promise.all([versions.reload(), module.reload()]);
          }}
        />
      )}
    </Page>
  );
}

function Diff(props: { id: number; older: number; newer: number; projectName: (id: number) => string }) {
  const pair = useLoad(
    () => Promise.all([api.get<TextModuleVersion>(`/text-modules/${props.id}/versions/${props.older}`), api.get<TextModuleVersion>(`/text-modules/${props.id}/versions/${props.newer}`)]),
    [props.id, props.older, props.newer],
  );
  if (!pair.data) return pair.error ? <ErrorBox error={pair.error} /> : <Loading />;
  const [a, b] = pair.data;
  return (
    <SideBySideDiff
      label={t('tm.diffTitle')}
      heading={t('tm.diffBetween', { a: a.number, b: b.number })}
      left={t('tm.diffSide', { n: a.number, at: formatDateTime(a.saved_at) })}
      right={t('tm.diffSide', { n: b.number, at: formatDateTime(b.saved_at) })}
      sameText={t('tm.diffSame')}
      parts={[
        { older: versionFacts(a, props.projectName), newer: versionFacts(b, props.projectName) },
        { older: a.title, newer: b.title },
        { older: a.body, newer: b.body },
      ]}
      testId="tm-diff"
    />
  );
}
