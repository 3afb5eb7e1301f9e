// The case screen's SLA: the live timer of the next deadline and every
// clock of the case (target, deadline, result), reloaded with the case.

import { api, type Case, type CaseSla } from '../../api';
import { formatDateTime, t } from '../../i18n';
import { useLoad } from '../../components/useLoad';
import { useLiveEvents } from '../../components/events';
import { SlaTimer, targetLabel } from '../../components/SlaTimer';

export function SlaPanel({ c }: { c: Case }) {
  const { data, reload } = useLoad(() => api.get<CaseSla>(`/cases/${c.id}/sla`), [c.id, c.version, c.sla_due_at, c.status]);
  // A warning or breach marked by the server changes no case version.
  useLiveEvents((e) => {
    if (e.kind === 'case' && e.data.case_id === c.id && e.data.type === 'sla') void reload();
  });
  if (!data) return null;
  if (data.clocks.length === 0 && !data.policy_name) return null;
  return (
    <section class="card side-card sla-panel" data-testid="sla-panel" aria-label={t('sla.clocks')}>
      <div class="sla-panel-head">
        <strong>{t('sla.clocks')}</strong>
        <SlaTimer due={c.sla_due_at} target={c.sla_target} status={c.status} long />
      </div>
      {data.policy_name && <p class="muted">{t('sla.policyApplied', { name: data.policy_name })}</p>}
      <ul class="sla-clocks">
        {data.clocks.map((k) => {
          const breached = k.result === 'breached';
          return (
            <li key={k.id} class={breached ? 'sla-clock sla-breached' : 'sla-clock'}>
              <span>
                {targetLabel(k.target)}
                {k.target === 'next-response' && k.cycle > 1 ? ` ${k.cycle}` : ''}
              </span>
              <span class="muted">
                {k.result ? t(`sla.result.${k.result}`) : t(`sla.state.${k.state}`)}
                {k.due_at ? ` · ${t('sla.dueAt', { at: formatDateTime(k.due_at) })}` : ''}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
