import { t } from '../i18n';
import { Link } from '../components/Link';
import { Page } from '../components/Page';

export function NotFoundPage() {
  return (
    <Page title={t('notFound.title')}>
      <p>{t('notFound.text')}</p>
      <p>
        <Link href="/">{t('nav.home')}</Link>
      </p>
    </Page>
  );
}

export function ForbiddenPage() {
  return (
    <Page title={t('forbidden.title')}>
      <p>{t('forbidden.text')}</p>
      <p>
        <Link href="/">{t('nav.home')}</Link>
      </p>
    </Page>
  );
}
