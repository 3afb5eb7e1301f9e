// Distribution between the client's own team and the provider (issue 15):
// per project, which team takes new cases of each topic and channel (with
// shares), overflow to the provider, and what a change does to open cases.
// Client admins edit; project leads read.

import { useEffect, useState } from 'preact/hooks';
import {
  CHANNELS,
  api,
  query,
  type BusinessCalendar,
  type Channel,
  type DistributionEntry,
  type DistributionOverflow,
  type DistributionPlan,
  type DistributionPlanVersion,
  type DistributionTeam,
  type List,
  type OpenCasesChoice,
  type PlanSaved,
} from '../api';
import { formatDateTime, t } from '../i18n';
import { ErrorBox } from '../components/ErrorBox';
import { Field } from '../components/Field';
import { LocaleInput } from '../components/LocaleInput';
import { ConfirmModal } from '../components/Modal';
import { Loading, Page } from '../components/Page';
import { useLoad } from '../components/useLoad';
import { useSession } from '../session';
import { useProjectData } from '../components/caseBits';
import { distributionProjects } from '../access';

const TEAMS: DistributionTeam[] = ['client', 'provider-basic', 'provider-pro'];
const PROVIDER_TEAMS: DistributionTeam[] = ['provider-basic', 'provider-pro'];
const CHOICES: OpenCasesChoice[] = ['leave', 'move-unassigned', 'move-all'];

/** Projects whose plan the server lets `me` read (`can.view_distribution` in /me). */


