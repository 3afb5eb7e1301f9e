// Training: an agent's courses and course page (articles to read, the
// check), and for editors (client admins, project leads) the client's
// courses: written and changed here (title, description, the ordered
// articles found by search, the check's questions and pass mark), assigned
// to teams and single agents with a due date, and each assigned agent's
// progress (started, read, passed, with dates).

import { useEffect, useState } from 'preact/hooks';
import {
  ApiError,
  api,
  query,
  type AgentStatus,
  type ArticleHit,
  type Course,
  type CourseCandidate,
  type CourseCheckResult,
  type CourseSummary,
  type Lesson,
  type List,
  type MyCourse,
  type Progress,
  type Team,
} from '../api';
import { formatDate, formatDateTime, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { LocaleInput } from '../components/LocaleInput';
import { ConfirmModal } from '../components/Modal';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { useSession } from '../session';
import { useLiveEvents } from '../components/events';
import { articleQuery, moved } from './trainingEdit';
import { editableClients } from './Instructions';

function ProgressBadge({ progress }: { progress: Progress }) {
  const cls = progress === 'passed' ? 'badge badge-on' : progress === 'failed' ? 'badge badge-warn' : 'badge';
  return <span class={cls}>{t(`tr.progress.${progress}`)}</span>;
}

function Due({ due, overdue }: { due: string | null; overdue: boolean }) {
  if (!due) return <>—</>;
  return (
    <>
      {formatDate(due)} {overdue && <span class="badge badge-warn">{t('tr.overdue')}</span>}
    </>
  );
}

export function TrainingPage() {
  const { me } = useSession();
  const clients = editableClients(me);
  const mine = useLoad(() => api.get<List<MyCourse>>('/courses/mine'), []);
  // A course assigned, changed or removed: the list follows without a reload.
  useLiveEvents((e) => {
    if (e.kind === 'knowledge' && e.data.type === 'course') void mine.reload();
  });
  return (
    <Page title={t('tr.title')} testId="training-page" wide>
      <h2>{t('tr.mine')}</h2>
      <ErrorBox error={mine.error} />
      {mine.loading && !mine.data && <Loading />}
      {mine.data && mine.data.items.length === 0 && <p class="muted">{t('tr.noneMine')}</p>}
      {mine.data && mine.data.items.length > 0 && (
        <div class="table-wrap">
          <table class="table" data-testid="my-courses">
            <thead>
              <tr>
                <th scope="col">{t('tr.courses')}</th>
                <th scope="col">{t('tr.due')}</th>
                <th scope="col">{t('tr.progress')}</th>
              </tr>
            </thead>
            <tbody>
              {mine.data.items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link href={`/training/${c.id}`}>{c.title}</Link>
                    <div class="muted">{t('tr.articlesRead', { read: c.articles_read, total: c.article_count })}</div>
                  </td>
                  <td>
                    <Due due={c.due_on} overdue={c.overdue} />
                  </td>
                  <td>
                    <ProgressBadge progress={c.progress} /> {c.score !== null && t('tr.percent', { n: c.score })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {clients.map((c) => (
        <ClientCourses key={c.id} clientId={c.id} name={clients.length > 1 ? c.name : null} />
      ))}
    </Page>
  );
}

function ClientCourses({ clientId, name }: { clientId: number; name: string | null }) {
  const list = useLoad(() => api.get<List<CourseSummary>>(`/courses${query({ client_id: clientId })}`), [clientId]);
  const [open, setOpen] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);
  return (
    <section class="tr-client">
      <h2>
        {t('tr.courses')}
        {name && ` · ${name}`}
      </h2>
      {creating ? (
        <CourseForm
          clientId={clientId}
          onClose={() => setCreating(false)}
          onSaved={(course) => {
            setCreating(false);
            setOpen(course.id);
            void list.reload();
          }}
        />
      ) : (
        <p>
          <button type="button" class="btn" onClick={() => setCreating(true)} data-testid="course-new">
            {t('tr.new')}
          </button>
        </p>
      )}
      <ErrorBox error={list.error} />
      {list.data && (
        <div class="table-wrap">
          <table class="table" data-testid="client-courses">
            <thead>
              <tr>
                <th scope="col">{t('tr.courses')}</th>
                <th scope="col" class="num">{t('tr.articles')}</th>
                <th scope="col" class="num">{t('tr.questions')}</th>
                <th scope="col" class="num">{t('tr.agents')}</th>
                <th scope="col" class="num">{t('tr.passedCount')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.length === 0 && <Empty colSpan={5} />}
              {list.data.items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <button type="button" class="ins-link" onClick={() => setOpen(open === c.id ? null : c.id)} aria-expanded={open === c.id} data-testid="course-open">
                      {c.title}
                    </button>
                    <div class="muted">{t('tr.passMark', { n: c.pass_mark })}</div>
                  </td>
                  <td class="num">{c.article_count}</td>
                  <td class="num">{c.question_count}</td>
                  <td class="num">{c.agent_count}</td>
                  <td class="num">{c.passed_count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open !== null && (
        <CourseAdmin
          key={open}
          id={open}
          onChanged={() => void list.reload()}
          onDeleted={() => {
            setOpen(null);
            void list.reload();
          }}
        />
      )}
    </section>
  );
}

function CourseStatus({ id, version }: { id: number; version: number }) {
  const status = useLoad(() => api.get<List<AgentStatus>>(`/courses/${id}/status`), [id, version]);
  // An agent read, passed or failed: the table follows without a reload.
  useLiveEvents((e) => {
    if (e.kind === 'knowledge' && e.data.type === 'course' && e.data.id === id) void status.reload();
  });
  return (
    <section class="tr-section">
      <h3>{t('tr.status')}</h3>
      <ErrorBox error={status.error} />
      {status.data && status.data.items.length === 0 && <p class="muted">{t('tr.noAgents')}</p>}
      {status.data && status.data.items.length > 0 && (
        <div class="table-wrap">
          <table class="table" data-testid="course-status">
            <thead>
              <tr>
                <th scope="col">{t('tr.agent')}</th>
                <th scope="col">{t('tr.due')}</th>
                <th scope="col">{t('tr.progress')}</th>
                <th scope="col">{t('tr.startedAt')}</th>
                <th scope="col">{t('tr.readAtColumn')}</th>
                <th scope="col">{t('tr.passedAt')}</th>
                <th scope="col" class="num">{t('tr.score')}</th>
                <th scope="col" class="num">{t('tr.attempts')}</th>
              </tr>
            </thead>
            <tbody>
              {status.data.items.map((s) => (
                <tr key={s.user_id} data-testid="course-status-row">
                  <td>
                    {s.name}
                    <div class="muted">{t('tr.articlesRead', { read: s.articles_read, total: s.article_count })}</div>
                  </td>
                  <td>
                    <Due due={s.due_on} overdue={s.overdue} />
                  </td>
                  <td>
                    <ProgressBadge progress={s.progress} />
                  </td>
                  <td>{formatDateTime(s.started_at)}</td>
                  <td>{formatDateTime(s.read_at)}</td>
                  <td data-testid="course-status-passed">{formatDateTime(s.passed_at)}</td>
                  <td class="num">{s.score === null ? '—' : t('tr.percent', { n: s.score })}</td>
                  <td class="num">{s.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** One course for its editors: change it, assign it, see who stands where. */
function CourseAdmin({ id, onChanged, onDeleted }: { id: number; onChanged: () => void; onDeleted: () => void }) {
  const course = useLoad(() => api.get<Course>(`/courses/${id}`), [id]);
  const [editing, setEditing] = useState(false);
  const [version, setVersion] = useState(0);
  const [confirm, setConfirm] = useState<'delete' | number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const changed = () => {
    setVersion(version + 1);
    void course.reload();
    onChanged();
  };
  const c = course.data;
  if (!c) {
    return (
      <div class="ins-card">
        <ErrorBox error={course.error} />
        {course.loading && <Loading />}
      </div>
    );
  }
  const removing = typeof confirm === 'number' ? c.assignments.find((a) => a.id === confirm) : undefined;
  return (
    <div class="ins-card tr-admin" data-testid="course-admin">
      {editing ? (
        <CourseForm
          clientId={c.client_id}
          course={c}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            changed();
          }}
        />
      ) : (
        <>
          <h3>{c.title}</h3>
          {c.description && <p class="tr-description">{c.description}</p>}
          <p class="muted">
            {t('tr.passMark', { n: c.pass_mark })} · {t('tr.questionCount', { n: c.questions.length })}
          </p>
          <ol class="tr-article-list" data-testid="course-admin-articles">
            {c.articles.map((a) => (
              <li key={a.article_id}>{a.title ?? <span class="muted">{t('tr.articleGone')}</span>}</li>
            ))}
          </ol>
          <div class="form-actions">
            <button type="button" class="btn" onClick={() => setEditing(true)} data-testid="course-edit">
              {t('tr.edit')}
            </button>
            <button type="button" class="btn btn-danger-quiet" onClick={() => setConfirm('delete')}>
              {t('common.delete')}
            </button>
          </div>
        </>
      )}
      <ErrorBox error={error} />
      <section class="tr-section">
        <h3>{t('tr.assignees')}</h3>
        {c.assignments.length === 0 && <p class="muted">{t('tr.noAssignments')}</p>}
        {c.assignments.length > 0 && (
          <ul class="ins-list" data-testid="course-assignments">
            {c.assignments.map((a) => (
              <li key={a.id} class="tr-assignee">
                <span>
                  {a.team_id !== null ? (
                    <>
                      <span class="badge">{t('tr.team')}</span> {a.team_name}
                    </>
                  ) : (
                    a.user_name
                  )}
                  <span class="muted">
                    {' '}
                    · {a.due_on ? t('tr.dueShort', { date: formatDate(a.due_on) }) : t('tr.noDue')} · {t('tr.assignedAt', { at: formatDateTime(a.assigned_at) })}
                  </span>
                </span>
                <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setConfirm(a.id)} data-testid="course-unassign">
                  {t('tr.unassign')}
                </button>
              </li>
            ))}
          </ul>
        )}
        <AssignForm course={c} onAssigned={changed} />
      </section>
      <CourseStatus id={id} version={version} />
      {confirm !== null && (
        <ConfirmModal
          title={confirm === 'delete' ? t('common.delete') : t('tr.unassign')}
          text={
            confirm === 'delete'
              ? t('tr.confirmDelete', { title: c.title })
              : t('tr.confirmUnassign', { name: (removing?.user_name ?? removing?.team_name) || '' })
          }
          confirmLabel={confirm === 'delete' ? t('common.delete') : t('tr.unassign')}
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            try {
              if (confirm === 'delete') {
                await api.del(`/courses/${id}`);
                setConfirm(null);
                onDeleted();
                return;
              }
              await api.del(`/courses/${id}/assignments/${confirm}`);
              setError(null);
              changed();
            } catch (e) {
              setError(e);
            }
            setConfirm(null);
          }}
        />
      )}
    </div>
  );
}

/** The problem's message when the API named this field, else null. */
function fieldProblem(error: unknown, field: string): string | null {
  if (error instanceof ApiError && error.problem.field === field) return error.problem.detail ?? error.message;
  return null;
}

function FieldError({ error, field }: { error: unknown; field: string }) {
  const message = fieldProblem(error, field);
  if (!message) return null;
  return (
    <span class="field-error" role="alert" data-testid={`field-error-${field}`}>
      {message}
    </span>
  );
}

/** Assign the course to teams and to single agents (found by name), with a due date. */
function AssignForm({ course, onAssigned }: { course: Course; onAssigned: () => void }) {
  const teams = useLoad(() => api.get<List<Team>>('/teams'), []);
  const usableTeams = (teams.data?.items ?? []).filter((tm) => tm.client_id === course.client_id || tm.kind === 'provider');
  const [q, setQ] = useState('');
  const [found, setFound] = useState<CourseCandidate[]>([]);
  const [searchError, setSearchError] = useState<unknown>(null);
  const [agents, setAgents] = useState<CourseCandidate[]>([]);
  const [teamIds, setTeamIds] = useState<number[]>([]);
  const [dueOn, setDueOn] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      api
        .get<List<CourseCandidate>>(`/courses/${course.id}/candidates${query({ q: q.trim() || undefined })}`)
        .then((r) => {
          if (live) {
            setFound(r.items);
            setSearchError(null);
          }
        })
        .catch((e) => live && setSearchError(e));
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [course.id, q]);

  const pick = (a: CourseCandidate) => {
    if (!agents.some((x) => x.user_id === a.user_id)) setAgents([...agents, a]);
  };
  const assign = async () => {
    setBusy(true);
    try {
      await api.post(`/courses/${course.id}/assignments`, { user_ids: agents.map((a) => a.user_id), team_ids: teamIds, due_on: dueOn });
      setAgents([]);
      setTeamIds([]);
      setDueOn(null);
      setError(null);
      onAssigned();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const general = error && !['user_ids', 'team_ids', 'due_on'].some((f) => fieldProblem(error, f)) ? error : null;

  return (
    <form class="form tr-assign" onSubmit={(e) => { e.preventDefault(); void assign(); }} data-testid="course-assign">
      <h4>{t('tr.assign')}</h4>
      <ErrorBox error={general} />
      <fieldset>
        <legend>{t('tr.assignTeams')}</legend>
        <div class="ins-checks">
          {usableTeams.map((tm) => (
            <label key={tm.id}>
              <input type="checkbox" checked={teamIds.includes(tm.id)} onChange={() => setTeamIds(teamIds.includes(tm.id) ? teamIds.filter((x) => x !== tm.id) : [...teamIds, tm.id])} />{' '}
              {tm.name}
            </label>
          ))}
        </div>
        <FieldError error={error} field="team_ids" />
      </fieldset>
      <fieldset>
        <legend>{t('tr.assignAgents')}</legend>
        {agents.length > 0 && (
          <ul class="tr-chips" data-testid="course-picked-agents">
            {agents.map((a) => (
              <li key={a.user_id}>
                {a.name}
                <button type="button" class="btn btn-small btn-quiet" aria-label={t('tr.removeAgent', { name: a.name })} onClick={() => setAgents(agents.filter((x) => x.user_id !== a.user_id))}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <Field label={t('tr.findAgent')}>
          <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder={t('tr.findAgentHint')} data-testid="course-agent-search" />
        </Field>
        <ErrorBox error={searchError} />
        <ul class="tr-candidates" data-testid="course-candidates">
          {found.length === 0 && <li class="muted">{t('tr.noCandidates')}</li>}
          {found.map((a) => {
            const picked = agents.some((x) => x.user_id === a.user_id);
            return (
              <li key={a.user_id}>
                <span>
                  {a.name} <span class="muted">· {a.email}{a.team_name ? ` · ${a.team_name}` : ''}</span>
                  {a.assigned && <span class="badge">{t('tr.alreadyAssigned')}</span>}
                </span>
                <button type="button" class="btn btn-small" disabled={picked} onClick={() => pick(a)} data-testid="course-candidate-pick">
                  {picked ? t('tr.picked') : t('tr.pick')}
                </button>
              </li>
            );
          })}
        </ul>
        <FieldError error={error} field="user_ids" />
      </fieldset>
      <Field label={t('tr.dueOn')}>
        <LocaleInput kind="date" value={dueOn} onValue={setDueOn} data-testid="course-due" />
      </Field>
      <FieldError error={error} field="due_on" />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy || (agents.length === 0 && teamIds.length === 0)} data-testid="course-assign-submit">
          {t('tr.assignSubmit')}
        </button>
      </div>
    </form>
  );
}

export function CoursePage({ params }: { params: Record<string, string> }) {
  const id = Number(params.id);
  const loaded = useLoad(() => api.get<Lesson>(`/courses/${id}/lesson`), [id]);
  const [lesson, setLesson] = useState<Lesson | null>(null);
  const [answers, setAnswers] = useState<Record<number, number[]>>({});
  const [result, setResult] = useState<CourseCheckResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const current = lesson ?? loaded.data;

  const call = async (path: string) => {
    try {
      setLesson(await api.post<Lesson>(path));
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  const submit = async () => {
    if (!current) return;
    try {
      const r = await api.post<CourseCheckResult>(`/courses/${id}/check`, {
        answers: current.questions.map((q) => ({ question_id: q.id, choices: answers[q.id] ?? [] })),
      });
      setResult(r);
      setError(null);
      setLesson(await api.get<Lesson>(`/courses/${id}/lesson`));
    } catch (e) {
      setError(e);
    }
  };
  const toggle = (q: number, c: number) => {
    const now = answers[q] ?? [];
    setAnswers({ ...answers, [q]: now.includes(c) ? now.filter((x) => x !== c) : [...now, c] });
  };

  return (
    <Page title={current?.title ?? t('tr.title')} testId="course-page">
      <p>
        <Link href="/training">← {t('tr.back')}</Link>
      </p>
      <ErrorBox error={error ?? loaded.error} />
      {!current && loaded.loading && <Loading />}
      {current && (
        <>
          {current.description && <p>{current.description}</p>}
          <p>
            <ProgressBadge progress={current.progress} /> {current.due_on && <span class="muted">{t('tr.due')}: {formatDate(current.due_on)}</span>}
          </p>
          {current.progress === 'not-started' && (
            <button type="button" class="btn btn-primary" onClick={() => void call(`/courses/${id}/start`)} data-testid="course-start">
              {t('tr.start')}
            </button>
          )}
          {current.articles.map((a) => (
            <article key={a.article_id} class="tr-article" data-testid="course-article">
              {a.available ? (
                <>
                  <h2>{a.title}</h2>
                  <div class="ins-prose" dangerouslySetInnerHTML={{ __html: a.body_html ?? '' }} />
                </>
              ) : (
                <p class="muted">{t('tr.unavailable')}</p>
              )}
              {a.read_at ? (
                <p class="muted">{t('tr.readAt', { at: formatDateTime(a.read_at) })}</p>
              ) : (
                <button type="button" class="btn btn-small" onClick={() => void call(`/courses/${id}/articles/${a.article_id}/read`)} data-testid="course-read">
                  {t('tr.markRead')}
                </button>
              )}
            </article>
          ))}
          {current.questions.length > 0 && current.progress !== 'passed' && (
            <form class="form" onSubmit={(e) => { e.preventDefault(); void submit(); }} data-testid="course-check">
              <h2>{t('tr.check')}</h2>
              <p class="muted">{t('tr.passMark', { n: current.pass_mark })}</p>
              {current.questions.map((q) => (
                <fieldset key={q.id} class="tr-question">
                  <legend>{q.text}</legend>
                  {q.choices.map((c, i) => (
                    <label key={i}>
                      <input type="checkbox" checked={(answers[q.id] ?? []).includes(i)} onChange={() => toggle(q.id, i)} /> {c}
                    </label>
                  ))}
                </fieldset>
              ))}
              <Field label="">
                <button type="submit" class="btn btn-primary" data-testid="course-submit">
                  {t('tr.submit')}
                </button>
              </Field>
            </form>
          )}
          {result && (
            <p role="status" data-testid="course-result">
              {t('tr.result', { score: result.score, mark: result.pass_mark })} {result.passed ? t('tr.passed') : t('tr.failed')}
            </p>
          )}
        </>
      )}
    </Page>
  );
}

type DraftQuestion = { text: string; choices: { text: string; correct: boolean }[] };
type PickedArticle = { article_id: number; title: string | null };

/** Find the client's published articles by search and add them to the course. */
function ArticleSearch({ clientId, picked, onPick }: { clientId: number; picked: PickedArticle[]; onPick: (a: PickedArticle) => void }) {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<ArticleHit[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const text = articleQuery(q);
    if (!text) {
      setHits([]);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api
        .get<List<ArticleHit>>(`/knowledge/search${query({ client_id: clientId, q: text, limit: 20 })}`)
        .then((r) => {
          if (!live) return;
          // One line per article (a hit per language otherwise).
          const seen = new Set<number>();
          setHits(r.items.filter((h) => !seen.has(h.article_id) && seen.add(h.article_id)));
          setError(null);
        })
        .catch((e) => live && setError(e));
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [clientId, q]);
  return (
    <div class="tr-article-search">
      <Field label={t('tr.findArticle')}>
        <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder={t('tr.findArticleHint')} data-testid="course-article-search" />
      </Field>
      <ErrorBox error={error} />
      {q.trim() && (
        <ul class="tr-candidates" data-testid="course-article-hits">
          {hits.length === 0 && <li class="muted">{t('tr.noArticles')}</li>}
          {hits.map((h) => {
            const inCourse = picked.some((p) => p.article_id === h.article_id);
            return (
              <li key={h.article_id}>
                <span>
                  {h.title} {h.language !== 'de' && <span class="badge">{h.language.toUpperCase()}</span>}
                </span>
                <button type="button" class="btn btn-small" disabled={inCourse} onClick={() => onPick({ article_id: h.article_id, title: h.title })} data-testid="course-article-add">
                  {inCourse ? t('tr.inCourse') : t('tr.add')}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** Writes a new course or changes one: title, description, ordered articles, the check. */
function CourseForm({ clientId, course, onClose, onSaved }: { clientId: number; course?: Course; onClose: () => void; onSaved: (course: Course) => void }) {
  const [title, setTitle] = useState(course?.title ?? '');
  const [description, setDescription] = useState(course?.description ?? '');
  const [passMark, setPassMark] = useState<number | null>(course?.pass_mark ?? 70);
  const [articles, setArticles] = useState<PickedArticle[]>(course?.articles.map((a) => ({ article_id: a.article_id, title: a.title })) ?? []);
  const [questions, setQuestions] = useState<DraftQuestion[]>(
    course?.questions.map((q) => ({ text: q.text, choices: q.choices.map((c) => ({ text: c.text, correct: c.correct })) })) ?? [],
  );
  const [teamIds, setTeamIds] = useState<number[]>([]);
  const [dueOn, setDueOn] = useState<string | null>(null);
  const teams = useLoad(() => (course ? Promise.resolve({ items: [] as Team[] }) : api.get<List<Team>>('/teams')), [course?.id]);
  const usableTeams = (teams.data?.items ?? []).filter((tm) => tm.client_id === clientId || tm.kind === 'provider');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const setQuestion = (i: number, q: DraftQuestion) => setQuestions(questions.map((x, j) => (j === i ? q : x)));
  const setChoice = (i: number, j: number, c: { text: string; correct: boolean }) => {
    const q = questions[i];
    if (q) setQuestion(i, { ...q, choices: q.choices.map((x, k) => (k === j ? c : x)) });
  };

  const save = async () => {
    setBusy(true);
    const fields = { title, description, pass_mark: passMark ?? 0, article_ids: articles.map((a) => a.article_id), questions };
    try {
      let saved: Course;
      if (course) {
        saved = await api.put<Course>(`/courses/${course.id}`, fields);
      } else {
        saved = await api.post<Course>('/courses', { client_id: clientId, ...fields });
        if (teamIds.length) saved = await api.post<Course>(`/courses/${saved.id}/assignments`, { team_ids: teamIds, due_on: dueOn });
      }
      setError(null);
      onSaved(saved);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  // Every field the form shows a problem at; any other problem goes on top.
  const shown = ['title', 'description', 'pass_mark', 'article_ids', 'questions', 'team_ids', 'due_on'];
  questions.forEach((q, i) => {
    shown.push(`questions[${i}].text`, `questions[${i}].choices`);
    q.choices.forEach((_, j) => shown.push(`questions[${i}].choices[${j}].text`));
  });
  const general = error && !shown.some((f) => fieldProblem(error, f)) ? error : null;

  return (
    <form class="form tr-form" onSubmit={(e) => { e.preventDefault(); void save(); }} data-testid="course-form">
      <h3>{course ? t('tr.editTitle', { title: course.title }) : t('tr.new')}</h3>
      <ErrorBox error={general} />
      <Field label={t('tr.titleField')}>
        <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} maxLength={200} data-testid="course-title" />
      </Field>
      <FieldError error={error} field="title" />
      <Field label={t('tr.description')}>
        <textarea value={description} onInput={(e) => setDescription(e.currentTarget.value)} maxLength={5000} data-testid="course-description" />
      </Field>
      <FieldError error={error} field="description" />
      <Field label={t('tr.passMarkField')}>
        <LocaleInput kind="integer" value={passMark} onValue={setPassMark} min={0} max={100} data-testid="course-pass-mark" />
      </Field>
      <FieldError error={error} field="pass_mark" />

      <fieldset>
        <legend>{t('tr.pickArticles')}</legend>
        {articles.length === 0 && <p class="muted">{t('tr.noArticlesYet')}</p>}
        <ol class="tr-article-list tr-article-edit" data-testid="course-articles">
          {articles.map((a, i) => (
            <li key={a.article_id}>
              <span class="tr-article-title">{a.title ?? <span class="muted">{t('tr.articleGone')}</span>}</span>
              <span class="tr-row-actions">
                <button type="button" class="btn btn-small" disabled={i === 0} onClick={() => setArticles(moved(articles, i, -1))} aria-label={t('tr.moveUp', { title: a.title ?? '' })} data-testid="course-article-up">
                  ↑
                </button>
                <button type="button" class="btn btn-small" disabled={i === articles.length - 1} onClick={() => setArticles(moved(articles, i, 1))} aria-label={t('tr.moveDown', { title: a.title ?? '' })} data-testid="course-article-down">
                  ↓
                </button>
                <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setArticles(articles.filter((x) => x.article_id !== a.article_id))} aria-label={t('tr.removeArticle', { title: a.title ?? '' })} data-testid="course-article-remove">
                  {t('tr.remove')}
                </button>
              </span>
            </li>
          ))}
        </ol>
        <FieldError error={error} field="article_ids" />
        <ArticleSearch clientId={clientId} picked={articles} onPick={(a) => setArticles([...articles, a])} />
      </fieldset>

      <fieldset>
        <legend>{t('tr.check')}</legend>
        {questions.length === 0 && <p class="muted">{t('tr.noQuestions')}</p>}
        {questions.map((q, i) => (
          <fieldset key={i} class="tr-question" data-testid="course-question">
            <legend>{t('tr.question', { n: i + 1 })}</legend>
            <Field label={t('tr.questionText')}>
              <input value={q.text} onInput={(e) => setQuestion(i, { ...q, text: e.currentTarget.value })} maxLength={1000} data-testid="course-question-text" />
            </Field>
            <FieldError error={error} field={`questions[${i}].text`} />
            <div class="tr-choices">
              {q.choices.map((c, j) => (
                <div class="tr-choice" key={j}>
                  <label class="tr-correct">
                    <input type="checkbox" checked={c.correct} onChange={() => setChoice(i, j, { ...c, correct: !c.correct })} data-testid="course-choice-correct" /> {t('tr.correct')}
                  </label>
                  <input
                    value={c.text}
                    onInput={(e) => setChoice(i, j, { ...c, text: e.currentTarget.value })}
                    maxLength={500}
                    aria-label={t('tr.choice', { n: j + 1 })}
                    data-testid="course-choice-text"
                  />
                  <button type="button" class="btn btn-small btn-quiet" onClick={() => setQuestion(i, { ...q, choices: q.choices.filter((_, k) => k !== j) })} aria-label={t('tr.removeChoice', { n: j + 1 })}>
                    ×
                  </button>
                  <FieldError error={error} field={`questions[${i}].choices[${j}].text`} />
                </div>
              ))}
            </div>
            <FieldError error={error} field={`questions[${i}].choices`} />
            <div class="instruction-actions">
              <button type="button" class="btn btn-small" onClick={() => setQuestion(i, { ...q, choices: [...q.choices, { text: '', correct: false }] })} data-testid="course-choice-add">
                {t('tr.addChoice')}
              </button>
              <button type="button" class="btn btn-small" disabled={i === 0} onClick={() => setQuestions(moved(questions, i, -1))} aria-label={t('tr.moveQuestionUp', { n: i + 1 })}>
                ↑
              </button>
              <button type="button" class="btn btn-small" disabled={i === questions.length - 1} onClick={() => setQuestions(moved(questions, i, 1))} aria-label={t('tr.moveQuestionDown', { n: i + 1 })}>
                ↓
              </button>
              <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setQuestions(questions.filter((_, j) => j !== i))} data-testid="course-question-remove">
                {t('tr.removeQuestion')}
              </button>
            </div>
          </fieldset>
        ))}
        <FieldError error={error} field="questions" />
        <p>
          <button
            type="button"
            class="btn btn-small"
            onClick={() => setQuestions([...questions, { text: '', choices: [{ text: '', correct: true }, { text: '', correct: false }] }])}
            data-testid="course-question-add"
          >
            {t('tr.addQuestion')}
          </button>
        </p>
      </fieldset>

      {!course && (
        <>
          <fieldset>
            <legend>{t('tr.assignTo')}</legend>
            <div class="ins-checks">
              {usableTeams.map((tm) => (
                <label key={tm.id}>
                  <input type="checkbox" checked={teamIds.includes(tm.id)} onChange={() => setTeamIds(teamIds.includes(tm.id) ? teamIds.filter((x) => x !== tm.id) : [...teamIds, tm.id])} /> {tm.name}
                </label>
              ))}
            </div>
            <FieldError error={error} field="team_ids" />
          </fieldset>
          <Field label={t('tr.dueOn')}>
            <LocaleInput kind="date" value={dueOn} onValue={setDueOn} />
          </Field>
          <FieldError error={error} field="due_on" />
        </>
      )}
      <div class="form-actions">
        <button type="button" class="btn" onClick={onClose}>
          {t('tr.cancel')}
        </button>
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="course-save">
          {course ? t('tr.save') : t('tr.create')}
        </button>
      </div>
    </form>
  );
}
