// Small pieces the knowledge screens share: state badges, "who, when"
// stamps, the client picker and the sub-navigation.

import { formatDateTime, t } from '../../i18n';
import { Link } from '../../components/Link';
import { useSession } from '../../session';
import { canRestore, isEditor, type Language, type Version, type VersionState } from './kb';

export function StateBadge({ state }: { state: VersionState }) {
  return (
    <span class={`badge kb-state kb-state-${state}`} data-testid={`kb-state-${state}`}>
      {t(`kb.state.${state}`)}
    </span>
  );
}

export function languageName(l: Language): string {
  return t(`kb.lang.${l}`);
}

/** Who saved, submitted and published the version, and when, in the user's locale. */
export function Stamps({ version }: { version: Version }) {
  const who = (name: string | null | undefined) => name ?? t('kb.someone');
  return (
    <ul class="kb-stamps muted">
      <li>{t('kb.stamp.saved', { who: who(version.created_by_name), at: formatDateTime(version.created_at) })}</li>
      {version.submitted_at && <li>{t('kb.stamp.submitted', { who: who(version.submitted_by_name), at: formatDateTime(version.submitted_at) })}</li>}
      {version.published_at && <li>{t('kb.stamp.published', { who: who(version.published_by_name), at: formatDateTime(version.published_at) })}</li>}
    </ul>
  );
}

export function ClientPicker(props: { clients: { id: number; name: string }[]; clientId: number | null; onChange: (id: number) => void }) {
  if (props.clients.length < 2) return null;
  return (
    <label class="kb-client">
      <span class="field-label">{t('kb.client')}</span>
      <select value={props.clientId ?? ''} onChange={(e) => props.onChange(Number(e.currentTarget.value))} data-testid="kb-client">
        {props.clients.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Links between the knowledge screens, by what the user may do at the client. */
export function KbTabs({ clientId, current }: { clientId: number | null; current: 'home' | 'review' | 'deleted' | 'projects' }) {
  const { me } = useSession();
  if (!clientId) return null;
  const tab = (id: typeof current, href: string, label: string, testId: string) => (
    <Link href={href} class={id === current ? 'kb-tab kb-tab-current' : 'kb-tab'} current={id === current} testId={testId}>
      {label}
    </Link>
  );
  return (
    <nav class="kb-tabs" aria-label={t('kb.title')}>
      {tab('home', '/knowledge', t('kb.tab.articles'), 'kb-tab-home')}
      {isEditor(me, clientId) && tab('review', '/knowledge/review', t('kb.tab.review'), 'kb-tab-review')}
      {canRestore(me, clientId) && tab('deleted', '/knowledge/deleted', t('kb.tab.deleted'), 'kb-tab-deleted')}
      {isEditor(me, clientId) && tab('projects', '/knowledge/projects', t('kb.tab.projects'), 'kb-tab-projects')}
    </nav>
  );
}

/** After an agent's suggestion (`?suggested=1`): it was sent and waits for an editor. */
export function SuggestedNotice() {
  if (new URLSearchParams(window.location.search).get('suggested') !== '1') return null;
  return (
    <p class="alert alert-ok" role="status" data-testid="kb-suggested">
      {t('kb.suggested')}
    </p>
  );
}
