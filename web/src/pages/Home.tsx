// The start page: for people who work cases, "what needs me now" (my open
// cases by due time, unassigned cases of my projects to take, new work
// instructions, my figures today); for everyone, their account and projects.

import { useState } from 'preact/hooks';
import { formatDateTime, formatNumber, formatSpan, t } from '../i18n';
import { Page } from '../components/Page';
import { Link } from '../components/Link';
import { ErrorBox } from '../components/ErrorBox';
import { StatusBadge, isOverdue } from '../components/caseBits';
import { SlaTimer, useNow } from '../components/SlaTimer';
import { useMyInstructions } from '../components/InstructionBanner';
import { errorMessage } from '../components/errors';
import { navigate } from '../router';
import { useSession } from '../session';
import type { Case, Me, MyInstruction } from '../api';
import { HOME_LIMIT, useHome } from './home/useHome';
import { editsKnowledge } from './Instructions';

/** Due within this many hours reads as "due soon" (the case list's `due=soon`). */
const SOON_MS = 24 * 3600 * 1000;

/** Whether the user works cases in at least one project (agent or lead). */
const worksCases = (me: Me) => me.projects.some((p) => p.member_role !== null && p.member_role !== undefined);

export function HomePage() {
  const { me } = useSession();
  return (
    <Page title={t('home.title')} testId="home">
      <p class="lead">{t('home.welcome', { name: me.user.name })}</p>
      {worksCases(me) && <WorkBlocks me={me} />}
      <AccountBlocks />
    </Page>
  );
}

