// Forecast and staffing (issue 18): per project the client's planned
// volumes per month and channel (versions, deadlines), actual against
// forecast with the deviation corridors, and the staffing per day and
// interval against the planned seats. Client admins enter and configure;
// project leads read.

import { useState } from 'preact/hooks';
import { t, type MsgKey } from '../../i18n';
import { Field } from '../../components/Field';
import { Page } from '../../components/Page';
import { useSession } from '../../session';
import { PlanView } from './PlanView';
import { ActualsView } from './ActualsView';
import { StaffingView } from './StaffingView';
import { SettingsView } from './SettingsView';
import { forecastProjects } from '../../access';

type Tab = 'plan' | 'actuals' | 'staffing' | 'settings';
const TABS: Tab[] = ['plan', 'actuals', 'staffing', 'settings'];

export function ForecastPage() {
  const { me } = useSession();
  const projects = forecastProjects(me);
  const [projectId, setProjectId] = useState<number | null>(projects[0]?.id ?? null);
  const [tab, setTab] = useState<Tab>('plan');
  // The month the actuals and staffing views show, shared between them.
  const [month, setMonth] = useState<string | null>(null);
  const project = projects.find((p) => p.id === projectId);
  const manage = project?.can.manage_forecast ?? false;

  const onTabKey = (e: KeyboardEvent) => {
    const i = TABS.indexOf(tab);
    const next = e.key === 'ArrowRight' ? TABS[(i + 1) % TABS.length] : e.key === 'ArrowLeft' ? TABS[(i + TABS.length - 1) % TABS.length] : null;
    if (!next) return;
    e.preventDefault();
    setTab(next);
    document.getElementById(`fc-tab-${next}`)?.focus();
  };

  return (
    <Page title={t('fc.title')} testId="forecast-page" wide>
      <p class="muted">{t('fc.help')}</p>
      <Field label={t('fc.project')}>
        <select
          value={projectId ?? ''}
          onChange={(e) => {
            setProjectId(Number(e.currentTarget.value));
            setMonth(null);
          }}
          data-testid="fc-project"
        >
          {projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.client_name} – {p.name}
            </option>
          ))}
        </select>
      </Field>
      <div class="tabs fc-tabs" role="tablist" aria-label={t('fc.tabs')}>
        {TABS.map((x) => (
          <button
            key={x}
            type="button"
            role="tab"
            id={`fc-tab-${x}`}
            class="tab"
            aria-selected={tab === x}
            aria-controls="fc-panel"
            tabIndex={tab === x ? 0 : -1}
            onClick={() => setTab(x)}
            onKeyDown={onTabKey}
            data-testid={`fc-tab-${x}`}
          >
            {t(`fc.tab.${x}` as MsgKey)}
          </button>
        ))}
      </div>
      {projectId && (
        <div id="fc-panel" role="tabpanel" aria-labelledby={`fc-tab-${tab}`} class="fc-panel">
          {tab === 'plan' && <PlanView key={projectId} projectId={projectId} manage={manage} />}
          {tab === 'actuals' && <ActualsView key={projectId} projectId={projectId} month={month} onMonth={setMonth} />}
          {tab === 'staffing' && <StaffingView key={projectId} projectId={projectId} month={month} onMonth={setMonth} />}
          {tab === 'settings' && <SettingsView key={projectId} projectId={projectId} manage={manage} />}
        </div>
      )}
    </Page>
  );
}
