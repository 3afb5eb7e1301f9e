// Training: an agent's courses and course page (articles to read, the
// check), and for editors (client admins, project leads) the client's
// courses with each assigned agent's state. Courses are written through
// a form here (articles, questions, teams and a due date); assigning
// single agents and changing a course are API-only so far.

import { useState } from 'preact/hooks';
import { api, query, type AgentStatus, type ArticleSummary, type Team, type CourseCheckResult, type CourseSummary, type Lesson, type List, type MyCourse, type Progress } from '../api';
import { formatDate, formatDateTime, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { LocaleInput } from '../components/LocaleInput';
import { Empty, Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { useSession } from '../session';
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
        <NewCourseForm clientId={clientId} onClose={() => setCreating(false)} onCreated={() => { setCreating(false); void list.reload(); }} />
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
                    <button type="button" class="ins-link" onClick={() => setOpen(open === c.id ? null : c.id)} aria-expanded={open === c.id}>
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
      {open !== null && <CourseStatus id={open} />}
    </section>
  );
}

function CourseStatus({ id }: { id: number }) {
  const status = useLoad(() => api.get<List<AgentStatus>>(`/courses/${id}/status`), [id]);
  return (
    <div class="ins-card">
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
                <th scope="col" class="num">{t('tr.score')}</th>
                <th scope="col" class="num">{t('tr.attempts')}</th>
              </tr>
            </thead>
            <tbody>
              {status.data.items.map((s) => (
                <tr key={s.user_id}>
                  <td>
                    {s.name}
                    <div class="muted">{t('tr.articlesRead', { read: s.articles_read, total: s.article_count })}</div>
                  </td>
                  <td>
                    <Due due={s.due_on} overdue={s.overdue} />
                  </td>
                  <td>
                    <ProgressBadge progress={s.progress} />
                    {s.passed_at && <div class="muted">{formatDateTime(s.passed_at)}</div>}
                  </td>
                  <td class="num">{s.score === null ? '—' : t('tr.percent', { n: s.score })}</td>
                  <td class="num">{s.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
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

function NewCourseForm({ clientId, onClose, onCreated }: { clientId: number; onClose: () => void; onCreated: () => void }) {
  const articles = useLoad(() => api.get<List<ArticleSummary>>(`/knowledge/articles${query({ client_id: clientId })}`), [clientId]);
  const teams = useLoad(() => api.get<List<Team>>('/teams'), []);
  const published = (articles.data?.items ?? []).filter((a) => a.titles.some((x) => x.published));
  const usableTeams = (teams.data?.items ?? []).filter((tm) => tm.client_id === clientId || tm.kind === 'provider');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [passMark, setPassMark] = useState<number | null>(70);
  const [picked, setPicked] = useState<number[]>([]);
  const [questions, setQuestions] = useState<DraftQuestion[]>([]);
  const [teamIds, setTeamIds] = useState<number[]>([]);
  const [dueOn, setDueOn] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const toggle = (ids: number[], id: number) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]);
  const setQuestion = (i: number, q: DraftQuestion) => setQuestions(questions.map((x, j) => (j === i ? q : x)));

  const save = async () => {
    try {
      const course = await api.post<{ id: number }>('/courses', {
        client_id: clientId,
        title,
        description,
        pass_mark: passMark ?? 0,
        article_ids: picked,
        questions,
      });
      if (teamIds.length) await api.post(`/courses/${course.id}/assignments`, { team_ids: teamIds, due_on: dueOn });
      onCreated();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <form class="ins-card form" onSubmit={(e) => { e.preventDefault(); void save(); }} data-testid="course-form">
      <h3>{t('tr.new')}</h3>
      <ErrorBox error={error ?? articles.error} />
      <Field label={t('tr.titleField')}>
        <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} required maxLength={200} />
      </Field>
      <Field label={t('tr.description')}>
        <textarea value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </Field>
      <Field label={t('tr.passMarkField')}>
        <LocaleInput kind="integer" value={passMark} onValue={setPassMark} min={0} max={100} required />
      </Field>
      <fieldset>
        <legend>{t('tr.pickArticles')}</legend>
        <div class="ins-checks">
          {published.map((a) => (
            <label key={a.id}>
              <input type="checkbox" checked={picked.includes(a.id)} onChange={() => setPicked(toggle(picked, a.id))} />{' '}
              {picked.includes(a.id) && `${picked.indexOf(a.id) + 1}. `}
              {a.titles[0]?.title}
            </label>
          ))}
        </div>
      </fieldset>
      {questions.map((q, i) => (
        <fieldset key={i} class="tr-question">
          <legend>{t('tr.question', { n: i + 1 })}</legend>
          <input value={q.text} onInput={(e) => setQuestion(i, { ...q, text: e.currentTarget.value })} required aria-label={t('tr.question', { n: i + 1 })} />
          {q.choices.map((c, j) => (
            <label key={j}>
              <input
                type="checkbox"
                checked={c.correct}
                onChange={() => setQuestion(i, { ...q, choices: q.choices.map((x, k) => (k === j ? { ...x, correct: !x.correct } : x)) })}
              />{' '}
              {t('tr.correct')}
              <input value={c.text} onInput={(e) => setQuestion(i, { ...q, choices: q.choices.map((x, k) => (k === j ? { ...x, text: e.currentTarget.value } : x)) })} required />
            </label>
          ))}
          <div class="instruction-actions">
            <button type="button" class="btn btn-small" onClick={() => setQuestion(i, { ...q, choices: [...q.choices, { text: '', correct: false }] })}>
              {t('tr.addChoice')}
            </button>
            <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setQuestions(questions.filter((_, j) => j !== i))}>
              {t('tr.remove')}
            </button>
          </div>
        </fieldset>
      ))}
      <p>
        <button
          type="button"
          class="btn btn-small"
          onClick={() => setQuestions([...questions, { text: '', choices: [{ text: '', correct: true }, { text: '', correct: false }] }])}
        >
          {t('tr.addQuestion')}
        </button>
      </p>
      <fieldset>
        <legend>{t('tr.assignTo')}</legend>
        <div class="ins-checks">
          {usableTeams.map((tm) => (
            <label key={tm.id}>
              <input type="checkbox" checked={teamIds.includes(tm.id)} onChange={() => setTeamIds(toggle(teamIds, tm.id))} /> {tm.name}
            </label>
          ))}
        </div>
      </fieldset>
      <Field label={t('tr.dueOn')}>
        <LocaleInput kind="date" value={dueOn} onValue={setDueOn} />
      </Field>
      <div class="form-actions">
        <button type="button" class="btn" onClick={onClose}>
          {t('tr.cancel')}
        </button>
        <button type="submit" class="btn btn-primary">
          {t('tr.create')}
        </button>
      </div>
    </form>
  );
}
