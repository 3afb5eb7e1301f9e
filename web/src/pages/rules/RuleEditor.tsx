// The rule editor (/admin/rules/:id, /admin/rules/new/:client): name,
// projects, event (with the schedule of time-based rules), the condition
// tree, the actions; saving makes a new version (guarded by
// `expected_version`); the versions with "restore"; the dry run. Project
// leads see the same page read-only.

import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type List } from '../../api';
import { formatDateTime, t, type MsgKey } from '../../i18n';
import { ErrorBox } from '../../components/ErrorBox';
import { Field } from '../../components/Field';
import { Link } from '../../components/Link';
import { LocaleInput } from '../../components/LocaleInput';
import { ConfirmModal } from '../../components/Modal';
import { Loading, Page } from '../../components/Page';
import { useLoad } from '../../components/useLoad';
import type { Params } from '../../router';
import { navigate } from '../../router';
import { useSession } from '../../session';
import { ActionsEditor, actionProblem, newAction } from './ActionsEditor';
import { ConditionEditor } from './ConditionEditor';
import { DryRunPanel } from './DryRunPanel';
import { RULE_EVENTS, type RuleEvent } from './events';
import { SCHEDULE_SINCE, type AnyAction, type RuleInputWithSchedule, type RuleVersionWithSchedule, type RuleWithSchedule, type Schedule, type ScheduleSince } from './pendingActions';
import { ActiveConfirm, managesRules } from './RulesPage';
import { clientProjects, useRuleRefs, type Refs } from './refs';
import { businessDayMinutes, fromApi, incompleteLeaves, joinMinutes, splitMinutes, toApi, type ApiNode, type UiGroup } from './ruleModel';

/** The parts of the form a 422's `field` can name. */
const FORM_FIELDS = ['name', 'project_ids', 'event', 'schedule', 'conditions', 'actions'] as const;
type FormField = (typeof FORM_FIELDS)[number];

export function RuleEditPage({ params }: { params: Params }) {
  const id = Number(params.id);
  const rule = useLoad(() => api.get<RuleWithSchedule>(`/rules/${id}`), [id]);
  const [generation, setGeneration] = useState(0);
  if (rule.error) {
    return (
      <Page title={t('rules.rule')} testId="rule-page">
        <ErrorBox error={rule.error} />
        <Link href="/admin/rules">{t('rules.back')}</Link>
      </Page>
    );
  }
  if (!rule.data) return <Loading />;
  return (
    <RuleEditor
      key={`${rule.data.id}-${rule.data.version}-${generation}`}
      clientId={rule.data.client_id}
      rule={rule.data}
      reload={async () => {
        await rule.reload();
        setGeneration((g) => g + 1);
      }}
    />
  );
}

export function RuleNewPage({ params }: { params: Params }) {
  const { me } = useSession();
  const clientId = Number(params.client);
  if (!managesRules(me, clientId)) {
    return (
      <Page title={t('rules.new')} testId="rule-page">
        <p class="muted">{t('rules.helpReadOnly')}</p>
        <Link href="/admin/rules">{t('rules.back')}</Link>
      </Page>
    );
  }
  return <RuleEditor clientId={clientId} rule={null} reload={async () => undefined} />;
}

const DEFAULT_SCHEDULE: Schedule = { since: 'status-changed', minutes: 3 * 24 * 60, calendar_id: null };

