// The case screen: everything an agent needs on one screen — the header
// fields (inline editable, CaseHeader), the thread (Thread), the composer
// (Composer) and a side panel (SidePanel) with the contact, earlier cases,
// time spent and the history. Live: presence, change banners, the
// optimistic-concurrency dialog (409 case-changed). State lives in hooks:
// useCase (data, live), useCaseWrites (guarded writes), useComposer,
// useCaseTimer.

import { useEffect, useRef } from 'preact/hooks';
import { takesCases, useWorkingOn } from '../components/StateSwitch';
import { t } from '../i18n';
import { navigate, type Params } from '../router';
import { useSession } from '../session';
import { ErrorBox } from '../components/ErrorBox';
import { Link } from '../components/Link';
import { Modal } from '../components/Modal';
import { Loading } from '../components/Page';
import { useProjectData } from '../components/caseBits';
import { useShortcuts } from '../components/shortcuts';
import { CaseHeader } from './case/CaseHeader';
import { Composer, useComposer } from './case/Composer';
import { KnowledgePanel } from './case/KnowledgePanel';
import { SidePanel } from './case/SidePanel';
import { Thread } from './case/Thread';
import { useCase, useCaseWrites } from './case/useCase';
import { useCaseTimer } from './case/useCaseTimer';

export function CaseDetailPage({ params }: { params: Params }) {
  const id = Number(params.id);
  const { me } = useSession();
  const hasDraft = useRef<() => boolean>(() => false);
  const state = useCase(id, me.user.id, () => hasDraft.current());
  const timer = useCaseTimer(id);
  const writes = useCaseWrites(id, state, timer.afterWork);
  const composer = useComposer(id, state, writes.guarded, writes.setActionError, (kind, status) => {
    if (kind === 'outbound' || status === 'solved') timer.afterWork();
  });
  hasDraft.current = composer.hasDraft;
  const statusRef = useRef<HTMLSelectElement>(null);
  const { detail, error, banner, setBanner } = state;
  const c = detail?.case ?? null;
  const { topics, members } = useProjectData(c?.project_id);
  // Working on it: on-case while open, after-work after (workforce).
  useWorkingOn(c ? id : null, takesCases(me));

  useEffect(() => composer.reset(), [id]);

  useEffect(() => {
    if (c) document.title = `${c.ref} · ${c.subject} · ${t('app.name')}`;
  }, [c?.ref, c?.subject]);

  useShortcuts({
    r: () => composer.focus('outbound'),
    n: () => composer.focus('note'),
    a: () => c && c.assignee_id !== me.user.id && void writes.patch({ assignee_id: me.user.id }),
    s: () => statusRef.current?.focus(),
    Escape: () => navigate('/cases'),
  });

  if (error && !detail)
    return (
      <section class="page">
        <p class="breadcrumb">
          <Link href="/cases">← {t('cases.back')}</Link>
        </p>
        <ErrorBox error={error} />
      </section>
    );
  if (!detail || !c) return <Loading />;

  return (
    <section class="page page-wide case-page" data-testid="case-page" data-case-version={c.version}>
      <p class="breadcrumb">
        <Link href="/cases">← {t('cases.back')}</Link>
      </p>

      {banner && (
        <div class={banner.auto ? 'alert alert-info banner' : 'alert alert-warn banner'} role="status" data-testid="case-banner">
          <span>{t(banner.auto ? 'case.updatedAuto' : 'case.updatedBy', { name: banner.by })}</span>
          {!banner.auto && (
            <button
              type="button"
              class="btn btn-small"
              onClick={() => {
                setBanner(null);
                void state.reload();
              }}
            >
              {t('case.reload')}
            </button>
          )}
          <button type="button" class="btn-icon btn-tiny" aria-label={t('common.close')} onClick={() => setBanner(null)}>
            ×
          </button>
        </div>
      )}

      <CaseHeader c={c} meId={me.user.id} viewers={state.viewers} topics={topics} members={members} patch={writes.patch} feedback={writes.feedback.state} resetKey={writes.discarded} actionError={writes.actionError} statusRef={statusRef} handling={me.projects.find((p) => p.id === c.project_id)?.can.handling ?? []} />

      <div class="case-layout">
        <div class="case-main">
          <Thread key={id} messages={detail.messages} contactName={c.contact_name} deliveries={state.deliveries} mails={state.mails} onRetry={writes.retryDelivery} />
          <Composer composer={composer} to={detail.contact?.emails[0]} />
        </div>
        <SidePanel detail={detail} timer={timer} onSaveCustom={writes.saveCustom} onSaveTags={(tags) => writes.patch({ tags })} onLinksChanged={() => void state.reload()}>
          <KnowledgePanel
            caseId={id}
            onInsert={(text) => {
              composer.setText((current) => (current.trim() ? `${current.trimEnd()}\n\n${text}` : text));
              composer.focus(composer.kind);
            }}
          />
        </SidePanel>
      </div>

      {writes.conflict && (
        <Modal title={t('conflict.title')} onClose={() => writes.setConflict(null)} testId="conflict">
          <p>{t('conflict.text')}</p>
          <div class="form-actions">
            <button
              type="button"
              class="btn"
              onClick={writes.discard}
              data-testid="conflict-reload"
            >
              {t('case.reload')}
            </button>
            <button
              type="button"
              class="btn btn-primary"
              onClick={() => {
                const retry = writes.conflict?.retry;
                writes.setConflict(null);
                if (retry) void retry().catch((e) => writes.setActionError(e));
              }}
              data-testid="conflict-force"
            >
              {t(writes.conflict.what === 'send' ? 'conflict.sendAnyway' : 'conflict.saveAnyway')}
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}