export function DistributionPage() {
  const { me } = useSession();
  const projects = distributionProjects(me);
  const [projectId, setProjectId] = useState<number | null>(projects[0]?.id ?? null);
  const [saved, setSaved] = useState<PlanSaved | null>(null);
  const [removed, setRemoved] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const project = projects.find((p) => p.id === projectId);
  const manage = project?.can.manage_distribution ?? false;
  const plan = useLoad(
    () => (projectId ? api.get<DistributionPlan>(`/projects/${projectId}/distribution`) : Promise.resolve(null)),
    [projectId],
  );
  const versions = useLoad(
    () => (projectId ? api.get<List<DistributionPlanVersion>>(`/projects/${projectId}/distribution/versions`) : Promise.resolve({ items: [] })),
    [projectId],
  );
  // A move of open cases runs in the background: the versions list counts
  // it up until it is done.
  const moving = versions.data?.items.some((v) => v.moving) ?? false;
  useEffect(() => {
    if (!moving) return;
    const timer = window.setTimeout(() => void versions.reload(), 1500);
    return () => window.clearTimeout(timer);
  }, [moving, versions.data]);
  const calendars = useLoad(
    () =>
      project && manage
        ? api.get<List<BusinessCalendar>>(`/calendars${query({ client_id: project.client_id })}`)
        : Promise.resolve({ items: [] as BusinessCalendar[] }),
    [project?.client_id, manage],
  );

  return (
    <Page title={t('dist.title')} testId="distribution-page" wide>
      <p class="muted">{t('dist.help')}</p>
      <Field label={t('dist.project')}>
        <select
          value={projectId ?? ''}
          onChange={(e) => {
            setProjectId(Number(e.currentTarget.value));
            setSaved(null);
            setRemoved(false);
          }}
          data-testid="dist-project"
        >
          {projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.client_name} – {p.name}
            </option>
          ))}
        </select>
      </Field>
      <ErrorBox error={plan.error} />
      {plan.loading && !plan.data && <Loading />}
      {plan.data && projectId && (
        <PlanEditor
          key={`${projectId}-${plan.data.version}`}
          projectId={projectId}
          plan={plan.data}
          calendars={calendars.data?.items ?? []}
          manage={manage}
          onSaved={(result) => {
            setSaved(result);
            setRemoved(false);
            void plan.reload();
            void versions.reload();
          }}
        />
      )}
      {saved && (
        <p class="muted" role="status" data-testid="dist-saved">
          {saved.moving ? t('dist.savedMoving') : t('dist.saved', { n: saved.moved })}
        </p>
      )}
      {removed && (
        <p class="muted" role="status" data-testid="dist-removed">
          {t('dist.removed')}
        </p>
      )}
      {manage && plan.data && plan.data.version > 0 && projectId && (
        <div class="form-actions">
          <button type="button" class="btn btn-danger" onClick={() => setConfirmRemove(true)} data-testid="dist-remove-plan">
            {t('dist.removePlan')}
          </button>
        </div>
      )}
      {confirmRemove && plan.data && projectId && (
        <ConfirmModal
          title={t('dist.removePlan')}
          text={t('dist.removeConfirm', { project: project?.name ?? '' })}
          confirmLabel={t('dist.removePlan')}
          onClose={() => setConfirmRemove(false)}
          onConfirm={async () => {
            await api.del(`/projects/${projectId}/distribution${query({ expected_version: plan.data?.version })}`);
            setConfirmRemove(false);
            setSaved(null);
            setRemoved(true);
            void plan.reload();
            void versions.reload();
          }}
        />
      )}
      {versions.data && versions.data.items.length > 0 && (
        <section class="dist-versions">
          <h2>{t('dist.versions')}</h2>
          <ul data-testid="dist-versions">
            {versions.data.items.map((v) => (
              <li key={v.version}>
                {t('dist.versionLine', {
                  version: v.version,
                  who: v.changed_by_name,
                  at: formatDateTime(v.changed_at),
                  choice: t(`dist.choice.${v.open_cases}`),
                  n: v.moved,
                })}
                {v.moving && (
                  <span class="badge" data-testid="dist-moving">
                    {' '}
                    {t('dist.moving')}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </Page>
  );
}

/** The plan as a table (read-only unless `manage`), with overflow rules and the save; also the live monitor's. */
export function PlanEditor(props: {
  projectId: number;
  plan: DistributionPlan;
  calendars: BusinessCalendar[];
  manage: boolean;
  onSaved: (saved: PlanSaved) => void;
}) {
  const { topics } = useProjectData(props.projectId);
  const [entries, setEntries] = useState<DistributionEntry[]>(props.plan.entries);
  const [overflow, setOverflow] = useState<DistributionOverflow[]>(props.plan.overflow);
  const [choice, setChoice] = useState<OpenCasesChoice>('leave');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ro = !props.manage;
  useEffect(() => setError(null), [entries, overflow]);

  const setEntry = (i: number, patch: Partial<DistributionEntry>) => setEntries(entries.map((e, j) => (j === i ? { ...e, ...patch } : e)));
  const setRule = (i: number, patch: Partial<DistributionOverflow>) => setOverflow(overflow.map((o, j) => (j === i ? { ...o, ...patch } : o)));
  const topicName = (id: number | null | undefined) => (id == null ? t('dist.anyTopic') : (topics.find((x) => x.id === id)?.name ?? `#${id}`));

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await api.put<PlanSaved>(`/projects/${props.projectId}/distribution`, {
        entries,
        overflow,
        open_cases: choice,
        expected_version: props.plan.version,
      });
      props.onSaved(result);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="dist-editor">
      <p class="muted" data-testid="dist-version">
        {props.plan.version === 0
          ? t('dist.noPlan')
          : t('dist.current', { version: props.plan.version, who: props.plan.changed_by_name ?? '', at: formatDateTime(props.plan.changed_at) })}
      </p>
      <h2>{t('dist.entries')}</h2>
      <p class="muted">{t('dist.entriesHelp')}</p>
      <div class="table-wrap">
        <table class="table dist-table" data-testid="dist-entries">
          <thead>
            <tr>
              <th scope="col">{t('dist.topic')}</th>
              <th scope="col">{t('dist.channel')}</th>
              <th scope="col">{t('dist.team')}</th>
              <th scope="col">{t('dist.share')}</th>
              {!ro && <th scope="col" />}
            </tr>
          </thead>
          <tbody>
            {entries.length === 0 && (
              <tr>
                <td colSpan={ro ? 4 : 5} class="muted">
                  {t('dist.noEntries')}
                </td>
              </tr>
            )}
            {entries.map((e, i) => (
              <tr key={i} data-testid="dist-entry">
                <td>
                  {ro ? (
                    topicName(e.topic_id)
                  ) : (
                    <select
                      value={e.topic_id ?? ''}
                      aria-label={t('dist.topic')}
                      data-testid="dist-entry-topic"
                      onChange={(ev) => setEntry(i, { topic_id: ev.currentTarget.value ? Number(ev.currentTarget.value) : null })}
                    >
                      <option value="">{t('dist.anyTopic')}</option>
                      {topics.map((x) => (
                        <option key={x.id} value={x.id}>
                          {x.name}
                        </option>
                      ))}
                    </select>
                  )}
                </td>
                <td>
                  {ro ? (
                    e.channel ? t(`channel.${e.channel}`) : t('dist.anyChannel')
                  ) : (
                    <select
                      value={e.channel ?? ''}
                      aria-label={t('dist.channel')}
                      data-testid="dist-entry-channel"
                      onChange={(ev) => setEntry(i, { channel: (ev.currentTarget.value || null) as Channel | null })}
                    >
                      <option value="">{t('dist.anyChannel')}</option>
                      {CHANNELS.map((c) => (
                        <option key={c} value={c}>
                          {t(`channel.${c}`)}
                        </option>
                      ))}
                    </select>
                  )}
                </td>
                <td>
                  {ro ? (
                    t(`dist.team.${e.team}`)
                  ) : (
                    <select
                      value={e.team}
                      aria-label={t('dist.team')}
                      data-testid="dist-entry-team"
                      onChange={(ev) => setEntry(i, { team: ev.currentTarget.value as DistributionTeam })}
                    >
                      {TEAMS.map((team) => (
                        <option key={team} value={team}>
                          {t(`dist.team.${team}`)}
                        </option>
                      ))}
                    </select>
                  )}
                </td>
                <td>
                  {ro ? (
                    `${e.share_percent} %`
                  ) : (
                    <LocaleInput
                      kind="integer"
                      value={e.share_percent}
                      min={1}
                      max={100}
                      aria-label={t('dist.share')}
                      data-testid="dist-entry-share"
                      onValue={(v) => setEntry(i, { share_percent: v ?? 0 })}
                    />
                  )}
                </td>
                {!ro && (
                  <td>
                    <button type="button" class="btn btn-small" onClick={() => setEntries(entries.filter((_, j) => j !== i))}>
                      {t('dist.remove')}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!ro && (
        <button
          type="button"
          class="btn"
          data-testid="dist-add-entry"
          onClick={() => setEntries([...entries, { topic_id: null, channel: null, team: 'provider-basic', share_percent: 100 }])}
        >
          {t('dist.addEntry')}
        </button>
      )}

      <h2>{t('dist.overflow')}</h2>
      <p class="muted">{t('dist.overflowHelp')}</p>
      {overflow.length === 0 && <p class="muted">{t('dist.noOverflow')}</p>}
      <ul class="dist-overflow" data-testid="dist-overflow">
        {overflow.map((o, i) => (
          <li key={i} class="dist-rule">
            {ro ? (
              <span>
                {o.kind === 'queue-over'
                  ? t('dist.rule.queue', { n: o.threshold ?? 0, team: t(`dist.team.${o.to_team}`) })
                  : t('dist.rule.hours', { team: t(`dist.team.${o.to_team}`) })}
              </span>
            ) : (
              <>
                <select
                  value={o.kind}
                  aria-label={t('dist.ruleKind')}
                  onChange={(ev) => {
                    const kind = ev.currentTarget.value as DistributionOverflow['kind'];
                    setRule(i, kind === 'queue-over' ? { kind, threshold: 20, calendar_id: null } : { kind, threshold: null, calendar_id: props.calendars[0]?.id ?? null });
                  }}
                >
                  <option value="queue-over">{t('dist.kind.queue-over')}</option>
                  <option value="outside-hours">{t('dist.kind.outside-hours')}</option>
                </select>
                {o.kind === 'queue-over' ? (
                  <LocaleInput kind="integer" value={o.threshold ?? null} min={0} max={100000} aria-label={t('dist.threshold')} onValue={(v) => setRule(i, { threshold: v })} />
                ) : (
                  <select value={o.calendar_id ?? ''} aria-label={t('dist.calendar')} onChange={(ev) => setRule(i, { calendar_id: Number(ev.currentTarget.value) || null })}>
                    <option value="">{t('dist.chooseCalendar')}</option>
                    {props.calendars.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.name}
                      </option>
                    ))}
                  </select>
                )}
                <span>→</span>
                <select value={o.to_team} aria-label={t('dist.toTeam')} onChange={(ev) => setRule(i, { to_team: ev.currentTarget.value as DistributionTeam })}>
                  {PROVIDER_TEAMS.map((team) => (
                    <option key={team} value={team}>
                      {t(`dist.team.${team}`)}
                    </option>
                  ))}
                </select>
                <button type="button" class="btn btn-small" onClick={() => setOverflow(overflow.filter((_, j) => j !== i))}>
                  {t('dist.remove')}
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      {!ro && (
        <button type="button" class="btn" onClick={() => setOverflow([...overflow, { kind: 'queue-over', threshold: 20, calendar_id: null, to_team: 'provider-basic' }])}>
          {t('dist.addRule')}
        </button>
      )}

      {!ro && (
        <fieldset class="dist-save">
          <legend>{t('dist.openCases')}</legend>
          {CHOICES.map((c) => (
            <label key={c} class="dist-choice">
              <input type="radio" name="dist-open-cases" value={c} checked={choice === c} onChange={() => setChoice(c)} data-testid={`dist-choice-${c}`} />
              {t(`dist.choice.${c}`)}
            </label>
          ))}
          <ErrorBox error={error} />
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void save()} data-testid="dist-save">
            {t('dist.save')}
          </button>
        </fieldset>
      )}
    </div>
  );
}