function RuleEditor(props: { clientId: number; rule: RuleWithSchedule | null; reload: () => Promise<void> }) {
  const { me } = useSession();
  const r = props.rule;
  const manage = managesRules(me, props.clientId);
  const readOnly = !manage;
  const [name, setName] = useState(r?.name ?? '');
  const [projectIds, setProjectIds] = useState<number[]>(r?.project_ids ?? []);
  const [event, setEvent] = useState<RuleEvent>(r?.event ?? 'case-created');
  const [schedule, setSchedule] = useState<Schedule>(r?.schedule ?? DEFAULT_SCHEDULE);
  const [tree, setTree] = useState<UiGroup>(() => fromApi(r?.conditions as ApiNode | undefined));
  const [actions, setActions] = useState<AnyAction[]>(r?.actions ?? [newAction('set-priority')]);
  const [active, setActive] = useState(r?.active ?? false);
  const [dirty, setDirty] = useState(false);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<FormField, string>>>({});
  const [conflict, setConflict] = useState(false);
  const [saved, setSaved] = useState<number | null>(null);
  const [switching, setSwitching] = useState(false);
  const refs = useRuleRefs(me, props.clientId, projectIds, manage);
  const projects = clientProjects(me, props.clientId);
  const change =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setDirty(true);
      setSaved(null);
    };

  // Leaving with unsaved changes asks first (the browser's own prompt).
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const save = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setError(null);
    setFieldErrors({});
    setConflict(false);
    // The app's own messages, in the UI's language (the form does not use the browser's).
    const missing: Partial<Record<FormField, string>> = {};
    if (!name.trim()) missing.name = t('input.required');
    if (incompleteLeaves(tree).length) missing.conditions = t('rules.fixConditions');
    if (actions.length === 0) missing.actions = t('rules.needAction');
    else if (actions.some((a) => actionProblem(a))) missing.actions = t('rules.fixActions');
    if (Object.keys(missing).length) {
      setFieldErrors(missing);
      return;
    }
    const body: RuleInputWithSchedule = {
      name: name.trim(),
      project_ids: projectIds,
      event,
      conditions: toApi(tree) as RuleInputWithSchedule['conditions'],
      actions: actions.map(clean),
      ...(event === 'time-based' ? { schedule } : {}),
      ...(r ? { expected_version: r.version } : { client_id: props.clientId }),
    };
    setBusy(true);
    try {
      const done = r ? await api.put<RuleWithSchedule>(`/rules/${r.id}`, body) : await api.post<RuleWithSchedule>('/rules', body);
      setDirty(false);
      if (!r) {
        navigate(`/admin/rules/${done.id}`, true);
        return;
      }
      setSaved(done.version);
      await props.reload();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'rule-version-conflict') setConflict(true);
      else if (err instanceof ApiError && err.problem.field && (FORM_FIELDS as readonly string[]).includes(err.problem.field.split(/[.[]/)[0])) {
        setFieldErrors({ [err.problem.field.split(/[.[]/)[0]]: err.problem.detail ?? '' });
      } else setError(err);
    } finally {
      setBusy(false);
    }
  };

  const title = r ? (readOnly ? t('rules.viewTitle', { name: r.name }) : t('rules.editTitle', { name: r.name })) : t('rules.new');
  return (
    <Page title={title} testId="rule-page" wide>
      <p>
        <Link href="/admin/rules">← {t('rules.back')}</Link>
      </p>
      {readOnly && (
        <p class="alert alert-info" data-testid="rule-readonly">
          {t('rules.readOnly')}
        </p>
      )}
      {r && (
        <div class="rule-status">
          <span data-testid="rule-version">{t('rules.versionNow', { n: r.version })}</span>
          <span data-testid="rule-state">{t(active ? 'rules.isActive' : 'rules.isInactive')}</span>
          {manage && (
            <button type="button" class={active ? 'btn' : 'btn btn-primary'} onClick={() => setSwitching(true)} data-testid="rule-toggle">
              {t(active ? 'rules.deactivate' : 'rules.activate')}
            </button>
          )}
        </div>
      )}
      {conflict && (
        <div class="alert alert-error" role="alert" data-testid="rule-conflict">
          {t('rules.conflict')}{' '}
          <button type="button" class="btn btn-small" onClick={() => void props.reload()} data-testid="rule-conflict-reload">
            {t('rules.reload')}
          </button>
        </div>
      )}
      <ErrorBox error={error} />
      <form class="rule-form" onSubmit={save} data-testid="rule-form" noValidate>
        <section class="card">
          <Field label={t('rules.name')}>
            <input value={name} onInput={(e) => change(setName)(e.currentTarget.value)} required maxLength={200} disabled={readOnly} data-testid="rule-name" aria-invalid={fieldErrors.name ? true : undefined} />
          </Field>
          <FieldError text={fieldErrors.name} />
          <fieldset class="rule-choice-list rule-projects" data-testid="rule-projects">
            <legend class="field-label">{t('rules.projects')}</legend>
            <span class="muted small">{t('rules.projectsHelp')}</span>
            {projects.map((p) => (
              <label key={p.id} class="checkbox">
                <input
                  type="checkbox"
                  checked={projectIds.includes(p.id)}
                  disabled={readOnly}
                  onChange={(e) => change(setProjectIds)(e.currentTarget.checked ? [...projectIds, p.id] : projectIds.filter((x) => x !== p.id))}
                />{' '}
                {p.name}
              </label>
            ))}
          </fieldset>
          <FieldError text={fieldErrors.project_ids} />
          <Field label={t('rules.event')}>
            <select value={event} onChange={(e) => change(setEvent)(e.currentTarget.value as RuleEvent)} disabled={readOnly} data-testid="rule-event">
              {RULE_EVENTS.map((ev) => (
                <option key={ev} value={ev}>
                  {t(`rules.event.${ev}` as MsgKey)}
                </option>
              ))}
            </select>
          </Field>
          <p class="muted small">{t(`rules.eventHelp.${event}` as MsgKey)}</p>
          <FieldError text={fieldErrors.event} />
          {event === 'time-based' && <ScheduleForm schedule={schedule} onChange={change(setSchedule)} refs={refs} readOnly={readOnly} />}
          <FieldError text={fieldErrors.schedule} />
        </section>
        <section class="card">
          <h2>{t('rules.conditions')}</h2>
          <ConditionEditor root={tree} onChange={change(setTree)} refs={refs} readOnly={readOnly} showIncomplete={tried} />
          <FieldError text={fieldErrors.conditions} testId="rule-conditions-error" />
        </section>
        <section class="card">
          <h2>{t('rules.actions')}</h2>
          <ActionsEditor actions={actions} onChange={change(setActions)} refs={refs} readOnly={readOnly} showProblems={tried} />
          <FieldError text={fieldErrors.actions} testId="rule-actions-error" />
        </section>
        {manage && (
          <div class="form-actions rule-save">
            {saved !== null && (
              <span class="muted" role="status" data-testid="rule-saved">
                {t('rules.savedVersion', { n: saved })}
              </span>
            )}
            {dirty && <span class="muted small">{t('rules.unsaved')}</span>}
            <button type="submit" class="btn btn-primary" disabled={busy} data-testid="rule-save">
              {busy ? t('common.saving') : r ? t('rules.saveVersion') : t('rules.create')}
            </button>
          </div>
        )}
      </form>
      {r && <Versions rule={r} manage={manage} refs={refs} onRestored={props.reload} />}
      {manage && <DryRunPanel clientId={props.clientId} ruleId={r?.id ?? null} ruleName={r?.name ?? name} event={event} dirty={dirty} refs={refs} />}
      {switching && r && (
        <ActiveConfirm
          rule={{ id: r.id, name: r.name, active }}
          onClose={() => setSwitching(false)}
          onDone={(x) => {
            setActive(x.active);
          }}
        />
      )}
    </Page>
  );
}