function WorkBlocks({ me }: { me: Me }) {
  const { data, error, loading, take } = useHome(me.user.id);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const mayTake = (c: Case) => me.projects.some((p) => p.id === c.project_id && p.member_role);

  const onTake = async (c: Case) => {
    setNotice(null);
    try {
      const result = await take(c);
      setNotice(result === 'taken' ? { ok: true, text: t('home.taken', { ref: c.ref }) } : { ok: false, text: t('home.takeChanged', { ref: c.ref }) });
    } catch (e) {
      setNotice({ ok: false, text: errorMessage(e) });
    }
  };

  return (
    <div class="home-grid" data-testid="home-work">
      <ErrorBox error={error} />
      {notice && (
        <div class={notice.ok ? 'alert alert-ok' : 'alert alert-error'} role={notice.ok ? 'status' : 'alert'} data-testid="home-notice">
          {notice.text}
        </div>
      )}
      <section class="card home-block" aria-labelledby="home-mine" data-testid="home-mine">
        <h2 id="home-mine">{t('home.mine')}</h2>
        {data.counts && data.counts.mine > HOME_LIMIT && <p class="muted">{t('home.showing', { n: HOME_LIMIT, total: formatNumber(data.counts.mine) })}</p>}
        <CaseList cases={data.mine} loading={loading} empty={t('home.mineEmpty')} />
        <p class="home-more">
          <Link href="/cases">{t('home.allCases')}</Link>
        </p>
      </section>
      <section class="card home-block" aria-labelledby="home-unassigned" data-testid="home-unassigned">
        <h2 id="home-unassigned">{t('home.unassigned')}</h2>
        <CaseList
          cases={data.unassigned}
          loading={loading}
          empty={t('home.unassignedEmpty')}
          action={(c) =>
            mayTake(c) && (
              <button type="button" class="btn btn-small btn-primary" onClick={() => void onTake(c)} data-testid="home-take" aria-label={t('home.takeRef', { ref: c.ref })}>
                {t('home.take')}
              </button>
            )
          }
        />
      </section>
      <NewInstructions me={me} />
      <section class="card home-block" aria-labelledby="home-figures" data-testid="home-figures">
        <h2 id="home-figures">{t('home.figures')}</h2>
        {data.figures && (
          <dl class="home-figures">
            <Figure label={t('home.figSolved')} value={formatNumber(data.figures.solved)} testId="fig-solved" />
            <Figure label={t('home.figReplies')} value={formatNumber(data.figures.replies)} testId="fig-replies" />
            <Figure label={t('home.figTime')} value={formatSpan(data.figures.handled_seconds * 1000)} testId="fig-time" />
            <Figure label={t('home.figOpen')} value={data.counts ? formatNumber(data.counts.mine) : '—'} testId="fig-open" />
          </dl>
        )}
      </section>
    </div>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div class="home-figure" data-testid={testId}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** Where a case stands against its due time. */
function dueState(c: Case, now: number): 'overdue' | 'soon' | 'later' | 'none' {
  if (!c.due_at) return 'none';
  if (isOverdue(c.due_at, c.status)) return 'overdue';
  return new Date(c.due_at).getTime() - now < SOON_MS ? 'soon' : 'later';
}

function CaseList({ cases, loading, empty, action }: { cases: Case[]; loading: boolean; empty: string; action?: (c: Case) => unknown }) {
  const now = useNow();
  if (!loading && cases.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul class="home-cases">
      {cases.map((c) => {
        const due = dueState(c, now);
        return (
          <li key={c.id} class={`home-case due-${due}`} data-testid="home-case" data-case-id={c.id} data-due={due}>
            <div class="home-case-main">
              <a
                href={`/cases/${c.id}`}
                class="case-ref"
                onClick={(e) => {
                  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                  e.preventDefault();
                  navigate(`/cases/${c.id}`);
                }}
              >
                {c.ref}
              </a>
              <span class="home-case-subject" data-testid="home-case-subject">
                {c.subject}
              </span>
            </div>
            <div class="home-case-meta">
              <span>{c.contact_name ?? t('common.none')}</span>
              <StatusBadge status={c.status} />
              {due === 'overdue' && <span class="badge badge-warn">{t('home.overdue')}</span>}
              {due === 'soon' && <span class="badge">{t('home.dueSoon')}</span>}
              <span class={due === 'overdue' ? 'overdue' : undefined} data-testid="home-case-due">
                {c.due_at ? t('home.dueAt', { at: formatDateTime(c.due_at) }) : t('home.noDue')}
              </span>
              <SlaTimer due={c.sla_due_at} target={c.sla_target} status={c.status} />
              {action?.(c)}
            </div>
          </li>
        );
      })}
    </ul>
  );
}

/** Not yet acknowledged (a put-off must-acknowledge one included); a hidden info one is read. */
const isNew = (i: MyInstruction) => !i.acknowledged_at && (i.urgency === 'acknowledge' || !i.dismissed_at);

function NewInstructions({ me }: { me: Me }) {
  const { items } = useMyInstructions();
  const fresh = items.filter(isNew);
  return (
    <section class="card home-block" aria-labelledby="home-instructions" data-testid="home-instructions">
      <h2 id="home-instructions">{t('home.instructions')}</h2>
      {fresh.length === 0 ? (
        <p class="muted">{t('home.instructionsEmpty')}</p>
      ) : (
        <ul class="home-instructions">
          {fresh.map((i) => (
            <li key={i.id} data-testid="home-instruction">
              <details>
                <summary>
                  <strong>{i.title}</strong>
                  {i.urgency === 'acknowledge' && <span class="badge badge-warn">{t('ins.banner.mustAck')}</span>}
                  {i.published_at && <span class="muted">{formatDateTime(i.published_at)}</span>}
                </summary>
                {/* Rendered and sanitised on the server (knowledge::render). */}
                <div class="ins-prose" dangerouslySetInnerHTML={{ __html: i.body_html }} />
              </details>
              {i.banner && (
                <a href={`#instruction-${i.id}`} class="home-instruction-link">
                  {t('home.instructionOpen')}
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
      {editsKnowledge(me) && (
        <p class="home-more">
          <Link href="/instructions">{t('home.allInstructions')}</Link>
        </p>
      )}
    </section>
  );
}

function AccountBlocks() {
  const { me, projectId } = useSession();
  const u = me.user;
  return (
    <>
      <div class="cards">
        <section class="card">
          <h2>{t('home.me')}</h2>
          <dl class="facts">
            <dt>{t('common.name')}</dt>
            <dd>{u.name}</dd>
            <dt>{t('common.email')}</dt>
            <dd>{u.email}</dd>
            <dt>{t('common.role')}</dt>
            <dd data-testid="home-role">{t(`role.${u.role}`)}</dd>
            <dt>{t('common.client')}</dt>
            <dd>{me.client?.name ?? t('home.provider')}</dd>
            {u.team_name && (
              <>
                <dt>{t('common.team')}</dt>
                <dd>{u.team_name}</dd>
              </>
            )}
            {u.tariff && (
              <>
                <dt>{t('common.tariff')}</dt>
                <dd>{t(`tariff.${u.tariff}`)}</dd>
              </>
            )}
          </dl>
        </section>
      </div>
      <section class="card">
        <h2>{t('home.myProjects')}</h2>
        {me.projects.length === 0 ? (
          <p class="muted">{t('home.noProjects')}</p>
        ) : (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">{t('projects.key')}</th>
                  <th scope="col">{t('common.name')}</th>
                  <th scope="col">{t('common.client')}</th>
                  <th scope="col">{t('home.memberRole')}</th>
                </tr>
              </thead>
              <tbody>
                {me.projects.map((p) => (
                  <tr key={p.id} class={p.id === projectId ? 'row-current' : undefined}>
                    <td>
                      <code>{p.key}</code>
                    </td>
                    <td>{me.permissions.manage_projects || me.permissions.manage_members ? <Link href={`/admin/projects/${p.id}`}>{p.name}</Link> : p.name}</td>
                    <td>{p.client_name}</td>
                    <td>{p.member_role ? t(`memberRole.${p.member_role}`) : t('common.none')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
