import { t } from '../i18n';
import { Page } from '../components/Page';
import { Link } from '../components/Link';
import { useSession } from '../session';

export function HomePage() {
  const { me, projectId } = useSession();
  const u = me.user;
  return (
    <Page title={t('home.title')} testId="home">
      <p class="lead">{t('home.welcome', { name: u.name })}</p>
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
    </Page>
  );
}