/** What goes to the server: `email` of notify-users only when set (today's server refuses unknown fields). */
function clean(a: AnyAction): AnyAction {
  if (a.type === 'notify-users' && !a.email) {
    const { email: _email, ...rest } = a;
    return rest;
  }
  if (a.type === 'add-tags' || a.type === 'remove-tags') return { ...a, tags: a.tags.map((x) => x.trim()).filter(Boolean) };
  return a;
}

function FieldError(props: { text?: string; testId?: string }) {
  if (!props.text) return null;
  return (
    <p class="field-error" role="alert" data-testid={props.testId}>
      {props.text}
    </p>
  );
}

/** The schedule of a time-based rule: since when, how long (days, hours, minutes), on which calendar. */
function ScheduleForm(props: { schedule: Schedule; onChange: (s: Schedule) => void; refs: Refs; readOnly: boolean }) {
  const s = props.schedule;
  const calendar = props.refs.calendars.find((c) => c.id === s.calendar_id);
  const perDay = calendar ? businessDayMinutes(calendar.hours) : 1440;
  const span = splitMinutes(s.minutes, perDay);
  const setSpan = (part: 'days' | 'hours' | 'minutes', v: number | null) => props.onChange({ ...s, minutes: joinMinutes({ ...span, [part]: v ?? 0 }, perDay) });
  return (
    <fieldset class="rule-schedule" data-testid="rule-schedule">
      <legend>{t('rules.schedule')}</legend>
      <Field label={t('rules.scheduleSince')}>
        <select value={s.since} disabled={props.readOnly} onChange={(e) => props.onChange({ ...s, since: e.currentTarget.value as ScheduleSince })} data-testid="rule-schedule-since">
          {SCHEDULE_SINCE.map((x) => (
            <option key={x} value={x}>
              {t(`rules.since.${x}` as MsgKey)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('rules.scheduleCalendar')}>
        <select
          value={s.calendar_id ?? ''}
          disabled={props.readOnly}
          onChange={(e) => props.onChange({ ...s, calendar_id: e.currentTarget.value ? Number(e.currentTarget.value) : null })}
          data-testid="rule-schedule-calendar"
        >
          <option value="">{t('rules.wallClock')}</option>
          {props.refs.calendars.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </Field>
      <div class="rule-span">
        <Field label={t(calendar ? 'rules.businessDays' : 'rules.days')}>
          <LocaleInput kind="integer" value={span.days} min={0} max={365} onValue={(v) => setSpan('days', v)} disabled={props.readOnly} data-testid="rule-schedule-days" />
        </Field>
        <Field label={t('rules.hours')}>
          <LocaleInput kind="integer" value={span.hours} min={0} max={999} onValue={(v) => setSpan('hours', v)} disabled={props.readOnly} data-testid="rule-schedule-hours" />
        </Field>
        <Field label={t('rules.minutes')}>
          <LocaleInput kind="integer" value={span.minutes} min={0} max={59} onValue={(v) => setSpan('minutes', v)} disabled={props.readOnly} data-testid="rule-schedule-minutes" />
        </Field>
      </div>
      <p class="muted small">
        {calendar
          ? t('rules.businessDayIs', { calendar: calendar.name, hours: Math.floor(perDay / 60), minutes: perDay % 60 })
          : t('rules.wallClockHelp')}{' '}
        {t('rules.scheduleTotal', { n: s.minutes })}
      </p>
    </fieldset>
  );
}

function Versions(props: { rule: RuleWithSchedule; manage: boolean; refs: Refs; onRestored: () => Promise<void> }) {
  const list = useLoad(() => api.get<List<RuleVersionWithSchedule>>(`/rules/${props.rule.id}/versions`), [props.rule.id, props.rule.version]);
  const [restoring, setRestoring] = useState<RuleVersionWithSchedule | null>(null);
  return (
    <section class="card rule-versions" data-testid="rule-versions">
      <h2>{t('rules.versions')}</h2>
      <ErrorBox error={list.error} />
      {list.data && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('rules.version')}</th>
                <th scope="col">{t('rules.savedBy')}</th>
                <th scope="col">{t('rules.savedAt')}</th>
                <th scope="col">{t('rules.name')}</th>
                {props.manage && <th scope="col" />}
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((v) => (
                <tr key={v.id} data-testid="rule-version-row">
                  <td>
                    {v.version}
                    {v.version === props.rule.version && <span class="muted"> ({t('rules.current')})</span>}
                  </td>
                  <td>{v.created_by_name ?? (v.created_by === null ? t('audit.system') : t('rules.unknownUser'))}</td>
                  <td class="nowrap">{formatDateTime(v.created_at)}</td>
                  <td>{v.name}</td>
                  {props.manage && (
                    <td>
                      {v.version !== props.rule.version && (
                        <button type="button" class="btn btn-small" onClick={() => setRestoring(v)} data-testid="rule-restore">
                          {t('rules.restore')}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {restoring && (
        <ConfirmModal
          title={t('rules.restore')}
          text={t('rules.confirmRestore', { n: restoring.version, next: props.rule.version + 1 })}
          confirmLabel={t('rules.restore')}
          onClose={() => setRestoring(null)}
          onConfirm={async () => {
            await api.post(`/rules/${props.rule.id}/versions/${restoring.version}/restore`, {});
            await props.onRestored();
          }}
        />
      )}
    </section>
  );
}
